//! Browser tests of the JS facade (`cargo test --target wasm32-unknown-unknown`: wasm-bindgen-test-runner in headless Chromium): option parsing, claims as
//! plain objects, the `AuthError` shape, and the JWKS fetch (one shared request, one refetch for an
//! unknown kid, broken responses). Keys and tokens are made by WebCrypto in the page, an independent
//! signer; `fetch` is replaced by a counting stub so that requests can be observed and broken on purpose.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use super::verifier::JsJwtVerifier;

wasm_bindgen_test_configure!(run_in_browser);

const POOL: &str = "us-east-1_TestPool1";
const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1";
const CLIENT: &str = "client1234567890abcdefghij";

#[wasm_bindgen(inline_js = r#"
const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const enc = (obj) => b64(new TextEncoder().encode(JSON.stringify(obj)));
export async function makeKey(kid) {
  const pair = await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true, ['sign', 'verify']);
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { kid, privateKey: pair.privateKey, jwk: { kid, kty: 'RSA', alg: 'RS256', use: 'sig', n: jwk.n, e: jwk.e } };
}
export async function signJwt(key, header, claims) {
  const input = enc(header) + '.' + enc(claims);
  const sig = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key.privateKey, new TextEncoder().encode(input));
  return input + '.' + b64(sig);
}
const realFetch = globalThis.fetch;
let calls = [];
export function stubFetch(mode, body, delayMs) {
  calls = [];
  globalThis.fetch = (req) => {
    calls.push(typeof req === 'string' ? req : req.url);
    return new Promise((resolve, reject) => setTimeout(() => {
      if (mode === 'offline') reject(new TypeError('Failed to fetch'));
      else resolve(new Response(body, { status: mode === 'ok' ? 200 : 500 }));
    }, delayMs));
  };
}
export function fetchCalls() { return calls.slice(); }
export function restoreFetch() { globalThis.fetch = realFetch; }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = makeKey)]
    async fn make_key(kid: &str) -> JsValue;
    #[wasm_bindgen(js_name = signJwt)]
    async fn sign_jwt(key: &JsValue, header: JsValue, claims: JsValue) -> JsValue;
    #[wasm_bindgen(js_name = stubFetch)]
    fn stub_fetch(mode: &str, body: &str, delay_ms: u32);
    #[wasm_bindgen(js_name = fetchCalls)]
    fn fetch_calls() -> js_sys::Array;
    #[wasm_bindgen(js_name = restoreFetch)]
    fn restore_fetch();
}

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).expect("test JSON")
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &key.into()).unwrap()
}

fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

fn id_claims(extra: &str) -> JsValue {
    let now = now();
    let base = format!(
        r#"{{"sub":"u-1","iss":"{ISS}","aud":"{CLIENT}","token_use":"id","exp":{},"iat":{now},
           "auth_time":{now},"cognito:username":"demo","cognito:groups":["customers"],
           "email":"demo@shopsphere.test"{extra}}}"#,
        now + 3600
    );
    json(&base)
}

