//! Managed login and the OAuth 2.0 / OIDC endpoints: /oauth2/authorize, /login, /oauth2/token,
//! /oauth2/revoke, /logout, /oauth2/userInfo and the per-pool discovery document and JWKS. The checks of
//! the authorize parameters, the code and session issuing and the page shell are public for
//! `login_pages.rs` (sign-up, password reset, the TOTP step, the return from an identity provider).

// Validation helpers return the finished refusal (an error page or a redirect) as `Err(Response)`;
// it is the cold path of a browser navigation, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::config::{Client, UserPool};
use crate::federation;
use crate::ids::{random_string, URL_SAFE};
use crate::mfa;
use crate::sign_in;
use crate::sign_up;
use crate::state::{AuthCode, LoginSession, Shared};
use crate::tokens::{SignIn, VerifyError};
use crate::users;
use crate::wire::{invalid_token, oauth_error};

pub const SESSION_COOKIE: &str = "cognito";

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/oauth2/authorize", get(authorize))
        .route("/login", get(login_page).post(login_submit))
        .route("/oauth2/token", post(token))
        .route("/oauth2/revoke", post(revoke))
        .route("/logout", get(logout))
        .route("/oauth2/userInfo", get(user_info).post(user_info))
        .route("/{pool}/.well-known/openid-configuration", get(discovery))
        .route("/{pool}/.well-known/jwks.json", get(jwks))
}

pub type Params = HashMap<String, String>;

/// The authorize parameters managed-login pages pass along (hidden fields, links).
pub const AUTHORIZE_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "identity_provider",
    "idp_identifier",
    "lang",
    "login_hint",
    "prompt",
];

/// Only the authorize parameters of `p`.
pub fn authorize_params(p: &Params) -> Params {
    p.iter()
        .filter(|(k, _)| AUTHORIZE_PARAMS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `p` as a query string (sorted, so that links are stable).
pub fn query_string(p: &Params) -> String {
    let mut pairs: Vec<(&String, &String)> = p.iter().collect();
    pairs.sort();
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// `302 Found`, as Cognito answers (axum's Redirect::to would be a 303).
pub fn found(location: &str) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    r.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/")),
    );
    r
}

/// A page for errors that cannot go back to the app (unknown client, unregistered redirect URI).
pub fn error_page(status: StatusCode, error: &str, description: &str) -> Response {
    let main = format!(
        "<h1>An error was encountered with the requested page.</h1><p id=error>{}</p><p id=description>{}</p>\n",
        esc(error),
        esc(description)
    );
    let body = crate::html::document("Error", MANAGED_LOGIN_STYLE, &main);
    (status, Html(body)).into_response()
}

pub fn redirect_with(uri: &str, params: &[(&str, &str)]) -> Response {
    let mut url = match url::Url::parse(uri) {
        Ok(u) => u,
        Err(_) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "bad redirect URI",
            )
        }
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    found(url.as_str())
}

/// What a valid authorize request resolves to.
pub struct AuthRequest {
    pub pool: UserPool,
    pub client: Client,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
}

impl AuthRequest {
    /// Back to the app with `?error=...&error_description=...&state=...`.
    pub fn error_redirect(&self, error: &str, description: &str) -> Response {
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(s) = &self.state {
            params.push(("state", s));
        }
        redirect_with(&self.redirect_uri, &params)
    }
}

