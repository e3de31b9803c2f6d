//! The user's own account from JS (`fetchUserAttributes`, `updateUserAttributes`,
//! `sendUserAttributeVerificationCode`, `confirmUserAttribute`, `changePassword`, `deleteUser`) and
//! `credentialProvider()` for the AWS SDK for JavaScript v3.

use wasm_bindgen::prelude::*;
#[cfg(not(cw_without = "credentialProvider"))]
use wasm_bindgen::JsCast;

use super::auth::JsCognitoAuth;
use super::{to_js, to_plain};
use crate::account::{self, Operation};
use crate::error::{config, Result};
use crate::json::Value;

/// A string argument, or `ERR_CONFIG` naming it.
fn text_arg(value: &JsValue, name: &'static str) -> Result<String> {
    value
        .as_string()
        .ok_or_else(|| config(format!("{name}: must be a string")))
}

/// The JS shape of each operation's answer.
fn attributes_js(body: &Value) -> Result<JsValue> {
    Ok(to_plain(&account::attributes(body)?))
}

fn deliveries_js(body: &Value) -> Result<JsValue> {
    let list = Value::from(account::deliveries(body)?);
    Ok(js_sys::JSON::parse(&list.to_json()).unwrap_or(JsValue::NULL))
}

fn delivery_js(body: &Value) -> Result<JsValue> {
    let first = account::deliveries(body)?.into_iter().next();
    Ok(first.map_or(JsValue::NULL, |d| {
        js_sys::JSON::parse(&d.to_json()).unwrap_or(JsValue::NULL)
    }))
}

fn nothing_js(_: &Value) -> Result<JsValue> {
    Ok(JsValue::UNDEFINED)
}

fn totp_verified_js(body: &Value) -> Result<JsValue> {
    account::totp_verified(body).map(|()| JsValue::UNDEFINED)
}

fn mfa_js(body: &Value) -> Result<JsValue> {
    Ok(to_plain(&account::mfa_preference(body)))
}

impl JsCognitoAuth {
    /// One promise path for every account method: the operation (or its argument error), then `shape`.
    fn account_promise(
        &self,
        operation: Result<Operation>,
        shape: fn(&Value) -> Result<JsValue>,
    ) -> js_sys::Promise {
        let inner = self.inner().clone();
        super::promise(async move {
            let body = inner
                .account(operation.map_err(to_js)?)
                .await
                .map_err(to_js)?;
            shape(&body).map_err(to_js)
        })
    }
}

#[wasm_bindgen(js_class = CognitoAuth)]
impl JsCognitoAuth {
    /// The user's attributes from Cognito (`GetUser`; needs the scope `aws.cognito.signin.user.admin`).
    #[cfg(not(cw_without = "fetchUserAttributes"))]
    #[wasm_bindgen(js_name = fetchUserAttributes, unchecked_return_type = "Promise<Record<string, string>>")]
    pub fn fetch_user_attributes(&self) -> js_sys::Promise {
        self.account_promise(Ok(Operation::GetUser), attributes_js)
    }

