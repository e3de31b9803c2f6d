//! The Cognito verifier: configuration and the full rule set, with time passed in.

use std::cell::RefCell;
use std::str::FromStr;

use jsonwebtoken::Algorithm;

use super::jwks::{Jwks, JwksCache, KeyLookup, DEFAULT_REFETCH_WAIT_SECONDS};
use super::provider;
use super::token::{self, Claims};
use crate::config::{check_url, jwks_uri_for_issuer, UserPoolId};
use crate::error::{config, joined, quoted, Error, ErrorKind, Result};
use crate::json::{Object, Value};
use crate::options::Reader;
use crate::secret::Secret;

/// How many verified tokens the verifier remembers, so that verifying the same token again only re-checks
/// its time claims (the signature, issuer, audience and the rest cannot change).
pub const VERIFIED_CACHE_SIZE: usize = 32;

/// The largest accepted `grace_seconds`: leeway on `exp` and `nbf` must stay small.
pub const MAX_GRACE_SECONDS: u64 = 300;

/// The inline `jwks` option of a verifier's options object, as JSON text: a key set object
/// (`{ keys: [...] }`) or its JSON text; `None` when absent. Whether it is a usable key set is
/// checked by [`Verifier::new`] ([`ErrorKind::Jwks`]).
///
/// # Errors
/// [`ErrorKind::Config`] when `jwks` is neither an object nor a string.
pub fn inline_jwks(options: &Object) -> Result<Option<Vec<u8>>> {
    match options.get("jwks") {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone().into_bytes())),
        Some(Value::Object(set)) => Ok(Some(set.to_json().into_bytes())),
        Some(_) => Err(config(
            "jwks: must be a JWKS object ({ keys: [...] }) or its JSON text",
        )),
    }
}

/// Which Cognito token a verifier accepts (`token_use` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// ID tokens (`token_use: "id"`); the client id is checked against `aud`.
    Id,
    /// Access tokens (`token_use: "access"`); the client id is checked against `client_id`.
    Access,
}

impl TokenUse {
    /// The claim value: `"id"` or `"access"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
        }
    }
}

impl FromStr for TokenUse {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "id" => Ok(TokenUse::Id),
            "access" => Ok(TokenUse::Access),
            _ => Err(config(format!(
                "tokenUse: {} is not 'id', 'access' or null",
                quoted(s)
            ))),
        }
    }
}

/// What a verifier checks. Build it with [`VerifierConfig::new`], then adjust the public fields.
#[derive(Debug, Clone)]
pub struct VerifierConfig {
    /// The expected `iss`. Default: `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`.
    pub issuer: String,
    /// Where the key set is fetched from. Default: `<issuer>/.well-known/jwks.json`.
    pub jwks_uri: String,
    /// The expected `token_use`; `None` accepts both ID and access tokens.
    pub token_use: Option<TokenUse>,
    /// Accepted client ids (`aud` of ID tokens, `client_id` of access tokens); `None` skips the check.
    pub client_ids: Option<Vec<String>>,
    /// If not empty, the token must be in at least one of these groups (`cognito:groups`). Default: empty.
    pub groups: Vec<String>,
    /// If not empty, the token must carry at least one of these scopes (`scope`). Default: empty.
    pub scopes: Vec<String>,
    /// Leeway on `exp` and `nbf`, in seconds, at most [`MAX_GRACE_SECONDS`]. Default: 0.
    pub grace_seconds: u64,
    /// The algorithm allow-list. Default: `[RS256]`, what Cognito signs with. HMAC and `none` are never
    /// accepted; algorithms other than RS256 need the `all-algorithms` cargo feature.
    pub algorithms: Vec<Algorithm>,
    /// Wait after a fetch before an unknown `kid` may trigger another fetch, in seconds. Default: 10.
    pub refetch_wait_seconds: u64,
}

impl VerifierConfig {
    /// A configuration for tokens of `user_pool_id`, with the defaults stated on each field.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] when the pool id is invalid.
    pub fn new(
        user_pool_id: &str,
        token_use: Option<TokenUse>,
        client_ids: Option<Vec<String>>,
    ) -> Result<Self> {
        let pool = UserPoolId::parse(user_pool_id)?;
        let issuer = pool.issuer();
        Ok(Self {
            jwks_uri: jwks_uri_for_issuer(&issuer),
            issuer,
            token_use,
            client_ids,
            groups: Vec::new(),
            scopes: Vec::new(),
            grace_seconds: 0,
            algorithms: vec![Algorithm::RS256],
            refetch_wait_seconds: DEFAULT_REFETCH_WAIT_SECONDS,
        })
    }

