//! Sign-up and its confirmation, and the reset of a forgotten password: SignUp with the pool's required
//! attributes and its triggers, ConfirmSignUp, ResendConfirmationCode, ForgotPassword,
//! ConfirmForgotPassword, for managed login's pages and the JSON API alike. Their codes are
//! `codes.rs`'s (sent through the outbox, single use, limited tries).

use std::collections::BTreeMap;

use crate::codes::{
    check_account_code, destination, drop_account_code, send_account_code, Delivery,
    FORGOT_PASSWORD, SIGN_UP,
};
use crate::config::UserPool;
use crate::ids::{random_uuid, stable_uuid};
use crate::passwords::PasswordSecret;
use crate::state::{App, Store, User};
use crate::triggers::{self, Caller};
use crate::users::{
    check_password, find_user, find_username, looks_like_email, user_not_found, CONFIRMED,
    EXTERNAL_PROVIDER, FORCE_CHANGE_PASSWORD, UNCONFIRMED,
};
use crate::wire::{bad, not_authorized, ApiError};

// ---- Sign-up and its codes

/// A user created by SignUp (UNCONFIRMED) and where its confirmation code went.
pub struct SignedUp {
    pub user: User,
    pub delivery: Option<Delivery>,
}

/// SignUp: `name` is the username or, in an email pool, the email address.
pub fn sign_up(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    name: &str,
    password: &str,
    mut attributes: BTreeMap<String, String>,
    caller: &Caller,
) -> Result<SignedUp, ApiError> {
    if pool.allow_admin_create_user_only {
        return Err(not_authorized("SignUp is not permitted for this user pool"));
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(bad("InvalidParameterException", "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length greater than or equal to 1"));
    }
    if let Some(attr) = attributes.keys().find(|k| {
        [
            "sub",
            "email_verified",
            "phone_number_verified",
            "identities",
        ]
        .contains(&k.as_str())
    }) {
        return Err(not_authorized(&format!(
            "A client attempted to write unauthorized attribute {attr}"
        )));
    }
    attributes.retain(|_, v| !v.is_empty());
    let (username, sub) = if pool.email_is_username() {
        if !looks_like_email(name) {
            return Err(bad(
                "InvalidParameterException",
                "Username should be an email.",
            ));
        }
        if find_username(store, pool, name).is_some() {
            return Err(bad(
                "UsernameExistsException",
                "An account with the given email already exists.",
            ));
        }
        attributes.insert("email".into(), name.to_string());
        // Cognito's username is then a generated UUID, the same as the sub.
        let id = random_uuid();
        (id.clone(), id)
    } else {
        if store
            .users
            .get(&pool.id)
            .is_some_and(|u| u.contains_key(name))
        {
            return Err(bad("UsernameExistsException", "User already exists"));
        }
        (
            name.to_string(),
            stable_uuid(&format!("{}|{name}", pool.id)),
        )
    };
    for required in &pool.required_attributes {
        if !attributes.contains_key(required) {
            return Err(bad(
                "InvalidParameterException",
                &format!("Attributes did not conform to the schema: {required}: The attribute is required"),
            ));
        }
    }
    if attributes
        .get("email")
        .is_some_and(|e| !looks_like_email(e))
    {
        return Err(bad(
            "InvalidParameterException",
            "Invalid email address format.",
        ));
    }
    check_password(pool, password)?;
    let now = app.now();
    let mut user = User {
        secret: PasswordSecret::new(&pool.id, &username, password),
        plain_password: None,
        username: username.clone(),
        sub,
        attributes,
        groups: vec![],
        enabled: true,
        status: UNCONFIRMED.into(),
        created: now,
        modified: now,
    };
    // PreSignUp decides before anything is stored: a refusal creates no user.
    let (confirm, email, phone) =
        triggers::pre_sign_up(app, pool, "PreSignUp_SignUp", &user, caller)?;
    user.attributes
        .extend(triggers::verified_attributes(email, phone));
    if confirm {
        user.status = CONFIRMED.into();
    }
    store
        .users
        .entry(pool.id.clone())
        .or_default()
        .insert(username.clone(), user.clone());
    if confirm {
        // Auto-confirmed: no confirmation code (and no PostConfirmation, devstack's reading).
        return Ok(SignedUp {
            user,
            delivery: None,
        });
    }
    let delivery = match send_account_code(app, store, &pool.id, &user, SIGN_UP, false, caller) {
        Ok(d) => d,
        Err(e) => {
            // A failed CustomMessage: the sign-up did not happen.
            if let Some(users) = store.users.get_mut(&pool.id) {
                users.remove(&username);
            }
            drop_account_code(store, pool, &username, SIGN_UP);
            return Err(e);
        }
    };
    Ok(SignedUp { user, delivery })
}