    /// Changes attributes; resolves with the attributes that now wait for a verification code. The
    /// tokens are refreshed, so `currentUser()` shows the new values.
    #[cfg(not(cw_without = "updateUserAttributes"))]
    #[wasm_bindgen(js_name = updateUserAttributes, unchecked_return_type = "Promise<CodeDeliveryDetails[]>")]
    pub fn update_user_attributes(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] attributes: JsValue,
    ) -> js_sys::Promise {
        let operation = super::options(&attributes, true)
            .map_err(|_| {
                config("attributes: must be an object of attribute names and string values")
            })
            .and_then(Operation::update);
        self.account_promise(operation, deliveries_js)
    }

    /// Sends a verification code for an attribute (`email`, `phone_number`).
    #[cfg(not(cw_without = "sendUserAttributeVerificationCode"))]
    #[wasm_bindgen(js_name = sendUserAttributeVerificationCode, unchecked_return_type = "Promise<CodeDeliveryDetails>")]
    pub fn send_user_attribute_verification_code(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
    ) -> js_sys::Promise {
        self.account_promise(
            text_arg(&name, "name").map(Operation::SendCode),
            delivery_js,
        )
    }

    /// Confirms an attribute with the code the user received; the tokens are refreshed.
    #[cfg(not(cw_without = "confirmUserAttribute"))]
    #[wasm_bindgen(js_name = confirmUserAttribute, unchecked_return_type = "Promise<void>")]
    pub fn confirm_user_attribute(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
    ) -> js_sys::Promise {
        let operation = text_arg(&name, "name").and_then(|n| {
            Ok(Operation::VerifyAttribute(
                n,
                text_arg(&code, "code")?.into(),
            ))
        });
        self.account_promise(operation, nothing_js)
    }

    /// Changes the password (the pool's password policy applies).
    #[cfg(not(cw_without = "changePassword"))]
    #[wasm_bindgen(js_name = changePassword, unchecked_return_type = "Promise<void>")]
    pub fn change_password(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] previous: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] proposed: JsValue,
    ) -> js_sys::Promise {
        let operation = text_arg(&previous, "previousPassword").and_then(|p| {
            Ok(Operation::ChangePassword(
                p.into(),
                text_arg(&proposed, "proposedPassword")?.into(),
            ))
        });
        self.account_promise(operation, nothing_js)
    }

    /// Deletes the user's account, then signs out in every tab (reason `userDeleted`).
    #[cfg(not(cw_without = "deleteUser"))]
    #[wasm_bindgen(js_name = deleteUser, unchecked_return_type = "Promise<void>")]
    pub fn delete_user(&self) -> js_sys::Promise {
        self.account_promise(Ok(Operation::DeleteUser), nothing_js)
    }

    /// Starts TOTP set-up: a new secret for an authenticator app, as `{ secret, uri }` (the
    /// `otpauth://` URI names `appName`, default the app's host, and the user).
    #[cfg(not(cw_without = "setUpTotp"))]
    #[wasm_bindgen(js_name = setUpTotp, unchecked_return_type = "Promise<{ secret: string; uri: string }>")]
    pub fn set_up_totp(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "{ appName?: string }")] options: Option<
            JsValue,
        >,
    ) -> js_sys::Promise {
        let inner = self.inner().clone();
        let app_name = super::options(&options.unwrap_or(JsValue::UNDEFINED), false)
            .and_then(|o| account::totp_app_name(&o));
        super::promise(async move {
            let setup = inner
                .set_up_totp(app_name.map_err(to_js)?)
                .await
                .map_err(to_js)?;
            Ok(to_plain(&setup))
        })
    }

    /// Finishes TOTP set-up with the first code from the app (`VerifySoftwareToken`); a wrong code is
    /// `ERR_AWS` with type `EnableSoftwareTokenMFAException` or `CodeMismatchException`.
    #[cfg(not(cw_without = "verifyTotpSetup"))]
    #[wasm_bindgen(js_name = verifyTotpSetup, unchecked_return_type = "Promise<void>")]
    pub fn verify_totp_setup(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ deviceName?: string }")] options: Option<
            JsValue,
        >,
    ) -> js_sys::Promise {
        let operation = text_arg(&code, "code").and_then(|code| {
            let options = super::options(&options.unwrap_or(JsValue::UNDEFINED), false)?;
            Operation::verify_totp(code, &options)
        });
        self.account_promise(operation, totp_verified_js)
    }

    /// Turns MFA factors on (`'enabled'`, or `'preferred'`) or off (`'disabled'`): `totp` (the
    /// authenticator app), `sms`, `email` (codes sent at sign-in); the factors not given stay as they are.
    #[cfg(not(cw_without = "updateMfaPreference"))]
    #[wasm_bindgen(js_name = updateMfaPreference, unchecked_return_type = "Promise<void>")]
    pub fn update_mfa_preference(
        &self,
        #[wasm_bindgen(unchecked_param_type = "MfaPreference")] options: JsValue,
    ) -> js_sys::Promise {
        let operation = super::options(&options, true)
            .and_then(|o| account::MfaPreference::from_options(&o))
            .map(Operation::SetMfa);
        self.account_promise(operation, nothing_js)
    }

    /// The user's MFA settings: `{ enabled: ('TOTP' | 'SMS' | 'EMAIL')[], preferred? }`.
    #[cfg(not(cw_without = "fetchMfaPreference"))]
    #[wasm_bindgen(js_name = fetchMfaPreference, unchecked_return_type = "Promise<{ enabled: string[]; preferred?: string }>")]
    pub fn fetch_mfa_preference(&self) -> js_sys::Promise {
        self.account_promise(Ok(Operation::GetUser), mfa_js)
    }

    /// A credentials provider for the AWS SDK for JavaScript v3 (`new S3Client({ credentials })`):
    /// resolves `{ accessKeyId, secretAccessKey, sessionToken, expiration: Date }` through the same
    /// cached, cross-tab path as `getCredentials`, in the role `customRoleArn` if given.
    #[cfg(not(cw_without = "credentialProvider"))]
    #[wasm_bindgen(js_name = credentialProvider, unchecked_return_type = "() => Promise<AwsCredentialIdentity>")]
    pub fn credential_provider(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "{ customRoleArn?: string }")]
        options: Option<JsValue>,
    ) -> Result<js_sys::Function, JsValue> {
        let inner = self.inner().clone();
        // Read once: a bad option is this call's ERR_CONFIG, not every provide's.
        let role = super::auth::read(options, crate::options::CredentialsOptions::from_options)
            .map_err(to_js)?
            .custom_role_arn;
        let provide = move || -> js_sys::Promise {
            let inner = inner.clone();
            let options = crate::options::CredentialsOptions {
                force_refresh: false,
                custom_role_arn: role.clone(),
            };
            super::promise(async move {
                let c = inner.get_credentials(options).await.map_err(to_js)?;
                super::aws::credentials_to_js(&c)
            })
        };
        Ok(Closure::<dyn Fn() -> js_sys::Promise>::new(provide)
            .into_js_value()
            .unchecked_into())
    }
}
