//! The `#[wasm_bindgen]` facade: JS option objects in, plain objects and `AuthError`s out.

#[cfg(feature = "auth-exports")]
mod account;
#[cfg(feature = "auth-exports")]
mod auth;
#[cfg(feature = "auth-exports")]
mod aws;
mod types;
mod verifier;

#[cfg(test)]
mod tests;

use wasm_bindgen::JsValue;

use crate::error::{config, Error, Result};

/// Runs `future` as a JS `Promise`. The future is boxed first so that wasm-bindgen's promise glue
/// is instantiated once for every method instead of once per future type (~4 KB gzipped).
pub(crate) fn promise(
    future: impl std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
) -> js_sys::Promise {
    let boxed: std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>> =
        Box::pin(future);
    wasm_bindgen_futures::future_to_promise(boxed)
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/js/auth-error.js")]
extern "C" {
    /// The `AuthError` class of `auth-error.js` (the npm build inlines it into the glue and exports it).
    type AuthError;
    #[wasm_bindgen(constructor)]
    fn new(
        message: &str,
        code: &str,
        server_type: &str,
        status: u16,
        request_id: &str,
        cause: &str,
    ) -> AuthError;
}

/// Converts an [`Error`] into the glue's `AuthError` (an `Error` with `name = "AuthError"`, a stable
/// `code`, and `type`, `status`, `requestId`, `cause` where known; `""` and 0 mean none).
pub(crate) fn to_js(error: Error) -> JsValue {
    AuthError::new(
        error.message(),
        error.code(),
        error.server_type().unwrap_or_default(),
        error.status().unwrap_or_default(),
        error.request_id().unwrap_or_default(),
        error.cause().unwrap_or_default(),
    )
    .into()
}

/// A JSON object as a plain JS object, through the browser's `JSON.parse` (no serialiser in the wasm).
pub(crate) fn to_plain(value: &crate::json::Object) -> JsValue {
    js_sys::JSON::parse(&value.to_json()).unwrap_or(JsValue::NULL)
}

/// An options object as a JSON [`Object`](crate::json::Object), through the browser's
/// `JSON.stringify` (one copy of the rules in the core instead of a `Reflect` read per field).
/// `undefined` and `null` are an empty object unless `required`; anything but a plain object is
/// `ERR_CONFIG` (`options: ...`).
pub(crate) fn options(value: &JsValue, required: bool) -> Result<crate::json::Object> {
    if !value.is_object() {
        if !required && (value.is_undefined() || value.is_null()) {
            return Ok(crate::json::Object::new());
        }
        return Err(config("options: an options object is required"));
    }
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| config("options: not serialisable as JSON"))?;
    crate::json::Object::parse(&text)
        .ok_or_else(|| config("options: an options object is required"))
}

#[cfg(feature = "auth-exports")]
/// Reads `options[field]`, treating a missing object as an error: for values JSON cannot carry
/// (`Headers`, `Blob`, `ArrayBuffer` bodies, `Date`s).
pub(crate) fn field(options: &JsValue, name: &str) -> Result<JsValue> {
    if !options.is_object() {
        return Err(config("options: an options object is required"));
    }
    js_sys::Reflect::get(options, &name.into()).map_err(|_| {
        let mut message = String::from(name);
        message.push_str(": unreadable");
        config(message)
    })
}

#[cfg(feature = "auth-exports")]
/// An optional string field read with `Reflect`: `undefined` → `None`.
pub(crate) fn opt_string(options: &JsValue, name: &str) -> Result<Option<String>> {
    let v = field(options, name)?;
    if v.is_undefined() {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| {
        let mut message = String::from(name);
        message.push_str(": must be a string");
        config(message)
    })
}
