//! AWS from JS: `auth.getCredentials`, `auth.signedFetch`, `auth.presignUrl`, and `signRequest`.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::auth::{read, JsCognitoAuth};
use super::{field, opt_string, to_js, to_plain};
use crate::error::{config, Result};
use crate::identity::IdentityCredentials;
use crate::options::{AwsServiceOptions, CredentialsOptions, PresignOptions};
use crate::sigv4::{self, Credentials, SigningParams, SigningSettings};

/// Credentials as the app sees them, from `getCredentials` and `credentialProvider` alike: `expiration`
/// a `Date`, as the AWS SDK for JavaScript takes it.
pub(super) fn credentials_to_js(c: &IdentityCredentials) -> Result<JsValue, JsValue> {
    let out = to_plain(&c.to_app_json());
    let expiration = js_sys::Date::new(&((c.expiration as f64) * 1000.0).into());
    let _ = js_sys::Reflect::set(&out, &"expiration".into(), &expiration);
    Ok(out)
}

/// Headers from a `Headers` object, an array of pairs, or a plain object.
fn headers_of(value: &JsValue) -> Result<Vec<(String, String)>> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    let invalid = || {
        config("headers: must be a Headers object, an array of [name, value] pairs or an object of strings")
    };
    let entries: js_sys::Array = if value.is_instance_of::<web_sys::Headers>() {
        // Array.from over the Headers iterator: [name, value] pairs.
        js_sys::Array::from(value)
    } else if js_sys::Array::is_array(value) {
        value.clone().unchecked_into()
    } else if value.is_object() {
        js_sys::Object::entries(value.unchecked_ref())
    } else {
        return Err(invalid());
    };
    entries
        .iter()
        .map(|pair| {
            let pair: js_sys::Array = pair.dyn_into().map_err(|_| invalid())?;
            match (pair.get(0).as_string(), pair.get(1).as_string()) {
                (Some(k), Some(v)) => Ok((k, v)),
                _ => Err(invalid()),
            }
        })
        .collect()
}

/// The bytes of a body: string, ArrayBuffer, typed array, DataView, or (async only) Blob.
async fn body_of(value: JsValue) -> Result<Vec<u8>> {
    if let Some(blob) = value.dyn_ref::<web_sys::Blob>() {
        let buffer = JsFuture::from(blob.array_buffer())
            .await
            .map_err(|_| config("body: the Blob could not be read"))?;
        return Ok(js_sys::Uint8Array::new(&buffer).to_vec());
    }
    body_sync(&value)
}

fn body_sync(value: &JsValue) -> Result<Vec<u8>> {
    if value.is_undefined() || value.is_null() {
        Ok(Vec::new())
    } else if let Some(s) = value.as_string() {
        Ok(s.into_bytes())
    } else if value.is_instance_of::<js_sys::ArrayBuffer>() {
        Ok(js_sys::Uint8Array::new(value).to_vec())
    } else if js_sys::ArrayBuffer::is_view(value) {
        let view: &js_sys::Uint8Array = value.unchecked_ref();
        let bytes = js_sys::Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset(),
            view.byte_length(),
        );
        Ok(bytes.to_vec())
    } else {
        Err(config(
            "body: must be a string, ArrayBuffer, typed array or Blob",
        ))
    }
}

fn method_of(init: &JsValue) -> Result<String> {
    if init.is_undefined() || init.is_null() {
        return Ok("GET".into());
    }
    Ok(opt_string(init, "method")?.unwrap_or_else(|| "GET".into()))
}

#[wasm_bindgen(js_class = CognitoAuth)]
impl JsCognitoAuth {
    /// Identity-pool credentials (the user's when signed in, a guest's otherwise), in the role asked
    /// for (`customRoleArn`) or the one the pool resolves; cached per role and refreshed shortly
    /// before they expire.
    #[cfg(not(cw_without = "getCredentials"))]
    #[wasm_bindgen(js_name = getCredentials, unchecked_return_type = "Promise<AwsCredentials>")]
    pub fn get_credentials(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CredentialsOptions")] options: Option<
            JsValue,
        >,
    ) -> js_sys::Promise {
        let inner = self.inner().clone();
        let parsed = read(options, CredentialsOptions::from_options);
        super::promise(async move {
            let creds = inner
                .get_credentials(parsed.map_err(to_js)?)
                .await
                .map_err(to_js)?;
            credentials_to_js(&creds)
        })
    }

