//! The tenant table (`TenantTable`) and the per-tenant counter store (`TenantCounters`).
//!
//! # `TenantTable`
//! One entry per tenant, for `Params::tenants` tenants (at most [`MAX_TENANTS`]): the
//! configuration software commits (enable, quota, mask, key) and the live state the pipeline moves
//! (window base and done bits, slots in use). Ports:
//! - **Register side** (driven by `axil_regs::AxilRegs`): `TENANT_SEL` (`wr_sel`), the staging
//!   entry (`wr_ctrl`, `wr_quota`, `wr_mask_lo`/`_hi`, `wr_key_lo`/`_hi`, `wr_base`, data on
//!   `wr_data`), `T_CTRL.COMMIT`, and the live view of the selected tenant (`sel_*`, 0 when
//!   `TENANT_SEL` >= tenants). Writing `TENANT_SEL` loads the staging entry from the tenant; COMMIT
//!   loads enable, quota, mask, key and window base at one clock edge, the one after the clock
//!   of its write, and clears the done bits, exactly as `aggnic_spec::model::Core::write`. `busy`
//!   is high for the clock after a `TENANT_SEL` write (the staging load) and the two clocks after
//!   a COMMIT (it acts in the first, the select-side RAM catches up in the second): the register
//!   slave accepts no transaction then.
//! - **Lookups** (pipeline, one of each per clock, registered: out one clock later). Configuration:
//!   `cfg_hot` in, the committed enable, quota, mask and key out (`cfg_*`), with the RAM address
//!   `cfg_tenant` a clock ahead of `cfg_hot` (the same tenant's low bits, a pipeline stage
//!   earlier); state: `lookup_tenant` in, window and slot count out (`lookup_*`). Two ports so the
//!   pipeline reads the configuration a stage before the state (its checks need no forwarding:
//!   only a COMMIT changes it). Read-first: a lookup sees the table as it was before the updates
//!   issued in the clock of its `cfg_hot`/`lookup_tenant` (commit, slot inc/dec; the window write
//!   is the exception, below); the pipeline forwards those itself. A COMMIT is atomic for each
//!   lookup, and for a configuration and state lookup issued in the same clock: all old or all
//!   new.
//! - **Window write** (`wb`, `wb_tenant`, `wb_base`, `wb_done`): the tenant's new window, which
//!   the pipeline computed (`window::WindowNext`) and registered. The table only stores it: the
//!   write fans out to every tenant's window registers, so it starts at the pipeline's registers
//!   (computing it here was the core's routed critical path, 11.8 of 14.6 ns wires). A COMMIT of
//!   the same tenant in the same clock wins (the model's order "frame, then register write"). The
//!   state lookup is write-first for it: a lookup of `wb_tenant` in the clock of the write reads
//!   the written window (the pipeline's forward covers only the clock before).
//! - **Slots in use** (`slot_tenant`, `slot_inc`, `slot_dec`): +1, -1 or (both) no change, in the
//!   same clock; `slots_total` (the `SLOTS_IN_USE` register) moves with it.
//!
//! Tenant ids >= `Params::tenants` are ignored by every update port.
//!
//! ## Storage
//! - quota (32), mask (64) and key (64) are written only by COMMIT and only read: they live in
//!   `BlockRam`s (registered read), one copy for the lookup port and one for the register side
//!   (a RAM has one read port per copy). They cannot be cleared at once by a reset, so a
//!   per-tenant `committed` flip-flop gates them: until its first COMMIT after reset a tenant reads
//!   as all zero. The lookup copy is read a clock early (`cfg_tenant`) and its output registered
//!   (`cr_*`), so the pipeline's compares start at flip-flops, not at a block RAM's output (the
//!   RAM output into `slot_meta`'s join compare was a routed critical path, 8.6 ns). A COMMIT in
//!   the clock of that early read is forwarded from the staging registers (`r_cfg_fwd`): they
//!   still hold the committed values a clock later, as `busy` holds off every register write in
//!   the clock after a COMMIT.
//! - enable, committed, window base (32), done (64) and slots in use ([`SLOT_COUNT_BITS`]) are
//!   flip-flops: the pipeline writes them when an op changes them, the lookup and the register
//!   side read them, (soft) reset clears them. Entries at or above `Params::tenants` have their D
//!   input tied to 0, so synthesis removes them (holding the reset value is not enough: a
//!   flip-flop without an init value is kept).
//!
//! # `TenantCounters`
//! The 13 per-tenant 64-bit counters (`TenantCounter` order) of every tenant, in RAM: one RAM per
//! counter for the update port and one copy per counter for the register side's snapshot read.
//! A bump (`bump_tenant`, `bump`: one bit per counter, as `update_decide::UpdateDecide`'s
//! `tenant_bump`) is read at the clock it arrives and added the next clock into a register
//! (`w_val`), which writes the RAMs the clock after: the adder's carry chain ends at flip-flops, not
//! at a block RAM's write port (that route was the routed critical path, 9.1 ns). The two values
//! not yet readable from the RAM (`w_val`, and `x_val`: the one being written) are forwarded, so
//! bumps may come every clock, for the same tenant.
//! Per-tenant `valid` flip-flops (set with the RAM write) stand in for a RAM clear on reset.
//! `sel_count` is the selected tenant's counters, counting every bump that arrived at least three
//! clocks before: the RAM, or `x_val` where the read meets its write (the register slave delays
//! the global counters by the same three clocks so a snapshot is one instant).

use crate::block_ram::BlockRam;
use crate::one_hot_mux::OneHotMux;
use crate::tenant_decode::TenantDecode;
use aggnic_spec::model::{Params, TENANT_COUNTERS};
use aggnic_spec::regs::t_ctrl;
use rust_hdl::prelude::*;

/// Address bits of the tenant RAMs: the hardware supports up to 64 tenants.
pub const TENANT_BITS: usize = 6;
/// Most tenants an export may have.
pub const MAX_TENANTS: usize = 1 << TENANT_BITS;
/// Bits of a slots-in-use count: up to 65536 slots (`Params::validate`'s limit) plus one.
pub const SLOT_COUNT_BITS: usize = 17;

fn tenant_indices() -> [Constant<Bits<8>>; MAX_TENANTS] {
    std::array::from_fn(|i| Constant::new(i.to_bits()))
}

/// The tenant table. Construct with [`TenantTable::new`].
#[derive(LogicBlock)]
pub struct TenantTable {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high: hardware reset or `COMMAND.SOFT_RESET`.
    pub reset: Signal<In, Bit>,

    // Register side.
    pub wr_data: Signal<In, Bits<32>>,
    pub wr_sel: Signal<In, Bit>,
    pub wr_ctrl: Signal<In, Bit>,
    pub wr_quota: Signal<In, Bit>,
    pub wr_mask_lo: Signal<In, Bit>,
    pub wr_mask_hi: Signal<In, Bit>,
    pub wr_key_lo: Signal<In, Bit>,
    pub wr_key_hi: Signal<In, Bit>,
    pub wr_base: Signal<In, Bit>,
    pub busy: Signal<Out, Bit>,
    /// `TENANT_SEL` as written (32 bits, like the model).
    pub sel: Signal<Out, Bits<32>>,
    /// `sel` decoded (registered with it): bit `t` set when tenant `t` is selected, and whether
    /// `sel` is a tenant (below `tenants`), for `TenantCounters`.
    pub sel_hot: Signal<Out, Bits<MAX_TENANTS>>,
    pub sel_ok: Signal<Out, Bit>,
    pub sel_enable: Signal<Out, Bit>,
    pub sel_quota: Signal<Out, Bits<32>>,
    pub sel_mask: Signal<Out, Bits<64>>,
    pub sel_base: Signal<Out, Bits<32>>,
    pub sel_slots: Signal<Out, Bits<32>>,
    /// Slots held by all tenants.
    pub slots_total: Signal<Out, Bits<32>>,

