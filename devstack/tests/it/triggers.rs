//! Lambda triggers over real HTTP: each trigger source's event as the command receives it, the answers
//! that change what devstack does (auto-confirm, token claims, message text), refusals of failing,
//! timing-out and garbage-answering triggers (UserLambdaValidationException, nothing written), an HTTP
//! trigger, and ShopSphere's shipped triggers (devstack/triggers/) through the default config.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use std::time::Instant;

use devstack::config::{Trigger, Triggers};
use devstack::Config;
use serde_json::{json, Value};

use super::common::*;
use super::dynamodb::call;

const TRIGGER_ROLE: &str = "arn:aws:iam::000000000000:role/ShopSphereTriggers";
const PASSWORD: &str = "Fresh!2026pass";

/// A trigger that appends each event to `<dir>/<name>.jsonl` and answers `answer` (shell, no node).
fn recorder(dir: &Path, name: &str, answer: &str) -> Trigger {
    let script =
        format!("cat >> {name}.jsonl\necho >> {name}.jsonl\ncat <<'ANSWER'\n{answer}\nANSWER\n");
    std::fs::write(dir.join(format!("{name}.sh")), script).unwrap();
    command(&format!("sh {name}.sh"))
}

fn command(c: &str) -> Trigger {
    Trigger {
        command: Some(c.into()),
        ..Default::default()
    }
}

/// The events a recorder received, oldest first.
fn events(dir: &Path, name: &str) -> Vec<Value> {
    std::fs::read_to_string(dir.join(format!("{name}.jsonl")))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The `triggerSource` of each event a recorder received, oldest first.
fn sources(dir: &Path, name: &str) -> Vec<String> {
    events(dir, name)
        .iter()
        .map(|e| e["triggerSource"].as_str().unwrap().to_string())
        .collect()
}

/// InitiateAuth with `flow` and `params` on the demo client.
async fn initiate(s: &Stack, flow: &str, params: Value) -> (reqwest::StatusCode, Value) {
    s.idp(
        "InitiateAuth",
        json!({ "AuthFlow": flow, "ClientId": CLIENT, "AuthParameters": params }),
    )
    .await
}

struct Fixture {
    s: Stack,
    dir: PathBuf,
    _tmp: tempfile::TempDir,
}

/// devstack with the default config and these triggers, run in a temp dir.
async fn with_triggers(set: impl FnOnce(&Path, &mut Triggers)) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let mut config = without_triggers(Config::default_config());
    config.base_dir = Some(dir.clone());
    set(&dir, &mut config.user_pools[0].triggers);
    config.validate().unwrap();
    Fixture {
        s: Stack::start_with_triggers(config).await,
        dir,
        _tmp: tmp,
    }
}

fn sign_up_body(username: &str) -> Value {
    json!({
        "ClientId": CLIENT, "Username": username, "Password": PASSWORD,
        "UserAttributes": [{ "Name": "email", "Value": format!("{username}@shopsphere.test") }],
        "ValidationData": [{ "Name": "invite", "Value": "spring" }],
        "ClientMetadata": { "campaign": "launch" },
    })
}

async fn sign_up_and_confirm(s: &Stack, username: &str) -> (u16, Value) {
    let (st, v) = s.idp("SignUp", sign_up_body(username)).await;
    assert_eq!(st, 200, "{v}");
    let code = s.outbox_code(username, "SignUp").await;
    let (st, v) = s
        .idp(
            "ConfirmSignUp",
            json!({ "ClientId": CLIENT, "Username": username, "ConfirmationCode": code }),
        )
        .await;
    (st.as_u16(), v)
}

fn assert_common(e: &Value, source: &str, user_name: &str, client: &str) {
    assert_eq!(e["version"], "1", "{e}");
    assert_eq!(e["triggerSource"], source, "{e}");
    assert_eq!(e["region"], "us-east-1");
    assert_eq!(e["userPoolId"], POOL);
    assert_eq!(e["userName"], user_name);
    assert_eq!(e["callerContext"]["clientId"], client, "{e}");
    assert!(e["callerContext"]["awsSdkVersion"].is_string(), "{e}");
}

/// The sign-in page, given `user`'s right password, shows `trigger`'s refusal `message`.
async fn sign_in_page_refused(s: &Stack, user: &str, password: &str, trigger: &str, message: &str) {
    let r = s
        .submit_sign_in(&authorize_query(CLIENT, ""), user, password)
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!("{trigger} failed with error {message}.")),
        "{page}"
    );
}

