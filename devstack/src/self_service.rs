//! The user-pool JSON API's self-service operations: SignUp, ConfirmSignUp, ResendConfirmationCode,
//! ForgotPassword, ConfirmForgotPassword, AssociateSoftwareToken, VerifySoftwareToken,
//! SetUserMFAPreference and RespondToAuthChallenge (SOFTWARE_TOKEN_MFA, PASSWORD_VERIFIER,
//! SELECT_CHALLENGE, EMAIL_OTP, NEW_PASSWORD_REQUIRED; WEB_AUTHN is `passkeys.rs`'s). The rules are in `sign_up.rs`,
//! `mfa.rs` and `sign_in.rs`, shared with managed login's pages; `dispatch.rs` tries these before `user_pool.rs`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::mfa;
use crate::passkeys;
use crate::sign_in;
use crate::sign_up;
use crate::state::Shared;
use crate::triggers;
use crate::users;
use crate::wire::{bad, not_authorized, str_field, ApiError, ApiResult};

/// One operation, or None when it is not one of these.
pub fn op(app: &Shared, op: &str, input: &Value) -> Option<ApiResult> {
    Some(match op {
        "SignUp" => sign_up(app, input),
        "ConfirmSignUp" => confirm_sign_up(app, input),
        "ResendConfirmationCode" => resend_confirmation_code(app, input),
        "ForgotPassword" => forgot_password(app, input),
        "ConfirmForgotPassword" => confirm_forgot_password(app, input),
        "AssociateSoftwareToken" => associate_software_token(app, input),
        "VerifySoftwareToken" => verify_software_token(app, input),
        "SetUserMFAPreference" => set_user_mfa_preference(app, input),
        "RespondToAuthChallenge" => respond_to_auth_challenge(app, input),
        _ => return None,
    })
}

