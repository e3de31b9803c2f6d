//! Managed login's other pages, on top of `oauth.rs`'s authorize checks and sign-in: sign-up
//! (`/signup`) and its confirmation (`/confirm`, `/resendCode`), then signed in and back to the app with
//! a code as Cognito does; password recovery (`/forgotPassword`, `/confirmForgotPassword`); the MFA step
//! of a sign-in (`/mfa-select`, the choice of a factor when several are on and none preferred; `/mfa`,
//! the code); and the return from an identity provider (`/oauth2/idpresponse`: the code is
//! exchanged at the provider's token endpoint and its ID token verified against the provider's JWKS
//! before the federated user is signed in). Every page carries the authorize parameters along.

// Validation helpers return the finished refusal (a page or a redirect) as `Err(Response)`.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};

use crate::codes;
use crate::federation;
use crate::mfa;
use crate::oauth::{
    authorize_params, check_authorize, error_page, esc, found, hidden_inputs, message_html, page,
    query_string, signed_in, AuthRequest, Params,
};
use crate::sign_in;
use crate::sign_up;
use crate::state::Shared;
use crate::triggers;
use crate::users;

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/signup", get(sign_up_page).post(sign_up_submit))
        .route("/confirm", get(confirm_page).post(confirm_submit))
        .route("/resendCode", axum::routing::post(resend_code))
        .route("/forgotPassword", get(forgot_page).post(forgot_submit))
        .route(
            "/confirmForgotPassword",
            get(confirm_forgot_page).post(confirm_forgot_submit),
        )
        .route("/mfa", get(mfa_page).post(mfa_submit))
        .route("/mfa-select", get(mfa_select_page).post(mfa_select_submit))
        .route("/mfa-setup", get(mfa_setup_page).post(mfa_setup_submit))
        .route("/oauth2/idpresponse", get(idp_response))
}

fn html(body: String) -> Response {
    (StatusCode::OK, Html(body)).into_response()
}

fn field(p: &Params, name: &str) -> String {
    p.get(name).cloned().unwrap_or_default()
}

/// The authorize parameters and `extra` as hidden fields.
fn carried(p: &Params, extra: &[(&str, &str)]) -> String {
    let mut h = authorize_params(p);
    for (k, v) in extra {
        h.insert(k.to_string(), v.to_string());
    }
    hidden_inputs(&h)
}

/// A link to another page with the authorize parameters and `extra`.
fn link(path: &str, p: &Params, extra: &[(&str, &str)]) -> String {
    let mut q = authorize_params(p);
    for (k, v) in extra {
        q.insert(k.to_string(), v.to_string());
    }
    format!("{path}?{}", query_string(&q))
}

fn back_to_sign_in(p: &Params) -> String {
    format!(
        "<p class=links><a id=signInLink href=\"{}\">Back to sign in</a></p>\n",
        esc(&link("/login", p, &[]))
    )
}

// ---- Sign-up

/// The id of an attribute's input: `#signUpFormEmail`, `#signUpFormPhoneNumber`, `#signUpForm-<name>`.
fn attribute_input_id(name: &str) -> String {
    match name {
        "email" => "signUpFormEmail".into(),
        "phone_number" => "signUpFormPhoneNumber".into(),
        other => format!("signUpForm-{}", other.replace(':', "-")),
    }
}

fn attribute_label(name: &str) -> String {
    match name {
        "email" => "Email".into(),
        "phone_number" => "Phone number".into(),
        other => other
            .trim_start_matches("custom:")
            .replace('_', " ")
            .to_string(),
    }
}

/// Attributes the sign-up form asks for: the required ones, and the email address (where codes go)
/// unless it is the username.
fn sign_up_attributes(req: &AuthRequest) -> Vec<String> {
    let mut attrs = Vec::new();
    if !req.pool.email_is_username() {
        attrs.push("email".to_string());
    }
    for a in &req.pool.required_attributes {
        let is_username = a == "email" && req.pool.email_is_username();
        if !is_username && !attrs.contains(a) {
            attrs.push(a.clone());
        }
    }
    attrs
}

