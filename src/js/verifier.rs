//! `JwtVerifier` for JS.

use wasm_bindgen::prelude::*;

use super::{to_js, to_plain};
use crate::jwt::{inline_jwks, VerifierConfig};
use crate::platform;

/// Verifies Cognito ID and access tokens locally (signature via the pool's JWKS, `iss`, `token_use`,
/// `aud`/`client_id`, `exp`/`nbf`, groups, scopes).
#[wasm_bindgen(js_name = JwtVerifier)]
pub struct JsJwtVerifier {
    inner: platform::JwtVerifier,
}

#[wasm_bindgen(js_class = JwtVerifier)]
impl JsJwtVerifier {
    /// Validates the options; throws an `AuthError` with code `ERR_CONFIG` (or `ERR_JWKS` for a bad
    /// inline `jwks`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "JwtVerifierOptions")] options: JsValue,
    ) -> Result<JsJwtVerifier, JsValue> {
        let options = super::options(&options, true).map_err(to_js)?;
        let config = VerifierConfig::from_options(&options).map_err(to_js)?;
        let jwks = inline_jwks(&options).map_err(to_js)?;
        let inner = platform::JwtVerifier::new(config, jwks.as_deref()).map_err(to_js)?;
        Ok(Self { inner })
    }

    /// Verifies `token` and resolves to its claims; fetches the JWKS when needed.
    #[cfg(not(cw_without = "verify"))]
    #[wasm_bindgen(unchecked_return_type = "Promise<CognitoJwtClaims>")]
    pub fn verify(&self, token: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        super::promise(async move {
            let claims = inner.verify(&token).await.map_err(to_js)?;
            Ok(to_plain(&claims))
        })
    }

    /// Verifies `token` with cached or inline keys only and returns its claims.
    #[cfg(not(cw_without = "verifySync"))]
    #[wasm_bindgen(js_name = verifySync, unchecked_return_type = "CognitoJwtClaims")]
    pub fn verify_sync(&self, token: &str) -> Result<JsValue, JsValue> {
        let claims = self.inner.verify_sync(token).map_err(to_js)?;
        Ok(to_plain(&claims))
    }

    /// Fetches the JWKS ahead of time so that `verifySync` can be used.
    #[cfg(not(cw_without = "hydrate"))]
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn hydrate(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        super::promise(async move {
            inner.hydrate().await.map_err(to_js)?;
            Ok(JsValue::UNDEFINED)
        })
    }
}
