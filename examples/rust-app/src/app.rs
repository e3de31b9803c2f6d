//! The page: load the configuration, complete a sign-in callback, then show the user or a sign-in button.

use std::rc::Rc;

use cognito_wasm::config::AuthConfig;
use cognito_wasm::json::Object;
use cognito_wasm::options::SignInOptions;
use cognito_wasm::options::{CredentialsOptions, GetTokensOptions, SignOutOptions};
use cognito_wasm::signin::{self, Factor, Flow, NextStep};
use cognito_wasm::signup;
use cognito_wasm::{CognitoAuth, Error};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};

pub async fn run() {
    if let Err(message) = start().await {
        show_error(&message);
        set_text("status", "Something went wrong.");
    }
}

async fn start() -> Result<(), String> {
    let config = AuthConfig::from_options(&load_options().await?).map_err(|e| describe(&e))?;
    let auth = Rc::new(CognitoAuth::new(config).map_err(|e| describe(&e))?);
    if auth.is_redirect_callback(None) {
        // Verifies the tokens, stores the session and removes code and state from the address bar.
        if let Err(e) = auth.handle_redirect_callback(None).await {
            show_error(&describe(&e));
        }
    }
    match auth
        .current_user_as::<Profile>()
        .await
        .map_err(|e| describe(&e))?
    {
        Some(profile) => {
            set_text("user-name", &profile.username);
            set_text("user-email", profile.email.as_deref().unwrap_or(""));
            set_text("user-full-name", profile.name.as_deref().unwrap_or(""));
            set_text("user-groups", &profile.groups.join(", "));
            on_click("refresh", {
                let auth = auth.clone();
                move || {
                    let auth = auth.clone();
                    spawn_local(async move {
                        let fresh = GetTokensOptions {
                            force_refresh: true,
                        };
                        match auth.get_tokens(fresh).await {
                            Ok(Some(_)) => set_text("refreshed", "Refreshed."),
                            Ok(None) => set_text("refreshed", "Signed out."),
                            Err(e) => show_error(&describe(&e)),
                        }
                    });
                }
            });
            on_click("sign-out", {
                let auth = auth.clone();
                move || {
                    let auth = auth.clone();
                    spawn_local(async move {
                        // A managed-login session goes on to /logout, which comes back here; an
                        // in-app one has nowhere to go, so the page shows the signed-out state itself.
                        match auth.sign_out(SignOutOptions::default()).await {
                            Ok(()) => {
                                if let Some(e) = element("signed-in") {
                                    e.set_hidden(true);
                                }
                                show_signed_out(auth);
                            }
                            Err(e) => show_error(&describe(&e)),
                        }
                    });
                }
            });
            // AWS credentials of the identity pool for this user (the identity id shown).
            on_click("credentials", {
                let auth = auth.clone();
                move || {
                    let auth = auth.clone();
                    spawn_local(async move {
                        match auth.get_credentials(CredentialsOptions::default()).await {
                            Ok(c) => set_text("identity-id", &c.identity_id),
                            Err(e) => show_error(&describe(&e)),
                        }
                    });
                }
            });
            // Passkeys: the list when asked for (nothing more at start-up), and a new one (the
            // browser's passkey prompt).
            on_click("show-passkeys", {
                let auth = auth.clone();
                move || spawn_local(show_passkeys(auth.clone()))
            });
            on_click("add-passkey", {
                let auth = auth.clone();
                move || {
                    let auth = auth.clone();
                    spawn_local(async move {
                        match auth.register_passkey().await {
                            Ok(()) => show_passkeys(auth).await,
                            Err(e) => show_error(&describe(&e)),
                        }
                    });
                }
            });
            show("signed-in", "Welcome back.");
            set_state("signed-in");
        }
        None => show_signed_out(auth),
    }
    Ok(())
}