fn refused_with(v: &Value, trigger: &str, message: &str) {
    assert_eq!(v["__type"], "UserLambdaValidationException", "{v}");
    assert_eq!(
        v["message"],
        format!("{trigger} failed with error {message}."),
        "{v}"
    );
}

#[tokio::test]
async fn pre_sign_up_event_and_auto_confirm() {
    let f = with_triggers(|d, t| {
        t.pre_sign_up = Some(recorder(
            d,
            "pre",
            r#"{"response": {"autoConfirmUser": true, "autoVerifyEmail": true}}"#,
        ))
    })
    .await;
    let s = &f.s;
    let (st, v) = s.idp("SignUp", sign_up_body("auto1")).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["UserConfirmed"], true, "{v}");
    assert!(v.get("CodeDeliveryDetails").is_none(), "{v}");
    assert_eq!(s.outbox("auto1", "SignUp").await, json!([]));

    let e = &events(&f.dir, "pre")[0];
    assert_common(e, "PreSignUp_SignUp", "auto1", CLIENT);
    assert_eq!(
        e["request"]["userAttributes"]["email"],
        "auto1@shopsphere.test"
    );
    assert_eq!(
        e["request"]["userAttributes"]["cognito:user_status"],
        "UNCONFIRMED"
    );
    assert_eq!(
        e["request"]["validationData"],
        json!({ "invite": "spring" })
    );
    assert_eq!(
        e["request"]["clientMetadata"],
        json!({ "campaign": "launch" })
    );
    assert_eq!(
        e["response"],
        json!({ "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false })
    );

    // Confirmed and verified: signs in at once.
    let a = s.password_login(CLIENT, "auto1", PASSWORD).await;
    assert_eq!(
        claims(a["IdToken"].as_str().unwrap())["email_verified"],
        true
    );

    // AdminCreateUser runs it too, with its own source and no app client.
    let (st, v) = s
        .idp(
            "AdminCreateUser",
            json!({ "UserPoolId": POOL, "Username": "byadmin", "UserAttributes": [{ "Name": "email", "Value": "a@shopsphere.test" }] }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let e = &events(&f.dir, "pre")[1];
    assert_common(
        e,
        "PreSignUp_AdminCreateUser",
        "byadmin",
        "CLIENT_ID_NOT_APPLICABLE",
    );
}

#[tokio::test]
async fn pre_sign_up_external_provider_on_first_google_sign_in() {
    let f = with_triggers(|d, t| t.pre_sign_up = Some(recorder(d, "pre", "{}"))).await;
    let s = &f.s;
    // authorize with identity_provider=Google → the account chooser → consent → /oauth2/idpresponse.
    let path_of = |url: &str| {
        let u = url::Url::parse(url).unwrap();
        format!("{}?{}", u.path(), u.query().unwrap_or(""))
    };
    let r = s
        .get(&authorize_query(CLIENT, "&identity_provider=Google"))
        .await;
    let (_, chooser) = s.page(&path_of(&location(&r))).await;
    let r = s
        .submit(&chooser, "/_google/authorize", &[("account", "0")])
        .await;
    let consent = r.text().await.unwrap();
    let r = s
        .submit(&consent, "/_google/consent", &[("consent", "allow")])
        .await;
    let r = s.get(&path_of(&location(&r))).await;
    assert_eq!(r.status(), 302, "{}", r.text().await.unwrap());
    let all = events(&f.dir, "pre");
    assert_eq!(all.len(), 1, "{all:?}");
    assert_common(
        &all[0],
        "PreSignUp_ExternalProvider",
        "Google_104217735128311400001",
        "CLIENT_ID_NOT_APPLICABLE",
    );
    assert_eq!(
        all[0]["request"]["userAttributes"]["email"],
        "ava.shopper@gmail.test"
    );
}

#[tokio::test]
async fn failing_pre_sign_up_creates_no_user() {
    let f = with_triggers(|d, t| {
        std::fs::write(
            d.join("closed.sh"),
            "cat > /dev/null\necho 'Error: Sign-ups are closed' >&2\nexit 1\n",
        )
        .unwrap();
        t.pre_sign_up = Some(command("sh closed.sh"));
    })
    .await;
    let s = &f.s;
    let (st, v) = s.idp("SignUp", sign_up_body("closed1")).await;
    assert_eq!(st, 400);
    refused_with(&v, "PreSignUp", "Sign-ups are closed");
    assert_eq!(s.outbox("closed1", "SignUp").await, json!([]));
    let (_, v) = s
        .idp(
            "ResendConfirmationCode",
            json!({ "ClientId": CLIENT, "Username": "closed1" }),
        )
        .await;
    assert_eq!(v["__type"], "UserNotFoundException", "{v}");

    // The managed-login sign-up page shows the message.
    let q = authorize_query(CLIENT, "").replacen("/oauth2/authorize", "/signup", 1);
    let (_, html) = s.page(&q).await;
    let r = s
        .submit(
            &html,
            "/signup",
            &[
                ("username", "closed2"),
                ("password", PASSWORD),
                ("requiredAttributes[email]", "closed2@shopsphere.test"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("PreSignUp failed with error Sign-ups are closed."),
        "{page}"
    );
}

#[tokio::test]
async fn garbage_and_timeout_are_refusals() {
    let f = with_triggers(|d, t| {
        t.pre_sign_up = Some(recorder(d, "garbage", "this is not JSON"));
        std::fs::write(d.join("slow.sh"), "cat > /dev/null\nexec sleep 30\n").unwrap();
        t.custom_message = Some(command("sh slow.sh"));
    })
    .await;
    let s = &f.s;
    let (st, v) = s.idp("SignUp", sign_up_body("garbage1")).await;
    assert_eq!(st, 400);
    refused_with(&v, "PreSignUp", "Unrecognizable lambda output");

    // A JSON answer passes PreSignUp; CustomMessage then takes longer than 5 s.
    std::fs::write(f.dir.join("garbage.sh"), "cat > /dev/null\necho '{}'\n").unwrap();
    let started = Instant::now();
    let (st, v) = s.idp("SignUp", sign_up_body("slow1")).await;
    let took = started.elapsed().as_secs_f64();
    assert_eq!(st, 400);
    refused_with(&v, "CustomMessage", "Task timed out after 5.00 seconds");
    assert!((5.0..9.0).contains(&took), "took {took} s");
    // Nothing half-written: no user, no code.
    assert_eq!(s.outbox("slow1", "SignUp").await, json!([]));
    let (_, v) = s
        .idp(
            "ResendConfirmationCode",
            json!({ "ClientId": CLIENT, "Username": "slow1" }),
        )
        .await;
    assert_eq!(v["__type"], "UserNotFoundException", "{v}");
}

/// A one-connection-at-a-time HTTP server on a thread of its own: records each request body and answers
/// `status` with `body`.
fn http_trigger(status: u16, body: &'static str) -> (String, std::sync::mpsc::Receiver<Value>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/trigger",
        listener.local_addr().unwrap().port()
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
            }
            let mut buf = vec![0; len];
            reader.read_exact(&mut buf).unwrap();
            let _ = tx.send(serde_json::from_slice(&buf).unwrap_or(Value::Null));
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(reply.as_bytes()).unwrap();
        }
    });
    (url, rx)
}

#[tokio::test]
async fn http_triggers_post_the_event() {
    let (ok, events_ok) = http_trigger(200, "{}");
    let (broken, _) = http_trigger(
        500,
        r#"{"errorMessage": "database down", "errorType": "Error"}"#,
    );
    let f = with_triggers(|_, t| {
        t.pre_authentication = Some(Trigger {
            url: Some(ok.clone()),
            ..Default::default()
        });
        t.post_authentication = Some(Trigger {
            url: Some(broken.clone()),
            ..Default::default()
        });
    })
    .await;
    let s = &f.s;
    let (st, v) = s
        .idp(
            "InitiateAuth",
            json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "demo", "PASSWORD": "ShopSphere!2026" } }),
        )
        .await;
    assert_eq!(st, 400);
    refused_with(&v, "PostAuthentication", "database down");
    let e = events_ok.try_recv().unwrap();
    assert_common(&e, "PreAuthentication_Authentication", "demo", CLIENT);
    assert_eq!(e["request"]["userNotFound"], false);
    assert_eq!(
        e["request"]["userAttributes"]["email"],
        "demo@shopsphere.test"
    );
}

