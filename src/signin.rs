//! Sign-in inside the app through the user-pool API: `InitiateAuth` and `RespondToAuthChallenge`
//! as values, and what Cognito asks next ([`NextStep`]). The password flows are `USER_SRP_AUTH`
//! (the default: the password never leaves the client; SRP-6a as Cognito's own clients compute it) and
//! `USER_PASSWORD_AUTH`. Nothing here does I/O; the engine sequences it
//! ([`CognitoAuth::sign_in`](crate::engine::CognitoAuth::sign_in)).

use crate::awsjson::{self, Grant};
use crate::config::AuthConfig;
use crate::error::{concat, Error, ErrorKind, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::{Object, Value};
use crate::oauth::{self, TokenResponse};
use crate::options::Reader;
use crate::secret::Secret;

/// How long Cognito keeps a challenge's `Session`, in seconds: an answer after it is refused as
/// [`ErrorKind::SignInExpired`] without a request.
pub const CHALLENGE_TTL_SECONDS: u64 = 180;

/// The flow of [`Credentials`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// `USER_SRP_AUTH` (`'srp'`, the default): Secure Remote Password; the password is not sent.
    Srp,
    /// `USER_PASSWORD_AUTH` (`'password'`): the password is sent to Cognito over TLS.
    Password,
    /// `USER_AUTH` (`'choice'`): choice-based sign-in. With a preferred [`Factor`] (and, for
    /// [`Factor::Password`], the password) Cognito starts it at once when the user may use it;
    /// otherwise it answers with [`NextStep::SelectChallenge`], the factors the user may choose.
    Choice(Option<Factor>),
}

/// A first factor of choice-based sign-in: the JS `preferredChallenge`, and what
/// [`NextStep::SelectChallenge`] offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Factor {
    /// `'password'`: the password, with SRP (`PASSWORD_SRP`: it is not sent).
    Password,
    /// `'emailCode'`: a one-time code by e-mail (`EMAIL_OTP`).
    EmailCode,
    /// `'smsCode'`: a one-time code by SMS (`SMS_OTP`).
    SmsCode,
    /// `'passkey'`: a passkey (`WEB_AUTHN`): the engine asks the authenticator itself.
    Passkey,
}

impl Factor {
    /// The JS name: `password`, `emailCode`, `smsCode`, `passkey`.
    pub fn js_name(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::EmailCode => "emailCode",
            Self::SmsCode => "smsCode",
            Self::Passkey => "passkey",
        }
    }

    /// The factor named `name` in JS.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Password,
            Self::EmailCode,
            Self::SmsCode,
            Self::Passkey,
        ]
        .into_iter()
        .find(|f| f.js_name() == name)
    }

    /// Cognito's name for it (`PREFERRED_CHALLENGE`, the `ANSWER` to `SELECT_CHALLENGE`).
    pub fn challenge(self) -> &'static str {
        match self {
            Self::Password => "PASSWORD_SRP",
            Self::EmailCode => "EMAIL_OTP",
            Self::SmsCode => "SMS_OTP",
            Self::Passkey => "WEB_AUTHN",
        }
    }

    /// The factor of Cognito's challenge `name` (`PASSWORD` and `PASSWORD_SRP` are both
    /// [`Factor::Password`]); `None` for one this version cannot answer.
    pub fn of_challenge(name: &str) -> Option<Self> {
        match name {
            "PASSWORD" | "PASSWORD_SRP" => Some(Self::Password),
            "EMAIL_OTP" => Some(Self::EmailCode),
            "SMS_OTP" => Some(Self::SmsCode),
            "WEB_AUTHN" => Some(Self::Passkey),
            _ => None,
        }
    }
}

/// What an in-app sign-in starts from: `{ username, password, flow, preferredChallenge }` (the
/// options of the JS `signIn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name, e-mail or phone number the pool signs in with.
    pub username: String,
    /// The password (a [`Secret`]: never in `Debug` output): required by [`Flow::Srp`] and [`Flow::Password`],
    /// and by [`Flow::Choice`] with [`Factor::Password`]; none otherwise.
    pub password: Option<Secret>,
    /// The flow. Default [`Flow::Srp`].
    pub flow: Flow,
}

