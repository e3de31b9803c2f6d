//! [`MemoryStorage`]: a [`Storage`] in memory, for `storage: 'memory'`, the fallback where Web Storage
//! is unavailable, and the in-memory platform.

use std::cell::RefCell;
use std::rc::Rc;

use super::Storage;
use crate::error::Result;

/// Key-value pairs in memory; clones share them.
#[derive(Clone, Default)]
pub struct MemoryStorage(Rc<RefCell<Vec<(String, String)>>>);

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Storage for MemoryStorage {
    fn get(&self, key: &str) -> Option<String> {
        self.0
            .borrow()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        let mut m = self.0.borrow_mut();
        match m.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.to_owned(),
            None => m.push((key.to_owned(), value.to_owned())),
        }
        Ok(())
    }

    fn remove(&self, key: &str) {
        self.0.borrow_mut().retain(|(k, _)| k != key);
    }

    fn keys_with_prefix(&self, prefix: &str) -> Vec<String> {
        self.0
            .borrow()
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, _)| k.clone())
            .collect()
    }
}
