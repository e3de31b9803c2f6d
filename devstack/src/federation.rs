//! Cognito's side of federation: where a pool's identity provider is (the local Google, a generic OIDC
//! provider found by its issuer's discovery document, the local Facebook), the redirect to it, the back
//! channel (the code for tokens, the ID token verified against the provider's JWKS; Facebook's access
//! token for its `/me`), and the user the verified claims sign in: `<Provider>_<sub>` with the
//! `identities` attribute, or the native user it is linked to (`link_by_email`).

use std::collections::{BTreeMap, HashMap};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use crate::config::{IdentityProvider, UserPool};
use crate::ids::{random_string, stable_uuid, URL_SAFE};
use crate::passwords::PasswordSecret;
use crate::state::{App, FederationRequest, Store, User};
use crate::users::EXTERNAL_PROVIDER;
use crate::wire::{not_authorized, ApiError};

/// A round trip to an external identity provider may take 10 minutes.
const FEDERATION_SECONDS: i64 = 600;

/// Where identity providers send the browser back: `<cognito base>/oauth2/idpresponse`.
pub fn idp_redirect_uri(app: &App) -> String {
    format!("{}/oauth2/idpresponse", app.base_url)
}

/// The issuer (and base of the endpoints) of devstack's local provider `slug`: `<cognito base>/_google`
/// or `<cognito base>/_idp/<slug>` (`local_idp.rs` serves them).
pub fn local_issuer(app: &App, slug: &str) -> String {
    if slug == "google" {
        format!("{}/_google", app.base_url)
    } else {
        format!("{}/_idp/{slug}", app.base_url)
    }
}

/// Where a provider's endpoints are.
pub struct Endpoints {
    /// The `iss` its ID tokens must carry (empty for Facebook, which has none).
    pub issuer: String,
    pub authorize: String,
    pub token: String,
    pub jwks: String,
    /// Facebook's Graph `/me`.
    pub me: String,
}

/// The pool's OAuth client at the provider: (client id, secret); by default `[google]`'s for Google and
/// the local Facebook's for Facebook.
pub fn idp_client(app: &App, idp: &IdentityProvider) -> (String, String) {
    let (id, secret) = match idp.provider_type.as_str() {
        "Google" => app
            .config
            .google
            .as_ref()
            .map(|g| (g.client_id.clone(), g.client_secret.clone())),
        "Facebook" => app
            .config
            .local_facebook()
            .map(|f| (f.client_id.clone(), f.client_secret.clone())),
        _ => None,
    }
    .unzip();
    (
        idp.client_id.clone().or(id).unwrap_or_default(),
        idp.client_secret.clone().or(secret).unwrap_or_default(),
    )
}

/// The configured issuer, with `{cognito}` as devstack's base URL.
pub fn oidc_issuer(app: &App, idp: &IdentityProvider) -> String {
    idp.issuer
        .as_deref()
        .unwrap_or("")
        .replace("{cognito}", &app.base_url)
        .trim_end_matches('/')
        .to_string()
}

/// The provider's endpoints: fixed for Google and Facebook, from the discovery document
/// (`<issuer>/.well-known/openid-configuration`, whose `issuer` must be the configured one) for OIDC.
pub async fn endpoints(app: &App, idp: &IdentityProvider) -> Result<Endpoints, String> {
    match idp.provider_type.as_str() {
        "Google" => {
            let issuer = local_issuer(app, "google");
            Ok(Endpoints {
                authorize: format!("{issuer}/authorize"),
                token: format!("{issuer}/token"),
                jwks: format!("{issuer}/oauth2/v3/certs"),
                me: String::new(),
                issuer,
            })
        }
        "Facebook" => {
            let slug = app
                .config
                .local_facebook()
                .map(|f| f.slug.clone())
                .unwrap_or_default();
            let base = local_issuer(app, &slug);
            Ok(Endpoints {
                issuer: String::new(),
                authorize: format!("{base}/authorize"),
                token: format!("{base}/oauth/access_token"),
                jwks: String::new(),
                me: format!("{base}/me"),
            })
        }
        _ => {
            let issuer = oidc_issuer(app, idp);
            let url = format!("{issuer}/.well-known/openid-configuration");
            let doc: Value = reqwest::get(&url)
                .await
                .and_then(|r| r.error_for_status())
                .map_err(|e| format!("{}'s discovery document: {e}", idp.name))?
                .json()
                .await
                .map_err(|e| format!("{}'s discovery document: {e}", idp.name))?;
            let field = |k: &str| {
                doc.get(k)
                    .and_then(Value::as_str)
                    .map(String::from)
                    .ok_or_else(|| format!("{}'s discovery document has no {k}", idp.name))
            };
            if field("issuer")? != issuer {
                return Err(format!(
                    "{}'s discovery document names another issuer",
                    idp.name
                ));
            }
            Ok(Endpoints {
                authorize: field("authorization_endpoint")?,
                token: field("token_endpoint")?,
                jwks: field("jwks_uri")?,
                me: String::new(),
                issuer,
            })
        }
    }
}