    // Configuration lookup.
    /// The tenant's low bits (the configuration RAMs' address), a clock before `cfg_hot`.
    pub cfg_tenant: Signal<In, Bits<TENANT_BITS>>,
    /// The tenant decoded, as `slot_hot` (none for a tenant the export does not have): says which
    /// tenant, if any, the previous clock's `cfg_tenant` was.
    pub cfg_hot: Signal<In, Bits<MAX_TENANTS>>,
    pub cfg_enable: Signal<Out, Bit>,
    pub cfg_quota: Signal<Out, Bits<32>>,
    pub cfg_mask: Signal<Out, Bits<64>>,
    pub cfg_key: Signal<Out, Bits<64>>,
    // State lookup.
    pub lookup_tenant: Signal<In, Bits<8>>,
    /// `lookup_tenant` decoded, as `slot_hot`.
    pub lookup_hot: Signal<In, Bits<MAX_TENANTS>>,
    pub lookup_base: Signal<Out, Bits<32>>,
    pub lookup_done: Signal<Out, Bits<64>>,
    pub lookup_slots: Signal<Out, Bits<32>>,

    // Window write.
    pub wb: Signal<In, Bit>,
    pub wb_tenant: Signal<In, Bits<8>>,
    /// `wb_tenant` decoded, as `slot_hot`.
    pub wb_hot: Signal<In, Bits<MAX_TENANTS>>,
    pub wb_base: Signal<In, Bits<32>>,
    /// Bit 0 clear (`window`'s invariant).
    pub wb_done: Signal<In, Bits<64>>,

    // Slots in use.
    pub slot_tenant: Signal<In, Bits<8>>,
    /// `slot_tenant` decoded (bit `t` for tenant `t`, none for 64 and up), registered by the
    /// caller with it so the slot count's select starts at a bit, not at a compare.
    pub slot_hot: Signal<In, Bits<MAX_TENANTS>>,
    pub slot_inc: Signal<In, Bit>,
    pub slot_dec: Signal<In, Bit>,

    /// Entry `i` exists in this export (`i` < tenants).
    live: [Constant<Bit>; MAX_TENANTS],
    tenants8: Constant<Bits<8>>,
    enable_bit: Constant<Bits<8>>,
    commit_bit: Constant<Bits<8>>,
    lo_word: Constant<Bits<64>>,
    hi_word: Constant<Bits<64>>,
    word_shift: Constant<Bits<8>>,
    one_slot: Constant<Bits<SLOT_COUNT_BITS>>,
    one_hot: Constant<Bits<MAX_TENANTS>>,

    // Live state.
    enable: [DFF<Bit>; MAX_TENANTS],
    committed: [DFF<Bit>; MAX_TENANTS],
    base: [DFF<Bits<32>>; MAX_TENANTS],
    done: [DFF<Bits<64>>; MAX_TENANTS],
    slots: [DFF<Bits<SLOT_COUNT_BITS>>; MAX_TENANTS],
    total: DFF<Bits<SLOT_COUNT_BITS>>,
    // Committed configuration, lookup copy (`l_`) and register-side copy (`s_`).
    l_quota: BlockRam<Bits<32>, TENANT_BITS>,
    l_mask: BlockRam<Bits<64>, TENANT_BITS>,
    l_key: BlockRam<Bits<64>, TENANT_BITS>,
    s_quota: BlockRam<Bits<32>, TENANT_BITS>,
    s_mask: BlockRam<Bits<64>, TENANT_BITS>,
    s_key: BlockRam<Bits<64>, TENANT_BITS>,
    // Staging and select.
    r_sel: DFF<Bits<32>>,
    r_load: DFF<Bit>,
    r_busy: DFF<Bit>,
    /// `TENANT_SEL` decoded with it (bit `t`: tenant `t` selected; `r_sel_ok`: below `tenants`), so
    /// the register side's reads start at a select bit, not at a compare.
    r_sel_hot: DFF<Bits<MAX_TENANTS>>,
    r_sel_ok: DFF<Bit>,
    st_enable: DFF<Bit>,
    st_quota: DFF<Bits<32>>,
    st_mask: DFF<Bits<64>>,
    st_key: DFF<Bits<64>>,
    st_base: DFF<Bits<32>>,
    // Lookup registers.
    lr_enable: DFF<Bit>,
    /// A COMMIT of the tenant `cfg_tenant` addressed came in the clock of that read.
    r_cfg_fwd: DFF<Bit>,
    cr_quota: DFF<Bits<32>>,
    cr_mask: DFF<Bits<64>>,
    cr_key: DFF<Bits<64>>,
    lr_base: DFF<Bits<32>>,
    lr_done: DFF<Bits<64>>,
    lr_slots: DFF<Bits<SLOT_COUNT_BITS>>,

    sel_next: Signal<Local, Bits<32>>,
    sel_decode: TenantDecode<32>,
    /// `TENANT_SEL`'s RAM address (the tenant, when it is one: see `sel_ok`).
    sel_t: Signal<Local, Bits<TENANT_BITS>>,
    /// A COMMIT written this clock; it acts the clock after (`r_commit`, `commit_now`), from
    /// registers only: the write strobe from the AXI4-Lite inputs reached every tenant's clock
    /// enables and resets across the die in one clock (a routed critical path, 8.0-9.1 ns). That
    /// clock is `busy`, so no register write moves the staging or `TENANT_SEL` under it.
    commit_req: Signal<Local, Bit>,
    r_commit: DFF<Bit>,
    commit_now: Signal<Local, Bit>,
    wb_ok: Signal<Local, Bit>,
    /// The state lookup reads this clock's window write.
    wb_hit: Signal<Local, Bit>,
    slot_change: Signal<Local, Bit>,
    slot_cur: Signal<Local, Bits<SLOT_COUNT_BITS>>,
    slot_new: Signal<Local, Bits<SLOT_COUNT_BITS>>,
    total_new: Signal<Local, Bits<SLOT_COUNT_BITS>>,
    k_enable: Signal<Local, Bit>,
    k_committed: Signal<Local, Bit>,
    k_base: Signal<Local, Bits<32>>,
    k_done: Signal<Local, Bits<64>>,
    k_slots: Signal<Local, Bits<SLOT_COUNT_BITS>>,
    s_enable_v: Signal<Local, Bit>,
    s_committed_v: Signal<Local, Bit>,
    s_base_v: Signal<Local, Bits<32>>,
    s_slots_v: Signal<Local, Bits<SLOT_COUNT_BITS>>,
    wr_word: Signal<Local, Bits<64>>,
    /// The read multiplexers (`k_`: the pipeline's lookups; `s_`: the register side; `slot_cur`:
    /// the slots port), each a balanced AND-OR tree on its port's one-hot tenant.
    mux_k_enable: OneHotMux<1>,
    mux_k_committed: OneHotMux<1>,
    mux_k_base: OneHotMux<32>,
    mux_k_done: OneHotMux<64>,
    mux_k_slots: OneHotMux<SLOT_COUNT_BITS>,
    mux_s_enable: OneHotMux<1>,
    mux_s_committed: OneHotMux<1>,
    mux_s_base: OneHotMux<32>,
    mux_s_slots: OneHotMux<SLOT_COUNT_BITS>,
    mux_slot_cur: OneHotMux<SLOT_COUNT_BITS>,
}

impl std::fmt::Debug for TenantTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // rust-hdl's `RAM` has no `Debug`.
        f.debug_struct("TenantTable").finish_non_exhaustive()
    }
}

