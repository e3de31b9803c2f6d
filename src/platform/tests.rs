//! Browser tests of the [`Browser`] platform (`cargo test --target wasm32-unknown-unknown`, or
//! `wasm-pack test --headless --chrome`): fetch through `globalThis`, each storage (with stores the app
//! supplies, broken ones among them), the Web Lock, the channel, the timer.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

use super::{Browser, CognitoAuth};
use crate::config::{AuthConfig, StorageKind};
use crate::engine::{EventName, Platform, Storage};
use crate::http::HttpRequest;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
const realFetch = globalThis.fetch;
let seen = null;
export function answerFetch(status, body, errorType) {
  globalThis.fetch = (url, init) => {
    seen = { url, method: init?.method ?? 'GET', body: init?.body ?? null,
             headers: init?.headers ? [...init.headers].map(([k, v]) => k + ': ' + v).join('\n') : '' };
    if (status === 0) return Promise.reject(new TypeError('Failed to fetch'));
    const headers = errorType ? { 'x-amzn-errortype': errorType } : {};
    return Promise.resolve(new Response(body, { status, headers }));
  };
}
export function seenRequest() { return seen; }
export function restoreFetch() { globalThis.fetch = realFetch; }
export function mapStorage(listable) {
  const m = new Map();
  const s = { getItem: (k) => m.has(k) ? m.get(k) : null, setItem: (k, v) => { m.set(k, String(v)); },
              removeItem: (k) => { m.delete(k); }, peek: (k) => m.get(k) };
  if (listable) { s.key = (i) => [...m.keys()][i] ?? null; Object.defineProperty(s, 'length', { get: () => m.size }); }
  return s;
}
export function hideLocks(hidden) {
  if (hidden) Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true });
  else delete navigator.locks;
}
export function setOnLine(value) {
  Object.defineProperty(navigator, 'onLine', { get: () => value, configurable: true });
}
export function restoreOnLine() { delete navigator.onLine; }
export function brokenStorage(how) {
  return { getItem: () => { if (how === 'throw') throw new Error('boom'); return how === 'promise' ? Promise.resolve('x') : 42; },
           setItem: () => { throw new Error('full'); }, removeItem: () => { throw new Error('boom'); } };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = answerFetch)]
    fn answer_fetch(status: u16, body: &str, error_type: Option<String>);
    #[wasm_bindgen(js_name = seenRequest)]
    fn seen_request() -> JsValue;
    #[wasm_bindgen(js_name = restoreFetch)]
    fn restore_fetch();
    #[wasm_bindgen(js_name = mapStorage)]
    fn map_storage(listable: bool) -> JsValue;
    #[wasm_bindgen(js_name = hideLocks)]
    fn hide_locks(hidden: bool);
    #[wasm_bindgen(js_name = setOnLine)]
    fn set_on_line(value: JsValue);
    #[wasm_bindgen(js_name = restoreOnLine)]
    fn restore_on_line();
    #[wasm_bindgen(js_name = brokenStorage)]
    fn broken_storage(how: &str) -> JsValue;
}

fn get(v: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(v, &name.into()).unwrap()
}

#[wasm_bindgen_test]
async fn send_goes_through_global_fetch_and_no_answer_is_status_0() {
    answer_fetch(418, "teapot", Some("Prefix#SomeException:extra".into()));
    let request = HttpRequest {
        method: "POST",
        url: "https://cognito-idp.us-east-1.amazonaws.com/".into(),
        headers: vec![(
            "x-amz-target".into(),
            "AWSCognitoIdentityProviderService.GetUser".into(),
        )],
        body: "{\"a\":1}".into(),
    };
    let response = Browser::default().send(&request).await;
    let seen = seen_request();
    assert_eq!(response.status, 418);
    assert_eq!(response.body.expose(), "teapot");
    assert_eq!(
        response.error_type_header.as_deref(),
        Some("Prefix#SomeException:extra")
    );
    assert_eq!(get(&seen, "method").as_string().as_deref(), Some("POST"));
    assert_eq!(get(&seen, "body").as_string().as_deref(), Some("{\"a\":1}"));
    assert!(get(&seen, "headers")
        .as_string()
        .unwrap()
        .contains("x-amz-target: AWSCognitoIdentityProviderService.GetUser"));
    answer_fetch(0, "", None);
    assert_eq!(Browser::default().send(&request).await.status, 0);
    restore_fetch();
}

