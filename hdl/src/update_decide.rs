//! `UpdateCheck`, `LiveCheck` and `UpdateDecide`: what becomes of an UPDATE frame, combinational;
//! the heart of the pipeline.
//!
//! Together they make the decisions of `aggnic_spec::model::Core::update`, in the same order, from
//! values the earlier stages have looked up: the parsed header, the tenant's committed
//! configuration, window and slot count, and the metadata of the slot the fragment hashes to.
//! `UpdateCheck` computes what needs only the header and the configuration ([`Checks`]: steps 1 to
//! 5 below, and whether a claim alone completes the sum); the core registers its result, a stage
//! before `UpdateDecide` takes it with the live state (window, slots in use, slot metadata), so the
//! 64-bit key compare and the member bit are off the decision's clock. `LiveCheck` computes steps
//! 6 to 8's window and quota conditions ([`Live`]) on one candidate of the tenant's live state;
//! the core checks two candidates (the table's, the forwarded one) and selects. They write nothing; the
//! stages after act on `UpdateDecide`'s outputs (write the slot metadata, add the lanes, forward the
//! frame, count, slide the window).
//!
//! Order (first match wins), as `Core::update`:
//! 1. `malformed`: a flag other than RESEND, `elements` 0 or above the export's `elements`, or
//!    `worker` >= 64.
//! 2. `unknown_tenant`: `tenant` >= the export's `tenants`, or the entry is not enabled.
//! 3. `bad_key`: `key` differs from the entry's key.
//! 4. `not_member`: the worker's bit is clear in the entry's mask.
//! 5. `forward` (flag 0: the frame keeps its RESEND): RESEND set.
//! 6. `duplicate`: the fragment is behind the window (`seq - base` >= 2^31) or its `done` bit is set.
//! 7. `forward` with OUT_OF_WINDOW: `seq - base` >= the export's `window`.
//! 8. The slot: empty and the tenant holds `quota` slots or more: `forward` with OVER_QUOTA; empty:
//!    `claim`. Held by this fragment (tenant, seq, salt): `malformed` if its element count differs,
//!    `duplicate` if the worker's bit is set, else `join_slot`. Held by another: `forward` with COLLISION.
//!
//! `new_bitmap` is the slot's bitmap after a claim (the worker's bit) or a join (old | bit), the
//! slot's bitmap otherwise; `complete` says a claim or join made it equal the mask: the RESULT goes
//! out, the slot is freed and the window marks `seq` done (`window::WindowNext`). `in_use_inc` and
//! `in_use_dec` are the change to the tenant's `slots_in_use`.
//!
//! `core_bump` and `tenant_bump` have bit `c` set for each counter `c` (`CoreCounter`,
//! `TenantCounter` as index) this UPDATE increments. Not set here: `RxFrames` (every frame, the
//! receive path counts it) and `Overflows` (needs the lane sums: the lane adder's flag with
//! `complete`); the other counters belong to other frames.

use crate::window::{INDEX_BITS, WindowOffset};
use aggnic_spec::model::{CORE_COUNTERS, CoreCounter, Params, TENANT_COUNTERS, TenantCounter, WORKERS};
use aggnic_spec::wire::flags;
use rust_hdl::prelude::*;

/// Bits of the `slots_in_use` and `quota` values.
pub const COUNT_BITS: usize = 32;

/// What `UpdateCheck` found: the checks of an UPDATE that need only its header and its tenant's
/// committed configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, LogicStruct)]
pub struct Checks {
    /// Step 1: a flag other than RESEND, `elements` 0 or above the export's, or `worker` >= 64.
    pub malformed: Bit,
    /// Step 2: `tenant` beyond the export's table, or its entry not enabled.
    pub unknown: Bit,
    /// Step 3: `key` differs from the entry's key.
    pub key_bad: Bit,
    /// Step 4, negated: the worker's bit is set in the entry's mask.
    pub member: Bit,
    /// Step 5: RESEND is set.
    pub resend: Bit,
    /// The worker's bit alone equals the mask: a claim completes the sum.
    pub claim_done: Bit,
}

/// The header and configuration checks. Construct with [`UpdateCheck::new`].
#[derive(LogicBlock, Debug)]
pub struct UpdateCheck {
    // The UPDATE's header, as `header_parse::HeaderParse` decodes it.
    pub flags: Signal<In, Bits<8>>,
    pub elements: Signal<In, Bits<16>>,
    pub worker: Signal<In, Bits<8>>,
    /// The worker's bit, `1 << (worker % 64)`: decoded once by the caller, who also needs it.
    pub wbit: Signal<In, Bits<64>>,
    pub tenant: Signal<In, Bits<8>>,
    /// `key_or_bitmap`: the tenant key in an UPDATE.
    pub key: Signal<In, Bits<64>>,
    // The tenant's committed configuration (don't care when `tenant` >= tenants).
    pub t_enable: Signal<In, Bit>,
    pub t_key: Signal<In, Bits<64>>,
    pub t_mask: Signal<In, Bits<64>>,
    pub checks: Signal<Out, Checks>,

    max_elements: Constant<Bits<16>>,
    tenants: Constant<Bits<16>>,
    not_resend: Constant<Bits<8>>,
    resend: Constant<Bits<8>>,
    not_worker: Constant<Bits<8>>,
}

