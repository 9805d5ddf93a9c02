//! Seeded fault injection on the server's network side: loss, duplication and reordering.

use aggnic_spec::rng::Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Faults the server injects on the network side, in each direction (worker to card, card to
/// worker) independently. Chances are percentages, 0 to 100; the decisions come from `seed`, so
/// one seed and one order of datagrams give the same faults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Faults {
    /// Chance that a datagram is dropped.
    pub loss_percent: f64,
    /// Chance that a datagram that was not dropped is delivered twice; the copy comes up to
    /// `reorder_delay` later.
    pub duplicate_percent: f64,
    /// Chance that a datagram is held back for a random time up to `reorder_delay`, so later
    /// ones overtake it.
    pub reorder_percent: f64,
    /// Longest delay of a held-back datagram or a copy.
    pub reorder_delay: Duration,
    pub seed: u64,
}

impl Default for Faults {
    fn default() -> Faults {
        Faults {
            loss_percent: 0.0,
            duplicate_percent: 0.0,
            reorder_percent: 0.0,
            reorder_delay: Duration::from_millis(10),
            seed: 1,
        }
    }
}

impl Faults {
    /// Checks every chance is a percentage.
    pub fn validate(&self) -> Result<(), String> {
        for (name, p) in [
            ("loss", self.loss_percent),
            ("duplicate", self.duplicate_percent),
            ("reorder", self.reorder_percent),
        ] {
            if !(0.0..=100.0).contains(&p) {
                return Err(format!("{name} chance {p} is not a percentage from 0 to 100"));
            }
        }
        Ok(())
    }
}

/// What the faults did in one direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    pub lost: u64,
    pub duplicated: u64,
    pub reordered: u64,
}

/// A datagram and the real address it goes to or came from.
pub(crate) type Datagram = (SocketAddr, Vec<u8>);

/// One direction's faults: decides the fate of each datagram and holds the delayed ones.
#[derive(Debug)]
pub(crate) struct Lane {
    faults: Faults,
    rng: Rng,
    /// Delayed datagrams by release time, then arrival order.
    held: BinaryHeap<Reverse<(Instant, u64, Datagram)>>,
    order: u64,
    pub(crate) counts: FaultCounts,
}

/// Most datagrams held back at once; past it, datagrams are delivered at once.
const MAX_HELD: usize = 65_536;

fn ppm(percent: f64) -> u64 {
    (percent * 10_000.0).round() as u64
}

impl Lane {
    pub(crate) fn new(faults: Faults, stream: u64) -> Lane {
        Lane {
            faults,
            rng: Rng::new(faults.seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            held: BinaryHeap::new(),
            order: 0,
            counts: FaultCounts::default(),
        }
    }

    fn chance(&mut self, percent: f64) -> bool {
        percent > 0.0 && self.rng.below(1_000_000) < ppm(percent)
    }

    fn delay(&mut self) -> Duration {
        let max = self.faults.reorder_delay.as_micros().max(1) as u64;
        Duration::from_micros(1 + self.rng.below(max))
    }

    fn hold(&mut self, at: Instant, d: Datagram) {
        self.order += 1;
        self.held.push(Reverse((at, self.order, d)));
    }

    /// Takes a datagram at time `now`; returns it if it goes on at once (others may be held).
    pub(crate) fn offer(&mut self, now: Instant, d: Datagram) -> Option<Datagram> {
        if self.chance(self.faults.loss_percent) {
            self.counts.lost += 1;
            return None;
        }
        let room = self.held.len() + 2 <= MAX_HELD;
        if room && self.chance(self.faults.duplicate_percent) {
            self.counts.duplicated += 1;
            let at = now + self.delay();
            self.hold(at, d.clone());
        }
        if room && self.chance(self.faults.reorder_percent) {
            self.counts.reordered += 1;
            let at = now + self.delay();
            self.hold(at, d);
            return None;
        }
        Some(d)
    }

    /// Held datagrams due at `now`, in release order.
    pub(crate) fn due(&mut self, now: Instant) -> Vec<Datagram> {
        let mut out = Vec::new();
        while let Some(Reverse((at, _, _))) = self.held.peek() {
            if *at > now {
                break;
            }
            let Reverse((_, _, d)) = self.held.pop().expect("peeked");
            out.push(d);
        }
        out
    }

    /// When the next held datagram is due.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.held.peek().map(|Reverse((at, _, _))| *at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(faults: Faults, n: usize) -> (Vec<u8>, FaultCounts) {
        let mut lane = Lane::new(faults, 0);
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let start = Instant::now();
        let mut got = Vec::new();
        for i in 0..n {
            if let Some((_, d)) = lane.offer(start, (addr, vec![i as u8])) {
                got.push(d[0]);
            }
        }
        got.extend(
            lane.due(start + Duration::from_secs(1))
                .into_iter()
                .map(|(_, d)| d[0]),
        );
        assert_eq!(lane.next_due(), None);
        (got, lane.counts)
    }

    #[test]
    fn no_faults_delivers_everything_in_order() {
        let (got, counts) = run(Faults::default(), 200);
        assert_eq!(got, (0..200).map(|i| i as u8).collect::<Vec<_>>());
        assert_eq!(counts, FaultCounts::default());
    }

    #[test]
    fn faults_happen_at_about_their_rate_and_replay_from_the_seed() {
        let faults = Faults {
            loss_percent: 10.0,
            duplicate_percent: 5.0,
            reorder_percent: 20.0,
            ..Faults::default()
        };
        let (got, counts) = run(faults, 10_000);
        assert!((800..1200).contains(&counts.lost), "{counts:?}");
        assert!((300..700).contains(&counts.duplicated), "{counts:?}");
        assert!((1500..2100).contains(&counts.reordered), "{counts:?}");
        assert_eq!(got.len() as u64, 10_000 - counts.lost + counts.duplicated);
        assert_eq!(run(faults, 10_000), (got.clone(), counts));
        let other = run(Faults { seed: 2, ..faults }, 10_000);
        assert_ne!(other.0, got);
    }

    #[test]
    fn certain_loss_drops_everything() {
        let (got, counts) = run(
            Faults {
                loss_percent: 100.0,
                duplicate_percent: 100.0,
                ..Faults::default()
            },
            50,
        );
        assert!(got.is_empty());
        assert_eq!(counts.lost, 50);
        assert!(
            Faults {
                loss_percent: 100.5,
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            Faults {
                reorder_percent: -1.0,
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
    }
}
