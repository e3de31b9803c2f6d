//! Shared server state: configuration, keys, the persisted store (users, refresh tokens, identities,
//! credentials) and the in-memory parts (authorization codes, login sessions).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::config::{Config, SeedUser};
use crate::ids::{stable_uuid, unix_now};
use crate::keys::{PoolKeys, SigningKey};
use crate::knobs::Knobs;
use crate::passwords::PasswordSecret;

pub type Shared = Arc<App>;

pub struct App {
    pub config: Config,
    pub data_dir: PathBuf,
    /// `http://<public_host>:<cognito port>`.
    pub base_url: String,
    pub s3_url: String,
    pub keys: HashMap<String, PoolKeys>,
    pub store: Mutex<Store>,
    pub mem: Mutex<Memory>,
    pub knobs: Mutex<Knobs>,
    pub log_requests: bool,
    /// The signing keys of the local OIDC providers, by slug (`google` when `[google]` is configured).
    pub idp_keys: HashMap<String, SigningKey>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    /// The password's salted hash and SRP verifier (`password_hash`, `srp_salt`, `srp_verifier` in
    /// `state.json`); never the password.
    #[serde(flatten)]
    pub secret: PasswordSecret,
    /// The plain-text password of a data directory written before passwords were hashed: read once,
    /// hashed on load ([`load_store`]), never written.
    #[serde(default, rename = "password", skip_serializing)]
    pub plain_password: Option<String>,
    pub sub: String,
    pub attributes: BTreeMap<String, String>,
    pub groups: Vec<String>,
    pub enabled: bool,
    /// CONFIRMED or FORCE_CHANGE_PASSWORD.
    pub status: String,
    pub created: i64,
    pub modified: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshRecord {
    pub pool_id: String,
    pub client_id: String,
    pub username: String,
    /// Shared by every token issued in this sign-in session (and by rotated successors).
    pub origin_jti: String,
    pub scopes: Vec<String>,
    pub id_token: bool,
    pub auth_time: i64,
    pub expires_at: i64,
    /// Set when rotation replaced this token: the time and the successor.
    pub rotated_at: Option<i64>,
    pub successor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentityRecord {
    pub pool_id: String,
    /// `<user pool id>:<sub>` for authenticated identities, None for guests.
    pub login: Option<String>,
    /// A guest identity merged into the identity its user's login was already linked to (Cognito
    /// disables it): that identity's id. A disabled identity gets no guest credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CredentialRecord {
    pub secret_key: String,
    pub session_token: String,
    pub identity_id: String,
    pub identity_pool_id: String,
    pub expires_at: i64,
    /// Issued for the authenticated role (a login was given), as STS credentials carry their role: a
    /// guest's credentials stay the unauthenticated role's after the guest identity is linked to a
    /// login. None in data directories from before this field: the identity's state decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticated: Option<bool>,
    /// The role GetCredentialsForIdentity resolved (None in credentials saved before roles existed: the
    /// pool's default role).
    #[serde(default)]
    pub role_arn: Option<String>,
}

/// Everything that survives a restart (saved as `state.json` in the data directory).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Store {
    /// pool id → username → user.
    pub users: BTreeMap<String, BTreeMap<String, User>>,
    pub refresh_tokens: HashMap<String, RefreshRecord>,
    pub revoked_origins: std::collections::HashSet<String>,
    /// `<identity pool>|<user pool>:<sub>` → identity id.
    pub identity_ids: BTreeMap<String, String>,
    pub identities: BTreeMap<String, IdentityRecord>,
    pub credentials: HashMap<String, CredentialRecord>,
    /// Confirmation and password-reset codes: pool id → `<purpose>:<username>` → code.
    #[serde(default)]
    pub codes: BTreeMap<String, BTreeMap<String, CodeRecord>>,
    /// Software tokens (TOTP) and MFA preferences: pool id → username → record.
    #[serde(default)]
    pub mfa: BTreeMap<String, BTreeMap<String, MfaRecord>>,
    /// One-time codes sent and not used yet (`codes.rs`): `<pool>|<username>|<purpose>|<attribute>` → code.
    #[serde(default)]
    pub attribute_codes: BTreeMap<String, PendingCode>,
    /// Registered passkeys (`passkeys.rs`): pool id → username → credentials, oldest first.
    #[serde(default)]
    pub passkeys: BTreeMap<String, BTreeMap<String, Vec<PasskeyRecord>>>,
}

/// A user's passkey: what ListWebAuthnCredentials shows, and the relying party's credential record
/// (webauthn-rs-core's `Credential`: the public key, the signature counter, the policy) as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasskeyRecord {
    /// The credential id, base64url without padding.
    pub credential_id: String,
    pub friendly_name: String,
    pub relying_party_id: String,
    /// `platform` or `cross-platform`, as the browser reported it.
    pub attachment: Option<String>,
    pub transports: Vec<String>,
    pub created_at: i64,
    pub credential: serde_json::Value,
}