impl UpdateCheck {
    /// # Panics
    /// If `params` are invalid.
    pub fn new(params: Params) -> UpdateCheck {
        params.validate().expect("valid parameters");
        assert!(params.elements < 1 << 16, "elements fit the 16-bit field");
        UpdateCheck {
            flags: Default::default(),
            elements: Default::default(),
            worker: Default::default(),
            wbit: Default::default(),
            tenant: Default::default(),
            key: Default::default(),
            t_enable: Default::default(),
            t_key: Default::default(),
            t_mask: Default::default(),
            checks: Default::default(),
            max_elements: Constant::new(params.elements.to_bits()),
            tenants: Constant::new(params.tenants.to_bits()),
            not_resend: Constant::new((!flags::RESEND).to_bits()),
            resend: Constant::new(flags::RESEND.to_bits()),
            not_worker: Constant::new((!(WORKERS - 1) as u8).to_bits()),
        }
    }
}

impl Logic for UpdateCheck {
    #[hdl_gen]
    fn update(&mut self) {
        self.checks.next.malformed = ((self.flags.val() & self.not_resend.val()) != 0)
            | (self.elements.val() == 0)
            | (self.elements.val() > self.max_elements.val())
            | ((self.worker.val() & self.not_worker.val()) != 0);
        self.checks.next.unknown =
            (bit_cast::<16, 8>(self.tenant.val()) >= self.tenants.val()) | !self.t_enable.val();
        self.checks.next.key_bad = self.key.val() != self.t_key.val();
        self.checks.next.member = (self.t_mask.val() & self.wbit.val()) != 0;
        self.checks.next.resend = (self.flags.val() & self.resend.val()) != 0;
        self.checks.next.claim_done = self.wbit.val() == self.t_mask.val();
    }
}

/// What `LiveCheck` found: an UPDATE against one candidate of its tenant's live state (window,
/// slots in use).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, LogicStruct)]
pub struct Live {
    /// Step 6: behind the window (`seq - base` >= 2^31) or its `done` bit set.
    pub duplicate: Bit,
    /// Step 7, negated: `seq - base` < the export's `window`.
    pub in_window: Bit,
    /// Step 8: the tenant holds `quota` slots or more.
    pub quota_full: Bit,
    /// `seq` is the window's base: marking it slides the window (`window::WindowNext`).
    pub at_base: Bit,
    /// `seq - base`'s low bits: the `done` bit a mark sets (meaningful with `in_window`).
    pub offset: Bits<INDEX_BITS>,
}

/// The live-state checks of an UPDATE against one candidate state, combinational. The core has
/// two candidates, the table's lookup and the state written by the op two clocks ahead
/// (forwarded); it checks both side by side and selects the result, so the forwarding select
/// comes after the 32-bit subtract and compares, not before them. Construct with
/// [`LiveCheck::new`].
#[derive(LogicBlock, Debug)]
pub struct LiveCheck {
    pub seq: Signal<In, Bits<32>>,
    pub base: Signal<In, Bits<32>>,
    pub done: Signal<In, Bits<64>>,
    pub slots_in_use: Signal<In, Bits<COUNT_BITS>>,
    /// The tenant's committed quota.
    pub quota: Signal<In, Bits<COUNT_BITS>>,
    pub live: Signal<Out, Live>,
    place: WindowOffset,
}

impl LiveCheck {
    /// # Panics
    /// If `params` are invalid.
    pub fn new(params: Params) -> LiveCheck {
        LiveCheck {
            seq: Default::default(),
            base: Default::default(),
            done: Default::default(),
            slots_in_use: Default::default(),
            quota: Default::default(),
            live: Default::default(),
            place: WindowOffset::new(params),
        }
    }
}

impl Logic for LiveCheck {
    #[hdl_gen]
    fn update(&mut self) {
        self.place.seq.next = self.seq.val();
        self.place.base.next = self.base.val();
        self.live.next.duplicate = self.place.behind.val()
            | (self.place.in_window.val() & self.done.val().get_bit(self.place.offset.val().index()));
        self.live.next.in_window = self.place.in_window.val();
        self.live.next.quota_full = self.slots_in_use.val() >= self.quota.val();
        self.live.next.at_base = self.place.at_base.val();
        self.live.next.offset = self.place.offset.val();
    }
}

/// The decision. Construct with [`UpdateDecide::new`].
#[derive(LogicBlock, Debug)]
pub struct UpdateDecide {
    /// `UpdateCheck`'s result for this UPDATE.
    pub checks: Signal<In, Checks>,
    // The UPDATE's header fields the live state is compared with.
    /// The worker's bit, `1 << (worker % 64)` (`checks.malformed` flags workers of 64 and up).
    pub wbit: Signal<In, Bits<64>>,

    /// `LiveCheck`'s result on the tenant's live state (window, slots in use).
    pub live: Signal<In, Live>,

    // The metadata of the slot `(tenant, seq, salt)` hashes to, and its compares with the
    // UPDATE, made a clock earlier by `slot_meta::SlotMeta` (off the decision's path).
    pub s_valid: Signal<In, Bit>,
    /// The slot is valid and held by `(tenant, seq, salt)`.
    pub s_held: Signal<In, Bit>,
    /// The slot's element count equals `elements`.
    pub s_len_eq: Signal<In, Bit>,
    pub s_bitmap: Signal<In, Bits<64>>,
    /// The worker's bit is set in the slot's bitmap.
    pub s_already: Signal<In, Bit>,
    /// The slot's bitmap with the worker's bit is the tenant's mask (a join completes it).
    pub s_join_done: Signal<In, Bit>,

