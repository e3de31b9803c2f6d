//! The configuration file (TOML). `devstack.toml` next to this crate is the built-in default.

use std::collections::BTreeMap;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

/// The default configuration, compiled in.
pub const DEFAULT_CONFIG: &str = include_str!("../devstack.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: Server,
    #[serde(default)]
    pub user_pools: Vec<UserPool>,
    #[serde(default)]
    pub identity_pools: Vec<IdentityPool>,
    #[serde(default)]
    pub buckets: Vec<Bucket>,
    /// The local identity provider that plays Google (`/_google/*` on the Cognito port).
    #[serde(default)]
    pub google: Option<Google>,
    /// DynamoDB tables served on the DynamoDB port.
    #[serde(default)]
    pub dynamodb_tables: Vec<DynamoDbTable>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    pub region: String,
    pub bind: String,
    pub public_host: String,
    pub cognito_port: u16,
    pub s3_port: u16,
    pub dynamodb_port: u16,
    pub cors_origins: Vec<String>,
    /// Lifetime of an authorization code.
    pub code_seconds: u64,
    /// Lifetime of the managed-login session cookie.
    pub session_seconds: u64,
}

impl Default for Server {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            bind: "127.0.0.1".into(),
            public_host: "localhost".into(),
            cognito_port: 9230,
            s3_port: 9231,
            dynamodb_port: 9232,
            cors_origins: vec!["http://localhost:8080".into()],
            code_seconds: 300,
            session_seconds: 3600,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPool {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub clients: Vec<Client>,
    #[serde(default)]
    pub users: Vec<SeedUser>,
    /// Cognito's UsernameAttributes: `[]` (users sign in with a username) or `["email"]` (they sign up and
    /// sign in with their email address; the username is then a generated UUID).
    #[serde(default)]
    pub username_attributes: Vec<String>,
    /// Attributes SignUp and the sign-up page require (`email`, `name`, ...).
    #[serde(default)]
    pub required_attributes: Vec<String>,
    #[serde(default)]
    pub password_policy: PasswordPolicy,
    /// Cognito's MfaConfiguration: `OFF` or `OPTIONAL` (each user may turn TOTP MFA on).
    #[serde(default = "mfa_off")]
    pub mfa_configuration: String,
    /// Only administrators create users: SignUp is refused and the sign-in page has no sign-up link.
    #[serde(default)]
    pub allow_admin_create_user_only: bool,
    /// Attributes unique among the pool's users once verified (Cognito's alias attributes: `email`,
    /// `phone_number`, `preferred_username`); none by default.
    #[serde(default)]
    pub alias_attributes: Vec<String>,
    /// Federated identity providers (`Google`: the local one of `[google]`).
    #[serde(default)]
    pub identity_providers: Vec<IdentityProvider>,
}

impl UserPool {
    /// A federated identity provider of the pool by name.
    pub fn identity_provider(&self, name: &str) -> Option<&IdentityProvider> {
        self.identity_providers.iter().find(|p| p.name == name)
    }

    /// The email address is the username (`username_attributes = ["email"]`).
    pub fn email_is_username(&self) -> bool {
        self.username_attributes.iter().any(|a| a == "email")
    }
}

/// Cognito's password policy (the default is Cognito's: 8 characters, all four kinds required).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordPolicy {
    pub minimum_length: usize,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
        }
    }
}

/// A user pool's federated identity provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityProvider {
    /// The name apps pass as `identity_provider` (`Google`).
    pub name: String,
    /// `Google` (the only type devstack has: its local Google).
    #[serde(default = "google_type")]
    pub provider_type: String,
    /// The pool's OAuth client at the provider (default: `[google]`'s `client_id` and `client_secret`).
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default = "google_scopes")]
    pub authorize_scopes: String,
    /// User-pool attribute → provider claim.
    #[serde(default = "google_mapping")]
    pub attribute_mapping: BTreeMap<String, String>,
}

/// The local Google: its registered OAuth client (the user pool) and its accounts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Google {
    pub client_id: String,
    pub client_secret: String,
    #[serde(default)]
    pub accounts: Vec<GoogleAccount>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoogleAccount {
    /// Google's subject id (digits), the `sub` of its ID tokens.
    pub sub: String,
    pub email: String,
    #[serde(default = "yes")]
    pub email_verified: bool,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub family_name: Option<String>,
}

