//! The only code that touches the browser: clock and fetch, and the browser-facing [`JwtVerifier`].

mod account;
mod auth;
mod browser;
mod callback;
mod credentials;
mod events;
mod flight;
mod refresh;
mod verifier;

pub use auth::{CallbackResult, CognitoAuth, ErrorDetail, EventDetail, EventName, Tokens, User};
pub use browser::{fetch_bytes, Store};
#[cfg(feature = "auth-exports")]
pub(crate) use credentials::wire_url;
pub use verifier::JwtVerifier;

/// Seconds since the epoch from the browser clock (`Date.now()`; `SystemTime` panics on wasm32).
pub fn now_seconds() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}
