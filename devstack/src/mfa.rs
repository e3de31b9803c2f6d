//! A user's MFA settings: TOTP software tokens (RFC 6238: 30 s steps, HMAC-SHA-1, 6 digits, one step
//! of skew, each step's code accepted once), the SMS and email factors (SetUserMFAPreference), and which
//! factor a sign-in needs.

use totp_rs::{Algorithm, Builder, Secret};

use crate::config::UserPool;
use crate::state::{App, MfaRecord, Store, User};
use crate::wire::{bad, ApiError};

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

/// The second factors a sign-in of this user may answer after the password: the preferred one alone,
/// else every factor that is on, in the order of Cognito's `MFAS_CAN_CHOOSE` (`SMS_MFA`,
/// `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`; more than one: SELECT_MFA_TYPE); empty when MFA is off for the
/// pool or the user.
pub fn mfa_factors(store: &Store, pool: &UserPool, username: &str) -> Vec<&'static str> {
    if pool.mfa_configuration == "OFF" {
        return vec![];
    }
    let Some(r) = store.mfa.get(&pool.id).and_then(|m| m.get(username)) else {
        return vec![];
    };
    let totp = r.enabled && r.secret.is_some();
    let on = [
        (r.sms, r.sms_preferred, "SMS_MFA"),
        (totp, r.preferred, "SOFTWARE_TOKEN_MFA"),
        (r.email, r.email_preferred, "EMAIL_OTP"),
    ];
    match on.iter().find(|(on, pref, _)| *on && *pref) {
        Some((_, _, name)) => vec![*name],
        None => on.iter().filter(|(on, _, _)| *on).map(|f| f.2).collect(),
    }
}

/// A sign-in of this user needs a second factor after the password.
pub fn totp_required(store: &Store, pool: &UserPool, username: &str) -> bool {
    !mfa_factors(store, pool, username).is_empty()
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

#[cfg(test)]
mod tests {
    use super::*;

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
