//! Native tests of the flows and their races over the in-memory platform: two engines sharing one
//! `localStorage`, lock and channel are the native twin of two tabs.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::Sha256;

use super::memory::{block_on, Gate, Memory};
use super::{CognitoAuth, EventName, Platform, Storage};
use crate::config::{AuthConfig, StorageKind};
use crate::error::ErrorKind;
use crate::options::{CredentialsOptions, GetTokensOptions, SignOutOptions};

const CLIENT: &str = "client1";
const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_P00l";
const JWKS: &str =
    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_P00l/.well-known/jwks.json";
const TOKEN: &str = "https://shop.auth.us-east-1.amazoncognito.com/oauth2/token";
const APP: &str = "https://app.example/callback";
const SUB: &str = "8c1f6c1e-0000-4000-8000-000000000001";

fn key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap())
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn jwks() -> String {
    let k = key();
    json!({"keys": [{"kid": "k1", "kty": "RSA", "alg": "RS256", "use": "sig",
        "n": b64(&k.n().to_bytes_be()), "e": b64(&k.e().to_bytes_be())}]})
    .to_string()
}

fn sign(claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(json!({"alg": "RS256", "kid": "k1"}).to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let sig = SigningKey::<Sha256>::new(key().clone()).sign(input.as_bytes());
    format!("{input}.{}", b64(&sig.to_bytes()))
}

/// A token response issued at `iat` (server time): tokens valid for an hour, a refresh token when
/// `refresh` is given, the ID token's `nonce` when given; `jti` tells the tokens apart.
fn tokens(iat: u64, jti: &str, refresh: Option<&str>, nonce: Option<&str>) -> String {
    let mut id = json!({"sub": SUB, "iss": ISS, "aud": CLIENT, "token_use": "id", "exp": iat + 3600,
        "iat": iat, "auth_time": iat, "cognito:username": "demo", "jti": jti});
    if let Some(n) = nonce {
        id["nonce"] = json!(n);
    }
    let access = json!({"sub": SUB, "iss": ISS, "client_id": CLIENT, "token_use": "access",
        "scope": "openid", "exp": iat + 3600, "iat": iat, "jti": format!("{jti}-a")});
    let mut body = json!({"id_token": sign(&id), "access_token": sign(&access),
        "expires_in": 3600, "token_type": "Bearer"});
    if let Some(r) = refresh {
        body["refresh_token"] = json!(r);
    }
    body.to_string()
}

fn config() -> AuthConfig {
    let mut c = crate::testing::config(APP);
    c.identity_pool_id = Some("us-east-1:11111111-2222-3333-4444-555555555555".into());
    c
}

fn engine(tab: &Memory) -> CognitoAuth<Memory> {
    CognitoAuth::with_platform(config(), tab.clone()).unwrap()
}

/// A world whose JWKS is served, and its first tab.
fn world() -> Memory {
    let tab = Memory::new();
    tab.server().route(JWKS, 200, &jwks());
    tab
}

/// Stores a session as a sign-in would have (tokens issued now, refresh token `r1`).
fn signed_in(tab: &Memory) -> CognitoAuth<Memory> {
    let auth = engine(tab);
    tab.set_location(APP.trim_end_matches("/callback"));
    let url = auth.prepare_sign_in(&Default::default()).unwrap();
    let state = param(&url, "state");
    let nonce = param(&url, "nonce");
    tab.server()
        .expect("POST", TOKEN)
        .body_has("grant_type=authorization_code")
        .respond(200, &tokens(tab.now(), "t0", Some("r1"), Some(&nonce)));
    // Back from the managed login on the callback URL.
    tab.set_location(&format!("{APP}?code=c0&state={state}"));
    block_on(auth.handle_redirect_callback(None)).unwrap();
    auth
}

fn param(url: &str, name: &str) -> String {
    form_urlencoded::parse(url.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == name)
        .unwrap()
        .1
        .into_owned()
}

fn stored_refresh_token(tab: &Memory) -> Option<String> {
    let text = tab.local_storage().get("cognito-wasm.client1.session")?;
    let v: Value = serde_json::from_str(&text).unwrap();
    v["refresh_token"].as_str().map(str::to_owned)
}

fn events(auth: &CognitoAuth<Memory>, name: EventName) -> Rc<RefCell<Vec<super::EventDetail>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    auth.on(name, move |d| sink.borrow_mut().push(d.clone()));
    seen
}

/// Signs `auth` out of this tab (the revocation answered, no redirect).
fn sign_out_here(tab: &Memory, auth: &CognitoAuth<Memory>) {
    tab.server()
        .expect("POST", "/oauth2/revoke")
        .respond(200, "");
    block_on(auth.sign_out(SignOutOptions {
        global: false,
        redirect: false,
    }))
    .unwrap();
}

/// Runs both futures to their ends, interleaved (as two tabs' calls run).
fn both<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    block_on(join(a, b))
}

/// Polls both futures until both are done.
fn join<A: Future, B: Future>(a: A, b: B) -> impl Future<Output = (A::Output, B::Output)> {
    struct Both<A: Future, B: Future> {
        a: Pin<Box<A>>,
        b: Pin<Box<B>>,
        ra: Option<A::Output>,
        rb: Option<B::Output>,
    }
    impl<A: Future, B: Future> Future for Both<A, B> {
        type Output = (A::Output, B::Output);
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            // Every field is boxed or plain data: the struct is Unpin.
            let this = unsafe { self.get_unchecked_mut() };
            if this.ra.is_none() {
                if let Poll::Ready(v) = this.a.as_mut().poll(cx) {
                    this.ra = Some(v);
                }
            }
            if this.rb.is_none() {
                if let Poll::Ready(v) = this.b.as_mut().poll(cx) {
                    this.rb = Some(v);
                }
            }
            if this.ra.is_some() && this.rb.is_some() {
                Poll::Ready((this.ra.take().unwrap(), this.rb.take().unwrap()))
            } else {
                Poll::Pending
            }
        }
    }
    Both {
        a: Box::pin(a),
        b: Box::pin(b),
        ra: None,
        rb: None,
    }
}

fn force() -> GetTokensOptions {
    GetTokensOptions {
        force_refresh: true,
    }
}

#[test]
fn a_sign_in_through_the_callback_stores_a_verified_session_and_cleans_the_address_bar() {
    let tab = world();
    let auth = signed_in(&tab);
    let user = block_on(auth.current_user()).unwrap().unwrap();
    assert_eq!(user.sub, SUB);
    assert_eq!(stored_refresh_token(&tab).as_deref(), Some("r1"));
    assert_eq!(tab.server().pending(), 0);
    // The code and state left the address bar; the transaction is gone.
    assert_eq!(tab.location_href().as_deref(), Some(APP));
    assert!(tab
        .local_storage()
        .keys_with_prefix("cognito-wasm.client1.tx.")
        .is_empty());
}

#[test]
fn rotation_with_a_lost_answer_retries_with_the_same_token_and_keeps_the_rotated_one() {
    let tab = world();
    let auth = signed_in(&tab);
    let failures = events(&auth, EventName::TokenRefreshFailure);
    let refreshed = events(&auth, EventName::TokenRefresh);
    // The server redeems r1 but the answer is lost; the retry (within Cognito's grace period) is
    // answered with a rotated token.
    tab.server()
        .expect("POST", TOKEN)
        .body_has("refresh_token=r1")
        .lose();
    tab.server()
        .expect("POST", TOKEN)
        .body_has("refresh_token=r1")
        .respond(200, &tokens(tab.now(), "t1", Some("r2"), None));
    let t = block_on(auth.get_tokens(force())).unwrap().unwrap();
    assert!(t.id_token.expose().contains('.'));
    assert_eq!(stored_refresh_token(&tab).as_deref(), Some("r2"));
    assert_eq!(failures.borrow().len(), 1);
    assert_eq!(failures.borrow()[0].will_retry, Some(true));
    assert_eq!(
        failures.borrow()[0].error.as_ref().unwrap().code,
        "ERR_NETWORK"
    );
    assert_eq!(refreshed.borrow().len(), 1);
    // The next refresh spends the rotated token.
    tab.server()
        .expect("POST", TOKEN)
        .body_has("refresh_token=r2")
        .respond(200, &tokens(tab.now(), "t2", None, None));
    block_on(auth.get_tokens(force())).unwrap().unwrap();
    assert_eq!(
        stored_refresh_token(&tab).as_deref(),
        Some("r2"),
        "kept when none comes back"
    );
}

