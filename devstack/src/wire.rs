//! Error rendering for devstack's wire formats: the AWS JSON APIs' `{"__type", "message"}` (with
//! `x-amzn-ErrorType`; [`ApiError`], [`ApiResult`] and the helpers the operations build them with), the
//! OAuth endpoints' `{"error", "error_description"}`, S3's XML `<Error>` and DynamoDB's AWS JSON 1.0; plus
//! the response of an injected fault in each of them.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::ids::random_uuid;

// ---- AWS JSON (the user-pool and identity-pool APIs, x-amz-json-1.1)

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// A Cognito error: `{"__type": ..., "message": ...}` with the type also in `x-amzn-ErrorType`.
pub fn aws_error(status: StatusCode, ty: &str, message: &str) -> Response {
    let body = json!({ "__type": ty, "message": message }).to_string();
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(v) = HeaderValue::from_str(&format!("{ty}:")) {
        h.insert("x-amzn-errortype", v);
    }
    h.insert(
        "x-amzn-requestid",
        HeaderValue::from_str(&random_uuid()).expect("ascii"),
    );
    r
}

/// A member of an operation's result that is not part of the body: response headers of devstack's own
/// (`{"<name>": "<value>"}`), which `aws_ok` moves into the response.
pub const HEADERS: &str = "$headers";

/// A JSON API success: 200 with the x-amz-json-1.1 content type and a request id.
pub fn aws_ok(mut body: Value) -> Response {
    let extra = body.as_object_mut().and_then(|o| o.remove(HEADERS));
    let mut r = (StatusCode::OK, body.to_string()).into_response();
    for (name, value) in extra
        .as_ref()
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let (Ok(n), Some(Ok(v))) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            value.as_str().map(HeaderValue::from_str),
        ) {
            r.headers_mut().insert(n, v);
        }
    }
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    r.headers_mut().insert(
        "x-amzn-requestid",
        HeaderValue::from_str(&random_uuid()).expect("ascii"),
    );
    r
}

/// A JSON API error: becomes `400 {"__type", "message"}`.
#[derive(Debug)]
pub struct ApiError {
    pub ty: &'static str,
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        aws_error(StatusCode::BAD_REQUEST, self.ty, &self.message)
    }
}

pub type ApiResult = Result<Value, ApiError>;

/// A JSON API error of the given `__type`.
pub fn bad(ty: &'static str, message: &str) -> ApiError {
    ApiError {
        ty,
        message: message.to_string(),
    }
}

pub fn not_authorized(message: &str) -> ApiError {
    bad("NotAuthorizedException", message)
}

/// A required, non-empty string member of the input, or Cognito's validation error.
pub fn str_field<'a>(input: &'a Value, name: &str) -> Result<&'a str, ApiError> {
    input
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("InvalidParameterException", &format!("1 validation error detected: Value at '{name}' failed to satisfy constraint: Member must not be null")))
}

// ---- DynamoDB (AWS JSON 1.0)

pub const CONTENT_TYPE_10: &str = "application/x-amz-json-1.0";

/// A DynamoDB answer: the body with the x-amz-json-1.0 content type, a request id and the body's CRC32 in
/// `x-amz-crc32` (as DynamoDB sends them).
pub fn json10(status: StatusCode, body: Value) -> Response {
    let body = body.to_string();
    let crc = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32IsoHdlc, body.as_bytes());
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPE_10),
    );
    h.insert(
        "x-amzn-requestid",
        HeaderValue::from_str(&random_uuid()).expect("ascii"),
    );
    h.insert("x-amz-crc32", HeaderValue::from(crc));
    r
}

/// A DynamoDB error: `{"__type": "<namespace>#<Name>", "message": ...}` (400 unless `status` says
/// otherwise), plus `extra` members (the `Item` of a failed condition).
pub fn json10_error(status: StatusCode, ty: &str, message: &str, extra: Option<Value>) -> Response {
    let mut body = json!({ "__type": ty, "message": message });
    if let (Some(Value::Object(extra)), Some(obj)) = (extra, body.as_object_mut()) {
        obj.extend(extra);
    }
    json10(status, body)
}

// ---- OAuth 2.0 endpoints

/// An error of the token and revoke endpoints: `{"error", "error_description"}`, `Cache-Control: no-store`.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut r = (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A refused bearer token (userInfo): `{"error", "error_description"}`, the same in `WWW-Authenticate`.
pub fn invalid_token(status: StatusCode, error: &str, description: &str) -> Response {
    let mut r = (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    let v = format!("Bearer error=\"{error}\", error_description=\"{description}\"");
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_str(&v).unwrap_or(HeaderValue::from_static("Bearer")),
    );
    r
}

// ---- S3 XML

/// An S3 error: `<Error><Code>, <Message>, <RequestId>` as `application/xml`.
pub fn xml_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message><RequestId>{}</RequestId></Error>",
        message.replace('&', "&amp;").replace('<', "&lt;"),
        random_uuid()
    );
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    r
}

// ---- Injected faults

/// Which API a request belongs to, for the shape of an injected error.
#[derive(Clone, Copy, PartialEq)]
pub enum Flavor {
    OAuth,
    JsonApi,
    S3,
    DynamoDb,
}

/// The answer to an injected fault with `status` (429 and 503 are throttling, anything else an internal
/// error) in the format of the flavor.
pub fn fault_response(flavor: Flavor, status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let throttled =
        status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE;
    match flavor {
        Flavor::JsonApi => {
            let ty = if throttled {
                "TooManyRequestsException"
            } else {
                "InternalErrorException"
            };
            let msg = if throttled {
                "Rate exceeded"
            } else {
                "Internal error (injected by devstack)"
            };
            aws_error(status, ty, msg)
        }
        Flavor::OAuth => {
            let error = if throttled {
                "too_many_requests"
            } else {
                "server_error"
            };
            let mut r = (
                status,
                Json(json!({ "error": error, "error_description": "injected by devstack" })),
            )
                .into_response();
            if throttled {
                r.headers_mut()
                    .insert("retry-after", HeaderValue::from_static("1"));
            }
            r
        }
        Flavor::S3 => {
            let code = if throttled {
                "SlowDown"
            } else {
                "InternalError"
            };
            xml_error(status, code, "Injected by devstack")
        }
        Flavor::DynamoDb => {
            let ty = if throttled {
                "com.amazonaws.dynamodb.v20120810#ThrottlingException"
            } else {
                "com.amazonaws.dynamodb.v20120810#InternalServerError"
            };
            let msg = if throttled {
                "Rate of requests exceeds the allowed throughput."
            } else {
                "Internal server error (injected by devstack)"
            };
            json10_error(status, ty, msg, None)
        }
    }
}
