//! TOTP MFA: AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference, GetUser's MFA settings,
//! the TOTP step of the sign-in page and InitiateAuth's SOFTWARE_TOKEN_MFA challenge. Codes are computed
//! here with totp-rs (RFC 6238, SHA-1, 6 digits, 30 s).

use serde_json::{json, Value};

use crate::common::*;
use crate::sign_up::error_of;

const STEP: u64 = 30;

/// A 6-digit code that is none of the codes of the steps around now (so it is surely wrong).
fn wrong_code(secret: &str) -> String {
    let now = unix_now();
    let near: Vec<String> = (0..5)
        .map(|i| totp_at(secret, now + i * STEP - 2 * STEP))
        .collect();
    (0..10)
        .map(|d| d.to_string().repeat(6))
        .find(|c| !near.contains(c))
        .unwrap()
}

/// Associates and verifies a software token for the user of `access` (code of the current step), and
/// turns TOTP MFA on as preferred: the secret.
pub async fn set_up_totp(s: &Stack, access: &Value) -> String {
    let (st, v) = s
        .idp("AssociateSoftwareToken", json!({ "AccessToken": access }))
        .await;
    assert_eq!(st, 200, "{v}");
    let secret = v["SecretCode"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 52, "base32 of 32 bytes");
    let (st, v) = s
        .idp(
            "VerifySoftwareToken",
            json!({ "AccessToken": access, "UserCode": totp_at(&secret, unix_now()), "FriendlyDeviceName": "phone" }),
        )
        .await;
    assert_eq!((st.as_u16(), &v), (200, &json!({ "Status": "SUCCESS" })));
    let (st, v) = s
        .idp(
            "SetUserMFAPreference",
            json!({ "AccessToken": access, "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": true } }),
        )
        .await;
    assert_eq!((st.as_u16(), &v), (200, &json!({})));
    secret
}

