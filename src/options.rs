//! Options objects: one typed [`Reader`] over a JSON [`Object`], and the option structs of the
//! `CognitoAuth` methods with their defaults.
//!
//! The JS facade turns every options object into an [`Object`] (through the browser's
//! `JSON.stringify`) and builds these structs with their `from_options` constructors; the Rust API
//! takes the same structs, so both share one set of rules and defaults. A field of the wrong type is
//! [`ErrorKind::Config`](crate::ErrorKind::Config) with a message that starts with the field's name,
//! e.g. `forceRefresh: must be true or false` or `endpoints.issuer: must be a string`.
//!
//! ```
//! use cognito_wasm::json::Object;
//! use cognito_wasm::options::{PresignOptions, SignOutOptions};
//! let o = Object::parse(r#"{"service":"s3","region":"us-east-1"}"#).unwrap();
//! assert_eq!(PresignOptions::from_options(&o)?.expires_in, 900);
//! assert!(SignOutOptions::default().redirect);
//! let bad = Object::parse(r#"{"global":"yes"}"#).unwrap();
//! assert_eq!(
//!     SignOutOptions::from_options(&bad).unwrap_err().message(),
//!     "global: must be true or false"
//! );
//! # Ok::<(), cognito_wasm::Error>(())
//! ```
//!
//! With the cargo feature `serde`, each option struct implements `Serialize` as the JS API's options
//! object (camelCase names, absent fields left out, [`SignInOptions::sign_up`] as `screen`) and
//! `Deserialize` (and `TryFrom<Object>`) through its `from_options`: the same names, defaults and checks,
//! a wrong field failing with the same message. [`AuthConfig`](crate::config::AuthConfig) deserializes
//! the constructor's options the same way.

use crate::error::{config, Error, Result};
use crate::json::{Object, Value};
use crate::sigv4::MAX_EXPIRES_IN;

/// The largest value [`Reader::seconds`] accepts (exclusive): 10⁹ seconds, about 31 years.
pub const MAX_SECONDS: u64 = 1_000_000_000;

/// Reads the fields of an options object, each with its type; errors name the field (with the
/// prefix of a nested object, e.g. `endpoints.token`).
///
/// Every reader returns `None` when the field is absent. A field that is present with the wrong
/// type (`null` included; only [`strings`](Self::strings) takes `null` as absent) also gives `None`
/// and records an [`ErrorKind::Config`](crate::ErrorKind::Config) error; [`check`](Self::check)
/// returns the first one recorded. So a constructor reads every field and checks once: one error
/// path instead of one per field, which is what keeps option parsing small in wasm.
///
/// ```
/// use cognito_wasm::json::Object;
/// use cognito_wasm::options::Reader;
/// let o = Object::parse(r#"{"a":"x","b":1,"c":2}"#).unwrap();
/// let mut r = Reader::new(&o);
/// assert_eq!(r.string("a").as_deref(), Some("x"));
/// assert_eq!(r.bool("b"), None);
/// assert_eq!(r.string("c"), None);
/// assert_eq!(r.check().unwrap_err().message(), "b: must be true or false");
/// assert!(r.check().is_ok());
/// ```
#[derive(Debug)]
pub struct Reader<'a> {
    object: &'a Object,
    prefix: &'static str,
    error: Option<Error>,
}

impl<'a> Reader<'a> {
    /// A reader over the top level of `object`.
    pub fn new(object: &'a Object) -> Self {
        Self {
            object,
            prefix: "",
            error: None,
        }
    }

    /// The first error recorded since the last check, if any (and forgets it).
    pub fn check(&mut self) -> Result<()> {
        self.error.take().map_or(Ok(()), Err)
    }

