//! The JSON Web Key Set: parsing, key selection by `kid`, and the cache's refetch decisions.

use jsonwebtoken::{Algorithm, DecodingKey};

use crate::json::{Object, Value};

use crate::error::{quoted, Error, ErrorKind, Result};

/// The longest JWKS document that is parsed, in bytes (1 KB = 1024 bytes): Cognito's set of two RSA
/// keys is about 1 KB, and each more key adds under 1 KB. A longer one, fetched, stored or inline, is
/// an [`ErrorKind::Jwks`] error, "the JWKS is longer than 64 KB", and is not parsed.
pub const MAX_JWKS_LENGTH: usize = 64 * 1024;

/// Default wait after a fetch before an unknown `kid` may trigger another fetch, in seconds.
pub const DEFAULT_REFETCH_WAIT_SECONDS: u64 = 10;

/// One JWK of a set: the parameters the verifier checks, and the decoding key built from it.
///
/// The set is read into these few fields rather than jsonwebtoken's full `Jwk` type: its flattened
/// serde representation costs about 5 KB gzipped in wasm and the verifier needs none of the rest.
#[derive(Debug, Clone)]
struct Key {
    kid: Option<String>,
    kty: String,
    alg: Option<String>,
    use_: Option<String>,
    decoding: Option<DecodingKey>,
}

/// A parsed key set, with a decoding key prepared for each usable entry. `Debug` shows each key's `kid`,
/// `kty`, `alg` and `use` (jsonwebtoken's `DecodingKey` prints its key material as `[redacted]`).
#[derive(Debug, Clone)]
pub struct Jwks {
    keys: Vec<Key>,
}

fn jwks_error(message: &str) -> Error {
    Error::new(ErrorKind::Jwks, message)
}

/// An optional string member; present with another type is an error.
fn opt_str(key: &Object, name: &str) -> Result<Option<String>> {
    match key.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::new(
            ErrorKind::Jwks,
            format!("the JWKS has an invalid key: {name} must be a string"),
        )),
    }
}

impl Jwks {
    /// Parses a JWKS document (`{"keys": [...]}`).
    ///
    /// # Errors
    /// [`ErrorKind::Jwks`] when the body is longer than [`MAX_JWKS_LENGTH`] (it is not parsed then), not
    /// JSON, not a key set, or a key is not an object with a string `kty` (and string `kid`, `alg`,
    /// `use` where present).
    pub fn parse(body: &[u8]) -> Result<Self> {
        if body.len() > MAX_JWKS_LENGTH {
            return Err(jwks_error("the JWKS is longer than 64 KB"));
        }
        let value = Value::parse_bytes(body).ok_or_else(|| jwks_error("the JWKS is not JSON"))?;
        let Some(Value::Array(entries)) = value.get("keys") else {
            return Err(jwks_error(
                "the JWKS is not a key set: it has no \"keys\" array",
            ));
        };
        let mut keys = Vec::with_capacity(entries.len());
        for entry in entries {
            let Value::Object(jwk) = entry else {
                return Err(jwks_error("the JWKS has an invalid key: not an object"));
            };
            let kty = opt_str(jwk, "kty")?
                .ok_or_else(|| jwks_error("the JWKS has an invalid key: no kty"))?;
            let param = |name| jwk.get(name).and_then(Value::as_str);
            let decoding = match (kty.as_str(), param("n"), param("e")) {
                ("RSA", Some(n), Some(e)) => {
                    let b64 = |s: &str| crate::base64url::decode(s.as_bytes());
                    b64(n)
                        .zip(b64(e))
                        .map(|(n, e)| DecodingKey::from_rsa_raw_components(&n, &e))
                }
                #[cfg(feature = "all-algorithms")]
                ("EC", _, _) => match (param("x"), param("y")) {
                    (Some(x), Some(y)) => DecodingKey::from_ec_components(x, y).ok(),
                    _ => None,
                },
                #[cfg(feature = "all-algorithms")]
                ("OKP", _, _) => param("x").and_then(|x| DecodingKey::from_ed_components(x).ok()),
                _ => None,
            };
            keys.push(Key {
                kid: opt_str(jwk, "kid")?,
                alg: opt_str(jwk, "alg")?,
                use_: opt_str(jwk, "use")?,
                kty,
                decoding,
            });
        }
        Ok(Self { keys })
    }

    /// The number of keys in the set.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether a key with this `kid` is in the set.
    pub fn contains(&self, kid: &str) -> bool {
        self.find(kid).is_some()
    }