#[tokio::test]
async fn authentication_triggers_on_the_api_and_managed_login() {
    let f = with_triggers(|d, t| {
        t.pre_authentication = Some(recorder(d, "preauth", "{}"));
        t.post_authentication = Some(recorder(d, "postauth", "{}"));
    })
    .await;
    let s = &f.s;
    s.demo_login().await;
    let (code, _) = s.browser_login(CLIENT, "").await;
    assert!(!code.is_empty());
    let pre = events(&f.dir, "preauth");
    let post = events(&f.dir, "postauth");
    assert_eq!((pre.len(), post.len()), (2, 2), "{pre:?} {post:?}");
    assert_common(&pre[0], "PreAuthentication_Authentication", "demo", CLIENT);
    assert_common(
        &post[1],
        "PostAuthentication_Authentication",
        "demo",
        CLIENT,
    );
    assert_eq!(post[0]["request"]["newDeviceUsed"], false);

    // A refusing PreAuthentication: no tokens on the API, the message on the sign-in page.
    std::fs::write(
        f.dir.join("preauth.sh"),
        "cat > /dev/null\necho 'Error: Account locked' >&2\nexit 3\n",
    )
    .unwrap();
    let (st, v) = s
        .idp(
            "InitiateAuth",
            json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "demo", "PASSWORD": "ShopSphere!2026" } }),
        )
        .await;
    assert_eq!(st, 400);
    refused_with(&v, "PreAuthentication", "Account locked");
    sign_in_page_refused(
        s,
        "demo",
        "ShopSphere!2026",
        "PreAuthentication",
        "Account locked",
    )
    .await;
}

