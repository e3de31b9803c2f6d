//! The signed-in user's own account through the user-pool API, with the access token: attributes
//! (`GetUser`, `UpdateUserAttributes`, `GetUserAttributeVerificationCode`, `VerifyUserAttribute`),
//! `ChangePassword` and `DeleteUser`. Requests and responses as values, as in [`crate::oauth`]: JSON-API
//! calls built with [`crate::awsjson`].
//!
//! Cognito accepts these calls only with an access token that carries the
//! [`ADMIN_SCOPE`] scope: the app client must allow it and the configuration must ask for it.

use crate::awsjson;
use crate::config::AuthConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::{Object, Value};
use crate::secret::{AccessToken, Secret};

/// The scope Cognito requires on an access token for the user's own account operations.
pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// [`ErrorKind::Config`] unless the configured scopes include [`ADMIN_SCOPE`]; `what` names the call.
pub fn require_admin_scope(config: &AuthConfig, what: &str) -> Result<()> {
    if config.scopes.iter().any(|s| s == ADMIN_SCOPE) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Config,
        format!("scopes: {what} needs the scope {ADMIN_SCOPE} (add it to `scopes` and allow it on the app client)"),
    ))
}

/// One call on the user's own account.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// `GetUser`: the attributes.
    GetUser,
    /// `UpdateUserAttributes` with `{ name: value }` (string values; see [`Operation::update`]).
    UpdateAttributes(Object),
    /// `GetUserAttributeVerificationCode` for one attribute (`email`, `phone_number`).
    SendCode(String),
    /// `VerifyUserAttribute`: attribute name and the code the user received.
    VerifyAttribute(String, Secret),
    /// `ChangePassword`: previous and proposed password.
    ChangePassword(Secret, Secret),
    /// `DeleteUser`: the user deletes their own account.
    DeleteUser,
    /// `AssociateSoftwareToken`: a new TOTP secret for an authenticator app.
    AssociateTotp,
    /// `VerifySoftwareToken`: the first code from the app, and a device name.
    VerifyTotp(Secret, Option<String>),
    /// `SetUserMFAPreference` for the factors given.
    SetMfa(MfaPreference),
}

impl Operation {
    /// `VerifySoftwareToken` with `code` and the options `{ deviceName }` (optional).
    pub fn verify_totp(code: String, options: &Object) -> Result<Self> {
        let mut r = crate::options::Reader::new(options);
        let device = r.string("deviceName");
        r.check()?;
        Ok(Self::VerifyTotp(code.into(), device))
    }
}

/// The options of `setUpTotp`: `{ appName }` (optional; the name the authenticator app shows).
pub fn totp_app_name(options: &Object) -> Result<Option<String>> {
    let mut r = crate::options::Reader::new(options);
    let name = r.string("appName");
    r.check()?;
    Ok(name)
}

/// How one MFA factor is set for the user (`updateMfaPreference`'s values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaSetting {
    /// On, and the preferred factor.
    Preferred,
    /// On.
    Enabled,
    /// Off.
    Disabled,
}

/// `updateMfaPreference({ totp, sms, email })`: the factors to change (`None`: left as it is).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MfaPreference {
    /// The authenticator app (`SoftwareTokenMfaSettings`).
    pub totp: Option<MfaSetting>,
    /// Codes by SMS (`SMSMfaSettings`).
    pub sms: Option<MfaSetting>,
    /// Codes by e-mail (`EmailMfaSettings`).
    pub email: Option<MfaSetting>,
}

impl MfaPreference {
    /// Reads `{ totp, sms, email }`, each `'preferred' | 'enabled' | 'disabled'`, at least one.
    pub fn from_options(options: &Object) -> Result<Self> {
        let mut r = crate::options::Reader::new(options);
        let mut read = |name: &str| {
            let value = r.string(name)?;
            let setting = match value.as_str() {
                "preferred" => MfaSetting::Preferred,
                "enabled" => MfaSetting::Enabled,
                "disabled" => MfaSetting::Disabled,
                _ => {
                    r.fail(name, "must be 'preferred', 'enabled' or 'disabled'");
                    MfaSetting::Disabled
                }
            };
            Some(setting)
        };
        let preference = Self {
            totp: read("totp"),
            sms: read("sms"),
            email: read("email"),
        };
        r.check()?;
        if preference == Self::default() {
            r.fail("totp", "one of totp, sms, email is required");
        }
        r.check()?;
        Ok(preference)
    }
}

