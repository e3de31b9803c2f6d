//! Sign-up and password recovery: the managed-login pages and the JSON API, with every refusal.

use serde_json::{json, Value};

use crate::common::*;

/// The href of the link with this id, unescaped.
pub fn href(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id={id} href=\""))
        .unwrap_or_else(|| panic!("no #{id} link in {html}"));
    let rest = &html[at + id.len() + 10..];
    rest[..rest.find('"').unwrap()].replace("&amp;", "&")
}

/// The text of the page's `.error` paragraph.
pub fn error_of(html: &str) -> String {
    let at = html
        .find("class=error")
        .unwrap_or_else(|| panic!("no .error in {html}"));
    let start = html[at..].find('>').unwrap() + at + 1;
    let end = html[start..].find('<').unwrap() + start;
    html[start..end]
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

async fn api_error(s: &Stack, op: &str, body: Value) -> (String, String) {
    let (st, v) = s.idp(op, body).await;
    assert_eq!(st, 400, "{op}: {v}");
    (
        v["__type"].as_str().unwrap().to_string(),
        v["message"].as_str().unwrap().to_string(),
    )
}

fn sign_up_body(username: &str, password: &str, email: Option<&str>) -> Value {
    let attrs: Vec<Value> = email
        .map(|e| vec![json!({ "Name": "email", "Value": e })])
        .unwrap_or_default();
    json!({ "ClientId": CLIENT, "Username": username, "Password": password, "UserAttributes": attrs })
}

#[tokio::test]
async fn sign_up_pages_confirm_then_signed_in() {
    let s = Stack::start().await;
    let r = s.get(&authorize_query(CLIENT, "")).await;
    let (_, login) = s.follow(&r).await;
    assert!(login.contains("id=forgotPasswordLink"));
    let (st, html) = s.page(&href(&login, "signUpLink")).await;
    assert_eq!(st, 200);
    for id in [
        "signUpFormUsername",
        "signUpFormEmail",
        "signUpFormPassword",
        "signUpButton",
        "signInLink",
    ] {
        assert!(html.contains(&format!("id={id}")), "#{id} in {html}");
    }
    assert!(html.contains("<label for=signUpFormEmail>Email</label>"));
    assert!(hidden_fields(&html).contains(&("state".into(), "st4te".into())));
    assert!(hidden_fields(&html).contains(&("nonce".into(), "n0nce".into())));

    let fields = |user: &'static str, pw: &'static str, email: &'static str| {
        [
            ("username", user),
            ("password", pw),
            ("requiredAttributes[email]", email),
        ]
    };
    // Refusals come back as the page with Cognito's message.
    for (f, message) in [
        (
            fields("carol", "Ab1!", "carol@shopsphere.test"),
            "Password did not conform with policy: Password not long enough",
        ),
        (
            fields("carol", "carolcarol1!", "carol@shopsphere.test"),
            "Password did not conform with policy: Password must have uppercase characters",
        ),
        (
            fields("demo", "Carol!2026pw", "carol@shopsphere.test"),
            "User already exists",
        ),
        (
            fields("carol", "Carol!2026pw", ""),
            "Attributes did not conform to the schema: email: The attribute is required",
        ),
    ] {
        let r = s.submit(&html, "/signup", &f).await;
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        assert_eq!(error_of(&page), message);
        assert!(hidden_fields(&page).contains(&("state".into(), "st4te".into())));
    }
    let r = s
        .submit(
            &html,
            "/signup",
            &fields("carol", "Carol!2026pw", "carol@shopsphere.test"),
        )
        .await;
    assert_eq!(r.status(), 302);
    assert!(location(&r).starts_with("/confirm?"), "{}", location(&r));
    let (_, confirm) = s.follow(&r).await;
    for id in ["confirmCode", "confirmButton", "resendCodeButton"] {
        assert!(confirm.contains(&format!("id={id}")), "#{id}");
    }
    assert!(
        confirm.contains("We have sent a code by email to c***@s***.test."),
        "{confirm}"
    );
    let first = s.outbox_code("carol", "SignUp").await;
    assert_eq!(first.len(), 6);
    let outbox = s.outbox("carol", "SignUp").await;
    assert_eq!(outbox[0]["destination"], "carol@shopsphere.test");
    assert_eq!(outbox[0]["poolId"], POOL);

    // A wrong code.
    let r = s.submit(&confirm, "/confirm", &[("code", "000000x")]).await;
    let page = r.text().await.unwrap();
    assert_eq!(
        error_of(&page),
        "Invalid verification code provided, please try again."
    );
    // Signing in before confirming: a new code and the confirmation page, as Cognito's managed login.
    let mut form = hidden_fields(&login);
    form.push(("username".into(), "carol".into()));
    form.push(("password".into(), "Carol!2026pw".into()));
    let r = s
        .http
        .post(format!("{}/login", s.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert!(location(&r).starts_with("/confirm?"));
    assert!(crate::common::session_cookie(r.headers()).is_none());
    assert_eq!(
        s.outbox("carol", "SignUp").await.as_array().unwrap().len(),
        2
    );
    // Resend: a third code, the older ones no longer work.
    let r = s.submit(&confirm, "/resendCode", &[]).await;
    let page = r.text().await.unwrap();
    assert!(
        page.contains("A new code was sent by email to c***@s***.test."),
        "{page}"
    );
    let code = s.outbox_code("carol", "SignUp").await;
    if code != first {
        let r = s.submit(&confirm, "/confirm", &[("code", &first)]).await;
        assert_eq!(r.status(), 200, "an older code is refused");
    }
    let r = s.submit(&confirm, "/confirm", &[("code", &code)]).await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(to.starts_with(REDIRECT), "{to}");
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    assert!(session_cookie(r.headers()).is_some());
    let t: Value = s
        .exchange(CLIENT, &query_param(&to, "code").unwrap(), VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "carol");
    assert_eq!(id["email"], "carol@shopsphere.test");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["nonce"], "n0nce");
    // And the password works from now on.
    s.password_login(CLIENT, "carol", "Carol!2026pw").await;
    let (ty, msg) = api_error(
        &s,
        "ConfirmSignUp",
        json!({ "ClientId": CLIENT, "Username": "carol", "ConfirmationCode": code }),
    )
    .await;
    assert_eq!(
        (ty.as_str(), msg.as_str()),
        (
            "NotAuthorizedException",
            "User cannot be confirmed. Current status is CONFIRMED"
        )
    );
}

#[tokio::test]
async fn sign_up_api_and_its_refusals() {
    let s = Stack::start().await;
    let (st, v) = s
        .idp(
            "SignUp",
            sign_up_body("dora", "Dora!2026pw", Some("dora@example.test")),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["UserConfirmed"], false);
    assert_eq!(
        v["CodeDeliveryDetails"],
        json!({ "Destination": "d***@e***.test", "DeliveryMedium": "EMAIL", "AttributeName": "email" })
    );
    let sub = v["UserSub"].as_str().unwrap().to_string();
    assert_eq!(sub.len(), 36);

    let cases: Vec<(Value, &str, &str)> = vec![
        (
            sign_up_body("dora", "Dora!2026pw", Some("dora@example.test")),
            "UsernameExistsException",
            "User already exists",
        ),
        (
            sign_up_body("eve", "Eve!26", Some("eve@example.test")),
            "InvalidPasswordException",
            "Password did not conform with policy: Password not long enough",
        ),
        (
            sign_up_body("eve", "EVE!2026PW", Some("eve@example.test")),
            "InvalidPasswordException",
            "Password did not conform with policy: Password must have lowercase characters",
        ),
        (
            sign_up_body("eve", "eve!2026pw", Some("eve@example.test")),
            "InvalidPasswordException",
            "Password did not conform with policy: Password must have uppercase characters",
        ),
        (
            sign_up_body("eve", "Eve!twenty", Some("eve@example.test")),
            "InvalidPasswordException",
            "Password did not conform with policy: Password must have numeric characters",
        ),
        (
            sign_up_body("eve", "Eve2026pass", Some("eve@example.test")),
            "InvalidPasswordException",
            "Password did not conform with policy: Password must have symbol characters",
        ),
        (
            sign_up_body("eve", "Eve!2026pw", None),
            "InvalidParameterException",
            "Attributes did not conform to the schema: email: The attribute is required",
        ),
        (
            json!({ "ClientId": CLIENT, "Username": "eve", "Password": "Eve!2026pw", "UserAttributes": [
                { "Name": "email", "Value": "eve@example.test" }, { "Name": "email_verified", "Value": "true" }] }),
            "NotAuthorizedException",
            "A client attempted to write unauthorized attribute email_verified",
        ),
        (
            json!({ "ClientId": "nosuchclient", "Username": "eve", "Password": "Eve!2026pw" }),
            "ResourceNotFoundException",
            "User pool client nosuchclient does not exist.",
        ),
    ];
    for (body, ty, message) in cases {
        assert_eq!(
            api_error(&s, "SignUp", body).await,
            (ty.into(), message.into())
        );
    }

    // Unconfirmed users cannot sign in.
    let (ty, msg) = api_error(
        &s,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "dora", "PASSWORD": "Dora!2026pw" } }),
    )
    .await;
    assert_eq!(
        (ty.as_str(), msg.as_str()),
        ("UserNotConfirmedException", "User is not confirmed.")
    );
    let confirm =
        |code: &str| json!({ "ClientId": CLIENT, "Username": "dora", "ConfirmationCode": code });
    let first = s.outbox_code("dora", "SignUp").await;
    let wrong = if first == "123456" {
        "654321"
    } else {
        "123456"
    };
    assert_eq!(
        api_error(&s, "ConfirmSignUp", confirm(wrong)).await.0,
        "CodeMismatchException"
    );
    assert_eq!(
        api_error(
            &s,
            "ConfirmSignUp",
            json!({ "ClientId": CLIENT, "Username": "nobody", "ConfirmationCode": first })
        )
        .await,
        (
            "UserNotFoundException".into(),
            "Username/client id combination not found.".into()
        )
    );
    // ResendConfirmationCode replaces the code.
    let (st, v) = s
        .idp(
            "ResendConfirmationCode",
            json!({ "ClientId": CLIENT, "Username": "dora" }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["CodeDeliveryDetails"]["Destination"], "d***@e***.test");
    let second = s.outbox_code("dora", "SignUp").await;
    if second != first {
        assert_eq!(
            api_error(&s, "ConfirmSignUp", confirm(&first)).await.0,
            "CodeMismatchException"
        );
    }
    // Codes live 24 hours.
    s.clock(24 * 3600 + 1).await;
    assert_eq!(
        api_error(&s, "ConfirmSignUp", confirm(&second)).await,
        (
            "ExpiredCodeException".into(),
            "Invalid code provided, please request a code again.".into()
        )
    );
    s.clock(0).await;
    let (st, _) = s
        .idp(
            "ResendConfirmationCode",
            json!({ "ClientId": CLIENT, "Username": "dora" }),
        )
        .await;
    assert_eq!(st, 200);
    let third = s.outbox_code("dora", "SignUp").await;

    // Persisted: a restart keeps the unconfirmed user and the code.
    let tmp = s.stop().await.unwrap();
    let s = Stack::start_on(tmp.path()).await;
    let (st, v) = s.idp("ConfirmSignUp", confirm(&third)).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v, json!({}));
    let a = s.password_login(CLIENT, "dora", "Dora!2026pw").await;
    let id = claims(a["IdToken"].as_str().unwrap());
    assert_eq!(id["sub"], sub.as_str());
    assert_eq!(id["email_verified"], true);
    assert_eq!(
        api_error(&s, "ConfirmSignUp", confirm(&third)).await.0,
        "NotAuthorizedException"
    );
    assert_eq!(
        api_error(
            &s,
            "ResendConfirmationCode",
            json!({ "ClientId": CLIENT, "Username": "dora" })
        )
        .await,
        (
            "InvalidParameterException".into(),
            "User is already confirmed.".into()
        )
    );
    drop(tmp);
}