fn mfa_off() -> String {
    "OFF".into()
}
fn google_type() -> String {
    "Google".into()
}
fn google_scopes() -> String {
    "openid email profile".into()
}
fn google_mapping() -> BTreeMap<String, String> {
    [
        "email",
        "email_verified",
        "name",
        "given_name",
        "family_name",
    ]
    .map(|a| (a.to_string(), a.to_string()))
    .into_iter()
    .collect()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// A confidential client has a secret; public clients (the default) have none.
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub callback_urls: Vec<String>,
    #[serde(default)]
    pub logout_urls: Vec<String>,
    #[serde(default = "default_scopes")]
    pub allowed_scopes: Vec<String>,
    #[serde(default = "default_flows")]
    pub explicit_auth_flows: Vec<String>,
    /// Identity providers the client may use with managed login.
    #[serde(default = "default_idps")]
    pub identity_providers: Vec<String>,
    /// PKCE (S256) is required on /oauth2/authorize.
    #[serde(default = "yes")]
    pub require_pkce: bool,
    #[serde(default)]
    pub refresh_token_rotation: bool,
    #[serde(default)]
    pub rotation_grace_seconds: u64,
    #[serde(default = "hour")]
    pub access_token_seconds: u64,
    #[serde(default = "hour")]
    pub id_token_seconds: u64,
    #[serde(default = "thirty_days")]
    pub refresh_token_seconds: u64,
}

fn default_scopes() -> Vec<String> {
    [
        "openid",
        "email",
        "profile",
        "aws.cognito.signin.user.admin",
    ]
    .map(String::from)
    .to_vec()
}
fn default_flows() -> Vec<String> {
    ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        .map(String::from)
        .to_vec()
}
fn default_idps() -> Vec<String> {
    vec!["COGNITO".into()]
}
fn yes() -> bool {
    true
}
fn hour() -> u64 {
    3600
}
fn thirty_days() -> u64 {
    30 * 24 * 3600
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub groups: Vec<String>,
    /// Standard and `custom:` attributes, as strings (as Cognito stores them).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Created by an administrator with a temporary password (status FORCE_CHANGE_PASSWORD): the first
    /// sign-in gets the NEW_PASSWORD_REQUIRED challenge.
    #[serde(default)]
    pub force_change_password: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityPool {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub allow_unauthenticated: bool,
    #[serde(default = "hour")]
    pub credentials_seconds: u64,
    #[serde(default)]
    pub providers: Vec<Provider>,
    /// The authenticated role's DynamoDB statements (guests get none).
    #[serde(default)]
    pub authenticated_dynamodb: Vec<DynamoDbRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub user_pool_id: String,
    pub client_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    pub name: String,
    /// Credentials issued by this identity pool may use `private/<identityId>/...` in the bucket.
    pub identity_pool_id: String,
    #[serde(default)]
    pub cors: Vec<CorsRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorsRule {
    pub allowed_origins: Vec<String>,
    pub allowed_methods: Vec<String>,
    #[serde(default)]
    pub allowed_headers: Vec<String>,
    #[serde(default)]
    pub expose_headers: Vec<String>,
    #[serde(default)]
    pub max_age_seconds: Option<u64>,
}

/// The characters Cognito counts as symbols.
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

impl PasswordPolicy {
    /// Cognito's `InvalidPasswordException` message for a password the policy refuses.
    pub fn check(&self, password: &str) -> Result<(), String> {
        let refuse = |why: &str| Err(format!("Password did not conform with policy: {why}"));
        if password.chars().count() < self.minimum_length {
            return refuse("Password not long enough");
        }
        if self.require_lowercase && !password.chars().any(|c| c.is_ascii_lowercase()) {
            return refuse("Password must have lowercase characters");
        }
        if self.require_uppercase && !password.chars().any(|c| c.is_ascii_uppercase()) {
            return refuse("Password must have uppercase characters");
        }
        if self.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
            return refuse("Password must have numeric characters");
        }
        if self.require_symbols && !password.chars().any(|c| SYMBOLS.contains(c)) {
            return refuse("Password must have symbol characters");
        }
        Ok(())
    }
}

/// A DynamoDB table: its key schema (a partition key and an optional sort key, each of type `S`, `N`
/// or `B`). Items persist in `<data dir>/dynamodb.redb`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamoDbTable {
    pub name: String,
    pub partition_key: String,
    #[serde(default = "type_s")]
    pub partition_key_type: String,
    #[serde(default)]
    pub sort_key: Option<String>,
    #[serde(default = "type_s")]
    pub sort_key_type: String,
}

