//! The user-pool JSON API (`X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`, x-amz-json-1.1):
//! InitiateAuth (USER_PASSWORD_AUTH, USER_SRP_AUTH, USER_AUTH, REFRESH_TOKEN_AUTH), GetTokensFromRefreshToken, RevokeToken, GlobalSignOut, GetUser and the Admin* seeding
//! operations. `dispatch.rs` routes `POST /` here.

use serde_json::{json, Value};

use crate::ids::{random_string, stable_uuid, URL_SAFE};
use crate::mfa;
use crate::passkeys;
use crate::sign_in;
use crate::state::{Shared, User};
use crate::users;
use crate::wire::{bad, not_authorized, str_field, ApiError, ApiResult};

/// One user-pool operation (`op` is the part of X-Amz-Target after the service name).
pub fn op(app: &Shared, op: &str, input: &Value) -> ApiResult {
    match op {
        "InitiateAuth" => initiate_auth(app, input),
        "GetTokensFromRefreshToken" => get_tokens_from_refresh_token(app, input),
        "RevokeToken" => revoke_token(app, input),
        "GlobalSignOut" => global_sign_out(app, input),
        "GetUser" => get_user(app, input),
        "AdminCreateUser" => admin_create_user(app, input),
        "AdminSetUserPassword" => admin_set_user_password(app, input),
        "AdminAddUserToGroup" => admin_add_user_to_group(app, input),
        _ => Err(bad(
            "UnknownOperationException",
            &format!("devstack does not implement {op}"),
        )),
    }
}

fn initiate_auth(app: &Shared, input: &Value) -> ApiResult {
    let flow = str_field(input, "AuthFlow")?;
    let (pool, client) = users::app_client(app, input)?;
    let params = input.get("AuthParameters").cloned().unwrap_or(json!({}));
    let param = |n: &str| {
        params
            .get(n)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    match flow {
        "USER_PASSWORD_AUTH" => {
            users::require_flow(&client, flow)?;
            let (username, password) = (param("USERNAME"), param("PASSWORD"));
            if username.is_empty() {
                return Err(bad(
                    "InvalidParameterException",
                    "Missing required parameter USERNAME",
                ));
            }
            let mut store = app.store();
            let user = match users::find_user(&store, &pool, &username) {
                Some(u) if users::password_matches(&u, &password) => u,
                _ => return Err(not_authorized("Incorrect username or password.")),
            };
            sign_in::after_password(app, &mut store, &pool, &client, &user)
        }
        "USER_SRP_AUTH" => {
            users::require_flow(&client, flow)?;
            let username = users::required_param(&params, "USERNAME")?;
            let a = users::required_param(&params, "SRP_A")?;
            let store = app.store();
            sign_in::srp_challenge(app, &store, &pool, &client, username, a)
        }
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
            users::require_flow(&client, flow)?;
            if client.refresh_token_rotation {
                return Err(bad("InvalidParameterException", "Refresh token rotation is enabled for this client: use GetTokensFromRefreshToken"));
            }
            let mut store = app.store();
            let issued = app
                .refresh(&mut store, &client, &param("REFRESH_TOKEN"))
                .map_err(|e| e.api())?;
            app.persist(&store);
            Ok(json!({ "AuthenticationResult": issued.auth_result(), "ChallengeParameters": {} }))
        }
        "USER_AUTH" => {
            users::require_flow(&client, flow)?;
            let mut store = app.store();
            match input.get("Session").and_then(Value::as_str) {
                Some(session) => sign_in::sign_in_after_sign_up(
                    app, &mut store, &pool, &client, &params, session,
                ),
                None => {
                    passkeys::preferred(app, &store, &pool, &client, &params).unwrap_or_else(|| {
                        sign_in::user_auth(app, &mut store, &pool, &client, &params)
                    })
                }
            }
        }
        other => Err(bad(
            "InvalidParameterException",
            &format!("devstack does not support AuthFlow {other}"),
        )),
    }
}

fn get_tokens_from_refresh_token(app: &Shared, input: &Value) -> ApiResult {
    let token = str_field(input, "RefreshToken")?.to_string();
    let (_, client) = users::app_client(app, input)?;
    users::require_flow(&client, "REFRESH_TOKEN_AUTH")?;
    let mut store = app.store();
    let issued = app
        .refresh(&mut store, &client, &token)
        .map_err(|e| e.api())?;
    app.persist(&store);
    Ok(json!({ "AuthenticationResult": issued.auth_result() }))
}

fn revoke_token(app: &Shared, input: &Value) -> ApiResult {
    let token = str_field(input, "Token")?.to_string();
    let (_, client) = users::app_client(app, input)?;
    if token.starts_with("eyJ") && token.split('.').count() == 3 {
        return Err(bad(
            "UnsupportedTokenTypeException",
            "Only refresh tokens can be revoked",
        ));
    }
    let mut store = app.store();
    if !app.revoke(&mut store, &client.id, &token) {
        return Err(bad(
            "UnauthorizedException",
            "Token is not from the provided client",
        ));
    }
    app.persist(&store);
    Ok(json!({}))
}

fn access_token_user(app: &Shared, input: &Value) -> Result<(String, User), ApiError> {
    let token = str_field(input, "AccessToken")?;
    users::signed_in_user(app, &app.store(), token)
}