#[tokio::test]
async fn code_attempts_and_sends_are_limited() {
    let s = Stack::start().await;
    let (st, _) = s
        .idp(
            "SignUp",
            sign_up_body("finn", "Finn!2026pw", Some("finn@example.test")),
        )
        .await;
    assert_eq!(st, 200);
    let code = s.outbox_code("finn", "SignUp").await;
    let wrong = if code == "111111" { "222222" } else { "111111" };
    let confirm =
        |c: &str| json!({ "ClientId": CLIENT, "Username": "finn", "ConfirmationCode": c });
    for _ in 0..5 {
        assert_eq!(
            api_error(&s, "ConfirmSignUp", confirm(wrong)).await.0,
            "CodeMismatchException"
        );
    }
    assert_eq!(
        api_error(&s, "ConfirmSignUp", confirm(&code)).await,
        (
            "LimitExceededException".into(),
            "Attempt limit exceeded, please try after some time.".into()
        ),
        "after 5 wrong guesses even the right code is refused"
    );
    // Sending: the sign-up code and 4 resends in 15 minutes, then LimitExceededException.
    let resend = json!({ "ClientId": CLIENT, "Username": "finn" });
    for _ in 0..4 {
        assert_eq!(s.idp("ResendConfirmationCode", resend.clone()).await.0, 200);
    }
    assert_eq!(
        api_error(&s, "ResendConfirmationCode", resend.clone())
            .await
            .0,
        "LimitExceededException"
    );
    s.clock(901).await;
    assert_eq!(s.idp("ResendConfirmationCode", resend).await.0, 200);
    let code = s.outbox_code("finn", "SignUp").await;
    assert_eq!(s.idp("ConfirmSignUp", confirm(&code)).await.0, 200);
}