#[tokio::test]
async fn post_confirmation_sources_and_failure() {
    let f = with_triggers(|d, t| t.post_confirmation = Some(recorder(d, "post", "{}"))).await;
    let s = &f.s;
    let (st, v) = sign_up_and_confirm(s, "conf1").await;
    assert_eq!(st, 200, "{v}");
    let e = &events(&f.dir, "post")[0];
    assert_common(e, "PostConfirmation_ConfirmSignUp", "conf1", CLIENT);
    assert_eq!(
        e["request"]["userAttributes"]["cognito:user_status"],
        "CONFIRMED"
    );
    assert_eq!(e["request"]["userAttributes"]["email_verified"], "true");
    assert!(e["request"]["userAttributes"]["sub"].is_string());
    assert_eq!(e["response"], json!({}));

    let (st, _) = s
        .idp(
            "ForgotPassword",
            json!({ "ClientId": CLIENT, "Username": "conf1" }),
        )
        .await;
    assert_eq!(st, 200);
    let code = s.outbox_code("conf1", "ForgotPassword").await;
    let (st, v) = s
        .idp(
            "ConfirmForgotPassword",
            json!({ "ClientId": CLIENT, "Username": "conf1", "ConfirmationCode": code, "Password": "Newer!2026pass" }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_common(
        &events(&f.dir, "post")[1],
        "PostConfirmation_ConfirmForgotPassword",
        "conf1",
        CLIENT,
    );

    // A failing PostConfirmation is ConfirmSignUp's error, but the user is confirmed.
    std::fs::write(f.dir.join("post.sh"), "cat > /dev/null\nexit 2\n").unwrap();
    let (st, v) = sign_up_and_confirm(s, "conf2").await;
    assert_eq!(st, 400);
    refused_with(&v, "PostConfirmation", "exit status 2");
    s.password_login(CLIENT, "conf2", PASSWORD).await;
}

#[tokio::test]
async fn pre_token_generation_v1_claims_and_groups() {
    let answer = r#"{"response": {"claimsOverrideDetails": {
        "claimsToAddOrOverride": {"custom:tier": "gold", "name": "Overridden", "sub": "not-allowed"},
        "claimsToSuppress": ["email"],
        "groupOverrideDetails": {"groupsToOverride": ["vip"], "iamRolesToOverride": [], "preferredRole": null}}}}"#;
    let f = with_triggers(|d, t| t.pre_token_generation = Some(recorder(d, "ptg", answer))).await;
    let s = &f.s;
    let a = s.password_login(CLIENT, "editor", "Editor!2026pass").await;
    let id = claims(a["IdToken"].as_str().unwrap());
    assert_eq!(id["custom:tier"], "gold");
    assert_eq!(id["name"], "Overridden");
    assert!(id.get("email").is_none(), "{id}");
    assert_ne!(id["sub"], "not-allowed");
    assert_eq!(id["cognito:groups"], json!(["vip"]));
    assert!(id.get("cognito:roles").is_none(), "{id}");
    // The editors' role stays preferred (preferredRole null: unchanged).
    assert!(id["cognito:preferred_role"].is_string(), "{id}");
    let access = claims(a["AccessToken"].as_str().unwrap());
    assert_eq!(access["cognito:groups"], json!(["vip"]));
    assert!(
        access.get("custom:tier").is_none(),
        "V1 changes the ID token only"
    );

    let e = &events(&f.dir, "ptg")[0];
    assert_common(e, "TokenGeneration_Authentication", "editor", CLIENT);
    assert_eq!(
        e["request"]["groupConfiguration"],
        json!({ "groupsToOverride": ["editors"], "iamRolesToOverride": [EDITOR_ROLE], "preferredRole": EDITOR_ROLE })
    );
    assert_eq!(e["response"], json!({ "claimsOverrideDetails": null }));
    assert!(e["request"].get("scopes").is_none());

    // Refresh and the managed-login code exchange name their own sources.
    let r = s.refresh(CLIENT, a["RefreshToken"].as_str().unwrap()).await;
    assert_eq!(r.status(), 200);
    let t = s.signed_in_tokens(CLIENT).await;
    assert_eq!(
        claims(t["id_token"].as_str().unwrap())["custom:tier"],
        "gold"
    );
    let sources = sources(&f.dir, "ptg");
    assert_eq!(
        sources,
        [
            "TokenGeneration_Authentication",
            "TokenGeneration_RefreshTokens",
            "TokenGeneration_HostedAuth"
        ]
    );
}