impl TenantTable {
    /// # Panics
    /// If `params` are invalid or have more than [`MAX_TENANTS`] tenants.
    pub fn new(params: Params) -> TenantTable {
        params.validate().expect("valid parameters");
        assert!(
            params.tenants as usize <= MAX_TENANTS,
            "the tenant table holds at most {MAX_TENANTS} tenants"
        );
        assert!(params.slots < 1 << SLOT_COUNT_BITS);
        TenantTable {
            clock: Default::default(),
            reset: Default::default(),
            wr_data: Default::default(),
            wr_sel: Default::default(),
            wr_ctrl: Default::default(),
            wr_quota: Default::default(),
            wr_mask_lo: Default::default(),
            wr_mask_hi: Default::default(),
            wr_key_lo: Default::default(),
            wr_key_hi: Default::default(),
            wr_base: Default::default(),
            busy: Default::default(),
            sel: Default::default(),
            sel_hot: Default::default(),
            sel_ok: Default::default(),
            sel_enable: Default::default(),
            sel_quota: Default::default(),
            sel_mask: Default::default(),
            sel_base: Default::default(),
            sel_slots: Default::default(),
            slots_total: Default::default(),
            cfg_tenant: Default::default(),
            cfg_hot: Default::default(),
            cfg_enable: Default::default(),
            cfg_quota: Default::default(),
            cfg_mask: Default::default(),
            cfg_key: Default::default(),
            lookup_tenant: Default::default(),
            lookup_hot: Default::default(),
            lookup_base: Default::default(),
            lookup_done: Default::default(),
            lookup_slots: Default::default(),
            wb: Default::default(),
            wb_tenant: Default::default(),
            wb_hot: Default::default(),
            wb_base: Default::default(),
            wb_done: Default::default(),
            slot_tenant: Default::default(),
            slot_hot: Default::default(),
            slot_inc: Default::default(),
            slot_dec: Default::default(),
            live: std::array::from_fn(|i| Constant::new(i < params.tenants as usize)),
            tenants8: Constant::new(params.tenants.min(255).to_bits()),
            enable_bit: Constant::new(t_ctrl::ENABLE.trailing_zeros().to_bits()),
            commit_bit: Constant::new(t_ctrl::COMMIT.trailing_zeros().to_bits()),
            lo_word: Constant::new(0xffff_ffffu64.to_bits()),
            hi_word: Constant::new(0xffff_ffff_0000_0000u64.to_bits()),
            word_shift: Constant::new(32u32.to_bits()),
            one_slot: Constant::new(1u32.to_bits()),
            one_hot: Constant::new(1u64.to_bits()),
            enable: std::array::from_fn(|_| Default::default()),
            committed: std::array::from_fn(|_| Default::default()),
            base: std::array::from_fn(|_| Default::default()),
            done: std::array::from_fn(|_| Default::default()),
            slots: std::array::from_fn(|_| Default::default()),
            total: Default::default(),
            l_quota: Default::default(),
            l_mask: Default::default(),
            l_key: Default::default(),
            s_quota: Default::default(),
            s_mask: Default::default(),
            s_key: Default::default(),
            r_sel: Default::default(),
            r_load: Default::default(),
            r_busy: Default::default(),
            r_sel_hot: Default::default(),
            r_sel_ok: Default::default(),
            st_enable: Default::default(),
            st_quota: Default::default(),
            st_mask: Default::default(),
            st_key: Default::default(),
            st_base: Default::default(),
            lr_enable: Default::default(),
            r_cfg_fwd: Default::default(),
            cr_quota: Default::default(),
            cr_mask: Default::default(),
            cr_key: Default::default(),
            lr_base: Default::default(),
            lr_done: Default::default(),
            lr_slots: Default::default(),
            sel_next: Default::default(),
            sel_decode: TenantDecode::new(params.tenants as usize),
            sel_t: Default::default(),
            commit_req: Default::default(),
            r_commit: Default::default(),
            commit_now: Default::default(),
            wb_ok: Default::default(),
            wb_hit: Default::default(),
            slot_change: Default::default(),
            slot_cur: Default::default(),
            mux_k_enable: Default::default(),
            mux_k_committed: Default::default(),
            mux_k_base: Default::default(),
            mux_k_done: Default::default(),
            mux_k_slots: Default::default(),
            mux_s_enable: Default::default(),
            mux_s_committed: Default::default(),
            mux_s_base: Default::default(),
            mux_s_slots: Default::default(),
            mux_slot_cur: Default::default(),
            slot_new: Default::default(),
            total_new: Default::default(),
            k_enable: Default::default(),
            k_committed: Default::default(),
            k_base: Default::default(),
            k_done: Default::default(),
            k_slots: Default::default(),
            s_enable_v: Default::default(),
            s_committed_v: Default::default(),
            s_base_v: Default::default(),
            s_slots_v: Default::default(),
            wr_word: Default::default(),
        }
    }
}