    /// The raw value of `name`, for fields with a type of their own (such as `null` meaning "any").
    pub fn value(&self, name: &str) -> Option<&'a Value> {
        self.object.get(name)
    }

    /// Records `error` unless an earlier one is recorded.
    pub fn record(&mut self, error: Error) {
        self.error.get_or_insert(error);
    }

    /// Records the error `<prefix.>name: problem` unless an earlier one is recorded.
    pub fn fail(&mut self, name: &str, problem: &str) {
        if self.error.is_some() {
            return;
        }
        let mut message = String::with_capacity(self.prefix.len() + name.len() + problem.len() + 3);
        if !self.prefix.is_empty() {
            message.push_str(self.prefix);
            message.push('.');
        }
        message.push_str(name);
        message.push_str(": ");
        message.push_str(problem);
        self.error = Some(config(message));
    }

    /// The value of `name` converted by `read`; records `problem` when `read` gives `None`.
    fn typed<T>(
        &mut self,
        name: &str,
        problem: &str,
        read: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Option<T> {
        let typed = read(self.value(name)?);
        if typed.is_none() {
            self.fail(name, problem);
        }
        typed
    }

    /// An object of strings (`{ name: 'Ann' }`: attributes), empty when absent; records
    /// `must be an object of strings (<example>)` for anything else.
    pub fn string_map(&mut self, name: &str, example: &str) -> Object {
        let problem = crate::error::concat(&["must be an object of strings (", example, ")"]);
        self.typed(name, &problem, |v| {
            v.as_object()
                .filter(|o| o.iter().all(|(_, v)| v.as_str().is_some()))
                .cloned()
        })
        .unwrap_or_default()
    }

    /// A string field.
    pub fn string(&mut self, name: &str) -> Option<String> {
        self.typed(name, "must be a string", |v| v.as_str().map(str::to_owned))
    }

    /// A string field that must be present: when it is absent, records `<name>: required` and gives
    /// an empty string.
    pub fn required(&mut self, name: &str) -> String {
        if self.value(name).is_none() {
            self.fail(name, "required");
        }
        self.string(name).unwrap_or_default()
    }

    /// A boolean field.
    pub fn bool(&mut self, name: &str) -> Option<bool> {
        self.typed(name, "must be true or false", Value::as_bool)
    }

    /// A whole number of seconds, from 0 up to (not including) [`MAX_SECONDS`].
    pub fn seconds(&mut self, name: &str) -> Option<u64> {
        self.typed(name, "must be a whole number of seconds", |v| {
            v.as_u64().filter(|n| *n < MAX_SECONDS)
        })
    }

    /// A string or an array of strings (a string is a list of one); `null` is the same as absent.
    pub fn strings(&mut self, name: &str) -> Option<Vec<String>> {
        if self.value(name).is_some_and(Value::is_null) {
            return None;
        }
        self.typed(
            name,
            "must be a string or an array of strings",
            |v| match v {
                Value::String(s) => Some(vec![s.clone()]),
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned))
                    .collect(),
                _ => None,
            },
        )
    }

    /// A nested options object, read with `name` as the prefix of its fields' errors. Its errors are
    /// its own: [`check`](Self::check) it too.
    pub fn object(&mut self, name: &'static str) -> Option<Reader<'a>> {
        self.typed(name, "must be an object", |v| {
            v.as_object().map(|object| Reader {
                object,
                prefix: name,
                error: None,
            })
        })
    }
}

/// Optional parameters of a sign-in redirect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase", try_from = "Object")
)]
pub struct SignInOptions {
    /// `identity_provider`: `COGNITO`, `Google`, `Facebook`, `LoginWithAmazon`, `SignInWithApple` or a
    /// SAML/OIDC provider name; `Apple` and `Amazon` (Amplify's names) are sent as `SignInWithApple` and
    /// `LoginWithAmazon`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub identity_provider: Option<String>,
    /// `idp_identifier`: an identifier of a SAML/OIDC provider.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub idp_identifier: Option<String>,
    /// `login_hint`: pre-fills the username.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub login_hint: Option<String>,
    /// `lang`: managed-login language.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub lang: Option<String>,
    /// `prompt`: e.g. `login` to force the form.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub prompt: Option<String>,
    /// Scopes for this sign-in, instead of the configured ones. Default: the configured scopes.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub scopes: Option<Vec<String>>,
    /// `customState`: application state kept with the login transaction and handed back by the
    /// redirect callback. Default: none.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub custom_state: Option<String>,
    /// `screen: 'signup'`: open the managed login's sign-up page (`<domain>/signup`, same parameters,
    /// same PKCE, state and nonce, same callback) instead of the sign-in page. Default: sign-in.
    #[cfg_attr(feature = "serde", serde(rename = "screen", serialize_with = "screen"))]
    pub sign_up: bool,
    /// `timeoutSeconds` (`signInWithPopup` only): how long to wait for the sign-in in the popup before
    /// closing it with [`ErrorKind::PopupTimeout`](crate::error::ErrorKind::PopupTimeout). Default 300.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub timeout_seconds: Option<u64>,
}