    // The verdict, one-hot: exactly one of these eight is set.
    pub malformed: Signal<Out, Bit>,
    pub unknown_tenant: Signal<Out, Bit>,
    pub bad_key: Signal<Out, Bit>,
    pub not_member: Signal<Out, Bit>,
    /// Forward the frame to the host with `forward_flag` ORed into its flags.
    pub forward: Signal<Out, Bit>,
    pub duplicate: Signal<Out, Bit>,
    pub claim: Signal<Out, Bit>,
    /// Add to the slot (not `join`: a SystemVerilog keyword that Verilator rejects).
    pub join_slot: Signal<Out, Bit>,
    /// COLLISION, OVER_QUOTA or OUT_OF_WINDOW; 0 for a RESEND (it keeps its own flag) or no forward.
    pub forward_flag: Signal<Out, Bits<8>>,
    pub new_bitmap: Signal<Out, Bits<64>>,
    /// A claim or join completed the sum (`new_bitmap` == mask).
    pub complete: Signal<Out, Bit>,
    pub in_use_inc: Signal<Out, Bit>,
    pub in_use_dec: Signal<Out, Bit>,
    pub core_bump: Signal<Out, Bits<CORE_COUNTERS>>,
    pub tenant_bump: Signal<Out, Bits<TENANT_COUNTERS>>,

    flag_collision: Constant<Bits<8>>,
    flag_over_quota: Constant<Bits<8>>,
    flag_out_of_window: Constant<Bits<8>>,
    // Counter indices, from the spec's enums.
    c_malformed: Constant<Bits<8>>,
    c_unknown_tenant: Constant<Bits<8>>,
    c_results: Constant<Bits<8>>,
    t_frames: Constant<Bits<8>>,
    t_bad_key: Constant<Bits<8>>,
    t_not_member: Constant<Bits<8>>,
    t_resends: Constant<Bits<8>>,
    t_duplicates: Constant<Bits<8>>,
    t_out_of_window: Constant<Bits<8>>,
    t_over_quota: Constant<Bits<8>>,
    t_collisions: Constant<Bits<8>>,
    t_aggregated: Constant<Bits<8>>,
    t_results: Constant<Bits<8>>,

    len_bad: Signal<Local, Bit>,
    // The verdict before it reaches the outputs (`f_*`: forward reasons).
    v_malformed: Signal<Local, Bit>,
    v_unknown: Signal<Local, Bit>,
    v_bad_key: Signal<Local, Bit>,
    v_not_member: Signal<Local, Bit>,
    v_duplicate: Signal<Local, Bit>,
    v_claim: Signal<Local, Bit>,
    v_join: Signal<Local, Bit>,
    f_resend: Signal<Local, Bit>,
    f_window: Signal<Local, Bit>,
    f_quota: Signal<Local, Bit>,
    f_collision: Signal<Local, Bit>,
    frames: Signal<Local, Bit>,
    bitmap: Signal<Local, Bits<64>>,
    done_now: Signal<Local, Bit>,
    /// Counter words built one bit at a time (`#[hdl_gen]` cannot assign single bits).
    cb: [Signal<Local, Bits<CORE_COUNTERS>>; 4],
    tb: [Signal<Local, Bits<TENANT_COUNTERS>>; 11],
}

fn index(i: usize) -> Constant<Bits<8>> {
    Constant::new(i.to_bits())
}

impl UpdateDecide {
    /// # Panics
    /// If `params` are invalid.
    pub fn new(params: Params) -> UpdateDecide {
        params.validate().expect("valid parameters");
        assert!(params.elements < 1 << 16, "elements fit the 16-bit field");
        assert_eq!(WORKERS, 64, "the bitmap is 64 bits");
        UpdateDecide {
            checks: Default::default(),
            wbit: Default::default(),
            live: Default::default(),
            s_valid: Default::default(),
            s_held: Default::default(),
            s_len_eq: Default::default(),
            s_bitmap: Default::default(),
            s_already: Default::default(),
            s_join_done: Default::default(),
            malformed: Default::default(),
            unknown_tenant: Default::default(),
            bad_key: Default::default(),
            not_member: Default::default(),
            forward: Default::default(),
            duplicate: Default::default(),
            claim: Default::default(),
            join_slot: Default::default(),
            forward_flag: Default::default(),
            new_bitmap: Default::default(),
            complete: Default::default(),
            in_use_inc: Default::default(),
            in_use_dec: Default::default(),
            core_bump: Default::default(),
            tenant_bump: Default::default(),
            flag_collision: Constant::new(flags::COLLISION.to_bits()),
            flag_over_quota: Constant::new(flags::OVER_QUOTA.to_bits()),
            flag_out_of_window: Constant::new(flags::OUT_OF_WINDOW.to_bits()),
            c_malformed: index(CoreCounter::Malformed as usize),
            c_unknown_tenant: index(CoreCounter::UnknownTenant as usize),
            c_results: index(CoreCounter::Results as usize),
            t_frames: index(TenantCounter::Frames as usize),
            t_bad_key: index(TenantCounter::BadKey as usize),
            t_not_member: index(TenantCounter::NotMember as usize),
            t_resends: index(TenantCounter::Resends as usize),
            t_duplicates: index(TenantCounter::Duplicates as usize),
            t_out_of_window: index(TenantCounter::OutOfWindow as usize),
            t_over_quota: index(TenantCounter::OverQuota as usize),
            t_collisions: index(TenantCounter::Collisions as usize),
            t_aggregated: index(TenantCounter::Aggregated as usize),
            t_results: index(TenantCounter::Results as usize),
            len_bad: Default::default(),
            v_malformed: Default::default(),
            v_unknown: Default::default(),
            v_bad_key: Default::default(),
            v_not_member: Default::default(),
            v_duplicate: Default::default(),
            v_claim: Default::default(),
            v_join: Default::default(),
            f_resend: Default::default(),
            f_window: Default::default(),
            f_quota: Default::default(),
            f_collision: Default::default(),
            frames: Default::default(),
            bitmap: Default::default(),
            done_now: Default::default(),
            cb: Default::default(),
            tb: Default::default(),
        }
    }
}