impl Logic for TenantTable {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, total, r_sel, r_load, r_busy, r_commit, r_sel_hot, r_sel_ok, st_enable, st_quota,
            st_mask, st_key, st_base, lr_enable, r_cfg_fwd, cr_quota, cr_mask, cr_key, lr_base, lr_done,
            lr_slots
        );
        for i in 0..MAX_TENANTS {
            self.enable[i].clock.next = self.clock.val();
            self.committed[i].clock.next = self.clock.val();
            self.base[i].clock.next = self.clock.val();
            self.done[i].clock.next = self.clock.val();
            self.slots[i].clock.next = self.clock.val();
            self.enable[i].d.next = self.enable[i].q.val();
            self.committed[i].d.next = self.committed[i].q.val();
            self.base[i].d.next = self.base[i].q.val();
            self.done[i].d.next = self.done[i].q.val();
            self.slots[i].d.next = self.slots[i].q.val();
        }
        self.l_quota.read_clock.next = self.clock.val();
        self.l_quota.write_clock.next = self.clock.val();
        self.l_mask.read_clock.next = self.clock.val();
        self.l_mask.write_clock.next = self.clock.val();
        self.l_key.read_clock.next = self.clock.val();
        self.l_key.write_clock.next = self.clock.val();
        self.s_quota.read_clock.next = self.clock.val();
        self.s_quota.write_clock.next = self.clock.val();
        self.s_mask.read_clock.next = self.clock.val();
        self.s_mask.write_clock.next = self.clock.val();
        self.s_key.read_clock.next = self.clock.val();
        self.s_key.write_clock.next = self.clock.val();

        // Select: the register-side RAM copy reads the tenant being selected in the same clock,
        // so its output holds the new tenant's entry when the staging load (`r_load`) runs.
        self.sel_next.next = self.r_sel.q.val();
        if self.wr_sel.val() {
            self.sel_next.next = self.wr_data.val();
        }
        self.r_sel.d.next = self.sel_next.val();
        // The check and the one-hot decode from the written value, the select last: decoding
        // `sel_next` put the write strobe's address compare in front of both (8.7 levels).
        self.sel_decode.tenant.next = self.wr_data.val();
        self.r_sel_ok.d.next = self.r_sel_ok.q.val();
        self.r_sel_hot.d.next = self.r_sel_hot.q.val();
        if self.wr_sel.val() {
            // A tenant exactly when its decode has a bit (the decode's limit is the tenants).
            self.r_sel_ok.d.next = self.sel_decode.hot.val().any();
            self.r_sel_hot.d.next = self.sel_decode.hot.val();
        }
        self.sel_t.next = self.r_sel.q.val().get_bits::<TENANT_BITS>(0);
        self.commit_req.next = self.wr_ctrl.val()
            & self.wr_data.val().get_bit(self.commit_bit.val().index())
            & self.r_sel_ok.q.val();
        self.r_commit.d.next = self.commit_req.val();
        self.commit_now.next = self.r_commit.q.val();
        self.wb_ok.next = self.wb.val() & (self.wb_tenant.val() < self.tenants8.val());
        self.wb_hit.next = self.wb_ok.val() & (self.wb_tenant.val() == self.lookup_tenant.val());
        self.slot_change.next =
            (self.slot_inc.val() ^ self.slot_dec.val()) & (self.slot_tenant.val() < self.tenants8.val());

        // The read multiplexers: lookups, register side, slots port (`OneHotMux`: the tenant
        // bits are one-hot, and entries an export does not have are constant 0).
        self.mux_k_enable.sel.next = self.cfg_hot.val();
        self.mux_k_committed.sel.next = self.cfg_hot.val();
        self.mux_k_base.sel.next = self.lookup_hot.val();
        self.mux_k_done.sel.next = self.lookup_hot.val();
        self.mux_k_slots.sel.next = self.lookup_hot.val();
        self.mux_s_enable.sel.next = self.r_sel_hot.q.val();
        self.mux_s_committed.sel.next = self.r_sel_hot.q.val();
        self.mux_s_base.sel.next = self.r_sel_hot.q.val();
        self.mux_s_slots.sel.next = self.r_sel_hot.q.val();
        self.mux_slot_cur.sel.next = self.slot_hot.val();
        for i in 0..MAX_TENANTS {
            self.mux_k_enable.x[i].next = 0.into();
            self.mux_s_enable.x[i].next = 0.into();
            if self.enable[i].q.val() {
                self.mux_k_enable.x[i].next = 1.into();
                self.mux_s_enable.x[i].next = 1.into();
            }
            self.mux_k_committed.x[i].next = 0.into();
            self.mux_s_committed.x[i].next = 0.into();
            if self.committed[i].q.val() {
                self.mux_k_committed.x[i].next = 1.into();
                self.mux_s_committed.x[i].next = 1.into();
            }
            self.mux_k_base.x[i].next = self.base[i].q.val();
            self.mux_k_done.x[i].next = self.done[i].q.val();
            self.mux_k_slots.x[i].next = self.slots[i].q.val();
            self.mux_s_base.x[i].next = self.base[i].q.val();
            self.mux_s_slots.x[i].next = self.slots[i].q.val();
            self.mux_slot_cur.x[i].next = self.slots[i].q.val();
        }
        self.k_enable.next = self.mux_k_enable.y.val().any();
        self.k_committed.next = self.mux_k_committed.y.val().any();
        self.k_base.next = self.mux_k_base.y.val();
        self.k_done.next = self.mux_k_done.y.val();
        self.k_slots.next = self.mux_k_slots.y.val();
        self.s_enable_v.next = self.mux_s_enable.y.val().any();
        self.s_committed_v.next = self.mux_s_committed.y.val().any();
        self.s_base_v.next = self.mux_s_base.y.val();
        self.s_slots_v.next = self.mux_s_slots.y.val();
        self.slot_cur.next = self.mux_slot_cur.y.val();

        // Slots in use.
        self.slot_new.next = self.slot_cur.val() - self.one_slot.val();
        self.total_new.next = self.total.q.val() - self.one_slot.val();
        if self.slot_inc.val() {
            self.slot_new.next = self.slot_cur.val() + self.one_slot.val();
            self.total_new.next = self.total.q.val() + self.one_slot.val();
        }
        if self.slot_change.val() {
            self.total.d.next = self.total_new.val();
        }

        // Per-tenant writes; COMMIT after the window write, so it wins.
        for i in 0..MAX_TENANTS {
            if self.wb.val() & self.wb_hot.val().get_bit(i) {
                self.base[i].d.next = self.wb_base.val();
                self.done[i].d.next = self.wb_done.val();
            }
            if self.commit_now.val() & self.r_sel_hot.q.val().get_bit(i) {
                self.enable[i].d.next = self.st_enable.q.val();
                self.committed[i].d.next = true;
                self.base[i].d.next = self.st_base.q.val();
                self.done[i].d.next = 0.into();
            }
            if self.slot_change.val() & self.slot_hot.val().get_bit(i) {
                self.slots[i].d.next = self.slot_new.val();
            }
        }

        // The committed configuration, both copies written at once.
        self.l_quota.write_enable.next = self.commit_now.val();
        self.l_mask.write_enable.next = self.commit_now.val();
        self.l_key.write_enable.next = self.commit_now.val();
        self.s_quota.write_enable.next = self.commit_now.val();
        self.s_mask.write_enable.next = self.commit_now.val();
        self.s_key.write_enable.next = self.commit_now.val();
        self.l_quota.write_address.next = self.sel_t.val();
        self.l_mask.write_address.next = self.sel_t.val();
        self.l_key.write_address.next = self.sel_t.val();
        self.s_quota.write_address.next = self.sel_t.val();
        self.s_mask.write_address.next = self.sel_t.val();
        self.s_key.write_address.next = self.sel_t.val();
        self.l_quota.write_data.next = self.st_quota.q.val();
        self.l_mask.write_data.next = self.st_mask.q.val();
        self.l_key.write_data.next = self.st_key.q.val();
        self.s_quota.write_data.next = self.st_quota.q.val();
        self.s_mask.write_data.next = self.st_mask.q.val();
        self.s_key.write_data.next = self.st_key.q.val();
        self.l_quota.read_address.next = self.cfg_tenant.val();
        self.l_mask.read_address.next = self.cfg_tenant.val();
        self.l_key.read_address.next = self.cfg_tenant.val();
        self.s_quota.read_address.next = self.sel_next.val().get_bits::<TENANT_BITS>(0);
        self.s_mask.read_address.next = self.sel_next.val().get_bits::<TENANT_BITS>(0);
        self.s_key.read_address.next = self.sel_next.val().get_bits::<TENANT_BITS>(0);

        // Lookup registers.
        self.lr_enable.d.next = self.k_enable.val();
        // The RAM read of the clock before, or the COMMIT that came with it (not yet in the RAM
        // it read), gated by `committed` as of this clock.
        self.r_cfg_fwd.d.next = self.commit_now.val() & (self.sel_t.val() == self.cfg_tenant.val());
        self.cr_quota.d.next = 0.into();
        self.cr_mask.d.next = 0.into();
        self.cr_key.d.next = 0.into();
        if self.k_committed.val() {
            self.cr_quota.d.next = self.l_quota.read_data.val();
            self.cr_mask.d.next = self.l_mask.read_data.val();
            self.cr_key.d.next = self.l_key.read_data.val();
            if self.r_cfg_fwd.q.val() {
                self.cr_quota.d.next = self.st_quota.q.val();
                self.cr_mask.d.next = self.st_mask.q.val();
                self.cr_key.d.next = self.st_key.q.val();
            }
        }
        self.lr_base.d.next = self.k_base.val();
        self.lr_done.d.next = self.k_done.val();
        if self.wb_hit.val() {
            self.lr_base.d.next = self.wb_base.val();
            self.lr_done.d.next = self.wb_done.val();
        }
        self.lr_slots.d.next = self.k_slots.val();

        // Staging: loaded the clock after a select, then written field by field.
        self.wr_word.next = bit_cast::<64, 32>(self.wr_data.val());
        self.r_load.d.next = self.wr_sel.val();
        // Two clocks after a COMMIT: it acts in the first, and the register side's RAM read at the
        // end of it meets the COMMIT's write (undefined: `BlockRam`).
        self.r_busy.d.next = self.wr_sel.val() | self.commit_req.val() | self.commit_now.val();
        if self.r_load.q.val() & self.r_sel_ok.q.val() {
            self.st_enable.d.next = self.s_enable_v.val();
            self.st_base.d.next = self.s_base_v.val();
            self.st_quota.d.next = 0.into();
            self.st_mask.d.next = 0.into();
            self.st_key.d.next = 0.into();
            if self.s_committed_v.val() {
                self.st_quota.d.next = self.s_quota.read_data.val();
                self.st_mask.d.next = self.s_mask.read_data.val();
                self.st_key.d.next = self.s_key.read_data.val();
            }
        }
        if self.wr_ctrl.val() {
            self.st_enable.d.next = self.wr_data.val().get_bit(self.enable_bit.val().index());
        }
        if self.wr_quota.val() {
            self.st_quota.d.next = self.wr_data.val();
        }
        if self.wr_mask_lo.val() {
            self.st_mask.d.next = (self.st_mask.q.val() & self.hi_word.val()) | self.wr_word.val();
        }
        if self.wr_mask_hi.val() {
            self.st_mask.d.next =
                (self.st_mask.q.val() & self.lo_word.val()) | (self.wr_word.val() << self.word_shift.val());
        }
        if self.wr_key_lo.val() {
            self.st_key.d.next = (self.st_key.q.val() & self.hi_word.val()) | self.wr_word.val();
        }
        if self.wr_key_hi.val() {
            self.st_key.d.next =
                (self.st_key.q.val() & self.lo_word.val()) | (self.wr_word.val() << self.word_shift.val());
        }
        if self.wr_base.val() {
            self.st_base.d.next = self.wr_data.val();
        }

        for i in 0..MAX_TENANTS {
            // Entries at or above the export's tenant count: D constant 0, so synthesis removes
            // them (a flip-flop that merely holds its reset value is kept: it has no init value).
            if self.reset.val() | !self.live[i].val() {
                self.enable[i].d.next = false;
                self.committed[i].d.next = false;
                self.base[i].d.next = 0.into();
                self.done[i].d.next = 0.into();
                self.slots[i].d.next = 0.into();
            }
        }
        if self.reset.val() {
            self.total.d.next = 0.into();
            self.r_sel.d.next = 0.into();
            self.r_sel_ok.d.next = true;
            self.r_sel_hot.d.next = self.one_hot.val();
            self.r_load.d.next = false;
            self.r_busy.d.next = false;
            self.r_commit.d.next = false;
            self.st_enable.d.next = false;
            self.st_quota.d.next = 0.into();
            self.st_mask.d.next = 0.into();
            self.st_key.d.next = 0.into();
            self.st_base.d.next = 0.into();
            self.lr_enable.d.next = false;
            self.cr_quota.d.next = 0.into();
            self.cr_mask.d.next = 0.into();
            self.cr_key.d.next = 0.into();
        }

        // Outputs.
        self.busy.next = self.r_busy.q.val();
        self.sel.next = self.r_sel.q.val();
        self.sel_hot.next = self.r_sel_hot.q.val();
        self.sel_ok.next = self.r_sel_ok.q.val();
        self.sel_enable.next = self.r_sel_ok.q.val() & self.s_enable_v.val();
        self.sel_quota.next = 0.into();
        self.sel_mask.next = 0.into();
        if self.r_sel_ok.q.val() & self.s_committed_v.val() {
            self.sel_quota.next = self.s_quota.read_data.val();
            self.sel_mask.next = self.s_mask.read_data.val();
        }
        self.sel_base.next = 0.into();
        self.sel_slots.next = 0.into();
        if self.r_sel_ok.q.val() {
            self.sel_base.next = self.s_base_v.val();
            self.sel_slots.next = bit_cast::<32, SLOT_COUNT_BITS>(self.s_slots_v.val());
        }
        self.slots_total.next = bit_cast::<32, SLOT_COUNT_BITS>(self.total.q.val());
        self.cfg_enable.next = self.lr_enable.q.val();
        self.cfg_quota.next = self.cr_quota.q.val();
        self.cfg_mask.next = self.cr_mask.q.val();
        self.cfg_key.next = self.cr_key.q.val();
        self.lookup_base.next = self.lr_base.q.val();
        self.lookup_done.next = self.lr_done.q.val();
        self.lookup_slots.next = bit_cast::<32, SLOT_COUNT_BITS>(self.lr_slots.q.val());
    }
}