/// One statement of an identity pool's authenticated role for DynamoDB: `actions` on `tables`, with the
/// `dynamodb:LeadingKeys` condition (`ForAllValues:StringEquals`) that the partition key equals
/// `leading_keys`, in which `${cognito-identity.amazonaws.com:sub}` stands for the caller's identity id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamoDbRule {
    /// Table names; `*` matches any run of characters (as in a resource ARN).
    pub tables: Vec<String>,
    /// `dynamodb:GetItem`, ... (the prefix may be left out); default: the five operations devstack serves.
    #[serde(default = "dynamodb_actions")]
    pub actions: Vec<String>,
    /// The LeadingKeys value; `*` drops the condition.
    #[serde(default = "identity_sub")]
    pub leading_keys: String,
}

/// The DynamoDB operations devstack serves.
pub const DYNAMODB_ACTIONS: &[&str] = &["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"];

/// The policy variable for the caller's identity id.
pub const IDENTITY_SUB: &str = "${cognito-identity.amazonaws.com:sub}";

fn type_s() -> String {
    "S".into()
}
fn dynamodb_actions() -> Vec<String> {
    DYNAMODB_ACTIONS
        .iter()
        .map(|a| format!("dynamodb:{a}"))
        .collect()
}
fn identity_sub() -> String {
    IDENTITY_SUB.into()
}

impl DynamoDbRule {
    /// Whether the statement allows `action` (`GetItem`, ...) on `table`.
    pub fn allows(&self, action: &str, table: &str) -> bool {
        self.actions
            .iter()
            .any(|a| a.strip_prefix("dynamodb:").unwrap_or(a) == action || a == "dynamodb:*")
            && self.tables.iter().any(|t| glob(t, table))
    }
}

/// `pattern` with `*` wildcards matches the whole of `text`.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(text) = text.strip_prefix(head) else {
                return false;
            };
            (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .any(|i| glob(rest, &text[i..]))
        }
    }
}

impl Config {
    fn validate_dynamodb(&self) -> anyhow::Result<()> {
        let mut names = std::collections::HashSet::new();
        for t in &self.dynamodb_tables {
            if !names.insert(t.name.as_str()) {
                bail!("table {:?} appears twice", t.name)
            }
            let types = [
                Some(&t.partition_key_type),
                t.sort_key.as_ref().map(|_| &t.sort_key_type),
            ];
            for ty in types.into_iter().flatten() {
                if !["S", "N", "B"].contains(&ty.as_str()) {
                    bail!("table {}: key types are S, N or B, not {ty:?}", t.name)
                }
            }
            if t.partition_key.is_empty() || t.sort_key.as_deref() == Some(&t.partition_key) {
                bail!("table {}: a partition key and a different sort key", t.name)
            }
        }
        for ip in &self.identity_pools {
            for rule in &ip.authenticated_dynamodb {
                for a in &rule.actions {
                    let name = a.strip_prefix("dynamodb:").unwrap_or(a);
                    if !(DYNAMODB_ACTIONS.contains(&name) || a == "dynamodb:*") {
                        bail!("identity pool {}: unknown DynamoDB action {a:?}", ip.id)
                    }
                }
            }
        }
        Ok(())
    }

    fn validate_aliases(&self) -> anyhow::Result<()> {
        for pool in &self.user_pools {
            for a in &pool.alias_attributes {
                if !["email", "phone_number", "preferred_username"].contains(&a.as_str()) {
                    bail!("user pool {}: alias attributes are email, phone_number or preferred_username, not {a:?}", pool.id)
                }
            }
        }
        Ok(())
    }

    pub fn dynamodb_table(&self, name: &str) -> Option<&DynamoDbTable> {
        self.dynamodb_tables.iter().find(|t| t.name == name)
    }
}

impl Config {
    pub fn default_config() -> Self {
        Self::parse(DEFAULT_CONFIG).expect("built-in default config is valid")
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let config: Config = toml::from_str(text).context("parsing devstack config")?;
        config.validate()?;
        Ok(config)
    }

