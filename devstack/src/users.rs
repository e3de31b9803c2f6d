//! The users of a pool and the app clients that ask for them, as managed login (`oauth.rs`,
//! `login_pages.rs`) and the user-pool JSON API share them: which user a sign-in name means, the user
//! statuses (federated users' too: `federation.rs` makes them), the pool's password policy with
//! Cognito's messages, the app client of a request and the auth flows it allows, the user of an access
//! token, and the tokens of a JSON-API sign-in.

use serde_json::{json, Value};

use crate::config::{Client, UserPool};
use crate::state::{App, Store, User};
use crate::tokens::{SignIn, VerifyError};
use crate::triggers::{self, Caller};
use crate::wire::{bad, not_authorized, str_field, ApiError, ApiResult};

/// User statuses.
pub const CONFIRMED: &str = "CONFIRMED";
pub const FORCE_CHANGE_PASSWORD: &str = "FORCE_CHANGE_PASSWORD";
pub const UNCONFIRMED: &str = "UNCONFIRMED";
pub const EXTERNAL_PROVIDER: &str = "EXTERNAL_PROVIDER";

pub fn user_not_found() -> ApiError {
    bad(
        "UserNotFoundException",
        "Username/client id combination not found.",
    )
}

// ---- Users and passwords

/// The username a sign-in name stands for: the username itself or, in a pool whose username attribute
/// is the email address, the (non-federated) user with that email address.
pub fn find_username(store: &Store, pool: &UserPool, name: &str) -> Option<String> {
    let users = store.users.get(&pool.id)?;
    if users.contains_key(name) {
        return Some(name.to_string());
    }
    if !pool.email_is_username() {
        return None;
    }
    let wanted = name.to_lowercase();
    users
        .values()
        .find(|u| {
            u.status != EXTERNAL_PROVIDER
                && u.attributes
                    .get("email")
                    .is_some_and(|e| e.to_lowercase() == wanted)
        })
        .map(|u| u.username.clone())
}

/// The user a sign-in name stands for.
pub fn find_user(store: &Store, pool: &UserPool, name: &str) -> Option<User> {
    let username = find_username(store, pool, name)?;
    store.users.get(&pool.id)?.get(&username).cloned()
}

/// The password is the user's (federated users have none).
pub fn password_matches(user: &User, password: &str) -> bool {
    user.status != EXTERNAL_PROVIDER && user.secret.matches(password)
}

/// The pool's password policy ([`crate::config::PasswordPolicy::check`]), as Cognito's
/// InvalidPasswordException.
pub fn check_password(pool: &UserPool, password: &str) -> Result<(), ApiError> {
    pool.password_policy
        .check(password)
        .map_err(|m| bad("InvalidPasswordException", &m))
}

/// The answer of a JSON-API sign-in that succeeded (InitiateAuth, RespondToAuthChallenge): tokens with the
/// `aws.cognito.signin.user.admin` scope, as Cognito issues them there, and the store saved.
pub fn api_sign_in(
    app: &App,
    store: &mut Store,
    pool_id: &str,
    client: &Client,
    user: &User,
) -> ApiResult {
    api_sign_in_as(
        app,
        store,
        pool_id,
        client,
        user,
        "TokenGeneration_Authentication",
    )
}

/// [`api_sign_in`] with PreTokenGeneration's `triggerSource` named (`TokenGeneration_NewPasswordChallenge`
/// after NEW_PASSWORD_REQUIRED).
pub fn api_sign_in_as(
    app: &App,
    store: &mut Store,
    pool_id: &str,
    client: &Client,
    user: &User,
    source: &'static str,
) -> ApiResult {
    if let Some(pool) = app.config.user_pool(pool_id) {
        triggers::post_authentication(app, pool, user, &Caller::client(&client.id))?;
    }
    let issued = app.sign_in(
        store,
        SignIn {
            pool_id,
            client,
            user,
            scopes: vec!["aws.cognito.signin.user.admin".into()],
            id_token: true,
            nonce: None,
            auth_time: app.now(),
            source,
        },
    )?;
    app.persist(store);
    Ok(json!({ "AuthenticationResult": issued.auth_result(), "ChallengeParameters": {} }))
}

