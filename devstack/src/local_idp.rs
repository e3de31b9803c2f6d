//! The local identity providers devstack serves on the Cognito port: the one that plays Google (under
//! `/_google/`, the accounts of `[google]`) and those of `[[local_idps]]` (under `/_idp/<slug>/`): an
//! OIDC provider such as "Acme Corp SSO", or a Facebook-style OAuth 2.0 provider. Each has one registered
//! OAuth client (the user pool, redirect URI `<cognito base>/oauth2/idpresponse`), an account chooser and
//! a consent page (Allow / Deny). An OIDC one has a token endpoint that issues RS256 ID tokens, its JWKS
//! and discovery document; the Facebook one has `/oauth/access_token` (an access token, no ID token) and
//! a Graph-style `/me?fields=id,name,email`. They keep the real clock (they are other services:
//! devstack's clock knob does not move them).

// Refusals are finished responses (pages or OAuth errors), returned as `Err(Response)`.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::config::GoogleAccount;
use crate::federation::{idp_redirect_uri, local_issuer};
use crate::ids::{random_string, unix_now, URL_SAFE};
use crate::state::{App, GoogleCode, Shared};
use crate::wire::oauth_error;

type Params = HashMap<String, String>;

/// Authorization codes are short-lived; ten minutes here.
const CODE_SECONDS: i64 = 600;
const ID_TOKEN_SECONDS: i64 = 3600;

/// One local provider, as its handlers see it.
#[derive(Clone)]
pub struct Local {
    /// `google`, or the `[[local_idps]]` slug; also the prefix of its page element ids.
    pub slug: String,
    /// Where its endpoints are: `/_google` or `/_idp/<slug>`.
    pub prefix: String,
    pub brand: String,
    /// `oidc` or `facebook`.
    pub protocol: String,
    pub client_id: String,
    pub client_secret: String,
    pub accounts: Vec<GoogleAccount>,
}

impl Local {
    fn oidc(&self) -> bool {
        self.protocol == "oidc"
    }
}

/// The local provider `slug` (`google` is `[google]`).
pub fn local(app: &App, slug: &str) -> Option<Local> {
    if slug == "google" {
        return app.config.google.as_ref().map(|g| Local {
            slug: "google".into(),
            prefix: "/_google".into(),
            brand: "Google".into(),
            protocol: "oidc".into(),
            client_id: g.client_id.clone(),
            client_secret: g.client_secret.clone(),
            accounts: g.accounts.clone(),
        });
    }
    app.config
        .local_idps
        .iter()
        .find(|l| l.slug == slug)
        .map(|l| Local {
            slug: l.slug.clone(),
            prefix: format!("/_idp/{}", l.slug),
            brand: l.brand.clone(),
            protocol: l.protocol.clone(),
            client_id: l.client_id.clone(),
            client_secret: l.client_secret.clone(),
            accounts: l.accounts.clone(),
        })
}

fn google(app: &Shared) -> Result<Local, Response> {
    local(app, "google").ok_or_else(|| {
        error_page(
            "disabled",
            "devstack has no [google] identity provider configured",
        )
    })
}

fn named(app: &Shared, slug: &str) -> Result<Local, Response> {
    match local(app, slug) {
        Some(l) if slug != "google" => Ok(l),
        _ => Err(error_page(
            "disabled",
            &format!("devstack has no local identity provider {slug:?}"),
        )),
    }
}

pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/_google/.well-known/openid-configuration",
            get(|State(app): State<Shared>| async move {
                match google(&app) {
                    Ok(l) => discovery(&app, &l),
                    Err(_) => StatusCode::NOT_FOUND.into_response(),
                }
            }),
        )
        .route(
            "/_google/oauth2/v3/certs",
            get(|State(app): State<Shared>| async move { jwks(&app, "google") }),
        )
        .route(
            "/_google/authorize",
            get(
                |State(app): State<Shared>, Query(p): Query<Params>| async move {
                    match google(&app) {
                        Ok(l) => choose_account(&app, &l, &p),
                        Err(r) => r,
                    }
                },
            )
            .post(
                |State(app): State<Shared>, Form(p): Form<Params>| async move {
                    match google(&app) {
                        Ok(l) => consent_page(&app, &l, &p),
                        Err(r) => r,
                    }
                },
            ),
        )
        .route(
            "/_google/consent",
            post(
                |State(app): State<Shared>, Form(p): Form<Params>| async move {
                    match google(&app) {
                        Ok(l) => consent(&app, &l, &p),
                        Err(r) => r,
                    }
                },
            ),
        )
        .route(
            "/_google/token",
            post(
                |State(app): State<Shared>, headers: HeaderMap, form: Result<Form<Params>, FormRejection>| async move {
                    match google(&app) {
                        Ok(l) => token(&app, &l, &headers, form),
                        Err(_) => oauth_error(StatusCode::NOT_FOUND, "invalid_request", "no [google] configured"),
                    }
                },
            ),
        )
        .route(
            "/_idp/{slug}/.well-known/openid-configuration",
            get(
                |State(app): State<Shared>, Path(slug): Path<String>| async move {
                    match named(&app, &slug) {
                        Ok(l) if l.oidc() => discovery(&app, &l),
                        _ => StatusCode::NOT_FOUND.into_response(),
                    }
                },
            ),
        )
        .route(
            "/_idp/{slug}/oauth2/v3/certs",
            get(
                |State(app): State<Shared>, Path(slug): Path<String>| async move {
                    jwks(&app, &slug)
                },
            ),
        )
        .route(
            "/_idp/{slug}/authorize",
            get(
                |State(app): State<Shared>, Path(slug): Path<String>, Query(p): Query<Params>| async move {
                    match named(&app, &slug) {
                        Ok(l) => choose_account(&app, &l, &p),
                        Err(r) => r,
                    }
                },
            )
            .post(
                |State(app): State<Shared>, Path(slug): Path<String>, Form(p): Form<Params>| async move {
                    match named(&app, &slug) {
                        Ok(l) => consent_page(&app, &l, &p),
                        Err(r) => r,
                    }
                },
            ),
        )
        .route(
            "/_idp/{slug}/consent",
            post(
                |State(app): State<Shared>, Path(slug): Path<String>, Form(p): Form<Params>| async move {
                    match named(&app, &slug) {
                        Ok(l) => consent(&app, &l, &p),
                        Err(r) => r,
                    }
                },
            ),
        )
        .route(
            "/_idp/{slug}/token",
            post(
                |State(app): State<Shared>, Path(slug): Path<String>, headers: HeaderMap, form: Result<Form<Params>, FormRejection>| async move {
                    match named(&app, &slug) {
                        Ok(l) if l.oidc() => token(&app, &l, &headers, form),
                        _ => oauth_error(StatusCode::NOT_FOUND, "invalid_request", "no such OIDC provider"),
                    }
                },
            ),
        )
        .route(
            "/_idp/{slug}/oauth/access_token",
            get(facebook_token).post(facebook_token),
        )
        .route("/_idp/{slug}/me", get(facebook_me))
}

use crate::html::esc;

