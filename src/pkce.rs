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
    base64url(&Sha256::digest(verifier.as_bytes()))
}

/// A URL-safe random string (for `state` and `nonce`) from random bytes.
pub fn random_string(bytes: &[u8]) -> String {
    base64url(bytes)
}

/// Unpadded base64url (RFC 4648 §5) of `bytes`. The `base64` crate decodes tokens (jsonwebtoken links
/// its decoder anyway); encoding these few bytes here instead of through its generic engine keeps ~2 KB
/// of code out of the wasm. Checked against the crate in the tests.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
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
    fn base64url_matches_the_base64_crate() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let mut bytes = Vec::new();
        for n in 0..=70u32 {
            assert_eq!(
                base64url(&bytes),
                URL_SAFE_NO_PAD.encode(&bytes),
                "{n} bytes"
            );
            bytes.push((n.wrapping_mul(151) ^ 0xa5) as u8);
        }
        assert_eq!(base64url(&[0xff, 0xfe, 0xfd]), "__79");
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