fn global_sign_out(app: &Shared, input: &Value) -> ApiResult {
    let (pool_id, user) = access_token_user(app, input)?;
    let mut store = app.store();
    app.global_sign_out(&mut store, &pool_id, &user.username);
    app.persist(&store);
    Ok(json!({}))
}

fn attributes_json(user: &User) -> Value {
    let mut attrs = vec![json!({ "Name": "sub", "Value": user.sub })];
    for (k, v) in &user.attributes {
        if k != "sub" {
            attrs.push(json!({ "Name": k, "Value": v }));
        }
    }
    Value::Array(attrs)
}

fn get_user(app: &Shared, input: &Value) -> ApiResult {
    let (pool_id, user) = access_token_user(app, input)?;
    let mut out = json!({ "Username": user.username, "UserAttributes": attributes_json(&user), "MFAOptions": [], "UserMFASettingList": [] });
    let (mfa, preferred) = mfa::mfa_settings(&app.store(), &pool_id, &user.username);
    out["UserMFASettingList"] = json!(mfa);
    if let Some(p) = preferred {
        out["PreferredMfaSetting"] = json!(p);
    }
    Ok(out)
}

fn pool_id_field(app: &Shared, input: &Value) -> Result<String, ApiError> {
    let id = str_field(input, "UserPoolId")?;
    app.config
        .user_pool(id)
        .map(|p| p.id.clone())
        .ok_or_else(|| {
            bad(
                "ResourceNotFoundException",
                &format!("User pool {id} does not exist."),
            )
        })
}

fn user_json(user: &User) -> Value {
    json!({
        "Username": user.username,
        "Attributes": attributes_json(user),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.modified,
        "Enabled": user.enabled,
        "UserStatus": user.status,
    })
}

/// Unsigned here (real Cognito requires IAM credentials for Admin* operations).
fn admin_create_user(app: &Shared, input: &Value) -> ApiResult {
    let pool_id = pool_id_field(app, input)?;
    let username = str_field(input, "Username")?.to_string();
    let mut store = app.store();
    if store
        .users
        .get(&pool_id)
        .is_some_and(|u| u.contains_key(&username))
    {
        return Err(bad(
            "UsernameExistsException",
            "User account already exists",
        ));
    }
    let mut attributes = std::collections::BTreeMap::new();
    for a in input
        .get("UserAttributes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(n), Some(v)) = (
            a.get("Name").and_then(Value::as_str),
            a.get("Value").and_then(Value::as_str),
        ) {
            attributes.insert(n.to_string(), v.to_string());
        }
    }
    let now = app.now();
    let password = input
        .get("TemporaryPassword")
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or_else(|| random_string(16, URL_SAFE));
    let user = User {
        secret: crate::passwords::PasswordSecret::new(&pool_id, &username, &password),
        plain_password: None,
        username: username.clone(),
        sub: stable_uuid(&format!("{pool_id}|{username}")),
        attributes,
        groups: vec![],
        enabled: true,
        status: "FORCE_CHANGE_PASSWORD".into(),
        created: now,
        modified: now,
    };
    // PreSignUp_AdminCreateUser: a refusal creates no user (its auto-confirm answer does not apply).
    if let Some(pool) = app.config.user_pool(&pool_id) {
        let caller = crate::triggers::Caller::from_input(input);
        crate::triggers::pre_sign_up(app, pool, "PreSignUp_AdminCreateUser", &user, &caller)?;
    }
    let out = user_json(&user);
    store
        .users
        .entry(pool_id.clone())
        .or_default()
        .insert(username, user);
    app.persist(&store);
    Ok(json!({ "User": out }))
}

fn admin_set_user_password(app: &Shared, input: &Value) -> ApiResult {
    let pool_id = pool_id_field(app, input)?;
    let username = str_field(input, "Username")?.to_string();
    let password = str_field(input, "Password")?.to_string();
    if let Some(pool) = app.config.user_pool(&pool_id) {
        users::check_password(pool, &password)?;
    }
    let permanent = input
        .get("Permanent")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let now = app.now();
    let mut store = app.store();
    let user = store
        .users
        .get_mut(&pool_id)
        .and_then(|u| u.get_mut(&username))
        .ok_or_else(|| bad("UserNotFoundException", "User does not exist."))?;
    user.secret = crate::passwords::PasswordSecret::new(&pool_id, &username, &password);
    user.status = if permanent {
        "CONFIRMED".into()
    } else {
        "FORCE_CHANGE_PASSWORD".into()
    };
    user.modified = now;
    app.persist(&store);
    Ok(json!({}))
}

fn admin_add_user_to_group(app: &Shared, input: &Value) -> ApiResult {
    let pool_id = pool_id_field(app, input)?;
    let username = str_field(input, "Username")?.to_string();
    let group = str_field(input, "GroupName")?.to_string();
    let mut store = app.store();
    let user = store
        .users
        .get_mut(&pool_id)
        .and_then(|u| u.get_mut(&username))
        .ok_or_else(|| bad("UserNotFoundException", "User does not exist."))?;
    if !user.groups.contains(&group) {
        user.groups.push(group);
    }
    app.persist(&store);
    Ok(json!({}))
}
