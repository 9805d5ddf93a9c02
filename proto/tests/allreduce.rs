//! Float allreduce end to end: every worker of several tenants sums float tensors through the
//! reference-model card and the PS over a lossy network; every worker gets the same result, within
//! the rounding bound of the shared scale of the exact sum.

use aggnic_proto::allreduce::{Allreduce, AllreduceError};
use aggnic_proto::world::{Faults, Job, Rng, Timing, World};
use aggnic_spec::model::{Core, Params, TenantEntry};
use aggnic_spec::regs;

const ELEMENTS: usize = 16;

fn world(tenants: u8, workers: u8, seed: u64) -> World<Core> {
    let params = Params {
        lanes: 16,
        elements: ELEMENTS as u32,
        slots: 64,
        tenants: 16,
        window: 16,
    };
    let mut card = Core::new(params);
    card.write(regs::CTRL.addr, regs::ctrl::ENABLE);
    let jobs: Vec<Job> = (0..tenants)
        .map(|t| Job {
            tenant: t,
            key: 0xfeed + u64::from(t),
            first_seq: 7 + u32::from(t) * 1000,
            workers: (0..workers).map(|w| (w * 2, vec![])).collect(),
            send_window: 8,
        })
        .collect();
    for job in &jobs {
        let mask = job.workers.iter().fold(0, |m, (w, _)| m | 1u64 << w);
        let entry = TenantEntry {
            enable: true,
            quota: 24,
            mask,
            key: job.key,
            window_base: job.first_seq,
        };
        card.configure_tenant(job.tenant, entry);
    }
    let faults = Faults {
        loss_permille: 20,
        duplicate_permille: 10,
        reorder: true,
        loss_budget: 200,
        duplicate_budget: 200,
    };
    World::new(
        card,
        &jobs,
        params.window,
        regs::DEFAULT_UDP_PORT,
        faults,
        Timing::default(),
        seed,
    )
}

/// Values spanning many magnitudes, some negative, a few zeros.
fn tensor(rng: &mut Rng, len: usize) -> Vec<f32> {
    (0..len)
        .map(|_| match rng.below(4) {
            0 => 0.0,
            1 => (rng.below(2000) as f32 - 1000.0) * 1e-3,
            2 => (rng.below(2000) as f32 - 1000.0) * 1e3,
            _ => f32::from_bits(rng.next_u32() & 0x3fff_ffff) * if rng.chance(500) { -1.0 } else { 1.0 },
        })
        .collect()
}

#[test]
fn float_tensors_of_any_length_sum_within_the_rounding_bound() {
    for seed in 0..6u64 {
        let (tenants, workers) = (2u8, 3u8);
        let mut world = world(tenants, workers, seed);
        let mut rng = Rng::new(seed);
        let n = world.workers.len();
        // Two tensors back to back on each stream; lengths not multiples of the fragment size.
        let lens = [1 + rng.below(100) as usize, 1 + rng.below(40) as usize];
        let tensors: Vec<Vec<Vec<f32>>> = (0..n)
            .map(|_| lens.iter().map(|l| tensor(&mut rng, *l)).collect())
            .collect();
        let mut runs: Vec<Vec<Allreduce>> = (0..n)
            .map(|i| {
                tensors[i]
                    .iter()
                    .map(|t| Allreduce::start(&mut world.workers[i], t, ELEMENTS, workers.into()).unwrap())
                    .collect()
            })
            .collect();
        let mut results: Vec<Vec<Option<Vec<f32>>>> = vec![vec![None; lens.len()]; n];
        for i in 0..n {
            world.kick(i);
        }
        let mut steps = 0;
        while results.iter().flatten().any(Option::is_none) {
            assert!(steps < 2_000_000, "no progress");
            steps += 1;
            world.step();
            for i in 0..n {
                for (k, run) in runs[i].iter_mut().enumerate() {
                    if let Some(r) = run.advance(&mut world.workers[i]) {
                        results[i][k] = Some(r.unwrap());
                        world.kick(i);
                    } else if run.scale().is_some() {
                        world.kick(i);
                    }
                }
            }
        }
        for t in 0..tenants as usize {
            let members: Vec<usize> = (t * workers as usize..(t + 1) * workers as usize).collect();
            for k in 0..lens.len() {
                let first = results[members[0]][k].as_ref().unwrap();
                let scale = runs[members[0]][k].scale().unwrap();
                let step = 2f64.powi(-scale.shift);
                for &i in &members {
                    assert_eq!(
                        results[i][k].as_ref().unwrap(),
                        first,
                        "every worker gets the same bits"
                    );
                }
                for (e, got) in first.iter().enumerate() {
                    let exact: f64 = members.iter().map(|&i| f64::from(tensors[i][k][e])).sum();
                    let bound = f64::from(workers) * step / 2.0 + exact.abs() * f64::from(f32::EPSILON);
                    assert!(
                        (f64::from(*got) - exact).abs() <= bound,
                        "seed {seed} tenant {t} tensor {k} element {e}: {got} vs {exact}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_non_finite_value_is_refused_before_anything_is_sent() {
    let mut world = world(1, 2, 1);
    let err = Allreduce::start(&mut world.workers[0], &[1.0, f32::NAN], ELEMENTS, 2).unwrap_err();
    assert!(matches!(err, AllreduceError::Scale(_)));
    assert_eq!(world.workers[0].pushed(), 0);
}
