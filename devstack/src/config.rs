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
    /// More local identity providers served by devstack under `/_idp/<slug>/` (an OIDC provider such as
    /// "Acme Corp SSO", or a Facebook-style OAuth 2.0 provider).
    #[serde(default)]
    pub local_idps: Vec<LocalIdp>,
    /// DynamoDB tables served on the DynamoDB port.
    #[serde(default)]
    pub dynamodb_tables: Vec<DynamoDbTable>,
    /// IAM roles with their policies (what credentials of the role may do on S3 and DynamoDB).
    #[serde(default)]
    pub roles: Vec<Role>,
    /// The directory trigger commands run in: the config file's (the crate's for the built-in
    /// default, the current directory for a config parsed from text).
    #[serde(skip)]
    pub base_dir: Option<std::path::PathBuf>,
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
    /// Federated identity providers (`Google`: the local one of `[google]`; `OIDC`: any OpenID
    /// provider by issuer; `Facebook`: the local one of `[[local_idps]]` with `protocol = "facebook"`).
    #[serde(default)]
    pub identity_providers: Vec<IdentityProvider>,
    /// Groups with their IAM role and precedence (`cognito:roles`, `cognito:preferred_role`). A group a
    /// user is in but that is not listed here is a group without a role or precedence.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Lambda triggers (Cognito's LambdaConfig), each a local command or an HTTP URL (`triggers.rs`).
    #[serde(default)]
    pub triggers: Triggers,
    /// Passkeys (WebAuthn): the relying party and the origins it accepts (`passkeys.rs`).
    #[serde(default)]
    pub passkeys: Passkeys,
}

/// A pool's Lambda triggers (Cognito's `LambdaConfig`): which of them run, and where.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Triggers {
    pub pre_sign_up: Option<Trigger>,
    pub post_confirmation: Option<Trigger>,
    pub pre_authentication: Option<Trigger>,
    pub post_authentication: Option<Trigger>,
    pub pre_token_generation: Option<Trigger>,
    pub custom_message: Option<Trigger>,
}

/// One trigger: a command (`sh -c`, the event JSON on stdin, the answer on stdout, the config file's
/// directory as cwd) or an `http://` URL (the event POSTed as JSON, the answer is the body).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// PreTokenGeneration only: the event version, `V1_0` (default) or `V2_0` (access-token claims and
    /// scopes too).
    #[serde(default)]
    pub version: Option<String>,
    /// A command's execution role: credentials of this `[[roles]]` entry in the environment
    /// (`AWS_ACCESS_KEY_ID`, ...), with devstack's endpoints (`AWS_ENDPOINT_URL_DYNAMODB`, ...).
    #[serde(default)]
    pub role_arn: Option<String>,
}

/// A pool's WebAuthn relying party (Cognito's `WebAuthnConfiguration`), plus the origins the browser may
/// report (Cognito takes them from the pool's domain and the clients' callback URLs).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Passkeys {
    /// `RelyingPartyId`: the domain passkeys are bound to.
    pub relying_party_id: String,
    /// Origins (`scheme://host[:port]`) a registration or sign-in may come from.
    pub allowed_origins: Vec<String>,
    /// `UserVerification`: `preferred` or `required`.
    pub user_verification: String,
}

impl Default for Passkeys {
    fn default() -> Self {
        Passkeys {
            relying_party_id: "localhost".into(),
            allowed_origins: vec!["http://localhost:8080".into()],
            user_verification: "preferred".into(),
        }
    }
}

/// A user-pool group (Cognito's CreateGroup: `GroupName`, `Description`, `Precedence`, `RoleArn`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// 0 is the highest precedence; a group without one comes after every group with one.
    #[serde(default)]
    pub precedence: Option<u32>,
    #[serde(default)]
    pub role_arn: Option<String>,
}

impl UserPool {
    /// The provider whose `idp_identifiers` include `identifier` (case-insensitive).
    pub fn provider_by_identifier(&self, identifier: &str) -> Option<&IdentityProvider> {
        self.identity_providers.iter().find(|p| {
            p.idp_identifiers
                .iter()
                .any(|i| i.eq_ignore_ascii_case(identifier))
        })
    }