/// The app client of a JSON API request (`ClientId`, and for a confidential client `ClientSecret` or a
/// `SecretHash` / `AuthParameters.SECRET_HASH`, which is not recomputed).
pub fn app_client(app: &App, input: &Value) -> Result<(UserPool, Client), ApiError> {
    let id = str_field(input, "ClientId")?;
    let (pool, client) = app.config.client(id).ok_or_else(|| {
        bad(
            "ResourceNotFoundException",
            &format!("User pool client {id} does not exist."),
        )
    })?;
    if let Some(secret) = &client.secret {
        let given = input.get("ClientSecret").and_then(Value::as_str);
        let hash = input
            .get("SecretHash")
            .or_else(|| input.pointer("/AuthParameters/SECRET_HASH"))
            .or_else(|| input.pointer("/ChallengeResponses/SECRET_HASH"));
        if given != Some(secret.as_str()) && hash.is_none() {
            return Err(not_authorized(&format!(
                "Client {id} is configured with secret but SECRET_HASH was not received"
            )));
        }
    }
    Ok((pool.clone(), client.clone()))
}

/// The user of an access token that has the `aws.cognito.signin.user.admin` scope: (pool id, user).
pub fn signed_in_user(app: &App, store: &Store, token: &str) -> Result<(String, User), ApiError> {
    match app.verify(store, token, "access") {
        Ok(v) => {
            let scopes = v.claims.get("scope").and_then(Value::as_str).unwrap_or("");
            if !scopes
                .split(' ')
                .any(|s| s == "aws.cognito.signin.user.admin")
            {
                return Err(not_authorized("Access Token does not have required scopes"));
            }
            Ok((v.pool_id, v.user))
        }
        Err(VerifyError::UserGone) => Err(bad("UserNotFoundException", "User does not exist.")),
        Err(e) => Err(not_authorized(&e.message("Access Token"))),
    }
}

pub fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// Refuses an auth flow the app client's `ExplicitAuthFlows` do not allow, with Cognito's error.
pub fn require_flow(client: &Client, flow: &str) -> Result<(), ApiError> {
    let allowed = |names: &[&str]| {
        client
            .explicit_auth_flows
            .iter()
            .any(|f| names.contains(&f.as_str()))
    };
    let (ok, message) = match flow {
        "USER_SRP_AUTH" => (
            allowed(&["ALLOW_USER_SRP_AUTH"]),
            "USER_SRP_AUTH is not enabled for the client.",
        ),
        "USER_PASSWORD_AUTH" => (
            allowed(&["ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"]),
            "USER_PASSWORD_AUTH flow not enabled for this client",
        ),
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => (
            allowed(&["ALLOW_REFRESH_TOKEN_AUTH"]),
            "REFRESH_TOKEN_AUTH flow not enabled for this client",
        ),
        "USER_AUTH" => (
            allowed(&["ALLOW_USER_AUTH"]),
            "USER_AUTH flow not enabled for this client",
        ),
        _ => (false, "Unsupported auth flow"),
    };
    if ok {
        Ok(())
    } else {
        Err(bad("InvalidParameterException", message))
    }
}

/// A parameter of `AuthParameters` / `ChallengeResponses`, or Cognito's "Missing required parameter".
pub fn required_param<'a>(params: &'a Value, name: &str) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            bad(
                "InvalidParameterException",
                &format!("Missing required parameter {name}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy_messages() {
        let pool = crate::config::Config::default_config().user_pools[0].clone();
        let msg = |p: &str| check_password(&pool, p).err().map(|e| e.message);
        assert_eq!(
            msg("Ab1!").as_deref(),
            Some("Password did not conform with policy: Password not long enough")
        );
        assert!(msg("ABCDEFG1!").unwrap().ends_with("lowercase characters"));
        assert!(msg("abcdefg1!").unwrap().ends_with("uppercase characters"));
        assert!(msg("Abcdefgh!").unwrap().ends_with("numeric characters"));
        assert!(msg("Abcdefgh1").unwrap().ends_with("symbol characters"));
        assert_eq!(msg("Abcdefg1!"), None);
    }
}
