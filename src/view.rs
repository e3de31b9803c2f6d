//! What the app is handed: the signed-in [`User`], the [`Tokens`] and a [`CallbackResult`], each with
//! its JSON form (the JS facade turns that into a plain object with `JSON.parse`, which costs the wasm
//! module nothing). Pure: built from verified claims and a stored session.
//!
//! With the cargo feature `serde`, each implements `Serialize` and `Deserialize` in the shape of its
//! JSON form (the JS API's `CognitoUser`, `AuthTokens` and `RedirectResult`: camelCase names, absent
//! optional fields of a `User` left out), and `User::claims_as` reads the ID token's claims into a
//! struct of the app's own.

#[cfg(feature = "serde")]
use crate::error::{concat, Error, ErrorKind, Result};
use crate::json::{Object, Value};
use crate::jwt::{self, Claims};
use crate::secret::{AccessToken, IdToken};
use crate::session::Session;

/// The signed-in user, from the verified ID token.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
pub struct User {
    /// `sub`: the user's stable id.
    pub sub: String,
    /// `cognito:username` (or `username`).
    pub username: String,
    /// `email`, if shared.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub email: Option<String>,
    /// `email_verified` (Cognito may send it as a string).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub email_verified: Option<bool>,
    /// `cognito:groups` (empty when none).
    pub groups: Vec<String>,
    /// `cognito:roles`: the IAM roles of the user's groups (empty when none), each one the
    /// identity pool may give with `customRoleArn` under a `Token` role mapping.
    pub roles: Vec<String>,
    /// `cognito:preferred_role`: the role of the user's group with the best precedence.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub preferred_role: Option<String>,
    /// The `custom:*` attributes of the ID token, under their Cognito names (`custom:tier`, the names
    /// `fetchUserAttributes` answers and `updateUserAttributes` takes), in the token's order (with
    /// serde: an object `{ name: value }`, as in the JS API).
    #[cfg_attr(feature = "serde", serde(with = "attributes"))]
    pub attributes: Vec<(String, String)>,
    /// The providers of the `identities` claim (`["Facebook"]`): a federated user's own, and those
    /// linked to a user of the pool.
    pub identities: Vec<String>,
    /// For a federated user (signed in through Google, Facebook, SAML, ...): the provider name of the
    /// `identities` claim's primary entry (`Google`); `None` for a user of the pool itself, linked
    /// providers or not.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub identity_provider: Option<String>,
    /// Every claim of the ID token.
    pub claims: Claims,
}

impl User {
    /// The user described by verified ID-token claims.
    pub fn from_claims(claims: Claims) -> Self {
        let text = |name| jwt::string(&claims, name).map(str::to_owned);
        let email_verified = match claims.get("email_verified") {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) => Some(s == "true"),
            _ => None,
        };
        let attributes = claims
            .iter()
            .filter(|(k, _)| k.starts_with("custom:"))
            .filter_map(|(k, v)| Some((k.to_owned(), v.as_str()?.to_owned())))
            .collect();
        // `identities`: an array of `{ providerName, primary, ... }` (or that array as JSON text).
        let parsed;
        let identities = match claims.get("identities") {
            Some(Value::String(text)) => {
                parsed = Value::parse(text);
                parsed.as_ref()
            }
            other => other,
        };
        let list = identities.and_then(Value::as_array).unwrap_or_default();
        let provider = |v: &Value| {
            v.get("providerName")
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        // A federated user's own identity is the primary one; a user of the pool linked to a
        // provider (AdminLinkProviderForUser) has only secondary ones, and stays a user of the pool.
        let primary = list.iter().find(|v| {
            matches!(v.get("primary"), Some(Value::Bool(true)))
                || v.get("primary").and_then(Value::as_str) == Some("true")
        });
        Self {
            identities: list.iter().filter_map(provider).collect(),
            identity_provider: primary.and_then(provider),
            sub: text("sub").unwrap_or_default(),
            username: text("cognito:username")
                .or_else(|| text("username"))
                .unwrap_or_default(),
            email: text("email"),
            email_verified,
            groups: jwt::strings(&claims, "cognito:groups")
                .into_iter()
                .map(str::to_owned)
                .collect(),
            roles: jwt::strings(&claims, "cognito:roles")
                .into_iter()
                .map(str::to_owned)
                .collect(),
            preferred_role: text("cognito:preferred_role"),
            attributes,
            claims,
        }
    }

    /// `{ sub, username, email?, emailVerified?, identityProvider?, groups, roles, preferredRole?,
    /// identities, attributes, claims }`.
    pub fn to_json(&self) -> Object {
        let mut o = Object::new()
            .with("sub", self.sub.as_str())
            .with("username", self.username.as_str());
        if let Some(email) = &self.email {
            o.insert("email", email.as_str());
        }
        if let Some(verified) = self.email_verified {
            o.insert("emailVerified", verified);
        }
        if let Some(provider) = &self.identity_provider {
            o.insert("identityProvider", provider.as_str());
        }
        let list =
            |names: &[String]| -> Vec<Value> { names.iter().map(|g| g.as_str().into()).collect() };
        if let Some(role) = &self.preferred_role {
            o.insert("preferredRole", role.as_str());
        }
        let mut attributes = Object::new();
        for (k, v) in &self.attributes {
            attributes.insert(k.as_str(), v.as_str());
        }
        o.with("groups", list(&self.groups))
            .with("roles", list(&self.roles))
            .with("identities", list(&self.identities))
            .with("attributes", attributes)
            .with("claims", self.claims.clone())
    }

