//! Sign-up and password reset inside the app through the user-pool API (no token needed): `SignUp`,
//! `ConfirmSignUp`, `ResendConfirmationCode`, `ForgotPassword`, `ConfirmForgotPassword`, as values.
//! The engine sends them ([`CognitoAuth::sign_up`](crate::engine::CognitoAuth::sign_up)) and signs a
//! confirmed user in with the `Session` Cognito hands back (`USER_AUTH`, no password typed again).

use crate::account;
use crate::config::AuthConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::http::HttpRequest;
use crate::json::{Object, Value};
use crate::options::Reader;
use crate::secret::Secret;

/// What `signUp` takes: `{ username, password, attributes }` (`attributes`: `{ email: '…' }`, string
/// values, Cognito's names).
#[derive(Debug, Clone, PartialEq)]
pub struct SignUp {
    /// The user name (or the e-mail address, in a pool that signs in with it).
    pub username: String,
    /// The password (never in `Debug` output).
    pub password: Secret,
    /// The user's attributes, `{ name: value }`.
    pub attributes: Object,
}

impl SignUp {
    /// Reads `{ username, password, attributes }`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] naming the field at fault.
    pub fn from_options(options: &Object) -> Result<Self> {
        let mut r = Reader::new(options);
        let username = r.required("username");
        let password = r.required("password");
        let attributes = r.string_map("attributes", "{ email: 'ann@example.com' }");
        r.check()?;
        if username.is_empty() {
            r.fail("username", "must not be empty");
        }
        r.check()?;
        Ok(Self {
            username,
            password: password.into(),
            attributes,
        })
    }
}

/// A sign-up or password-reset call.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// `SignUp`.
    SignUp(SignUp),
    /// `ConfirmSignUp`: the user name, the code sent, and the `Session` `SignUp` gave (for the
    /// sign-in that follows).
    ConfirmSignUp(String, Secret, Option<String>),
    /// `ResendConfirmationCode` for the user name.
    ResendCode(String),
    /// `ForgotPassword` for the user name: a code to reset the password with.
    ResetPassword(String),
    /// `ConfirmForgotPassword`: the user name, the code sent, the new password.
    ConfirmResetPassword(String, Secret, Secret),
}

impl Operation {
    /// The request for this call.
    pub fn request(&self, config: &AuthConfig) -> HttpRequest {
        let (target, body) = match self {
            Self::SignUp(s) => {
                let attributes: Vec<Value> = s
                    .attributes
                    .iter()
                    .map(|(name, value)| {
                        Object::new()
                            .with("Name", name)
                            .with("Value", value.as_str().unwrap_or_default())
                            .into()
                    })
                    .collect();
                (
                    "SignUp",
                    Object::new()
                        .with("Username", s.username.as_str())
                        .with("Password", s.password.expose())
                        .with("UserAttributes", attributes),
                )
            }
            Self::ConfirmSignUp(username, code, session) => {
                let mut body = Object::new()
                    .with("Username", username.as_str())
                    .with("ConfirmationCode", code.expose());
                if let Some(s) = session {
                    body.insert("Session", s.as_str());
                }
                ("ConfirmSignUp", body)
            }
            Self::ResendCode(username) => (
                "ResendConfirmationCode",
                Object::new().with("Username", username.as_str()),
            ),
            Self::ResetPassword(username) => (
                "ForgotPassword",
                Object::new().with("Username", username.as_str()),
            ),
            Self::ConfirmResetPassword(username, code, password) => (
                "ConfirmForgotPassword",
                Object::new()
                    .with("Username", username.as_str())
                    .with("ConfirmationCode", code.expose())
                    .with("Password", password.expose()),
            ),
        };
        let mut body = body;
        body.insert("ClientId", config.client_id.as_str());
        crate::signin::api(config, target, body)
    }
}

/// What `signUp` resolves with: whether the account is confirmed already (a pre sign-up trigger
/// may confirm it), the user's `sub`, and where the confirmation code went.
#[derive(Debug, Clone, PartialEq)]
pub struct SignUpResult {
    /// `UserConfirmed`: no code to confirm.
    pub user_confirmed: bool,
    /// `UserSub`.
    pub user_sub: String,
    /// `{ attributeName, deliveryMedium, destination }` of the code, when one was sent.
    pub delivery: Option<Value>,
}

impl SignUpResult {
    /// Reads a `SignUp` response body ([`account::ok_json`]) and its `Session`.
    ///
    /// # Errors
    /// [`ErrorKind::Network`] for a body without `UserSub`.
    pub fn from_body(body: &Value) -> Result<(Self, Option<String>)> {
        let user_sub = body
            .get("UserSub")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::new(ErrorKind::Network, "the SignUp response has no UserSub"))?;
        let result = Self {
            user_confirmed: body.get("UserConfirmed").and_then(Value::as_bool) == Some(true),
            user_sub: user_sub.to_owned(),
            delivery: account::deliveries(body)?.into_iter().next(),
        };
        Ok((result, session_of(body)))
    }

    /// The JS shape: `{ userConfirmed, userSub, codeDelivery }` (`codeDelivery` `null` when none).
    pub fn to_object(&self) -> Object {
        Object::new()
            .with("userConfirmed", self.user_confirmed)
            .with("userSub", self.user_sub.as_str())
            .with("codeDelivery", self.delivery.clone().unwrap_or(Value::Null))
    }
}

