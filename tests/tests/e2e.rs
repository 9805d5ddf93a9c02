//! Allreduce end to end: the sim server over loopback UDP with loss and duplication, tenants made
//! by the driver, the PS service and worker threads of `aggnic-client`. Every wait is bounded by
//! the workers' own give-up (`WorkerOptions::max_resends`), and the tests guard against a hang with
//! a generous channel timeout rather than assert anything about speed.

use aggnic_client::{ClientError, WorkerClient};
use aggnic_sim::server::Faults;
use aggnic_spec::hash::slot_index;
use aggnic_spec::model::Params;
use aggnic_spec::regs;
use aggnic_spec::rng::Rng;
use aggnic_tests::{Card, Job, Rig, cpu_sum, exact_tensor};
use std::sync::mpsc;
use std::time::Duration;

/// Far beyond any worker's give-up time: only a hang reaches it.
const HANG: Duration = Duration::from_secs(60);

fn faults() -> Faults {
    Faults {
        loss_percent: 2.0,
        duplicate_percent: 1.0,
        seed: 11,
        ..Faults::default()
    }
}

/// Tensor sizes of one iteration: none a multiple of the 64-element payload, one shorter than it.
const SIZES: [usize; 3] = [1000, 333, 7];
const ITERATIONS: usize = 3;

#[test]
fn every_result_is_the_cpu_sum_under_loss_duplication_and_collisions() {
    // 16 slots for two tenants of 16 fragments in flight each: fragments must collide, and the
    // quota of 6 sends some over quota to the PS too.
    let params = Params {
        slots: 16,
        tenants: 4,
        ..Params::DEFAULT
    };
    let jobs = [
        Job {
            tenant: 1,
            key: 0x5eed_f00d,
            workers: 4,
            quota: 6,
            first_seq: 0,
        },
        Job {
            tenant: 3,
            key: 0xfeed_beef_0000_0003,
            workers: 4,
            quota: 6,
            first_seq: 0,
        },
    ];
    exact_under_faults("exact", Card::Model(params), &jobs);
}

/// Fragments of one tenant's stream per run: each tensor takes 5 vote fragments and
/// ceil(n / 64) value fragments.
fn stream_len() -> u32 {
    ITERATIONS as u32 * SIZES.iter().map(|n| 5 + n.div_ceil(64) as u32).sum::<u32>()
}

/// The same through the verilated core, streamed as the sim server does (FLUSH and RELEASE
/// interleaved with worker frames as on the hardware; `sim/tests/card.rs` checks the streamed core
/// against the model). Its pool has 1024 slots, too many for two tenants to collide by chance often enough
/// to test; so the second tenant's stream starts at an offset where, the hash being linear, each
/// of its fragments hashes to the slot of the first tenant's fragment at the same position (while
/// both tenants keep their initial salt): every fragment the two have in flight together collides.
#[test]
fn through_the_verilated_core_every_result_is_the_cpu_sum_under_loss_duplication_and_collisions() {
    let slots = aggnic_sim::PARAMS.slots;
    let len = stream_len();
    let align = len.next_power_of_two().max(slots);
    let (a, b) = (1u8, 3u8);
    let same_slots = |d: u32| (0..len).all(|s| slot_index(a, s, 0, slots) == slot_index(b, s + d, 0, slots));
    let offset = (1..1 << 20)
        .map(|m| m * align)
        .find(|&d| same_slots(d))
        .expect("an offset where the two streams share slots");
    let jobs = [
        Job {
            tenant: a,
            key: 0x5eed_f00d,
            workers: 4,
            quota: 6,
            first_seq: 0,
        },
        Job {
            tenant: b,
            key: 0xfeed_beef_0000_0003,
            workers: 4,
            quota: 6,
            first_seq: offset,
        },
    ];
    exact_under_faults("core", Card::Core, &jobs);
}

