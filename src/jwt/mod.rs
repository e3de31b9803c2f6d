//! Local verification of Cognito ID and access tokens, on jsonwebtoken.
//!
//! [`Verifier`] applies the full rule set ([`VerifierConfig`] documents each check) with the current
//! time passed in and does no I/O: when it needs the key set it returns [`Step::FetchJwks`] and the
//! caller fetches. The engine's `JwtVerifier` does that fetch through its platform and shares it between
//! concurrent verifications.

mod jwks;
mod provider;
mod token;
mod verifier;

pub use jsonwebtoken::Algorithm;
pub(crate) use jwks::{read_stored_key_set, stored_key_set};
pub use jwks::{
    Jwks, JwksCache, KeyLookup, DEFAULT_REFETCH_WAIT_SECONDS, JWKS_MAX_AGE_SECONDS, MAX_JWKS_LENGTH,
};
pub use token::Claims;
pub(crate) use token::{peek_claims, seconds};
pub(crate) use token::{string, strings};
pub use verifier::{
    inline_jwks, Step, TokenUse, Verifier, VerifierConfig, MAX_GRACE_SECONDS, VERIFIED_CACHE_SIZE,
};

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
