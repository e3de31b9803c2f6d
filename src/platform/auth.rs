//! [`CognitoAuth`]: managed-login sign-in, tokens, refresh and sign-out in the browser, safe across tabs.
//!
//! The protocol decisions live in the I/O-free core ([`crate::oauth`], [`crate::session`],
//! [`crate::jwt`]); this module sends the requests, keeps the storage, takes the Web Lock and speaks on
//! the BroadcastChannel.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::browser::{self, Store};
use super::flight::Flights;
use super::{now_seconds, JwtVerifier};
use crate::config::{AuthConfig, StorageKind};
use crate::error::{Error, ErrorKind, Result};
use crate::json::Object;
use crate::jwt::{self, Claims, VerifierConfig};
use crate::oauth::{self, CallbackOutcome, Grant, SignInOptions, TokenResponse};
use crate::options::{GetTokensOptions, SignOutOptions};
use crate::pkce::{self, Pkce};
use crate::session::{
    self, backoff_ms, storage_key, HandledCallback, Session, Transaction, STORAGE_VERSION,
};
pub use crate::view::{CallbackResult, Tokens, User};

/// Attempts of one refresh before a transient failure is reported to the caller.
const REFRESH_ATTEMPTS: u32 = 3;

/// The events [`CognitoAuth`] emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventName {
    /// A user signed in (here through the callback, or in another tab).
    SignedIn,
    /// The session ended: sign-out, or a refresh token refused for good.
    SignedOut,
    /// New tokens were stored.
    TokenRefresh,
    /// A refresh attempt failed; the tokens were kept.
    TokenRefreshFailure,
    /// The redirect callback carried an error or could not be completed.
    SignInWithRedirectFailure,
    /// New AWS credentials were stored.
    CredentialsRefresh,
    /// A stored value was unreadable or foreign and was discarded.
    StorageWarning,
}

impl EventName {
    /// Parses the JS event name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "signedIn" => Self::SignedIn,
            "signedOut" => Self::SignedOut,
            "tokenRefresh" => Self::TokenRefresh,
            "tokenRefreshFailure" => Self::TokenRefreshFailure,
            "signInWithRedirectFailure" => Self::SignInWithRedirectFailure,
            "credentialsRefresh" => Self::CredentialsRefresh,
            "storageWarning" => Self::StorageWarning,
            _ => return None,
        })
    }

    /// The JS event name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedIn => "signedIn",
            Self::SignedOut => "signedOut",
            Self::TokenRefresh => "tokenRefresh",
            Self::TokenRefreshFailure => "tokenRefreshFailure",
            Self::SignInWithRedirectFailure => "signInWithRedirectFailure",
            Self::CredentialsRefresh => "credentialsRefresh",
            Self::StorageWarning => "storageWarning",
        }
    }
}

/// What an event says.
#[derive(Debug, Clone)]
pub struct EventDetail {
    /// The event.
    pub name: EventName,
    /// Whether it happened in another tab (and reached this one through the BroadcastChannel).
    pub from_other_tab: bool,
    /// Why (`signOut`, `refreshTokenRefused`, `otherTab`, `corrupted`, ...).
    pub reason: Option<String>,
    /// The error, for failure events: `{ code, message, type? }`.
    pub error: Option<ErrorDetail>,
    /// The attempt (1-based), for `tokenRefreshFailure`.
    pub attempt: Option<u32>,
    /// Whether another attempt follows, for `tokenRefreshFailure`.
    pub will_retry: Option<bool>,
}

/// An error as event data.
#[derive(Debug, Clone)]
pub struct ErrorDetail {
    /// The stable code.
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// The server's error type, if any.
    pub server_type: Option<String>,
}

impl From<&Error> for ErrorDetail {
    fn from(e: &Error) -> Self {
        Self {
            code: e.code(),
            message: e.message().to_owned(),
            server_type: e.server_type().map(str::to_owned),
        }
    }
}

