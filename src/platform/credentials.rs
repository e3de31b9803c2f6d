//! Identity-pool credentials and SigV4-signed requests for [`CognitoAuth`].

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::auth::{CognitoAuth, EventDetail, EventName, Inner};
use super::browser;
use super::flight::Flights;
use super::now_seconds;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{self, IdentityCredentials, Principal};
use crate::jwt;
use crate::options::{AwsServiceOptions, CredentialsOptions, PresignOptions};
use crate::secret::{IdToken, Secret};
use crate::session;
use crate::sigv4::{self, Credentials, SigningParams, SigningSettings};

/// What to sign with, for whom, at which server time.
struct Context {
    principal: Principal,
    id_token: Option<IdToken>,
    clock_offset: i64,
}

/// A boxed future: one state machine shared by its callers.
type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

impl CognitoAuth {
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
                }
            }
            None => Context {
                principal: Principal::Guest,
                id_token: None,
                clock_offset: 0,
            },
        })
    }

    /// Identity-pool credentials: the user's when signed in, a guest's otherwise (if the pool allows
    /// guests). Cached, refreshed shortly before their `Expiration`, one fetch at a time in a tab and
    /// across tabs; the identity id is stored and reused.
    pub async fn get_credentials(
        &self,
        options: CredentialsOptions,
    ) -> Result<IdentityCredentials> {
        self.credentials_for(self.context().await?, options.force_refresh)
            .await
    }

    /// The credentials of `ctx`'s principal (see [`get_credentials`](Self::get_credentials)).
    async fn credentials_for(
        &self,
        ctx: Context,
        force_refresh: bool,
    ) -> Result<IdentityCredentials> {
        let inner = self.inner.clone();
        let creds_key = inner.key_of("identity.creds.", &ctx.principal.key());
        let server_now = session::server_time(now_seconds(), ctx.clock_offset);
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
        let key = ctx.principal.key();
        Flights::join(&inner.credentials, &key, move || async move {
            browser::with_lock(&lock, fetch_credentials(worker, ctx, creds_key, stale)).await
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
            Ok((creds.signing(), session::server_time(now_seconds(), offset)))
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

    /// `fetch` with SigV4 headers from the current credentials. Resolves to the `Response` whatever its
    /// status; a request that gets no response is `ERR_NETWORK`.
    pub async fn signed_fetch(
        &self,
        url: &str,
        method: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        options: &AwsServiceOptions,
    ) -> Result<web_sys::Response> {
        let url = wire_url(url)?;
        let headers = as_fetch_sends(headers);
        // One method, upper-cased once, is both signed and sent (`patch` is not normalised by fetch).
        let method = method.to_ascii_uppercase();
        let request = sigv4::Request {
            method: &method,
            url: &url,
            headers: &headers,
            body: &body,
        };
        let mut signed = self
            .sign(&request, &options.service, &options.region)
            .await?;
        // What was signed goes on the wire: the same method, every header as given (a repeated name
        // appended, not replaced) except those the signature replaces, the same bytes. `host` is the
        // browser's to set.
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
        let body =
            (!body.is_empty()).then(|| JsValue::from(js_sys::Uint8Array::from(body.as_slice())));
        browser::fetch(&method, &url, &wire, body.as_ref())
            .await
            .ok_or_else(|| network("the request failed: offline, DNS, CORS or TLS"))
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
        let url = wire_url(url)?;
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

fn network(message: &str) -> Error {
    Error::new(ErrorKind::Network, message)
}

/// The URL as the browser sends it (percent-encoded, normalised), which is what must be signed.
pub(crate) fn wire_url(url: &str) -> Result<String> {
    web_sys::Url::new(url)
        .map(|u| u.href())
        .map_err(|_| crate::error::config("url: not an absolute URL"))
}

/// Under the cross-tab lock: reuse what another tab fetched meanwhile, else GetId (once per principal,
/// then stored) and GetCredentialsForIdentity.
async fn fetch_credentials(
    inner: Rc<Inner>,
    ctx: Context,
    creds_key: String,
    stale: Option<String>,
) -> Result<IdentityCredentials> {
    let server_now = session::server_time(now_seconds(), ctx.clock_offset);
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
    for attempt in 0..2 {
        let id = match identity_id.take() {
            Some(id) => id,
            None => {
                let response = browser::send(&identity::get_id(&inner.config, id_token)?).await;
                let id = identity::parse_get_id(&response)?;
                still_current()?;
                inner.store.set(&id_key, &id)?;
                id
            }
        };
        let response =
            browser::send(&identity::get_credentials(&inner.config, &id, id_token)).await;
        match identity::parse_credentials(&response) {
            Ok(creds) => {
                still_current()?;
                inner.store.set(&creds_key, &creds.to_json())?;
                inner.broadcast(EventName::CredentialsRefresh);
                inner.emit(EventDetail::new(EventName::CredentialsRefresh));
                inner.let_storage_settle().await;
                return Ok(creds);
            }
            Err(e) if attempt == 0 && identity::identity_id_stale(&e) => {
                inner.store.remove(&id_key);
            }
            Err(e) => return Err(e),
        }
    }
    Err(Error::new(
        ErrorKind::Aws,
        "the identity could not be resolved",
    ))
}
