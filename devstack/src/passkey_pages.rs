//! Passkeys in managed login, on top of `oauth.rs`'s sign-in page and `passkeys.rs`'s relying party:
//! "Sign in with a passkey" on `/login` (the page asks `/login/passkey/options` for the WEB_AUTHN
//! challenge of the user named, the browser's `navigator.credentials.get` signs it, and the form posts
//! the credential to `/login/passkey`: signed in and back to the app with a code, as after a password),
//! and Cognito's `/passkeys/add?client_id=…&redirect_uri=…`, where a user signed in to managed login
//! (its session cookie) registers a passkey and goes back to the app. The pages use the browser's
//! `PublicKeyCredential.parse*OptionsFromJSON` and `toJSON()` (Chromium 129, Firefox 119, Safari 18).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde_json::{json, Value};

use crate::oauth::{
    check_authorize, error_page, esc, found, hidden_inputs, login_session, page, render_login,
    signed_in, Params,
};
use crate::passkeys::{self, Owner};
use crate::state::Shared;
use crate::users;

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/login/passkey/options", post(sign_in_options))
        .route("/login/passkey", post(sign_in_submit))
        .route("/passkeys/add", get(add_page).post(add_submit))
        .route("/passkeys/add/options", post(add_options))
}

/// A JSON refusal the page's script shows: `{ __type, message }`.
fn refusal(status: StatusCode, ty: &str, message: &str) -> Response {
    (status, Json(json!({ "__type": ty, "message": message }))).into_response()
}

/// `POST /login/passkey/options`: the WEB_AUTHN challenge of the user named, `{ session, options }`.
async fn sign_in_options(State(app): State<Shared>, Form(mut p): Form<Params>) -> Response {
    let name = p.remove("username").unwrap_or_default();
    let req = match check_authorize(&app, &p) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let store = app.store();
    let username = users::find_username(&store, &req.pool, &name)
        .filter(|u| passkeys::has_passkey(&store, &req.pool.id, u));
    let Some(username) = username else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "InvalidParameterException",
            "No passkey is registered for this user.",
        );
    };
    let challenge = match passkeys::challenge(&app, &store, &req.pool, &req.client, &username) {
        Ok(c) => c,
        Err(e) => return refusal(StatusCode::BAD_REQUEST, e.ty, &e.message),
    };
    let options = challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
        .as_str()
        .and_then(|o| serde_json::from_str::<Value>(o).ok());
    Json(json!({ "session": challenge["Session"], "options": options })).into_response()
}

/// `POST /login/passkey`: the signed challenge; signed in (the managed-login session and a code for
/// the app), or the sign-in page again with Cognito's refusal.
async fn sign_in_submit(State(app): State<Shared>, Form(mut p): Form<Params>) -> Response {
    let name = p.remove("username").unwrap_or_default();
    let session = p.remove("session").unwrap_or_default();
    let credential = p.remove("credential").unwrap_or_default();
    let req = match check_authorize(&app, &p) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let verified =
        passkeys::verify_sign_in(&app, &req.pool, &req.client, &session, &name, &credential)
            .map(|(_, user)| user);
    match verified {
        Ok(user) => signed_in(&app, &req, &user.username),
        Err(e) => {
            p.insert("username".into(), name);
            Html(render_login(&p, &req, Some(&e.message))).into_response()
        }
    }
}

/// Why a `/passkeys/add` request is refused: its status, OAuth-style error and message, shown as a
/// page or, to the page's script, as JSON.
struct Refusal(StatusCode, &'static str, &'static str);

impl Refusal {
    fn page(&self) -> Response {
        error_page(self.0, self.1, self.2)
    }

    fn json(&self) -> Response {
        refusal(self.0, self.1, self.2)
    }
}

/// The user signed in to managed login and the app client of a `/passkeys/add` request whose
/// `redirect_uri` is one of the client's callback URLs.
fn owner(app: &Shared, headers: &HeaderMap, p: &Params) -> Result<(Owner, String), Refusal> {
    let client_id = p.get("client_id").map(String::as_str).unwrap_or_default();
    let redirect_uri = p.get("redirect_uri").cloned().unwrap_or_default();
    let Some((pool, client)) = app.config.client(client_id) else {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id is not a client of this user pool",
        ));
    };
    if !client.callback_urls.contains(&redirect_uri) {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "redirect_mismatch",
            "redirect_uri is not a callback URL of the app client",
        ));
    }
    let not_signed_in = || {
        Refusal(
            StatusCode::UNAUTHORIZED,
            "not_signed_in",
            "Sign in with the managed login first, then add a passkey.",
        )
    };
    let session = login_session(app, headers).filter(|s| s.pool_id == pool.id);
    let session = session.ok_or_else(not_signed_in)?;
    let user = users::find_user(&app.store(), pool, &session.username).ok_or_else(not_signed_in)?;
    let owner = Owner {
        pool: pool.clone(),
        username: user.username,
        sub: user.sub,
        client_id: client.id.clone(),
    };
    Ok((owner, redirect_uri))
}