/// A code sent to a user (sign-up confirmation, password reset).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CodeRecord {
    pub code: String,
    pub expires_at: i64,
    /// Wrong guesses against this code.
    pub failed_attempts: u32,
    /// When codes were sent (for the sending limit), recent ones only.
    pub sent_at: Vec<i64>,
}

/// A user's software token (TOTP, base32 secrets) and MFA preference.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MfaRecord {
    /// From AssociateSoftwareToken, until VerifySoftwareToken accepts a code for it.
    pub pending_secret: Option<String>,
    /// The verified secret.
    pub secret: Option<String>,
    pub device_name: Option<String>,
    /// SetUserMFAPreference: TOTP MFA on, and preferred.
    pub enabled: bool,
    pub preferred: bool,
    /// SetUserMFAPreference `SMSMfaSettings`: SMS MFA on (codes to `phone_number`), and preferred.
    #[serde(default)]
    pub sms: bool,
    #[serde(default)]
    pub sms_preferred: bool,
    /// SetUserMFAPreference `EmailMfaSettings`: email MFA on (codes to `email`), and preferred.
    #[serde(default)]
    pub email: bool,
    #[serde(default)]
    pub email_preferred: bool,
    /// The last 30-second step whose code was accepted (a code is accepted once).
    pub last_step: Option<u64>,
}

/// A code sent to a user (attribute verification, ...), waiting to be entered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingCode {
    pub code: String,
    /// The attribute value (email address, phone number) the code was sent to.
    pub destination: String,
    pub expires_at: i64,
    /// Wrong codes entered so far.
    pub failures: u32,
}

pub struct AuthCode {
    pub client_id: String,
    pub pool_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub username: String,
    pub auth_time: i64,
    pub expires_at: i64,
}

pub struct LoginSession {
    pub pool_id: String,
    pub username: String,
    pub auth_time: i64,
    pub expires_at: i64,
}

/// A message devstack "sends" instead of an email or SMS (confirmation and verification codes): printed in
/// the log and kept for `GET /_devstack/outbox`, newest last.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub pool_id: String,
    pub username: String,
    /// Where Cognito would send it (the email address or phone number).
    pub destination: String,
    /// What the code is for: `SignUp`, `ForgotPassword`, `VerifyUserAttribute`, ...
    pub purpose: String,
    /// For attribute verification: the attribute (`email`, `phone_number`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    pub code: String,
    pub sent_at: i64,
    /// The subject and text a CustomMessage trigger wrote (the code in place of `{####}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Default)]
