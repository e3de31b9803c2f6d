//! Cognito's AWS JSON APIs (`x-amz-json-1.1`): the user pool's (`GetTokensFromRefreshToken`,
//! `GlobalSignOut`, the [account](crate::account) calls) and the [identity pool](crate::identity)'s.
//! Requests as values ([`json_api`]: the content type and the `X-Amz-Target` header), the error type
//! of a refusal ([`aws_error_type`]: `__type`), the body of a success ([`json_api_body`]), and the one
//! classifier of a failed request ([`classify_failure`]), which the OAuth endpoints of
//! [`crate::oauth`] share. Nothing here does I/O.

use crate::error::{quoted, Error, ErrorKind, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::{Object, Value};

/// A request to a Cognito JSON API (`x-amz-json-1.1`, `X-Amz-Target`) with a body of string members.
pub fn json_api(url: &str, target: &str, members: &[(&str, &str)]) -> HttpRequest {
    let mut body = Object::new();
    for (name, value) in members {
        body.insert(*name, *value);
    }
    json_api_object(url, target, body)
}

/// A request to a Cognito JSON API with `body` (members of any JSON type; `null` ones are left out
/// by the caller or sent as `null`).
pub fn json_api_object(url: &str, target: &str, body: Object) -> HttpRequest {
    HttpRequest {
        method: "POST",
        url: url.to_owned(),
        headers: vec![
            ("content-type".into(), "application/x-amz-json-1.1".into()),
            ("x-amz-target".into(), target.to_owned()),
        ],
        body: body.to_json().into(),
    }
}

/// What a token request was for: decides what a refusal means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// An authorization code exchange.
    Code,
    /// A refresh.
    Refresh,
}

/// The error type of a JSON API error: `__type` (or the `x-amzn-errortype` header), the part after the
/// last `#` and before the first `:`. A body longer than [`MAX_RESPONSE_LENGTH`](crate::http::MAX_RESPONSE_LENGTH) is not read.
pub fn aws_error_type(response: &HttpResponse) -> Option<String> {
    error_type(response, failure_json(response).as_ref())
}

/// [`aws_error_type`] with the refusal's body already parsed.
fn error_type(response: &HttpResponse, body: Option<&Value>) -> Option<String> {
    let from_body = body.and_then(|v| v.get("__type").and_then(Value::as_str).map(str::to_owned));
    let raw = from_body.or_else(|| response.error_type_header.clone())?;
    let after_hash = raw.rsplit('#').next().unwrap_or(&raw);
    Some(
        after_hash
            .split(':')
            .next()
            .unwrap_or(after_hash)
            .to_owned(),
    )
}

fn is_transient(status: u16, error_type: Option<&str>) -> bool {
    status == 0
        || status == 429
        || status >= 500
        || matches!(
            error_type,
            Some(
                "TooManyRequestsException"
                    | "InternalErrorException"
                    | "too_many_requests"
                    | "server_error"
                    | "temporarily_unavailable"
                    | "LimitExceededException"
            )
        )
}

/// The JSON object of a successful JSON API response (user pool, identity pool), or a typed error: a
/// failure as [`classify_failure`] says (transient ones [`ErrorKind::Network`], refusals
/// [`ErrorKind::Aws`] with the server's type); a 2xx longer than [`MAX_RESPONSE_LENGTH`](crate::http::MAX_RESPONSE_LENGTH) (not parsed)
/// [`ErrorKind::Network`], and one that is not a JSON object [`ErrorKind::Network`] with `not_json` as
/// the message.
pub fn json_api_body(response: &HttpResponse, not_json: &'static str) -> Result<Value> {
    if !(200..300).contains(&response.status) {
        return Err(classify_failure(response, Grant::Code));
    }
    Value::parse(response.bounded_body()?)
        .filter(|v| v.as_object().is_some())
        .ok_or_else(|| Error::new(ErrorKind::Network, not_json))
}

/// The body of a refusal as JSON, if it is JSON and at most [`MAX_RESPONSE_LENGTH`](crate::http::MAX_RESPONSE_LENGTH) bytes long (a
/// longer one is not parsed).
fn failure_json(response: &HttpResponse) -> Option<Value> {
    Value::parse(response.bounded_body().ok()?)
}

/// A typed error for a failed token, revoke or JSON API request (see
/// [`parse_token_response`](crate::oauth::parse_token_response)).
pub fn classify_failure(response: &HttpResponse, grant: Grant) -> Error {
    let body = failure_json(response);
    let oauth_error = body
        .as_ref()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned));
    let description = body.as_ref().and_then(|v| {
        v.get("error_description")
            .or_else(|| v.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let aws_type = error_type(response, body.as_ref());
    let server_type = oauth_error.or(aws_type.clone());
    let status = response.status;
    let describe = |what: &str| {
        let mut m = format!("{what} (HTTP {status}");
        if let Some(t) = &server_type {
            m.push_str(", ");
            m.push_str(&quoted(t));
        }
        m.push(')');
        if let Some(d) = &description {
            m.push_str(": ");
            m.push_str(&quoted(d));
        }
        m
    };
    let error = if status == 0 {
        Error::new(
            ErrorKind::Network,
            "the request failed: offline, DNS, CORS or TLS",
        )
    } else if is_transient(status, server_type.as_deref()) {
        Error::new(
            ErrorKind::Network,
            describe("the server failed transiently"),
        )
    } else if grant == Grant::Refresh
        && matches!(
            server_type.as_deref(),
            Some("invalid_grant" | "NotAuthorizedException")
        )
    {
        Error::new(
            ErrorKind::SessionEnded,
            describe("the refresh token was refused"),
        )
    } else if aws_type.is_some() {
        Error::new(ErrorKind::Aws, describe("the request was refused"))
    } else {
        Error::new(ErrorKind::OAuth, describe("the request was refused"))
    };
    let error = error.with_response(status, response.request_id.clone());
    let error = match server_type {
        Some(t) => error.with_server_type(t),
        None => error,
    };
    match response.body.expose() {
        cause if status == 0 && !cause.is_empty() => error.with_cause(cause),
        _ => error,
    }
}
