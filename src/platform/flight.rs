//! [`Flights`]: one run of a piece of work at a time per key; callers that ask while it runs share it.
//!
//! Every flow that must not run twice at once in a tab (the JWKS fetch, a refresh, the handling of one
//! callback URL, the credentials of one principal) goes through this, so the idiom is written once.
//! A run is a JS promise that settles once its result is in a shared slot: the browser's event loop
//! does the waking, so no future-sharing machinery is linked into the wasm.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// A run in progress: the promise that settles when it ends, and where its result is put.
struct Run<T> {
    key: String,
    done: js_sys::Promise,
    out: Rc<RefCell<Option<T>>>,
}

/// The runs in progress, by key.
pub(crate) struct Flights<T>(RefCell<Vec<Run<T>>>);

impl<T: Clone + 'static> Flights<T> {
    /// No runs.
    pub(crate) fn new() -> Rc<Self> {
        Rc::new(Self(RefCell::new(Vec::new())))
    }

    /// Joins the run under `key`, or starts `work()` as that run, and resolves to its result. The run
    /// leaves the table when it ends, so a later call starts afresh.
    pub(crate) async fn join<F>(this: &Rc<Self>, key: &str, work: impl FnOnce() -> F) -> T
    where
        F: Future<Output = T> + 'static,
    {
        let joined = this
            .0
            .borrow()
            .iter()
            .find(|r| r.key == key)
            .map(|r| (r.done.clone(), r.out.clone()));
        let (done, out) = match joined {
            Some(run) => run,
            None => {
                let out = Rc::new(RefCell::new(None));
                let (table, slot, own) = (Rc::clone(this), out.clone(), key.to_owned());
                let future = work();
                // Boxed as the facade boxes its futures, so the promise glue is instantiated once.
                let run: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> =
                    Box::pin(async move {
                        let result = future.await;
                        *slot.borrow_mut() = Some(result);
                        table.0.borrow_mut().retain(|r| r.key != own);
                        Ok(JsValue::UNDEFINED)
                    });
                let done = wasm_bindgen_futures::future_to_promise(run);
                this.0.borrow_mut().push(Run {
                    key: key.to_owned(),
                    done: done.clone(),
                    out: out.clone(),
                });
                (done, out)
            }
        };
        // The promise only resolves, after the result is in the slot.
        let _ = JsFuture::from(done).await;
        let result = out.borrow().clone();
        result.unwrap_or_else(|| {
            wasm_bindgen::throw_str("cognito-wasm: a shared run ended without a result")
        })
    }
}
