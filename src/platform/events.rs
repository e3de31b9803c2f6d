//! The events [`CognitoAuth`](super::CognitoAuth) emits: their names and details, the listeners of this
//! tab, and the BroadcastChannel that carries them to the other tabs of the origin.

use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::auth::{Inner, Listener};
use crate::error::Error;
pub use crate::event::EventName;
use crate::json::Object;

/// What an event says.
#[derive(Debug, Clone)]
pub struct EventDetail {
    /// The event.
    pub name: EventName,
    /// Whether it happened in another tab (and reached this one through the BroadcastChannel).
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

impl Inner {
    pub(super) fn emit(&self, detail: EventDetail) {
        let listeners: Vec<Listener> = self
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
        if let Some((channel, _, tab)) = self.channel.borrow().as_ref() {
            let message = Object::new()
                .with("type", kind.as_str())
                .with("tab", tab.as_str())
                .to_json();
            let _ = channel.post_message(&JsValue::from_str(&message));
        }
    }

    fn open_channel(this: &Rc<Self>) {
        let Ok(random) = super::browser::random_bytes::<9>() else {
            return;
        };
        let tab = crate::pkce::random_string(&random);
        let Ok(channel) =
            web_sys::BroadcastChannel::new(&format!("cognito-wasm.{}", this.config.client_id))
        else {
            return;
        };
        let weak: Weak<Self> = Rc::downgrade(this);
        let own = tab.clone();
        let handler = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let (Some(inner), Some(text)) = (weak.upgrade(), event.data().as_string()) else {
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
            },
        );
        channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        *this.channel.borrow_mut() = Some((channel, handler, tab));
    }
}
