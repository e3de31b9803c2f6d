//! Secret strings that never show in `Debug` output or logs: one newtype per kind, as in oauth2-rs.
//!
//! Each type wraps a `String`. `Debug` prints the type name and `[redacted]` (`AccessToken([redacted])`);
//! there is no `Display`. The value is reached only through `expose()` (or `into_exposed()`), so that the
//! code that sends or stores a secret says so:
//!
//! ```
//! use cognito_wasm::secret::AccessToken;
//! let token = AccessToken::new("eyJraWQi...");
//! assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
//! assert_eq!(token.expose(), "eyJraWQi...");
//! ```
//!
//! With the cargo feature `serde`, the four secrets the app is handed ([`IdToken`], [`AccessToken`],
//! [`SecretAccessKey`], [`SessionToken`], in `view::Tokens` and `identity::IdentityCredentials`)
//! implement `Serialize`, as their value in clear (serializing them is storing or sending them, like
//! `expose()`), and `Deserialize`. The others ([`RefreshToken`], [`AuthorizationCode`], [`PkceVerifier`],
//! [`Secret`]) implement neither, so no derive can write them out by accident. `Debug` stays redacted.

/// Defines secret newtypes of `String`: `new`, `expose`, `into_exposed`, `From<String>`, `From<&str>`,
/// `Clone`, `PartialEq`, `Eq`, and a `Debug` that prints `Name([redacted])`.
macro_rules! secret_types {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        ///
        #[doc = concat!("`Debug` prints `", stringify!($name), "([redacted])`; the value is reached only \
            through [`expose`](Self::expose).")]
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value, for the code that has to send or store it.
            pub fn expose(&self) -> &str {
                &self.0
            }

            /// The secret value, by value.
            pub fn into_exposed(self) -> String {
                self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    )+};
}

secret_types! {
    /// Any other secret text: a request or response body that may hold a code or tokens, a signed header
    /// value, a presigned URL, a SigV4 signature or canonical request.
    Secret;
    /// A Cognito ID token (a JWT).
    IdToken;
    /// A Cognito access token (a JWT).
    AccessToken;
    /// A refresh token.
    RefreshToken;
    /// An authorization code from the redirect callback, to exchange for tokens.
    AuthorizationCode;
    /// A PKCE `code_verifier` (RFC 7636), kept until the code exchange.
    PkceVerifier;
    /// The secret access key of AWS credentials.
    SecretAccessKey;
    /// The session token of temporary AWS credentials.
    SessionToken;
}

/// `Serialize` (the value, in clear) and `Deserialize` for secret types the app is handed.
#[cfg(feature = "serde")]
macro_rules! serde_in_clear {
    ($($name:ident),+) => {$(
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <String as serde::Deserialize>::deserialize(d).map(Self)
            }
        }
    )+};
}

#[cfg(feature = "serde")]
serde_in_clear!(IdToken, AccessToken, SecretAccessKey, SessionToken);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_type_is_redacted_in_debug() {
        let value = "hunter2";
        let debugs = [
            (format!("{:?}", Secret::new(value)), "Secret"),
            (format!("{:?}", IdToken::new(value)), "IdToken"),
            (format!("{:?}", AccessToken::new(value)), "AccessToken"),
            (format!("{:?}", RefreshToken::new(value)), "RefreshToken"),
            (
                format!("{:?}", AuthorizationCode::new(value)),
                "AuthorizationCode",
            ),
            (format!("{:?}", PkceVerifier::new(value)), "PkceVerifier"),
            (
                format!("{:?}", SecretAccessKey::new(value)),
                "SecretAccessKey",
            ),
            (format!("{:?}", SessionToken::new(value)), "SessionToken"),
        ];
        for (debug, name) in debugs {
            assert_eq!(debug, format!("{name}([redacted])"));
            assert!(!debug.contains(value));
        }
        // Nested in derived Debug output, too.
        let nested = format!(
            "{:#?}",
            (Some(RefreshToken::from(value)), [IdToken::from(value)])
        );
        assert!(!nested.contains(value), "{nested}");
    }

    #[test]
    fn the_value_is_reached_through_expose() {
        let t = AccessToken::from(String::from("a.b.c"));
        assert_eq!(t.expose(), "a.b.c");
        assert_eq!(t.clone(), AccessToken::new("a.b.c"));
        assert_ne!(t, AccessToken::new("a.b.d"));
        assert_eq!(t.into_exposed(), "a.b.c");
    }
}
