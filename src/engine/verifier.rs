//! [`JwtVerifier`]: the core [`Verifier`] plus the JWKS fetch, shared by concurrent verifications.

use std::cell::RefCell;
use std::rc::Rc;

use super::flight::Flights;
use super::{now_seconds, Platform};
use crate::error::{Error, ErrorKind, Result};
use crate::jwt::{Claims, Step, Verifier, VerifierConfig};

/// Verifies Cognito tokens; fetches and caches the pool's JWKS through the platform.
///
/// Cloning is cheap and clones share the key cache and any fetch under way.
pub struct JwtVerifier<P: Platform> {
    platform: P,
    core: Rc<RefCell<Verifier>>,
    inflight: Rc<Flights<Result<()>>>,
    /// Told of every key set fetched (its body and fetch time), e.g. to keep it in storage.
    on_fetched: Rc<RefCell<Option<KeysFetched>>>,
}

/// A callback for [`JwtVerifier::on_keys_fetched`].
type KeysFetched = Rc<dyn Fn(&[u8], u64)>;

impl<P: Platform> Clone for JwtVerifier<P> {
    fn clone(&self) -> Self {
        Self {
            platform: self.platform.clone(),
            core: self.core.clone(),
            inflight: self.inflight.clone(),
            on_fetched: self.on_fetched.clone(),
        }
    }
}

impl<P: Platform + Default> JwtVerifier<P> {
    /// A verifier for `config` on the default platform; with `inline_jwks` (a JWKS document) it never
    /// fetches.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] or, for a bad inline key set, [`ErrorKind::Jwks`].
    pub fn new(config: VerifierConfig, inline_jwks: Option<&[u8]>) -> Result<Self> {
        Self::with_platform(config, inline_jwks, P::default())
    }
}

impl<P: Platform> JwtVerifier<P> {
    /// [`new`](Self::new) on `platform`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] or, for a bad inline key set, [`ErrorKind::Jwks`].
    pub fn with_platform(
        config: VerifierConfig,
        inline_jwks: Option<&[u8]>,
        platform: P,
    ) -> Result<Self> {
        Ok(Self {
            platform,
            core: Rc::new(RefCell::new(Verifier::new(config, inline_jwks)?)),
            inflight: Flights::new(),
            on_fetched: Rc::new(RefCell::new(None)),
        })
    }

    /// Verifies `token`, fetching the JWKS first when it is not cached or lacks the token's `kid`
    /// (at most one fetch per call, and no refetch within the wait period).
    pub async fn verify(&self, token: &str) -> Result<Claims> {
        self.verify_at(token, now_seconds(&self.platform)).await
    }

    /// [`verify`](Self::verify) with the time (seconds since the epoch) passed in, e.g. the local clock
    /// corrected by a measured server clock offset.
    pub async fn verify_at(&self, token: &str, now: u64) -> Result<Claims> {
        let mut fetch_error = None;
        for _ in 0..2 {
            let step = self
                .core
                .borrow()
                .step_with_clocks(token, now, now_seconds(&self.platform));
            match step {
                Ok(Step::Verified(claims)) => return Ok(claims),
                Ok(Step::FetchJwks) if fetch_error.is_none() => {
                    if let Err(e) = self.fetch_jwks().await {
                        // A stale set's held key is still used (the next step finds it); otherwise
                        // the fetch's failure is the answer.
                        fetch_error = Some(e);
                    }
                }
                Ok(Step::FetchJwks) => break,
                Err(e) if e.kind() == ErrorKind::JwkNotFound => {
                    return Err(fetch_error.unwrap_or(e))
                }
                Err(e) => return Err(e),
            }
        }
        // The fetch just stored a set (or failed), so a second step cannot ask for another one.
        Err(fetch_error.unwrap_or_else(|| {
            Error::new(ErrorKind::JwkNotFound, "the token's key is not in the JWKS")
        }))
    }

    /// Uses a key set kept from an earlier visit, fetched at `fetched_at` (seconds since the epoch):
    /// a returning visit verifies without a request; an unknown `kid` still fetches at once.
    ///
    /// # Errors
    /// [`ErrorKind::Jwks`] when `body` is not a key set (nothing is changed).
    pub fn seed(&self, body: &[u8], fetched_at: u64) -> Result<()> {
        self.core.borrow_mut().seed_jwks(body, fetched_at)
    }

    /// Calls `callback(body, fetched_at)` after each key set fetched and accepted, e.g. to keep it for
    /// the next visit ([`seed`](Self::seed)).
    pub fn on_keys_fetched(&self, callback: impl Fn(&[u8], u64) + 'static) {
        *self.on_fetched.borrow_mut() = Some(Rc::new(callback));
    }

    /// Verifies `token` with the keys already held (inline or fetched before).
    pub fn verify_sync(&self, token: &str) -> Result<Claims> {
        self.core
            .borrow()
            .verify_cached(token, now_seconds(&self.platform))
    }

    /// Fetches the JWKS now (if not inline), so that later [`verify_sync`](Self::verify_sync) calls
    /// find the keys.
    pub async fn hydrate(&self) -> Result<()> {
        if self.core.borrow().has_keys() {
            return Ok(());
        }
        self.fetch_jwks().await
    }

    /// One fetch at a time: concurrent callers await the same request.
    async fn fetch_jwks(&self) -> Result<()> {
        let core = self.core.clone();
        let on_fetched = self.on_fetched.borrow().clone();
        let platform = self.platform.clone();
        Flights::join(&self.inflight, "", move || async move {
            let at = now_seconds(&platform);
            let uri = core.borrow().config().jwks_uri.clone();
            let result = match platform.get(&uri).await {
                Ok(body) => core.borrow_mut().store_jwks(&body, at).map(|()| {
                    if let Some(callback) = on_fetched {
                        callback(&body, at);
                    }
                }),
                Err(e) => Err(e),
            };
            if result.is_err() {
                core.borrow_mut().jwks_fetch_failed(now_seconds(&platform));
            }
            result
        })
        .await
    }
}
