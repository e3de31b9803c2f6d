//! Every one-time code devstack sends, issued and checked in one place: the sign-up confirmation and
//! password-reset codes, the attribute-verification codes, the SMS_MFA / EMAIL_OTP codes of an MFA step
//! and the EMAIL_OTP / SMS_OTP codes of USER_AUTH. A code is random digits "delivered" to the outbox
//! (`App::deliver`) with its purpose and the text the pool's CustomMessage trigger writes for its
//! [`Occasion`] (the one mapping to a `triggerSource`), and is checked by one rule, [`check`]: the entered code trimmed;
//! too many wrong tries → `LimitExceededException`; an expired code → `ExpiredCodeException` (before
//! the comparison, so a late code is never a mismatch); a wrong code → `CodeMismatchException`,
//! counted; an unknown or used code → `CodeMismatchException`; the right code is used up.
//!
//! Where a code lives depends on its kind: sign-up and reset codes in [`Store::codes`] (with a sending
//! limit), attribute codes in [`Store::attribute_codes`] (both survive a restart), the codes of a sign-in
//! challenge with the challenge in memory (the challenge counts the tries and ends the code with it).

use serde_json::{json, Value};

use crate::config::UserPool;
use crate::ids::random_string;
use crate::state::{App, CodeRecord, Message, PendingCode, Store, User};
use crate::triggers::{self, Caller};
use crate::wire::{bad, ApiError};

/// Outbox purposes of the account codes.
pub const SIGN_UP: &str = "SignUp";
pub const FORGOT_PASSWORD: &str = "ForgotPassword";

/// Digits of a code (USER_AUTH's EMAIL_OTP has 8).
pub const DIGITS: usize = 6;

/// How long an attribute-verification code stays valid (Cognito: 24 hours).
pub const CODE_SECONDS: i64 = 24 * 3600;
/// Cognito's lifetimes: a sign-up code 24 hours, a password-reset code 1 hour.
pub const SIGN_UP_CODE_SECONDS: i64 = 24 * 3600;
const RESET_CODE_SECONDS: i64 = 3600;

/// Wrong codes a stored code survives; after that every try is `LimitExceededException` until a new
/// code is sent.
pub const MAX_FAILURES: u32 = 5;

/// At most this many sign-up or reset codes per user and purpose in the window.
const MAX_SENDS: usize = 5;
const SEND_WINDOW_SECONDS: i64 = 900;

/// Why an entered code was refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CodeError {
    /// Wrong code (or none was sent, or it was used).
    Mismatch,
    /// Too old, or sent to a value the attribute no longer has.
    Expired,
    /// Too many wrong codes for this one.
    TooManyFailures,
}

impl CodeError {
    /// Cognito's `__type`.
    pub fn ty(self) -> &'static str {
        match self {
            CodeError::Mismatch => "CodeMismatchException",
            CodeError::Expired => "ExpiredCodeException",
            CodeError::TooManyFailures => "LimitExceededException",
        }
    }

    /// Cognito's message for the account and attribute codes.
    pub fn message(self) -> &'static str {
        match self {
            CodeError::Mismatch => "Invalid verification code provided, please try again.",
            CodeError::Expired => "Invalid code provided, please request a code again.",
            CodeError::TooManyFailures => "Attempt limit exceeded, please try after some time.",
        }
    }

    /// The error as Cognito answers it (the account and attribute codes' messages).
    pub fn api_error(self) -> ApiError {
        bad(self.ty(), self.message())
    }

    /// The error with the mismatch message of a sign-in challenge (Cognito words those differently).
    pub fn challenge_error(self, mismatch: &str) -> ApiError {
        match self {
            CodeError::Mismatch => bad(self.ty(), mismatch),
            _ => self.api_error(),
        }
    }
}

/// A code that was sent, as [`check`] sees it: the code, its end, and the count of wrong tries.
pub struct Attempt<'a> {
    pub code: &'a str,
    pub expires_at: i64,
    pub failures: &'a mut u32,
}

/// The one rule of every code: `pending` is the code sent (None: none, or it was used), `entered` the
/// code entered. Trims the entered code; refuses after `max_failures` wrong tries, then an expired code,
/// then a wrong one (counted). On success the caller uses the code up.
pub fn check(
    pending: Option<Attempt<'_>>,
    entered: &str,
    now: i64,
    max_failures: u32,
) -> Result<(), CodeError> {
    let Some(pending) = pending.filter(|p| !p.code.is_empty()) else {
        return Err(CodeError::Mismatch);
    };
    if *pending.failures >= max_failures {
        return Err(CodeError::TooManyFailures);
    }
    if now >= pending.expires_at {
        return Err(CodeError::Expired);
    }
    if pending.code != entered.trim() {
        *pending.failures += 1;
        return Err(CodeError::Mismatch);
    }
    Ok(())
}

