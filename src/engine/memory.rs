//! [`Memory`]: the engine's platform in memory, for native tests of the flows (and of an app's own
//! code on the Rust API). Tabs made with [`Memory::new_tab`] share one world (local storage, locks,
//! the channel, the clock and the [`Server`]), as the tabs of one origin do; each has its own session
//! storage and address bar. Time moves only when told ([`Memory::advance`]) or slept through.
//!
//! ```
//! use cognito_wasm::engine::memory::Memory;
//! use cognito_wasm::engine::Platform;
//! use cognito_wasm::http::HttpRequest;
//! let tab = Memory::new();
//! tab.server().expect("POST", "/oauth2/token").respond(400, r#"{"error":"invalid_grant"}"#);
//! let request = HttpRequest {
//!     method: "POST",
//!     url: "https://shop.auth.example/oauth2/token".into(),
//!     headers: vec![],
//!     body: "grant_type=refresh_token".into(),
//! };
//! let response = futures_lite_block_on(tab.send(&request));
//! assert_eq!(response.status, 400);
//! assert_eq!(tab.server().requests().len(), 1);
//! # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     cognito_wasm::engine::memory::block_on(f)
//! # }
//! ```

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::Locks;
use super::{MemoryStorage, Platform, Task};
use crate::config::StorageKind;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::passkey::{PublicKeyCredential, PublicKeyOptions};

type Handler = Rc<dyn Fn(String)>;

struct World {
    now_ms: Cell<f64>,
    local: MemoryStorage,
    locks: Locks,
    channels: RefCell<Vec<(u64, String, Handler)>>,
    /// Tasks handed to `spawn`, run by [`Memory::run_spawned`].
    spawned: RefCell<VecDeque<Task>>,
    next_id: Cell<u64>,
    random: Cell<u64>,
    server: Server,
}

struct Tab {
    id: u64,
    session: MemoryStorage,
    location: RefCell<Option<String>>,
    navigations: RefCell<Vec<String>>,
    offline: Cell<bool>,
    hidden: Cell<bool>,
    /// Whether a popup may open (no blocker), and the popups this tab opened.
    popups_blocked: Cell<bool>,
    popups: RefCell<Vec<MemoryPopup>>,
    /// What the authenticator answers next (none: no WebAuthn here), and the options it was asked
    /// with.
    authenticator: RefCell<VecDeque<Result<PublicKeyCredential>>>,
    passkey_calls: RefCell<Vec<PublicKeyOptions>>,
}

/// A popup a [`Memory`] tab opened: the URL it was sent to, its address (`None` while it is on another
/// origin) and whether it is closed. Clones are the same popup.
#[derive(Clone, Default)]
pub struct MemoryPopup(Rc<RefCell<PopupState>>);

/// The URL sent to, the address (if readable), closed.
type PopupState = (Option<String>, Option<String>, bool);

impl MemoryPopup {
    /// Puts the popup at `url` (as if it had been redirected there); `None`: on another origin.
    pub fn set_location(&self, url: Option<&str>) {
        self.0.borrow_mut().1 = url.map(str::to_owned);
    }

    /// Closes it (as the user would).
    pub fn close(&self) {
        self.0.borrow_mut().2 = true;
    }

    /// Whether it is closed.
    pub fn is_closed(&self) -> bool {
        self.0.borrow().2
    }

    /// The URL the popup was sent to (the authorize URL).
    pub fn sent_to(&self) -> Option<String> {
        self.0.borrow().0.clone()
    }
}

/// One tab of an in-memory world. Clones are the same tab.
#[derive(Clone)]
pub struct Memory {
    world: Rc<World>,
    tab: Rc<Tab>,
}

impl Default for Memory {
    fn default() -> Self {
        Self::new()
    }
}