    pub fn load(path: &std::path::Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        let mut client_ids = std::collections::HashSet::new();
        for pool in &self.user_pools {
            let Some((region, rest)) = pool.id.split_once('_') else {
                bail!("user pool id {:?} must look like <region>_<id>", pool.id)
            };
            if region.is_empty() || rest.is_empty() {
                bail!("user pool id {:?} must look like <region>_<id>", pool.id)
            }
            for c in &pool.clients {
                if !client_ids.insert(c.id.clone()) {
                    bail!("app client id {:?} appears twice", c.id)
                }
                if c.rotation_grace_seconds > 60 {
                    bail!("client {}: rotation_grace_seconds must be 0..=60", c.id)
                }
            }
            self.validate_accounts(pool)?;
        }
        for ip in &self.identity_pools {
            for p in &ip.providers {
                if self.user_pool(&p.user_pool_id).is_none() {
                    bail!(
                        "identity pool {}: unknown user pool {}",
                        ip.id,
                        p.user_pool_id
                    )
                }
            }
        }
        for b in &self.buckets {
            if self.identity_pool(&b.identity_pool_id).is_none() {
                bail!(
                    "bucket {}: unknown identity pool {}",
                    b.name,
                    b.identity_pool_id
                )
            }
        }
        self.validate_dynamodb()?;
        self.validate_aliases()
    }

    /// The sign-up, MFA and federation settings of a pool.
    fn validate_accounts(&self, pool: &UserPool) -> anyhow::Result<()> {
        let id = &pool.id;
        if pool.username_attributes.iter().any(|a| a != "email") {
            bail!("user pool {id}: username_attributes may be [] or [\"email\"]")
        }
        if !["OFF", "OPTIONAL"].contains(&pool.mfa_configuration.as_str()) {
            bail!(
                "user pool {id}: mfa_configuration must be OFF or OPTIONAL (ON is not implemented)"
            )
        }
        if !(6..=99).contains(&pool.password_policy.minimum_length) {
            bail!("user pool {id}: password_policy.minimum_length must be 6..=99")
        }
        let mut names = std::collections::HashSet::new();
        for idp in &pool.identity_providers {
            if idp.name == "COGNITO" || !names.insert(idp.name.as_str()) {
                bail!(
                    "user pool {id}: identity provider {:?} is reserved or appears twice",
                    idp.name
                )
            }
            if idp.provider_type != "Google" {
                bail!(
                    "user pool {id}: identity provider {}: provider_type must be Google",
                    idp.name
                )
            }
            if self.google.is_none() {
                bail!(
                    "user pool {id}: identity provider {} needs the [google] section",
                    idp.name
                )
            }
        }
        for c in &pool.clients {
            if let Some(p) = c
                .identity_providers
                .iter()
                .find(|p| *p != "COGNITO" && !names.contains(p.as_str()))
            {
                bail!(
                    "client {}: identity provider {p} is not one of pool {id}'s",
                    c.id
                )
            }
        }
        if let Some(g) = &self.google {
            let mut subs = std::collections::HashSet::new();
            for a in &g.accounts {
                if a.sub.is_empty() || !subs.insert(a.sub.as_str()) {
                    bail!("google: account sub {:?} is empty or appears twice", a.sub)
                }
            }
        }
        Ok(())
    }

    pub fn user_pool(&self, id: &str) -> Option<&UserPool> {
        self.user_pools.iter().find(|p| p.id == id)
    }

    pub fn identity_pool(&self, id: &str) -> Option<&IdentityPool> {
        self.identity_pools.iter().find(|p| p.id == id)
    }

    pub fn bucket(&self, name: &str) -> Option<&Bucket> {
        self.buckets.iter().find(|b| b.name == name)
    }

