//! PKCE (RFC 7636, S256 only), `state` and `nonce` values, made from entropy passed in.

use sha2::{Digest, Sha256};

use crate::secret::PkceVerifier;

/// Bytes of entropy behind each verifier, state and nonce (256 bits → 43 base64url characters).
pub const ENTROPY_BYTES: usize = 32;

/// A PKCE pair: the verifier is kept secret until the code exchange; the challenge goes in the URL.
#[derive(Debug, Clone)]
pub struct Pkce {
    /// `code_verifier`: 43 characters of `[A-Za-z0-9-_]`.
    pub verifier: PkceVerifier,
    /// `code_challenge` = base64url(SHA-256(verifier)).
    pub challenge: String,
}

impl Pkce {
    /// A pair from 32 random bytes.
    pub fn from_entropy(bytes: &[u8; ENTROPY_BYTES]) -> Self {
        let verifier = random_string(bytes);
        let challenge = challenge_s256(&verifier);
        Self {
            verifier: PkceVerifier::new(verifier),
            challenge,
        }
    }
}

/// `BASE64URL(SHA256(verifier))`, the S256 code challenge.
pub fn challenge_s256(verifier: &str) -> String {
    crate::base64url::encode(&Sha256::digest(verifier.as_bytes()))
}

/// A URL-safe random string (for `state` and `nonce`) from random bytes.
pub fn random_string(bytes: &[u8]) -> String {
    crate::base64url::encode(bytes)
}

/// Whether `verifier` is a valid RFC 7636 code verifier: 43–128 characters of `[A-Za-z0-9-._~]`.
pub fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        // The RFC's verifier is base64url of these 32 octets.
        let octets: [u8; 32] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let pkce = Pkce::from_entropy(&octets);
        assert_eq!(
            pkce.verifier.expose(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(
            pkce.challenge,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(is_valid_verifier(pkce.verifier.expose()));
        assert!(!format!("{pkce:?}").contains("dBjf"));
    }

    #[test]
    fn verifier_syntax() {
        assert!(!is_valid_verifier(&"a".repeat(42)));
        assert!(is_valid_verifier(&"a".repeat(128)));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(43))));
        assert!(is_valid_verifier(&format!("{}.~_-", "a".repeat(43))));
    }
}