impl Credentials {
    /// Reads `{ username, password, flow: 'srp' | 'password' | 'choice', preferredChallenge }`
    /// (`preferredChallenge`: `'password'`, `'emailCode'`, `'smsCode'` or `'passkey'`, with
    /// `'choice'` only).
    ///
    /// # Errors
    /// [`ErrorKind::Config`] naming the field at fault.
    pub fn from_options(options: &Object) -> Result<Self> {
        let mut r = Reader::new(options);
        let username = r.required("username");
        let password = r.string("password");
        let preferred = r.string("preferredChallenge");
        let flow = match r.string("flow").as_deref() {
            None | Some("srp") => Flow::Srp,
            Some("password") => Flow::Password,
            Some("choice") => Flow::Choice(preferred.as_deref().and_then(|p| {
                let factor = Factor::parse(p);
                if factor.is_none() {
                    r.fail(
                        "preferredChallenge",
                        "must be 'password', 'emailCode', 'smsCode' or 'passkey'",
                    );
                }
                factor
            })),
            Some(_) => {
                r.fail("flow", "must be 'srp', 'password' or 'choice'");
                Flow::Srp
            }
        };
        r.check()?;
        let needs_password = !matches!(flow, Flow::Choice(f) if f != Some(Factor::Password));
        if username.is_empty() {
            r.fail("username", "must not be empty");
        } else if preferred.is_some() && !matches!(flow, Flow::Choice(_)) {
            r.fail("preferredChallenge", "only with flow 'choice'");
        } else if needs_password && password.is_none() {
            r.fail("password", "required");
        } else if !needs_password && password.is_some() {
            r.fail(
                "password",
                "with flow 'choice', only with preferredChallenge 'password'",
            );
        }
        r.check()?;
        Ok(Self {
            username,
            password: password.map(Secret::from),
            flow,
        })
    }
}

/// The options of `confirmSignIn`: `{ attributes }` (string values: the attributes a
/// [`NextStep::NewPassword`] requires); empty without it.
///
/// # Errors
/// [`ErrorKind::Config`] when `attributes` is not an object of strings.
pub fn confirm_attributes(options: &Object) -> Result<Object> {
    let mut r = Reader::new(options);
    let attributes = r.string_map("attributes", "{ name: 'Ann' }");
    r.check()?;
    Ok(attributes)
}

/// What Cognito asks next in a sign-in, and what the app shows for it; [`NextStep::Done`] when the
/// user is signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NextStep {
    /// Signed in: the tokens are verified and stored.
    Done,
    /// `SOFTWARE_TOKEN_MFA`: a code from the user's authenticator app.
    TotpCode,
    /// `SMS_MFA` / `SMS_OTP`: the code sent by SMS to the masked `destination`.
    SmsCode {
        /// Where the code went (`+*******0100`), as Cognito masks it.
        destination: Option<String>,
    },
    /// `EMAIL_OTP`: the code sent by e-mail to the masked `destination`.
    EmailCode {
        /// Where the code went (`a***@e***`), as Cognito masks it.
        destination: Option<String>,
    },
    /// `NEW_PASSWORD_REQUIRED`: the user must choose a password (an account an administrator
    /// created), and give the attributes the pool requires that it does not have yet.
    NewPassword {
        /// The attribute names to give with the new password (`email`, `custom:tier`).
        required_attributes: Vec<String>,
    },
    /// The account is not confirmed yet (`UserNotConfirmedException`): confirm the sign-up code
    /// first.
    ConfirmSignUp,
    /// `SELECT_CHALLENGE` (choice-based sign-in): the user picks one of `available`; answer with
    /// its [`Factor::js_name`].
    SelectChallenge {
        /// The factors this user may sign in with (those this version can answer).
        available: Vec<Factor>,
    },
    /// The user chose [`Factor::Password`]: answer with the password (it is used with SRP).
    Password,
    /// `MFA_SETUP`: the pool requires MFA and the user has none: add `secret` to an authenticator
    /// app (`uri`, an `otpauth://` link, as a QR code), then answer with the code it shows.
    TotpSetup {
        /// The new TOTP secret (base32).
        secret: String,
        /// `otpauth://totp/<issuer>:<username>?secret=…&issuer=…`.
        uri: String,
    },
    /// `SELECT_MFA_TYPE`: the user has several second factors and prefers none: answer with one of
    /// `available` (`totp`, `sms`, `email`, as `updateMfaPreference` names them); its code is asked
    /// for next.
    SelectMfaType {
        /// The factors offered (in the order `totp`, `sms`, `email`).
        available: Vec<&'static str>,
    },
}

