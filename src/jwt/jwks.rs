//! The JSON Web Key Set: parsing, key selection by `kid`, and the cache's refetch decisions.

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

use crate::error::{Error, ErrorKind, Result};

/// Default wait after a fetch before an unknown `kid` may trigger another fetch, in seconds.
pub const DEFAULT_REFETCH_WAIT_SECONDS: u64 = 10;

/// A parsed key set, with a decoding key prepared for each usable entry.
#[derive(Clone)]
pub struct Jwks {
    keys: Vec<(Jwk, Option<DecodingKey>)>,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<_> = self
            .keys
            .iter()
            .map(|(j, _)| j.common.key_id.as_deref())
            .collect();
        f.debug_struct("Jwks").field("kids", &kids).finish()
    }
}

impl Jwks {
    /// Parses a JWKS document (`{"keys": [...]}`).
    ///
    /// # Errors
    /// [`ErrorKind::Jwks`] when the body is not JSON or not a key set.
    pub fn parse(body: &[u8]) -> Result<Self> {
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|_| Error::new(ErrorKind::Jwks, "the JWKS is not JSON"))?;
        if !value.get("keys").is_some_and(serde_json::Value::is_array) {
            return Err(Error::new(
                ErrorKind::Jwks,
                "the JWKS is not a key set: it has no \"keys\" array",
            ));
        }
        let set: JwkSet = serde_json::from_value(value).map_err(|e| {
            Error::new(ErrorKind::Jwks, format!("the JWKS has an invalid key: {e}"))
        })?;
        let keys = set
            .keys
            .into_iter()
            .map(|jwk| {
                let key = DecodingKey::from_jwk(&jwk).ok();
                (jwk, key)
            })
            .collect();
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

    fn find(&self, kid: &str) -> Option<&(Jwk, Option<DecodingKey>)> {
        self.keys
            .iter()
            .find(|(jwk, _)| jwk.common.key_id.as_deref() == Some(kid))
    }

    /// The decoding key for `kid`, checked to be fit for verifying a token signed with `alg`:
    /// `kty` of the algorithm's family, `use` absent or `sig`, `alg` absent or equal to `alg`.
    pub(crate) fn key_for(&self, kid: &str, alg: Algorithm) -> Result<&DecodingKey> {
        let (jwk, key) = self.find(kid).ok_or_else(|| {
            Error::new(
                ErrorKind::JwkNotFound,
                format!("no key with kid {kid:?} in the JWKS"),
            )
        })?;
        let kty_ok = matches!(
            (&jwk.algorithm, alg),
            (
                AlgorithmParameters::RSA(_),
                Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::PS256
                    | Algorithm::PS384
                    | Algorithm::PS512
            ) | (
                AlgorithmParameters::EllipticCurve(_),
                Algorithm::ES256 | Algorithm::ES384
            ) | (AlgorithmParameters::OctetKeyPair(_), Algorithm::EdDSA)
        );
        if !kty_ok {
            return Err(Error::new(
                ErrorKind::Jwks,
                format!("key {kid:?} has a key type that cannot verify {alg:?}"),
            ));
        }
        match &jwk.common.public_key_use {
            None | Some(PublicKeyUse::Signature) => {}
            Some(_) => {
                return Err(Error::new(
                    ErrorKind::Jwks,
                    format!("key {kid:?} is not a signature key (use must be \"sig\")"),
                ))
            }
        }
        if let Some(key_alg) = jwk.common.key_algorithm {
            if !key_alg_matches(key_alg, alg) {
                return Err(Error::new(
                    ErrorKind::JwtAlg,
                    format!("the token's alg {alg:?} differs from key {kid:?}'s alg {key_alg:?}"),
                ));
            }
        }
        key.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Jwks,
                format!("key {kid:?} has invalid parameters"),
            )
        })
    }
}

