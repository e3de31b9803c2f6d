//! Lambda triggers (a user pool's `LambdaConfig`): PreSignUp, PostConfirmation, PreAuthentication,
//! PostAuthentication, PreTokenGeneration (V1_0 and V2_0) and CustomMessage. Each is a local command
//! (`sh -c`, the event JSON on stdin, the answer JSON on stdout, the config file's directory as cwd) or an
//! HTTP URL (the event POSTed as JSON, the answer is the body), with the event Cognito sends to Lambda.
//! A trigger that fails, times out (5 s) or answers something that is not a JSON object refuses the
//! operation with `UserLambdaValidationException` "<Trigger> failed with error <message>.".
//!
//! Triggers run synchronously on the request's thread (`block_in_place` on a multi-threaded runtime).
//! Callers run PostConfirmation without holding the store, so it may call devstack's DynamoDB or S3 with
//! its role's credentials; the others may run while the store is held and must not call back into
//! devstack's Cognito side.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::config::{Trigger, UserPool};
use crate::ids::random_string;
use crate::state::{App, CredentialRecord, User};
use crate::wire::{bad, ApiError};

/// How long Cognito waits for a trigger.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Cognito's `codeParameter` placeholder in CustomMessage events.
pub const CODE_PARAMETER: &str = "{####}";
/// Claims a PreTokenGeneration answer cannot add, change or suppress (ignored).
const PROTECTED: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "client_id",
    "cognito:username",
    "event_id",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "scope",
    "sub",
    "token_use",
    "username",
    "version",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    PreSignUp,
    PostConfirmation,
    PreAuthentication,
    PostAuthentication,
    PreTokenGeneration,
    CustomMessage,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::PreSignUp => "PreSignUp",
            Kind::PostConfirmation => "PostConfirmation",
            Kind::PreAuthentication => "PreAuthentication",
            Kind::PostAuthentication => "PostAuthentication",
            Kind::PreTokenGeneration => "PreTokenGeneration",
            Kind::CustomMessage => "CustomMessage",
        }
    }

    pub fn of(self, pool: &UserPool) -> Option<&Trigger> {
        let t = &pool.triggers;
        match self {
            Kind::PreSignUp => t.pre_sign_up.as_ref(),
            Kind::PostConfirmation => t.post_confirmation.as_ref(),
            Kind::PreAuthentication => t.pre_authentication.as_ref(),
            Kind::PostAuthentication => t.post_authentication.as_ref(),
            Kind::PreTokenGeneration => t.pre_token_generation.as_ref(),
            Kind::CustomMessage => t.custom_message.as_ref(),
        }
    }

    /// What Cognito puts in the event's `response` before the function fills it in.
    fn response_template(self, v2: bool) -> Value {
        match self {
            Kind::PreSignUp => {
                json!({ "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false })
            }
            Kind::PreTokenGeneration if v2 => json!({ "claimsAndScopeOverrideDetails": null }),
            Kind::PreTokenGeneration => json!({ "claimsOverrideDetails": null }),
            Kind::CustomMessage => {
                json!({ "smsMessage": null, "emailMessage": null, "emailSubject": null })
            }
            _ => json!({}),
        }
    }
}

/// Every trigger kind, in Cognito's order.
pub const KINDS: [Kind; 6] = [
    Kind::PreSignUp,
    Kind::PostConfirmation,
    Kind::PreAuthentication,
    Kind::PostAuthentication,
    Kind::PreTokenGeneration,
    Kind::CustomMessage,
];

/// The pool's triggers for the start-up lines: (name, command or URL).
pub fn configured(pool: &UserPool) -> Vec<(&'static str, String)> {
    KINDS
        .iter()
        .filter_map(|k| {
            let t = k.of(pool)?;
            let mut where_ = t.command.clone().or_else(|| t.url.clone())?;
            if let Some(v) = &t.version {
                where_.push_str(&format!(" ({v})"));
            }
            Some((k.name(), where_))
        })
        .collect()
}

/// The refusal of a trigger that failed: `UserLambdaValidationException` on the JSON API, the message on
/// managed-login pages.
pub fn failed(kind: Kind, message: &str) -> ApiError {
    let message = message.trim().trim_end_matches('.');
    bad(
        "UserLambdaValidationException",
        &format!("{} failed with error {message}.", kind.name()),
    )
}

/// Who called: the app client (`callerContext.clientId`) and the request's `ClientMetadata` /
/// `ValidationData`.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub client_id: Option<String>,
    pub client_metadata: Option<Value>,
    pub validation_data: Option<Value>,
}