/// Validates the authorize parameters. Errors are either a page (client / redirect problems) or a
/// redirect back to the app with `error=...`.
pub fn check_authorize(app: &Shared, p: &Params) -> Result<AuthRequest, Response> {
    let client_id = p.get("client_id").map(String::as_str).unwrap_or("");
    let Some((pool, client)) = app.config.client(client_id) else {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Client does not exist",
        ));
    };
    let redirect_uri = p.get("redirect_uri").map(String::as_str).unwrap_or("");
    if !client.callback_urls.iter().any(|u| u == redirect_uri) {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            "redirect_mismatch",
            "redirect_uri is not an allowed callback URL",
        ));
    }
    let state = p.get("state").cloned();
    let back = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(s) = &state {
            params.push(("state", s));
        }
        Err(redirect_with(redirect_uri, &params))
    };
    match p.get("response_type").map(String::as_str) {
        Some("code") => {}
        Some("token") => {
            return back(
                "unauthorized_client",
                "The implicit grant is not allowed for this client",
            )
        }
        Some(_) => return back("unsupported_response_type", "response_type must be code"),
        None => return back("invalid_request", "response_type is required"),
    }
    let scopes: Vec<String> = match p
        .get("scope")
        .map(|s| s.split_whitespace().map(String::from).collect::<Vec<_>>())
    {
        Some(s) if !s.is_empty() => s,
        _ => client.allowed_scopes.clone(),
    };
    if let Some(bad) = scopes.iter().find(|s| !client.allowed_scopes.contains(s)) {
        return back(
            "invalid_scope",
            &format!("scope {bad} is not allowed for this client"),
        );
    }
    let challenge = p.get("code_challenge").filter(|c| !c.is_empty()).cloned();
    match (
        p.get("code_challenge_method").map(String::as_str),
        &challenge,
    ) {
        (Some("S256"), Some(c)) => {
            if c.len() != 43 || URL_SAFE_NO_PAD.decode(c).is_err() {
                return back(
                    "invalid_request",
                    "code_challenge must be a base64url SHA-256 (43 characters)",
                );
            }
        }
        (Some("S256"), None) => return back("invalid_request", "code_challenge is required"),
        (Some(_), _) => return back("invalid_request", "code_challenge_method must be S256"),
        (None, Some(_)) => {
            return back(
                "invalid_request",
                "code_challenge_method is required (S256)",
            )
        }
        (None, None) if client.require_pkce => {
            return back("invalid_request", "PKCE (code_challenge, S256) is required")
        }
        (None, None) => {}
    }
    if let Some(idp) = p.get("identity_provider").filter(|s| !s.is_empty()) {
        if !client.identity_providers.iter().any(|x| x == idp) {
            return back(
                "invalid_request",
                &format!("identity provider {idp} is not enabled for this client"),
            );
        }
    }
    if let Some(ident) = p.get("idp_identifier").filter(|s| !s.is_empty()) {
        // The provider whose identifiers include it, and which the client may use.
        let usable = pool
            .provider_by_identifier(ident)
            .is_some_and(|idp| client.identity_providers.contains(&idp.name));
        if !usable {
            return back(
                "invalid_request",
                &format!("No identity provider with identifier {ident} is enabled for this client"),
            );
        }
    }
    Ok(AuthRequest {
        pool: pool.clone(),
        client: client.clone(),
        redirect_uri: redirect_uri.to_string(),
        scopes,
        state,
        nonce: p.get("nonce").cloned(),
        code_challenge: challenge,
    })
}

fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == SESSION_COOKIE).then(|| v.to_string())
        })
}

/// The live managed-login session of the request's `cognito` cookie, if any.
pub fn login_session(app: &Shared, headers: &HeaderMap) -> Option<LoginSession> {
    let sid = session_id(headers)?;
    let now = app.now();
    let mem = app.mem();
    let s = mem.sessions.get(&sid).filter(|s| s.expires_at > now)?;
    Some(LoginSession {
        pool_id: s.pool_id.clone(),
        username: s.username.clone(),
        auth_time: s.auth_time,
        expires_at: s.expires_at,
    })
}

/// Issues a code for the request and redirects back to the app.
pub fn issue_code(app: &Shared, req: &AuthRequest, username: &str, auth_time: i64) -> Response {
    let code = random_string(36, URL_SAFE);
    let code_secs = app
        .knobs()
        .lifetimes
        .code_seconds
        .unwrap_or(app.config.server.code_seconds);
    app.mem().codes.insert(
        code.clone(),
        AuthCode {
            client_id: req.client.id.clone(),
            pool_id: req.pool.id.clone(),
            redirect_uri: req.redirect_uri.clone(),
            scopes: req.scopes.clone(),
            nonce: req.nonce.clone(),
            code_challenge: req.code_challenge.clone(),
            username: username.to_string(),
            auth_time,
            expires_at: app.now() + code_secs as i64,
        },
    );
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = &req.state {
        params.push(("state", s));
    }
    redirect_with(&req.redirect_uri, &params)
}

