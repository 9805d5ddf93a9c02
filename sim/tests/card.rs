//! The verilated core as the sim server drives it (`VerilatedCard::stream`): frames streamed on
//! both paths at once, checked against the reference model frame by frame (the card panics at the
//! first output frame or register read that differs), and at line rate rather than one frame per
//! pipeline drain.

use aggnic_sim::server::{SimCard, VerilatedCard, addr};
use aggnic_spec::model::{Outputs, TenantEntry, tenant_writes};
use aggnic_spec::regs::{self, DEFAULT_UDP_PORT as PORT};
use aggnic_spec::rng::Rng;
use aggnic_spec::wire::{self, Frame, Header, Kind, flags};
use std::collections::VecDeque;

const TENANTS: [(u8, u64); 2] = [(1, 0x5eed_f00d), (3, 0xfeed_beef)];
const WORKERS: u8 = 4;
const FRAGMENTS: u32 = 120;

/// A frame of `kind` with these flags from or to (tenant, worker) about fragment `seq`.
fn frame(
    addr: wire::Addressing,
    kind: Kind,
    f: u8,
    (tenant, worker, seq): (u8, u8, u32),
    kb: u64,
    lanes: Vec<i32>,
) -> Vec<u8> {
    Frame {
        addr,
        header: Header {
            kind,
            flags: f,
            tenant,
            worker,
            elements: 0,
            seq,
            salt: 0,
            key_or_bitmap: kb,
        },
        payload: lanes,
    }
    .encode()
}

/// Network and host frames of two tenants: every worker's UPDATE of each fragment in a shuffled
/// order (a few lost, a few twice, a few resends), the PS's RESULT to each worker on the transmit
/// path, and FLUSH and RELEASE of the fragments a lost UPDATE left held.
fn traffic(rng: &mut Rng) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let (mut rx, mut tx) = (Vec::new(), Vec::new());
    for seq in 0..FRAGMENTS {
        for &(t, key) in &TENANTS {
            let mut workers: Vec<u8> = (0..WORKERS).collect();
            for i in (1..workers.len()).rev() {
                workers.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let mut lost = false;
            for w in workers {
                let lanes: Vec<i32> = (0..64).map(|_| rng.below(1 << 20) as i32 - (1 << 19)).collect();
                let f = if rng.chance(30) { flags::RESEND } else { 0 };
                let update = frame(
                    addr::update_addressing(t, w, PORT),
                    Kind::Update,
                    f,
                    (t, w, seq),
                    key,
                    lanes,
                );
                if rng.chance(50) {
                    lost = true;
                    continue;
                }
                if rng.chance(20) {
                    rx.push(update.clone());
                }
                rx.push(update);
            }
            let ps = addr::ps_control_addressing(PORT);
            if lost {
                tx.push(frame(ps, Kind::Flush, 0, (t, 0, seq), 0, vec![]));
                tx.push(frame(ps, Kind::Release, 0, (t, 0, seq), 0, vec![]));
            }
            for w in 0..WORKERS {
                let bitmap = (1 << WORKERS) - 1;
                tx.push(frame(
                    addr::result_addressing(t, w, PORT),
                    Kind::Result,
                    0,
                    (t, w, seq),
                    bitmap,
                    vec![7; 64],
                ));
            }
        }
    }
    (rx, tx)
}

fn kinds(frames: &[Vec<u8>], kind: Kind) -> usize {
    frames
        .iter()
        .filter(|f| f.get(wire::HEADER_OFFSET + wire::field::KIND.offset) == Some(&(kind as u8)))
        .count()
}

#[test]
fn streamed_frames_come_out_as_the_model_says_at_line_rate() {
    let mut card = VerilatedCard::with_check(true);
    assert!(card.checked());
    card.write(regs::CTRL.addr, regs::ctrl::ENABLE).expect("CTRL");
    for &(t, key) in &TENANTS {
        let entry = TenantEntry {
            enable: true,
            quota: 6,
            mask: (1 << WORKERS) - 1,
            key,
            window_base: 0,
        };
        for (a, v) in tenant_writes(t, entry) {
            card.write(a, v).expect("tenant write");
        }
    }
    let (rx, tx) = traffic(&mut Rng::new(3));
    let frames_in = (rx.len() + tx.len()) as u64;
    let (mut rx, mut tx): (VecDeque<_>, VecDeque<_>) = (rx.into(), tx.into());
    let start = card.clocks();
    let mut out = Outputs::default();
    // In stretches, as the server calls it, until everything is through.
    let mut calls = 0;
    while card.stream(&mut rx, &mut tx, &mut out) || !rx.is_empty() || !tx.is_empty() {
        calls += 1;
        assert!(calls < 100_000, "the card never finished");
    }
    let clocks = card.clocks() - start;

    let results = kinds(&out.to_host, Kind::Result);
    let partials = kinds(&out.to_host, Kind::Partial);
    let forwards = kinds(&out.to_host, Kind::Update);
    assert!(
        results > 50 && partials > 5 && forwards > 50,
        "{results} RESULTs, {partials} PARTIALs, {forwards} forwards"
    );
    assert_eq!(
        out.to_network.len(),
        TENANTS.len() * usize::from(WORKERS) * FRAGMENTS as usize,
        "every RESULT to a worker passes"
    );
    // The reads are checked against the model too.
    card.write(regs::COMMAND.addr, regs::command::SNAPSHOT)
        .expect("snapshot");
    let c_results = card.read(regs::C_RESULTS.addr).expect("C_RESULTS");
    assert_eq!(c_results as usize, results);
    card.read(regs::SLOTS_IN_USE.addr).expect("SLOTS_IN_USE");
    // Streaming: a frame of 5 beats every few clocks on each path, FLUSH and RELEASE at barriers
    // (checked), not a pipeline drain (some 60 clocks) after every frame.
    let per_frame = clocks as f64 / frames_in as f64;
    eprintln!("{frames_in} frames in {clocks} clocks ({per_frame:.1} per frame), {calls} calls");
    assert!(per_frame < 30.0, "{per_frame:.1} clocks per frame");
}
