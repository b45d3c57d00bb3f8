//! The table of a session's interactive processes (`exec_command`), and
//! the output each has produced that the model has not read yet.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use codex_sandbox::BoundedOutput;

use super::lock;

/// Live processes by session id, with when each was last used.
pub(crate) struct ProcessTable<T> {
    inner: Mutex<HashMap<i32, (Arc<T>, Instant)>>,
}

impl<T> Default for ProcessTable<T> {
    fn default() -> Self {
        Self {
            inner: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> ProcessTable<T> {
    /// Adds a process; past `max`, removes and returns the least recently
    /// used one (in the same step, so concurrent starts cannot overshoot).
    /// Also returns how many are live now.
    pub(crate) fn insert_within(
        &self,
        id: i32,
        process: Arc<T>,
        max: usize,
    ) -> (Option<Arc<T>>, usize) {
        let mut table = lock(&self.inner);
        let evicted = if table.len() >= max {
            let oldest = table
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(id, _)| *id);
            oldest.and_then(|id| table.remove(&id)).map(|(p, _)| p)
        } else {
            None
        };
        table.insert(id, (process, Instant::now()));
        (evicted, table.len())
    }

    /// The process, marked as used now.
    pub(crate) fn get(&self, id: i32) -> Option<Arc<T>> {
        let mut table = lock(&self.inner);
        let entry = table.get_mut(&id)?;
        entry.1 = Instant::now();
        Some(Arc::clone(&entry.0))
    }

    pub(crate) fn contains(&self, id: i32) -> bool {
        lock(&self.inner).contains_key(&id)
    }

    pub(crate) fn remove(&self, id: i32) -> Option<Arc<T>> {
        lock(&self.inner).remove(&id).map(|(p, _)| p)
    }

    /// When `id` was last used.
    pub(crate) fn last_used(&self, id: i32) -> Option<Instant> {
        lock(&self.inner).get(&id).map(|(_, used)| *used)
    }

    /// Removes and returns every process.
    pub(crate) fn drain(&self) -> Vec<Arc<T>> {
        lock(&self.inner).drain().map(|(_, (p, _))| p).collect()
    }
}

/// Output a process produced: what the model has not read yet, and all of
/// it (for the end event), both bounded.
#[derive(Default)]
pub(crate) struct ProcessOutput {
    inner: Mutex<(BoundedOutput, BoundedOutput)>,
}

impl ProcessOutput {
    pub(crate) fn push(&self, bytes: &[u8]) {
        let mut output = lock(&self.inner);
        output.0.push(bytes);
        output.1.push(bytes);
    }

    /// Takes what the model has not read.
    pub(crate) fn take_unread(&self) -> BoundedOutput {
        std::mem::take(&mut lock(&self.inner).0)
    }

    /// Everything so far (for the end event).
    pub(crate) fn all_text(&self) -> String {
        lock(&self.inner).1.text()
    }
}
