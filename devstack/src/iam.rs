//! What IAM and the identity pool decide about roles: the role GetCredentialsForIdentity gives an
//! identity (the pool's default roles, or a provider's role mapping: `Token` or `Rules`, with the
//! request's `CustomRoleArn`), and what a role's policy lets its credentials do (`config::Role`, checked
//! by `s3.rs` and `dynamodb.rs`).

use serde_json::Value;

use crate::config::{IdentityPool, RoleMapping};
use crate::wire::{bad, not_authorized, ApiError};

/// Devstack's response header with the role of the issued credentials (GetCredentialsForIdentity's
/// answer has no such member in Cognito).
pub const ROLE_HEADER: &str = "x-devstack-role-arn";

/// The role of credentials for an identity of `pool`: the unauthenticated role for guests; for a user
/// (`claims` of the verified ID token in `Logins`) the role its provider's role mapping resolves, else
/// the authenticated role. `custom` is the request's `CustomRoleArn`.
pub fn resolve_role(
    pool: &IdentityPool,
    claims: Option<&Value>,
    custom: Option<&str>,
) -> Result<String, ApiError> {
    if let Some(c) = custom {
        if c.len() < 20 {
            return Err(bad("InvalidParameterException", &format!("1 validation error detected: Value '{c}' at 'customRoleArn' failed to satisfy constraint: Member must have length greater than or equal to 20")));
        }
    }
    let Some(claims) = claims else {
        return only(pool.default_role_arn(false), custom);
    };
    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
    let user_pool = iss.rsplit('/').next().unwrap_or("");
    let region = user_pool.split('_').next().unwrap_or("");
    let provider = format!("cognito-idp.{region}.amazonaws.com/{user_pool}");
    let client = claims.get("aud").and_then(Value::as_str).unwrap_or("");
    let Some(mapping) = pool.role_mapping(&provider, client) else {
        return only(pool.default_role_arn(true), custom);
    };
    let chosen = match mapping.mapping_type.as_str() {
        "Token" => from_token(claims, custom)?,
        _ => from_rules(mapping, claims, custom)?,
    };
    match chosen {
        Some(role) => Ok(role),
        None if mapping.ambiguous_role_resolution == "AuthenticatedRole" => {
            Ok(pool.default_role_arn(true))
        }
        None => Err(not_authorized(&format!(
            "The ambiguous role mapping rules for: {provider} denied this request."
        ))),
    }
}

/// The claims of the ID token in the request's `Logins` (which `identity_pool.rs` verified already).
pub fn login_claims(input: &Value) -> Option<Value> {
    let token = input
        .get("Logins")?
        .as_object()?
        .values()
        .next()?
        .as_str()?;
    jsonwebtoken::dangerous::insecure_decode::<Value>(token)
        .ok()
        .map(|d| d.claims)
}

/// The one role there is; a `CustomRoleArn` may only name it.
fn only(role: String, custom: Option<&str>) -> Result<String, ApiError> {
    match custom {
        Some(c) if c != role => Err(not_allowed(c)),
        _ => Ok(role),
    }
}

fn not_allowed(custom: &str) -> ApiError {
    bad(
        "InvalidParameterException",
        &format!("The CustomRoleArn {custom} is not a role this identity may assume."),
    )
}

/// `Token`: the `CustomRoleArn` when it is one of `cognito:roles`, else `cognito:preferred_role`; None
/// when the token names no preferred role (ambiguous).
fn from_token(claims: &Value, custom: Option<&str>) -> Result<Option<String>, ApiError> {
    let roles: Vec<String> = match claims.get("cognito:roles") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        // The developer guide calls it a comma-separated string.
        Some(Value::String(s)) => s.split(',').map(|r| r.trim().to_string()).collect(),
        _ => vec![],
    };
    if let Some(c) = custom {
        return if roles.iter().any(|r| r == c) {
            Ok(Some(c.to_string()))
        } else {
            Err(not_allowed(c))
        };
    }
    Ok(claims
        .get("cognito:preferred_role")
        .and_then(Value::as_str)
        .map(String::from))
}

/// `Rules`: the role of the first rule the claims match, or the `CustomRoleArn` when a matching rule has
/// it; None when no rule matches (ambiguous).
fn from_rules(
    mapping: &RoleMapping,
    claims: &Value,
    custom: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let mut matching = mapping.rules.iter().filter(|r| r.matches(claims));
    match custom {
        Some(c) if matching.any(|r| r.role_arn == c) => Ok(Some(c.to_string())),
        Some(c) => Err(not_allowed(c)),
        None => Ok(matching.next().map(|r| r.role_arn.clone())),
    }
}
