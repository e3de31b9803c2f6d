//! Sign-in flows and their challenges, shared by managed login and InitiateAuth /
//! RespondToAuthChallenge: what follows a proof of the password, the MFA step (TOTP, or an SMS / email
//! code from `codes.rs`, after SELECT_MFA_TYPE when several factors are on), MFA_SETUP, USER_SRP_AUTH's PASSWORD_VERIFIER, USER_AUTH (SELECT_CHALLENGE,
//! EMAIL_OTP / SMS_OTP, the sign-in after a confirmed sign-up), NEW_PASSWORD_REQUIRED. Errors are
//! Cognito's; the pages show their messages.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use crate::codes::{self, mask, Attempt, Occasion, Recipient};
use crate::config::{Client, UserPool};
use crate::ids::{random_string, URL_SAFE};
use crate::mfa::{check_totp, mfa_factors, totp_required};
use crate::passwords::PasswordSecret;
use crate::srp;
use crate::state::{App, Challenge, Memory, SrpChallenge, Store, User};
use crate::triggers::{self, Caller};
use crate::users::{
    api_sign_in, api_sign_in_as, check_password, find_user, find_username, password_matches,
    require_flow, required_param, CONFIRMED, EXTERNAL_PROVIDER, FORCE_CHANGE_PASSWORD, UNCONFIRMED,
};
use crate::wire::{bad, not_authorized, ApiError, ApiResult};

/// The MFA step of a sign-in lives 3 minutes (Cognito's session) and survives 3 wrong codes.
const CHALLENGE_SECONDS: i64 = 180;
const CHALLENGE_ATTEMPTS: u32 = 3;

// ---- The MFA step of a sign-in

/// The challenge name, session and parameters of a sign-in step.
pub type Step = (String, &'static str, Value);

/// Starts the MFA step of a sign-in that passed the password (the sign-in page: `client_id` None;
/// InitiateAuth: the app client): the session, the challenge name and its parameters. A user with
/// several factors on and none preferred chooses first (SELECT_MFA_TYPE, `MFAS_CAN_CHOOSE`); else
/// [`factor_challenge`] of the one factor. Fails (nothing started) when CustomMessage refuses the code.
pub fn mfa_challenge(
    app: &App,
    store: &Store,
    pool: &UserPool,
    user: &User,
    client_id: Option<&str>,
    caller: &Caller,
) -> Result<Step, ApiError> {
    let factors = mfa_factors(store, pool, &user.username);
    if factors.len() > 1 {
        let expires_at = app.now() + CHALLENGE_SECONDS;
        let challenge = Challenge::new(&pool.id, &user.username, client_id, expires_at);
        let session = random_string(64, URL_SAFE);
        let params = json!({
            "MFAS_CAN_CHOOSE": Value::from(factors.clone()).to_string(),
            "USER_ID_FOR_SRP": user.username,
        });
        app.mem()
            .select_mfa
            .insert(session.clone(), (challenge, factors));
        return Ok((session, "SELECT_MFA_TYPE", params));
    }
    let factor = factors.first().copied().unwrap_or("SOFTWARE_TOKEN_MFA");
    factor_challenge(app, store, pool, user, client_id, factor, caller)
}

/// The challenge of one MFA factor: `SOFTWARE_TOKEN_MFA` (with `FRIENDLY_DEVICE_NAME`), or `SMS_MFA` /
/// `EMAIL_OTP`, whose 6-digit code goes to the outbox (purpose `SMS_MFA` / `EMAIL_OTP`, CustomMessage
/// `CustomMessage_Authentication`) before the session opens.
fn factor_challenge(
    app: &App,
    store: &Store,
    pool: &UserPool,
    user: &User,
    client_id: Option<&str>,
    factor: &'static str,
    caller: &Caller,
) -> Result<Step, ApiError> {
    let mut params = json!({ "USER_ID_FOR_SRP": user.username });
    if factor == "SOFTWARE_TOKEN_MFA" {
        if let Some(name) = store
            .mfa
            .get(&pool.id)
            .and_then(|m| m.get(&user.username))
            .and_then(|r| r.device_name.clone())
        {
            params["FRIENDLY_DEVICE_NAME"] = json!(name);
        }
        let session = new_challenge(app, &pool.id, &user.username, client_id);
        return Ok((session, factor, params));
    }
    let (attribute, medium) = if factor == "SMS_MFA" {
        ("phone_number", "SMS")
    } else {
        ("email", "EMAIL")
    };
    let destination = user.attributes.get(attribute).cloned().unwrap_or_default();
    let to = Recipient {
        pool_id: &pool.id,
        user,
        destination: &destination,
        caller,
    };
    let code = app.issue_code(&to, Occasion::Authentication, factor, None, codes::DIGITS)?;
    let session = new_challenge(app, &pool.id, &user.username, client_id);
    app.mem()
        .mfa_codes
        .insert(session.clone(), (code, mask(&destination)));
    params["CODE_DELIVERY_DELIVERY_MEDIUM"] = json!(medium);
    params["CODE_DELIVERY_DESTINATION"] = json!(mask(&destination));
    Ok((session, factor, params))
}

/// Where the code of the MFA challenge `session` went (masked), for an SMS or email factor.
pub fn mfa_destination(app: &App, session: &str) -> Option<String> {
    app.mem().mfa_codes.get(session).map(|(_, d)| d.clone())
}

/// The factors a live SELECT_MFA_TYPE session offers (for managed login's chooser).
pub fn mfa_choices(app: &App, session: &str) -> Option<Vec<&'static str>> {
    let mem = app.mem();
    let (c, factors) = mem.select_mfa.get(session)?;
    (c.expires_at > app.now()).then(|| factors.clone())
}

