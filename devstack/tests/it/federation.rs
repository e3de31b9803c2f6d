//! Federation with the local Google: the sign-in page's button, identity_provider=Google, the Google
//! pages (account chooser, consent), the back channel (code → ID token verified against Google's JWKS),
//! the federated user `Google_<sub>` with `identities` and the `<pool>_Google` group, and the refusals.

use serde_json::{json, Value};

use crate::common::*;
use crate::sign_up::href;

const AVA: &str = "104217735128311400001";

/// authorize with identity_provider=Google → Google's account chooser → account `n` → consent
/// (`allow` or `deny`) → devstack's /oauth2/idpresponse: its answer (the redirect to the app).
async fn through_google(
    s: &Stack,
    authorize: &str,
    account: usize,
    consent: &str,
) -> reqwest::Response {
    let r = s.get(authorize).await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(
        to.starts_with(&format!("{}/_google/authorize?", s.public_base())),
        "straight to Google: {to}"
    );
    assert_eq!(
        query_param(&to, "redirect_uri").unwrap(),
        format!("{}/oauth2/idpresponse", s.public_base())
    );
    assert_eq!(query_param(&to, "scope").unwrap(), "openid email profile");
    let (st, chooser) = s.page(&path_of(&to)).await;
    assert_eq!(st, 200, "{chooser}");
    assert!(chooser.contains("id=googleAccount-0") && chooser.contains("id=googleAccount-1"));
    assert!(chooser.contains("ava.shopper@gmail.test"));
    choose_and_consent(s, &chooser, "/_google", "google", account, consent).await
}

#[tokio::test]
async fn google_new_user_then_the_same_user_again() {
    let s = Stack::start().await;
    // The sign-in page offers Google to the demo client (not to the rotating one).
    let r = s.get(&authorize_query(CLIENT, "")).await;
    let (_, login) = s.follow(&r).await;
    let button = href(&login, "googleSignInButton");
    assert!(button.starts_with("/oauth2/authorize?"), "{button}");
    assert_eq!(
        query_param(&button, "identity_provider").as_deref(),
        Some("Google")
    );
    assert!(login.contains(">Continue with Google</a>"));
    let r = s.get(&authorize_query(ROTATING, "")).await;
    let (_, other) = s.follow(&r).await;
    assert!(!other.contains("googleSignInButton"));

    // First sign-in: the user Google_<sub> is created.
    let r = through_google(&s, &button, 0, "allow").await;
    assert!(session_cookie(r.headers()).is_some());
    let t = tokens_from(&s, &r).await;
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], format!("Google_{AVA}"));
    assert_eq!(id["email"], "ava.shopper@gmail.test");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["name"], "Ava Shopper");
    assert_eq!(id["nonce"], "n0nce");
    assert_eq!(id["cognito:groups"], json!([format!("{POOL}_Google")]));
    let identities = id["identities"].as_array().expect("identities is an array");
    assert_eq!(identities.len(), 1);
    let ident = &identities[0];
    assert_eq!(ident["userId"], AVA);
    assert_eq!(ident["providerName"], "Google");
    assert_eq!(ident["providerType"], "Google");
    assert_eq!(ident["issuer"], Value::Null);
    assert_eq!(ident["primary"], "true");
    let created = ident["dateCreated"].as_str().unwrap().to_string();
    assert!(created.parse::<i64>().unwrap() > 1_600_000_000_000, "ms");
    let access = claims(t["access_token"].as_str().unwrap());
    assert_eq!(access["username"], format!("Google_{AVA}"));
    assert_eq!(access["cognito:groups"], json!([format!("{POOL}_Google")]));
    // GetUser shows identities as a string attribute, as Cognito does.
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
        attr.starts_with(&format!("[{{\"userId\":\"{AVA}\",\"providerName\":\"Google\",\"providerType\":\"Google\",\"issuer\":null,\"primary\":\"true\",\"dateCreated\":\"")),
        "{attr}"
    );

    // Again (prompt=login so that the cookie does not matter): the same user, same sub, same identity.
    let again = format!("{button}&prompt=login");
    let r = through_google(&s, &again, 0, "allow").await;
    let t2 = tokens_from(&s, &r).await;
    let id2 = claims(t2["id_token"].as_str().unwrap());
    assert_eq!(id2["cognito:username"], id["cognito:username"]);
    assert_eq!(id2["sub"], id["sub"]);
    assert_eq!(id2["identities"][0]["dateCreated"], created.as_str());
    assert_eq!(id2["cognito:groups"], id["cognito:groups"]);

    // Another account: another user.
    let r = through_google(&s, &again, 1, "allow").await;
    let t3 = tokens_from(&s, &r).await;
    let id3 = claims(t3["id_token"].as_str().unwrap());
    assert_eq!(id3["cognito:username"], "Google_104217735128311400002");
    assert_ne!(id3["sub"], id["sub"]);

    // A federated user has no password.
    for pw in ["", "anything"] {
        let (_, v) = s
            .idp("InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": format!("Google_{AVA}"), "PASSWORD": pw } }))
            .await;
        assert_eq!(v["__type"], "NotAuthorizedException");
    }

    // Persisted: after a restart the same Google account is the same user.
    let tmp = s.stop().await.unwrap();
    let s = Stack::start_on(tmp.path()).await;
    let r = s.get(&authorize_query(CLIENT, "")).await;
    let (_, login) = s.follow(&r).await;
    let r = through_google(&s, &href(&login, "googleSignInButton"), 0, "allow").await;
    let t4 = tokens_from(&s, &r).await;
    assert_eq!(claims(t4["id_token"].as_str().unwrap())["sub"], id["sub"]);
    drop(tmp);
}

