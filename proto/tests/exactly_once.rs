//! Exactly-once, shown: model workers and a model PS run against the reference-model core over
//! lossy, duplicating, reordering channels, with a pool small enough to force collisions, several
//! tenants and a forger. Every result must equal the exact sum over the expected workers, no slot
//! may stay in use, and no tenant's results may depend on another's traffic.
//!
//! Cases per property: `AGGNIC_PROPTEST_CASES` (default 10 000).

use aggnic_proto::world::{Faults, Job, Timing, World};
use aggnic_spec::model::{Core, Params, TenantCounter, TenantEntry};
use aggnic_spec::regs;
use aggnic_spec::wire::{Addressing, Frame, Header, Kind};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("AGGNIC_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

#[derive(Debug, Clone)]
struct Scenario {
    slots: u32,
    window: u32,
    jobs: Vec<Job>,
    quotas: Vec<u32>,
    faults: Faults,
    forger: bool,
    seed: u64,
}

fn job(
    tenant: u8,
    workers: usize,
    fragments: usize,
    elements: usize,
    first_seq: u32,
    window: u32,
    lane: std::ops::RangeInclusive<i32>,
) -> impl Strategy<Value = Job> {
    let worker_ids = proptest::sample::subsequence((0u8..64).collect::<Vec<_>>(), workers);
    let data = prop::collection::vec(
        prop::collection::vec(prop::collection::vec(lane, elements), fragments),
        workers,
    );
    (worker_ids, data, 1..=window).prop_map(move |(ids, data, send_window)| Job {
        tenant,
        key: 0x5eed_0000_0000_0000 | (u64::from(tenant) * 0x1_0001),
        first_seq,
        workers: ids.into_iter().zip(data).collect(),
        send_window,
    })
}

fn scenario(lane: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = Scenario> {
    (
        prop::sample::select(vec![2u32, 4, 8, 16]),
        1u32..=8,
        1usize..=4,
        1usize..=3,
        any::<u64>(),
    )
        .prop_flat_map(move |(slots, window, tenants, elements, seed)| {
            let lane = lane.clone();
            let jobs: Vec<_> = (0..tenants)
                .map(|t| {
                    let lane = lane.clone();
                    (1usize..=6, 1usize..=16, any::<u32>()).prop_flat_map(move |(w, f, first)| {
                        job(t as u8 * 3 + 1, w, f, elements, first, window, lane.clone())
                    })
                })
                .collect();
            let quotas = prop::collection::vec(0u32..=slots, tenants);
            let faults = (0u32..=200, 0u32..=200, any::<bool>(), 0u32..=30, 0u32..=30).prop_map(
                |(l, d, r, lb, db)| Faults {
                    loss_permille: l,
                    duplicate_permille: d,
                    reorder: r,
                    loss_budget: lb,
                    duplicate_budget: db,
                },
            );
            (
                Just(slots),
                Just(window),
                jobs,
                quotas,
                faults,
                any::<bool>(),
                Just(seed),
            )
        })
        .prop_map(|(slots, window, jobs, quotas, faults, forger, seed)| Scenario {
            slots,
            window,
            jobs,
            quotas,
            faults,
            forger,
            seed,
        })
}

fn card(s: &Scenario, jobs: &[Job], quotas: &[u32]) -> Core {
    let params = Params {
        lanes: 16,
        elements: 8,
        slots: s.slots,
        tenants: 16,
        window: s.window,
    };
    let mut core = Core::new(params);
    core.write(regs::CTRL.addr, regs::ctrl::ENABLE);
    for (job, quota) in jobs.iter().zip(quotas) {
        let mask = job.workers.iter().fold(0, |m, (w, _)| m | 1u64 << w);
        let entry = TenantEntry {
            enable: true,
            quota: *quota,
            mask,
            key: job.key,
            window_base: job.first_seq,
        };
        core.configure_tenant(job.tenant, entry);
    }
    core
}

/// Frames with a real tenant's id and worker ids but the wrong key.
fn forgeries(victim: &Job, seed: u64) -> Vec<Vec<u8>> {
    (0..victim.fragments() as u32 * 2)
        .map(|i| {
            let header = Header {
                kind: Kind::Update,
                flags: 0,
                tenant: victim.tenant,
                worker: victim.workers[i as usize % victim.workers.len()].0,
                elements: 0,
                seq: victim.first_seq.wrapping_add(i / 2),
                salt: 0,
                key_or_bitmap: victim.key ^ (seed | 1),
            };
            let len = victim.workers[0].1[0].len();
            Frame {
                addr: Addressing::between(200, 1, regs::DEFAULT_UDP_PORT),
                header,
                payload: vec![1_000_000; len],
            }
            .encode()
        })
        .collect()
}

/// Runs the scenario with the given jobs; returns the world after it finished.
fn run(s: &Scenario, jobs: &[Job], quotas: &[u32]) -> World<Core> {
    let timing = Timing::default();
    let mut world = World::new(
        card(s, jobs, quotas),
        jobs,
        s.window,
        regs::DEFAULT_UDP_PORT,
        s.faults,
        timing,
        s.seed,
    );
    if s.forger {
        world.inject(forgeries(&jobs[0], s.seed));
    }
    assert!(
        world.run(2_000_000),
        "no progress after 2M steps: {:?}",
        world.stats
    );
    // Late duplicates and forgeries still in flight must not leave a slot held.
    assert!(
        world.drain(1_000_000),
        "channels never emptied: {:?}",
        world.stats
    );
    world
}

fn check_exact(world: &World<Core>, jobs: &[Job]) {
    let mut workers = world.workers.iter();
    for job in jobs {
        let mask = job.workers.iter().fold(0, |m, (w, _)| m | 1u64 << w);
        for (id, _) in &job.workers {
            let w = workers.next().unwrap();
            assert_eq!((w.config().tenant, w.config().worker), (job.tenant, *id));
            assert_eq!(w.error(), None, "tenant {} worker {id}", job.tenant);
            assert_eq!(w.pushed(), job.fragments());
            for i in 0..w.pushed() {
                let r = w
                    .result(i)
                    .unwrap_or_else(|| panic!("tenant {} worker {id} fragment {i}: no result", job.tenant));
                let exact: Vec<i32> = job
                    .exact_sum(i)
                    .into_iter()
                    .map(|x| i32::try_from(x).unwrap())
                    .collect();
                assert_eq!(r.sum, exact, "tenant {} worker {id} fragment {i}", job.tenant);
                assert!(!r.overflow);
                assert_eq!(r.bitmap, mask);
            }
        }
    }
}

fn check_quiescent(world: &World<Core>, jobs: &[Job]) {
    assert_eq!(world.card.slots_in_use(), 0, "a slot leaked: {:?}", world.stats);
    assert_eq!(world.ps.pending(), 0, "the PS still holds pieces");
    for job in jobs {
        let t = world.card.tenant(job.tenant).unwrap();
        assert_eq!(t.slots_in_use, 0);
        // Workers keep to the window, so the card's window never lags behind them: every RELEASE
        // was recorded (docs/protocol.md, "Why no slot leaks").
        assert_eq!(
            world.card.tenant_counter(job.tenant, TenantCounter::OutOfWindow),
            0
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_result_is_exact_and_no_slot_leaks(s in scenario(-1000..=1000)) {
        let world = run(&s, &s.jobs, &s.quotas);
        check_exact(&world, &s.jobs);
        check_quiescent(&world, &s.jobs);
        // Every forgery that was not lost reached the card and was dropped for its key.
        let victim = world.card.tenant_counter(s.jobs[0].tenant, TenantCounter::BadKey);
        prop_assert!(victim + u64::from(world.stats.lost) >= u64::from(world.stats.forged_sent));
        if !s.forger {
            prop_assert_eq!(victim, 0, "an honest frame failed the key check");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// The first tenant alone, then with the others and the forger: its results are the same.
    #[test]
    fn no_tenant_sees_another(s in scenario(-1000..=1000)) {
        let alone = run(&Scenario { forger: false, ..s.clone() }, &s.jobs[..1], &s.quotas[..1]);
        let shared = run(&s, &s.jobs, &s.quotas);
        let n = s.jobs[0].workers.len();
        for (a, b) in alone.workers.iter().zip(&shared.workers[..n]) {
            let sums = |w: &aggnic_proto::Worker| (0..w.pushed()).map(|i| w.result(i).map(|r| r.sum.clone())).collect::<Vec<_>>();
            prop_assert_eq!(sums(a), sums(b));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// Near the int32 limits: a result without OVERFLOW is exact, and a sum that does not fit is
    /// always flagged.
    #[test]
    fn overflow_is_always_flagged(s in scenario(i32::MAX - 3..=i32::MAX)) {
        let world = run(&s, &s.jobs, &s.quotas);
        check_quiescent(&world, &s.jobs);
        let mut workers = world.workers.iter();
        for job in &s.jobs {
            for _ in &job.workers {
                let w = workers.next().unwrap();
                for i in 0..w.pushed() {
                    let r = w.result(i).unwrap();
                    let exact = job.exact_sum(i);
                    let fits = exact.iter().all(|x| i32::try_from(*x).is_ok());
                    if !r.overflow {
                        prop_assert!(fits);
                        prop_assert_eq!(r.sum.iter().map(|x| i64::from(*x)).collect::<Vec<_>>(), exact);
                    }
                    prop_assert!(fits || r.overflow);
                }
            }
        }
    }
}