/// `[{"Name", "Value"}]` → a map.
fn attribute_list(input: &Value, field: &str) -> BTreeMap<String, String> {
    input
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| {
            Some((
                a.get("Name")?.as_str()?.to_string(),
                a.get("Value")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

fn sign_up(app: &Shared, input: &Value) -> ApiResult {
    let (pool, client) = users::app_client(app, input)?;
    let username = str_field(input, "Username")?;
    let password = str_field(input, "Password")?;
    let attributes = attribute_list(input, "UserAttributes");
    let caller = triggers::Caller::from_input(input);
    let mut store = app.store();
    let done = sign_up::sign_up(
        app, &mut store, &pool, username, password, attributes, &caller,
    )?;
    app.persist(&store);
    drop(store);
    let confirmed = done.user.status == users::CONFIRMED;
    let mut out = json!({ "UserConfirmed": confirmed, "UserSub": done.user.sub });
    if let Some(d) = done.delivery {
        out["CodeDeliveryDetails"] = d.json();
    }
    if let Some(session) = sign_in::sign_up_session(app, &pool, &client, &done.user) {
        out["Session"] = json!(session);
    }
    Ok(out)
}

fn confirm_sign_up(app: &Shared, input: &Value) -> ApiResult {
    let (pool, client) = users::app_client(app, input)?;
    let username = str_field(input, "Username")?;
    let code = str_field(input, "ConfirmationCode")?;
    let session = input.get("Session").and_then(Value::as_str);
    let mut store = app.store();
    if let Some(s) = session {
        sign_in::check_sign_up_session(app, &store, &pool, &client, username, s)?;
    }
    let result = sign_up::confirm_sign_up(app, &mut store, &pool, username, code);
    app.persist(&store);
    drop(store);
    let user = result?;
    // Confirmed whatever PostConfirmation answers; its failure is this call's error.
    triggers::post_confirmation(
        app,
        &pool,
        "PostConfirmation_ConfirmSignUp",
        &user.username,
        &triggers::Caller::from_input(input),
    )?;
    Ok(match session {
        Some(s) => json!({ "Session": sign_in::confirmed_session(app, &pool, &client, &user, s) }),
        None => json!({}),
    })
}

fn resend_confirmation_code(app: &Shared, input: &Value) -> ApiResult {
    let (pool, _) = users::app_client(app, input)?;
    let username = str_field(input, "Username")?;
    let mut store = app.store();
    let result = sign_up::resend_confirmation_code(app, &mut store, &pool, username);
    app.persist(&store);
    Ok(json!({ "CodeDeliveryDetails": result?.json() }))
}

fn forgot_password(app: &Shared, input: &Value) -> ApiResult {
    let (pool, _) = users::app_client(app, input)?;
    let username = str_field(input, "Username")?;
    let mut store = app.store();
    let result = sign_up::forgot_password(app, &mut store, &pool, username);
    app.persist(&store);
    Ok(json!({ "CodeDeliveryDetails": result?.json() }))
}

fn confirm_forgot_password(app: &Shared, input: &Value) -> ApiResult {
    let (pool, _) = users::app_client(app, input)?;
    let username = str_field(input, "Username")?;
    let code = str_field(input, "ConfirmationCode")?;
    let password = str_field(input, "Password")?;
    let mut store = app.store();
    let result = sign_up::confirm_forgot_password(app, &mut store, &pool, username, code, password);
    app.persist(&store);
    let user = users::find_username(&store, &pool, username);
    drop(store);
    result?;
    if let Some(user) = user {
        triggers::post_confirmation(
            app,
            &pool,
            "PostConfirmation_ConfirmForgotPassword",
            &user,
            &triggers::Caller::from_input(input),
        )?;
    }
    Ok(json!({}))
}

/// The pool id and username of the request's `AccessToken` (with the admin scope).
fn token_user(app: &Shared, input: &Value) -> Result<(String, String), ApiError> {
    let token = str_field(input, "AccessToken")?;
    let store = app.store();
    let (pool_id, user) = users::signed_in_user(app, &store, token)?;
    Ok((pool_id, user.username))
}

fn associate_software_token(app: &Shared, input: &Value) -> ApiResult {
    // During an MFA_SETUP challenge: the challenge's Session instead of an access token.
    if input.get("AccessToken").is_none() {
        if let Some(session) = input.get("Session").and_then(Value::as_str) {
            let (pool_id, username, client_id, _) = sign_in::take_mfa_setup(app, session)?;
            let mut store = app.store();
            let secret = mfa::associate_software_token(&mut store, &pool_id, &username);
            app.persist(&store);
            let next =
                sign_in::mfa_setup_session(app, &pool_id, &username, client_id.as_deref(), false);
            return Ok(json!({ "SecretCode": secret, "Session": next }));
        }
    }
    let (pool_id, username) = token_user(app, input)?;
    let mut store = app.store();
    let secret = mfa::associate_software_token(&mut store, &pool_id, &username);
    app.persist(&store);
    Ok(json!({ "SecretCode": secret }))
}

fn verify_software_token(app: &Shared, input: &Value) -> ApiResult {
    let code = str_field(input, "UserCode")?;
    let device = input.get("FriendlyDeviceName").and_then(Value::as_str);
    if input.get("AccessToken").is_none() {
        if let Some(session) = input.get("Session").and_then(Value::as_str) {
            let setup = sign_in::take_mfa_setup(app, session)?;
            let (pool_id, username, client_id, _) = setup.clone();
            let mut store = app.store();
            let result =
                mfa::verify_software_token(app, &mut store, &pool_id, &username, code, device);
            app.persist(&store);
            if let Err(e) = result {
                sign_in::keep_mfa_setup(app, session, setup);
                return Err(e);
            }
            let next =
                sign_in::mfa_setup_session(app, &pool_id, &username, client_id.as_deref(), true);
            return Ok(json!({ "Status": "SUCCESS", "Session": next }));
        }
    }
    let (pool_id, username) = token_user(app, input)?;
    let mut store = app.store();
    let result = mfa::verify_software_token(app, &mut store, &pool_id, &username, code, device);
    app.persist(&store);
    result.map(|_| json!({ "Status": "SUCCESS" }))
}

/// RespondToAuthChallenge MFA_SETUP with the Session VerifySoftwareToken gave: TOTP becomes the
/// user's preferred factor and the sign-in ends with tokens.
fn answer_mfa_setup(
    app: &Shared,
    pool: &crate::config::UserPool,
    client: &crate::config::Client,
    input: &Value,
) -> ApiResult {
    let session = str_field(input, "Session")?;
    let (pool_id, username, client_id, verified) = sign_in::take_mfa_setup(app, session)?;
    if pool_id != pool.id || client_id.as_deref() != Some(client.id.as_str()) || !verified {
        return Err(not_authorized("Invalid session for the user."));
    }
    let mut store = app.store();
    mfa::set_software_token_preference(&mut store, pool, &username, Some(true), Some(true))?;
    mfa::prefer_software_token(&mut store, &pool_id, &username);
    let user = store
        .users
        .get(&pool_id)
        .and_then(|u| u.get(&username))
        .cloned()
        .ok_or_else(|| not_authorized("User does not exist."))?;
    let out = users::api_sign_in(app, &mut store, &pool.id, client, &user);
    app.persist(&store);
    out
}

fn set_user_mfa_preference(app: &Shared, input: &Value) -> ApiResult {
    let (pool_id, username) = token_user(app, input)?;
    let pool = app
        .config
        .user_pool(&pool_id)
        .expect("verified tokens name a pool");
    let flag = |settings: &Value, name: &str| settings.get(name).and_then(Value::as_bool);
    let mut store = app.store();
    let user = store
        .users
        .get(&pool_id)
        .and_then(|u| u.get(&username))
        .cloned()
        .ok_or_else(|| not_authorized("User does not exist."))?;
    // All three settings or none: a refused one leaves the user's MFA record as it was.
    let before = store
        .mfa
        .get(&pool_id)
        .and_then(|m| m.get(&username))
        .cloned();
    let apply = |store: &mut crate::state::Store| -> Result<(), ApiError> {
        for (field, factor) in [
            ("SMSMfaSettings", "SMS_MFA"),
            ("EmailMfaSettings", "EMAIL_OTP"),
        ] {
            if let Some(settings) = input.get(field) {
                mfa::set_code_mfa_preference(
                    store,
                    pool,
                    &user,
                    factor,
                    flag(settings, "Enabled"),
                    flag(settings, "PreferredMfa"),
                )?;
            }
        }
        if let Some(settings) = input.get("SoftwareTokenMfaSettings") {
            mfa::set_software_token_preference(
                store,
                pool,
                &username,
                flag(settings, "Enabled"),
                flag(settings, "PreferredMfa"),
            )?;
            if flag(settings, "PreferredMfa") == Some(true) {
                mfa::prefer_software_token(store, &pool_id, &username);
            }
        }
        Ok(())
    };
    if let Err(e) = apply(&mut store) {
        let records = store.mfa.entry(pool_id.clone()).or_default();
        match before {
            Some(b) => records.insert(username, b),
            None => records.remove(&username),
        };
        return Err(e);
    }
    app.persist(&store);
    Ok(json!({}))
}

fn respond_to_auth_challenge(app: &Shared, input: &Value) -> ApiResult {
    let (pool, client) = users::app_client(app, input)?;
    let name = str_field(input, "ChallengeName")?;
    let responses = input
        .get("ChallengeResponses")
        .cloned()
        .unwrap_or(json!({}));
    match name {
        "SOFTWARE_TOKEN_MFA" => {}
        "PASSWORD_VERIFIER" => {
            let session = input.get("Session").and_then(Value::as_str);
            let mut store = app.store();
            return sign_in::answer_password_verifier(
                app, &mut store, &pool, &client, session, &responses,
            );
        }
        "SELECT_CHALLENGE" => {
            let session = str_field(input, "Session")?;
            let mut store = app.store();
            if responses.get("ANSWER").and_then(Value::as_str) == Some("WEB_AUTHN") {
                return passkeys::answer_select(app, &store, &pool, &client, session, &responses);
            }
            return sign_in::answer_select_challenge(
                app, &mut store, &pool, &client, session, &responses,
            );
        }
        // EMAIL_OTP is USER_AUTH's first factor or, after a password, the email MFA factor.
        "EMAIL_OTP" | "SMS_OTP"
            if !app.mem().mfa_codes.contains_key(str_field(input, "Session")?) =>
        {
            let session = str_field(input, "Session")?;
            let mut store = app.store();
            return sign_in::answer_email_otp(
                app, &mut store, &pool, &client, session, &responses, name,
            );
        }
        "SMS_MFA" | "EMAIL_OTP" => {}
        "SELECT_MFA_TYPE" => {
            let session = str_field(input, "Session")?;
            let answer = users::required_param(&responses, "ANSWER")?;
            let username = users::required_param(&responses, "USERNAME")?;
            let store = app.store();
            let step = sign_in::answer_select_mfa_type(
                app,
                &store,
                session,
                answer,
                Some(&client.id),
                Some(username),
            )?;
            return Ok(sign_in::step_json(step));
        }
        "MFA_SETUP" => return answer_mfa_setup(app, &pool, &client, input),
        "WEB_AUTHN" => return passkeys::answer(app, &pool, &client, input),
        "NEW_PASSWORD_REQUIRED" => {
            let session = str_field(input, "Session")?;
            let mut store = app.store();
            return sign_in::answer_new_password(
                app, &mut store, &pool, &client, session, &responses,
            );
        }
        _ => {
            return Err(bad(
                "InvalidParameterException",
                &format!("devstack answers the SOFTWARE_TOKEN_MFA, SMS_MFA, SELECT_MFA_TYPE, MFA_SETUP, PASSWORD_VERIFIER, SELECT_CHALLENGE, EMAIL_OTP, SMS_OTP, NEW_PASSWORD_REQUIRED and WEB_AUTHN challenges, not {name}"),
            ))
        }
    }
    let session = str_field(input, "Session")?;
    let response = |n: &str| responses.get(n).and_then(Value::as_str);
    let code_field = match name {
        "SMS_MFA" => "SMS_MFA_CODE",
        "EMAIL_OTP" => "EMAIL_OTP_CODE",
        _ => "SOFTWARE_TOKEN_MFA_CODE",
    };
    let code = response(code_field).ok_or_else(|| {
        bad(
            "InvalidParameterException",
            &format!("Missing required parameter {code_field}"),
        )
    })?;
    let username = response("USERNAME").ok_or_else(|| {
        bad(
            "InvalidParameterException",
            "Missing required parameter USERNAME",
        )
    })?;
    let mut store = app.store();
    let answered = sign_in::answer_challenge(
        app,
        &mut store,
        session,
        code,
        Some(&client.id),
        Some(username),
    );
    let (pool_id, username) = match answered {
        Ok(a) => a,
        Err(e) => {
            app.persist(&store);
            return Err(e);
        }
    };
    let user = store
        .users
        .get(&pool_id)
        .and_then(|u| u.get(&username))
        .filter(|u| u.enabled)
        .cloned()
        .ok_or_else(|| not_authorized("User is disabled."))?;
    users::api_sign_in(app, &mut store, &pool.id, &client, &user)
}
