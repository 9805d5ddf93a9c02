//! Tenant management against the Verilator-simulated core (`aggnic_sim::backend::SimNicBackend`):
//! every operation goes through the core's AXI4-Lite slave, and the checks afterwards read the
//! hardware's own counters and watch what it does with real frames on its streams.

use aggnic_driver::tenants::TenantUpdate;
use aggnic_driver::{RegisterAccess, TenantConfig, TenantError, Tenants, Workers};
use aggnic_sim::backend::SimNicBackend;
use aggnic_spec::regs::{self, ctrl};
use aggnic_spec::wire::{self, Addressing, Frame, Header, Kind, flags};
use std::time::Duration;

const KEY: u64 = 0x0123_4567_89ab_cdef;

fn tenants() -> Tenants<SimNicBackend> {
    let mut t = Tenants::new(SimNicBackend::new()).expect("capabilities");
    t.dev_mut()
        .write_reg(regs::CTRL, u64::from(ctrl::ENABLE))
        .expect("enable");
    t
}

fn update(tenant: u8, worker: u8, seq: u32, key: u64, lanes: &[i32]) -> Vec<u8> {
    Frame {
        addr: Addressing::between(worker + 2, 1, regs::DEFAULT_UDP_PORT),
        header: Header::update(tenant, worker, seq, 0, key),
        payload: lanes.to_vec(),
    }
    .encode()
}