    /// A federated identity provider of the pool by name.
    pub fn identity_provider(&self, name: &str) -> Option<&IdentityProvider> {
        self.identity_providers.iter().find(|p| p.name == name)
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
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
    /// `Google` (the local Google), `OIDC` (a provider found by `issuer`) or `Facebook` (the local
    /// Facebook).
    #[serde(default = "google_type")]
    pub provider_type: String,
    /// OIDC: the provider's issuer; its discovery document is `<issuer>/.well-known/openid-configuration`.
    /// `{cognito}` stands for devstack's own Cognito base URL (for the local providers of `[[local_idps]]`).
    #[serde(default)]
    pub issuer: Option<String>,
    /// Identifiers (e.g. e-mail domains) that `idp_identifier` and the sign-in page's corporate e-mail
    /// field route to this provider.
    #[serde(default)]
    pub idp_identifiers: Vec<String>,
    /// Link a sign-in whose verified e-mail is a native user's to that user (as AdminLinkProviderForUser).
    #[serde(default)]
    pub link_by_email: bool,
    /// The pool's OAuth client at the provider (default: `[google]`'s, or the local Facebook's, `client_id`
    /// and `client_secret`).
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

/// A local identity provider besides Google, served under `/_idp/<slug>/` on the Cognito port.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalIdp {
    /// Path segment (`/_idp/<slug>/`) and prefix of its page element ids (`<slug>Account-0`, `<slug>Allow`).
    pub slug: String,
    /// The name its pages show ("Acme Corp SSO").
    pub brand: String,
    /// `oidc` (discovery, JWKS, ID tokens) or `facebook` (OAuth 2.0 and a Graph-style `/me`).
    #[serde(default = "oidc_protocol")]
    pub protocol: String,
    pub client_id: String,
    pub client_secret: String,
    /// Its accounts (`sub` is the subject, or the Facebook user id).
    #[serde(default)]
    pub accounts: Vec<GoogleAccount>,
}

fn oidc_protocol() -> String {
    "oidc".into()
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
    /// More claims of its ID tokens (or fields of Facebook's `/me`), e.g. `{ department = "Sales" }`.
    #[serde(default)]
    pub claims: BTreeMap<String, String>,
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
    /// The authenticated role's DynamoDB statements (guests get none), when `[[roles]]` does not
    /// describe the authenticated role.
    #[serde(default)]
    pub authenticated_dynamodb: Vec<DynamoDbRule>,
    /// The default roles (SetIdentityPoolRoles' `Roles`); default
    /// `arn:aws:iam::000000000000:role/Cognito_<name>Auth_Role` and `..._Unauth_Role`, where `<name>` is
    /// the pool's name without its non-alphanumeric characters.
    #[serde(default)]
    pub authenticated_role_arn: Option<String>,
    #[serde(default)]
    pub unauthenticated_role_arn: Option<String>,
    /// How a provider's users get their role (SetIdentityPoolRoles' `RoleMappings`); a provider without
    /// one gets the authenticated role.
    #[serde(default)]
    pub role_mappings: Vec<RoleMapping>,
}

/// The account id in devstack's ARNs.
pub const ACCOUNT: &str = "000000000000";

impl IdentityPool {
    /// The default role of authenticated (true) or unauthenticated identities.
    pub fn default_role_arn(&self, authenticated: bool) -> String {
        let configured = if authenticated {
            &self.authenticated_role_arn
        } else {
            &self.unauthenticated_role_arn
        };
        configured.clone().unwrap_or_else(|| {
            let name: String = self
                .name
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let kind = if authenticated { "Auth" } else { "Unauth" };
            format!("arn:aws:iam::{ACCOUNT}:role/Cognito_{name}{kind}_Role")
        })
    }

