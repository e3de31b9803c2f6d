//! Identity-pool credentials (enhanced flow): `GetId` and `GetCredentialsForIdentity` as plain data,
//! the stored credentials, and when to refresh them. Pure: time is passed in.

use crate::awsjson;
use crate::config::AuthConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::{Number, Object, Value};
use crate::secret::{IdToken, SecretAccessKey, SessionToken};
use crate::session::{self, STORAGE_VERSION};
use crate::sigv4::Credentials;

/// Credentials are refreshed this many seconds before their `Expiration`.
pub const REFRESH_MARGIN_SECONDS: u64 = 300;

/// Who the credentials are for: a guest, or the user with this `sub`. Each has its own identity id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Signed out: unauthenticated identity (if the pool allows guests).
    Guest,
    /// Signed in: the user's `sub`.
    User(String),
}

impl Principal {
    /// The storage suffix: `guest` or `user.<sub>`.
    pub fn key(&self) -> String {
        match self {
            Principal::Guest => "guest".to_owned(),
            Principal::User(sub) => {
                let mut key = String::from("user.");
                key.push_str(sub);
                key
            }
        }
    }
}

fn pool_id(config: &AuthConfig) -> Result<&str> {
    config
        .identity_pool_id
        .as_deref()
        .ok_or_else(|| crate::error::config("identityPoolId: required for AWS credentials"))
}

fn request(config: &AuthConfig, op: &str, body: Object) -> HttpRequest {
    HttpRequest {
        method: "POST",
        url: config.endpoints.cognito_identity.clone(),
        headers: vec![
            ("content-type".into(), "application/x-amz-json-1.1".into()),
            ("x-amz-target".into(), {
                let mut target = String::from("AWSCognitoIdentityService.");
                target.push_str(op);
                target
            }),
        ],
        body: body.to_json().into(),
    }
}

/// Adds the `Logins` map of the enhanced flow, `{"cognito-idp.<region>.amazonaws.com/<pool>": idToken}`,
/// when signed in.
fn with_logins(config: &AuthConfig, mut body: Object, id_token: Option<&IdToken>) -> Object {
    if let Some(token) = id_token {
        body.insert(
            "Logins",
            Object::new().with(&config.identity_provider_name(), token.expose()),
        );
    }
    body
}

/// `GetId`: the identity id of the user (with the ID token) or of a new guest (without).
pub fn get_id(config: &AuthConfig, id_token: Option<&IdToken>) -> Result<HttpRequest> {
    let body = Object::new().with("IdentityPoolId", pool_id(config)?);
    Ok(request(
        config,
        "GetId",
        with_logins(config, body, id_token),
    ))
}

/// `GetCredentialsForIdentity` for `identity_id`, with the ID token when signed in, and the role
/// asked for (`CustomRoleArn`) if any.
pub fn get_credentials(
    config: &AuthConfig,
    identity_id: &str,
    id_token: Option<&IdToken>,
    role: Option<&str>,
) -> HttpRequest {
    let mut body = Object::new().with("IdentityId", identity_id);
    if let Some(arn) = role {
        body.insert("CustomRoleArn", arn);
    }
    request(
        config,
        "GetCredentialsForIdentity",
        with_logins(config, body, id_token),
    )
}

fn ok_json(response: &HttpResponse) -> Result<Value> {
    awsjson::json_api_body(response, "the identity-pool response is not a JSON object")
}

/// The `IdentityId` of a `GetId` response.
pub fn parse_get_id(response: &HttpResponse) -> Result<String> {
    ok_json(response)?
        .get("IdentityId")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::new(ErrorKind::Network, "GetId answered without an IdentityId"))
}

/// AWS credentials of an identity, as stored.
///
/// With the cargo feature `serde`, `Serialize` and `Deserialize` use the app's shape of
/// [`to_app_json`](Self::to_app_json), the JS API's `AwsCredentials`: `{ identityId, accessKeyId,
/// secretAccessKey, sessionToken, expiration }` with `expiration` in milliseconds and `v` left out (read
/// back as the current version). The secret access key and session token are written **in clear**: the
/// serialized form is as sensitive as the credentials; `Debug` stays redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
pub struct IdentityCredentials {
    /// Format version.
    #[cfg_attr(feature = "serde", serde(skip, default = "current_version"))]
    pub v: u32,
    /// The identity id, `<region>:<guid>`.
    pub identity_id: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key; redacted in `Debug`.
    pub secret_access_key: SecretAccessKey,
    /// The session token; redacted in `Debug`.
    pub session_token: SessionToken,
    /// `Expiration`, in seconds since the epoch on the server clock (in milliseconds with serde).
    #[cfg_attr(feature = "serde", serde(with = "milliseconds"))]
    pub expiration: u64,
}

#[cfg(feature = "serde")]
fn current_version() -> u32 {
    STORAGE_VERSION
}