    /// The app client with this id and the pool it belongs to.
    pub fn client(&self, id: &str) -> Option<(&UserPool, &Client)> {
        self.user_pools
            .iter()
            .find_map(|p| p.clients.iter().find(|c| c.id == id).map(|c| (p, c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_has_the_fixed_facts() {
        let c = Config::default_config();
        assert_eq!((c.server.cognito_port, c.server.s3_port), (9230, 9231));
        let pool = c.user_pool("us-east-1_ShopSphr1").unwrap();
        let (_, demo) = c.client("shopspheredemoclient000001").unwrap();
        assert!(!demo.refresh_token_rotation && demo.secret.is_none());
        assert_eq!(demo.callback_urls, ["http://localhost:8080/"]);
        let (_, rot) = c.client("shopsphererotating00000001").unwrap();
        assert!(rot.refresh_token_rotation);
        assert_eq!(rot.rotation_grace_seconds, 10);
        assert_eq!(pool.users.len(), 3);
        assert!(pool
            .users
            .iter()
            .any(|u| u.username == "newhire" && u.force_change_password));
        let ip = c
            .identity_pool("us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c")
            .unwrap();
        assert!(ip.allow_unauthenticated);
        let cors = &c.bucket("avatars").unwrap().cors[0];
        assert_eq!(cors.expose_headers, ["ETag", "x-amz-checksum-crc32"]);
        assert!(
            cors.allowed_headers
                .iter()
                .any(|h| h == "x-amz-checksum-mode"),
            "the AWS SDK's headers"
        );
        assert_eq!(c.server.dynamodb_port, 9232);
        let t = c.dynamodb_table("shopsphere-profiles").unwrap();
        assert_eq!(
            (t.partition_key.as_str(), t.partition_key_type.as_str()),
            ("identityId", "S")
        );
        assert!(t.sort_key.is_none());
        let rule = &ip.authenticated_dynamodb[0];
        assert_eq!(rule.leading_keys, IDENTITY_SUB);
        for a in DYNAMODB_ACTIONS {
            assert!(rule.allows(a, "shopsphere-profiles") && !rule.allows(a, "other"));
        }
        assert!(pool.password_policy.check("ShopSphere!2026").is_ok());
        assert!(pool.password_policy.check("shopsphere!2026").is_err());
    }

    #[test]
    fn validation_refuses_bad_configs() {
        let dup =
            DEFAULT_CONFIG.replace("shopsphererotating00000001", "shopspheredemoclient000001");
        assert!(Config::parse(&dup).is_err());
        let grace =
            DEFAULT_CONFIG.replace("rotation_grace_seconds = 10", "rotation_grace_seconds = 61");
        assert!(Config::parse(&grace).is_err());
        let unknown = format!("{DEFAULT_CONFIG}\n[bogus]\n");
        assert!(Config::parse(&unknown).is_err());
        assert!(Config::parse("[[user_pools]]\nid = \"nounderscore\"\n").is_err());
        for (from, to) in [
            (
                "mfa_configuration = \"OPTIONAL\"",
                "mfa_configuration = \"ON\"",
            ),
            (
                "username_attributes = []",
                "username_attributes = [\"phone_number\"]",
            ),
            ("minimum_length = 8", "minimum_length = 5"),
            (
                "identity_providers = [\"COGNITO\", \"Google\"]",
                "identity_providers = [\"COGNITO\", \"Facebook\"]",
            ),
            ("provider_type = \"Google\"", "provider_type = \"SAML\""),
        ] {
            assert!(DEFAULT_CONFIG.contains(from), "{from}");
            assert!(
                Config::parse(&DEFAULT_CONFIG.replace(from, to)).is_err(),
                "{to}"
            );
        }
        let no_google = &DEFAULT_CONFIG[..DEFAULT_CONFIG.find("\n[google]").unwrap()];
        assert!(
            Config::parse(no_google).is_err(),
            "the Google provider needs [google]"
        );
    }

    #[test]
    fn default_pool_has_sign_up_mfa_and_google() {
        let c = Config::default_config();
        let pool = c.user_pool("us-east-1_ShopSphr1").unwrap();
        assert_eq!(pool.required_attributes, ["email"]);
        assert_eq!(pool.mfa_configuration, "OPTIONAL");
        assert!(!pool.email_is_username());
        assert_eq!(pool.password_policy.minimum_length, 8);
        assert_eq!(
            pool.identity_provider("Google").unwrap().authorize_scopes,
            "openid email profile"
        );
        assert_eq!(c.google.as_ref().unwrap().accounts.len(), 2);
        let (_, demo) = c.client("shopspheredemoclient000001").unwrap();
        assert_eq!(demo.identity_providers, ["COGNITO", "Google"]);
        let key_type = DEFAULT_CONFIG.replace(
            "partition_key = \"identityId\"",
            "partition_key = \"identityId\"\npartition_key_type = \"BOOL\"",
        );
        assert!(Config::parse(&key_type).is_err());
        let action = DEFAULT_CONFIG.replace("\"dynamodb:Query\"", "\"dynamodb:Scan\"");
        assert!(Config::parse(&action).is_err());
        let alias =
            DEFAULT_CONFIG.replace("alias_attributes = []", "alias_attributes = [\"name\"]");
        assert!(Config::parse(&alias).is_err());
    }
}