impl NextStep {
    /// The `type` of the JS `nextStep`: `done`, `totpCode`, `smsCode`, `emailCode`, `newPassword`,
    /// `confirmSignUp`, `selectChallenge`, `password`, `totpSetup`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::TotpCode => "totpCode",
            Self::SmsCode { .. } => "smsCode",
            Self::EmailCode { .. } => "emailCode",
            Self::NewPassword { .. } => "newPassword",
            Self::ConfirmSignUp => "confirmSignUp",
            Self::SelectChallenge { .. } => "selectChallenge",
            Self::Password => "password",
            Self::TotpSetup { .. } => "totpSetup",
            Self::SelectMfaType { .. } => "selectMfaType",
        }
    }

    /// The JS shape: `{ type, destination?, requiredAttributes?, available?, secret?, uri? }`.
    pub fn to_object(&self) -> Object {
        let o = Object::new().with("type", self.type_name());
        let names = |names: Vec<&str>| Value::Array(names.into_iter().map(Value::from).collect());
        match self {
            Self::SmsCode { destination } | Self::EmailCode { destination } => {
                o.with("destination", destination.as_deref())
            }
            Self::NewPassword {
                required_attributes,
            } => o.with(
                "requiredAttributes",
                names(required_attributes.iter().map(String::as_str).collect()),
            ),
            Self::SelectChallenge { available } => o.with(
                "available",
                names(available.iter().map(|f| f.js_name()).collect()),
            ),
            Self::SelectMfaType { available } => o.with("available", names(available.clone())),
            Self::TotpSetup { secret, uri } => {
                o.with("secret", secret.as_str()).with("uri", uri.as_str())
            }
            _ => o,
        }
    }
}

/// The second factors of `SELECT_MFA_TYPE`: the JS name (`updateMfaPreference`'s) and Cognito's.
const MFA_TYPES: [(&str, &str); 3] = [
    ("totp", "SOFTWARE_TOKEN_MFA"),
    ("sms", "SMS_MFA"),
    ("email", "EMAIL_OTP"),
];

/// A challenge Cognito sent, as the engine keeps it until the app answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    /// `ChallengeName`.
    pub name: String,
    /// `Session` (opaque; not a secret of the user's, but never logged).
    pub session: Option<String>,
    /// `ChallengeParameters` (string values).
    pub parameters: Object,
    /// `AvailableChallenges` (`SELECT_CHALLENGE`), Cognito's names.
    pub available: Vec<String>,
}