impl SignInOptions {
    /// Reads `{ identityProvider, idpIdentifier, loginHint, lang, prompt, scopes, customState, screen,
    /// timeoutSeconds }`;
    /// every field is optional (see each field for its default).
    pub fn from_options(options: &Object) -> Result<Self> {
        let mut r = Reader::new(options);
        let options = Self {
            identity_provider: r.string("identityProvider"),
            idp_identifier: r.string("idpIdentifier"),
            login_hint: r.string("loginHint"),
            lang: r.string("lang"),
            prompt: r.string("prompt"),
            scopes: r.strings("scopes"),
            custom_state: r.string("customState"),
            sign_up: match r.string("screen").as_deref() {
                None | Some("signin") => false,
                Some("signup") => true,
                Some(_) => {
                    r.fail("screen", "must be 'signin' or 'signup'");
                    false
                }
            },
            timeout_seconds: r.seconds("timeoutSeconds"),
        };
        r.check()?;
        Ok(options)
    }
}

/// Options of `getTokens` / `CognitoAuth::get_tokens`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase", try_from = "Object")
)]
pub struct GetTokensOptions {
    /// `forceRefresh`: refresh even when the tokens are not close to expiry. Default `false`.
    pub force_refresh: bool,
}

impl GetTokensOptions {
    /// Reads `{ forceRefresh }`.
    pub fn from_options(options: &Object) -> Result<Self> {
        let mut r = Reader::new(options);
        let force_refresh = r.bool("forceRefresh").unwrap_or(false);
        r.check()?;
        Ok(Self { force_refresh })
    }
}

/// Options of `getCredentials` / `CognitoAuth::get_credentials` (and of `credentialProvider`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase", try_from = "Object")
)]
pub struct CredentialsOptions {
    /// `forceRefresh`: fetch new credentials even when the cached ones are still valid. Default
    /// `false`.
    pub force_refresh: bool,
    /// `customRoleArn`: the IAM role to ask the identity pool for (`CustomRoleArn`), one of those
    /// the pool's role mapping allows the user (with groups: `currentUser().roles`). Credentials
    /// are cached per role. Default: the role the pool resolves.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub custom_role_arn: Option<String>,
}

impl CredentialsOptions {
    /// Reads `{ forceRefresh, customRoleArn }` (`customRoleArn` an IAM role ARN, checked by Cognito:
    /// one it refuses is its `InvalidParameterException`).
    pub fn from_options(options: &Object) -> Result<Self> {
        let mut r = Reader::new(options);
        let force_refresh = r.bool("forceRefresh").unwrap_or(false);
        let custom_role_arn = r.string("customRoleArn");
        r.check()?;
        Ok(Self {
            force_refresh,
            custom_role_arn,
        })
    }
}

/// Options of `signOut` / `CognitoAuth::sign_out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase", try_from = "Object")
)]
pub struct SignOutOptions {
    /// `global`: also end every session of the user (`GlobalSignOut`), not only this one. Default
    /// `false`.
    pub global: bool,
    /// `redirect`: navigate to the managed-login `/logout` afterwards (needs `logoutUri`). Default
    /// `true`.
    pub redirect: bool,
}

impl Default for SignOutOptions {
    fn default() -> Self {
        Self {
            global: false,
            redirect: true,
        }
    }
}

impl SignOutOptions {
    /// Reads `{ global, redirect }`.
    pub fn from_options(options: &Object) -> Result<Self> {
        let mut r = Reader::new(options);
        let default = Self::default();
        let options = Self {
            global: r.bool("global").unwrap_or(default.global),
            redirect: r.bool("redirect").unwrap_or(default.redirect),
        };
        r.check()?;
        Ok(options)
    }
}

/// Which AWS service and region to sign for: the options of `signedFetch` and `signRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase", try_from = "Object")
)]
pub struct AwsServiceOptions {
    /// `service`, e.g. `s3`, `dynamodb`. Required.
    pub service: String,
    /// `region`, e.g. `us-east-1`. Required.
    pub region: String,
}

impl AwsServiceOptions {
    /// `service` for `region`.
    pub fn new(service: &str, region: &str) -> Self {
        Self {
            service: service.to_owned(),
            region: region.to_owned(),
        }
    }