fn counter(list: &[(&'static str, u64)], name: &str) -> u64 {
    list.iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no counter {name}"))
        .1
}

fn config(workers: u32, quota: u32) -> TenantConfig {
    TenantConfig {
        key: KEY,
        workers: Workers::Count(workers),
        quota,
    }
}

#[test]
fn a_created_tenant_aggregates_on_the_core_and_its_counters_say_so() {
    let mut t = tenants();
    t.create(3, config(4, 100)).unwrap();
    let lanes = [[1, -2, 3, 400], [10, 20, 30, 40], [-5, 0, 5, 0], [7, 7, 7, 7]];
    let mut results: Vec<Vec<u8>> = Vec::new();
    for (w, l) in lanes.iter().enumerate() {
        let out = t.dev_mut().rx(&update(3, w as u8, 0, KEY, l));
        results.extend(out.to_host);
    }
    assert_eq!(results.len(), 1, "one RESULT, from the last worker's UPDATE");
    let r = wire::decode(&results[0]).expect("a well-formed RESULT");
    assert_eq!(r.header.kind, Kind::Result);
    assert_eq!(r.header.key_or_bitmap, 0b1111);
    let sum: Vec<i32> = (0..4).map(|i| lanes.iter().map(|l| l[i]).sum()).collect();
    assert_eq!(r.payload, sum);
    let info = t.list().unwrap();
    assert_eq!((info[0].id, info[0].slots_in_use, info[0].window_base), (3, 0, 1));
    let snap = t.snapshot(3).unwrap();
    assert_eq!(counter(&snap.tenant, "T_FRAMES"), 4);
    assert_eq!(counter(&snap.tenant, "T_AGGREGATED"), 4);
    assert_eq!(counter(&snap.tenant, "T_RESULTS"), 1);
    assert_eq!(counter(&snap.global, "C_RESULTS"), 1);
    assert_eq!(counter(&snap.global, "C_RX_FRAMES"), 4);
}

#[test]
fn remove_flushes_the_core_and_later_frames_are_dropped_and_counted() {
    let mut t = tenants();
    t.create(1, config(4, 100)).unwrap();
    for seq in 0..3 {
        assert!(
            t.dev_mut()
                .rx(&update(1, 0, seq, KEY, &[1; 8]))
                .to_host
                .is_empty()
        );
    }
    assert_eq!(
        t.list().unwrap()[0].slots_in_use,
        3,
        "worker 0 of 4 holds three slots"
    );
    t.remove(1, Duration::from_secs(5)).unwrap();
    assert!(t.list().unwrap().is_empty());
    assert_eq!(t.dev_mut().read_reg(regs::SLOTS_IN_USE).unwrap(), 0);
    assert!(matches!(
        t.remove(1, Duration::ZERO),
        Err(TenantError::NotFound { id: 1 })
    ));

    let out = t.dev_mut().rx(&update(1, 1, 0, KEY, &[1; 8]));
    assert!(out.to_host.is_empty(), "a removed tenant's frame is dropped");
    let snap = t.snapshot(1).unwrap();
    assert_eq!(counter(&snap.tenant, "T_FLUSHED"), 3);
    assert_eq!(
        counter(&snap.tenant, "T_FRAMES"),
        3,
        "only the frames before the removal"
    );
    assert_eq!(counter(&snap.global, "C_UNKNOWN_TENANT"), 1);
}

#[test]
fn the_quota_is_enforced_on_real_traffic_and_an_update_raises_it() {
    let mut t = tenants();
    t.create(0, config(2, 2)).unwrap();
    for seq in 0..2 {
        assert!(
            t.dev_mut()
                .rx(&update(0, 0, seq, KEY, &[5; 4]))
                .to_host
                .is_empty()
        );
    }
    let out = t.dev_mut().rx(&update(0, 0, 2, KEY, &[5; 4]));
    assert_eq!(out.to_host.len(), 1, "the third fragment is forwarded");
    let f = wire::decode(&out.to_host[0]).unwrap();
    assert_eq!(f.header.flags, flags::OVER_QUOTA);
    assert_eq!(counter(&t.snapshot(0).unwrap().tenant, "T_OVER_QUOTA"), 1);

    t.update(
        0,
        TenantUpdate {
            quota: Some(3),
            ..TenantUpdate::default()
        },
    )
    .unwrap();
    assert!(
        t.dev_mut().rx(&update(0, 0, 3, KEY, &[5; 4])).to_host.is_empty(),
        "claims now"
    );
    assert_eq!(t.list().unwrap()[0].slots_in_use, 3);
    assert_eq!(counter(&t.snapshot(0).unwrap().tenant, "T_OVER_QUOTA"), 1);
}

#[test]
fn a_wrong_key_and_a_stranger_are_dropped_and_counted() {
    let mut t = tenants();
    t.create(
        2,
        TenantConfig {
            key: KEY,
            workers: Workers::Mask(0b101),
            quota: 10,
        },
    )
    .unwrap();
    assert!(t.dev_mut().rx(&update(2, 0, 0, KEY ^ 1, &[1])).to_host.is_empty());
    assert!(t.dev_mut().rx(&update(2, 1, 0, KEY, &[1])).to_host.is_empty());
    let snap = t.snapshot(2).unwrap();
    assert_eq!(counter(&snap.tenant, "T_BAD_KEY"), 1);
    assert_eq!(counter(&snap.tenant, "T_NOT_MEMBER"), 1);
    assert_eq!(counter(&snap.tenant, "T_AGGREGATED"), 0);
}

#[test]
fn invalid_input_is_refused_with_a_typed_error_and_changes_nothing() {
    let mut t = tenants();
    let caps = t.caps();
    t.create(0, config(2, 4)).unwrap();
    assert!(matches!(
        t.create(0, config(2, 4)),
        Err(TenantError::IdInUse { id: 0 })
    ));
    assert!(matches!(
        t.create(1, config(2, caps.slots + 1)),
        Err(TenantError::QuotaTooLarge { .. })
    ));
    assert!(matches!(
        t.create(1, config(caps.workers + 1, 4)),
        Err(TenantError::TooManyWorkers { .. })
    ));
    assert!(matches!(t.create(1, config(0, 4)), Err(TenantError::NoWorkers)));
    assert_eq!(t.list().unwrap().len(), 1, "nothing else was created");
    for _ in 1..caps.tenants {
        t.create_next(config(1, 1)).unwrap();
    }
    assert!(matches!(
        t.create_next(config(1, 1)),
        Err(TenantError::TableFull { .. })
    ));
    assert_eq!(t.list().unwrap().len() as u32, caps.tenants);
}
