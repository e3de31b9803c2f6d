//! Identity-pool credentials and SigV4-signed requests for [`CognitoAuth`]: one fetch at a time per
//! principal in an instance and across tabs, transient failures retried as a refresh is.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use super::auth::{CognitoAuth, Inner};
use super::flight::Flights;
use super::{with_lock, Platform, Storage};
use crate::error::{Error, ErrorKind, Result};
use crate::event::{EventDetail, EventName};
use crate::identity::{self, IdentityCredentials, Principal};
use crate::jwt;
use crate::options::{AwsServiceOptions, CredentialsOptions, PresignOptions};
use crate::secret::{IdToken, Secret};
use crate::session;
use crate::sigv4::{self, Credentials, SigningParams, SigningSettings};

/// What to sign with, for whom (and in which role, if one is asked for), at which server time.
struct Context {
    principal: Principal,
    id_token: Option<IdToken>,
    clock_offset: i64,
    role: Option<String>,
}

/// A request signed with SigV4, ready to send ([`CognitoAuth::signed_request`]). `Debug` shows the
/// header names only: the values hold the signature and the session token.
pub struct SignedRequest {
    /// The method, upper-cased.
    pub method: String,
    /// The URL as it goes on the wire.
    pub url: String,
    /// The headers to send, in order.
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &names)
            .finish()
    }
}

/// A boxed future: one state machine shared by its callers.
type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

impl<P: Platform> CognitoAuth<P> {
    async fn context(&self) -> Result<Context> {
        let session = self.inner.clone().valid_session(false).await?;
        Ok(match session {
            Some(s) => {
                // The ID token was verified before it was stored.
                let claims = jwt::peek_claims(s.id_token.expose())?;
                let sub = jwt::string(&claims, "sub").unwrap_or_default().to_owned();
                Context {
                    principal: Principal::User(sub),
                    id_token: Some(s.id_token),
                    clock_offset: s.clock_offset,
                    role: None,
                }
            }
            None => Context {
                principal: Principal::Guest,
                id_token: None,
                clock_offset: 0,
                role: None,
            },
        })
    }

    /// Identity-pool credentials: the user's when signed in, a guest's otherwise (if the pool allows
    /// guests), in the role asked for (`custom_role_arn`) or the one the pool resolves. Cached per
    /// role, refreshed shortly before their `Expiration`, one fetch at a time in a tab and across
    /// tabs; the identity id is stored and reused. A role the identity may not have is Cognito's
    /// refusal ([`ErrorKind::Aws`], `InvalidParameterException`); the session stays.
    pub async fn get_credentials(
        &self,
        options: CredentialsOptions,
    ) -> Result<IdentityCredentials> {
        let mut ctx = self.context().await?;
        ctx.role = options.custom_role_arn;
        self.credentials_for(ctx, options.force_refresh).await
    }

    /// The credentials of `ctx`'s principal (see [`get_credentials`](Self::get_credentials)).
    async fn credentials_for(
        &self,
        ctx: Context,
        force_refresh: bool,
    ) -> Result<IdentityCredentials> {
        let inner = self.inner.clone();
        // Per principal, and per role asked for: `identity.creds.user.<sub>` / `...|<role ARN>`.
        let mut key = ctx.principal.key();
        if let Some(role) = &ctx.role {
            key.push('|');
            key.push_str(role);
        }
        let creds_key = inner.key_of("identity.creds.", &key);
        let server_now = session::server_time(inner.now(), ctx.clock_offset);
        let cached = inner.store.get(&creds_key).and_then(|t| {
            let parsed = IdentityCredentials::from_json(&t);
            if parsed.is_none() {
                inner.warn_storage(&creds_key);
            }
            parsed
        });
        if let Some(c) = &cached {
            if !force_refresh && !c.needs_refresh(server_now) {
                return Ok(c.clone());
            }
        }
        let stale = cached.map(|c| c.access_key_id);
        let worker = inner.clone();
        let lock = inner.key("credentials");
        Flights::join(&inner.credentials, &key, move || async move {
            let platform = worker.platform.clone();
            with_lock(
                &platform,
                &lock,
                fetch_credentials(worker, ctx, creds_key, stale),
            )
            .await
        })
        .await
    }

