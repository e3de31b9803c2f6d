//! Account rules shared by managed login (`oauth.rs`, `login_pages.rs`) and the user-pool JSON API
//! (`user_pool.rs`, `account_api.rs`): which user a sign-in name means, the pool's password policy with
//! Cognito's messages, sign-up with the pool's required attributes, the confirmation and password-reset
//! codes (sent through the outbox, single use, limited attempts), TOTP software tokens (RFC 6238: 30 s
//! steps, HMAC-SHA-1, 6 digits, one step of skew, each step's code accepted once), the MFA step of a
//! sign-in, and the statuses of federated users (`federation.rs` makes them). Errors are Cognito's; the pages show their messages.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use totp_rs::{Algorithm, Builder, Secret};

use crate::codes::{
    self, check_account_code, destination, drop_account_code, send_account_code, Attempt, Recipient,
};
use crate::config::{Client, UserPool};
use crate::ids::{random_string, random_uuid, stable_uuid, URL_SAFE};
use crate::passwords::PasswordSecret;
use crate::srp;
use crate::state::{App, Challenge, MfaRecord, SrpChallenge, Store, User};
use crate::tokens::{SignIn, VerifyError};
use crate::triggers::{self, Caller};
use crate::wire::{bad, not_authorized, str_field, ApiError, ApiResult};

pub use crate::codes::{mask, Delivery, FORGOT_PASSWORD, SIGN_UP};

/// User statuses.
pub const CONFIRMED: &str = "CONFIRMED";
pub const FORCE_CHANGE_PASSWORD: &str = "FORCE_CHANGE_PASSWORD";
pub const UNCONFIRMED: &str = "UNCONFIRMED";
pub const EXTERNAL_PROVIDER: &str = "EXTERNAL_PROVIDER";

/// The MFA step of a sign-in lives 3 minutes (Cognito's session) and survives 3 wrong codes.
const CHALLENGE_SECONDS: i64 = 180;
const CHALLENGE_ATTEMPTS: u32 = 3;

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

fn looks_like_email(s: &str) -> bool {
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

// ---- TOTP (software token) MFA

fn totp(secret: &str) -> Option<totp_rs::Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .with_secret(secret)
        .build()
        .ok()
}

fn well_formed_code(code: &str) -> Result<&str, ApiError> {
    let code = code.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(bad("InvalidParameterException", "1 validation error detected: Value at 'userCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]{6}"))
    }
}

fn mfa_record<'a>(store: &'a mut Store, pool_id: &str, username: &str) -> &'a mut MfaRecord {
    store
        .mfa
        .entry(pool_id.to_string())
        .or_default()
        .entry(username.to_string())
        .or_default()
}

/// AssociateSoftwareToken: a new secret (base32, 32 random bytes), pending until a code verifies it.
pub fn associate_software_token(store: &mut Store, pool_id: &str, username: &str) -> String {
    let bytes: Vec<u8> = (0..32).map(|_| rand::random::<u8>()).collect();
    let secret = Secret::from(bytes).to_base32();
    mfa_record(store, pool_id, username).pending_secret = Some(secret.clone());
    secret
}

/// VerifySoftwareToken: a code of the pending secret makes it the user's software token.
pub fn verify_software_token(
    app: &App,
    store: &mut Store,
    pool_id: &str,
    username: &str,
    code: &str,
    device_name: Option<&str>,
) -> Result<(), ApiError> {
    let code = well_formed_code(code)?;
    let now = app.now().max(0) as u64;
    let rec = mfa_record(store, pool_id, username);
    let Some(pending) = rec.pending_secret.clone() else {
        return Err(bad(
            "SoftwareTokenMFANotFoundException",
            "Software Token MFA has not been associated with the user.",
        ));
    };
    let step = totp(&pending)
        .and_then(|t| t.check(code, now))
        .ok_or_else(|| {
            bad(
                "EnableSoftwareTokenMFAException",
                "Code mismatch and fail enable Software Token MFA mfa",
            )
        })?;
    rec.secret = Some(pending);
    rec.pending_secret = None;
    rec.device_name = device_name.map(String::from);
    rec.last_step = Some(step);
    Ok(())
}

/// SetUserMFAPreference's `SoftwareTokenMfaSettings` (`enabled`, `preferred`; None leaves it as it is).
pub fn set_software_token_preference(
    store: &mut Store,
    pool: &UserPool,
    username: &str,
    enabled: Option<bool>,
    preferred: Option<bool>,
) -> Result<(), ApiError> {
    let rec = mfa_record(store, &pool.id, username);
    let enabled = enabled.unwrap_or(rec.enabled);
    if enabled && pool.mfa_configuration == "OFF" {
        return Err(bad(
            "InvalidParameterException",
            "MFA is not enabled for this user pool (MfaConfiguration is OFF)",
        ));
    }
    if enabled && rec.secret.is_none() {
        return Err(bad(
            "InvalidParameterException",
            "User has not verified software token mfa",
        ));
    }
    rec.enabled = enabled;
    rec.preferred = enabled && preferred.unwrap_or(rec.preferred);
    Ok(())
}