impl Caller {
    pub fn client(client_id: &str) -> Self {
        Caller {
            client_id: Some(client_id.to_string()),
            ..Default::default()
        }
    }

    /// From a JSON API request: `ClientId`, `ClientMetadata` (a map) and `ValidationData` (a list of
    /// `{Name, Value}`, a map in the event).
    pub fn from_input(input: &Value) -> Self {
        let validation_data = input
            .get("ValidationData")
            .and_then(Value::as_array)
            .map(|list| {
                let map: Map<String, Value> = list
                    .iter()
                    .filter_map(|a| {
                        Some((
                            a.get("Name")?.as_str()?.to_string(),
                            a.get("Value")?.clone(),
                        ))
                    })
                    .collect();
                Value::Object(map)
            });
        Caller {
            client_id: input
                .get("ClientId")
                .and_then(Value::as_str)
                .map(String::from),
            client_metadata: input
                .get("ClientMetadata")
                .filter(|m| m.is_object())
                .cloned(),
            validation_data,
        }
    }
}

/// The user's attributes as triggers see them: the stored ones (strings), `sub`, and
/// `cognito:user_status`.
pub fn user_attributes(user: &User) -> Value {
    let mut m: Map<String, Value> = user
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    m.insert("sub".into(), json!(user.sub));
    m.insert("cognito:user_status".into(), json!(user.status));
    Value::Object(m)
}

/// Runs `kind` when the pool configures it: `Ok(None)` when it does not, else the answer's `response`.
pub fn run(
    app: &App,
    pool: &UserPool,
    kind: Kind,
    source: &str,
    user_name: &str,
    caller: &Caller,
    request: Value,
) -> Result<Option<Value>, ApiError> {
    let Some(trigger) = kind.of(pool) else {
        return Ok(None);
    };
    let v2 = trigger.version.as_deref() == Some("V2_0");
    let event = json!({
        "version": if v2 { "2" } else { "1" },
        "triggerSource": source,
        "region": app.config.server.region,
        "userPoolId": pool.id,
        "userName": user_name,
        "callerContext": {
            "awsSdkVersion": "aws-sdk-unknown-unknown",
            "clientId": caller.client_id.as_deref().unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
        },
        "request": request,
        "response": kind.response_template(v2),
    });
    let body = serde_json::to_vec(&event).expect("JSON");
    let outcome = blocking(|| match (&trigger.command, &trigger.url) {
        (Some(command), _) => run_command(app, pool, kind, trigger, command, &body),
        (None, Some(url)) => run_url(url, &body),
        (None, None) => Err("no command or url".to_string()),
    });
    if app.log_requests {
        let status = match &outcome {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("failed: {e}"),
        };
        println!(
            "devstack trigger: {} ({source}) for {user_name} in {}: {status}",
            kind.name(),
            pool.id
        );
    }
    let answer = outcome.map_err(|m| failed(kind, &m))?;
    let answer: Value = serde_json::from_slice(&answer)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| failed(kind, "Unrecognizable lambda output"))?;
    let response = match answer.get("response") {
        None | Some(Value::Null) => kind.response_template(v2),
        Some(r) if r.is_object() => r.clone(),
        Some(_) => return Err(failed(kind, "Unrecognizable lambda output")),
    };
    Ok(Some(response))
}

/// Runs blocking work on a request's thread without stalling a multi-threaded runtime's other tasks.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

fn run_command(
    app: &App,
    pool: &UserPool,
    kind: Kind,
    trigger: &Trigger,
    command: &str,
    body: &[u8],
) -> Result<Vec<u8>, String> {
    let dir = app.config.base_dir.clone().unwrap_or_else(|| ".".into());
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("AWS_REGION", &app.config.server.region)
        .env("AWS_DEFAULT_REGION", &app.config.server.region)
        .env(
            "AWS_LAMBDA_FUNCTION_NAME",
            format!("{}-{}", pool.id, kind.name()),
        )
        .env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", &app.base_url)
        .env("AWS_ENDPOINT_URL_S3", &app.s3_url);
    if let Some(url) = dynamodb_url(app) {
        cmd.env("AWS_ENDPOINT_URL_DYNAMODB", url);
    }
    if trigger.role_arn.is_some() {
        if let Some(c) = credentials(app, &pool.id, kind) {
            cmd.env("AWS_ACCESS_KEY_ID", &c.0)
                .env("AWS_SECRET_ACCESS_KEY", &c.1)
                .env("AWS_SESSION_TOKEN", &c.2);
        }
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not start {command:?}: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped");
    let input = body.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stdout.read_to_end(&mut b);
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stderr.read_to_end(&mut b);
        b
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "Task timed out after {:.2} seconds",
                    TIMEOUT.as_secs_f64()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let _ = writer.join();
    let stdout = out.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).to_string();
    if !stderr.trim().is_empty() && app.log_requests {
        for line in stderr.lines() {
            eprintln!("devstack trigger {}: {line}", kind.name());
        }
    }
    if status.success() {
        return Ok(stdout);
    }
    Err(lambda_error(&stdout)
        .or_else(|| error_line(&stderr))
        .unwrap_or_else(|| format!("exit status {}", status.code().unwrap_or(-1))))
}

