//! The browser platform in a dedicated worker (no window, no Web Storage): `cargo test --target
//! wasm32-unknown-unknown` runs this file in a worker of headless Chromium (wasm-bindgen-test's
//! `run_in_dedicated_worker`). Fetch goes through the worker's own `fetch`, local storage falls back to
//! memory (and says so), the Web Lock and the channel work, and navigation is `ERR_CONFIG`.
#![cfg(target_arch = "wasm32")]

use cognito_wasm::config::StorageKind;
use cognito_wasm::engine::{Platform, Storage};
use cognito_wasm::error::ErrorKind;
use cognito_wasm::platform::Browser;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen(inline_js = r#"
export function answerFetch(body) {
  globalThis.fetch = (url) => Promise.resolve(new Response(body + ' ' + url, { status: 200 }));
}
export function hasWindow() { return typeof globalThis.window !== 'undefined'; }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = answerFetch)]
    fn answer_fetch(body: &str);
    #[wasm_bindgen(js_name = hasWindow)]
    fn has_window() -> bool;
}

#[wasm_bindgen_test]
async fn a_worker_fetches_through_its_own_fetch() {
    assert!(!has_window(), "this runs in a worker");
    answer_fetch("keys of");
    let body = Browser::default()
        .get("https://cognito-idp.us-east-1.amazonaws.com/pool/.well-known/jwks.json")
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "keys of https://cognito-idp.us-east-1.amazonaws.com/pool/.well-known/jwks.json"
    );
}

#[wasm_bindgen_test]
fn a_worker_has_no_web_storage_and_falls_back_to_memory() {
    let b = Browser::default();
    for kind in [StorageKind::Local, StorageKind::Session] {
        let (store, fell_back) = b.storage(kind);
        assert!(fell_back, "{kind:?} falls back in a worker");
        store.set("k", "v").unwrap();
        assert_eq!(store.get("k").as_deref(), Some("v"));
    }
    assert!(!b.storage(StorageKind::Memory).1);
}

#[wasm_bindgen_test]
fn a_worker_has_no_page_to_navigate() {
    let b = Browser::default();
    assert_eq!(b.location_href(), None);
    let err = b.navigate("https://example.com/").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    b.replace_url("https://example.com/"); // no page: nothing to replace, and no trap
}

#[wasm_bindgen_test]
async fn a_worker_takes_web_locks_and_opens_channels() {
    let b = Browser::default();
    let ran = std::rc::Rc::new(std::cell::Cell::new(false));
    let flag = ran.clone();
    b.lock("cw-worker-lock", Box::pin(async move { flag.set(true) }))
        .await;
    assert!(ran.get());
    assert!(b.open_channel("cw-worker", Box::new(|_| {})).is_some());
}