    /// The ID token's claims read into `T`, a struct of the app's own (cargo feature `serde`): custom
    /// claims by their full names (`#[serde(rename = "custom:tier")]`), numbers, booleans, nested
    /// objects and arrays, `Option` for a claim that may be absent; `T` may borrow strings from the
    /// user. A claim that is missing or of another type than `T` says is
    /// [`ErrorKind::JwtMalformed`] (`claims: ` and serde's message, e.g.
    /// ``claims: missing field `custom:tier` ``).
    ///
    /// ```
    /// use cognito_wasm::{json::Object, view::User};
    /// #[derive(serde::Deserialize)]
    /// struct Profile {
    ///     email: String,
    ///     #[serde(rename = "custom:tier")]
    ///     tier: String,
    ///     #[serde(rename = "custom:seats")]
    ///     seats: Option<u32>,
    /// }
    /// let claims = Object::parse(r#"{"sub":"s","email":"d@example.com","custom:tier":"gold"}"#).unwrap();
    /// let profile: Profile = User::from_claims(claims).claims_as()?;
    /// assert_eq!((profile.email.as_str(), profile.tier.as_str(), profile.seats), ("d@example.com", "gold", None));
    /// # Ok::<(), cognito_wasm::Error>(())
    /// ```
    #[cfg(feature = "serde")]
    pub fn claims_as<'a, T: serde::Deserialize<'a>>(&'a self) -> Result<T> {
        T::deserialize(&self.claims).map_err(|e| {
            Error::new(
                ErrorKind::JwtMalformed,
                concat(&["claims: ", &e.to_string()]),
            )
        })
    }
}

/// [`User::attributes`] as an object `{ name: value }` (keys in order, unique), as in the JS API.
#[cfg(feature = "serde")]
mod attributes {
    use serde::{de, Deserialize, Deserializer, Serializer};

    use crate::json::Object;

    pub fn serialize<S: Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        Object::deserialize(d)?
            .iter()
            .map(|(k, v)| Some((k.to_owned(), v.as_str()?.to_owned())))
            .collect::<Option<_>>()
            .ok_or_else(|| de::Error::custom("attributes: every value must be a string"))
    }
}

/// The tokens handed to the app. They are [secret types](crate::secret): `Debug` redacts them, and
/// `tokens.id_token.expose()` is the JWT text to send.
///
/// With the cargo feature `serde`, `Serialize` writes `{ idToken, accessToken, expiresAt }` with the two
/// JWTs **in clear**, as [`to_json`](Self::to_json) does: it is for an app that stores or sends them
/// on purpose. Anything serialized from `Tokens` (or from a struct holding them) is as sensitive as the
/// tokens; `Debug` stays redacted. There is no refresh token in `Tokens`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
pub struct Tokens {
    /// The ID token (`id_token.expose()` is the JWT).
    pub id_token: IdToken,
    /// The access token (`access_token.expose()` is the JWT).
    pub access_token: AccessToken,
    /// When they expire, in milliseconds since the epoch on the local clock (`expiresAt` with serde).
    #[cfg_attr(feature = "serde", serde(rename = "expiresAt"))]
    pub expires_at_ms: u64,
}

impl From<&Session> for Tokens {
    fn from(s: &Session) -> Self {
        Self {
            id_token: s.id_token.clone(),
            access_token: s.access_token.clone(),
            expires_at_ms: s.expires_at.saturating_mul(1000),
        }
    }
}

impl Tokens {
    /// `{ idToken, accessToken, expiresAt }` (milliseconds, like `Date.now()`).
    pub fn to_json(&self) -> Object {
        Object::new()
            .with("idToken", self.id_token.expose())
            .with("accessToken", self.access_token.expose())
            .with("expiresAt", self.expires_at_ms)
    }
}

/// The result of a handled redirect callback.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
pub struct CallbackResult {
    /// The user signed in.
    pub user: User,
    /// The `customState` given to `signInWithRedirect`.
    pub custom_state: Option<String>,
    /// Where the app was (path, query, fragment) when the sign-in started.
    pub return_to: Option<String>,
}