/// The signed-out page: the managed login's button, and the app's own forms.
fn show_signed_out(auth: Rc<CognitoAuth>) {
    on_click("sign-in", {
        let auth = auth.clone();
        move || {
            let auth = auth.clone();
            spawn_local(async move {
                if let Err(e) = auth.sign_in_with_redirect(SignInOptions::default()).await {
                    show_error(&describe(&e));
                }
            });
        }
    });
    // The app's own form: SRP (the password is not sent), then whatever Cognito asks next.
    on_click("sign-in-here", {
        let auth = auth.clone();
        move || {
            let auth = auth.clone();
            spawn_local(async move {
                let options = signin::Credentials {
                    username: value_of("username"),
                    password: Some(value_of("password").into()),
                    flow: Flow::Srp,
                };
                step(auth.sign_in(options).await);
            });
        }
    });
    // Choice-based sign-in (USER_AUTH): a code by e-mail at once, a passkey (WEB_AUTHN: the browser
    // asks for it, nothing to type but the user name), or the factors offered.
    for (id, preferred) in [
        ("email-code", Some(Factor::EmailCode)),
        ("passkey", Some(Factor::Passkey)),
        ("choose", None),
    ] {
        let auth = auth.clone();
        on_click(id, move || {
            let auth = auth.clone();
            spawn_local(async move {
                let options = signin::Credentials {
                    username: value_of("username"),
                    password: None,
                    flow: Flow::Choice(preferred),
                };
                step(auth.sign_in(options).await);
            });
        });
    }
    // A new account: the code e-mailed, then signed in with Cognito's session (no password
    // again); a forgotten password: the code, then the new one.
    on_click("sign-up", {
        let auth = auth.clone();
        move || {
            let auth = auth.clone();
            spawn_local(async move {
                let details = signup::SignUp {
                    username: value_of("username"),
                    password: value_of("password").into(),
                    attributes: Object::new().with("email", value_of("email")),
                };
                match auth.sign_up(details).await {
                    Ok(r) if r.user_confirmed => ask("step-done", "Account created: sign in."),
                    Ok(_) => ask("step-confirmSignUp", "The code we e-mailed you:"),
                    Err(e) => show_error(&describe(&e)),
                }
            });
        }
    });
    on_click("forgot", {
        let auth = auth.clone();
        move || {
            let auth = auth.clone();
            spawn_local(async move {
                match auth.reset_password(&value_of("username")).await {
                    Ok(_) => ask(
                        "step-resetPassword",
                        "The code we sent you, and a new password above:",
                    ),
                    Err(e) => show_error(&describe(&e)),
                }
            });
        }
    });
    on_click("confirm", move || {
        let auth = auth.clone();
        spawn_local(async move {
            let (user, code) = (value_of("username"), value_of("answer"));
            match state().as_str() {
                "step-confirmSignUp" => match auth.confirm_sign_up(&user, code.into()).await {
                    Ok(true) => step(auth.sign_in_after_sign_up().await),
                    Ok(false) => ask("step-done", "Account confirmed: sign in."),
                    Err(e) => show_error(&describe(&e)),
                },
                "step-resetPassword" => {
                    let new_password = value_of("password").into();
                    match auth
                        .confirm_reset_password(&user, code.into(), new_password)
                        .await
                    {
                        Ok(()) => ask("step-done", "Password changed: sign in with it."),
                        Err(e) => show_error(&describe(&e)),
                    }
                }
                _ => {
                    let mut attributes = Object::new();
                    if element("attribute").is_some_and(|e| !e.hidden()) {
                        attributes.insert("name", value_of("attribute"));
                    }
                    step(auth.confirm_sign_in(code.into(), &attributes).await);
                }
            }
        });
    });
    show("signed-out", "You are signed out.");
    set_state("signed-out");
}

/// Shows what a sign-in step asks for; reloads the page once signed in (the session is stored).
fn step(result: Result<cognito_wasm::engine::SignInResult, Error>) {
    let next = match result {
        Ok(r) => r.next_step,
        Err(e) => return show_error(&describe(&e)),
    };
    let prompt = match &next {
        NextStep::Done => return reload(),
        NextStep::TotpCode => "The code from your authenticator app:".to_owned(),
        NextStep::SmsCode { .. } | NextStep::EmailCode { .. } => "The code we sent you:".to_owned(),
        NextStep::NewPassword {
            required_attributes,
        } => {
            if let Some(e) = element("attribute") {
                e.set_hidden(!required_attributes.iter().any(|a| a == "name"));
            }
            "Choose a new password:".to_owned()
        }
        NextStep::ConfirmSignUp => "Confirm your account first.".to_owned(),
        NextStep::SelectChallenge { available } => {
            let names: Vec<&str> = available.iter().map(|f| f.js_name()).collect();
            format!("Sign in with one of: {}", names.join(", "))
        }
        NextStep::Password => "Your password:".to_owned(),
        NextStep::SelectMfaType { available } => {
            format!("Choose your second step: {}", available.join(", "))
        }
        NextStep::TotpSetup { secret, .. } => {
            format!("This account needs an authenticator app. Add this key to it: {secret}, then enter its code:")
        }
        other => format!("Cognito asks for {other:?}."),
    };
    ask(&format!("step-{}", next.type_name()), &prompt);
}

