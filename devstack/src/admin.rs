//! The `/_devstack/*` admin endpoints that change the test knobs (`knobs.rs`), and the middleware that
//! applies the injected failures and logs each request. The top of the crate below `lib.rs`.

use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::knobs::{Fault, Knobs};
use crate::state::{Message, Shared};
use crate::wire::{fault_response, Flavor};

pub fn admin_router() -> Router<Shared> {
    Router::new()
        .route("/_devstack/health", get(|| async { "ok" }))
        .route("/_devstack/knobs", get(get_knobs))
        .route("/_devstack/knobs/reset", post(reset_knobs))
        .route(
            "/_devstack/faults",
            get(get_knobs).post(add_fault).delete(clear_faults),
        )
        .route("/_devstack/clock", get(get_clock).post(set_clock))
        .route("/_devstack/lifetimes", get(get_knobs).post(set_lifetimes))
        .route("/_devstack/outbox", get(get_outbox).delete(clear_outbox))
}

#[derive(Deserialize)]
struct OutboxQuery {
    username: Option<String>,
    purpose: Option<String>,
}

/// The messages sent so far (`?username=` and `?purpose=` filter), oldest first.
async fn get_outbox(
    State(app): State<Shared>,
    axum::extract::Query(q): axum::extract::Query<OutboxQuery>,
) -> Json<Vec<Message>> {
    let mem = app.mem();
    let keep = |m: &&Message| {
        q.username.as_ref().is_none_or(|u| &m.username == u)
            && q.purpose.as_ref().is_none_or(|p| &m.purpose == p)
    };
    Json(mem.outbox.iter().filter(keep).cloned().collect())
}

async fn clear_outbox(State(app): State<Shared>) -> Json<Vec<Message>> {
    app.mem().outbox.clear();
    Json(Vec::new())
}

async fn get_knobs(State(app): State<Shared>) -> Json<Knobs> {
    Json(app.knobs().clone())
}

async fn reset_knobs(State(app): State<Shared>) -> Json<Knobs> {
    let mut k = app.knobs();
    *k = Knobs::default();
    Json(k.clone())
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Fault),
    Many(Vec<Fault>),
}

async fn add_fault(State(app): State<Shared>, Json(body): Json<OneOrMany>) -> Json<Knobs> {
    let mut k = app.knobs();
    match body {
        OneOrMany::One(f) => k.faults.push(f),
        OneOrMany::Many(fs) => k.faults.extend(fs),
    }
    Json(k.clone())
}

async fn clear_faults(State(app): State<Shared>) -> Json<Knobs> {
    let mut k = app.knobs();
    k.faults.clear();
    Json(k.clone())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClockBody {
    offset_seconds: i64,
}

async fn get_clock(State(app): State<Shared>) -> Json<serde_json::Value> {
    let offset = app.knobs().clock_offset;
    Json(json!({ "offsetSeconds": offset, "now": app.now() }))
}

async fn set_clock(
    State(app): State<Shared>,
    Json(body): Json<ClockBody>,
) -> Json<serde_json::Value> {
    app.knobs().clock_offset = body.offset_seconds;
    Json(json!({ "offsetSeconds": body.offset_seconds, "now": app.now() }))
}

/// Sets the given lifetimes; a field sent as `null` goes back to the configured value, an absent field is
/// left as it is.
async fn set_lifetimes(
    State(app): State<Shared>,
    Json(body): Json<serde_json::Map<String, serde_json::Value>>,
) -> Response {
    let mut k = app.knobs();
    let mut current = serde_json::to_value(&k.lifetimes).expect("serialisable");
    for (name, value) in body {
        let Some(slot) = current.get_mut(&name) else {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": format!("unknown lifetime {name}") })),
            )
                .into_response();
        };
        if !(value.is_null() || value.is_u64()) {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": format!("{name} must be a number of seconds or null") })),
            )
                .into_response();
        }
        *slot = value;
    }
    k.lifetimes = serde_json::from_value(current).expect("same shape");
    Json(k.clone()).into_response()
}

