//! The engine's clock: wall time plus an offset that tests and the tutor can advance.
//!
//! Every TTL, expiry and TIME reply reads this clock, so lessons about expiry can be watched and
//! graded without waiting ("virtual time").

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A shared, advanceable clock. Clones share the same offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_us: Arc<AtomicI64>,
    /// A frozen clock reads `offset_us` alone: time stands still until advanced.
    frozen: bool,
}

impl Clock {
    /// Wall time, advanceable.
    pub fn new() -> Clock {
        Clock::default()
    }

    /// A clock that reads `start_us` (microseconds since the Unix epoch) until it is advanced:
    /// what makes a grading scenario deterministic, whatever the machine is doing.
    pub fn frozen(start_us: i64) -> Clock {
        Clock {
            offset_us: Arc::new(AtomicI64::new(start_us)),
            frozen: true,
        }
    }

    /// Moves this clock (and every clone of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.offset_us
            .fetch_add(by.as_micros() as i64, Ordering::SeqCst);
    }

    /// Microseconds since the Unix epoch, as the engine sees it.
    pub fn now_us(&self) -> i64 {
        if self.frozen {
            return self.offset_us.load(Ordering::SeqCst);
        }
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        wall + self.offset_us.load(Ordering::SeqCst)
    }

    /// Milliseconds since the Unix epoch, as the engine sees it.
    pub fn now_ms(&self) -> i64 {
        self.now_us() / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_clone() {
        let clock = Clock::new();
        let other = clock.clone();
        let before = other.now_ms();
        clock.advance(Duration::from_secs(3600));
        assert!(other.now_ms() - before >= 3_600_000);
    }

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        let clock = Clock::frozen(1_700_000_000_000_000);
        assert_eq!(clock.now_ms(), 1_700_000_000_000);
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(clock.now_ms(), 1_700_000_000_000);
        clock.clone().advance(Duration::from_secs(301));
        assert_eq!(clock.now_ms(), 1_700_000_301_000);
    }
}