impl CallbackResult {
    /// `{ user, customState, returnTo }` (`null` where absent).
    pub fn to_json(&self) -> Object {
        Object::new()
            .with("user", self.user.to_json())
            .with("customState", self.custom_state.as_deref())
            .with("returnTo", self.return_to.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(text: &str) -> Claims {
        Object::parse(text).unwrap()
    }

    #[test]
    fn a_user_from_claims_and_its_json() {
        let c = claims(
            r#"{"sub":"u-1","cognito:username":"demo","email":"d@example.com","email_verified":"true",
                "cognito:groups":["customers","vip"],"custom:tier":"gold","custom:n":5,"exp":1700000000.5,
                "cognito:roles":["arn:aws:iam::1:role/Vip","arn:aws:iam::1:role/Shop"],"cognito:preferred_role":"arn:aws:iam::1:role/Vip"}"#,
        );
        let user = User::from_claims(c.clone());
        assert_eq!(user.username, "demo");
        assert_eq!(user.email_verified, Some(true));
        assert_eq!(user.groups, ["customers", "vip"]);
        assert_eq!(
            user.attributes.len(),
            1,
            "non-string custom claims are not attributes"
        );
        let json: serde_json::Value = serde_json::from_str(&user.to_json().to_json()).unwrap();
        assert_eq!(json["sub"], "u-1");
        assert_eq!(json["emailVerified"], true);
        assert_eq!(json["groups"][1], "vip");
        assert_eq!(json["roles"][1], "arn:aws:iam::1:role/Shop");
        assert_eq!(json["preferredRole"], "arn:aws:iam::1:role/Vip");
        assert_eq!(json["attributes"]["custom:tier"], "gold");
        assert_eq!(json["claims"]["custom:n"], 5);
        // Numbers keep their exact text.
        assert!(user.to_json().to_json().contains("\"exp\":1700000000.5"));

        let bare = User::from_claims(claims(r#"{"sub":"s","username":"access-user"}"#));
        assert_eq!(bare.username, "access-user");
        let json: serde_json::Value = serde_json::from_str(&bare.to_json().to_json()).unwrap();
        assert!(json.get("email").is_none() && json.get("emailVerified").is_none());
        assert_eq!(json["groups"], serde_json::json!([]));
        assert_eq!(json["roles"], serde_json::json!([]));
        assert!(json.get("preferredRole").is_none());
    }

    #[test]
    fn a_federated_user_names_its_provider() {
        // Cognito's `identities` claim: an array (some SDKs show it as JSON text).
        let array = r#"{"sub":"s","cognito:username":"Google_1089","identities":[{"userId":"1089","providerName":"Google","providerType":"Google","issuer":null,"primary":"true","dateCreated":"1700000000000"}]}"#;
        let user = User::from_claims(claims(array));
        assert_eq!(user.identity_provider.as_deref(), Some("Google"));
        assert!(user
            .to_json()
            .to_json()
            .contains(r#""identityProvider":"Google""#));
        let text = r#"{"sub":"s","identities":"[{\"providerName\":\"SAML-Corp\",\"primary\":\"false\"},{\"providerName\":\"Google\",\"primary\":\"true\"}]"}"#;
        let two = User::from_claims(claims(text));
        assert_eq!(two.identity_provider.as_deref(), Some("Google"));
        assert_eq!(two.identities, ["SAML-Corp", "Google"]);
        // A user of the pool linked to Facebook: a pool user (no primary identity), Facebook listed.
        let linked = r#"{"sub":"s","cognito:username":"rival","identities":[{"providerName":"Facebook","primary":"false"}]}"#;
        let user = User::from_claims(claims(linked));
        assert_eq!(user.identity_provider, None);
        let json: serde_json::Value = serde_json::from_str(&user.to_json().to_json()).unwrap();
        assert_eq!(json["identities"], serde_json::json!(["Facebook"]));
        for native in [
            r#"{"sub":"s"}"#,
            r#"{"sub":"s","identities":"not json"}"#,
            r#"{"sub":"s","identities":[]}"#,
            r#"{"sub":"s","identities":[{"primary":"true"}]}"#,
        ] {
            let user = User::from_claims(claims(native));
            assert_eq!(user.identity_provider, None, "{native}");
            assert!(!user.to_json().to_json().contains("identityProvider"));
        }
    }

    #[test]
    fn tokens_and_callback_results_as_json() {
        let t = Tokens {
            id_token: "i".into(),
            access_token: "a".into(),
            expires_at_ms: 1_700_000_000_000,
        };
        assert_eq!(
            t.to_json().to_json(),
            r#"{"idToken":"i","accessToken":"a","expiresAt":1700000000000}"#
        );
        let debug = format!("{t:?}");
        assert!(
            !debug.contains("\"i\"") && !debug.contains("\"a\""),
            "{debug}"
        );
        assert!(debug.contains("IdToken([redacted])"), "{debug}");
        let r = CallbackResult {
            user: User::from_claims(claims(r#"{"sub":"s"}"#)),
            custom_state: None,
            return_to: Some("/shop".into()),
        };
        let json: serde_json::Value = serde_json::from_str(&r.to_json().to_json()).unwrap();
        assert_eq!(json["customState"], serde_json::Value::Null);
        assert_eq!(json["returnTo"], "/shop");
        assert_eq!(json["user"]["sub"], "s");
    }
}
