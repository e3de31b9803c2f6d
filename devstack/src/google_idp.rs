//! The local identity provider that plays Google, under `/_google/` on the Cognito port: an OIDC
//! provider with the accounts of `[google]`, one registered OAuth client (the user pool, redirect URI
//! `<cognito base>/oauth2/idpresponse`), an account chooser and a consent page (Allow / Deny), a token
//! endpoint that issues RS256 ID tokens, its JWKS and discovery document. It keeps the real clock (it is
//! another service: devstack's clock knob does not move it).

// Refusals are finished responses (pages or OAuth errors), returned as `Err(Response)`.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::accounts::{google_issuer, idp_redirect_uri};
use crate::config::{Google, GoogleAccount};
use crate::ids::{random_string, unix_now, URL_SAFE};
use crate::state::{GoogleCode, Shared};
use crate::wire::oauth_error;

type Params = HashMap<String, String>;

/// Google's authorization codes are short-lived; ten minutes here.
const CODE_SECONDS: i64 = 600;
const ID_TOKEN_SECONDS: i64 = 3600;

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/_google/.well-known/openid-configuration", get(discovery))
        .route("/_google/oauth2/v3/certs", get(jwks))
        .route("/_google/authorize", get(choose_account).post(consent_page))
        .route("/_google/consent", post(consent))
        .route("/_google/token", post(token))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, main: &str) -> Response {
    Html(format!(
        r#"<!doctype html>
<html lang=en>
<head>
<meta charset=utf-8>
<meta name=viewport content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:Roboto,Arial,sans-serif;background:#fff;display:flex;justify-content:center;padding-top:8vh;margin:0;color:#202124}}
main{{border:1px solid #dadce0;border-radius:8px;padding:2.5rem;width:22rem}}
h1{{font-size:1.5rem;font-weight:400;margin:0 0 .5rem}} .brand{{font-size:1.2rem;color:#4285f4;margin-bottom:1rem}}
button{{display:block;width:100%;text-align:left;background:#fff;border:0;border-top:1px solid #dadce0;padding:.8rem .4rem;font-size:1rem;cursor:pointer}}
button small{{display:block;color:#5f6368}} .actions{{display:flex;gap:1rem;margin-top:1.5rem}}
.actions button{{text-align:center;border:1px solid #dadce0;border-radius:4px}} #googleAllow{{background:#1a73e8;color:#fff}}
.note{{color:#5f6368;font-size:.75rem;margin-top:1.5rem}}
</style>
</head>
<body>
<main>
<div class=brand>Google</div>
{main}<p class=note>devstack's local Google (an OIDC provider for tests)</p>
</main>
</body>
</html>
"#,
        title = esc(title)
    ))
    .into_response()
}

fn error_page(error: &str, description: &str) -> Response {
    let mut r = page(
        "Error",
        &format!(
            "<h1>Error 400: {}</h1>\n<p id=googleError>{}</p>\n",
            esc(error),
            esc(description)
        ),
    );
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

fn hidden(p: &Params, keys: &[&str]) -> String {
    keys.iter()
        .filter_map(|k| {
            p.get(*k).map(|v| {
                format!(
                    "<input type=hidden name=\"{}\" value=\"{}\">\n",
                    esc(k),
                    esc(v)
                )
            })
        })
        .collect()
}

const AUTHORIZE_KEYS: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
];

/// The configured provider and a checked authorize request (client, redirect URI, response type, scope).
fn check(app: &Shared, p: &Params) -> Result<Google, Response> {
    let Some(google) = app.config.google.clone() else {
        return Err(error_page(
            "disabled",
            "devstack has no [google] identity provider configured",
        ));
    };
    if p.get("client_id") != Some(&google.client_id) {
        return Err(error_page(
            "invalid_client",
            "The OAuth client was not found.",
        ));
    }
    if p.get("redirect_uri") != Some(&idp_redirect_uri(app)) {
        return Err(error_page(
            "redirect_uri_mismatch",
            "The redirect URI in the request does not match the ones authorized for the OAuth client.",
        ));
    }
    if p.get("response_type").map(String::as_str) != Some("code") {
        return Err(error_page(
            "unsupported_response_type",
            "response_type must be code",
        ));
    }
    let scope = p.get("scope").map(String::as_str).unwrap_or("");
    if !scope.split_whitespace().any(|s| s == "openid") {
        return Err(error_page("invalid_scope", "The openid scope is required."));
    }
    Ok(google)
}

fn account_label(a: &GoogleAccount) -> String {
    a.name.clone().unwrap_or_else(|| a.email.clone())
}

/// `GET /_google/authorize`: "Choose an account", one button per configured account (`#googleAccount-<n>`).
async fn choose_account(State(app): State<Shared>, Query(p): Query<Params>) -> Response {
    let google = match check(&app, &p) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let mut buttons = String::new();
    for (i, a) in google.accounts.iter().enumerate() {
        buttons.push_str(&format!(
            "<button type=submit name=account value={i} id=googleAccount-{i}>{}<small>{}</small></button>\n",
            esc(&account_label(a)),
            esc(&a.email)
        ));
    }
    page(
        "Sign in - Google Accounts",
        &format!(
            "<h1>Choose an account</h1>\n<p>to continue to the app</p>\n<form method=post action=\"/_google/authorize\" id=googleAccountForm>\n{}{buttons}</form>\n",
            hidden(&p, AUTHORIZE_KEYS)
        ),
    )
}

/// `POST /_google/authorize` with the chosen account: the consent page (`#googleAllow`, `#googleDeny`).
async fn consent_page(State(app): State<Shared>, Form(p): Form<Params>) -> Response {
    let google = match check(&app, &p) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let Some(account) = p
        .get("account")
        .and_then(|a| a.parse::<usize>().ok())
        .and_then(|i| google.accounts.get(i))
    else {
        return error_page("invalid_request", "Choose one of the accounts.");
    };
    let mut keys = AUTHORIZE_KEYS.to_vec();
    keys.push("account");
    page(
        "Sign in - Google Accounts",
        &format!(
            "<h1>Sign in to the app</h1>\n<p id=googleConsentAccount>{} ({})</p>\n<p>Google will share your name, email address and profile picture with the app.</p>\n<form method=post action=\"/_google/consent\" id=googleConsentForm>\n{}<div class=actions>\n<button type=submit name=consent value=deny id=googleDeny>Cancel</button>\n<button type=submit name=consent value=allow id=googleAllow>Continue</button>\n</div>\n</form>\n",
            esc(&account_label(account)),
            esc(&account.email),
            hidden(&p, &keys)
        ),
    )
}

fn back(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return error_page("invalid_request", "bad redirect URI");
    };
    url.query_pairs_mut().extend_pairs(params);
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(url.as_str()) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// `POST /_google/consent`: Allow → `?code=...&state=...`; Deny → `?error=access_denied&state=...`.
async fn consent(State(app): State<Shared>, Form(p): Form<Params>) -> Response {
    let google = match check(&app, &p) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let redirect_uri = p["redirect_uri"].clone();
    let state = p.get("state").cloned().unwrap_or_default();
    if p.get("consent").map(String::as_str) != Some("allow") {
        return back(
            &redirect_uri,
            &[("error", "access_denied"), ("state", &state)],
        );
    }
    let Some(account) = p
        .get("account")
        .and_then(|a| a.parse::<usize>().ok())
        .and_then(|i| google.accounts.get(i))
    else {
        return error_page("invalid_request", "Choose one of the accounts.");
    };
    let code = format!("4/{}", random_string(40, URL_SAFE));
    let scope = p.get("scope").cloned().unwrap_or_default();
    app.mem().google_codes.insert(
        code.clone(),
        GoogleCode {
            client_id: google.client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            sub: account.sub.clone(),
            nonce: p.get("nonce").cloned(),
            scope: scope.clone(),
            expires_at: unix_now() + CODE_SECONDS,
        },
    );
    back(
        &redirect_uri,
        &[("state", &state), ("code", &code), ("scope", &scope)],
    )
}

/// `POST /_google/token`: the authorization code (single use) for an ID token, with the client
/// authenticated by HTTP Basic or `client_secret` in the body.
async fn token(
    State(app): State<Shared>,
    headers: HeaderMap,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let Ok(Form(p)) = form else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Bad Request");
    };
    let (Some(google), Some(key)) = (app.config.google.clone(), app.google_key.as_ref()) else {
        return oauth_error(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "no [google] configured",
        );
    };
    let mut id = p.get("client_id").cloned();
    let mut secret = p.get("client_secret").cloned();
    if let Some((i, s)) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|d| {
            d.split_once(':')
                .map(|(i, s)| (i.to_string(), s.to_string()))
        })
    {
        id = Some(i);
        secret = Some(s);
    }
    if id.as_ref() != Some(&google.client_id) || secret.as_ref() != Some(&google.client_secret) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized");
    }
    if p.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Invalid grant_type",
        );
    }
    let code = p.get("code").map(String::as_str).unwrap_or("");
    let Some(c) = app.mem().google_codes.remove(code) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Bad Request");
    };
    let now = unix_now();
    if c.expires_at <= now || p.get("redirect_uri") != Some(&c.redirect_uri) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Bad Request");
    }
    let Some(account) = google.accounts.iter().find(|a| a.sub == c.sub) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Bad Request");
    };
    let mut claims = json!({
        "iss": google_issuer(&app),
        "azp": c.client_id,
        "aud": c.client_id,
        "sub": account.sub,
        "email": account.email,
        "email_verified": account.email_verified,
        "iat": now,
        "exp": now + ID_TOKEN_SECONDS,
    });
    for (name, value) in [
        ("name", &account.name),
        ("given_name", &account.given_name),
        ("family_name", &account.family_name),
    ] {
        if let Some(v) = value {
            claims[name] = json!(v);
        }
    }
    if let Some(n) = &c.nonce {
        claims["nonce"] = json!(n);
    }
    let mut r = Json(json!({
        "access_token": format!("ya29.{}", random_string(64, URL_SAFE)),
        "expires_in": ID_TOKEN_SECONDS - 1,
        "id_token": key.sign(&claims),
        "scope": c.scope,
        "token_type": "Bearer",
    }))
    .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn jwks(State(app): State<Shared>) -> Response {
    match &app.google_key {
        Some(k) => Json(json!({ "keys": [k.jwk()] })).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn discovery(State(app): State<Shared>) -> Response {
    if app.config.google.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let issuer = google_issuer(&app);
    let doc: Value = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/oauth2/v3/certs"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "claims_supported": ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "sub", "nonce"],
    });
    Json(doc).into_response()
}