impl Logic for UpdateDecide {
    #[hdl_gen]
    fn update(&mut self) {
        // The conditions, each on its own width.
        self.len_bad.next = !self.s_len_eq.val();

        // The decision, in `Core::update`'s order.
        self.v_malformed.next = false;
        self.v_unknown.next = false;
        self.v_bad_key.next = false;
        self.v_not_member.next = false;
        self.v_duplicate.next = false;
        self.v_claim.next = false;
        self.v_join.next = false;
        self.f_resend.next = false;
        self.f_window.next = false;
        self.f_quota.next = false;
        self.f_collision.next = false;
        if self.checks.val().malformed {
            self.v_malformed.next = true;
        } else if self.checks.val().unknown {
            self.v_unknown.next = true;
        } else if self.checks.val().key_bad {
            self.v_bad_key.next = true;
        } else if !self.checks.val().member {
            self.v_not_member.next = true;
        } else if self.checks.val().resend {
            self.f_resend.next = true;
        } else if self.live.val().duplicate {
            self.v_duplicate.next = true;
        } else if !self.live.val().in_window {
            self.f_window.next = true;
        } else if !self.s_valid.val() {
            if self.live.val().quota_full {
                self.f_quota.next = true;
            } else {
                self.v_claim.next = true;
            }
        } else if self.s_held.val() {
            if self.len_bad.val() {
                self.v_malformed.next = true;
            } else if self.s_already.val() {
                self.v_duplicate.next = true;
            } else {
                self.v_join.next = true;
            }
        } else {
            self.f_collision.next = true;
        }
        // The tenant's FRAMES counter counts every UPDATE past the key check.
        self.frames.next =
            !(self.checks.val().malformed | self.checks.val().unknown | self.checks.val().key_bad);

        self.bitmap.next = self.s_bitmap.val();
        if self.v_claim.val() {
            self.bitmap.next = self.wbit.val();
        }
        if self.v_join.val() {
            self.bitmap.next = self.s_bitmap.val() | self.wbit.val();
        }
        self.done_now.next = (self.v_claim.val() & self.checks.val().claim_done)
            | (self.v_join.val() & self.s_join_done.val());

        self.forward_flag.next = 0.into();
        if self.f_window.val() {
            self.forward_flag.next = self.flag_out_of_window.val();
        }
        if self.f_quota.val() {
            self.forward_flag.next = self.flag_over_quota.val();
        }
        if self.f_collision.val() {
            self.forward_flag.next = self.flag_collision.val();
        }

        self.cb[0].next = 0.into();
        self.cb[1].next = self.cb[0]
            .val()
            .replace_bit(self.c_malformed.val().index(), self.v_malformed.val());
        self.cb[2].next = self.cb[1]
            .val()
            .replace_bit(self.c_unknown_tenant.val().index(), self.v_unknown.val());
        self.cb[3].next = self.cb[2]
            .val()
            .replace_bit(self.c_results.val().index(), self.done_now.val());
        self.tb[0].next = 0.into();
        self.tb[1].next = self.tb[0]
            .val()
            .replace_bit(self.t_frames.val().index(), self.frames.val());
        self.tb[2].next = self.tb[1]
            .val()
            .replace_bit(self.t_bad_key.val().index(), self.v_bad_key.val());
        self.tb[3].next = self.tb[2]
            .val()
            .replace_bit(self.t_not_member.val().index(), self.v_not_member.val());
        self.tb[4].next = self.tb[3]
            .val()
            .replace_bit(self.t_resends.val().index(), self.f_resend.val());
        self.tb[5].next = self.tb[4]
            .val()
            .replace_bit(self.t_duplicates.val().index(), self.v_duplicate.val());
        self.tb[6].next = self.tb[5]
            .val()
            .replace_bit(self.t_out_of_window.val().index(), self.f_window.val());
        self.tb[7].next = self.tb[6]
            .val()
            .replace_bit(self.t_over_quota.val().index(), self.f_quota.val());
        self.tb[8].next = self.tb[7]
            .val()
            .replace_bit(self.t_collisions.val().index(), self.f_collision.val());
        self.tb[9].next = self.tb[8].val().replace_bit(
            self.t_aggregated.val().index(),
            self.v_claim.val() | self.v_join.val(),
        );
        self.tb[10].next = self.tb[9]
            .val()
            .replace_bit(self.t_results.val().index(), self.done_now.val());

        self.malformed.next = self.v_malformed.val();
        self.unknown_tenant.next = self.v_unknown.val();
        self.bad_key.next = self.v_bad_key.val();
        self.not_member.next = self.v_not_member.val();
        self.forward.next =
            self.f_resend.val() | self.f_window.val() | self.f_quota.val() | self.f_collision.val();
        self.duplicate.next = self.v_duplicate.val();
        self.claim.next = self.v_claim.val();
        self.join_slot.next = self.v_join.val();
        self.new_bitmap.next = self.bitmap.val();
        self.complete.next = self.done_now.val();
        self.in_use_inc.next = self.v_claim.val() & !self.done_now.val();
        self.in_use_dec.next = self.v_join.val() & self.done_now.val();
        self.core_bump.next = self.cb[3].val();
        self.tenant_bump.next = self.tb[10].val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, settle, verilator_lint, yosys_check};
    use aggnic_spec::hash::slot_index;
    use aggnic_spec::model::{Core, TenantEntry, Verdict};
    use aggnic_spec::regs::{self, ctrl, t_ctrl};
    use aggnic_spec::wire::{self, Addressing, Frame, Header, Kind};
    use std::collections::BTreeMap;