/// The local providers' look (their style sheet).
const PROVIDER_STYLE: &str = r#"body{font-family:Roboto,Arial,sans-serif;background:#fff;display:flex;justify-content:center;padding-top:8vh;margin:0;color:#202124}
main{border:1px solid #dadce0;border-radius:8px;padding:2.5rem;width:22rem}
h1{font-size:1.5rem;font-weight:400;margin:0 0 .5rem} .brand{font-size:1.2rem;color:#4285f4;margin-bottom:1rem}
button{display:block;width:100%;text-align:left;background:#fff;border:0;border-top:1px solid #dadce0;padding:.8rem .4rem;font-size:1rem;cursor:pointer}
button small{display:block;color:#5f6368} .actions{display:flex;gap:1rem;margin-top:1.5rem}
.actions button{text-align:center;border:1px solid #dadce0;border-radius:4px} .allow{background:#1a73e8;color:#fff}
.note{color:#5f6368;font-size:.75rem;margin-top:1.5rem}"#;

fn page(brand: &str, title: &str, main: &str) -> Response {
    let brand = esc(brand);
    let main = format!(
        "<div class=brand>{brand}</div>\n{main}<p class=note>devstack's local {brand} (an identity provider for tests)</p>\n"
    );
    Html(crate::html::document(title, PROVIDER_STYLE, &main)).into_response()
}

fn error_page(error: &str, description: &str) -> Response {
    let mut r = page(
        "devstack",
        "Error",
        &format!(
            "<h1>Error 400: {}</h1>\n<p id=idpError>{}</p>\n",
            esc(error),
            esc(description)
        ),
    );
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

fn hidden(p: &Params, keys: &[&str]) -> String {
    keys.iter()
        .filter_map(|k| {
            p.get(*k).map(|v| {
                format!(
                    "<input type=hidden name=\"{}\" value=\"{}\">\n",
                    esc(k),
                    esc(v)
                )
            })
        })
        .collect()
}

const AUTHORIZE_KEYS: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
];

/// A checked authorize request (client, redirect URI, response type; the openid scope for OIDC).
fn check(app: &App, l: &Local, p: &Params) -> Result<(), Response> {
    if p.get("client_id") != Some(&l.client_id) {
        return Err(error_page(
            "invalid_client",
            "The OAuth client was not found.",
        ));
    }
    if p.get("redirect_uri") != Some(&idp_redirect_uri(app)) {
        return Err(error_page(
            "redirect_uri_mismatch",
            "The redirect URI in the request does not match the ones authorized for the OAuth client.",
        ));
    }
    if p.get("response_type").map(String::as_str).unwrap_or("code") != "code" {
        return Err(error_page(
            "unsupported_response_type",
            "response_type must be code",
        ));
    }
    let scope = p.get("scope").map(String::as_str).unwrap_or("");
    if l.oidc() && !scope.split_whitespace().any(|s| s == "openid") {
        return Err(error_page("invalid_scope", "The openid scope is required."));
    }
    Ok(())
}

fn account_label(a: &GoogleAccount) -> String {
    a.name.clone().unwrap_or_else(|| a.email.clone())
}

/// `GET <prefix>/authorize`: "Choose an account", one button per account (`#<slug>Account-<n>`).
fn choose_account(app: &App, l: &Local, p: &Params) -> Response {
    if let Err(r) = check(app, l, p) {
        return r;
    }
    let mut buttons = String::new();
    for (i, a) in l.accounts.iter().enumerate() {
        buttons.push_str(&format!(
            "<button type=submit name=account value={i} id={}Account-{i}>{}<small>{}</small></button>\n",
            l.slug,
            esc(&account_label(a)),
            esc(&a.email)
        ));
    }
    page(
        &l.brand,
        &format!("Sign in - {}", l.brand),
        &format!(
            "<h1>Choose an account</h1>\n<p>to continue to the app</p>\n<form method=post action=\"{}/authorize\" id={}AccountForm>\n{}{buttons}</form>\n",
            l.prefix,
            l.slug,
            hidden(p, AUTHORIZE_KEYS)
        ),
    )
}

fn chosen<'a>(l: &'a Local, p: &Params) -> Option<&'a GoogleAccount> {
    p.get("account")
        .and_then(|a| a.parse::<usize>().ok())
        .and_then(|i| l.accounts.get(i))
}

/// `POST <prefix>/authorize` with the chosen account: the consent page (`#<slug>Allow`, `#<slug>Deny`).
fn consent_page(app: &App, l: &Local, p: &Params) -> Response {
    if let Err(r) = check(app, l, p) {
        return r;
    }
    let Some(account) = chosen(l, p) else {
        return error_page("invalid_request", "Choose one of the accounts.");
    };
    let mut keys = AUTHORIZE_KEYS.to_vec();
    keys.push("account");
    let slug = &l.slug;
    page(
        &l.brand,
        &format!("Sign in - {}", l.brand),
        &format!(
            "<h1>Sign in to the app</h1>\n<p id={slug}ConsentAccount>{} ({})</p>\n<p>{} will share your name, email address and profile with the app.</p>\n<form method=post action=\"{}/consent\" id={slug}ConsentForm>\n{}<div class=actions>\n<button type=submit name=consent value=deny id={slug}Deny>Cancel</button>\n<button type=submit name=consent value=allow id={slug}Allow class=allow>Continue</button>\n</div>\n</form>\n",
            esc(&account_label(account)),
            esc(&account.email),
            esc(&l.brand),
            l.prefix,
            hidden(p, &keys)
        ),
    )
}

fn back(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return error_page("invalid_request", "bad redirect URI");
    };
    url.query_pairs_mut().extend_pairs(params);
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(url.as_str()) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// `POST <prefix>/consent`: Allow → `?code=...&state=...`; Deny → `?error=access_denied&state=...`
/// (Facebook adds `error_code=200`, `error_reason=user_denied` and its description).
fn consent(app: &App, l: &Local, p: &Params) -> Response {
    if let Err(r) = check(app, l, p) {
        return r;
    }
    let redirect_uri = p["redirect_uri"].clone();
    let state = p.get("state").cloned().unwrap_or_default();
    if p.get("consent").map(String::as_str) != Some("allow") {
        if l.oidc() {
            return back(
                &redirect_uri,
                &[("error", "access_denied"), ("state", &state)],
            );
        }
        return back(
            &redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_code", "200"),
                ("error_description", "Permissions error"),
                ("error_reason", "user_denied"),
                ("state", &state),
            ],
        );
    }
    let Some(account) = chosen(l, p) else {
        return error_page("invalid_request", "Choose one of the accounts.");
    };
    let code = if l.slug == "google" {
        format!("4/{}", random_string(40, URL_SAFE))
    } else {
        random_string(40, URL_SAFE)
    };
    let scope = p.get("scope").cloned().unwrap_or_default();
    app.mem().google_codes.insert(
        code.clone(),
        GoogleCode {
            idp: l.slug.clone(),
            client_id: l.client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            sub: account.sub.clone(),
            nonce: p.get("nonce").cloned(),
            scope: scope.clone(),
            expires_at: unix_now() + CODE_SECONDS,
        },
    );
    if l.oidc() {
        back(
            &redirect_uri,
            &[("state", &state), ("code", &code), ("scope", &scope)],
        )
    } else {
        back(&redirect_uri, &[("code", &code), ("state", &state)])
    }
}

/// The client of a token request: HTTP Basic, or `client_id` / `client_secret` in the body.
fn client_matches(l: &Local, headers: &HeaderMap, p: &Params) -> bool {
    let mut id = p.get("client_id").cloned();
    let mut secret = p.get("client_secret").cloned();
    if let Some((i, s)) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|d| {
            d.split_once(':')
                .map(|(i, s)| (i.to_string(), s.to_string()))
        })
    {
        id = Some(i);
        secret = Some(s);
    }
    id.as_ref() == Some(&l.client_id) && secret.as_ref() == Some(&l.client_secret)
}

/// The code (single use, unexpired, same redirect URI) and its account.
fn redeem(app: &App, l: &Local, p: &Params) -> Option<(GoogleCode, GoogleAccount)> {
    let code = p.get("code").map(String::as_str).unwrap_or("");
    let c = app.mem().google_codes.remove(code)?;
    if c.idp != l.slug
        || c.expires_at <= unix_now()
        || p.get("redirect_uri") != Some(&c.redirect_uri)
    {
        return None;
    }
    let account = l.accounts.iter().find(|a| a.sub == c.sub)?.clone();
    Some((c, account))
}

/// `POST <prefix>/token`: the authorization code (single use) for an ID token, with the client
/// authenticated by HTTP Basic or `client_secret` in the body.
fn token(
    app: &App,
    l: &Local,
    headers: &HeaderMap,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let Ok(Form(p)) = form else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Bad Request");
    };
    let Some(key) = app.idp_keys.get(&l.slug) else {
        return oauth_error(StatusCode::NOT_FOUND, "invalid_request", "no signing key");
    };
    if !client_matches(l, headers, &p) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized");
    }
    if p.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Invalid grant_type",
        );
    }
    let Some((c, account)) = redeem(app, l, &p) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Bad Request");
    };
    let now = unix_now();
    let mut claims = json!({
        "iss": local_issuer(app, &l.slug),
        "azp": c.client_id,
        "aud": c.client_id,
        "sub": account.sub,
        "email": account.email,
        "email_verified": account.email_verified,
        "iat": now,
        "exp": now + ID_TOKEN_SECONDS,
    });
    for (name, value) in [
        ("name", &account.name),
        ("given_name", &account.given_name),
        ("family_name", &account.family_name),
    ] {
        if let Some(v) = value {
            claims[name] = json!(v);
        }
    }
    for (name, value) in &account.claims {
        claims[name] = json!(value);
    }
    if let Some(n) = &c.nonce {
        claims["nonce"] = json!(n);
    }
    let access = if l.slug == "google" {
        format!("ya29.{}", random_string(64, URL_SAFE))
    } else {
        random_string(64, URL_SAFE)
    };
    let mut r = Json(json!({
        "access_token": access,
        "expires_in": ID_TOKEN_SECONDS - 1,
        "id_token": key.sign(&claims),
        "scope": c.scope,
        "token_type": "Bearer",
    }))
    .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn facebook_error(status: StatusCode, message: &str, kind: &str, code: u32) -> Response {
    (
        status,
        Json(json!({ "error": { "message": message, "type": kind, "code": code } })),
    )
        .into_response()
}