#[wasm_bindgen_test]
async fn get_reads_the_bytes_and_types_each_failure() {
    answer_fetch(200, "{\"keys\":[]}", None);
    let b = Browser::default();
    assert_eq!(
        b.get("https://x.example/jwks.json").await.unwrap(),
        b"{\"keys\":[]}"
    );
    answer_fetch(404, "", None);
    let e = b.get("https://x.example/jwks.json").await.unwrap_err();
    assert_eq!(e.code(), "ERR_NETWORK");
    assert!(
        e.message().ends_with("answered HTTP 404"),
        "{}",
        e.message()
    );
    answer_fetch(0, "", None);
    let e = b.get("https://x.example/jwks.json").await.unwrap_err();
    assert!(
        e.message().contains("offline, DNS, CORS or TLS"),
        "{}",
        e.message()
    );
    restore_fetch();
}

#[wasm_bindgen_test]
fn each_storage_kind_is_the_one_asked_for() {
    let window = web_sys::window().unwrap();
    let b = Browser::default();
    let (local, fell_back) = b.storage(StorageKind::Local);
    assert!(!fell_back);
    local.set("cw-test.local", "1").unwrap();
    assert_eq!(
        window
            .local_storage()
            .unwrap()
            .unwrap()
            .get_item("cw-test.local")
            .unwrap()
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        local.keys_with_prefix("cw-test."),
        vec!["cw-test.local".to_owned()]
    );
    local.remove("cw-test.local");
    assert_eq!(
        window
            .local_storage()
            .unwrap()
            .unwrap()
            .get_item("cw-test.local")
            .unwrap(),
        None
    );
    let (session, _) = b.storage(StorageKind::Session);
    session.set("cw-test.session", "2").unwrap();
    assert_eq!(
        window
            .session_storage()
            .unwrap()
            .unwrap()
            .get_item("cw-test.session")
            .unwrap()
            .as_deref(),
        Some("2")
    );
    session.remove("cw-test.session");
    let (memory, _) = b.storage(StorageKind::Memory);
    memory.set("cw-test.memory", "3").unwrap();
    assert_eq!(memory.get("cw-test.memory").as_deref(), Some("3"));
    assert_eq!(
        window
            .local_storage()
            .unwrap()
            .unwrap()
            .get_item("cw-test.memory")
            .unwrap(),
        None
    );
    // No app store given: memory, and said so.
    assert!(b.storage(StorageKind::App).1);
}

#[wasm_bindgen_test]
fn a_store_the_app_supplies_is_called_as_web_storage() {
    for listable in [true, false] {
        let js = map_storage(listable);
        let (store, fell_back) = Browser::with_app_storage(js.clone()).storage(StorageKind::App);
        assert!(!fell_back);
        store.set("k.a", "v").unwrap();
        let peek = js_sys::Reflect::get(&js, &"peek".into()).unwrap();
        let peeked = js_sys::Function::from(peek)
            .call1(&js, &"k.a".into())
            .unwrap();
        assert_eq!(peeked.as_string().as_deref(), Some("v"));
        assert_eq!(store.get("k.a").as_deref(), Some("v"));
        assert_eq!(store.get("k.b"), None);
        let listed = store.keys_with_prefix("k.");
        assert_eq!(listed.len(), usize::from(listable));
        store.remove("k.a");
        assert_eq!(store.get("k.a"), None);
    }
    // A store that throws or answers garbage: unreadable values (never a trap), refused writes.
    for how in ["throw", "promise", "number"] {
        let (store, _) = Browser::with_app_storage(broken_storage(how)).storage(StorageKind::App);
        let v = store.get("k").unwrap_or_default();
        assert!(
            crate::session::Session::from_json(&v).is_err(),
            "{how}: {v}"
        );
        assert_eq!(store.set("k", "v").unwrap_err().code(), "ERR_STORAGE");
        store.remove("k");
        assert!(store.keys_with_prefix("").is_empty());
    }
}

