//! User-pool identifiers and the endpoints derived from them.

use crate::error::{concat, config, quoted, Result};
use crate::http::split_scheme;
use crate::json::Object;
use crate::options::Reader;

/// A validated Cognito user-pool id such as `us-east-1_AbC123`.
///
/// The region is the part before the first `_`; it must look like an AWS region
/// (`us-east-1`, `eu-central-2`, `us-gov-west-1`), and the rest must be a non-empty
/// run of letters, digits and `_`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPoolId {
    id: String,
    region_len: usize,
}

impl UserPoolId {
    /// Parses and validates a user-pool id.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming `userPoolId` when the id is not of
    /// the form `<region>_<id>`.
    pub fn parse(id: &str) -> Result<Self> {
        let invalid = || {
            config(format!(
                "userPoolId: {} is not a user pool id of the form <region>_<id>, e.g. us-east-1_AbC123",
                quoted(id)
            ))
        };
        let (region, rest) = id.split_once('_').ok_or_else(invalid)?;
        if !is_region(region)
            || rest.is_empty()
            || !rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(invalid());
        }
        Ok(Self {
            id: id.to_owned(),
            region_len: region.len(),
        })
    }

    /// The whole id.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// The AWS region, e.g. `us-east-1`.
    pub fn region(&self) -> &str {
        &self.id[..self.region_len]
    }

    /// The issuer of the pool's tokens: `https://cognito-idp.<region>.amazonaws.com/<id>`.
    pub fn issuer(&self) -> String {
        concat(&[
            "https://cognito-idp.",
            self.region(),
            ".amazonaws.com/",
            &self.id,
        ])
    }
}

/// Where tokens are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// `localStorage`: survives reloads and is shared by the tabs of the origin (the default).
    Local,
    /// `sessionStorage`: one tab only, gone when the tab closes.
    Session,
    /// In memory: gone on reload.
    Memory,
    /// A store the app supplies (`storage: { getItem, setItem, removeItem }` in JS): the platform
    /// holds it; where it has none, memory.
    App,
}

impl StorageKind {
    /// Parses `'local' | 'session' | 'memory'`.
    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "local" => Ok(Self::Local),
            "session" => Ok(Self::Session),
            "memory" => Ok(Self::Memory),
            _ => Err(config(format!(
                "storage: {} is not 'local', 'session' or 'memory'",
                quoted(value)
            ))),
        }
    }
}

/// How refresh tokens are redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshWith {
    /// `POST /oauth2/token` with `grant_type=refresh_token` (the default).
    TokenEndpoint,
    /// The user-pool API's `GetTokensFromRefreshToken` (the route Cognito documents for rotation).
    Api,
}

/// The endpoints the module talks to; derived from the pool id and domain, each overridable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Managed login: `<domain>/oauth2/authorize`.
    pub authorize: String,
    /// `<domain>/oauth2/token`.
    pub token: String,
    /// `<domain>/oauth2/revoke`.
    pub revoke: String,
    /// `<domain>/logout`.
    pub logout: String,
    /// The token issuer: `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`.
    pub issuer: String,
    /// `<issuer>/.well-known/jwks.json`.
    pub jwks_uri: String,
    /// The user-pool JSON API: `https://cognito-idp.<region>.amazonaws.com/`.
    pub cognito_idp: String,
    /// The identity-pool JSON API: `https://cognito-identity.<region>.amazonaws.com/`.
    pub cognito_identity: String,
}

