//! The jsonwebtoken crypto provider this crate verifies with: RS256 only.
//!
//! jsonwebtoken's stock `rust_crypto` provider dispatches on the algorithm at run time, so it links
//! every algorithm (RSA, RSA-PSS, P-256, P-384, Ed25519, HMAC): the package's build with it is 233.0 KB
//! gzipped against 99.9 KB with this one before issue 22 (docs/size.md). Cognito signs with RS256
//! only, so by default this crate uses a provider that verifies RS256 and nothing else: SHA-256 from
//! RustCrypto's `sha2`, and the RSA public-key operation and PKCS#1 v1.5 check of [`rsa_key`]
//! (Montgomery arithmetic, 3× faster in Chromium than `rsa` 0.9's num-bigint-dig at the package's
//! opt-level "z", and 7.9 KB smaller gzipped). The cargo feature `all-algorithms` switches to the
//! stock provider instead.

use jsonwebtoken::crypto::CryptoProvider;
use jsonwebtoken::{Algorithm, DecodingKey};

/// The provider that verifies every signature: this crate's RS256 one, or jsonwebtoken's stock
/// RustCrypto provider with `all-algorithms`. Used directly, not through jsonwebtoken's process-wide
/// default, so an application's own provider does not change what this crate accepts, and the
/// signature's base64url is decoded once, by [`crate::base64url`].
#[cfg(not(feature = "all-algorithms"))]
const PROVIDER: &CryptoProvider = &rs256::PROVIDER;
#[cfg(feature = "all-algorithms")]
const PROVIDER: &CryptoProvider = &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;

/// Why a signature could not be checked at all (as opposed to checked and found invalid).
pub(crate) enum Unverifiable {
    /// The provider has no verifier for the algorithm.
    Algorithm,
    /// The key cannot be used (for example an RSA modulus that is not a valid public key).
    Key,
}

/// Whether `signature` (its bytes) is `alg`'s signature of `message` under `key`, as jsonwebtoken's
/// `crypto::verify` decides it, through [`PROVIDER`]'s verifier.
pub(crate) fn verify(
    signature: Vec<u8>,
    message: &[u8],
    key: &DecodingKey,
    alg: Algorithm,
) -> Result<bool, Unverifiable> {
    use jsonwebtoken::errors::ErrorKind;
    let verifier = (PROVIDER.verifier_factory)(&alg, key).map_err(|e| match e.kind() {
        ErrorKind::InvalidAlgorithm | ErrorKind::UnsupportedAlgorithm => Unverifiable::Algorithm,
        _ => Unverifiable::Key,
    })?;
    Ok(verifier.verify(message, &signature).is_ok())
}

/// The algorithms [`PROVIDER`] verifies.
pub(crate) fn supported(alg: Algorithm) -> bool {
    if cfg!(feature = "all-algorithms") {
        !matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
    } else {
        alg == Algorithm::RS256
    }
}

#[cfg(not(feature = "all-algorithms"))]
pub(crate) mod rsa_key;

#[cfg(not(feature = "all-algorithms"))]
mod rs256 {
    use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
    use jsonwebtoken::errors::{ErrorKind, Result};
    use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
    use jsonwebtoken::signature::{self, Verifier};
    use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, EncodingKey};
    use sha2::{Digest, Sha256};

    use super::rsa_key::PublicKey;

    pub(super) static PROVIDER: CryptoProvider = CryptoProvider {
        signer_factory: no_signer,
        verifier_factory: rs256_verifier,
        key_utils: KeyUtils {
            rsa_pub_components_from_private_key: unsupported_components,
            rsa_pub_components_from_public_key: unsupported_components,
            ec_pub_components_from_private_key: unsupported_ec,
            ed_pub_components_from_private_key: unsupported_ed,
            compute_digest: unsupported_digest,
        },
    };

    struct Rs256(PublicKey);

    impl Verifier<Vec<u8>> for Rs256 {
        /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2.2).
        fn verify(
            &self,
            msg: &[u8],
            signature: &Vec<u8>,
        ) -> std::result::Result<(), signature::Error> {
            if self.0.verify_sha256(&Sha256::digest(msg), signature) {
                Ok(())
            } else {
                Err(signature::Error::new())
            }
        }
    }

    impl JwtVerifier for Rs256 {
        fn algorithm(&self) -> Algorithm {
            Algorithm::RS256
        }
    }

    fn rs256_verifier(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
        if *alg != Algorithm::RS256 {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        match key.kind() {
            DecodingKeyKind::RsaModulusExponent { n, e } => {
                let key = PublicKey::new(n, e).ok_or(ErrorKind::InvalidRsaKey(String::new()))?;
                Ok(Box::new(Rs256(key)))
            }
            DecodingKeyKind::SecretOrDer(_) => Err(ErrorKind::InvalidKeyFormat.into()),
        }
    }

    fn no_signer(_: &Algorithm, _: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
        Err(ErrorKind::Provider("this provider verifies RS256 only; it cannot sign".into()).into())
    }

    fn unsupported_components(_: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
        Err(ErrorKind::InvalidKeyFormat.into())
    }

    fn unsupported_ec(_: &[u8], _: Algorithm) -> Result<(EllipticCurve, Vec<u8>, Vec<u8>)> {
        Err(ErrorKind::UnsupportedAlgorithm.into())
    }

    fn unsupported_ed(_: &[u8], _: &EllipticCurve) -> Result<Vec<u8>> {
        Err(ErrorKind::UnsupportedAlgorithm.into())
    }

    fn unsupported_digest(_: &[u8], _: ThumbprintHash) -> Result<Vec<u8>> {
        Err(ErrorKind::UnsupportedAlgorithm.into())
    }
}