/// `{"errorMessage": "..."}`, the shape Lambda gives a function's error.
fn lambda_error(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("errorMessage")?.as_str().map(String::from)
}

/// The message of a command that failed: the first `Error: <message>` (or `<Name>Error: <message>`)
/// line of its stderr, as Node prints an uncaught error, else its last line.
fn error_line(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    for l in &lines {
        if let Some((name, rest)) = l.split_once(": ") {
            if name.ends_with("Error") && !name.contains(' ') {
                return Some(rest.to_string());
            }
        }
    }
    lines.last().map(|l| l.to_string())
}

fn run_url(url: &str, body: &[u8]) -> Result<Vec<u8>, String> {
    let url = url.to_string();
    let body = body.to_vec();
    // A runtime of its own on a thread of its own: the caller may be inside devstack's runtime.
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async move {
            let client = reqwest::Client::builder()
                .timeout(TIMEOUT)
                .build()
                .map_err(|e| e.to_string())?;
            let resp = client
                .post(&url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .map_err(|e| {
                    if e.is_timeout() {
                        format!("Task timed out after {:.2} seconds", TIMEOUT.as_secs_f64())
                    } else {
                        format!("could not reach {url}: {e}")
                    }
                })?;
            let status = resp.status();
            let bytes = resp.bytes().await.map_err(|e| {
                if e.is_timeout() {
                    format!("Task timed out after {:.2} seconds", TIMEOUT.as_secs_f64())
                } else {
                    e.to_string()
                }
            })?;
            if status.is_success() {
                Ok(bytes.to_vec())
            } else {
                let text = String::from_utf8_lossy(&bytes).trim().to_string();
                Err(lambda_error(&bytes)
                    .or_else(|| (!text.is_empty()).then_some(text))
                    .unwrap_or_else(|| format!("HTTP {status}")))
            }
        })
    })
    .join()
    .unwrap_or_else(|_| Err("the HTTP call panicked".into()))
}

// ---- Execution roles: credentials for a command trigger's `role_arn`

type Creds = (String, String, String);

/// `<data dir>|<pool>|<trigger>` → credentials, filled at start ([`provision`]) so that triggers get them
/// without taking the store.
fn creds_map() -> &'static Mutex<HashMap<String, Creds>> {
    static MAP: OnceLock<Mutex<HashMap<String, Creds>>> = OnceLock::new();
    MAP.get_or_init(Default::default)
}

fn creds_key(app: &App, pool_id: &str, kind: Kind) -> String {
    format!("{}|{pool_id}|{}", app.data_dir.display(), kind.name())
}

fn credentials(app: &App, pool_id: &str, kind: Kind) -> Option<Creds> {
    creds_map()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&creds_key(app, pool_id, kind))
        .cloned()
}

/// devstack's DynamoDB URL (recorded by [`provision`] at start).
fn dynamodb_url(app: &App) -> Option<String> {
    DYNAMODB_URLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&app.data_dir.display().to_string())
        .cloned()
}

static DYNAMODB_URLS: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();