    /// The role mapping of a provider (`cognito-idp.<region>.amazonaws.com/<user pool id>`) and app client.
    pub fn role_mapping(&self, provider: &str, client_id: &str) -> Option<&RoleMapping> {
        let key = format!("{provider}:{client_id}");
        self.role_mappings.iter().find(|m| m.provider == key)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub user_pool_id: String,
    pub client_ids: Vec<String>,
}

/// One entry of `RoleMappings`: `provider` is its key,
/// `cognito-idp.<region>.amazonaws.com/<user pool id>:<app client id>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleMapping {
    pub provider: String,
    /// `Token` (the token's `cognito:preferred_role`, or a `CustomRoleArn` among its `cognito:roles`) or
    /// `Rules` (the first matching rule).
    #[serde(rename = "type")]
    pub mapping_type: String,
    /// `AuthenticatedRole` or `Deny`: what happens when no role follows from the token or the rules.
    pub ambiguous_role_resolution: String,
    /// For `Rules`, in order.
    #[serde(default)]
    pub rules: Vec<MappingRule>,
}

/// A rule of a `Rules` mapping: the ID token's `claim` compared with `value` by `match_type` (`Equals`,
/// `Contains`, `StartsWith`, `NotEqual`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingRule {
    pub claim: String,
    pub match_type: String,
    pub value: String,
    pub role_arn: String,
}

impl MappingRule {
    /// Whether the claims match the rule. An array claim (`cognito:groups`) matches when one of its values
    /// does (`NotEqual`: when none equals `value`); a `NotEqual` rule on an absent claim does not match.
    pub fn matches(&self, claims: &serde_json::Value) -> bool {
        use serde_json::Value;
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let values: Vec<String> = match claims.get(&self.claim) {
            None | Some(Value::Null) => return false,
            Some(Value::Array(a)) => a.iter().map(text).collect(),
            Some(v) => vec![text(v)],
        };
        let v = self.value.as_str();
        match self.match_type.as_str() {
            "Equals" => values.iter().any(|x| x == v),
            "Contains" => values.iter().any(|x| x.contains(v)),
            "StartsWith" => values.iter().any(|x| x.starts_with(v)),
            "NotEqual" => values.iter().all(|x| x != v),
            _ => false,
        }
    }
}

/// An IAM role's permissions (its identity-based policy) on devstack's S3 and DynamoDB.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub arn: String,
    #[serde(default)]
    pub s3: Vec<S3Rule>,
    #[serde(default)]
    pub dynamodb: Vec<DynamoDbRule>,
}

/// One S3 statement: `actions` on the objects `arn:aws:s3:::<bucket>/<prefix>*` for each of `prefixes`,
/// in which `${cognito-identity.amazonaws.com:sub}` stands for the caller's identity id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Rule {
    pub bucket: String,
    /// `s3:GetObject` (also HeadObject), `s3:PutObject`, `s3:DeleteObject`, `s3:ListBucket`, `s3:*`.
    pub actions: Vec<String>,
    /// Key prefixes (`""`: every key); for `s3:ListBucket`, what the listing's `prefix` must start with.
    pub prefixes: Vec<String>,
}

/// The S3 actions devstack's policies know (`s3:GetObject` also allows HeadObject; `s3:ListBucket`
/// allows ListObjectsV2 whose `prefix` starts with one of the statement's prefixes).
pub const S3_ACTIONS: &[&str] = &["GetObject", "PutObject", "DeleteObject", "ListBucket"];

impl S3Rule {
    /// Whether the statement allows `action` (`GetObject`, ...) on `key` of `bucket` for `identity_id`
    /// (for `ListBucket`, `key` is the listing's prefix).
    pub fn allows(&self, action: &str, bucket: &str, key: &str, identity_id: &str) -> bool {
        self.bucket == bucket
            && self
                .actions
                .iter()
                .any(|a| a == "s3:*" || a.strip_prefix("s3:").unwrap_or(a) == action)
            && self
                .prefixes
                .iter()
                .any(|p| key.starts_with(&p.replace(IDENTITY_SUB, identity_id)))
    }
}