fn render_sign_up(p: &Params, req: &AuthRequest, error: Option<&str>) -> String {
    let (label, autocomplete) = if req.pool.email_is_username() {
        ("Email", "email")
    } else {
        ("Username", "username")
    };
    let mut fields = String::new();
    for a in sign_up_attributes(req) {
        let required = if req.pool.required_attributes.contains(&a) {
            " required"
        } else {
            ""
        };
        let name = format!("requiredAttributes[{a}]");
        fields.push_str(&format!(
            "<label for={id}>{}</label>\n<input id={id} name=\"{}\" type=text autocapitalize=none{required} value=\"{}\">\n",
            esc(&attribute_label(&a)),
            esc(&name),
            esc(&field(p, &name)),
            id = attribute_input_id(&a),
        ));
    }
    let policy = &req.pool.password_policy;
    page(
        "Sign up",
        &format!(
            r#"<h1>Sign up with a new account</h1>
{}<form method=post action="/signup" id=signUpForm>
{}<label for=signUpFormUsername>{label}</label>
<input id=signUpFormUsername name=username type=text autocomplete={autocomplete} autocapitalize=none required value="{}">
{fields}<label for=signUpFormPassword>Password</label>
<input id=signUpFormPassword name=password type=password autocomplete=new-password required aria-describedby=passwordPolicy>
<p class=note id=passwordPolicy>At least {} characters{}.</p>
<button type=submit name=signUpButton id=signUpButton>Sign up</button>
</form>
<p class=links>Already have an account? <a id=signInLink href="{}">Sign in</a></p>
"#,
            message_html("signUpErrorMessage", error, None),
            carried(p, &[]),
            esc(&field(p, "username")),
            policy.minimum_length,
            [
                (policy.require_uppercase, "an uppercase letter"),
                (policy.require_lowercase, "a lowercase letter"),
                (policy.require_numbers, "a number"),
                (policy.require_symbols, "a symbol"),
            ]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, what)| format!(", {what}"))
            .collect::<String>(),
            esc(&link("/login", p, &[])),
        ),
    )
}

fn sign_up_allowed(req: &AuthRequest) -> Result<(), Response> {
    if req.pool.allow_admin_create_user_only {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "SignUp is not permitted for this user pool",
        ));
    }
    Ok(())
}

async fn sign_up_page(State(app): State<Shared>, Query(p): Query<Params>) -> Response {
    let req = match check_authorize(&app, &p).and_then(|r| sign_up_allowed(&r).map(|_| r)) {
        Ok(r) => r,
        Err(r) => return r,
    };
    html(render_sign_up(&p, &req, None))
}

async fn sign_up_submit(State(app): State<Shared>, Form(p): Form<Params>) -> Response {
    let req = match check_authorize(&app, &p).and_then(|r| sign_up_allowed(&r).map(|_| r)) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let attributes: BTreeMap<String, String> = p
        .iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix("requiredAttributes[")?.strip_suffix(']')?;
            Some((name.to_string(), v.trim().to_string()))
        })
        .collect();
    let result = {
        let mut store = app.store();
        let r = sign_up::sign_up(
            &app,
            &mut store,
            &req.pool,
            &field(&p, "username"),
            &field(&p, "password"),
            attributes,
            &triggers::Caller::client(&req.client.id),
        );
        app.persist(&store);
        r
    };
    match result {
        // Confirmed by PreSignUp's autoConfirmUser: signed in at once.
        Ok(done) if done.user.status == users::CONFIRMED => {
            signed_in(&app, &req, &done.user.username)
        }
        Ok(done) => found(&link("/confirm", &p, &[("username", &done.user.username)])),
        Err(e) => html(render_sign_up(&p, &req, Some(&e.message))),
    }
}

// ---- Confirmation

/// "by email to d***@e***.test" for the user named in the page's `username`, when there is one.
fn sent_to(app: &Shared, p: &Params, req: &AuthRequest) -> Option<String> {
    let user = users::find_user(&app.store(), &req.pool, &field(p, "username"))?;
    let (by, to) = match user.attributes.get("email") {
        Some(e) => ("by email", e.clone()),
        None => (
            "by text message",
            user.attributes.get("phone_number")?.clone(),
        ),
    };
    Some(format!("{by} to {}", codes::mask(&to)))
}

