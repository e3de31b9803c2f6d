//! [`JwtVerifier`]: the core [`Verifier`] plus the JWKS fetch, shared by concurrent verifications.

use std::cell::RefCell;
use std::rc::Rc;

use super::flight::Flights;
use super::{fetch_bytes, now_seconds, Store};
use crate::error::{Error, ErrorKind, Result};
use crate::jwt::{Claims, Step, Verifier, VerifierConfig};

/// Verifies Cognito tokens in the browser; fetches and caches the pool's JWKS.
///
/// Cloning is cheap and clones share the key cache and any fetch under way.
#[derive(Clone)]
pub struct JwtVerifier {
    core: Rc<RefCell<Verifier>>,
    inflight: Rc<Flights<Result<()>>>,
    /// Where fetched key sets are kept (storage and key), if anywhere.
    persist: Rc<RefCell<Option<(Store, String)>>>,
}

impl JwtVerifier {
    /// A verifier for `config`; with `inline_jwks` (a JWKS document) it never fetches.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] or, for a bad inline key set, [`ErrorKind::Jwks`].
    pub fn new(config: VerifierConfig, inline_jwks: Option<&[u8]>) -> Result<Self> {
        Ok(Self {
            core: Rc::new(RefCell::new(Verifier::new(config, inline_jwks)?)),
            inflight: Flights::new(),
            persist: Rc::new(RefCell::new(None)),
        })
    }

    /// Verifies `token`, fetching the JWKS first when it is not cached or lacks the token's `kid`
    /// (at most one fetch per call, and no refetch within the wait period).
    pub async fn verify(&self, token: &str) -> Result<Claims> {
        self.verify_at(token, now_seconds()).await
    }

    /// [`verify`](Self::verify) with the time (seconds since the epoch) passed in, e.g. the local clock
    /// corrected by a measured server clock offset.
    pub async fn verify_at(&self, token: &str, now: u64) -> Result<Claims> {
        let mut fetch_error = None;
        for _ in 0..2 {
            let step = self
                .core
                .borrow()
                .step_with_clocks(token, now, now_seconds());
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

    /// Keeps the key set in `store` under `key`: a copy stored there (with its fetch time) is used now
    /// (so a returning visit verifies without a request), and every fetched set is stored there.
    /// An unreadable copy is removed and reported as `false`.
    pub fn persist_in(&self, store: Store, key: String) -> bool {
        let mut readable = true;
        if let Some(text) = store.get(&key) {
            let seeded = text
                .split_once('\n')
                .and_then(|(at, body)| Some((at.strip_prefix("1 ")?.parse::<u64>().ok()?, body)))
                .is_some_and(|(at, body)| {
                    self.core
                        .borrow_mut()
                        .seed_jwks(body.as_bytes(), at)
                        .is_ok()
                });
            if !seeded {
                store.remove(&key);
                readable = false;
            }
        }
        *self.persist.borrow_mut() = Some((store, key));
        readable
    }

    /// Verifies `token` with the keys already held (inline or fetched before).
    pub fn verify_sync(&self, token: &str) -> Result<Claims> {
        self.core.borrow().verify_cached(token, now_seconds())
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
        let persist = self.persist.clone();
        Flights::join(&self.inflight, "", move || async move {
            let at = now_seconds();
            let uri = core.borrow().config().jwks_uri.clone();
            let result = match fetch_bytes(&uri).await {
                Ok(body) => core.borrow_mut().store_jwks(&body, at).map(|()| {
                    if let Some((store, key)) = persist.borrow().as_ref() {
                        // Best effort: a full storage only costs a fetch on the next visit. The body
                        // parsed as JSON, so it is UTF-8.
                        let mut text = String::from("1 ");
                        text.push_str(crate::json::Number::from_u64(at).as_str());
                        text.push('\n');
                        text.push_str(std::str::from_utf8(&body).unwrap_or_default());
                        let _ = store.set(key, &text);
                    }
                }),
                Err(e) => Err(e),
            };
            if result.is_err() {
                core.borrow_mut().jwks_fetch_failed(now_seconds());
            }
            result
        })
        .await
    }
}
