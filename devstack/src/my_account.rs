//! The signed-in user's own account, on the user-pool JSON API (`AWSCognitoIdentityProviderService.<Op>`,
//! routed here by `dispatch.rs`): UpdateUserAttributes, GetUserAttributeVerificationCode,
//! VerifyUserAttribute, ChangePassword and DeleteUser. Each takes the access token (`AccessToken`), which
//! needs the `aws.cognito.signin.user.admin` scope. Codes go to the outbox (`codes.rs`).

use serde_json::{json, Value};

use crate::codes::{code_key, Occasion, Recipient};
use crate::config::UserPool;
use crate::state::{Shared, Store, User};
use crate::tokens::VerifyError;
use crate::triggers::Caller;
use crate::wire::{bad, not_authorized, str_field, ApiError, ApiResult};

/// The operations this module serves.
pub const OPS: &[&str] = &[
    "UpdateUserAttributes",
    "GetUserAttributeVerificationCode",
    "VerifyUserAttribute",
    "ChangePassword",
    "DeleteUser",
];

/// The `purpose` of attribute verification codes in the outbox.
pub const VERIFY_PURPOSE: &str = "VerifyUserAttribute";

/// Attributes whose change needs a verification code (and resets `<name>_verified`).
const VERIFIABLE: &[&str] = &["email", "phone_number"];

/// The standard attributes a user may set on their own account (besides `custom:*`).
const STANDARD: &[&str] = &[
    "address",
    "birthdate",
    "email",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
];

/// One operation of [`OPS`].
pub fn op(app: &Shared, op: &str, input: &Value) -> ApiResult {
    match op {
        "UpdateUserAttributes" => update_user_attributes(app, input),
        "GetUserAttributeVerificationCode" => get_verification_code(app, input),
        "VerifyUserAttribute" => verify_user_attribute(app, input),
        "ChangePassword" => change_password(app, input),
        "DeleteUser" => delete_user(app, input),
        _ => Err(bad(
            "UnknownOperationException",
            &format!("devstack does not implement {op}"),
        )),
    }
}

/// The user of an access token that has the `aws.cognito.signin.user.admin` scope, with their pool.
fn signed_in(app: &Shared, store: &Store, input: &Value) -> Result<(UserPool, User), ApiError> {
    signed_in_caller(app, store, input).map(|(pool, user, _)| (pool, user))
}

/// [`signed_in`], and who called as triggers see it: the access token's app client and the request's
/// `ClientMetadata`.
fn signed_in_caller(
    app: &Shared,
    store: &Store,
    input: &Value,
) -> Result<(UserPool, User, Caller), ApiError> {
    let token = str_field(input, "AccessToken")?;
    let v = match app.verify(store, token, "access") {
        Ok(v) => v,
        Err(VerifyError::UserGone) => {
            return Err(bad("UserNotFoundException", "User does not exist."))
        }
        Err(e) => return Err(not_authorized(&e.message("Access Token"))),
    };
    let scopes = v.claims.get("scope").and_then(Value::as_str).unwrap_or("");
    if !scopes
        .split(' ')
        .any(|s| s == "aws.cognito.signin.user.admin")
    {
        return Err(not_authorized("Access Token does not have required scopes"));
    }
    let pool = app
        .config
        .user_pool(&v.pool_id)
        .cloned()
        .ok_or_else(|| bad("ResourceNotFoundException", "User pool does not exist."))?;
    let mut caller = Caller::from_input(input);
    caller.client_id = v
        .claims
        .get("client_id")
        .and_then(Value::as_str)
        .map(String::from);
    Ok((pool, v.user, caller))
}

fn invalid(message: &str) -> ApiError {
    bad("InvalidParameterException", message)
}