/// Configuration of a `CognitoAuth`. Build it with [`AuthConfig::new`], adjust the public fields, then
/// [`AuthConfig::validate`].
///
/// With the cargo feature `serde`, `Deserialize` (and `TryFrom<Object>`) read the JS constructor's options
/// through [`AuthConfig::from_options`] (`{ userPoolId, clientId, domain, redirectUri, ... }`, the same
/// checks and messages); there is no `Serialize`.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(try_from = "Object")
)]
pub struct AuthConfig {
    /// The user pool.
    pub user_pool: UserPoolId,
    /// The app client id (a public client: no secret).
    pub client_id: String,
    /// The callback URL registered on the app client, matched exactly by Cognito.
    pub redirect_uri: String,
    /// The sign-out URL registered on the app client; needed for `signOut({ redirect: true })`.
    pub logout_uri: Option<String>,
    /// Scopes to request. Default `openid email profile`; must include `openid`.
    pub scopes: Vec<String>,
    /// The identity pool for AWS credentials, `<region>:<guid>`.
    pub identity_pool_id: Option<String>,
    /// Where tokens are kept. Default [`StorageKind::Local`].
    pub storage: StorageKind,
    /// The endpoints, derived and overridable.
    pub endpoints: Endpoints,
    /// Tokens are refreshed when they expire within this many seconds. Default 120.
    pub refresh_margin_seconds: u64,
    /// `autoRefresh`: refresh the tokens ahead of time, on a timer (not only when the app asks for
    /// them), in the visible tab; see [`CognitoAuth::auto_refresh`](crate::engine::CognitoAuth::auto_refresh).
    /// Default `false`.
    pub auto_refresh: bool,
    /// How refresh tokens are redeemed. Default [`RefreshWith::TokenEndpoint`].
    pub refresh_with: RefreshWith,
    /// How long a started sign-in (its PKCE verifier, state, nonce) is kept, in seconds. Default 600.
    pub transaction_ttl_seconds: u64,
}