fn render_confirm(
    app: &Shared,
    p: &Params,
    req: &AuthRequest,
    error: Option<&str>,
    notice: Option<&str>,
) -> String {
    let username = field(p, "username");
    let sent = match sent_to(app, p, req) {
        Some(to) => format!("We have sent a code {to}. Enter it below to confirm your account."),
        None => "Enter the confirmation code you received.".to_string(),
    };
    page(
        "Confirm your account",
        &format!(
            r#"<h1>Confirm your account</h1>
{}<p id=confirmDestination>{}</p>
<form method=post action="/confirm" id=confirmForm>
{}<label for=confirmCode>Verification code</label>
<input id=confirmCode name=code type=text inputmode=numeric autocomplete=one-time-code required>
<button type=submit name=confirmButton id=confirmButton>Confirm account</button>
</form>
<form method=post action="/resendCode" id=resendCodeForm>
{}<button type=submit class=secondary name=resendCodeButton id=resendCodeButton>Resend code</button>
</form>
{}"#,
            message_html("confirmErrorMessage", error, notice),
            esc(&sent),
            carried(p, &[("username", &username)]),
            carried(p, &[("username", &username)]),
            back_to_sign_in(p),
        ),
    )
}

async fn confirm_page(State(app): State<Shared>, Query(p): Query<Params>) -> Response {
    let req = match check_authorize(&app, &p) {
        Ok(r) => r,
        Err(r) => return r,
    };
    html(render_confirm(&app, &p, &req, None, None))
}

async fn confirm_submit(State(app): State<Shared>, Form(p): Form<Params>) -> Response {
    let req = match check_authorize(&app, &p) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let result = {
        let mut store = app.store();
        let r = sign_up::confirm_sign_up(
            &app,
            &mut store,
            &req.pool,
            &field(&p, "username"),
            &field(&p, "code"),
        );
        app.persist(&store);
        r
    };
    // Confirmed whatever PostConfirmation answers; its failure shows on the page.
    let result = result.and_then(|user| {
        triggers::post_confirmation(
            &app,
            &req.pool,
            "PostConfirmation_ConfirmSignUp",
            &user.username,
            &triggers::Caller::client(&req.client.id),
        )
        .map(|_| user)
    });
    match result {
        // Confirmed: signed in and back to the app with a code, as Cognito's managed login does.
        Ok(user) => signed_in(&app, &req, &user.username),
        Err(e) => html(render_confirm(&app, &p, &req, Some(&e.message), None)),
    }
}

async fn resend_code(State(app): State<Shared>, Form(p): Form<Params>) -> Response {
    let req = match check_authorize(&app, &p) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let result = {
        let mut store = app.store();
        let r =
            sign_up::resend_confirmation_code(&app, &mut store, &req.pool, &field(&p, "username"));
        app.persist(&store);
        r
    };
    match result {
        Ok(d) => html(render_confirm(
            &app,
            &p,
            &req,
            None,
            Some(&format!("A new code was sent {}.", d.describe())),
        )),
        Err(e) => html(render_confirm(&app, &p, &req, Some(&e.message), None)),
    }
}

// ---- Forgot password

fn render_forgot(p: &Params, error: Option<&str>) -> String {
    page(
        "Forgot your password?",
        &format!(
            r#"<h1>Forgot your password?</h1>
{}<p>Enter your username below and we will send a code to reset your password.</p>
<form method=post action="/forgotPassword" id=forgotPasswordForm>
{}<label for=forgotUsername>Username</label>
<input id=forgotUsername name=username type=text autocomplete=username autocapitalize=none required value="{}">
<button type=submit name=forgotPasswordButton id=forgotPasswordButton>Reset my password</button>
</form>
{}"#,
            message_html("forgotErrorMessage", error, None),
            carried(p, &[]),
            esc(&field(p, "username")),
            back_to_sign_in(p),
        ),
    )
}