    /// The credentials to sign with and the (server-corrected) time to sign at: one look at the session
    /// serves both. Boxed, so that every signing method shares this one state machine.
    fn signing(&self) -> Boxed<'_, Result<(Credentials, u64)>> {
        Box::pin(async move {
            let ctx = self.context().await?;
            let offset = ctx.clock_offset;
            let creds = self.credentials_for(ctx, false).await?;
            Ok((
                creds.signing(),
                session::server_time(self.inner.now(), offset),
            ))
        })
    }

    /// Signs `request` with the current credentials at the current (server-corrected) time.
    pub async fn sign(
        &self,
        request: &sigv4::Request<'_>,
        service: &str,
        region: &str,
    ) -> Result<sigv4::SignedHeaders> {
        let (creds, time) = self.signing().await?;
        let params = SigningParams {
            service,
            region,
            time,
            settings: SigningSettings::for_service(service),
        };
        sigv4::sign_headers(request, &creds, &params)
    }

    /// A request signed with SigV4 and the current credentials, as it is to be sent: the method
    /// upper-cased, the URL as it goes on the wire, every header as given (a name given twice joined
    /// as `fetch` joins it) except those the signature replaces, then the signature's headers. `host`
    /// is the transport's to set.
    pub async fn signed_request(
        &self,
        url: &str,
        method: &str,
        headers: Vec<(String, String)>,
        body: &[u8],
        options: &AwsServiceOptions,
    ) -> Result<SignedRequest> {
        let url = self.inner.platform.wire_url(url)?;
        let headers = as_fetch_sends(headers);
        // One method, upper-cased once, is both signed and sent (`patch` is not normalised by fetch).
        let method = method.to_ascii_uppercase();
        let request = sigv4::Request {
            method: &method,
            url: &url,
            headers: &headers,
            body,
        };
        let mut signed = self
            .sign(&request, &options.service, &options.region)
            .await?;
        let replaced = |name: &str| {
            name.eq_ignore_ascii_case("host")
                || signed
                    .headers
                    .iter()
                    .any(|(s, _)| name.eq_ignore_ascii_case(s))
        };
        let mut wire: Vec<(String, String)> = headers
            .into_iter()
            .filter(|(name, _)| !replaced(name))
            .collect();
        // Moved out in place rather than through `into_iter()`, whose by-value iterator of these pairs
        // would add about 150 bytes to the module.
        for (name, value) in &mut signed.headers {
            let value = std::mem::replace(value, Secret::new(String::new()));
            wire.push((std::mem::take(name), value.into_exposed()));
        }
        Ok(SignedRequest {
            method,
            url,
            headers: wire,
        })
    }

    /// A presigned `GET` URL valid for [`expires_in`](PresignOptions::expires_in) seconds (default
    /// 900), signed with the current credentials.
    pub async fn presign_url(&self, url: &str, options: &PresignOptions) -> Result<String> {
        let PresignOptions {
            service,
            region,
            expires_in,
        } = options;
        let (service, region, expires_in) = (service.as_str(), region.as_str(), *expires_in);
        let url = self.inner.platform.wire_url(url)?;
        let (creds, time) = self.signing().await?;
        let settings = if service == "s3" {
            SigningSettings::s3_presign(expires_in)
        } else {
            SigningSettings {
                expires_in,
                ..SigningSettings::for_service(service)
            }
        };
        let params = SigningParams {
            service,
            region,
            time,
            settings,
        };
        let request = sigv4::Request {
            method: "GET",
            url: &url,
            headers: &[],
            body: &[],
        };
        Ok(sigv4::presign_url(&request, &creds, &params)?
            .url
            .into_exposed())
    }
}

/// The headers as `fetch` sends them: a name given more than once goes out once, its values joined with
/// `", "` in order (the Fetch standard's combine), so that is what must be signed.
fn as_fetch_sends(headers: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        match out.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            Some((_, v)) => {
                v.push_str(", ");
                v.push_str(&value);
            }
            None => out.push((name, value)),
        }
    }
    out
}

/// Under the cross-tab lock: reuse what another tab fetched meanwhile, else GetId (once per principal,
/// then stored) and GetCredentialsForIdentity.
async fn fetch_credentials<P: Platform>(
    inner: Rc<Inner<P>>,
    ctx: Context,
    creds_key: String,
    stale: Option<String>,
) -> Result<IdentityCredentials> {
    let server_now = session::server_time(inner.now(), ctx.clock_offset);
    if let Some(c) = inner
        .store
        .get(&creds_key)
        .and_then(|t| IdentityCredentials::from_json(&t))
    {
        if Some(&c.access_key_id) != stale.as_ref() && !c.needs_refresh(server_now) {
            return Ok(c);
        }
    }
    // Signed out (or another user signed in) meanwhile: keep nothing of that user.
    let still_current = || match &ctx.principal {
        Principal::Guest => Ok(()),
        Principal::User(sub) => {
            let current = inner.load_session().and_then(|s| {
                let claims = jwt::peek_claims(s.id_token.expose()).ok()?;
                jwt::string(&claims, "sub").map(str::to_owned)
            });
            if current.as_deref() == Some(sub.as_str()) {
                Ok(())
            } else {
                Err(Error::new(
                    ErrorKind::NotSignedIn,
                    "the session ended while credentials were being fetched",
                ))
            }
        }
    };
    let id_key = inner.key_of("identity.id.", &ctx.principal.key());
    let id_token = ctx.id_token.as_ref();
    // A stored id that is not one would be refused on every load: dropped (storageWarning), asked anew.
    let mut identity_id = inner.store.get(&id_key).filter(|id| {
        let usable = identity::is_identity_id(id);
        if !usable {
            inner.warn_storage(&id_key);
        }
        usable
    });
    // Transient failures are retried as a refresh is; an id the pool no longer knows is asked anew once.
    let mut attempt = 0;
    let mut asked_anew = false;
    loop {
        attempt += 1;
        let id = match identity_id.clone() {
            Some(id) => Ok(id),
            None => {
                let request = identity::get_id(&inner.config, id_token)?;
                identity::parse_get_id(&inner.send(&request).await)
            }
        };
        let result = match id {
            Ok(id) => {
                if identity_id.is_none() {
                    still_current()?;
                    inner.store.set(&id_key, &id)?;
                    identity_id = Some(id.clone());
                }
                let request =
                    identity::get_credentials(&inner.config, &id, id_token, ctx.role.as_deref());
                identity::parse_credentials(&inner.send(&request).await)
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(creds) => {
                still_current()?;
                inner.store.set(&creds_key, &creds.to_json())?;
                inner.broadcast(EventName::CredentialsRefresh);
                inner.emit(EventDetail::new(EventName::CredentialsRefresh));
                inner.let_storage_settle().await;
                return Ok(creds);
            }
            Err(e) if !asked_anew && identity::identity_id_stale(&e, ctx.role.is_some()) => {
                asked_anew = true;
                inner.store.remove(&id_key);
                identity_id = None;
            }
            Err(e) => {
                if !inner.retry_after(attempt, &e).await {
                    return Err(e);
                }
            }
        }
    }
}