impl AuthConfig {
    /// A configuration with every endpoint derived from `user_pool_id` and `domain`: the managed
    /// login's origin (`https://<prefix>.auth.<region>.amazoncognito.com`, or a custom domain), or its
    /// host alone, which means `https://<host>`. An app that never uses the managed login (it signs
    /// in inside the app) gives `""` for `domain` and `redirect_uri`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming the field at fault.
    pub fn new(
        user_pool_id: &str,
        client_id: &str,
        domain: &str,
        redirect_uri: &str,
    ) -> Result<Self> {
        let user_pool = UserPoolId::parse(user_pool_id)?;
        if client_id.is_empty() || !client_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(config(
                "clientId: must be the app client id (letters and digits)",
            ));
        }
        // A bare host, as Amplify and amplify_outputs.json write it, is the https: origin of that host.
        // No domain (and no redirect URI): an app that signs in inside the app only; the managed
        // login's endpoints are then empty and its calls ERR_CONFIG.
        let with_scheme;
        let domain = if domain.is_empty() || split_scheme(domain).is_some() {
            domain
        } else {
            with_scheme = concat(&["https://", domain]);
            &with_scheme
        };
        if !domain.is_empty() {
            check_url("domain", domain)?;
        }
        let domain = domain.trim_end_matches('/');
        if split_scheme(domain).is_some_and(|(_, rest)| rest.contains(['/', '?', '#'])) {
            return Err(config("domain: must be an origin such as https://<prefix>.auth.<region>.amazoncognito.com, without a path"));
        }
        if !redirect_uri.is_empty() {
            check_url("redirectUri", redirect_uri)?;
        }
        let at = |path: &str| {
            if domain.is_empty() {
                String::new()
            } else {
                concat(&[domain, path])
            }
        };
        let issuer = user_pool.issuer();
        let region = user_pool.region().to_owned();
        Ok(Self {
            endpoints: Endpoints {
                authorize: at("/oauth2/authorize"),
                token: at("/oauth2/token"),
                revoke: at("/oauth2/revoke"),
                logout: at("/logout"),
                jwks_uri: jwks_uri_for_issuer(&issuer),
                issuer,
                cognito_idp: concat(&["https://cognito-idp.", &region, ".amazonaws.com/"]),
                cognito_identity: concat(&[
                    "https://cognito-identity.",
                    &region,
                    ".amazonaws.com/",
                ]),
            },
            user_pool,
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            logout_uri: None,
            scopes: ["openid", "email", "profile"].map(String::from).to_vec(),
            identity_pool_id: None,
            storage: StorageKind::Local,
            refresh_margin_seconds: 120,
            auto_refresh: false,
            refresh_with: RefreshWith::TokenEndpoint,
            transaction_ttl_seconds: 600,
        })
    }

    /// A validated configuration from the JS constructor's options object: `userPoolId` and
    /// `clientId` are required, `domain` and `redirectUri` too for the managed login; `logoutUri`, `scopes`, `identityPoolId`, `storage`,
    /// `refreshMarginSeconds`, `transactionTtlSeconds`, `refreshWith` and `endpoints` (`issuer`,
    /// `jwksUri`, `cognitoIdp`, `cognitoIdentity`, `authorize`, `token`, `revoke`, `logout`)
    /// override the defaults of [`AuthConfig::new`]. An `endpoints.issuer` override moves
    /// the JWKS URL with it unless `endpoints.jwksUri` is set too.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming the field at fault.
    pub fn from_options(options: &Object) -> Result<Self> {
        let mut r = Reader::new(options);
        let user_pool_id = r.required("userPoolId");
        let client_id = r.required("clientId");
        let domain = r.string("domain").unwrap_or_default();
        let redirect_uri = r.string("redirectUri").unwrap_or_default();
        r.check()?;
        let mut c = Self::new(&user_pool_id, &client_id, &domain, &redirect_uri)?;
        c.logout_uri = r.string("logoutUri");
        if let Some(scopes) = r.strings("scopes") {
            c.scopes = scopes;
        }
        c.identity_pool_id = r.string("identityPoolId");
        // An object is a store the app supplies (its functions do not survive JSON: the facade holds it).
        let app_storage = r.value("storage").is_some_and(|v| v.as_object().is_some());
        let storage = if app_storage {
            None
        } else {
            r.string("storage")
        };
        if let Some(m) = r.seconds("refreshMarginSeconds") {
            c.refresh_margin_seconds = m;
        }
        c.auto_refresh = r.bool("autoRefresh").unwrap_or(false);
        if let Some(t) = r.seconds("transactionTtlSeconds") {
            c.transaction_ttl_seconds = t;
        }
        match r.string("refreshWith").as_deref() {
            None | Some("tokenEndpoint") => {}
            Some("api") => c.refresh_with = RefreshWith::Api,
            Some(_) => r.fail("refreshWith", "must be 'tokenEndpoint' or 'api'"),
        }
        if let Some(mut endpoints) = r.object("endpoints") {
            let e = &mut c.endpoints;
            if let Some(issuer) = endpoints.string("issuer") {
                e.jwks_uri = jwks_uri_for_issuer(&issuer);
                e.issuer = issuer;
            }
            for (name, slot) in [
                ("jwksUri", &mut e.jwks_uri),
                ("cognitoIdp", &mut e.cognito_idp),
                ("cognitoIdentity", &mut e.cognito_identity),
                ("authorize", &mut e.authorize),
                ("token", &mut e.token),
                ("revoke", &mut e.revoke),
                ("logout", &mut e.logout),
            ] {
                if let Some(v) = endpoints.string(name) {
                    *slot = v;
                }
            }
            endpoints.check()?;
        }
        r.check()?;
        if app_storage {
            c.storage = StorageKind::App;
        } else if let Some(storage) = storage {
            c.storage = StorageKind::parse(&storage)?;
        }
        c.validate()?;
        Ok(c)
    }

    /// The provider name of the pool in identity-pool `Logins` maps:
    /// `cognito-idp.<region>.amazonaws.com/<userPoolId>`.
    pub fn identity_provider_name(&self) -> String {
        concat(&[
            "cognito-idp.",
            self.user_pool.region(),
            ".amazonaws.com/",
            self.user_pool.as_str(),
        ])
    }

    /// Checks the fields that can be set by hand.
    pub fn validate(&self) -> Result<()> {
        if let Some(uri) = &self.logout_uri {
            check_url("logoutUri", uri)?;
        }
        if !self.scopes.iter().any(|s| s == "openid") {
            return Err(config(
                "scopes: must include 'openid' (Cognito issues no ID token without it)",
            ));
        }
        if self.scopes.iter().any(|s| s.is_empty() || s.contains(' ')) {
            return Err(config(
                "scopes: each scope is a non-empty string without spaces",
            ));
        }
        if let Some(id) = &self.identity_pool_id {
            let valid = id.split_once(':').is_some_and(|(region, guid)| {
                is_region(region)
                    && guid.len() == 36
                    && guid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
            });
            if !valid {
                return Err(config(format!(
                    "identityPoolId: {} is not of the form <region>:<guid>",
                    quoted(id)
                )));
            }
        }
        let e = &self.endpoints;
        // The managed login's four are empty without a domain (in-app sign-in only).
        let managed = [
            ("endpoints.authorize", &e.authorize),
            ("endpoints.token", &e.token),
            ("endpoints.revoke", &e.revoke),
            ("endpoints.logout", &e.logout),
        ];
        for (field, url) in managed
            .into_iter()
            .filter(|(_, url)| !url.is_empty())
            .chain([
                ("endpoints.issuer", &e.issuer),
                ("endpoints.jwksUri", &e.jwks_uri),
                ("endpoints.cognitoIdp", &e.cognito_idp),
                ("endpoints.cognitoIdentity", &e.cognito_identity),
            ])
        {
            check_url(field, url)?;
        }
        if self.refresh_margin_seconds > 3000 {
            return Err(config("refreshMarginSeconds: at most 3000"));
        }
        if !(60..=3600).contains(&self.transaction_ttl_seconds) {
            return Err(config("transactionTtlSeconds: from 60 to 3600"));
        }
        Ok(())
    }
}