/// SetUserMFAPreference's `SMSMfaSettings` (`factor` "SMS_MFA") or `EmailMfaSettings` ("EMAIL_OTP"):
/// on or off, and preferred (one factor is preferred at a time). The user needs the attribute the codes
/// go to (`phone_number`, `email`).
pub fn set_code_mfa_preference(
    store: &mut Store,
    pool: &UserPool,
    user: &User,
    factor: &str,
    enabled: Option<bool>,
    preferred: Option<bool>,
) -> Result<(), ApiError> {
    let (attribute, what) = if factor == "SMS_MFA" {
        ("phone_number", "a phone number")
    } else {
        ("email", "an email address")
    };
    let rec = mfa_record(store, &pool.id, &user.username);
    let on = if factor == "SMS_MFA" {
        rec.sms
    } else {
        rec.email
    };
    let enabled = enabled.unwrap_or(on);
    if enabled && pool.mfa_configuration == "OFF" {
        return Err(bad(
            "InvalidParameterException",
            "MFA is not enabled for this user pool (MfaConfiguration is OFF)",
        ));
    }
    if enabled && !user.attributes.contains_key(attribute) {
        return Err(bad(
            "InvalidParameterException",
            &format!("User does not have {what} for {factor}"),
        ));
    }
    let was = if factor == "SMS_MFA" {
        rec.sms_preferred
    } else {
        rec.email_preferred
    };
    let preferred = enabled && preferred.unwrap_or(was);
    if preferred {
        rec.preferred = false;
        rec.sms_preferred = false;
        rec.email_preferred = false;
    }
    if factor == "SMS_MFA" {
        (rec.sms, rec.sms_preferred) = (enabled, preferred);
    } else {
        (rec.email, rec.email_preferred) = (enabled, preferred);
    }
    Ok(())
}

/// TOTP becomes the one preferred factor.
pub fn prefer_software_token(store: &mut Store, pool_id: &str, username: &str) {
    let rec = mfa_record(store, pool_id, username);
    rec.sms_preferred = false;
    rec.email_preferred = false;
}

/// GetUser's `UserMFASettingList` and `PreferredMfaSetting`.
pub fn mfa_settings(store: &Store, pool_id: &str, username: &str) -> (Vec<String>, Option<String>) {
    let Some(r) = store.mfa.get(pool_id).and_then(|m| m.get(username)) else {
        return (vec![], None);
    };
    let mut list = Vec::new();
    let mut preferred = None;
    for (on, pref, name) in [
        (r.sms, r.sms_preferred, "SMS_MFA"),
        (r.enabled, r.preferred, "SOFTWARE_TOKEN_MFA"),
        (r.email, r.email_preferred, "EMAIL_OTP"),
    ] {
        if on {
            list.push(name.to_string());
            if pref {
                preferred = Some(name.to_string());
            }
        }
    }
    (list, preferred)
}

/// The second factor a sign-in of this user needs after the password: `SOFTWARE_TOKEN_MFA`,
/// `SMS_MFA` or `EMAIL_OTP` (the preferred one, else the first of TOTP, SMS, email that is on);
/// None when MFA is off for the pool or the user.
pub fn mfa_factor(store: &Store, pool: &UserPool, username: &str) -> Option<&'static str> {
    if pool.mfa_configuration == "OFF" {
        return None;
    }
    let r = store.mfa.get(&pool.id).and_then(|m| m.get(username))?;
    let totp = r.enabled && r.secret.is_some();
    let on = [
        (totp, r.preferred, "SOFTWARE_TOKEN_MFA"),
        (r.sms, r.sms_preferred, "SMS_MFA"),
        (r.email, r.email_preferred, "EMAIL_OTP"),
    ];
    on.iter()
        .find(|(on, pref, _)| *on && *pref)
        .or_else(|| on.iter().find(|(on, _, _)| *on))
        .map(|(_, _, name)| *name)
}

/// A sign-in of this user needs a second factor after the password.
pub fn totp_required(store: &Store, pool: &UserPool, username: &str) -> bool {
    mfa_factor(store, pool, username).is_some()
}

/// Starts the MFA step of a sign-in that passed the password (the sign-in page: `client_id` None;
/// InitiateAuth: the app client): the session, the challenge name and its parameters. An SMS or email
/// factor sends its 6-digit code to the outbox (purpose `SMS_MFA` / `EMAIL_OTP`) now.
pub fn mfa_challenge(
    app: &App,
    store: &Store,
    pool: &UserPool,
    user: &User,
    client_id: Option<&str>,
) -> (String, &'static str, Value) {
    let factor = mfa_factor(store, pool, &user.username).unwrap_or("SOFTWARE_TOKEN_MFA");
    let session = new_challenge(app, &pool.id, &user.username, client_id);
    let mut params = json!({ "USER_ID_FOR_SRP": user.username });
    if factor == "SOFTWARE_TOKEN_MFA" {
        if let Some(name) = store
            .mfa
            .get(&pool.id)
            .and_then(|m| m.get(&user.username))
            .and_then(|r| r.device_name.clone())
        {
            params["FRIENDLY_DEVICE_NAME"] = json!(name);
        }
        return (session, factor, params);
    }
    let (attribute, medium) = if factor == "SMS_MFA" {
        ("phone_number", "SMS")
    } else {
        ("email", "EMAIL")
    };
    let destination = user.attributes.get(attribute).cloned().unwrap_or_default();
    let to = Recipient {
        pool_id: &pool.id,
        username: &user.username,
        destination: &destination,
    };
    let code = app.issue_code(&to, factor, None, codes::DIGITS);
    app.mem()
        .mfa_codes
        .insert(session.clone(), (code, mask(&destination)));
    params["CODE_DELIVERY_DELIVERY_MEDIUM"] = json!(medium);
    params["CODE_DELIVERY_DESTINATION"] = json!(mask(&destination));
    (session, factor, params)
}