impl EventDetail {
    /// `{ fromOtherTab, reason?, error?: { code, message, type? }, attempt?, willRetry? }`.
    pub fn to_json(&self) -> Object {
        let mut o = Object::new().with("fromOtherTab", self.from_other_tab);
        if let Some(reason) = &self.reason {
            o.insert("reason", reason.as_str());
        }
        if let Some(e) = &self.error {
            let mut error = Object::new()
                .with("code", e.code)
                .with("message", e.message.as_str());
            if let Some(t) = &e.server_type {
                error.insert("type", t.as_str());
            }
            o.insert("error", error);
        }
        if let Some(attempt) = self.attempt {
            o.insert("attempt", u64::from(attempt));
        }
        if let Some(will_retry) = self.will_retry {
            o.insert("willRetry", will_retry);
        }
        o
    }

    pub(super) fn new(name: EventName) -> Self {
        Self {
            name,
            from_other_tab: false,
            reason: None,
            error: None,
            attempt: None,
            will_retry: None,
        }
    }

    fn reason(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned());
        self
    }

    fn error(mut self, error: &Error) -> Self {
        self.error = Some(error.into());
        self
    }
}

type Listener = Rc<dyn Fn(&EventDetail)>;
type Channel = (
    web_sys::BroadcastChannel,
    Closure<dyn FnMut(web_sys::MessageEvent)>,
);

pub(super) struct Inner {
    pub(super) config: AuthConfig,
    pub(super) store: Store,
    /// Where sign-in transactions live: they must survive the redirect, so never in memory.
    tx_store: Store,
    verifier: JwtVerifier,
    tab_id: String,
    listeners: RefCell<Vec<(u32, EventName, Listener)>>,
    next_listener: Cell<u32>,
    refreshing: Rc<Flights<Result<Session>>>,
    callbacks: Rc<Flights<Result<CallbackResult>>>,
    channel: RefCell<Option<Channel>>,
    pub(super) credentials: Rc<Flights<Result<crate::identity::IdentityCredentials>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some((channel, _)) = self.channel.borrow_mut().take() {
            channel.set_onmessage(None);
            channel.close();
        }
    }
}

/// Sign-in with the managed login (authorization code + PKCE), token storage and refresh, sign-out.
/// Cloning is cheap; clones share everything.
#[derive(Clone)]
pub struct CognitoAuth {
    pub(super) inner: Rc<Inner>,
}