async fn forgot_page(State(app): State<Shared>, Query(p): Query<Params>) -> Response {
    if let Err(r) = check_authorize(&app, &p) {
        return r;
    }
    html(render_forgot(&p, None))
}

async fn forgot_submit(State(app): State<Shared>, Form(p): Form<Params>) -> Response {
    let req = match check_authorize(&app, &p) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let username = field(&p, "username");
    let result = {
        let mut store = app.store();
        let r = sign_up::forgot_password(&app, &mut store, &req.pool, &username);
        app.persist(&store);
        r
    };
    match result {
        Ok(_) => found(&link(
            "/confirmForgotPassword",
            &p,
            &[("username", &username)],
        )),
        Err(e) => html(render_forgot(&p, Some(&e.message))),
    }
}

fn render_confirm_forgot(
    app: &Shared,
    p: &Params,
    req: &AuthRequest,
    error: Option<&str>,
) -> String {
    let username = field(p, "username");
    let destination = match sent_to(app, p, req) {
        Some(to) => format!(
            "We have sent a password reset code {to}. Enter it below to reset your password."
        ),
        None => "Enter the password reset code you received.".into(),
    };
    page(
        "Reset your password",
        &format!(
            r#"<h1>Reset your password</h1>
{}<p id=forgotDestination>{}</p>
<form method=post action="/confirmForgotPassword" id=confirmForgotPasswordForm>
{}<label for=forgotCode>Code</label>
<input id=forgotCode name=code type=text inputmode=numeric autocomplete=one-time-code required>
<label for=forgotNewPassword>New password</label>
<input id=forgotNewPassword name=password type=password autocomplete=new-password required>
<button type=submit name=confirmForgotPasswordButton id=confirmForgotPasswordButton>Change password</button>
</form>
{}"#,
            message_html("forgotErrorMessage", error, None),
            esc(&destination),
            carried(p, &[("username", &username)]),
            back_to_sign_in(p),
        ),
    )
}

async fn confirm_forgot_page(State(app): State<Shared>, Query(p): Query<Params>) -> Response {
    let req = match check_authorize(&app, &p) {
        Ok(r) => r,
        Err(r) => return r,
    };
    html(render_confirm_forgot(&app, &p, &req, None))
}

async fn confirm_forgot_submit(State(app): State<Shared>, Form(p): Form<Params>) -> Response {
    let req = match check_authorize(&app, &p) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let username = field(&p, "username");
    let result = {
        let mut store = app.store();
        let r = sign_up::confirm_forgot_password(
            &app,
            &mut store,
            &req.pool,
            &username,
            &field(&p, "code"),
            &field(&p, "password"),
        );
        app.persist(&store);
        r.map(|_| users::find_username(&store, &req.pool, &username))
    };
    let result = result.and_then(|user| match user {
        Some(user) => triggers::post_confirmation(
            &app,
            &req.pool,
            "PostConfirmation_ConfirmForgotPassword",
            &user,
            &triggers::Caller::client(&req.client.id),
        ),
        None => Ok(()),
    });
    match result {
        // The new password works at once: back to the sign-in page, the username filled in.
        Ok(()) => found(&link("/login", &p, &[("username", &username)])),
        Err(e) => html(render_confirm_forgot(&app, &p, &req, Some(&e.message))),
    }
}

// ---- The TOTP step

fn render_mfa(app: &Shared, p: &Params, error: Option<&str>) -> String {
    // A code sent by SMS or email names where it went; else the authenticator app's.
    let label = match sign_in::mfa_destination(app, &field(p, "mfa_session")) {
        Some(to) => format!(
            "Enter the 6-digit code we sent to {}",
            crate::oauth::esc(&to)
        ),
        None => "Enter the 6-digit code from your authenticator app".to_string(),
    };
    page(
        "Multi-factor authentication",
        &format!(
            r#"<h1>Multi-factor authentication</h1>
{}<form method=post action="/mfa" id=totpForm>
{}<label for=totpCode>{label}</label>
<input id=totpCode name=code type=text inputmode=numeric pattern="[0-9]{{6}}" maxlength=6 autocomplete=one-time-code required autofocus>
<button type=submit name=totpSubmitButton id=totpSubmitButton>Sign in</button>
</form>
{}"#,
            message_html("totpErrorMessage", error, None),
            carried(p, &[("mfa_session", &field(p, "mfa_session"))]),
            back_to_sign_in(p),
        ),
    )
}