async fn authorize(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let req = match check_authorize(&app, &p) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    // identity_provider=Google (a pool's federated provider), or an idp_identifier of one, goes
    // straight there.
    let idp = p
        .get("identity_provider")
        .and_then(|name| req.pool.identity_provider(name))
        .or_else(|| {
            p.get("idp_identifier")
                .and_then(|i| req.pool.provider_by_identifier(i))
        });
    if let Some(idp) = idp {
        return match federation::federation_redirect(&app, &req.pool, idp, &p).await {
            Ok(to) => found(&to),
            Err(why) => req.error_redirect("server_error", &why),
        };
    }
    // A live managed-login session skips the form (unless the app asks for prompt=login).
    if p.get("prompt").map(String::as_str) != Some("login") {
        {
            let session = login_session(&app, &headers)
                .filter(|s| s.pool_id == req.pool.id)
                .map(|s| (s.username, s.auth_time));
            if let Some((username, auth_time)) = session {
                let usable = app
                    .store()
                    .users
                    .get(&req.pool.id)
                    .and_then(|u| u.get(&username))
                    .is_some_and(|u| u.enabled);
                if usable {
                    return issue_code(&app, &req, &username, auth_time);
                }
            }
        }
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(p.iter())
        .finish();
    found(&format!("/login?{query}"))
}

async fn login_page(State(app): State<Shared>, Query(p): Query<Params>) -> Response {
    let req = match check_authorize(&app, &p) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    Html(render_login(&p, &req, None)).into_response()
}

async fn login_submit(State(app): State<Shared>, Form(mut p): Form<Params>) -> Response {
    if let Some(email) = p.remove("corporate_email") {
        return corporate_sign_in(&app, &p, email.trim());
    }
    let username = p.remove("username").unwrap_or_default();
    let password = p.remove("password").unwrap_or_default();
    let req = match check_authorize(&app, &p) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let user = users::find_user(&app.store(), &req.pool, &username);
    // One hash check per try.
    let right = user
        .as_ref()
        .is_some_and(|u| users::password_matches(u, &password));
    let error = match &user {
        Some(u) if right && !u.enabled => Some("User is disabled."),
        Some(u) if right && u.status == users::UNCONFIRMED => {
            // As Cognito's managed login: a new code, and the confirmation page.
            let mut store = app.store();
            let sent = sign_up::resend_confirmation_code(&app, &mut store, &req.pool, &u.username);
            app.persist(&store);
            if let Err(e) = sent {
                p.insert("username".into(), username);
                return Html(render_login(&p, &req, Some(&e.message))).into_response();
            }
            let mut q = authorize_params(&p);
            q.insert("username".into(), u.username.clone());
            return found(&format!("/confirm?{}", query_string(&q)));
        }
        Some(u) if right && u.status != "CONFIRMED" => {
            Some("This user must change their password; devstack does not implement that step (set a permanent password with AdminSetUserPassword).")
        }
        Some(_) if right => None,
        _ => Some("Incorrect username or password."),
    };
    if let Some(error) = error {
        p.insert("username".into(), username);
        return (StatusCode::OK, Html(render_login(&p, &req, Some(error)))).into_response();
    }
    let user = user.expect("checked");
    let caller = crate::triggers::Caller::client(&req.client.id);
    if let Err(e) = crate::triggers::pre_authentication(&app, &req.pool, &user, &caller) {
        p.insert("username".into(), username);
        return Html(render_login(&p, &req, Some(&e.message))).into_response();
    }
    if mfa::totp_required(&app.store(), &req.pool, &user.username) {
        // The MFA step (login_pages.rs) before the code: TOTP, or a code sent by SMS or email.
        // Several factors and none preferred: the chooser first (SELECT_MFA_TYPE).
        let step = sign_in::mfa_challenge(&app, &app.store(), &req.pool, &user, None, &caller);
        let (session, name, _) = match step {
            Ok(step) => step,
            Err(e) => {
                p.insert("username".into(), username);
                return Html(render_login(&p, &req, Some(&e.message))).into_response();
            }
        };
        let page = if name == "SELECT_MFA_TYPE" {
            "/mfa-select"
        } else {
            "/mfa"
        };
        let mut q = authorize_params(&p);
        q.insert("mfa_session".into(), session);
        return found(&format!("{page}?{}", query_string(&q)));
    }
    if req.pool.mfa_configuration == "ON" {
        // MFA is required and the user has no factor: the set-up step, with a new secret.
        let session = sign_in::mfa_setup_session(&app, &req.pool.id, &user.username, None, false);
        {
            let mut store = app.store();
            mfa::associate_software_token(&mut store, &req.pool.id, &user.username);
            app.persist(&store);
        }
        let mut q = authorize_params(&p);
        q.insert("mfa_session".into(), session);
        return found(&format!("/mfa-setup?{}", query_string(&q)));
    }
    signed_in(&app, &req, &user.username)
}

/// The corporate e-mail field: its domain as `idp_identifier` (the provider whose identifiers include
/// it), or the sign-in page again with an error.
fn corporate_sign_in(app: &Shared, p: &Params, email: &str) -> Response {
    let req = match check_authorize(app, p) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or(email);
    let usable = req
        .pool
        .provider_by_identifier(domain)
        .is_some_and(|idp| req.client.identity_providers.contains(&idp.name));
    if domain.is_empty() || !usable {
        return Html(render_login(
            p,
            &req,
            Some("No identity provider is configured for this email address."),
        ))
        .into_response();
    }
    let mut q = authorize_params(p);
    q.remove("identity_provider");
    q.insert("idp_identifier".into(), domain.to_string());
    found(&format!("/oauth2/authorize?{}", query_string(&q)))
}

/// A finished sign-in: a new managed-login session (the `cognito` cookie) and a code for the app.
pub fn signed_in(app: &Shared, req: &AuthRequest, username: &str) -> Response {
    let user = users::find_user(&app.store(), &req.pool, username);
    if let Some(user) = user {
        let caller = crate::triggers::Caller::client(&req.client.id);
        if let Err(e) = crate::triggers::post_authentication(app, &req.pool, &user, &caller) {
            return error_page(StatusCode::BAD_REQUEST, e.ty, &e.message);
        }
    }
    let now = app.now();
    let session_secs = app
        .knobs()
        .lifetimes
        .session_seconds
        .unwrap_or(app.config.server.session_seconds);
    let sid = random_string(48, URL_SAFE);
    app.mem().sessions.insert(
        sid.clone(),
        LoginSession {
            pool_id: req.pool.id.clone(),
            username: username.to_string(),
            auth_time: now,
            expires_at: now + session_secs as i64,
        },
    );
    let mut resp = issue_code(app, req, username, now);
    let cookie =
        format!("{SESSION_COOKIE}={sid}; Path=/; Max-Age={session_secs}; HttpOnly; SameSite=Lax");
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("ascii"),
    );
    resp
}