impl Memory {
    /// A new world (clock at 1,800,000,000 s, empty storage, a server with nothing scripted) and its
    /// first tab, with no page (as a worker: [`set_location`](Self::set_location) gives it one).
    pub fn new() -> Self {
        let world = Rc::new(World {
            now_ms: Cell::new(1_800_000_000_000.0),
            local: MemoryStorage::new(),
            locks: Locks::new(),
            channels: RefCell::new(Vec::new()),
            spawned: RefCell::new(VecDeque::new()),
            next_id: Cell::new(1),
            random: Cell::new(0x9e37_79b9_7f4a_7c15),
            server: Server::default(),
        });
        Self::tab_of(world)
    }

    fn tab_of(world: Rc<World>) -> Self {
        let id = world.next_id.get();
        world.next_id.set(id + 1);
        let tab = Rc::new(Tab {
            id,
            session: MemoryStorage::new(),
            location: RefCell::new(None),
            navigations: RefCell::new(Vec::new()),
            offline: Cell::new(false),
            hidden: Cell::new(false),
            popups_blocked: Cell::new(false),
            popups: RefCell::new(Vec::new()),
            authenticator: RefCell::new(VecDeque::new()),
            passkey_calls: RefCell::new(Vec::new()),
        });
        Self { world, tab }
    }

    /// Another tab of the same world.
    pub fn new_tab(&self) -> Self {
        Self::tab_of(self.world.clone())
    }

    /// The world's scripted HTTP server.
    pub fn server(&self) -> &Server {
        &self.world.server
    }

    /// The world's `localStorage`.
    pub fn local_storage(&self) -> MemoryStorage {
        self.world.local.clone()
    }

    /// This tab's `sessionStorage`.
    pub fn session_storage(&self) -> MemoryStorage {
        self.tab.session.clone()
    }

    /// The world's locks (to see whether one is held).
    pub fn locks(&self) -> &Locks {
        &self.world.locks
    }

    /// Seconds since the epoch on the world's clock.
    pub fn now(&self) -> u64 {
        (self.world.now_ms.get() / 1000.0) as u64
    }

    /// Moves the world's clock by `ms` milliseconds.
    pub fn advance(&self, ms: u64) {
        self.world.now_ms.set(self.world.now_ms.get() + ms as f64);
    }

    /// Puts this tab on a page at `url` (its address bar).
    pub fn set_location(&self, url: &str) {
        *self.tab.location.borrow_mut() = Some(url.to_owned());
    }

    /// Marks this tab offline (as `navigator.onLine` false) or online again. The scripted server still
    /// answers: it is the engine that must not ask.
    pub fn set_online(&self, online: bool) {
        self.tab.offline.set(!online);
    }

    /// The URLs this tab navigated to, in order.
    pub fn navigations(&self) -> Vec<String> {
        self.tab.navigations.borrow().clone()
    }

    /// Marks this tab's page hidden (`document.visibilityState`) or visible again.
    pub fn set_hidden(&self, hidden: bool) {
        self.tab.hidden.set(hidden);
    }

    /// Makes this tab's popups blocked (as a popup blocker does), or allowed again.
    pub fn block_popups(&self, blocked: bool) {
        self.tab.popups_blocked.set(blocked);
    }

    /// The popups this tab opened, in order.
    pub fn popups(&self) -> Vec<MemoryPopup> {
        self.tab.popups.borrow().clone()
    }

    /// What this tab's authenticator answers to the next WebAuthn call (a credential, or an error
    /// such as [`ErrorKind::PasskeyCancelled`]); with nothing queued a call is
    /// [`ErrorKind::PasskeyUnsupported`].
    pub fn authenticator_answers(&self, answer: Result<PublicKeyCredential>) {
        self.tab.authenticator.borrow_mut().push_back(answer);
    }

    /// The options of each WebAuthn call this tab made, in order.
    pub fn passkey_calls(&self) -> Vec<PublicKeyOptions> {
        self.tab.passkey_calls.borrow().clone()
    }
}

/// A channel of a [`Memory`] tab; closed when dropped.
pub struct MemoryChannel {
    world: Rc<World>,
    id: u64,
    name: String,
}

