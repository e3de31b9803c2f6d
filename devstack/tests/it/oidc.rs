//! Federation beyond Google: a generic OIDC provider found by its issuer (the local "Acme Corp SSO", and
//! a misbehaving provider served by the test for the ID-token refusals), `idp_identifier` routing (the
//! authorize parameter and the sign-in page's corporate e-mail), the local Facebook (OAuth 2.0 and
//! Graph's `/me`), a refused consent, and linking a federated identity to a native user by e-mail.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use devstack::keys::SigningKey;
use devstack::Config;
use serde_json::{json, Value};

use crate::common::*;
use crate::sign_up::href;

const ALICE: &str = "00u1alice0acme";
const FAY: &str = "10160000000000001";
const RIVAL_FB: &str = "10160000000000002";

/// A local provider's account chooser (at `to`) → account `n` → consent (`allow` or `deny`) →
/// devstack's /oauth2/idpresponse: its answer (the redirect to the app).
async fn through_local(
    s: &Stack,
    to: &str,
    slug: &str,
    account: usize,
    consent: &str,
) -> reqwest::Response {
    let prefix = format!("/_idp/{slug}");
    assert!(
        to.starts_with(&format!("{}{prefix}/authorize?", s.public_base())),
        "to the local {slug}: {to}"
    );
    assert_eq!(
        query_param(to, "redirect_uri").unwrap(),
        format!("{}/oauth2/idpresponse", s.public_base())
    );
    let (st, chooser) = s.page(&path_of(to)).await;
    assert_eq!(st, 200, "{chooser}");
    assert!(
        chooser.contains(&format!("id={slug}Account-0")),
        "{chooser}"
    );
    choose_and_consent(s, &chooser, &prefix, slug, account, consent).await
}

fn id_claims(t: &Value) -> Value {
    claims(t["id_token"].as_str().unwrap())
}

/// The app's error redirect: (error, error_description).
fn app_error(r: &reqwest::Response) -> (String, String) {
    assert_eq!(r.status(), 302);
    let to = location(r);
    assert!(to.starts_with(REDIRECT), "{to}");
    assert!(query_param(&to, "code").is_none(), "{to}");
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    (
        query_param(&to, "error").unwrap_or_default(),
        query_param(&to, "error_description").unwrap_or_default(),
    )
}

fn store_text(s: &Stack) -> String {
    std::fs::read_to_string(s.data.join("state.json")).unwrap()
}

#[tokio::test]
async fn acme_sso_by_idp_identifier_creates_the_user_with_identities_and_mapped_attributes() {
    let s = Stack::start().await;
    // The local Acme's discovery document (what devstack-as-Cognito reads), JWKS and issuer.
    let (st, doc) = s.page("/_idp/acme/.well-known/openid-configuration").await;
    assert_eq!(st, 200);
    let doc: Value = serde_json::from_str(&doc).unwrap();
    let issuer = format!("{}/_idp/acme", s.public_base());
    assert_eq!(doc["issuer"], issuer);
    assert_eq!(doc["authorization_endpoint"], format!("{issuer}/authorize"));
    assert_eq!(doc["token_endpoint"], format!("{issuer}/token"));
    let (st, jwks) = s.page("/_idp/acme/oauth2/v3/certs").await;
    assert_eq!(st, 200);
    let jwks: Value = serde_json::from_str(&jwks).unwrap();
    let (_, google) = s.page("/_google/oauth2/v3/certs").await;
    let google: Value = serde_json::from_str(&google).unwrap();
    assert_ne!(
        jwks["keys"][0]["kid"], google["keys"][0]["kid"],
        "its own key"
    );

    // idp_identifier=acme.example (any case) goes straight to Acme, with Cognito's state and nonce.
    let r = s
        .get(&authorize_query(CLIENT, "&idp_identifier=ACME.example"))
        .await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert_eq!(
        query_param(&to, "client_id").as_deref(),
        Some("shopsphere-acme-client")
    );
    assert_eq!(
        query_param(&to, "scope").as_deref(),
        Some("openid email profile")
    );
    assert!(query_param(&to, "nonce").is_some_and(|n| n != "n0nce"));
    assert!(query_param(&to, "state").is_some_and(|n| n != "st4te"));
    let r = through_local(&s, &to, "acme", 0, "allow").await;
    let t = tokens_from(&s, &r).await;
    let id = id_claims(&t);
    assert_eq!(id["cognito:username"], format!("AcmeSSO_{ALICE}"));
    assert_eq!(id["email"], "alice@acme.example");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["name"], "Alice Admin");
    assert_eq!(id["custom:department"], "Engineering");
    assert!(id.get("given_name").is_none(), "only mapped attributes");
    assert_eq!(id["nonce"], "n0nce", "the app's nonce, not Cognito's");
    assert_eq!(id["cognito:groups"], json!([format!("{POOL}_AcmeSSO")]));
    let ident = &id["identities"][0];
    assert_eq!(ident["userId"], ALICE);
    assert_eq!(ident["providerName"], "AcmeSSO");
    assert_eq!(ident["providerType"], "OIDC");
    assert_eq!(ident["primary"], "true");
    // GetUser: identities as a string attribute in Cognito's key order.
    let (st, u) = s
        .idp("GetUser", json!({ "AccessToken": t["access_token"] }))
        .await;
    assert_eq!(st, 200, "{u}");
    let attr = u["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "identities")
        .unwrap()["Value"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        attr.starts_with(&format!("[{{\"userId\":\"{ALICE}\",\"providerName\":\"AcmeSSO\",\"providerType\":\"OIDC\",\"issuer\":null,\"primary\":\"true\",\"dateCreated\":\"")),
        "{attr}"
    );

    // identity_provider=AcmeSSO: the same user again.
    let r = s
        .get(&authorize_query(
            CLIENT,
            "&identity_provider=AcmeSSO&prompt=login",
        ))
        .await;
    let r = through_local(&s, &location(&r), "acme", 0, "allow").await;
    let again = id_claims(&tokens_from(&s, &r).await);
    assert_eq!(again["sub"], id["sub"]);
    assert_eq!(again["identities"][0]["dateCreated"], ident["dateCreated"]);

    // A refused consent comes back to the app as access_denied; no session.
    let r = s
        .get(&authorize_query(CLIENT, "&idp_identifier=acme.example"))
        .await;
    let r = through_local(&s, &location(&r), "acme", 0, "deny").await;
    assert!(session_cookie(r.headers()).is_none());
    assert_eq!(app_error(&r).0, "access_denied");
}