/// Two tenants of 4 workers each run `ITERATIONS` iterations of `SIZES` through the card with
/// loss and duplication; every result must be the CPU sum, both the card and the PS must have
/// finished fragments, collisions and resends must have happened, and no slot may stay held.
fn exact_under_faults(name: &str, card: Card, jobs: &[Job]) {
    let mut rig = Rig::start(name, card, faults(), jobs);
    let ps = rig.ps().spawn().expect("PS thread");

    // data[job][iteration][tensor][worker]
    let mut rng = Rng::new(5);
    let data: Vec<Vec<Vec<Vec<Vec<f32>>>>> = jobs
        .iter()
        .map(|j| {
            (0..ITERATIONS)
                .map(|_| {
                    SIZES
                        .iter()
                        .map(|&n| (0..j.workers).map(|_| exact_tensor(&mut rng, n)).collect())
                        .collect()
                })
                .collect()
        })
        .collect();

    let (tx, rx) = mpsc::channel();
    let mut threads = Vec::new();
    for (j, job) in jobs.iter().enumerate() {
        for w in 0..job.workers {
            let opts = rig.worker_options(job, w);
            let card = rig.server.network_addr();
            let mine: Vec<Vec<Vec<f32>>> = data[j]
                .iter()
                .map(|it| it.iter().map(|t| t[w as usize].clone()).collect())
                .collect();
            let tx = tx.clone();
            threads.push(std::thread::spawn(move || {
                let run = || -> Result<Vec<Vec<Vec<f32>>>, ClientError> {
                    let mut client = WorkerClient::connect(card, opts)?;
                    let mut out = Vec::new();
                    for mut tensors in mine {
                        // The first tensor alone, the others in flight together.
                        client.allreduce(&mut tensors[0])?;
                        let mut rest: Vec<&mut [f32]> =
                            tensors[1..].iter_mut().map(|t| t.as_mut_slice()).collect();
                        client.allreduce_many(&mut rest)?;
                        out.push(tensors);
                    }
                    Ok(out)
                };
                tx.send((j, w, run())).expect("the test waits");
            }));
        }
    }
    drop(tx);

    let mut checked = 0;
    for _ in 0..threads.len() {
        let (j, w, result) = rx.recv_timeout(HANG).expect("a worker hung");
        let got = result.unwrap_or_else(|e| {
            panic!(
                "tenant {} worker {w}: {e} (card thread running: {})",
                jobs[j].tenant,
                rig.server.is_running()
            )
        });
        for (it, tensors) in got.iter().enumerate() {
            for (k, sum) in tensors.iter().enumerate() {
                let exact = cpu_sum(&data[j][it][k]);
                assert_eq!(sum.len(), SIZES[k]);
                assert!(
                    sum == &exact,
                    "tenant {} worker {w} iteration {it} tensor {k}: not the CPU sum",
                    jobs[j].tenant
                );
                checked += 1;
            }
        }
    }
    for t in threads {
        t.join().expect("worker thread");
    }
    assert_eq!(checked, 8 * ITERATIONS * SIZES.len());

    let report = ps.stop().expect("PS ran cleanly");
    eprintln!("PS: {report}");
    assert_eq!(report.fragments(), 2 * u64::from(stream_len()), "{report}");
    assert_eq!(report.pending, 0, "{report}");
    assert!(report.ps.completed_in_card > 0, "{report}");
    assert!(report.ps.completed_in_software > 0, "{report}");
    assert!(report.collisions > 0, "a 16-slot pool must collide: {report}");
    assert!(report.resends > 0, "2 % loss must cause resends: {report}");
    let card_collisions: u64 = jobs
        .iter()
        .map(|j| rig.tenant_counter(j.tenant, "T_COLLISIONS"))
        .sum();
    let card_resends: u64 = jobs
        .iter()
        .map(|j| rig.tenant_counter(j.tenant, "T_RESENDS"))
        .sum();
    assert!(
        card_collisions > 0 && card_resends > 0,
        "card: {card_collisions} collisions, {card_resends} resends"
    );
    let stats = rig.server.stats();
    eprintln!("card: {card_collisions} collisions, {card_resends} resends; server: {stats:?}");
    assert!(stats.up.lost + stats.down.lost > 0, "{stats:?}");
    assert!(stats.up.duplicated + stats.down.duplicated > 0, "{stats:?}");
    // Everything final: no slot may stay held once the late copies in flight have landed.
    let mut in_use = u32::MAX;
    for _ in 0..100 {
        in_use = rig.read(regs::SLOTS_IN_USE.addr);
        if in_use == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(in_use, 0, "slots left in use");
}

#[test]
fn a_worker_that_stops_mid_iteration_makes_the_others_time_out() {
    let params = Params {
        slots: 32,
        tenants: 4,
        ..Params::DEFAULT
    };
    let job = Job {
        tenant: 2,
        key: 0xabc,
        workers: 4,
        quota: 16,
        first_seq: 0,
    };
    let rig = Rig::start("stop", Card::Model(params), faults(), &[job]);
    let ps = rig.ps().spawn().expect("PS thread");
    let mut rng = Rng::new(9);
    let first: Vec<Vec<f32>> = (0..4).map(|_| exact_tensor(&mut rng, 500)).collect();
    let second: Vec<Vec<f32>> = (0..4).map(|_| exact_tensor(&mut rng, 500)).collect();

    let (tx, rx) = mpsc::channel();
    for w in 0..4u8 {
        let mut opts = rig.worker_options(&job, w);
        // Give up after 40 resends 10 ms apart: well under a second without a result.
        opts.timeout = Duration::from_millis(10);
        opts.max_resends = 40;
        let card = rig.server.network_addr();
        let (mut a, b) = (first[w as usize].clone(), second[w as usize].clone());
        let tx = tx.clone();
        std::thread::spawn(move || {
            let run = || -> Result<Option<Vec<f32>>, ClientError> {
                let mut client = WorkerClient::connect(card, opts)?;
                client.allreduce(&mut a)?;
                if w == 3 {
                    // Worker 3 starts the second iteration, sends its first window, and is gone.
                    client.submit(&b)?;
                    client.progress(Duration::ZERO)?;
                    return Ok(None);
                }
                let mut b = b;
                client.allreduce(&mut b)?;
                Ok(Some(b))
            };
            let result = run();
            tx.send((w, a, result)).expect("the test waits");
        });
    }
    drop(tx);

    let exact = cpu_sum(&first);
    let mut timed_out = 0;
    for _ in 0..4 {
        let (w, a, result) = rx
            .recv_timeout(HANG)
            .expect("a worker hung instead of timing out");
        assert!(a == exact, "worker {w}: the first iteration is the CPU sum");
        match result {
            Ok(None) => assert_eq!(w, 3),
            Ok(Some(_)) => panic!("worker {w} finished an iteration worker 3 never finished"),
            Err(e @ ClientError::NoResult { .. }) => {
                let text = e.to_string();
                assert!(
                    text.starts_with(&format!("tenant 2 worker {w}: timed out: no result for fragment")),
                    "{text}"
                );
                assert!(text.contains("after 40 resends"), "{text}");
                timed_out += 1;
            }
            Err(e) => panic!("worker {w}: {e}"),
        }
    }
    assert_eq!(timed_out, 3);
    let report = ps.stop().expect("PS ran cleanly");
    assert!(report.resends > 0, "{report}");
}