/// `GET|POST /_idp/<slug>/oauth/access_token` (Facebook): the code for an access token
/// (`client_id`, `client_secret`, `redirect_uri`, `code` in the query or the body).
async fn facebook_token(
    State(app): State<Shared>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let Some(l) = local(&app, &slug).filter(|l| !l.oidc()) else {
        return facebook_error(
            StatusCode::NOT_FOUND,
            "Unknown path components",
            "OAuthException",
            2500,
        );
    };
    let Ok(Form(p)) = form else {
        return facebook_error(
            StatusCode::BAD_REQUEST,
            "Bad request",
            "OAuthException",
            100,
        );
    };
    if !client_matches(&l, &headers, &p) {
        return facebook_error(
            StatusCode::BAD_REQUEST,
            "Error validating client secret.",
            "OAuthException",
            1,
        );
    }
    let Some((_, account)) = redeem(&app, &l, &p) else {
        return facebook_error(
            StatusCode::BAD_REQUEST,
            "This authorization code has been used.",
            "OAuthException",
            100,
        );
    };
    let token = format!("EAA{}", random_string(60, URL_SAFE));
    app.mem().idp_tokens.insert(
        token.clone(),
        (slug, account.sub.clone(), unix_now() + ID_TOKEN_SECONDS),
    );
    Json(json!({ "access_token": token, "token_type": "bearer", "expires_in": ID_TOKEN_SECONDS }))
        .into_response()
}

