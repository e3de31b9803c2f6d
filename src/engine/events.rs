//! How [`CognitoAuth`](super::CognitoAuth) emits its events ([`crate::event`]): to the listeners of
//! this instance, and through the channel that carries them to the other tabs.

use std::rc::{Rc, Weak};

use super::auth::Inner;
use super::{random_bytes, Platform, Storage};
use crate::event::{EventDetail, EventName};
use crate::json::Object;

impl<P: Platform> Inner<P> {
    /// Whether the app listens to the debug log (else no line is built).
    pub(super) fn logging(&self) -> bool {
        self.listeners
            .borrow()
            .iter()
            .any(|(_, n, _)| *n == EventName::Log)
    }

    /// A line of the debug log (`log` event) from `parts`; callers build the parts only when
    /// [`logging`](Self::logging). No part may hold a token, code, key, secret or password.
    pub(super) fn log(&self, level: &'static str, parts: &[&str]) {
        let mut detail = EventDetail::new(EventName::Log);
        detail.log = Some((level, crate::error::concat(parts)));
        self.emit(detail);
    }

    /// Sends `request` (its method and URL, the AWS operation, then the status, in the debug log).
    pub(super) async fn send(
        &self,
        request: &crate::http::HttpRequest,
    ) -> crate::http::HttpResponse {
        let response = self.platform.send(request).await;
        if self.logging() {
            let status = response.status.to_string();
            let mut parts = vec![request.method, " ", request.url.as_str()];
            // The AWS JSON APIs share one URL: the operation says which call it was.
            if let Some((_, target)) = request.headers.iter().find(|(n, _)| n == "x-amz-target") {
                parts.extend([" ", target.rsplit('.').next().unwrap_or("")]);
            }
            parts.extend([" → ", &status]);
            self.log("debug", &parts);
        }
        response
    }

    pub(super) fn emit(&self, detail: EventDetail) {
        if detail.name != EventName::Log && self.logging() {
            let mut parts = vec![detail.name.as_str()];
            if let Some(r) = &detail.reason {
                parts.extend([" (", r.as_str(), ")"]);
            }
            if let Some(e) = &detail.error {
                parts.extend([": ", e.code, " ", e.message.as_str()]);
            }
            if detail.from_other_tab {
                parts.push(", from another tab");
            }
            let level = if detail.error.is_some() {
                "warn"
            } else {
                "info"
            };
            self.log(level, &parts);
        }
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
                .with("session", self.session_mark())
                .to_json();
            self.platform.post(channel, &message);
        }
    }

    /// A digest of the stored session as this tab sees it (0 when there is none), naming the state
    /// an event left without carrying a token: 32-bit FNV-1a of the stored text.
    pub(super) fn session_mark(&self) -> u64 {
        self.store.get(&self.key("session")).map_or(0, |text| {
            let hash = text.bytes().fold(0x811c_9dc5_u32, |h, b| {
                (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
            });
            u64::from(hash)
        })
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
            let mut detail = EventDetail::new(name);
            detail.from_other_tab = true;
            if name == EventName::SignedOut {
                detail.reason = Some("otherTab".into());
            }
            // The message and the storage it is about reach this tab by different paths (in
            // Chromium, BroadcastChannel and Web Storage are separate IPC pipes): the message may come
            // first. Listeners read the storage, so they are told once this tab sees the session
            // the other tab left (waiting up to a second; a tab of an older version sends no mark).
            let want = match message.get("session").and_then(|t| t.as_u64()) {
                Some(mark) if mark != inner.session_mark() => mark,
                _ => return inner.emit(detail),
            };
            let platform = inner.platform.clone();
            platform.spawn(Box::pin(async move {
                for _ in 0..40 {
                    inner.platform.sleep_ms(25).await;
                    if inner.session_mark() == want {
                        break;
                    }
                }
                inner.emit(detail);
            }));
        });
        let mut name = String::from("cognito-wasm.");
        name.push_str(&this.config.client_id);
        if let Some(channel) = this.platform.open_channel(&name, on_message) {
            *this.channel.borrow_mut() = Some((channel, tab));
        }
    }
}
