//! [`Flights`]: one run of a piece of work at a time per key; callers that ask while it runs share it.
//!
//! Every flow that must not run twice at once in an instance (the JWKS fetch, a refresh, the handling
//! of one callback URL, the credentials of one principal) goes through this, so the idiom is written
//! once. The first caller drives the work; the others wait for its result. If the first caller is
//! dropped before the end, a waiting caller starts the work afresh.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Whether a run ended, and who waits for that (not generic: one copy whatever the result type).
#[derive(Default)]
struct Ending {
    ended: bool,
    waiters: Vec<Waker>,
}

type Signal = Rc<RefCell<Ending>>;

/// Marks the run ended and wakes its waiters.
fn end(signal: &Signal) {
    let waiters = {
        let mut s = signal.borrow_mut();
        s.ended = true;
        std::mem::take(&mut s.waiters)
    };
    for waker in waiters {
        waker.wake();
    }
}

/// A run: its key, its end, and its result slot once there (an `Rc<RefCell<Option<T>>>`, held
/// untyped so that the table and its upkeep are one copy whatever the result type).
type Run = (String, Signal, Rc<dyn Any>);

/// The runs of a table, untyped; also the held locks of [`Locks`].
type Table = RefCell<Vec<Run>>;

/// The runs in progress, by key.
pub(crate) struct Flights<T>(Table, PhantomData<T>);

/// The run under `key`, if one is in progress.
fn find(table: &Table, key: &str) -> Option<(Signal, Rc<dyn Any>)> {
    table
        .borrow()
        .iter()
        .find(|(k, _, _)| k == key)
        .map(|(_, s, o)| (s.clone(), o.clone()))
}

impl<T: Clone + 'static> Flights<T> {
    /// No runs.
    pub(crate) fn new() -> Rc<Self> {
        Rc::new(Self(RefCell::new(Vec::new()), PhantomData))
    }

    /// Joins the run under `key`, or runs `work()` as that run, and resolves to its result. The run
    /// leaves the table when it ends, so a later call starts afresh.
    pub(crate) async fn join<F>(this: &Rc<Self>, key: &str, work: impl FnOnce() -> F) -> T
    where
        F: Future<Output = T>,
    {
        loop {
            if let Some((signal, out)) = find(&this.0, key) {
                Wait(signal).await;
                // Only this table's join puts slots in it, all of `T`.
                let out = out
                    .downcast_ref::<RefCell<Option<T>>>()
                    .and_then(|o| o.borrow().clone());
                match out {
                    Some(out) => return out,
                    None => continue, // its driver was dropped: start afresh
                }
            }
            let signal = Signal::default();
            let out: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
            this.0
                .borrow_mut()
                .push((key.to_owned(), signal.clone(), out.clone()));
            let ending = End {
                table: &this.0,
                signal: &signal,
            };
            let result = work().await;
            *out.borrow_mut() = Some(result.clone());
            drop(ending);
            return result;
        }
    }
}

/// Named exclusive locks within one process, for the in-memory platform's tabs. A task waits while
/// another holds its name, and is woken when that one ends (first come, first served is not
/// promised). Built on the runs table.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Default)]
pub struct Locks(Rc<Table>);

#[cfg(not(target_arch = "wasm32"))]
impl Locks {
    /// No lock held.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `task` holding `name`.
    pub async fn run(&self, name: &str, task: super::Task) {
        while let Some((signal, _)) = find(&self.0, name) {
            Wait(signal).await;
        }
        let signal = Signal::default();
        self.0
            .borrow_mut()
            .push((name.to_owned(), signal.clone(), Rc::new(())));
        let _held = End {
            table: &self.0,
            signal: &signal,
        };
        task.await;
    }

    /// Whether `name` is held now.
    pub fn is_held(&self, name: &str) -> bool {
        find(&self.0, name).is_some()
    }
}

/// Ends a run (result or not): out of the table, its waiters woken.
struct End<'a> {
    table: &'a Table,
    signal: &'a Signal,
}

impl Drop for End<'_> {
    fn drop(&mut self) {
        self.table
            .borrow_mut()
            .retain(|(_, s, _)| !Rc::ptr_eq(s, self.signal));
        end(self.signal);
    }
}

/// Waits for a run's end.
struct Wait(Signal);

impl Future for Wait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.0.borrow_mut();
        if s.ended {
            return Poll::Ready(());
        }
        s.waiters.push(cx.waker().clone());
        Poll::Pending
    }
}