/// The fault-matching names of a request on the Cognito port.
fn cognito_endpoint(req: &Request) -> (Vec<String>, Flavor) {
    let path = req.uri().path();
    if path == "/" {
        let target = req
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let op = target.rsplit('.').next().unwrap_or("").to_string();
        return (vec![op], Flavor::JsonApi);
    }
    let name = match path {
        "/oauth2/authorize" => "authorize",
        "/oauth2/token" => "token",
        "/oauth2/revoke" => "revoke",
        "/oauth2/userInfo" => "userInfo",
        "/login" => "login",
        "/logout" => "logout",
        p if p.ends_with("/.well-known/jwks.json") => "jwks",
        p if p.ends_with("/.well-known/openid-configuration") => "openid-configuration",
        p => p.trim_start_matches('/'),
    };
    (vec![name.to_string()], Flavor::OAuth)
}

fn s3_endpoint(req: &Request) -> Vec<String> {
    let object = req
        .uri()
        .path()
        .trim_start_matches('/')
        .split_once('/')
        .is_some_and(|(_, key)| !key.is_empty());
    let op = match *req.method() {
        axum::http::Method::PUT => "PutObject",
        axum::http::Method::GET if !object => "ListObjectsV2",
        axum::http::Method::GET => "GetObject",
        axum::http::Method::HEAD => "HeadObject",
        axum::http::Method::DELETE => "DeleteObject",
        _ => "s3",
    };
    vec!["s3".into(), op.into()]
}

fn log_line(
    port: &str,
    method: &str,
    path: &str,
    detail: &str,
    status: StatusCode,
    started: Instant,
) {
    let secs = crate::ids::unix_now();
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    println!(
        "{h:02}:{m:02}:{s:02}Z {port} {method} {path}{detail} -> {} ({} ms)",
        status.as_u16(),
        started.elapsed().as_millis()
    );
}

async fn apply(app: &Shared, names: &[String], flavor: Flavor) -> Option<Response> {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let fault = app.knobs().take_fault(&names)?;
    if fault.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
    }
    (fault.status != 0).then(|| fault_response(flavor, fault.status))
}

/// Middleware for the Cognito port: injected faults (inside CORS, so that a browser sees the status).
pub async fn cognito_faults(State(app): State<Shared>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/_devstack/") {
        return next.run(req).await;
    }
    let (names, flavor) = cognito_endpoint(&req);
    match apply(&app, &names, flavor).await {
        Some(r) => r,
        None => next.run(req).await,
    }
}

/// Outermost middleware for the Cognito port: one log line per request.
pub async fn cognito_log(State(app): State<Shared>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let (names, flavor) = cognito_endpoint(&req);
    let detail = if flavor == Flavor::JsonApi && req.method() == axum::http::Method::POST {
        format!(" {}", names[0])
    } else {
        String::new()
    };
    let resp = next.run(req).await;
    if app.log_requests {
        log_line("cognito", &method, &path, &detail, resp.status(), started);
    }
    resp
}

/// Middleware for the S3 port: injected faults (with the bucket's CORS headers) and one log line.
pub async fn s3_layer(State(app): State<Shared>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let preflight = req.method() == axum::http::Method::OPTIONS;
    let headers = req.headers().clone();
    let resp = match if preflight {
        None
    } else {
        apply(&app, &s3_endpoint(&req), Flavor::S3).await
    } {
        Some(r) => crate::s3::with_cors(&app, &headers, &path, r),
        None => next.run(req).await,
    };
    if app.log_requests {
        log_line("s3", &method, &path, "", resp.status(), started);
    }
    resp
}

fn dynamodb_endpoint(req: &Request) -> Vec<String> {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let op = target.rsplit('.').next().unwrap_or("").to_string();
    vec!["dynamodb".into(), op]
}

/// Middleware for the DynamoDB port: injected faults (inside CORS; endpoints `dynamodb` or the
/// operation, `GetItem`, ...). Preflights are never failed.
pub async fn dynamodb_faults(State(app): State<Shared>, req: Request, next: Next) -> Response {
    if req.method() == axum::http::Method::OPTIONS {
        return next.run(req).await;
    }
    match apply(&app, &dynamodb_endpoint(&req), Flavor::DynamoDb).await {
        Some(r) => r,
        None => next.run(req).await,
    }
}

/// Outermost middleware for the DynamoDB port: one log line per request.
pub async fn dynamodb_log(State(app): State<Shared>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let detail = if req.method() == axum::http::Method::POST {
        format!(" {}", dynamodb_endpoint(&req)[1])
    } else {
        String::new()
    };
    let resp = next.run(req).await;
    if app.log_requests {
        log_line("dynamodb", &method, &path, &detail, resp.status(), started);
    }
    resp
}