impl Operation {
    /// `UpdateUserAttributes` with `attributes` (`{ name: value }`), or [`ErrorKind::Config`] naming
    /// the first value that is not a string.
    pub fn update(attributes: Object) -> Result<Self> {
        for (name, value) in attributes.iter() {
            if value.as_str().is_none() {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("attributes.{name}: must be a string"),
                ));
            }
        }
        Ok(Self::UpdateAttributes(attributes))
    }

    /// The JS method, for messages.
    pub fn method(&self) -> &'static str {
        match self {
            Self::GetUser => "fetchUserAttributes",
            Self::UpdateAttributes(_) => "updateUserAttributes",
            Self::SendCode(_) => "sendUserAttributeVerificationCode",
            Self::VerifyAttribute(..) => "confirmUserAttribute",
            Self::ChangePassword(..) => "changePassword",
            Self::DeleteUser => "deleteUser",
            Self::AssociateTotp => "setUpTotp",
            Self::VerifyTotp(..) => "verifyTotpSetup",
            Self::SetMfa(_) => "updateMfaPreference",
        }
    }

    /// Whether the ID token's claims change when it succeeds (the tokens are refreshed then).
    pub fn changes_claims(&self) -> bool {
        matches!(self, Self::UpdateAttributes(_) | Self::VerifyAttribute(..))
    }

    /// The user-pool request with `access_token`.
    pub fn request(&self, config: &AuthConfig, access_token: &AccessToken) -> HttpRequest {
        let body = Object::new();
        let (operation, body) = match self {
            Self::GetUser => ("GetUser", body),
            Self::UpdateAttributes(attributes) => {
                let list = attributes
                    .iter()
                    .map(|(name, value)| {
                        Value::from(
                            Object::new()
                                .with("Name", name)
                                .with("Value", value.clone()),
                        )
                    })
                    .collect::<Vec<_>>();
                ("UpdateUserAttributes", body.with("UserAttributes", list))
            }
            Self::SendCode(name) => (
                "GetUserAttributeVerificationCode",
                body.with("AttributeName", name.as_str()),
            ),
            Self::VerifyAttribute(name, code) => (
                "VerifyUserAttribute",
                body.with("AttributeName", name.as_str())
                    .with("Code", code.expose()),
            ),
            Self::ChangePassword(previous, proposed) => (
                "ChangePassword",
                body.with("PreviousPassword", previous.expose())
                    .with("ProposedPassword", proposed.expose()),
            ),
            Self::DeleteUser => ("DeleteUser", body),
            Self::AssociateTotp => ("AssociateSoftwareToken", body),
            Self::VerifyTotp(code, device) => {
                let body = body.with("UserCode", code.expose());
                (
                    "VerifySoftwareToken",
                    match device {
                        Some(name) => body.with("FriendlyDeviceName", name.as_str()),
                        None => body,
                    },
                )
            }
            Self::SetMfa(preference) => {
                let mut body = body;
                for (field, setting) in [
                    ("SoftwareTokenMfaSettings", preference.totp),
                    ("SMSMfaSettings", preference.sms),
                    ("EmailMfaSettings", preference.email),
                ] {
                    if let Some(setting) = setting {
                        body.insert(
                            field,
                            Object::new()
                                .with("Enabled", setting != MfaSetting::Disabled)
                                .with("PreferredMfa", setting == MfaSetting::Preferred),
                        );
                    }
                }
                ("SetUserMFAPreference", body)
            }
        };
        user_request(config, operation, body, access_token)
    }
}

/// The user-pool API request `operation` with `body` and the user's `access_token`.
pub fn user_request(
    config: &AuthConfig,
    operation: &str,
    body: Object,
    access_token: &AccessToken,
) -> HttpRequest {
    let mut target = String::from("AWSCognitoIdentityProviderService.");
    target.push_str(operation);
    let mut request = awsjson::json_api(&config.endpoints.cognito_idp, &target, &[]);
    request.body = body
        .with("AccessToken", access_token.expose())
        .to_json()
        .into();
    request
}