async fn mfa_page(State(app): State<Shared>, Query(p): Query<Params>) -> Response {
    if let Err(r) = check_authorize(&app, &p) {
        return r;
    }
    html(render_mfa(&app, &p, None))
}

async fn mfa_submit(State(app): State<Shared>, Form(p): Form<Params>) -> Response {
    let req = match check_authorize(&app, &p) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let result = {
        let mut store = app.store();
        let r = sign_in::answer_challenge(
            &app,
            &mut store,
            &field(&p, "mfa_session"),
            &field(&p, "code"),
            None,
            None,
        );
        app.persist(&store);
        r
    };
    match result {
        Ok((pool_id, username)) if pool_id == req.pool.id => signed_in(&app, &req, &username),
        Ok(_) => html(render_mfa(&app, &p, Some("Invalid session for the user."))),
        Err(e) => html(render_mfa(&app, &p, Some(&e.message))),
    }
}

// ---- The choice of a factor (several on, none preferred: SELECT_MFA_TYPE)

/// A button's label for each factor.
fn factor_label(factor: &str) -> &'static str {
    match factor {
        "SMS_MFA" => "Text message (SMS)",
        "EMAIL_OTP" => "Email",
        _ => "Authenticator app",
    }
}

fn render_mfa_select(app: &Shared, p: &Params, error: Option<&str>) -> String {
    let session = field(p, "mfa_session");
    let buttons: String = sign_in::mfa_choices(app, &session)
        .unwrap_or_default()
        .iter()
        .map(|f| {
            format!(
                "<button type=submit name=factor value={f} id=mfaSelect_{f}>{}</button>\n",
                factor_label(f)
            )
        })
        .collect();
    page(
        "Multi-factor authentication",
        &format!(
            r#"<h1>Choose how to sign in</h1>
{}<form method=post action="/mfa-select" id=mfaSelectForm>
{}{buttons}</form>
{}"#,
            message_html("mfaSelectErrorMessage", error, None),
            carried(p, &[("mfa_session", &session)]),
            back_to_sign_in(p),
        ),
    )
}

async fn mfa_select_page(State(app): State<Shared>, Query(p): Query<Params>) -> Response {
    if let Err(r) = check_authorize(&app, &p) {
        return r;
    }
    html(render_mfa_select(&app, &p, None))
}

/// The factor chosen: its code page (`/mfa`) with the new session, the code sent for SMS / email.
async fn mfa_select_submit(State(app): State<Shared>, Form(p): Form<Params>) -> Response {
    if let Err(r) = check_authorize(&app, &p) {
        return r;
    }
    let step = sign_in::answer_select_mfa_type(
        &app,
        &app.store(),
        &field(&p, "mfa_session"),
        &field(&p, "factor"),
        None,
        None,
    );
    match step {
        Ok((session, _, _)) => found(&link("/mfa", &p, &[("mfa_session", &session)])),
        Err(e) => html(render_mfa_select(&app, &p, Some(&e.message))),
    }
}

// ---- MFA set-up (a pool with MFA ON, a user with no factor yet)