pub use crate::html::esc;

/// `<input type=hidden>` lines for the parameters (one a line, sorted).
pub fn hidden_inputs(p: &Params) -> String {
    let mut keys: Vec<&String> = p.keys().collect();
    keys.sort();
    keys.into_iter()
        .map(|k| {
            format!(
                "<input type=hidden name=\"{}\" value=\"{}\">\n",
                esc(k),
                esc(&p[k])
            )
        })
        .collect()
}

/// An error (`.error`, role alert) or notice (`.notice`) paragraph with Cognito's message.
pub fn message_html(id: &str, error: Option<&str>, notice: Option<&str>) -> String {
    match (error, notice) {
        (Some(e), _) => format!("<p class=error id={id} role=alert>{}</p>\n", esc(e)),
        (None, Some(n)) => format!("<p class=notice id={id}Notice role=status>{}</p>\n", esc(n)),
        (None, None) => String::new(),
    }
}

/// The managed-login look of every page (its style sheet).
const MANAGED_LOGIN_STYLE: &str = r#"body{font-family:system-ui,sans-serif;background:#f2f3f3;display:flex;justify-content:center;padding-top:8vh;margin:0}
main{background:#fff;padding:2rem 2.5rem;border-radius:8px;box-shadow:0 1px 4px #0003;width:20rem}
h1{font-size:1.3rem;margin-top:0} label{display:block;margin:.8rem 0 .3rem;font-size:.9rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin-top:1.2rem;width:100%;padding:.6rem;font-size:1rem;background:#ec7211;color:#fff;border:0;border-radius:4px;cursor:pointer}
button.secondary{background:#fff;color:#0972d3;border:1px solid #0972d3}
a.idp{display:block;text-align:center;margin:1rem 0;padding:.6rem;border:1px solid #5f6368;border-radius:4px;color:#3c4043;text-decoration:none}
a{color:#0972d3} .links{font-size:.85rem;margin-top:1rem} .or{text-align:center;color:#666;font-size:.85rem}
.error{color:#b00020;background:#fdecea;padding:.5rem;border-radius:4px}
.notice{color:#1d5c2e;background:#e9f7ec;padding:.5rem;border-radius:4px}
.note{color:#666;font-size:.75rem;margin-top:1rem}"#;

/// The managed-login page shell (the look of every page): `title` and `main` (HTML, escaped by the caller).
pub fn page(title: &str, main: &str) -> String {
    let main = format!("{main}<p class=note>devstack managed login (local Amazon Cognito)</p>\n");
    crate::html::document(title, MANAGED_LOGIN_STYLE, &main)
}

/// The sign-in page: the providers, the password form, "Sign in with a passkey" (its script asks
/// `passkey_pages.rs` for the challenge of the user named) and the links.
pub fn render_login(p: &Params, req: &AuthRequest, error: Option<&str>) -> String {
    let mut hidden_params = p.clone();
    hidden_params.remove("username");
    let hidden = hidden_inputs(&hidden_params);
    let username = p
        .get("username")
        .or_else(|| p.get("login_hint"))
        .map(|u| esc(u))
        .unwrap_or_default();
    let error_html = error
        .map(|e| {
            format!(
                "<p class=error id=loginErrorMessage role=alert>{}</p>",
                esc(e)
            )
        })
        .unwrap_or_default();
    let mut links_params = authorize_params(p);
    links_params.remove("identity_provider");
    let mut idps = String::new();
    for idp in &req.pool.identity_providers {
        if req.client.identity_providers.contains(&idp.name) {
            let mut q = links_params.clone();
            q.insert("identity_provider".into(), idp.name.clone());
            let id = if idp.provider_type == "Google" {
                "googleSignInButton".to_string()
            } else {
                format!("idpButton-{}", esc(&idp.name))
            };
            idps.push_str(&format!(
                "<a class=idp id={id} href=\"/oauth2/authorize?{}\">Continue with {}</a>\n",
                esc(&query_string(&q)),
                esc(&idp.name)
            ));
        }
    }
    let corporate = req.pool.identity_providers.iter().any(|idp| {
        !idp.idp_identifiers.is_empty() && req.client.identity_providers.contains(&idp.name)
    });
    if corporate {
        // Cognito's "Sign in with your corporate ID": the e-mail's domain picks the provider.
        idps.push_str(&format!(
            "<form method=post action=\"/login\" id=idpIdentifierForm>\n{}<label for=idpIdentifierEmail>Corporate email</label>\n<input id=idpIdentifierEmail name=corporate_email type=text autocomplete=email autocapitalize=none required>\n<button type=submit class=secondary id=idpIdentifierSubmit>Sign in with your corporate ID</button>\n</form>\n",
            hidden_inputs(&links_params)
        ));
    }
    if !idps.is_empty() {
        idps.push_str("<p class=or>or</p>\n");
    }
    let links = esc(&query_string(&links_params));
    let sign_up = if req.pool.allow_admin_create_user_only {
        String::new()
    } else {
        format!("<br>Need an account? <a id=signUpLink href=\"/signup?{links}\">Sign up</a>")
    };
    let passkey = PASSKEY_FORM;
    let label = if req.pool.email_is_username() {
        "Email"
    } else {
        "Username"
    };
    page(
        "Sign in",
        &format!(
            r#"<h1>Sign in with your username and password</h1>
{error_html}
{idps}<form method=post action="/login" id=signInForm>
{hidden}<label for=signInFormUsername>{label}</label>
<input id=signInFormUsername name=username type=text autocomplete=username autocapitalize=none required value="{username}">
<label for=signInFormPassword>Password</label>
<input id=signInFormPassword name=password type=password autocomplete=current-password required>
<button type=submit name=signInSubmitButton id=signInSubmitButton>Sign in</button>
</form>
{passkey}<p class=links><a id=forgotPasswordLink href="/forgotPassword?{links}">Forgot your password?</a>{sign_up}</p>
"#
        ),
    )
}

/// The sign-in page's passkey button and its script: the sign-in form's authorize parameters and
/// user name (not its password) go to `/login/passkey/options`, the signed challenge to `/login/passkey`.
const PASSKEY_FORM: &str = r#"<div id=passkeySignIn>
<button type=button class=secondary id=passkeySignInButton>Sign in with a passkey</button>
<p class=error id=passkeyError role=alert hidden></p>
</div>
<script>
document.getElementById('passkeySignInButton').addEventListener('click', async () => {
  const say = (text) => { const e = document.getElementById('passkeyError'); e.textContent = text; e.hidden = false; };
  const data = new FormData(document.getElementById('signInForm'));
  data.delete('password');
  data.set('username', String(data.get('username') ?? '').trim());
  if (!data.get('username')) return say('Enter your username, then sign in with a passkey.');
  try {
    const answer = await fetch('/login/passkey/options', { method: 'POST', body: new URLSearchParams(data) });
    const body = await answer.json();
    if (!answer.ok) return say(body.message);
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(body.options);
    const credential = await navigator.credentials.get({ publicKey });
    data.set('session', body.session);
    data.set('credential', JSON.stringify(credential.toJSON()));
    const form = document.createElement('form');
    form.method = 'post';
    form.action = '/login/passkey';
    for (const [name, value] of data) {
      const input = document.createElement('input');
      Object.assign(input, { type: 'hidden', name, value });
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  } catch (e) {
    say(e.name === 'NotAllowedError' ? 'The passkey prompt was cancelled.' : `Passkey sign-in failed: ${e.message}`);
  }
});
</script>
"#;

/// Authenticates the client of a token/revoke request: client_id in the body (public clients), or
/// HTTP Basic / client_secret for confidential ones.
fn client_auth(
    app: &Shared,
    headers: &HeaderMap,
    p: &Params,
) -> Result<(UserPool, Client), Response> {
    let mut id = p.get("client_id").cloned();
    let mut secret = p.get("client_secret").cloned();
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = STANDARD
            .decode(basic.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        match decoded.as_deref().and_then(|d| d.split_once(':')) {
            Some((i, s)) => {
                id = Some(i.to_string());
                secret = Some(s.to_string());
            }
            None => {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_client",
                    "malformed Basic authorization",
                ))
            }
        }
    }
    let Some(id) = id else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id is required",
        ));
    };
    let Some((pool, client)) = app.config.client(&id) else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "Client does not exist",
        ));
    };
    if client.secret.is_some() && client.secret != secret {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "Client authentication failed",
        ));
    }
    Ok((pool.clone(), client.clone()))
}

