//! `CognitoAuth` for JS.

use wasm_bindgen::prelude::*;

use super::{to_js, to_plain};
use crate::config::{AuthConfig, StorageKind};
use crate::error::config;
#[cfg(not(all(cw_without = "signInWithRedirect", cw_without = "signInWithPopup")))]
use crate::options::SignInOptions;
use crate::options::{GetTokensOptions, SignOutOptions};
use crate::platform::{self, EventName};

/// Managed-login sign-in (authorization code + PKCE), token storage and refresh, sign-out; safe across
/// tabs (Web Locks, BroadcastChannel).
#[wasm_bindgen(js_name = CognitoAuth)]
pub struct JsCognitoAuth {
    inner: platform::CognitoAuth,
}

/// Reads an optional options argument (`undefined`/`null` → every default) with `from_options`.
pub(super) fn read<T>(
    value: Option<JsValue>,
    from_options: fn(&crate::json::Object) -> crate::error::Result<T>,
) -> crate::error::Result<T> {
    from_options(&super::options(
        &value.unwrap_or(JsValue::UNDEFINED),
        false,
    )?)
}

/// `options.storage` as a store the app supplies: an object with `getItem`, `setItem` and `removeItem`
/// functions, else `ERR_CONFIG`.
fn app_storage(options: &JsValue) -> Result<JsValue, JsValue> {
    let storage = super::field(options, "storage").map_err(to_js)?;
    for name in ["getItem", "setItem", "removeItem"] {
        let f = js_sys::Reflect::get(&storage, &name.into()).unwrap_or(JsValue::UNDEFINED);
        if !f.is_function() {
            return Err(to_js(config(
                "storage: 'local', 'session', 'memory' or an object with getItem, setItem, removeItem",
            )));
        }
    }
    Ok(storage)
}

#[cfg(not(all(
    cw_without = "isRedirectCallback",
    cw_without = "handleRedirectCallback"
)))]
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
        let config = super::options(&options, true)
            .and_then(|o| AuthConfig::from_options(&o))
            .map_err(to_js)?;
        let platform = match config.storage {
            StorageKind::App => platform::Browser::with_app_storage(app_storage(&options)?),
            _ => platform::Browser::default(),
        };
        let auto_refresh = config.auto_refresh;
        let inner = platform::CognitoAuth::with_platform(config, platform).map_err(to_js)?;
        if auto_refresh {
            wasm_bindgen_futures::spawn_local(inner.clone().auto_refresh());
        }
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
        let inner = self.inner.clone();
        let parsed = read(options, SignInOptions::from_options);
        super::promise(async move {
            inner
                .sign_in_with_redirect(parsed.map_err(to_js)?)
                .await
                .map_err(to_js)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Signs in through the managed login in a popup: call it from a click (it opens the popup at once),
    /// then it resolves as `handleRedirectCallback` does once the popup reaches the redirect URI (on
    /// this origin), and closes the popup. `ERR_POPUP_BLOCKED`, `ERR_POPUP_CLOSED`, `ERR_POPUP_TIMEOUT`
    /// (`timeoutSeconds`, default 300), or the callback's own error.
    #[cfg(not(cw_without = "signInWithPopup"))]
    #[wasm_bindgen(js_name = signInWithPopup, unchecked_return_type = "Promise<RedirectResult>")]
    pub fn sign_in_with_popup(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "SignInWithPopupOptions")] options: Option<
            JsValue,
        >,
    ) -> js_sys::Promise {
        let waiting = read(options, SignInOptions::from_options)
            .map(|options| self.inner.sign_in_with_popup(&options));
        super::promise(async move {
            let result = waiting.map_err(to_js)?.await.map_err(to_js)?;
            Ok(to_plain(&result.to_json()))
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
        let inner = self.inner.clone();
        let parsed = read(options, GetTokensOptions::from_options);
        super::promise(async move {
            let tokens = inner
                .get_tokens(parsed.map_err(to_js)?)
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

    /// Clears the session in every tab, revokes the refresh token (and with `global`, signs out
    /// everywhere), then navigates to the managed `/logout` unless `redirect` is false. The local sign-out
    /// always happens; a missing `logoutUri` or no page to navigate rejects `ERR_CONFIG` after it.
    #[cfg(not(cw_without = "signOut"))]
    #[wasm_bindgen(js_name = signOut, unchecked_return_type = "Promise<void>")]
    pub fn sign_out(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "{ global?: boolean; redirect?: boolean }")]
        options: Option<JsValue>,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        let parsed = read(options, SignOutOptions::from_options);
        super::promise(async move {
            inner
                .sign_out(parsed.map_err(to_js)?)
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
