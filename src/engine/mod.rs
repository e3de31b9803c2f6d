//! The flows, written once over a platform seam: sign-in and its callback, tokens and refresh, events
//! across tabs, identity-pool credentials, the account calls, and the JWKS-fetching verifier.
//!
//! The engine decides nothing the I/O-free core can decide ([`crate::oauth`], [`crate::session`],
//! [`crate::jwt`], [`crate::identity`]); it sequences requests, storage, locks and events through a
//! [`Platform`]. The shipped wasm has one platform (`platform::Browser`, through `globalThis`: a page,
//! a worker, Node, edge runtimes); [`memory`] is an in-memory one that runs natively, with a scripted
//! HTTP server, for tests of the flows and their races.

mod account;
mod auth;
mod callback;
mod credentials;
mod events;
mod flight;
#[cfg(not(target_arch = "wasm32"))]
pub mod memory;
mod passkey;
mod refresh;
mod signin;
mod signup;
mod store;
mod verifier;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

use std::future::Future;
use std::pin::Pin;

pub use crate::event::{ErrorDetail, EventDetail, EventName};
pub use auth::CognitoAuth;
pub use credentials::SignedRequest;
#[cfg(not(target_arch = "wasm32"))]
pub use flight::Locks;
pub use signin::SignInResult;
pub use store::MemoryStorage;
pub use verifier::JwtVerifier;

use crate::config::StorageKind;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpRequest, HttpResponse};

/// A unit of work handed to [`Platform::lock`].
pub type Task = Pin<Box<dyn Future<Output = ()>>>;

/// A key-value store with the semantics of Web Storage (strings in, strings out, synchronous).
pub trait Storage: Clone + 'static {
    /// The value under `key`. A value the store cannot give as a string is `Some("")`, which no reader
    /// of this crate accepts: it is discarded with a `storageWarning`.
    fn get(&self, key: &str) -> Option<String>;
    /// Stores `value` under `key`; [`ErrorKind::Storage`] when the store refuses.
    fn set(&self, key: &str, value: &str) -> Result<()>;
    /// Removes `key` (a failure is ignored: the value is then unreadable or stale, never trusted).
    fn remove(&self, key: &str);
    /// The keys that start with `prefix` (empty where the store cannot list its keys).
    fn keys_with_prefix(&self, prefix: &str) -> Vec<String>;
}

