//! The only code that touches the browser: clock and fetch, and the browser-facing [`JwtVerifier`].

mod auth;
mod browser;
mod credentials;
mod flight;
mod verifier;

pub use auth::{CallbackResult, CognitoAuth, ErrorDetail, EventDetail, EventName, Tokens, User};
pub use browser::Store;
pub(crate) use credentials::wire_url;
pub use verifier::JwtVerifier;

use crate::error::{Error, ErrorKind, Result};

/// Seconds since the epoch from the browser clock (`Date.now()`; `SystemTime` panics on wasm32).
pub fn now_seconds() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// `GET url` and the body bytes; any failure or non-2xx status is [`ErrorKind::Network`].
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>> {
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|_| {
            Error::new(
                ErrorKind::Network,
                format!("GET {url} failed (offline, DNS, CORS or TLS)"),
            )
        })?;
    if !response.ok() {
        return Err(Error::new(
            ErrorKind::Network,
            format!("GET {url} answered HTTP {}", response.status()),
        ));
    }
    response.binary().await.map_err(|_| {
        Error::new(
            ErrorKind::Network,
            format!("reading the response of {url} failed"),
        )
    })
}
