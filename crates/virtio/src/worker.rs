//! A device worker thread and its wake-up: a notify (`QueueNotify` on a hart
//! thread, or host input) sets a pending flag and returns at once; the worker
//! sleeps until kicked, or until asked to stop on device reset / drop.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::device::ActivateError;

/// Shared wake-up state between a device and its worker.
#[derive(Debug, Default)]
pub(crate) struct WorkerCtl {
    pending: Mutex<bool>,
    cv: Condvar,
    stop: AtomicBool,
}

impl WorkerCtl {
    fn lock(&self) -> MutexGuard<'_, bool> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wake the worker (coalesces: many kicks before it runs are one).
    pub(crate) fn kick(&self) {
        *self.lock() = true;
        self.cv.notify_one();
    }

    /// Whether the worker should stop as soon as it can.
    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Sleep until kicked (`true`) or stopped (`false`).
    pub(crate) fn wait(&self) -> bool {
        let mut p = self.lock();
        while !*p && !self.stopping() {
            p = self.cv.wait(p).unwrap_or_else(|e| e.into_inner());
        }
        *p = false;
        !self.stopping()
    }

    /// Sleep until kicked, stopped, or `timeout`; `false` when stopping.
    pub(crate) fn wait_timeout(&self, timeout: Duration) -> bool {
        let mut p = self.lock();
        if !*p && !self.stopping() {
            p = self
                .cv
                .wait_timeout(p, timeout)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        *p = false;
        !self.stopping()
    }
}

/// A running worker thread.
#[derive(Debug)]
pub(crate) struct Worker {
    ctl: Arc<WorkerCtl>,
    handle: Option<JoinHandle<()>>,
}

impl Worker {
    /// Start thread `name` running `body` with the wake-up state.
    pub(crate) fn spawn(
        name: &str,
        body: impl FnOnce(Arc<WorkerCtl>) + Send + 'static,
    ) -> Result<Self, ActivateError> {
        let ctl = Arc::new(WorkerCtl::default());
        let c = ctl.clone();
        let handle = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || body(c))
            .map_err(|e| ActivateError::WorkerSpawnFailed(e.to_string()))?;
        Ok(Self {
            ctl,
            handle: Some(handle),
        })
    }

    /// Wake the worker.
    pub(crate) fn kick(&self) {
        self.ctl.kick();
    }

    /// Ask the worker to stop and wait until it has: afterwards it no longer
    /// touches guest RAM or raises interrupts.
    pub(crate) fn stop(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        self.ctl.stop.store(true, Ordering::Release);
        self.ctl.kick();
        if let Some(h) = self.handle.take() {
            // A worker that panicked has already stopped; nothing to undo.
            let _ = h.join();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_stop_joins_a_sleeping_thread() {
        let w = Worker::spawn("test", |ctl| while ctl.wait() {}).unwrap();
        w.kick();
        w.stop();
    }
}