impl Drop for MemoryChannel {
    fn drop(&mut self) {
        self.world
            .channels
            .borrow_mut()
            .retain(|(id, _, _)| *id != self.id);
    }
}

impl Platform for Memory {
    type Storage = MemoryStorage;
    type Channel = MemoryChannel;
    type Popup = MemoryPopup;

    fn now_ms(&self) -> f64 {
        self.world.now_ms.get()
    }

    fn fill_random(&self, out: &mut [u8]) -> Result<()> {
        // xorshift64*: distinct values for tests, not secrets.
        for byte in out {
            let mut x = self.world.random.get();
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.world.random.set(x);
            *byte = (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8;
        }
        Ok(())
    }

    fn storage(&self, kind: StorageKind) -> (MemoryStorage, bool) {
        match kind {
            StorageKind::Local => (self.world.local.clone(), false),
            StorageKind::Session => (self.tab.session.clone(), false),
            StorageKind::Memory => (MemoryStorage::new(), false),
            StorageKind::App => (MemoryStorage::new(), true),
        }
    }

    async fn send(&self, request: &HttpRequest) -> HttpResponse {
        self.world.server.answer(request).await
    }

    async fn get(&self, url: &str) -> Result<Vec<u8>> {
        let request = HttpRequest {
            method: "GET",
            url: url.to_owned(),
            headers: Vec::new(),
            body: String::new().into(),
        };
        let response = self.world.server.answer(&request).await;
        if !(200..300).contains(&response.status) {
            let mut m = String::from("GET ");
            m.push_str(url);
            m.push_str(" failed");
            return Err(Error::new(ErrorKind::Network, m));
        }
        Ok(response.body.expose().as_bytes().to_vec())
    }

    async fn sleep_ms(&self, ms: u32) {
        self.advance(u64::from(ms));
        YieldOnce(false).await;
    }

    async fn lock(&self, name: &str, task: Task) {
        self.world.locks.run(name, task).await;
    }

    fn spawn(&self, task: Task) {
        self.world.spawned.borrow_mut().push_back(task);
    }

    fn open_channel(&self, name: &str, on_message: Box<dyn Fn(String)>) -> Option<MemoryChannel> {
        let id = self.world.next_id.get();
        self.world.next_id.set(id + 1);
        self.world
            .channels
            .borrow_mut()
            .push((id, name.to_owned(), Rc::from(on_message)));
        Some(MemoryChannel {
            world: self.world.clone(),
            id,
            name: name.to_owned(),
        })
    }

    fn post(&self, channel: &MemoryChannel, message: &str) {
        // As BroadcastChannel: every other channel of that name, not the sender.
        let handlers: Vec<Handler> = self
            .world
            .channels
            .borrow()
            .iter()
            .filter(|(id, name, _)| *id != channel.id && *name == channel.name)
            .map(|(_, _, h)| h.clone())
            .collect();
        for handler in handlers {
            handler(message.to_owned());
        }
    }

    fn location_href(&self) -> Option<String> {
        self.tab.location.borrow().clone()
    }

    async fn passkey(&self, options: &PublicKeyOptions) -> Result<PublicKeyCredential> {
        self.tab.passkey_calls.borrow_mut().push(options.clone());
        let answer = self.tab.authenticator.borrow_mut().pop_front();
        answer.unwrap_or_else(|| {
            Err(crate::error::Error::new(
                crate::error::ErrorKind::PasskeyUnsupported,
                "this memory tab has no authenticator",
            ))
        })
    }

    fn online(&self) -> bool {
        !self.tab.offline.get()
    }

    fn navigate(&self, url: &str) -> Result<()> {
        if self.tab.location.borrow().is_none() {
            return Err(super::needs_page());
        }
        self.tab.navigations.borrow_mut().push(url.to_owned());
        *self.tab.location.borrow_mut() = Some(url.to_owned());
        Ok(())
    }

    fn replace_url(&self, url: &str) {
        *self.tab.location.borrow_mut() = Some(url.to_owned());
    }

    fn hidden(&self) -> bool {
        self.tab.hidden.get()
    }

    fn open_popup(&self) -> Option<MemoryPopup> {
        if self.tab.popups_blocked.get() || self.tab.location.borrow().is_none() {
            return None;
        }
        let popup = MemoryPopup::default();
        popup.set_location(Some("about:blank"));
        self.tab.popups.borrow_mut().push(popup.clone());
        Some(popup)
    }

    fn popup_navigate(&self, popup: &MemoryPopup, url: &str) {
        // The managed login is on another origin: the address is unreadable from here.
        let mut state = popup.0.borrow_mut();
        state.0 = Some(url.to_owned());
        state.1 = None;
    }

    fn popup_state(&self, popup: &MemoryPopup) -> (Option<String>, bool) {
        let state = popup.0.borrow();
        (state.1.clone(), state.2)
    }

    fn close_popup(&self, popup: &MemoryPopup) {
        popup.close();
    }

    fn wire_url(&self, url: &str) -> Result<String> {
        match crate::http::split_scheme(url) {
            Some(_) => Ok(url.to_owned()),
            None => Err(crate::error::config("url: not an absolute URL")),
        }
    }
}

impl Memory {
    /// Runs the tasks any tab of this world spawned (and those they spawn) to their end, in order;
    /// the number run.
    pub fn run_spawned(&self) -> usize {
        let mut n = 0;
        loop {
            let next = self.world.spawned.borrow_mut().pop_front();
            let Some(task) = next else { return n };
            block_on(task);
            n += 1;
        }
    }