fn render_add(p: &Params, redirect_uri: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=error id=passkeyError role=alert>{}</p>\n", esc(e)))
        .unwrap_or_else(|| "<p class=error id=passkeyError role=alert hidden></p>\n".into());
    let carried: Params = p
        .iter()
        .filter(|(k, _)| *k == "client_id" || *k == "redirect_uri")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let hidden = hidden_inputs(&carried);
    page(
        "Add a passkey",
        &format!(
            r#"<h1>Add a passkey</h1>
<p>Sign in next time with your fingerprint, face or screen lock instead of a password.</p>
{error}<form method=post action="/passkeys/add" id=addPasskeyForm>
{hidden}<input name=credential type=hidden id=addPasskeyCredential>
<button type=button id=addPasskeyButton>Add a passkey</button>
</form>
<p class=links><a id=skipPasskeyLink href="{}">Not now</a></p>
<script>
document.getElementById('addPasskeyButton').addEventListener('click', async () => {{
  const form = document.getElementById('addPasskeyForm');
  const say = (text) => {{ const e = document.getElementById('passkeyError'); e.textContent = text; e.hidden = false; }};
  try {{
    const answer = await fetch('/passkeys/add/options', {{ method: 'POST', body: new URLSearchParams(new FormData(form)) }});
    const body = await answer.json();
    if (!answer.ok) return say(body.message);
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(body.options);
    const credential = await navigator.credentials.create({{ publicKey }});
    form.credential.value = JSON.stringify(credential.toJSON());
    form.submit();
  }} catch (e) {{
    say(e.name === 'NotAllowedError' ? 'The passkey prompt was cancelled.'
      : e.name === 'InvalidStateError' ? 'This device already has a passkey for your account.'
      : `Adding a passkey failed: ${{e.message}}`);
  }}
}});
</script>
"#,
            esc(redirect_uri)
        ),
    )
}

/// `GET /passkeys/add`: the page, for a user signed in to managed login.
async fn add_page(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    match owner(&app, &headers, &p) {
        Ok((_, redirect_uri)) => Html(render_add(&p, &redirect_uri, None)).into_response(),
        Err(refused) => refused.page(),
    }
}

/// `POST /passkeys/add/options`: StartWebAuthnRegistration for the signed-in user, `{ options }`.
async fn add_options(
    State(app): State<Shared>,
    headers: HeaderMap,
    Form(p): Form<Params>,
) -> Response {
    let (owner, _) = match owner(&app, &headers, &p) {
        Ok(o) => o,
        Err(refused) => return refused.json(),
    };
    match passkeys::start_for(&app, &owner) {
        Ok(started) => {
            Json(json!({ "options": started["CredentialCreationOptions"] })).into_response()
        }
        Err(e) => refusal(StatusCode::BAD_REQUEST, e.ty, &e.message),
    }
}

/// `POST /passkeys/add`: the new credential (a RegistrationResponseJSON), verified and kept; back to
/// the app's `redirect_uri`, or the page again with Cognito's refusal.
async fn add_submit(
    State(app): State<Shared>,
    headers: HeaderMap,
    Form(mut p): Form<Params>,
) -> Response {
    let credential = p.remove("credential").unwrap_or_default();
    let (owner, redirect_uri) = match owner(&app, &headers, &p) {
        Ok(o) => o,
        Err(refused) => return refused.page(),
    };
    let parsed = serde_json::from_str::<Value>(&credential).unwrap_or(Value::Null);
    let done = if parsed.is_object() {
        passkeys::complete_for(&app, &owner, &parsed)
    } else {
        Err(crate::wire::bad(
            "InvalidParameterException",
            "Credential is required",
        ))
    };
    match done {
        Ok(_) => found(&redirect_uri),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Html(render_add(&p, &redirect_uri, Some(&e.message))),
        )
            .into_response(),
    }
}