/// Gives the user of `access` the phone number +15555550100 (for SMS MFA).
async fn give_phone(s: &Stack, access: &Value) {
    let (st, v) = s
        .idp(
            "UpdateUserAttributes",
            json!({ "AccessToken": access,
            "UserAttributes": [{ "Name": "phone_number", "Value": "+15555550100" }] }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
}

/// SetUserMFAPreference with `settings` for the user of `access`.
pub async fn set_mfa(s: &Stack, access: &Value, settings: Value) -> (reqwest::StatusCode, Value) {
    let mut body = settings;
    body["AccessToken"] = access.clone();
    s.idp("SetUserMFAPreference", body).await
}

/// InitiateAuth USER_PASSWORD_AUTH of `user` on the demo client: the answer (tokens or a challenge).
pub async fn password_step(s: &Stack, user: &str, password: &str) -> Value {
    let (st, v) = s
        .idp(
            "InitiateAuth",
            json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
                "AuthParameters": { "USERNAME": user, "PASSWORD": password } }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    v
}

#[tokio::test]
async fn software_token_setup_and_its_refusals() {
    let s = Stack::start().await;
    let a = s.demo_login().await;
    let access = &a["AccessToken"];
    let (_, u) = s.idp("GetUser", json!({ "AccessToken": access })).await;
    assert_eq!(u["UserMFASettingList"], json!([]));
    assert!(u.get("PreferredMfaSetting").is_none());

    // VerifySoftwareToken before AssociateSoftwareToken.
    let (_, v) = s
        .idp(
            "VerifySoftwareToken",
            json!({ "AccessToken": access, "UserCode": "123456" }),
        )
        .await;
    assert_eq!(v["__type"], "SoftwareTokenMFANotFoundException");
    let (_, v) = s
        .idp("AssociateSoftwareToken", json!({ "AccessToken": access }))
        .await;
    let secret = v["SecretCode"].as_str().unwrap().to_string();
    // Turning MFA on before the token is verified.
    let (_, v) = s
        .idp(
            "SetUserMFAPreference",
            json!({ "AccessToken": access, "SoftwareTokenMfaSettings": { "Enabled": true } }),
        )
        .await;
    assert_eq!(
        (v["__type"].as_str(), v["message"].as_str()),
        (
            Some("InvalidParameterException"),
            Some("User has not verified software token mfa")
        )
    );
    // A wrong code and a malformed one.
    let (_, v) = s
        .idp(
            "VerifySoftwareToken",
            json!({ "AccessToken": access, "UserCode": wrong_code(&secret) }),
        )
        .await;
    assert_eq!(v["__type"], "EnableSoftwareTokenMFAException");
    let (_, v) = s
        .idp(
            "VerifySoftwareToken",
            json!({ "AccessToken": access, "UserCode": "12ab" }),
        )
        .await;
    assert_eq!(v["__type"], "InvalidParameterException");
    // Without the aws.cognito.signin.user.admin scope.
    let t = s.openid_only_tokens().await;
    let (_, v) = s
        .idp(
            "AssociateSoftwareToken",
            json!({ "AccessToken": t["access_token"] }),
        )
        .await;
    assert_eq!(
        (v["__type"].as_str(), v["message"].as_str()),
        (
            Some("NotAuthorizedException"),
            Some("Access Token does not have required scopes")
        )
    );
    let (_, v) = s
        .idp(
            "AssociateSoftwareToken",
            json!({ "AccessToken": "garbage" }),
        )
        .await;
    assert_eq!(v["__type"], "NotAuthorizedException");

    // The right code verifies; SetUserMFAPreference turns it on; GetUser shows it.
    let (st, v) = s
        .idp(
            "VerifySoftwareToken",
            json!({ "AccessToken": access, "UserCode": totp_at(&secret, unix_now()) }),
        )
        .await;
    assert_eq!((st.as_u16(), v["Status"].as_str()), (200, Some("SUCCESS")));
    let (_, u) = s.idp("GetUser", json!({ "AccessToken": access })).await;
    assert_eq!(
        u["UserMFASettingList"],
        json!([]),
        "verified but not turned on yet"
    );
    let (st, _) = s
        .idp(
            "SetUserMFAPreference",
            json!({ "AccessToken": access, "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": true } }),
        )
        .await;
    assert_eq!(st, 200);
    let (_, u) = s.idp("GetUser", json!({ "AccessToken": access })).await;
    assert_eq!(u["UserMFASettingList"], json!(["SOFTWARE_TOKEN_MFA"]));
    assert_eq!(u["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");
    let (_, v) = s
        .idp(
            "SetUserMFAPreference",
            json!({ "AccessToken": access, "SMSMfaSettings": { "Enabled": true } }),
        )
        .await;
    assert_eq!(v["__type"], "InvalidParameterException");

    // Turned off again: GetUser says so, sign-in needs no code.
    let (st, _) = s
        .idp(
            "SetUserMFAPreference",
            json!({ "AccessToken": access, "SoftwareTokenMfaSettings": { "Enabled": false } }),
        )
        .await;
    assert_eq!(st, 200);
    let (_, u) = s.idp("GetUser", json!({ "AccessToken": access })).await;
    assert_eq!(u["UserMFASettingList"], json!([]));
    s.demo_login().await;
}

#[tokio::test]
async fn sign_in_page_asks_for_the_totp_code() {
    let s = Stack::start().await;
    let a = s.demo_login().await;
    let secret = set_up_totp(&s, &a["AccessToken"]).await;

    let r = s.get(&authorize_query(CLIENT, "")).await;
    let (_, login) = s.follow(&r).await;
    let r = s
        .submit(
            &login,
            "/login",
            &[("username", "demo"), ("password", "ShopSphere!2026")],
        )
        .await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(to.starts_with("/mfa?"), "the password is not enough: {to}");
    assert!(session_cookie(r.headers()).is_none());
    let (st, mfa) = s.page(&to).await;
    assert_eq!(st, 200);
    assert!(mfa.contains("id=totpCode") && mfa.contains("id=totpSubmitButton"));
    assert!(mfa.contains("<label for=totpCode>"));
    assert!(hidden_fields(&mfa).contains(&("state".into(), "st4te".into())));

    let r = s
        .submit(&mfa, "/mfa", &[("code", &wrong_code(&secret))])
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        error_of(&r.text().await.unwrap()),
        "Invalid code received for user"
    );
    // The next step's code (VerifySoftwareToken spent the current one).
    let code = totp_at(&secret, unix_now() + STEP);
    let r = s.submit(&mfa, "/mfa", &[("code", &code)]).await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(to.starts_with(REDIRECT), "{to}");
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    assert!(session_cookie(r.headers()).is_some());
    let t = s
        .exchange(CLIENT, &query_param(&to, "code").unwrap(), VERIFIER)
        .await;
    assert_eq!(t.status(), 200);

    // The same code again, in a new sign-in: refused.
    let r = s
        .submit(
            &login,
            "/login",
            &[("username", "demo"), ("password", "ShopSphere!2026")],
        )
        .await;
    let (_, mfa) = s.follow(&r).await;
    let r = s.submit(&mfa, "/mfa", &[("code", &code)]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        error_of(&r.text().await.unwrap()),
        "Your software token has already been used once."
    );
    // A forged session.
    let r = s
        .submit(&mfa, "/mfa", &[("mfa_session", "forged"), ("code", &code)])
        .await;
    assert_eq!(
        error_of(&r.text().await.unwrap()),
        "Invalid session for the user."
    );
}

#[tokio::test]
async fn initiate_auth_answers_the_software_token_mfa_challenge() {
    let s = Stack::start().await;
    let a = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let secret = set_up_totp(&s, &a["AccessToken"]).await;
    let start = || {
        let s = &s;
        async move {
            let (st, v) = s
                .idp("InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "rival", "PASSWORD": "Rival!2026pass" } }))
                .await;
            assert_eq!(st, 200, "{v}");
            assert_eq!(v["ChallengeName"], "SOFTWARE_TOKEN_MFA");
            assert!(v.get("AuthenticationResult").is_none());
            assert_eq!(v["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"], "phone");
            v["Session"].as_str().unwrap().to_string()
        }
    };
    let respond = |session: String, code: String, client: &'static str| {
        let s = &s;
        async move {
            s.idp(
                "RespondToAuthChallenge",
                json!({ "ClientId": client, "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": session,
                        "ChallengeResponses": { "USERNAME": "rival", "SOFTWARE_TOKEN_MFA_CODE": code } }),
            )
            .await
        }
    };
    let session = start().await;
    let (_, v) = respond(session.clone(), wrong_code(&secret), CLIENT).await;
    assert_eq!(
        (v["__type"].as_str(), v["message"].as_str()),
        (
            Some("CodeMismatchException"),
            Some("Invalid code received for user")
        )
    );
    let code = totp_at(&secret, unix_now() + STEP);
    let (_, v) = respond(session.clone(), code.clone(), ROTATING).await;
    assert_eq!(
        v["__type"], "NotAuthorizedException",
        "another client cannot answer"
    );
    let (st, v) = respond(session.clone(), code.clone(), CLIENT).await;
    assert_eq!(st, 200, "{v}");
    let id = claims(v["AuthenticationResult"]["IdToken"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "rival");
    assert!(v["AuthenticationResult"]["RefreshToken"].is_string());
    // The session is spent; the code is spent.
    let (_, v) = respond(session, code.clone(), CLIENT).await;
    assert_eq!(
        (v["__type"].as_str(), v["message"].as_str()),
        (
            Some("NotAuthorizedException"),
            Some("Invalid session for the user.")
        )
    );
    let (_, v) = respond(start().await, code.clone(), CLIENT).await;
    assert_eq!(v["__type"], "ExpiredCodeException");
    // Sessions live 3 minutes.
    let session = start().await;
    s.clock(181).await;
    let (_, v) = respond(session, code, CLIENT).await;
    assert_eq!(
        v["message"],
        "Invalid session for the user, session is expired."
    );
    s.clock(0).await;

    // Persisted: after a restart the password alone is still not enough.
    let tmp = s.stop().await.unwrap();
    let s = Stack::start_on(tmp.path()).await;
    let (_, v) = s
        .idp("InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "rival", "PASSWORD": "Rival!2026pass" } }))
        .await;
    assert_eq!(v["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    drop(tmp);
}

#[tokio::test]
async fn email_and_sms_codes_as_the_second_factor() {
    let s = Stack::start().await;
    let a = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let access = &a["AccessToken"];
    let set = |settings: Value| set_mfa(&s, access, settings);
    // SMS needs a phone number; a refused setting changes nothing (email stays off too).
    let (st, v) = set(
        json!({ "EmailMfaSettings": { "Enabled": true }, "SMSMfaSettings": { "Enabled": true } }),
    )
    .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str()),
        (400, Some("InvalidParameterException")),
        "{v}"
    );
    let (_, u) = s.idp("GetUser", json!({ "AccessToken": access })).await;
    assert_eq!(u["UserMFASettingList"], json!([]));
    let (st, v) =
        set(json!({ "EmailMfaSettings": { "Enabled": true, "PreferredMfa": true } })).await;
    assert_eq!((st.as_u16(), &v), (200, &json!({})));
    let (_, u) = s.idp("GetUser", json!({ "AccessToken": access })).await;
    assert_eq!(
        (&u["UserMFASettingList"], &u["PreferredMfaSetting"]),
        (&json!(["EMAIL_OTP"]), &json!("EMAIL_OTP"))
    );

    // The password, then EMAIL_OTP with the masked address; the code from the outbox.
    let login = json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
        "AuthParameters": { "USERNAME": "rival", "PASSWORD": "Rival!2026pass" } });
    let (st, v) = s.idp("InitiateAuth", login.clone()).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["ChallengeName"], "EMAIL_OTP");
    assert_eq!(
        v["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"],
        "EMAIL"
    );
    assert!(v["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"]
        .as_str()
        .unwrap()
        .contains("***@"));
    let session = v["Session"].as_str().unwrap().to_string();
    let answer = |name: &str, field: &str, code: &str, session: &str| {
        json!({ "ClientId": CLIENT, "ChallengeName": name, "Session": session,
            "ChallengeResponses": { "USERNAME": "rival", field: code } })
    };
    let (_, v) = s
        .idp(
            "RespondToAuthChallenge",
            answer("EMAIL_OTP", "EMAIL_OTP_CODE", "000000", &session),
        )
        .await;
    assert_eq!(v["__type"], "CodeMismatchException");
    let code = s.outbox_code("rival", "EMAIL_OTP").await;
    assert_eq!(code.len(), 6);
    let (st, v) = s
        .idp(
            "RespondToAuthChallenge",
            answer("EMAIL_OTP", "EMAIL_OTP_CODE", &code, &session),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert!(v["AuthenticationResult"]["IdToken"].is_string());

    // With a phone number, SMS may be on too; preferring it makes it the factor asked for.
    give_phone(&s, access).await;
    let (st, _) = set(json!({ "SMSMfaSettings": { "Enabled": true, "PreferredMfa": true } })).await;
    assert_eq!(st, 200);
    let (_, u) = s.idp("GetUser", json!({ "AccessToken": access })).await;
    assert_eq!(
        (&u["UserMFASettingList"], &u["PreferredMfaSetting"]),
        (&json!(["SMS_MFA", "EMAIL_OTP"]), &json!("SMS_MFA"))
    );
    let (_, v) = s.idp("InitiateAuth", login.clone()).await;
    assert_eq!(v["ChallengeName"], "SMS_MFA");
    assert_eq!(
        v["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"],
        "+*******0100"
    );
    let session = v["Session"].as_str().unwrap().to_string();
    let code = s.outbox_code("rival", "SMS_MFA").await;
    let (_, v) = s
        .idp(
            "RespondToAuthChallenge",
            answer("SMS_MFA", "SOFTWARE_TOKEN_MFA_CODE", &code, &session),
        )
        .await;
    assert_eq!(v["message"], "Missing required parameter SMS_MFA_CODE");
    let (st, v) = s
        .idp(
            "RespondToAuthChallenge",
            answer("SMS_MFA", "SMS_MFA_CODE", &code, &session),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert!(v["AuthenticationResult"]["AccessToken"].is_string());

    // The sign-in page asks for the code it sent, and names where it went.
    let r = s
        .submit_sign_in(&authorize_query(CLIENT, ""), "rival", "Rival!2026pass")
        .await;
    let to = location(&r);
    assert!(to.starts_with("/mfa?"), "{to}");
    let (_, mfa) = s.page(&to).await;
    assert!(
        mfa.contains("Enter the 6-digit code we sent to +*******0100"),
        "{mfa}"
    );
    let r = s.submit(&mfa, "/mfa", &[("code", "000000")]).await;
    assert_eq!(
        error_of(&r.text().await.unwrap()),
        "Invalid code received for user"
    );
    let code = s.outbox_code("rival", "SMS_MFA").await;
    let r = s.submit(&mfa, "/mfa", &[("code", &code)]).await;
    assert_eq!(r.status(), 302);
    assert!(
        location(&r).contains("code="),
        "signed in: back to the app with a code"
    );
    let (st, v) = set(
        json!({ "SMSMfaSettings": { "Enabled": false }, "EmailMfaSettings": { "Enabled": false } }),
    )
    .await;
    assert_eq!((st.as_u16(), &v), (200, &json!({})));
    let (_, v) = s.idp("InitiateAuth", login).await;
    assert!(
        v["AuthenticationResult"]["IdToken"].is_string(),
        "MFA off: tokens at once"
    );
}

#[tokio::test]
async fn a_pool_with_mfa_on_sets_up_totp_at_the_first_sign_in() {
    use devstack::config::{Config, DEFAULT_CONFIG};
    let text = DEFAULT_CONFIG.replace(
        "mfa_configuration = \"OPTIONAL\"",
        "mfa_configuration = \"ON\"",
    );
    assert_ne!(text, DEFAULT_CONFIG);
    let s = Stack::start_with(Config::parse(&text).unwrap()).await;
    let login = json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
        "AuthParameters": { "USERNAME": "rival", "PASSWORD": "Rival!2026pass" } });
    let (st, v) = s.idp("InitiateAuth", login.clone()).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["ChallengeName"], "MFA_SETUP");
    assert_eq!(
        v["ChallengeParameters"]["MFAS_CAN_SETUP"],
        "[\"SOFTWARE_TOKEN_MFA\"]"
    );
    let (_, a) = s
        .idp("AssociateSoftwareToken", json!({ "Session": v["Session"] }))
        .await;
    let secret = a["SecretCode"].as_str().expect("a secret").to_string();
    let session = a["Session"].as_str().unwrap().to_string();
    // The challenge's first session is spent; a wrong code keeps the new one.
    let (_, again) = s
        .idp("AssociateSoftwareToken", json!({ "Session": v["Session"] }))
        .await;
    assert_eq!(again["__type"], "NotAuthorizedException");
    let (_, w) = s
        .idp(
            "VerifySoftwareToken",
            json!({ "Session": session, "UserCode": wrong_code(&secret) }),
        )
        .await;
    assert_eq!(w["__type"], "EnableSoftwareTokenMFAException");
    let (st, ok) = s
        .idp(
            "VerifySoftwareToken",
            json!({ "Session": session, "UserCode": totp_at(&secret, unix_now()) }),
        )
        .await;
    assert_eq!(st, 200, "{ok}");
    assert_eq!(ok["Status"], "SUCCESS");
    let answer = |session: &Value, client: &str| {
        json!({ "ClientId": client, "ChallengeName": "MFA_SETUP", "Session": session,
            "ChallengeResponses": { "USERNAME": "rival" } })
    };
    let (_, other) = s
        .idp("RespondToAuthChallenge", answer(&ok["Session"], ROTATING))
        .await;
    assert_eq!(
        other["__type"], "NotAuthorizedException",
        "another client's answer"
    );
    // That spent it: set up again, this time answered by the right client.
    let (_, v) = s.idp("InitiateAuth", login.clone()).await;
    let (_, a) = s
        .idp("AssociateSoftwareToken", json!({ "Session": v["Session"] }))
        .await;
    let secret = a["SecretCode"].as_str().unwrap().to_string();
    let (_, ok) = s
        .idp(
            "VerifySoftwareToken",
            json!({ "Session": a["Session"], "UserCode": totp_at(&secret, unix_now()) }),
        )
        .await;
    let (st, done) = s
        .idp("RespondToAuthChallenge", answer(&ok["Session"], CLIENT))
        .await;
    assert_eq!(st, 200, "{done}");
    let access = done["AuthenticationResult"]["AccessToken"].clone();
    assert!(access.is_string());
    let (_, u) = s.idp("GetUser", json!({ "AccessToken": access })).await;
    assert_eq!(u["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");
    let (_, v) = s.idp("InitiateAuth", login).await;
    assert_eq!(
        v["ChallengeName"], "SOFTWARE_TOKEN_MFA",
        "from now on the code is asked for"
    );

    // The sign-in page: the set-up step shows the key, then signs in.
    let r = s
        .submit_sign_in(&authorize_query(CLIENT, ""), "demo", "ShopSphere!2026")
        .await;
    let to = location(&r);
    assert!(to.starts_with("/mfa-setup?"), "{to}");
    let (_, setup) = s.page(&to).await;
    let at = setup.find("<code id=totpSecret>").unwrap() + 20;
    let secret = setup[at..at + setup[at..].find('<').unwrap()].to_string();
    assert_eq!(secret.len(), 52, "{setup}");
    let r = s
        .submit(&setup, "/mfa-setup", &[("code", &wrong_code(&secret))])
        .await;
    assert!(error_of(&r.text().await.unwrap()).contains("Code mismatch"));
    let r = s
        .submit(
            &setup,
            "/mfa-setup",
            &[("code", &totp_at(&secret, unix_now()))],
        )
        .await;
    assert_eq!(r.status(), 302);
    assert!(location(&r).contains("code="), "signed in");
}