/// The JSON body of a successful response, or a typed error (transient failures are
/// [`ErrorKind::Network`]; Cognito's refusals [`ErrorKind::Aws`] with its type, e.g.
/// `CodeMismatchException`; a body longer than
/// [`MAX_RESPONSE_LENGTH`](crate::http::MAX_RESPONSE_LENGTH) [`ErrorKind::Network`],
/// not parsed).
pub fn ok_json(response: &HttpResponse) -> Result<Value> {
    awsjson::json_api_body(response, "the user-pool response is not a JSON object")
}

/// The `UserAttributes` of a `GetUser` response body ([`ok_json`]) as `{ name: value }`, in Cognito's
/// order (what `fetchUserAttributes` resolves with).
pub fn attributes(body: &Value) -> Result<Object> {
    let malformed = || {
        Error::new(
            ErrorKind::Network,
            "the GetUser response has no UserAttributes list",
        )
    };
    let mut out = Object::new();
    for a in body
        .get("UserAttributes")
        .and_then(Value::as_array)
        .ok_or_else(malformed)?
    {
        let name = a
            .get("Name")
            .and_then(Value::as_str)
            .ok_or_else(malformed)?;
        out.insert(
            name,
            a.get("Value").and_then(Value::as_str).unwrap_or_default(),
        );
    }
    Ok(out)
}

/// The `SecretCode` of an `AssociateSoftwareToken` response and the `otpauth://` URI an authenticator
/// app takes for it (`otpauth://totp/<issuer>:<username>?secret=...&issuer=...`).
pub fn totp_setup(body: &Value, issuer: &str, username: &str) -> Result<Object> {
    let secret = body
        .get("SecretCode")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Network,
                "the AssociateSoftwareToken response has no SecretCode",
            )
        })?;
    let issuer = crate::http::encode_component(issuer);
    let mut uri = String::from("otpauth://totp/");
    for part in [
        &issuer,
        ":",
        &crate::http::encode_component(username),
        "?secret=",
        secret,
        "&issuer=",
        &issuer,
    ] {
        uri.push_str(part);
    }
    Ok(Object::new().with("secret", secret).with("uri", uri))
}

/// [`ErrorKind::Aws`] (`EnableSoftwareTokenMFAException`) unless a `VerifySoftwareToken` response says
/// `SUCCESS`.
pub fn totp_verified(body: &Value) -> Result<()> {
    if body.get("Status").and_then(Value::as_str) == Some("SUCCESS") {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Aws,
        "the code from the authenticator app was not accepted",
    )
    .with_server_type("EnableSoftwareTokenMFAException"))
}

