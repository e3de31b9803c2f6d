//! [`CognitoAuth`]: managed-login sign-in, tokens, refresh and sign-out, safe across tabs, over a
//! [`Platform`].
//!
//! This module holds the state (configuration, storage, verifier, listeners, runs in flight), the
//! constructor, tokens, user and sign-out, and the stored session. Beside it: `callback.rs` (sign-in
//! and its callback), `refresh.rs` (token acceptance and the refresh engine), `events.rs` (events and
//! the channel to other tabs), `credentials.rs` (identity pool and SigV4), `flight.rs` (one run at a
//! time).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::flight::Flights;
use super::{now_seconds, JwtVerifier, Platform, Storage};
use crate::config::{AuthConfig, StorageKind};
use crate::error::Result;
use crate::event::{EventDetail, EventName};
use crate::jwt::VerifierConfig;
use crate::oauth;
use crate::options::{GetTokensOptions, SignOutOptions};
use crate::session::{self, storage_key, Session};
pub use crate::view::{CallbackResult, Tokens, User};

pub(super) type Listener = Rc<dyn Fn(&EventDetail)>;

pub(super) struct Inner<P: Platform> {
    pub(super) platform: P,
    pub(super) config: AuthConfig,
    pub(super) store: P::Storage,
    /// Where sign-in transactions live: they must survive the redirect, so never in memory.
    pub(super) tx_store: P::Storage,
    pub(super) verifier: JwtVerifier<P>,
    /// This instance, for opening the channel from a `&self` method.
    pub(super) me: std::rc::Weak<Inner<P>>,
    /// Whether events are shared with the other tabs (`local` storage that works).
    pub(super) shares_tabs: bool,
    pub(super) listeners: RefCell<Vec<(u32, EventName, Listener)>>,
    pub(super) next_listener: Cell<u32>,
    pub(super) refreshing: Rc<Flights<Result<Session>>>,
    pub(super) callbacks: Rc<Flights<Result<CallbackResult>>>,
    /// Opened on first use (a listener added, or an event to share), not at start-up; with this
    /// instance's id in its messages.
    pub(super) channel: RefCell<Option<(P::Channel, String)>>,
    pub(super) credentials: Rc<Flights<Result<crate::identity::IdentityCredentials>>>,
    /// The in-app sign-in's challenge waiting for an answer (memory only).
    pub(super) pending: RefCell<Option<super::signin::Pending>>,
    /// The user name and Cognito's `Session` of the last in-app sign-up (memory only): given with
    /// `ConfirmSignUp`, then to sign the confirmed user in.
    pub(super) sign_up_session: RefCell<Option<(String, String)>>,
}

/// The pool's key set is kept beside the session as `1 <fetched at>\n<JWKS JSON>`: a stored copy seeds
/// the verifier (a returning visit verifies without a request) and every fetched set replaces it. An
/// unreadable copy is dropped: the set is fetched again, and nothing else depends on it.
fn keep_keys_beside_session<P: Platform>(
    verifier: &JwtVerifier<P>,
    store: &P::Storage,
    key: String,
) {
    if let Some(text) = store.get(&key) {
        let seeded = crate::jwt::read_stored_key_set(&text)
            .is_some_and(|(at, body)| verifier.seed(body.as_bytes(), at).is_ok());
        if !seeded {
            store.remove(&key);
        }
    }
    let store = store.clone();
    verifier.on_keys_fetched(move |body, at| {
        // Best effort: a full storage only costs a fetch on the next visit.
        let _ = store.set(&key, &crate::jwt::stored_key_set(body, at));
    });
}

/// Sign-in with the managed login (authorization code + PKCE), token storage and refresh, sign-out.
/// Cloning is cheap; clones share everything.
pub struct CognitoAuth<P: Platform> {
    pub(super) inner: Rc<Inner<P>>,
}

impl<P: Platform> Clone for CognitoAuth<P> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<P: Platform + Default> CognitoAuth<P> {
    /// Validates `config` and opens its storage on the default platform (for the browser: through
    /// `globalThis`).
    pub fn new(config: AuthConfig) -> Result<Self> {
        Self::with_platform(config, P::default())
    }
}