/// Seconds as milliseconds, like `to_app_json`'s `expiration` (read back in whole seconds).
#[cfg(feature = "serde")]
mod milliseconds {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(seconds: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(seconds.saturating_mul(1000))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        u64::deserialize(d).map(|ms| ms / 1000)
    }
}

/// Parses a `GetCredentialsForIdentity` response (`Expiration` in epoch seconds, a JSON number).
pub fn parse_credentials(response: &HttpResponse) -> Result<IdentityCredentials> {
    let value = ok_json(response)?;
    let missing = || {
        Error::new(
            ErrorKind::Network,
            "GetCredentialsForIdentity answered without credentials",
        )
    };
    let c = value.get("Credentials").ok_or_else(missing)?;
    let text = |v: &Value, name: &str| v.get(name).and_then(Value::as_str).map(str::to_owned);
    Ok(IdentityCredentials {
        v: STORAGE_VERSION,
        identity_id: text(&value, "IdentityId").ok_or_else(missing)?,
        access_key_id: text(c, "AccessKeyId").ok_or_else(missing)?,
        secret_access_key: text(c, "SecretKey").ok_or_else(missing)?.into(),
        session_token: text(c, "SessionToken").ok_or_else(missing)?.into(),
        expiration: c
            .get("Expiration")
            .and_then(Value::as_number)
            .and_then(Number::as_whole_u64)
            .filter(|e| *e > 0)
            .ok_or_else(missing)?,
    })
}

impl IdentityCredentials {
    /// Whether they must be refreshed at `server_now`: within [`REFRESH_MARGIN_SECONDS`] of expiry.
    pub fn needs_refresh(&self, server_now: u64) -> bool {
        server_now.saturating_add(REFRESH_MARGIN_SECONDS) >= self.expiration
    }

    /// The signing credentials.
    pub fn signing(&self) -> Credentials {
        Credentials {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            session_token: Some(self.session_token.clone()),
        }
    }

    /// What the app is handed: `{ identityId, accessKeyId, secretAccessKey, sessionToken, expiration }`
    /// (`expiration` in milliseconds since the epoch, server clock).
    pub fn to_app_json(&self) -> Object {
        Object::new()
            .with("identityId", self.identity_id.as_str())
            .with("accessKeyId", self.access_key_id.as_str())
            .with("secretAccessKey", self.secret_access_key.expose())
            .with("sessionToken", self.session_token.expose())
            .with("expiration", self.expiration.saturating_mul(1000))
    }

    /// The JSON text stored.
    pub fn to_json(&self) -> String {
        session::versioned()
            .with("identity_id", self.identity_id.as_str())
            .with("access_key_id", self.access_key_id.as_str())
            .with("secret_access_key", self.secret_access_key.expose())
            .with("session_token", self.session_token.expose())
            .with("expiration", self.expiration)
            .to_json()
    }

    /// Reads stored credentials.
    pub fn from_json(text: &str) -> Option<Self> {
        let o = session::object(text).filter(session::is_current)?;
        let text = |name| session::text_field(&o, name);
        Some(Self {
            v: STORAGE_VERSION,
            identity_id: text("identity_id")?,
            access_key_id: text("access_key_id")?,
            secret_access_key: text("secret_access_key")?.into(),
            session_token: text("session_token")?.into(),
            expiration: session::u64_field(&o, "expiration")?,
        })
    }
}

/// Whether an identity-pool error means the cached identity id is unusable (deleted, of another pool,
/// or not an identity id) and `GetId` should be asked again. With a role asked for
/// (`role_asked`), `InvalidParameterException` is the refusal of that role, not of the id.
pub fn identity_id_stale(error: &Error, role_asked: bool) -> bool {
    error.kind() == ErrorKind::Aws
        && match error.server_type() {
            Some("ResourceNotFoundException") => true,
            Some("InvalidParameterException") => !role_asked,
            _ => false,
        }
}