#[tokio::test]
async fn idp_identifier_refusals_and_the_corporate_email_field() {
    let s = Stack::start().await;
    // An identifier no provider has, or one of a provider the client may not use: back to the app.
    let r = s
        .get(&authorize_query(CLIENT, "&idp_identifier=unknown.example"))
        .await;
    let (error, description) = app_error(&r);
    assert_eq!(error, "invalid_request");
    assert!(description.contains("unknown.example"), "{description}");
    let r = s
        .get(&authorize_query(ROTATING, "&idp_identifier=acme.example"))
        .await;
    assert_eq!(app_error(&r).0, "invalid_request");

    // The sign-in page: a corporate e-mail whose domain is an identifier goes to that provider.
    let r = s.get(&authorize_query(CLIENT, "")).await;
    let (_, login) = s.follow(&r).await;
    assert!(login.contains("id=idpIdentifierForm"), "{login}");
    assert!(login.contains("id=idpButton-AcmeSSO") && login.contains("id=idpButton-Facebook"));
    let r = s
        .submit(
            &login,
            "/login",
            &[("corporate_email", "alice@acme.example")],
        )
        .await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(to.starts_with("/oauth2/authorize?"), "{to}");
    assert_eq!(
        query_param(&to, "idp_identifier").as_deref(),
        Some("acme.example")
    );
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    let r = s.get(&to).await;
    let r = through_local(&s, &location(&r), "acme", 0, "allow").await;
    assert_eq!(
        id_claims(&tokens_from(&s, &r).await)["cognito:username"],
        format!("AcmeSSO_{ALICE}")
    );
    // Another domain: the page again, with an error.
    let r = s
        .submit(
            &login,
            "/login",
            &[("corporate_email", "bob@elsewhere.example")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("No identity provider is configured for this email address."));
    // The rotating client has no provider with identifiers: no corporate field.
    let r = s.get(&authorize_query(ROTATING, "")).await;
    let (_, other) = s.follow(&r).await;
    assert!(!other.contains("idpIdentifierForm"));
}

#[tokio::test]
async fn facebook_users_mapped_attributes_and_refused_consent() {
    let s = Stack::start().await;
    let r = s.get(&authorize_query(CLIENT, "")).await;
    let (_, login) = s.follow(&r).await;
    let button = href(&login, "idpButton-Facebook");
    let r = s.get(&button).await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert_eq!(
        query_param(&to, "client_id").as_deref(),
        Some("1234567890123456")
    );
    assert_eq!(
        query_param(&to, "scope").as_deref(),
        Some("public_profile,email")
    );
    assert!(query_param(&to, "nonce").is_none(), "OAuth 2.0, no nonce");
    let r = through_local(&s, &to, "facebook", 0, "allow").await;
    let t = tokens_from(&s, &r).await;
    let id = id_claims(&t);
    assert_eq!(id["cognito:username"], format!("Facebook_{FAY}"));
    assert_eq!(id["email"], "fay.fan@facebook.test");
    assert_eq!(id["name"], "Fay Fan");
    assert_eq!(id["cognito:groups"], json!([format!("{POOL}_Facebook")]));
    let ident = &id["identities"][0];
    assert_eq!(ident["userId"], FAY);
    assert_eq!(ident["providerName"], "Facebook");
    assert_eq!(ident["providerType"], "Facebook");
    assert_eq!(ident["primary"], "true");

    // Refused: Facebook's error=access_denied (error_reason=user_denied) reaches the app as access_denied.
    let r = s
        .get(&authorize_query(
            CLIENT,
            "&identity_provider=Facebook&prompt=login",
        ))
        .await;
    let r = through_local(&s, &location(&r), "facebook", 0, "deny").await;
    assert_eq!(app_error(&r).0, "access_denied");

    // Graph's /me and the token endpoint refuse what is not theirs.
    let r = s
        .get("/_idp/facebook/me?fields=id,name&access_token=EAAbogus")
        .await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], 190);
    let r = s
        .form(
            "/_idp/facebook/oauth/access_token",
            &[
                ("client_id", "1234567890123456"),
                ("client_secret", "wrong"),
                ("code", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    // Facebook has no OIDC discovery.
    assert_eq!(
        s.get("/_idp/facebook/.well-known/openid-configuration")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn a_facebook_email_of_a_native_user_signs_in_as_that_user() {
    let s = Stack::start().await;
    let native = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let native_sub = claims(native["IdToken"].as_str().unwrap())["sub"].clone();
    let r = s
        .get(&authorize_query(CLIENT, "&identity_provider=Facebook"))
        .await;
    let r = through_local(&s, &location(&r), "facebook", 1, "allow").await;
    let id = id_claims(&tokens_from(&s, &r).await);
    assert_eq!(id["cognito:username"], "rival", "linked: the native user");
    assert_eq!(id["sub"], native_sub);
    assert_eq!(
        id["name"], "Rival On Facebook",
        "mapped attributes are written"
    );
    assert!(
        id.get("cognito:groups").is_none(),
        "no <pool>_Facebook group for a native user"
    );
    let ident = &id["identities"][0];
    assert_eq!(ident["providerName"], "Facebook");
    assert_eq!(ident["userId"], RIVAL_FB);
    assert_eq!(ident["primary"], "false");
    assert!(!store_text(&s).contains(&format!("Facebook_{RIVAL_FB}")));

    // The password still works, and its tokens list the linked provider too.
    let pw = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let pw = claims(pw["IdToken"].as_str().unwrap());
    assert_eq!(pw["identities"][0]["providerName"], "Facebook");

    // Again: the same native user, linked once.
    let r = s
        .get(&authorize_query(
            CLIENT,
            "&identity_provider=Facebook&prompt=login",
        ))
        .await;
    let r = through_local(&s, &location(&r), "facebook", 1, "allow").await;
    let again = id_claims(&tokens_from(&s, &r).await);
    assert_eq!(again["cognito:username"], "rival");
    assert_eq!(again["identities"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn without_link_by_email_the_same_email_is_another_user() {
    let text =
        devstack::config::DEFAULT_CONFIG.replace("link_by_email = true", "link_by_email = false");
    let s = Stack::start_with(Config::parse(&text).unwrap()).await;
    let r = s
        .get(&authorize_query(CLIENT, "&identity_provider=Facebook"))
        .await;
    let r = through_local(&s, &location(&r), "facebook", 1, "allow").await;
    let id = id_claims(&tokens_from(&s, &r).await);
    assert_eq!(id["cognito:username"], format!("Facebook_{RIVAL_FB}"));
    assert_eq!(id["email"], "rival@shopsphere.test");
}

// ---- A misbehaving OIDC provider, served by the test: discovery, JWKS and a token endpoint whose ID
// token is chosen by the code (`<mode>.<nonce>`).

struct Fake {
    key: SigningKey,
    base: String,
}

async fn fake_token(
    State(f): State<Arc<Fake>>,
    Form(p): Form<HashMap<String, String>>,
) -> Json<Value> {
    let code = p.get("code").cloned().unwrap_or_default();
    let (mode, nonce) = code.split_once('.').unwrap_or((code.as_str(), ""));
    let now = unix_now() as i64;
    let mut c = json!({
        "iss": f.base, "aud": "fake-client", "sub": "fake-user-1", "email": "f@fake.example",
        "email_verified": true, "iat": now, "exp": now + 600, "nonce": nonce,
    });
    match mode {
        "aud" => c["aud"] = json!("someone-else"),
        "iss" => c["iss"] = json!("https://elsewhere.example"),
        "nonce" => c["nonce"] = json!("not-the-nonce"),
        "expired" => {
            c["iat"] = json!(now - 7200);
            c["exp"] = json!(now - 3600);
        }
        _ => {}
    }
    let mut token = f.key.sign(&c);
    if mode == "sig" {
        token = tamper(&token);
    }
    Json(
        json!({ "access_token": "at", "token_type": "Bearer", "expires_in": 600, "id_token": token }),
    )
}

async fn fake_provider(key: SigningKey) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let fake = Arc::new(Fake {
        key,
        base: base.clone(),
    });
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(|State(f): State<Arc<Fake>>| async move {
                Json(json!({
                    "issuer": f.base,
                    "authorization_endpoint": format!("{}/authorize", f.base),
                    "token_endpoint": format!("{}/token", f.base),
                    "jwks_uri": format!("{}/keys", f.base),
                }))
            }),
        )
        .route(
            "/keys",
            get(|State(f): State<Arc<Fake>>| async move { Json(json!({ "keys": [f.key.jwk()] })) }),
        )
        .route("/token", post(fake_token))
        .with_state(fake);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::test]
async fn an_oidc_id_token_is_verified_signature_aud_iss_nonce_and_expiry() {
    // The fake provider signs with a key the test has at hand (the cached Acme key).
    let keys = tempfile::tempdir().unwrap();
    let s0 = Stack::start().await;
    let pem = s0.data.join("keys").join("_idp_acme").join("signing.pem");
    let copy = keys.path().join("signing.pem");
    std::fs::copy(&pem, &copy).unwrap();
    drop(s0);
    let key = devstack::keys::load_or_create_key(&copy).unwrap();
    let base = fake_provider(key).await;
    let text = devstack::config::DEFAULT_CONFIG
        .replace(
            "identity_providers = [\"COGNITO\", \"Google\", \"AcmeSSO\", \"Facebook\"]",
            "identity_providers = [\"COGNITO\", \"Google\", \"AcmeSSO\", \"Facebook\", \"Fake\"]",
        )
        .replacen(
            "[[user_pools.clients]]",
            &format!("[[user_pools.identity_providers]]\nname = \"Fake\"\nprovider_type = \"OIDC\"\nissuer = \"{base}\"\nclient_id = \"fake-client\"\nclient_secret = \"fake-secret\"\nattribute_mapping = {{ email = \"email\" }}\n\n[[user_pools.clients]]"),
            1,
        );
    let s = Stack::start_with(Config::parse(&text).unwrap()).await;
    for (mode, why) in [
        ("sig", "InvalidSignature"),
        ("aud", "InvalidAudience"),
        ("iss", "InvalidIssuer"),
        ("nonce", "nonce mismatch"),
        ("expired", "ExpiredSignature"),
    ] {
        let r = fake_idpresponse(&s, &base, mode).await;
        let (error, description) = app_error(&r);
        assert_eq!(error, "invalid_request", "{mode}");
        assert!(description.contains(why), "{mode}: {description}");
    }
    assert!(
        !store_text(&s).contains("Fake_fake-user-1"),
        "no user from a refused token"
    );
    let r = fake_idpresponse(&s, &base, "good").await;
    let id = id_claims(&tokens_from(&s, &r).await);
    assert_eq!(id["cognito:username"], "Fake_fake-user-1");
    assert_eq!(id["identities"][0]["providerType"], "OIDC");
    assert_eq!(id["email"], "f@fake.example");

    // A discovery document that names another issuer is refused before the browser leaves.
    let other = base.replace("127.0.0.1", "localhost");
    let text = text.replace(
        &format!("issuer = \"{base}\""),
        &format!("issuer = \"{other}\""),
    );
    let s2 = Stack::start_with(Config::parse(&text).unwrap()).await;
    let r = s2
        .get(&authorize_query(CLIENT, "&identity_provider=Fake"))
        .await;
    let (error, description) = app_error(&r);
    assert_eq!(error, "server_error");
    assert!(
        description.contains("names another issuer"),
        "{description}"
    );
}

/// authorize with identity_provider=Fake → the fake's authorize URL (found by discovery); then the
/// browser's return to /oauth2/idpresponse with the code `<mode>.<nonce>`.
async fn fake_idpresponse(s: &Stack, base: &str, mode: &str) -> reqwest::Response {
    let r = s
        .get(&authorize_query(
            CLIENT,
            "&identity_provider=Fake&prompt=login",
        ))
        .await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(
        to.starts_with(&format!("{base}/authorize?")),
        "discovered: {to}"
    );
    let state = query_param(&to, "state").unwrap();
    let nonce = query_param(&to, "nonce").unwrap();
    s.get(&format!(
        "/oauth2/idpresponse?code={}&state={}",
        enc(&format!("{mode}.{nonce}")),
        enc(&state)
    ))
    .await
}
