//! The events [`CognitoAuth`](super::CognitoAuth) emits: their names and details, the listeners of
//! this instance, and the channel that carries them to the other tabs.

use std::rc::{Rc, Weak};

use super::auth::Inner;
use super::{random_bytes, Platform};
use crate::error::Error;
pub use crate::event::EventName;
use crate::json::Object;

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
        o
    }

    pub(super) fn new(name: EventName) -> Self {
        Self {
            name,
            from_other_tab: false,
            reason: None,
            error: None,
            attempt: None,
            will_retry: None,
        }
    }

    pub(super) fn reason(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned());
        self
    }

    pub(super) fn error(mut self, error: &Error) -> Self {
        self.error = Some(error.into());
        self
    }
}

impl<P: Platform> Inner<P> {
    pub(super) fn emit(&self, detail: EventDetail) {
        let listeners: Vec<_> = self
            .listeners
            .borrow()
            .iter()
            .filter(|(_, n, _)| *n == detail.name)
            .map(|(_, _, l)| l.clone())
            .collect();
        for listener in listeners {
            listener(&detail);
        }
    }

    /// Opens the channel to the other tabs if events are shared and it is not open yet.
    pub(super) fn ensure_channel(&self) {
        if self.shares_tabs && self.channel.borrow().is_none() {
            if let Some(this) = self.me.upgrade() {
                Inner::open_channel(&this);
            }
        }
    }

    pub(super) fn broadcast(&self, kind: EventName) {
        self.ensure_channel();
        if let Some((channel, tab)) = self.channel.borrow().as_ref() {
            let message = Object::new()
                .with("type", kind.as_str())
                .with("tab", tab.as_str())
                .to_json();
            self.platform.post(channel, &message);
        }
    }

    fn open_channel(this: &Rc<Self>) {
        let Ok(random) = random_bytes::<P, 9>(&this.platform) else {
            return;
        };
        let tab = crate::pkce::random_string(&random);
        let weak: Weak<Self> = Rc::downgrade(this);
        let own = tab.clone();
        let on_message = Box::new(move |text: String| {
            let Some(inner) = weak.upgrade() else {
                return;
            };
            let Some(message) = Object::parse(&text) else {
                return;
            };
            if message.get("tab").and_then(|t| t.as_str()) == Some(own.as_str()) {
                return;
            }
            let Some(name) = message
                .get("type")
                .and_then(|t| t.as_str())
                .and_then(EventName::parse)
            else {
                return;
            };
            // Storage is shared with the other tab: it already holds the new state.
            let mut detail = EventDetail::new(name);
            detail.from_other_tab = true;
            if name == EventName::SignedOut {
                detail.reason = Some("otherTab".into());
            }
            inner.emit(detail);
        });
        let mut name = String::from("cognito-wasm.");
        name.push_str(&this.config.client_id);
        if let Some(channel) = this.platform.open_channel(&name, on_message) {
            *this.channel.borrow_mut() = Some((channel, tab));
        }
    }
}
