//! Sign-in with the managed login: the login transaction and the redirect, then the callback (state,
//! code exchange, token acceptance) that completes it, once per callback URL.
//! A page is needed only to leave for the managed login: a callback URL can be handled anywhere.

use std::rc::Rc;

use super::auth::{CognitoAuth, Inner};
use super::flight::Flights;
use super::{path_of, random_bytes, with_lock, Platform, Storage};
use crate::awsjson::Grant;
use crate::error::{Error, ErrorKind, Result};
use crate::event::{EventDetail, EventName};
use crate::jwt;
use crate::oauth::{self, CallbackOutcome};
use crate::options::SignInOptions;
use crate::pkce::{self, Pkce};
use crate::session::{self, HandledCallback, Transaction, STORAGE_VERSION};
use crate::view::{CallbackResult, User};

/// The origin and path of a URL (no query or fragment).
fn base_of(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

impl<P: Platform> CognitoAuth<P> {
    /// Starts a sign-in: stores a login transaction (PKCE verifier, nonce, custom state) under a fresh
    /// `state` and navigates to the managed login.
    pub async fn sign_in_with_redirect(&self, options: SignInOptions) -> Result<()> {
        let url = self.prepare_sign_in(&options)?;
        self.inner.platform.navigate(&url)
    }

    /// Signs in through the managed login in a popup window. The popup opens at once (call this from a
    /// click: browsers block popups opened later), then the returned future waits for the popup to
    /// reach the redirect URI and completes that callback here, through the same locked, idempotent
    /// path as [`handle_redirect_callback`](Self::handle_redirect_callback) (if the app in the popup
    /// handled it first, from its record). The popup is closed when it ends:
    /// [`ErrorKind::PopupBlocked`], [`ErrorKind::PopupClosed`] by the user, [`ErrorKind::PopupTimeout`]
    /// after `timeout_seconds` (default 300), or the callback's own result. The redirect URI must be on
    /// this page's origin.
    pub fn sign_in_with_popup(
        &self,
        options: &SignInOptions,
    ) -> impl std::future::Future<Output = Result<CallbackResult>> + 'static {
        let p = self.inner.platform.clone();
        let opened = p
            .open_popup()
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::PopupBlocked,
                    "the browser blocked the popup: call signInWithPopup from a click",
                )
            })
            .and_then(|popup| match self.prepare(options) {
                Ok((url, state)) => {
                    p.popup_navigate(&popup, &url);
                    Ok((popup, state))
                }
                Err(e) => {
                    p.close_popup(&popup);
                    Err(e)
                }
            });
        let this = self.clone();
        let deadline = p.now_ms() + options.timeout_seconds.unwrap_or(300) as f64 * 1000.0;
        async move {
            let (popup, state) = opened?;
            let inner = &this.inner;
            let handled = inner.key_of("handled.", &state);
            let result = loop {
                p.sleep_ms(200).await;
                let (href, closed) = p.popup_state(&popup);
                if let Some(href) =
                    href.filter(|h| oauth::parse_callback(h).is_some_and(|c| c.state == state))
                {
                    // Closed only after: the app in the popup may be exchanging the code under the
                    // lock, and closing it then would lose the answer of a code already redeemed.
                    break this.handle_redirect_callback(Some(&href)).await;
                }
                if inner.tx_store.get(&handled).is_some() {
                    break inner.already_handled(&handled).await;
                }
                if closed {
                    break Err(Error::new(
                        ErrorKind::PopupClosed,
                        "the popup was closed before the sign-in completed",
                    ));
                }
                if p.now_ms() >= deadline {
                    break Err(Error::new(
                        ErrorKind::PopupTimeout,
                        "the sign-in in the popup did not complete in time",
                    ));
                }
            };
            p.close_popup(&popup);
            result
        }
    }

    /// Stores a login transaction and returns the authorize URL without navigating.
    pub fn prepare_sign_in(&self, options: &SignInOptions) -> Result<String> {
        Ok(self.prepare(options)?.0)
    }

    /// Stores a login transaction; the authorize URL and the transaction's state.
    fn prepare(&self, options: &SignInOptions) -> Result<(String, String)> {
        let inner = &self.inner;
        let now = inner.now();
        inner.prune_transactions(now);
        let p = &inner.platform;
        let pkce = Pkce::from_entropy(&random_bytes::<P, { pkce::ENTROPY_BYTES }>(p)?);
        let state = pkce::random_string(&random_bytes::<P, { pkce::ENTROPY_BYTES }>(p)?);
        let nonce = pkce::random_string(&random_bytes::<P, { pkce::ENTROPY_BYTES }>(p)?);
        let url = oauth::authorize_url(&inner.config, &state, &nonce, &pkce.challenge, options)?;
        let tx = Transaction {
            v: STORAGE_VERSION,
            state: state.clone(),
            verifier: pkce.verifier,
            nonce,
            custom_state: options.custom_state.clone(),
            return_to: p.location_href().as_deref().and_then(path_of),
            created_at: now,
        };
        inner
            .tx_store
            .set(&inner.key_of("tx.", &state), &tx.to_json())?;
        Ok((url, state))
    }

    /// Whether `url` (default: the current address) is a redirect callback for this client: the
    /// redirect URI's origin and path with `state` and `code` or `error`.
    pub fn is_redirect_callback(&self, url: Option<&str>) -> bool {
        let href = url
            .map(str::to_owned)
            .or_else(|| self.inner.platform.location_href());
        href.is_some_and(|u| {
            base_of(&u) == base_of(&self.inner.config.redirect_uri)
                && oauth::parse_callback(&u).is_some()
        })
    }

    /// Completes a sign-in from the callback URL (default: the current address). Idempotent: a second
    /// call for the same URL returns the same result (or `ERR_CALLBACK_HANDLED` once the session is gone).
    pub async fn handle_redirect_callback(&self, url: Option<&str>) -> Result<CallbackResult> {
        let here = || self.inner.platform.location_href();
        let url = match url.map(str::to_owned).or_else(here) {
            Some(u) => u,
            None => return Err(Error::new(ErrorKind::NotACallback, "no URL to handle")),
        };
        // Concurrent calls share the work; once done, later calls go through the handled record.
        let inner = self.inner.clone();
        let u = url.clone();
        Flights::join(&self.inner.callbacks, &url, move || async move {
            inner.handle_callback(&u).await
        })
        .await
    }
}

