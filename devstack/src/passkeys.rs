//! Passkeys (WebAuthn) as Cognito's user-pool API has them: StartWebAuthnRegistration,
//! CompleteWebAuthnRegistration, ListWebAuthnCredentials, DeleteWebAuthnCredential (each with the access
//! token's `aws.cognito.signin.user.admin` scope), and USER_AUTH's WEB_AUTHN challenge
//! (`CREDENTIAL_REQUEST_OPTIONS`, answered with `CREDENTIAL`). webauthn-rs-core is the relying party: it
//! checks the attestation, and the assertion's signature, challenge, origin, rpId hash, counter and user
//! verification. `dispatch.rs` routes the four operations here; `user_pool.rs` (InitiateAuth) and
//! `self_service.rs` (RespondToAuthChallenge) hand WEB_AUTHN over.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use url::Url;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::proto::{
    AttestationConveyancePreference, AuthenticationState, COSEAlgorithm, Credential,
    PublicKeyCredential, RegisterPublicKeyCredential, RegistrationState, UserVerificationPolicy,
};
use webauthn_rs_core::WebauthnCore;

use crate::config::{Client, UserPool};
use crate::ids::{random_string, URL_SAFE};
use crate::sign_in;
use crate::state::{App, Challenge, PasskeyRecord, Shared, Store};
use crate::users;
use crate::wire::{bad, not_authorized, str_field, ApiError, ApiResult};

/// The operations served here.
pub const OPS: &[&str] = &[
    "StartWebAuthnRegistration",
    "CompleteWebAuthnRegistration",
    "ListWebAuthnCredentials",
    "DeleteWebAuthnCredential",
];

/// How long a StartWebAuthnRegistration can be completed.
const REGISTRATION_SECONDS: i64 = 300;
/// How long a WEB_AUTHN challenge can be answered (3 minutes, as USER_AUTH's other challenges).
const SIGN_IN_SECONDS: i64 = 180;
/// The options' `timeout`s, as Cognito's (60 s to create a passkey, 180 s to use one).
const CREATE_TIMEOUT_MS: u64 = 60_000;
const GET_TIMEOUT_MS: u64 = 180_000;
/// ListWebAuthnCredentials' `MaxResults` bound and default.
const MAX_RESULTS: usize = 20;

pub fn op(app: &Shared, op: &str, input: &Value) -> ApiResult {
    match op {
        "StartWebAuthnRegistration" => start_registration(app, input),
        "CompleteWebAuthnRegistration" => complete_registration(app, input),
        "ListWebAuthnCredentials" => list(app, input),
        "DeleteWebAuthnCredential" => delete(app, input),
        other => Err(bad(
            "UnknownOperationException",
            &format!("Unknown operation {other}"),
        )),
    }
}

/// The pool's relying party: the app origins of its config, and managed login's own (its passkey
/// pages, `passkey_pages.rs`), as Cognito accepts its domain.
fn relying_party(app: &App, pool: &UserPool) -> WebauthnCore {
    let origins = pool
        .passkeys
        .allowed_origins
        .iter()
        .chain([&app.base_url])
        .filter_map(|o| Url::parse(o).ok())
        .collect();
    // Cognito names the relying party by its id.
    let rp_id = &pool.passkeys.relying_party_id;
    WebauthnCore::new_unsafe_experts_only(
        rp_id,
        rp_id,
        origins,
        Duration::from_millis(CREATE_TIMEOUT_MS),
        Some(false),
        Some(false),
    )
}

fn policy(pool: &UserPool) -> UserVerificationPolicy {
    if pool.passkeys.user_verification == "required" {
        UserVerificationPolicy::Required
    } else {
        UserVerificationPolicy::Preferred
    }
}

/// `user.id` of the creation options, and the `userHandle` an assertion may carry: the user's `sub`.
fn user_handle(sub: &str) -> Vec<u8> {
    sub.as_bytes().to_vec()
}

/// JSON without its `null` members (the options as a browser's `parse*OptionsFromJSON` expects them).
fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    bad("InternalErrorException", &e.to_string())
}

/// Whose passkey it is: the access token's pool, user and app client, or the managed-login session's
/// user and the app client of `/passkeys/add`.
pub struct Owner {
    pub pool: UserPool,
    pub username: String,
    pub sub: String,
    pub client_id: String,
}

