//! One error type for the whole crate, with a stable [`ErrorKind::code`] string per kind.

use std::fmt;

// Each kind with its code, listed once: the enum, `ErrorKind::code` and `ErrorKind::ALL` come from this
// list, and a test checks the TypeScript `AuthErrorCode` union and the README's table against `ALL`.
crate::contract::listed! {
    /// What went wrong, as a closed set of kinds with stable codes.
    ///
    /// The JS facade throws an `Error` whose `name` is `"AuthError"` and whose `code` is [`ErrorKind::code`];
    /// the codes are part of the public API and never change meaning.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum ErrorKind {
    /// The configuration is invalid (the message names the field).
    Config => "ERR_CONFIG",
    /// The token is not three base64url segments of JSON objects, or a claim has the wrong type.
    JwtMalformed => "ERR_JWT_MALFORMED",
    /// The token's algorithm is not on the allow-list, or differs from the JWK's `alg`.
    JwtAlg => "ERR_JWT_ALG",
    /// The signature does not verify with the key named by the token's `kid`.
    JwtSignature => "ERR_JWT_SIGNATURE",
    /// No key in the JWKS has the token's `kid` (after at most one refetch).
    JwkNotFound => "ERR_JWK_NOT_FOUND",
    /// The JWKS could not be used: not JSON, not a key set, or a key of the wrong type or use.
    Jwks => "ERR_JWKS",
    /// `exp` is in the past (beyond the grace period).
    JwtExpired => "ERR_JWT_EXPIRED",
    /// `nbf` is in the future (beyond the grace period).
    JwtNotYetValid => "ERR_JWT_NOT_YET_VALID",
    /// `iss` is not the configured issuer.
    JwtIssuer => "ERR_JWT_ISSUER",
    /// `aud` (ID token) or `client_id` (access token) is not an accepted client id.
    JwtAudience => "ERR_JWT_AUDIENCE",
    /// `token_use` is not the expected one.
    JwtTokenUse => "ERR_JWT_TOKEN_USE",
    /// The token has none of the required groups (`cognito:groups`).
    JwtGroup => "ERR_JWT_GROUP",
    /// The token has none of the required scopes (`scope`).
    JwtScope => "ERR_JWT_SCOPE",
    /// A request could not be sent or its response read (offline, DNS, CORS), or the server failed
    /// transiently (5xx, throttling). Tokens are kept; the call can be retried.
    Network => "ERR_NETWORK",
    /// The redirect callback's `state` matches no stored login transaction (forged, expired, or from
    /// another browser).
    StateMismatch => "ERR_STATE_MISMATCH",
    /// The ID token's `nonce` is not the one sent with the authorization request.
    NonceMismatch => "ERR_NONCE_MISMATCH",
    /// The authorization server refused a request (`error` of the OAuth response, in [`Error::server_type`]).
    OAuth => "ERR_OAUTH",
    /// The refresh token was refused for good (`invalid_grant`, `NotAuthorizedException`): the session
    /// has ended and was cleared.
    SessionEnded => "ERR_SESSION_ENDED",
    /// An AWS JSON API refused a request (the AWS error type is in [`Error::server_type`]).
    Aws => "ERR_AWS",
    /// This redirect callback was already handled and its session is gone (e.g. signed out since).
    CallbackHandled => "ERR_CALLBACK_HANDLED",
    /// The URL is not a redirect callback (no `code`/`error` with a `state`).
    NotACallback => "ERR_NOT_A_CALLBACK",
    /// The operation needs a signed-in user.
    NotSignedIn => "ERR_NOT_SIGNED_IN",
    /// Browser storage is unavailable (blocked, quota exceeded).
    Storage => "ERR_STORAGE",
    /// `signInWithPopup`: the browser blocked the popup (call it from a click or key press).
    PopupBlocked => "ERR_POPUP_BLOCKED",
    /// `signInWithPopup`: the popup was closed before the sign-in completed.
    PopupClosed => "ERR_POPUP_CLOSED",
    /// `signInWithPopup`: the sign-in did not complete in time (`timeoutSeconds`); the popup was closed.
    PopupTimeout => "ERR_POPUP_TIMEOUT",
    /// `confirmSignIn`: no sign-in waits for an answer (none was started in this instance, or its
    /// three minutes passed, or Cognito refused its session as expired). Start again with `signIn`.
    SignInExpired => "ERR_SIGN_IN_EXPIRED",
    /// The sign-in asks for a step this version cannot answer (its name is in the error's `type`), or
    /// the answer given does not fit the step.
    Challenge => "ERR_CHALLENGE",
    /// Passkeys: there is no WebAuthn here (a browser without it, a worker, Node).
    PasskeyUnsupported => "ERR_PASSKEY_UNSUPPORTED",
    /// Passkeys: the user cancelled the browser's prompt, or it timed out (`NotAllowedError`).
    PasskeyCancelled => "ERR_PASSKEY_CANCELLED",
    /// Passkeys: the user pool's relying party id is not this page's domain (the browser would
    /// refuse it: `SecurityError`).
    PasskeyRelyingParty => "ERR_PASSKEY_RELYING_PARTY",
    /// Passkeys: the authenticator already holds a passkey of this account (`InvalidStateError`
    /// at registration).
    PasskeyExists => "ERR_PASSKEY_EXISTS",
    /// The module was used before `init()` or `initSync()` finished (thrown by the JS glue; the Rust
    /// API never returns it).
    NotInitialized => "ERR_NOT_INITIALIZED",
    }
    /// The stable code string, e.g. `"ERR_JWT_EXPIRED"`.
    fn code;
}