/// Remembers the app's authorize request and returns the provider's authorize URL to send the browser to.
pub async fn federation_redirect(
    app: &App,
    pool: &UserPool,
    idp: &IdentityProvider,
    params: &HashMap<String, String>,
) -> Result<String, String> {
    let ep = endpoints(app, idp).await?;
    let state = random_string(43, URL_SAFE);
    let nonce = random_string(43, URL_SAFE);
    let expires_at = app.now() + FEDERATION_SECONDS;
    app.mem().federation.insert(
        state.clone(),
        FederationRequest {
            pool_id: pool.id.clone(),
            provider: idp.name.clone(),
            params: params.clone(),
            nonce: nonce.clone(),
            expires_at,
        },
    );
    let (client_id, _) = idp_client(app, idp);
    let mut url = url::Url::parse(&ep.authorize)
        .map_err(|e| format!("{}'s authorization endpoint: {e}", idp.name))?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", &client_id)
            .append_pair("redirect_uri", &idp_redirect_uri(app))
            .append_pair("response_type", "code")
            .append_pair("scope", &idp.authorize_scopes)
            .append_pair("state", &state);
        if idp.provider_type != "Facebook" {
            q.append_pair("nonce", &nonce);
        }
    }
    Ok(url.to_string())
}

/// The back channel: the provider's verified claims for `code` (an OIDC ID token's, or Facebook's `/me`
/// with `sub` = its `id`).
pub async fn provider_claims(
    app: &App,
    idp: &IdentityProvider,
    code: &str,
    nonce: &str,
) -> Result<Value, String> {
    let ep = endpoints(app, idp).await?;
    let (client_id, secret) = idp_client(app, idp);
    let http = reqwest::Client::new();
    let redirect_uri = idp_redirect_uri(app);
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri.as_str()),
        ("client_id", client_id.as_str()),
    ];
    let facebook = idp.provider_type == "Facebook";
    let mut request = http.post(&ep.token);
    if facebook {
        form.push(("client_secret", secret.as_str()));
    } else {
        request = request.basic_auth(&client_id, Some(&secret));
    }
    let r = request
        .form(&form)
        .send()
        .await
        .map_err(|e| format!("{}'s token endpoint: {e}", idp.name))?;
    let status = r.status();
    let body: Value = r
        .json()
        .await
        .map_err(|e| format!("{}'s token endpoint answered no JSON: {e}", idp.name))?;
    if !status.is_success() {
        let error = match body.get("error") {
            Some(Value::String(s)) => s.clone(),
            Some(e) => e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string(),
            None => "?".into(),
        };
        return Err(format!("{} refused the code: {error}", idp.name));
    }
    if facebook {
        return facebook_me(&http, idp, &ep, &body).await;
    }
    let id_token = body
        .get("id_token")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{} returned no id_token", idp.name))?;
    verify_id_token(&http, idp, &ep, &client_id, id_token, nonce).await
}

