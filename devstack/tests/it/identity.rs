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
}

async fn guest_credentials(s: &Stack, identity: &str, logins: Value) -> (u16, Value) {
    let mut body = json!({ "IdentityId": identity });
    if !logins.is_null() {
        body["Logins"] = logins;
    }
    let (st, v) = s.identity("GetCredentialsForIdentity", body).await;
    (st.as_u16(), v)
}

async fn new_guest(s: &Stack) -> String {
    let (st, v) = s
        .identity("GetId", json!({ "IdentityPoolId": IDENTITY_POOL }))
        .await;
    assert_eq!(st, 200, "{v}");
    v["IdentityId"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_guest_who_signs_in_becomes_the_user() {
    let s = Stack::start().await;
    let guest = new_guest(&s).await;
    let (st, _) = guest_credentials(&s, &guest, Value::Null).await;
    assert_eq!(st, 200);
    // The user has no identity yet: the guest identity is linked to the login and keeps its id.
    let a = s.demo_login().await;
    let (st, v) = guest_credentials(&s, &guest, json!({ PROVIDER: a["IdToken"] })).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["IdentityId"], guest.as_str());
    assert!(v["Credentials"]["SessionToken"].is_string());
    // From now on it is the user's identity: GetId with the login finds it (also with a new token) ...
    let b = s.demo_login().await;
    let (st, v) = get_id(&s, json!({ PROVIDER: b["IdToken"] })).await;
    assert_eq!((st, v["IdentityId"].as_str()), (200, Some(guest.as_str())));
    let (st, v) = guest_credentials(&s, &guest, json!({ PROVIDER: b["IdToken"] })).await;
    assert_eq!(
        (st, v["IdentityId"].as_str()),
        (200, Some(guest.as_str())),
        "{v}"
    );
    // ... it no longer gets guest credentials, and another user's login does not match it.
    let (st, v) = guest_credentials(&s, &guest, Value::Null).await;
    assert_eq!(
        (st, v["__type"].as_str()),
        (400, Some("NotAuthorizedException")),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("Logins don't match"),
        "{v}"
    );
    let r = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let (st, v) = guest_credentials(&s, &guest, json!({ PROVIDER: r["IdToken"] })).await;
    assert_eq!(
        (st, v["__type"].as_str()),
        (400, Some("NotAuthorizedException")),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("Logins don't match"),
        "{v}"
    );
    // The login is still verified first.
    let other = new_guest(&s).await;
    let (st, v) = guest_credentials(
        &s,
        &other,
        json!({ PROVIDER: tamper(a["IdToken"].as_str().unwrap()) }),
    )
    .await;
    assert_eq!(
        (st, v["__type"].as_str()),
        (400, Some("NotAuthorizedException")),
        "{v}"
    );
    let (st, _) = guest_credentials(&s, &other, Value::Null).await;
    assert_eq!(st, 200, "a refused login leaves the guest a guest");

    // The link survives a restart.
    let data = s.stop().await.unwrap();
    let s = Stack::start_on(data.path()).await;
    let c = s.demo_login().await;
    let (_, v) = get_id(&s, json!({ PROVIDER: c["IdToken"] })).await;
    assert_eq!(v["IdentityId"], guest.as_str());
    drop(data);
}

#[tokio::test]
async fn a_guest_whose_user_has_an_identity_is_merged_into_it() {
    let s = Stack::start().await;
    let a = s.demo_login().await;
    let (st, v) = get_id(&s, json!({ PROVIDER: a["IdToken"] })).await;
    assert_eq!(st, 200);
    let user = v["IdentityId"].as_str().unwrap().to_string();
    let guest = new_guest(&s).await;
    assert_ne!(guest, user);
    // The answer is for the user's identity, whose id the response carries.
    let (st, v) = guest_credentials(&s, &guest, json!({ PROVIDER: a["IdToken"] })).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["IdentityId"], user.as_str());
    assert!(v["Credentials"]["AccessKeyId"]
        .as_str()
        .unwrap()
        .starts_with("ASIA"));
    // The guest identity is disabled: no guest credentials, and no link to another user ...
    let (st, v) = guest_credentials(&s, &guest, Value::Null).await;
    assert_eq!(
        (st, v["__type"].as_str()),
        (400, Some("NotAuthorizedException")),
        "{v}"
    );
    assert!(v["message"].as_str().unwrap().contains("forbidden"), "{v}");
    let r = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let (st, v) = guest_credentials(&s, &guest, json!({ PROVIDER: r["IdToken"] })).await;
    assert_eq!(
        (st, v["__type"].as_str()),
        (400, Some("NotAuthorizedException")),
        "{v}"
    );
    // ... while its user's login still answers with the user's identity, and GetId is unchanged.
    let (st, v) = guest_credentials(&s, &guest, json!({ PROVIDER: a["IdToken"] })).await;
    assert_eq!(
        (st, v["IdentityId"].as_str()),
        (200, Some(user.as_str())),
        "{v}"
    );
    let (_, v) = get_id(&s, json!({ PROVIDER: a["IdToken"] })).await;
    assert_eq!(v["IdentityId"], user.as_str());
    let (st, v) = guest_credentials(&s, &user, json!({ PROVIDER: a["IdToken"] })).await;
    assert_eq!(
        (st, v["IdentityId"].as_str()),
        (200, Some(user.as_str())),
        "{v}"
    );
}