#[tokio::test]
async fn forgot_password_pages() {
    let s = Stack::start().await;
    let r = s.get(&authorize_query(CLIENT, "")).await;
    let (_, login) = s.follow(&r).await;
    let (st, html) = s.page(&href(&login, "forgotPasswordLink")).await;
    assert_eq!(st, 200);
    assert!(html.contains("id=forgotUsername") && html.contains("id=forgotPasswordButton"));
    let r = s
        .submit(&html, "/forgotPassword", &[("username", "nobody")])
        .await;
    assert_eq!(
        error_of(&r.text().await.unwrap()),
        "Username/client id combination not found."
    );
    let r = s
        .submit(&html, "/forgotPassword", &[("username", "demo")])
        .await;
    assert_eq!(r.status(), 302);
    assert!(location(&r).starts_with("/confirmForgotPassword?"));
    let (_, reset) = s.follow(&r).await;
    for id in [
        "forgotCode",
        "forgotNewPassword",
        "confirmForgotPasswordButton",
    ] {
        assert!(reset.contains(&format!("id={id}")), "#{id}");
    }
    assert!(reset.contains("We have sent a password reset code by email to d***@s***.test."));
    let code = s.outbox_code("demo", "ForgotPassword").await;
    let wrong = if code == "000000" { "999999" } else { "000000" };
    let r = s
        .submit(
            &reset,
            "/confirmForgotPassword",
            &[("code", wrong), ("password", "Demo!2027new")],
        )
        .await;
    assert_eq!(
        error_of(&r.text().await.unwrap()),
        "Invalid verification code provided, please try again."
    );
    let r = s
        .submit(
            &reset,
            "/confirmForgotPassword",
            &[("code", &code), ("password", "short")],
        )
        .await;
    assert_eq!(
        error_of(&r.text().await.unwrap()),
        "Password did not conform with policy: Password not long enough"
    );
    let r = s
        .submit(
            &reset,
            "/confirmForgotPassword",
            &[("code", &code), ("password", "Demo!2027new")],
        )
        .await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(to.starts_with("/login?"), "{to}");
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    let (_, again) = s.page(&to).await;
    assert!(
        again.contains("required value=\"demo\""),
        "the username is filled in"
    );
    // The new password signs in (on the page), the old one no longer does.
    let r = s
        .submit(
            &again,
            "/login",
            &[("username", "demo"), ("password", "Demo!2027new")],
        )
        .await;
    assert_eq!(r.status(), 302);
    assert!(location(&r).starts_with(REDIRECT));
    let (_, v) = s
        .idp("InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "demo", "PASSWORD": "ShopSphere!2026" } }))
        .await;
    assert_eq!(v["__type"], "NotAuthorizedException");
}

#[tokio::test]
async fn forgot_password_api_and_its_refusals() {
    let s = Stack::start().await;
    let (st, v) = s
        .idp(
            "ForgotPassword",
            json!({ "ClientId": CLIENT, "Username": "rival" }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["CodeDeliveryDetails"],
        json!({ "Destination": "r***@s***.test", "DeliveryMedium": "EMAIL", "AttributeName": "email" })
    );
    let code = s.outbox_code("rival", "ForgotPassword").await;
    let body = |c: &str, pw: &str| json!({ "ClientId": CLIENT, "Username": "rival", "ConfirmationCode": c, "Password": pw });
    let wrong = if code == "000000" { "999999" } else { "000000" };
    assert_eq!(
        api_error(&s, "ConfirmForgotPassword", body(wrong, "Rival!2027new"))
            .await
            .0,
        "CodeMismatchException"
    );
    assert_eq!(
        api_error(&s, "ConfirmForgotPassword", body(&code, "rival2027new!")).await,
        (
            "InvalidPasswordException".into(),
            "Password did not conform with policy: Password must have uppercase characters".into()
        )
    );
    s.clock(3601).await;
    assert_eq!(
        api_error(&s, "ConfirmForgotPassword", body(&code, "Rival!2027new"))
            .await
            .0,
        "ExpiredCodeException"
    );
    s.clock(0).await;
    assert_eq!(
        api_error(
            &s,
            "ForgotPassword",
            json!({ "ClientId": CLIENT, "Username": "nobody" })
        )
        .await
        .0,
        "UserNotFoundException"
    );
    // No verified email: no reset.
    s.idp(
        "SignUp",
        sign_up_body("gus", "Gus!2026pass", Some("gus@example.test")),
    )
    .await;
    assert_eq!(
        api_error(
            &s,
            "ForgotPassword",
            json!({ "ClientId": CLIENT, "Username": "gus" })
        )
        .await,
        (
            "InvalidParameterException".into(),
            "Cannot reset password for the user as there is no registered/verified email or phone_number".into()
        )
    );
    let (st, _) = s
        .idp(
            "ForgotPassword",
            json!({ "ClientId": CLIENT, "Username": "rival" }),
        )
        .await;
    assert_eq!(st, 200);
    let code = s.outbox_code("rival", "ForgotPassword").await;
    let (st, v) = s
        .idp("ConfirmForgotPassword", body(&code, "Rival!2027new"))
        .await;
    assert_eq!((st.as_u16(), v), (200, json!({})));
    s.password_login(CLIENT, "rival", "Rival!2027new").await;
    assert_eq!(
        api_error(&s, "ConfirmForgotPassword", body(&code, "Rival!2028new"))
            .await
            .0,
        "CodeMismatchException",
        "a code is single use"
    );
}

#[tokio::test]
async fn email_as_username() {
    let mut config = devstack::Config::default_config();
    config.user_pools[0].username_attributes = vec!["email".into()];
    let s = Stack::start_with(config).await;
    let (ty, msg) = api_error(&s, "SignUp", sign_up_body("erin", "Erin!2026pw", None)).await;
    assert_eq!(
        (ty.as_str(), msg.as_str()),
        ("InvalidParameterException", "Username should be an email.")
    );
    let (st, v) = s
        .idp(
            "SignUp",
            sign_up_body("erin@example.test", "Erin!2026pw", None),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let sub = v["UserSub"].as_str().unwrap().to_string();
    assert_eq!(v["CodeDeliveryDetails"]["Destination"], "e***@e***.test");
    assert_eq!(
        api_error(
            &s,
            "SignUp",
            sign_up_body("Erin@example.test", "Erin!2026pw", None)
        )
        .await,
        (
            "UsernameExistsException".into(),
            "An account with the given email already exists.".into()
        )
    );
    // The username is the generated UUID (the sub); the email address stands for it everywhere.
    let code = s.outbox_code(&sub, "SignUp").await;
    let (st, _) = s
        .idp(
            "ConfirmSignUp",
            json!({ "ClientId": CLIENT, "Username": "erin@example.test", "ConfirmationCode": code }),
        )
        .await;
    assert_eq!(st, 200);
    let a = s
        .password_login(CLIENT, "erin@example.test", "Erin!2026pw")
        .await;
    let id = claims(a["IdToken"].as_str().unwrap());
    assert_eq!(id["cognito:username"], sub.as_str());
    assert_eq!(id["sub"], sub.as_str());
    assert_eq!(id["email"], "erin@example.test");
    // The sign-in page asks for the email address and accepts it.
    let r = s.get(&authorize_query(CLIENT, "")).await;
    let (_, login) = s.follow(&r).await;
    assert!(login.contains("<label for=signInFormUsername>Email</label>"));
    let r = s
        .submit(
            &login,
            "/login",
            &[
                ("username", "erin@example.test"),
                ("password", "Erin!2026pw"),
            ],
        )
        .await;
    assert_eq!(r.status(), 302);
    assert!(location(&r).starts_with(REDIRECT));
    // The sign-up page has no separate email field.
    let (_, page) = s.page(&href(&login, "signUpLink")).await;
    assert!(page.contains("<label for=signUpFormUsername>Email</label>"));
    assert!(!page.contains("id=signUpFormEmail"));
}

#[tokio::test]
async fn a_confirmed_sign_up_signs_in_once_with_its_session() {
    let s = Stack::start().await;
    let (st, v) = s
        .idp(
            "SignUp",
            sign_up_body("fern", "Fern!2026pw", Some("fern@example.test")),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let session = v["Session"]
        .as_str()
        .expect("a Session for a USER_AUTH client")
        .to_string();
    let code = s.outbox_code("fern", "SignUp").await;
    let confirm = |session: &str, code: &str| json!({ "ClientId": CLIENT, "Username": "fern", "ConfirmationCode": code, "Session": session });
    // Another session is refused before the code is looked at; a wrong code keeps the session.
    let (ty, _) = api_error(&s, "ConfirmSignUp", confirm("not-it", &code)).await;
    assert_eq!(ty, "NotAuthorizedException");
    let (ty, _) = api_error(&s, "ConfirmSignUp", confirm(&session, "000000")).await;
    assert_eq!(ty, "CodeMismatchException");
    let (st, v) = s.idp("ConfirmSignUp", confirm(&session, &code)).await;
    assert_eq!(st, 200, "{v}");
    let confirmed = v["Session"].as_str().unwrap().to_string();
    assert_ne!(confirmed, session);
    let sign_in = |username: &str| {
        json!({ "AuthFlow": "USER_AUTH", "ClientId": CLIENT, "Session": confirmed,
            "AuthParameters": { "USERNAME": username } })
    };
    let (ty, _) = api_error(&s, "InitiateAuth", sign_in("demo")).await;
    assert_eq!(
        ty, "NotAuthorizedException",
        "another user's sign-in spends nothing but is refused"
    );
    // The refusal spent it: Cognito's sessions are single-use. A fresh sign-up shows the happy path.
    let (st, v) = s
        .idp(
            "SignUp",
            sign_up_body("gil", "Gil!2026pass", Some("gil@example.test")),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let session = v["Session"].as_str().unwrap().to_string();
    let code = s.outbox_code("gil", "SignUp").await;
    let (_, v) = s
        .idp(
            "ConfirmSignUp",
            json!({ "ClientId": CLIENT, "Username": "gil", "ConfirmationCode": code, "Session": session }),
        )
        .await;
    let confirmed = v["Session"].as_str().unwrap().to_string();
    let body = json!({ "AuthFlow": "USER_AUTH", "ClientId": CLIENT, "Session": confirmed,
        "AuthParameters": { "USERNAME": "gil" } });
    let (st, v) = s.idp("InitiateAuth", body.clone()).await;
    assert_eq!(st, 200, "{v}");
    assert!(v["AuthenticationResult"]["IdToken"].is_string(), "{v}");
    let (ty, _) = api_error(&s, "InitiateAuth", body).await;
    assert_eq!(ty, "NotAuthorizedException", "once");
    // Without the SignUp session, ConfirmSignUp gives none.
    s.idp(
        "SignUp",
        sign_up_body("hal", "Hal!2026pass", Some("hal@example.test")),
    )
    .await;
    let code = s.outbox_code("hal", "SignUp").await;
    let (st, v) = s
        .idp(
            "ConfirmSignUp",
            json!({ "ClientId": CLIENT, "Username": "hal", "ConfirmationCode": code }),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(v, json!({}));
}
