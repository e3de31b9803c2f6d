//! The user-pool JSON API.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn initiate_auth_and_get_user() {
    let s = Stack::start().await;
    let a = s.demo_login().await;
    assert_eq!(a["TokenType"], "Bearer");
    assert_eq!(a["ExpiresIn"], 3600);
    assert!(a["RefreshToken"].is_string());
    let id = claims(a["IdToken"].as_str().unwrap());
    assert_eq!(id["aud"], CLIENT);
    assert_eq!(
        claims(a["AccessToken"].as_str().unwrap())["scope"],
        "aws.cognito.signin.user.admin"
    );

    let (st, u) = s
        .idp("GetUser", json!({ "AccessToken": a["AccessToken"] }))
        .await;
    assert_eq!(st, 200);
    assert_eq!(u["Username"], "demo");
    let attrs = u["UserAttributes"].as_array().unwrap();
    assert!(attrs
        .iter()
        .any(|a| a["Name"] == "email" && a["Value"] == "demo@shopsphere.test"));
    assert!(attrs
        .iter()
        .any(|a| a["Name"] == "sub" && a["Value"] == id["sub"]));
    // rival has no groups: Cognito omits the claim.
    let r = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    assert!(claims(r["IdToken"].as_str().unwrap())
        .get("cognito:groups")
        .is_none());
}

#[tokio::test]
async fn errors_have_cognito_shape() {
    let s = Stack::start().await;
    let (st, v, et) = s
        .api(
            "AWSCognitoIdentityProviderService.InitiateAuth",
            json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "demo", "PASSWORD": "nope" } }),
        )
        .await;
    assert_eq!(st, 400);
    assert_eq!(v["__type"], "NotAuthorizedException");
    assert_eq!(v["message"], "Incorrect username or password.");
    assert!(et.unwrap().starts_with("NotAuthorizedException"));
    let (st, v) = s
        .idp(
            "InitiateAuth",
            json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "nosuch", "AuthParameters": {} }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (400, "ResourceNotFoundException")
    );
    let (st, v) = s
        .idp(
            "InitiateAuth",
            json!({ "AuthFlow": "CUSTOM_AUTH", "ClientId": CLIENT }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (400, "InvalidParameterException")
    );
    let (_, v) = s.idp("DeleteUserPool", json!({})).await;
    assert_eq!(v["__type"], "UnknownOperationException");
    let (_, v) = s.idp("GetUser", json!({ "AccessToken": "garbage" })).await;
    assert_eq!(v["__type"], "NotAuthorizedException");
    let a = s.demo_login().await;
    let (_, v) = s
        .idp(
            "GetUser",
            json!({ "AccessToken": tamper(a["AccessToken"].as_str().unwrap()) }),
        )
        .await;
    assert_eq!(v["__type"], "NotAuthorizedException");
    let (_, v) = s
        .idp("GetUser", json!({ "AccessToken": a["IdToken"] }))
        .await;
    assert_eq!(
        v["__type"], "NotAuthorizedException",
        "an ID token is not an access token"
    );
}