/// At start: credentials (valid for a year, persisted like the identity pool's) for every command
/// trigger with a `role_arn`, as Lambda gives a function its execution role's, and where DynamoDB is.
/// Their policy is the role's `[[roles]]` entry (they are kept under the first identity pool, which
/// devstack's DynamoDB and S3 look policies up through).
pub fn provision(app: &App, dynamodb_url: &str) {
    DYNAMODB_URLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(app.data_dir.display().to_string(), dynamodb_url.to_string());
    let Some(identity_pool) = app.config.identity_pools.first() else {
        return;
    };
    let mut store = app.store();
    for pool in &app.config.user_pools {
        for kind in KINDS {
            let Some(role) = kind.of(pool).and_then(|t| t.role_arn.clone()) else {
                continue;
            };
            let upper = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
            let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            let key = format!("ASIA{}", random_string(16, upper));
            let secret = random_string(40, alnum);
            let token = random_string(200, alnum);
            store.credentials.insert(
                key.clone(),
                CredentialRecord {
                    secret_key: secret.clone(),
                    session_token: token.clone(),
                    identity_id: format!("trigger:{}:{}", pool.id, kind.name()),
                    identity_pool_id: identity_pool.id.clone(),
                    expires_at: app.now() + 365 * 24 * 3600,
                    authenticated: Some(true),
                    role_arn: Some(role),
                },
            );
            creds_map()
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(creds_key(app, &pool.id, kind), (key, secret, token));
        }
    }
    app.persist(&store);
}

// ---- The answers each trigger may give

/// PreSignUp's answer: (autoConfirmUser, autoVerifyEmail, autoVerifyPhone).
pub fn pre_sign_up(
    app: &App,
    pool: &UserPool,
    source: &str,
    user: &User,
    caller: &Caller,
) -> Result<(bool, bool, bool), ApiError> {
    let request = json!({
        "userAttributes": user_attributes(user),
        "validationData": caller.validation_data.clone().unwrap_or(Value::Null),
        "clientMetadata": caller.client_metadata.clone().unwrap_or_else(|| json!({})),
    });
    let Some(r) = run(
        app,
        pool,
        Kind::PreSignUp,
        source,
        &user.username,
        caller,
        request,
    )?
    else {
        return Ok((false, false, false));
    };
    let flag = |name: &str| r.get(name).and_then(Value::as_bool).unwrap_or(false);
    let (confirm, email, phone) = (
        flag("autoConfirmUser"),
        flag("autoVerifyEmail"),
        flag("autoVerifyPhone"),
    );
    if email && !user.attributes.contains_key("email") {
        return Err(failed(
            Kind::PreSignUp,
            "autoVerifyEmail is set but the user has no email",
        ));
    }
    Ok((confirm, email, phone))
}

/// PostConfirmation (ConfirmSignUp, ConfirmForgotPassword): the user is confirmed whatever it answers;
/// a failure is the operation's error. Call it without holding the store.
pub fn post_confirmation(
    app: &App,
    pool: &UserPool,
    source: &str,
    username: &str,
    caller: &Caller,
) -> Result<(), ApiError> {
    if Kind::PostConfirmation.of(pool).is_none() {
        return Ok(());
    }
    let user = app
        .store()
        .users
        .get(&pool.id)
        .and_then(|u| u.get(username))
        .cloned();
    let Some(user) = user else { return Ok(()) };
    let request = json!({
        "userAttributes": user_attributes(&user),
        "clientMetadata": caller.client_metadata.clone().unwrap_or_else(|| json!({})),
    });
    run(
        app,
        pool,
        Kind::PostConfirmation,
        source,
        &user.username,
        caller,
        request,
    )?;
    Ok(())
}

/// PreAuthentication (after the password was found right; its failure refuses the sign-in).
pub fn pre_authentication(
    app: &App,
    pool: &UserPool,
    user: &User,
    caller: &Caller,
) -> Result<(), ApiError> {
    let request = json!({
        "userAttributes": user_attributes(user),
        "validationData": caller.validation_data.clone().unwrap_or(Value::Null),
        "userNotFound": false,
    });
    run(
        app,
        pool,
        Kind::PreAuthentication,
        "PreAuthentication_Authentication",
        &user.username,
        caller,
        request,
    )?;
    Ok(())
}

/// PostAuthentication (before the tokens or the managed-login session; its failure refuses them).
pub fn post_authentication(
    app: &App,
    pool: &UserPool,
    user: &User,
    caller: &Caller,
) -> Result<(), ApiError> {
    let request = json!({
        "userAttributes": user_attributes(user),
        "newDeviceUsed": false,
        "clientMetadata": caller.client_metadata.clone().unwrap_or_else(|| json!({})),
    });
    run(
        app,
        pool,
        Kind::PostAuthentication,
        "PostAuthentication_Authentication",
        &user.username,
        caller,
        request,
    )?;
    Ok(())
}