#[tokio::test]
async fn pre_token_generation_v2_access_token_and_scopes() {
    let answer = r#"{"response": {"claimsAndScopeOverrideDetails": {
        "idTokenGeneration": {"claimsToAddOrOverride": {"custom:tier": "standard", "favourites": [1, 2]}},
        "accessTokenGeneration": {"claimsToAddOrOverride": {"custom:tier": "standard"},
            "scopesToAdd": ["shop/orders.read"], "scopesToSuppress": ["profile"]}}}}"#;
    let f = with_triggers(|d, t| {
        let mut tr = recorder(d, "ptg", answer);
        tr.version = Some("V2_0".into());
        t.pre_token_generation = Some(tr);
    })
    .await;
    let s = &f.s;
    let t = s.signed_in_tokens(CLIENT).await;
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id["custom:tier"], "standard");
    assert_eq!(id["favourites"], json!([1, 2]));
    let access = claims(t["access_token"].as_str().unwrap());
    assert_eq!(access["custom:tier"], "standard");
    assert_eq!(
        access["scope"],
        "openid email aws.cognito.signin.user.admin shop/orders.read"
    );
    let e = &events(&f.dir, "ptg")[0];
    assert_eq!(e["version"], "2");
    assert_eq!(e["triggerSource"], "TokenGeneration_HostedAuth");
    assert_eq!(
        e["request"]["scopes"],
        json!([
            "openid",
            "email",
            "profile",
            "aws.cognito.signin.user.admin"
        ])
    );
    assert_eq!(
        e["response"],
        json!({ "claimsAndScopeOverrideDetails": null })
    );

    // A failing PreTokenGeneration: no tokens (the API's error, the token endpoint's invalid_request).
    std::fs::write(
        f.dir.join("ptg.sh"),
        "cat > /dev/null\necho '{\"errorMessage\": \"no tiers today\"}'\nexit 1\n",
    )
    .unwrap();
    let (st, v) = s
        .idp(
            "InitiateAuth",
            json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "demo", "PASSWORD": "ShopSphere!2026" } }),
        )
        .await;
    assert_eq!(st, 400);
    refused_with(&v, "PreTokenGeneration", "no tiers today");
    let (code, _) = s.browser_login(CLIENT, "").await;
    let r = s.exchange(CLIENT, &code, VERIFIER).await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_request");
    assert_eq!(
        v["error_description"],
        "PreTokenGeneration failed with error no tiers today."
    );
}