impl<P: Platform> CognitoAuth<P> {
    /// Validates `config` and opens its storage on `platform`. Where the storage asked for is
    /// unavailable (Web Storage blocked, a worker), memory is used instead.
    pub fn with_platform(config: AuthConfig, platform: P) -> Result<Self> {
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
        let verifier = JwtVerifier::with_platform(verifier_config, None, platform.clone())?;
        let (store, fell_back) = platform.storage(config.storage);
        let tx_store = match config.storage {
            StorageKind::Memory => platform.storage(StorageKind::Session).0,
            _ => store.clone(),
        };
        keep_keys_beside_session(&verifier, &store, storage_key(&config.client_id, "jwks"));
        let shares_tabs = config.storage == StorageKind::Local && !fell_back;
        let inner = Rc::new_cyclic(|me| Inner {
            platform,
            config,
            store,
            tx_store,
            verifier,
            me: me.clone(),
            shares_tabs,
            listeners: RefCell::new(Vec::new()),
            next_listener: Cell::new(1),
            refreshing: Flights::new(),
            callbacks: Flights::new(),
            channel: RefCell::new(None),
            credentials: Flights::new(),
            pending: RefCell::new(None),
            sign_up_session: RefCell::new(None),
        });
        Ok(Self { inner })
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// The platform this instance runs on.
    pub fn platform(&self) -> &P {
        &self.inner.platform
    }

    /// Registers `listener` for `name`; returns an id for [`off`](Self::off).
    pub fn on(&self, name: EventName, listener: impl Fn(&EventDetail) + 'static) -> u32 {
        let id = self.inner.next_listener.get();
        self.inner.next_listener.set(id + 1);
        self.inner
            .listeners
            .borrow_mut()
            .push((id, name, Rc::new(listener)));
        // Events from other tabs reach this tab's listeners from now on.
        self.inner.ensure_channel();
        id
    }

    /// Removes a listener.
    pub fn off(&self, id: u32) {
        self.inner
            .listeners
            .borrow_mut()
            .retain(|(i, _, _)| *i != id);
    }

    /// Valid tokens, refreshed first when they expire within the margin (or when
    /// [`force_refresh`](GetTokensOptions::force_refresh)); `None` when signed out. The tokens are
    /// [secret types](crate::secret) that `Debug` redacts: `tokens.access_token.expose()` is the JWT to
    /// send (for example as `Authorization: Bearer`).
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
        let now = session::server_time(self.inner.now(), session.clock_offset);
        let claims = self
            .inner
            .verifier
            .verify_at(session.id_token.expose(), now)
            .await?;
        Ok(Some(User::from_claims(claims)))
    }

    /// The signed-in user's ID-token claims read into `T`, a struct of the app's own (cargo feature
    /// `serde`), or `None` when signed out: [`current_user`](Self::current_user) then
    /// [`User::claims_as`], so a claim missing or of the wrong type is
    /// [`ErrorKind::JwtMalformed`](crate::ErrorKind::JwtMalformed).
    ///
    /// ```
    /// # use cognito_wasm::engine::{CognitoAuth, Platform};
    /// #[derive(serde::Deserialize)]
    /// struct Profile {
    ///     email: String,
    ///     #[serde(rename = "custom:tier")]
    ///     tier: Option<String>,
    /// }
    /// # async fn show(auth: &CognitoAuth<impl Platform>) -> cognito_wasm::Result<()> {
    /// if let Some(profile) = auth.current_user_as::<Profile>().await? {
    ///     println!("{} ({})", profile.email, profile.tier.as_deref().unwrap_or("no tier"));
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "serde")]
    pub async fn current_user_as<T: serde::de::DeserializeOwned>(&self) -> Result<Option<T>> {
        match self.current_user().await? {
            Some(user) => user.claims_as().map(Some),
            None => Ok(None),
        }
    }

    /// Signs out: clears the session in every tab first, then `GlobalSignOut` when
    /// [`global`](SignOutOptions::global), revokes the refresh token, then (when
    /// [`redirect`](SignOutOptions::redirect), the default) navigates to the managed `/logout`. The local
    /// sign-out always happens: network failures of the server calls do not stop it, and an error
    /// (no `logoutUri` for the redirect, no page to navigate) is returned after it.
    pub async fn sign_out(&self, options: SignOutOptions) -> Result<()> {
        let SignOutOptions { global, redirect } = options;
        let inner = &self.inner;
        // The local sign-out comes first and cannot be held up by the network; the server calls are
        // best effort, made with a copy of the tokens.
        let session = inner.load_session();
        inner.end_session("signOut");
        // A session of the in-app sign-in has no managed-login session to end at /logout.
        let redirect = redirect && !session.as_ref().is_some_and(|s| s.via_api);
        if let Some(session) = session {
            if global {
                let _ = inner
                    .send(&oauth::global_sign_out(
                        &inner.config,
                        &session.access_token,
                    ))
                    .await;
            }
            if let Some(refresh) = &session.refresh_token {
                let request = oauth::revoke(&inner.config, refresh, session.via_api);
                let _ = inner.send(&request).await;
            }
        }
        if redirect {
            inner
                .platform
                .navigate(&oauth::logout_url(&inner.config)?)?;
        }
        Ok(())
    }
}

impl<P: Platform> Inner<P> {
    /// Seconds since the epoch on the platform's clock.
    pub(super) fn now(&self) -> u64 {
        now_seconds(&self.platform)
    }

    /// `cognito-wasm.<clientId>.<what>`: a storage key, or the name of a lock.
    pub(super) fn key(&self, what: &str) -> String {
        storage_key(&self.config.client_id, what)
    }

    /// `cognito-wasm.<clientId>.<prefix><id>`.
    pub(super) fn key_of(&self, prefix: &str, id: &str) -> String {
        let mut key = self.key(prefix);
        key.push_str(id);
        key
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

    pub(super) fn save_session(&self, session: &Session) -> Result<()> {
        self.store.set(&self.key("session"), &session.to_json())
    }

    pub(super) fn end_session(&self, reason: &str) {
        self.store.remove(&self.key("session"));
        // The user's AWS credentials and identity id go; a guest identity id stays. (A store the app
        // supplies without `key` and `length` cannot list them: they stay, keyed by the user's sub.)
        for prefix in ["identity.creds.", "identity.id.user."] {
            for key in self.store.keys_with_prefix(&self.key(prefix)) {
                self.store.remove(&key);
            }
        }
        self.broadcast(EventName::SignedOut);
        self.emit(EventDetail::new(EventName::SignedOut).reason(reason));
    }
}
