//! Token acceptance (verification of a token response, clock offset, the new session) and the refresh
//! engine: one refresh at a time in an instance and across tabs, rotation, retries of transient
//! failures. The decisions are the core's ([`session::check_token_pair`], [`session::retry_after`],
//! [`Session::needs_refresh`]).

use std::rc::Rc;

use super::auth::Inner;
use super::flight::Flights;
use super::{random_bytes, with_lock, Platform};
use crate::awsjson::Grant;
use crate::error::{Error, ErrorKind, Result};
use crate::event::{EventDetail, EventName};
use crate::jwt::{self, Claims};
use crate::oauth::{self, TokenResponse};
use crate::secret::AccessToken;
use crate::session::{self, Session};

/// How long the holder of a cross-tab lock keeps it after writing what the next holder will read.
/// localStorage reaches another tab's renderer asynchronously; without this wait, the tab waiting for the
/// lock could read the old session and spend a rotated refresh token again (seen in 2 of 10 e2e runs).
pub(super) const STORAGE_SETTLE_MS: u32 = 50;

/// How often the proactive refresh looks again when there is nothing to do yet: signed out, hidden, or
/// just after an attempt.
const AUTO_REFRESH_IDLE_MS: u32 = 30_000;

impl<P: Platform> super::CognitoAuth<P> {
    /// The proactive refresh (`autoRefresh`): runs for the life of the instance, refreshing the tokens
    /// when they come within the refresh margin as [`get_tokens`](Self::get_tokens) would (under the
    /// cross-tab lock, so one tab refreshes and the others read its tokens; `tokenRefresh` emitted),
    /// without waiting for the app to ask. A hidden tab leaves it to a visible one, and looks again every
    /// 30 s; so does a signed-out instance. A failed attempt keeps the tokens, as any refresh does.
    pub async fn auto_refresh(self) {
        let inner = &self.inner;
        loop {
            let due_in = match inner.load_session() {
                Some(s) if !inner.platform.hidden() => {
                    s.refresh_due_in(inner.now(), inner.config.refresh_margin_seconds)
                }
                _ => u64::MAX,
            };
            if due_in == 0 {
                let _ = self.get_tokens(Default::default()).await;
            }
            // At most a day at a time, within the range of a timer.
            let ms = match due_in {
                0 | u64::MAX => AUTO_REFRESH_IDLE_MS,
                s => (s.min(86_400) * 1000) as u32,
            };
            inner.platform.sleep_ms(ms).await;
        }
    }
}

impl<P: Platform> Inner<P> {
    /// Inside a cross-tab lock, after a write other tabs will read: give it time to reach them (see
    /// [`STORAGE_SETTLE_MS`]). Only when events are shared with other tabs (`local` storage).
    pub(super) async fn let_storage_settle(&self) {
        if self.shares_tabs {
            self.platform.sleep_ms(STORAGE_SETTLE_MS).await;
        }
    }

    /// The one retry driver: after `attempt` failed with `error`, waits as [`session::retry_after`]
    /// says and returns `true`, or returns `false` when the error is to be reported now.
    pub(super) async fn retry_after(&self, attempt: u32, error: &Error) -> bool {
        let random = random_bytes::<P, 4>(&self.platform).map_or(0, u32::from_le_bytes);
        let wait = session::retry_after(attempt, error, random);
        if self.logging() {
            let (n, ms) = (attempt.to_string(), wait.unwrap_or(0).to_string());
            let then: &[&str] = match wait {
                Some(_) => &["; retrying in ", &ms, " ms"],
                None => &["; not retried"],
            };
            let mut parts = vec![
                "attempt ",
                &n,
                " failed: ",
                error.code(),
                " ",
                error.message(),
            ];
            parts.extend_from_slice(then);
            self.log(if wait.is_some() { "warn" } else { "error" }, &parts);
        }
        match wait {
            Some(ms) => {
                self.platform.sleep_ms(ms).await;
                true
            }
            None => false,
        }
    }

    /// Verifies the tokens of a response (ID token with `nonce` when given, and access token) at the
    /// server time measured from the ID token's `iat`, and builds the session.
    pub(super) async fn accept_tokens(
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
        let local_now = self.now();
        let iat = jwt::seconds(&jwt::peek_claims(id_token.expose())?, "iat").unwrap_or(local_now);
        // A sign-in's ID token is fresh (its nonce was just made), so its iat tells the server time. A
        // refresh has no nonce: its iat may move the session's clock only a little.
        let offset = match previous {
            Some(p) => session::refreshed_offset(iat, local_now, p.clock_offset),
            None => session::clock_offset(iat, local_now),
        };
        let server_now = session::server_time(local_now, offset);
        let id_claims = self
            .verifier
            .verify_at(id_token.expose(), server_now)
            .await?;
        let access_claims = self
            .verifier
            .verify_at(tokens.access_token.expose(), server_now)
            .await?;
        session::check_token_pair(&id_claims, &access_claims, nonce)?;
        let exp = jwt::seconds(&id_claims, "exp").unwrap_or(0);
        let previous_refresh = previous.and_then(|p| p.refresh_token.clone());
        let session = Session::from_tokens(tokens, exp, offset, previous_refresh, local_now)?;
        Ok((session, id_claims))
    }

    pub(super) async fn valid_session(self: Rc<Self>, force: bool) -> Result<Option<Session>> {
        let Some(session) = self.load_session() else {
            return Ok(None);
        };
        // Inside the refresh margin but offline: the tokens are still valid, so they are the answer now
        // (a refresh attempt would fail after its retries).
        let now = self.now();
        if !force
            && (!session.needs_refresh(now, self.config.refresh_margin_seconds)
                || (!session.is_expired(now) && !self.platform.online()))
        {
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
                    && !session.is_expired(self.now()) =>
            {
                Ok(Some(session))
            }
            Err(e) => Err(e),
        }
    }

    /// One refresh at a time in this instance; callers share its result.
    pub(super) async fn refresh_shared(
        self: Rc<Self>,
        stale_access: AccessToken,
    ) -> Result<Session> {
        let inner = self.clone();
        Flights::join(&self.refreshing, "", move || async move {
            let lock = inner.key("refresh");
            let platform = inner.platform.clone();
            with_lock(&platform, &lock, inner.refresh_locked(stale_access)).await
        })
        .await
    }

    /// Under the cross-tab lock: re-read storage (another tab may have refreshed already), then redeem
    /// the refresh token with retries for transient failures.
    pub(super) async fn refresh_locked(
        self: Rc<Self>,
        stale_access: AccessToken,
    ) -> Result<Session> {
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
            let response = self
                .send(&oauth::refresh(
                    &self.config,
                    &refresh_token,
                    current.via_api,
                ))
                .await;
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
                Ok((mut session, _)) => {
                    session.via_api = current.via_api;
                    self.save_session(&session)?;
                    self.broadcast(EventName::TokenRefresh);
                    self.emit(EventDetail::new(EventName::TokenRefresh));
                    self.let_storage_settle().await;
                    return Ok(session);
                }
                Err(e) if e.kind() == ErrorKind::SessionEnded => {
                    self.end_session("refreshTokenRefused");
                    return Err(e);
                }
                Err(e) => {
                    let will_retry = session::retry_after(attempt, &e, 0).is_some();
                    let mut detail = EventDetail::new(EventName::TokenRefreshFailure).error(&e);
                    detail.attempt = Some(attempt);
                    detail.will_retry = Some(will_retry);
                    self.emit(detail);
                    if !self.retry_after(attempt, &e).await {
                        return Err(e);
                    }
                }
            }
        }
    }
}