#[tokio::test]
async fn custom_message_writes_the_outbox_text() {
    let answer = r#"{"response": {"emailSubject": "Welcome to ShopSphere", "emailMessage": "Your ShopSphere code is {####}. Happy shopping!"}}"#;
    let f = with_triggers(|d, t| t.custom_message = Some(recorder(d, "msg", answer))).await;
    let s = &f.s;
    let (st, _) = s.idp("SignUp", sign_up_body("msg1")).await;
    assert_eq!(st, 200);
    let m = s.outbox("msg1", "SignUp").await[0].clone();
    let code = m["code"].as_str().unwrap();
    assert_eq!(m["subject"], "Welcome to ShopSphere");
    assert_eq!(
        m["message"],
        format!("Your ShopSphere code is {code}. Happy shopping!")
    );
    let e = &events(&f.dir, "msg")[0];
    assert_common(e, "CustomMessage_SignUp", "msg1", CLIENT);
    assert_eq!(e["request"]["codeParameter"], "{####}");
    assert_eq!(
        e["request"]["userAttributes"]["email"],
        "msg1@shopsphere.test"
    );
    assert_eq!(
        e["response"],
        json!({ "smsMessage": null, "emailMessage": null, "emailSubject": null })
    );
    s.idp(
        "ResendConfirmationCode",
        json!({ "ClientId": CLIENT, "Username": "msg1" }),
    )
    .await;
    s.idp(
        "ForgotPassword",
        json!({ "ClientId": CLIENT, "Username": "demo" }),
    )
    .await;
    let sources = sources(&f.dir, "msg");
    assert_eq!(
        sources,
        [
            "CustomMessage_SignUp",
            "CustomMessage_ResendCode",
            "CustomMessage_ForgotPassword"
        ]
    );
    let m = s.outbox("demo", "ForgotPassword").await[0].clone();
    assert!(m["message"]
        .as_str()
        .unwrap()
        .contains(m["code"].as_str().unwrap()));

    // A message without the code is refused (the code would never reach the user).
    std::fs::write(
        f.dir.join("msg.sh"),
        "cat > /dev/null\necho '{\"response\": {\"emailMessage\": \"Hello!\"}}'\n",
    )
    .unwrap();
    let (st, v) = s.idp("SignUp", sign_up_body("msg2")).await;
    assert_eq!(st, 400);
    refused_with(
        &v,
        "CustomMessage",
        "emailMessage does not contain the codeParameter {####}",
    );
}