/// Where the code of the MFA challenge `session` went (masked), for an SMS or email factor.
pub fn mfa_destination(app: &App, session: &str) -> Option<String> {
    app.mem().mfa_codes.get(session).map(|(_, d)| d.clone())
}

/// Checks a TOTP code of the user's software token; a step's code is accepted once.
pub fn check_totp(
    app: &App,
    store: &mut Store,
    pool_id: &str,
    username: &str,
    code: &str,
) -> Result<(), ApiError> {
    let mismatch = || bad("CodeMismatchException", "Invalid code received for user");
    let code = well_formed_code(code).map_err(|_| mismatch())?;
    let now = app.now().max(0) as u64;
    let rec = mfa_record(store, pool_id, username);
    let secret = rec.secret.clone().ok_or_else(mismatch)?;
    let step = totp(&secret)
        .and_then(|t| t.check(code, now))
        .ok_or_else(mismatch)?;
    if rec.last_step.is_some_and(|last| step <= last) {
        return Err(bad(
            "ExpiredCodeException",
            "Your software token has already been used once.",
        ));
    }
    rec.last_step = Some(step);
    Ok(())
}

/// Starts the MFA step of a sign-in that passed the password: the session id.
pub fn new_challenge(app: &App, pool_id: &str, username: &str, client_id: Option<&str>) -> String {
    let expires_at = app.now() + CHALLENGE_SECONDS;
    let challenge = Challenge::new(pool_id, username, client_id, expires_at);
    open_session(app, |m| &mut m.challenges, challenge)
}

/// InitiateAuth's answer for a user with MFA on: `SOFTWARE_TOKEN_MFA`, `SMS_MFA` or `EMAIL_OTP`.
pub fn totp_challenge(
    app: &App,
    store: &Store,
    pool: &UserPool,
    user: &User,
    client_id: &str,
) -> Value {
    let (session, name, params) = mfa_challenge(app, store, pool, user, Some(client_id));
    json!({ "ChallengeName": name, "Session": session, "ChallengeParameters": params })
}