/// `GET /_idp/<slug>/me?fields=id,name,email` (Facebook's Graph API): the account of the access token
/// (`access_token` in the query or `Authorization: Bearer`), with the fields asked for (`id` always).
async fn facebook_me(
    State(app): State<Shared>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let token = p.get("access_token").cloned().or_else(|| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string())
    });
    let held = token.and_then(|t| app.mem().idp_tokens.get(&t).cloned());
    let account = held
        .filter(|(s, _, exp)| *s == slug && *exp > unix_now())
        .and_then(|(_, sub, _)| {
            local(&app, &slug).and_then(|l| l.accounts.into_iter().find(|a| a.sub == sub))
        });
    let Some(a) = account else {
        return facebook_error(
            StatusCode::BAD_REQUEST,
            "Invalid OAuth access token - Cannot parse access token",
            "OAuthException",
            190,
        );
    };
    let mut out = serde_json::Map::new();
    out.insert("id".into(), json!(a.sub));
    let fields = p.get("fields").cloned().unwrap_or_else(|| "id,name".into());
    for f in fields.split(',').map(str::trim) {
        let v = match f {
            "name" => a.name.clone(),
            "email" => Some(a.email.clone()),
            "first_name" => a.given_name.clone(),
            "last_name" => a.family_name.clone(),
            other => a.claims.get(other).cloned(),
        };
        if let Some(v) = v {
            out.insert(f.to_string(), json!(v));
        }
    }
    Json(Value::Object(out)).into_response()
}

fn jwks(app: &App, slug: &str) -> Response {
    match app.idp_keys.get(slug) {
        Some(k) => Json(json!({ "keys": [k.jwk()] })).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn discovery(app: &App, l: &Local) -> Response {
    let issuer = local_issuer(app, &l.slug);
    let doc: Value = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/oauth2/v3/certs"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "claims_supported": ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "sub", "nonce"],
    });
    Json(doc).into_response()
}