    /// A validated configuration from the JS `JwtVerifier` options object: `userPoolId`, `tokenUse`
    /// (`'id'`, `'access'` or `null` for both) and `clientId` (a string, a list, or `null` to skip the
    /// audience check) are required; `groups`, `scope`, `graceSeconds`, `issuer` and `jwksUri`
    /// override the defaults stated on each field. An `issuer` override moves the JWKS URL with it
    /// unless `jwksUri` is set too. The inline `jwks` option is read by [`inline_jwks`].
    ///
    /// # Errors
    /// [`ErrorKind::Config`] naming the field at fault.
    pub fn from_options(options: &Object) -> Result<Self> {
        let mut r = Reader::new(options);
        let pool = r.required("userPoolId");
        let token_use = match r.value("tokenUse") {
            None => {
                r.fail(
                    "tokenUse",
                    "required: 'id', 'access', or null to accept both",
                );
                None
            }
            Some(Value::Null) => None,
            Some(Value::String(s)) => match s.parse::<TokenUse>() {
                Ok(token_use) => Some(token_use),
                Err(e) => {
                    r.record(e);
                    None
                }
            },
            Some(_) => {
                r.fail("tokenUse", "must be 'id', 'access' or null");
                None
            }
        };
        if r.value("clientId").is_none() {
            r.fail(
                "clientId",
                "required: a client id, a list of them, or null to skip the audience check",
            );
        }
        let client_ids = r.strings("clientId");
        r.check()?;
        let mut c = Self::new(&pool, token_use, client_ids)?;
        c.groups = r.strings("groups").unwrap_or_default();
        c.scopes = r.strings("scope").unwrap_or_default();
        if let Some(grace) = r.seconds("graceSeconds") {
            c.grace_seconds = grace;
        }
        if let Some(issuer) = r.string("issuer") {
            c.jwks_uri = jwks_uri_for_issuer(&issuer);
            c.issuer = issuer;
        }
        if let Some(uri) = r.string("jwksUri") {
            c.jwks_uri = uri;
        }
        r.check()?;
        c.validate()?;
        Ok(c)
    }

    /// Checks the fields that can be set by hand.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] naming the field at fault.
    pub fn validate(&self) -> Result<()> {
        check_url("issuer", &self.issuer)?;
        check_url("jwksUri", &self.jwks_uri)?;
        if let Some(ids) = &self.client_ids {
            if ids.is_empty() || ids.iter().any(String::is_empty) {
                return Err(config(
                    "clientId: must be a non-empty string or list of strings (or null to skip the check)",
                ));
            }
        }
        if self.groups.iter().any(String::is_empty) {
            return Err(config("groups: group names must not be empty"));
        }
        if self.scopes.iter().any(String::is_empty) {
            return Err(config("scope: scopes must not be empty"));
        }
        if self.grace_seconds > MAX_GRACE_SECONDS {
            return Err(config(format!(
                "graceSeconds: {} is more than the maximum of {MAX_GRACE_SECONDS}",
                self.grace_seconds
            )));
        }
        if self.algorithms.is_empty() {
            return Err(config("algorithms: the allow-list is empty"));
        }
        if let Some(alg) = self.algorithms.iter().find(|a| !provider::supported(**a)) {
            return Err(config(format!(
                "algorithms: {} is not supported (never HMAC; others need the all-algorithms feature)",
                alg_name(*alg)
            )));
        }
        Ok(())
    }
}

/// Every JWS algorithm jsonwebtoken knows, with its JOSE name: one table for both directions
/// (jsonwebtoken's `FromStr` would link a second copy of the names).
const ALGORITHMS: [(Algorithm, &str); 12] = [
    (Algorithm::HS256, "HS256"),
    (Algorithm::HS384, "HS384"),
    (Algorithm::HS512, "HS512"),
    (Algorithm::ES256, "ES256"),
    (Algorithm::ES384, "ES384"),
    (Algorithm::RS256, "RS256"),
    (Algorithm::RS384, "RS384"),
    (Algorithm::RS512, "RS512"),
    (Algorithm::PS256, "PS256"),
    (Algorithm::PS384, "PS384"),
    (Algorithm::PS512, "PS512"),
    (Algorithm::EdDSA, "EdDSA"),
];

/// The JOSE name of an algorithm, e.g. `"RS256"`.
fn alg_name(alg: Algorithm) -> &'static str {
    ALGORITHMS
        .iter()
        .find(|(a, _)| *a == alg)
        .map_or("unknown", |(_, name)| name)
}

/// The algorithm of a JOSE name (case-sensitive, as RFC 7518 names them).
fn parse_alg(name: &str) -> Option<Algorithm> {
    ALGORITHMS.iter().find(|(_, n)| *n == name).map(|(a, _)| *a)
}