    /// This tab's id (distinct per tab of a world).
    pub fn tab_id(&self) -> u64 {
        self.tab.id
    }
}

/// Returns `Pending` once (waking itself), so that other tasks run.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A gate a held answer waits for: [`open`](Self::open) lets it through.
#[derive(Clone, Default)]
pub struct Gate(Rc<RefCell<(bool, Vec<Waker>)>>);

impl Gate {
    /// A closed gate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens the gate: what waits on it goes on.
    pub fn open(&self) {
        let waiters = {
            let mut g = self.0.borrow_mut();
            g.0 = true;
            std::mem::take(&mut g.1)
        };
        for w in waiters {
            w.wake();
        }
    }

    /// Waits until the gate is open.
    pub async fn wait(&self) {
        GateWait(self).await
    }
}

struct GateWait<'a>(&'a Gate);

impl Future for GateWait<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut g = (self.0).0.borrow_mut();
        if g.0 {
            Poll::Ready(())
        } else {
            g.1.push(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// What the server does with a request it expected.
enum Answer {
    /// Answers `response` (after `hold` opens, if any).
    Respond(HttpResponse, Option<Gate>),
    /// The server handled the request but the answer was lost on the way: status 0.
    Lose,
}

struct Exchange {
    method: &'static str,
    url_has: String,
    body_has: Vec<String>,
    answer: Answer,
}

/// A scripted HTTP server in the style of oauth2-rs's mock client: each request must be the next one
/// expected (method, a part of the URL, parts of the body), and gets the answer scripted for it; GETs
/// may also be served from fixed routes ([`route`](Self::route)). An unexpected request panics with
/// what it was, so a test fails where the flow went wrong.
#[derive(Default)]
pub struct Server {
    script: RefCell<VecDeque<Exchange>>,
    routes: RefCell<Vec<(String, u16, String)>>,
    log: RefCell<Vec<HttpRequest>>,
}

/// An expectation being scripted ([`Server::expect`]).
pub struct Expect<'a> {
    server: &'a Server,
    method: &'static str,
    url_has: String,
    body_has: Vec<String>,
    hold: Option<Gate>,
}

impl Expect<'_> {
    /// The body must contain `part`.
    pub fn body_has(mut self, part: &str) -> Self {
        self.body_has.push(part.to_owned());
        self
    }

    /// The answer waits until `gate` opens.
    pub fn hold(mut self, gate: &Gate) -> Self {
        self.hold = Some(gate.clone());
        self
    }

    /// Answers `status` with `body`.
    pub fn respond(self, status: u16, body: &str) {
        self.respond_with(HttpResponse {
            status,
            body: body.into(),
            error_type_header: None,
            request_id: None,
        });
    }

    /// Answers `response`.
    pub fn respond_with(self, response: HttpResponse) {
        let answer = Answer::Respond(response, self.hold.clone());
        self.push(answer);
    }

    /// Handles the request, but its answer is lost (status 0, as a dropped connection).
    pub fn lose(self) {
        self.push(Answer::Lose);
    }

    fn push(self, answer: Answer) {
        self.server.script.borrow_mut().push_back(Exchange {
            method: self.method,
            url_has: self.url_has,
            body_has: self.body_has,
            answer,
        });
    }
}