async fn facebook_me(
    http: &reqwest::Client,
    idp: &IdentityProvider,
    ep: &Endpoints,
    body: &Value,
) -> Result<Value, String> {
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{} returned no access_token", idp.name))?;
    let mut fields = vec!["id".to_string()];
    for claim in idp.attribute_mapping.values() {
        if !fields.contains(claim) {
            fields.push(claim.clone());
        }
    }
    let r = http
        .get(&ep.me)
        .query(&[("fields", fields.join(",")), ("access_token", token.into())])
        .send()
        .await
        .map_err(|e| format!("{}'s /me: {e}", idp.name))?;
    let ok = r.status().is_success();
    let mut me: Value = r
        .json()
        .await
        .map_err(|e| format!("{}'s /me answered no JSON: {e}", idp.name))?;
    let id = me.get("id").and_then(Value::as_str).map(String::from);
    match id {
        Some(id) if ok => {
            me["sub"] = json!(id);
            Ok(me)
        }
        _ => Err(format!("{}'s /me refused the access token", idp.name)),
    }
}

/// An ID token verified as Cognito does: RS256, its kid in the provider's JWKS, the signature, `iss`,
/// `aud` (the pool's client id), `exp`, and the `nonce` sent with the authorize request.
async fn verify_id_token(
    http: &reqwest::Client,
    idp: &IdentityProvider,
    ep: &Endpoints,
    client_id: &str,
    id_token: &str,
    nonce: &str,
) -> Result<Value, String> {
    let jwks: Value = http
        .get(&ep.jwks)
        .send()
        .await
        .map_err(|e| format!("{}'s JWKS: {e}", idp.name))?
        .json()
        .await
        .map_err(|e| format!("{}'s JWKS: {e}", idp.name))?;
    let header = jsonwebtoken::decode_header(id_token).map_err(|e| format!("ID token: {e}"))?;
    if header.alg != Algorithm::RS256 {
        return Err("ID token: not RS256".into());
    }
    let kid = header.kid.ok_or("ID token: no kid")?;
    let jwk = jwks
        .get("keys")
        .and_then(Value::as_array)
        .and_then(|keys| {
            keys.iter()
                .find(|k| k.get("kid").and_then(Value::as_str) == Some(&kid))
        })
        .ok_or("ID token: its kid is not in the provider's JWKS")?;
    let n = jwk.get("n").and_then(Value::as_str).unwrap_or("");
    let e = jwk.get("e").and_then(Value::as_str).unwrap_or("");
    let key = DecodingKey::from_rsa_components(n, e).map_err(|e| format!("JWKS key: {e}"))?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[ep.issuer.as_str()]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let data = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .map_err(|e| format!("ID token refused: {e}"))?;
    if data.claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
        return Err("ID token refused: nonce mismatch".into());
    }
    Ok(data.claims)
}

/// The `identities` attribute's text, each entry in Cognito's key order (userId, providerName,
/// providerType, issuer, primary, dateCreated).
fn identities_text(list: &[Value]) -> String {
    let entries: Vec<String> = list
        .iter()
        .map(|i| {
            let keys = [
                "userId",
                "providerName",
                "providerType",
                "issuer",
                "primary",
                "dateCreated",
            ];
            let fields: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", json!(k), i.get(*k).cloned().unwrap_or(Value::Null)))
                .collect();
            format!("{{{}}}", fields.join(","))
        })
        .collect();
    format!("[{}]", entries.join(","))
}

/// The `identities` entries of a user (its attribute is a JSON array as text).
fn identities_of(user: &User) -> Vec<Value> {
    user.attributes
        .get("identities")
        .and_then(|s| serde_json::from_str::<Vec<Value>>(s).ok())
        .unwrap_or_default()
}

fn identity(idp: &IdentityProvider, sub: &str, primary: bool, now: i64) -> Value {
    json!({
        "userId": sub,
        "providerName": idp.name,
        "providerType": idp.provider_type,
        "issuer": null,
        "primary": primary.to_string(),
        "dateCreated": (now * 1000).to_string(),
    })
}

fn apply_mapping(user: &mut User, idp: &IdentityProvider, claims: &Value) {
    for (attribute, claim) in &idp.attribute_mapping {
        let value = match claims.get(claim) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => continue,
        };
        user.attributes.insert(attribute.clone(), value);
    }
}

