//! The signed-in user's own account on the user-pool API: UpdateUserAttributes (with the verification
//! code of an email change in the outbox), GetUserAttributeVerificationCode, VerifyUserAttribute,
//! ChangePassword, DeleteUser, and their refusals.

use devstack::config::DEFAULT_CONFIG;
use devstack::Config;
use serde_json::{json, Value};

use crate::common::*;

async fn refused(s: &Stack, op: &str, body: Value, want: &str) -> Value {
    let (st, v) = s.idp(op, body.clone()).await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap_or("")),
        (400, want),
        "{op} {body}: {v}"
    );
    v
}

async fn ok(s: &Stack, op: &str, body: Value) -> Value {
    let (st, v) = s.idp(op, body.clone()).await;
    assert_eq!(st, 200, "{op} {body}: {v}");
    v
}

fn attr(user: &Value, name: &str) -> Option<String> {
    user["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == name)
        .map(|a| a["Value"].as_str().unwrap().to_string())
}

/// The last code the outbox holds for `username`'s attribute verification.
async fn last_code(s: &Stack, username: &str) -> String {
    let r = s
        .get(&format!(
            "/_devstack/outbox?username={username}&purpose=VerifyUserAttribute"
        ))
        .await;
    assert_eq!(r.status(), 200);
    let msgs: Value = r.json().await.unwrap();
    let last = msgs.as_array().unwrap().last().expect("a message").clone();
    assert_eq!(last["attribute"], "email");
    last["code"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn email_change_is_unverified_until_the_code_is_entered() {
    let s = Stack::start().await;
    let a = s.demo_login().await;
    let token = a["AccessToken"].clone();
    let v = ok(
        &s,
        "UpdateUserAttributes",
        json!({ "AccessToken": token, "UserAttributes": [
        { "Name": "name", "Value": "Renamed Shopper" },
        { "Name": "email", "Value": "new@shopsphere.test" },
        { "Name": "custom:tier", "Value": "gold" },
    ] }),
    )
    .await;
    assert_eq!(
        v,
        json!({ "CodeDeliveryDetailsList": [{ "Destination": "n***@s***.test", "DeliveryMedium": "EMAIL", "AttributeName": "email" }] })
    );
    let u = ok(&s, "GetUser", json!({ "AccessToken": token })).await;
    assert_eq!(attr(&u, "email").as_deref(), Some("new@shopsphere.test"));
    assert_eq!(attr(&u, "email_verified").as_deref(), Some("false"));
    assert_eq!(attr(&u, "name").as_deref(), Some("Renamed Shopper"));
    assert_eq!(attr(&u, "custom:tier").as_deref(), Some("gold"));
    // A change of another attribute sends nothing.
    let v = ok(
        &s,
        "UpdateUserAttributes",
        json!({ "AccessToken": token, "UserAttributes": [{ "Name": "name", "Value": "Again" }] }),
    )
    .await;
    assert_eq!(v, json!({}));

    // New ID tokens carry the new values.
    let (_, r) = s.idp("InitiateAuth", json!({ "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": CLIENT, "AuthParameters": { "REFRESH_TOKEN": a["RefreshToken"] } })).await;
    let id = claims(r["AuthenticationResult"]["IdToken"].as_str().unwrap());
    assert_eq!(
        (
            id["email"].clone(),
            id["email_verified"].clone(),
            id["name"].clone()
        ),
        (json!("new@shopsphere.test"), json!(false), json!("Again"))
    );

    let code = last_code(&s, "demo").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let v = refused(
        &s,
        "VerifyUserAttribute",
        json!({ "AccessToken": token, "AttributeName": "email", "Code": wrong }),
        "CodeMismatchException",
    )
    .await;
    assert_eq!(
        v["message"],
        "Invalid verification code provided, please try again."
    );
    ok(
        &s,
        "VerifyUserAttribute",
        json!({ "AccessToken": token, "AttributeName": "email", "Code": code }),
    )
    .await;
    let u = ok(&s, "GetUser", json!({ "AccessToken": token })).await;
    assert_eq!(attr(&u, "email_verified").as_deref(), Some("true"));
    refused(
        &s,
        "VerifyUserAttribute",
        json!({ "AccessToken": token, "AttributeName": "email", "Code": code }),
        "CodeMismatchException",
    )
    .await;
    let r = s.refresh(CLIENT, a["RefreshToken"].as_str().unwrap()).await;
    let t: Value = r.json().await.unwrap();
    assert_eq!(
        claims(t["id_token"].as_str().unwrap())["email_verified"],
        true
    );
}

#[tokio::test]
async fn codes_expire_and_wrong_codes_count() {
    let s = Stack::start().await;
    let token = s.demo_login().await["AccessToken"].clone();
    let v = ok(
        &s,
        "GetUserAttributeVerificationCode",
        json!({ "AccessToken": token, "AttributeName": "email" }),
    )
    .await;
    assert_eq!(
        v,
        json!({ "CodeDeliveryDetails": { "Destination": "d***@s***.test", "DeliveryMedium": "EMAIL", "AttributeName": "email" } })
    );
    let code = last_code(&s, "demo").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        refused(
            &s,
            "VerifyUserAttribute",
            json!({ "AccessToken": token, "AttributeName": "email", "Code": wrong }),
            "CodeMismatchException",
        )
        .await;
    }
    let v = refused(
        &s,
        "VerifyUserAttribute",
        json!({ "AccessToken": token, "AttributeName": "email", "Code": code }),
        "LimitExceededException",
    )
    .await;
    assert_eq!(
        v["message"],
        "Attempt limit exceeded, please try after some time."
    );
    // A new code works again; one older than a day does not.
    ok(
        &s,
        "GetUserAttributeVerificationCode",
        json!({ "AccessToken": token, "AttributeName": "email" }),
    )
    .await;
    ok(&s, "VerifyUserAttribute", json!({ "AccessToken": token, "AttributeName": "email", "Code": last_code(&s, "demo").await })).await;
    ok(
        &s,
        "GetUserAttributeVerificationCode",
        json!({ "AccessToken": token, "AttributeName": "email" }),
    )
    .await;
    let code = last_code(&s, "demo").await;
    s.clock(24 * 3600 + 1).await;
    let token = s.demo_login().await["AccessToken"].clone();
    let v = refused(
        &s,
        "VerifyUserAttribute",
        json!({ "AccessToken": token, "AttributeName": "email", "Code": code }),
        "ExpiredCodeException",
    )
    .await;
    assert_eq!(
        v["message"],
        "Invalid code provided, please request a code again."
    );
    refused(
        &s,
        "GetUserAttributeVerificationCode",
        json!({ "AccessToken": token, "AttributeName": "name" }),
        "InvalidParameterException",
    )
    .await;
}

#[tokio::test]
async fn update_user_attributes_refusals() {
    let s = Stack::start().await;
    let token = s.demo_login().await["AccessToken"].clone();
    for (name, value) in [
        ("sub", "x"),
        ("email_verified", "true"),
        ("favorite_color", "blue"),
        ("email", "not-an-email"),
        ("phone_number", "555-1234"),
    ] {
        refused(&s, "UpdateUserAttributes", json!({ "AccessToken": token, "UserAttributes": [{ "Name": "name", "Value": "Changed" }, { "Name": name, "Value": value }] }), "InvalidParameterException").await;
    }
    let u = ok(&s, "GetUser", json!({ "AccessToken": token })).await;
    assert_eq!(
        attr(&u, "name").as_deref(),
        Some("Demo Shopper"),
        "a refused request changes nothing"
    );
    refused(
        &s,
        "UpdateUserAttributes",
        json!({ "AccessToken": token }),
        "InvalidParameterException",
    )
    .await;
    refused(
        &s,
        "UpdateUserAttributes",
        json!({ "AccessToken": "garbage", "UserAttributes": [] }),
        "NotAuthorizedException",
    )
    .await;
}

#[tokio::test]
async fn an_email_alias_is_unique() {
    let text = DEFAULT_CONFIG.replace("alias_attributes = []", "alias_attributes = [\"email\"]");
    assert_ne!(text, DEFAULT_CONFIG);
    let s = Stack::start_with(Config::parse(&text).unwrap()).await;
    let token = s.demo_login().await["AccessToken"].clone();
    let v = refused(&s, "UpdateUserAttributes", json!({ "AccessToken": token, "UserAttributes": [{ "Name": "email", "Value": "rival@shopsphere.test" }] }), "AliasExistsException").await;
    assert_eq!(
        v["message"],
        "An account with the given email already exists."
    );
    ok(&s, "UpdateUserAttributes", json!({ "AccessToken": token, "UserAttributes": [{ "Name": "email", "Value": "other@shopsphere.test" }] })).await;
}

#[tokio::test]
async fn change_password_applies_the_policy() {
    let s = Stack::start().await;
    let token = s.demo_login().await["AccessToken"].clone();
    let v = refused(&s, "ChangePassword", json!({ "AccessToken": token, "PreviousPassword": "wrong!Pass1", "ProposedPassword": "Fresh!2026pass" }), "NotAuthorizedException").await;
    assert_eq!(v["message"], "Incorrect username or password.");
    for (weak, why) in [
        ("Sh0rt!", "Password not long enough"),
        (
            "nouppercase!2026",
            "Password must have uppercase characters",
        ),
        (
            "NOLOWERCASE!2026",
            "Password must have lowercase characters",
        ),
        ("NoNumbers!here", "Password must have numeric characters"),
        ("NoSymbols2026x", "Password must have symbol characters"),
    ] {
        let v = refused(&s, "ChangePassword", json!({ "AccessToken": token, "PreviousPassword": "ShopSphere!2026", "ProposedPassword": weak }), "InvalidPasswordException").await;
        assert_eq!(
            v["message"],
            format!("Password did not conform with policy: {why}")
        );
    }
    ok(&s, "ChangePassword", json!({ "AccessToken": token, "PreviousPassword": "ShopSphere!2026", "ProposedPassword": "Fresh!2026pass" })).await;
    refused(&s, "InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "demo", "PASSWORD": "ShopSphere!2026" } }), "NotAuthorizedException").await;
    s.password_login(CLIENT, "demo", "Fresh!2026pass").await;
    // The policy applies to AdminSetUserPassword too.
    refused(&s, "AdminSetUserPassword", json!({ "UserPoolId": POOL, "Username": "demo", "Password": "weakweakweak", "Permanent": true }), "InvalidPasswordException").await;
}

#[tokio::test]
async fn delete_user_ends_the_account() {
    let s = Stack::start().await;
    let a = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let token = a["AccessToken"].clone();
    ok(&s, "DeleteUser", json!({ "AccessToken": token })).await;
    refused(
        &s,
        "GetUser",
        json!({ "AccessToken": token }),
        "NotAuthorizedException",
    )
    .await;
    refused(
        &s,
        "DeleteUser",
        json!({ "AccessToken": token }),
        "NotAuthorizedException",
    )
    .await;
    refused(
        &s,
        "GetTokensFromRefreshToken",
        json!({ "RefreshToken": a["RefreshToken"], "ClientId": CLIENT }),
        "NotAuthorizedException",
    )
    .await;
    refused(&s, "InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "rival", "PASSWORD": "Rival!2026pass" } }), "NotAuthorizedException").await;
    // demo is untouched.
    let d = s.demo_login().await;
    ok(&s, "GetUser", json!({ "AccessToken": d["AccessToken"] })).await;
}

/// Signs demo in through managed login with `scope` and returns the token response.
async fn browser_tokens_with_scope(s: &Stack, scope: &str) -> Value {
    let q = authorize_query(CLIENT, "").replace(
        &enc("openid email profile aws.cognito.signin.user.admin"),
        &enc(scope),
    );
    let r = s.get(&q).await;
    assert_eq!(r.status(), 302);
    let page = s.get(&location(&r)).await.text().await.unwrap();
    let mut form = hidden_fields(&page);
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
    let code = query_param(&location(&r), "code").expect("code");
    s.exchange(CLIENT, &code, VERIFIER)
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_admin_scope_is_required() {
    let s = Stack::start().await;
    let t = browser_tokens_with_scope(&s, "openid email").await;
    let token = t["access_token"].clone();
    assert_eq!(claims(token.as_str().unwrap())["scope"], "openid email");
    for (op, extra) in [
        ("GetUser", json!({})),
        (
            "UpdateUserAttributes",
            json!({ "UserAttributes": [{ "Name": "name", "Value": "x" }] }),
        ),
        (
            "GetUserAttributeVerificationCode",
            json!({ "AttributeName": "email" }),
        ),
        (
            "VerifyUserAttribute",
            json!({ "AttributeName": "email", "Code": "123456" }),
        ),
        (
            "ChangePassword",
            json!({ "PreviousPassword": "ShopSphere!2026", "ProposedPassword": "Fresh!2026pass" }),
        ),
        ("DeleteUser", json!({})),
    ] {
        let mut body = extra;
        body["AccessToken"] = token.clone();
        let v = refused(&s, op, body, "NotAuthorizedException").await;
        assert_eq!(
            v["message"], "Access Token does not have required scopes",
            "{op}"
        );
    }
    // With the scope, the same token kind works.
    let t = browser_tokens_with_scope(&s, "openid aws.cognito.signin.user.admin").await;
    ok(&s, "GetUser", json!({ "AccessToken": t["access_token"] })).await;
}
