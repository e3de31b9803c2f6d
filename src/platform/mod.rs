//! The browser: [`Browser`], the engine's platform through `globalThis` (a page, a worker, Node, edge
//! runtimes), and the engine's types on it: [`CognitoAuth`], [`JwtVerifier`].

mod browser;
#[cfg(test)]
mod tests;

pub use crate::engine::{ErrorDetail, EventDetail, EventName};
pub use crate::view::{CallbackResult, Tokens, User};
#[cfg(feature = "auth-exports")]
pub(crate) use browser::wire_url;
pub use browser::{Browser, Channel, Store};

use wasm_bindgen::JsValue;

use crate::error::{Error, ErrorKind, Result};
use crate::options::AwsServiceOptions;

/// [`engine::CognitoAuth`](crate::engine::CognitoAuth) on the browser platform.
pub type CognitoAuth = crate::engine::CognitoAuth<Browser>;
/// [`engine::JwtVerifier`](crate::engine::JwtVerifier) on the browser platform.
pub type JwtVerifier = crate::engine::JwtVerifier<Browser>;

/// Seconds since the epoch from the browser clock (`Date.now()`; `SystemTime` panics on wasm32).
pub fn now_seconds() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

impl crate::engine::CognitoAuth<Browser> {
    /// `fetch` with SigV4 headers from the current credentials
    /// ([`signed_request`](Self::signed_request)). Resolves to the `Response` whatever its status; a
    /// request that gets no response is `ERR_NETWORK`.
    pub async fn signed_fetch(
        &self,
        url: &str,
        method: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        options: &AwsServiceOptions,
    ) -> Result<web_sys::Response> {
        let signed = self
            .signed_request(url, method, headers, &body, options)
            .await?;
        let body =
            (!body.is_empty()).then(|| JsValue::from(js_sys::Uint8Array::from(body.as_slice())));
        browser::fetch(&signed.method, &signed.url, &signed.headers, body.as_ref())
            .await
            .map_err(|cause| {
                Error::new(
                    ErrorKind::Network,
                    "the request failed: offline, DNS, CORS or TLS",
                )
                .with_cause(cause)
            })
    }
}
