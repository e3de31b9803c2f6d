//! [`Flights`]: one run of a piece of work at a time per key; callers that ask while it runs share it.
//!
//! Every flow that must not run twice at once in a tab (the JWKS fetch, a refresh, the handling of one
//! callback URL, the credentials of one principal) goes through this, so the idiom is written once.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use futures_util::future::{FutureExt, LocalBoxFuture, Shared};

/// A shared run: a clone awaits the same result.
pub(crate) type Flight<T> = Shared<LocalBoxFuture<'static, T>>;

/// The runs in progress, by key.
pub(crate) struct Flights<T: Clone>(RefCell<Vec<(String, Flight<T>)>>);

impl<T: Clone + 'static> Flights<T> {
    /// No runs.
    pub(crate) fn new() -> Rc<Self> {
        Rc::new(Self(RefCell::new(Vec::new())))
    }

    /// Joins the run under `key`, or starts `work()` as that run. The run leaves the table when it
    /// ends, so a later call starts afresh.
    pub(crate) fn join<F>(this: &Rc<Self>, key: &str, work: impl FnOnce() -> F) -> Flight<T>
    where
        F: Future<Output = T> + 'static,
    {
        if let Some((_, running)) = this.0.borrow().iter().find(|(k, _)| k == key) {
            return running.clone();
        }
        let table = Rc::clone(this);
        let own = key.to_owned();
        let future = work();
        let run = async move {
            let out = future.await;
            table.0.borrow_mut().retain(|(k, _)| *k != own);
            out
        }
        .boxed_local()
        .shared();
        this.0.borrow_mut().push((key.to_owned(), run.clone()));
        run
    }
}
