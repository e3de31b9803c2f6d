//! The identity-pool JSON API (`X-Amz-Target: AWSCognitoIdentityService.<Op>`): GetId and
//! GetCredentialsForIdentity, which verify the ID token in `Logins` and hand out short-lived credentials
//! that the S3 side accepts.

use serde_json::{json, Value};

use crate::config::IdentityPool;
use crate::ids::{random_string, random_uuid};
use crate::state::{CredentialRecord, IdentityRecord, Shared};
use crate::tokens::VerifyError;
use crate::wire::{bad, not_authorized, str_field, ApiError, ApiResult};

/// One identity-pool operation (`op` is the part of X-Amz-Target after the service name).
pub fn op(app: &Shared, op: &str, input: &Value) -> ApiResult {
    match op {
        "GetId" => get_id(app, input),
        "GetCredentialsForIdentity" => get_credentials(app, input),
        _ => Err(bad(
            "UnknownOperationException",
            &format!("devstack does not implement {op}"),
        )),
    }
}

fn pool<'a>(app: &'a Shared, id: &str) -> Result<&'a IdentityPool, ApiError> {
    app.config.identity_pool(id).ok_or_else(|| {
        bad(
            "ResourceNotFoundException",
            &format!("IdentityPool '{id}' not found."),
        )
    })
}

/// Checks `Logins` and returns the login key `<user pool id>:<sub>`; None for no logins (guest).
fn check_logins(
    app: &Shared,
    pool: &IdentityPool,
    input: &Value,
) -> Result<Option<String>, ApiError> {
    let Some(logins) = input
        .get("Logins")
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty())
    else {
        return Ok(None);
    };
    if logins.len() > 1 {
        return Err(not_authorized(
            "devstack supports one login provider per request",
        ));
    }
    let (provider, token) = logins.iter().next().expect("one");
    let token = token.as_str().unwrap_or("");
    let host_issuer = |p: &str| {
        app.issuer(p)
            .split_once("://")
            .map(|(_, rest)| rest.to_string())
            .unwrap_or_default()
    };
    let Some(provider_cfg) = pool.providers.iter().find(|p| {
        let region = p.user_pool_id.split('_').next().unwrap_or("");
        *provider == format!("cognito-idp.{region}.amazonaws.com/{}", p.user_pool_id)
            || *provider == host_issuer(&p.user_pool_id)
    }) else {
        return Err(bad("NotAuthorizedException", &format!("Invalid login token. Login provider {provider} is not configured for this identity pool")));
    };
    let store = app.store();
    let verified = app.verify(&store, token, "id").map_err(|e| {
        not_authorized(&match e {
            VerifyError::Expired => "Invalid login token. Token expired.".to_string(),
            VerifyError::Revoked => "Invalid login token. Token has been revoked.".to_string(),
            VerifyError::Issuer => {
                "Invalid login token. Issuer doesn't match providerName".to_string()
            }
            _ => format!("Invalid login token. {}", e.message("ID token")),
        })
    })?;
    if verified.pool_id != provider_cfg.user_pool_id {
        return Err(not_authorized(
            "Invalid login token. Issuer doesn't match providerName",
        ));
    }
    let aud = verified
        .claims
        .get("aud")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !provider_cfg.client_ids.iter().any(|c| c == aud) {
        return Err(not_authorized(
            "Invalid login token. Incorrect token audience.",
        ));
    }
    Ok(Some(format!("{}:{}", verified.pool_id, verified.user.sub)))
}

fn new_identity_id(region: &str) -> String {
    format!("{region}:{}", random_uuid())
}

fn get_id(app: &Shared, input: &Value) -> ApiResult {
    let pool = pool(app, str_field(input, "IdentityPoolId")?)?;
    let region = pool.id.split(':').next().unwrap_or("us-east-1");
    let login = check_logins(app, pool, input)?;
    let mut store = app.store();
    let id = match login {
        Some(login) => {
            let key = format!("{}|{login}", pool.id);
            if let Some(id) = store.identity_ids.get(&key) {
                id.clone()
            } else {
                let id = new_identity_id(region);
                store.identity_ids.insert(key, id.clone());
                store.identities.insert(
                    id.clone(),
                    IdentityRecord {
                        pool_id: pool.id.clone(),
                        login: Some(login),
                    },
                );
                id
            }
        }
        None => {
            if !pool.allow_unauthenticated {
                return Err(not_authorized(
                    "Unauthenticated access is not supported for this identity pool.",
                ));
            }
            let id = new_identity_id(region);
            store.identities.insert(
                id.clone(),
                IdentityRecord {
                    pool_id: pool.id.clone(),
                    login: None,
                },
            );
            id
        }
    };
    app.persist(&store);
    Ok(json!({ "IdentityId": id }))
}

fn get_credentials(app: &Shared, input: &Value) -> ApiResult {
    let identity_id = str_field(input, "IdentityId")?.to_string();
    let record = app
        .store()
        .identities
        .get(&identity_id)
        .cloned()
        .ok_or_else(|| {
            bad(
                "ResourceNotFoundException",
                &format!("Identity '{identity_id}' not found."),
            )
        })?;
    let pool = pool(app, &record.pool_id)?;
    let login = check_logins(app, pool, input)?;
    match (&record.login, &login) {
        (Some(expected), Some(given)) if expected == given => {}
        (Some(_), Some(_)) => return Err(not_authorized("Logins don't match. Please include at least one valid login for this identity or identity pool.")),
        (Some(_), None) => return Err(not_authorized("Logins don't match. Please include at least one valid login for this identity or identity pool.")),
        (None, Some(_)) => return Err(not_authorized("Logins were given for an unauthenticated identity; call GetId with these Logins first")),
        (None, None) if !pool.allow_unauthenticated => return Err(not_authorized("Unauthenticated access is not supported for this identity pool.")),
        (None, None) => {}
    }
    let secs = app
        .knobs()
        .lifetimes
        .credentials_seconds
        .unwrap_or(pool.credentials_seconds);
    let expires_at = app.now() + secs as i64;
    let access_key = format!(
        "ASIA{}",
        random_string(16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    );
    let secret_key = random_string(
        40,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    );
    let session_token = format!(
        "DSST{}",
        random_string(
            300,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        )
    );
    let mut store = app.store();
    let now = app.now();
    store.credentials.retain(|_, c| c.expires_at > now - 86_400);
    store.credentials.insert(
        access_key.clone(),
        CredentialRecord {
            secret_key: secret_key.clone(),
            session_token: session_token.clone(),
            identity_id: identity_id.clone(),
            identity_pool_id: pool.id.clone(),
            expires_at,
        },
    );
    app.persist(&store);
    Ok(json!({
        "IdentityId": identity_id,
        "Credentials": { "AccessKeyId": access_key, "SecretKey": secret_key, "SessionToken": session_token, "Expiration": expires_at },
    }))
}