/// AliasExistsException when `name` is an alias attribute of the pool and another user holds `value`
/// (verified, for email and phone number).
fn check_alias(
    store: &Store,
    pool: &UserPool,
    username: &str,
    name: &str,
    value: &str,
) -> Result<(), ApiError> {
    if !pool.alias_attributes.iter().any(|a| a == name) {
        return Ok(());
    }
    let verified_flag = format!("{name}_verified");
    let taken = store
        .users
        .get(&pool.id)
        .into_iter()
        .flatten()
        .any(|(u, other)| {
            u != username
                && other.attributes.get(name).map(String::as_str) == Some(value)
                && (!VERIFIABLE.contains(&name)
                    || other.attributes.get(&verified_flag).map(String::as_str) == Some("true"))
        });
    if taken {
        let what = if name == "phone_number" {
            "phone_number"
        } else {
            name
        };
        return Err(bad(
            "AliasExistsException",
            &format!("An account with the given {what} already exists."),
        ));
    }
    Ok(())
}

fn update_user_attributes(app: &Shared, input: &Value) -> ApiResult {
    let mut store = app.store();
    let (pool, mut user, caller) = signed_in_caller(app, &store, input)?;
    let Some(list) = input.get("UserAttributes").and_then(Value::as_array) else {
        return Err(invalid("1 validation error detected: Value at 'userAttributes' failed to satisfy constraint: Member must not be null"));
    };
    // Validate everything first: a refused request changes nothing.
    let mut changes = Vec::new();
    for a in list {
        let (Some(name), Some(value)) = (
            a.get("Name").and_then(Value::as_str),
            a.get("Value").and_then(Value::as_str),
        ) else {
            return Err(invalid("Each attribute needs a Name and a Value"));
        };
        if name == "email_verified" || name == "phone_number_verified" {
            return Err(invalid(&format!(
                "Cannot modify {name}: it is set by VerifyUserAttribute"
            )));
        }
        if name == "sub" {
            return Err(invalid("Cannot modify the non-mutable attribute sub"));
        }
        if !(STANDARD.contains(&name) || name.starts_with("custom:")) {
            return Err(invalid(&format!(
                "user.{name}: Attribute does not exist in the schema."
            )));
        }
        if name == "email" && !looks_like_email(value) {
            return Err(invalid("Invalid email address format."));
        }
        if name == "phone_number" && !looks_like_phone(value) {
            return Err(invalid("Invalid phone number format."));
        }
        check_alias(&store, &pool, &user.username, name, value)?;
        changes.push((name.to_string(), value.to_string()));
    }
    let mut sends = Vec::new();
    for (name, value) in changes {
        let changed = user.attributes.get(&name) != Some(&value);
        user.attributes.insert(name.clone(), value.clone());
        if changed && VERIFIABLE.contains(&name.as_str()) {
            user.attributes
                .insert(format!("{name}_verified"), "false".into());
            sends.push((name, value));
        }
    }
    // The codes go out with the new values in the event's userAttributes; a refused CustomMessage
    // changes nothing (the codes sent before it in this request are withdrawn).
    let mut deliveries = Vec::new();
    for (i, (name, value)) in sends.iter().enumerate() {
        let to = Recipient {
            pool_id: &pool.id,
            user: &user,
            destination: value,
            caller: &caller,
        };
        let sent = app.send_code(
            &mut store,
            &to,
            Occasion::UpdateUserAttribute,
            VERIFY_PURPOSE,
            name,
        );
        match sent {
            Ok(d) => deliveries.push(d),
            Err(e) => {
                for (earlier, _) in &sends[..i] {
                    let key = code_key(&pool.id, &user.username, VERIFY_PURPOSE, earlier);
                    store.attribute_codes.remove(&key);
                }
                return Err(e);
            }
        }
    }
    user.modified = app.now();
    save_user(&mut store, &pool.id, user);
    app.persist(&store);
    if deliveries.is_empty() {
        Ok(json!({}))
    } else {
        Ok(json!({ "CodeDeliveryDetailsList": deliveries }))
    }
}