/// `<issuer>/.well-known/jwks.json`, the key set of a pool with that issuer.
pub fn jwks_uri_for_issuer(issuer: &str) -> String {
    concat(&[issuer.trim_end_matches('/'), "/.well-known/jwks.json"])
}

/// An AWS region: dash-separated lower-case alphanumeric parts, at least three, the last all digits.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

/// Validates that `url` is an absolute `https:` URL, or `http:` on a loopback host (local development).
pub(crate) fn check_url(field: &str, url: &str) -> Result<()> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
            return Err(config(format!(
                "{field}: {} uses http:, which is only allowed for localhost",
                quoted(url)
            )));
        }
        rest
    } else {
        return Err(config(format!(
            "{field}: {} is not an absolute https: URL",
            quoted(url)
        )));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(config(format!("{field}: {} has no host", quoted(url))));
    }
    Ok(())
}

#[cfg(feature = "serde")]
crate::options::try_from_options!(AuthConfig);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn derives_region_and_issuer() {
        let id = UserPoolId::parse("us-east-1_AbC123").unwrap();
        assert_eq!(id.region(), "us-east-1");
        assert_eq!(
            id.issuer(),
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123"
        );
        assert_eq!(
            jwks_uri_for_issuer(&id.issuer()),
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123/.well-known/jwks.json"
        );
        assert_eq!(
            UserPoolId::parse("us-gov-west-1_x_Y").unwrap().region(),
            "us-gov-west-1"
        );
    }

    #[test]
    fn rejects_invalid_pool_ids() {
        for bad in [
            "",
            "us-east-1",
            "us-east-1_",
            "_abc",
            "useast1_abc",
            "us-east-x_abc",
            "US-EAST-1_abc",
            "us-east-1_ab/c",
            "us-east-1_ab c",
            "us--1_abc",
        ] {
            let err = UserPoolId::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{bad:?}");
            assert!(err.message().starts_with("userPoolId"), "{bad:?}");
        }
    }

    #[test]
    fn derives_every_endpoint() {
        let c = AuthConfig::new(
            "eu-west-1_Pool1",
            "abc123",
            "https://shop.auth.eu-west-1.amazoncognito.com/",
            "https://app.example/callback",
        )
        .unwrap();
        assert_eq!(
            c.endpoints.authorize,
            "https://shop.auth.eu-west-1.amazoncognito.com/oauth2/authorize"
        );
        assert_eq!(
            c.endpoints.token,
            "https://shop.auth.eu-west-1.amazoncognito.com/oauth2/token"
        );
        assert_eq!(
            c.endpoints.logout,
            "https://shop.auth.eu-west-1.amazoncognito.com/logout"
        );
        assert_eq!(
            c.endpoints.issuer,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool1"
        );
        assert_eq!(
            c.endpoints.cognito_idp,
            "https://cognito-idp.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            c.endpoints.cognito_identity,
            "https://cognito-identity.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            c.identity_provider_name(),
            "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool1"
        );
        assert!(c.validate().is_ok());
    }

    #[test]
    fn auth_config_errors_name_the_field() {
        let field = |r: Result<AuthConfig>| {
            r.unwrap_err()
                .message()
                .split(':')
                .next()
                .unwrap()
                .to_owned()
        };
        let ok = (
            "us-east-1_P",
            "abc",
            "https://d.example",
            "https://app.example/",
        );
        assert_eq!(field(AuthConfig::new("x", ok.1, ok.2, ok.3)), "userPoolId");
        assert_eq!(field(AuthConfig::new(ok.0, "", ok.2, ok.3)), "clientId");
        assert_eq!(field(AuthConfig::new(ok.0, "a b", ok.2, ok.3)), "clientId");
        assert_eq!(
            field(AuthConfig::new(ok.0, ok.1, "http://d.example", ok.3)),
            "domain"
        );
        assert_eq!(
            field(AuthConfig::new(ok.0, ok.1, "https://d.example/path", ok.3)),
            "domain"
        );
        // A bare host is its https: origin; with a path it is still refused.
        for (bare, origin) in [
            (
                "shop.auth.us-east-1.amazoncognito.com",
                "https://shop.auth.us-east-1.amazoncognito.com",
            ),
            ("auth.shop.example/", "https://auth.shop.example"),
            ("localhost:9000", "https://localhost:9000"),
        ] {
            let c = AuthConfig::new(ok.0, ok.1, bare, ok.3).unwrap();
            assert_eq!(c.endpoints.token, format!("{origin}/oauth2/token"));
            assert_eq!(c.endpoints.logout, format!("{origin}/logout"));
        }
        assert_eq!(
            field(AuthConfig::new(ok.0, ok.1, "d.example/path", ok.3)),
            "domain"
        );
        // No domain and no redirect URI: in-app sign-in only, the managed login's endpoints empty.
        let api_only = AuthConfig::new(ok.0, ok.1, "", "").unwrap();
        assert!(api_only.endpoints.authorize.is_empty() && api_only.endpoints.logout.is_empty());
        assert!(api_only.validate().is_ok());
        let e = crate::oauth::authorize_url(&api_only, "s", "n", "c", &Default::default());
        assert_eq!(
            e.unwrap_err().message(),
            "domain: required for the managed login"
        );
        let no_redirect = AuthConfig::new(ok.0, ok.1, ok.2, "").unwrap();
        let e = crate::oauth::authorize_url(&no_redirect, "s", "n", "c", &Default::default());
        assert_eq!(
            e.unwrap_err().message(),
            "redirectUri: required for the managed login"
        );
        assert_eq!(
            field(AuthConfig::new(ok.0, ok.1, ok.2, "/callback")),
            "redirectUri"
        );
        let base = AuthConfig::new(ok.0, ok.1, ok.2, ok.3).unwrap();
        let check = |f: &dyn Fn(&mut AuthConfig)| {
            let mut c = base.clone();
            f(&mut c);
            c.validate()
                .unwrap_err()
                .message()
                .split(':')
                .next()
                .unwrap()
                .to_owned()
        };
        assert_eq!(check(&|c| c.scopes = vec!["email".into()]), "scopes");
        assert_eq!(
            check(&|c| c.identity_pool_id = Some("nope".into())),
            "identityPoolId"
        );
        assert_eq!(
            check(&|c| c.logout_uri = Some("ftp://x".into())),
            "logoutUri"
        );
        assert_eq!(
            check(&|c| c.endpoints.token = "http://evil.example/t".into()),
            "endpoints.token"
        );
        let mut c = base.clone();
        c.identity_pool_id = Some("us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c".into());
        assert!(c.validate().is_ok());
        assert_eq!(
            StorageKind::parse("cookie").unwrap_err().kind(),
            ErrorKind::Config
        );
    }

    #[test]
    fn auth_config_from_options() {
        let required = r#""userPoolId":"us-east-1_P","clientId":"abc","domain":"https://d.example","redirectUri":"https://app.example/""#;
        let parse = |extra: &str| {
            AuthConfig::from_options(&Object::parse(&format!("{{{required}{extra}}}")).unwrap())
        };
        let c = parse("").unwrap();
        assert_eq!(c.scopes, ["openid", "email", "profile"]);
        assert_eq!(c.storage, StorageKind::Local);
        assert_eq!(c.refresh_margin_seconds, 120);
        assert_eq!(c.transaction_ttl_seconds, 600);
        assert_eq!(c.refresh_with, RefreshWith::TokenEndpoint);
        assert_eq!(c.logout_uri, None);
        assert_eq!(c.endpoints.token, "https://d.example/oauth2/token");

        let c = parse(
            r#","logoutUri":"https://app.example/bye","scopes":"openid","storage":"memory",
               "refreshMarginSeconds":30,"transactionTtlSeconds":60,"refreshWith":"api",
               "identityPoolId":"us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c",
               "endpoints":{"issuer":"http://localhost:9230/us-east-1_P","cognitoIdp":"http://localhost:9230/"}"#,
        )
        .unwrap();
        assert_eq!(c.logout_uri.as_deref(), Some("https://app.example/bye"));
        assert_eq!(c.scopes, ["openid"]);
        assert_eq!(c.storage, StorageKind::Memory);
        assert_eq!(
            (c.refresh_margin_seconds, c.transaction_ttl_seconds),
            (30, 60)
        );
        assert_eq!(c.refresh_with, RefreshWith::Api);
        assert_eq!(c.endpoints.issuer, "http://localhost:9230/us-east-1_P");
        assert_eq!(
            c.endpoints.jwks_uri,
            "http://localhost:9230/us-east-1_P/.well-known/jwks.json"
        );
        assert_eq!(c.endpoints.cognito_idp, "http://localhost:9230/");
        let c = parse(
            r#","endpoints":{"issuer":"https://i.example/p","jwksUri":"https://k.example/j"}"#,
        )
        .unwrap();
        assert_eq!(c.endpoints.jwks_uri, "https://k.example/j");

        let field = |extra: &str| {
            let err = parse(extra).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{extra}");
            err.message().split(':').next().unwrap().to_owned()
        };
        assert_eq!(field(r#","logoutUri":5"#), "logoutUri");
        assert_eq!(field(r#","scopes":["email"]"#), "scopes");
        assert_eq!(field(r#","scopes":{}"#), "scopes");
        assert_eq!(field(r#","storage":"cookies""#), "storage");
        assert_eq!(
            field(r#","refreshMarginSeconds":"60""#),
            "refreshMarginSeconds"
        );
        assert_eq!(
            field(r#","transactionTtlSeconds":1.5"#),
            "transactionTtlSeconds"
        );
        assert_eq!(field(r#","refreshWith":"magic""#), "refreshWith");
        assert_eq!(field(r#","identityPoolId":"nope""#), "identityPoolId");
        assert_eq!(field(r#","endpoints":"x""#), "endpoints");
        assert_eq!(field(r#","endpoints":{"issuer":5}"#), "endpoints.issuer");
        assert_eq!(
            field(r#","endpoints":{"token":"ftp://x"}"#),
            "endpoints.token"
        );
        assert_eq!(
            parse(r#","endpoints":{"revoke":[]}"#)
                .unwrap_err()
                .message(),
            "endpoints.revoke: must be a string"
        );
        for (key, value) in [("userPoolId", "us-east-1_P"), ("clientId", "abc")] {
            let text = required.replace(&format!(r#""{key}":"{value}""#), r#""other":1"#);
            let err = AuthConfig::from_options(&Object::parse(&format!("{{{text}}}")).unwrap())
                .unwrap_err();
            assert_eq!(err.message(), format!("{key}: required"));
        }
    }

    #[test]
    fn urls_must_be_https_except_on_loopback() {
        assert!(check_url("jwksUri", "https://example.com/jwks.json").is_ok());
        assert!(check_url("jwksUri", "http://localhost:9230/x").is_ok());
        assert!(check_url("jwksUri", "http://127.0.0.1/x").is_ok());
        assert!(check_url("jwksUri", "http://[::1]:80/x").is_ok());
        for bad in [
            "http://example.com/x",
            "ftp://x",
            "https://",
            "https:///x",
            "jwks.json",
        ] {
            let err = check_url("jwksUri", bad).unwrap_err();
            assert!(err.message().starts_with("jwksUri"), "{bad}");
        }
    }
}
