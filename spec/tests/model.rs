//! The reference model, one rule at a time. The property tests in `proto/tests/exactly_once.rs`
//! exercise the rules together; these pin each one down.

use aggnic_spec::hash::slot_index;
use aggnic_spec::model::{Core, CoreCounter as C, Params, TenantCounter as T, TenantEntry, Verdict};
use aggnic_spec::regs::{self, command, ctrl, flush_cmd, t_ctrl};
use aggnic_spec::wire::{self, Addressing, Frame, Header, Kind, flags};

const PORT: u16 = regs::DEFAULT_UDP_PORT;
const KEY: u64 = 0xabcd_ef01_2345_6789;
const P: Params = Params {
    lanes: 16,
    elements: 8,
    slots: 4,
    tenants: 4,
    window: 4,
};

fn core(quota: u32, mask: u64) -> Core {
    let mut c = Core::new(P);
    c.write(regs::CTRL.addr, ctrl::ENABLE);
    c.configure_tenant(
        1,
        TenantEntry {
            enable: true,
            quota,
            mask,
            key: KEY,
            window_base: 100,
        },
    );
    c
}

fn frame(kind: Kind, flags: u8, tenant: u8, worker: u8, seq: u32, key: u64, payload: &[i32]) -> Vec<u8> {
    let header = Header {
        kind,
        flags,
        tenant,
        worker,
        elements: 0,
        seq,
        salt: 0,
        key_or_bitmap: key,
    };
    Frame {
        addr: Addressing::between(10 + worker, 1, PORT),
        header,
        payload: payload.to_vec(),
    }
    .encode()
}

fn update(worker: u8, seq: u32, payload: &[i32]) -> Vec<u8> {
    frame(Kind::Update, 0, 1, worker, seq, KEY, payload)
}

fn verdict(c: &mut Core, bytes: &[u8]) -> Verdict {
    c.rx_verdict(bytes).1.expect("an aggregation frame")
}

#[test]
fn workers_claim_join_and_complete() {
    let mut c = core(4, 0b111);
    assert_eq!(verdict(&mut c, &update(0, 100, &[1, 2])), Verdict::Claimed);
    assert_eq!(verdict(&mut c, &update(2, 100, &[10, 20])), Verdict::Joined);
    assert_eq!(c.slots_in_use(), 1);
    let last = update(1, 100, &[100, 200]);
    let (out, v) = c.rx_verdict(&last);
    assert_eq!(v, Some(Verdict::Completed));
    assert_eq!(c.slots_in_use(), 0);
    let result = wire::decode(&out.to_host[0]).unwrap();
    assert_eq!(result.header.kind, Kind::Result);
    assert_eq!(result.header.key_or_bitmap, 0b111);
    assert_eq!(result.payload, vec![111, 222]);
    assert_eq!(result.header.flags, 0);
    // The completing update's addressing, lengths and checksum rewritten, UDP checksum zero.
    assert_eq!(out.to_host[0][..40], last[..40]);
    assert_eq!(out.to_host[0][40..42], [0, 0]);
    assert_eq!(c.tenant_counter(1, T::Aggregated), 3);
    assert_eq!(c.tenant_counter(1, T::Results), 1);
    assert_eq!(c.counter(C::Results), 1);
    assert_eq!(
        c.tenant(1).unwrap().base,
        101,
        "the window slid past the completed fragment"
    );
}

#[test]
fn duplicates_are_dropped_in_the_slot_and_after_completion() {
    let mut c = core(4, 0b11);
    assert_eq!(verdict(&mut c, &update(0, 100, &[1])), Verdict::Claimed);
    assert_eq!(verdict(&mut c, &update(0, 100, &[1])), Verdict::Duplicate);
    assert_eq!(verdict(&mut c, &update(1, 100, &[1])), Verdict::Completed);
    assert_eq!(
        verdict(&mut c, &update(0, 100, &[1])),
        Verdict::Duplicate,
        "late copy after the result"
    );
    assert_eq!(c.slots_in_use(), 0, "the late copy did not claim a slot");
    assert_eq!(
        verdict(&mut c, &update(0, 99, &[1])),
        Verdict::Duplicate,
        "behind the window"
    );
    assert_eq!(c.tenant_counter(1, T::Duplicates), 3);
}

