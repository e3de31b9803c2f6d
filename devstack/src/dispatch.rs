//! `POST /` on the Cognito port: the x-amz-json-1.1 dispatcher that reads `X-Amz-Target` and the JSON
//! body and routes `AWSCognitoIdentityProviderService.<Op>` to `my_account.rs` (the signed-in user's own
//! account operations), `passkeys.rs` (the WebAuthn operations), `self_service.rs` (the self-service
//! operations) or `user_pool.rs`, and
//! `AWSCognitoIdentityService.<Op>` to `identity_pool.rs`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::state::Shared;
use crate::wire::{aws_ok, bad};

/// `POST /`: dispatch on X-Amz-Target.
pub async fn dispatch(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some((service, op)) = target.split_once('.') else {
        return bad(
            "UnknownOperationException",
            "Missing or malformed X-Amz-Target header",
        )
        .into_response();
    };
    let input: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) if v.is_object() => v,
            _ => {
                return bad(
                    "SerializationException",
                    "The request body is not a JSON object",
                )
                .into_response()
            }
        }
    };
    let result = match service {
        "AWSCognitoIdentityProviderService" if crate::my_account::OPS.contains(&op) => {
            crate::my_account::op(&app, op, &input)
        }
        "AWSCognitoIdentityProviderService" if crate::passkeys::OPS.contains(&op) => {
            crate::passkeys::op(&app, op, &input)
        }
        "AWSCognitoIdentityProviderService" => crate::self_service::op(&app, op, &input)
            .unwrap_or_else(|| crate::user_pool::op(&app, op, &input)),
        "AWSCognitoIdentityService" => crate::identity_pool::op(&app, op, &input),
        _ => Err(bad(
            "UnknownOperationException",
            &format!("Unknown service {service}"),
        )),
    };
    match result {
        Ok(v) => aws_ok(v),
        Err(e) => e.into_response(),
    }
}