impl Config {
    /// The policy of a role of an identity pool: its `[[roles]]` entry when there is one; else, for the
    /// pool's default roles, devstack's built-in policy (the four object operations on
    /// `private/<identityId>/` of the buckets bound to the pool, and for the authenticated role the
    /// pool's `authenticated_dynamodb`); else nothing.
    pub fn policy(&self, pool: &IdentityPool, role_arn: &str) -> Role {
        if let Some(role) = self.roles.iter().find(|r| r.arn == role_arn) {
            return role.clone();
        }
        let authenticated = role_arn == pool.default_role_arn(true);
        if !authenticated && role_arn != pool.default_role_arn(false) {
            return Role::default();
        }
        let s3 = self
            .buckets
            .iter()
            .filter(|b| b.identity_pool_id == pool.id)
            .map(|b| S3Rule {
                bucket: b.name.clone(),
                actions: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
                    .map(String::from)
                    .to_vec(),
                prefixes: vec![format!("private/{IDENTITY_SUB}/")],
            })
            .collect();
        Role {
            arn: role_arn.to_string(),
            s3,
            dynamodb: if authenticated {
                pool.authenticated_dynamodb.clone()
            } else {
                vec![]
            },
        }
    }
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

/// An IAM role ARN: `arn:aws:iam::<12 digits>:role/<path/><name>`.
fn check_role_arn(arn: &str) -> anyhow::Result<()> {
    let ok = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"))
        .is_some_and(|(account, name)| {
            account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && !name.is_empty()
                && !name.ends_with('/')
        });
    if !ok {
        bail!("{arn:?} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
    }
    Ok(())
}

/// The name of a role from its ARN (the part after `role/` and its path), as `assumed-role/` shows it.
pub fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
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
        let statements = self
            .identity_pools
            .iter()
            .map(|ip| {
                (
                    format!("identity pool {}", ip.id),
                    &ip.authenticated_dynamodb,
                )
            })
            .chain(
                self.roles
                    .iter()
                    .map(|r| (format!("role {}", r.arn), &r.dynamodb)),
            );
        for (owner, rules) in statements {
            for rule in rules {
                for a in &rule.actions {
                    let name = a.strip_prefix("dynamodb:").unwrap_or(a);
                    if !(DYNAMODB_ACTIONS.contains(&name) || a == "dynamodb:*") {
                        bail!("{owner}: unknown DynamoDB action {a:?}")
                    }
                }
            }
        }
        Ok(())
    }