#[test]
fn resends_go_to_the_ps_and_never_join() {
    let mut c = core(4, 0b11);
    verdict(&mut c, &update(0, 100, &[5]));
    let resend = frame(Kind::Update, flags::RESEND, 1, 1, 100, KEY, &[7]);
    let (out, v) = c.rx_verdict(&resend);
    assert_eq!(v, Some(Verdict::Forwarded(flags::RESEND)));
    assert_eq!(out.to_host.len(), 1);
    let slot = c.slot(slot_index(1, 100, 0, P.slots)).unwrap();
    assert_eq!((slot.bitmap, slot.sum.clone()), (0b01, vec![5]));
}

#[test]
fn a_slot_held_by_another_fragment_forwards_with_collision() {
    let mut c = core(4, 0b1);
    c.configure_tenant(
        2,
        TenantEntry {
            enable: true,
            quota: 4,
            mask: 0b11,
            key: KEY,
            window_base: 0,
        },
    );
    // Find a fragment of tenant 2 in its window that hashes where tenant 1's fragment 100 will.
    let target = slot_index(1, 100, 0, P.slots);
    let seq = (0..4)
        .find(|s| slot_index(2, *s, 0, P.slots) == target)
        .expect("4 fragments over 4 slots");
    assert_eq!(
        verdict(&mut c, &frame(Kind::Update, 0, 2, 0, seq, KEY, &[1])),
        Verdict::Claimed
    );
    let mine = update(0, 100, &[9]);
    let (out, v) = c.rx_verdict(&mine);
    assert_eq!(v, Some(Verdict::Forwarded(flags::COLLISION)));
    let fwd = &out.to_host[0];
    assert_eq!(fwd[45], flags::COLLISION, "flag added");
    assert_eq!(fwd[40..42], [0, 0], "UDP checksum cleared");
    let mut expect = mine.clone();
    expect[45] = flags::COLLISION;
    expect[40..42].fill(0);
    assert_eq!(fwd, &expect, "otherwise byte for byte");
    assert_eq!(c.tenant_counter(1, T::Collisions), 1);
}

#[test]
fn over_quota_and_out_of_window_forward() {
    let mut c = core(1, 0b11);
    assert_eq!(verdict(&mut c, &update(0, 100, &[1])), Verdict::Claimed);
    let other = (101..104)
        .find(|s| slot_index(1, *s, 0, P.slots) != slot_index(1, 100, 0, P.slots))
        .unwrap();
    assert_eq!(
        verdict(&mut c, &update(0, other, &[1])),
        Verdict::Forwarded(flags::OVER_QUOTA)
    );
    assert_eq!(
        verdict(&mut c, &update(0, 104, &[1])),
        Verdict::Forwarded(flags::OUT_OF_WINDOW)
    );
    assert_eq!(c.tenant_counter(1, T::OverQuota), 1);
    assert_eq!(c.tenant_counter(1, T::OutOfWindow), 1);
}

#[test]
fn flush_returns_the_partial_and_frees_the_slot() {
    let mut c = core(4, 0b111);
    verdict(&mut c, &update(0, 100, &[3, 4]));
    verdict(&mut c, &update(2, 100, &[5, 6]));
    let flush = frame(Kind::Flush, 0, 1, 0, 100, 0, &[]);
    let out = c.tx(&flush);
    assert!(out.to_network.is_empty());
    let partial = wire::decode(&out.to_host[0]).unwrap();
    assert_eq!(partial.header.kind, Kind::Partial);
    assert_eq!(partial.header.key_or_bitmap, 0b101);
    assert_eq!(partial.payload, vec![8, 10]);
    assert_eq!(c.slots_in_use(), 0);
    let empty = wire::decode(&c.tx(&flush).to_host[0]).unwrap();
    assert_eq!((empty.header.key_or_bitmap, empty.payload.len()), (0, 0));
    assert_eq!(c.tenant_counter(1, T::Flushed), 1);
    assert_eq!(c.counter(C::Partials), 2);
    // A flush does not make the fragment final: it may be claimed again.
    assert_eq!(verdict(&mut c, &update(1, 100, &[1, 1])), Verdict::Claimed);
}

#[test]
fn release_frees_the_slot_and_makes_late_copies_duplicates() {
    let mut c = core(4, 0b11);
    verdict(&mut c, &update(0, 101, &[1]));
    c.tx(&frame(Kind::Release, 0, 1, 0, 101, 0, &[]));
    assert_eq!(c.slots_in_use(), 0);
    assert_eq!(c.tenant_counter(1, T::Released), 1);
    assert_eq!(verdict(&mut c, &update(1, 101, &[1])), Verdict::Duplicate);
    assert_eq!(
        c.tenant(1).unwrap().base,
        100,
        "101 is final but 100 is not: the window waits"
    );
    c.tx(&frame(Kind::Release, 0, 1, 0, 100, 0, &[]));
    assert_eq!(c.tenant(1).unwrap().base, 102);
}