    fn find(&self, kid: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.kid.as_deref() == Some(kid))
    }

    /// The decoding key for `kid`, checked to be fit for verifying a token whose header says `alg`:
    /// `kty` of the algorithm's family, `use` absent or `sig`, `alg` absent or equal to the token's.
    pub(crate) fn key_for(
        &self,
        kid: &str,
        alg: Algorithm,
        alg_name: &str,
    ) -> Result<&DecodingKey> {
        let key = self.find(kid).ok_or_else(|| {
            Error::new(
                ErrorKind::JwkNotFound,
                format!("no key with kid {} in the JWKS", quoted(kid)),
            )
        })?;
        let family = match alg {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => "RSA",
            Algorithm::ES256 | Algorithm::ES384 => "EC",
            Algorithm::EdDSA => "OKP",
            _ => "oct",
        };
        if key.kty != family {
            return Err(Error::new(
                ErrorKind::Jwks,
                format!(
                    "key {} has kty {}, which cannot verify {alg_name}",
                    quoted(kid),
                    quoted(&key.kty)
                ),
            ));
        }
        if key.use_.as_deref().is_some_and(|u| u != "sig") {
            return Err(Error::new(
                ErrorKind::Jwks,
                format!(
                    "key {} is not a signature key (use must be \"sig\")",
                    quoted(kid)
                ),
            ));
        }
        if let Some(key_alg) = key.alg.as_deref().filter(|a| *a != alg_name) {
            return Err(Error::new(
                ErrorKind::JwtAlg,
                format!(
                    "the token's alg {alg_name} differs from the alg {} of key {}",
                    quoted(key_alg),
                    quoted(kid)
                ),
            ));
        }
        key.decoding.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Jwks,
                format!("key {} has invalid parameters", quoted(kid)),
            )
        })
    }
}

/// A key set as kept in storage beside the session: `1 <fetched at>\n<JWKS JSON>`.
pub(crate) fn stored_key_set(body: &[u8], fetched_at: u64) -> String {
    let mut text = String::from("1 ");
    text.push_str(crate::json::Number::from_u64(fetched_at).as_str());
    text.push('\n');
    // The body parsed as JSON, so it is UTF-8.
    text.push_str(std::str::from_utf8(body).unwrap_or_default());
    text
}

/// The fetch time and the JWKS text of a [`stored_key_set`]; `None` for anything else.
pub(crate) fn read_stored_key_set(text: &str) -> Option<(u64, &str)> {
    let (at, body) = text.split_once('\n')?;
    Some((at.strip_prefix("1 ")?.parse().ok()?, body))
}

/// What the cache says about a `kid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLookup {
    /// The key is in the cached set.
    Found,
    /// The key is in the cached set, but the set is older than [`JWKS_MAX_AGE_SECONDS`]: fetch it
    /// again, and if that fails, use the held key.
    Refresh,
    /// The key set must be fetched (first use, or an unknown kid after the wait period).
    Fetch,
    /// The key is unknown and no fetch is allowed now.
    Missing,
}

/// How long a fetched key set is used before it is fetched again, in seconds (a day). Cognito rotates
/// keys rarely and announces a new one in the set before signing with it; an unknown `kid` triggers a
/// fetch at once anyway.
pub const JWKS_MAX_AGE_SECONDS: u64 = 86_400;

/// A cached key set, when it was fetched and when a fetch was last tried; decides when a fetch is due.
/// Pure: time is passed in.
#[derive(Debug, Clone)]
pub struct JwksCache {
    jwks: Option<Jwks>,
    fetched_at: u64,
    attempted_at: u64,
    refetch_wait: u64,
    fixed: bool,
}

impl JwksCache {
    /// An empty cache that fetches on first use, refetches for an unknown kid at most once per
    /// `refetch_wait` seconds, and refreshes a set older than [`JWKS_MAX_AGE_SECONDS`].
    pub fn remote(refetch_wait: u64) -> Self {
        Self {
            jwks: None,
            fetched_at: 0,
            attempted_at: 0,
            refetch_wait,
            fixed: false,
        }
    }

    /// A cache holding an inline key set that is never fetched or replaced.
    pub fn fixed(jwks: Jwks) -> Self {
        Self {
            jwks: Some(jwks),
            fetched_at: 0,
            attempted_at: 0,
            refetch_wait: 0,
            fixed: true,
        }
    }

    /// The cached key set, if any.
    pub fn jwks(&self) -> Option<&Jwks> {
        self.jwks.as_ref()
    }