impl Challenge {
    /// A parameter's value.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters.get(name).and_then(Value::as_str)
    }

    /// What the app must ask the user for; [`ErrorKind::Challenge`] for a challenge this version
    /// cannot answer.
    pub fn next_step(&self) -> Result<NextStep> {
        let destination = || {
            self.parameter("CODE_DELIVERY_DESTINATION")
                .map(str::to_owned)
        };
        Ok(match self.name.as_str() {
            "SOFTWARE_TOKEN_MFA" => NextStep::TotpCode,
            "SMS_MFA" | "SMS_OTP" => NextStep::SmsCode {
                destination: destination(),
            },
            "EMAIL_OTP" => NextStep::EmailCode {
                destination: destination(),
            },
            "SELECT_CHALLENGE" => {
                let mut available = Vec::new();
                for f in self
                    .available
                    .iter()
                    .filter_map(|n| Factor::of_challenge(n))
                {
                    if !available.contains(&f) {
                        available.push(f);
                    }
                }
                NextStep::SelectChallenge { available }
            }
            "SELECT_MFA_TYPE" => NextStep::SelectMfaType {
                available: self.mfa_choices().map(|(js, _)| js).collect(),
            },
            "NEW_PASSWORD_REQUIRED" => NextStep::NewPassword {
                // A JSON text of names such as "userAttributes.email".
                required_attributes: self
                    .parameter("requiredAttributes")
                    .and_then(Value::parse)
                    .and_then(|v| {
                        v.as_array().map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(|n| n.strip_prefix("userAttributes.").unwrap_or(n).to_owned())
                                .collect()
                        })
                    })
                    .unwrap_or_default(),
            },
            _ => return Err(self.unsupported()),
        })
    }

    /// `SELECT_MFA_TYPE`'s `MFAS_CAN_CHOOSE` (a JSON text of Cognito's names) as (JS name, Cognito
    /// name) pairs, those this version answers.
    fn mfa_choices(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        let offered: Vec<Value> = self
            .parameter("MFAS_CAN_CHOOSE")
            .and_then(Value::parse)
            .and_then(|v| v.as_array().map(<[Value]>::to_vec))
            .unwrap_or_default();
        MFA_TYPES
            .into_iter()
            .filter(move |(_, cognito)| offered.iter().any(|o| o.as_str() == Some(*cognito)))
    }

    /// [`ErrorKind::Challenge`] naming this challenge.
    pub(crate) fn unsupported(&self) -> Error {
        Error::new(
            ErrorKind::Challenge,
            concat(&[
                "Cognito asks for ",
                &self.name,
                ", which this version cannot answer",
            ]),
        )
        .with_server_type(self.name.as_str())
    }

    /// `RespondToAuthChallenge` answering this challenge for `username` with `answer` (the code, or
    /// the new password) and, for a new password, the required `attributes`.
    pub fn answer(
        &self,
        config: &AuthConfig,
        username: &str,
        answer: &Secret,
        attributes: &Object,
    ) -> Result<HttpRequest> {
        if self.name == "SELECT_MFA_TYPE" {
            let chosen = answer.expose();
            let Some((_, cognito)) = self.mfa_choices().find(|(js, _)| *js == chosen) else {
                let offered: Vec<&str> = self.mfa_choices().map(|(js, _)| js).collect();
                return Err(Error::new(
                    ErrorKind::Config,
                    concat(&[
                        "answer: one of the factors offered (",
                        &offered.join(", "),
                        ")",
                    ]),
                ));
            };
            let responses = Object::new()
                .with("USERNAME", username)
                .with("ANSWER", cognito);
            return Ok(respond(
                config,
                &self.name,
                self.session.as_deref(),
                responses,
            ));
        }
        let field = match self.name.as_str() {
            "SOFTWARE_TOKEN_MFA" => "SOFTWARE_TOKEN_MFA_CODE",
            "SMS_MFA" => "SMS_MFA_CODE",
            "SMS_OTP" => "SMS_OTP_CODE",
            "EMAIL_OTP" => "EMAIL_OTP_CODE",
            "NEW_PASSWORD_REQUIRED" => "NEW_PASSWORD",
            _ => return Err(self.unsupported()),
        };
        let mut responses = Object::new()
            .with("USERNAME", username)
            .with(field, answer.expose());
        for (name, value) in attributes.iter() {
            let Some(value) = value.as_str() else {
                return Err(Error::new(
                    ErrorKind::Config,
                    concat(&["attributes.", name, ": must be a string"]),
                ));
            };
            responses.insert(concat(&["userAttributes.", name]), value);
        }
        Ok(respond(
            config,
            &self.name,
            self.session.as_deref(),
            responses,
        ))
    }
}

impl Challenge {
    /// `RespondToAuthChallenge` answering `SELECT_CHALLENGE` with `factor` (and, for
    /// [`Factor::Password`], SRP's `SRP_A`).
    pub fn select(
        &self,
        config: &AuthConfig,
        username: &str,
        factor: Factor,
        srp_a: Option<String>,
    ) -> HttpRequest {
        let mut responses = Object::new()
            .with("USERNAME", username)
            .with("ANSWER", factor.challenge());
        if let Some(a) = srp_a {
            responses.insert("SRP_A", a);
        }
        respond(config, &self.name, self.session.as_deref(), responses)
    }
}

/// `AssociateSoftwareToken` with an `MFA_SETUP` challenge's `Session` (no access token yet).
pub fn associate_for_setup(config: &AuthConfig, session: &str) -> HttpRequest {
    api(
        config,
        "AssociateSoftwareToken",
        Object::new().with("Session", session),
    )
}

