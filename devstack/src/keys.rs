//! RS256 signing keys: one for ID tokens and one for access tokens per user pool, persisted in the data
//! directory as PKCS#8 PEM so that a restart keeps them (and tokens issued before it stay valid).

use std::path::Path;

use anyhow::Context;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub struct SigningKey {
    pub kid: String,
    encoding: EncodingKey,
    pub decoding: DecodingKey,
    jwk: Value,
}

impl SigningKey {
    fn from_private(key: &RsaPrivateKey) -> anyhow::Result<Self> {
        let pem = key.to_pkcs8_pem(LineEnding::LF).context("encoding key")?;
        let public = key.to_public_key();
        let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
        // Cognito kids look like standard base64 of 32 bytes; derive ours from the modulus.
        let kid = STANDARD.encode(Sha256::digest(public.n().to_bytes_be()));
        let encoding =
            EncodingKey::from_rsa_pem(pem.as_bytes()).context("loading key into jsonwebtoken")?;
        let decoding = DecodingKey::from_rsa_components(&n, &e).context("public key")?;
        let jwk = json!({ "alg": "RS256", "e": e, "kid": kid, "kty": "RSA", "n": n, "use": "sig" });
        Ok(Self {
            kid,
            encoding,
            decoding,
            jwk,
        })
    }

    /// The public key as a JWK (`kty`, `n`, `e`, `kid`, `alg`, `use`).
    pub fn jwk(&self) -> &Value {
        &self.jwk
    }

    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = None;
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("RS256 signing cannot fail")
    }
}

pub struct PoolKeys {
    pub id: SigningKey,
    pub access: SigningKey,
}

impl PoolKeys {
    /// Loads `<dir>/id.pem` and `<dir>/access.pem`, generating (and saving) whichever is missing.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self {
            id: load_or_create_one(&dir.join("id.pem"))?,
            access: load_or_create_one(&dir.join("access.pem"))?,
        })
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.id.jwk.clone(), self.access.jwk.clone()] })
    }
}

/// Loads one signing key from `path` (PKCS#8 PEM), generating and saving it when missing.
pub fn load_or_create_key(path: &Path) -> anyhow::Result<SigningKey> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    load_or_create_one(path)
}

fn load_or_create_one(path: &Path) -> anyhow::Result<SigningKey> {
    let key = if path.exists() {
        let pem =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        RsaPrivateKey::from_pkcs8_pem(&pem)
            .with_context(|| format!("parsing {}", path.display()))?
    } else {
        let key = generate()?;
        let pem = key.to_pkcs8_pem(LineEnding::LF).context("encoding key")?;
        let tmp = path.with_extension("pem.tmp");
        std::fs::write(&tmp, pem.as_bytes())
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path)?;
        key
    };
    SigningKey::from_private(&key)
}

/// A fresh 2048-bit RSA key.
pub fn generate() -> anyhow::Result<RsaPrivateKey> {
    RsaPrivateKey::new(&mut rand::thread_rng(), 2048).context("generating RSA key")
}