/// ConfirmSignUp: the code confirms the user and verifies the attribute it went to.
pub fn confirm_sign_up(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    name: &str,
    code: &str,
) -> Result<User, ApiError> {
    let user = find_user(store, pool, name).ok_or_else(user_not_found)?;
    if user.status != UNCONFIRMED {
        return Err(not_authorized(&format!(
            "User cannot be confirmed. Current status is {}",
            user.status
        )));
    }
    check_account_code(app, store, &pool.id, &user.username, SIGN_UP, code)?;
    let now = app.now();
    let verified = destination(&user, false).map(|(_, attr, _)| attr);
    let u = store
        .users
        .get_mut(&pool.id)
        .and_then(|u| u.get_mut(&user.username))
        .expect("found above");
    u.status = CONFIRMED.into();
    if let Some(attr) = verified {
        u.attributes
            .insert(format!("{attr}_verified"), "true".into());
    }
    u.modified = now;
    Ok(u.clone())
}

/// ResendConfirmationCode.
pub fn resend_confirmation_code(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    name: &str,
) -> Result<Delivery, ApiError> {
    let user = find_user(store, pool, name).ok_or_else(user_not_found)?;
    if user.status != UNCONFIRMED {
        return Err(bad(
            "InvalidParameterException",
            "User is already confirmed.",
        ));
    }
    send_account_code(
        app,
        store,
        &pool.id,
        &user,
        SIGN_UP,
        false,
        &Caller::default(),
    )?
    .ok_or_else(|| {
        bad(
            "InvalidParameterException",
            "Cannot resend codes. Auto verification not turned on.",
        )
    })
}

/// ForgotPassword: a reset code to the user's verified email address (or phone number).
pub fn forgot_password(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    name: &str,
) -> Result<Delivery, ApiError> {
    let user = find_user(store, pool, name).ok_or_else(user_not_found)?;
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    if user.status == EXTERNAL_PROVIDER {
        return Err(not_authorized(
            "A federated user cannot reset a password here.",
        ));
    }
    send_account_code(app, store, &pool.id, &user, FORGOT_PASSWORD, true, &Caller::default())?.ok_or_else(|| {
        bad(
            "InvalidParameterException",
            "Cannot reset password for the user as there is no registered/verified email or phone_number",
        )
    })
}

/// ConfirmForgotPassword: the code and a new password that meets the policy.
pub fn confirm_forgot_password(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    name: &str,
    code: &str,
    password: &str,
) -> Result<(), ApiError> {
    let user = find_user(store, pool, name).ok_or_else(user_not_found)?;
    check_password(pool, password)?;
    check_account_code(app, store, &pool.id, &user.username, FORGOT_PASSWORD, code)?;
    let now = app.now();
    let u = store
        .users
        .get_mut(&pool.id)
        .and_then(|u| u.get_mut(&user.username))
        .expect("found above");
    u.secret = PasswordSecret::new(&pool.id, &u.username, password);
    if u.status == FORCE_CHANGE_PASSWORD || u.status == "RESET_REQUIRED" {
        u.status = CONFIRMED.into();
    }
    u.modified = now;
    Ok(())
}
