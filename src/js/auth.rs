//! `CognitoAuth` for JS.

use wasm_bindgen::prelude::*;

use super::{field, opt_string, string_list, to_js, to_plain};
use crate::config::{AuthConfig, RefreshWith, StorageKind};
use crate::error::{config, Result};
use crate::oauth::SignInOptions;
use crate::platform::{self, EventName};

/// Managed-login sign-in (authorization code + PKCE), token storage and refresh, sign-out; safe across
/// tabs (Web Locks, BroadcastChannel).
#[wasm_bindgen(js_name = CognitoAuth)]
pub struct JsCognitoAuth {
    inner: platform::CognitoAuth,
}

fn opt_bool(options: &JsValue, name: &str, default: bool) -> Result<bool> {
    if options.is_undefined() || options.is_null() {
        return Ok(default);
    }
    let v = field(options, name)?;
    if v.is_undefined() {
        return Ok(default);
    }
    v.as_bool()
        .ok_or_else(|| config(format!("{name}: must be true or false")))
}

fn opt_seconds(options: &JsValue, name: &str) -> Result<Option<u64>> {
    let v = field(options, name)?;
    if v.is_undefined() {
        return Ok(None);
    }
    v.as_f64()
        .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n < 1e9)
        .map(|n| Some(n as u64))
        .ok_or_else(|| config(format!("{name}: must be a whole number of seconds")))
}

fn required(options: &JsValue, name: &str) -> Result<String> {
    opt_string(options, name)?.ok_or_else(|| config(format!("{name}: required")))
}

fn parse_config(options: &JsValue) -> Result<AuthConfig> {
    let mut c = AuthConfig::new(
        &required(options, "userPoolId")?,
        &required(options, "clientId")?,
        &required(options, "domain")?,
        &required(options, "redirectUri")?,
    )?;
    c.logout_uri = opt_string(options, "logoutUri")?;
    let scopes = field(options, "scopes")?;
    if !scopes.is_undefined() {
        c.scopes = string_list(&scopes, "scopes")?;
    }
    c.identity_pool_id = opt_string(options, "identityPoolId")?;
    if let Some(storage) = opt_string(options, "storage")? {
        c.storage = StorageKind::parse(&storage)?;
    }
    if let Some(m) = opt_seconds(options, "refreshMarginSeconds")? {
        c.refresh_margin_seconds = m;
    }
    if let Some(t) = opt_seconds(options, "transactionTtlSeconds")? {
        c.transaction_ttl_seconds = t;
    }
    if let Some(r) = opt_string(options, "refreshWith")? {
        c.refresh_with = match r.as_str() {
            "tokenEndpoint" => RefreshWith::TokenEndpoint,
            "api" => RefreshWith::Api,
            _ => return Err(config("refreshWith: must be 'tokenEndpoint' or 'api'")),
        };
    }
    let endpoints = field(options, "endpoints")?;
    if !endpoints.is_undefined() {
        let e = &mut c.endpoints;
        let issuer = opt_string(&endpoints, "issuer")?;
        if let Some(issuer) = issuer {
            e.jwks_uri = crate::config::jwks_uri_for_issuer(&issuer);
            e.issuer = issuer;
        }
        for (name, slot) in [
            ("jwksUri", &mut e.jwks_uri),
            ("cognitoIdp", &mut e.cognito_idp),
            ("cognitoIdentity", &mut e.cognito_identity),
            ("authorize", &mut e.authorize),
            ("token", &mut e.token),
            ("revoke", &mut e.revoke),
            ("logout", &mut e.logout),
            ("userInfo", &mut e.user_info),
        ] {
            if let Some(v) = opt_string(&endpoints, name)
                .map_err(|e| config(format!("endpoints.{}", e.message())))?
            {
                *slot = v;
            }
        }
    }
    c.validate()?;
    Ok(c)
}

fn parse_sign_in(options: &JsValue) -> Result<(SignInOptions, Option<String>)> {
    if options.is_undefined() || options.is_null() {
        return Ok((SignInOptions::default(), None));
    }
    let scopes = field(options, "scopes")?;
    let sign_in = SignInOptions {
        identity_provider: opt_string(options, "identityProvider")?,
        idp_identifier: opt_string(options, "idpIdentifier")?,
        login_hint: opt_string(options, "loginHint")?,
        lang: opt_string(options, "lang")?,
        prompt: opt_string(options, "prompt")?,
        scopes: if scopes.is_undefined() {
            None
        } else {
            Some(string_list(&scopes, "scopes")?)
        },
    };
    Ok((sign_in, opt_string(options, "customState")?))
}

fn url_arg(url: Option<String>) -> Option<String> {
    url.filter(|u| !u.is_empty())
}

impl JsCognitoAuth {
    pub(super) fn inner(&self) -> &platform::CognitoAuth {
        &self.inner
    }
}