fn token_user(app: &App, store: &Store, input: &Value) -> Result<Owner, ApiError> {
    let token = str_field(input, "AccessToken")?;
    let (pool_id, user) = users::signed_in_user(app, store, token)?;
    let client_id = app
        .verify(store, token, "access")
        .ok()
        .and_then(|v| {
            v.claims
                .get("client_id")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_default();
    let pool = app
        .config
        .user_pool(&pool_id)
        .cloned()
        .ok_or_else(users::user_not_found)?;
    Ok(Owner {
        pool,
        username: user.username,
        sub: user.sub,
        client_id,
    })
}

fn records<'a>(store: &'a Store, pool_id: &str, username: &str) -> &'a [PasskeyRecord] {
    store
        .passkeys
        .get(pool_id)
        .and_then(|users| users.get(username))
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Whether the user has a passkey (USER_AUTH then offers WEB_AUTHN).
pub fn has_passkey(store: &Store, pool_id: &str, username: &str) -> bool {
    !records(store, pool_id, username).is_empty()
}

fn credential(record: &PasskeyRecord) -> Result<Credential, ApiError> {
    serde_json::from_value(record.credential.clone()).map_err(internal)
}

// ---- Registration

/// StartWebAuthnRegistration `{AccessToken}` → `{CredentialCreationOptions}` (a
/// PublicKeyCredentialCreationOptionsJSON object). A new start replaces the user's pending one.
fn start_registration(app: &Shared, input: &Value) -> ApiResult {
    let who = token_user(app, &app.store(), input)?;
    start_for(app, &who)
}

/// StartWebAuthnRegistration for `who`: the creation options, the registration kept for
/// [`complete_for`].
pub fn start_for(app: &Shared, who: &Owner) -> ApiResult {
    let store = app.store();
    let exclude = records(&store, &who.pool.id, &who.username)
        .iter()
        .map(|r| credential(r).map(|c| c.cred_id))
        .collect::<Result<Vec<_>, _>>()?;
    drop(store);
    let rp = relying_party(app, &who.pool);
    let builder = rp
        .new_challenge_register_builder(&user_handle(&who.sub), &who.username, &who.username)
        .map_err(internal)?
        .attestation(AttestationConveyancePreference::None)
        .user_verification_policy(policy(&who.pool))
        .exclude_credentials(Some(exclude))
        .credential_algorithms(vec![COSEAlgorithm::ES256, COSEAlgorithm::RS256])
        .require_resident_key(true);
    let (options, state) = rp.generate_challenge_register(builder).map_err(internal)?;
    let mut options = without_nulls(serde_json::to_value(options.public_key).map_err(internal)?);
    // As Cognito's: no exclusions is an empty list, an empty `displayName`, no `attestation` member.
    if options.get("excludeCredentials").is_none() {
        options["excludeCredentials"] = json!([]);
    }
    options["user"]["displayName"] = json!("");
    if let Some(o) = options.as_object_mut() {
        o.remove("attestation");
    }
    app.mem().passkey_registrations.insert(
        format!("{}|{}", who.pool.id, who.username),
        (
            Challenge {
                pool_id: who.pool.id.clone(),
                username: who.username.clone(),
                client_id: Some(who.client_id.clone()),
                expires_at: app.now() + REGISTRATION_SECONDS,
                failed_attempts: 0,
            },
            serde_json::to_value(state).map_err(internal)?,
        ),
    );
    Ok(json!({ "CredentialCreationOptions": options }))
}

/// A refusal of the relying party, in Cognito's words.
fn registration_refusal(e: &WebauthnError) -> ApiError {
    match e {
        WebauthnError::MismatchedChallenge | WebauthnError::ChallengeNotFound => bad(
            "WebAuthnChallengeNotFoundException",
            "The passkey registration challenge was not found or has expired.",
        ),
        WebauthnError::InvalidRPOrigin | WebauthnError::CredentialCrossOrigin => bad(
            "WebAuthnOriginNotAllowedException",
            "The passkey credential's origin is not allowed for this user pool.",
        ),
        WebauthnError::InvalidRPIDHash => bad(
            "WebAuthnRelyingPartyMismatchException",
            "The passkey credential is for a different relying party ID than the user pool's.",
        ),
        WebauthnError::UserNotVerified | WebauthnError::UserNotPresent => {
            not_authorized("The passkey authenticator did not verify the user.")
        }
        WebauthnError::InvalidClientDataType
        | WebauthnError::ParseCBORFailure(_)
        | WebauthnError::ParseJSONFailure(_)
        | WebauthnError::ParseNOMFailure
        | WebauthnError::ParseInsufficientBytesAvailable
        | WebauthnError::MissingAttestationCredentialData => bad(
            "InvalidParameterException",
            &format!("The passkey credential is malformed: {e}"),
        ),
        _ => bad(
            "WebAuthnCredentialNotSupportedException",
            &format!("The passkey credential is not supported: {e}"),
        ),
    }
}

/// CompleteWebAuthnRegistration `{AccessToken, Credential}` (a RegistrationResponseJSON object) → `{}`.
/// The pending challenge is spent by any answer.
fn complete_registration(app: &Shared, input: &Value) -> ApiResult {
    let who = token_user(app, &app.store(), input)?;
    let raw = input
        .get("Credential")
        .filter(|c| c.is_object())
        .ok_or_else(|| bad("InvalidParameterException", "Credential is required"))?;
    complete_for(app, &who, raw)
}

/// CompleteWebAuthnRegistration for `who` with the RegistrationResponseJSON `raw`.
pub fn complete_for(app: &Shared, who: &Owner, raw: &Value) -> ApiResult {
    let key = format!("{}|{}", who.pool.id, who.username);
    let not_found = || {
        bad(
            "WebAuthnChallengeNotFoundException",
            "The passkey registration challenge was not found or has expired.",
        )
    };
    let (challenge, state) = {
        let mut mem = app.mem();
        let (challenge, _) = mem.passkey_registrations.get(&key).ok_or_else(not_found)?;
        if challenge.client_id.as_deref() != Some(who.client_id.as_str()) {
            return Err(bad(
                "WebAuthnClientMismatchException",
                "The access token is for a different client than the one that started the registration.",
            ));
        }
        mem.passkey_registrations
            .remove(&key)
            .ok_or_else(not_found)?
    };
    if challenge.expires_at <= app.now() {
        return Err(not_found());
    }
    let mut store = app.store();
    let state: RegistrationState = serde_json::from_value(state).map_err(internal)?;
    let reg: RegisterPublicKeyCredential = serde_json::from_value(raw.clone()).map_err(|e| {
        bad(
            "InvalidParameterException",
            &format!("Credential is not a RegistrationResponseJSON: {e}"),
        )
    })?;
    let cred = relying_party(app, &who.pool)
        .register_credential(&reg, &state, None)
        .map_err(|e| registration_refusal(&e))?;
    let credential_id = URL_SAFE_NO_PAD.encode(&cred.cred_id);
    let taken = store
        .passkeys
        .get(&who.pool.id)
        .into_iter()
        .flat_map(|users| users.values().flatten())
        .any(|r| r.credential_id == credential_id);
    if taken {
        return Err(bad(
            "InvalidParameterException",
            "The passkey credential is already registered.",
        ));
    }
    let transports = raw
        .pointer("/response/transports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let attachment = raw
        .get("authenticatorAttachment")
        .and_then(Value::as_str)
        .map(str::to_string);
    let record = PasskeyRecord {
        credential_id,
        friendly_name: format!(
            "Passkey ({})",
            attachment.as_deref().unwrap_or("authenticator")
        ),
        relying_party_id: who.pool.passkeys.relying_party_id.clone(),
        attachment,
        transports,
        created_at: app.now(),
        credential: serde_json::to_value(&cred).map_err(internal)?,
    };
    store
        .passkeys
        .entry(who.pool.id.clone())
        .or_default()
        .entry(who.username.clone())
        .or_default()
        .push(record);
    app.persist(&store);
    Ok(json!({}))
}

// ---- The user's passkeys

/// ListWebAuthnCredentials `{AccessToken, MaxResults?, NextToken?}` → `{Credentials, NextToken?}`.
fn list(app: &Shared, input: &Value) -> ApiResult {
    let store = app.store();
    let who = token_user(app, &store, input)?;
    let max = match input.get("MaxResults") {
        None | Some(Value::Null) => MAX_RESULTS,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=MAX_RESULTS as u64).contains(&n) => n as usize,
            _ => {
                return Err(bad(
                    "InvalidParameterException",
                    "MaxResults must be between 1 and 20",
                ))
            }
        },
    };
    let all = records(&store, &who.pool.id, &who.username);
    let start = match input.get("NextToken").and_then(Value::as_str) {
        None => 0,
        Some(t) => t
            .strip_prefix("passkeys:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= all.len())
            .ok_or_else(|| bad("InvalidParameterException", "Invalid NextToken"))?,
    };
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(max)
        .map(|r| {
            let mut c = json!({
                "CredentialId": r.credential_id,
                "FriendlyCredentialName": r.friendly_name,
                "RelyingPartyId": r.relying_party_id,
                "AuthenticatorTransports": r.transports,
                "CreatedAt": r.created_at,
            });
            if let Some(a) = &r.attachment {
                c["AuthenticatorAttachment"] = json!(a);
            }
            c
        })
        .collect();
    let mut out = json!({ "Credentials": page });
    if start + max < all.len() {
        out["NextToken"] = json!(format!("passkeys:{}", start + max));
    }
    Ok(out)
}

/// DeleteWebAuthnCredential `{AccessToken, CredentialId}` → `{}`.
fn delete(app: &Shared, input: &Value) -> ApiResult {
    let mut store = app.store();
    let who = token_user(app, &store, input)?;
    let id = str_field(input, "CredentialId")?;
    let list = store
        .passkeys
        .get_mut(&who.pool.id)
        .and_then(|users| users.get_mut(&who.username));
    let Some(list) = list.filter(|l| l.iter().any(|r| r.credential_id == id)) else {
        return Err(bad(
            "ResourceNotFoundException",
            "The passkey credential was not found.",
        ));
    };
    list.retain(|r| r.credential_id != id);
    app.persist(&store);
    Ok(json!({}))
}

// ---- Sign-in (USER_AUTH's WEB_AUTHN)

/// The WEB_AUTHN challenge for a user with a passkey: `CREDENTIAL_REQUEST_OPTIONS`, a
/// PublicKeyCredentialRequestOptionsJSON object as a JSON string, allowing the user's passkeys.
pub fn challenge(
    app: &App,
    store: &Store,
    pool: &UserPool,
    client: &Client,
    username: &str,
) -> ApiResult {
    let creds = records(store, &pool.id, username)
        .iter()
        .map(credential)
        .collect::<Result<Vec<_>, _>>()?;
    if creds.is_empty() {
        return Err(bad(
            "InvalidParameterException",
            "The challenge WEB_AUTHN is not available for the user",
        ));
    }
    let rp = relying_party(app, pool);
    let builder = rp
        .new_challenge_authenticate_builder(creds, Some(policy(pool)))
        .map_err(internal)?;
    let (options, state) = rp
        .generate_challenge_authenticate(builder)
        .map_err(internal)?;
    let mut options = without_nulls(serde_json::to_value(options.public_key).map_err(internal)?);
    // The transports the browser reported at registration, as hints for `navigator.credentials.get`.
    if let Some(allowed) = options
        .get_mut("allowCredentials")
        .and_then(Value::as_array_mut)
    {
        for (entry, record) in allowed.iter_mut().zip(records(store, &pool.id, username)) {
            if !record.transports.is_empty() {
                entry["transports"] = json!(record.transports);
            }
        }
    }
    // Cognito's request options carry these members too (and a 3-minute timeout).
    options["timeout"] = json!(GET_TIMEOUT_MS);
    options["hints"] = json!([]);
    options["attestation"] = json!("none");
    options["attestationFormats"] = json!([]);
    let session = random_string(64, URL_SAFE);
    app.mem().passkey_sign_ins.insert(
        session.clone(),
        (
            Challenge {
                pool_id: pool.id.clone(),
                username: username.to_string(),
                client_id: Some(client.id.clone()),
                expires_at: app.now() + SIGN_IN_SECONDS,
                failed_attempts: 0,
            },
            serde_json::to_value(state).map_err(internal)?,
        ),
    );
    Ok(json!({
        "ChallengeName": "WEB_AUTHN",
        "Session": session,
        "ChallengeParameters": { "CREDENTIAL_REQUEST_OPTIONS": options.to_string() },
    }))
}

/// InitiateAuth USER_AUTH with `PREFERRED_CHALLENGE` `WEB_AUTHN`: the challenge when the user has a
/// passkey, None otherwise (USER_AUTH then answers as for a challenge it does not offer).
pub fn preferred(
    app: &App,
    store: &Store,
    pool: &UserPool,
    client: &Client,
    params: &Value,
) -> Option<ApiResult> {
    if params.get("PREFERRED_CHALLENGE").and_then(Value::as_str) != Some("WEB_AUTHN") {
        return None;
    }
    let name = params.get("USERNAME").and_then(Value::as_str)?;
    let username = users::find_username(store, pool, name)?;
    has_passkey(store, &pool.id, &username).then(|| challenge(app, store, pool, client, &username))
}

/// RespondToAuthChallenge SELECT_CHALLENGE with `ANSWER` `WEB_AUTHN`: the WEB_AUTHN challenge; the
/// SELECT_CHALLENGE session is spent.
pub fn answer_select(
    app: &App,
    store: &Store,
    pool: &UserPool,
    client: &Client,
    session: &str,
    responses: &Value,
) -> ApiResult {
    let username = sign_in::select_session_user(app, pool, client, session, responses)?;
    let result = challenge(app, store, pool, client, &username)?;
    app.mem().select.remove(session);
    Ok(result)
}

fn assertion_refused() -> ApiError {
    not_authorized("Incorrect passkey credential.")
}

/// RespondToAuthChallenge WEB_AUTHN: `USERNAME`, `CREDENTIAL` (an AuthenticationResponseJSON object as a
/// JSON string) → tokens. The session is spent by any answer; the credential's counter is kept.
pub fn answer(app: &App, pool: &UserPool, client: &Client, input: &Value) -> ApiResult {
    let session = str_field(input, "Session")?;
    let responses = input
        .get("ChallengeResponses")
        .cloned()
        .unwrap_or(json!({}));
    let name = users::required_param(&responses, "USERNAME")?;
    let raw = users::required_param(&responses, "CREDENTIAL")?;
    let (mut store, user) = verify_sign_in(app, pool, client, session, name, raw)?;
    users::api_sign_in(app, &mut store, &pool.id, client, &user)
}

/// The user whose passkey signed the WEB_AUTHN challenge of `session` (an AuthenticationResponseJSON
/// as JSON text, `raw`), for the user `name` signs in as; the store stays locked for the sign-in. The
/// session is spent by any answer; the credential's counter is kept.
pub fn verify_sign_in<'a>(
    app: &'a App,
    pool: &UserPool,
    client: &Client,
    session: &str,
    name: &str,
    raw: &str,
) -> Result<(std::sync::MutexGuard<'a, Store>, crate::state::User), ApiError> {
    let invalid = || not_authorized("Invalid session for the user.");
    let (challenge, state) = app
        .mem()
        .passkey_sign_ins
        .remove(session)
        .ok_or_else(invalid)?;
    if challenge.pool_id != pool.id || challenge.client_id.as_deref() != Some(client.id.as_str()) {
        return Err(invalid());
    }
    if challenge.expires_at <= app.now() {
        return Err(not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    let mut store = app.store();
    if users::find_username(&store, pool, name).as_deref() != Some(challenge.username.as_str()) {
        return Err(invalid());
    }
    let rsp: PublicKeyCredential = serde_json::from_str(raw).map_err(|e| {
        bad(
            "InvalidParameterException",
            &format!("CREDENTIAL is not an AuthenticationResponseJSON: {e}"),
        )
    })?;
    let state: AuthenticationState = serde_json::from_value(state).map_err(internal)?;
    let user = users::find_user(&store, pool, &challenge.username).ok_or_else(invalid)?;
    let id = URL_SAFE_NO_PAD.encode(&rsp.raw_id);
    // The credential as stored now (not as the challenge saw it): a deleted one is refused, and the
    // counter is the latest.
    let index = records(&store, &pool.id, &user.username)
        .iter()
        .position(|r| r.credential_id == id)
        .ok_or_else(assertion_refused)?;
    let record = records(&store, &pool.id, &user.username)[index].clone();
    let mut cred = credential(&record)?;
    if let Some(handle) = rsp.get_user_unique_id() {
        if handle != user_handle(&user.sub).as_slice() {
            return Err(assertion_refused());
        }
    }
    let result = relying_party(app, pool)
        .authenticate_single_credential(&rsp, &state, &cred)
        .map_err(|_| assertion_refused())?;
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    if result.needs_update() {
        cred.counter = cred.counter.max(result.counter());
        cred.backup_state = result.backup_state();
        cred.backup_eligible = result.backup_eligible();
        let value = serde_json::to_value(&cred).map_err(internal)?;
        if let Some(r) = store
            .passkeys
            .get_mut(&pool.id)
            .and_then(|users| users.get_mut(&user.username))
            .and_then(|l| l.get_mut(index))
        {
            r.credential = value;
        }
    }
    Ok((store, user))
}