/// `digits` random digits.
pub fn new_code(digits: usize) -> String {
    random_string(digits, b"0123456789")
}

/// Who a code goes to: the user, the email address or phone number, and who asked (for the
/// CustomMessage trigger's `callerContext` and `clientMetadata`).
pub struct Recipient<'a> {
    pub pool_id: &'a str,
    pub user: &'a User,
    pub destination: &'a str,
    pub caller: &'a Caller,
}

/// Why a code is sent: names the CustomMessage trigger source Cognito gives that message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Occasion {
    /// SignUp, the sign-up page.
    SignUp,
    /// ResendConfirmationCode (a sign-up code sent again).
    ResendCode,
    /// ForgotPassword.
    ForgotPassword,
    /// UpdateUserAttributes changed the email address or phone number.
    UpdateUserAttribute,
    /// GetUserAttributeVerificationCode.
    VerifyUserAttribute,
    /// A sign-in: the SMS_MFA / EMAIL_OTP codes of MFA, USER_AUTH's EMAIL_OTP / SMS_OTP.
    Authentication,
}

impl Occasion {
    /// The one mapping of a message to its CustomMessage `triggerSource`.
    pub fn trigger_source(self) -> &'static str {
        match self {
            Occasion::SignUp => "CustomMessage_SignUp",
            Occasion::ResendCode => "CustomMessage_ResendCode",
            Occasion::ForgotPassword => "CustomMessage_ForgotPassword",
            Occasion::UpdateUserAttribute => "CustomMessage_UpdateUserAttribute",
            Occasion::VerifyUserAttribute => "CustomMessage_VerifyUserAttribute",
            Occasion::Authentication => "CustomMessage_Authentication",
        }
    }
}

impl App {
    /// Issues a code: `digits` random digits sent to the outbox for `purpose` (and `attribute`, for
    /// attribute verification), with the text the pool's CustomMessage trigger writes for `occasion`
    /// (`smsMessage` to a phone number, `emailSubject` / `emailMessage` to an email address). The
    /// trigger runs before anything is sent: its refusal sends nothing. Returns the code.
    pub fn issue_code(
        &self,
        to: &Recipient<'_>,
        occasion: Occasion,
        purpose: &str,
        attribute: Option<&str>,
        digits: usize,
    ) -> Result<String, ApiError> {
        let code = new_code(digits);
        let sms = !to.destination.contains('@');
        let written = match self.config.user_pool(to.pool_id) {
            Some(pool) => triggers::custom_message(
                self,
                pool,
                occasion.trigger_source(),
                to.user,
                &code,
                sms,
                to.caller,
            )?,
            None => None,
        };
        let (subject, message) = written.map_or((None, None), |(s, m)| (s, Some(m)));
        self.deliver(Message {
            subject,
            message,
            pool_id: to.pool_id.to_string(),
            username: to.user.username.clone(),
            destination: to.destination.to_string(),
            purpose: purpose.to_string(),
            attribute: attribute.map(String::from),
            code: code.clone(),
            sent_at: self.now(),
        });
        Ok(code)
    }
}

// ---- Where a code went

/// Where a code went, as Cognito's `CodeDeliveryDetails` says it (the destination masked).
pub struct Delivery {
    pub destination: String,
    pub medium: &'static str,
    pub attribute: &'static str,
}

impl Delivery {
    pub fn json(&self) -> Value {
        json!({
            "Destination": self.destination,
            "DeliveryMedium": self.medium,
            "AttributeName": self.attribute,
        })
    }

    /// "by email to d***@e***.test", for the pages.
    pub fn describe(&self) -> String {
        let by = if self.medium == "EMAIL" {
            "by email"
        } else {
            "by text message"
        };
        format!("{by} to {}", self.destination)
    }
}