/// Starts the MFA step of a sign-in that passed the password: the session id.
pub fn new_challenge(app: &App, pool_id: &str, username: &str, client_id: Option<&str>) -> String {
    let expires_at = app.now() + CHALLENGE_SECONDS;
    let challenge = Challenge::new(pool_id, username, client_id, expires_at);
    open_session(app, |m| &mut m.challenges, challenge)
}

/// InitiateAuth's answer for a user with MFA on: `SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_OTP` or
/// `SELECT_MFA_TYPE`.
pub fn totp_challenge(
    app: &App,
    store: &Store,
    pool: &UserPool,
    user: &User,
    client_id: &str,
) -> ApiResult {
    let caller = Caller::client(client_id);
    let step = mfa_challenge(app, store, pool, user, Some(client_id), &caller)?;
    Ok(step_json(step))
}

/// A challenge as RespondToAuthChallenge / InitiateAuth answer it.
pub fn step_json((session, name, params): Step) -> Value {
    json!({ "ChallengeName": name, "Session": session, "ChallengeParameters": params })
}

/// The (pool id, username) of the live challenge `c`: of the app client `client_id` (None: the
/// sign-in page), not expired, and `username`, when given, the challenge's user (or a name of theirs).
fn live_challenge_user(
    app: &App,
    store: &Store,
    c: Option<&Challenge>,
    client_id: Option<&str>,
    username: Option<&str>,
) -> Result<(String, String), ApiError> {
    let invalid = || not_authorized("Invalid session for the user.");
    let c = c.ok_or_else(invalid)?;
    if c.client_id.as_deref() != client_id {
        return Err(invalid());
    }
    if c.expires_at <= app.now() {
        return Err(not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    let (pool_id, user) = (c.pool_id.clone(), c.username.clone());
    if let Some(given) = username {
        let same = given == user
            || app
                .config
                .user_pool(&pool_id)
                .and_then(|p| find_username(store, p, given))
                .is_some_and(|u| u == user);
        if !same {
            return Err(invalid());
        }
    }
    Ok((pool_id, user))
}

/// Answers SELECT_MFA_TYPE with the factor chosen (`answer`): that factor's challenge, a new session
/// (a code sent for SMS_MFA / EMAIL_OTP). A factor the session did not offer is
/// InvalidParameterException (the session stays); the session is spent by a factor it offered.
pub fn answer_select_mfa_type(
    app: &App,
    store: &Store,
    session: &str,
    answer: &str,
    client_id: Option<&str>,
    username: Option<&str>,
) -> Result<Step, ApiError> {
    let invalid = || not_authorized("Invalid session for the user.");
    let (found, offered) = {
        let mem = app.mem();
        let found = mem.select_mfa.get(session);
        (found.map(|(c, _)| c.clone()), found.map(|(_, f)| f.clone()))
    };
    let (pool_id, name) = live_challenge_user(app, store, found.as_ref(), client_id, username)?;
    let Some(factor) = offered
        .unwrap_or_default()
        .into_iter()
        .find(|f| *f == answer)
    else {
        return Err(bad(
            "InvalidParameterException",
            &format!("The MFA type {answer} is not one the user can choose"),
        ));
    };
    let pool = app.config.user_pool(&pool_id).ok_or_else(invalid)?;
    let user = store
        .users
        .get(&pool_id)
        .and_then(|u| u.get(&name))
        .cloned()
        .ok_or_else(invalid)?;
    let caller = client_id.map(Caller::client).unwrap_or_default();
    let step = factor_challenge(app, store, pool, &user, client_id, factor, &caller)?;
    app.mem().select_mfa.remove(session);
    Ok(step)
}

/// Answers the MFA step with its code (TOTP, or the SMS / email code sent): the (pool id, username)
/// signed in. `client_id` is the app client of RespondToAuthChallenge (None: the sign-in page);
/// `username`, when given, must be the challenge's.
pub fn answer_challenge(
    app: &App,
    store: &mut Store,
    session: &str,
    code: &str,
    client_id: Option<&str>,
    username: Option<&str>,
) -> Result<(String, String), ApiError> {
    let now = app.now();
    let found = app.mem().challenges.get(session).cloned();
    let (pool_id, user) = live_challenge_user(app, store, found.as_ref(), client_id, username)?;
    let sent = app.mem().mfa_codes.get(session).map(|(c, _)| c.clone());
    let checked = match &sent {
        // A code sent for the step: the one rule of codes, the challenge counting the tries.
        Some(sent) => {
            let mut mem = app.mem();
            let attempt = mem.challenges.get_mut(session).map(|c| Attempt {
                code: sent,
                expires_at: c.expires_at,
                failures: &mut c.failed_attempts,
            });
            codes::check(attempt, code, now, CHALLENGE_ATTEMPTS)
                .map_err(|e| e.challenge_error("Invalid code received for user"))
        }
        None => check_totp(app, store, &pool_id, &user, code),
    };
    match checked {
        Ok(()) => {
            let mut mem = app.mem();
            mem.challenges.remove(session);
            mem.mfa_codes.remove(session);
            Ok((pool_id, user))
        }
        Err(e) => {
            let mut mem = app.mem();
            if let Some(c) = mem.challenges.get_mut(session) {
                if sent.is_none() {
                    c.failed_attempts += 1;
                }
                if c.failed_attempts >= CHALLENGE_ATTEMPTS {
                    mem.challenges.remove(session);
                    mem.mfa_codes.remove(session);
                }
            }
            Err(e)
        }
    }
}

// ---- Sign-in flows and their challenges (InitiateAuth, RespondToAuthChallenge)

/// A new session of an MFA_SETUP challenge (a pool with MFA ON, a user with no factor yet): each
/// step (AssociateSoftwareToken, VerifySoftwareToken) spends the one it was given and answers with a
/// new one; `verified` once a code of the new software token was accepted.
pub fn mfa_setup_session(
    app: &App,
    pool_id: &str,
    username: &str,
    client_id: Option<&str>,
    verified: bool,
) -> String {
    let session = random_string(64, URL_SAFE);
    app.mem().mfa_setup.insert(
        session.clone(),
        (
            Challenge::new(pool_id, username, client_id, app.now() + CHALLENGE_SECONDS),
            verified,
        ),
    );
    session
}

/// The (pool id, username, client id, verified) of a live MFA_SETUP session, spent; else
/// NotAuthorizedException as Cognito answers a stale session.
pub fn take_mfa_setup(
    app: &App,
    session: &str,
) -> Result<(String, String, Option<String>, bool), ApiError> {
    let (c, verified) = app
        .mem()
        .mfa_setup
        .remove(session)
        .ok_or_else(|| not_authorized("Invalid session for the user."))?;
    if c.expires_at <= app.now() {
        return Err(not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    Ok((c.pool_id, c.username, c.client_id, verified))
}

/// Puts an MFA_SETUP session back as it was (a refused code: the user may try again).
pub fn keep_mfa_setup(app: &App, session: &str, setup: (String, String, Option<String>, bool)) {
    let (pool_id, username, client_id, verified) = setup;
    app.mem().mfa_setup.insert(
        session.to_string(),
        (
            Challenge::new(
                &pool_id,
                &username,
                client_id.as_deref(),
                app.now() + CHALLENGE_SECONDS,
            ),
            verified,
        ),
    );
}

/// The user of the live challenge `session` among `challenges`, of this pool and app client, else
/// NotAuthorizedException as Cognito answers a foreign or stale session. The session is not spent.
fn session_user(
    challenges: &HashMap<String, Challenge>,
    session: &str,
    pool: &UserPool,
    client: &Client,
    now: i64,
) -> Result<String, ApiError> {
    let invalid = || not_authorized("Invalid session for the user.");
    let c = challenges.get(session).ok_or_else(invalid)?;
    if c.client_id.as_deref() != Some(client.id.as_str()) || c.pool_id != pool.id {
        return Err(invalid());
    }
    if c.expires_at <= now {
        return Err(not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    Ok(c.username.clone())
}

/// A new session id (64 random URL-safe characters) for `challenge`, kept in the map `pick` chooses.
fn open_session(
    app: &App,
    pick: fn(&mut Memory) -> &mut HashMap<String, Challenge>,
    challenge: Challenge,
) -> String {
    let session = random_string(64, URL_SAFE);
    pick(&mut app.mem()).insert(session.clone(), challenge);
    session
}

/// What follows a proof of the password (USER_PASSWORD_AUTH, PASSWORD_VERIFIER, a new password): the
/// refusals of disabled and unconfirmed users, the SOFTWARE_TOKEN_MFA challenge for users with TOTP on,
/// NEW_PASSWORD_REQUIRED for users with a temporary password, else tokens.
pub fn after_password(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    user: &User,
) -> ApiResult {
    after_password_as(
        app,
        store,
        pool,
        client,
        user,
        "TokenGeneration_Authentication",
    )
}

/// [`after_password`] whose tokens, when it issues them, name PreTokenGeneration's `source`.
fn after_password_as(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    user: &User,
    source: &'static str,
) -> ApiResult {
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    if user.status == UNCONFIRMED {
        return Err(bad("UserNotConfirmedException", "User is not confirmed."));
    }
    triggers::pre_authentication(app, pool, user, &Caller::client(&client.id))?;
    if totp_required(store, pool, &user.username) {
        return totp_challenge(app, store, pool, user, &client.id);
    }
    if pool.mfa_configuration == "ON" {
        let session = mfa_setup_session(app, &pool.id, &user.username, Some(&client.id), false);
        return Ok(json!({
            "ChallengeName": "MFA_SETUP",
            "Session": session,
            "ChallengeParameters": { "MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]" },
        }));
    }
    if user.status == FORCE_CHANGE_PASSWORD {
        return Ok(new_password_challenge(app, pool, client, user));
    }
    api_sign_in_as(app, store, &pool.id, client, user, source)
}

fn incorrect() -> ApiError {
    not_authorized("Incorrect username or password.")
}

/// The SRP salt shown for a name that is no user's (users have their own random salt): derived from pool
/// and name, so that it stays the same across tries and restarts, 16 bytes as hex.
fn srp_salt(pool_id: &str, username: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("devstack srp salt|{pool_id}|{username}").as_bytes());
    h[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// How far a PASSWORD_VERIFIER `TIMESTAMP` may be from the server clock.
const SRP_TIMESTAMP_SKEW_SECONDS: i64 = 300;

/// USER_SRP_AUTH's first step: `SRP_A` from the client → the PASSWORD_VERIFIER challenge (`SALT`, `SRP_B`,
/// `SECRET_BLOCK`, `USER_ID_FOR_SRP`, `USERNAME`). A name that is no user's gets a challenge too (whose
/// answer is refused), so the first step does not tell who exists.
pub fn srp_challenge(
    app: &App,
    store: &Store,
    pool: &UserPool,
    client: &Client,
    name: &str,
    a_hex: &str,
) -> ApiResult {
    let a_pub = srp::parse_a(a_hex).map_err(|e| match e {
        srp::BadA::Zero => bad("InvalidParameterException", "SRP_A cannot be 0 mod N"),
        srp::BadA::Malformed => bad("InvalidParameterException", "Invalid SRP_A"),
    })?;
    let user = find_user(store, pool, name).filter(|u| u.status != EXTERNAL_PROVIDER);
    // A user's own random salt and stored verifier; a name that is no user's (or a user with no
    // password) gets a salt that stays the same for that name and the verifier of a random password.
    let stored = user
        .as_ref()
        .and_then(|u| u.secret.srp().map(|(salt, v)| (u, salt.to_string(), v)));
    let (user_id, salt, v) = match stored {
        Some((u, salt, v)) => (u.username.clone(), salt, v),
        None => {
            let salt = srp_salt(&pool.id, name);
            let v = srp::verifier(
                srp::pool_name(&pool.id),
                name,
                &random_string(32, URL_SAFE),
                &salt,
            );
            (name.to_string(), salt, v)
        }
    };
    let random_bytes = |n: usize| (0..n).map(|_| rand::random::<u8>()).collect::<Vec<u8>>();
    let b = num_bigint::BigUint::from_bytes_be(&random_bytes(128)) % srp::n();
    let b_pub = srp::server_public(&v, &b);
    use base64::Engine;
    let secret_block = base64::engine::general_purpose::STANDARD.encode(random_bytes(96));
    let session = random_string(64, URL_SAFE);
    let out = json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": session,
        "ChallengeParameters": {
            "SALT": salt,
            "SRP_B": srp::to_hex(&b_pub),
            "SECRET_BLOCK": secret_block,
            "USER_ID_FOR_SRP": user_id,
            "USERNAME": user_id,
        },
    });
    app.mem().srp.insert(
        secret_block,
        SrpChallenge {
            pool_id: pool.id.clone(),
            username: user.map(|u| u.username),
            client_id: client.id.clone(),
            session,
            salt,
            a_pub,
            b,
            b_pub,
            expires_at: app.now() + CHALLENGE_SECONDS,
        },
    );
    Ok(out)
}

/// Answers PASSWORD_VERIFIER: checks the claim (`PASSWORD_CLAIM_SECRET_BLOCK`,
/// `PASSWORD_CLAIM_SIGNATURE`, `TIMESTAMP`, `USERNAME`) against the challenge (found by its secret
/// block; `session`, when given, must be the challenge's) and goes on as after a password. The challenge
/// is spent by any answer that names it.
pub fn answer_password_verifier(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    session: Option<&str>,
    responses: &Value,
) -> ApiResult {
    let username = required_param(responses, "USERNAME")?;
    let block = required_param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let claimed = required_param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = required_param(responses, "TIMESTAMP")?;
    let when = srp::parse_timestamp(timestamp).ok_or_else(|| {
        bad(
            "InvalidParameterException",
            "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.",
        )
    })?;
    let invalid = || not_authorized("Invalid session for the user.");
    let now = app.now();
    let c = {
        let mut mem = app.mem();
        let c = mem.srp.get(block).ok_or_else(invalid)?;
        if c.client_id != client.id || session.is_some_and(|s| s != c.session) {
            return Err(invalid());
        }
        mem.srp.remove(block).expect("found above")
    };
    if c.expires_at <= now {
        return Err(not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    let Some(user) = c
        .username
        .as_deref()
        .and_then(|u| store.users.get(&pool.id)?.get(u).cloned())
    else {
        return Err(incorrect());
    };
    if username != user.username
        && find_username(store, pool, username).as_deref() != Some(&user.username)
    {
        return Err(incorrect());
    }
    if (when - now).abs() > SRP_TIMESTAMP_SKEW_SECONDS {
        return Err(incorrect());
    }
    let a_pub = &c.a_pub;
    let pool_name = srp::pool_name(&pool.id);
    // The verifier of the challenge's salt: the password may have changed since the challenge.
    let Some(v) = user
        .secret
        .srp()
        .filter(|(salt, _)| *salt == c.salt)
        .map(|(_, v)| v)
    else {
        return Err(incorrect());
    };
    let s = srp::server_secret(a_pub, &c.b_pub, &c.b, &v).ok_or_else(incorrect)?;
    let key = srp::key(&s, &srp::u(a_pub, &c.b_pub));
    use base64::Engine;
    let block_bytes = base64::engine::general_purpose::STANDARD
        .decode(block)
        .map_err(|_| invalid())?;
    let expected = srp::signature(
        &key,
        &srp::message(pool_name, &user.username, &block_bytes, timestamp),
    );
    if user.status == EXTERNAL_PROVIDER || !srp::signature_matches(&expected, claimed) {
        return Err(incorrect());
    }
    after_password(app, store, pool, client, &user)
}

/// The challenges USER_AUTH offers (EMAIL_OTP to users with an email address, SMS_OTP to users with a phone
/// number, WEB_AUTHN to users with a passkey).
pub const USER_AUTH_CHALLENGES: &[&str] = &[
    "PASSWORD",
    "PASSWORD_SRP",
    "WEB_AUTHN",
    "EMAIL_OTP",
    "SMS_OTP",
];
/// Digits of an EMAIL_OTP code.
const EMAIL_OTP_DIGITS: usize = 8;

/// The challenges USER_AUTH offers this name (all of them to a name that is no user's): the codes
/// only where the user has the address they go to.
fn available_challenges(store: &Store, pool: &UserPool, name: &str) -> Vec<&'static str> {
    let user = find_user(store, pool, name);
    let has = |attribute: &str| user.as_ref().map(|u| u.attributes.contains_key(attribute));
    // Passkeys are `passkeys.rs`'s, kept in the store: WEB_AUTHN only to a user who has one.
    let has_passkey = user.as_ref().is_some_and(|u| {
        store
            .passkeys
            .get(&pool.id)
            .and_then(|users| users.get(&u.username))
            .is_some_and(|l| !l.is_empty())
    });
    USER_AUTH_CHALLENGES
        .iter()
        .copied()
        .filter(|c| match *c {
            "EMAIL_OTP" => has("email") != Some(false),
            "SMS_OTP" => has("phone_number") != Some(false),
            "WEB_AUTHN" => has_passkey,
            _ => true,
        })
        .collect()
}

/// Sends a one-time code of USER_AUTH's first factor (the outbox): `EMAIL_OTP` to the user's email
/// address (8 digits) or `SMS_OTP` to the phone number (6 digits); the challenge with
/// `CODE_DELIVERY_DELIVERY_MEDIUM` and the masked `CODE_DELIVERY_DESTINATION`.
fn email_otp_challenge(
    app: &App,
    store: &Store,
    pool: &UserPool,
    client: &Client,
    name: &str,
) -> ApiResult {
    otp_challenge(app, store, pool, client, name, "EMAIL_OTP")
}

fn otp_challenge(
    app: &App,
    store: &Store,
    pool: &UserPool,
    client: &Client,
    name: &str,
    kind: &'static str,
) -> ApiResult {
    let user = find_user(store, pool, name)
        .filter(|u| u.status != EXTERNAL_PROVIDER)
        .ok_or_else(incorrect)?;
    let (attribute, medium, digits) = if kind == "SMS_OTP" {
        ("phone_number", "SMS", 6)
    } else {
        ("email", "EMAIL", EMAIL_OTP_DIGITS)
    };
    let destination = user.attributes.get(attribute).cloned().ok_or_else(|| {
        bad(
            "InvalidParameterException",
            &format!("The user has no {attribute} for {kind}"),
        )
    })?;
    let caller = Caller::client(&client.id);
    let to = Recipient {
        pool_id: &pool.id,
        user: &user,
        destination: &destination,
        caller: &caller,
    };
    let code = app.issue_code(&to, Occasion::Authentication, kind, None, digits)?;
    let now = app.now();
    let session = random_string(64, URL_SAFE);
    app.mem().email_otp.insert(
        session.clone(),
        (
            Challenge::new(
                &pool.id,
                &user.username,
                Some(&client.id),
                now + CHALLENGE_SECONDS,
            ),
            code,
            kind,
        ),
    );
    Ok(json!({
        "ChallengeName": kind,
        "Session": session,
        "ChallengeParameters": {
            "CODE_DELIVERY_DELIVERY_MEDIUM": medium,
            "CODE_DELIVERY_DESTINATION": mask(&destination),
        },
    }))
}

/// RespondToAuthChallenge EMAIL_OTP / SMS_OTP (`kind`): `USERNAME`, `EMAIL_OTP_CODE` /
/// `SMS_OTP_CODE` → tokens. A wrong code is CodeMismatchException; the session survives 3 wrong codes
/// and 3 minutes, and answers only its own kind.
pub fn answer_email_otp(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    session: &str,
    responses: &Value,
    kind: &str,
) -> ApiResult {
    let invalid = || not_authorized("Invalid session for the user.");
    let now = app.now();
    let given = required_param(responses, "USERNAME")?;
    let code = required_param(responses, &format!("{kind}_CODE"))?;
    let username = {
        let mut mem = app.mem();
        let (c, sent, sent_kind) = mem.email_otp.get_mut(session).ok_or_else(invalid)?;
        if c.client_id.as_deref() != Some(client.id.as_str())
            || c.pool_id != pool.id
            || *sent_kind != kind
        {
            return Err(invalid());
        }
        if c.expires_at <= now {
            return Err(not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        if given != c.username && find_username(store, pool, given).as_deref() != Some(&c.username)
        {
            return Err(invalid());
        }
        let attempt = Attempt {
            code: sent.as_str(),
            expires_at: c.expires_at,
            failures: &mut c.failed_attempts,
        };
        if let Err(e) = codes::check(Some(attempt), code, now, CHALLENGE_ATTEMPTS) {
            if c.failed_attempts >= CHALLENGE_ATTEMPTS {
                mem.email_otp.remove(session);
            }
            return Err(e.challenge_error("Invalid code or auth state for the user."));
        }
        let username = c.username.clone();
        mem.email_otp.remove(session);
        username
    };
    let user = store
        .users
        .get(&pool.id)
        .and_then(|u| u.get(&username))
        .cloned()
        .ok_or_else(invalid)?;
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    if user.status == UNCONFIRMED {
        return Err(bad("UserNotConfirmedException", "User is not confirmed."));
    }
    api_sign_in(app, store, &pool.id, client, &user)
}

/// The `Session` SignUp gives a client that allows `USER_AUTH`, to be handed back with ConfirmSignUp
/// (as long as the confirmation code lives); `None` for other clients.
pub fn sign_up_session(app: &App, pool: &UserPool, client: &Client, user: &User) -> Option<String> {
    require_flow(client, "USER_AUTH").ok()?;
    let session = open_session(
        app,
        |m| &mut m.signed_up,
        Challenge::new(
            &pool.id,
            &user.username,
            Some(&client.id),
            app.now() + codes::SIGN_UP_CODE_SECONDS,
        ),
    );
    Some(session)
}

/// The SignUp `Session` given with ConfirmSignUp: it must be this client's for this user and not
/// expired (else NotAuthorizedException, before the code is checked). Spent by the confirmation.
pub fn check_sign_up_session(
    app: &App,
    store: &Store,
    pool: &UserPool,
    client: &Client,
    name: &str,
    session: &str,
) -> Result<(), ApiError> {
    let username = find_username(store, pool, name);
    let mem = app.mem();
    match mem.signed_up.get(session) {
        Some(c)
            if c.pool_id == pool.id
                && c.client_id.as_deref() == Some(client.id.as_str())
                && Some(&c.username) == username.as_ref()
                && c.expires_at > app.now() =>
        {
            Ok(())
        }
        _ => Err(not_authorized("Invalid session provided")),
    }
}

/// After a ConfirmSignUp that came with its SignUp `Session`: that session spent and a new one given,
/// which signs the user in once with InitiateAuth USER_AUTH (within the 3 minutes of a challenge).
pub fn confirmed_session(
    app: &App,
    pool: &UserPool,
    client: &Client,
    user: &User,
    spent: &str,
) -> String {
    let session = random_string(64, URL_SAFE);
    let mut mem = app.mem();
    mem.signed_up.remove(spent);
    mem.confirmed.insert(
        session.clone(),
        Challenge::new(
            &pool.id,
            &user.username,
            Some(&client.id),
            app.now() + CHALLENGE_SECONDS,
        ),
    );
    session
}

/// InitiateAuth USER_AUTH with the `Session` of a ConfirmSignUp: the confirmation code was the first
/// factor, so what follows a password follows (MFA, or tokens). Once, for that user and client.
pub fn sign_in_after_sign_up(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    params: &Value,
    session: &str,
) -> ApiResult {
    let name = required_param(params, "USERNAME")?;
    let invalid = || not_authorized("Invalid session for the user.");
    let challenge = app.mem().confirmed.remove(session).ok_or_else(invalid)?;
    let user = find_user(store, pool, name).ok_or_else(invalid)?;
    if challenge.pool_id != pool.id
        || challenge.client_id.as_deref() != Some(client.id.as_str())
        || challenge.username != user.username
    {
        return Err(invalid());
    }
    if challenge.expires_at <= app.now() {
        return Err(not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    after_password(app, store, pool, client, &user)
}

/// InitiateAuth USER_AUTH (choice-based sign-in): `PREFERRED_CHALLENGE` `PASSWORD` (with `PASSWORD`) or
/// `PASSWORD_SRP` (with `SRP_A`) starts that challenge at once; none (or one devstack does not offer)
/// gives SELECT_CHALLENGE with `AvailableChallenges`.
pub fn user_auth(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    params: &Value,
) -> ApiResult {
    let name = required_param(params, "USERNAME")?;
    match params.get("PREFERRED_CHALLENGE").and_then(Value::as_str) {
        Some("PASSWORD") => password_answer(app, store, pool, client, name, params),
        Some("PASSWORD_SRP") => {
            let a = required_param(params, "SRP_A")?;
            srp_challenge(app, store, pool, client, name, a)
        }
        Some("EMAIL_OTP") => email_otp_challenge(app, store, pool, client, name),
        Some("SMS_OTP") => otp_challenge(app, store, pool, client, name, "SMS_OTP"),
        _ => {
            let session = open_session(
                app,
                |m| &mut m.select,
                Challenge::new(
                    &pool.id,
                    name,
                    Some(&client.id),
                    app.now() + CHALLENGE_SECONDS,
                ),
            );
            Ok(json!({
                "ChallengeName": "SELECT_CHALLENGE",
                "Session": session,
                "ChallengeParameters": {},
                "AvailableChallenges": available_challenges(store, pool, name),
            }))
        }
    }
}

/// The `PASSWORD` of a sign-in checked (the same refusal for unknown users), then as after a password.
fn password_answer(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    name: &str,
    params: &Value,
) -> ApiResult {
    let password = required_param(params, "PASSWORD")?;
    match find_user(store, pool, name) {
        Some(u) if password_matches(&u, password) => after_password(app, store, pool, client, &u),
        _ => Err(incorrect()),
    }
}

/// The user of a SELECT_CHALLENGE session (live, of this pool and client), checked against the answer's
/// `USERNAME`; the session is not spent.
pub fn select_session_user(
    app: &App,
    pool: &UserPool,
    client: &Client,
    session: &str,
    responses: &Value,
) -> Result<String, ApiError> {
    let invalid = || not_authorized("Invalid session for the user.");
    let username = session_user(&app.mem().select, session, pool, client, app.now())?;
    let given = required_param(responses, "USERNAME")?;
    if given != username {
        return Err(invalid());
    }
    Ok(username)
}

/// RespondToAuthChallenge SELECT_CHALLENGE: `ANSWER` `PASSWORD` (with `PASSWORD`) → tokens or the next
/// challenge; `PASSWORD_SRP` (with `SRP_A`) → PASSWORD_VERIFIER. The session is spent by a valid answer.
pub fn answer_select_challenge(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    session: &str,
    responses: &Value,
) -> ApiResult {
    let username = select_session_user(app, pool, client, session, responses)?;
    let answer = required_param(responses, "ANSWER")?;
    if !available_challenges(store, pool, &username).contains(&answer) {
        return Err(bad(
            "InvalidParameterException",
            &format!("The challenge {answer} is not available for the user"),
        ));
    }
    let result = if answer == "PASSWORD" {
        password_answer(app, store, pool, client, &username, responses)
    } else if answer == "EMAIL_OTP" {
        email_otp_challenge(app, store, pool, client, &username)
    } else if answer == "SMS_OTP" {
        otp_challenge(app, store, pool, client, &username, "SMS_OTP")
    } else {
        let a = required_param(responses, "SRP_A")?;
        srp_challenge(app, store, pool, client, &username, a)
    };
    if !matches!(&result, Err(e) if e.ty == "InvalidParameterException") {
        app.mem().select.remove(session);
    }
    result
}

/// The NEW_PASSWORD_REQUIRED challenge of a user with a temporary password: `USER_ID_FOR_SRP`,
/// `requiredAttributes` (a JSON array, as a string, of the pool's required attributes the user lacks,
/// as `userAttributes.<name>`) and `userAttributes` (a JSON object, as a string, of the user's attributes).
pub fn new_password_challenge(app: &App, pool: &UserPool, client: &Client, user: &User) -> Value {
    let session = open_session(
        app,
        |m| &mut m.new_password,
        Challenge::new(
            &pool.id,
            &user.username,
            Some(&client.id),
            app.now() + CHALLENGE_SECONDS,
        ),
    );
    let attributes: serde_json::Map<String, Value> = user
        .attributes
        .iter()
        .filter(|(k, _)| k.as_str() != "sub" && k.as_str() != "identities")
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let required: Vec<String> = pool
        .required_attributes
        .iter()
        .filter(|a| !user.attributes.contains_key(*a))
        .map(|a| format!("userAttributes.{a}"))
        .collect();
    json!({
        "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "Session": session,
        "ChallengeParameters": {
            "USER_ID_FOR_SRP": user.username,
            "requiredAttributes": Value::from(required).to_string(),
            "userAttributes": Value::Object(attributes).to_string(),
        },
    })
}

/// Answers NEW_PASSWORD_REQUIRED: `NEW_PASSWORD` (the pool's policy), `USERNAME`, and
/// `userAttributes.<name>` for the required attributes the user lacks (and any other writable one). The
/// user becomes CONFIRMED with the new password; then tokens or the next challenge.
pub fn answer_new_password(
    app: &App,
    store: &mut Store,
    pool: &UserPool,
    client: &Client,
    session: &str,
    responses: &Value,
) -> ApiResult {
    let invalid = || not_authorized("Invalid session for the user.");
    let now = app.now();
    let username = session_user(&app.mem().new_password, session, pool, client, now)?;
    let given = required_param(responses, "USERNAME")?;
    if given != username && find_username(store, pool, given).as_deref() != Some(&username) {
        return Err(invalid());
    }
    let password = required_param(responses, "NEW_PASSWORD")?;
    check_password(pool, password)?;
    let mut attributes = BTreeMap::new();
    if let Some(map) = responses.as_object() {
        for (k, v) in map {
            if let (Some(name), Some(v)) = (k.strip_prefix("userAttributes."), v.as_str()) {
                if [
                    "sub",
                    "email_verified",
                    "phone_number_verified",
                    "identities",
                ]
                .contains(&name)
                {
                    return Err(not_authorized(&format!(
                        "A client attempted to write unauthorized attribute {name}"
                    )));
                }
                attributes.insert(name.to_string(), v.to_string());
            }
        }
    }
    let user = store
        .users
        .get_mut(&pool.id)
        .and_then(|u| u.get_mut(&username))
        .ok_or_else(invalid)?;
    for required in &pool.required_attributes {
        if !user.attributes.contains_key(required) && !attributes.contains_key(required) {
            return Err(bad(
                "InvalidParameterException",
                &format!("Invalid attributes given, {required} is missing"),
            ));
        }
    }
    app.mem().new_password.remove(session);
    user.attributes.extend(attributes);
    user.secret = PasswordSecret::new(&pool.id, &user.username, password);
    user.status = CONFIRMED.into();
    user.modified = now;
    let user = user.clone();
    app.persist(store);
    after_password_as(
        app,
        store,
        pool,
        client,
        &user,
        "TokenGeneration_NewPasswordChallenge",
    )
}