impl CognitoAuth {
    /// Validates `config` and opens its storage. Emits `storageWarning` later if Web Storage was
    /// unavailable and memory is used instead.
    pub fn new(config: AuthConfig) -> Result<Self> {
        config.validate()?;
        let mut verifier_config = VerifierConfig::new(
            config.user_pool.as_str(),
            None,
            Some(vec![config.client_id.clone()]),
        )?;
        verifier_config.issuer = config.endpoints.issuer.clone();
        verifier_config.jwks_uri = config.endpoints.jwks_uri.clone();
        // Leeway for clock drift between the measurement of the offset and now.
        verifier_config.grace_seconds = 30;
        let verifier = JwtVerifier::new(verifier_config, None)?;
        let (store, fell_back) = Store::open(config.storage);
        let tx_store = match config.storage {
            StorageKind::Memory => Store::open(StorageKind::Session).0,
            _ => store.clone(),
        };
        // The pool's key set is kept beside the session: a returning visit verifies without a request.
        // An unreadable copy is dropped (the set is fetched again; nothing else depends on it).
        let _ = verifier.persist_in(store.clone(), storage_key(&config.client_id, "jwks"));
        let tab_id = pkce::random_string(&browser::random_bytes::<9>()?);
        let inner = Rc::new(Inner {
            config,
            store,
            tx_store,
            verifier,
            tab_id,
            listeners: RefCell::new(Vec::new()),
            next_listener: Cell::new(1),
            refreshing: Flights::new(),
            callbacks: Flights::new(),
            channel: RefCell::new(None),
            credentials: Flights::new(),
        });
        if inner.config.storage == StorageKind::Local && !fell_back {
            Inner::open_channel(&inner);
        }
        Ok(Self { inner })
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// Registers `listener` for `name`; returns an id for [`off`](Self::off).
    pub fn on(&self, name: EventName, listener: impl Fn(&EventDetail) + 'static) -> u32 {
        let id = self.inner.next_listener.get();
        self.inner.next_listener.set(id + 1);
        self.inner
            .listeners
            .borrow_mut()
            .push((id, name, Rc::new(listener)));
        id
    }

    /// Removes a listener.
    pub fn off(&self, id: u32) {
        self.inner
            .listeners
            .borrow_mut()
            .retain(|(i, _, _)| *i != id);
    }

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
            .set(&inner.key(&format!("tx.{state}")), &tx.to_json())?;
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

    /// Valid tokens, refreshed first when they expire within the margin (or when
    /// [`force_refresh`](GetTokensOptions::force_refresh)); `None` when signed out.
    pub async fn get_tokens(&self, options: GetTokensOptions) -> Result<Option<Tokens>> {
        Ok(self
            .inner
            .clone()
            .valid_session(options.force_refresh)
            .await?
            .as_ref()
            .map(Tokens::from))
    }

    /// The signed-in user from the verified ID token (refreshed if needed), or `None`.
    pub async fn current_user(&self) -> Result<Option<User>> {
        let Some(session) = self.inner.clone().valid_session(false).await? else {
            return Ok(None);
        };
        let now = session::server_time(now_seconds(), session.clock_offset);
        let claims = self
            .inner
            .verifier
            .verify_at(&session.id_token, now)
            .await?;
        Ok(Some(User::from_claims(claims)))
    }

    /// Signs out: `GlobalSignOut` when [`global`](SignOutOptions::global), revokes the refresh token,
    /// clears the session in every tab, then (when [`redirect`](SignOutOptions::redirect), the default)
    /// navigates to the managed `/logout`. Network failures of the revocation do not stop the local
    /// sign-out.
    pub async fn sign_out(&self, options: SignOutOptions) -> Result<()> {
        let SignOutOptions { global, redirect } = options;
        let inner = &self.inner;
        let logout = if redirect {
            Some(oauth::logout_url(&inner.config)?)
        } else {
            None
        };
        // The local sign-out comes first and cannot be held up by the network; the server calls are
        // best effort, made with a copy of the tokens.
        let session = inner.load_session();
        inner.end_session("signOut");
        if let Some(session) = session {
            if global {
                let _ = browser::send(&oauth::global_sign_out(
                    &inner.config,
                    &session.access_token,
                ))
                .await;
            }
            if let Some(refresh) = &session.refresh_token {
                let _ = browser::send(&oauth::revoke(&inner.config, refresh)).await;
            }
        }
        if let Some(url) = logout {
            browser::navigate(&url)?;
        }
        Ok(())
    }
}

/// The origin and path of a URL (no query or fragment).
fn base_of(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

impl Inner {
    pub(super) fn key(&self, what: &str) -> String {
        storage_key(&self.config.client_id, what)
    }

    pub(super) fn emit(&self, detail: EventDetail) {
        let listeners: Vec<Listener> = self
            .listeners
            .borrow()
            .iter()
            .filter(|(_, n, _)| *n == detail.name)
            .map(|(_, _, l)| l.clone())
            .collect();
        for listener in listeners {
            listener(&detail);
        }
    }

    pub(super) fn warn_storage(&self, key: &str) {
        self.store.remove(key);
        self.emit(EventDetail::new(EventName::StorageWarning).reason("corrupted"));
    }

    pub(super) fn load_session(&self) -> Option<Session> {
        let key = self.key("session");
        let text = self.store.get(&key)?;
        match Session::from_json(&text) {
            Ok(s) => Some(s),
            Err(_) => {
                self.warn_storage(&key);
                None
            }
        }
    }

    fn save_session(&self, session: &Session) -> Result<()> {
        self.store.set(&self.key("session"), &session.to_json())
    }

    fn prune_transactions(&self, now: u64) {
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

    pub(super) fn broadcast(&self, kind: EventName) {
        if let Some((channel, _)) = self.channel.borrow().as_ref() {
            let message = Object::new()
                .with("type", kind.as_str())
                .with("tab", self.tab_id.as_str())
                .to_json();
            let _ = channel.post_message(&JsValue::from_str(&message));
        }
    }

    fn open_channel(this: &Rc<Self>) {
        let Ok(channel) =
            web_sys::BroadcastChannel::new(&format!("cognito-wasm.{}", this.config.client_id))
        else {
            return;
        };
        let weak: Weak<Self> = Rc::downgrade(this);
        let handler = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let (Some(inner), Some(text)) = (weak.upgrade(), event.data().as_string()) else {
                    return;
                };
                let Some(message) = Object::parse(&text) else {
                    return;
                };
                if message.get("tab").and_then(|t| t.as_str()) == Some(inner.tab_id.as_str()) {
                    return;
                }
                let Some(name) = message
                    .get("type")
                    .and_then(|t| t.as_str())
                    .and_then(EventName::parse)
                else {
                    return;
                };
                // Storage is shared with the other tab: it already holds the new state.
                let mut detail = EventDetail::new(name);
                detail.from_other_tab = true;
                if name == EventName::SignedOut {
                    detail.reason = Some("otherTab".into());
                }
                inner.emit(detail);
            },
        );
        channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        *this.channel.borrow_mut() = Some((channel, handler));
    }

    fn end_session(&self, reason: &str) {
        self.store.remove(&self.key("session"));
        // The user's AWS credentials and identity id go; a guest identity id stays.
        for prefix in ["identity.creds.", "identity.id.user."] {
            for key in self.store.keys_with_prefix(&self.key(prefix)) {
                self.store.remove(&key);
            }
        }
        self.broadcast(EventName::SignedOut);
        self.emit(EventDetail::new(EventName::SignedOut).reason(reason));
    }

    /// Verifies the tokens of a response (ID token with `nonce` when given, and access token) at the
    /// server time measured from the ID token's `iat`, and builds the session.
    async fn accept_tokens(
        &self,
        tokens: TokenResponse,
        previous: Option<&Session>,
        nonce: Option<&str>,
    ) -> Result<(Session, Claims)> {
        let id_token = tokens.id_token.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::OAuth,
                "the token response has no ID token (is 'openid' in the scopes?)",
            )
        })?;
        let local_now = now_seconds();
        let iat = jwt::seconds(&jwt::peek_claims(&id_token)?, "iat").unwrap_or(local_now);
        // A sign-in's ID token is fresh (its nonce was just made), so its iat tells the server time. A
        // refresh has no nonce: its iat may move the session's clock only a little.
        let offset = match previous {
            Some(p) => session::refreshed_offset(iat, local_now, p.clock_offset),
            None => session::clock_offset(iat, local_now),
        };
        let server_now = session::server_time(local_now, offset);
        let id_claims = self.verifier.verify_at(&id_token, server_now).await?;
        if jwt::string(&id_claims, "token_use") != Some("id") {
            return Err(Error::new(
                ErrorKind::JwtTokenUse,
                "the ID token's token_use is not \"id\"",
            ));
        }
        if let Some(expected) = nonce {
            if jwt::string(&id_claims, "nonce") != Some(expected) {
                return Err(Error::new(
                    ErrorKind::NonceMismatch,
                    "the ID token's nonce is not the one sent with the sign-in",
                ));
            }
        }
        let access_claims = self
            .verifier
            .verify_at(&tokens.access_token, server_now)
            .await?;
        if jwt::string(&access_claims, "token_use") != Some("access") {
            return Err(Error::new(
                ErrorKind::JwtTokenUse,
                "the access token's token_use is not \"access\"",
            ));
        }
        if jwt::string(&access_claims, "sub") != jwt::string(&id_claims, "sub") {
            return Err(Error::new(
                ErrorKind::JwtAudience,
                "the ID and access tokens are for different users",
            ));
        }
        let exp = jwt::seconds(&id_claims, "exp").unwrap_or(0);
        let previous_refresh = previous.and_then(|p| p.refresh_token.clone());
        let session = Session::from_tokens(tokens, exp, offset, previous_refresh, local_now)?;
        Ok((session, id_claims))
    }

    async fn handle_callback(self: Rc<Self>, url: &str) -> Result<CallbackResult> {
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

    async fn complete_callback(&self, url: &str) -> Result<CallbackResult> {
        let callback = oauth::parse_callback(url).ok_or_else(|| {
            Error::new(
                ErrorKind::NotACallback,
                "the URL has no code or error with a state",
            )
        })?;
        let tx_key = self.key(&format!("tx.{}", callback.state));
        let handled_key = self.key(&format!("handled.{}", callback.state));
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
    async fn already_handled(&self, handled_key: &str) -> Result<CallbackResult> {
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

    pub(super) async fn valid_session(self: Rc<Self>, force: bool) -> Result<Option<Session>> {
        let Some(session) = self.load_session() else {
            return Ok(None);
        };
        if !force && !session.needs_refresh(now_seconds(), self.config.refresh_margin_seconds) {
            return Ok(Some(session));
        }
        match self
            .clone()
            .refresh_shared(session.access_token.clone())
            .await
        {
            Ok(s) => Ok(Some(s)),
            // Only a definitive refusal ends the session: after any other failure, still-valid tokens
            // are handed out.
            Err(e)
                if !matches!(e.kind(), ErrorKind::SessionEnded | ErrorKind::NotSignedIn)
                    && !force
                    && !session.is_expired(now_seconds()) =>
            {
                Ok(Some(session))
            }
            Err(e) => Err(e),
        }
    }

    /// One refresh at a time in this tab; callers share its result.
    async fn refresh_shared(self: Rc<Self>, stale_access: String) -> Result<Session> {
        let inner = self.clone();
        Flights::join(&self.refreshing, "", move || async move {
            let lock = format!("cognito-wasm.{}.refresh", inner.config.client_id);
            browser::with_lock(&lock, inner.refresh_locked(stale_access)).await
        })
        .await
    }

    /// Under the cross-tab lock: re-read storage (another tab may have refreshed already), then redeem
    /// the refresh token with retries for transient failures.
    async fn refresh_locked(self: Rc<Self>, stale_access: String) -> Result<Session> {
        let Some(current) = self.load_session() else {
            return Err(Error::new(
                ErrorKind::NotSignedIn,
                "signed out while refreshing",
            ));
        };
        if current.access_token != stale_access {
            return Ok(current);
        }
        let Some(mut refresh_token) = current.refresh_token.clone() else {
            self.end_session("noRefreshToken");
            return Err(Error::new(
                ErrorKind::SessionEnded,
                "the session has no refresh token",
            ));
        };
        let mut current = current;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let response = browser::send(&oauth::refresh(&self.config, &refresh_token)).await;
            let parsed = oauth::parse_token_response(&response, Grant::Refresh);
            // Signed out (or signed in again) while the request was in flight: the answer belongs to a
            // session that is gone and must not bring it back.
            let still_current = self
                .load_session()
                .is_some_and(|s| s.refresh_token.as_ref() == Some(&refresh_token));
            if !still_current {
                return Err(Error::new(
                    ErrorKind::NotSignedIn,
                    "the session ended while it was being refreshed",
                ));
            }
            let outcome = match parsed {
                Ok(tokens) => {
                    if let Some(rotated) = &tokens.refresh_token {
                        // Rotation spent the old refresh token: keep the new one before anything else
                        // can fail (verification, a JWKS fetch), or a retry would spend the old one again.
                        current.refresh_token = Some(rotated.clone());
                        self.save_session(&current)?;
                        refresh_token = rotated.clone();
                    }
                    self.accept_tokens(tokens, Some(&current), None).await
                }
                Err(e) => Err(e),
            };
            match outcome {
                Ok((session, _)) => {
                    self.save_session(&session)?;
                    self.broadcast(EventName::TokenRefresh);
                    self.emit(EventDetail::new(EventName::TokenRefresh));
                    return Ok(session);
                }
                Err(e) if e.kind() == ErrorKind::SessionEnded => {
                    self.end_session("refreshTokenRefused");
                    return Err(e);
                }
                Err(e) => {
                    let will_retry = e.kind() == ErrorKind::Network && attempt < REFRESH_ATTEMPTS;
                    let mut detail = EventDetail::new(EventName::TokenRefreshFailure).error(&e);
                    detail.attempt = Some(attempt);
                    detail.will_retry = Some(will_retry);
                    self.emit(detail);
                    if !will_retry {
                        return Err(e);
                    }
                    let random = u32::from_le_bytes(browser::random_bytes::<4>()?);
                    browser::sleep_ms(backoff_ms(attempt - 1, random)).await;
                }
            }
        }
    }
}