/// `VerifySoftwareToken` with the `Session` of [`associate_for_setup`]'s answer and the app's code.
pub fn verify_for_setup(config: &AuthConfig, session: &str, code: &Secret) -> HttpRequest {
    api(
        config,
        "VerifySoftwareToken",
        Object::new()
            .with("Session", session)
            .with("UserCode", code.expose()),
    )
}

/// The `Session` of an `AssociateSoftwareToken` / `VerifySoftwareToken` answer during `MFA_SETUP`
/// (and, for `VerifySoftwareToken`, its `Status` `SUCCESS`), else [`ErrorKind::Network`].
pub fn setup_session(body: &Value, verify: bool) -> Result<String> {
    if verify && body.get("Status").and_then(Value::as_str) != Some("SUCCESS") {
        return Err(Error::new(
            ErrorKind::Aws,
            "the code from the authenticator app was not accepted",
        )
        .with_server_type("EnableSoftwareTokenMFAException"));
    }
    body.get("Session")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Error::new(ErrorKind::Network, "the MFA set-up answer has no Session"))
}

/// What an `InitiateAuth` or `RespondToAuthChallenge` answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `AuthenticationResult`: the tokens (not verified yet).
    Tokens(TokenResponse),
    /// Another challenge.
    Challenge(Challenge),
}

/// The user-pool API request `target` (`InitiateAuth`, `SignUp`, ...) with `body`.
pub(crate) fn api(config: &AuthConfig, target: &str, body: Object) -> HttpRequest {
    awsjson::json_api_object(
        &config.endpoints.cognito_idp,
        &concat(&["AWSCognitoIdentityProviderService.", target]),
        body,
    )
}

/// `InitiateAuth` with `flow` (`USER_SRP_AUTH`, `USER_PASSWORD_AUTH`, `USER_AUTH`) and its
/// `AuthParameters`.
pub fn initiate(config: &AuthConfig, flow: &str, parameters: Object) -> HttpRequest {
    api(
        config,
        "InitiateAuth",
        Object::new()
            .with("AuthFlow", flow)
            .with("ClientId", config.client_id.as_str())
            .with("AuthParameters", parameters),
    )
}

/// `RespondToAuthChallenge` for the challenge `name` with its `Session` and `ChallengeResponses`.
pub fn respond(
    config: &AuthConfig,
    name: &str,
    session: Option<&str>,
    responses: Object,
) -> HttpRequest {
    api(
        config,
        "RespondToAuthChallenge",
        Object::new()
            .with("ChallengeName", name)
            .with("ClientId", config.client_id.as_str())
            .with("Session", session)
            .with("ChallengeResponses", responses),
    )
}

/// Reads the answer of `InitiateAuth` / `RespondToAuthChallenge`. A refusal is the typed error of
/// [`awsjson::classify_failure`] ([`ErrorKind::Aws`] with Cognito's type, for example
/// `NotAuthorizedException` for a wrong password; [`ErrorKind::Network`] for a transient failure),
/// except that a challenge session Cognito no longer knows is [`ErrorKind::SignInExpired`].
pub fn read_answer(response: &HttpResponse) -> Result<Answer> {
    let body = match awsjson::json_api_body(response, "the sign-in response is not JSON") {
        Ok(body) => body,
        Err(e) if is_expired_session(&e) => {
            return Err(Error::new(
                ErrorKind::SignInExpired,
                "the sign-in took too long (Cognito's session for it expired); sign in again",
            )
            .with_server_type("NotAuthorizedException"))
        }
        Err(e) => return Err(e),
    };
    if body.get("AuthenticationResult").is_some() {
        return oauth::parse_token_response(response, Grant::Code).map(Answer::Tokens);
    }
    let name = body.get("ChallengeName").and_then(Value::as_str);
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Err(Error::new(
            ErrorKind::Network,
            "the sign-in response has neither tokens nor a challenge",
        ));
    };
    Ok(Answer::Challenge(Challenge {
        name: name.to_owned(),
        session: body
            .get("Session")
            .and_then(Value::as_str)
            .map(str::to_owned),
        parameters: body
            .get("ChallengeParameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        available: body
            .get("AvailableChallenges")
            .map(Value::strings)
            .unwrap_or_default(),
    }))
}