impl Server {
    /// Expects `method` to a URL containing `url_has` as the next scripted request.
    pub fn expect(&self, method: &'static str, url_has: &str) -> Expect<'_> {
        Expect {
            server: self,
            method,
            url_has: url_has.to_owned(),
            body_has: Vec::new(),
            hold: None,
        }
    }

    /// Serves every `GET` of `url` with `status` and `body` (not part of the script).
    pub fn route(&self, url: &str, status: u16, body: &str) {
        let mut routes = self.routes.borrow_mut();
        routes.retain(|(u, _, _)| u != url);
        routes.push((url.to_owned(), status, body.to_owned()));
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.log.borrow().clone()
    }

    /// The requests received whose URL contains `url_has`.
    pub fn count(&self, url_has: &str) -> usize {
        self.log
            .borrow()
            .iter()
            .filter(|r| r.url.contains(url_has))
            .count()
    }

    /// How many scripted requests have not come yet.
    pub fn pending(&self) -> usize {
        self.script.borrow().len()
    }

    async fn answer(&self, request: &HttpRequest) -> HttpResponse {
        self.log.borrow_mut().push(request.clone());
        if request.method == "GET" {
            let routed = self
                .routes
                .borrow()
                .iter()
                .find(|(u, _, _)| *u == request.url)
                .map(|(_, s, b)| (*s, b.clone()));
            if let Some((status, body)) = routed {
                return HttpResponse {
                    status,
                    body: body.into(),
                    error_type_header: None,
                    request_id: None,
                };
            }
        }
        let next = self.script.borrow_mut().pop_front();
        let Some(exchange) = next else {
            panic!(
                "unexpected request: {} {} (nothing more was scripted)",
                request.method, request.url
            );
        };
        let body = request.body.expose();
        let matches = exchange.method == request.method
            && request.url.contains(&exchange.url_has)
            && exchange.body_has.iter().all(|part| body.contains(part));
        assert!(
            matches,
            "unexpected request: {} {} with a body of {} bytes; expected {} …{}… with {:?}",
            request.method,
            request.url,
            body.len(),
            exchange.method,
            exchange.url_has,
            exchange.body_has
        );
        match exchange.answer {
            Answer::Respond(response, hold) => {
                if let Some(gate) = hold {
                    gate.wait().await;
                }
                response
            }
            Answer::Lose => HttpResponse {
                status: 0,
                body: String::new().into(),
                error_type_header: None,
                request_id: None,
            },
        }
    }
}

/// Notes that a task was woken.
struct Flag(std::sync::atomic::AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Runs `future` to its end on this thread (a minimal executor for tests and examples). Nothing in
/// [`Memory`] waits for another thread, so a future that is pending with nobody to wake it can never
/// end: that panics ("stalled") instead of hanging, e.g. an answer held by a gate nobody opens.
pub fn block_on<F: Future>(future: F) -> F::Output {
    use std::sync::atomic::Ordering;
    let mut future = std::pin::pin!(future);
    let flag = Arc::new(Flag(std::sync::atomic::AtomicBool::new(false)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        assert!(
            flag.0.swap(false, Ordering::SeqCst),
            "stalled: the future waits for something nothing will do"
        );
    }
}
