//! Managed login, /oauth2/*, /logout, discovery and JWKS.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::common::*;

#[test]
fn pkce_vector_from_rfc7636() {
    assert_eq!(
        challenge(VERIFIER),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[tokio::test]
async fn discovery_and_jwks() {
    let s = Stack::start().await;
    let d: Value = s
        .get(&format!("/{POOL}/.well-known/openid-configuration"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["issuer"], s.issuer());
    assert!(s.issuer().ends_with("/us-east-1_ShopSphr1"));
    assert_eq!(
        d["jwks_uri"],
        format!("{}/.well-known/jwks.json", s.issuer())
    );
    assert_eq!(
        d["authorization_endpoint"],
        format!("{}/oauth2/authorize", s.public_base())
    );
    let jwks: Value = s
        .get(&format!("/{POOL}/.well-known/jwks.json"))
        .await
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);
    for k in keys {
        assert_eq!(k["alg"], "RS256");
        assert_eq!(k["kty"], "RSA");
    }
    assert_eq!(
        s.get("/us-east-1_Nope/.well-known/jwks.json")
            .await
            .status(),
        404
    );
}

fn verify_with_jwks(token: &str, jwks: &Value) -> Value {
    let kid = header(token)["kid"].as_str().unwrap().to_string();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("kid in JWKS");
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.validate_aud = false;
    jsonwebtoken::decode::<Value>(token, &key, &v)
        .expect("signature verifies")
        .claims
}

#[tokio::test]
async fn code_flow_with_pkce_issues_cognito_tokens() {
    let s = Stack::start().await;
    let (code, _cookie) = s.browser_login(CLIENT, "").await;
    let r = s.exchange(CLIENT, &code, VERIFIER).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3600);
    let (id, access) = (
        t["id_token"].as_str().unwrap(),
        t["access_token"].as_str().unwrap(),
    );
    assert!(t["refresh_token"].as_str().unwrap().len() > 20);

    let jwks: Value = s
        .get(&format!("/{POOL}/.well-known/jwks.json"))
        .await
        .json()
        .await
        .unwrap();
    let idc = verify_with_jwks(id, &jwks);
    let ac = verify_with_jwks(access, &jwks);
    assert_ne!(
        header(id)["kid"],
        header(access)["kid"],
        "ID and access tokens use different keys"
    );
    assert_eq!(header(id)["alg"], "RS256");

    assert_eq!(idc["token_use"], "id");
    assert_eq!(idc["aud"], CLIENT);
    assert_eq!(idc["iss"], s.issuer());
    assert_eq!(idc["cognito:username"], "demo");
    assert_eq!(idc["cognito:groups"], serde_json::json!(["customers"]));
    assert_eq!(idc["email"], "demo@shopsphere.test");
    assert_eq!(idc["email_verified"], true);
    assert_eq!(idc["nonce"], "n0nce");
    assert!(idc["jti"].is_string() && idc["origin_jti"].is_string() && idc["auth_time"].is_i64());
    assert_eq!(
        idc["exp"].as_i64().unwrap() - idc["iat"].as_i64().unwrap(),
        3600
    );

    assert_eq!(ac["token_use"], "access");
    assert_eq!(ac["client_id"], CLIENT);
    assert!(ac.get("aud").is_none(), "access tokens carry no aud");
    assert_eq!(
        ac["scope"],
        "openid email profile aws.cognito.signin.user.admin"
    );
    assert_eq!(ac["username"], "demo");
    assert_eq!(ac["origin_jti"], idc["origin_jti"]);
    assert_ne!(ac["jti"], idc["jti"]);
}

#[tokio::test]
async fn login_form_rejects_wrong_password_and_state_passes_through() {
    let s = Stack::start().await;
    let r = s
        .get(&authorize_query(
            CLIENT,
            "&identity_provider=COGNITO&login_hint=demo",
        ))
        .await;
    assert_eq!(r.status(), 302);
    let login = location(&r);
    let html = s.get(&login).await.text().await.unwrap();
    assert!(
        html.contains("required value=\"demo\""),
        "login_hint pre-fills the username"
    );
    let mut form = hidden_fields(&html);
    form.push(("username".into(), "demo".into()));
    form.push(("password".into(), "wrong-password".into()));
    let r = s
        .http
        .post(format!("{}/login", s.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(session_cookie(r.headers()).is_none());
    let html = r.text().await.unwrap();
    assert!(html.contains("Incorrect username or password."), "{html}");
    // Unknown user: same message.
    let mut form = hidden_fields(&html);
    form.push(("username".into(), "nobody".into()));
    form.push(("password".into(), "x".into()));
    let html = s
        .http
        .post(format!("{}/login", s.base))
        .form(&form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Incorrect username or password."));
    // Right password: redirect with code and the state.
    let mut form = hidden_fields(&html);
    form.push(("username".into(), "demo".into()));
    form.push(("password".into(), "ShopSphere!2026".into()));
    let r = s
        .http
        .post(format!("{}/login", s.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(to.starts_with("http://localhost:8080/?code="), "{to}");
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
}

#[tokio::test]
async fn session_cookie_skips_the_form_until_logout() {
    let s = Stack::start().await;
    let (_, cookie) = s.browser_login(CLIENT, "").await;
    let r = s
        .get_with_cookie(&authorize_query(CLIENT, ""), &cookie)
        .await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(
        to.starts_with(REDIRECT) && query_param(&to, "code").is_some(),
        "second authorize skips the form: {to}"
    );
    // The code from the silent authorize works.
    let code = query_param(&to, "code").unwrap();
    assert_eq!(s.exchange(CLIENT, &code, VERIFIER).await.status(), 200);
    // prompt=login forces the form.
    let r = s
        .get_with_cookie(&authorize_query(CLIENT, "&prompt=login"), &cookie)
        .await;
    assert!(location(&r).starts_with("/login?"));

    // Logout: the sign-out URL must be allowed.
    let r = s
        .get_with_cookie(
            &format!(
                "/logout?client_id={CLIENT}&logout_uri={}",
                enc("http://evil.example/")
            ),
            &cookie,
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = s
        .get_with_cookie(
            &format!(
                "/logout?client_id=unknownclient&logout_uri={}",
                enc(REDIRECT)
            ),
            &cookie,
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = s
        .get_with_cookie(
            &format!("/logout?client_id={CLIENT}&logout_uri={}", enc(REDIRECT)),
            &cookie,
        )
        .await;
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), REDIRECT);
    let cleared = r.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cleared.starts_with("cognito=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    // The old cookie no longer signs in.
    let r = s
        .get_with_cookie(&authorize_query(CLIENT, ""), &cookie)
        .await;
    assert!(location(&r).starts_with("/login?"));
}

#[tokio::test]
async fn authorize_refusals() {
    let s = Stack::start().await;
    // Unknown client and unregistered redirect URI: an error page, never a redirect.
    let r = s.get(&authorize_query("nosuchclient", "")).await;
    assert_eq!(r.status(), 400);
    let q =
        authorize_query(CLIENT, "").replace(&enc(REDIRECT), &enc("http://localhost:8080/callback"));
    let r = s.get(&q).await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    assert!(r.text().await.unwrap().contains("redirect_mismatch"));
    let q = authorize_query(CLIENT, "").replace(&enc(REDIRECT), &enc("http://localhost:8080"));
    assert_eq!(
        s.get(&q).await.status(),
        400,
        "redirect_uri must match exactly"
    );

    // Errors the app can handle come back to the redirect URI, with the state.
    let cases = [
        (authorize_query(CLIENT, "").replace("response_type=code", "response_type=token"), "unauthorized_client"),
        (authorize_query(CLIENT, "").replace("scope=openid", "scope=phone+openid"), "invalid_scope"),
        (authorize_query(CLIENT, "").replace("code_challenge_method=S256", "code_challenge_method=plain"), "invalid_request"),
        (
            format!("/oauth2/authorize?response_type=code&client_id={CLIENT}&redirect_uri={}&state=st4te", enc(REDIRECT)),
            "invalid_request",
        ),
        // Google is enabled for the demo client only.
        (authorize_query(ROTATING, "&identity_provider=Google"), "invalid_request"),
        (authorize_query(CLIENT, "&identity_provider=SomeSAML"), "invalid_request"),
    ];
    for (q, error) in cases {
        let r = s.get(&q).await;
        assert_eq!(r.status(), 302, "{q}");
        let to = location(&r);
        assert!(to.starts_with(REDIRECT), "{to}");
        assert_eq!(
            query_param(&to, "error").as_deref(),
            Some(error),
            "{q} → {to}"
        );
        assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    }
    // identity_provider=COGNITO is fine.
    let r = s
        .get(&authorize_query(CLIENT, "&identity_provider=COGNITO"))
        .await;
    assert!(location(&r).starts_with("/login?"));
}

async fn oauth_error(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    (status, v["error"].as_str().unwrap_or("").to_string())
}

#[tokio::test]
async fn token_endpoint_refusals() {
    let s = Stack::start().await;
    // Wrong verifier; the code is spent by the attempt.
    let (code, _) = s.browser_login(CLIENT, "").await;
    let wrong = "wrongwrongwrongwrongwrongwrongwrongwrongwrong";
    assert_eq!(
        oauth_error(s.exchange(CLIENT, &code, wrong).await).await,
        (400, "invalid_grant".into())
    );
    assert_eq!(
        oauth_error(s.exchange(CLIENT, &code, VERIFIER).await).await,
        (400, "invalid_grant".into())
    );
    // Missing verifier.
    let (code, cookie) = s.browser_login(CLIENT, "").await;
    let r = s
        .form(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", CLIENT),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
        )
        .await;
    assert_eq!(oauth_error(r).await, (400, "invalid_grant".into()));

    // Reused code.
    let code = silent_code(&s, &cookie).await;
    assert_eq!(s.exchange(CLIENT, &code, VERIFIER).await.status(), 200);
    assert_eq!(
        oauth_error(s.exchange(CLIENT, &code, VERIFIER).await).await,
        (400, "invalid_grant".into())
    );

    // Wrong redirect_uri at the token endpoint.
    let code = silent_code(&s, &cookie).await;
    let r = s
        .form(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", CLIENT),
                ("code", &code),
                ("redirect_uri", "http://localhost:8080/other"),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(oauth_error(r).await, (400, "invalid_grant".into()));

    // A code issued to another client.
    let code = silent_code(&s, &cookie).await;
    assert_eq!(
        oauth_error(s.exchange(ROTATING, &code, VERIFIER).await).await,
        (400, "invalid_grant".into())
    );

    // Expired code (5 minutes).
    let code = silent_code(&s, &cookie).await;
    s.clock(301).await;
    assert_eq!(
        oauth_error(s.exchange(CLIENT, &code, VERIFIER).await).await,
        (400, "invalid_grant".into())
    );
    s.clock(0).await;

    // Client and grant type problems.
    let code = silent_code(&s, &cookie).await;
    assert_eq!(
        oauth_error(s.exchange("nosuchclient", &code, VERIFIER).await).await,
        (400, "invalid_client".into())
    );
    let r = s
        .form(
            "/oauth2/token",
            &[("grant_type", "password"), ("client_id", CLIENT)],
        )
        .await;
    assert_eq!(oauth_error(r).await, (400, "unsupported_grant_type".into()));
    let r = s
        .http
        .post(format!("{}/oauth2/token", s.base))
        .json(&serde_json::json!({ "grant_type": "refresh_token" }))
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(r).await, (400, "invalid_request".into()));
    let r = s
        .form(
            "/oauth2/token",
            &[("grant_type", "client_credentials"), ("client_id", CLIENT)],
        )
        .await;
    assert_eq!(oauth_error(r).await, (400, "unauthorized_client".into()));
    assert_eq!(
        oauth_error(s.refresh(CLIENT, "not-a-refresh-token").await).await,
        (400, "invalid_grant".into())
    );
}

async fn silent_code(s: &Stack, cookie: &str) -> String {
    let r = s
        .get_with_cookie(&authorize_query(CLIENT, ""), cookie)
        .await;
    query_param(&location(&r), "code").expect("code")
}

#[tokio::test]
async fn refresh_without_rotation_keeps_the_token() {
    let s = Stack::start().await;
    let t = s.signed_in_tokens(CLIENT).await;
    let rt = t["refresh_token"].as_str().unwrap();
    for _ in 0..2 {
        let r = s.refresh(CLIENT, rt).await;
        assert_eq!(r.status(), 200);
        let n: Value = r.json().await.unwrap();
        assert!(
            n.get("refresh_token").is_none(),
            "no rotation: no new refresh token"
        );
        assert!(n["access_token"].is_string() && n["id_token"].is_string());
        let c = claims(n["id_token"].as_str().unwrap());
        assert!(c.get("nonce").is_none());
        assert_eq!(
            c["origin_jti"],
            claims(t["id_token"].as_str().unwrap())["origin_jti"]
        );
    }
    // Another client cannot use it.
    assert_eq!(
        oauth_error(s.refresh(ROTATING, rt).await).await,
        (400, "invalid_grant".into())
    );
}

#[tokio::test]
async fn refresh_rotation_with_grace_period_then_reuse_refused() {
    let s = Stack::start().await;
    let t = s.signed_in_tokens(ROTATING).await;
    let old = t["refresh_token"].as_str().unwrap().to_string();
    let n: Value = s.refresh(ROTATING, &old).await.json().await.unwrap();
    let new = n["refresh_token"]
        .as_str()
        .expect("rotation: a new refresh token")
        .to_string();
    assert_ne!(new, old);
    // Within the 10 s grace period the old token still works (and yields the same successor).
    s.clock(5).await;
    let again: Value = s.refresh(ROTATING, &old).await.json().await.unwrap();
    assert_eq!(again["refresh_token"], new.as_str());
    // After it, reuse of the rotated token is refused; the new one works.
    s.clock(11).await;
    assert_eq!(
        oauth_error(s.refresh(ROTATING, &old).await).await,
        (400, "invalid_grant".into())
    );
    let r = s.refresh(ROTATING, &new).await;
    assert_eq!(r.status(), 200);
    let newer: Value = r.json().await.unwrap();
    assert!(newer["refresh_token"].is_string());
}

#[tokio::test]
async fn refresh_token_expires() {
    let s = Stack::start().await;
    let t = s.signed_in_tokens(CLIENT).await;
    s.clock(30 * 24 * 3600 + 1).await;
    assert_eq!(
        oauth_error(
            s.refresh(CLIENT, t["refresh_token"].as_str().unwrap())
                .await
        )
        .await,
        (400, "invalid_grant".into())
    );
}

#[tokio::test]
async fn revoke_ends_the_session_family() {
    let s = Stack::start().await;
    let t = s.signed_in_tokens(CLIENT).await;
    let (rt, at) = (
        t["refresh_token"].as_str().unwrap(),
        t["access_token"].as_str().unwrap(),
    );
    let bearer = |tok: &str| format!("Bearer {tok}");
    let ui = s
        .http
        .get(format!("{}/oauth2/userInfo", s.base))
        .header("authorization", bearer(at))
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status(), 200);

    // Only refresh tokens; another client's token is refused.
    let r = s
        .form("/oauth2/revoke", &[("token", at), ("client_id", CLIENT)])
        .await;
    assert_eq!(oauth_error(r).await, (400, "unsupported_token_type".into()));
    let r = s
        .form("/oauth2/revoke", &[("token", rt), ("client_id", ROTATING)])
        .await;
    assert_eq!(r.status(), 400);
    let r = s
        .form("/oauth2/revoke", &[("token", rt), ("client_id", CLIENT)])
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().is_empty());
    // Again, and an unknown token: still 200.
    assert_eq!(
        s.form("/oauth2/revoke", &[("token", rt), ("client_id", CLIENT)])
            .await
            .status(),
        200
    );
    assert_eq!(
        s.form(
            "/oauth2/revoke",
            &[("token", "unknown"), ("client_id", CLIENT)]
        )
        .await
        .status(),
        200
    );

    assert_eq!(
        oauth_error(s.refresh(CLIENT, rt).await).await,
        (400, "invalid_grant".into())
    );
    let ui = s
        .http
        .get(format!("{}/oauth2/userInfo", s.base))
        .header("authorization", bearer(at))
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status(), 401);
    assert!(ui.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
    let (status, v) = s
        .idp("GetUser", serde_json::json!({ "AccessToken": at }))
        .await;
    assert_eq!(status, 400);
    assert_eq!(v["__type"], "NotAuthorizedException");
}

#[tokio::test]
async fn user_info_checks_the_access_token() {
    let s = Stack::start().await;
    let t = s.signed_in_tokens(CLIENT).await;
    let at = t["access_token"].as_str().unwrap();
    let get = |tok: String| {
        let s = &s;
        async move {
            s.http
                .get(format!("{}/oauth2/userInfo", s.base))
                .header("authorization", format!("Bearer {tok}"))
                .send()
                .await
                .unwrap()
        }
    };
    let r = get(at.to_string()).await;
    assert_eq!(r.status(), 200);
    let u: Value = r.json().await.unwrap();
    assert_eq!(u["username"], "demo");
    assert_eq!(u["email"], "demo@shopsphere.test");
    assert_eq!(u["sub"], claims(at)["sub"]);

    assert_eq!(get(tamper(at)).await.status(), 401, "tampered signature");
    assert_eq!(
        get(t["id_token"].as_str().unwrap().to_string())
            .await
            .status(),
        401,
        "an ID token is not an access token"
    );
    assert_eq!(
        s.http
            .get(format!("{}/oauth2/userInfo", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    s.clock(3601).await;
    let r = get(at.to_string()).await;
    assert_eq!(r.status(), 401, "expired");
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
}

#[tokio::test]
async fn cors_on_the_cognito_port() {
    let s = Stack::start().await;
    let pre = |origin: &'static str| {
        let s = &s;
        async move {
            s.http
                .request(reqwest::Method::OPTIONS, format!("{}/oauth2/token", s.base))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
                .send()
                .await
                .unwrap()
        }
    };
    let r = pre("http://localhost:8080").await;
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
    let r = pre("http://evil.example").await;
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = s
        .http
        .get(format!("{}/{POOL}/.well-known/jwks.json", s.base))
        .header("origin", "http://localhost:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
}