/// The MFA settings of a `GetUser` response body: `{ enabled: ['TOTP', ...], preferred? }` (`TOTP`,
/// `SMS`, `EMAIL` for Cognito's `SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_OTP`).
pub fn mfa_preference(body: &Value) -> Object {
    let short = |v: &Value| -> Option<Value> {
        Some(
            match v.as_str()? {
                "SOFTWARE_TOKEN_MFA" => "TOTP",
                "SMS_MFA" => "SMS",
                "EMAIL_OTP" => "EMAIL",
                other => other,
            }
            .into(),
        )
    };
    let enabled: Vec<Value> = body
        .get("UserMFASettingList")
        .and_then(Value::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(short)
        .collect();
    let out = Object::new().with("enabled", enabled);
    match body.get("PreferredMfaSetting").and_then(short) {
        Some(p) => out.with("preferred", p),
        None => out,
    }
}

/// Where Cognito sent the verification codes, from the response body ([`ok_json`]) of
/// `UpdateUserAttributes` (`CodeDeliveryDetailsList`: the attributes that now wait for a code; empty or
/// absent when none) or `GetUserAttributeVerificationCode` (`CodeDeliveryDetails`), each as
/// `{ attributeName, deliveryMedium, destination }`.
pub fn deliveries(body: &Value) -> Result<Vec<Value>> {
    let malformed = || {
        Error::new(
            ErrorKind::Network,
            "the code delivery details are malformed",
        )
    };
    let one = |v: &Value| -> Result<Value> {
        let text = |k| v.get(k).and_then(Value::as_str);
        let name = text("AttributeName").ok_or_else(malformed)?;
        Ok(Object::new()
            .with("attributeName", name)
            .with("deliveryMedium", text("DeliveryMedium").unwrap_or_default())
            .with("destination", text("Destination").unwrap_or_default())
            .into())
    };
    if let Some(single) = body.get("CodeDeliveryDetails") {
        return Ok(vec![one(single)?]);
    }
    match body.get("CodeDeliveryDetailsList") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(list) => list
            .as_array()
            .ok_or_else(malformed)?
            .iter()
            .map(one)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::response as resp;

    fn cfg(admin: bool) -> AuthConfig {
        let mut c = crate::testing::config("https://app.example/");
        if admin {
            c.scopes.push(ADMIN_SCOPE.into());
        }
        c
    }

    fn verify() -> Operation {
        Operation::VerifyAttribute("email".into(), "123456".into())
    }

    fn password() -> Operation {
        Operation::ChangePassword("old".into(), "new".into())
    }

    fn body(status: u16, text: &str) -> Result<Value> {
        ok_json(&resp(status, text))
    }

    fn target(r: &HttpRequest) -> &str {
        &r.headers
            .iter()
            .find(|(n, _)| n == "x-amz-target")
            .unwrap()
            .1
    }

    fn text<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
        v.get(k).and_then(Value::as_str)
    }

    #[test]
    fn the_admin_scope_is_required_by_name() {
        let e = require_admin_scope(&cfg(false), "fetchUserAttributes").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e
            .message()
            .contains("fetchUserAttributes needs the scope aws.cognito.signin.user.admin"));
        assert!(require_admin_scope(&cfg(true), "x").is_ok());
    }

    #[test]
    fn requests_are_user_pool_json_calls_with_the_access_token() {
        let c = cfg(true);
        let update = Operation::update(
            Object::new()
                .with("email", "n@e.test")
                .with("name", "Dé \"mo\""),
        )
        .unwrap();
        let bad = Operation::update(Object::new().with("email", "x").with("age", 3u64));
        assert_eq!(
            bad.unwrap_err().message(),
            "attributes.age: must be a string"
        );
        let r = update.request(&c, &"acc.ess.tok".into());
        assert_eq!(r.url, "https://cognito-idp.us-east-1.amazonaws.com/");
        assert_eq!(
            target(&r),
            "AWSCognitoIdentityProviderService.UpdateUserAttributes"
        );
        let b = Value::parse(r.body.expose()).unwrap();
        assert_eq!(text(&b, "AccessToken"), Some("acc.ess.tok"));
        let list = b.get("UserAttributes").and_then(Value::as_array).unwrap();
        assert_eq!(text(&list[0], "Name"), Some("email"));
        assert_eq!(text(&list[1], "Value"), Some("Dé \"mo\""));
        for (op, name) in [
            (Operation::GetUser, "GetUser"),
            (
                Operation::SendCode("email".into()),
                "GetUserAttributeVerificationCode",
            ),
            (verify(), "VerifyUserAttribute"),
            (password(), "ChangePassword"),
            (Operation::DeleteUser, "DeleteUser"),
        ] {
            let r = op.request(&c, &"a".into());
            assert_eq!(
                target(&r),
                format!("AWSCognitoIdentityProviderService.{name}")
            );
            assert_eq!(
                text(&Value::parse(r.body.expose()).unwrap(), "AccessToken"),
                Some("a")
            );
        }
        let v = Value::parse(verify().request(&c, &"a".into()).body.expose()).unwrap();
        assert_eq!(
            (text(&v, "AttributeName"), text(&v, "Code")),
            (Some("email"), Some("123456"))
        );
        let p = Value::parse(password().request(&c, &"a".into()).body.expose()).unwrap();
        assert_eq!(text(&p, "PreviousPassword"), Some("old"));
        assert_eq!(text(&p, "ProposedPassword"), Some("new"));
        assert_eq!(Operation::DeleteUser.method(), "deleteUser");
        let secrets = format!(
            "{:?} {:?} {:?}",
            Operation::ChangePassword("Old!pass1".into(), "New!pass2".into()),
            Operation::VerifyAttribute("email".into(), "246810".into()),
            Operation::VerifyTotp("135791".into(), None)
        );
        for secret in ["Old!pass1", "New!pass2", "246810", "135791"] {
            assert!(!secrets.contains(secret), "{secrets}");
        }
        assert!(verify().changes_claims() && !password().changes_claims());
    }

    #[test]
    fn get_user_gives_the_attributes_in_order() {
        let b = body(200, r#"{"Username":"demo","UserAttributes":[{"Name":"sub","Value":"s-1"},{"Name":"email","Value":"d@e.test"},{"Name":"custom:x"}]}"#).unwrap();
        assert_eq!(
            attributes(&b).unwrap().to_json(),
            r#"{"sub":"s-1","email":"d@e.test","custom:x":""}"#
        );
        for bad in [
            r#"{}"#,
            r#"{"UserAttributes":{}}"#,
            r#"{"UserAttributes":[{"Value":"x"}]}"#,
            "[]",
            "nope",
        ] {
            let e = body(200, bad).and_then(|b| attributes(&b)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Network, "{bad}");
        }
    }

    #[test]
    fn the_largest_get_user_is_well_under_the_cap() {
        // 50 custom attributes and 20 standard ones, each value at Cognito's limit of 2048
        // characters, every character escaped: still under the cap of what is read.
        let attribute = |name: String| {
            let value = "\\u00e9".repeat(2048);
            format!(r#"{{"Name":"{name}","Value":"{value}"}}"#)
        };
        let list: Vec<String> = (0..50)
            .map(|i| attribute(format!("custom:attribute{i:02}")))
            .chain((0..20).map(|i| attribute(format!("standard{i:02}"))))
            .collect();
        let text = format!(
            r#"{{"Username":"u","UserAttributes":[{}]}}"#,
            list.join(",")
        );
        assert!(text.len() < crate::http::MAX_RESPONSE_LENGTH);
        let got = attributes(&ok_json(&resp(200, &text)).unwrap()).unwrap();
        assert_eq!(got.len(), 70);
        assert_eq!(
            got.get("standard19").and_then(Value::as_str),
            Some("\u{e9}".repeat(2048).as_str())
        );
    }

    #[test]
    fn deliveries_from_either_shape() {
        let list = body(200, r#"{"CodeDeliveryDetailsList":[{"AttributeName":"email","DeliveryMedium":"EMAIL","Destination":"n***@e***"}]}"#).unwrap();
        let d = deliveries(&list).unwrap();
        assert_eq!(
            Value::from(d).to_json(),
            r#"[{"attributeName":"email","deliveryMedium":"EMAIL","destination":"n***@e***"}]"#
        );
        let one = body(200, r#"{"CodeDeliveryDetails":{"AttributeName":"phone_number","DeliveryMedium":"SMS","Destination":"+***12"}}"#).unwrap();
        let sms = deliveries(&one).unwrap();
        assert_eq!(text(&sms[0], "deliveryMedium"), Some("SMS"));
        assert!(deliveries(&body(200, "{}").unwrap()).unwrap().is_empty());
        let null = body(200, r#"{"CodeDeliveryDetailsList":null}"#).unwrap();
        assert!(deliveries(&null).unwrap().is_empty());
        let broken = body(200, r#"{"CodeDeliveryDetailsList":[{}]}"#).unwrap();
        assert_eq!(deliveries(&broken).unwrap_err().kind(), ErrorKind::Network);
    }

    #[test]
    fn totp_requests_and_answers() {
        let c = cfg(true);
        let v = Value::parse(
            Operation::VerifyTotp("123456".into(), Some("Phone".into()))
                .request(&c, &"a".into())
                .body
                .expose(),
        )
        .unwrap();
        assert_eq!(
            (text(&v, "UserCode"), text(&v, "FriendlyDeviceName")),
            (Some("123456"), Some("Phone"))
        );
        let bare = Value::parse(
            Operation::VerifyTotp("1".into(), None)
                .request(&c, &"a".into())
                .body
                .expose(),
        )
        .unwrap();
        assert!(bare.get("FriendlyDeviceName").is_none());
        for (p, enabled, preferred) in [
            (MfaSetting::Preferred, true, true),
            (MfaSetting::Enabled, true, false),
            (MfaSetting::Disabled, false, false),
        ] {
            let only_totp = MfaPreference {
                totp: Some(p),
                ..Default::default()
            };
            let r = Operation::SetMfa(only_totp).request(&c, &"a".into());
            assert_eq!(
                target(&r),
                "AWSCognitoIdentityProviderService.SetUserMFAPreference"
            );
            let b = Value::parse(r.body.expose()).unwrap();
            let settings = b.get("SoftwareTokenMfaSettings").unwrap();
            assert_eq!(
                settings.get("Enabled").and_then(Value::as_bool),
                Some(enabled)
            );
            assert_eq!(
                settings.get("PreferredMfa").and_then(Value::as_bool),
                Some(preferred)
            );
            assert!(b.get("SMSMfaSettings").is_none() && b.get("EmailMfaSettings").is_none());
        }
        let o = |t| Object::parse(t).unwrap();
        let both =
            MfaPreference::from_options(&o(r#"{"email":"preferred","sms":"disabled"}"#)).unwrap();
        assert_eq!(
            both,
            MfaPreference {
                totp: None,
                sms: Some(MfaSetting::Disabled),
                email: Some(MfaSetting::Preferred)
            }
        );
        let b = Value::parse(
            Operation::SetMfa(both)
                .request(&c, &"a".into())
                .body
                .expose(),
        )
        .unwrap();
        assert_eq!(
            b.get("EmailMfaSettings").unwrap().to_json(),
            r#"{"Enabled":true,"PreferredMfa":true}"#
        );
        assert_eq!(
            b.get("SMSMfaSettings").unwrap().to_json(),
            r#"{"Enabled":false,"PreferredMfa":false}"#
        );
        for bad in [r#"{}"#, r#"{"totp":"on"}"#, r#"{"totp":true}"#] {
            let e = MfaPreference::from_options(&o(bad)).unwrap_err();
            assert!(e.message().starts_with("totp:"), "{bad}: {}", e.message());
        }
        let e = MfaPreference::from_options(&o(r#"{"email":"yes"}"#)).unwrap_err();
        assert!(e.message().starts_with("email:"), "{}", e.message());
        assert_eq!(
            target(&Operation::AssociateTotp.request(&c, &"a".into())),
            "AWSCognitoIdentityProviderService.AssociateSoftwareToken"
        );

        let setup = totp_setup(
            &body(200, r#"{"SecretCode":"JBSWY3DPEHPK3PXP"}"#).unwrap(),
            "Shop Sphere",
            "d@e.test",
        )
        .unwrap();
        assert_eq!(
            text(&Value::from(setup.clone()), "secret"),
            Some("JBSWY3DPEHPK3PXP")
        );
        assert_eq!(
            text(&Value::from(setup), "uri"),
            Some("otpauth://totp/Shop%20Sphere:d%40e.test?secret=JBSWY3DPEHPK3PXP&issuer=Shop%20Sphere")
        );
        assert_eq!(
            totp_setup(&body(200, "{}").unwrap(), "i", "u")
                .unwrap_err()
                .kind(),
            ErrorKind::Network
        );
        assert!(totp_verified(&body(200, r#"{"Status":"SUCCESS"}"#).unwrap()).is_ok());
        let e = totp_verified(&body(200, r#"{"Status":"ERROR"}"#).unwrap()).unwrap_err();
        assert_eq!(e.server_type(), Some("EnableSoftwareTokenMFAException"));

        let prefs = body(200, r#"{"UserMFASettingList":["SOFTWARE_TOKEN_MFA","SMS_MFA"],"PreferredMfaSetting":"SOFTWARE_TOKEN_MFA"}"#).unwrap();
        assert_eq!(
            mfa_preference(&prefs).to_json(),
            r#"{"enabled":["TOTP","SMS"],"preferred":"TOTP"}"#
        );
        assert_eq!(
            mfa_preference(&body(200, "{}").unwrap()).to_json(),
            r#"{"enabled":[]}"#
        );
    }

    #[test]
    fn refusals_keep_cognitos_type() {
        for (status, text, kind, ty) in [
            (
                400,
                r#"{"__type":"CodeMismatchException","message":"Invalid verification code provided, please try again."}"#,
                ErrorKind::Aws,
                Some("CodeMismatchException"),
            ),
            (
                400,
                r#"{"__type":"com.amazonaws#InvalidPasswordException","message":"Password did not conform with policy"}"#,
                ErrorKind::Aws,
                Some("InvalidPasswordException"),
            ),
            (
                400,
                r#"{"__type":"AliasExistsException","message":"An account with the given email already exists."}"#,
                ErrorKind::Aws,
                Some("AliasExistsException"),
            ),
            (
                400,
                r#"{"__type":"LimitExceededException","message":"Attempt limit exceeded"}"#,
                ErrorKind::Network,
                Some("LimitExceededException"),
            ),
            (500, "", ErrorKind::Network, None),
            (0, "", ErrorKind::Network, None),
        ] {
            let e = body(status, text).unwrap_err();
            assert_eq!((e.kind(), e.server_type()), (kind, ty), "{status} {text}");
        }
        assert!(body(200, "{}").is_ok());
    }
}