/// Cognito's refusal of an expired challenge session: `NotAuthorizedException` "Invalid session for
/// the user, session is expired." (or "... session can only be used once").
fn is_expired_session(e: &Error) -> bool {
    e.server_type() == Some("NotAuthorizedException")
        && e.message()
            .as_bytes()
            .windows(7)
            .any(|w| w.eq_ignore_ascii_case(b"session"))
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

    fn resp(status: u16, body: &str) -> HttpResponse {
        crate::testing::response(status, body)
    }

    fn body(r: &HttpRequest) -> serde_json::Value {
        serde_json::from_str(r.body.expose()).unwrap()
    }

    #[test]
    fn options_are_read_and_checked() {
        let o = |t: &str| Value::parse(t).unwrap().as_object().unwrap().clone();
        let s = Credentials::from_options(&o(r#"{"username":"ann","password":"pw"}"#)).unwrap();
        assert_eq!((s.username.as_str(), s.flow), ("ann", Flow::Srp));
        assert!(!format!("{s:?}").contains("pw"), "no password in Debug");
        let p =
            Credentials::from_options(&o(r#"{"username":"a","password":"p","flow":"password"}"#));
        assert_eq!(p.unwrap().flow, Flow::Password);
        let c = Credentials::from_options(&o(r#"{"username":"a","flow":"choice"}"#)).unwrap();
        assert_eq!((c.flow, c.password), (Flow::Choice(None), None));
        let c = Credentials::from_options(&o(
            r#"{"username":"a","password":"p","flow":"choice","preferredChallenge":"password"}"#,
        ))
        .unwrap();
        assert_eq!(c.flow, Flow::Choice(Some(Factor::Password)));
        let c = Credentials::from_options(&o(
            r#"{"username":"a","flow":"choice","preferredChallenge":"smsCode"}"#,
        ));
        assert_eq!(c.unwrap().flow, Flow::Choice(Some(Factor::SmsCode)));
        for (bad, field) in [
            (r#"{"password":"p"}"#, "username"),
            (r#"{"username":"a"}"#, "password"),
            (r#"{"username":"","password":"p"}"#, "username"),
            (r#"{"username":"a","password":"p","flow":"magic"}"#, "flow"),
            (r#"{"username":5,"password":"p"}"#, "username"),
            (
                r#"{"username":"a","flow":"choice","preferredChallenge":"fax"}"#,
                "preferredChallenge",
            ),
            (
                r#"{"username":"a","password":"p","preferredChallenge":"emailCode"}"#,
                "preferredChallenge",
            ),
            (
                r#"{"username":"a","flow":"choice","preferredChallenge":"password"}"#,
                "password",
            ),
            (
                r#"{"username":"a","password":"p","flow":"choice"}"#,
                "password",
            ),
            (
                r#"{"username":"a","password":"p","flow":"choice","preferredChallenge":"emailCode"}"#,
                "password",
            ),
        ] {
            let e = Credentials::from_options(&o(bad)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{bad}");
            assert!(e.message().starts_with(field), "{bad}: {}", e.message());
        }
    }

    #[test]
    fn confirm_options_are_attributes_of_strings() {
        let o = |t: &str| Value::parse(t).unwrap().as_object().unwrap().clone();
        assert!(confirm_attributes(&o("{}"))
            .unwrap()
            .iter()
            .next()
            .is_none());
        let a = confirm_attributes(&o(r#"{"attributes":{"name":"Ann","custom:tier":"gold"}}"#));
        assert_eq!(
            a.unwrap().to_json(),
            r#"{"name":"Ann","custom:tier":"gold"}"#
        );
        for bad in [r#"{"attributes":{"n":1}}"#, r#"{"attributes":"x"}"#] {
            let e = confirm_attributes(&o(bad)).unwrap_err();
            assert!(e.message().starts_with("attributes"), "{bad}");
        }
    }

    #[test]
    fn requests_are_cognitos() {
        let r = initiate(
            &cfg(),
            "USER_SRP_AUTH",
            Object::new().with("USERNAME", "ann").with("SRP_A", "0abc"),
        );
        assert_eq!(r.url, "https://cognito-idp.us-east-1.amazonaws.com/");
        assert!(r.headers.contains(&(
            "x-amz-target".into(),
            "AWSCognitoIdentityProviderService.InitiateAuth".into()
        )));
        assert_eq!(
            body(&r),
            serde_json::json!({"AuthFlow":"USER_SRP_AUTH","ClientId":"client1","AuthParameters":{"USERNAME":"ann","SRP_A":"0abc"}})
        );
        let c = Challenge {
            name: "NEW_PASSWORD_REQUIRED".into(),
            session: Some("sess".into()),
            parameters: Object::new(),
            available: Vec::new(),
        };
        let attrs = Object::new().with("name", "Ann");
        let r = c
            .answer(&cfg(), "ann-id", &Secret::new("N3w!pass"), &attrs)
            .unwrap();
        assert_eq!(
            body(&r),
            serde_json::json!({"ChallengeName":"NEW_PASSWORD_REQUIRED","ClientId":"client1","Session":"sess",
                "ChallengeResponses":{"USERNAME":"ann-id","NEW_PASSWORD":"N3w!pass","userAttributes.name":"Ann"}})
        );
        let bad = c.answer(
            &cfg(),
            "a",
            &Secret::new("x"),
            &Object::new().with("n", 5u64),
        );
        assert_eq!(bad.unwrap_err().kind(), ErrorKind::Config);
        let totp = Challenge {
            name: "SOFTWARE_TOKEN_MFA".into(),
            ..c.clone()
        };
        let r = totp
            .answer(&cfg(), "a", &Secret::new("123456"), &Object::new())
            .unwrap();
        assert_eq!(
            body(&r)["ChallengeResponses"]["SOFTWARE_TOKEN_MFA_CODE"],
            "123456"
        );
        let odd = Challenge {
            name: "CUSTOM_CHALLENGE".into(),
            ..c
        };
        let e = odd
            .answer(&cfg(), "a", &Secret::new("x"), &Object::new())
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Challenge);
        assert_eq!(e.server_type(), Some("CUSTOM_CHALLENGE"));
    }

    #[test]
    fn answers_tokens_challenges_and_refusals() {
        let t = read_answer(&resp(200, r#"{"AuthenticationResult":{"IdToken":"i","AccessToken":"a","RefreshToken":"r","ExpiresIn":3600},"ChallengeParameters":{}}"#)).unwrap();
        assert!(
            matches!(t, Answer::Tokens(ref t) if t.expires_in == 3600 && t.refresh_token.is_some())
        );
        let Answer::Challenge(c) = read_answer(&resp(200, r#"{"ChallengeName":"SMS_MFA","Session":"s","ChallengeParameters":{"CODE_DELIVERY_DESTINATION":"+*******0100","USER_ID_FOR_SRP":"u"}}"#)).unwrap() else { panic!() };
        assert_eq!(
            c.next_step().unwrap(),
            NextStep::SmsCode {
                destination: Some("+*******0100".into())
            }
        );
        assert_eq!(c.session.as_deref(), Some("s"));
        let np = Challenge {
            name: "NEW_PASSWORD_REQUIRED".into(),
            session: None,
            parameters: Object::new().with(
                "requiredAttributes",
                r#"["userAttributes.email","userAttributes.custom:tier"]"#,
            ),
            available: Vec::new(),
        };
        assert_eq!(
            np.next_step().unwrap().to_object().to_json(),
            r#"{"type":"newPassword","requiredAttributes":["email","custom:tier"]}"#
        );
        let wrong = read_answer(&resp(
            400,
            r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#,
        ))
        .unwrap_err();
        assert_eq!(
            (wrong.kind(), wrong.server_type()),
            (ErrorKind::Aws, Some("NotAuthorizedException"))
        );
        let expired = read_answer(&resp(400, r#"{"__type":"NotAuthorizedException","message":"Invalid session for the user, session is expired."}"#)).unwrap_err();
        assert_eq!(expired.kind(), ErrorKind::SignInExpired);
        let down = read_answer(&resp(503, "")).unwrap_err();
        assert_eq!(down.kind(), ErrorKind::Network);
        for broken in ["[]", "{}", r#"{"ChallengeName":""}"#, "not json"] {
            assert_eq!(
                read_answer(&resp(200, broken)).unwrap_err().kind(),
                ErrorKind::Network,
                "{broken}"
            );
        }
    }
}