fn verified_email(idp: &IdentityProvider, claims: &Value) -> Option<String> {
    let email = claims.get("email").and_then(Value::as_str)?;
    // Facebook sends only confirmed addresses and no email_verified.
    let verified = idp.provider_type == "Facebook"
        || matches!(claims.get("email_verified"), Some(Value::Bool(true)))
        || claims.get("email_verified").and_then(Value::as_str) == Some("true");
    verified.then(|| email.to_ascii_lowercase())
}

/// The user for verified provider claims. A native user already linked to this identity (its
/// `identities` lists it) signs in, updated from the attribute mapping; else `<Provider>_<sub>` if it
/// exists; else, with `link_by_email`, the native user whose verified e-mail is the provider's verified
/// e-mail is linked (as AdminLinkProviderForUser: the provider is added to its `identities`); else
/// `<Provider>_<sub>` is created (status EXTERNAL_PROVIDER, the `identities` attribute, the
/// `<pool>_<Provider>` group). Mapped attributes are written on every sign-in.
pub fn federated_user(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    idp: &IdentityProvider,
    claims: &Value,
) -> Result<User, ApiError> {
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| not_authorized("The identity provider's token has no sub"))?
        .to_string();
    let username = format!("{}_{sub}", idp.name);
    let now = app.now();
    let users = store.users.entry(pool.id.clone()).or_default();
    let linked = users
        .values()
        .find(|u| {
            u.status != EXTERNAL_PROVIDER
                && identities_of(u).iter().any(|i| {
                    i.get("providerName").and_then(Value::as_str) == Some(&idp.name)
                        && i.get("userId").and_then(Value::as_str) == Some(&sub)
                })
        })
        .map(|u| u.username.clone());
    let target = match linked {
        Some(native) => native,
        None if users.contains_key(&username) => username.clone(),
        None => {
            let email = verified_email(idp, claims).filter(|_| idp.link_by_email);
            let native = email.and_then(|email| {
                users
                    .values()
                    .find(|u| {
                        u.status != EXTERNAL_PROVIDER
                            && u.attributes.get("email_verified").map(String::as_str)
                                == Some("true")
                            && u.attributes
                                .get("email")
                                .is_some_and(|e| e.eq_ignore_ascii_case(&email))
                    })
                    .map(|u| u.username.clone())
            });
            match native {
                Some(n) => {
                    let user = users.get_mut(&n).expect("found");
                    let mut list = identities_of(user);
                    list.push(identity(idp, &sub, false, now));
                    user.attributes
                        .insert("identities".into(), identities_text(&list));
                    n
                }
                None => {
                    let first = identities_text(&[identity(idp, &sub, true, now)]);
                    let new_user = User {
                        username: username.clone(),
                        secret: PasswordSecret::none(),
                        plain_password: None,
                        sub: stable_uuid(&format!("{}|{username}", pool.id)),
                        attributes: BTreeMap::from([("identities".to_string(), first)]),
                        groups: vec![],
                        enabled: true,
                        status: EXTERNAL_PROVIDER.into(),
                        created: now,
                        modified: now,
                    };
                    // The first sign-in creates the user: PreSignUp_ExternalProvider sees the
                    // mapped attributes, and a refusal creates nothing.
                    let mut seen = new_user.clone();
                    apply_mapping(&mut seen, idp, claims);
                    crate::triggers::pre_sign_up(
                        app,
                        pool,
                        "PreSignUp_ExternalProvider",
                        &seen,
                        &crate::triggers::Caller::default(),
                    )?;
                    users.insert(username.clone(), new_user);
                    username.clone()
                }
            }
        }
    };
    let user = users.get_mut(&target).expect("present");
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    apply_mapping(user, idp, claims);
    if user.status == EXTERNAL_PROVIDER {
        let group = format!("{}_{}", pool.id, idp.name);
        if !user.groups.contains(&group) {
            user.groups.push(group);
        }
    }
    user.modified = now;
    Ok(user.clone())
}