pub struct Memory {
    pub codes: HashMap<String, AuthCode>,
    pub sessions: HashMap<String, LoginSession>,
    pub outbox: Vec<Message>,
    /// The MFA step of sign-ins that passed the password (the sign-in page and InitiateAuth), by session.
    pub challenges: HashMap<String, Challenge>,
    /// MFA_SETUP challenges (a pool with MFA ON, a user without a factor), by session: whether a
    /// software token was verified with it.
    pub mfa_setup: HashMap<String, (Challenge, bool)>,
    /// The code an SMS_MFA or EMAIL_OTP (MFA) challenge sent, and where, by the challenge's session.
    pub mfa_codes: HashMap<String, (String, String)>,
    /// Managed-login requests sent to an external identity provider, by the `state` sent to it.
    pub federation: HashMap<String, FederationRequest>,
    /// Authorization codes of the local identity providers (Google and `[[local_idps]]`).
    pub google_codes: HashMap<String, GoogleCode>,
    /// Access tokens of the local Facebook: (slug, account id, expiry).
    pub idp_tokens: HashMap<String, (String, String, i64)>,
    /// USER_SRP_AUTH's PASSWORD_VERIFIER challenges, by their SECRET_BLOCK (base64).
    pub srp: HashMap<String, SrpChallenge>,
    /// NEW_PASSWORD_REQUIRED challenges (users with a temporary password), by session.
    pub new_password: HashMap<String, Challenge>,
    /// SELECT_MFA_TYPE challenges (users with several MFA factors, none preferred) and the factors
    /// offered, by session.
    pub select_mfa: HashMap<String, (Challenge, Vec<&'static str>)>,
    /// USER_AUTH's SELECT_CHALLENGE steps, by session.
    pub select: HashMap<String, Challenge>,
    /// The `Session` of a SignUp, by session: given back with ConfirmSignUp.
    pub signed_up: HashMap<String, Challenge>,
    /// The `Session` of a ConfirmSignUp, by session: signs the user in once (InitiateAuth USER_AUTH).
    pub confirmed: HashMap<String, Challenge>,
    /// USER_AUTH's EMAIL_OTP challenges, by session: the challenge and the code sent.
    pub email_otp: HashMap<String, (Challenge, String, &'static str)>,
    /// StartWebAuthnRegistration ceremonies, by `<pool>|<username>`: the challenge, the access token's
    /// client and the relying party's registration state (JSON).
    pub passkey_registrations: HashMap<String, (Challenge, serde_json::Value)>,
    /// WEB_AUTHN sign-in challenges, by session: the challenge and the authentication state (JSON).
    pub passkey_sign_ins: HashMap<String, (Challenge, serde_json::Value)>,
}

/// A PASSWORD_VERIFIER challenge: what the server needs to check the client's claim.
pub struct SrpChallenge {
    pub pool_id: String,
    /// None for a name that is no user's (the answer is then "Incorrect username or password.").
    pub username: Option<String>,
    pub client_id: String,
    /// The `Session` sent with the challenge (an answer may leave it out, as pycognito does).
    pub session: String,
    /// `SALT` as sent (hex).
    pub salt: String,
    /// The client's `SRP_A`, the server's secret b and public B.
    pub a_pub: num_bigint::BigUint,
    pub b: num_bigint::BigUint,
    pub b_pub: num_bigint::BigUint,
    pub expires_at: i64,
}

#[derive(Clone)]
pub struct Challenge {
    pub pool_id: String,
    pub username: String,
    /// The app client of an InitiateAuth challenge (None: the sign-in page).
    pub client_id: Option<String>,
    pub expires_at: i64,
    pub failed_attempts: u32,
}

impl Challenge {
    /// A challenge of `username` in `pool_id` for `client_id` (None: the sign-in page), live until
    /// `expires_at`, with no failed attempt yet.
    pub fn new(pool_id: &str, username: &str, client_id: Option<&str>, expires_at: i64) -> Self {
        Self {
            pool_id: pool_id.to_string(),
            username: username.to_string(),
            client_id: client_id.map(String::from),
            expires_at,
            failed_attempts: 0,
        }
    }
}

pub struct FederationRequest {
    pub pool_id: String,
    pub provider: String,
    /// The app's authorize parameters, to resume with on return.
    pub params: HashMap<String, String>,
    pub nonce: String,
    pub expires_at: i64,
}

pub struct GoogleCode {
    /// The local provider that issued it (`google` or a `[[local_idps]]` slug).
    pub idp: String,
    pub client_id: String,
    pub redirect_uri: String,
    /// The `sub` of the chosen account.
    pub sub: String,
    pub nonce: Option<String>,
    pub scope: String,
    pub expires_at: i64,
}

impl App {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn mem(&self) -> MutexGuard<'_, Memory> {
        self.mem.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn knobs(&self) -> MutexGuard<'_, Knobs> {
        self.knobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Server time in epoch seconds, shifted by the clock-offset knob.
    pub fn now(&self) -> i64 {
        let real = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        real + self.knobs().clock_offset
    }

    /// "Sends" a message: one log line (unless `--quiet`) and an entry in the outbox.
    pub fn deliver(&self, message: Message) {
        if self.log_requests {
            let attribute = message
                .attribute
                .as_deref()
                .map(|a| format!(" ({a})"))
                .unwrap_or_default();
            println!(
                "devstack outbox: {} code for {} in {}{attribute} to {}: {}",
                message.purpose,
                message.username,
                message.pool_id,
                message.destination,
                message.code
            );
        }
        self.mem().outbox.push(message);
    }

    pub fn issuer(&self, pool_id: &str) -> String {
        format!("{}/{}", self.base_url, pool_id)
    }

    /// Saves the store; the caller holds the lock.
    pub fn persist(&self, store: &Store) {
        if let Err(e) = save_store(&self.data_dir, store) {
            eprintln!("devstack: could not save state: {e:#}");
        }
    }
}

pub fn load_store(data_dir: &std::path::Path, config: &Config) -> anyhow::Result<Store> {
    let path = data_dir.join("state.json");
    let mut store: Store = if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("parsing {} (use --reset to start clean)", path.display()))?
    } else {
        Store::default()
    };
    // Passwords of data directories from before hashing: hashed now, and saved so (cheap, once).
    let mut migrated = false;
    for (pool_id, users) in store.users.iter_mut() {
        for user in users.values_mut() {
            if let Some(plain) = user.plain_password.take() {
                migrated = true;
                if user.secret.password_hash.is_empty() && user.status != "EXTERNAL_PROVIDER" {
                    user.secret = PasswordSecret::new(pool_id, &user.username, &plain);
                }
            }
        }
    }
    if migrated {
        save_store(data_dir, &store)?;
    }
    let now = unix_now();
    // Seed users from the config when they are not in the store yet (the store wins: passwords and
    // attributes changed through the API survive a restart).
    for pool in &config.user_pools {
        let users = store.users.entry(pool.id.clone()).or_default();
        for seed in &pool.users {
            users
                .entry(seed.username.clone())
                .or_insert_with(|| seed_user(&pool.id, seed, now));
        }
    }
    Ok(store)
}

pub fn save_store(data_dir: &std::path::Path, store: &Store) -> anyhow::Result<()> {
    let path = data_dir.join("state.json");
    let tmp = data_dir.join("state.json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(store)?)?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}

fn seed_user(pool_id: &str, seed: &SeedUser, now: i64) -> User {
    User {
        username: seed.username.clone(),
        secret: PasswordSecret::new(pool_id, &seed.username, &seed.password),
        plain_password: None,
        sub: stable_uuid(&format!("{pool_id}|{}", seed.username)),
        attributes: seed.attributes.clone(),
        groups: seed.groups.clone(),
        enabled: seed.enabled,
        status: if seed.force_change_password {
            "FORCE_CHANGE_PASSWORD".into()
        } else {
            "CONFIRMED".into()
        },
        created: now,
        modified: now,
    }
}
