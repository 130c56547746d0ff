//! Bandwidth throttling of one transfer (SFTPGo: per transfer, KB = 1024 bytes): after each chunk
//! the transfer waits until the bytes moved so far fit the configured rate since it started.

use std::sync::Mutex;
use std::time::Duration;

// tokio's clock, so tests can run throttled transfers in paused (virtual) time.
use tokio::time::Instant;

/// A rate limit for one transfer. Safe to share between concurrent writes of one transfer.
#[derive(Debug)]
pub struct Throttle {
    bytes_per_sec: u64,
    state: Mutex<(Instant, u64)>,
}

impl Throttle {
    /// A limit of `bytes_per_sec` (0 = unlimited).
    pub fn new(bytes_per_sec: u64) -> Self {
        Self { bytes_per_sec, state: Mutex::new((Instant::now(), 0)) }
    }

    /// True when no limit applies.
    pub fn is_unlimited(&self) -> bool {
        self.bytes_per_sec == 0
    }

    /// Records `n` bytes at time `now` and returns how long to wait before going on.
    pub fn delay_at(&self, n: u64, now: Instant) -> Duration {
        if self.bytes_per_sec == 0 {
            return Duration::ZERO;
        }
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.1 = st.1.saturating_add(n);
        let due = Duration::from_secs_f64(st.1 as f64 / self.bytes_per_sec as f64);
        let elapsed = now.saturating_duration_since(st.0);
        due.saturating_sub(elapsed)
    }

    /// Records `n` bytes and sleeps as long as the rate requires.
    pub async fn consume(&self, n: u64) {
        let d = self.delay_at(n, Instant::now());
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_follows_the_rate() {
        let t = Throttle::new(1024);
        let start = t.state.lock().unwrap().0;
        assert_eq!(t.delay_at(512, start), Duration::from_millis(500));
        // Half a second later another 512 bytes are due at 1 s: wait 0.5 s.
        assert_eq!(t.delay_at(512, start + Duration::from_millis(500)), Duration::from_millis(500));
        // Late: no wait.
        assert_eq!(t.delay_at(0, start + Duration::from_secs(5)), Duration::ZERO);
        assert_eq!(Throttle::new(0).delay_at(1 << 30, start), Duration::ZERO);
    }
}