async fn token(
    State(app): State<Shared>,
    headers: HeaderMap,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let Ok(Form(p)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    };
    let (pool, client) = match client_auth(&app, &headers, &p) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let issued = match p.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = p.get("code").map(String::as_str).unwrap_or("");
            // Single use: the code is gone as soon as anyone presents it.
            let Some(ac) = app.mem().codes.remove(code) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "authorization code is invalid or was already used",
                );
            };
            if ac.expires_at <= app.now() {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "authorization code has expired",
                );
            }
            if ac.client_id != client.id {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "authorization code was issued to another client",
                );
            }
            if p.get("redirect_uri") != Some(&ac.redirect_uri) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri does not match the authorize request",
                );
            }
            if let Some(challenge) = &ac.code_challenge {
                let verifier = p.get("code_verifier").map(String::as_str).unwrap_or("");
                let well_formed = (43..=128).contains(&verifier.len())
                    && verifier
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
                if !well_formed
                    || URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != *challenge
                {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "code_verifier does not match code_challenge",
                    );
                }
            }
            let mut store = app.store();
            let Some(user) = store
                .users
                .get(&pool.id)
                .and_then(|u| u.get(&ac.username))
                .filter(|u| u.enabled)
                .cloned()
            else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "user no longer exists or is disabled",
                );
            };
            let with_id = ac.scopes.iter().any(|s| s == "openid");
            let issued = app.sign_in(
                &mut store,
                SignIn {
                    pool_id: &pool.id,
                    client: &client,
                    user: &user,
                    scopes: ac.scopes.clone(),
                    id_token: with_id,
                    nonce: ac.nonce.clone(),
                    auth_time: ac.auth_time,
                    source: "TokenGeneration_HostedAuth",
                },
            );
            let issued = match issued {
                Ok(i) => i,
                // PreTokenGeneration refused (devstack's guess of the token endpoint's answer).
                Err(e) => {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e.message)
                }
            };
            app.persist(&store);
            issued
        }
        Some("refresh_token") => {
            let token = p.get("refresh_token").map(String::as_str).unwrap_or("");
            let mut store = app.store();
            match app.refresh(&mut store, &client, token) {
                Ok(i) => {
                    app.persist(&store);
                    i
                }
                Err(crate::tokens::RefreshError::Trigger(e)) => {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e.message)
                }
                Err(e) => {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", &e.message())
                }
            }
        }
        Some("client_credentials") => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                "client_credentials is not allowed for this client",
            )
        }
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "unsupported grant_type",
            )
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            )
        }
    };
    let mut r = Json(issued.oauth_json()).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn revoke(
    State(app): State<Shared>,
    headers: HeaderMap,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let Ok(Form(p)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    };
    let (_, client) = match client_auth(&app, &headers, &p) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(token) = p.get("token").filter(|t| !t.is_empty()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    if token.split('.').count() == 3 && token.starts_with("eyJ") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_token_type",
            "only refresh tokens can be revoked",
        );
    }
    let mut store = app.store();
    if !app.revoke(&mut store, &client.id, token) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "the token was not issued to this client",
        );
    }
    app.persist(&store);
    StatusCode::OK.into_response()
}