/// The `Session` of a response body, when Cognito gave one.
pub fn session_of(body: &Value) -> Option<String> {
    body.get("Session")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `InitiateAuth USER_AUTH` with the `Session` of a successful `ConfirmSignUp`: Cognito takes the
/// confirmation code as the first factor, so the user is signed in without typing the password.
pub fn sign_in_after_confirmation(
    config: &AuthConfig,
    username: &str,
    session: &str,
) -> HttpRequest {
    crate::signin::api(
        config,
        "InitiateAuth",
        Object::new()
            .with("AuthFlow", "USER_AUTH")
            .with("ClientId", config.client_id.as_str())
            .with("AuthParameters", Object::new().with("USERNAME", username))
            .with("Session", session),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> AuthConfig {
        AuthConfig::new(
            "us-east-1_Abc123xyz",
            "client1",
            "https://auth.example",
            "https://app.example/cb",
        )
        .unwrap()
    }

    fn o(text: &str) -> Object {
        Value::parse(text).unwrap().as_object().unwrap().clone()
    }

    fn body(r: &HttpRequest) -> serde_json::Value {
        serde_json::from_str(r.body.expose()).unwrap()
    }

    #[test]
    fn sign_up_options_are_read_and_checked() {
        let s = SignUp::from_options(&o(
            r#"{"username":"ann","password":"Pw!12345","attributes":{"email":"a@example.com"}}"#,
        ))
        .unwrap();
        assert_eq!(s.username, "ann");
        assert!(
            !format!("{s:?}").contains("Pw!12345"),
            "no password in Debug"
        );
        for (bad, field) in [
            (r#"{"password":"p"}"#, "username"),
            (r#"{"username":"a"}"#, "password"),
            (r#"{"username":"","password":"p"}"#, "username"),
            (
                r#"{"username":"a","password":"p","attributes":{"age":5}}"#,
                "attributes",
            ),
            (
                r#"{"username":"a","password":"p","attributes":["email"]}"#,
                "attributes",
            ),
        ] {
            let e = SignUp::from_options(&o(bad)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{bad}");
            assert!(e.message().starts_with(field), "{bad}: {}", e.message());
        }
    }

    #[test]
    fn each_call_is_the_user_pool_api_request_cognito_expects() {
        let s = SignUp::from_options(&o(
            r#"{"username":"ann","password":"Pw!12345","attributes":{"email":"a@example.com","name":"Ann"}}"#,
        ))
        .unwrap();
        let r = Operation::SignUp(s).request(&cfg());
        assert_eq!(r.url, "https://cognito-idp.us-east-1.amazonaws.com/");
        assert!(r
            .headers
            .iter()
            .any(|(n, v)| n == "x-amz-target" && v == "AWSCognitoIdentityProviderService.SignUp"));
        assert_eq!(
            body(&r),
            serde_json::json!({"Username":"ann","Password":"Pw!12345","ClientId":"client1",
                "UserAttributes":[{"Name":"email","Value":"a@example.com"},{"Name":"name","Value":"Ann"}]})
        );
        let r = Operation::ConfirmSignUp("ann".into(), "123456".into(), Some("s1".into()));
        assert_eq!(
            body(&r.request(&cfg())),
            serde_json::json!({"Username":"ann","ConfirmationCode":"123456","Session":"s1","ClientId":"client1"})
        );
        let r = Operation::ConfirmSignUp("ann".into(), "123456".into(), None);
        assert!(body(&r.request(&cfg())).get("Session").is_none());
        let r = Operation::ConfirmResetPassword("ann".into(), "1".into(), "N3w!pass".into());
        assert_eq!(
            body(&r.request(&cfg())),
            serde_json::json!({"Username":"ann","ConfirmationCode":"1","Password":"N3w!pass","ClientId":"client1"})
        );
        for (op, target) in [
            (
                Operation::ResendCode("ann".into()),
                "ResendConfirmationCode",
            ),
            (Operation::ResetPassword("ann".into()), "ForgotPassword"),
        ] {
            let r = op.request(&cfg());
            assert!(r.headers.iter().any(|(_, v)| v.ends_with(target)));
            assert_eq!(
                body(&r),
                serde_json::json!({"Username":"ann","ClientId":"client1"})
            );
        }
        let r = sign_in_after_confirmation(&cfg(), "ann", "s2");
        assert_eq!(
            body(&r),
            serde_json::json!({"AuthFlow":"USER_AUTH","ClientId":"client1","AuthParameters":{"USERNAME":"ann"},"Session":"s2"})
        );
    }

    #[test]
    fn a_sign_up_answer_is_read_with_its_delivery_and_session() {
        let b = Value::parse(
            r#"{"UserConfirmed":false,"UserSub":"u-1","Session":"s1","CodeDeliveryDetails":{"AttributeName":"email","DeliveryMedium":"EMAIL","Destination":"a***@e***"}}"#,
        )
        .unwrap();
        let (r, session) = SignUpResult::from_body(&b).unwrap();
        assert_eq!(session.as_deref(), Some("s1"));
        assert_eq!(
            r.to_object().to_json(),
            r#"{"userConfirmed":false,"userSub":"u-1","codeDelivery":{"attributeName":"email","deliveryMedium":"EMAIL","destination":"a***@e***"}}"#
        );
        let b = Value::parse(r#"{"UserConfirmed":true,"UserSub":"u-2"}"#).unwrap();
        let (r, session) = SignUpResult::from_body(&b).unwrap();
        assert_eq!((r.user_confirmed, r.delivery, session), (true, None, None));
        let e = SignUpResult::from_body(&Value::parse(r#"{"UserConfirmed":true}"#).unwrap());
        assert_eq!(e.unwrap_err().kind(), ErrorKind::Network);
    }
}