    /// Whether a key set is held.
    pub fn is_loaded(&self) -> bool {
        self.jwks.is_some()
    }

    /// When the held set was fetched (seconds since the epoch; 0 for none or an inline set).
    pub fn fetched_at(&self) -> u64 {
        self.fetched_at
    }

    /// Where `kid` stands at time `now` (seconds since the epoch).
    pub fn lookup(&self, kid: &str, now: u64) -> KeyLookup {
        let Some(jwks) = &self.jwks else {
            return KeyLookup::Fetch;
        };
        let may_try = now >= self.attempted_at.saturating_add(self.refetch_wait);
        if jwks.contains(kid) {
            let stale = now >= self.fetched_at.saturating_add(JWKS_MAX_AGE_SECONDS);
            if !self.fixed && stale && may_try {
                return KeyLookup::Refresh;
            }
            return KeyLookup::Found;
        }
        if !self.fixed && may_try {
            KeyLookup::Fetch
        } else {
            KeyLookup::Missing
        }
    }

    /// Stores a JWKS body fetched at `fetched_at` (now, or the time recorded beside a stored copy). A
    /// body that does not parse leaves the cache as it was (a broken response never drops good keys)
    /// and returns the error.
    pub fn store(&mut self, body: &[u8], fetched_at: u64) -> Result<()> {
        let jwks = Jwks::parse(body)?;
        self.jwks = Some(jwks);
        self.fetched_at = fetched_at;
        self.attempted_at = fetched_at;
        Ok(())
    }

    /// Loads a set kept from an earlier visit, fetched at `fetched_at`: used like a fetched one, except
    /// that an unknown kid may fetch at once (the wait only spaces the fetches of one visit).
    pub fn seed(&mut self, body: &[u8], fetched_at: u64) -> Result<()> {
        self.store(body, fetched_at)?;
        self.attempted_at = 0;
        Ok(())
    }

