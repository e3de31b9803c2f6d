//! [`Browser`]: the platform of the shipped wasm, through `globalThis`, so that one module runs on a
//! page, in a dedicated, shared or service worker, in Node ≥ 20, Deno and edge runtimes. Each API has
//! a fallback where it is missing: memory for Web Storage, an in-process lock for Web Locks, no
//! cross-tab events without BroadcastChannel; navigation only on a page.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::config::StorageKind;
use crate::engine::{MemoryStorage, Platform, Storage, Task};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::passkey::{PublicKeyCredential, PublicKeyOptions, PublicKeyValue};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (a window's, a worker's, Node's).
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(input: &str, init: &web_sys::RequestInit) -> Result<js_sys::Promise, JsValue>;
    /// `fetch(url)` with no init object (the verifier's build links nothing else of `fetch`).
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_get(input: &str) -> Result<js_sys::Promise, JsValue>;
    /// `String(value)`: a rejection as text (`TypeError: Failed to fetch`).
    #[wasm_bindgen(js_name = String)]
    fn text_of(value: &JsValue) -> String;
    /// The global `setTimeout`.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
}

/// The page's window, if this runs on one.
fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// `globalThis[name]`, unless it is missing (or its getter throws, as `localStorage` does on an opaque
/// origin).
fn global(name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(&js_sys::global(), &name.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// `navigator.<name>`, if there is a navigator and it has that field (not `undefined` or `null`).
fn navigator(name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(&global("navigator")?, &name.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// The browser platform. `Default` is `globalThis` as it is; [`with_app_storage`](Self::with_app_storage)
/// adds a store the app supplies.
#[derive(Clone, Default)]
pub struct Browser {
    app_storage: Option<Rc<web_sys::Storage>>,
}

impl Browser {
    /// The platform with `storage` (an object with `getItem`, `setItem`, `removeItem`, synchronous as
    /// `localStorage`) as the store of [`StorageKind::App`].
    pub fn with_app_storage(storage: JsValue) -> Self {
        Self {
            // Called as Web Storage is (`getItem`, `setItem`, `removeItem`, `key`, `length`).
            app_storage: Some(Rc::new(storage.unchecked_into())),
        }
    }
}

/// Key-value storage: Web Storage (or a store the app supplies, called as one), or memory.
#[derive(Clone)]
pub enum Store {
    /// A Web Storage area, or the app's `{ getItem, setItem, removeItem }` (with `key` and `length`
    /// its keys can be listed; without, nothing is listed).
    Web(web_sys::Storage),
    /// In memory (also the fallback where Web Storage is unavailable).
    Memory(MemoryStorage),
}

impl Storage for Store {
    fn get(&self, key: &str) -> Option<String> {
        match self {
            // A throw is an unreadable value (a non-string arrives as its text, as unreadable).
            Self::Web(s) => s.get_item(key).unwrap_or_else(|_| Some(String::new())),
            Self::Memory(m) => m.get(key),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        match self {
            Self::Web(s) => s.set_item(key, value).map_err(|_| {
                Error::new(
                    ErrorKind::Storage,
                    "storage refused the write (quota, blocked, or setItem threw)",
                )
            }),
            Self::Memory(m) => m.set(key, value),
        }
    }

    fn remove(&self, key: &str) {
        match self {
            Self::Web(s) => {
                let _ = s.remove_item(key);
            }
            Self::Memory(m) => m.remove(key),
        }
    }

    fn keys_with_prefix(&self, prefix: &str) -> Vec<String> {
        match self {
            Self::Web(s) => {
                let n = s.length().unwrap_or(0);
                (0..n)
                    .filter_map(|i| s.key(i).ok().flatten())
                    .filter(|k| k.starts_with(prefix))
                    .collect()
            }
            Self::Memory(m) => m.keys_with_prefix(prefix),
        }
    }
}

/// Awaits a JS promise of a value (a response, a body).
async fn settle(promise: Result<js_sys::Promise, JsValue>) -> Option<JsValue> {
    JsFuture::from(promise.ok()?).await.ok()
}

/// `fetch(url, { method, headers, body })`, with `headers` appended in order (a repeated name is sent
/// as often as given). Resolves to the `Response` whatever its status; when no response came (offline,
/// DNS, CORS, TLS) or the request could not be built, to what the runtime reported, as text.
pub(crate) async fn fetch(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&JsValue>,
) -> Result<web_sys::Response, String> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let sent = async {
        let h = web_sys::Headers::new()?;
        for (name, value) in headers {
            h.append(name, value)?;
        }
        init.set_headers(&h);
        if let Some(body) = body {
            init.set_body(body);
        }
        JsFuture::from(global_fetch(url, &init)?).await
    };
    sent.await
        .map(JsCast::unchecked_into)
        .map_err(|e| text_of(&e))
}

thread_local! {
    /// The names of the locks this process holds, where Web Locks are missing.
    static HELD: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// An open BroadcastChannel with its handler; closed when dropped.
pub struct Channel {
    channel: web_sys::BroadcastChannel,
    _handler: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}

impl Platform for Browser {
    type Storage = Store;
    type Channel = Channel;
    type Popup = web_sys::Window;

    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    fn fill_random(&self, out: &mut [u8]) -> Result<()> {
        getrandom::fill(out)
            .map_err(|_| Error::new(ErrorKind::Config, "crypto.getRandomValues is not available"))
    }

    fn storage(&self, kind: StorageKind) -> (Store, bool) {
        let web = |name: &str| global(name).map(|s| Store::Web(s.unchecked_into()));
        let opened = match kind {
            StorageKind::Local => web("localStorage"),
            StorageKind::Session => web("sessionStorage"),
            StorageKind::App => self.app_storage.as_deref().cloned().map(Store::Web),
            StorageKind::Memory => return (Store::Memory(MemoryStorage::new()), false),
        };
        match opened {
            Some(s) => (s, false),
            None => (Store::Memory(MemoryStorage::new()), true),
        }
    }

    async fn send(&self, request: &HttpRequest) -> HttpResponse {
        let body = (request.method != "GET").then(|| JsValue::from_str(request.body.expose()));
        let response = match fetch(
            request.method,
            &request.url,
            &request.headers,
            body.as_ref(),
        )
        .await
        {
            Ok(response) => response,
            Err(cause) => {
                return HttpResponse {
                    status: 0,
                    body: cause.into(),
                    error_type_header: None,
                    request_id: None,
                }
            }
        };
        let headers = response.headers();
        HttpResponse {
            status: response.status(),
            error_type_header: headers.get("x-amzn-errortype").ok().flatten(),
            request_id: headers.get("x-amzn-requestid").ok().flatten(),
            body: settle(response.text())
                .await
                .and_then(|t| t.as_string())
                .unwrap_or_default()
                .into(),
        }
    }

    async fn get(&self, url: &str) -> Result<Vec<u8>> {
        let failed = |what: &str| {
            let mut m = String::from("GET ");
            m.push_str(url);
            m.push(' ');
            m.push_str(what);
            Error::new(ErrorKind::Network, m)
        };
        let response = settle(global_get(url))
            .await
            .and_then(|r| r.dyn_into::<web_sys::Response>().ok())
            .ok_or_else(|| failed("failed (offline, DNS, CORS or TLS)"))?;
        if !response.ok() {
            let mut what = String::from("answered HTTP ");
            what.push_str(crate::json::Number::from_u64(response.status().into()).as_str());
            return Err(failed(&what));
        }
        let body = settle(response.array_buffer())
            .await
            .ok_or_else(|| failed("could not be read"))?;
        Ok(js_sys::Uint8Array::new(&body).to_vec())
    }

    fn online(&self) -> bool {
        // `navigator.onLine`; where there is no such flag (Node), assume online.
        navigator("onLine").and_then(|v| v.as_bool()) != Some(false)
    }

    fn hidden(&self) -> bool {
        global("document")
            .and_then(|d| js_sys::Reflect::get(&d, &"visibilityState".into()).ok())
            .and_then(|v| v.as_string())
            .as_deref()
            == Some("hidden")
    }

    async fn sleep_ms(&self, ms: u32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            set_timeout(&resolve, ms as i32);
        });
        let _ = JsFuture::from(promise).await;
    }

    async fn lock(&self, name: &str, task: Task) {
        let locks = navigator("locks");
        let request = locks.as_ref().and_then(|l| {
            js_sys::Reflect::get(l, &"request".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        });
        let (Some(locks), Some(request)) = (locks, request) else {
            // No Web Locks (Node 20, some runtimes): exclusive within this process, waiting in
            // steps of 10 ms while another task of this process holds it (measured smaller in the
            // wasm than the waker-based [`Locks`]; a rare path: one instance's calls already share
            // one run). Tasks run to completion (the facade's promises own them and a panic aborts),
            // so the release needs no guard.
            while HELD.with(|h| h.borrow().iter().any(|n| n == name)) {
                self.sleep_ms(10).await;
            }
            HELD.with(|h| h.borrow_mut().push(name.to_owned()));
            task.await;
            HELD.with(|h| h.borrow_mut().retain(|n| n != name));
            return;
        };
        let pending = Rc::new(RefCell::new(Some(task)));
        let slot = pending.clone();
        let callback = Closure::once(move |_lock: JsValue| -> js_sys::Promise {
            let task = slot.borrow_mut().take();
            // Boxed as the facade boxes its futures, so the promise glue is instantiated once.
            let run: std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>,
            > = Box::pin(async move {
                if let Some(task) = task {
                    task.await;
                }
                Ok(JsValue::UNDEFINED)
            });
            wasm_bindgen_futures::future_to_promise(run)
        });
        let granted = request.call2(&locks, &name.into(), callback.as_ref().unchecked_ref());
        if let Ok(promise) = granted.and_then(|p| p.dyn_into::<js_sys::Promise>()) {
            let _ = JsFuture::from(promise).await;
        }
        drop(callback);
        // The lock could not be taken (e.g. an opaque origin): run the task without it.
        let task = pending.borrow_mut().take();
        if let Some(task) = task {
            task.await;
        }
    }

    fn spawn(&self, task: crate::engine::Task) {
        wasm_bindgen_futures::spawn_local(task);
    }

    fn open_channel(&self, name: &str, on_message: Box<dyn Fn(String)>) -> Option<Channel> {
        let channel = web_sys::BroadcastChannel::new(name).ok()?;
        let handler = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                if let Some(text) = event.data().as_string() {
                    on_message(text);
                }
            },
        );
        channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        Some(Channel {
            channel,
            _handler: handler,
        })
    }

    fn post(&self, channel: &Channel, message: &str) {
        let _ = channel.channel.post_message(&JsValue::from_str(message));
    }

    fn location_href(&self) -> Option<String> {
        window().and_then(|w| w.location().href().ok())
    }

    fn navigate(&self, url: &str) -> Result<()> {
        window()
            .ok_or_else(crate::engine::needs_page)?
            .location()
            .assign(url)
            .map_err(|_| Error::new(ErrorKind::Config, "navigation was refused"))
    }

    fn replace_url(&self, url: &str) {
        if let Some(w) = window() {
            if let Ok(history) = w.history() {
                let state = history.state().unwrap_or(JsValue::NULL);
                let _ = history.replace_state_with_url(&state, "", Some(url));
            }
        }
    }

    fn open_popup(&self) -> Option<web_sys::Window> {
        window()?
            .open_with_url_and_target_and_features("", "cognito-wasm", "width=480,height=720")
            .ok()
            .flatten()
    }

    fn popup_navigate(&self, popup: &web_sys::Window, url: &str) {
        let _ = popup.location().set_href(url);
    }

    fn popup_state(&self, popup: &web_sys::Window) -> (Option<String>, bool) {
        // Reading the address of a page of another origin throws: `None` until it is back here.
        (popup.location().href().ok(), popup.closed().unwrap_or(true))
    }

    fn close_popup(&self, popup: &web_sys::Window) {
        let _ = popup.close();
    }

    fn wire_url(&self, url: &str) -> Result<String> {
        wire_url(url)
    }

    async fn passkey(&self, options: &PublicKeyOptions) -> Result<PublicKeyCredential> {
        passkey(options).await
    }
}

/// `options` as the WebAuthn API takes them: bytes as `Uint8Array`s.
fn public_key_js(value: &PublicKeyValue) -> JsValue {
    match value {
        PublicKeyValue::Json(v) => js_sys::JSON::parse(&v.to_json()).unwrap_or(JsValue::NULL),
        PublicKeyValue::Bytes(b) => js_sys::Uint8Array::from(&b[..]).into(),
        PublicKeyValue::Object(members) => {
            let o = js_sys::Object::new();
            for (k, v) in members {
                let _ = js_sys::Reflect::set(&o, &k.into(), &public_key_js(v));
            }
            o.into()
        }
        PublicKeyValue::Array(items) => items
            .iter()
            .map(public_key_js)
            .collect::<js_sys::Array>()
            .into(),
    }
}

/// `object[name]`, or `undefined`.
fn member(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

/// The bytes of an `ArrayBuffer` member (empty when it is not one).
fn buffer(object: &JsValue, name: &str) -> Vec<u8> {
    let value = member(object, name);
    if value.is_instance_of::<js_sys::ArrayBuffer>() {
        js_sys::Uint8Array::new(&value).to_vec()
    } else {
        Vec::new()
    }
}

/// `navigator.credentials.create` / `.get` with `{ publicKey }`; the browser's refusals typed.
async fn passkey(options: &PublicKeyOptions) -> Result<PublicKeyCredential> {
    let create = options.ceremony == crate::passkey::Ceremony::Create;
    let unsupported = || {
        Error::new(
            ErrorKind::PasskeyUnsupported,
            "passkeys need WebAuthn (navigator.credentials), which this browser does not have",
        )
    };
    let credentials = navigator("credentials")
        .filter(|_| global("PublicKeyCredential").is_some())
        .ok_or_else(unsupported)?;
    let method = member(&credentials, if create { "create" } else { "get" });
    let method: js_sys::Function = method.dyn_into().map_err(|_| unsupported())?;
    let call = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &call,
        &"publicKey".into(),
        &public_key_js(&options.public_key),
    );
    let promise = method
        .call1(&credentials, &call)
        .map(|p| js_sys::Promise::resolve(&p))
        .unwrap_or_else(|e| js_sys::Promise::reject(&e));
    let credential = JsFuture::from(promise).await.map_err(|e| {
        let name = member(&e, "name").as_string().unwrap_or_default();
        let (kind, what) = match name.as_str() {
            "NotAllowedError" | "AbortError" => (
                ErrorKind::PasskeyCancelled,
                "the passkey prompt was cancelled or timed out",
            ),
            "SecurityError" => (
                ErrorKind::PasskeyRelyingParty,
                "the browser refused the user pool's passkey relying party for this page",
            ),
            "InvalidStateError" => (
                ErrorKind::PasskeyExists,
                "this authenticator already holds a passkey of this account",
            ),
            _ => (ErrorKind::PasskeyUnsupported, "the passkey prompt failed"),
        };
        Error::new(kind, crate::error::concat(&[what, " (", &text_of(&e), ")"]))
    })?;
    if credential.is_null() || credential.is_undefined() {
        return Err(Error::new(
            ErrorKind::PasskeyCancelled,
            "the passkey prompt gave no credential",
        ));
    }
    let response = member(&credential, "response");
    let transports = member(&response, "getTransports")
        .dyn_into::<js_sys::Function>()
        .ok()
        .and_then(|f| f.call0(&response).ok())
        .map(|list| {
            js_sys::Array::from(&list)
                .iter()
                .filter_map(|t| t.as_string())
                .collect()
        })
        .unwrap_or_default();
    let handle = buffer(&response, "userHandle");
    Ok(PublicKeyCredential {
        raw_id: buffer(&credential, "rawId"),
        client_data_json: buffer(&response, "clientDataJSON"),
        attestation_object: buffer(&response, "attestationObject"),
        transports,
        authenticator_data: buffer(&response, "authenticatorData"),
        signature: buffer(&response, "signature"),
        user_handle: (!handle.is_empty()).then_some(handle),
        authenticator_attachment: member(&credential, "authenticatorAttachment").as_string(),
    })
}

/// The URL as the browser sends it (percent-encoded, normalised), which is what must be signed.
pub(crate) fn wire_url(url: &str) -> Result<String> {
    web_sys::Url::new(url)
        .map(|u| u.href())
        .map_err(|_| crate::error::config("url: not an absolute URL"))
}