    /// Reads `{ service, region }`, both required.
    pub fn from_options(options: &Object) -> Result<Self> {
        let mut r = Reader::new(options);
        let options = Self {
            service: r.required("service"),
            region: r.required("region"),
        };
        r.check()?;
        Ok(options)
    }
}

/// Options of `presignUrl` / `CognitoAuth::presign_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase", try_from = "Object")
)]
pub struct PresignOptions {
    /// `service`, e.g. `s3`. Required.
    pub service: String,
    /// `region`, e.g. `us-east-1`. Required.
    pub region: String,
    /// `expiresIn`: how long the URL stays valid, in seconds, 1 to [`MAX_EXPIRES_IN`] (7 days).
    /// Default [`PresignOptions::DEFAULT_EXPIRES_IN`] (900, 15 minutes).
    pub expires_in: u64,
}

impl PresignOptions {
    /// The default of [`expires_in`](Self::expires_in): 900 seconds.
    pub const DEFAULT_EXPIRES_IN: u64 = 900;

    /// A URL for `service` in `region`, valid for the default 900 seconds.
    pub fn new(service: &str, region: &str) -> Self {
        Self {
            service: service.to_owned(),
            region: region.to_owned(),
            expires_in: Self::DEFAULT_EXPIRES_IN,
        }
    }

    /// Reads `{ service, region, expiresIn }`.
    pub fn from_options(options: &Object) -> Result<Self> {
        let mut r = Reader::new(options);
        let options = Self {
            service: r.required("service"),
            region: r.required("region"),
            expires_in: r.seconds("expiresIn").unwrap_or(Self::DEFAULT_EXPIRES_IN),
        };
        if options.expires_in == 0 || options.expires_in > MAX_EXPIRES_IN {
            r.fail("expiresIn", "a whole number of seconds from 1 to 604800");
        }
        r.check()?;
        Ok(options)
    }
}

/// [`SignInOptions::sign_up`] as the JS API's `screen`: `"signup"` or `"signin"`.
#[cfg(feature = "serde")]
fn screen<S: serde::Serializer>(sign_up: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if *sign_up { "signup" } else { "signin" })
}

/// `TryFrom<Object>` through `from_options`: what the `serde` feature's `Deserialize` goes through.
#[cfg(feature = "serde")]
macro_rules! try_from_options {
    ($($name:ty),+) => {$(
        impl TryFrom<crate::json::Object> for $name {
            type Error = crate::Error;

            /// [`from_options`](Self::from_options) (cargo feature `serde`).
            fn try_from(options: crate::json::Object) -> crate::Result<Self> {
                Self::from_options(&options)
            }
        }
    )+};
}
#[cfg(feature = "serde")]
pub(crate) use try_from_options;