/// Lists the user's passkeys, each with a button that deletes it.
async fn show_passkeys(auth: Rc<CognitoAuth>) {
    let (Some(list), Some(document)) = (
        element("passkeys"),
        web_sys::window().and_then(|w| w.document()),
    ) else {
        return;
    };
    let passkeys = match auth.list_passkeys().await {
        Ok(p) => p,
        Err(e) => return show_error(&describe(&e)),
    };
    list.set_text_content(None);
    for passkey in passkeys {
        let (Ok(item), Ok(button)) = (
            document.create_element("li"),
            document.create_element("button"),
        ) else {
            return;
        };
        item.set_text_content(Some(&format!(
            "{} ",
            passkey.name.as_deref().unwrap_or("A passkey")
        )));
        button.set_text_content(Some("Delete"));
        let _ = button.set_attribute("data-id", &passkey.id);
        let auth = auth.clone();
        let closure = Closure::<dyn Fn()>::new(move || {
            let (auth, id) = (auth.clone(), passkey.id.clone());
            spawn_local(async move {
                match auth.delete_passkey(&id).await {
                    Ok(()) => show_passkeys(auth).await,
                    Err(e) => show_error(&describe(&e)),
                }
            });
        });
        button
            .unchecked_ref::<web_sys::HtmlElement>()
            .set_onclick(Some(closure.as_ref().unchecked_ref()));
        closure.forget(); // as long as the button
        let _ = item.append_child(&button);
        let _ = list.append_child(&item);
    }
    let count = list.child_element_count().to_string();
    let _ = list.set_attribute("data-count", &count);
}

/// Reloads the page (the session in storage decides what it shows).
fn reload() {
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// Shows the step form with `prompt`, in page state `state`.
fn ask(state: &str, prompt: &str) {
    set_text("step-prompt", prompt);
    if let Some(e) = element("step") {
        e.set_hidden(false);
    }
    if let Some(e) = element("answer") {
        e.unchecked_ref::<web_sys::HtmlInputElement>().set_value("");
    }
    set_state(state);
}

/// `document.body.dataset.state`.
fn state() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
        .and_then(|b| b.get_attribute("data-state"))
        .unwrap_or_default()
}

fn value_of(id: &str) -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// What the page shows of the user: claims of the verified ID token, read by `current_user_as` (cargo
/// feature `serde`). A custom attribute would be one more field, e.g. `#[serde(rename = "custom:tier")]
/// tier: Option<String>`.
#[derive(serde::Deserialize)]
struct Profile {
    #[serde(rename = "cognito:username")]
    username: String,
    email: Option<String>,
    /// The `name` attribute (devstack's `demo` is "Demo Shopper").
    name: Option<String>,
    #[serde(rename = "cognito:groups", default)]
    groups: Vec<String>,
}

/// The constructor options from `config.json` beside the page.
async fn load_options() -> Result<Object, String> {
    let window = web_sys::window().ok_or("no window")?;
    let failed = |_| "could not load config.json".to_owned();
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str("config.json"))
        .await
        .map_err(failed)?
        .unchecked_into();
    let text = JsFuture::from(response.text().map_err(failed)?)
        .await
        .map_err(failed)?;
    Object::parse(&text.as_string().unwrap_or_default())
        .ok_or_else(|| "config.json is not a JSON object".to_owned())
}

fn describe(e: &Error) -> String {
    format!("{} ({})", e.message(), e.kind().code())
}

fn element(id: &str) -> Option<web_sys::HtmlElement> {
    web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .dyn_into()
        .ok()
}

fn set_text(id: &str, text: &str) {
    if let Some(e) = element(id) {
        e.set_text_content(Some(text));
    }
}

fn show(section: &str, status: &str) {
    if let Some(e) = element(section) {
        e.set_hidden(false);
    }
    set_text("status", status);
}

fn show_error(message: &str) {
    set_text("error", message);
    if let Some(e) = element("error") {
        e.set_hidden(false);
    }
}

/// `document.body.dataset.state`, which the test waits for.
fn set_state(state: &str) {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-state", state);
    }
}

fn on_click(id: &str, handler: impl Fn() + 'static) {
    if let Some(e) = element(id) {
        let closure = Closure::<dyn Fn()>::new(handler);
        e.set_onclick(Some(closure.as_ref().unchecked_ref()));
        closure.forget(); // the page lives as long as the button
    }
}