async fn token(key: &JsValue, kid: &str, claims: JsValue) -> String {
    let header = json(&format!(r#"{{"alg":"RS256","kid":"{kid}"}}"#));
    sign_jwt(key, header, claims).await.as_string().unwrap()
}

fn jwks_text(keys: &[&JsValue]) -> String {
    let arr = js_sys::Array::new();
    for k in keys {
        arr.push(&get(k, "jwk"));
    }
    let set = js_sys::Object::new();
    js_sys::Reflect::set(&set, &"keys".into(), &arr).unwrap();
    js_sys::JSON::stringify(&set).unwrap().into()
}

fn options(extra: &str) -> JsValue {
    json(&format!(
        r#"{{"userPoolId":"{POOL}","tokenUse":"id","clientId":"{CLIENT}"{extra}}}"#
    ))
}

fn verifier_with_inline(jwks: &str) -> JsJwtVerifier {
    let opts = options("");
    js_sys::Reflect::set(&opts, &"jwks".into(), &json(jwks)).unwrap();
    JsJwtVerifier::new(opts).unwrap_or_else(|e| panic!("constructor threw {e:?}"))
}

fn assert_auth_error(err: &JsValue, code: &str) {
    assert!(
        err.is_instance_of::<js_sys::Error>(),
        "not an Error: {err:?}"
    );
    assert_eq!(get(err, "name").as_string().as_deref(), Some("AuthError"));
    assert_eq!(
        get(err, "code").as_string().as_deref(),
        Some(code),
        "{err:?}"
    );
    assert!(!get(err, "message").as_string().unwrap().is_empty());
    assert_eq!(
        get(err, "retryable").as_bool(),
        Some(code == "ERR_NETWORK"),
        "{err:?}"
    );
}

async fn verify(v: &JsJwtVerifier, token: &str) -> Result<JsValue, JsValue> {
    JsFuture::from(v.verify(token.to_owned())).await
}

#[wasm_bindgen_test]
async fn verify_sync_returns_claims_as_a_plain_object() {
    let key = make_key("k1").await;
    let v = verifier_with_inline(&jwks_text(&[&key]));
    let signed = id_claims("");
    let exp = get(&signed, "exp").as_f64();
    let t = token(&key, "k1", signed).await;
    let claims = v.verify_sync(&t).unwrap();
    let plain = js_sys::Object::get_prototype_of(&js_sys::Object::new());
    assert!(
        js_sys::Object::is(&js_sys::Object::get_prototype_of(&claims), &plain),
        "claims must be a plain object"
    );
    assert_eq!(
        get(&claims, "cognito:username").as_string().as_deref(),
        Some("demo")
    );
    assert!(js_sys::Array::is_array(&get(&claims, "cognito:groups")));
    // The signed exp, not one computed again here (a second may have passed).
    assert_eq!(get(&claims, "exp").as_f64(), exp);
}

#[wasm_bindgen_test]
async fn failures_are_auth_errors_with_stable_codes() {
    let key = make_key("k1").await;
    let v = verifier_with_inline(&jwks_text(&[&key]));
    let expired = token(&key, "k1", id_claims(r#","exp":1000"#)).await;
    assert_auth_error(&v.verify_sync(&expired).unwrap_err(), "ERR_JWT_EXPIRED");
    assert_auth_error(&verify(&v, &expired).await.unwrap_err(), "ERR_JWT_EXPIRED");

    let good = token(&key, "k1", id_claims("")).await;
    let (input, sig) = good.rsplit_once('.').unwrap();
    // Change one character in the middle (the last one carries padding bits and may not decode).
    let mut chars: Vec<char> = sig.chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    let tampered = format!("{input}.{}", chars.into_iter().collect::<String>());
    assert_auth_error(&v.verify_sync(&tampered).unwrap_err(), "ERR_JWT_SIGNATURE");
    assert_auth_error(&v.verify_sync("a.b").unwrap_err(), "ERR_JWT_MALFORMED");
    let wrong_aud = token(&key, "k1", id_claims(r#","aud":"someone-else""#)).await;
    assert_auth_error(&v.verify_sync(&wrong_aud).unwrap_err(), "ERR_JWT_AUDIENCE");
    let access = token(&key, "k1", id_claims(r#","token_use":"access""#)).await;
    assert_auth_error(&v.verify_sync(&access).unwrap_err(), "ERR_JWT_TOKEN_USE");
    let other_iss = token(&key, "k1", id_claims(r#","iss":"https://evil.example""#)).await;
    assert_auth_error(&v.verify_sync(&other_iss).unwrap_err(), "ERR_JWT_ISSUER");
    let unknown_kid = token(&key, "k9", id_claims("")).await;
    assert_auth_error(
        &v.verify_sync(&unknown_kid).unwrap_err(),
        "ERR_JWK_NOT_FOUND",
    );
}

#[wasm_bindgen_test]
fn the_constructor_validates_options() {
    let cases = [
        (JsValue::UNDEFINED, "options"),
        (
            json(&format!(r#"{{"tokenUse":"id","clientId":"{CLIENT}"}}"#)),
            "userPoolId",
        ),
        (
            json(&format!(
                r#"{{"userPoolId":"nope","tokenUse":"id","clientId":"{CLIENT}"}}"#
            )),
            "userPoolId",
        ),
        (
            json(&format!(
                r#"{{"userPoolId":"{POOL}","clientId":"{CLIENT}"}}"#
            )),
            "tokenUse",
        ),
        (
            json(&format!(
                r#"{{"userPoolId":"{POOL}","tokenUse":"refresh","clientId":"{CLIENT}"}}"#
            )),
            "tokenUse",
        ),
        (
            json(&format!(r#"{{"userPoolId":"{POOL}","tokenUse":"id"}}"#)),
            "clientId",
        ),
        (
            json(&format!(
                r#"{{"userPoolId":"{POOL}","tokenUse":"id","clientId":[1]}}"#
            )),
            "clientId",
        ),
        (options(r#","graceSeconds":-1"#), "graceSeconds"),
        (options(r#","graceSeconds":3600"#), "graceSeconds"),
        (options(r#","groups":5"#), "groups"),
        (options(r#","issuer":"http://evil.example/x""#), "issuer"),
        (options(r#","jwksUri":"ftp://x""#), "jwksUri"),
        (options(r#","jwks":5"#), "jwks"),
    ];
    for (opts, field) in cases {
        let err = JsJwtVerifier::new(opts)
            .err()
            .expect("constructor must throw");
        assert_auth_error(&err, "ERR_CONFIG");
        let message = get(&err, "message").as_string().unwrap();
        assert!(message.starts_with(field), "{message} should name {field}");
    }
    let err = JsJwtVerifier::new(options(r#","jwks":{"nokeys":[]}"#))
        .err()
        .unwrap();
    assert_auth_error(&err, "ERR_JWKS");
    // Explicit nulls are accepted.
    let opts = json(&format!(
        r#"{{"userPoolId":"{POOL}","tokenUse":null,"clientId":null}}"#
    ));
    assert!(JsJwtVerifier::new(opts).is_ok());
}

#[wasm_bindgen_test]
async fn concurrent_verifications_share_one_jwks_fetch() {
    let key = make_key("k1").await;
    let t = token(&key, "k1", id_claims("")).await;
    stub_fetch("ok", &jwks_text(&[&key]), 50);
    let v = JsJwtVerifier::new(options("")).unwrap();
    let all = js_sys::Array::new();
    for _ in 0..5 {
        all.push(&v.verify(t.clone()));
    }
    let results = JsFuture::from(js_sys::Promise::all(&all)).await;
    let calls = fetch_calls();
    restore_fetch();
    let results: js_sys::Array = results.expect("all verifications succeed").into();
    assert_eq!(results.length(), 5);
    assert_eq!(calls.length(), 1, "one JWKS request for five verifications");
    assert_eq!(
        calls.get(0).as_string().unwrap(),
        format!("{ISS}/.well-known/jwks.json")
    );
    // Cached now: verifySync works and no further request is made.
    stub_fetch("ok", "{}", 0);
    assert!(v.verify_sync(&t).is_ok());
    assert!(verify(&v, &t).await.is_ok());
    assert_eq!(fetch_calls().length(), 0);
    restore_fetch();
}

#[wasm_bindgen_test]
async fn an_unknown_kid_refetches_once_then_waits() {
    let key = make_key("k1").await;
    let rotated = make_key("k2").await;
    stub_fetch("ok", &jwks_text(&[&key]), 0);
    let v = JsJwtVerifier::new(options(r#","jwksUri":"https://keys.example/jwks.json""#)).unwrap();
    JsFuture::from(v.hydrate()).await.unwrap();
    assert_eq!(fetch_calls().length(), 1);
    // A key rotated in on the server: the unknown kid triggers one refetch that finds it... but only
    // after the wait period since the last fetch; right now it is refused without a request.
    stub_fetch("ok", &jwks_text(&[&key, &rotated]), 0);
    let t2 = token(&rotated, "k2", id_claims("")).await;
    assert_auth_error(&verify(&v, &t2).await.unwrap_err(), "ERR_JWK_NOT_FOUND");
    assert_eq!(
        fetch_calls().length(),
        0,
        "no refetch within the wait period"
    );
    restore_fetch();

    // A fresh verifier whose first fetch lacks the kid: exactly one fetch, then not found.
    stub_fetch("ok", &jwks_text(&[&key]), 0);
    let v = JsJwtVerifier::new(options("")).unwrap();
    assert_auth_error(&verify(&v, &t2).await.unwrap_err(), "ERR_JWK_NOT_FOUND");
    assert_auth_error(&verify(&v, &t2).await.unwrap_err(), "ERR_JWK_NOT_FOUND");
    assert_eq!(fetch_calls().length(), 1);
    restore_fetch();
}

#[wasm_bindgen_test]
async fn broken_jwks_responses_are_typed_errors() {
    let key = make_key("k1").await;
    let t = token(&key, "k1", id_claims("")).await;
    for (mode, body, code) in [
        ("ok", "<html>not json</html>", "ERR_JWKS"),
        ("ok", r#"{"no":"keys"}"#, "ERR_JWKS"),
        ("error", "{}", "ERR_NETWORK"),
        ("offline", "", "ERR_NETWORK"),
    ] {
        stub_fetch(mode, body, 0);
        let v = JsJwtVerifier::new(options("")).unwrap();
        assert_auth_error(&verify(&v, &t).await.unwrap_err(), code);
        // verifySync without keys: not found, no request.
        assert_auth_error(&v.verify_sync(&t).unwrap_err(), "ERR_JWK_NOT_FOUND");
        // The next call retries (no keys were ever loaded) and succeeds once the server is back.
        stub_fetch("ok", &jwks_text(&[&key]), 0);
        assert!(verify(&v, &t).await.is_ok(), "{mode} {body}");
        assert_eq!(fetch_calls().length(), 1);
    }
    restore_fetch();
}
