//! `JwtVerifier` for JS.

use wasm_bindgen::prelude::*;

use super::{field, opt_string, string_list, to_js, to_plain};
use crate::error::{config, Result};
use crate::jwt::{TokenUse, VerifierConfig, MAX_GRACE_SECONDS};
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
        let (config, jwks) = parse_options(&options).map_err(to_js)?;
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

fn parse_options(options: &JsValue) -> Result<(VerifierConfig, Option<Vec<u8>>)> {
    let pool = opt_string(options, "userPoolId")?
        .ok_or_else(|| config("userPoolId: required, e.g. 'us-east-1_AbC123'"))?;

    let token_use = field(options, "tokenUse")?;
    let token_use = if token_use.is_undefined() {
        return Err(config(
            "tokenUse: required: 'id', 'access', or null to accept both",
        ));
    } else if token_use.is_null() {
        None
    } else {
        let s = token_use
            .as_string()
            .ok_or_else(|| config("tokenUse: must be 'id', 'access' or null"))?;
        Some(s.parse::<TokenUse>()?)
    };

    let client_id = field(options, "clientId")?;
    let client_ids = if client_id.is_undefined() {
        return Err(config(
            "clientId: required: a client id, a list of them, or null to skip the audience check",
        ));
    } else if client_id.is_null() {
        None
    } else {
        Some(string_list(&client_id, "clientId")?)
    };

    let mut config_ = VerifierConfig::new(&pool, token_use, client_ids)?;
    config_.groups = string_list(&field(options, "groups")?, "groups")?;
    config_.scopes = string_list(&field(options, "scope")?, "scope")?;
    let grace = field(options, "graceSeconds")?;
    if !grace.is_undefined() {
        let g = grace
            .as_f64()
            .filter(|g| g.fract() == 0.0 && (0.0..=MAX_GRACE_SECONDS as f64).contains(g))
            .ok_or_else(|| {
                config(format!(
                    "graceSeconds: must be a whole number from 0 to {MAX_GRACE_SECONDS}"
                ))
            })?;
        config_.grace_seconds = g as u64;
    }
    if let Some(issuer) = opt_string(options, "issuer")? {
        config_.jwks_uri = crate::config::jwks_uri_for_issuer(&issuer);
        config_.issuer = issuer;
    }
    if let Some(uri) = opt_string(options, "jwksUri")? {
        config_.jwks_uri = uri;
    }
    let jwks = field(options, "jwks")?;
    let jwks = if jwks.is_undefined() {
        None
    } else if let Some(text) = jwks.as_string() {
        Some(text.into_bytes())
    } else if jwks.is_object() {
        let text =
            js_sys::JSON::stringify(&jwks).map_err(|_| config("jwks: not serialisable as JSON"))?;
        Some(String::from(text).into_bytes())
    } else {
        return Err(config(
            "jwks: must be a JWKS object ({ keys: [...] }) or its JSON text",
        ));
    };
    config_.validate()?;
    Ok((config_, jwks))
}