#[tokio::test]
async fn get_tokens_from_refresh_token_rotation_and_revoke_token() {
    let s = Stack::start().await;
    // Rotation off: no new refresh token.
    let a = s.demo_login().await;
    let (st, v) = s
        .idp(
            "GetTokensFromRefreshToken",
            json!({ "RefreshToken": a["RefreshToken"], "ClientId": CLIENT }),
        )
        .await;
    assert_eq!(st, 200);
    assert!(v["AuthenticationResult"]["AccessToken"].is_string());
    assert!(v["AuthenticationResult"].get("RefreshToken").is_none());
    // REFRESH_TOKEN_AUTH works too.
    let (st, _) = s.idp("InitiateAuth", json!({ "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": CLIENT, "AuthParameters": { "REFRESH_TOKEN": a["RefreshToken"] } })).await;
    assert_eq!(st, 200);

    // Rotation on.
    let r = s.password_login(ROTATING, "demo", "ShopSphere!2026").await;
    let old = r["RefreshToken"].as_str().unwrap().to_string();
    let (st, v) = s
        .idp(
            "GetTokensFromRefreshToken",
            json!({ "RefreshToken": old, "ClientId": ROTATING }),
        )
        .await;
    assert_eq!(st, 200);
    let new = v["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new, old);
    s.clock(11).await;
    let (st, v) = s
        .idp(
            "GetTokensFromRefreshToken",
            json!({ "RefreshToken": old, "ClientId": ROTATING }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (400, "NotAuthorizedException")
    );

    // RevokeToken.
    let (st, _) = s
        .idp("RevokeToken", json!({ "Token": new, "ClientId": ROTATING }))
        .await;
    assert_eq!(st, 200);
    let (_, v) = s
        .idp(
            "GetTokensFromRefreshToken",
            json!({ "RefreshToken": new, "ClientId": ROTATING }),
        )
        .await;
    assert_eq!(v["__type"], "NotAuthorizedException");
    let (_, v) = s
        .idp(
            "RevokeToken",
            json!({ "Token": r["AccessToken"], "ClientId": ROTATING }),
        )
        .await;
    assert_eq!(v["__type"], "UnsupportedTokenTypeException");
    let (_, v) = s
        .idp(
            "RevokeToken",
            json!({ "Token": a["RefreshToken"], "ClientId": ROTATING }),
        )
        .await;
    assert_eq!(v["__type"], "UnauthorizedException");
}

#[tokio::test]
async fn global_sign_out_ends_every_session() {
    let s = Stack::start().await;
    let a = s.demo_login().await;
    let b = s.demo_login().await;
    let other = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let (st, _) = s
        .idp("GlobalSignOut", json!({ "AccessToken": a["AccessToken"] }))
        .await;
    assert_eq!(st, 200);
    for t in [&a, &b] {
        let (_, v) = s
            .idp("GetUser", json!({ "AccessToken": t["AccessToken"] }))
            .await;
        assert_eq!(v["__type"], "NotAuthorizedException");
        let (_, v) = s
            .idp(
                "GetTokensFromRefreshToken",
                json!({ "RefreshToken": t["RefreshToken"], "ClientId": CLIENT }),
            )
            .await;
        assert_eq!(v["__type"], "NotAuthorizedException");
    }
    let (st, _) = s
        .idp("GetUser", json!({ "AccessToken": other["AccessToken"] }))
        .await;
    assert_eq!(st, 200, "other users are not affected");
    // A new sign-in works again.
    let c = s.demo_login().await;
    assert_eq!(
        s.idp("GetUser", json!({ "AccessToken": c["AccessToken"] }))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn admin_create_user_and_set_password() {
    let s = Stack::start().await;
    let (st, v) = s
        .idp(
            "AdminCreateUser",
            json!({ "UserPoolId": POOL, "Username": "carol", "TemporaryPassword": "Temp!2026pass", "UserAttributes": [{ "Name": "email", "Value": "carol@shopsphere.test" }] }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["User"]["UserStatus"], "FORCE_CHANGE_PASSWORD");
    let (_, v) = s
        .idp(
            "AdminCreateUser",
            json!({ "UserPoolId": POOL, "Username": "carol" }),
        )
        .await;
    assert_eq!(v["__type"], "UsernameExistsException");
    // A temporary password gives a challenge, not tokens.
    let (_, v) = s.idp("InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "carol", "PASSWORD": "Temp!2026pass" } })).await;
    assert_eq!(v["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let (st, _) = s.idp("AdminSetUserPassword", json!({ "UserPoolId": POOL, "Username": "carol", "Password": "Carol!2026pass", "Permanent": true })).await;
    assert_eq!(st, 200);
    let a = s.password_login(CLIENT, "carol", "Carol!2026pass").await;
    assert_eq!(
        claims(a["IdToken"].as_str().unwrap())["email"],
        "carol@shopsphere.test"
    );
    let (_, v) = s.idp("AdminSetUserPassword", json!({ "UserPoolId": POOL, "Username": "nobody", "Password": "Carol!2026pass", "Permanent": true })).await;
    assert_eq!(v["__type"], "UserNotFoundException");
    let (_, v) = s
        .idp(
            "AdminCreateUser",
            json!({ "UserPoolId": "us-east-1_Nope", "Username": "x" }),
        )
        .await;
    assert_eq!(v["__type"], "ResourceNotFoundException");
}