#[test]
fn bad_frames_are_dropped_and_counted_and_change_nothing_else() {
    let mut c = core(4, 0b01);
    let before_slots = c.slots_in_use();
    assert_eq!(
        verdict(&mut c, &frame(Kind::Update, 0, 3, 0, 100, KEY, &[1])),
        Verdict::UnknownTenant
    );
    assert_eq!(
        verdict(&mut c, &frame(Kind::Update, 0, 1, 0, 100, KEY ^ 1, &[1])),
        Verdict::BadKey
    );
    assert_eq!(verdict(&mut c, &update(1, 100, &[1])), Verdict::NotMember);
    assert_eq!(
        verdict(&mut c, &update(0, 100, &[1; 9])),
        Verdict::Malformed,
        "more elements than the core has"
    );
    assert_eq!(
        verdict(
            &mut c,
            &frame(Kind::Update, flags::COLLISION, 1, 0, 100, KEY, &[1])
        ),
        Verdict::Malformed
    );
    assert_eq!(
        verdict(&mut c, &frame(Kind::Release, 0, 1, 0, 100, 0, &[])),
        Verdict::Malformed,
        "control from the network"
    );
    let mut bad_sum = update(0, 100, &[1]);
    bad_sum[24] ^= 1;
    assert_eq!(verdict(&mut c, &bad_sum), Verdict::Malformed);
    assert_eq!(c.counter(C::Malformed), 4);
    assert_eq!(c.counter(C::UnknownTenant), 1);
    assert_eq!(c.tenant_counter(1, T::BadKey), 1);
    assert_eq!(c.tenant_counter(1, T::NotMember), 1);
    assert_eq!(c.slots_in_use(), before_slots);
}

#[test]
fn frames_the_mac_flagged_bad_never_count() {
    // A completing UPDATE, flagged bad: dropped as malformed, the fragment still waits for it.
    let mut c = core(4, 0b11);
    assert_eq!(verdict(&mut c, &update(0, 100, &[5])), Verdict::Claimed);
    assert_eq!(c.rx_bad(&update(1, 100, &[7])).to_host, Vec::<Vec<u8>>::new());
    assert_eq!(c.counter(C::Malformed), 1);
    assert_eq!(c.tenant_counter(1, T::Frames), 1);
    assert_eq!(c.slots_in_use(), 1);
    let result = c.rx(&update(1, 100, &[7])).to_host;
    assert_eq!(result.len(), 1);
    let sum = wire::decode(&result[0]).expect("a RESULT").payload;
    assert_eq!(sum, vec![12], "the bad copy added nothing");
    // A RESULT flagged bad is an aggregation frame too; other frames pass, to be flagged.
    assert!(
        c.rx_bad(&frame(Kind::Result, 0, 1, 0, 100, 1, &[1]))
            .to_host
            .is_empty()
    );
    let mut arp = vec![0xffu8; 60];
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    assert_eq!(c.rx_bad(&arp).to_host, vec![arp.clone()]);
    // Disabled, everything passes.
    c.write(regs::CTRL.addr, 0);
    let u = update(0, 101, &[1]);
    assert_eq!(c.rx_bad(&u).to_host, vec![u]);
    assert_eq!(c.counter(C::Malformed), 2);
    assert_eq!(c.counter(C::RxPass), 2);
    assert_eq!(c.counter(C::RxFrames), 6);
}

#[test]
fn other_traffic_passes_byte_for_byte_both_ways() {
    let mut c = core(4, 0b1);
    let mut arp = vec![0xffu8; 60];
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    let mut other_port = update(0, 100, &[1]);
    other_port[36..38].copy_from_slice(&53u16.to_be_bytes());
    let result_for_local_worker = frame(Kind::Result, 0, 1, 0, 100, 1, &[1]);
    for f in [&arp, &other_port, &result_for_local_worker, &vec![1, 2, 3]] {
        assert_eq!(c.rx(f).to_host, vec![f.clone()]);
    }
    for f in [&arp, &update(0, 1, &[1]), &result_for_local_worker] {
        assert_eq!(c.tx(f).to_network, vec![f.clone()]);
    }
    assert_eq!(c.counter(C::RxPass), 4);
    assert_eq!(c.counter(C::TxPass), 3);
}

