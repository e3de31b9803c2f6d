//! HTTP requests and responses as plain values: the core builds [`HttpRequest`]s and parses
//! [`HttpResponse`]s; the engine's platform sends one and hands back the other.

use crate::secret::Secret;

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

/// A response received: status 0 means the request failed before any answer (offline, CORS, DNS).
/// `Debug` redacts the body, which may hold tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status, or 0 when no response arrived.
    pub status: u16,
    /// The body text; may hold tokens or credentials, so it is a [`Secret`].
    pub body: Secret,
    /// The `x-amzn-errortype` header, if readable.
    pub error_type_header: Option<String>,
}