#[tokio::test]
async fn custom_message_for_attribute_and_sign_in_codes() {
    let answer = r#"{"response": {"smsMessage": "ShopSphere SMS code {####}",
        "emailSubject": "Your ShopSphere code", "emailMessage": "ShopSphere email code {####}"}}"#;
    let f = with_triggers(|d, t| t.custom_message = Some(recorder(d, "msg", answer))).await;
    let s = &f.s;
    let a = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let access = &a["AccessToken"];
    let last_text = |username: &'static str, purpose: &'static str| async move {
        let all = s.outbox(username, purpose).await;
        let m = all.as_array().unwrap().last().unwrap().clone();
        let code = m["code"].as_str().unwrap().to_string();
        (
            m["subject"].clone(),
            m["message"].as_str().unwrap().replace(&code, "<code>"),
        )
    };

    // UpdateUserAttributes: the event has the new values; each code its message (SMS or email).
    let (st, v) = s
        .idp(
            "UpdateUserAttributes",
            json!({ "AccessToken": access, "ClientMetadata": { "screen": "profile" },
                "UserAttributes": [{ "Name": "email", "Value": "rival2@shopsphere.test" },
                    { "Name": "phone_number", "Value": "+15555550100" }] }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let e = &events(&f.dir, "msg")[0];
    assert_common(e, "CustomMessage_UpdateUserAttribute", "rival", CLIENT);
    assert_eq!(e["request"]["codeParameter"], "{####}");
    assert!(e["request"]["usernameParameter"].is_null(), "{e}");
    assert_eq!(
        e["request"]["clientMetadata"],
        json!({ "screen": "profile" })
    );
    assert_eq!(
        e["request"]["userAttributes"]["email"],
        "rival2@shopsphere.test"
    );
    let sent = s.outbox("rival", "VerifyUserAttribute").await;
    let texts: Vec<_> = sent
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["subject"].clone(),
                m["message"].clone(),
                m["code"].clone(),
            )
        })
        .collect();
    assert_eq!(texts.len(), 2);
    assert_eq!(texts[0].0, "Your ShopSphere code");
    assert_eq!(
        texts[0].1,
        format!("ShopSphere email code {}", texts[0].2.as_str().unwrap())
    );
    assert!(texts[1].0.is_null(), "an SMS has no subject");
    assert_eq!(
        texts[1].1,
        format!("ShopSphere SMS code {}", texts[1].2.as_str().unwrap())
    );

    let (st, v) = s
        .idp(
            "GetUserAttributeVerificationCode",
            json!({ "AccessToken": access, "AttributeName": "email" }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        last_text("rival", "VerifyUserAttribute").await.1,
        "ShopSphere email code <code>"
    );

    // The codes of a sign-in: the SMS_MFA factor and USER_AUTH's EMAIL_OTP.
    let (st, _) = super::mfa::set_mfa(
        s,
        access,
        json!({ "SMSMfaSettings": { "Enabled": true, "PreferredMfa": true } }),
    )
    .await;
    assert_eq!(st, 200);
    let v = super::mfa::password_step(s, "rival", "Rival!2026pass").await;
    assert_eq!(v["ChallengeName"], "SMS_MFA", "{v}");
    assert_eq!(
        last_text("rival", "SMS_MFA").await,
        (Value::Null, "ShopSphere SMS code <code>".to_string())
    );
    let (st, v) = initiate(
        s,
        "USER_AUTH",
        json!({ "USERNAME": "editor", "PREFERRED_CHALLENGE": "EMAIL_OTP" }),
    )
    .await;
    assert_eq!(
        (st.as_u16(), &v["ChallengeName"]),
        (200, &json!("EMAIL_OTP"))
    );
    assert_eq!(
        last_text("editor", "EMAIL_OTP").await,
        (
            json!("Your ShopSphere code"),
            "ShopSphere email code <code>".to_string()
        )
    );
    let sources = sources(&f.dir, "msg");
    assert_eq!(
        sources,
        [
            "CustomMessage_UpdateUserAttribute",
            "CustomMessage_UpdateUserAttribute",
            "CustomMessage_VerifyUserAttribute",
            "CustomMessage_Authentication",
            "CustomMessage_Authentication"
        ]
    );

    // A failing trigger: refused, no code sent, nothing changed.
    std::fs::write(
        f.dir.join("msg.sh"),
        "cat > /dev/null\necho 'Error: Quiet hours' >&2\nexit 1\n",
    )
    .unwrap();
    let count = |username: &'static str, purpose: &'static str| async move {
        s.outbox(username, purpose).await.as_array().unwrap().len()
    };
    let counts = || async {
        (
            count("rival", "SMS_MFA").await,
            count("rival", "VerifyUserAttribute").await,
            count("editor", "EMAIL_OTP").await,
        )
    };
    let before = counts().await;
    let (st, v) = initiate(
        s,
        "USER_PASSWORD_AUTH",
        json!({ "USERNAME": "rival", "PASSWORD": "Rival!2026pass" }),
    )
    .await;
    assert_eq!(st, 400);
    refused_with(&v, "CustomMessage", "Quiet hours");
    let (_, v) = s
        .idp(
            "UpdateUserAttributes",
            json!({ "AccessToken": access,
                "UserAttributes": [{ "Name": "email", "Value": "rival3@shopsphere.test" }] }),
        )
        .await;
    refused_with(&v, "CustomMessage", "Quiet hours");
    let (_, u) = s.idp("GetUser", json!({ "AccessToken": access })).await;
    assert!(
        u["UserAttributes"]
            .to_string()
            .contains("rival2@shopsphere.test"),
        "{u}"
    );
    let (_, v) = s
        .idp(
            "GetUserAttributeVerificationCode",
            json!({ "AccessToken": access, "AttributeName": "email" }),
        )
        .await;
    refused_with(&v, "CustomMessage", "Quiet hours");
    let (_, v) = initiate(
        s,
        "USER_AUTH",
        json!({ "USERNAME": "editor", "PREFERRED_CHALLENGE": "EMAIL_OTP" }),
    )
    .await;
    refused_with(&v, "CustomMessage", "Quiet hours");
    let after = counts().await;
    assert_eq!(before, after, "no code sent");
    // Managed login shows the message on the sign-in page.
    sign_in_page_refused(s, "rival", "Rival!2026pass", "CustomMessage", "Quiet hours").await;
}

