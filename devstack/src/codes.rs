//! One-time codes sent to users (attribute verification, and whatever else needs a code): six digits
//! "delivered" to the outbox (`App::deliver`), kept in the store until used, valid for a day, replaced by
//! a newer code for the same purpose, and refused after too many wrong tries, with Cognito's errors
//! (`CodeMismatchException`, `ExpiredCodeException`, `LimitExceededException`).

use serde_json::{json, Value};

use crate::ids::random_string;
use crate::state::{App, Message, PendingCode, Store};

/// How long a code stays valid (Cognito: 24 hours for verification codes).
pub const CODE_SECONDS: i64 = 24 * 3600;

/// Wrong codes accepted before every further try is `LimitExceededException` (until a new code is sent).
pub const MAX_FAILURES: u32 = 5;

/// The store key of a code: one pending code per user, purpose and attribute.
pub fn code_key(pool_id: &str, username: &str, purpose: &str, attribute: &str) -> String {
    format!("{pool_id}|{username}|{purpose}|{attribute}")
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CodeError {
    /// Wrong code (or none was sent).
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

    pub fn message(self) -> &'static str {
        match self {
            CodeError::Mismatch => "Invalid verification code provided, please try again.",
            CodeError::Expired => "Invalid code provided, please request a code again.",
            CodeError::TooManyFailures => "Attempt limit exceeded, please try after some time.",
        }
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

impl App {
    /// Sends a new code for `purpose` to `destination` (the value of `attribute`), replacing any earlier
    /// one, and returns Cognito's `CodeDeliveryDetails`.
    pub fn send_code(
        &self,
        store: &mut Store,
        pool_id: &str,
        username: &str,
        purpose: &str,
        attribute: &str,
        destination: &str,
    ) -> Value {
        let code = random_string(6, b"0123456789");
        let now = self.now();
        store.attribute_codes.insert(
            code_key(pool_id, username, purpose, attribute),
            PendingCode {
                code: code.clone(),
                destination: destination.to_string(),
                expires_at: now + CODE_SECONDS,
                failures: 0,
            },
        );
        self.deliver(Message {
            subject: None,
            message: None,
            pool_id: pool_id.to_string(),
            username: username.to_string(),
            destination: destination.to_string(),
            purpose: purpose.to_string(),
            attribute: Some(attribute.to_string()),
            code,
            sent_at: now,
        });
        json!({
            "Destination": crate::accounts::mask(destination),
            "DeliveryMedium": medium(attribute),
            "AttributeName": attribute,
        })
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
        let Some(pending) = store.attribute_codes.get_mut(key) else {
            return Err(CodeError::Mismatch);
        };
        if pending.failures >= MAX_FAILURES {
            return Err(CodeError::TooManyFailures);
        }
        if now >= pending.expires_at || current.is_some_and(|c| c != pending.destination) {
            return Err(CodeError::Expired);
        }
        if pending.code != code {
            pending.failures += 1;
            return Err(CodeError::Mismatch);
        }
        store.attribute_codes.remove(key);
        Ok(())
    }
}