/// What a flow needs from the world. Every method is cheap to call; none may panic.
pub trait Platform: Clone + 'static {
    /// The storage this platform opens.
    type Storage: Storage;
    /// An open channel to the other tabs (closed when dropped).
    type Channel: 'static;
    /// A popup window this platform opened.
    type Popup: 'static;

    /// Milliseconds since the epoch.
    fn now_ms(&self) -> f64;
    /// Fills `out` with cryptographically secure random bytes.
    fn fill_random(&self, out: &mut [u8]) -> Result<()>;
    /// Opens the storage of `kind`, and whether it fell back to memory (the kind is unavailable here).
    fn storage(&self, kind: StorageKind) -> (Self::Storage, bool);
    /// Sends `request`; a request that gets no response (offline, DNS, CORS, TLS) is status 0.
    fn send(&self, request: &HttpRequest) -> impl Future<Output = HttpResponse>;
    /// `GET url`, the body bytes; no response or a non-2xx status is [`ErrorKind::Network`].
    fn get(&self, url: &str) -> impl Future<Output = Result<Vec<u8>>>;
    /// Waits `ms` milliseconds.
    fn sleep_ms(&self, ms: u32) -> impl Future<Output = ()>;
    /// Runs `task` holding the exclusive lock `name`, shared with the other tabs where the platform
    /// has them (Web Locks), else within this process.
    fn lock(&self, name: &str, task: Task) -> impl Future<Output = ()>;
    /// Runs `task` in the background, on this thread (a page's or worker's task queue).
    fn spawn(&self, task: Task);
    /// Opens the channel `name` to the other tabs; `on_message` gets each message another tab posts.
    /// `None` where there is no such channel.
    fn open_channel(&self, name: &str, on_message: Box<dyn Fn(String)>) -> Option<Self::Channel>;
    /// Posts `message` to the other tabs.
    fn post(&self, channel: &Self::Channel, message: &str);
    /// The page's address, or `None` where there is no page.
    fn location_href(&self) -> Option<String>;
    /// Navigates the page to `url`; [`ErrorKind::Config`] where there is no page.
    fn navigate(&self, url: &str) -> Result<()>;
    /// Replaces the page's address without a navigation (keeps history state).
    fn replace_url(&self, url: &str);
    /// Opens an empty popup window; `None` when that is refused (a blocker, no user gesture, no page).
    fn open_popup(&self) -> Option<Self::Popup>;
    /// Navigates `popup` to `url`.
    fn popup_navigate(&self, popup: &Self::Popup, url: &str);
    /// The popup's address while it is readable (on this origin), else `None`; and whether it is closed.
    fn popup_state(&self, popup: &Self::Popup) -> (Option<String>, bool);
    /// Closes `popup`.
    fn close_popup(&self, popup: &Self::Popup);
    /// `url` as it goes on the wire (percent-encoded, normalised); [`ErrorKind::Config`] if not absolute.
    fn wire_url(&self, url: &str) -> Result<String>;
    /// `false` when the platform knows it is offline (`navigator.onLine`); still-valid tokens are then
    /// handed out without a refresh attempt. Default: `true`.
    fn online(&self) -> bool {
        true
    }
    /// Asks the authenticator through WebAuthn (`navigator.credentials.create` or `.get` with
    /// `{ publicKey }`) and resolves with its credential. [`ErrorKind::PasskeyUnsupported`] where
    /// there is no WebAuthn (the default), [`ErrorKind::PasskeyCancelled`] for a prompt the user
    /// dismissed or that timed out, [`ErrorKind::PasskeyRelyingParty`] when the browser refuses the
    /// relying party, [`ErrorKind::PasskeyExists`] when the authenticator already holds one of the
    /// account's passkeys.
    fn passkey(
        &self,
        options: &crate::passkey::PublicKeyOptions,
    ) -> impl Future<Output = Result<crate::passkey::PublicKeyCredential>> {
        let _ = options;
        async {
            Err(Error::new(
                ErrorKind::PasskeyUnsupported,
                "passkeys need WebAuthn (navigator.credentials), which is not here",
            ))
        }
    }
    /// `true` when this runs in a page the user does not see (`document.visibilityState` hidden): the
    /// proactive refresh leaves the work to a visible tab. Default: `false`.
    fn hidden(&self) -> bool {
        false
    }
}

/// Seconds since the epoch on `platform`'s clock.
pub fn now_seconds<P: Platform>(platform: &P) -> u64 {
    (platform.now_ms() / 1000.0) as u64
}

/// `N` random bytes.
pub(crate) fn random_bytes<P: Platform, const N: usize>(platform: &P) -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    platform.fill_random(&mut bytes)?;
    Ok(bytes)
}

/// The path, query and fragment of `href` (`/shop?item=7#reviews`), always starting with exactly one
/// `/` so that it stays on this origin when used as a URL (`//evil.example` would not).
pub(crate) fn path_of(href: &str) -> Option<String> {
    let (_, rest) = crate::http::split_scheme(href)?;
    let at = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let tail = &rest[at..];
    let mut out = String::from("/");
    out.push_str(tail.trim_start_matches(['/', '\\']));
    Some(out)
}

/// Runs `task` holding the lock `name` (see [`Platform::lock`]) and returns its output.
pub(crate) async fn with_lock<P: Platform, T: 'static>(
    platform: &P,
    name: &str,
    task: impl Future<Output = T> + 'static,
) -> T {
    use std::cell::RefCell;
    use std::rc::Rc;
    // Only this wrapper is generic: the lock itself is instantiated once, for a boxed task.
    let out: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
    let slot = out.clone();
    platform
        .lock(
            name,
            Box::pin(async move { *slot.borrow_mut() = Some(task.await) }),
        )
        .await;
    let value = out.borrow_mut().take();
    value.unwrap_or_else(|| panic!("cognito-wasm: a locked task did not finish"))
}

/// `ERR_CONFIG` for a navigation where there is no page (a worker, Node, an edge runtime).
pub(crate) fn needs_page() -> Error {
    Error::new(
        ErrorKind::Config,
        "signInWithRedirect and signOut's redirect need a browser page (there is no window here)",
    )
}
