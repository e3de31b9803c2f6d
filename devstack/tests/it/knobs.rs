//! Test knobs: injected failures, latency, lifetimes, clock.

use std::time::Instant;

use serde_json::{json, Value};

use crate::common::*;

#[tokio::test]
async fn injected_failures_on_the_next_n_requests() {
    let s = Stack::start().await;
    s.admin(
        "faults",
        json!({ "endpoint": "token", "status": 500, "count": 2, "latencyMs": 0 }),
    )
    .await;
    let (code, _) = s.browser_login(CLIENT, "").await;
    for _ in 0..2 {
        let r = s.exchange(CLIENT, &code, VERIFIER).await;
        assert_eq!(r.status(), 500);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"], "server_error");
    }
    // The code was never consumed by the failed attempts.
    assert_eq!(s.exchange(CLIENT, &code, VERIFIER).await.status(), 200);

    s.admin(
        "faults",
        json!({ "endpoint": "InitiateAuth", "status": 429, "count": 1 }),
    )
    .await;
    let (st, v, _) = s
        .api(
            "AWSCognitoIdentityProviderService.InitiateAuth",
            json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "demo", "PASSWORD": "ShopSphere!2026" } }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (429, "TooManyRequestsException")
    );
    s.demo_login().await;

    s.admin("faults", json!({ "endpoint": "GetId", "status": 500 }))
        .await;
    let (st, v) = s
        .identity("GetId", json!({ "IdentityPoolId": IDENTITY_POOL }))
        .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (500, "InternalErrorException")
    );

    s.admin("faults", json!({ "endpoint": "PutObject", "status": 503 }))
        .await;
    let a = s.demo_login().await;
    let (id, c) = s.credentials(a["IdToken"].as_str().unwrap()).await;
    let creds = Creds::from_json(&c);
    let (st, code) = s3_code(
        s3_request(
            &s.http,
            &s.s3,
            "PUT",
            &format!("/avatars/private/{id}/f.txt"),
            b"x",
            &creds,
            &[],
        )
        .await,
    )
    .await;
    assert_eq!((st.as_u16(), code.as_str()), (503, "SlowDown"));
    let r = s3_request(
        &s.http,
        &s.s3,
        "PUT",
        &format!("/avatars/private/{id}/f.txt"),
        b"x",
        &creds,
        &[],
    )
    .await;
    assert_eq!(r.status(), 200);

    // Added latency only.
    s.admin(
        "faults",
        json!({ "endpoint": "jwks", "status": 0, "count": 1, "latencyMs": 400 }),
    )
    .await;
    let t = Instant::now();
    assert_eq!(
        s.get(&format!("/{POOL}/.well-known/jwks.json"))
            .await
            .status(),
        200
    );
    assert!(t.elapsed().as_millis() >= 400);
    let knobs: Value = s
        .http
        .get(format!("{}/_devstack/knobs", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(knobs["faults"], json!([]));

    // DELETE clears pending faults.
    s.admin(
        "faults",
        json!({ "endpoint": "*", "status": 500, "count": 100 }),
    )
    .await;
    s.http
        .delete(format!("{}/_devstack/faults", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        s.get(&format!("/{POOL}/.well-known/jwks.json"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn lifetimes_and_clock() {
    let s = Stack::start().await;
    let k = s
        .admin(
            "lifetimes",
            json!({ "accessTokenSeconds": 300, "idTokenSeconds": 400, "credentialsSeconds": 900 }),
        )
        .await;
    assert_eq!(k["lifetimes"]["accessTokenSeconds"], 300);
    let a = s.demo_login().await;
    assert_eq!(a["ExpiresIn"], 300);
    let id = claims(a["IdToken"].as_str().unwrap());
    assert_eq!(
        id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
        400
    );
    let (_, c) = s.credentials(a["IdToken"].as_str().unwrap()).await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((c["Expiration"].as_i64().unwrap() - now - 900).abs() < 10);
    // null goes back to the configured value.
    s.admin("lifetimes", json!({ "accessTokenSeconds": null }))
        .await;
    assert_eq!(s.demo_login().await["ExpiresIn"], 3600);

    // Clock offset shows in iat.
    s.clock(-600).await;
    let a = s.demo_login().await;
    let iat = claims(a["AccessToken"].as_str().unwrap())["iat"]
        .as_i64()
        .unwrap();
    assert!((now - 600 - iat).abs() < 10);
    let clock: Value = s
        .http
        .get(format!("{}/_devstack/clock", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["offsetSeconds"], -600);

    let r = s
        .http
        .post(format!("{}/_devstack/lifetimes", s.base))
        .json(&json!({ "bogus": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[test]
fn fault_flag_syntax() {
    let f: devstack::Fault = "token:500:2:100".parse().unwrap();
    assert_eq!(
        (f.endpoint.as_str(), f.status, f.count, f.latency_ms),
        ("token", 500, 2, 100)
    );
    let f: devstack::Fault = "GetId:429".parse().unwrap();
    assert_eq!((f.status, f.count), (429, 1));
    assert!("token".parse::<devstack::Fault>().is_err());
}