/// An error with its [`ErrorKind`] and a human-readable message.
///
/// Messages never contain a token, a key or any other secret.
///
/// One pointer wide (the fields are boxed), so that a `Result` stays small and every `?` on a path that
/// succeeds moves little: in wasm this is several KB of code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    message: String,
    server_type: Option<String>,
    /// The HTTP status of the refusal, 0 when none.
    status: u16,
    request_id: Option<String>,
    cause: Option<String>,
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            kind,
            message: message.into(),
            server_type: None,
            status: 0,
            request_id: None,
            cause: None,
        }))
    }

    /// Attaches what the server's response says of it: its HTTP status and AWS's request id
    /// (`x-amzn-requestid`), each when there is one.
    pub fn with_response(mut self, status: u16, request_id: Option<String>) -> Self {
        self.0.status = status;
        self.0.request_id = request_id;
        self
    }

    /// Attaches what the runtime reported beneath this error, as text (for a request that got no
    /// response: fetch's `TypeError: Failed to fetch`).
    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.0.cause = Some(cause.into());
        self
    }

    /// The HTTP status of the response that was refused or failed, if one arrived.
    pub fn status(&self) -> Option<u16> {
        Some(self.0.status).filter(|s| *s != 0)
    }

    /// AWS's request id of the refused or failed request (`x-amzn-requestid`), when AWS sent one: what
    /// AWS Support asks for.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// What the runtime reported beneath this error, as text, if anything.
    pub fn cause(&self) -> Option<&str> {
        self.0.cause.as_deref()
    }

    /// Whether the same call may succeed if made again later: [`ErrorKind::Network`] (no response, a
    /// 5xx, throttling). Every other kind needs something to change first (the input, the
    /// configuration, the user signing in again).
    pub fn retryable(&self) -> bool {
        self.0.kind == ErrorKind::Network
    }

    /// Attaches the server's error type (`invalid_grant`, `NotAuthorizedException`, ...).
    pub fn with_server_type(mut self, server_type: impl Into<String>) -> Self {
        self.0.server_type = Some(server_type.into());
        self
    }

    /// The OAuth `error` or AWS `__type` the server answered with, if any.
    pub fn server_type(&self) -> Option<&str> {
        self.0.server_type.as_deref()
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The stable code string of the kind, e.g. `"ERR_JWT_SIGNATURE"`.
    pub fn code(&self) -> &'static str {
        self.0.kind.code()
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.kind.code(), self.0.message)
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn config(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Config, message)
}

/// Quotes a value taken from input (a token, options) for an error message: printable ASCII only,
/// at most 64 characters. Cheaper in wasm than `{:?}` (no Unicode tables), and log-safe.
pub(crate) fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(64) + 2);
    out.push('"');
    for (i, c) in value.chars().enumerate() {
        if i == 64 {
            out.push('…');
            break;
        }
        out.push(if c.is_ascii_graphic() || c == ' ' {
            c
        } else {
            '?'
        });
    }
    out.push('"');
    out
}

/// `items` joined with `sep`: a plain loop (std's `join` is ~1 KB of generic code per item type in wasm).
pub(crate) fn joined<'a>(items: impl IntoIterator<Item = &'a str>, sep: &str) -> String {
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(item);
    }
    out
}

/// The parts one after another, for strings built on paths that succeed: `format!` would run core's
/// formatting machinery, which a returning visit otherwise never needs (each function a page first
/// runs is compiled then).
pub(crate) fn concat(parts: &[&str]) -> String {
    joined(parts.iter().copied(), "")
}

pub(crate) fn malformed(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::JwtMalformed, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_printable_and_bounded() {
        assert_eq!(quoted("kid-1"), "\"kid-1\"");
        assert_eq!(quoted("a\nb\u{202e}"), "\"a?b?\"");
        assert_eq!(quoted(&"x".repeat(100)).len(), 64 + 2 + '…'.len_utf8());
    }

    #[test]
    fn display_starts_with_the_code() {
        let e = Error::new(ErrorKind::JwtExpired, "token expired at 10");
        assert_eq!(e.to_string(), "ERR_JWT_EXPIRED: token expired at 10");
        assert_eq!(e.code(), "ERR_JWT_EXPIRED");
    }
}