async fn logout(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let client_id = p.get("client_id").map(String::as_str).unwrap_or("");
    let Some((_, client)) = app.config.client(client_id) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Client does not exist",
        );
    };
    // Either `logout_uri` (sign out and go back) or the authorize parameters (sign out and sign in again).
    let target = if let Some(uri) = p.get("logout_uri") {
        if !client.logout_urls.iter().any(|u| u == uri) {
            return error_page(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "logout_uri is not an allowed sign-out URL",
            );
        }
        uri.clone()
    } else if p.contains_key("redirect_uri") {
        if let Err(r) = check_authorize(&app, &p) {
            return r;
        }
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(p.iter().filter(|(k, _)| k.as_str() != "logout_uri"))
            .finish();
        format!("/login?{query}")
    } else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "logout_uri is required",
        );
    };
    if let Some(sid) = session_id(&headers) {
        app.mem().sessions.remove(&sid);
    }
    let mut resp = found(&target);
    let cookie = format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("ascii"),
    );
    resp
}

async fn user_info(State(app): State<Shared>, headers: HeaderMap) -> Response {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return invalid_token(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "Bearer access token is required",
        );
    };
    let verified = {
        let store = app.store();
        app.verify(&store, token.trim(), "access")
    };
    let v = match verified {
        Ok(v) => v,
        Err(e) => {
            let what = if e == VerifyError::Revoked {
                "Access token"
            } else {
                "Access Token"
            };
            return invalid_token(StatusCode::UNAUTHORIZED, "invalid_token", &e.message(what));
        }
    };
    let scopes = v.claims.get("scope").and_then(Value::as_str).unwrap_or("");
    if !scopes.split(' ').any(|s| s == "openid") {
        return invalid_token(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "the openid scope is required",
        );
    }
    let mut out = serde_json::Map::new();
    out.insert("sub".into(), json!(v.user.sub));
    for (k, val) in &v.user.attributes {
        out.insert(k.clone(), json!(val));
    }
    out.insert("username".into(), json!(v.user.username));
    Json(Value::Object(out)).into_response()
}

async fn discovery(State(app): State<Shared>, Path(pool): Path<String>) -> Response {
    let Some(pool) = app.config.user_pool(&pool) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "message": "User pool does not exist" })),
        )
            .into_response();
    };
    let base = &app.base_url;
    let issuer = app.issuer(&pool.id);
    let mut scopes: Vec<String> = pool
        .clients
        .iter()
        .flat_map(|c| c.allowed_scopes.clone())
        .collect();
    scopes.sort();
    scopes.dedup();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/oauth2/authorize"),
        "token_endpoint": format!("{base}/oauth2/token"),
        "userinfo_endpoint": format!("{base}/oauth2/userInfo"),
        "revocation_endpoint": format!("{base}/oauth2/revoke"),
        "end_session_endpoint": format!("{base}/logout"),
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": scopes,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "email", "email_verified", "cognito:username", "cognito:groups"],
    }))
    .into_response()
}

async fn jwks(State(app): State<Shared>, Path(pool): Path<String>) -> Response {
    match app.keys.get(&pool) {
        Some(k) => Json(k.jwks()).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({ "message": "User pool does not exist" })),
        )
            .into_response(),
    }
}
