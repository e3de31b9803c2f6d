//! The identity-pool JSON API (`X-Amz-Target: AWSCognitoIdentityService.<Op>`): GetId and
//! GetCredentialsForIdentity, which verify the ID token in `Logins` and hand out short-lived credentials
//! that the S3 side accepts. A guest identity given its user's login is linked to it, or merged into the
//! user's identity when the user already has one (`resolve_identity`).

use serde_json::{json, Value};

use crate::config::IdentityPool;
use crate::ids::{random_string, random_uuid};
use crate::state::{CredentialRecord, IdentityRecord, Shared};
use crate::tokens::VerifyError;
use crate::wire::{bad, not_authorized, str_field, ApiError, ApiResult, HEADERS};

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
                        merged_into: None,
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
                    merged_into: None,
                },
            );
            id
        }
    };
    app.persist(&store);
    Ok(json!({ "IdentityId": id }))
}

const LOGINS_DONT_MATCH: &str =
    "Logins don't match. Please include at least one valid login for this identity or identity pool.";

fn get_credentials(app: &Shared, input: &Value) -> ApiResult {
    let given_id = str_field(input, "IdentityId")?.to_string();
    let pool_id = app
        .store()
        .identities
        .get(&given_id)
        .map(|r| r.pool_id.clone())
        .ok_or_else(|| {
            bad(
                "ResourceNotFoundException",
                &format!("Identity '{given_id}' not found."),
            )
        })?;
    let pool = pool(app, &pool_id)?;
    let login = check_logins(app, pool, input)?;
    let claims = login.as_ref().and_then(|_| crate::iam::login_claims(input));
    let custom = input.get("CustomRoleArn").and_then(Value::as_str);
    // The role first: a refusal then changes nothing (no link, no merge).
    let role_arn = crate::iam::resolve_role(pool, claims.as_ref(), custom)?;
    // Saved with the credentials below (a link or a merge changes the store).
    let (identity_id, authenticated) = resolve_identity(&mut app.store(), pool, &given_id, login)?;
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
            authenticated: Some(authenticated),
            role_arn: Some(role_arn.clone()),
        },
    );
    app.persist(&store);
    Ok(json!({
        "IdentityId": identity_id,
        "Credentials": { "AccessKeyId": access_key, "SecretKey": secret_key, "SessionToken": session_token, "Expiration": expires_at },
        (HEADERS): { (crate::iam::ROLE_HEADER): role_arn },
    }))
}

/// Which identity GetCredentialsForIdentity answers for, and whether for the authenticated role, as
/// Cognito's authentication flow documents it:
/// - an authenticated identity needs a login already linked to it (else "Logins don't match");
/// - a guest identity given a login that no identity has yet is linked to it: it becomes authenticated
///   and keeps its id (the guest becomes the user);
/// - a guest identity given a login already linked to another identity is merged into that one: the
///   answer is for that identity (its id in the response) and the guest identity is disabled;
/// - a disabled (merged) identity gets no guest credentials.
fn resolve_identity(
    store: &mut crate::state::Store,
    pool: &IdentityPool,
    given_id: &str,
    login: Option<String>,
) -> Result<(String, bool), ApiError> {
    let record = store.identities.get(given_id).cloned().ok_or_else(|| {
        bad(
            "ResourceNotFoundException",
            &format!("Identity '{given_id}' not found."),
        )
    })?;
    let Some(login) = login else {
        if record.login.is_some() {
            return Err(not_authorized(LOGINS_DONT_MATCH));
        }
        if record.merged_into.is_some() {
            return Err(not_authorized(&format!(
                "Access to Identity '{given_id}' is forbidden."
            )));
        }
        if !pool.allow_unauthenticated {
            return Err(not_authorized(
                "Unauthenticated access is not supported for this identity pool.",
            ));
        }
        return Ok((given_id.to_string(), false));
    };
    if let Some(linked) = &record.login {
        return if *linked == login {
            Ok((given_id.to_string(), true))
        } else {
            Err(not_authorized(LOGINS_DONT_MATCH))
        };
    }
    let key = format!("{}|{login}", pool.id);
    match store.identity_ids.get(&key).cloned() {
        // The user already has an identity: the guest is merged into it.
        Some(owner) => {
            if let Some(guest) = store.identities.get_mut(given_id) {
                guest.merged_into.get_or_insert(owner.clone());
            }
            Ok((owner, true))
        }
        // A guest merged earlier cannot be linked to another user.
        None if record.merged_into.is_some() => Err(not_authorized(&format!(
            "Access to Identity '{given_id}' is forbidden."
        ))),
        // The login is new: the guest identity is linked to it and becomes the user's.
        None => {
            store.identity_ids.insert(key, given_id.to_string());
            if let Some(guest) = store.identities.get_mut(given_id) {
                guest.login = Some(login);
            }
            Ok((given_id.to_string(), true))
        }
    }
}