#[test]
fn a_disabled_core_passes_every_network_frame() {
    let mut c = core(4, 0b1);
    c.write(regs::CTRL.addr, 0);
    let u = update(0, 100, &[1]);
    assert_eq!(c.rx(&u).to_host, vec![u]);
    assert_eq!(c.slots_in_use(), 0);
}

#[test]
fn saturation_sets_overflow_on_the_result() {
    let mut c = core(4, 0b11);
    verdict(&mut c, &update(0, 100, &[i32::MAX, -5]));
    let out = c.rx(&update(1, 100, &[1, 5]));
    let r = wire::decode(&out.to_host[0]).unwrap();
    assert_eq!(r.payload, vec![i32::MAX, 0]);
    assert_eq!(r.header.flags, flags::OVERFLOW);
    assert_eq!(c.tenant_counter(1, T::Overflows), 1);
}

#[test]
fn registers_reset_to_the_table_and_report_the_parameters() {
    let c = Core::new(P);
    for r in regs::ALL {
        let expect = match *r {
            regs::CAP_LANES => P.lanes.into(),
            regs::CAP_ELEMENTS => P.elements.into(),
            regs::CAP_SLOTS => P.slots.into(),
            regs::CAP_TENANTS => P.tenants.into(),
            regs::CAP_WINDOW => P.window.into(),
            _ if r.access == regs::Access::Wo => 0,
            _ => r.reset,
        };
        assert_eq!(c.read_reg64(*r), expect, "{}", r.name);
    }
    assert_eq!(c.read(0x1ffc), 0, "unmapped reads 0");
}

#[test]
fn tenant_entries_change_only_on_commit_and_keep_the_key() {
    let mut c = core(4, 0b11);
    c.write(regs::TENANT_SEL.addr, 1);
    c.write(regs::T_QUOTA.addr, 2);
    c.write(regs::CORE_TYPE.addr, 0); // read-only: ignored
    assert_eq!(c.read(regs::T_QUOTA.addr), 4, "staged, not yet live");
    assert_eq!(c.read(regs::T_KEY.addr), 0, "the key is write-only");
    c.write(regs::T_CTRL.addr, t_ctrl::ENABLE | t_ctrl::COMMIT);
    assert_eq!(c.read(regs::T_QUOTA.addr), 2);
    assert_eq!(c.read(regs::CORE_TYPE.addr), regs::CORE_BLOCK_TYPE);
    assert_eq!(
        verdict(&mut c, &update(0, 100, &[1])),
        Verdict::Claimed,
        "the key survived the update"
    );
    assert_eq!(c.read(regs::T_SLOTS_IN_USE.addr), 1);
}

#[test]
fn counters_read_from_the_snapshot() {
    let mut c = core(4, 0b11);
    verdict(&mut c, &update(0, 100, &[1]));
    assert_eq!(c.read_reg64(regs::T_AGGREGATED), 0, "nothing latched yet");
    c.write(regs::TENANT_SEL.addr, 1);
    c.write(regs::COMMAND.addr, command::SNAPSHOT);
    verdict(&mut c, &update(1, 100, &[1]));
    assert_eq!(c.read_reg64(regs::T_AGGREGATED), 1, "frozen at the snapshot");
    assert_eq!(c.read_reg64(regs::C_RX_FRAMES), 1);
    c.write(regs::COMMAND.addr, command::SNAPSHOT);
    assert_eq!(c.read_reg64(regs::T_AGGREGATED), 2);
    assert_eq!(c.read_reg64(regs::T_RESULTS), 1);
}

#[test]
fn flush_command_and_soft_reset() {
    let mut c = core(4, 0b11);
    verdict(&mut c, &update(0, 100, &[1]));
    verdict(&mut c, &update(0, 101, &[1]));
    c.write(regs::FLUSH_CMD.addr, flush_cmd::START | 1);
    assert_eq!(c.read(regs::SLOTS_IN_USE.addr), 0);
    assert_eq!(c.tenant_counter(1, T::Flushed), 2);
    c.write(regs::UDP_PORT.addr, 9);
    c.write(regs::COMMAND.addr, command::SOFT_RESET);
    assert_eq!(c.read(regs::UDP_PORT.addr), regs::UDP_PORT.reset as u32);
    assert_eq!(c.read(regs::CTRL.addr), 0);
    assert_eq!(c.tenant_counter(1, T::Flushed), 0);
    assert!(!c.tenant(1).unwrap().entry.enable);
}
