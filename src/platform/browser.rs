//! Thin wrappers over the browser APIs the auth flows use: storage, random bytes, HTTP, timers,
//! Web Locks, the address bar. Each has a fallback where the API may be missing.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::config::StorageKind;
use crate::error::{Error, ErrorKind, Result};
use crate::oauth::{HttpRequest, HttpResponse};

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// Key-value storage: `localStorage`, `sessionStorage`, or memory.
#[derive(Clone)]
pub enum Store {
    /// A Web Storage area.
    Web(web_sys::Storage),
    /// An in-memory map (also the fallback when Web Storage is blocked).
    Memory(Rc<RefCell<Vec<(String, String)>>>),
}

impl Store {
    /// Opens the storage of `kind`; falls back to memory where Web Storage is unavailable.
    pub fn open(kind: StorageKind) -> (Self, bool) {
        let web = match kind {
            StorageKind::Local => window().and_then(|w| w.local_storage().ok().flatten()),
            StorageKind::Session => window().and_then(|w| w.session_storage().ok().flatten()),
            StorageKind::Memory => return (Self::memory(), false),
        };
        match web {
            Some(s) => (Self::Web(s), false),
            None => (Self::memory(), true),
        }
    }

    /// A new in-memory store.
    pub fn memory() -> Self {
        Self::Memory(Rc::new(RefCell::new(Vec::new())))
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<String> {
        match self {
            Self::Web(s) => s.get_item(key).ok().flatten(),
            Self::Memory(m) => m
                .borrow()
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone()),
        }
    }

    /// Stores `value` under `key`.
    pub fn set(&self, key: &str, value: &str) -> Result<()> {
        match self {
            Self::Web(s) => s.set_item(key, value).map_err(|_| {
                Error::new(
                    ErrorKind::Storage,
                    "browser storage refused the write (quota or blocked)",
                )
            }),
            Self::Memory(m) => {
                let mut m = m.borrow_mut();
                match m.iter_mut().find(|(k, _)| k == key) {
                    Some(slot) => slot.1 = value.to_owned(),
                    None => m.push((key.to_owned(), value.to_owned())),
                }
                Ok(())
            }
        }
    }

    /// Removes `key`.
    pub fn remove(&self, key: &str) {
        match self {
            Self::Web(s) => {
                let _ = s.remove_item(key);
            }
            Self::Memory(m) => m.borrow_mut().retain(|(k, _)| k != key),
        }
    }

    /// The keys that start with `prefix`.
    pub fn keys_with_prefix(&self, prefix: &str) -> Vec<String> {
        match self {
            Self::Web(s) => {
                let n = s.length().unwrap_or(0);
                (0..n)
                    .filter_map(|i| s.key(i).ok().flatten())
                    .filter(|k| k.starts_with(prefix))
                    .collect()
            }
            Self::Memory(m) => m
                .borrow()
                .iter()
                .filter(|(k, _)| k.starts_with(prefix))
                .map(|(k, _)| k.clone())
                .collect(),
        }
    }
}

/// `N` random bytes from `crypto.getRandomValues`.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes)
        .map_err(|_| Error::new(ErrorKind::Config, "crypto.getRandomValues is not available"))?;
    Ok(bytes)
}

/// How this crate sends its requests (all but the JWKS GET of [`fetch_bytes`], a plain `fetch(url)`):
/// `fetch(url, { method, headers, body })`, with `headers` appended
/// in order (a repeated name is sent as often as given). Resolves to the `Response` whatever its
/// status; `None` when no response came (offline, DNS, CORS, TLS) or the request could not be built.
pub async fn fetch(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&JsValue>,
) -> Option<web_sys::Response> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let h = web_sys::Headers::new().ok()?;
    for (name, value) in headers {
        h.append(name, value).ok()?;
    }
    init.set_headers(&h);
    if let Some(body) = body {
        init.set_body(body);
    }
    let promise = window()?.fetch_with_str_and_init(url, &init);
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

/// Awaits a JS promise of a value (a response body).
async fn settle(promise: Result<js_sys::Promise, JsValue>) -> Option<JsValue> {
    JsFuture::from(promise.ok()?).await.ok()
}

