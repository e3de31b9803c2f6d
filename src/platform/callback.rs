//! Sign-in with the managed login: the login transaction and the redirect, then the callback (state,
//! code exchange, token acceptance) that completes it, once per callback URL.

use std::rc::Rc;

use super::auth::{CognitoAuth, EventDetail, EventName, Inner};
use super::browser;
use super::flight::Flights;
use super::now_seconds;
use crate::error::{Error, ErrorKind, Result};
use crate::jwt;
use crate::oauth::{self, CallbackOutcome, Grant, SignInOptions};
use crate::pkce::{self, Pkce};
use crate::session::{self, HandledCallback, Transaction, STORAGE_VERSION};
use crate::view::{CallbackResult, User};

/// The origin and path of a URL (no query or fragment).
fn base_of(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

impl CognitoAuth {
    /// Starts a sign-in: stores a login transaction (PKCE verifier, nonce, custom state) under a fresh
    /// `state` and navigates to the managed login.
    pub async fn sign_in_with_redirect(&self, options: SignInOptions) -> Result<()> {
        let url = self.prepare_sign_in(&options)?;
        browser::navigate(&url)
    }

    /// Stores a login transaction and returns the authorize URL without navigating.
    pub fn prepare_sign_in(&self, options: &SignInOptions) -> Result<String> {
        let inner = &self.inner;
        let now = now_seconds();
        inner.prune_transactions(now);
        let pkce = Pkce::from_entropy(&browser::random_bytes::<{ pkce::ENTROPY_BYTES }>()?);
        let state = pkce::random_string(&browser::random_bytes::<{ pkce::ENTROPY_BYTES }>()?);
        let nonce = pkce::random_string(&browser::random_bytes::<{ pkce::ENTROPY_BYTES }>()?);
        let url = oauth::authorize_url(&inner.config, &state, &nonce, &pkce.challenge, options)?;
        let tx = Transaction {
            v: STORAGE_VERSION,
            state: state.clone(),
            verifier: pkce.verifier,
            nonce,
            custom_state: options.custom_state.clone(),
            return_to: browser::location_path(),
            created_at: now,
        };
        inner
            .tx_store
            .set(&inner.key_of("tx.", &state), &tx.to_json())?;
        Ok(url)
    }

    /// Whether `url` (default: the current address) is a redirect callback for this client: the
    /// redirect URI's origin and path with `state` and `code` or `error`.
    pub fn is_redirect_callback(&self, url: Option<&str>) -> bool {
        let href = url.map(str::to_owned).or_else(browser::location_href);
        href.is_some_and(|u| {
            base_of(&u) == base_of(&self.inner.config.redirect_uri)
                && oauth::parse_callback(&u).is_some()
        })
    }

    /// Completes a sign-in from the callback URL (default: the current address). Idempotent: a second
    /// call for the same URL returns the same result (or `ERR_CALLBACK_HANDLED` once the session is gone).
    pub async fn handle_redirect_callback(&self, url: Option<&str>) -> Result<CallbackResult> {
        let url = match url.map(str::to_owned).or_else(browser::location_href) {
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

impl Inner {
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
                .is_some_and(|h| now < h.at + 86_400);
            if !keep {
                self.tx_store.remove(&key);
            }
        }
    }

    pub(super) async fn handle_callback(self: Rc<Self>, url: &str) -> Result<CallbackResult> {
        // Whatever happens next, the code and state leave the address bar first, if it shows this
        // callback (compared by state, so a URL normalised by the app or its router still matches).
        if let (Some(href), Some(cb)) = (browser::location_href(), oauth::parse_callback(url)) {
            if oauth::parse_callback(&href).is_some_and(|current| current.state == cb.state) {
                browser::replace_url(&oauth::strip_callback_params(&href));
            }
        }
        let result = self.complete_callback(url).await;
        if let Err(e) = &result {
            if !matches!(e.kind(), ErrorKind::NotACallback) {
                self.emit(EventDetail::new(EventName::SignInWithRedirectFailure).error(e));
            }
        }
        result
    }

    pub(super) async fn complete_callback(&self, url: &str) -> Result<CallbackResult> {
        let callback = oauth::parse_callback(url).ok_or_else(|| {
            Error::new(
                ErrorKind::NotACallback,
                "the URL has no code or error with a state",
            )
        })?;
        let tx_key = self.key_of("tx.", &callback.state);
        let handled_key = self.key_of("handled.", &callback.state);
        let now = now_seconds();
        let tx = match self.tx_store.get(&tx_key) {
            Some(text) => {
                self.tx_store.remove(&tx_key); // single use, whatever happens next
                let Ok(tx) = Transaction::from_json(&text) else {
                    self.warn_storage(&tx_key);
                    return Err(Error::new(
                        ErrorKind::StateMismatch,
                        "the stored sign-in transaction is unreadable; sign in again",
                    ));
                };
                if tx.is_expired(now, self.config.transaction_ttl_seconds) {
                    return Err(Error::new(
                        ErrorKind::StateMismatch,
                        "the sign-in transaction expired; sign in again",
                    ));
                }
                tx
            }
            None => return self.already_handled(&handled_key).await,
        };
        let code = match callback.outcome {
            CallbackOutcome::Code(code) => code,
            CallbackOutcome::Error { error, description } => {
                let message = match description {
                    Some(d) => format!("sign-in failed: {}", crate::error::quoted(&d)),
                    None => "sign-in failed".to_owned(),
                };
                return Err(Error::new(ErrorKind::OAuth, message).with_server_type(error));
            }
        };
        let response =
            browser::send(&oauth::code_exchange(&self.config, &code, &tx.verifier)).await;
        let tokens = oauth::parse_token_response(&response, Grant::Code)?;
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
            let now = session::server_time(now_seconds(), session.clock_offset);
            if let Ok(claims) = self.verifier.verify_at(&session.id_token, now).await {
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