    /// `fetch(url, init)` signed with SigV4 and the current credentials (S3 rules for `service: 's3'`).
    #[cfg(not(cw_without = "signedFetch"))]
    #[wasm_bindgen(js_name = signedFetch, unchecked_return_type = "Promise<Response>")]
    pub fn signed_fetch(
        &self,
        url: String,
        #[wasm_bindgen(unchecked_param_type = "SignedFetchInit | undefined")] init: JsValue,
        #[wasm_bindgen(unchecked_param_type = "AwsServiceOptions")] options: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner().clone();
        super::promise(async move {
            let service = read(Some(options), AwsServiceOptions::from_options).map_err(to_js)?;
            let method = method_of(&init).map_err(to_js)?;
            let (headers, body) = if init.is_object() {
                let headers =
                    headers_of(&field(&init, "headers").map_err(to_js)?).map_err(to_js)?;
                let body = body_of(field(&init, "body").map_err(to_js)?)
                    .await
                    .map_err(to_js)?;
                (headers, body)
            } else {
                (Vec::new(), Vec::new())
            };
            let response = inner
                .signed_fetch(&url, &method, headers, body, &service)
                .await
                .map_err(to_js)?;
            Ok(response.into())
        })
    }

    /// A presigned URL (GET) valid for `expiresIn` seconds (default 900, at most 604800).
    #[cfg(not(cw_without = "presignUrl"))]
    #[wasm_bindgen(js_name = presignUrl, unchecked_return_type = "Promise<string>")]
    pub fn presign_url(
        &self,
        url: String,
        #[wasm_bindgen(unchecked_param_type = "AwsServiceOptions & { expiresIn?: number }")]
        options: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner().clone();
        super::promise(async move {
            let options = read(Some(options), PresignOptions::from_options).map_err(to_js)?;
            let url = inner.presign_url(&url, &options).await.map_err(to_js)?;
            Ok(url.into())
        })
    }
}

/// Signs a request with SigV4 for any AWS service and returns the headers to send
/// (`authorization`, `x-amz-date`, `x-amz-security-token`, and `x-amz-content-sha256` for S3).
#[cfg(not(cw_without = "signRequest"))]
#[wasm_bindgen(js_name = signRequest, unchecked_return_type = "Record<string, string>")]
pub fn sign_request(
    #[wasm_bindgen(unchecked_param_type = "SignableRequest")] request: JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }"
    )]
    credentials: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AwsServiceOptions & { signingTime?: Date | number }")]
    options: JsValue,
) -> Result<JsValue, JsValue> {
    sign_request_inner(&request, &credentials, &options).map_err(to_js)
}

fn sign_request_inner(
    request: &JsValue,
    credentials: &JsValue,
    options: &JsValue,
) -> Result<JsValue> {
    let url = opt_string(request, "url")?.ok_or_else(|| config("url: required"))?;
    let url = crate::platform::wire_url(&url)?;
    let method = opt_string(request, "method")?.unwrap_or_else(|| "GET".into());
    let headers = headers_of(&field(request, "headers")?)?;
    let body = body_sync(&field(request, "body")?)?;
    let creds = Credentials::new(
        opt_string(credentials, "accessKeyId")?.ok_or_else(|| config("accessKeyId: required"))?,
        opt_string(credentials, "secretAccessKey")?
            .ok_or_else(|| config("secretAccessKey: required"))?,
        // An empty session token is no session token (long-term keys), not an empty header to sign.
        opt_string(credentials, "sessionToken")?.filter(|t| !t.is_empty()),
    );
    let AwsServiceOptions { service, region } =
        AwsServiceOptions::from_options(&super::options(options, false)?)?;
    let time = field(options, "signingTime")?;
    let time_ms = if time.is_undefined() {
        js_sys::Date::now()
    } else if let Some(d) = time.dyn_ref::<js_sys::Date>() {
        d.get_time()
    } else {
        time.as_f64()
            .filter(|t| t.is_finite() && *t >= 0.0)
            .ok_or_else(|| config("signingTime: a Date or milliseconds since the epoch"))?
    };
    let params = SigningParams {
        service: &service,
        region: &region,
        time: (time_ms / 1000.0) as u64,
        settings: SigningSettings::for_service(&service),
    };
    let signed = sigv4::sign_headers(
        &sigv4::Request {
            method: &method,
            url: &url,
            headers: &headers,
            body: &body,
        },
        &creds,
        &params,
    )?;
    let out = js_sys::Object::new();
    for (name, value) in &signed.headers {
        let _ = js_sys::Reflect::set(&out, &name.into(), &value.expose().into());
    }
    Ok(out.into())
}