/// Sends `request`; a request that gets no response comes back with status 0.
pub async fn send(request: &HttpRequest) -> HttpResponse {
    let body = (request.method != "GET").then(|| JsValue::from_str(request.body.expose()));
    let Some(response) = fetch(
        request.method,
        &request.url,
        &request.headers,
        body.as_ref(),
    )
    .await
    else {
        return HttpResponse {
            status: 0,
            body: String::new().into(),
            error_type_header: None,
        };
    };
    HttpResponse {
        status: response.status(),
        error_type_header: response.headers().get("x-amzn-errortype").ok().flatten(),
        body: settle(response.text())
            .await
            .and_then(|t| t.as_string())
            .unwrap_or_default()
            .into(),
    }
}

/// `GET url` and the body bytes; no response or a non-2xx status is [`ErrorKind::Network`].
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>> {
    let failed = |what: &str| {
        let mut m = String::from("GET ");
        m.push_str(url);
        m.push(' ');
        m.push_str(what);
        Error::new(ErrorKind::Network, m)
    };
    // A plain GET: no init object to build (the verifier's build links nothing else of `fetch`).
    let sent = async {
        let promise = window()?.fetch_with_str(url);
        JsFuture::from(promise)
            .await
            .ok()?
            .dyn_into::<web_sys::Response>()
            .ok()
    };
    let response = sent
        .await
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

/// Waits `ms` milliseconds.
pub async fn sleep_ms(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        } else {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Runs `task` while holding the Web Lock `name` (exclusive, across the tabs of the origin). Where the
/// Web Locks API is missing, runs it directly.
pub async fn with_lock<T: 'static>(name: &str, task: impl Future<Output = T> + 'static) -> T {
    // Only this wrapper is generic: the lock itself is instantiated once, for a boxed task.
    let out: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
    let slot = out.clone();
    run_locked(
        name,
        Box::pin(async move { *slot.borrow_mut() = Some(task.await) }),
    )
    .await;
    let value = out.borrow_mut().take();
    value.unwrap_or_else(|| wasm_bindgen::throw_str("cognito-wasm: a locked task did not finish"))
}

type Task<T> = std::pin::Pin<Box<dyn Future<Output = T>>>;

async fn run_locked(name: &str, task: Task<()>) {
    let locks = window()
        .map(|w| w.navigator())
        .and_then(|n| js_sys::Reflect::get(&n, &"locks".into()).ok())
        .filter(|l| !l.is_undefined() && !l.is_null());
    let request = locks.as_ref().and_then(|l| {
        js_sys::Reflect::get(l, &"request".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    });
    let (Some(locks), Some(request)) = (locks, request) else {
        return task.await;
    };
    let pending = Rc::new(RefCell::new(Some(task)));
    let slot = pending.clone();
    let callback = Closure::once(move |_lock: JsValue| -> js_sys::Promise {
        let task = slot.borrow_mut().take();
        // Boxed as the facade boxes its futures, so the promise glue is instantiated once.
        let run: Task<Result<JsValue, JsValue>> = Box::pin(async move {
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

/// The current address, or `None` outside a window.
pub fn location_href() -> Option<String> {
    window().and_then(|w| w.location().href().ok())
}

/// The current path, query and fragment (`/shop?item=7#reviews`), always starting with exactly one `/`
/// so that it stays on this origin when used as a URL (`//evil.example` would not).
pub fn location_path() -> Option<String> {
    let l = window()?.location();
    let path = l.pathname().ok()?;
    Some(format!(
        "/{}{}{}",
        path.trim_start_matches(['/', '\\']),
        l.search().ok()?,
        l.hash().ok()?
    ))
}

/// Navigates to `url`.
pub fn navigate(url: &str) -> Result<()> {
    window()
        .ok_or_else(|| Error::new(ErrorKind::Config, "no window to navigate"))?
        .location()
        .assign(url)
        .map_err(|_| Error::new(ErrorKind::Config, "navigation was refused"))
}

/// Replaces the address bar's URL without a navigation (keeps history state).
pub fn replace_url(url: &str) {
    if let Some(w) = window() {
        if let Ok(history) = w.history() {
            let state = history.state().unwrap_or(JsValue::NULL);
            let _ = history.replace_state_with_url(&state, "", Some(url));
        }
    }
}
