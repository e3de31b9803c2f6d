//! The identity-pool JSON API.

use serde_json::{json, Value};

use crate::common::*;

async fn get_id(s: &Stack, logins: Value) -> (u16, Value) {
    let (st, v) = s
        .identity(
            "GetId",
            json!({ "IdentityPoolId": IDENTITY_POOL, "Logins": logins }),
        )
        .await;
    (st.as_u16(), v)
}

#[tokio::test]
async fn get_id_and_credentials_for_a_user() {
    let s = Stack::start().await;
    let a = s.demo_login().await;
    let id_token = a["IdToken"].as_str().unwrap();
    let (st, v) = get_id(&s, json!({ PROVIDER: id_token })).await;
    assert_eq!(st, 200, "{v}");
    let identity = v["IdentityId"].as_str().unwrap().to_string();
    assert!(identity.starts_with("us-east-1:"));
    // Stable per user, also with a new token and with the issuer-host provider name.
    let b = s.demo_login().await;
    let host_provider = s.issuer().trim_start_matches("http://").to_string();
    assert!(host_provider.starts_with("localhost:"));
    let (_, v) = get_id(&s, json!({ host_provider.clone(): b["IdToken"] })).await;
    assert_eq!(v["IdentityId"], identity.as_str());
    // Another user gets another identity.
    let r = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let (_, v) = get_id(&s, json!({ PROVIDER: r["IdToken"] })).await;
    assert_ne!(v["IdentityId"], identity.as_str());

    let (st, v) = s
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": identity, "Logins": { PROVIDER: id_token } }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["IdentityId"], identity.as_str());
    let c = &v["Credentials"];
    assert!(c["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert_eq!(c["SecretKey"].as_str().unwrap().len(), 40);
    assert!(c["SessionToken"].as_str().unwrap().len() > 100);
    let exp = c["Expiration"]
        .as_i64()
        .expect("Expiration is epoch seconds, a JSON number");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((exp - now - 3600).abs() < 10, "one-hour credentials");
}

#[tokio::test]
async fn logins_are_verified() {
    let s = Stack::start().await;
    let a = s.demo_login().await;
    let id_token = a["IdToken"].as_str().unwrap();
    let not_authorized = |st: u16, v: &Value| st == 400 && v["__type"] == "NotAuthorizedException";

    let (st, v) = get_id(&s, json!({ PROVIDER: tamper(id_token) })).await;
    assert!(not_authorized(st, &v), "tampered signature: {v}");
    let (st, v) = get_id(&s, json!({ PROVIDER: a["AccessToken"] })).await;
    assert!(
        not_authorized(st, &v),
        "access token instead of ID token: {v}"
    );
    let (st, v) = get_id(
        &s,
        json!({ "cognito-idp.us-east-1.amazonaws.com/us-east-1_Other": id_token }),
    )
    .await;
    assert!(not_authorized(st, &v), "unknown provider: {v}");
    let (st, v) = get_id(&s, json!({ PROVIDER: "not.a.jwt" })).await;
    assert!(not_authorized(st, &v), "{v}");

    // An ID token for a client the identity pool does not list: wrong audience.
    // (Forge one by signing with the pool's own ID key but another aud.)
    let mut claims = claims(id_token);
    claims["aud"] = json!("someotherclient");
    let keys = devstack::keys::PoolKeys::load_or_create(&s.data.join("keys").join(POOL)).unwrap();
    let forged = keys.id.sign(&claims);
    let (st, v) = get_id(&s, json!({ PROVIDER: forged })).await;
    assert!(
        not_authorized(st, &v) && v["message"].as_str().unwrap().contains("audience"),
        "{v}"
    );

    // Expired.
    s.clock(3601).await;
    let (st, v) = get_id(&s, json!({ PROVIDER: id_token })).await;
    assert!(
        not_authorized(st, &v) && v["message"].as_str().unwrap().contains("expired"),
        "{v}"
    );
    s.clock(0).await;

    // Revoked by global sign-out.
    let (_, v) = get_id(&s, json!({ PROVIDER: id_token })).await;
    let identity = v["IdentityId"].as_str().unwrap().to_string();
    assert_eq!(
        s.idp("GlobalSignOut", json!({ "AccessToken": a["AccessToken"] }))
            .await
            .0,
        200
    );
    let (st, v) = get_id(&s, json!({ PROVIDER: id_token })).await;
    assert!(not_authorized(st, &v), "revoked: {v}");
    let (st, v) = s
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": identity, "Logins": { PROVIDER: id_token } }),
        )
        .await;
    assert!(not_authorized(st.as_u16(), &v), "revoked: {v}");

    // Unknown pool.
    let (st, v) = s
        .identity(
            "GetId",
            json!({ "IdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000" }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (400, "ResourceNotFoundException")
    );
}

#[tokio::test]
async fn credentials_need_the_identitys_own_login() {
    let s = Stack::start().await;
    let a = s.demo_login().await;
    let (identity, _) = s.credentials(a["IdToken"].as_str().unwrap()).await;
    // No Logins for an authenticated identity.
    let (st, v) = s
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": identity }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (400, "NotAuthorizedException")
    );
    // Another user's token.
    let r = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let (st, v) = s
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": identity, "Logins": { PROVIDER: r["IdToken"] } }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (400, "NotAuthorizedException")
    );
    // Unknown identity.
    let (_, v) = s
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": "us-east-1:00000000-0000-0000-0000-000000000000" }),
        )
        .await;
    assert_eq!(v["__type"], "ResourceNotFoundException");
}

#[tokio::test]
async fn guests() {
    let s = Stack::start().await;
    let (st, v) = s
        .identity("GetId", json!({ "IdentityPoolId": IDENTITY_POOL }))
        .await;
    assert_eq!(st, 200);
    let guest = v["IdentityId"].as_str().unwrap().to_string();
    let (st, v) = s
        .identity("GetCredentialsForIdentity", json!({ "IdentityId": guest }))
        .await;
    assert_eq!(st, 200, "{v}");
    assert!(v["Credentials"]["SessionToken"].is_string());
    // A guest identity cannot be claimed with a login.
    let a = s.demo_login().await;
    let (_, v) = s
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": guest, "Logins": { PROVIDER: a["IdToken"] } }),
        )
        .await;
    assert_eq!(v["__type"], "NotAuthorizedException");
}