    const CORE: [CoreCounter; CORE_COUNTERS] = CoreCounter::ALL;
    const TENANT: [TenantCounter; TENANT_COUNTERS] = TenantCounter::ALL;

    /// The export parameter sets the test runs: the default, and a small one where windows,
    /// quotas and collisions are tight.
    const SMALL: Params = Params {
        lanes: 8,
        elements: 16,
        slots: 16,
        tenants: 3,
        window: 5,
    };

    /// Everything the block is given, read off the model just before the UPDATE arrives.
    #[derive(Debug, Clone, Default)]
    struct Inputs {
        flags: u8,
        elements: u16,
        worker: u8,
        tenant: u8,
        seq: u32,
        salt: u16,
        key: u64,
        t_enable: bool,
        t_key: u64,
        t_mask: u64,
        t_quota: u32,
        t_base: u32,
        t_done: u64,
        t_slots_in_use: u32,
        s_valid: bool,
        s_tenant: u8,
        s_seq: u32,
        s_salt: u16,
        s_bitmap: u64,
        s_elements: u16,
    }

    #[derive(Debug, PartialEq, Eq)]
    struct Outputs {
        /// Names of the verdict outputs that are set.
        verdict: Vec<&'static str>,
        forward_flag: u8,
        new_bitmap: u64,
        complete: bool,
        in_use_inc: bool,
        in_use_dec: bool,
        in_window: bool,
        at_base: bool,
        offset: u32,
        core_bump: u64,
        tenant_bump: u64,
    }

    type Blocks = (UpdateCheck, LiveCheck, UpdateDecide);