/// The per-tenant counters. Construct with [`TenantCounters::new`].
#[derive(LogicBlock)]
pub struct TenantCounters {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high: hardware reset or `COMMAND.SOFT_RESET`. Counters read 0 after it.
    pub reset: Signal<In, Bit>,
    pub bump_tenant: Signal<In, Bits<8>>,
    /// Bit `c`: counter `c` (`TenantCounter` as index) of `bump_tenant` counts one.
    pub bump: Signal<In, Bits<TENANT_COUNTERS>>,
    /// The selected tenant (`TENANT_SEL`; one that is no tenant reads 0): its RAM address (the
    /// register's low bits), and decoded as `TenantTable::sel_hot` and `sel_ok` give it.
    pub sel: Signal<In, Bits<TENANT_BITS>>,
    pub sel_hot: Signal<In, Bits<MAX_TENANTS>>,
    pub sel_ok: Signal<In, Bit>,
    /// The selected tenant's counters, counting the bumps that arrived three clocks before or
    /// earlier. `sel` must have been stable for the clock before.
    pub sel_count: [Signal<Out, Bits<64>>; TENANT_COUNTERS],

    tidx: [Constant<Bits<8>>; MAX_TENANTS],
    live: [Constant<Bit>; MAX_TENANTS],
    tenants8: Constant<Bits<8>>,
    valid: [DFF<Bit>; MAX_TENANTS],
    /// Update copy and register-side copy, one RAM per counter.
    u_ram: [BlockRam<Bits<64>, TENANT_BITS>; TENANT_COUNTERS],
    s_ram: [BlockRam<Bits<64>, TENANT_BITS>; TENANT_COUNTERS],
    /// The bump being added (read issued the clock before).
    s1_valid: DFF<Bit>,
    s1_tenant: DFF<Bits<8>>,
    s1_bump: DFF<Bits<TENANT_COUNTERS>>,
    /// Where the bump's old entry is, found at stage 0 (registered, one-hot: the tenant select and
    /// compares are then not before the 64-bit adds): the sum stage 1 makes in that clock
    /// (`s1_fwd`), else the one it made the clock before (`s1_fwd_x`: being written), else the RAM
    /// if written since reset (`s1_stored`), else 0.
    s1_fwd: DFF<Bit>,
    s1_fwd_x: DFF<Bit>,
    s1_stored: DFF<Bit>,
    /// The sum stage 1 made in the last clock, which writes the RAMs at the next edge; then (`x_*`)
    /// the entry written at the last edge, forwarded past the RAM read at that edge (undefined:
    /// `BlockRam`).
    w_valid: DFF<Bit>,
    w_tenant: DFF<Bits<TENANT_BITS>>,
    w_val: [DFF<Bits<64>>; TENANT_COUNTERS],
    x_valid: DFF<Bit>,
    x_tenant: DFF<Bits<TENANT_BITS>>,
    x_val: [DFF<Bits<64>>; TENANT_COUNTERS],

    /// Stage 0's view of `valid` for the bumped tenant (without the write this clock makes).
    s0_valid: Signal<Local, Bit>,
    s0_fwd: Signal<Local, Bit>,
    s0_fwd_x: Signal<Local, Bit>,
    sel_stored: Signal<Local, Bit>,
    /// The two `valid` selects: the bumped tenant's and the selected tenant's.
    bump_decode: TenantDecode<8>,
    mux_s0_valid: OneHotMux<1>,
    mux_sel_stored: OneHotMux<1>,
    /// The selected tenant's counters come from `x_val` (written at the read's edge), else from
    /// the RAM.
    sel_fwd: Signal<Local, Bit>,
    old: [Signal<Local, Bits<64>>; TENANT_COUNTERS],
    /// A counter's bump, 0 or 1.
    inc: [Signal<Local, Bits<64>>; TENANT_COUNTERS],
    new: [Signal<Local, Bits<64>>; TENANT_COUNTERS],
}

impl std::fmt::Debug for TenantCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantCounters").finish_non_exhaustive()
    }
}

impl TenantCounters {
    /// # Panics
    /// If `params` are invalid or have more than [`MAX_TENANTS`] tenants.
    pub fn new(params: Params) -> TenantCounters {
        params.validate().expect("valid parameters");
        assert!(params.tenants as usize <= MAX_TENANTS);
        TenantCounters {
            clock: Default::default(),
            reset: Default::default(),
            bump_tenant: Default::default(),
            bump: Default::default(),
            sel: Default::default(),
            sel_hot: Default::default(),
            sel_ok: Default::default(),
            sel_count: Default::default(),
            tidx: tenant_indices(),
            live: std::array::from_fn(|i| Constant::new(i < params.tenants as usize)),
            tenants8: Constant::new(params.tenants.min(255).to_bits()),
            valid: std::array::from_fn(|_| Default::default()),
            u_ram: Default::default(),
            s_ram: Default::default(),
            s1_valid: Default::default(),
            s1_tenant: Default::default(),
            s1_bump: Default::default(),
            s1_fwd: Default::default(),
            s1_fwd_x: Default::default(),
            s1_stored: Default::default(),
            w_valid: Default::default(),
            w_tenant: Default::default(),
            w_val: Default::default(),
            x_valid: Default::default(),
            x_tenant: Default::default(),
            x_val: Default::default(),
            s0_valid: Default::default(),
            s0_fwd: Default::default(),
            s0_fwd_x: Default::default(),
            sel_stored: Default::default(),
            bump_decode: TenantDecode::new(MAX_TENANTS),
            mux_s0_valid: Default::default(),
            mux_sel_stored: Default::default(),
            sel_fwd: Default::default(),
            old: Default::default(),
            inc: Default::default(),
            new: Default::default(),
        }
    }
}

