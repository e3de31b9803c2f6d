//! HTTP requests and responses as plain values: the core builds [`HttpRequest`]s and parses
//! [`HttpResponse`]s; the engine's platform sends one and hands back the other.

use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// The longest response body that is parsed, in bytes (1 MB = 1,048,576 bytes): of the token
/// endpoint, the user pool's and the identity pool's JSON APIs, a success or a refusal. The largest
/// Cognito sends is `GetUser`'s: a pool has at most 50 custom attributes besides the 20 or so standard
/// ones, each value at most 2048 characters, so under 150 KB of ASCII and well under 1 MB even with
/// every character escaped as `\uXXXX`. A longer success is an [`ErrorKind::Network`] error, "the
/// response is longer than 1 MB"; a longer refusal is classified by its status alone. Either way it is
/// not parsed.
pub const MAX_RESPONSE_LENGTH: usize = 1024 * 1024;

/// A request to send. `Debug` redacts the body, which may hold a code, a verifier or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `POST` or `GET`.
    pub method: &'static str,
    /// The absolute URL.
    pub url: String,
    /// Headers to set (lower-case names).
    pub headers: Vec<(String, String)>,
    /// The body (form-encoded or JSON); may hold a code, a verifier or a token, so it is a [`Secret`].
    pub body: Secret,
}

/// A response received: status 0 means the request failed before any answer (offline, CORS, DNS),
/// and then the body is what the runtime reported, if anything (`TypeError: Failed to fetch`).
/// `Debug` redacts the body, which may hold tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status, or 0 when no response arrived.
    pub status: u16,
    /// The body text; may hold tokens or credentials, so it is a [`Secret`].
    pub body: Secret,
    /// The `x-amzn-errortype` header, if readable.
    pub error_type_header: Option<String>,
    /// The `x-amzn-requestid` header (AWS's id of the request), if readable.
    pub request_id: Option<String>,
}

impl HttpResponse {
    /// The body, if it is at most [`MAX_RESPONSE_LENGTH`] bytes long; otherwise an
    /// [`ErrorKind::Network`] error. Bounds the work done on a response before it is parsed.
    pub(crate) fn bounded_body(&self) -> Result<&str> {
        let body = self.body.expose();
        if body.len() > MAX_RESPONSE_LENGTH {
            return Err(Error::new(
                ErrorKind::Network,
                "the response is longer than 1 MB",
            ));
        }
        Ok(body)
    }
}

/// `scheme://rest` split at the first `:` (a scheme has none), or `None` without `://` there. A
/// character search: a `"://"` pattern would link core's two-way substring searcher into the wasm.
pub(crate) fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once(':')?;
    Some((scheme, rest.strip_prefix("//")?))
}

/// Percent-encodes a query component, spaces as `%20`.
pub fn encode_component(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
