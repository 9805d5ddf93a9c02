//! The PS's software aggregation rate and, for scale, how fast this machine reads memory.
//!
//! The PS side runs `aggnic_proto::Ps` alone on frames built beforehand: every worker's UPDATE of
//! every fragment arrives forwarded (as after a COLLISION), so every lane is added in software.
//! The rate counts the int32 lanes that went in, 4 bytes each. The baseline is a plain sum of a
//! large i32 buffer, the most a single-threaded add can hope for once data is out of cache.

use aggnic_proto::{Endpoint, Frames, Ps, PsConfig, TenantConfig};
use aggnic_sim::server::addr;
use aggnic_spec::regs::DEFAULT_UDP_PORT;
use aggnic_spec::wire::{Frame, Header, flags};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Bytes of int32 lanes per second the PS adds in software: the best of the passes over the
/// frames (each a fresh PS) that fill `min_time`, the same statistic as the baseline's, so that a
/// busy machine (another build stealing the core mid-pass) skews neither side more.
pub fn ps_software_rate(workers: u8, elements: usize, min_time: Duration) -> f64 {
    const FRAGMENTS: u32 = 2048;
    const WINDOW: u32 = 64;
    let (tenant, key, port) = (1u8, 0x5eed_u64, DEFAULT_UDP_PORT);
    let frames: Vec<Vec<u8>> = (0..FRAGMENTS)
        .flat_map(|seq| {
            (0..workers).map(move |w| {
                Frame {
                    addr: addr::update_addressing(tenant, w, port),
                    header: Header {
                        flags: flags::COLLISION,
                        ..Header::update(tenant, w, seq, 0, key)
                    },
                    payload: (0..elements as i32).map(|i| i * 3 - seq as i32).collect(),
                }
                .encode()
            })
        })
        .collect();
    let config = TenantConfig {
        tenant,
        key,
        workers: (0..workers)
            .map(|w| Endpoint {
                worker: w,
                addr: addr::result_addressing(tenant, w, port),
            })
            .collect(),
        first_seq: 0,
        initial_salt: 0,
    };
    let mut busy = Duration::ZERO;
    let mut best = Duration::MAX;
    while busy < min_time {
        let mut ps = Ps::new(
            PsConfig {
                window: WINDOW,
                control_addr: addr::ps_control_addressing(port),
                flush_after: u64::MAX / 2,
            },
            vec![config.clone()],
        );
        // As the socket service does: one output buffer, cleared for every frame received.
        let mut out = Frames::new();
        let start = Instant::now();
        for f in &frames {
            out.clear();
            ps.on_host_frame_into(f, 0, &mut out);
            black_box(&out);
        }
        let pass = start.elapsed();
        busy += pass;
        best = best.min(pass);
        assert_eq!(
            ps.stats().completed_in_software,
            u64::from(FRAGMENTS),
            "the PS finished every fragment"
        );
    }
    let lanes = u64::from(FRAGMENTS) * u64::from(workers) * elements as u64;
    (lanes * 4) as f64 / best.as_secs_f64()
}

/// Bytes per second of a plain sum over a 256 MiB i32 buffer, best of 5 passes.
pub fn memory_read_rate() -> f64 {
    let buf: Vec<i32> = (0..64 * 1024 * 1024).map(|i: i32| i.wrapping_mul(7)).collect();
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let sum = black_box(&buf).iter().fold(0i32, |a, x| a.wrapping_add(*x));
        black_box(sum);
        best = best.min(start.elapsed());
    }
    (buf.len() * 4) as f64 / best.as_secs_f64()
}