impl Logic for TenantCounters {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, s1_valid, s1_tenant, s1_bump, s1_fwd, s1_fwd_x, s1_stored, w_valid, w_tenant,
            x_valid, x_tenant
        );
        for i in 0..MAX_TENANTS {
            self.valid[i].clock.next = self.clock.val();
            self.valid[i].d.next = self.valid[i].q.val();
        }
        // Stage 0: read the bumped tenant's entry.
        self.s1_valid.d.next = self.bump.val().any() & (self.bump_tenant.val() < self.tenants8.val());
        self.s1_tenant.d.next = self.bump_tenant.val();
        self.s1_bump.d.next = self.bump.val();

        // Where each read finds its entry (`valid`: written since reset), AND-OR selects; the RAM
        // write marks its entry.
        self.bump_decode.tenant.next = self.bump_tenant.val();
        self.mux_s0_valid.sel.next = self.bump_decode.hot.val();
        self.mux_sel_stored.sel.next = self.sel_hot.val();
        for i in 0..MAX_TENANTS {
            self.mux_s0_valid.x[i].next = 0.into();
            self.mux_sel_stored.x[i].next = 0.into();
            if self.valid[i].q.val() {
                self.mux_s0_valid.x[i].next = 1.into();
                self.mux_sel_stored.x[i].next = 1.into();
            }
            if self.w_valid.q.val()
                & (bit_cast::<8, TENANT_BITS>(self.w_tenant.q.val()) == self.tidx[i].val())
            {
                self.valid[i].d.next = true;
            }
        }
        self.s0_valid.next = self.mux_s0_valid.y.val().any();
        self.sel_stored.next = self.mux_sel_stored.y.val().any();
        // The sum stage 1 makes this clock is in `w_val` next clock, the one in `w_val` now is in
        // `x_val` (and written at that edge, where this bump reads the RAM). Only a tenant's bump
        // is ever in them (`s1_valid`), so `w_tenant`'s low bits are enough.
        self.s0_fwd.next = self.s1_valid.q.val() & (self.s1_tenant.q.val() == self.bump_tenant.val());
        self.s0_fwd_x.next = self.w_valid.q.val()
            & (self.w_tenant.q.val() == self.bump_tenant.val().get_bits::<TENANT_BITS>(0));
        self.s1_fwd.d.next = self.s0_fwd.val();
        self.s1_fwd_x.d.next = !self.s0_fwd.val() & self.s0_fwd_x.val();
        self.s1_stored.d.next = !self.s0_fwd.val() & !self.s0_fwd_x.val() & self.s0_valid.val();
        // Stage 1: the old entry is one of the two sums in flight, the RAM or 0, as stage 0 found;
        // add into `w_val`, which writes both copies at the next edge.
        self.sel_fwd.next = self.x_valid.q.val() & (self.x_tenant.q.val() == self.sel.val());
        for c in 0..TENANT_COUNTERS {
            self.w_val[c].clock.next = self.clock.val();
            self.x_val[c].clock.next = self.clock.val();
            self.u_ram[c].read_clock.next = self.clock.val();
            self.u_ram[c].write_clock.next = self.clock.val();
            self.s_ram[c].read_clock.next = self.clock.val();
            self.s_ram[c].write_clock.next = self.clock.val();
            self.u_ram[c].read_address.next = self.bump_tenant.val().get_bits::<TENANT_BITS>(0);
            self.s_ram[c].read_address.next = self.sel.val();

            self.old[c].next = 0.into();
            if self.s1_stored.q.val() {
                self.old[c].next = self.u_ram[c].read_data.val();
            }
            if self.s1_fwd_x.q.val() {
                self.old[c].next = self.x_val[c].q.val();
            }
            if self.s1_fwd.q.val() {
                self.old[c].next = self.w_val[c].q.val();
            }
            // The bump as the adder's operand (0 or 1), not a select after the carry chain.
            self.inc[c].next = 0.into();
            if self.s1_bump.q.val().get_bit(c) {
                self.inc[c].next = 1.into();
            }
            self.new[c].next = self.old[c].val() + self.inc[c].val();
            self.w_val[c].d.next = self.new[c].val();
            self.x_val[c].d.next = self.w_val[c].q.val();
            self.u_ram[c].write_enable.next = self.w_valid.q.val();
            self.s_ram[c].write_enable.next = self.w_valid.q.val();
            self.u_ram[c].write_address.next = self.w_tenant.q.val();
            self.s_ram[c].write_address.next = self.w_tenant.q.val();
            self.u_ram[c].write_data.next = self.w_val[c].q.val();
            self.s_ram[c].write_data.next = self.w_val[c].q.val();

            self.sel_count[c].next = 0.into();
            if self.sel_ok.val() & self.sel_stored.val() {
                self.sel_count[c].next = self.s_ram[c].read_data.val();
            }
            if self.sel_ok.val() & self.sel_fwd.val() {
                self.sel_count[c].next = self.x_val[c].q.val();
            }
        }
        self.w_valid.d.next = self.s1_valid.q.val();
        // Only a bump of a tenant is written (`s1_valid`), so the low bits are the tenant.
        self.w_tenant.d.next = self.s1_tenant.q.val().get_bits::<TENANT_BITS>(0);
        self.x_valid.d.next = self.w_valid.q.val();
        self.x_tenant.d.next = self.w_tenant.q.val();

        for i in 0..MAX_TENANTS {
            if self.reset.val() | !self.live[i].val() {
                self.valid[i].d.next = false;
            }
        }
        if self.reset.val() {
            self.s1_valid.d.next = false;
            self.s1_fwd.d.next = false;
            self.s1_fwd_x.d.next = false;
            self.s1_stored.d.next = false;
            self.w_valid.d.next = false;
            self.x_valid.d.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, settle, tenant_hot, tick, verilator_lint, yosys_check};
    use aggnic_spec::model::Core;
    use aggnic_spec::regs;
    use aggnic_spec::wire::{Addressing, Frame, Header, Kind};

    const SMALL: Params = Params {
        lanes: 8,
        elements: 16,
        slots: 16,
        tenants: 5,
        window: 7,
    };

    fn release_frame(t: u8, seq: u32) -> Vec<u8> {
        Frame {
            addr: Addressing::between(1, 2, regs::DEFAULT_UDP_PORT),
            header: Header {
                kind: Kind::Release,
                flags: 0,
                tenant: t,
                worker: 0,
                elements: 0,
                seq,
                salt: 0,
                key_or_bitmap: 0,
            },
            payload: vec![],
        }
        .encode()
    }

    /// What a lookup of `t` must return, read off the model (slots from the test's own tally:
    /// the model has no slots-in-use port; the register-level test drives real frames instead).
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    struct Looked {
        enable: bool,
        quota: u32,
        mask: u64,
        key: u64,
        base: u32,
        done: u64,
        slots: u32,
    }

    fn expected(core: &Core, slots: &[u32], t: u8) -> Looked {
        core.tenant(t).map_or(
            Looked {
                enable: false,
                quota: 0,
                mask: 0,
                key: 0,
                base: 0,
                done: 0,
                slots: 0,
            },
            |x| Looked {
                enable: x.entry.enable,
                quota: x.entry.quota,
                mask: x.entry.mask,
                key: x.entry.key,
                base: x.base,
                done: x.done,
                slots: slots[t as usize],
            },
        )
    }

    fn looked(uut: &TenantTable) -> Looked {
        Looked {
            enable: uut.cfg_enable.val(),
            quota: uut.cfg_quota.val().to_u32(),
            mask: uut.cfg_mask.val().to_u64(),
            key: uut.cfg_key.val().to_u64(),
            base: uut.lookup_base.val().to_u32(),
            done: uut.lookup_done.val().to_u64(),
            slots: uut.lookup_slots.val().to_u32(),
        }
    }

    /// Both lookups of one tenant (the configuration's RAM address too: keep it for two clocks).
    fn look(uut: &mut TenantTable, t: u8) {
        uut.cfg_tenant.next = (t & 63).to_bits();
        uut.cfg_hot.next = tenant_hot(t);
        uut.lookup_tenant.next = t.to_bits();
        uut.lookup_hot.next = tenant_hot(t);
    }

    fn idle(uut: &mut TenantTable) {
        uut.wr_sel.next = false;
        uut.wr_ctrl.next = false;
        uut.wr_quota.next = false;
        uut.wr_mask_lo.next = false;
        uut.wr_mask_hi.next = false;
        uut.wr_key_lo.next = false;
        uut.wr_key_hi.next = false;
        uut.wr_base.next = false;
        uut.wb.next = false;
        uut.slot_inc.next = false;
        uut.slot_dec.next = false;
    }

    fn new_table(p: Params) -> TenantTable {
        let mut uut = TenantTable::new(p);
        uut.connect_all();
        idle(&mut uut);
        uut.reset.next = true;
        tick(&mut uut, |u| &mut u.clock);
        uut.reset.next = false;
        uut
    }

    /// The register writes the table implements, as (address, strobe).
    fn strobe(uut: &mut TenantTable, addr: u32) -> &mut Signal<In, Bit> {
        match addr {
            a if a == regs::TENANT_SEL.addr => &mut uut.wr_sel,
            a if a == regs::T_CTRL.addr => &mut uut.wr_ctrl,
            a if a == regs::T_QUOTA.addr => &mut uut.wr_quota,
            a if a == regs::T_MASK.addr => &mut uut.wr_mask_lo,
            a if a == regs::T_MASK.hi() => &mut uut.wr_mask_hi,
            a if a == regs::T_KEY.addr => &mut uut.wr_key_lo,
            a if a == regs::T_KEY.hi() => &mut uut.wr_key_hi,
            a if a == regs::T_WINDOW_BASE.addr => &mut uut.wr_base,
            _ => unreachable!("not a tenant-table register: {addr:#x}"),
        }
    }

    fn random_run(p: Params, seed: u64, cycles: u32) {
        let mut rng = Rng::new(seed);
        let mut uut = new_table(p);
        let mut core = Core::new(p);
        let tenants = p.tenants as u8;
        // Own tally of slots in use (model: only via frames; see `axil_regs` for that run).
        let mut slots = vec![0u32; p.tenants as usize];
        let addrs = [
            regs::TENANT_SEL.addr,
            regs::T_CTRL.addr,
            regs::T_CTRL.addr,
            regs::T_QUOTA.addr,
            regs::T_MASK.addr,
            regs::T_MASK.hi(),
            regs::T_KEY.addr,
            regs::T_KEY.hi(),
            regs::T_WINDOW_BASE.addr,
        ];
        let (mut commits, mut keyed_lookups, mut slides, mut same_cycle) = (0, 0, 0, 0);
        let (mut write_first, mut back_to_back, mut commit_forwards) = (0, 0, 0);
        // A COMMIT acts in the clock after its write (`busy`): the model takes the write then.
        let mut pending_commit: Option<u32> = None;
        let mut last_written: Option<u8> = None;
        // The lookups: whatever the table held before this cycle's updates. Configuration and
        // state of two tenants picked apart (the core looks them up a stage apart), often one;
        // often the selected tenant, so a COMMIT meets the configuration RAM's early read.
        let pick_tenant = |rng: &mut Rng, core: &Core| {
            if rng.chance(200) {
                core.read(regs::TENANT_SEL.addr) as u8
            } else if rng.chance(900) {
                rng.below(u64::from(tenants)) as u8
            } else {
                rng.next_u32() as u8
            }
        };
        // The configuration's RAM address goes a clock ahead: the next cycle's tenant.
        let mut ct = pick_tenant(&mut rng, &core);
        uut.cfg_tenant.next = (ct & 63).to_bits();
        tick(&mut uut, |u| &mut u.clock);
        for cycle in 0..cycles {
            idle(&mut uut);
            let lt = if rng.chance(300) {
                ct
            } else {
                pick_tenant(&mut rng, &core)
            };
            let next_ct = pick_tenant(&mut rng, &core);
            uut.cfg_tenant.next = (next_ct & 63).to_bits();
            uut.cfg_hot.next = tenant_hot(ct);
            uut.lookup_tenant.next = lt.to_bits();
            uut.lookup_hot.next = tenant_hot(lt);
            let (cfg, state) = (expected(&core, &slots, ct), expected(&core, &slots, lt));
            let mut want = Looked {
                base: state.base,
                done: state.done,
                slots: state.slots,
                ..cfg
            };
            // Window write: the window the model has after a RELEASE (the pipeline's
            // `WindowNext`), before any register write. Often the tenant looked up (write-first),
            // the one written the clock before, or the selected one (a COMMIT may come with it).
            let mut written = None;
            if rng.chance(500) {
                let wt = match rng.below(10) {
                    0..=2 => lt,
                    3..=4 => last_written.unwrap_or(lt),
                    5 => core.read(regs::TENANT_SEL.addr).min(u32::from(tenants)) as u8,
                    _ => rng.below(u64::from(tenants) + 1) as u8,
                };
                let (base, done) = match core.tenant(wt).map(|x| x.base) {
                    Some(old_base) => {
                        let seq = match rng.below(10) {
                            0 => rng.next_u32(),
                            1..=2 => old_base,
                            _ => old_base.wrapping_add(rng.below(u64::from(p.window) + 2) as u32),
                        };
                        core.tx(&release_frame(wt, seq));
                        let after = core.tenant(wt).expect("in table");
                        if after.base != old_base {
                            slides += 1;
                        }
                        (after.base, after.done)
                    }
                    // Not a tenant: ignored, whatever it carries.
                    None => (rng.next_u32(), rng.next_u64() & !1),
                };
                uut.wb.next = true;
                uut.wb_tenant.next = wt.to_bits();
                uut.wb_hot.next = tenant_hot(wt);
                uut.wb_base.next = base.to_bits();
                uut.wb_done.next = done.to_bits();
                if wt == lt && wt < tenants {
                    want.base = base;
                    want.done = done;
                    write_first += 1;
                }
                if last_written == Some(wt) {
                    back_to_back += 1;
                }
                written = Some(wt);
            }
            last_written = written;
            if rng.chance(300) {
                let st = rng.below(u64::from(tenants) + 1) as u8;
                let held = slots.get(st as usize).copied().unwrap_or(0);
                // No decrement below zero: the pipeline never frees a slot it does not hold.
                let (inc, dec) = (rng.chance(600), held > 0 && rng.chance(400));
                uut.slot_tenant.next = st.to_bits();
                uut.slot_hot.next = tenant_hot(st);
                uut.slot_inc.next = inc;
                uut.slot_dec.next = dec;
                if st < tenants {
                    let s = &mut slots[st as usize];
                    *s = s.wrapping_add(u32::from(inc)).wrapping_sub(u32::from(dec));
                }
            }
            settle(&mut uut);
            if let Some(value) = pending_commit.take() {
                let sel = core.read(regs::TENANT_SEL.addr);
                if sel < p.tenants {
                    commits += 1;
                    if written == Some(sel as u8) {
                        same_cycle += 1;
                    }
                    if u32::from(next_ct) == sel {
                        commit_forwards += 1;
                    }
                }
                core.write(regs::T_CTRL.addr, value);
            } else if !uut.busy.val() && rng.chance(350) {
                let addr = rng.pick(&addrs);
                let value = match addr {
                    a if a == regs::TENANT_SEL.addr => {
                        if rng.chance(900) {
                            rng.below(u64::from(tenants)) as u32
                        } else {
                            rng.next_u32() >> rng.below(32)
                        }
                    }
                    a if a == regs::T_CTRL.addr => rng.next_u32() & (t_ctrl::ENABLE | t_ctrl::COMMIT),
                    a if a == regs::T_WINDOW_BASE.addr && rng.chance(500) => u32::MAX - rng.below(10) as u32,
                    _ => rng.next_u32(),
                };
                strobe(&mut uut, addr).next = true;
                uut.wr_data.next = value.to_bits();
                if addr == regs::T_CTRL.addr && value & t_ctrl::COMMIT != 0 {
                    pending_commit = Some(value);
                } else {
                    core.write(addr, value);
                }
            }
            tick(&mut uut, |u| &mut u.clock);
            let got = looked(&uut);
            assert_eq!(got, want, "cycle {cycle}: configuration of {ct}, state of {lt}");
            ct = next_ct;
            if want.enable && want.key != 0 {
                keyed_lookups += 1;
            }
            // The register side's live view of the selected tenant.
            if !uut.busy.val() {
                let sel = core.read(regs::TENANT_SEL.addr);
                assert_eq!(uut.sel.val().to_u32(), sel, "cycle {cycle}");
                assert_eq!(
                    (
                        u32::from(uut.sel_enable.val()),
                        uut.sel_quota.val().to_u32(),
                        uut.sel_mask.val().to_u64(),
                        uut.sel_base.val().to_u32(),
                    ),
                    (
                        core.read(regs::T_CTRL.addr),
                        core.read(regs::T_QUOTA.addr),
                        core.read_reg64(regs::T_MASK),
                        core.read(regs::T_WINDOW_BASE.addr),
                    ),
                    "cycle {cycle}: live view of tenant {sel}"
                );
                let own = slots.get(sel as usize).copied().unwrap_or(0);
                assert_eq!(uut.sel_slots.val().to_u32(), own, "cycle {cycle}");
            }
            assert_eq!(
                uut.slots_total.val().to_u32(),
                slots.iter().fold(0u32, |a, s| a.wrapping_add(*s))
            );
        }
        assert!(commits > cycles / 100, "{commits} commits");
        assert!(
            keyed_lookups > cycles / 20,
            "{keyed_lookups} lookups of keyed tenants ({} tenants)",
            p.tenants
        );
        assert!(slides > cycles / 50, "{slides} window slides");
        assert!(
            same_cycle > 0,
            "a commit and a window write of one tenant in the same clock"
        );
        assert!(
            write_first > cycles / 100,
            "{write_first} lookups of the tenant written in the same clock"
        );
        assert!(
            commit_forwards > cycles / 200,
            "{commit_forwards} commits in the clock of the configuration RAM's read"
        );
        assert!(
            back_to_back > cycles / 100,
            "{back_to_back} writes of one tenant in consecutive clocks"
        );
    }

    #[test]
    fn lookup_and_register_view_follow_the_model() {
        let start = std::time::Instant::now();
        random_run(SMALL, 0x7ab1_0001, 6000);
        random_run(
            Params {
                tenants: 64,
                ..Params::DEFAULT
            },
            0x7ab1_0002,
            3000,
        );
        eprintln!("tenant_table: 9000 random cycles in {:?}", start.elapsed());
    }

    #[test]
    fn a_reset_clears_committed_entries_and_the_staging() {
        let p = SMALL;
        let mut uut = new_table(p);
        let mut core = Core::new(p);
        let writes = [
            (regs::TENANT_SEL.addr, 2),
            (regs::T_QUOTA.addr, 9),
            (regs::T_KEY.addr, 0xdead),
            (regs::T_MASK.hi(), 0x8000_0000),
            (regs::T_WINDOW_BASE.addr, 77),
            (regs::T_CTRL.addr, t_ctrl::ENABLE | t_ctrl::COMMIT),
        ];
        for (addr, value) in writes {
            idle(&mut uut);
            strobe(&mut uut, addr).next = true;
            uut.wr_data.next = value.to_bits();
            core.write(addr, value);
            tick(&mut uut, |u| &mut u.clock);
            idle(&mut uut);
            tick(&mut uut, |u| &mut u.clock);
        }
        look(&mut uut, 2);
        tick(&mut uut, |u| &mut u.clock);
        tick(&mut uut, |u| &mut u.clock);
        assert_eq!(looked(&uut), expected(&core, &[0; 5], 2));
        assert_eq!(looked(&uut).key, 0xdead);
        // Reset, with a window write of tenant 2 in the same clock (reset wins), then COMMIT
        // without a select: the staging must be empty again.
        uut.reset.next = true;
        uut.wb.next = true;
        uut.wb_tenant.next = 2u8.to_bits();
        uut.wb_hot.next = tenant_hot(2u8);
        uut.wb_base.next = 55u32.to_bits();
        uut.wb_done.next = 6u64.to_bits();
        tick(&mut uut, |u| &mut u.clock);
        idle(&mut uut);
        uut.reset.next = false;
        let mut core = Core::new(p);
        core.write(regs::T_CTRL.addr, t_ctrl::COMMIT);
        uut.wr_ctrl.next = true;
        uut.wr_data.next = t_ctrl::COMMIT.to_bits();
        look(&mut uut, 0);
        tick(&mut uut, |u| &mut u.clock);
        idle(&mut uut);
        tick(&mut uut, |u| &mut u.clock);
        assert_eq!(looked(&uut), expected(&core, &[0; 5], 0), "tenant 0");
        look(&mut uut, 2);
        tick(&mut uut, |u| &mut u.clock);
        tick(&mut uut, |u| &mut u.clock);
        assert_eq!(looked(&uut), expected(&core, &[0; 5], 2), "tenant 2");
        assert_eq!(looked(&uut).base, 0);
    }

    #[test]
    fn counters_count_every_bump_back_to_back() {
        // Own tally, clearly the test's: `model::Core` has no public way to bump a counter
        // (`axil_regs`'s run derives bumps from real frames instead).
        for (p, seed) in [(SMALL, 0xc0_0001u64), (Params::DEFAULT, 0xc0_0002)] {
            let mut rng = Rng::new(seed);
            let mut uut = TenantCounters::new(p);
            uut.connect_all();
            uut.reset.next = true;
            tick(&mut uut, |u| &mut u.clock);
            uut.reset.next = false;
            let t = p.tenants as usize;
            // tally[k]: counts after the bumps of cycles < k.
            let mut tally = vec![vec![[0u64; TENANT_COUNTERS]; t]];
            let mut sel = 0u32;
            let (mut fwd_cases, mut fwd_x_cases, mut nonzero) = (0, 0, 0);
            // The tenants bumped one and two clocks before (`None`: no bump of a tenant).
            let (mut last_bumped, mut before_last) = (None, None);
            for cycle in 0..4000usize {
                let mut next = tally.last().expect("one").clone();
                if rng.chance(5) {
                    // A reset: everything reads 0 from the next clock on (`valid`, `x_valid` cleared).
                    uut.reset.next = true;
                    uut.bump.next = 0.into();
                    next = vec![[0; TENANT_COUNTERS]; t];
                    tally = vec![next.clone(); tally.len()];
                    (last_bumped, before_last) = (None, None);
                } else {
                    uut.reset.next = false;
                    // Few tenants, so one tenant is often bumped on consecutive clocks.
                    let bt = if rng.chance(950) {
                        rng.below(3.min(t as u64)) as usize
                    } else {
                        rng.below(256) as usize
                    };
                    let bump = if rng.chance(700) {
                        rng.next_u32() & ((1 << TENANT_COUNTERS) - 1)
                    } else {
                        0
                    };
                    uut.bump_tenant.next = bt.to_bits();
                    uut.bump.next = bump.to_bits();
                    let bumped = (bt < t && bump != 0).then_some(bt);
                    if let Some(bt) = bumped {
                        if last_bumped == Some(bt) {
                            fwd_cases += 1;
                        } else if before_last == Some(bt) {
                            fwd_x_cases += 1;
                        }
                        for (c, n) in next[bt].iter_mut().enumerate() {
                            *n += u64::from(bump >> c & 1);
                        }
                    }
                    (last_bumped, before_last) = (bumped, last_bumped);
                }
                if rng.chance(100) {
                    sel = if rng.chance(900) {
                        rng.below(4.min(t as u64)) as u32
                    } else {
                        rng.next_u32()
                    };
                }
                uut.sel.next = (sel % MAX_TENANTS as u32).to_bits();
                let is_tenant = (sel as usize) < t;
                uut.sel_ok.next = is_tenant;
                uut.sel_hot.next = if is_tenant { 1u64 << sel } else { 0 }.to_bits();
                // `sel` changes take a clock to reach the RAM's output: compare from the next one
                // (the block sees the low bits and whether it is a tenant).
                let stable = cycle > 0
                    && uut.sel.val().to_u32() == sel % MAX_TENANTS as u32
                    && uut.sel_ok.val() == is_tenant;
                tick(&mut uut, |u| &mut u.clock);
                tally.push(next);
                // Now in cycle `cycle + 1`: bumps of cycles <= cycle - 2 are counted.
                if stable && tally.len() >= 4 {
                    let want = tally[tally.len() - 3]
                        .get(sel as usize)
                        .copied()
                        .unwrap_or([0; TENANT_COUNTERS]);
                    let got: Vec<u64> = uut.sel_count.iter().map(|s| s.val().to_u64()).collect();
                    assert_eq!(got, want, "cycle {cycle}: tenant {sel}");
                    if want.iter().any(|x| *x != 0) {
                        nonzero += 1;
                    }
                }
                if tally.len() > 4 {
                    tally.remove(0);
                }
            }
            assert!(fwd_cases > 500, "{fwd_cases} back-to-back bumps of one tenant");
            assert!(
                fwd_x_cases > 300,
                "{fwd_x_cases} bumps of one tenant two clocks apart"
            );
            assert!(nonzero > 1000, "{nonzero} non-zero comparisons");
        }
    }

    #[test]
    fn synthesizes() {
        let v = yosys_check("aggnic_hdl_tenant_table", &mut TenantTable::new(Params::DEFAULT));
        verilator_lint("aggnic_hdl_tenant_table_lint", &v, &["WIDTH", "DECLFILENAME"]);
        let v = yosys_check(
            "aggnic_hdl_tenant_counters",
            &mut TenantCounters::new(Params::DEFAULT),
        );
        verilator_lint("aggnic_hdl_tenant_counters_lint", &v, &["WIDTH", "DECLFILENAME"]);
    }
}