fn render_mfa_setup(app: &Shared, p: &Params, error: Option<&str>) -> String {
    let session = field(p, "mfa_session");
    let secret = app
        .mem()
        .mfa_setup
        .get(&session)
        .map(|(c, _)| (c.pool_id.clone(), c.username.clone()))
        .and_then(|(pool, user)| {
            let store = app.store();
            store.mfa.get(&pool)?.get(&user)?.pending_secret.clone()
        })
        .unwrap_or_default();
    page(
        "Set up multi-factor authentication",
        &format!(
            r#"<h1>Set up multi-factor authentication</h1>
<p>This account needs an authenticator app. Add this key to it: <code id=totpSecret>{}</code></p>
{}<form method=post action="/mfa-setup" id=totpSetupForm>
{}<label for=totpSetupCode>Enter the 6-digit code the app shows</label>
<input id=totpSetupCode name=code type=text inputmode=numeric pattern="[0-9]{{6}}" maxlength=6 autocomplete=one-time-code required autofocus>
<button type=submit id=totpSetupSubmitButton>Turn on and sign in</button>
</form>
{}"#,
            esc(&secret),
            message_html("totpSetupErrorMessage", error, None),
            carried(p, &[("mfa_session", &session)]),
            back_to_sign_in(p),
        ),
    )
}

async fn mfa_setup_page(State(app): State<Shared>, Query(p): Query<Params>) -> Response {
    if let Err(r) = check_authorize(&app, &p) {
        return r;
    }
    html(render_mfa_setup(&app, &p, None))
}

async fn mfa_setup_submit(State(app): State<Shared>, Form(p): Form<Params>) -> Response {
    let req = match check_authorize(&app, &p) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let session = field(&p, "mfa_session");
    let setup = match sign_in::take_mfa_setup(&app, &session) {
        Ok(s) if s.0 == req.pool.id => s,
        Ok(_) => {
            return html(render_mfa_setup(
                &app,
                &p,
                Some("Invalid session for the user."),
            ))
        }
        Err(e) => return html(render_mfa_setup(&app, &p, Some(&e.message))),
    };
    let username = setup.1.clone();
    let result = {
        let mut store = app.store();
        let r = mfa::verify_software_token(
            &app,
            &mut store,
            &req.pool.id,
            &username,
            &field(&p, "code"),
            None,
        )
        .and_then(|_| {
            mfa::set_software_token_preference(
                &mut store,
                &req.pool,
                &username,
                Some(true),
                Some(true),
            )
        });
        app.persist(&store);
        r
    };
    match result {
        Ok(()) => signed_in(&app, &req, &username),
        Err(e) => {
            sign_in::keep_mfa_setup(&app, &session, setup);
            html(render_mfa_setup(&app, &p, Some(&e.message)))
        }
    }
}

// ---- Federation: the return from the identity provider

async fn idp_response(State(app): State<Shared>, Query(p): Query<Params>) -> Response {
    let state = field(&p, "state");
    let now = app.now();
    let pending = app
        .mem()
        .federation
        .remove(&state)
        .filter(|f| f.expires_at > now);
    let Some(pending) = pending else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Invalid state: no sign-in with an identity provider is waiting for this answer (expired or already used)",
        );
    };
    let req = match check_authorize(&app, &pending.params) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(idp) = req.pool.identity_provider(&pending.provider).cloned() else {
        return req.error_redirect("invalid_request", "unknown identity provider");
    };
    if let Some(error) = p.get("error") {
        // A refused consent (or any error at the provider) goes back to the app.
        let error = if error == "access_denied" {
            "access_denied"
        } else {
            "server_error"
        };
        let description = p
            .get("error_description")
            .cloned()
            .unwrap_or_else(|| format!("{} did not sign the user in ({error})", idp.name));
        return req.error_redirect(error, &description);
    }
    let claims =
        match federation::provider_claims(&app, &idp, &field(&p, "code"), &pending.nonce).await {
            Ok(c) => c,
            Err(why) => return req.error_redirect("invalid_request", &why),
        };
    let user = {
        let mut store = app.store();
        let r = federation::federated_user(&app, &mut store, &req.pool, &idp, &claims);
        app.persist(&store);
        r
    };
    match user {
        Ok(u) => signed_in(&app, &req, &u.username),
        Err(e) => req.error_redirect("access_denied", &e.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_ids_follow_the_hosted_ui() {
        assert_eq!(attribute_input_id("email"), "signUpFormEmail");
        assert_eq!(attribute_input_id("custom:tier"), "signUpForm-custom-tier");
        assert_eq!(attribute_label("given_name"), "given name");
    }
}