    /// The blocks as the core chains them (it registers `checks` in between, and checks the live
    /// state twice, selecting one result).
    fn drive(blocks: &mut Blocks, i: &Inputs) -> Outputs {
        let (check, live, uut) = blocks;
        check.flags.next = i.flags.to_bits();
        check.elements.next = i.elements.to_bits();
        let wbit = 1u64 << (i.worker % 64);
        check.worker.next = i.worker.to_bits();
        check.wbit.next = wbit.to_bits();
        check.tenant.next = i.tenant.to_bits();
        check.key.next = i.key.to_bits();
        check.t_enable.next = i.t_enable;
        check.t_key.next = i.t_key.to_bits();
        check.t_mask.next = i.t_mask.to_bits();
        settle(check);
        live.seq.next = i.seq.to_bits();
        live.base.next = i.t_base.to_bits();
        live.done.next = i.t_done.to_bits();
        live.slots_in_use.next = i.t_slots_in_use.to_bits();
        live.quota.next = i.t_quota.to_bits();
        settle(live);
        uut.checks.next = check.checks.val();
        uut.wbit.next = wbit.to_bits();
        uut.live.next = live.live.val();
        uut.s_valid.next = i.s_valid;
        // The compares `SlotMeta` makes a clock earlier.
        uut.s_held.next = i.s_valid && (i.s_tenant, i.s_seq, i.s_salt) == (i.tenant, i.seq, i.salt);
        uut.s_len_eq.next = i.s_elements == i.elements;
        uut.s_bitmap.next = i.s_bitmap.to_bits();
        uut.s_already.next = i.s_bitmap & wbit != 0;
        uut.s_join_done.next = i.s_bitmap | wbit == i.t_mask;
        settle(uut);
        let verdict = [
            ("malformed", uut.malformed.val()),
            ("unknown_tenant", uut.unknown_tenant.val()),
            ("bad_key", uut.bad_key.val()),
            ("not_member", uut.not_member.val()),
            ("forward", uut.forward.val()),
            ("duplicate", uut.duplicate.val()),
            ("claim", uut.claim.val()),
            ("join_slot", uut.join_slot.val()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect();
        Outputs {
            verdict,
            forward_flag: uut.forward_flag.val().to_u8(),
            new_bitmap: uut.new_bitmap.val().to_u64(),
            complete: uut.complete.val(),
            in_use_inc: uut.in_use_inc.val(),
            in_use_dec: uut.in_use_dec.val(),
            in_window: live.live.val().in_window,
            at_base: live.live.val().at_base,
            offset: live.live.val().offset.to_u32(),
            core_bump: uut.core_bump.val().to_u64(),
            tenant_bump: uut.tenant_bump.val().to_u64(),
        }
    }

    fn frame(header: Header, lanes: usize, rng: &mut Rng) -> Vec<u8> {
        Frame {
            addr: Addressing::between(1, 2, regs::DEFAULT_UDP_PORT),
            header,
            // Small lanes: no sum saturates, so the model never counts an overflow.
            payload: (0..lanes).map(|_| rng.below(1000) as i32).collect(),
        }
        .encode()
    }

    fn update(t: u8, worker: u8, seq: u32, salt: u16, key: u64) -> Header {
        Header {
            kind: Kind::Update,
            flags: 0,
            tenant: t,
            worker,
            elements: 0,
            seq,
            salt,
            key_or_bitmap: key,
        }
    }

    fn release(core: &mut Core, t: u8, seq: u32, rng: &mut Rng) {
        let h = Header {
            kind: Kind::Release,
            key_or_bitmap: 0,
            ..update(t, 0, seq, rng.next_u64() as u16, 0)
        };
        core.tx(&frame(h, 0, rng));
    }

    fn members(mask: u64) -> Vec<u8> {
        (0..64u8).filter(|w| mask >> w & 1 == 1).collect()
    }

    fn pick<T: Copy>(rng: &mut Rng, xs: &[T]) -> Option<T> {
        (!xs.is_empty()).then(|| xs[rng.below(xs.len() as u64) as usize])
    }

    /// One case: a model put into a random state by real frames, and an UPDATE for it.
    /// Returns the model and the UPDATE (header, lanes).
    fn scenario(p: Params, rng: &mut Rng) -> (Core, Header, usize) {
        let mut core = Core::new(p);
        core.write(regs::CTRL.addr, ctrl::ENABLE);
        let window = u64::from(p.window);
        let tt = rng.below(u64::from(p.tenants)) as u8;
        let mask = match rng.below(5) {
            0 => u64::MAX,
            1 => rng.next_u64(),
            2 => 1 << rng.below(64),
            _ => (0..1 + rng.below(3)).fold(0, |m, _| m | 1 << rng.below(64)),
        };
        let base = match rng.below(3) {
            0 => 0,
            1 => u32::MAX - rng.below(window + 2) as u32,
            _ => rng.next_u64() as u32,
        };
        let entry = TenantEntry {
            enable: true,
            quota: if rng.chance(100) {
                0
            } else {
                1 + rng.below(4) as u32
            },
            mask,
            key: rng.next_u64(),
            window_base: base,
        };
        core.configure_tenant(tt, entry);
        // Some fragments final: `done` bits, and the window slides when the base is released.
        let releases = if rng.chance(500) {
            0
        } else {
            rng.below(window / 2 + 2)
        };
        for _ in 0..releases {
            let base = core.tenant(tt).unwrap().base;
            release(&mut core, tt, base.wrapping_add(rng.below(window) as u32), rng);
        }
        let base = core.tenant(tt).unwrap().base;
        let seq = match rng.below(20) {
            0..=11 => base.wrapping_add(rng.below(window) as u32),
            12..=14 => base.wrapping_add((window + rng.below(3)) as u32),
            15..=17 => base.wrapping_sub(1 + rng.below(5) as u32),
            _ => rng.next_u64() as u32,
        };
        let salt = rng.next_u64() as u16;
        let lanes = 1 + rng.below(u64::from(p.elements.min(8))) as usize;
        let member_list = members(mask);
        // Raise the tenant's slots in use towards its quota with other fragments.
        if rng.chance(300) {
            for _ in 0..entry.quota {
                let w = pick(rng, &member_list).unwrap();
                let s = base.wrapping_add(rng.below(window) as u32);
                let h = update(tt, w, s, rng.next_u64() as u16, entry.key);
                core.rx(&frame(h, lanes, rng));
            }
        }
        match rng.below(20) {
            // The slot held by this fragment: some members have sent it.
            0..=8 => {
                let owner_lanes = if rng.chance(150) { lanes + 1 } else { lanes };
                for _ in 0..1 + rng.below(3) {
                    let w = pick(rng, &member_list).unwrap();
                    let h = update(tt, w, seq, salt, entry.key);
                    core.rx(&frame(h, owner_lanes, rng));
                }
            }
            // The slot held by another fragment of this tenant, or of another tenant.
            9..=14 => {
                let (t2, key2, w2) = if rng.chance(300) && p.tenants > 1 {
                    let t2 = (tt + 1) % p.tenants as u8;
                    let key2 = rng.next_u64();
                    let other = TenantEntry {
                        enable: true,
                        quota: 1,
                        mask: u64::MAX,
                        key: key2,
                        window_base: seq,
                    };
                    core.configure_tenant(t2, other);
                    (t2, key2, 0)
                } else {
                    (tt, entry.key, pick(rng, &member_list).unwrap())
                };
                let want = slot_index(tt, seq, salt, p.slots);
                let salt2 = (1..=u16::MAX)
                    .map(|k| salt.wrapping_add(k))
                    .find(|s| slot_index(t2, seq, *s, p.slots) == want)
                    .expect("16-bit salts reach every slot");
                core.rx(&frame(update(t2, w2, seq, salt2, key2), lanes, rng));
            }
            _ => {}
        }
        if rng.chance(80) {
            // Disable the tenant, keeping its state (a commit clears `done`).
            core.write(regs::TENANT_SEL.addr, u32::from(tt));
            core.write(regs::T_CTRL.addr, t_ctrl::COMMIT);
        }

        // The UPDATE under test.
        let t = if rng.chance(40) {
            (u64::from(p.tenants) + rng.below(256 - u64::from(p.tenants))) as u8
        } else {
            tt
        };
        let slot = core.slot(slot_index(t, seq, salt, p.slots));
        let in_slot = slot.map_or(0, |s| s.bitmap);
        let worker = match rng.below(40) {
            0 => 64 + rng.below(192) as u8,
            1..=3 => rng.below(64) as u8,
            4..=15 if in_slot & mask != 0 => pick(rng, &members(in_slot & mask)).unwrap(),
            _ => pick(rng, &member_list).unwrap(),
        };
        let flags = match rng.below(40) {
            0..=3 => flags::RESEND,
            4 => [
                flags::COLLISION,
                flags::OVER_QUOTA,
                flags::OUT_OF_WINDOW,
                flags::OVERFLOW,
            ][rng.below(4) as usize],
            5 => flags::RESEND | flags::COLLISION,
            _ => 0,
        };
        let lanes = match rng.below(40) {
            0 => 0,
            1 => p.elements as usize + 1 + rng.below(2) as usize,
            2 => 1 + (lanes % p.elements as usize),
            _ => lanes,
        };
        let key = if rng.chance(40) {
            entry.key ^ 1 << rng.below(64)
        } else {
            entry.key
        };
        let h = Header {
            flags,
            ..update(t, worker, seq, salt, key)
        };
        (core, h, lanes)
    }

    fn inputs(core: &Core, h: &Header, lanes: usize, rng: &mut Rng) -> Inputs {
        let p = core.params();
        let mut i = Inputs {
            flags: h.flags,
            elements: lanes as u16,
            worker: h.worker,
            tenant: h.tenant,
            seq: h.seq,
            salt: h.salt,
            key: h.key_or_bitmap,
            ..Default::default()
        };
        match core.tenant(h.tenant) {
            Some(t) => {
                i.t_enable = t.entry.enable;
                i.t_key = t.entry.key;
                i.t_mask = t.entry.mask;
                i.t_quota = t.entry.quota;
                i.t_base = t.base;
                i.t_done = t.done;
                i.t_slots_in_use = t.slots_in_use;
            }
            None => {
                // Beyond the table: whatever the lookup returns must not matter.
                i.t_enable = rng.chance(500);
                i.t_key = if rng.chance(500) {
                    h.key_or_bitmap
                } else {
                    rng.next_u64()
                };
                i.t_mask = rng.next_u64();
                i.t_quota = rng.below(4) as u32;
                i.t_base = h.seq;
                i.t_done = rng.next_u64() & !1;
            }
        }
        if let Some(s) = core.slot(slot_index(h.tenant, h.seq, h.salt, p.slots)) {
            i.s_valid = true;
            i.s_tenant = s.tenant;
            i.s_seq = s.seq;
            i.s_salt = s.salt;
            i.s_bitmap = s.bitmap;
            i.s_elements = s.sum.len() as u16;
        }
        i
    }

    fn counters(core: &Core, t: u8) -> (Vec<u64>, Vec<u64>) {
        (
            CORE.iter().map(|c| core.counter(*c)).collect(),
            TENANT.iter().map(|c| core.tenant_counter(t, *c)).collect(),
        )
    }

    /// Bit `i` set where counter `i` went up by one; panics on any other change.
    fn bumps(before: &[u64], after: &[u64]) -> u64 {
        before.iter().zip(after).enumerate().fold(0, |m, (i, (b, a))| {
            assert!(*a == *b || *a == *b + 1, "counter {i} went from {b} to {a}");
            if a > b { m | 1 << i } else { m }
        })
    }

    /// Runs one UPDATE through the model and the block; compares; returns a coverage label.
    fn check(blocks: &mut Blocks, mut core: Core, h: Header, lanes: usize, rng: &mut Rng) -> String {
        let p = core.params();
        let i = inputs(&core, &h, lanes, rng);
        let hw = drive(blocks, &i);
        let (core0, tenant0) = counters(&core, h.tenant);
        let in_use0 = core.tenant(h.tenant).map_or(0, |t| t.slots_in_use);
        let bytes = frame(h, lanes, rng);
        let (out, verdict) = core.rx_verdict(&bytes);
        let verdict = verdict.expect("an UPDATE gets a verdict");
        let (core1, tenant1) = counters(&core, h.tenant);
        let in_use1 = core.tenant(h.tenant).map_or(0, |t| t.slots_in_use);
        let ctx = format!("verdict {verdict:?}\ninputs {i:#x?}\nhw {hw:#x?}");

        assert_eq!(hw.verdict.len(), 1, "not one-hot: {ctx}");
        let name = hw.verdict[0];
        let expected = match verdict {
            Verdict::Malformed => "malformed",
            Verdict::UnknownTenant => "unknown_tenant",
            Verdict::BadKey => "bad_key",
            Verdict::NotMember => "not_member",
            Verdict::Forwarded(_) => "forward",
            Verdict::Duplicate => "duplicate",
            Verdict::Claimed => "claim",
            Verdict::Joined => "join_slot",
            // Which one completed shows in the tenant's slot count: a claim that completes
            // leaves it as it was, a join that completes frees a slot.
            Verdict::Completed if in_use1 == in_use0 => "claim",
            Verdict::Completed => "join_slot",
        };
        assert_eq!(name, expected, "{ctx}");
        let flag = match verdict {
            Verdict::Forwarded(f) if f != flags::RESEND => f,
            _ => 0,
        };
        assert_eq!(hw.forward_flag, flag, "forward flag: {ctx}");
        assert_eq!(hw.complete, verdict == Verdict::Completed, "complete: {ctx}");
        let bitmap_after = match verdict {
            Verdict::Claimed | Verdict::Joined => {
                let index = slot_index(h.tenant, h.seq, h.salt, p.slots);
                Some(core.slot(index).expect("slot held").bitmap)
            }
            Verdict::Completed => {
                let result = wire::decode(&out.to_host[0]).expect("a RESULT frame");
                assert_eq!(result.header.kind, Kind::Result);
                Some(result.header.key_or_bitmap)
            }
            _ => None,
        };
        if let Some(b) = bitmap_after {
            assert_eq!(hw.new_bitmap, b, "new bitmap: {ctx}");
        }
        assert_eq!(hw.in_use_inc, in_use1 == in_use0 + 1, "in_use_inc: {ctx}");
        assert_eq!(hw.in_use_dec, in_use1 + 1 == in_use0, "in_use_dec: {ctx}");
        // The window place the core's mark uses (`window::WindowNext`), against `seq - base` and,
        // on a completion, against the model's window after it.
        let d = i.seq.wrapping_sub(i.t_base);
        let place = (hw.in_window, hw.at_base, hw.offset);
        assert_eq!(place, (d < p.window, d == 0, d % 64), "window place: {ctx}");
        if verdict == Verdict::Completed {
            let t = core.tenant(h.tenant).expect("a completing tenant exists");
            if hw.at_base {
                assert_ne!(t.base, i.t_base, "a mark at the base slides: {ctx}");
            } else {
                let done = i.t_done | 1 << hw.offset;
                assert_eq!((t.base, t.done), (i.t_base, done), "the mark's done bit: {ctx}");
            }
        }
        let rx_frames = 1 << CoreCounter::RxFrames as usize;
        assert_eq!(
            bumps(&core0, &core1),
            hw.core_bump | rx_frames,
            "core counters: {ctx}"
        );
        if u32::from(h.tenant) < p.tenants {
            assert_eq!(
                bumps(&tenant0, &tenant1),
                hw.tenant_bump,
                "tenant counters: {ctx}"
            );
        } else {
            assert_eq!(hw.tenant_bump, 0, "tenant counters: {ctx}");
        }

        // Coverage label: the verdict and the rule that gave it.
        match verdict {
            Verdict::Malformed if bumps(&tenant0, &tenant1) != 0 => "malformed/slot-elements".into(),
            Verdict::UnknownTenant if u32::from(h.tenant) >= p.tenants => "unknown/beyond-table".into(),
            Verdict::UnknownTenant => "unknown/disabled".into(),
            Verdict::Forwarded(f) => format!("forward/{f:#04x}"),
            Verdict::Duplicate if d >= 1 << 31 => "duplicate/behind".into(),
            Verdict::Duplicate if d < p.window && i.t_done >> d & 1 == 1 => "duplicate/done".into(),
            Verdict::Duplicate => "duplicate/bitmap".into(),
            Verdict::Completed => format!("completed/{name}"),
            v => format!("{v:?}"),
        }
    }

    fn run(p: Params, seed: u64, cases: u32) -> BTreeMap<String, u32> {
        let mut blocks = (UpdateCheck::new(p), LiveCheck::new(p), UpdateDecide::new(p));
        blocks.0.connect_all();
        blocks.1.connect_all();
        blocks.2.connect_all();
        let mut rng = Rng::new(seed);
        let mut seen = BTreeMap::new();
        let start = std::time::Instant::now();
        for _ in 0..cases {
            let (core, h, lanes) = scenario(p, &mut rng);
            *seen
                .entry(check(&mut blocks, core, h, lanes, &mut rng))
                .or_default() += 1;
        }
        eprintln!(
            "update_decide {p:?}: {cases} cases in {:?}: {seen:?}",
            start.elapsed()
        );
        let want = [
            "Malformed",
            "malformed/slot-elements",
            "unknown/beyond-table",
            "unknown/disabled",
            "BadKey",
            "NotMember",
            "forward/0x01",
            "forward/0x02",
            "forward/0x04",
            "forward/0x08",
            "duplicate/behind",
            "duplicate/done",
            "duplicate/bitmap",
            "Claimed",
            "Joined",
            "completed/claim",
            "completed/join_slot",
        ];
        for w in want {
            assert!(seen.contains_key(w), "no {w} case in {seen:?}");
        }
        seen
    }

    #[test]
    fn matches_model_update_default_params() {
        run(Params::DEFAULT, 0xdec1_de01, 6000);
    }

    #[test]
    fn matches_model_update_small_params() {
        run(SMALL, 0xdec1_de02, 6000);
    }

    #[test]
    fn synthesizes() {
        let v = yosys_check(
            "aggnic_hdl_update_decide",
            &mut UpdateDecide::new(Params::DEFAULT),
        );
        // UNUSEDSIGNAL: `live.at_base` and `live.offset` are for the core's window mark.
        verilator_lint("aggnic_hdl_update_decide_lint", &v, &["WIDTH", "UNUSEDSIGNAL"]);
    }

    #[test]
    fn live_check_synthesizes() {
        let v = yosys_check("aggnic_hdl_live_check", &mut LiveCheck::new(Params::DEFAULT));
        // DECLFILENAME: the child `WindowOffset` module shares the file.
        verilator_lint("aggnic_hdl_live_check_lint", &v, &["WIDTH", "DECLFILENAME"]);
    }

    #[test]
    fn update_check_synthesizes() {
        let v = yosys_check("aggnic_hdl_update_check", &mut UpdateCheck::new(Params::DEFAULT));
        verilator_lint("aggnic_hdl_update_check_lint", &v, &["WIDTH"]);
    }
}