#[tokio::test]
async fn pre_token_generation_after_a_new_password() {
    let f = with_triggers(|d, t| t.pre_token_generation = Some(recorder(d, "ptg", "{}"))).await;
    let s = &f.s;
    let v = super::mfa::password_step(s, "newhire", "Welcome!2026temp").await;
    assert_eq!(v["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let responses = json!({ "USERNAME": "newhire", "NEW_PASSWORD": PASSWORD });
    let (st, v) = super::mfa::respond(s, "NEW_PASSWORD_REQUIRED", &v["Session"], responses).await;
    assert_eq!(st, 200, "{v}");
    assert!(v["AuthenticationResult"]["IdToken"].is_string());
    // The next sign-in is a plain one.
    s.password_login(CLIENT, "newhire", PASSWORD).await;
    let e = events(&f.dir, "ptg");
    assert_common(
        &e[0],
        "TokenGeneration_NewPasswordChallenge",
        "newhire",
        CLIENT,
    );
    assert_eq!(e[1]["triggerSource"], "TokenGeneration_Authentication");
}

#[test]
fn config_refuses_malformed_triggers() {
    let base = devstack::config::DEFAULT_CONFIG;
    for (bad, why) in [
        ("{ }", "neither command nor url"),
        ("{ command = \"x\", url = \"http://h/\" }", "both"),
        ("{ url = \"https://h/\" }", "not http"),
        (
            "{ command = \"x\", version = \"V2_0\" }",
            "version off PreTokenGeneration",
        ),
        (
            "{ command = \"x\", role_arn = \"arn:aws:iam::000000000000:role/Nope\" }",
            "unknown role",
        ),
    ] {
        let text = base.replace(
            "post_confirmation = { command = \"node triggers/post-confirmation.mjs\", role_arn = \"arn:aws:iam::000000000000:role/ShopSphereTriggers\" }",
            &format!("post_confirmation = {bad}"),
        );
        assert!(Config::parse(&text).is_err(), "{why}");
    }
    let text = base.replace("version = \"V2_0\"", "version = \"V9_0\"");
    assert!(Config::parse(&text).is_err());
}

/// ShopSphere's triggers as the default config wires them (node, devstack/triggers/): a confirmed
/// sign-up gets its account record, written with the trigger role's credentials; tokens carry
/// `custom:tier`. Multi-threaded: PostConfirmation calls devstack's DynamoDB while ConfirmSignUp waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipped_triggers_account_record_and_tier() {
    let s = Stack::start_with_triggers(Config::default_config()).await;
    let editor = s.password_login(CLIENT, "editor", "Editor!2026pass").await;
    assert_eq!(
        claims(editor["IdToken"].as_str().unwrap())["custom:tier"],
        "gold"
    );
    assert_eq!(
        claims(editor["AccessToken"].as_str().unwrap())["custom:tier"],
        "gold"
    );
    let demo = s.demo_login().await;
    assert_eq!(
        claims(demo["IdToken"].as_str().unwrap())["custom:tier"],
        "standard"
    );

    let (st, v) = sign_up_and_confirm(&s, "shopper1").await;
    assert_eq!(st, 200, "{v}");
    let shopper = s.password_login(CLIENT, "shopper1", PASSWORD).await;
    let id = claims(shopper["IdToken"].as_str().unwrap());
    assert_eq!(id["custom:tier"], "standard");
    let sub = id["sub"].as_str().unwrap().to_string();
    // A tier stored on the account wins over the groups' (the next tokens carry it).
    let (st, v) = s
        .idp(
            "UpdateUserAttributes",
            json!({ "AccessToken": shopper["AccessToken"], "UserAttributes": [{ "Name": "custom:tier", "Value": "platinum" }] }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let r = s
        .refresh(CLIENT, shopper["RefreshToken"].as_str().unwrap())
        .await;
    let t: Value = r.json().await.unwrap();
    assert_eq!(
        claims(t["id_token"].as_str().unwrap())["custom:tier"],
        "platinum"
    );
    let creds = {
        let app = &s.running.as_ref().unwrap().app;
        let store = app.store();
        let (key, rec) = store
            .credentials
            .iter()
            .find(|(_, r)| r.role_arn.as_deref() == Some(TRIGGER_ROLE))
            .expect("the trigger role's credentials");
        Creds {
            akid: key.clone(),
            secret: rec.secret_key.clone(),
            token: Some(rec.session_token.clone()),
        }
    };
    let (st, v) = call(
        &s,
        "GetItem",
        json!({ "TableName": "shopsphere-accounts", "Key": { "sub": { "S": sub } } }),
        &creds,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let item = &v["Item"];
    assert_eq!(item["username"]["S"], "shopper1", "{v}");
    assert_eq!(item["email"]["S"], "shopper1@shopsphere.test");
    assert_eq!(item["source"]["S"], "PostConfirmation_ConfirmSignUp");
    assert_eq!(item["clientId"]["S"], CLIENT);
    // The trigger role may not touch the browser's table.
    let (st, v) = call(
        &s,
        "GetItem",
        json!({ "TableName": "shopsphere-profiles", "Key": { "identityId": { "S": "x" } } }),
        &creds,
    )
    .await;
    assert_eq!(st, 400, "{v}");
}