fn looks_like_email(v: &str) -> bool {
    match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !v.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn looks_like_phone(v: &str) -> bool {
    v.strip_prefix('+')
        .is_some_and(|d| (4..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()))
}

fn save_user(store: &mut Store, pool_id: &str, user: User) {
    store
        .users
        .entry(pool_id.to_string())
        .or_default()
        .insert(user.username.clone(), user);
}

fn verifiable_attribute(input: &Value) -> Result<&str, ApiError> {
    let name = str_field(input, "AttributeName")?;
    if !VERIFIABLE.contains(&name) {
        return Err(invalid(&format!(
            "Attribute {name} cannot be verified: only email and phone_number can"
        )));
    }
    Ok(name)
}

fn get_verification_code(app: &Shared, input: &Value) -> ApiResult {
    let mut store = app.store();
    let (pool, user, caller) = signed_in_caller(app, &store, input)?;
    let name = verifiable_attribute(input)?;
    let Some(value) = user.attributes.get(name).cloned() else {
        return Err(invalid(&format!("The user has no {name} to verify")));
    };
    let to = Recipient {
        pool_id: &pool.id,
        user: &user,
        destination: &value,
        caller: &caller,
    };
    let details = app.send_code(
        &mut store,
        &to,
        Occasion::VerifyUserAttribute,
        VERIFY_PURPOSE,
        name,
    )?;
    app.persist(&store);
    Ok(json!({ "CodeDeliveryDetails": details }))
}

fn verify_user_attribute(app: &Shared, input: &Value) -> ApiResult {
    let mut store = app.store();
    let (pool, mut user) = signed_in(app, &store, input)?;
    let name = verifiable_attribute(input)?;
    let code = str_field(input, "Code")?;
    let key = code_key(&pool.id, &user.username, VERIFY_PURPOSE, name);
    let current = user.attributes.get(name).cloned();
    if let Some(value) = &current {
        check_alias(&store, &pool, &user.username, name, value)?;
    }
    let checked = app.check_code(&mut store, &key, code, current.as_deref());
    if let Err(e) = checked {
        // Wrong codes count: keep the count.
        app.persist(&store);
        return Err(bad(e.ty(), e.message()));
    }
    user.attributes
        .insert(format!("{name}_verified"), "true".into());
    user.modified = app.now();
    save_user(&mut store, &pool.id, user);
    app.persist(&store);
    Ok(json!({}))
}

fn change_password(app: &Shared, input: &Value) -> ApiResult {
    let mut store = app.store();
    let (pool, mut user) = signed_in(app, &store, input)?;
    let previous = str_field(input, "PreviousPassword")?;
    let proposed = str_field(input, "ProposedPassword")?;
    if !user.secret.matches(previous) {
        return Err(not_authorized("Incorrect username or password."));
    }
    crate::users::check_password(&pool, proposed)?;
    user.secret = crate::passwords::PasswordSecret::new(&pool.id, &user.username, proposed);
    user.modified = app.now();
    save_user(&mut store, &pool.id, user);
    app.persist(&store);
    Ok(json!({}))
}

/// Deletes the user: their tokens stop working (every session is revoked) and their codes are dropped.
fn delete_user(app: &Shared, input: &Value) -> ApiResult {
    let mut store = app.store();
    let (pool, user) = signed_in(app, &store, input)?;
    app.global_sign_out(&mut store, &pool.id, &user.username);
    store
        .refresh_tokens
        .retain(|_, r| !(r.pool_id == pool.id && r.username == user.username));
    let prefix = format!("{}|{}|", pool.id, user.username);
    store.attribute_codes.retain(|k, _| !k.starts_with(&prefix));
    // Sign-up and reset codes (`<purpose>:<username>`) and the software token go with the user.
    if let Some(codes) = store.codes.get_mut(&pool.id) {
        let suffix = format!(":{}", user.username);
        codes.retain(|k, _| !k.ends_with(&suffix));
    }
    if let Some(mfa) = store.mfa.get_mut(&pool.id) {
        mfa.remove(&user.username);
    }
    // Passkeys too: a later user of the same name must not inherit them.
    if let Some(passkeys) = store.passkeys.get_mut(&pool.id) {
        passkeys.remove(&user.username);
    }
    if let Some(users) = store.users.get_mut(&pool.id) {
        users.remove(&user.username);
    }
    app.persist(&store);
    Ok(json!({}))
}