#[wasm_bindgen(js_class = CognitoAuth)]
impl JsCognitoAuth {
    /// Validates the options (`ERR_CONFIG` naming the field) and opens the storage.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "CognitoAuthOptions")] options: JsValue,
    ) -> Result<JsCognitoAuth, JsValue> {
        let config = parse_config(&options).map_err(to_js)?;
        let inner = platform::CognitoAuth::new(config).map_err(to_js)?;
        Ok(Self { inner })
    }

    /// Stores a login transaction (PKCE verifier, state, nonce, custom state) and navigates to the
    /// managed login.
    #[cfg(not(cw_without = "signInWithRedirect"))]
    #[wasm_bindgen(js_name = signInWithRedirect, unchecked_return_type = "Promise<void>")]
    pub fn sign_in_with_redirect(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "SignInWithRedirectOptions")]
        options: Option<JsValue>,
    ) -> js_sys::Promise {
        let options = options.unwrap_or(JsValue::UNDEFINED);
        let inner = self.inner.clone();
        let parsed = parse_sign_in(&options);
        super::promise(async move {
            let (options, custom_state) = parsed.map_err(to_js)?;
            inner
                .sign_in_with_redirect(options, custom_state)
                .await
                .map_err(to_js)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Whether `url` (default: the current address) is a sign-in callback for this client.
    #[cfg(not(cw_without = "isRedirectCallback"))]
    #[wasm_bindgen(js_name = isRedirectCallback)]
    pub fn is_redirect_callback(&self, url: Option<String>) -> bool {
        self.inner.is_redirect_callback(url_arg(url).as_deref())
    }

    /// Completes the sign-in: checks state, exchanges the code, verifies the tokens (and nonce), stores
    /// them, cleans the address bar. Idempotent for the same URL.
    #[cfg(not(cw_without = "handleRedirectCallback"))]
    #[wasm_bindgen(js_name = handleRedirectCallback, unchecked_return_type = "Promise<RedirectResult>")]
    pub fn handle_redirect_callback(&self, url: Option<String>) -> js_sys::Promise {
        let inner = self.inner.clone();
        super::promise(async move {
            let result = inner
                .handle_redirect_callback(url_arg(url).as_deref())
                .await
                .map_err(to_js)?;
            Ok(to_plain(&result.to_json()))
        })
    }

    /// Valid tokens (refreshed when close to expiry or when `forceRefresh`), or `null` when signed out.
    #[cfg(not(cw_without = "getTokens"))]
    #[wasm_bindgen(js_name = getTokens, unchecked_return_type = "Promise<AuthTokens | null>")]
    pub fn get_tokens(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "{ forceRefresh?: boolean }")]
        options: Option<JsValue>,
    ) -> js_sys::Promise {
        let options = options.unwrap_or(JsValue::UNDEFINED);
        let inner = self.inner.clone();
        let force = opt_bool(&options, "forceRefresh", false);
        super::promise(async move {
            let tokens = inner
                .get_tokens(force.map_err(to_js)?)
                .await
                .map_err(to_js)?;
            match tokens {
                Some(t) => Ok(to_plain(&t.to_json())),
                None => Ok(JsValue::NULL),
            }
        })
    }

    /// The signed-in user from the verified ID token, or `null`.
    #[cfg(not(cw_without = "currentUser"))]
    #[wasm_bindgen(js_name = currentUser, unchecked_return_type = "Promise<CognitoUser | null>")]
    pub fn current_user(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        super::promise(async move {
            match inner.current_user().await.map_err(to_js)? {
                Some(u) => Ok(to_plain(&u.to_json())),
                None => Ok(JsValue::NULL),
            }
        })
    }

    /// Revokes the refresh token (and with `global`, signs out everywhere), clears the session in every
    /// tab, then navigates to the managed `/logout` unless `redirect` is false.
    #[cfg(not(cw_without = "signOut"))]
    #[wasm_bindgen(js_name = signOut, unchecked_return_type = "Promise<void>")]
    pub fn sign_out(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "{ global?: boolean; redirect?: boolean }")]
        options: Option<JsValue>,
    ) -> js_sys::Promise {
        let options = options.unwrap_or(JsValue::UNDEFINED);
        let inner = self.inner.clone();
        let global = opt_bool(&options, "global", false);
        let redirect = opt_bool(&options, "redirect", true);
        super::promise(async move {
            inner
                .sign_out(global.map_err(to_js)?, redirect.map_err(to_js)?)
                .await
                .map_err(to_js)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Calls `listener(detail)` on each `name` event; returns a function that unsubscribes.
    #[cfg(not(cw_without = "on"))]
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn on(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AuthEventName")] name: &str,
        #[wasm_bindgen(unchecked_param_type = "(detail: AuthEventDetail) => void")]
        listener: js_sys::Function,
    ) -> Result<JsValue, JsValue> {
        let event = EventName::parse(name).ok_or_else(|| {
            to_js(config(format!(
                "on: unknown event {}",
                crate::error::quoted(name)
            )))
        })?;
        let id = self.inner.on(event, move |detail| {
            // A throwing listener must not break the flow that emitted the event.
            let _ = listener.call1(&JsValue::UNDEFINED, &to_plain(&detail.to_json()));
        });
        let inner = self.inner.clone();
        Ok(Closure::once_into_js(move || inner.off(id)))
    }
}