/// Whether a stored text has the shape of an identity id, `<region>:<uuid>` (a stored value is read
/// through this before it is sent).
pub fn is_identity_id(text: &str) -> bool {
    let Some((region, id)) = text.split_once(':') else {
        return false;
    };
    let hex_or_dash = |(i, b): (usize, u8)| match i {
        8 | 13 | 18 | 23 => b == b'-',
        _ => b.is_ascii_hexdigit(),
    };
    (1..=32).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && id.len() == 36
        && id.bytes().enumerate().all(hex_or_dash)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> AuthConfig {
        let mut c = crate::testing::config("https://app.example/");
        c.identity_pool_id = Some("us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c".into());
        c
    }

    use crate::testing::response as resp;

    #[test]
    fn identity_ids_by_shape() {
        assert!(is_identity_id(
            "us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c"
        ));
        for bad in [
            "",
            "us-east-1",
            "us-east-1:",
            "us-east-1:7b5c1e2a3f4d4e6a9b8c0d1e2f3a4b5c",
            "US-EAST-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c",
            "us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5z",
            ":7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c",
            "us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c\n",
        ] {
            assert!(!is_identity_id(bad), "{bad:?}");
        }
        let invalid = Error::new(ErrorKind::Aws, "x").with_server_type("InvalidParameterException");
        assert!(identity_id_stale(&invalid, false));
        assert!(
            !identity_id_stale(&invalid, true),
            "with a role asked for: the role's refusal"
        );
    }

    #[test]
    fn requests_carry_the_logins_map_only_when_signed_in() {
        let r = get_id(&cfg(), Some(&IdToken::new("id.tok.en"))).unwrap();
        assert_eq!(r.url, "https://cognito-identity.us-east-1.amazonaws.com/");
        assert!(r.headers.contains(&(
            "x-amz-target".into(),
            "AWSCognitoIdentityService.GetId".into()
        )));
        let body: serde_json::Value = serde_json::from_str(r.body.expose()).unwrap();
        assert_eq!(
            body["IdentityPoolId"],
            "us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c"
        );
        assert_eq!(
            body["Logins"]["cognito-idp.us-east-1.amazonaws.com/us-east-1_P00l"],
            "id.tok.en"
        );
        let guest: serde_json::Value =
            serde_json::from_str(get_id(&cfg(), None).unwrap().body.expose()).unwrap();
        assert!(guest.get("Logins").is_none());
        let request = get_credentials(&cfg(), "us-east-1:abc", Some(&"t".into()), None);
        let c: serde_json::Value = serde_json::from_str(request.body.expose()).unwrap();
        assert_eq!(c["IdentityId"], "us-east-1:abc");
        assert!(c.get("CustomRoleArn").is_none());
        let role = "arn:aws:iam::000000000000:role/Editors";
        let request = get_credentials(&cfg(), "us-east-1:abc", Some(&"t".into()), Some(role));
        let r: serde_json::Value = serde_json::from_str(request.body.expose()).unwrap();
        assert_eq!(r["CustomRoleArn"], role);
        assert_eq!(
            c["Logins"]["cognito-idp.us-east-1.amazonaws.com/us-east-1_P00l"],
            "t"
        );
        let mut no_pool = cfg();
        no_pool.identity_pool_id = None;
        assert!(get_id(&no_pool, None)
            .unwrap_err()
            .message()
            .starts_with("identityPoolId"));
    }

    #[test]
    fn parses_responses_and_typed_errors() {
        assert_eq!(
            parse_get_id(&resp(200, r#"{"IdentityId":"us-east-1:abc"}"#)).unwrap(),
            "us-east-1:abc"
        );
        let creds = parse_credentials(&resp(
            200,
            r#"{"IdentityId":"us-east-1:abc","Credentials":{"AccessKeyId":"ASIA1","SecretKey":"s","SessionToken":"t","Expiration":1.8e9}}"#,
        ))
        .unwrap();
        assert_eq!(
            (creds.access_key_id.as_str(), creds.expiration),
            ("ASIA1", 1_800_000_000)
        );
        assert!(!format!("{creds:?}").contains("\"s\""));
        assert_eq!(
            IdentityCredentials::from_json(&creds.to_json()),
            Some(creds.clone())
        );
        assert_eq!(IdentityCredentials::from_json("{}"), None);
        assert_eq!(
            creds.to_app_json().to_json(),
            r#"{"identityId":"us-east-1:abc","accessKeyId":"ASIA1","secretAccessKey":"s","sessionToken":"t","expiration":1800000000000}"#
        );
        let e = parse_get_id(&resp(
            400,
            r#"{"__type":"NotAuthorizedException","message":"Invalid login token."}"#,
        ))
        .unwrap_err();
        assert_eq!(
            (e.kind(), e.server_type()),
            (ErrorKind::Aws, Some("NotAuthorizedException"))
        );
        let e =
            parse_credentials(&resp(400, r#"{"__type":"ResourceNotFoundException"}"#)).unwrap_err();
        assert!(identity_id_stale(&e, false) && identity_id_stale(&e, true));
        assert_eq!(
            parse_get_id(&resp(400, r#"{"__type":"TooManyRequestsException"}"#))
                .unwrap_err()
                .kind(),
            ErrorKind::Network
        );
        assert_eq!(
            parse_credentials(&resp(200, r#"{"IdentityId":"x"}"#))
                .unwrap_err()
                .kind(),
            ErrorKind::Network
        );
    }

    #[test]
    fn refreshes_shortly_before_the_real_expiration() {
        let c = IdentityCredentials {
            v: STORAGE_VERSION,
            identity_id: "i".into(),
            access_key_id: "a".into(),
            secret_access_key: SecretAccessKey::new("s"),
            session_token: SessionToken::new("t"),
            expiration: 10_000,
        };
        assert!(!c.needs_refresh(10_000 - REFRESH_MARGIN_SECONDS - 1));
        assert!(c.needs_refresh(10_000 - REFRESH_MARGIN_SECONDS));
        assert_eq!(c.signing().session_token.unwrap().expose(), "t");
        assert_eq!(Principal::User("s-1".into()).key(), "user.s-1");
        assert_eq!(Principal::Guest.key(), "guest");
    }
}