fn key_alg_matches(key_alg: KeyAlgorithm, alg: Algorithm) -> bool {
    matches!(
        (key_alg, alg),
        (KeyAlgorithm::RS256, Algorithm::RS256)
            | (KeyAlgorithm::RS384, Algorithm::RS384)
            | (KeyAlgorithm::RS512, Algorithm::RS512)
            | (KeyAlgorithm::PS256, Algorithm::PS256)
            | (KeyAlgorithm::PS384, Algorithm::PS384)
            | (KeyAlgorithm::PS512, Algorithm::PS512)
            | (KeyAlgorithm::ES256, Algorithm::ES256)
            | (KeyAlgorithm::ES384, Algorithm::ES384)
            | (KeyAlgorithm::EdDSA, Algorithm::EdDSA)
    )
}

/// What the cache says about a `kid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLookup {
    /// The key is in the cached set.
    Found,
    /// The key set must be fetched (first use, or an unknown kid after the wait period).
    Fetch,
    /// The key is unknown and no fetch is allowed now.
    Missing,
}

/// A cached key set and the time it was fetched; decides when a fetch is due. Pure: time is passed in.
#[derive(Debug, Clone)]
pub struct JwksCache {
    jwks: Option<Jwks>,
    fetched_at: Option<u64>,
    refetch_wait: u64,
    fixed: bool,
}

impl JwksCache {
    /// An empty cache that fetches on first use, and refetches for an unknown kid at most once per
    /// `refetch_wait` seconds.
    pub fn remote(refetch_wait: u64) -> Self {
        Self {
            jwks: None,
            fetched_at: None,
            refetch_wait,
            fixed: false,
        }
    }

    /// A cache holding an inline key set that is never fetched or replaced.
    pub fn fixed(jwks: Jwks) -> Self {
        Self {
            jwks: Some(jwks),
            fetched_at: None,
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

    /// Where `kid` stands at time `now` (seconds since the epoch).
    pub fn lookup(&self, kid: &str, now: u64) -> KeyLookup {
        match (&self.jwks, self.fetched_at) {
            (Some(jwks), _) if jwks.contains(kid) => KeyLookup::Found,
            _ if self.fixed => KeyLookup::Missing,
            (None, _) | (_, None) => KeyLookup::Fetch,
            (Some(_), Some(at)) if now >= at.saturating_add(self.refetch_wait) => KeyLookup::Fetch,
            _ => KeyLookup::Missing,
        }
    }

    /// Stores a fetched JWKS body received at `now`. A body that does not parse leaves the cache
    /// as it was (a broken response never drops good keys) and returns the error.
    pub fn store(&mut self, body: &[u8], now: u64) -> Result<()> {
        let jwks = Jwks::parse(body)?;
        self.jwks = Some(jwks);
        self.fetched_at = Some(now);
        Ok(())
    }

    /// Records a fetch at `now` that failed, so that an unknown kid does not trigger a fetch on every call
    /// while keys are held. With no keys held, the next call fetches again.
    pub fn fetch_failed(&mut self, now: u64) {
        if self.jwks.is_some() {
            self.fetched_at = Some(now);
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
        {"kid":"rs384","kty":"RSA","alg":"RS384","n":"sXch","e":"AQAB"}
    ]}"#;

    #[test]
    fn parses_a_set_and_checks_key_fitness() {
        let jwks = Jwks::parse(SET.as_bytes()).unwrap();
        assert_eq!(jwks.len(), 4);
        assert!(jwks.key_for("a", Algorithm::RS256).is_ok());
        assert_eq!(
            jwks.key_for("nope", Algorithm::RS256).unwrap_err().kind(),
            ErrorKind::JwkNotFound
        );
        assert_eq!(
            jwks.key_for("enc", Algorithm::RS256).unwrap_err().kind(),
            ErrorKind::Jwks
        );
        assert_eq!(
            jwks.key_for("ec", Algorithm::RS256).unwrap_err().kind(),
            ErrorKind::Jwks
        );
        assert_eq!(
            jwks.key_for("rs384", Algorithm::RS256).unwrap_err().kind(),
            ErrorKind::JwtAlg
        );
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
            r#"{"keys":[{"kid":1}]}"#,
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