impl<P: Platform> Inner<P> {
    pub(super) fn prune_transactions(&self, now: u64) {
        for key in self.tx_store.keys_with_prefix(&self.key("tx.")) {
            let keep = self
                .tx_store
                .get(&key)
                .and_then(|t| Transaction::from_json(&t).ok())
                .is_some_and(|t| !t.is_expired(now, self.config.transaction_ttl_seconds));
            if !keep {
                self.tx_store.remove(&key);
            }
        }
        for key in self.tx_store.keys_with_prefix(&self.key("handled.")) {
            let keep = self
                .tx_store
                .get(&key)
                .and_then(|t| HandledCallback::from_json(&t))
                .is_some_and(|h| !h.is_expired(now));
            if !keep {
                self.tx_store.remove(&key);
            }
        }
    }

    pub(super) async fn handle_callback(self: Rc<Self>, url: &str) -> Result<CallbackResult> {
        let result = match oauth::parse_callback(url) {
            None => Err(Error::new(
                ErrorKind::NotACallback,
                "the URL has no code or error with a state",
            )),
            Some(callback) => {
                // One handling of a callback at a time across instances and tabs: the second waits, then
                // answers from the handled record.
                let lock = self.key_of("callback.", &callback.state);
                let state = callback.state.clone();
                let inner = self.clone();
                let platform = self.platform.clone();
                let result = with_lock(&platform, &lock, async move {
                    inner.complete_callback(callback).await
                })
                .await;
                // The code and state leave the address bar once the exchange has an answer (compared by
                // state, so a URL normalised by the app or its router still matches). After a transient
                // failure they stay, with the transaction, so that a reload or another call tries again.
                let pending = self.tx_store.get(&self.key_of("tx.", &state)).is_some();
                if let Some(href) = self.platform.location_href() {
                    if !pending && oauth::parse_callback(&href).is_some_and(|c| c.state == state) {
                        self.platform
                            .replace_url(&oauth::strip_callback_params(&href));
                    }
                }
                result
            }
        };
        if let Err(e) = &result {
            if !matches!(e.kind(), ErrorKind::NotACallback) {
                self.emit(EventDetail::new(EventName::SignInWithRedirectFailure).error(e));
            }
        }
        result
    }

