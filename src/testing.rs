//! Fixtures shared by the native unit tests.

use crate::config::AuthConfig;
use crate::http::HttpResponse;

/// A configuration for pool `us-east-1_P00l`, client `client1`, managed login on
/// `https://shop.auth.us-east-1.amazoncognito.com`, redirecting to `redirect_uri`.
pub(crate) fn config(redirect_uri: &str) -> AuthConfig {
    AuthConfig::new(
        "us-east-1_P00l",
        "client1",
        "https://shop.auth.us-east-1.amazoncognito.com",
        redirect_uri,
    )
    .expect("a valid test configuration")
}

/// A response with `status` and `body`.
pub(crate) fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        body: body.into(),
        error_type_header: None,
        request_id: None,
    }
}

/// `object` (the text of a non-empty JSON object) with a `"pad"` member of `x`s added at the end, so
/// that it is exactly `len` bytes long.
pub(crate) fn padded(object: &str, len: usize) -> String {
    let open = object.strip_suffix('}').expect("an object");
    let fill = len - open.len() - r#","pad":""}"#.len();
    let text = format!(r#"{open},"pad":"{}"}}"#, "x".repeat(fill));
    assert_eq!(text.len(), len);
    text
}

/// Strategies of the property tests (proptest is a native-only dev-dependency).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod fuzz;