/// Masks a destination as Cognito does: `d***@e***.test`, `+*******0123`.
pub fn mask(destination: &str) -> String {
    if let Some((local, domain)) = destination.split_once('@') {
        let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
        let tld = domain
            .rsplit_once('.')
            .map(|(_, t)| format!(".{t}"))
            .unwrap_or_default();
        format!("{}***@{}***{tld}", first(local), first(domain))
    } else {
        let n = destination.chars().count();
        destination
            .chars()
            .enumerate()
            .map(|(i, c)| if i == 0 || i + 4 >= n { c } else { '*' })
            .collect()
    }
}

/// Cognito's delivery medium for an attribute.
pub fn medium(attribute: &str) -> &'static str {
    if attribute == "phone_number" {
        "SMS"
    } else {
        "EMAIL"
    }
}

/// Where account codes for the user go: the email address, else the phone number (`verified`: only a
/// verified one). (medium, attribute, value).
pub fn destination(user: &User, verified: bool) -> Option<(&'static str, &'static str, String)> {
    let ok =
        |attr: &str| !verified || user.attributes.get(attr).map(String::as_str) == Some("true");
    if let Some(e) = user
        .attributes
        .get("email")
        .filter(|_| ok("email_verified"))
    {
        return Some(("EMAIL", "email", e.clone()));
    }
    if let Some(p) = user
        .attributes
        .get("phone_number")
        .filter(|_| ok("phone_number_verified"))
    {
        return Some(("SMS", "phone_number", p.clone()));
    }
    None
}

// ---- Account codes: sign-up confirmation and password reset

fn limit_exceeded() -> ApiError {
    CodeError::TooManyFailures.api_error()
}

fn account_key(purpose: &str, username: &str) -> String {
    format!("{purpose}:{username}")
}

fn account_code<'s>(
    store: &'s mut Store,
    pool_id: &str,
    username: &str,
    purpose: &str,
) -> &'s mut CodeRecord {
    store
        .codes
        .entry(pool_id.to_string())
        .or_default()
        .entry(account_key(purpose, username))
        .or_default()
}

/// Sends a new sign-up or reset code for `purpose` (replacing an earlier one), within the sending
/// limit, with the text of the pool's CustomMessage trigger. None: the user has nowhere to send it.
pub fn send_account_code(
    app: &App,
    store: &mut Store,
    pool_id: &str,
    user: &User,
    purpose: &str,
    verified_only: bool,
    caller: &Caller,
) -> Result<Option<Delivery>, ApiError> {
    let Some((medium, attribute, to)) = destination(user, verified_only) else {
        return Ok(None);
    };
    let now = app.now();
    let lifetime = if purpose == SIGN_UP {
        SIGN_UP_CODE_SECONDS
    } else {
        RESET_CODE_SECONDS
    };
    let rec = account_code(store, pool_id, &user.username, purpose);
    rec.sent_at.retain(|t| now - t < SEND_WINDOW_SECONDS);
    if rec.sent_at.len() >= MAX_SENDS {
        return Err(limit_exceeded());
    }
    let occasion = match purpose {
        SIGN_UP if rec.sent_at.is_empty() => Occasion::SignUp,
        SIGN_UP => Occasion::ResendCode,
        _ => Occasion::ForgotPassword,
    };
    let recipient = Recipient {
        pool_id,
        user,
        destination: &to,
        caller,
    };
    // Before anything about the code changes: a refused CustomMessage sends nothing.
    let code = app.issue_code(&recipient, occasion, purpose, None, DIGITS)?;
    let rec = account_code(store, pool_id, &user.username, purpose);
    rec.sent_at.push(now);
    rec.code = code;
    rec.expires_at = now + lifetime;
    rec.failed_attempts = 0;
    Ok(Some(Delivery {
        destination: mask(&to),
        medium,
        attribute,
    }))
}

/// Checks (and on success uses up) the user's sign-up or reset code for `purpose`. A wrong code
/// counts against it, so the caller saves the store whatever the outcome.
pub fn check_account_code(
    app: &App,
    store: &mut Store,
    pool_id: &str,
    username: &str,
    purpose: &str,
    entered: &str,
) -> Result<(), ApiError> {
    let now = app.now();
    let rec = store
        .codes
        .get_mut(pool_id)
        .and_then(|c| c.get_mut(&account_key(purpose, username)));
    match rec {
        Some(rec) => {
            let attempt = Attempt {
                code: &rec.code,
                expires_at: rec.expires_at,
                failures: &mut rec.failed_attempts,
            };
            check(Some(attempt), entered, now, MAX_FAILURES).map_err(CodeError::api_error)?;
            rec.code.clear();
            Ok(())
        }
        None => Err(CodeError::Mismatch.api_error()),
    }
}