/// Answers the MFA step with its code (TOTP, or the SMS / email code sent): the (pool id, username)
/// signed in. `client_id` is the app
/// client of RespondToAuthChallenge (None: the sign-in page); `username`, when given, must be the
/// challenge's.
pub fn answer_challenge(
    app: &App,
    store: &mut Store,
    session: &str,
    code: &str,
    client_id: Option<&str>,
    username: Option<&str>,
) -> Result<(String, String), ApiError> {
    let invalid = || not_authorized("Invalid session for the user.");
    let now = app.now();
    let (pool_id, user) = {
        let mem = app.mem();
        let c = mem.challenges.get(session).ok_or_else(invalid)?;
        if c.client_id.as_deref() != client_id {
            return Err(invalid());
        }
        if c.expires_at <= now {
            return Err(not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        (c.pool_id.clone(), c.username.clone())
    };
    if let Some(given) = username {
        let same = given == user
            || app
                .config
                .user_pool(&pool_id)
                .and_then(|p| find_username(store, p, given))
                .is_some_and(|u| u == user);
        if !same {
            return Err(invalid());
        }
    }
    let sent = app.mem().mfa_codes.get(session).map(|(c, _)| c.clone());
    let checked = match &sent {
        // A code sent for the step: the one rule of codes, the challenge counting the tries.
        Some(sent) => {
            let mut mem = app.mem();
            let attempt = mem.challenges.get_mut(session).map(|c| Attempt {
                code: sent,
                expires_at: c.expires_at,
                failures: &mut c.failed_attempts,
            });
            codes::check(attempt, code, now, CHALLENGE_ATTEMPTS)
                .map_err(|e| e.challenge_error("Invalid code received for user"))
        }
        None => check_totp(app, store, &pool_id, &user, code),
    };
    match checked {
        Ok(()) => {
            let mut mem = app.mem();
            mem.challenges.remove(session);
            mem.mfa_codes.remove(session);
            Ok((pool_id, user))
        }
        Err(e) => {
            let mut mem = app.mem();
            if let Some(c) = mem.challenges.get_mut(session) {
                if sent.is_none() {
                    c.failed_attempts += 1;
                }
                if c.failed_attempts >= CHALLENGE_ATTEMPTS {
                    mem.challenges.remove(session);
                    mem.mfa_codes.remove(session);
                }
            }
            Err(e)
        }
    }
}

// ---- Sign-in flows and their challenges (InitiateAuth, RespondToAuthChallenge)

/// A new session of an MFA_SETUP challenge (a pool with MFA ON, a user with no factor yet): each
/// step (AssociateSoftwareToken, VerifySoftwareToken) spends the one it was given and answers with a
/// new one; `verified` once a code of the new software token was accepted.
pub fn mfa_setup_session(
    app: &App,
    pool_id: &str,
    username: &str,
    client_id: Option<&str>,
    verified: bool,
) -> String {
    let session = random_string(64, URL_SAFE);
    app.mem().mfa_setup.insert(
        session.clone(),
        (
            Challenge::new(pool_id, username, client_id, app.now() + CHALLENGE_SECONDS),
            verified,
        ),
    );
    session
}

/// The (pool id, username, client id, verified) of a live MFA_SETUP session, spent; else
/// NotAuthorizedException as Cognito answers a stale session.
pub fn take_mfa_setup(
    app: &App,
    session: &str,
) -> Result<(String, String, Option<String>, bool), ApiError> {
    let (c, verified) = app
        .mem()
        .mfa_setup
        .remove(session)
        .ok_or_else(|| not_authorized("Invalid session for the user."))?;
    if c.expires_at <= app.now() {
        return Err(not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    Ok((c.pool_id, c.username, c.client_id, verified))
}

/// Puts an MFA_SETUP session back as it was (a refused code: the user may try again).
pub fn keep_mfa_setup(app: &App, session: &str, setup: (String, String, Option<String>, bool)) {
    let (pool_id, username, client_id, verified) = setup;
    app.mem().mfa_setup.insert(
        session.to_string(),
        (
            Challenge::new(
                &pool_id,
                &username,
                client_id.as_deref(),
                app.now() + CHALLENGE_SECONDS,
            ),
            verified,
        ),
    );
}

/// A new session id (64 random URL-safe characters) for `challenge`, kept in the map `pick` chooses.
fn open_session(
    app: &App,
    pick: fn(&mut crate::state::Memory) -> &mut std::collections::HashMap<String, Challenge>,
    challenge: Challenge,
) -> String {
    let session = random_string(64, URL_SAFE);
    pick(&mut app.mem()).insert(session.clone(), challenge);
    session
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

/// What follows a proof of the password (USER_PASSWORD_AUTH, PASSWORD_VERIFIER, a new password): the
/// refusals of disabled and unconfirmed users, the SOFTWARE_TOKEN_MFA challenge for users with TOTP on,
/// NEW_PASSWORD_REQUIRED for users with a temporary password, else tokens.
pub fn after_password(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    user: &User,
) -> ApiResult {
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    if user.status == UNCONFIRMED {
        return Err(bad("UserNotConfirmedException", "User is not confirmed."));
    }
    triggers::pre_authentication(app, pool, user, &Caller::client(&client.id))?;
    if totp_required(store, pool, &user.username) {
        return Ok(totp_challenge(app, store, pool, user, &client.id));
    }
    if pool.mfa_configuration == "ON" {
        let session = mfa_setup_session(app, &pool.id, &user.username, Some(&client.id), false);
        return Ok(json!({
            "ChallengeName": "MFA_SETUP",
            "Session": session,
            "ChallengeParameters": { "MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]" },
        }));
    }
    if user.status == FORCE_CHANGE_PASSWORD {
        return Ok(new_password_challenge(app, pool, client, user));
    }
    api_sign_in(app, store, &pool.id, client, user)
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

fn incorrect() -> ApiError {
    not_authorized("Incorrect username or password.")
}

/// The SRP salt shown for a name that is no user's (users have their own random salt): derived from pool
/// and name, so that it stays the same across tries and restarts, 16 bytes as hex.
fn srp_salt(pool_id: &str, username: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("devstack srp salt|{pool_id}|{username}").as_bytes());
    h[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// How far a PASSWORD_VERIFIER `TIMESTAMP` may be from the server clock.
const SRP_TIMESTAMP_SKEW_SECONDS: i64 = 300;

/// USER_SRP_AUTH's first step: `SRP_A` from the client → the PASSWORD_VERIFIER challenge (`SALT`, `SRP_B`,
/// `SECRET_BLOCK`, `USER_ID_FOR_SRP`, `USERNAME`). A name that is no user's gets a challenge too (whose
/// answer is refused), so the first step does not tell who exists.
pub fn srp_challenge(
    app: &App,
    store: &Store,
    pool: &UserPool,
    client: &Client,
    name: &str,
    a_hex: &str,
) -> ApiResult {
    let a_pub = srp::parse_a(a_hex).map_err(|e| match e {
        srp::BadA::Zero => bad("InvalidParameterException", "SRP_A cannot be 0 mod N"),
        srp::BadA::Malformed => bad("InvalidParameterException", "Invalid SRP_A"),
    })?;
    let user = find_user(store, pool, name).filter(|u| u.status != EXTERNAL_PROVIDER);
    // A user's own random salt and stored verifier; a name that is no user's (or a user with no
    // password) gets a salt that stays the same for that name and the verifier of a random password.
    let stored = user
        .as_ref()
        .and_then(|u| u.secret.srp().map(|(salt, v)| (u, salt.to_string(), v)));
    let (user_id, salt, v) = match stored {
        Some((u, salt, v)) => (u.username.clone(), salt, v),
        None => {
            let salt = srp_salt(&pool.id, name);
            let v = srp::verifier(
                srp::pool_name(&pool.id),
                name,
                &random_string(32, URL_SAFE),
                &salt,
            );
            (name.to_string(), salt, v)
        }
    };
    let random_bytes = |n: usize| (0..n).map(|_| rand::random::<u8>()).collect::<Vec<u8>>();
    let b = num_bigint::BigUint::from_bytes_be(&random_bytes(128)) % srp::n();
    let b_pub = srp::server_public(&v, &b);
    use base64::Engine;
    let secret_block = base64::engine::general_purpose::STANDARD.encode(random_bytes(96));
    let session = random_string(64, URL_SAFE);
    let out = json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": session,
        "ChallengeParameters": {
            "SALT": salt,
            "SRP_B": srp::to_hex(&b_pub),
            "SECRET_BLOCK": secret_block,
            "USER_ID_FOR_SRP": user_id,
            "USERNAME": user_id,
        },
    });
    app.mem().srp.insert(
        secret_block,
        SrpChallenge {
            pool_id: pool.id.clone(),
            username: user.map(|u| u.username),
            client_id: client.id.clone(),
            session,
            salt,
            a_pub,
            b,
            b_pub,
            expires_at: app.now() + CHALLENGE_SECONDS,
        },
    );
    Ok(out)
}

/// Answers PASSWORD_VERIFIER: checks the claim (`PASSWORD_CLAIM_SECRET_BLOCK`,
/// `PASSWORD_CLAIM_SIGNATURE`, `TIMESTAMP`, `USERNAME`) against the challenge (found by its secret
/// block; `session`, when given, must be the challenge's) and goes on as after a password. The challenge
/// is spent by any answer that names it.
pub fn answer_password_verifier(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    session: Option<&str>,
    responses: &Value,
) -> ApiResult {
    let username = required_param(responses, "USERNAME")?;
    let block = required_param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let claimed = required_param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = required_param(responses, "TIMESTAMP")?;
    let when = srp::parse_timestamp(timestamp).ok_or_else(|| {
        bad(
            "InvalidParameterException",
            "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.",
        )
    })?;
    let invalid = || not_authorized("Invalid session for the user.");
    let now = app.now();
    let c = {
        let mut mem = app.mem();
        let c = mem.srp.get(block).ok_or_else(invalid)?;
        if c.client_id != client.id || session.is_some_and(|s| s != c.session) {
            return Err(invalid());
        }
        mem.srp.remove(block).expect("found above")
    };
    if c.expires_at <= now {
        return Err(not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    let Some(user) = c
        .username
        .as_deref()
        .and_then(|u| store.users.get(&pool.id)?.get(u).cloned())
    else {
        return Err(incorrect());
    };
    if username != user.username
        && find_username(store, pool, username).as_deref() != Some(&user.username)
    {
        return Err(incorrect());
    }
    if (when - now).abs() > SRP_TIMESTAMP_SKEW_SECONDS {
        return Err(incorrect());
    }
    let a_pub = &c.a_pub;
    let pool_name = srp::pool_name(&pool.id);
    // The verifier of the challenge's salt: the password may have changed since the challenge.
    let Some(v) = user
        .secret
        .srp()
        .filter(|(salt, _)| *salt == c.salt)
        .map(|(_, v)| v)
    else {
        return Err(incorrect());
    };
    let s = srp::server_secret(a_pub, &c.b_pub, &c.b, &v).ok_or_else(incorrect)?;
    let key = srp::key(&s, &srp::u(a_pub, &c.b_pub));
    use base64::Engine;
    let block_bytes = base64::engine::general_purpose::STANDARD
        .decode(block)
        .map_err(|_| invalid())?;
    let expected = srp::signature(
        &key,
        &srp::message(pool_name, &user.username, &block_bytes, timestamp),
    );
    if user.status == EXTERNAL_PROVIDER || !srp::signature_matches(&expected, claimed) {
        return Err(incorrect());
    }
    after_password(app, store, pool, client, &user)
}

/// The challenges USER_AUTH offers (EMAIL_OTP to users with an email address, SMS_OTP to users with a phone
/// number, WEB_AUTHN to users with a passkey).
pub const USER_AUTH_CHALLENGES: &[&str] = &[
    "PASSWORD",
    "PASSWORD_SRP",
    "WEB_AUTHN",
    "EMAIL_OTP",
    "SMS_OTP",
];
/// Digits of an EMAIL_OTP code.
const EMAIL_OTP_DIGITS: usize = 8;

/// The challenges USER_AUTH offers this name (all of them to a name that is no user's): the codes
/// only where the user has the address they go to.
fn available_challenges(store: &Store, pool: &UserPool, name: &str) -> Vec<&'static str> {
    let user = find_user(store, pool, name);
    let has = |attribute: &str| user.as_ref().map(|u| u.attributes.contains_key(attribute));
    // Passkeys are `passkeys.rs`'s, kept in the store: WEB_AUTHN only to a user who has one.
    let has_passkey = user.as_ref().is_some_and(|u| {
        store
            .passkeys
            .get(&pool.id)
            .and_then(|users| users.get(&u.username))
            .is_some_and(|l| !l.is_empty())
    });
    USER_AUTH_CHALLENGES
        .iter()
        .copied()
        .filter(|c| match *c {
            "EMAIL_OTP" => has("email") != Some(false),
            "SMS_OTP" => has("phone_number") != Some(false),
            "WEB_AUTHN" => has_passkey,
            _ => true,
        })
        .collect()
}

/// Sends a one-time code of USER_AUTH's first factor (the outbox): `EMAIL_OTP` to the user's email
/// address (8 digits) or `SMS_OTP` to the phone number (6 digits); the challenge with
/// `CODE_DELIVERY_DELIVERY_MEDIUM` and the masked `CODE_DELIVERY_DESTINATION`.
fn email_otp_challenge(
    app: &App,
    store: &Store,
    pool: &UserPool,
    client: &Client,
    name: &str,
) -> ApiResult {
    otp_challenge(app, store, pool, client, name, "EMAIL_OTP")
}

fn otp_challenge(
    app: &App,
    store: &Store,
    pool: &UserPool,
    client: &Client,
    name: &str,
    kind: &'static str,
) -> ApiResult {
    let user = find_user(store, pool, name)
        .filter(|u| u.status != EXTERNAL_PROVIDER)
        .ok_or_else(incorrect)?;
    let (attribute, medium, digits) = if kind == "SMS_OTP" {
        ("phone_number", "SMS", 6)
    } else {
        ("email", "EMAIL", EMAIL_OTP_DIGITS)
    };
    let destination = user.attributes.get(attribute).cloned().ok_or_else(|| {
        bad(
            "InvalidParameterException",
            &format!("The user has no {attribute} for {kind}"),
        )
    })?;
    let to = Recipient {
        pool_id: &pool.id,
        username: &user.username,
        destination: &destination,
    };
    let code = app.issue_code(&to, kind, None, digits);
    let now = app.now();
    let session = random_string(64, URL_SAFE);
    app.mem().email_otp.insert(
        session.clone(),
        (
            Challenge::new(
                &pool.id,
                &user.username,
                Some(&client.id),
                now + CHALLENGE_SECONDS,
            ),
            code,
            kind,
        ),
    );
    Ok(json!({
        "ChallengeName": kind,
        "Session": session,
        "ChallengeParameters": {
            "CODE_DELIVERY_DELIVERY_MEDIUM": medium,
            "CODE_DELIVERY_DESTINATION": mask(&destination),
        },
    }))
}

/// RespondToAuthChallenge EMAIL_OTP / SMS_OTP (`kind`): `USERNAME`, `EMAIL_OTP_CODE` /
/// `SMS_OTP_CODE` → tokens. A wrong code is CodeMismatchException; the session survives 3 wrong codes
/// and 3 minutes, and answers only its own kind.
pub fn answer_email_otp(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    session: &str,
    responses: &Value,
    kind: &str,
) -> ApiResult {
    let invalid = || not_authorized("Invalid session for the user.");
    let now = app.now();
    let given = required_param(responses, "USERNAME")?;
    let code = required_param(responses, &format!("{kind}_CODE"))?;
    let username = {
        let mut mem = app.mem();
        let (c, sent, sent_kind) = mem.email_otp.get_mut(session).ok_or_else(invalid)?;
        if c.client_id.as_deref() != Some(client.id.as_str())
            || c.pool_id != pool.id
            || *sent_kind != kind
        {
            return Err(invalid());
        }
        if c.expires_at <= now {
            return Err(not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        if given != c.username && find_username(store, pool, given).as_deref() != Some(&c.username)
        {
            return Err(invalid());
        }
        let attempt = Attempt {
            code: sent.as_str(),
            expires_at: c.expires_at,
            failures: &mut c.failed_attempts,
        };
        if let Err(e) = codes::check(Some(attempt), code, now, CHALLENGE_ATTEMPTS) {
            if c.failed_attempts >= CHALLENGE_ATTEMPTS {
                mem.email_otp.remove(session);
            }
            return Err(e.challenge_error("Invalid code or auth state for the user."));
        }
        let username = c.username.clone();
        mem.email_otp.remove(session);
        username
    };
    let user = store
        .users
        .get(&pool.id)
        .and_then(|u| u.get(&username))
        .cloned()
        .ok_or_else(invalid)?;
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    if user.status == UNCONFIRMED {
        return Err(bad("UserNotConfirmedException", "User is not confirmed."));
    }
    api_sign_in(app, store, &pool.id, client, &user)
}

/// The `Session` SignUp gives a client that allows `USER_AUTH`, to be handed back with ConfirmSignUp
/// (as long as the confirmation code lives); `None` for other clients.
pub fn sign_up_session(app: &App, pool: &UserPool, client: &Client, user: &User) -> Option<String> {
    require_flow(client, "USER_AUTH").ok()?;
    let session = open_session(
        app,
        |m| &mut m.signed_up,
        Challenge::new(
            &pool.id,
            &user.username,
            Some(&client.id),
            app.now() + codes::SIGN_UP_CODE_SECONDS,
        ),
    );
    Some(session)
}

/// The SignUp `Session` given with ConfirmSignUp: it must be this client's for this user and not
/// expired (else NotAuthorizedException, before the code is checked). Spent by the confirmation.
pub fn check_sign_up_session(
    app: &App,
    store: &Store,
    pool: &UserPool,
    client: &Client,
    name: &str,
    session: &str,
) -> Result<(), ApiError> {
    let username = find_username(store, pool, name);
    let mem = app.mem();
    match mem.signed_up.get(session) {
        Some(c)
            if c.pool_id == pool.id
                && c.client_id.as_deref() == Some(client.id.as_str())
                && Some(&c.username) == username.as_ref()
                && c.expires_at > app.now() =>
        {
            Ok(())
        }
        _ => Err(not_authorized("Invalid session provided")),
    }
}

/// After a ConfirmSignUp that came with its SignUp `Session`: that session spent and a new one given,
/// which signs the user in once with InitiateAuth USER_AUTH (within the 3 minutes of a challenge).
pub fn confirmed_session(
    app: &App,
    pool: &UserPool,
    client: &Client,
    user: &User,
    spent: &str,
) -> String {
    let session = random_string(64, URL_SAFE);
    let mut mem = app.mem();
    mem.signed_up.remove(spent);
    mem.confirmed.insert(
        session.clone(),
        Challenge::new(
            &pool.id,
            &user.username,
            Some(&client.id),
            app.now() + CHALLENGE_SECONDS,
        ),
    );
    session
}

/// InitiateAuth USER_AUTH with the `Session` of a ConfirmSignUp: the confirmation code was the first
/// factor, so what follows a password follows (MFA, or tokens). Once, for that user and client.
pub fn sign_in_after_sign_up(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    params: &Value,
    session: &str,
) -> ApiResult {
    let name = required_param(params, "USERNAME")?;
    let invalid = || not_authorized("Invalid session for the user.");
    let challenge = app.mem().confirmed.remove(session).ok_or_else(invalid)?;
    let user = find_user(store, pool, name).ok_or_else(invalid)?;
    if challenge.pool_id != pool.id
        || challenge.client_id.as_deref() != Some(client.id.as_str())
        || challenge.username != user.username
    {
        return Err(invalid());
    }
    if challenge.expires_at <= app.now() {
        return Err(not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    after_password(app, store, pool, client, &user)
}

/// InitiateAuth USER_AUTH (choice-based sign-in): `PREFERRED_CHALLENGE` `PASSWORD` (with `PASSWORD`) or
/// `PASSWORD_SRP` (with `SRP_A`) starts that challenge at once; none (or one devstack does not offer)
/// gives SELECT_CHALLENGE with `AvailableChallenges`.
pub fn user_auth(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    params: &Value,
) -> ApiResult {
    let name = required_param(params, "USERNAME")?;
    match params.get("PREFERRED_CHALLENGE").and_then(Value::as_str) {
        Some("PASSWORD") => password_answer(app, store, pool, client, name, params),
        Some("PASSWORD_SRP") => {
            let a = required_param(params, "SRP_A")?;
            srp_challenge(app, store, pool, client, name, a)
        }
        Some("EMAIL_OTP") => email_otp_challenge(app, store, pool, client, name),
        Some("SMS_OTP") => otp_challenge(app, store, pool, client, name, "SMS_OTP"),
        _ => {
            let session = open_session(
                app,
                |m| &mut m.select,
                Challenge::new(
                    &pool.id,
                    name,
                    Some(&client.id),
                    app.now() + CHALLENGE_SECONDS,
                ),
            );
            Ok(json!({
                "ChallengeName": "SELECT_CHALLENGE",
                "Session": session,
                "ChallengeParameters": {},
                "AvailableChallenges": available_challenges(store, pool, name),
            }))
        }
    }
}

/// The `PASSWORD` of a sign-in checked (the same refusal for unknown users), then as after a password.
fn password_answer(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    name: &str,
    params: &Value,
) -> ApiResult {
    let password = required_param(params, "PASSWORD")?;
    match find_user(store, pool, name) {
        Some(u) if password_matches(&u, password) => after_password(app, store, pool, client, &u),
        _ => Err(incorrect()),
    }
}

/// The user of a SELECT_CHALLENGE session (live, of this pool and client), checked against the answer's
/// `USERNAME`; the session is not spent.
pub fn select_session_user(
    app: &App,
    pool: &UserPool,
    client: &Client,
    session: &str,
    responses: &Value,
) -> Result<String, ApiError> {
    let invalid = || not_authorized("Invalid session for the user.");
    let now = app.now();
    let username = {
        let mem = app.mem();
        let c = mem.select.get(session).ok_or_else(invalid)?;
        if c.client_id.as_deref() != Some(client.id.as_str()) || c.pool_id != pool.id {
            return Err(invalid());
        }
        if c.expires_at <= now {
            return Err(not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        c.username.clone()
    };
    let given = required_param(responses, "USERNAME")?;
    if given != username {
        return Err(invalid());
    }
    Ok(username)
}

/// RespondToAuthChallenge SELECT_CHALLENGE: `ANSWER` `PASSWORD` (with `PASSWORD`) → tokens or the next
/// challenge; `PASSWORD_SRP` (with `SRP_A`) → PASSWORD_VERIFIER. The session is spent by a valid answer.
pub fn answer_select_challenge(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    session: &str,
    responses: &Value,
) -> ApiResult {
    let username = select_session_user(app, pool, client, session, responses)?;
    let answer = required_param(responses, "ANSWER")?;
    if !available_challenges(store, pool, &username).contains(&answer) {
        return Err(bad(
            "InvalidParameterException",
            &format!("The challenge {answer} is not available for the user"),
        ));
    }
    let result = if answer == "PASSWORD" {
        password_answer(app, store, pool, client, &username, responses)
    } else if answer == "EMAIL_OTP" {
        email_otp_challenge(app, store, pool, client, &username)
    } else if answer == "SMS_OTP" {
        otp_challenge(app, store, pool, client, &username, "SMS_OTP")
    } else {
        let a = required_param(responses, "SRP_A")?;
        srp_challenge(app, store, pool, client, &username, a)
    };
    if !matches!(&result, Err(e) if e.ty == "InvalidParameterException") {
        app.mem().select.remove(session);
    }
    result
}

/// The NEW_PASSWORD_REQUIRED challenge of a user with a temporary password: `USER_ID_FOR_SRP`,
/// `requiredAttributes` (a JSON array, as a string, of the pool's required attributes the user lacks,
/// as `userAttributes.<name>`) and `userAttributes` (a JSON object, as a string, of the user's attributes).
pub fn new_password_challenge(app: &App, pool: &UserPool, client: &Client, user: &User) -> Value {
    let session = open_session(
        app,
        |m| &mut m.new_password,
        Challenge::new(
            &pool.id,
            &user.username,
            Some(&client.id),
            app.now() + CHALLENGE_SECONDS,
        ),
    );
    let attributes: serde_json::Map<String, Value> = user
        .attributes
        .iter()
        .filter(|(k, _)| k.as_str() != "sub" && k.as_str() != "identities")
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let required: Vec<String> = pool
        .required_attributes
        .iter()
        .filter(|a| !user.attributes.contains_key(*a))
        .map(|a| format!("userAttributes.{a}"))
        .collect();
    json!({
        "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "Session": session,
        "ChallengeParameters": {
            "USER_ID_FOR_SRP": user.username,
            "requiredAttributes": Value::from(required).to_string(),
            "userAttributes": Value::Object(attributes).to_string(),
        },
    })
}

/// Answers NEW_PASSWORD_REQUIRED: `NEW_PASSWORD` (the pool's policy), `USERNAME`, and
/// `userAttributes.<name>` for the required attributes the user lacks (and any other writable one). The
/// user becomes CONFIRMED with the new password; then tokens or the next challenge.
pub fn answer_new_password(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    session: &str,
    responses: &Value,
) -> ApiResult {
    let invalid = || not_authorized("Invalid session for the user.");
    let now = app.now();
    let username = {
        let mem = app.mem();
        let c = mem.new_password.get(session).ok_or_else(invalid)?;
        if c.client_id.as_deref() != Some(client.id.as_str()) || c.pool_id != pool.id {
            return Err(invalid());
        }
        if c.expires_at <= now {
            return Err(not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        c.username.clone()
    };
    let given = required_param(responses, "USERNAME")?;
    if given != username && find_username(store, pool, given).as_deref() != Some(&username) {
        return Err(invalid());
    }
    let password = required_param(responses, "NEW_PASSWORD")?;
    check_password(pool, password)?;
    let mut attributes = BTreeMap::new();
    if let Some(map) = responses.as_object() {
        for (k, v) in map {
            if let (Some(name), Some(v)) = (k.strip_prefix("userAttributes."), v.as_str()) {
                if [
                    "sub",
                    "email_verified",
                    "phone_number_verified",
                    "identities",
                ]
                .contains(&name)
                {
                    return Err(not_authorized(&format!(
                        "A client attempted to write unauthorized attribute {name}"
                    )));
                }
                attributes.insert(name.to_string(), v.to_string());
            }
        }
    }
    let user = store
        .users
        .get_mut(&pool.id)
        .and_then(|u| u.get_mut(&username))
        .ok_or_else(invalid)?;
    for required in &pool.required_attributes {
        if !user.attributes.contains_key(required) && !attributes.contains_key(required) {
            return Err(bad(
                "InvalidParameterException",
                &format!("Invalid attributes given, {required} is missing"),
            ));
        }
    }
    app.mem().new_password.remove(session);
    user.attributes.extend(attributes);
    user.secret = PasswordSecret::new(&pool.id, &user.username, password);
    user.status = CONFIRMED.into();
    user.modified = now;
    let user = user.clone();
    app.persist(store);
    after_password(app, store, pool, client, &user)
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

    #[test]
    fn totp_matches_rfc6238_sha1_vectors() {
        // RFC 6238 appendix B (SHA-1, 8 digits there; the last 6 digits are the 6-digit code).
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        let t = totp(&secret).unwrap();
        assert_eq!(t.generate(59).to_string(), "287082");
        assert_eq!(t.generate(1111111109).to_string(), "081804");
        assert_eq!(t.check("287082", 59), Some(1));
        assert_eq!(t.check("287082", 200), None);
    }
}