    /// Under the callback's lock: the transaction, the code exchange (transient failures retried as a
    /// refresh is; the transaction is kept until the exchange has an answer), then the tokens.
    async fn complete_callback(
        self: Rc<Self>,
        callback: oauth::Callback,
    ) -> Result<CallbackResult> {
        let tx_key = self.key_of("tx.", &callback.state);
        let handled_key = self.key_of("handled.", &callback.state);
        let now = self.now();
        let Some(text) = self.tx_store.get(&tx_key) else {
            return self.already_handled(&handled_key).await;
        };
        let refuse = |message: &'static str| {
            self.tx_store.remove(&tx_key);
            Err(Error::new(ErrorKind::StateMismatch, message))
        };
        let tx = match Transaction::from_json(&text) {
            Err(_) => {
                self.warn_storage(&tx_key);
                return refuse("the stored sign-in transaction is unreadable; sign in again");
            }
            Ok(tx) if tx.is_expired(now, self.config.transaction_ttl_seconds) => {
                return refuse("the sign-in transaction expired; sign in again");
            }
            Ok(tx) => tx,
        };
        let code = match callback.outcome {
            CallbackOutcome::Code(code) => code,
            CallbackOutcome::Error { error, description } => {
                self.tx_store.remove(&tx_key);
                let message = match description {
                    Some(d) => format!("sign-in failed: {}", crate::error::quoted(&d)),
                    None => "sign-in failed".to_owned(),
                };
                return Err(Error::new(ErrorKind::OAuth, message).with_server_type(error));
            }
        };
        let mut attempt = 0;
        let tokens = loop {
            attempt += 1;
            let response = self
                .send(&oauth::code_exchange(&self.config, &code, &tx.verifier))
                .await;
            match oauth::parse_token_response(&response, Grant::Code) {
                Ok(tokens) => break tokens,
                Err(e) if e.kind() == ErrorKind::Network => {
                    if !self.retry_after(attempt, &e).await {
                        return Err(e); // the transaction stays: a reload or another call tries again
                    }
                }
                Err(e) => {
                    self.tx_store.remove(&tx_key);
                    // The code is single use: after an attempt whose answer was lost, the server may
                    // have redeemed it already.
                    if attempt > 1 && e.server_type() == Some("invalid_grant") {
                        return Err(Error::new(
                            ErrorKind::OAuth,
                            "an earlier attempt whose answer was lost redeemed the code (invalid_grant); sign in again",
                        )
                        .with_server_type("invalid_grant"));
                    }
                    return Err(e);
                }
            }
        };
        // The code is spent: whatever happens next, a new sign-in starts over.
        self.tx_store.remove(&tx_key);
        let (session, claims) = self.accept_tokens(tokens, None, Some(&tx.nonce)).await?;
        self.save_session(&session)?;
        let user = User::from_claims(claims);
        let record = HandledCallback {
            sub: user.sub.clone(),
            custom_state: tx.custom_state.clone(),
            return_to: tx.return_to.clone(),
            at: now,
        };
        let _ = self.tx_store.set(&handled_key, &record.to_json());
        self.broadcast(EventName::SignedIn);
        self.emit(EventDetail::new(EventName::SignedIn));
        Ok(CallbackResult {
            user,
            custom_state: tx.custom_state,
            return_to: tx.return_to,
        })
    }

    /// A callback whose transaction is gone: answered from the handled record if its session is still
    /// the current one, else a typed error.
    pub(super) async fn already_handled(&self, handled_key: &str) -> Result<CallbackResult> {
        let record = self
            .tx_store
            .get(handled_key)
            .and_then(|t| HandledCallback::from_json(&t));
        let Some(record) = record else {
            return Err(Error::new(
                ErrorKind::StateMismatch,
                "the callback's state matches no sign-in started in this browser",
            ));
        };
        if let Some(session) = self.load_session() {
            let now = session::server_time(self.now(), session.clock_offset);
            if let Ok(claims) = self
                .verifier
                .verify_at(session.id_token.expose(), now)
                .await
            {
                if jwt::string(&claims, "sub") == Some(record.sub.as_str()) {
                    return Ok(CallbackResult {
                        user: User::from_claims(claims),
                        custom_state: record.custom_state,
                        return_to: record.return_to,
                    });
                }
            }
        }
        Err(Error::new(
            ErrorKind::CallbackHandled,
            "this sign-in callback was already handled and its session has ended",
        ))
    }
}