#[test]
fn a_rotated_token_is_kept_even_when_the_new_tokens_cannot_be_verified_yet() {
    let tab = world();
    let auth = signed_in(&tab);
    // New tokens signed by a key the JWKS does not hold, and the JWKS now fails: the answer cannot
    // be accepted, but r1 is spent: r2 must be kept, and the session too.
    let other = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let mut body: Value = serde_json::from_str(&tokens(tab.now(), "t1", Some("r2"), None)).unwrap();
    let claims = json!({"sub": SUB, "iss": ISS, "aud": CLIENT, "token_use": "id",
        "exp": tab.now() + 3600, "iat": tab.now()});
    let input = format!(
        "{}.{}",
        b64(json!({"alg": "RS256", "kid": "k2"}).to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let sig = SigningKey::<Sha256>::new(other).sign(input.as_bytes());
    body["id_token"] = json!(format!("{input}.{}", b64(&sig.to_bytes())));
    tab.server().route(JWKS, 503, "");
    tab.server()
        .expect("POST", TOKEN)
        .body_has("refresh_token=r1")
        .respond(200, &body.to_string());
    // Tokens are still valid: the failure is reported with force, and nothing is lost.
    let err = block_on(auth.get_tokens(force())).unwrap_err();
    assert_ne!(err.kind(), ErrorKind::SessionEnded);
    assert_eq!(stored_refresh_token(&tab).as_deref(), Some("r2"));
    assert!(block_on(auth.get_tokens(Default::default()))
        .unwrap()
        .is_some());
}

#[test]
fn two_tabs_refreshing_at_once_send_one_token_request() {
    let tab1 = world();
    let a = signed_in(&tab1);
    let tab2 = tab1.new_tab();
    let b = engine(&tab2);
    let from_other = events(&b, EventName::TokenRefresh);
    let gate = Gate::new();
    tab1.server()
        .expect("POST", TOKEN)
        .body_has("refresh_token=r1")
        .hold(&gate)
        .respond(200, &tokens(tab1.now(), "t1", Some("r2"), None));
    // Tab 1's refresh holds the cross-tab lock while its answer is held; tab 2 waits for the lock.
    let opener = async {
        while !tab1.locks().is_held("cognito-wasm.client1.refresh") {
            tab1.sleep_ms(1).await;
        }
        tab1.sleep_ms(1).await;
        gate.open();
    };
    let ((ra, rb), ()) = both(join(a.get_tokens(force()), b.get_tokens(force())), opener);
    let (ta, tb) = (ra.unwrap().unwrap(), rb.unwrap().unwrap());
    assert_eq!(
        tab1.server().count("/oauth2/token"),
        2,
        "the sign-in's and one refresh"
    );
    assert_eq!(
        ta.access_token, tb.access_token,
        "tab 2 read what tab 1 stored"
    );
    assert_eq!(stored_refresh_token(&tab1).as_deref(), Some("r2"));
    assert!(from_other.borrow().iter().any(|d| d.from_other_tab));
}

#[test]
fn concurrent_calls_in_one_instance_share_one_refresh() {
    let tab = world();
    let auth = signed_in(&tab);
    tab.server()
        .expect("POST", TOKEN)
        .body_has("refresh_token=r1")
        .respond(200, &tokens(tab.now(), "t1", None, None));
    let (x, y) = both(auth.get_tokens(force()), auth.get_tokens(force()));
    assert_eq!(
        x.unwrap().unwrap().access_token,
        y.unwrap().unwrap().access_token
    );
    assert_eq!(tab.server().count("/oauth2/token"), 2);
}

/// A started sign-in: the engine, the callback URL and the nonce the tokens must carry.
fn started_sign_in(tab: &Memory) -> (CognitoAuth<Memory>, String, String) {
    let auth = engine(tab);
    tab.set_location("https://app.example/shop?item=7");
    let url = auth.prepare_sign_in(&Default::default()).unwrap();
    let callback = format!("{APP}?code=c0&state={}", param(&url, "state"));
    tab.set_location(&callback);
    (auth, callback, param(&url, "nonce"))
}

#[test]
fn a_callback_is_retried_after_500_429_and_a_lost_answer() {
    for first in [500u16, 429, 0] {
        let tab = world();
        let (auth, callback, nonce) = started_sign_in(&tab);
        let exchange = || {
            tab.server()
                .expect("POST", TOKEN)
                .body_has("code=c0")
                .body_has("code_verifier=")
        };
        match first {
            0 => exchange().lose(),
            s => exchange().respond(s, r#"{"error":"server_error"}"#),
        }
        exchange().respond(200, &tokens(tab.now(), "t0", Some("r1"), Some(&nonce)));
        let before = tab.now_ms();
        let result = block_on(auth.handle_redirect_callback(None)).unwrap();
        assert_eq!(result.user.sub, SUB, "after {first}");
        assert_eq!(result.return_to.as_deref(), Some("/shop?item=7"));
        assert!(
            tab.now_ms() >= before + 125.0,
            "a backoff was waited after {first}"
        );
        assert_eq!(tab.location_href().as_deref(), Some(APP));
        // Handled once: a second call answers from the record, without a request.
        let again = block_on(auth.handle_redirect_callback(Some(&callback))).unwrap();
        assert_eq!(again.user.sub, SUB);
        assert_eq!(tab.server().count("/oauth2/token"), 2);
    }
}

#[test]
fn a_callback_whose_lost_answer_redeemed_the_code_says_so_and_one_that_keeps_failing_stays_pending()
{
    let tab = world();
    let (auth, callback, _) = started_sign_in(&tab);
    tab.server().expect("POST", TOKEN).lose();
    tab.server()
        .expect("POST", TOKEN)
        .respond(400, r#"{"error":"invalid_grant"}"#);
    let err = block_on(auth.handle_redirect_callback(None)).unwrap_err();
    assert_eq!(err.server_type(), Some("invalid_grant"));
    assert!(
        err.message().contains("answer was lost"),
        "{}",
        err.message()
    );

    // Three transient failures: ERR_NETWORK, and the transaction and the URL stay for a retry.
    let tab = world();
    let (auth, callback2, nonce) = started_sign_in(&tab);
    for _ in 0..3 {
        tab.server().expect("POST", TOKEN).respond(503, "");
    }
    let err = block_on(auth.handle_redirect_callback(None)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network);
    assert_eq!(tab.location_href().as_deref(), Some(callback2.as_str()));
    tab.server()
        .expect("POST", TOKEN)
        .respond(200, &tokens(tab.now(), "t0", Some("r1"), Some(&nonce)));
    assert!(block_on(auth.handle_redirect_callback(None)).is_ok());
    assert!(callback.contains("state="));
}

#[test]
fn a_callback_with_another_nonce_or_a_foreign_state_is_refused() {
    let tab = world();
    let (auth, _, _) = started_sign_in(&tab);
    tab.server().expect("POST", TOKEN).respond(
        200,
        &tokens(tab.now(), "t0", Some("r1"), Some("not-the-nonce")),
    );
    let err = block_on(auth.handle_redirect_callback(None)).unwrap_err();
    assert_eq!(err.code(), "ERR_NONCE_MISMATCH");
    assert!(block_on(auth.current_user()).unwrap().is_none());
    let err = block_on(auth.handle_redirect_callback(Some(&format!("{APP}?code=c&state=zzz"))))
        .unwrap_err();
    assert_eq!(err.code(), "ERR_STATE_MISMATCH");
}

#[test]
fn signing_out_during_a_refresh_is_not_undone_by_its_answer() {
    let tab = world();
    let auth = signed_in(&tab);
    let gate = Gate::new();
    tab.server()
        .expect("POST", TOKEN)
        .body_has("refresh_token=r1")
        .hold(&gate)
        .respond(200, &tokens(tab.now(), "t1", Some("r2"), None));
    tab.server()
        .expect("POST", "/oauth2/revoke")
        .body_has("token=r1")
        .respond(200, "");
    let out = async {
        while tab.server().count("/oauth2/token") < 2 {
            tab.sleep_ms(1).await;
        }
        let r = auth
            .sign_out(SignOutOptions {
                global: false,
                redirect: false,
            })
            .await;
        gate.open();
        r
    };
    let (refresh, signed_out) = both(auth.get_tokens(force()), out);
    signed_out.unwrap();
    assert_eq!(refresh.unwrap_err().kind(), ErrorKind::NotSignedIn);
    assert!(tab
        .local_storage()
        .get("cognito-wasm.client1.session")
        .is_none());
    assert!(block_on(auth.current_user()).unwrap().is_none());
}

#[test]
fn a_skewed_local_clock_is_corrected_by_the_measured_offset() {
    // The server's clock is 2 hours ahead of this machine's: tokens issued "in the future".
    let tab = world();
    let auth = engine(&tab);
    tab.set_location(APP);
    let url = auth.prepare_sign_in(&Default::default()).unwrap();
    let server_now = tab.now() + 7200;
    tab.server().expect("POST", TOKEN).respond(
        200,
        &tokens(server_now, "t0", Some("r1"), Some(&param(&url, "nonce"))),
    );
    let callback = format!("{APP}?code=c0&state={}", param(&url, "state"));
    block_on(auth.handle_redirect_callback(Some(&callback))).unwrap();
    // Valid now and not refreshed (no request scripted: one would panic).
    assert_eq!(block_on(auth.current_user()).unwrap().unwrap().sub, SUB);
    block_on(auth.get_tokens(Default::default()))
        .unwrap()
        .unwrap();
    // 59 minutes on, within the refresh margin of the server's expiry: refreshed.
    tab.advance(59 * 60 * 1000);
    tab.server()
        .expect("POST", TOKEN)
        .body_has("refresh_token=r1")
        .respond(200, &tokens(server_now + 59 * 60, "t1", None, None));
    block_on(auth.get_tokens(Default::default()))
        .unwrap()
        .unwrap();
    assert_eq!(tab.server().pending(), 0);
}

#[test]
fn offline_within_the_refresh_margin_the_still_valid_tokens_are_the_answer_at_once() {
    let tab = world();
    let auth = signed_in(&tab);
    let before = block_on(auth.get_tokens(Default::default()))
        .unwrap()
        .unwrap();
    // 59 minutes on, inside the margin: offline, no request is made (none is scripted: one would panic).
    tab.advance(59 * 60 * 1000);
    tab.set_online(false);
    let offline = block_on(auth.get_tokens(Default::default()))
        .unwrap()
        .unwrap();
    assert_eq!(offline.access_token, before.access_token);
    assert_eq!(block_on(auth.current_user()).unwrap().unwrap().sub, SUB);
    assert_eq!(tab.server().count("/oauth2/token"), 1, "only the sign-in's");
    // Back online, the same call refreshes.
    tab.set_online(true);
    tab.server()
        .expect("POST", TOKEN)
        .body_has("refresh_token=r1")
        .respond(200, &tokens(tab.now(), "t1", None, None));
    let online = block_on(auth.get_tokens(Default::default()))
        .unwrap()
        .unwrap();
    assert_ne!(online.access_token, before.access_token);
    assert_eq!(tab.server().pending(), 0);
}

#[test]
fn corrupted_storage_is_a_warning_and_a_signed_out_state() {
    let tab = world();
    let auth = engine(&tab);
    let warnings = events(&auth, EventName::StorageWarning);
    let store = tab.local_storage();
    store
        .set("cognito-wasm.client1.session", "{not json")
        .unwrap();
    assert!(block_on(auth.current_user()).unwrap().is_none());
    assert!(block_on(auth.get_tokens(Default::default()))
        .unwrap()
        .is_none());
    assert!(store.get("cognito-wasm.client1.session").is_none());
    assert_eq!(warnings.borrow().len(), 1);
    assert_eq!(warnings.borrow()[0].reason.as_deref(), Some("corrupted"));
    // A corrupted stored key set is dropped; the keys are fetched again.
    store.set("cognito-wasm.client1.jwks", "garbage").unwrap();
    let auth = signed_in(&tab);
    assert!(block_on(auth.current_user()).unwrap().is_some());
    assert!(store
        .get("cognito-wasm.client1.jwks")
        .is_some_and(|t| t.starts_with("1 ")));
    // Corrupted credentials are dropped and fetched anew.
    let creds_key = format!("cognito-wasm.client1.identity.creds.user.{SUB}");
    store.set(&creds_key, "{\"v\":1}").unwrap();
    script_credentials(&tab, 200);
    let creds = block_on(auth.get_credentials(CredentialsOptions::default())).unwrap();
    assert_eq!(creds.access_key_id, "AKIDEXAMPLE");
}

fn script_credentials(tab: &Memory, first_status: u16) {
    let idp = "cognito-identity.us-east-1.amazonaws.com";
    tab.server()
        .expect("POST", idp)
        .body_has("us-east-1_P00l")
        .respond(
            200,
            r#"{"IdentityId":"us-east-1:0f3a1b2c-0000-4000-8000-000000000001"}"#,
        );
    let creds = format!(
        r#"{{"IdentityId":"us-east-1:0f3a1b2c-0000-4000-8000-000000000001","Credentials":{{"AccessKeyId":"AKIDEXAMPLE","SecretKey":"secret","SessionToken":"session","Expiration":{}}}}}"#,
        tab.now() + 3600
    );
    if first_status != 200 {
        tab.server()
            .expect("POST", idp)
            .respond(first_status, r#"{"__type":"InternalErrorException"}"#);
    }
    tab.server().expect("POST", idp).respond(200, &creds);
}

#[test]
fn credentials_in_a_role_asked_for_are_cached_apart_and_a_refused_role_keeps_the_session() {
    let tab = world();
    let auth = signed_in(&tab);
    let idp = "cognito-identity.us-east-1.amazonaws.com";
    let editors = "arn:aws:iam::000000000000:role/Editors";
    let creds = |key: &str| {
        format!(
            r#"{{"IdentityId":"us-east-1:0f3a1b2c-0000-4000-8000-000000000001","Credentials":{{"AccessKeyId":"{key}","SecretKey":"s","SessionToken":"t","Expiration":{}}}}}"#,
            tab.now() + 3600
        )
    };
    let role = |arn: &str| CredentialsOptions {
        force_refresh: false,
        custom_role_arn: Some(arn.into()),
    };
    tab.server().expect("POST", idp).respond(
        200,
        r#"{"IdentityId":"us-east-1:0f3a1b2c-0000-4000-8000-000000000001"}"#,
    );
    tab.server()
        .expect("POST", idp)
        .body_has(&format!(r#""CustomRoleArn":"{editors}""#))
        .respond(200, &creds("AKIDEDITOR"));
    let c = block_on(auth.get_credentials(role(editors))).unwrap();
    assert_eq!(c.access_key_id, "AKIDEDITOR");
    // The default role's credentials are another fetch (same identity id, no CustomRoleArn) ...
    tab.server()
        .expect("POST", idp)
        .respond(200, &creds("AKIDDEFAULT"));
    let d = block_on(auth.get_credentials(CredentialsOptions::default())).unwrap();
    assert_eq!(d.access_key_id, "AKIDDEFAULT");
    let sent = tab.server().requests();
    assert!(!sent.last().unwrap().body.expose().contains("CustomRoleArn"));
    // ... and each is cached for its role.
    let n = sent.len();
    assert_eq!(
        block_on(auth.get_credentials(role(editors)))
            .unwrap()
            .access_key_id,
        "AKIDEDITOR"
    );
    assert_eq!(tab.server().requests().len(), n);
    // A role the identity may not have: Cognito's refusal, and the user stays signed in.
    tab.server().expect("POST", idp).respond(
        400,
        r#"{"__type":"InvalidParameterException","message":"The CustomRoleArn arn:aws:iam::000000000000:role/Admins is not a role this identity may assume."}"#,
    );
    let e =
        block_on(auth.get_credentials(role("arn:aws:iam::000000000000:role/Admins"))).unwrap_err();
    assert_eq!(
        (e.kind(), e.server_type()),
        (ErrorKind::Aws, Some("InvalidParameterException"))
    );
    assert!(block_on(auth.current_user()).unwrap().is_some());
    let id_key = format!("cognito-wasm.client1.identity.id.user.{SUB}");
    assert!(
        tab.local_storage().get(&id_key).is_some(),
        "the identity id is kept"
    );
    assert_eq!(tab.server().pending(), 0, "no GetId again");
    // Signing out drops every role's credentials.
    sign_out_here(&tab, &auth);
    assert!(tab
        .local_storage()
        .keys_with_prefix("cognito-wasm.client1.identity.creds.")
        .is_empty());
}

#[test]
fn credentials_are_retried_as_a_refresh_is_and_shared_by_two_tabs() {
    let tab1 = world();
    let a = signed_in(&tab1);
    let b = engine(&tab1.new_tab());
    script_credentials(&tab1, 500);
    let (ca, cb) = both(
        a.get_credentials(CredentialsOptions::default()),
        b.get_credentials(CredentialsOptions::default()),
    );
    assert_eq!(ca.unwrap().access_key_id, cb.unwrap().access_key_id);
    assert_eq!(
        tab1.server().count("cognito-identity"),
        3,
        "GetId, a 500, then GetCredentialsForIdentity: once for both tabs"
    );
    // Signing out drops the user's credentials and identity id.
    sign_out_here(&tab1, &a);
    assert!(tab1
        .local_storage()
        .keys_with_prefix("cognito-wasm.client1.identity.")
        .is_empty());
}

#[test]
fn a_refused_refresh_token_ends_the_session_in_every_tab_and_a_transient_failure_keeps_it() {
    let tab1 = world();
    let a = signed_in(&tab1);
    let b = engine(&tab1.new_tab());
    let out_b = events(&b, EventName::SignedOut);
    for _ in 0..3 {
        tab1.server().expect("POST", TOKEN).respond(503, "");
    }
    assert_eq!(
        block_on(a.get_tokens(force())).unwrap_err().kind(),
        ErrorKind::Network
    );
    assert!(block_on(a.get_tokens(Default::default()))
        .unwrap()
        .is_some());
    tab1.server()
        .expect("POST", TOKEN)
        .respond(400, r#"{"error":"invalid_grant"}"#);
    assert_eq!(
        block_on(a.get_tokens(force())).unwrap_err().kind(),
        ErrorKind::SessionEnded
    );
    assert!(block_on(b.current_user()).unwrap().is_none());
    assert_eq!(out_b.borrow().len(), 1);
    assert!(out_b.borrow()[0].from_other_tab);
}

#[test]
fn an_event_from_another_tab_is_told_once_this_tab_sees_the_storage_it_is_about() {
    // In Chromium a BroadcastChannel message may overtake the Web Storage change it announces. Here a
    // third tab posts as another tab would, before the storage it names is visible.
    let tab1 = world();
    let _a = signed_in(&tab1);
    let b = engine(&tab1.new_tab());
    let stored = Rc::new(RefCell::new(Vec::new()));
    let (sink, local) = (stored.clone(), tab1.local_storage());
    b.on(EventName::SignedOut, move |d| {
        let key = "cognito-wasm.client1.session";
        sink.borrow_mut()
            .push((d.from_other_tab, local.get(key).is_some()));
    });
    let other = tab1.new_tab();
    let channel = other
        .open_channel("cognito-wasm.client1", Box::new(|_| {}))
        .unwrap();
    let post = |mark: Option<u64>| {
        let mark = mark.map_or(String::new(), |m| format!(r#","session":{m}"#));
        other.post(
            &channel,
            &format!(r#"{{"type":"signedOut","tab":"t3"{mark}}}"#),
        );
    };
    post(Some(0));
    assert!(
        stored.borrow().is_empty(),
        "not told while the session is still seen"
    );
    tab1.local_storage().remove("cognito-wasm.client1.session");
    let before = tab1.now_ms();
    assert_eq!(
        tab1.run_spawned(),
        2,
        "both other tabs (the signed-in one listens too)"
    );
    assert_eq!(
        *stored.borrow(),
        [(true, false)],
        "told once, with the session gone"
    );
    assert!(
        tab1.now_ms() - before <= 50.0,
        "as soon as the storage agrees"
    );
    assert!(block_on(b.current_user()).unwrap().is_none());
    // A state that never shows (a later change overtook it) is told after a second's wait; a tab of
    // an older version sends no mark and is told at once.
    post(Some(12345));
    let before = tab1.now_ms();
    tab1.run_spawned();
    assert!(tab1.now_ms() - before >= 1000.0);
    post(None);
    assert_eq!(stored.borrow().len(), 3);
    assert_eq!(tab1.run_spawned(), 0);
}

#[test]
fn without_a_page_redirect_sign_in_is_err_config_and_sign_out_still_signs_out() {
    let tab = world();
    let auth = signed_in(&tab);
    let worker = engine(&tab.new_tab()); // no location: a worker
    let err = block_on(worker.sign_in_with_redirect(Default::default())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(tab
        .new_tab()
        .session_storage()
        .keys_with_prefix("cognito-wasm")
        .is_empty());
    assert!(block_on(worker.current_user()).unwrap().is_some());
    assert!(block_on(auth.current_user()).unwrap().is_some());
    // Signing out there with the redirect: signed out in every tab, then ERR_CONFIG for the navigation.
    let mut c = config();
    c.logout_uri = Some("https://app.example/".into());
    let worker = CognitoAuth::with_platform(c, tab.new_tab()).unwrap();
    tab.server()
        .expect("POST", "/oauth2/revoke")
        .respond(200, "");
    let err = block_on(worker.sign_out(SignOutOptions::default())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(block_on(auth.current_user()).unwrap().is_none());
    assert!(tab.navigations().is_empty());
}

#[test]
fn sign_out_without_a_logout_uri_still_signs_out_everywhere_and_then_says_so() {
    let tab = world();
    let auth = signed_in(&tab);
    let other = engine(&tab.new_tab());
    let here = events(&auth, EventName::SignedOut);
    let there = events(&other, EventName::SignedOut);
    tab.server()
        .expect("POST", "/oauth2/revoke")
        .body_has("token=r1")
        .respond(200, "");
    // config() has no logoutUri, and the redirect is the default.
    let err = block_on(auth.sign_out(SignOutOptions::default())).unwrap_err();
    assert_eq!(
        (err.kind(), err.message()),
        (
            ErrorKind::Config,
            "logoutUri: required for the sign-out redirect (signed out here; redirect: false skips it)"
        )
    );
    assert!(tab
        .local_storage()
        .get("cognito-wasm.client1.session")
        .is_none());
    assert!(block_on(auth.current_user()).unwrap().is_none());
    assert!(block_on(other.current_user()).unwrap().is_none());
    assert_eq!(here.borrow().len(), 1);
    assert_eq!(there.borrow().len(), 1);
    assert!(there.borrow()[0].from_other_tab);
    assert_eq!(tab.server().count("/oauth2/revoke"), 1);
    assert!(tab.navigations().is_empty());
}

#[test]
fn memory_storage_keeps_nothing_beyond_the_instance() {
    let tab = world();
    let mut c = config();
    c.storage = StorageKind::Memory;
    let auth = CognitoAuth::with_platform(c, tab.clone()).unwrap();
    assert!(block_on(auth.current_user()).unwrap().is_none());
    assert!(tab.local_storage().keys_with_prefix("").is_empty());
}

/// A sign-in started with `sign_in_with_popup` (the page at the app's start) and its popup.
fn popup_sign_in(
    tab: &Memory,
    timeout_seconds: Option<u64>,
) -> (
    CognitoAuth<Memory>,
    impl Future<Output = crate::error::Result<crate::view::CallbackResult>>,
    super::memory::MemoryPopup,
    String,
) {
    let auth = engine(tab);
    tab.set_location("https://app.example/shop");
    let options = crate::options::SignInOptions {
        timeout_seconds,
        ..Default::default()
    };
    let waiting = auth.sign_in_with_popup(&options);
    let popup = tab.popups().pop().expect("a popup was opened");
    let sent_to = popup
        .sent_to()
        .expect("the popup was sent to the managed login");
    assert!(sent_to.starts_with("https://shop.auth.us-east-1.amazoncognito.com/oauth2/authorize?"));
    (auth, waiting, popup, sent_to)
}

/// After `ms` on the world's clock, `then` runs (as the popup's page moving on meanwhile).
async fn after(tab: &Memory, ms: u32, then: impl FnOnce()) {
    tab.sleep_ms(ms).await;
    then();
}

#[test]
fn a_popup_back_on_the_callback_url_is_completed_here_and_closed() {
    let tab = world();
    let (auth, waiting, popup, sent_to) = popup_sign_in(&tab, None);
    let callback = format!("{APP}?code=c0&state={}", param(&sent_to, "state"));
    tab.server()
        .expect("POST", TOKEN)
        .body_has("code=c0")
        .respond(
            200,
            &tokens(tab.now(), "t0", Some("r1"), Some(&param(&sent_to, "nonce"))),
        );
    let signed_in = events(&auth, EventName::SignedIn);
    let (result, ()) = both(
        waiting,
        after(&tab, 1000, || popup.set_location(Some(&callback))),
    );
    let result = result.unwrap();
    assert_eq!(result.user.sub, SUB);
    assert_eq!(result.return_to.as_deref(), Some("/shop"));
    assert!(popup.is_closed());
    assert_eq!(signed_in.borrow().len(), 1);
    assert_eq!(block_on(auth.current_user()).unwrap().unwrap().sub, SUB);
    // The opener's own address is untouched.
    assert_eq!(
        tab.location_href().as_deref(),
        Some("https://app.example/shop")
    );
}

#[test]
fn a_popup_whose_page_handled_the_callback_first_answers_from_its_record() {
    let tab = world();
    let (_auth, waiting, popup, sent_to) = popup_sign_in(&tab, None);
    let callback = format!("{APP}?code=c0&state={}", param(&sent_to, "state"));
    tab.server().expect("POST", TOKEN).respond(
        200,
        &tokens(tab.now(), "t0", Some("r1"), Some(&param(&sent_to, "nonce"))),
    );
    // The app in the popup (another tab of this origin) handles it and cleans its address bar.
    let page = tab.new_tab();
    page.set_location(&callback);
    let in_popup = engine(&page);
    let (result, ()) = both(waiting, async {
        block_on(in_popup.handle_redirect_callback(None)).unwrap();
        popup.set_location(Some(APP));
    });
    assert_eq!(result.unwrap().user.sub, SUB);
    assert_eq!(tab.server().count("/oauth2/token"), 1, "one exchange");
    assert!(popup.is_closed());
}

#[test]
fn a_popup_refused_at_the_managed_login_rejects_with_its_error() {
    let tab = world();
    let (auth, waiting, popup, sent_to) = popup_sign_in(&tab, None);
    let denied = format!(
        "{APP}?error=access_denied&state={}",
        param(&sent_to, "state")
    );
    let (result, ()) = both(
        waiting,
        after(&tab, 600, || popup.set_location(Some(&denied))),
    );
    let e = result.unwrap_err();
    assert_eq!(
        (e.kind(), e.server_type()),
        (ErrorKind::OAuth, Some("access_denied"))
    );
    assert!(popup.is_closed());
    assert!(block_on(auth.current_user()).unwrap().is_none());
}

#[test]
fn a_blocked_closed_or_forgotten_popup_is_its_own_error() {
    let tab = world();
    tab.block_popups(true);
    tab.set_location("https://app.example/");
    let e = block_on(engine(&tab).sign_in_with_popup(&Default::default())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PopupBlocked);
    assert!(
        tab.local_storage()
            .keys_with_prefix("cognito-wasm.client1.tx.")
            .is_empty(),
        "no transaction is stored for a popup that never opened"
    );
    tab.block_popups(false);

    let (_, waiting, popup, _) = popup_sign_in(&tab, None);
    let (result, ()) = both(waiting, after(&tab, 5000, || popup.close()));
    assert_eq!(result.unwrap_err().kind(), ErrorKind::PopupClosed);

    let (_, waiting, popup, _) = popup_sign_in(&tab, Some(2));
    let before = tab.now_ms();
    assert_eq!(
        block_on(waiting).unwrap_err().kind(),
        ErrorKind::PopupTimeout
    );
    assert!(tab.now_ms() - before >= 2000.0 && tab.now_ms() - before < 2500.0);
    assert!(popup.is_closed(), "a popup that timed out is closed");
}

/// Polls `background` (which never ends) alongside `scenario` until the scenario is done.
fn alongside<A: Future<Output = ()>, B: Future>(background: A, scenario: B) -> B::Output {
    struct Until<A, B: Future> {
        a: Pin<Box<A>>,
        b: Pin<Box<B>>,
    }
    impl<A: Future<Output = ()>, B: Future> Future for Until<A, B> {
        type Output = B::Output;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<B::Output> {
            if let Poll::Ready(v) = self.b.as_mut().poll(cx) {
                return Poll::Ready(v);
            }
            let _ = self.a.as_mut().poll(cx);
            Poll::Pending
        }
    }
    block_on(Until {
        a: Box::pin(background),
        b: Box::pin(scenario),
    })
}

/// Yields (without moving the clock) until `done`, at most `polls` times; whether it got there.
async fn eventually(tab: &Memory, polls: u32, done: impl Fn() -> bool) -> bool {
    for _ in 0..polls {
        if done() {
            return true;
        }
        tab.sleep_ms(0).await;
    }
    done()
}

#[test]
fn auto_refresh_refreshes_ahead_of_expiry_in_the_visible_tab_only() {
    let tab = world();
    let auth = signed_in(&tab);
    let signed_in_at = tab.now();
    let refreshed = events(&auth, EventName::TokenRefresh);
    // Hidden: two hours pass with no request (none is scripted: one would panic).
    tab.set_hidden(true);
    let hidden_for = 2 * 3600;
    alongside(auth.clone().auto_refresh(), async {
        while tab.now() < signed_in_at + hidden_for {
            tab.sleep_ms(1000).await;
        }
    });
    assert_eq!(tab.server().count("/oauth2/token"), 1, "only the sign-in's");

    // Visible again, with tokens just issued: refreshed once they are within the 120 s margin.
    let auth = signed_in(&tab);
    let issued_at = tab.now();
    let refreshed = {
        drop(refreshed);
        events(&auth, EventName::TokenRefresh)
    };
    tab.set_hidden(false);
    tab.server()
        .expect("POST", TOKEN)
        .body_has("refresh_token=r1")
        .respond(200, &tokens(tab.now() + 3480, "t1", None, None));
    let done = alongside(
        auth.clone().auto_refresh(),
        eventually(&tab, 100, || !refreshed.borrow().is_empty()),
    );
    assert!(done, "refreshed without the app asking");
    let at = tab.now() - issued_at;
    assert!(
        (3480..3480 + 31).contains(&at),
        "at {at} s, the margin before expiry"
    );
    assert_eq!(tab.server().pending(), 0);
}

#[cfg(feature = "serde")]
#[test]
fn current_user_as_reads_the_verified_claims_into_the_apps_type() {
    #[derive(Debug, serde::Deserialize)]
    struct Profile {
        sub: String,
        #[serde(rename = "cognito:username")]
        username: String,
        auth_time: u64,
        #[serde(rename = "custom:tier")]
        tier: Option<String>,
    }
    let tab = world();
    let signed_out = engine(&tab);
    assert!(block_on(signed_out.current_user_as::<Profile>())
        .unwrap()
        .is_none());
    let auth = signed_in(&tab);
    let p = block_on(auth.current_user_as::<Profile>())
        .unwrap()
        .unwrap();
    assert_eq!((p.sub.as_str(), p.username.as_str()), (SUB, "demo"));
    assert_eq!(p.auth_time, tab.now());
    assert_eq!(p.tier, None);
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        auth_time: String,
    }
    let err = block_on(auth.current_user_as::<Wrong>()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::JwtMalformed);
    assert!(
        err.message().starts_with("claims: invalid type: integer"),
        "{}",
        err.message()
    );
}

#[test]
fn the_debug_log_says_what_happened_and_nothing_secret() {
    let tab = world();
    let auth = engine(&tab);
    let lines = events(&auth, EventName::Log);
    tab.set_location("https://app.example/");
    let url = auth.prepare_sign_in(&Default::default()).unwrap();
    let issued = tokens(
        tab.now(),
        "t0",
        Some("rt-SECRET-1"),
        Some(&param(&url, "nonce")),
    );
    tab.server()
        .expect("POST", TOKEN)
        .respond(500, r#"{"error":"server_error"}"#);
    tab.server().expect("POST", TOKEN).respond(200, &issued);
    tab.set_location(&format!(
        "{APP}?code=code-SECRET-1&state={}",
        param(&url, "state")
    ));
    block_on(auth.handle_redirect_callback(None)).unwrap();
    let refreshed = tokens(tab.now(), "t1", Some("rt-SECRET-2"), None);
    tab.server().expect("POST", TOKEN).respond(200, &refreshed);
    block_on(auth.get_tokens(force())).unwrap();
    tab.server()
        .expect("POST", "/oauth2/revoke")
        .respond(200, "");
    block_on(auth.sign_out(SignOutOptions {
        global: false,
        redirect: false,
    }))
    .ok();
    let text: Vec<String> = lines
        .borrow()
        .iter()
        .map(|d| {
            let (level, message) = d.log.clone().unwrap();
            format!("{level} {message}")
        })
        .collect();
    let has = |line: &str| text.iter().any(|l| l.starts_with(line));
    assert!(has(&format!("debug POST {TOKEN} → 500")), "{text:#?}");
    assert!(has(&format!("debug POST {TOKEN} → 200")), "{text:#?}");
    assert!(has(
        "warn attempt 1 failed: ERR_NETWORK the server failed transiently (HTTP 500"
    ));
    assert!(has("info signedIn") && has("info tokenRefresh") && has("info signedOut (signOut)"));
    let mut secrets = vec![
        "rt-SECRET".to_owned(),
        "code-SECRET".to_owned(),
        param(&url, "code_challenge"),
    ];
    for body in [&issued, &refreshed] {
        let v: Value = serde_json::from_str(body).unwrap();
        secrets.push(v["id_token"].as_str().unwrap().to_owned());
        secrets.push(v["access_token"].as_str().unwrap().to_owned());
    }
    for line in &text {
        for secret in &secrets {
            assert!(!line.contains(secret.as_str()), "{line} holds a secret");
        }
    }
}

// ---- Sign-in inside the app (InitiateAuth / RespondToAuthChallenge) ----

const IDP: &str = "https://cognito-idp.us-east-1.amazonaws.com/";

/// The tokens of [`tokens`] as the user-pool API answers them.
fn api_tokens(iat: u64, jti: &str, refresh: Option<&str>) -> String {
    let v: Value = serde_json::from_str(&tokens(iat, jti, refresh, None)).unwrap();
    let mut result = json!({"IdToken": v["id_token"], "AccessToken": v["access_token"],
        "ExpiresIn": 3600, "TokenType": "Bearer"});
    if let Some(r) = refresh {
        result["RefreshToken"] = json!(r);
    }
    json!({"AuthenticationResult": result, "ChallengeParameters": {}}).to_string()
}

fn challenge(name: &str, session: &str, parameters: Value) -> String {
    json!({"ChallengeName": name, "Session": session, "ChallengeParameters": parameters})
        .to_string()
}

fn sign_in_options(flow: crate::signin::Flow) -> crate::signin::Credentials {
    crate::signin::Credentials {
        username: "ann@example.com".into(),
        password: Some("Pa55word!".into()),
        flow,
    }
}

fn body_of(request: &crate::http::HttpRequest) -> Value {
    serde_json::from_str(request.body.expose()).unwrap()
}

fn answer(code: &str) -> crate::secret::Secret {
    crate::secret::Secret::new(code)
}

#[test]
fn srp_sign_in_never_sends_the_password_and_ends_in_a_session_refreshed_through_the_api() {
    use crate::srp::tests::TestServer;
    let tab = world();
    let auth = engine(&tab);
    let signed = events(&auth, EventName::SignedIn);
    let other_tab = engine(&tab.new_tab());
    let told = events(&other_tab, EventName::SignedIn);
    let salt = [0x9a; 16];
    let server = TestServer::new("P00l", "user-id-1", "Pa55word!", &salt, 3);
    let secret = [7u8; 40];
    let block = crate::base64url::encode_std(&secret);
    tab.server().expect("POST", IDP).body_has("USER_SRP_AUTH").respond(
        200,
        &challenge(
            "PASSWORD_VERIFIER",
            "s1",
            json!({"SALT": crate::srp::to_hex(&salt), "SRP_B": server.b_hex(), "SECRET_BLOCK": block,
                "USER_ID_FOR_SRP": "user-id-1", "USERNAME": "user-id-1"}),
        ),
    );
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""ChallengeName":"PASSWORD_VERIFIER""#)
        .body_has(r#""Session":"s1""#)
        .respond(200, &api_tokens(tab.now(), "t1", Some("r1")));
    let result = block_on(auth.sign_in(sign_in_options(crate::signin::Flow::Srp))).unwrap();
    assert!(result.signed_in);
    assert_eq!(
        result.to_object().to_json(),
        r#"{"signedIn":true,"nextStep":{"type":"done"}}"#
    );
    let requests = tab.server().requests();
    assert!(
        requests
            .iter()
            .all(|r| !r.body.expose().contains("Pa55word")),
        "the password is not sent"
    );
    let (init, verify) = (body_of(&requests[0]), body_of(&requests[1]));
    assert_eq!(init["AuthParameters"]["USERNAME"], "ann@example.com");
    let responses = &verify["ChallengeResponses"];
    assert_eq!(responses["USERNAME"], "user-id-1");
    assert_eq!(responses["PASSWORD_CLAIM_SECRET_BLOCK"], block.as_str());
    let ts = responses["TIMESTAMP"].as_str().unwrap();
    assert_eq!(ts, crate::srp::timestamp(tab.now()));
    assert_eq!(
        responses["PASSWORD_CLAIM_SIGNATURE"],
        server
            .signature(
                init["AuthParameters"]["SRP_A"].as_str().unwrap(),
                &secret,
                ts
            )
            .as_str(),
        "the claim a server holding the password's verifier expects"
    );
    // The same session as the callback's: verified user, event here and in the other tab.
    assert_eq!(block_on(auth.current_user()).unwrap().unwrap().sub, SUB);
    assert_eq!(signed.borrow().len(), 1);
    assert_eq!(told.borrow().len(), 1);
    let stored: Value = serde_json::from_str(
        &tab.local_storage()
            .get("cognito-wasm.client1.session")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored["via"], "api");
    // Refreshed through the user-pool API although the config names the token endpoint.
    tab.advance(3_590_000);
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""RefreshToken":"r1""#)
        .respond(200, &api_tokens(tab.now(), "t2", None));
    let tokens = block_on(auth.get_tokens(Default::default()))
        .unwrap()
        .unwrap();
    assert!(tokens.id_token.expose().contains('.'));
    assert_eq!(tab.server().count(TOKEN), 0);
    assert_eq!(tab.server().pending(), 0);
    assert_eq!(
        stored_refresh_token(&tab).as_deref(),
        Some("r1"),
        "kept when none comes back"
    );
}

#[test]
fn a_totp_step_survives_a_wrong_code_and_a_lost_answer_then_signs_in() {
    let tab = world();
    let auth = engine(&tab);
    tab.server()
        .expect("POST", IDP)
        .body_has("USER_PASSWORD_AUTH")
        .body_has(r#""PASSWORD":"Pa55word!""#)
        .respond(200, &challenge("SOFTWARE_TOKEN_MFA", "s2", json!({})));
    let r = block_on(auth.sign_in(sign_in_options(crate::signin::Flow::Password))).unwrap();
    assert_eq!(
        r.to_object().to_json(),
        r#"{"signedIn":false,"nextStep":{"type":"totpCode"}}"#
    );
    assert!(
        block_on(auth.current_user()).unwrap().is_none(),
        "not signed in yet"
    );
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""SOFTWARE_TOKEN_MFA_CODE":"000000""#)
        .respond(
            400,
            r#"{"__type":"CodeMismatchException","message":"Invalid code received for user"}"#,
        );
    let e = block_on(auth.confirm_sign_in(answer("000000"), &Default::default())).unwrap_err();
    assert_eq!(
        (e.kind(), e.server_type()),
        (ErrorKind::Aws, Some("CodeMismatchException"))
    );
    tab.server().expect("POST", IDP).lose();
    let e = block_on(auth.confirm_sign_in(answer("123456"), &Default::default())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""Session":"s2""#)
        .body_has(r#""SOFTWARE_TOKEN_MFA_CODE":"123456""#)
        .respond(200, &api_tokens(tab.now(), "t1", Some("r1")));
    let r = block_on(auth.confirm_sign_in(answer("123456"), &Default::default())).unwrap();
    assert!(r.signed_in);
    assert_eq!(block_on(auth.current_user()).unwrap().unwrap().sub, SUB);
    // Nothing waits any more: no request is sent.
    let sent = tab.server().requests().len();
    let e = block_on(auth.confirm_sign_in(answer("1"), &Default::default())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInExpired);
    assert_eq!(tab.server().requests().len(), sent);
}

#[test]
fn a_step_expires_after_three_minutes_or_when_cognito_says_so() {
    let tab = world();
    let auth = engine(&tab);
    let start = |s: &str| {
        tab.server().expect("POST", IDP).respond(
            200,
            &challenge(
                "EMAIL_OTP",
                s,
                json!({"CODE_DELIVERY_DESTINATION": "a***@e***"}),
            ),
        );
        let r = block_on(auth.sign_in(sign_in_options(crate::signin::Flow::Password))).unwrap();
        assert_eq!(
            r.next_step,
            crate::signin::NextStep::EmailCode {
                destination: Some("a***@e***".into())
            }
        );
    };
    start("s3");
    tab.advance(181_000);
    let sent = tab.server().requests().len();
    let e = block_on(auth.confirm_sign_in(answer("12345678"), &Default::default())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInExpired);
    assert_eq!(
        tab.server().requests().len(),
        sent,
        "refused without a request"
    );
    start("s4");
    tab.server().expect("POST", IDP).body_has(r#""EMAIL_OTP_CODE":"12345678""#).respond(
        400,
        r#"{"__type":"NotAuthorizedException","message":"Invalid session for the user, session is expired."}"#,
    );
    let e = block_on(auth.confirm_sign_in(answer("12345678"), &Default::default())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInExpired);
    let e = block_on(auth.confirm_sign_in(answer("12345678"), &Default::default())).unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::SignInExpired,
        "the expired step is gone"
    );
    assert_eq!(tab.server().pending(), 0);
}

#[test]
fn a_new_password_step_sends_the_required_attributes() {
    let tab = world();
    let auth = engine(&tab);
    tab.server().expect("POST", IDP).respond(
        200,
        &challenge(
            "NEW_PASSWORD_REQUIRED",
            "s5",
            json!({"requiredAttributes": "[\"userAttributes.name\"]", "userAttributes": "{\"email\":\"ann@example.com\"}",
                "USER_ID_FOR_SRP": "ann-id"}),
        ),
    );
    let r = block_on(auth.sign_in(sign_in_options(crate::signin::Flow::Password))).unwrap();
    assert_eq!(
        r.next_step,
        crate::signin::NextStep::NewPassword {
            required_attributes: vec!["name".into()]
        }
    );
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""USERNAME":"ann-id""#)
        .body_has(r#""NEW_PASSWORD":"N3w-Pa55word""#)
        .body_has(r#""userAttributes.name":"Ann""#)
        .respond(200, &api_tokens(tab.now(), "t1", Some("r1")));
    let attrs = crate::json::Object::new().with("name", "Ann");
    assert!(
        block_on(auth.confirm_sign_in(answer("N3w-Pa55word"), &attrs))
            .unwrap()
            .signed_in
    );
}

#[test]
fn refusals_are_typed_and_store_nothing() {
    let tab = world();
    let auth = engine(&tab);
    tab.server().expect("POST", IDP).respond(
        400,
        r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#,
    );
    let e = block_on(auth.sign_in(sign_in_options(crate::signin::Flow::Srp))).unwrap_err();
    assert_eq!(
        (e.kind(), e.server_type()),
        (ErrorKind::Aws, Some("NotAuthorizedException"))
    );
    tab.server().expect("POST", IDP).respond(
        400,
        r#"{"__type":"UserNotConfirmedException","message":"User is not confirmed."}"#,
    );
    let r = block_on(auth.sign_in(sign_in_options(crate::signin::Flow::Srp))).unwrap();
    assert_eq!(
        r.to_object().to_json(),
        r#"{"signedIn":false,"nextStep":{"type":"confirmSignUp"}}"#
    );
    tab.server()
        .expect("POST", IDP)
        .respond(200, &challenge("CUSTOM_CHALLENGE", "s6", json!({})));
    let e = block_on(auth.sign_in(sign_in_options(crate::signin::Flow::Password))).unwrap_err();
    assert_eq!(
        (e.kind(), e.server_type()),
        (ErrorKind::Challenge, Some("CUSTOM_CHALLENGE"))
    );
    // A broken challenge: B = 0.
    tab.server().expect("POST", IDP).respond(
        200,
        &challenge(
            "PASSWORD_VERIFIER",
            "s7",
            json!({"SALT": "01", "SRP_B": "0", "SECRET_BLOCK": "AA==", "USER_ID_FOR_SRP": "u"}),
        ),
    );
    let e = block_on(auth.sign_in(sign_in_options(crate::signin::Flow::Srp))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(tab
        .local_storage()
        .get("cognito-wasm.client1.session")
        .is_none());
    assert_eq!(tab.server().pending(), 0);
}

#[test]
fn choice_sign_in_offers_the_factors_then_signs_in_by_email_code_or_by_password_with_srp() {
    use crate::signin::{Factor, Flow};
    use crate::srp::tests::TestServer;
    let select = || {
        json!({"ChallengeName": "SELECT_CHALLENGE", "Session": "sel", "ChallengeParameters": {},
            "AvailableChallenges": ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "WEB_AUTHN", "CUSTOM_X"]})
        .to_string()
    };
    let choice = |preferred| crate::signin::Credentials {
        username: "ann@example.com".into(),
        password: None,
        flow: Flow::Choice(preferred),
    };
    // By e-mail code: the factors offered (those this version answers), the code asked for, then
    // signed in.
    let tab = world();
    let auth = engine(&tab);
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""AuthFlow":"USER_AUTH""#)
        .respond(200, &select());
    let r = block_on(auth.sign_in(choice(None))).unwrap();
    assert_eq!(
        r.to_object().to_json(),
        r#"{"signedIn":false,"nextStep":{"type":"selectChallenge","available":["password","emailCode","passkey"]}}"#
    );
    assert!(!tab.server().requests()[0]
        .body
        .expose()
        .contains("PREFERRED_CHALLENGE"));
    let e = block_on(auth.confirm_sign_in(answer("fax"), &Default::default())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "a factor that does not exist");
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""ChallengeName":"SELECT_CHALLENGE""#)
        .body_has(r#""Session":"sel""#)
        .body_has(r#""ANSWER":"EMAIL_OTP""#)
        .respond(
            200,
            &challenge(
                "EMAIL_OTP",
                "e1",
                json!({"CODE_DELIVERY_DESTINATION": "a***@e***"}),
            ),
        );
    let r = block_on(auth.confirm_sign_in(answer("emailCode"), &Default::default())).unwrap();
    assert_eq!(
        r.to_object().to_json(),
        r#"{"signedIn":false,"nextStep":{"type":"emailCode","destination":"a***@e***"}}"#
    );
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""EMAIL_OTP_CODE":"12345678""#)
        .body_has(r#""Session":"e1""#)
        .respond(200, &api_tokens(tab.now(), "t1", Some("r1")));
    let r = block_on(auth.confirm_sign_in(answer("12345678"), &Default::default())).unwrap();
    assert!(r.signed_in);
    assert_eq!(block_on(auth.current_user()).unwrap().unwrap().sub, SUB);
    assert_eq!(tab.server().pending(), 0);

    // By password: chosen at SELECT_CHALLENGE, asked for without a request, then SRP.
    let tab = world();
    let auth = engine(&tab);
    let salt = [0x5c; 16];
    let server = TestServer::new("P00l", "user-id-1", "Pa55word!", &salt, 3);
    let secret = [9u8; 40];
    let block = crate::base64url::encode_std(&secret);
    tab.server().expect("POST", IDP).respond(200, &select());
    block_on(auth.sign_in(choice(None))).unwrap();
    let r = block_on(auth.confirm_sign_in(answer("password"), &Default::default())).unwrap();
    assert_eq!(r.next_step, crate::signin::NextStep::Password);
    assert_eq!(
        tab.server().requests().len(),
        1,
        "no request for the choice itself"
    );
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""ANSWER":"PASSWORD_SRP""#)
        .body_has(r#""SRP_A":""#)
        .respond(
            200,
            &challenge(
                "PASSWORD_VERIFIER",
                "v1",
                json!({"SALT": crate::srp::to_hex(&salt), "SRP_B": server.b_hex(), "SECRET_BLOCK": block,
                    "USER_ID_FOR_SRP": "user-id-1"}),
            ),
        );
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""ChallengeName":"PASSWORD_VERIFIER""#)
        .respond(200, &api_tokens(tab.now(), "t1", Some("r1")));
    let r = block_on(auth.confirm_sign_in(answer("Pa55word!"), &Default::default())).unwrap();
    assert!(r.signed_in);
    let requests = tab.server().requests();
    assert!(requests
        .iter()
        .all(|q| !q.body.expose().contains("Pa55word")));
    let a = body_of(&requests[1])["ChallengeResponses"]["SRP_A"]
        .as_str()
        .unwrap()
        .to_owned();
    let verify = body_of(&requests[2]);
    let ts = verify["ChallengeResponses"]["TIMESTAMP"].as_str().unwrap();
    assert_eq!(
        verify["ChallengeResponses"]["PASSWORD_CLAIM_SIGNATURE"],
        server.signature(&a, &secret, ts).as_str()
    );

    // A preferred factor goes in InitiateAuth: the password one with SRP_A at once.
    let tab = world();
    let auth = engine(&tab);
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""PREFERRED_CHALLENGE":"PASSWORD_SRP""#)
        .body_has(r#""SRP_A":""#)
        .respond(
            400,
            r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#,
        );
    let mut with_password = choice(Some(Factor::Password));
    with_password.password = Some("wrong".into());
    let e = block_on(auth.sign_in(with_password)).unwrap_err();
    assert_eq!(e.server_type(), Some("NotAuthorizedException"));
    let e = block_on(auth.sign_in(choice(Some(Factor::Password)))).unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::Config, "password: required")
    );
}

#[test]
fn sign_up_then_a_confirmed_user_is_signed_in_with_cognitos_session_and_a_reset_sets_the_password()
{
    let tab = world();
    let auth = engine(&tab);
    let signed = events(&auth, EventName::SignedIn);
    let details = crate::signup::SignUp {
        username: "ann".into(),
        password: "Pa55word!".into(),
        attributes: crate::json::Object::new().with("email", "ann@example.com"),
    };
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""Password":"Pa55word!""#)
        .respond(200, r#"{"UserConfirmed":false,"UserSub":"u-1","Session":"su","CodeDeliveryDetails":{"AttributeName":"email","DeliveryMedium":"EMAIL","Destination":"a***@e***"}}"#);
    let r = block_on(auth.sign_up(details.clone())).unwrap();
    assert!(!r.user_confirmed);
    // A wrong code: Cognito's refusal, and the session kept for the next try.
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""Session":"su""#)
        .respond(400, r#"{"__type":"CodeMismatchException","message":"Invalid verification code provided, please try again."}"#);
    let e = block_on(auth.confirm_sign_up("ann", answer("000000"))).unwrap_err();
    assert_eq!(e.server_type(), Some("CodeMismatchException"));
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""ConfirmationCode":"123456""#)
        .body_has(r#""Session":"su""#)
        .respond(200, r#"{"Session":"sc"}"#);
    assert!(block_on(auth.confirm_sign_up("ann", answer("123456"))).unwrap());
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""AuthFlow":"USER_AUTH""#)
        .body_has(r#""Session":"sc""#)
        .respond(200, &api_tokens(tab.now(), "t1", Some("r1")));
    let r = block_on(auth.sign_in_after_sign_up()).unwrap();
    assert!(r.signed_in);
    assert_eq!(block_on(auth.current_user()).unwrap().unwrap().sub, SUB);
    assert_eq!(signed.borrow().len(), 1);
    assert!(tab
        .server()
        .requests()
        .iter()
        .skip(1)
        .all(|q| !q.body.expose().contains("Pa55word")));
    // Spent: a second try has nothing to sign in with, and says so without a request.
    let n = tab.server().requests().len();
    let e = block_on(auth.sign_in_after_sign_up()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInExpired);
    assert_eq!(tab.server().requests().len(), n);
    // A confirmation for another user name does not send this one's session.
    tab.server().expect("POST", IDP).respond(
        200,
        r#"{"UserConfirmed":false,"UserSub":"u-1","Session":"su2"}"#,
    );
    block_on(auth.sign_up(details)).unwrap();
    tab.server().expect("POST", IDP).respond(200, "{}");
    assert!(!block_on(auth.confirm_sign_up("bob", answer("1"))).unwrap());
    assert!(!tab
        .server()
        .requests()
        .last()
        .unwrap()
        .body
        .expose()
        .contains("su2"));

    // Reset: where the code went, then the new password with it.
    tab.server()
        .expect("POST", IDP)
        .body_has(r#"{"Username":"ann","ClientId":"client1"}"#)
        .respond(200, r#"{"CodeDeliveryDetails":{"AttributeName":"email","DeliveryMedium":"EMAIL","Destination":"a***@e***"}}"#);
    let d = block_on(auth.reset_password("ann")).unwrap();
    assert_eq!(
        d.get("destination").and_then(|v| v.as_str()),
        Some("a***@e***")
    );
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""Password":"N3w!pass""#)
        .respond(400, r#"{"__type":"ExpiredCodeException","message":"Invalid code provided, please request a code again."}"#);
    let e =
        block_on(auth.confirm_reset_password("ann", answer("1"), answer("N3w!pass"))).unwrap_err();
    assert_eq!(
        (e.kind(), e.server_type()),
        (ErrorKind::Aws, Some("ExpiredCodeException"))
    );
    tab.server().expect("POST", IDP).respond(200, "{}");
    block_on(auth.confirm_reset_password("ann", answer("2"), answer("N3w!pass"))).unwrap();
    assert!(
        block_on(auth.current_user()).unwrap().is_some(),
        "this tab's session stays"
    );
    tab.server().expect("POST", IDP).respond(200, "{}");
    let e = block_on(auth.resend_sign_up_code("ann")).unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::Network,
        "an answer without the delivery"
    );
    assert_eq!(tab.server().pending(), 0);
}

#[test]
fn mfa_setup_gives_a_new_secret_then_its_code_signs_in() {
    let tab = world();
    let auth = engine(&tab);
    tab.server()
        .expect("POST", IDP)
        .body_has("USER_PASSWORD_AUTH")
        .respond(
            200,
            &challenge(
                "MFA_SETUP",
                "s1",
                json!({"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]"}),
            ),
        );
    tab.server()
        .expect("POST", IDP)
        .body_has(r#"{"Session":"s1"}"#)
        .respond(200, r#"{"SecretCode":"JBSWY3DPEHPK3PXP","Session":"s2"}"#);
    let r = block_on(auth.sign_in(sign_in_options(crate::signin::Flow::Password))).unwrap();
    assert_eq!(
        r.to_object().to_json(),
        r#"{"signedIn":false,"nextStep":{"type":"totpSetup","secret":"JBSWY3DPEHPK3PXP","uri":"otpauth://totp/app.example:ann%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=app.example"}}"#
    );
    // A wrong code: Cognito's refusal, and the step stays.
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""Session":"s2""#)
        .body_has(r#""UserCode":"000000""#)
        .respond(
            400,
            r#"{"__type":"EnableSoftwareTokenMFAException","message":"Code mismatch"}"#,
        );
    let e = block_on(auth.confirm_sign_in(answer("000000"), &Default::default())).unwrap_err();
    assert_eq!(e.server_type(), Some("EnableSoftwareTokenMFAException"));
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""UserCode":"123456""#)
        .respond(200, r#"{"Status":"SUCCESS","Session":"s3"}"#);
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""ChallengeName":"MFA_SETUP""#)
        .body_has(r#""Session":"s3""#)
        .respond(200, &api_tokens(tab.now(), "t1", Some("r1")));
    let r = block_on(auth.confirm_sign_in(answer("123456"), &Default::default())).unwrap();
    assert!(r.signed_in);
    assert_eq!(tab.server().pending(), 0);
    // A set-up this version cannot do (no authenticator app offered) says so.
    let auth = engine(&tab);
    tab.server().expect("POST", IDP).respond(
        200,
        &challenge(
            "MFA_SETUP",
            "s9",
            json!({"MFAS_CAN_SETUP": "[\"EMAIL_OTP\"]"}),
        ),
    );
    let e = block_on(auth.sign_in(sign_in_options(crate::signin::Flow::Password))).unwrap_err();
    assert_eq!(
        (e.kind(), e.server_type()),
        (ErrorKind::Challenge, Some("MFA_SETUP"))
    );
}

#[test]
fn an_app_without_a_domain_signs_in_inside_and_signs_out_with_the_api_alone() {
    let tab = world();
    let api_only = AuthConfig::new("us-east-1_P00l", "client1", "", "").unwrap();
    let auth = CognitoAuth::with_platform(api_only, tab.clone()).unwrap();
    tab.set_location("https://app.example/");
    let e = block_on(auth.sign_in_with_redirect(Default::default())).unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::Config, "domain: required for the managed login")
    );
    assert!(!auth.is_redirect_callback(Some("https://app.example/?code=c&state=s")));
    tab.server()
        .expect("POST", IDP)
        .respond(200, &api_tokens(tab.now(), "t1", Some("r1")));
    assert!(
        block_on(auth.sign_in(sign_in_options(crate::signin::Flow::Password)))
            .unwrap()
            .signed_in
    );
    // Sign-out: RevokeToken and GlobalSignOut on the user-pool API, and no /logout to go to (the
    // redirect is the default, and there is no managed-login session).
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""AccessToken""#)
        .respond(200, "{}");
    tab.server()
        .expect("POST", IDP)
        .body_has(r#"{"Token":"r1","ClientId":"client1"}"#)
        .respond(200, "{}");
    block_on(auth.sign_out(SignOutOptions {
        global: true,
        redirect: true,
    }))
    .unwrap();
    assert!(block_on(auth.current_user()).unwrap().is_none());
    assert!(tab.navigations().is_empty());
    assert_eq!(tab.server().pending(), 0);
    assert_eq!(tab.server().count("/oauth2/"), 0);
}

/// What the authenticator of a test answers: a credential whose members are easy to find.
fn passkey_credential() -> crate::passkey::PublicKeyCredential {
    crate::passkey::PublicKeyCredential {
        raw_id: vec![0xc0, 0xde],
        client_data_json: br#"{"type":"webauthn.get"}"#.to_vec(),
        attestation_object: vec![0xa1, 0x01],
        transports: vec!["internal".into()],
        authenticator_data: vec![0xad],
        signature: vec![0x51, 0x6e],
        user_handle: Some(vec![0x75]),
        authenticator_attachment: Some("platform".into()),
    }
}

fn passkey_sign_in() -> crate::signin::Credentials {
    crate::signin::Credentials {
        username: "ann@example.com".into(),
        password: None,
        flow: crate::signin::Flow::Choice(Some(crate::signin::Factor::Passkey)),
    }
}

fn web_authn_challenge(rp_id: &str) -> String {
    let options = json!({"challenge": "AQIDBA", "rpId": rp_id, "userVerification": "preferred",
        "allowCredentials": [{"type": "public-key", "id": "wN4"}]});
    challenge(
        "WEB_AUTHN",
        "wa1",
        json!({"CREDENTIAL_REQUEST_OPTIONS": options.to_string()}),
    )
}

#[test]
fn a_passkey_sign_in_asks_the_authenticator_and_a_cancelled_prompt_can_be_tried_again() {
    use crate::passkey::PublicKeyValue;
    let tab = world();
    tab.set_location("https://app.example/");
    let auth = engine(&tab);
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""AuthFlow":"USER_AUTH""#)
        .body_has(r#""PREFERRED_CHALLENGE":"WEB_AUTHN""#)
        .respond(200, &web_authn_challenge("app.example"));
    tab.authenticator_answers(Err(crate::error::Error::new(
        ErrorKind::PasskeyCancelled,
        "dismissed",
    )));
    let e = block_on(auth.sign_in(passkey_sign_in())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PasskeyCancelled);
    let calls = tab.passkey_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].ceremony, crate::passkey::Ceremony::Get);
    assert_eq!(
        calls[0].public_key.get("challenge"),
        Some(&PublicKeyValue::Bytes(vec![1, 2, 3, 4]))
    );
    // Tried again: the same challenge, signed by the authenticator, answers WEB_AUTHN.
    tab.authenticator_answers(Ok(passkey_credential()));
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""ChallengeName":"WEB_AUTHN""#)
        .body_has(r#""Session":"wa1""#)
        .respond(200, &api_tokens(tab.now(), "t1", Some("r1")));
    let r = block_on(auth.confirm_sign_in(answer(""), &Default::default())).unwrap();
    assert!(r.signed_in);
    assert_eq!(block_on(auth.current_user()).unwrap().unwrap().sub, SUB);
    let requests = tab.server().requests();
    let respond = requests
        .iter()
        .rev()
        .find(|r| r.body.expose().contains("WEB_AUTHN"));
    let sent = body_of(respond.unwrap());
    let responses = &sent["ChallengeResponses"];
    assert_eq!(responses["USERNAME"], "ann@example.com");
    let credential: Value =
        serde_json::from_str(responses["CREDENTIAL"].as_str().unwrap()).unwrap();
    assert_eq!(
        credential,
        json!({"id": "wN4", "rawId": "wN4", "type": "public-key", "response": {
            "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0", "authenticatorData": "rQ",
            "signature": "UW4", "userHandle": "dQ"}, "authenticatorAttachment": "platform",
            "clientExtensionResults": {}})
    );
    assert_eq!(tab.server().pending(), 0);
}

#[test]
fn a_passkey_of_another_relying_party_or_no_webauthn_is_refused_before_any_prompt() {
    let tab = world();
    tab.set_location("https://app.example/");
    let auth = engine(&tab);
    tab.server()
        .expect("POST", IDP)
        .respond(200, &web_authn_challenge("other.example"));
    let e = block_on(auth.sign_in(passkey_sign_in())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PasskeyRelyingParty);
    assert!(e.message().contains("other.example"), "{}", e.message());
    assert!(tab.passkey_calls().is_empty(), "the user saw no prompt");
    // No WebAuthn here (nothing answers): the platform's own error.
    tab.server()
        .expect("POST", IDP)
        .respond(200, &web_authn_challenge("app.example"));
    let e = block_on(auth.sign_in(passkey_sign_in())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PasskeyUnsupported);
    // Where there is no page (a worker), passkeys are unsupported too.
    let worker = world();
    let auth = engine(&worker);
    worker
        .server()
        .expect("POST", IDP)
        .respond(200, &web_authn_challenge("app.example"));
    let e = block_on(auth.sign_in(passkey_sign_in())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PasskeyUnsupported);
    assert_eq!(tab.server().pending() + worker.server().pending(), 0);
}

#[test]
fn passkeys_are_registered_listed_across_pages_and_deleted_with_the_access_token() {
    let tab = world();
    let mut c = config();
    c.scopes.push(crate::account::ADMIN_SCOPE.into());
    let auth = CognitoAuth::with_platform(c, tab.clone()).unwrap();
    tab.set_location(APP.trim_end_matches("/callback"));
    let url = auth.prepare_sign_in(&Default::default()).unwrap();
    tab.server().expect("POST", TOKEN).respond(
        200,
        &tokens(tab.now(), "t0", Some("r1"), Some(&param(&url, "nonce"))),
    );
    tab.set_location(&format!("{APP}?code=c0&state={}", param(&url, "state")));
    block_on(auth.handle_redirect_callback(None)).unwrap();

    let options = json!({"CredentialCreationOptions": {"rp": {"id": "app.example", "name": "Shop"},
        "user": {"id": "dQ", "name": "ann", "displayName": ""}, "challenge": "AQID",
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}], "excludeCredentials": []}});
    tab.server()
        .expect("POST", IDP)
        .body_has("AccessToken")
        .respond(200, &options.to_string());
    tab.authenticator_answers(Ok(passkey_credential()));
    tab.server().expect("POST", IDP).respond(200, "{}");
    block_on(auth.register_passkey()).unwrap();
    let requests = tab.server().requests();
    let [.., start, complete] = &requests[..] else {
        panic!("two requests")
    };
    let target = |r: &crate::http::HttpRequest| {
        r.headers
            .iter()
            .find(|(n, _)| n == "x-amz-target")
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        target(start).as_deref(),
        Some("AWSCognitoIdentityProviderService.StartWebAuthnRegistration")
    );
    assert_eq!(
        target(complete).as_deref(),
        Some("AWSCognitoIdentityProviderService.CompleteWebAuthnRegistration")
    );
    let credential = &body_of(complete)["Credential"];
    assert_eq!(credential["response"]["attestationObject"], "oQE");
    assert_eq!(credential["response"]["transports"], json!(["internal"]));
    assert_eq!(
        tab.passkey_calls()[0].ceremony,
        crate::passkey::Ceremony::Create
    );

    // A cancelled registration sends nothing to complete.
    tab.server()
        .expect("POST", IDP)
        .respond(200, &options.to_string());
    tab.authenticator_answers(Err(crate::error::Error::new(
        ErrorKind::PasskeyCancelled,
        "dismissed",
    )));
    let sent = tab.server().requests().len();
    let e = block_on(auth.register_passkey()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PasskeyCancelled);
    assert_eq!(tab.server().requests().len(), sent + 1, "only the start");

    // The list, two pages; then a deletion.
    tab.server().expect("POST", IDP).respond(
        200,
        r#"{"Credentials":[{"CredentialId":"k1","CreatedAt":1.8e9}],"NextToken":"p2"}"#,
    );
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""NextToken":"p2""#)
        .respond(200, r#"{"Credentials":[{"CredentialId":"k2"}]}"#);
    let list = block_on(auth.list_passkeys()).unwrap();
    let ids: Vec<&str> = list.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["k1", "k2"]);
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""CredentialId":"k1""#)
        .respond(200, "{}");
    block_on(auth.delete_passkey("k1")).unwrap();
    // Signed out: nothing is sent.
    sign_out_here(&tab, &auth);
    let e = block_on(auth.list_passkeys()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotSignedIn);
    assert_eq!(tab.server().pending(), 0);
}

#[test]
fn several_second_factors_are_offered_to_choose_from_and_the_chosen_ones_code_signs_in() {
    let tab = world();
    let auth = engine(&tab);
    tab.server().expect("POST", IDP).respond(
        200,
        &challenge(
            "SELECT_MFA_TYPE",
            "m1",
            json!({"MFAS_CAN_CHOOSE": "[\"EMAIL_OTP\",\"SOFTWARE_TOKEN_MFA\"]"}),
        ),
    );
    let r = block_on(auth.sign_in(sign_in_options(crate::signin::Flow::Password))).unwrap();
    assert_eq!(
        r.to_object().to_json(),
        r#"{"signedIn":false,"nextStep":{"type":"selectMfaType","available":["totp","email"]}}"#
    );
    // A factor not offered: refused here, without a request; the step stays.
    let sent = tab.server().requests().len();
    let e = block_on(auth.confirm_sign_in(answer("sms"), &Default::default())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains("totp, email"), "{}", e.message());
    assert_eq!(tab.server().requests().len(), sent);
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""ChallengeName":"SELECT_MFA_TYPE""#)
        .body_has(r#""ANSWER":"EMAIL_OTP""#)
        .body_has(r#""Session":"m1""#)
        .respond(
            200,
            &challenge(
                "EMAIL_OTP",
                "m2",
                json!({"CODE_DELIVERY_DESTINATION": "a***@e***"}),
            ),
        );
    let r = block_on(auth.confirm_sign_in(answer("email"), &Default::default())).unwrap();
    assert_eq!(
        r.next_step,
        crate::signin::NextStep::EmailCode {
            destination: Some("a***@e***".into())
        }
    );
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""EMAIL_OTP_CODE":"12345678""#)
        .respond(200, &api_tokens(tab.now(), "t1", Some("r1")));
    let r = block_on(auth.confirm_sign_in(answer("12345678"), &Default::default())).unwrap();
    assert!(r.signed_in);
    assert_eq!(tab.server().pending(), 0);
}

#[test]
fn a_passkey_chosen_from_the_factors_and_cancelled_is_tried_again_with_cognitos_new_session() {
    let tab = world();
    tab.set_location("https://app.example/");
    let auth = engine(&tab);
    let choice = crate::signin::Credentials {
        username: "ann@example.com".into(),
        password: None,
        flow: crate::signin::Flow::Choice(None),
    };
    tab.server().expect("POST", IDP).respond(
        200,
        &json!({"ChallengeName": "SELECT_CHALLENGE", "Session": "sel", "ChallengeParameters": {},
            "AvailableChallenges": ["PASSWORD_SRP", "WEB_AUTHN"]})
        .to_string(),
    );
    block_on(auth.sign_in(choice)).unwrap();
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""ANSWER":"WEB_AUTHN""#)
        .respond(200, &web_authn_challenge("app.example"));
    tab.authenticator_answers(Err(crate::error::Error::new(
        ErrorKind::PasskeyCancelled,
        "dismissed",
    )));
    let e = block_on(auth.confirm_sign_in(answer("passkey"), &Default::default())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PasskeyCancelled);
    // Tried again: WEB_AUTHN with its own session, not SELECT_CHALLENGE's spent one.
    tab.authenticator_answers(Ok(passkey_credential()));
    tab.server()
        .expect("POST", IDP)
        .body_has(r#""ChallengeName":"WEB_AUTHN""#)
        .body_has(r#""Session":"wa1""#)
        .respond(200, &api_tokens(tab.now(), "t1", Some("r1")));
    let r = block_on(auth.confirm_sign_in(answer(""), &Default::default())).unwrap();
    assert!(r.signed_in);
    assert_eq!(tab.server().pending(), 0);
}

#[test]
fn an_in_app_session_reaches_the_account_without_the_admin_scope_in_the_config() {
    // The user-pool API's tokens always carry aws.cognito.signin.user.admin; the config's scopes
    // are for the managed login (here the default three).
    let tab = world();
    let auth = engine(&tab);
    tab.server()
        .expect("POST", IDP)
        .respond(200, &api_tokens(tab.now(), "t1", Some("r1")));
    block_on(auth.sign_in(sign_in_options(crate::signin::Flow::Password))).unwrap();
    tab.server()
        .expect("POST", IDP)
        .body_has("AccessToken")
        .respond(200, r#"{"Credentials":[]}"#);
    assert!(block_on(auth.list_passkeys()).unwrap().is_empty());
    // A managed-login session with the same config is refused before any request.
    let managed = signed_in(&world());
    let e = block_on(managed.list_passkeys()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(
        e.message().contains(crate::account::ADMIN_SCOPE),
        "{}",
        e.message()
    );
    assert_eq!(tab.server().pending(), 0);
}