    /// Records a fetch at `now` that failed, so that an unknown kid (or a stale set) does not trigger a
    /// fetch on every call while keys are held. With no keys held, the next call fetches again.
    pub fn fetch_failed(&mut self, now: u64) {
        if self.jwks.is_some() {
            self.attempted_at = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: &str = r#"{"keys":[
        {"kid":"a","kty":"RSA","alg":"RS256","use":"sig","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"},
        {"kid":"enc","kty":"RSA","use":"enc","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"},
        {"kid":"ec","kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
        {"kid":"rs384","kty":"RSA","alg":"RS384","n":"sXch","e":"AQAB"},
        {"kid":"bad-n","kty":"RSA","n":"not base64!","e":"AQAB"}
    ]}"#;

    #[test]
    fn a_set_is_read_up_to_the_cap() {
        let at_cap = crate::testing::padded(SET, MAX_JWKS_LENGTH);
        assert_eq!(Jwks::parse(at_cap.as_bytes()).unwrap().len(), 5);
        let over = crate::testing::padded(SET, MAX_JWKS_LENGTH + 1);
        let e = Jwks::parse(over.as_bytes()).unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::Jwks, "the JWKS is longer than 64 KB")
        );
        // The cache keeps its keys when a set over the cap arrives.
        let mut cache = JwksCache::remote(DEFAULT_REFETCH_WAIT_SECONDS);
        cache.store(SET.as_bytes(), 100).unwrap();
        assert!(cache.store(over.as_bytes(), 200).is_err());
        assert_eq!(cache.fetched_at(), 100);
    }

    #[test]
    fn parses_a_set_and_checks_key_fitness() {
        let jwks = Jwks::parse(SET.as_bytes()).unwrap();
        assert_eq!(jwks.len(), 5);
        let rs = |kid| {
            jwks.key_for(kid, Algorithm::RS256, "RS256")
                .map(|_| ())
                .map_err(|e| e.kind())
        };
        assert_eq!(rs("a"), Ok(()));
        assert_eq!(rs("nope"), Err(ErrorKind::JwkNotFound));
        assert_eq!(rs("enc"), Err(ErrorKind::Jwks));
        assert_eq!(rs("ec"), Err(ErrorKind::Jwks));
        assert_eq!(rs("rs384"), Err(ErrorKind::JwtAlg));
        assert_eq!(rs("bad-n"), Err(ErrorKind::Jwks));
        // Debug names each key's parameters, not its key material.
        let debug = format!("{jwks:?}");
        assert!(
            debug.contains(r#"kid: Some("a"), kty: "RSA", alg: Some("RS256")"#),
            "{debug}"
        );
        assert!(!debug.contains("sXch"), "{debug}");
    }

    #[test]
    fn rejects_bodies_that_are_not_key_sets() {
        for body in [
            "",
            "<html>",
            "[]",
            "{}",
            r#"{"keys":{}}"#,
            r#"{"keys":[5]}"#,
            r#"{"keys":[{"kid":1,"kty":"RSA"}]}"#,
            r#"{"keys":[{"kid":"a"}]}"#,
        ] {
            assert_eq!(
                Jwks::parse(body.as_bytes()).unwrap_err().kind(),
                ErrorKind::Jwks,
                "{body}"
            );
        }
        assert!(Jwks::parse(br#"{"keys":[]}"#).unwrap().is_empty());
    }

    #[test]
    fn fetches_first_then_refetches_an_unknown_kid_once_per_wait() {
        let mut cache = JwksCache::remote(10);
        assert_eq!(cache.lookup("a", 100), KeyLookup::Fetch);
        cache.store(SET.as_bytes(), 100).unwrap();
        assert_eq!(cache.lookup("a", 100), KeyLookup::Found);
        // Unknown kid right after a fetch: no second fetch until the wait is over.
        assert_eq!(cache.lookup("rotated", 100), KeyLookup::Missing);
        assert_eq!(cache.lookup("rotated", 109), KeyLookup::Missing);
        assert_eq!(cache.lookup("rotated", 110), KeyLookup::Fetch);
        cache.store(SET.as_bytes(), 110).unwrap();
        assert_eq!(cache.lookup("rotated", 111), KeyLookup::Missing);
    }

    #[test]
    fn a_broken_refetch_keeps_the_good_keys() {
        let mut cache = JwksCache::remote(10);
        cache.store(SET.as_bytes(), 100).unwrap();
        assert!(cache.store(b"not json", 120).is_err());
        cache.fetch_failed(120);
        assert_eq!(cache.lookup("a", 121), KeyLookup::Found);
        assert_eq!(cache.lookup("rotated", 121), KeyLookup::Missing);
        assert_eq!(cache.lookup("rotated", 130), KeyLookup::Fetch);
    }

    #[test]
    fn a_set_older_than_a_day_is_refreshed_and_kept_if_that_fails() {
        let mut cache = JwksCache::remote(10);
        cache.store(SET.as_bytes(), 1_000).unwrap();
        let day = JWKS_MAX_AGE_SECONDS;
        assert_eq!(cache.lookup("a", 1_000 + day - 1), KeyLookup::Found);
        assert_eq!(cache.lookup("a", 1_000 + day), KeyLookup::Refresh);
        cache.fetch_failed(1_000 + day);
        // The held key is used; another try only after the wait.
        assert_eq!(cache.lookup("a", 1_000 + day + 9), KeyLookup::Found);
        assert_eq!(cache.lookup("a", 1_000 + day + 10), KeyLookup::Refresh);
        cache.store(SET.as_bytes(), 1_000 + day + 10).unwrap();
        assert_eq!(cache.lookup("a", 1_000 + 2 * day), KeyLookup::Found);
        assert_eq!(cache.fetched_at(), 1_000 + day + 10);
    }

    #[test]
    fn a_stored_copy_keeps_its_fetch_time() {
        let mut cache = JwksCache::remote(10);
        // Kept from a visit a moment ago: an unknown kid fetches at once all the same.
        cache.seed(SET.as_bytes(), 1_000).unwrap();
        assert_eq!(cache.lookup("rotated", 1_001), KeyLookup::Fetch);
        // Seeded from storage with the time it was fetched two days ago.
        cache.seed(SET.as_bytes(), 100).unwrap();
        assert_eq!(
            cache.lookup("a", 100 + 2 * JWKS_MAX_AGE_SECONDS),
            KeyLookup::Refresh
        );
        assert_eq!(cache.lookup("a", 200), KeyLookup::Found);
    }

    #[test]
    fn a_failed_first_fetch_is_retried_on_the_next_call() {
        let mut cache = JwksCache::remote(10);
        cache.fetch_failed(100);
        assert_eq!(cache.lookup("a", 100), KeyLookup::Fetch);
    }

    #[test]
    fn inline_keys_are_never_fetched() {
        let cache = JwksCache::fixed(Jwks::parse(SET.as_bytes()).unwrap());
        assert_eq!(cache.lookup("a", 0), KeyLookup::Found);
        assert_eq!(cache.lookup("other", 1_000_000), KeyLookup::Missing);
    }
}
