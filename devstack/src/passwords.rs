//! Passwords at rest, as Cognito keeps them: never the plain text. Each time a password is set (sign-up,
//! admin create and set, change, reset, a new password for a temporary one, the seed users) devstack
//! stores
//!
//! - a salted hash to check a password sent in full (USER_PASSWORD_AUTH, USER_AUTH's PASSWORD, the
//!   sign-in page, ChangePassword's previous password): PBKDF2-HMAC-SHA256 with a random 16-byte salt, as
//!   a PHC string (`$pbkdf2-sha256$i=<rounds>,l=32$<salt>$<hash>`), with RustCrypto's `pbkdf2`;
//! - for SRP (USER_SRP_AUTH, USER_AUTH's PASSWORD_SRP), a random 16-byte salt and the verifier
//!   v = g^x mod N, with x computed from the pool name, the user's USER_ID_FOR_SRP (the username) and the
//!   password as Cognito's clients compute it ([`crate::srp::x`]).
//!
//! The number of PBKDF2 rounds is a dev emulator's choice: low ([`ROUNDS`]) so that the test suites,
//! which set hundreds of passwords in debug builds, stay fast; the rounds are in each hash, so a stored
//! hash stays checkable if the number changes.

use pbkdf2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use pbkdf2::{Algorithm, Params, Pbkdf2};
use serde::{Deserialize, Serialize};

use crate::srp;

/// PBKDF2 rounds of a new hash. OWASP asks 600,000 of a production store; devstack holds test users'
/// passwords on a developer's machine and hashes them in debug builds, so it takes far fewer.
pub const ROUNDS: u32 = 1_000;

/// What devstack keeps of a user's password. All empty: no password (federated users).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordSecret {
    /// The PHC string of the salted PBKDF2 hash.
    #[serde(default)]
    pub password_hash: String,
    /// SRP's `SALT` (hex).
    #[serde(default)]
    pub srp_salt: String,
    /// SRP's verifier v = g^x mod N (hex).
    #[serde(default)]
    pub srp_verifier: String,
}

fn random_16() -> [u8; 16] {
    rand::random()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl PasswordSecret {
    /// Hashes `password` for the user `user_id_for_srp` (the username) of the pool `pool_id`, with new
    /// random salts.
    pub fn new(pool_id: &str, user_id_for_srp: &str, password: &str) -> PasswordSecret {
        let salt = SaltString::encode_b64(&random_16()).expect("16 bytes fit a salt");
        let password_hash = Pbkdf2
            .hash_password_customized(
                password.as_bytes(),
                Some(Algorithm::Pbkdf2Sha256.ident()),
                None,
                Params {
                    rounds: ROUNDS,
                    output_length: 32,
                },
                &salt,
            )
            .expect("PBKDF2 with valid parameters")
            .to_string();
        let srp_salt = hex(&random_16());
        let v = srp::verifier(
            srp::pool_name(pool_id),
            user_id_for_srp,
            password,
            &srp_salt,
        );
        PasswordSecret {
            password_hash,
            srp_salt,
            srp_verifier: srp::to_hex(&v),
        }
    }

    /// No password at all (a federated user): nothing matches.
    pub fn none() -> PasswordSecret {
        PasswordSecret::default()
    }

    /// `password` is the one hashed (constant-time comparison of the hashes).
    pub fn matches(&self, password: &str) -> bool {
        if password.is_empty() || self.password_hash.is_empty() {
            return false;
        }
        PasswordHash::new(&self.password_hash)
            .is_ok_and(|h| Pbkdf2.verify_password(password.as_bytes(), &h).is_ok())
    }

    /// The SRP salt and verifier, when there is a password.
    pub fn srp(&self) -> Option<(&str, num_bigint::BigUint)> {
        if self.srp_salt.is_empty() {
            return None;
        }
        let v = num_bigint::BigUint::parse_bytes(self.srp_verifier.as_bytes(), 16)?;
        Some((&self.srp_salt, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_salted_and_check_the_password() {
        let a = PasswordSecret::new("us-east-1_Pool", "carol", "Carol!2026pass");
        let b = PasswordSecret::new("us-east-1_Pool", "carol", "Carol!2026pass");
        assert!(a.password_hash.starts_with("$pbkdf2-sha256$i=1000,l=32$"));
        assert!(!a.password_hash.contains("Carol!2026pass"));
        assert_ne!(a.password_hash, b.password_hash, "a random salt each time");
        assert_ne!(a.srp_salt, b.srp_salt);
        assert_eq!(a.srp_salt.len(), 32);
        assert!(a.matches("Carol!2026pass"));
        assert!(!a.matches("Carol!2026pas"));
        assert!(!a.matches(""));
        assert!(!PasswordSecret::none().matches(""));
        assert!(PasswordSecret::none().srp().is_none());
    }

    #[test]
    fn the_verifier_is_g_to_the_x() {
        let s = PasswordSecret::new("us-east-1_Pool", "carol", "Carol!2026pass");
        let (salt, v) = s.srp().unwrap();
        assert_eq!(v, srp::verifier("Pool", "carol", "Carol!2026pass", salt));
        assert_ne!(v, srp::verifier("Pool", "carol", "Carol!2026pasx", salt));
    }
}