/// The outcome of a verification attempt against the cached keys.
#[derive(Debug)]
pub enum Step {
    /// The token is valid: its claims.
    Verified(Claims),
    /// The key set must be fetched from [`VerifierConfig::jwks_uri`] first; then try again. When the
    /// token's key is held but the set is older than a day, a failed fetch is recorded with
    /// [`Verifier::jwks_fetch_failed`] and the next step uses the held key.
    FetchJwks,
}

/// Verifies Cognito JWTs against a configuration and a cached key set. Does no I/O: the caller fetches
/// the JWKS when asked ([`Step::FetchJwks`]) and passes the current time in.
#[derive(Debug, Clone)]
pub struct Verifier {
    config: VerifierConfig,
    cache: JwksCache,
    /// Tokens whose signature and claims were verified with the keys held now, newest last (redacted
    /// in `Debug`).
    pub(super) verified: RefCell<Vec<(Secret, Claims)>>,
}

impl Verifier {
    /// A verifier that fetches keys from `config.jwks_uri`, or uses `inline_jwks` (a JWKS document)
    /// and never fetches.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for an invalid configuration, [`ErrorKind::Jwks`] for an invalid inline set.
    pub fn new(config: VerifierConfig, inline_jwks: Option<&[u8]>) -> Result<Self> {
        config.validate()?;
        let cache = match inline_jwks {
            Some(body) => JwksCache::fixed(Jwks::parse(body)?),
            None => JwksCache::remote(config.refetch_wait_seconds),
        };
        Ok(Self {
            config,
            cache,
            verified: RefCell::new(Vec::new()),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// Whether a key set is held (fetched or inline).
    pub fn has_keys(&self) -> bool {
        self.cache.is_loaded()
    }

    /// Stores a JWKS body fetched at `fetched_at` (seconds: now, or the time kept beside a stored copy).
    /// A broken body keeps the old keys.
    pub fn store_jwks(&mut self, body: &[u8], fetched_at: u64) -> Result<()> {
        self.cache.store(body, fetched_at)?;
        // A new key set may have dropped a key: verify every token afresh.
        self.verified.get_mut().clear();
        Ok(())
    }

    /// Loads a key set kept from an earlier visit, fetched at `fetched_at` (see [`JwksCache::seed`]).
    pub fn seed_jwks(&mut self, body: &[u8], fetched_at: u64) -> Result<()> {
        self.cache.seed(body, fetched_at)?;
        self.verified.get_mut().clear();
        Ok(())
    }

    /// Records a JWKS fetch at `now` that failed (network or parse error).
    pub fn jwks_fetch_failed(&mut self, now: u64) {
        self.cache.fetch_failed(now);
    }

    /// Verifies `token` at `now` (seconds since the epoch) with the keys held, or says that the key set
    /// must be fetched first.
    pub fn step(&self, token: &str, now: u64) -> Result<Step> {
        self.step_with_clocks(token, now, now)
    }

    /// [`step`](Self::step) with two clocks: `claims_now` for `exp`/`nbf` (e.g. the local clock corrected
    /// by a measured server offset) and `local_now` for the key cache's refetch decisions (the clock the
    /// fetches were recorded with).
    pub fn step_with_clocks(&self, token: &str, claims_now: u64, local_now: u64) -> Result<Step> {
        let now = claims_now;
        let remembered = self
            .verified
            .borrow()
            .iter()
            .find(|(t, _)| t.expose() == token)
            .map(|(_, claims)| claims.clone());
        if let Some(claims) = remembered {
            // Same bytes, same keys, same configuration: only the time claims can have changed.
            self.check_claims(&claims, now)?;
            return Ok(Step::Verified(claims));
        }
        let parts = token::decompose(token)?;
        let alg = self.allowed_alg(&parts.alg)?;
        let kid = parts
            .kid
            .as_deref()
            .ok_or_else(|| Error::new(ErrorKind::JwtMalformed, "the header has no kid"))?;
        match self.cache.lookup(kid, local_now) {
            KeyLookup::Fetch | KeyLookup::Refresh => return Ok(Step::FetchJwks),
            KeyLookup::Missing => {
                return Err(Error::new(
                    ErrorKind::JwkNotFound,
                    format!("no key with kid {} in the JWKS", quoted(kid)),
                ))
            }
            KeyLookup::Found => {}
        }
        let jwks = self
            .cache
            .jwks()
            .expect("lookup found a key, so a set is held");
        let key = jwks.key_for(kid, alg, &parts.alg)?;
        let signature = crate::base64url::decode(parts.signature.as_bytes()).ok_or_else(|| {
            Error::new(
                ErrorKind::JwtMalformed,
                "the signature segment is not base64url",
            )
        })?;
        let valid =
            provider::verify(signature, parts.signing_input.as_bytes(), key, alg).map_err(|e| {
                match e {
                    provider::Unverifiable::Algorithm => Error::new(
                        ErrorKind::JwtAlg,
                        format!("alg {} is not supported by the crypto provider", parts.alg),
                    ),
                    provider::Unverifiable::Key => Error::new(
                        ErrorKind::Jwks,
                        format!("key {} is not a valid public key", quoted(kid)),
                    ),
                }
            })?;
        if !valid {
            return Err(Error::new(
                ErrorKind::JwtSignature,
                "the signature is invalid",
            ));
        }
        self.check_claims(&parts.claims, now)?;
        let mut verified = self.verified.borrow_mut();
        if verified.len() == VERIFIED_CACHE_SIZE {
            // 32 entries: shifting them is cheaper in code than a ring buffer.
            verified.remove(0);
        }
        verified.push((token.into(), parts.claims.clone()));
        Ok(Step::Verified(parts.claims))
    }

    /// Verifies `token` with the keys held; a key set that would have to be fetched is an error
    /// ([`ErrorKind::JwkNotFound`]).
    pub fn verify_cached(&self, token: &str, now: u64) -> Result<Claims> {
        match self.step(token, now)? {
            Step::Verified(claims) => Ok(claims),
            Step::FetchJwks => Err(Error::new(
                ErrorKind::JwkNotFound,
                "the token's key is not cached: use verify() (async) or hydrate() first",
            )),
        }
    }

    fn allowed_alg(&self, alg: &str) -> Result<Algorithm> {
        let parsed = parse_alg(alg).filter(|a| self.config.algorithms.contains(a));
        parsed.ok_or_else(|| {
            Error::new(
                ErrorKind::JwtAlg,
                format!(
                    "alg {} is not allowed (allowed: {})",
                    quoted(alg),
                    joined(self.config.algorithms.iter().map(|a| alg_name(*a)), ", ")
                ),
            )
        })
    }

    fn check_claims(&self, claims: &Claims, now: u64) -> Result<()> {
        let c = &self.config;
        let grace = c.grace_seconds;
        let exp = token::seconds(claims, "exp").unwrap_or(0);
        if now >= exp.saturating_add(grace) {
            return Err(Error::new(
                ErrorKind::JwtExpired,
                format!("the token expired at {exp} (now {now}, grace {grace} s)"),
            ));
        }
        if let Some(nbf) = token::seconds(claims, "nbf") {
            if nbf > now.saturating_add(grace) {
                return Err(Error::new(
                    ErrorKind::JwtNotYetValid,
                    format!("the token is not valid before {nbf} (now {now}, grace {grace} s)"),
                ));
            }
        }
        if token::string(claims, "iss") != Some(c.issuer.as_str()) {
            return Err(Error::new(
                ErrorKind::JwtIssuer,
                format!("iss is not the expected issuer {}", quoted(&c.issuer)),
            ));
        }
        let token_use = token::string(claims, "token_use");
        if let Some(expected) = c.token_use {
            if token_use != Some(expected.as_str()) {
                return Err(Error::new(
                    ErrorKind::JwtTokenUse,
                    format!(
                        "token_use is {}, expected \"{}\"",
                        quoted(token_use.unwrap_or("absent")),
                        expected.as_str()
                    ),
                ));
            }
        } else if !matches!(token_use, Some("id" | "access")) {
            return Err(Error::new(
                ErrorKind::JwtTokenUse,
                format!(
                    "token_use is {}, expected \"id\" or \"access\"",
                    quoted(token_use.unwrap_or("absent"))
                ),
            ));
        }
        if let Some(ids) = &c.client_ids {
            let (claim, presented) = if token_use == Some("access") {
                ("client_id", token::strings(claims, "client_id"))
            } else {
                ("aud", token::strings(claims, "aud"))
            };
            if !presented.iter().any(|p| ids.iter().any(|id| id == p)) {
                return Err(Error::new(
                    ErrorKind::JwtAudience,
                    format!("{claim} is not an accepted client id"),
                ));
            }
        }
        if !c.groups.is_empty() {
            let groups = token::strings(claims, "cognito:groups");
            if !c.groups.iter().any(|g| groups.contains(&g.as_str())) {
                return Err(Error::new(
                    ErrorKind::JwtGroup,
                    format!(
                        "the token is in none of the groups {}",
                        quoted(&joined(c.groups.iter().map(String::as_str), ", "))
                    ),
                ));
            }
        }
        if !c.scopes.is_empty() {
            let scope = token::string(claims, "scope").unwrap_or("");
            let granted: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
            if !c.scopes.iter().any(|s| granted.contains(&s.as_str())) {
                return Err(Error::new(
                    ErrorKind::JwtScope,
                    format!(
                        "the token has none of the scopes {}",
                        quoted(&joined(c.scopes.iter().map(String::as_str), " "))
                    ),
                ));
            }
        }
        Ok(())
    }
}
