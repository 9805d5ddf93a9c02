//! Time for the state machines: they count abstract ticks; here one tick is one microsecond since
//! the client started, so timeouts given as `Duration`s keep their precision on loopback.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    start: Instant,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        Clock {
            start: Instant::now(),
        }
    }
    pub(crate) fn now(&self) -> u64 {
        ticks(self.start.elapsed())
    }
    /// How long until tick `at`, at least `floor` (a zero read timeout means "block forever").
    pub(crate) fn until(&self, at: u64, floor: Duration) -> Duration {
        Duration::from_micros(at.saturating_sub(self.now())).max(floor)
    }
}

pub(crate) fn ticks(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