#[tokio::test]
async fn refused_consent_comes_back_as_access_denied() {
    let s = Stack::start().await;
    let r = through_google(
        &s,
        &authorize_query(CLIENT, "&identity_provider=Google"),
        0,
        "deny",
    )
    .await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(to.starts_with(REDIRECT), "{to}");
    assert_eq!(query_param(&to, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    assert!(query_param(&to, "code").is_none());
    assert!(session_cookie(r.headers()).is_none());
    // No user was created.
    let store = std::fs::read_to_string(s.data.join("state.json")).unwrap();
    assert!(!store.contains(&format!("Google_{AVA}")));
}

#[tokio::test]
async fn google_and_idpresponse_refusals() {
    let s = Stack::start().await;
    let r = s
        .get(&authorize_query(CLIENT, "&identity_provider=Google"))
        .await;
    let to = path_of(&location(&r));
    // Google checks its client and the redirect URI.
    let bad_client = to.replace("client_id=", "client_id=x");
    let (st, page) = s.page(&bad_client).await;
    assert_eq!(st, 400);
    assert!(page.contains("invalid_client"));
    let bad_redirect = to.replace("idpresponse", "elsewhere");
    let (st, page) = s.page(&bad_redirect).await;
    assert_eq!(st, 400);
    assert!(page.contains("redirect_uri_mismatch"));
    // Google's token endpoint: client authentication and single-use codes.
    let (_, chooser) = s.page(&to).await;
    let r = s
        .submit(&chooser, "/_google/authorize", &[("account", "0")])
        .await;
    let consent = r.text().await.unwrap();
    let r = s
        .submit(&consent, "/_google/consent", &[("consent", "allow")])
        .await;
    let back = location(&r);
    let code = query_param(&back, "code").unwrap();
    let google = devstack::Config::default_config().google.unwrap();
    let redirect = format!("{}/oauth2/idpresponse", s.public_base());
    let token = |id: &str, secret: &str, code: &str| {
        let form = vec![
            ("grant_type".to_string(), "authorization_code".to_string()),
            ("code".to_string(), code.to_string()),
            ("redirect_uri".to_string(), redirect.clone()),
            ("client_id".to_string(), id.to_string()),
            ("client_secret".to_string(), secret.to_string()),
        ];
        let s = &s;
        async move {
            let r = s
                .http
                .post(format!("{}/_google/token", s.base))
                .form(&form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (st, v) = token(&google.client_id, "wrong", &code).await;
    assert_eq!((st, v["error"].as_str()), (401, Some("invalid_client")));
    let (st, v) = token(&google.client_id, &google.client_secret, &code).await;
    assert_eq!(st, 200, "{v}");
    let idt = claims(v["id_token"].as_str().unwrap());
    assert_eq!(idt["aud"], google.client_id.as_str());
    assert_eq!(idt["iss"], format!("{}/_google", s.public_base()));
    assert_eq!(idt["sub"], AVA);
    let (st, v) = token(&google.client_id, &google.client_secret, &code).await;
    assert_eq!((st, v["error"].as_str()), (400, Some("invalid_grant")));
    // The code was spent above, so devstack's back channel is refused and the app gets an error.
    let r = s.get(&path_of(&back)).await;
    assert_eq!(r.status(), 302);
    let to_app = location(&r);
    assert!(to_app.starts_with(REDIRECT), "{to_app}");
    assert_eq!(
        query_param(&to_app, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(query_param(&to_app, "state").as_deref(), Some("st4te"));
    // The state is single use too.
    let (st, page) = s.page(&path_of(&back)).await;
    assert_eq!(st, 400);
    assert!(page.contains("Invalid state"));
    let (st, _) = s.page("/oauth2/idpresponse?state=forged&code=x").await;
    assert_eq!(st, 400);
    // Discovery and JWKS of the local Google.
    let d: Value = s
        .get("/_google/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        d["jwks_uri"],
        format!("{}/_google/oauth2/v3/certs", s.public_base())
    );
    let jwks: Value = s
        .get("/_google/oauth2/v3/certs")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
    assert_eq!(
        jwks["keys"][0]["kid"],
        crate::common::header(v_token(&s).await.as_str())["kid"]
    );
}

/// A Google ID token from a fresh round trip up to the code, exchanged directly.
async fn v_token(s: &Stack) -> String {
    let r = s
        .get(&authorize_query(CLIENT, "&identity_provider=Google"))
        .await;
    let (_, chooser) = s.page(&path_of(&location(&r))).await;
    let r = s
        .submit(&chooser, "/_google/authorize", &[("account", "1")])
        .await;
    let consent = r.text().await.unwrap();
    let r = s
        .submit(&consent, "/_google/consent", &[("consent", "allow")])
        .await;
    let code = query_param(&location(&r), "code").unwrap();
    let google = devstack::Config::default_config().google.unwrap();
    let v: Value = s
        .http
        .post(format!("{}/_google/token", s.base))
        .basic_auth(&google.client_id, Some(&google.client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            (
                "redirect_uri",
                &format!("{}/oauth2/idpresponse", s.public_base()),
            ),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["id_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_back_channel_checks_the_provider_and_its_token() {
    // The pool's secret at Google is wrong: Google refuses the code exchange, the app gets an error.
    let mut config = devstack::Config::default_config();
    config.user_pools[0].identity_providers[0].client_secret = Some("not-the-secret".into());
    let s = Stack::start_with(config).await;
    let r = through_google(
        &s,
        &authorize_query(CLIENT, "&identity_provider=Google"),
        0,
        "allow",
    )
    .await;
    let to = location(&r);
    assert!(to.starts_with(REDIRECT), "{to}");
    assert_eq!(
        query_param(&to, "error").as_deref(),
        Some("invalid_request")
    );
    assert!(
        query_param(&to, "error_description")
            .unwrap()
            .contains("invalid_client"),
        "{to}"
    );
    s.stop().await;

    // An injected failure of Google's token endpoint: same.
    let s = Stack::start().await;
    s.admin(
        "faults",
        json!({ "endpoint": "_google/token", "status": 500 }),
    )
    .await;
    let r = through_google(
        &s,
        &authorize_query(CLIENT, "&identity_provider=Google"),
        0,
        "allow",
    )
    .await;
    let to = location(&r);
    assert_eq!(
        query_param(&to, "error").as_deref(),
        Some("invalid_request"),
        "{to}"
    );
    // Without the fault it works.
    let r = through_google(
        &s,
        &authorize_query(CLIENT, "&identity_provider=Google&prompt=login"),
        0,
        "allow",
    )
    .await;
    tokens_from(&s, &r).await;
}