/// CustomMessage: `(emailSubject, emailMessage with the code in place of {####})` (`sms`: `(None,
/// smsMessage)`), or None without a trigger or when it leaves the message empty (Cognito's default
/// message then). A message without the code is refused.
pub fn custom_message(
    app: &App,
    pool: &UserPool,
    source: &str,
    user: &User,
    code: &str,
    sms: bool,
    caller: &Caller,
) -> Result<Option<(Option<String>, String)>, ApiError> {
    let request = json!({
        "userAttributes": user_attributes(user),
        "codeParameter": CODE_PARAMETER,
        "linkParameter": "{##Click Here##}",
        "usernameParameter": null,
        "clientMetadata": caller.client_metadata.clone().unwrap_or_else(|| json!({})),
    });
    let Some(r) = run(
        app,
        pool,
        Kind::CustomMessage,
        source,
        &user.username,
        caller,
        request,
    )?
    else {
        return Ok(None);
    };
    let text = |name: &str| {
        r.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let (field, subject) = if sms {
        ("smsMessage", None)
    } else {
        ("emailMessage", text("emailSubject"))
    };
    let Some(message) = text(field) else {
        return Ok(None);
    };
    if !message.contains(CODE_PARAMETER) {
        return Err(failed(
            Kind::CustomMessage,
            &format!("{field} does not contain the codeParameter {CODE_PARAMETER}"),
        ));
    }
    Ok(Some((subject, message.replace(CODE_PARAMETER, code))))
}

/// What PreTokenGeneration may change, applied to the claims before signing: `id` (None when no ID
/// token is issued) and `access`; `scopes` are the access token's.
pub struct TokenClaims<'a> {
    pub id: Option<&'a mut Map<String, Value>>,
    pub access: &'a mut Map<String, Value>,
    pub scopes: &'a mut Vec<String>,
}

/// PreTokenGeneration (`V1_0`: the ID token's claims and the groups; `V2_0`: both tokens' claims, the
/// access token's scopes, the groups).
pub fn pre_token_generation(
    app: &App,
    pool: &UserPool,
    source: &str,
    user: &User,
    client_id: &str,
    roles: (Vec<String>, Option<String>),
    claims: TokenClaims<'_>,
) -> Result<(), ApiError> {
    let Some(trigger) = Kind::PreTokenGeneration.of(pool) else {
        return Ok(());
    };
    let v2 = trigger.version.as_deref() == Some("V2_0");
    let mut request = json!({
        "userAttributes": user_attributes(user),
        "groupConfiguration": {
            "groupsToOverride": user.groups,
            "iamRolesToOverride": roles.0,
            "preferredRole": roles.1,
        },
        "clientMetadata": {},
    });
    if v2 {
        request["scopes"] = json!(claims.scopes);
    }
    let caller = Caller::client(client_id);
    let Some(r) = run(
        app,
        pool,
        Kind::PreTokenGeneration,
        source,
        &user.username,
        &caller,
        request,
    )?
    else {
        return Ok(());
    };
    let garbage = || failed(Kind::PreTokenGeneration, "Unrecognizable lambda output");
    let details = if v2 {
        r.get("claimsAndScopeOverrideDetails")
    } else {
        r.get("claimsOverrideDetails")
    };
    let details = match details {
        None | Some(Value::Null) => return Ok(()),
        Some(d) if d.is_object() => d,
        Some(_) => return Err(garbage()),
    };
    let TokenClaims {
        mut id,
        access,
        scopes,
    } = claims;
    if let Some(groups) = details
        .get("groupOverrideDetails")
        .filter(|g| g.is_object())
    {
        override_groups(groups, id.as_deref_mut(), access)?;
    }
    apply_token(details, v2, id, access, scopes)
}

fn apply_token(
    details: &Value,
    v2: bool,
    id: Option<&mut Map<String, Value>>,
    access: &mut Map<String, Value>,
    scopes: &mut Vec<String>,
) -> Result<(), ApiError> {
    if v2 {
        if let (Some(id), Some(g)) = (id, details.get("idTokenGeneration")) {
            apply_claims(g, id)?;
        }
        if let Some(g) = details.get("accessTokenGeneration") {
            apply_claims(g, access)?;
            for s in string_list(g.get("scopesToSuppress"))? {
                scopes.retain(|x| x != &s);
            }
            for s in string_list(g.get("scopesToAdd"))? {
                if !scopes.contains(&s) {
                    scopes.push(s);
                }
            }
            access.insert("scope".into(), json!(scopes.join(" ")));
        }
    } else if let Some(id) = id {
        apply_claims(details, id)?;
    }
    Ok(())
}

