//! The events `CognitoAuth` emits: their names and what each says (the engine emits them, in
//! `engine::events`).

use crate::error::Error;
use crate::json::Object;

crate::contract::listed! {
    /// The events `CognitoAuth` emits.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum EventName {
        /// A user signed in (here through the callback, or in another tab).
        SignedIn => "signedIn",
        /// The session ended: sign-out, or a refresh token refused for good.
        SignedOut => "signedOut",
        /// New tokens were stored.
        TokenRefresh => "tokenRefresh",
        /// A refresh attempt failed; the tokens were kept.
        TokenRefreshFailure => "tokenRefreshFailure",
        /// The redirect callback carried an error or could not be completed.
        SignInWithRedirectFailure => "signInWithRedirectFailure",
        /// New AWS credentials were stored.
        CredentialsRefresh => "credentialsRefresh",
        /// A stored value was unreadable or foreign and was discarded.
        StorageWarning => "storageWarning",
        /// A line of the debug log: `level` and `message`. Never a token, code, key, secret or
        /// password: requests by method, URL and status, events, retries, errors by code and message.
        Log => "log",
    }
    /// The JS event name.
    fn as_str;
}

impl EventName {
    /// Parses the JS event name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| e.as_str() == name)
    }
}

/// What an event says.
#[derive(Debug, Clone)]
pub struct EventDetail {
    /// The event.
    pub name: EventName,
    /// Whether it happened in another tab (and reached this one through the channel).
    pub from_other_tab: bool,
    /// Why (`signOut`, `refreshTokenRefused`, `otherTab`, `corrupted`, ...).
    pub reason: Option<String>,
    /// The error, for failure events: `{ code, message, type? }`.
    pub error: Option<ErrorDetail>,
    /// The attempt (1-based), for `tokenRefreshFailure`.
    pub attempt: Option<u32>,
    /// Whether another attempt follows, for `tokenRefreshFailure`.
    pub will_retry: Option<bool>,
    /// For `log`: `debug`, `info`, `warn` or `error`, and the line.
    pub log: Option<(&'static str, String)>,
}

/// An error as event data.
#[derive(Debug, Clone)]
pub struct ErrorDetail {
    /// The stable code.
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// The server's error type, if any.
    pub server_type: Option<String>,
}

impl From<&Error> for ErrorDetail {
    fn from(e: &Error) -> Self {
        Self {
            code: e.code(),
            message: e.message().to_owned(),
            server_type: e.server_type().map(str::to_owned),
        }
    }
}

impl EventDetail {
    /// `{ fromOtherTab, reason?, error?: { code, message, type? }, attempt?, willRetry? }`.
    pub fn to_json(&self) -> Object {
        let mut o = Object::new().with("fromOtherTab", self.from_other_tab);
        if let Some(reason) = &self.reason {
            o.insert("reason", reason.as_str());
        }
        if let Some(e) = &self.error {
            let mut error = Object::new()
                .with("code", e.code)
                .with("message", e.message.as_str());
            if let Some(t) = &e.server_type {
                error.insert("type", t.as_str());
            }
            o.insert("error", error);
        }
        if let Some(attempt) = self.attempt {
            o.insert("attempt", u64::from(attempt));
        }
        if let Some(will_retry) = self.will_retry {
            o.insert("willRetry", will_retry);
        }
        if let Some((level, message)) = &self.log {
            o.insert("level", *level);
            o.insert("message", message.as_str());
        }
        o
    }

    pub(crate) fn new(name: EventName) -> Self {
        Self {
            name,
            from_other_tab: false,
            reason: None,
            error: None,
            attempt: None,
            will_retry: None,
            log: None,
        }
    }

    pub(crate) fn reason(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned());
        self
    }

    pub(crate) fn error(mut self, error: &Error) -> Self {
        self.error = Some(error.into());
        self
    }
}