#[wasm_bindgen_test]
async fn a_broken_app_store_is_a_storage_warning_and_a_signed_out_state() {
    let mut config = AuthConfig::new(
        "us-east-1_P00l",
        "client1",
        "https://shop.auth.us-east-1.amazoncognito.com",
        "https://app.example/callback",
    )
    .unwrap();
    config.storage = StorageKind::App;
    for how in ["throw", "number"] {
        let auth = CognitoAuth::with_platform(
            config.clone(),
            Browser::with_app_storage(broken_storage(how)),
        )
        .unwrap();
        let warnings = Rc::new(RefCell::new(0));
        let w = warnings.clone();
        auth.on(EventName::StorageWarning, move |_| *w.borrow_mut() += 1);
        assert!(auth.current_user().await.unwrap().is_none(), "{how}");
        assert!(*warnings.borrow() >= 1, "{how}");
    }
}

#[wasm_bindgen_test]
async fn the_web_lock_runs_one_task_at_a_time() {
    two_tasks_on_one_lock("cw-test-lock").await;
}

#[wasm_bindgen_test]
async fn without_web_locks_the_in_process_lock_runs_one_task_at_a_time() {
    hide_locks(true);
    let hidden = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"locks".into()))
        .unwrap();
    assert!(hidden.is_undefined(), "navigator.locks is hidden");
    two_tasks_on_one_lock("cw-test-fallback-lock").await;
    // Both released: the name can be taken again at once (a leaked hold would hang here).
    Browser::default()
        .lock("cw-test-fallback-lock", Box::pin(async {}))
        .await;
    hide_locks(false);
}

/// Task `a` takes the lock `name` and holds it for 30 ms; `b` asks 5 ms later and must wait.
async fn two_tasks_on_one_lock(name: &'static str) {
    let b = Browser::default();
    let log = Rc::new(RefCell::new(Vec::new()));
    let task = |name: &'static str| {
        let (b, log) = (b.clone(), log.clone());
        Box::pin(async move {
            log.borrow_mut().push(format!("{name} in"));
            b.sleep_ms(30).await;
            log.borrow_mut().push(format!("{name} out"));
        })
    };
    let first = {
        let b = b.clone();
        let t = task("a");
        async move { b.lock(name, t).await }
    };
    wasm_bindgen_futures::spawn_local(first);
    b.sleep_ms(5).await;
    b.lock(name, task("b")).await;
    assert_eq!(*log.borrow(), vec!["a in", "a out", "b in", "b out"]);
}

#[wasm_bindgen_test]
async fn the_channel_reaches_the_other_channels_of_its_name_not_itself() {
    let b = Browser::default();
    let got = Rc::new(RefCell::new(Vec::<(u8, String)>::new()));
    let open = |id: u8| {
        let got = got.clone();
        b.open_channel(
            "cw-test-channel",
            Box::new(move |m| got.borrow_mut().push((id, m))),
        )
        .unwrap()
    };
    let (one, two) = (open(1), open(2));
    b.post(&one, "hello");
    let start = js_sys::Date::now();
    b.sleep_ms(50).await;
    assert!(js_sys::Date::now() - start >= 45.0, "sleep_ms waited");
    assert_eq!(*got.borrow(), vec![(2, "hello".to_owned())]);
    drop(two);
    b.post(&one, "again");
    b.sleep_ms(30).await;
    assert_eq!(got.borrow().len(), 1, "a dropped channel is closed");
}

#[wasm_bindgen_test]
fn online_follows_navigator_on_line() {
    let platform = Browser::default();
    assert!(platform.online(), "headless Chromium is online");
    set_on_line(JsValue::FALSE);
    assert!(!platform.online());
    // A navigator without the flag (Node's has none): assumed online.
    set_on_line(JsValue::UNDEFINED);
    assert!(platform.online());
    restore_on_line();
    assert!(platform.online());
}