/// `claimsToAddOrOverride` (a map) and `claimsToSuppress` (a list), protected claims left alone.
fn apply_claims(g: &Value, claims: &mut Map<String, Value>) -> Result<(), ApiError> {
    if let Some(add) = g.get("claimsToAddOrOverride").filter(|v| !v.is_null()) {
        let add = add
            .as_object()
            .ok_or_else(|| failed(Kind::PreTokenGeneration, "Unrecognizable lambda output"))?;
        for (k, v) in add {
            if !PROTECTED.contains(&k.as_str()) && !k.starts_with("cognito:") {
                claims.insert(k.clone(), v.clone());
            }
        }
    }
    for k in string_list(g.get("claimsToSuppress"))? {
        if !PROTECTED.contains(&k.as_str()) {
            claims.remove(&k);
        }
    }
    Ok(())
}

/// `groupOverrideDetails`: `groupsToOverride` (`cognito:groups` in both tokens), `iamRolesToOverride`
/// (`cognito:roles`), `preferredRole` (`cognito:preferred_role`).
fn override_groups(
    g: &Value,
    id: Option<&mut Map<String, Value>>,
    access: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let set = |m: &mut Map<String, Value>, name: &str, list: &[String]| {
        if list.is_empty() {
            m.remove(name);
        } else {
            m.insert(name.into(), json!(list));
        }
    };
    let groups = g
        .get("groupsToOverride")
        .filter(|v| !v.is_null())
        .map(|v| string_list(Some(v)))
        .transpose()?;
    let roles = g
        .get("iamRolesToOverride")
        .filter(|v| !v.is_null())
        .map(|v| string_list(Some(v)))
        .transpose()?;
    let preferred = g.get("preferredRole").and_then(Value::as_str);
    if let Some(groups) = &groups {
        set(access, "cognito:groups", groups);
    }
    if let Some(id) = id {
        if let Some(groups) = &groups {
            set(id, "cognito:groups", groups);
        }
        if let Some(roles) = &roles {
            set(id, "cognito:roles", roles);
        }
        match preferred {
            Some(p) if !p.is_empty() => {
                id.insert("cognito:preferred_role".into(), json!(p));
            }
            Some(_) => {
                id.remove("cognito:preferred_role");
            }
            None => {}
        }
    }
    Ok(())
}

fn string_list(v: Option<&Value>) -> Result<Vec<String>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(String::from))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| failed(Kind::PreTokenGeneration, "Unrecognizable lambda output")),
        Some(_) => Err(failed(
            Kind::PreTokenGeneration,
            "Unrecognizable lambda output",
        )),
    }
}

/// The attributes a PreSignUp answer verifies: `email_verified` / `phone_number_verified` = "true".
pub fn verified_attributes(email: bool, phone: bool) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    if email {
        m.insert("email_verified".into(), "true".into());
    }
    if phone {
        m.insert("phone_number_verified".into(), "true".into());
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_of_a_failed_command() {
        let node = "file:///x/t.mjs:3\n  throw new Error('nope');\n  ^\n\nError: nope\n    at file:///x/t.mjs:3:9\n\nNode.js v22.1.0\n";
        assert_eq!(error_line(node).as_deref(), Some("nope"));
        assert_eq!(
            error_line("TypeError: x is not a function\n").as_deref(),
            Some("x is not a function")
        );
        assert_eq!(error_line("just this\n").as_deref(), Some("just this"));
        assert_eq!(error_line("\n"), None);
        assert_eq!(
            lambda_error(br#"{"errorMessage": "boom", "errorType": "Error"}"#).as_deref(),
            Some("boom")
        );
        assert_eq!(
            failed(Kind::PreSignUp, "Sign-ups are closed.").message,
            "PreSignUp failed with error Sign-ups are closed."
        );
    }

    #[test]
    fn protected_claims_stay() {
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("s"));
        claims.insert("email".into(), json!("e"));
        let answer = json!({
            "claimsToAddOrOverride": { "sub": "x", "cognito:groups": ["g"], "custom:tier": "gold" },
            "claimsToSuppress": ["email", "iss"],
        });
        apply_claims(&answer, &mut claims).unwrap();
        assert_eq!(
            Value::Object(claims),
            json!({ "sub": "s", "custom:tier": "gold" })
        );
    }
}