/// Forgets the user's code for `purpose` (a sign-up that did not happen).
pub fn drop_account_code(store: &mut Store, pool: &UserPool, username: &str, purpose: &str) {
    if let Some(codes) = store.codes.get_mut(&pool.id) {
        codes.remove(&account_key(purpose, username));
    }
}

// ---- Attribute-verification codes

/// The store key of an attribute code: one pending code per user, purpose and attribute.
pub fn code_key(pool_id: &str, username: &str, purpose: &str, attribute: &str) -> String {
    format!("{pool_id}|{username}|{purpose}|{attribute}")
}

impl App {
    /// Sends a new code for `purpose` to `to.destination` (the value of `attribute`), replacing any
    /// earlier one, and returns Cognito's `CodeDeliveryDetails` (nothing changes when CustomMessage
    /// refuses).
    pub fn send_code(
        &self,
        store: &mut Store,
        to: &Recipient<'_>,
        occasion: Occasion,
        purpose: &str,
        attribute: &str,
    ) -> Result<Value, ApiError> {
        let code = self.issue_code(to, occasion, purpose, Some(attribute), DIGITS)?;
        store.attribute_codes.insert(
            code_key(to.pool_id, &to.user.username, purpose, attribute),
            PendingCode {
                code,
                destination: to.destination.to_string(),
                expires_at: self.now() + CODE_SECONDS,
                failures: 0,
            },
        );
        Ok(json!({
            "Destination": mask(to.destination),
            "DeliveryMedium": medium(attribute),
            "AttributeName": attribute,
        }))
    }

    /// Checks a code entered for `key`. The right code is used up; a wrong one counts. `current` is the
    /// value the attribute has now: a code sent to another value has expired.
    pub fn check_code(
        &self,
        store: &mut Store,
        key: &str,
        code: &str,
        current: Option<&str>,
    ) -> Result<(), CodeError> {
        let now = self.now();
        let attempt = store.attribute_codes.get_mut(key).map(|pending| {
            let withdrawn = current.is_some_and(|c| c != pending.destination);
            Attempt {
                code: &pending.code,
                expires_at: if withdrawn {
                    i64::MIN
                } else {
                    pending.expires_at
                },
                failures: &mut pending.failures,
            }
        });
        check(attempt, code, now, MAX_FAILURES)?;
        store.attribute_codes.remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt<'a>(code: &'a str, failures: &'a mut u32) -> Option<Attempt<'a>> {
        Some(Attempt {
            code,
            expires_at: 100,
            failures,
        })
    }

    #[test]
    fn masks_like_cognito() {
        assert_eq!(mask("demo@example.test"), "d***@e***.test");
        assert_eq!(mask("a@b"), "a***@b***");
        assert_eq!(mask("+15555550123"), "+*******0123");
    }

    #[test]
    fn an_entered_code_is_trimmed() {
        let mut failures = 0;
        assert_eq!(
            check(attempt("123456", &mut failures), " 123456\n", 50, 5),
            Ok(())
        );
        assert_eq!(failures, 0);
    }

    #[test]
    fn expiry_is_checked_before_the_comparison() {
        let mut failures = 0;
        for entered in ["123456", "654321"] {
            assert_eq!(
                check(attempt("123456", &mut failures), entered, 100, 5),
                Err(CodeError::Expired)
            );
        }
        assert_eq!(failures, 0, "a late code is not a wrong try");
    }

    #[test]
    fn wrong_codes_count_up_to_the_limit() {
        let mut failures = 0;
        for _ in 0..5 {
            assert_eq!(
                check(attempt("123456", &mut failures), "000000", 50, 5),
                Err(CodeError::Mismatch)
            );
        }
        assert_eq!(failures, 5);
        assert_eq!(
            check(attempt("123456", &mut failures), "123456", 50, 5),
            Err(CodeError::TooManyFailures)
        );
    }

    #[test]
    fn an_unknown_or_used_code_is_a_mismatch() {
        let mut failures = 0;
        assert_eq!(check(None, "123456", 50, 5), Err(CodeError::Mismatch));
        assert_eq!(
            check(attempt("", &mut failures), "", 50, 5),
            Err(CodeError::Mismatch)
        );
        let e = CodeError::Mismatch.challenge_error("Invalid code received for user");
        assert_eq!(
            (e.ty, e.message.as_str()),
            ("CodeMismatchException", "Invalid code received for user")
        );
    }
}