#[cfg(feature = "serde")]
try_from_options!(
    SignInOptions,
    GetTokensOptions,
    CredentialsOptions,
    SignOutOptions,
    AwsServiceOptions,
    PresignOptions
);

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn obj(text: &str) -> Object {
        Object::parse(text).unwrap()
    }

    fn message<T: std::fmt::Debug>(r: Result<T>) -> String {
        let e = r.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        e.message().to_owned()
    }

    #[test]
    fn the_reader_names_the_field() {
        let o = obj(
            r#"{"s":"x","b":true,"n":60,"l":["a","b"],"one":"a","nul":null,"e":{"issuer":5},
                "neg":-1,"frac":1.5,"big":1000000000,"mixed":["a",1]}"#,
        );
        let mut r = Reader::new(&o);
        let mut fails = |read: &dyn Fn(&mut Reader) -> bool| {
            assert!(read(&mut r), "the read gives None");
            message(r.check())
        };
        assert_eq!(
            fails(&|r| r.required("missing").is_empty()),
            "missing: required"
        );
        assert_eq!(fails(&|r| r.string("b").is_none()), "b: must be a string");
        assert_eq!(
            fails(&|r| r.required("b").is_empty()),
            "b: must be a string"
        );
        assert_eq!(
            fails(&|r| r.string("nul").is_none()),
            "nul: must be a string"
        );
        assert_eq!(
            fails(&|r| r.bool("s").is_none()),
            "s: must be true or false"
        );
        for bad in ["neg", "frac", "big", "s", "nul"] {
            assert_eq!(
                fails(&|r| r.seconds(bad).is_none()),
                format!("{bad}: must be a whole number of seconds")
            );
        }
        assert_eq!(
            fails(&|r| r.strings("mixed").is_none()),
            "mixed: must be a string or an array of strings"
        );
        assert_eq!(fails(&|r| r.object("s").is_none()), "s: must be an object");

        let mut r = Reader::new(&o);
        assert_eq!(r.string("s").as_deref(), Some("x"));
        assert_eq!(r.string("missing"), None);
        assert_eq!(r.required("s"), "x");
        assert_eq!(r.bool("b"), Some(true));
        assert_eq!(r.seconds("n"), Some(60));
        assert_eq!(r.strings("l"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(r.strings("one"), Some(vec!["a".into()]));
        assert_eq!(r.strings("nul"), None);
        assert!(r.object("missing").is_none());
        let mut e = r.object("e").unwrap();
        assert!(r.check().is_ok(), "nothing was wrong at the top level");
        assert_eq!(e.string("issuer"), None);
        assert_eq!(e.required("token"), "");
        assert_eq!(
            message(e.check()),
            "e.issuer: must be a string",
            "the first error wins"
        );
        assert!(e.check().is_ok());
    }

    #[test]
    fn get_tokens_and_credentials_share_one_rule() {
        assert_eq!(
            GetTokensOptions::from_options(&Object::new()).unwrap(),
            GetTokensOptions::default()
        );
        assert!(!GetTokensOptions::default().force_refresh);
        assert!(
            GetTokensOptions::from_options(&obj(r#"{"forceRefresh":true}"#))
                .unwrap()
                .force_refresh
        );
        assert!(
            CredentialsOptions::from_options(&obj(r#"{"forceRefresh":true}"#))
                .unwrap()
                .force_refresh
        );
        assert!(
            !CredentialsOptions::from_options(&Object::new())
                .unwrap()
                .force_refresh
        );
        let bad = obj(r#"{"forceRefresh":"x"}"#);
        assert_eq!(
            message(GetTokensOptions::from_options(&bad)),
            "forceRefresh: must be true or false"
        );
        assert_eq!(
            message(CredentialsOptions::from_options(&bad)),
            "forceRefresh: must be true or false"
        );
    }

    #[test]
    fn sign_out_defaults_to_a_local_sign_out_with_redirect() {
        let d = SignOutOptions::from_options(&Object::new()).unwrap();
        assert_eq!(d, SignOutOptions::default());
        assert!(!d.global && d.redirect);
        let o = SignOutOptions::from_options(&obj(r#"{"global":true,"redirect":false}"#)).unwrap();
        assert!(o.global && !o.redirect);
        assert!(
            message(SignOutOptions::from_options(&obj(r#"{"redirect":1}"#)))
                .starts_with("redirect:")
        );
    }

    #[test]
    fn service_and_region_are_required() {
        let o = AwsServiceOptions::from_options(&obj(r#"{"service":"s3","region":"eu-west-1"}"#))
            .unwrap();
        assert_eq!(o, AwsServiceOptions::new("s3", "eu-west-1"));
        assert_eq!(
            message(AwsServiceOptions::from_options(&obj(
                r#"{"region":"eu-west-1"}"#
            ))),
            "service: required"
        );
        assert_eq!(
            message(AwsServiceOptions::from_options(&obj(r#"{"service":"s3"}"#))),
            "region: required"
        );
        assert!(message(PresignOptions::from_options(&Object::new())).starts_with("service:"));
    }

    #[test]
    fn presigned_urls_last_900_seconds_by_default() {
        let base = r#""service":"s3","region":"us-east-1""#;
        let p = PresignOptions::from_options(&obj(&format!("{{{base}}}"))).unwrap();
        assert_eq!(p, PresignOptions::new("s3", "us-east-1"));
        assert_eq!(p.expires_in, 900);
        let p = PresignOptions::from_options(&obj(&format!(r#"{{{base},"expiresIn":604800}}"#)))
            .unwrap();
        assert_eq!(p.expires_in, MAX_EXPIRES_IN);
        for bad in ["0", "604801", "1.5", "\"60\"", "-1"] {
            let o = obj(&format!(r#"{{{base},"expiresIn":{bad}}}"#));
            assert!(
                message(PresignOptions::from_options(&o)).starts_with("expiresIn:"),
                "{bad}"
            );
        }
    }
}
