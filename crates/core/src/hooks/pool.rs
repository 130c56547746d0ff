//! Background hook runs: at most N at a time, the others wait their turn in order (none is
//! dropped), and a drain waits for all of them.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};

#[derive(Debug)]
struct Inner {
    slots: Semaphore,
    /// Submitted and not finished (running or waiting for a slot).
    pending: AtomicUsize,
    idle: Notify,
}

/// A bounded set of background hook runs.
#[derive(Debug, Clone)]
pub(crate) struct AsyncPool {
    inner: Arc<Inner>,
}

/// Counts a run as pending until dropped (also when its task is cancelled).
struct PendingGuard(Arc<Inner>);

impl Drop for PendingGuard {
    fn drop(&mut self) {
        if self.0.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl AsyncPool {
    /// A pool running at most `max` hooks at once (at least 1).
    pub(crate) fn new(max: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                slots: Semaphore::new(max.max(1)),
                pending: AtomicUsize::new(0),
                idle: Notify::new(),
            }),
        }
    }

    /// Runs `work` in the background once a slot is free. Outside a Tokio runtime (which the
    /// server never is) the work runs inline instead.
    pub(crate) async fn submit<F>(&self, work: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            work.await;
            return;
        };
        self.inner.pending.fetch_add(1, Ordering::AcqRel);
        let guard = PendingGuard(Arc::clone(&self.inner));
        handle.spawn(async move {
            let guard = guard;
            // The semaphore is never closed, so acquiring only fails in theory; run anyway then.
            let _slot = guard.0.slots.acquire().await.ok();
            work.await;
        });
    }

    /// Runs submitted and not yet finished.
    pub(crate) fn pending(&self) -> usize {
        self.inner.pending.load(Ordering::Acquire)
    }

    /// Waits until every submitted run has finished, at most `timeout`. True when none is left.
    pub(crate) async fn drain(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.pending() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.pending() == 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn queues_beyond_the_cap_and_drains() {
        let pool = AsyncPool::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        for _ in 0..10 {
            let (running, peak, done, gate) = (running.clone(), peak.clone(), done.clone(), gate.clone());
            pool.submit(async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                let _ = gate.acquire().await.map(|p| p.forget());
                running.fetch_sub(1, Ordering::SeqCst);
                done.fetch_add(1, Ordering::SeqCst);
            })
            .await;
        }
        assert_eq!(pool.pending(), 10);
        assert!(!pool.drain(Duration::from_millis(20)).await, "drained while runs were blocked");
        gate.add_permits(10);
        assert!(pool.drain(Duration::from_secs(10)).await);
        assert_eq!(done.load(Ordering::SeqCst), 10);
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert_eq!(pool.pending(), 0);
    }
}