/// RespondToAuthChallenge `name` of `session` with `responses` on the demo client.
pub async fn respond(
    s: &Stack,
    name: &str,
    session: &Value,
    responses: Value,
) -> (reqwest::StatusCode, Value) {
    s.idp(
        "RespondToAuthChallenge",
        json!({ "ClientId": CLIENT, "ChallengeName": name, "Session": session,
            "ChallengeResponses": responses }),
    )
    .await
}

/// RespondToAuthChallenge SELECT_MFA_TYPE of rival with `answer`.
async fn select_mfa(s: &Stack, session: &Value, answer: &str) -> (reqwest::StatusCode, Value) {
    let responses = json!({ "USERNAME": "rival", "ANSWER": answer });
    respond(s, "SELECT_MFA_TYPE", session, responses).await
}

#[tokio::test]
async fn several_factors_and_none_preferred_choose_first() {
    let s = Stack::start().await;
    let a = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let access = &a["AccessToken"];
    give_phone(&s, access).await;
    // TOTP set up (preferred), then no preference: SMS and email on besides.
    set_up_totp(&s, access).await;
    let (st, v) = set_mfa(
        &s,
        access,
        json!({ "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": false },
            "SMSMfaSettings": { "Enabled": true }, "EmailMfaSettings": { "Enabled": true } }),
    )
    .await;
    assert_eq!((st.as_u16(), &v), (200, &json!({})));
    let (_, u) = s.idp("GetUser", json!({ "AccessToken": access })).await;
    assert!(u.get("PreferredMfaSetting").is_none(), "{u}");

    let v = password_step(&s, "rival", "Rival!2026pass").await;
    assert_eq!(v["ChallengeName"], "SELECT_MFA_TYPE", "{v}");
    assert_eq!(
        v["ChallengeParameters"],
        json!({ "MFAS_CAN_CHOOSE": "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]",
            "USER_ID_FOR_SRP": "rival" })
    );
    assert_eq!(s.outbox("rival", "SMS_MFA").await, json!([]), "no code yet");
    let session = v["Session"].clone();
    // A factor not offered; another user's name.
    let (st, v) = select_mfa(&s, &session, "WEB_AUTHN").await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str()),
        (400, Some("InvalidParameterException")),
        "{v}"
    );
    let responses = json!({ "USERNAME": "demo", "ANSWER": "SMS_MFA" });
    let (_, v) = respond(&s, "SELECT_MFA_TYPE", &session, responses).await;
    assert_eq!(v["message"], "Invalid session for the user.");
    // The session survived both: SMS_MFA sends its code, with a new session.
    let (st, v) = select_mfa(&s, &session, "SMS_MFA").await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["ChallengeName"], "SMS_MFA");
    assert_eq!(
        v["ChallengeParameters"],
        json!({ "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+*******0100",
            "USER_ID_FOR_SRP": "rival" })
    );
    assert_ne!(v["Session"], session);
    let code = s.outbox_code("rival", "SMS_MFA").await;
    let responses = json!({ "USERNAME": "rival", "SMS_MFA_CODE": code });
    let (st, v) = respond(&s, "SMS_MFA", &v["Session"], responses).await;
    assert_eq!(st, 200, "{v}");
    assert!(v["AuthenticationResult"]["IdToken"].is_string());
    // Spent by the right answer.
    let (_, v) = select_mfa(&s, &session, "EMAIL_OTP").await;
    assert_eq!(v["message"], "Invalid session for the user.");

    // SOFTWARE_TOKEN_MFA sends nothing; a session lives 3 minutes.
    let v = password_step(&s, "rival", "Rival!2026pass").await;
    let (_, v) = select_mfa(&s, &v["Session"], "SOFTWARE_TOKEN_MFA").await;
    assert_eq!(v["ChallengeName"], "SOFTWARE_TOKEN_MFA", "{v}");
    assert_eq!(v["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"], "phone");
    let v = password_step(&s, "rival", "Rival!2026pass").await;
    s.clock(181).await;
    let (_, v) = select_mfa(&s, &v["Session"], "EMAIL_OTP").await;
    assert_eq!(
        v["message"],
        "Invalid session for the user, session is expired."
    );
    s.clock(0).await;

    // Managed login: a chooser, one button per factor, then the code page of the factor chosen.
    let r = s
        .submit_sign_in(&authorize_query(CLIENT, ""), "rival", "Rival!2026pass")
        .await;
    let to = location(&r);
    assert!(to.starts_with("/mfa-select?"), "{to}");
    let (st, chooser) = s.page(&to).await;
    assert_eq!(st, 200);
    for f in ["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"] {
        assert!(
            chooser.contains(&format!("name=factor value={f} id=mfaSelect_{f}")),
            "{chooser}"
        );
    }
    let r = s
        .submit(&chooser, "/mfa-select", &[("factor", "SMS_MFA_NOT")])
        .await;
    assert_eq!(r.status(), 200);
    assert!(error_of(&r.text().await.unwrap()).contains("SMS_MFA_NOT"));
    let r = s
        .submit(&chooser, "/mfa-select", &[("factor", "EMAIL_OTP")])
        .await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(to.starts_with("/mfa?"), "{to}");
    let (_, mfa) = s.page(&to).await;
    assert!(
        mfa.contains("Enter the 6-digit code we sent to r***@s***.test"),
        "{mfa}"
    );
    let code = s.outbox_code("rival", "EMAIL_OTP").await;
    let r = s.submit(&mfa, "/mfa", &[("code", &code)]).await;
    assert_eq!(r.status(), 302);
    assert!(location(&r).contains("code="), "signed in");
}