    /// Groups, role mappings and roles.
    fn validate_roles(&self) -> anyhow::Result<()> {
        for pool in &self.user_pools {
            let mut names = std::collections::HashSet::new();
            for g in &pool.groups {
                if g.name.is_empty() || !names.insert(g.name.as_str()) {
                    bail!(
                        "user pool {}: group {:?} is empty or appears twice",
                        pool.id,
                        g.name
                    )
                }
                if let Some(arn) = &g.role_arn {
                    check_role_arn(arn).with_context(|| format!("group {}", g.name))?;
                }
            }
        }
        for ip in &self.identity_pools {
            for arn in [&ip.authenticated_role_arn, &ip.unauthenticated_role_arn]
                .into_iter()
                .flatten()
            {
                check_role_arn(arn).with_context(|| format!("identity pool {}", ip.id))?;
            }
            let mut keys = std::collections::HashSet::new();
            for m in &ip.role_mappings {
                let known = ip.providers.iter().any(|p| {
                    let region = p.user_pool_id.split('_').next().unwrap_or("");
                    p.client_ids.iter().any(|c| {
                        m.provider
                            == format!("cognito-idp.{region}.amazonaws.com/{}:{c}", p.user_pool_id)
                    })
                });
                if !known || !keys.insert(m.provider.as_str()) {
                    bail!("identity pool {}: role mapping provider {:?} must be cognito-idp.<region>.amazonaws.com/<user pool id>:<client id> of one of its providers, once", ip.id, m.provider)
                }
                if !["AuthenticatedRole", "Deny"].contains(&m.ambiguous_role_resolution.as_str()) {
                    bail!(
                        "identity pool {}: ambiguous_role_resolution is AuthenticatedRole or Deny",
                        ip.id
                    )
                }
                match m.mapping_type.as_str() {
                    "Token" if m.rules.is_empty() => {}
                    "Rules" if (1..=25).contains(&m.rules.len()) => {}
                    _ => bail!("identity pool {}: a role mapping's type is Token (no rules) or Rules (1 to 25 rules)", ip.id),
                }
                for r in &m.rules {
                    if !["Equals", "Contains", "StartsWith", "NotEqual"]
                        .contains(&r.match_type.as_str())
                    {
                        bail!("identity pool {}: match_type is Equals, Contains, StartsWith or NotEqual, not {:?}", ip.id, r.match_type)
                    }
                    if r.claim.is_empty() {
                        bail!("identity pool {}: a rule needs a claim", ip.id)
                    }
                    check_role_arn(&r.role_arn)
                        .with_context(|| format!("identity pool {}", ip.id))?;
                }
            }
        }
        let mut arns = std::collections::HashSet::new();
        for role in &self.roles {
            check_role_arn(&role.arn)?;
            if !arns.insert(role.arn.as_str()) {
                bail!("role {} appears twice", role.arn)
            }
            for st in &role.s3 {
                if self.bucket(&st.bucket).is_none() {
                    bail!("role {}: unknown bucket {}", role.arn, st.bucket)
                }
                for a in &st.actions {
                    let name = a.strip_prefix("s3:").unwrap_or(a);
                    if !(S3_ACTIONS.contains(&name) || a == "s3:*") {
                        bail!("role {}: unknown S3 action {a:?}", role.arn)
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

    fn validate_passkeys(&self) -> anyhow::Result<()> {
        for pool in &self.user_pools {
            let p = &pool.passkeys;
            if !["preferred", "required"].contains(&p.user_verification.as_str()) {
                bail!(
                    "user pool {}: passkeys.user_verification is preferred or required, not {:?}",
                    pool.id,
                    p.user_verification
                )
            }
            if p.relying_party_id.is_empty() || p.relying_party_id.contains(['/', ':']) {
                bail!(
                    "user pool {}: passkeys.relying_party_id is a domain, not {:?}",
                    pool.id,
                    p.relying_party_id
                )
            }
            for o in &p.allowed_origins {
                match url::Url::parse(o) {
                    Ok(u) if ["http", "https"].contains(&u.scheme()) && u.host().is_some() => {}
                    _ => bail!(
                        "user pool {}: passkeys.allowed_origins: {o:?} is not an http(s) origin",
                        pool.id
                    ),
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
        let mut config = Self::parse(DEFAULT_CONFIG).expect("built-in default config is valid");
        config.base_dir = Some(env!("CARGO_MANIFEST_DIR").into());
        config
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let config: Config = toml::from_str(text).context("parsing devstack config")?;
        config.validate()?;
        Ok(config)
    }

    pub fn load(path: &std::path::Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut config = Self::parse(&text).with_context(|| format!("in {}", path.display()))?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        config.base_dir = Some(dir.map_or_else(|| ".".into(), |d| d.to_path_buf()));
        Ok(config)
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
            self.validate_triggers(pool)?;
        }
        self.validate_passkeys()?;
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
        self.validate_roles()?;
        self.validate_aliases()
    }

    /// Each trigger has exactly one of `command` and `url`; `version` only on PreTokenGeneration.
    fn validate_triggers(&self, pool: &UserPool) -> anyhow::Result<()> {
        let t = &pool.triggers;
        let all = [
            ("pre_sign_up", &t.pre_sign_up),
            ("post_confirmation", &t.post_confirmation),
            ("pre_authentication", &t.pre_authentication),
            ("post_authentication", &t.post_authentication),
            ("pre_token_generation", &t.pre_token_generation),
            ("custom_message", &t.custom_message),
        ];
        for (name, trigger) in all {
            let Some(trigger) = trigger else { continue };
            let id = &pool.id;
            if trigger.command.is_some() == trigger.url.is_some() {
                bail!("user pool {id}: trigger {name} needs one of command and url")
            }
            if let Some(url) = &trigger.url {
                // devstack's HTTP client has no TLS: triggers are local services.
                if !url.starts_with("http://") {
                    bail!("user pool {id}: trigger {name}: url must be http://")
                }
            }
            match (&trigger.version, name) {
                (None, _) => {}
                (Some(v), "pre_token_generation") if v == "V1_0" || v == "V2_0" => {}
                (Some(v), _) => bail!(
                    "user pool {id}: trigger {name}: version {v:?} (only pre_token_generation has one: V1_0 or V2_0)"
                ),
            }
            if let Some(arn) = &trigger.role_arn {
                if self.roles.iter().all(|r| &r.arn != arn) {
                    bail!("user pool {id}: trigger {name}: role_arn {arn} is not in [[roles]]")
                }
                if trigger.url.is_some() {
                    bail!("user pool {id}: trigger {name}: role_arn is for commands only")
                }
            }
        }
        Ok(())
    }

    /// The sign-up, MFA and federation settings of a pool.
    fn validate_accounts(&self, pool: &UserPool) -> anyhow::Result<()> {
        let id = &pool.id;
        if pool.username_attributes.iter().any(|a| a != "email") {
            bail!("user pool {id}: username_attributes may be [] or [\"email\"]")
        }
        if !["OFF", "OPTIONAL", "ON"].contains(&pool.mfa_configuration.as_str()) {
            bail!("user pool {id}: mfa_configuration must be OFF, OPTIONAL or ON")
        }
        if !(6..=99).contains(&pool.password_policy.minimum_length) {
            bail!("user pool {id}: password_policy.minimum_length must be 6..=99")
        }
        let mut names = std::collections::HashSet::new();
        let mut identifiers = std::collections::HashSet::new();
        for idp in &pool.identity_providers {
            if idp.name == "COGNITO" || !names.insert(idp.name.as_str()) {
                bail!(
                    "user pool {id}: identity provider {:?} is reserved or appears twice",
                    idp.name
                )
            }
            match idp.provider_type.as_str() {
                "Google" if self.google.is_none() => bail!(
                    "user pool {id}: identity provider {} needs the [google] section",
                    idp.name
                ),
                "Google" => {}
                "OIDC" => {
                    if idp.issuer.as_deref().unwrap_or("").is_empty()
                        || idp.client_id.is_none()
                        || idp.client_secret.is_none()
                    {
                        bail!("user pool {id}: OIDC identity provider {} needs issuer, client_id and client_secret", idp.name)
                    }
                }
                "Facebook" if self.local_facebook().is_none() => bail!(
                    "user pool {id}: identity provider {} needs a [[local_idps]] with protocol = \"facebook\"",
                    idp.name
                ),
                "Facebook" => {}
                _ => bail!(
                    "user pool {id}: identity provider {}: provider_type must be Google, OIDC or Facebook",
                    idp.name
                ),
            }
            for ident in &idp.idp_identifiers {
                if ident.is_empty() || !identifiers.insert(ident.to_ascii_lowercase()) {
                    bail!("user pool {id}: idp identifier {ident:?} is empty or appears twice")
                }
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
        let mut slugs = std::collections::HashSet::from(["google"]);
        for l in &self.local_idps {
            if l.slug.is_empty()
                || !l
                    .slug
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                || !slugs.insert(l.slug.as_str())
            {
                bail!(
                    "local_idps: slug {:?} must be lowercase letters and digits, once (not google)",
                    l.slug
                )
            }
            if !["oidc", "facebook"].contains(&l.protocol.as_str()) {
                bail!("local_idps {}: protocol must be oidc or facebook", l.slug)
            }
            let mut subs = std::collections::HashSet::new();
            for a in &l.accounts {
                if a.sub.is_empty() || !subs.insert(a.sub.as_str()) {
                    bail!(
                        "local_idps {}: account sub {:?} is empty or appears twice",
                        l.slug,
                        a.sub
                    )
                }
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

    /// The local Facebook (the `[[local_idps]]` entry with `protocol = "facebook"`).
    pub fn local_facebook(&self) -> Option<&LocalIdp> {
        self.local_idps.iter().find(|l| l.protocol == "facebook")
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
    fn the_own_app_example_config_is_valid_and_small() {
        let text = include_str!("../examples/my-app.toml");
        let c = Config::parse(text).unwrap();
        assert_eq!(c.server.cognito_port, 9330);
        let pool = c.user_pool("eu-west-1_MyApp0001").unwrap();
        assert_eq!(pool.users.len(), 1);
        let (_, client) = c.client("myappclient000000000000001").unwrap();
        assert_eq!(client.callback_urls, ["http://localhost:5173/"]);
    }

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
        assert_eq!(pool.users.len(), 4);
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
                "mfa_configuration = \"SOMETIMES\"",
            ),
            (
                "username_attributes = []",
                "username_attributes = [\"phone_number\"]",
            ),
            ("minimum_length = 8", "minimum_length = 5"),
            (
                "identity_providers = [\"COGNITO\", \"Google\", \"AcmeSSO\", \"Facebook\"]",
                "identity_providers = [\"COGNITO\", \"Twitter\"]",
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
    fn default_config_has_groups_role_mappings_and_the_editors_role() {
        let c = Config::default_config();
        let pool = c.user_pool("us-east-1_ShopSphr1").unwrap();
        let editors = pool.group("editors").unwrap();
        assert_eq!(editors.precedence, Some(1));
        let editor_role = "arn:aws:iam::000000000000:role/ShopSphereEditors";
        assert_eq!(editors.role_arn.as_deref(), Some(editor_role));
        assert!(pool.group("customers").unwrap().role_arn.is_none());
        let ip = &c.identity_pools[0];
        assert_eq!(
            ip.default_role_arn(true),
            "arn:aws:iam::000000000000:role/Cognito_ShopSphereidentitiesAuth_Role"
        );
        assert!(ip.default_role_arn(false).ends_with("Unauth_Role"));
        let m = ip
            .role_mapping(
                "cognito-idp.us-east-1.amazonaws.com/us-east-1_ShopSphr1",
                "shopspheredemoclient000001",
            )
            .unwrap();
        assert_eq!(
            (
                m.mapping_type.as_str(),
                m.ambiguous_role_resolution.as_str()
            ),
            ("Token", "AuthenticatedRole")
        );
        // The default roles keep the built-in policy; the editors read every avatar.
        let id = "us-east-1:11111111-2222-3333-4444-555555555555";
        let auth = c.policy(ip, &ip.default_role_arn(true));
        let own = format!("private/{id}/a.png");
        for action in ["GetObject", "PutObject", "DeleteObject"] {
            assert!(auth
                .s3
                .iter()
                .any(|s| s.allows(action, "avatars", &own, id)));
        }
        assert!(!auth.s3.iter().any(|s| s.allows(
            "GetObject",
            "avatars",
            "private/other/a.png",
            id
        )));
        assert_eq!(auth.dynamodb.len(), 1);
        let guest = c.policy(ip, &ip.default_role_arn(false));
        assert!(guest
            .s3
            .iter()
            .any(|s| s.allows("PutObject", "avatars", &own, id)));
        assert!(guest.dynamodb.is_empty());
        let ed = c.policy(ip, editor_role);
        assert!(ed
            .s3
            .iter()
            .any(|s| s.allows("GetObject", "avatars", "private/other/a.png", id)));
        assert!(ed
            .s3
            .iter()
            .any(|s| s.allows("ListBucket", "avatars", "private/", id)));
        assert!(!ed
            .s3
            .iter()
            .any(|s| s.allows("ListBucket", "avatars", "", id)));
        assert!(!ed
            .s3
            .iter()
            .any(|s| s.allows("PutObject", "avatars", "private/other/a.png", id)));
        assert!(ed
            .s3
            .iter()
            .any(|s| s.allows("PutObject", "avatars", &own, id)));
        assert!(c
            .policy(ip, "arn:aws:iam::000000000000:role/Unknown")
            .s3
            .is_empty());
        assert_eq!(role_name(editor_role), "ShopSphereEditors");
        assert_eq!(role_name("arn:aws:iam::000000000000:role/path/to/R"), "R");
    }

    #[test]
    fn role_settings_are_validated() {
        for (from, to) in [
            ("precedence = 1", "precedence = -1"),
            (
                "role_arn = \"arn:aws:iam::000000000000:role/ShopSphereEditors\"",
                "role_arn = \"ShopSphereEditors\"",
            ),
            ("name = \"customers\"", "name = \"editors\""),
            ("type = \"Token\"", "type = \"Groups\""),
            (
                "ambiguous_role_resolution = \"AuthenticatedRole\"",
                "ambiguous_role_resolution = \"Allow\"",
            ),
            (
                "us-east-1_ShopSphr1:shopspheredemoclient000001",
                "us-east-1_ShopSphr1:someotherclient",
            ),
            ("\"s3:ListBucket\"]", "\"s3:ListObjects\"]"),
            (
                "bucket = \"avatars\"\nactions",
                "bucket = \"nosuch\"\nactions",
            ),
        ] {
            assert!(DEFAULT_CONFIG.contains(from), "{from}");
            assert!(
                Config::parse(&DEFAULT_CONFIG.replace(from, to)).is_err(),
                "{to}"
            );
        }
        // A Rules mapping needs rules, with known match types.
        let rules = DEFAULT_CONFIG.replacen("type = \"Token\"", "type = \"Rules\"", 1);
        assert!(Config::parse(&rules).is_err());
        let with_rule = DEFAULT_CONFIG.replacen(
            "type = \"Token\"\nambiguous_role_resolution = \"AuthenticatedRole\"",
            "type = \"Rules\"\nambiguous_role_resolution = \"Deny\"\nrules = [{ claim = \"cognito:groups\", match_type = \"Contains\", value = \"editors\", role_arn = \"arn:aws:iam::000000000000:role/ShopSphereEditors\" }]",
            1,
        );
        Config::parse(&with_rule).unwrap();
        assert!(Config::parse(&with_rule.replace("\"Contains\"", "\"Like\"")).is_err());
    }

    #[test]
    fn mapping_rules_match_like_cognito() {
        let rule = |claim: &str, match_type: &str, value: &str| MappingRule {
            claim: claim.into(),
            match_type: match_type.into(),
            value: value.into(),
            role_arn: "arn:aws:iam::000000000000:role/R".into(),
        };
        let claims = serde_json::json!({
            "custom:dept": "Sales", "email_verified": true, "cognito:groups": ["customers", "editors"]
        });
        assert!(rule("custom:dept", "Equals", "Sales").matches(&claims));
        assert!(!rule("custom:dept", "Equals", "sales").matches(&claims));
        assert!(rule("custom:dept", "Contains", "ale").matches(&claims));
        assert!(rule("custom:dept", "StartsWith", "Sa").matches(&claims));
        assert!(rule("custom:dept", "NotEqual", "Support").matches(&claims));
        assert!(!rule("custom:dept", "NotEqual", "Sales").matches(&claims));
        assert!(rule("email_verified", "Equals", "true").matches(&claims));
        assert!(rule("cognito:groups", "Contains", "edit").matches(&claims));
        assert!(rule("cognito:groups", "Equals", "editors").matches(&claims));
        assert!(!rule("cognito:groups", "NotEqual", "editors").matches(&claims));
        // NotEqual on an absent claim is not evaluated.
        assert!(!rule("custom:missing", "NotEqual", "x").matches(&claims));
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
        assert_eq!(
            demo.identity_providers,
            ["COGNITO", "Google", "AcmeSSO", "Facebook"]
        );
        let acme = pool.provider_by_identifier("ACME.example").unwrap();
        assert_eq!(
            (acme.name.as_str(), acme.provider_type.as_str()),
            ("AcmeSSO", "OIDC")
        );
        assert!(pool.identity_provider("Facebook").unwrap().link_by_email);
        assert_eq!(c.local_facebook().unwrap().slug, "facebook");
        for (from, to) in [
            (
                "idp_identifiers = [\"acme.example\"]",
                "idp_identifiers = [\"\"]",
            ),
            ("issuer = \"{cognito}/_idp/acme\"", "issuer = \"\""),
            ("slug = \"acme\"", "slug = \"google\""),
            ("protocol = \"facebook\"", "protocol = \"oidc\""),
        ] {
            assert!(DEFAULT_CONFIG.contains(from), "{from}");
            assert!(
                Config::parse(&DEFAULT_CONFIG.replace(from, to)).is_err(),
                "{to}"
            );
        }
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
