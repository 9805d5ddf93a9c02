//! `AxilRegs`: the AXI4-Lite control slave (`s_axil_*`) implementing the register map.
//!
//! Address decode comes from `aggnic_spec::regs`: every mapped 32-bit word of `regs::ALL` is a
//! table entry built at construction, holding the value a freshly reset reference model reads
//! there (`model::Core::new(params).read`): block headers and capabilities (from the export
//! [`Params`]). The live registers override it:
//! - `CTRL`, `UDP_PORT`: read/write, drive [`AxilRegs::enable`] and [`AxilRegs::udp_port`].
//! - `STATUS.FLUSH_BUSY` is the [`AxilRegs::flush_busy`] input; `FLUSH_CMD` with START and a tenant
//!   in the table gives a one-clock [`AxilRegs::flush_start`] pulse with
//!   [`AxilRegs::flush_tenant`]; a START while `flush_busy` is high is ignored, as the register map
//!   says.
//! - `COMMAND.SOFT_RESET` pulses [`AxilRegs::soft_reset`] the clock after the write, and at the
//!   end of that clock every register, the tenant table and the counters return to reset with
//!   the rest of the core (the write still gets its response; no read is taken in that clock).
//!   SOFT_RESET wins over SNAPSHOT in the same write, as in the model.
//! - The tenant table (`tenant_table::TenantTable`): `TENANT_SEL`, the staged `T_` writes,
//!   `T_CTRL.COMMIT`, live reads of the selected tenant, `T_SLOTS_IN_USE`, `SLOTS_IN_USE`. Its
//!   pipeline ports are this block's `cfg_*`, `lookup_*`, `wb*` and `slot_*` ports (see there).
//! - Counters: `core_bump` and `core_bump_tx` (bit = `CoreCounter` index; two ports because the
//!   receive pipeline and the transmit path count in the same clock) and `tenant_bump` (bit = `TenantCounter`
//!   index) of `bump_tenant` count one each per clock, as `update_decide::UpdateDecide` produces
//!   them. The 9 global counters are 64-bit registers (their bumps delayed two clocks), the
//!   per-tenant ones live in `tenant_table::TenantCounters`. `COMMAND.SNAPSHOT` copies both into
//!   the snapshot registers the counter addresses read; the snapshot taken at clock `c` counts
//!   exactly the bumps presented at clocks `c - 3` and before (global and tenant alike).
//!
//! Unmapped addresses read 0 and ignore writes; every response is OKAY. `wstrb` is ignored (the
//! register map has no byte enables). One outstanding read and one outstanding write; no
//! transaction is accepted during the clock after a `TENANT_SEL` write or the two clocks after
//! a COMMIT (`TenantTable::busy`). A read takes two clocks: the clock that takes the address registers
//! the address decode (one hit flip-flop per counter and live word, the constant table's word
//! itself) and the live values; the next registers the AND-OR of hits and values as the read
//! data, so `rvalid` rises two clocks after the address. The data is the registers as they were
//! in the clock that took the address: no write is taken in that clock (a write waiting then
//! goes first) and every input of the second clock is a flip-flop a write changes only at the end
//! of a clock. (In one clock the address decode and the trees were the routed critical path.)

use crate::one_hot_mux::{OneHotMux, WAYS};
use crate::tenant_table::{MAX_TENANTS, TENANT_BITS, TenantCounters, TenantTable};
use aggnic_spec::model::{CORE_COUNTERS, Core, Params, TENANT_COUNTERS};
use aggnic_spec::regs::{self, Access, command, flush_cmd, status};
use rust_hdl::prelude::*;

/// Address bits of the AXI4-Lite window.
pub const ADDR_BITS: usize = regs::WINDOW_BYTES.trailing_zeros() as usize;

const fn word_count() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < regs::ALL.len() {
        n += regs::ALL[i].words() as usize;
        i += 1;
    }
    n
}

/// Mapped 32-bit words in the register map.
pub const WORDS: usize = word_count();
// The read mux's chain lengths (`hdl_gen` ranges take no arithmetic).
// The read mux's trees (`OneHotMux`, 64 ways): the constant words in two (`update` takes words
// 64 and up into the second), the counters' two words each in one (the tenant counters after
// the 18 core words: an index in `hdl_gen` is a literal expression), the live words in one.
const _: () = assert!(WORDS > WAYS && WORDS <= 2 * WAYS);
const _: () = assert!(2 * CORE_COUNTERS == 18 && 18 + 2 * TENANT_COUNTERS <= WAYS);
const _: () = assert!(LIVE_WORDS <= WAYS);
/// The words read from live registers other than the counters (`update`'s `rd_live` terms).
const LIVE_WORDS: usize = 11;
/// The counters' words (`rd_counters`' terms): two per counter.
const COUNTER_WORDS: usize = 2 * (CORE_COUNTERS + TENANT_COUNTERS);

fn addr(a: u32) -> Constant<Bits<ADDR_BITS>> {
    Constant::new(a.to_bits())
}

fn bit_index(mask: u32) -> Constant<Bits<8>> {
    assert_eq!(mask.count_ones(), 1, "a one-bit field");
    Constant::new(mask.trailing_zeros().to_bits())
}

/// The AXI4-Lite slave. Construct with [`AxilRegs::new`].
#[derive(LogicBlock)]
pub struct AxilRegs {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high.
    pub reset: Signal<In, Bit>,

    pub s_axil_awaddr: Signal<In, Bits<ADDR_BITS>>,
    pub s_axil_awvalid: Signal<In, Bit>,
    pub s_axil_awready: Signal<Out, Bit>,
    pub s_axil_wdata: Signal<In, Bits<32>>,
    pub s_axil_wstrb: Signal<In, Bits<4>>,
    pub s_axil_wvalid: Signal<In, Bit>,
    pub s_axil_wready: Signal<Out, Bit>,
    pub s_axil_bresp: Signal<Out, Bits<2>>,
    pub s_axil_bvalid: Signal<Out, Bit>,
    pub s_axil_bready: Signal<In, Bit>,
    pub s_axil_araddr: Signal<In, Bits<ADDR_BITS>>,
    pub s_axil_arvalid: Signal<In, Bit>,
    pub s_axil_arready: Signal<Out, Bit>,
    pub s_axil_rdata: Signal<Out, Bits<32>>,
    pub s_axil_rresp: Signal<Out, Bits<2>>,
    pub s_axil_rvalid: Signal<Out, Bit>,
    pub s_axil_rready: Signal<In, Bit>,

    /// `CTRL.ENABLE`.
    pub enable: Signal<Out, Bit>,
    /// `UDP_PORT`, bits 15:0.
    pub udp_port: Signal<Out, Bits<16>>,

    /// One clock after a `COMMAND.SOFT_RESET` write: reset the rest of the core.
    pub soft_reset: Signal<Out, Bit>,
    /// One clock after a `FLUSH_CMD` write with START and a tenant in the table.
    pub flush_start: Signal<Out, Bit>,
    pub flush_tenant: Signal<Out, Bits<8>>,
    /// `STATUS.FLUSH_BUSY`: the pipeline is walking the pool for a flush.
    pub flush_busy: Signal<In, Bit>,

    /// Global counter bumps, bit = `CoreCounter` index.
    pub core_bump: Signal<In, Bits<CORE_COUNTERS>>,
    /// More global counter bumps in the same clock (the transmit path's): a bit set in both
    /// ports counts 2.
    pub core_bump_tx: Signal<In, Bits<CORE_COUNTERS>>,
    /// Per-tenant counter bumps of `bump_tenant`, bit = `TenantCounter` index.
    pub tenant_bump: Signal<In, Bits<TENANT_COUNTERS>>,
    pub bump_tenant: Signal<In, Bits<8>>,

    /// Tenant configuration lookup: the committed entry comes out on `cfg_*` one clock after
    /// `cfg_hot`. (The tenant's low bits, a clock before `cfg_hot`, as `TenantTable::cfg_tenant`.)
    pub cfg_tenant: Signal<In, Bits<TENANT_BITS>>,
    /// The tenant decoded, as `TenantTable::cfg_hot`.
    pub cfg_hot: Signal<In, Bits<MAX_TENANTS>>,
    pub cfg_enable: Signal<Out, Bit>,
    pub cfg_quota: Signal<Out, Bits<32>>,
    pub cfg_mask: Signal<Out, Bits<64>>,
    pub cfg_key: Signal<Out, Bits<64>>,
    /// Tenant state lookup: window and slots in use come out on `lookup_*` one clock later
    /// (read-first: updates issued in the lookup's own clock are not seen, except a window write).
    pub lookup_tenant: Signal<In, Bits<8>>,
    /// `lookup_tenant` decoded, as `TenantTable::slot_hot`.
    pub lookup_hot: Signal<In, Bits<MAX_TENANTS>>,
    pub lookup_base: Signal<Out, Bits<32>>,
    pub lookup_done: Signal<Out, Bits<64>>,
    pub lookup_slots: Signal<Out, Bits<32>>,
    /// Window write: `wb_tenant`'s window is now `wb_base`, `wb_done`
    /// (`tenant_table::TenantTable::wb`).
    pub wb: Signal<In, Bit>,
    pub wb_tenant: Signal<In, Bits<8>>,
    /// `wb_tenant` decoded, as `TenantTable::slot_hot`.
    pub wb_hot: Signal<In, Bits<MAX_TENANTS>>,
    pub wb_base: Signal<In, Bits<32>>,
    pub wb_done: Signal<In, Bits<64>>,
    /// Slots in use of `slot_tenant`: +1, -1, or no change with both.
    pub slot_tenant: Signal<In, Bits<8>>,
    /// `slot_tenant` decoded, as `TenantTable::slot_hot`.
    pub slot_hot: Signal<In, Bits<MAX_TENANTS>>,
    pub slot_inc: Signal<In, Bit>,
    pub slot_dec: Signal<In, Bit>,

    word_addr: [Constant<Bits<ADDR_BITS>>; WORDS],
    word_value: [Constant<Bits<32>>; WORDS],
    ctrl_addr: Constant<Bits<ADDR_BITS>>,
    enable_bit: Constant<Bits<8>>,
    enable_reset: Constant<Bits<1>>,
    udp_port_addr: Constant<Bits<ADDR_BITS>>,
    udp_port_reset: Constant<Bits<16>>,
    status_addr: Constant<Bits<ADDR_BITS>>,
    flush_busy_value: Constant<Bits<32>>,
    flush_addr: Constant<Bits<ADDR_BITS>>,
    flush_start_bit: Constant<Bits<8>>,
    tenants: Constant<Bits<8>>,
    slots_addr: Constant<Bits<ADDR_BITS>>,
    command_addr: Constant<Bits<ADDR_BITS>>,
    soft_reset_bit: Constant<Bits<8>>,
    snapshot_bit: Constant<Bits<8>>,
    sel_addr: Constant<Bits<ADDR_BITS>>,
    t_ctrl_addr: Constant<Bits<ADDR_BITS>>,
    t_enable_value: Constant<Bits<32>>,
    t_quota_addr: Constant<Bits<ADDR_BITS>>,
    t_mask_lo: Constant<Bits<ADDR_BITS>>,
    t_mask_hi: Constant<Bits<ADDR_BITS>>,
    t_key_lo: Constant<Bits<ADDR_BITS>>,
    t_key_hi: Constant<Bits<ADDR_BITS>>,
    t_base_addr: Constant<Bits<ADDR_BITS>>,
    t_slots_addr: Constant<Bits<ADDR_BITS>>,
    core_lo: [Constant<Bits<ADDR_BITS>>; CORE_COUNTERS],
    core_hi: [Constant<Bits<ADDR_BITS>>; CORE_COUNTERS],
    tenant_lo: [Constant<Bits<ADDR_BITS>>; TENANT_COUNTERS],
    tenant_hi: [Constant<Bits<ADDR_BITS>>; TENANT_COUNTERS],
    one: Constant<Bits<64>>,
    two: Constant<Bits<64>>,

    /// Not `table`: a Verilog keyword (`table ... endtable`), which Verilator rejects.
    ttable: TenantTable,
    counters: TenantCounters,

    write_now: Signal<Local, Bit>,
    /// A read address would be taken now (`arready`); `read_now` when one is offered.
    read_ready: Signal<Local, Bit>,
    read_now: Signal<Local, Bit>,
    soft_now: Signal<Local, Bit>,
    snap_now: Signal<Local, Bit>,
    any_reset: Signal<Local, Bit>,
    rd: Signal<Local, Bits<32>>,
    /// The read mux: balanced AND-OR trees (`OneHotMux` with every way selected: its inputs
    /// are the terms, 0 unless the address matches) for the constant words (two: words 0..64
    /// and 64.., in the address clock), the counters' snapshots and the other live registers
    /// (in the clock after, on the registered hits). (OR chains, even of constants, synthesise
    /// as chains: five LUTs in series on the routed netlist.)
    rd_words_lo: OneHotMux<32>,
    rd_words_hi: OneHotMux<32>,
    rd_counters: OneHotMux<32>,
    rd_live: OneHotMux<32>,
    all_ways: Constant<Bits<WAYS>>,
    r_enable: DFF<Bits<1>>,
    r_udp_port: DFF<Bits<16>>,
    r_bvalid: DFF<Bit>,
    r_rvalid: DFF<Bit>,
    r_rdata: DFF<Bits<32>>,
    /// The read's second clock is pending (the address was taken in the clock before).
    r_reading: DFF<Bit>,
    /// The constant table's word at the read address.
    r_words: DFF<Bits<32>>,
    /// Address hits, one per counter word (`rd_counters`' ways) and per live word (`rd_live`'s).
    r_hit_counter: [DFF<Bit>; COUNTER_WORDS],
    r_hit_live: [DFF<Bit>; LIVE_WORDS],
    /// The live words' values, every clock (their terms' conditions included).
    r_live: [DFF<Bits<32>>; LIVE_WORDS],
    write_waiting: Signal<Local, Bit>,
    r_soft: DFF<Bit>,
    r_flush_start: DFF<Bit>,
    r_flush_tenant: DFF<Bits<8>>,
    /// The global counters' bumps, delayed two clocks (`r_`, `r2_`).
    r_core_bump: DFF<Bits<CORE_COUNTERS>>,
    r_core_bump_tx: DFF<Bits<CORE_COUNTERS>>,
    r2_core_bump: DFF<Bits<CORE_COUNTERS>>,
    r2_core_bump_tx: DFF<Bits<CORE_COUNTERS>>,
    core_count: [DFF<Bits<64>>; CORE_COUNTERS],
    core_snap: [DFF<Bits<64>>; CORE_COUNTERS],
    tenant_snap: [DFF<Bits<64>>; TENANT_COUNTERS],
}

impl std::fmt::Debug for AxilRegs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The tenant RAMs (rust-hdl `RAM`) have no `Debug`.
        f.debug_struct("AxilRegs").finish_non_exhaustive()
    }
}

impl AxilRegs {
    /// # Panics
    /// If `params` is invalid (see [`Params::validate`]) or has more tenants than
    /// `tenant_table::MAX_TENANTS`.
    pub fn new(params: Params) -> AxilRegs {
        let model = Core::new(params);
        // The words read from live registers (`update`); each appears once, so the read mux
        // can OR its terms. The constant table has 0 at these words: the T_CTRL and STATUS
        // terms are conditional, so their words must read 0 otherwise.
        let live: Vec<u32> = [
            regs::CTRL.addr,
            regs::UDP_PORT.addr,
            regs::STATUS.addr,
            regs::SLOTS_IN_USE.addr,
            regs::TENANT_SEL.addr,
            regs::T_CTRL.addr,
            regs::T_QUOTA.addr,
            regs::T_MASK.addr,
            regs::T_MASK.hi(),
            regs::T_WINDOW_BASE.addr,
            regs::T_SLOTS_IN_USE.addr,
        ]
        .into_iter()
        .chain(regs::CORE_COUNTER_REGS.iter().flat_map(|r| [r.addr, r.hi()]))
        .chain(regs::TENANT_COUNTER_REGS.iter().flat_map(|r| [r.addr, r.hi()]))
        .collect();
        assert_eq!(
            live.iter().collect::<std::collections::BTreeSet<_>>().len(),
            live.len(),
            "each live word once"
        );
        assert_eq!(
            live.len(),
            LIVE_WORDS + 2 * (CORE_COUNTERS + TENANT_COUNTERS),
            "one rd_live term per live word that is not a counter"
        );
        assert_eq!(model.read(regs::STATUS.addr), 0);
        assert_eq!(model.read(regs::T_CTRL.addr), 0);
        let words: Vec<(u32, u32)> = regs::ALL
            .iter()
            .flat_map(|r| (0..r.words()).map(move |w| r.addr + 4 * w))
            .map(|addr| (addr, if live.contains(&addr) { 0 } else { model.read(addr) }))
            .collect();
        assert_eq!(words.len(), WORDS);
        assert!(
            regs::ALL
                .iter()
                .all(|r| r.access != Access::Wo || model.read(r.addr) == 0)
        );
        assert_eq!(regs::CORE_COUNTER_REGS.len(), CORE_COUNTERS);
        assert_eq!(regs::TENANT_COUNTER_REGS.len(), TENANT_COUNTERS);
        assert_eq!(flush_cmd::TENANT_MASK, 0xff, "FLUSH_CMD's tenant is bits 7:0");
        AxilRegs {
            clock: Default::default(),
            reset: Default::default(),
            s_axil_awaddr: Default::default(),
            s_axil_awvalid: Default::default(),
            s_axil_awready: Default::default(),
            s_axil_wdata: Default::default(),
            s_axil_wstrb: Default::default(),
            s_axil_wvalid: Default::default(),
            s_axil_wready: Default::default(),
            s_axil_bresp: Default::default(),
            s_axil_bvalid: Default::default(),
            s_axil_bready: Default::default(),
            s_axil_araddr: Default::default(),
            s_axil_arvalid: Default::default(),
            s_axil_arready: Default::default(),
            s_axil_rdata: Default::default(),
            s_axil_rresp: Default::default(),
            s_axil_rvalid: Default::default(),
            s_axil_rready: Default::default(),
            enable: Default::default(),
            udp_port: Default::default(),
            soft_reset: Default::default(),
            flush_start: Default::default(),
            flush_tenant: Default::default(),
            flush_busy: Default::default(),
            core_bump: Default::default(),
            core_bump_tx: Default::default(),
            tenant_bump: Default::default(),
            bump_tenant: Default::default(),
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
            word_addr: std::array::from_fn(|i| addr(words[i].0)),
            word_value: std::array::from_fn(|i| Constant::new(words[i].1.to_bits())),
            ctrl_addr: addr(regs::CTRL.addr),
            enable_bit: bit_index(regs::ctrl::ENABLE),
            enable_reset: Constant::new(model.enabled().into()),
            udp_port_addr: addr(regs::UDP_PORT.addr),
            udp_port_reset: Constant::new(model.udp_port().to_bits()),
            status_addr: addr(regs::STATUS.addr),
            flush_busy_value: Constant::new(status::FLUSH_BUSY.to_bits()),
            flush_addr: addr(regs::FLUSH_CMD.addr),
            flush_start_bit: bit_index(flush_cmd::START),
            tenants: Constant::new(params.tenants.min(255).to_bits()),
            slots_addr: addr(regs::SLOTS_IN_USE.addr),
            command_addr: addr(regs::COMMAND.addr),
            soft_reset_bit: bit_index(command::SOFT_RESET),
            snapshot_bit: bit_index(command::SNAPSHOT),
            sel_addr: addr(regs::TENANT_SEL.addr),
            t_ctrl_addr: addr(regs::T_CTRL.addr),
            t_enable_value: Constant::new(regs::t_ctrl::ENABLE.to_bits()),
            t_quota_addr: addr(regs::T_QUOTA.addr),
            t_mask_lo: addr(regs::T_MASK.addr),
            t_mask_hi: addr(regs::T_MASK.hi()),
            t_key_lo: addr(regs::T_KEY.addr),
            t_key_hi: addr(regs::T_KEY.hi()),
            t_base_addr: addr(regs::T_WINDOW_BASE.addr),
            t_slots_addr: addr(regs::T_SLOTS_IN_USE.addr),
            core_lo: std::array::from_fn(|i| addr(regs::CORE_COUNTER_REGS[i].addr)),
            core_hi: std::array::from_fn(|i| addr(regs::CORE_COUNTER_REGS[i].hi())),
            tenant_lo: std::array::from_fn(|i| addr(regs::TENANT_COUNTER_REGS[i].addr)),
            tenant_hi: std::array::from_fn(|i| addr(regs::TENANT_COUNTER_REGS[i].hi())),
            one: Constant::new(1u64.to_bits()),
            two: Constant::new(2u64.to_bits()),
            ttable: TenantTable::new(params),
            counters: TenantCounters::new(params),
            write_now: Default::default(),
            read_ready: Default::default(),
            read_now: Default::default(),
            soft_now: Default::default(),
            snap_now: Default::default(),
            any_reset: Default::default(),
            rd: Default::default(),
            rd_words_lo: Default::default(),
            rd_words_hi: Default::default(),
            rd_counters: Default::default(),
            rd_live: Default::default(),
            all_ways: Constant::new(u64::MAX.to_bits()),
            r_enable: Default::default(),
            r_udp_port: Default::default(),
            r_bvalid: Default::default(),
            r_rvalid: Default::default(),
            r_rdata: Default::default(),
            r_reading: Default::default(),
            r_words: Default::default(),
            r_hit_counter: std::array::from_fn(|_| Default::default()),
            r_hit_live: Default::default(),
            r_live: Default::default(),
            write_waiting: Default::default(),
            r_soft: Default::default(),
            r_flush_start: Default::default(),
            r_flush_tenant: Default::default(),
            r_core_bump: Default::default(),
            r_core_bump_tx: Default::default(),
            r2_core_bump: Default::default(),
            r2_core_bump_tx: Default::default(),
            core_count: Default::default(),
            core_snap: Default::default(),
            tenant_snap: Default::default(),
        }
    }
}

impl Logic for AxilRegs {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            r_enable,
            r_udp_port,
            r_bvalid,
            r_rvalid,
            r_rdata,
            r_reading,
            r_words,
            r_soft,
            r_flush_start,
            r_flush_tenant,
            r_core_bump,
            r_core_bump_tx,
            r2_core_bump,
            r2_core_bump_tx
        );
        for i in 0..CORE_COUNTERS {
            self.core_count[i].clock.next = self.clock.val();
            self.core_snap[i].clock.next = self.clock.val();
            self.core_count[i].d.next = self.core_count[i].q.val();
            self.core_snap[i].d.next = self.core_snap[i].q.val();
        }
        for i in 0..TENANT_COUNTERS {
            self.tenant_snap[i].clock.next = self.clock.val();
            self.tenant_snap[i].d.next = self.tenant_snap[i].q.val();
        }
        for i in 0..COUNTER_WORDS {
            self.r_hit_counter[i].clock.next = self.clock.val();
            self.r_hit_counter[i].d.next = false;
        }
        for i in 0..LIVE_WORDS {
            self.r_hit_live[i].clock.next = self.clock.val();
            self.r_hit_live[i].d.next = false;
            self.r_live[i].clock.next = self.clock.val();
            self.r_live[i].d.next = 0.into();
        }
        self.ttable.clock.next = self.clock.val();
        self.counters.clock.next = self.clock.val();

        // Write: address and data are taken together, when no response is pending and the tenant
        // table is not loading.
        self.write_waiting.next =
            self.s_axil_awvalid.val() & self.s_axil_wvalid.val() & !self.r_bvalid.q.val();
        self.write_now.next = self.write_waiting.val() & !self.ttable.busy.val();
        if self.write_now.val() {
            self.r_bvalid.d.next = true;
            if self.s_axil_awaddr.val() == self.ctrl_addr.val() {
                self.r_enable.d.next = self
                    .s_axil_wdata
                    .val()
                    .get_bits::<1>(self.enable_bit.val().index());
            }
            if self.s_axil_awaddr.val() == self.udp_port_addr.val() {
                self.r_udp_port.d.next = self.s_axil_wdata.val().get_bits::<16>(0);
            }
        }
        if self.r_bvalid.q.val() & self.s_axil_bready.val() {
            self.r_bvalid.d.next = false;
        }
        self.soft_now.next = self.write_now.val()
            & (self.s_axil_awaddr.val() == self.command_addr.val())
            & self.s_axil_wdata.val().get_bit(self.soft_reset_bit.val().index());
        self.snap_now.next = self.write_now.val()
            & (self.s_axil_awaddr.val() == self.command_addr.val())
            & self.s_axil_wdata.val().get_bit(self.snapshot_bit.val().index())
            & !self.soft_now.val();
        // SOFT_RESET takes effect a clock after the write, with the rest of the core (`soft_reset`):
        // from a flip-flop, not from the write's decode (that decode into every reset input was
        // the routed critical path). No read is taken in that clock.
        self.any_reset.next = self.reset.val() | self.r_soft.q.val();
        self.r_soft.d.next = self.soft_now.val();
        self.r_flush_start.d.next = self.write_now.val()
            & (self.s_axil_awaddr.val() == self.flush_addr.val())
            & self
                .s_axil_wdata
                .val()
                .get_bit(self.flush_start_bit.val().index())
            & (self.s_axil_wdata.val().get_bits::<8>(0) < self.tenants.val())
            & !self.flush_busy.val();
        self.r_flush_tenant.d.next = self.s_axil_wdata.val().get_bits::<8>(0);

        // The tenant table.
        self.ttable.reset.next = self.any_reset.val();
        self.ttable.wr_data.next = self.s_axil_wdata.val();
        self.ttable.wr_sel.next = self.write_now.val() & (self.s_axil_awaddr.val() == self.sel_addr.val());
        self.ttable.wr_ctrl.next =
            self.write_now.val() & (self.s_axil_awaddr.val() == self.t_ctrl_addr.val());
        self.ttable.wr_quota.next =
            self.write_now.val() & (self.s_axil_awaddr.val() == self.t_quota_addr.val());
        self.ttable.wr_mask_lo.next =
            self.write_now.val() & (self.s_axil_awaddr.val() == self.t_mask_lo.val());
        self.ttable.wr_mask_hi.next =
            self.write_now.val() & (self.s_axil_awaddr.val() == self.t_mask_hi.val());
        self.ttable.wr_key_lo.next = self.write_now.val() & (self.s_axil_awaddr.val() == self.t_key_lo.val());
        self.ttable.wr_key_hi.next = self.write_now.val() & (self.s_axil_awaddr.val() == self.t_key_hi.val());
        self.ttable.wr_base.next =
            self.write_now.val() & (self.s_axil_awaddr.val() == self.t_base_addr.val());
        self.ttable.cfg_tenant.next = self.cfg_tenant.val();
        self.ttable.cfg_hot.next = self.cfg_hot.val();
        self.ttable.lookup_tenant.next = self.lookup_tenant.val();
        self.ttable.lookup_hot.next = self.lookup_hot.val();
        self.ttable.wb.next = self.wb.val();
        self.ttable.wb_tenant.next = self.wb_tenant.val();
        self.ttable.wb_hot.next = self.wb_hot.val();
        self.ttable.wb_base.next = self.wb_base.val();
        self.ttable.wb_done.next = self.wb_done.val();
        self.ttable.slot_tenant.next = self.slot_tenant.val();
        self.ttable.slot_hot.next = self.slot_hot.val();
        self.ttable.slot_inc.next = self.slot_inc.val();
        self.ttable.slot_dec.next = self.slot_dec.val();

        // Counters: global ones here (bumps delayed two clocks, to line up with the per-tenant
        // store's read, add and write), per-tenant ones in the store.
        self.counters.reset.next = self.any_reset.val();
        self.counters.bump_tenant.next = self.bump_tenant.val();
        self.counters.bump.next = self.tenant_bump.val();
        self.counters.sel.next = self.ttable.sel.val().get_bits::<TENANT_BITS>(0);
        self.counters.sel_hot.next = self.ttable.sel_hot.val();
        self.counters.sel_ok.next = self.ttable.sel_ok.val();
        self.r_core_bump.d.next = self.core_bump.val();
        self.r_core_bump_tx.d.next = self.core_bump_tx.val();
        self.r2_core_bump.d.next = self.r_core_bump.q.val();
        self.r2_core_bump_tx.d.next = self.r_core_bump_tx.q.val();
        for i in 0..CORE_COUNTERS {
            if self.r2_core_bump.q.val().get_bit(i) | self.r2_core_bump_tx.q.val().get_bit(i) {
                self.core_count[i].d.next = self.core_count[i].q.val() + self.one.val();
            }
            if self.r2_core_bump.q.val().get_bit(i) & self.r2_core_bump_tx.q.val().get_bit(i) {
                self.core_count[i].d.next = self.core_count[i].q.val() + self.two.val();
            }
            if self.snap_now.val() {
                self.core_snap[i].d.next = self.core_count[i].q.val();
            }
        }
        for i in 0..TENANT_COUNTERS {
            if self.snap_now.val() {
                self.tenant_snap[i].d.next = self.counters.sel_count[i].val();
            }
        }

        // Read, first clock (`read_now`): the address decode. The constant table's word in full
        // (AND-OR trees: each address appears once, see `new`; a chain of ifs would be a
        // priority chain as deep as the map, an OR chain stays a chain), a hit per counter and
        // live word, and the live values (every clock).
        self.read_ready.next = !self.r_rvalid.q.val()
            & !self.r_reading.q.val()
            & !self.r_soft.q.val()
            & !self.write_waiting.val()
            & !self.ttable.busy.val();
        self.read_now.next = self.s_axil_arvalid.val() & self.read_ready.val();
        self.rd_words_lo.sel.next = self.all_ways.val();
        self.rd_words_hi.sel.next = self.all_ways.val();
        self.rd_counters.sel.next = self.all_ways.val();
        self.rd_live.sel.next = self.all_ways.val();
        for i in 0..WAYS {
            self.rd_words_lo.x[i].next = 0.into();
            self.rd_words_hi.x[i].next = 0.into();
            self.rd_counters.x[i].next = 0.into();
            self.rd_live.x[i].next = 0.into();
        }
        for i in 0..WAYS {
            if self.s_axil_araddr.val() == self.word_addr[i].val() {
                self.rd_words_lo.x[i].next = self.word_value[i].val();
            }
        }
        for i in WAYS..WORDS {
            if self.s_axil_araddr.val() == self.word_addr[i].val() {
                self.rd_words_hi.x[i - 64].next = self.word_value[i].val();
            }
        }
        self.r_words.d.next = self.rd_words_lo.y.val() | self.rd_words_hi.y.val();
        for i in 0..CORE_COUNTERS {
            self.r_hit_counter[2 * i].d.next = self.s_axil_araddr.val() == self.core_lo[i].val();
            self.r_hit_counter[2 * i + 1].d.next = self.s_axil_araddr.val() == self.core_hi[i].val();
        }
        for i in 0..TENANT_COUNTERS {
            self.r_hit_counter[18 + 2 * i].d.next = self.s_axil_araddr.val() == self.tenant_lo[i].val();
            self.r_hit_counter[19 + 2 * i].d.next = self.s_axil_araddr.val() == self.tenant_hi[i].val();
        }
        // The live words (`LIVE_WORDS` of them; each must be in `new`'s `live` list, which zeroes
        // its word in the constant table). A one-step loop: a constant index is emitted by name.
        for k in 0..1 {
            self.r_hit_live[k].d.next = self.s_axil_araddr.val() == self.ctrl_addr.val();
            self.r_live[k].d.next = bit_cast::<32, 1>(self.r_enable.q.val());
            self.r_hit_live[k + 1].d.next = self.s_axil_araddr.val() == self.udp_port_addr.val();
            self.r_live[k + 1].d.next = bit_cast::<32, 16>(self.r_udp_port.q.val());
            self.r_hit_live[k + 2].d.next = self.s_axil_araddr.val() == self.status_addr.val();
            if self.flush_busy.val() {
                self.r_live[k + 2].d.next = self.flush_busy_value.val();
            }
            self.r_hit_live[k + 3].d.next = self.s_axil_araddr.val() == self.slots_addr.val();
            self.r_live[k + 3].d.next = self.ttable.slots_total.val();
            self.r_hit_live[k + 4].d.next = self.s_axil_araddr.val() == self.sel_addr.val();
            self.r_live[k + 4].d.next = self.ttable.sel.val();
            self.r_hit_live[k + 5].d.next = self.s_axil_araddr.val() == self.t_ctrl_addr.val();
            if self.ttable.sel_enable.val() {
                self.r_live[k + 5].d.next = self.t_enable_value.val();
            }
            self.r_hit_live[k + 6].d.next = self.s_axil_araddr.val() == self.t_quota_addr.val();
            self.r_live[k + 6].d.next = self.ttable.sel_quota.val();
            self.r_hit_live[k + 7].d.next = self.s_axil_araddr.val() == self.t_mask_lo.val();
            self.r_live[k + 7].d.next = self.ttable.sel_mask.val().get_bits::<32>(0);
            self.r_hit_live[k + 8].d.next = self.s_axil_araddr.val() == self.t_mask_hi.val();
            self.r_live[k + 8].d.next = self.ttable.sel_mask.val().get_bits::<32>(32);
            self.r_hit_live[k + 9].d.next = self.s_axil_araddr.val() == self.t_base_addr.val();
            self.r_live[k + 9].d.next = self.ttable.sel_base.val();
            self.r_hit_live[k + 10].d.next = self.s_axil_araddr.val() == self.t_slots_addr.val();
            self.r_live[k + 10].d.next = self.ttable.sel_slots.val();
        }
        if self.read_now.val() {
            self.r_reading.d.next = true;
        }

        // Read, second clock: the registered hits select the counters' snapshots and the live
        // values (registered a clock ago too, so the trees start at flip-flops).
        for i in 0..CORE_COUNTERS {
            if self.r_hit_counter[2 * i].q.val() {
                self.rd_counters.x[2 * i].next = self.core_snap[i].q.val().get_bits::<32>(0);
            }
            if self.r_hit_counter[2 * i + 1].q.val() {
                self.rd_counters.x[2 * i + 1].next = self.core_snap[i].q.val().get_bits::<32>(32);
            }
        }
        for i in 0..TENANT_COUNTERS {
            if self.r_hit_counter[18 + 2 * i].q.val() {
                self.rd_counters.x[18 + 2 * i].next = self.tenant_snap[i].q.val().get_bits::<32>(0);
            }
            if self.r_hit_counter[19 + 2 * i].q.val() {
                self.rd_counters.x[19 + 2 * i].next = self.tenant_snap[i].q.val().get_bits::<32>(32);
            }
        }
        for i in 0..LIVE_WORDS {
            if self.r_hit_live[i].q.val() {
                self.rd_live.x[i].next = self.r_live[i].q.val();
            }
        }
        self.rd.next = self.r_words.q.val() | self.rd_counters.y.val() | self.rd_live.y.val();
        if self.r_reading.q.val() {
            self.r_reading.d.next = false;
            self.r_rvalid.d.next = true;
            self.r_rdata.d.next = self.rd.val();
        }
        if self.r_rvalid.q.val() & self.s_axil_rready.val() {
            self.r_rvalid.d.next = false;
        }

        if self.any_reset.val() {
            self.r_enable.d.next = self.enable_reset.val();
            self.r_udp_port.d.next = self.udp_port_reset.val();
            self.r_core_bump.d.next = 0.into();
            self.r_core_bump_tx.d.next = 0.into();
            self.r2_core_bump.d.next = 0.into();
            self.r2_core_bump_tx.d.next = 0.into();
            for i in 0..CORE_COUNTERS {
                self.core_count[i].d.next = 0.into();
                self.core_snap[i].d.next = 0.into();
            }
            for i in 0..TENANT_COUNTERS {
                self.tenant_snap[i].d.next = 0.into();
            }
        }
        if self.reset.val() {
            self.r_bvalid.d.next = false;
            self.r_rvalid.d.next = false;
            self.r_reading.d.next = false;
            self.r_soft.d.next = false;
            self.r_flush_start.d.next = false;
        }

        self.s_axil_awready.next = self.write_now.val();
        self.s_axil_wready.next = self.write_now.val();
        self.s_axil_bvalid.next = self.r_bvalid.q.val();
        self.s_axil_bresp.next = 0.into();
        self.s_axil_arready.next = self.read_ready.val();
        self.s_axil_rvalid.next = self.r_rvalid.q.val();
        self.s_axil_rdata.next = self.r_rdata.q.val();
        self.s_axil_rresp.next = 0.into();
        self.enable.next = self.r_enable.q.val().any();
        self.udp_port.next = self.r_udp_port.q.val();
        self.soft_reset.next = self.r_soft.q.val();
        self.flush_start.next = self.r_flush_start.q.val();
        self.flush_tenant.next = self.r_flush_tenant.q.val();
        self.cfg_enable.next = self.ttable.cfg_enable.val();
        self.cfg_quota.next = self.ttable.cfg_quota.val();
        self.cfg_mask.next = self.ttable.cfg_mask.val();
        self.cfg_key.next = self.ttable.cfg_key.val();
        self.lookup_base.next = self.ttable.lookup_base.val();
        self.lookup_done.next = self.ttable.lookup_done.val();
        self.lookup_slots.next = self.ttable.lookup_slots.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, on_big_stack, settle, tenant_hot, tick, verilator_lint, yosys_check};

    const PARAMS: Params = Params::DEFAULT;

    fn clock(u: &mut AxilRegs) -> &mut Signal<In, Clock> {
        &mut u.clock
    }

    fn reset(uut: &mut AxilRegs) {
        uut.connect_all();
        uut.reset.next = true;
        tick(uut, clock);
        uut.reset.next = false;
        tick(uut, clock);
    }

    /// An AXI4-Lite read with `stall` cycles of `rready` low; checks the response holds meanwhile.
    fn read(uut: &mut AxilRegs, addr: u32, stall: u32) -> u32 {
        uut.s_axil_araddr.next = addr.to_bits();
        uut.s_axil_arvalid.next = true;
        uut.s_axil_rready.next = false;
        settle(uut);
        assert!(uut.s_axil_arready.val(), "arready idle");
        tick(uut, clock);
        uut.s_axil_arvalid.next = false;
        uut.s_axil_araddr.next = 0.into();
        settle(uut);
        assert!(
            !uut.s_axil_rvalid.val() && !uut.s_axil_arready.val(),
            "the read's second clock"
        );
        tick(uut, clock);
        settle(uut);
        assert!(uut.s_axil_rvalid.val(), "rvalid two clocks after the address");
        let data = uut.s_axil_rdata.val().to_u32();
        for _ in 0..stall {
            tick(uut, clock);
            assert!(
                uut.s_axil_rvalid.val() && uut.s_axil_rdata.val().to_u32() == data,
                "held under stall"
            );
            assert!(!uut.s_axil_arready.val(), "no second read while one is pending");
        }
        assert_eq!(uut.s_axil_rresp.val().to_u8(), 0, "OKAY");
        uut.s_axil_rready.next = true;
        tick(uut, clock);
        uut.s_axil_rready.next = false;
        settle(uut);
        assert!(!uut.s_axil_rvalid.val());
        data
    }

    fn write(uut: &mut AxilRegs, addr: u32, value: u32, stall: u32) {
        uut.s_axil_awaddr.next = addr.to_bits();
        uut.s_axil_wdata.next = value.to_bits();
        uut.s_axil_wstrb.next = 0xf.into();
        uut.s_axil_awvalid.next = true;
        uut.s_axil_wvalid.next = true;
        uut.s_axil_bready.next = false;
        settle(uut);
        assert!(
            uut.s_axil_awready.val() && uut.s_axil_wready.val(),
            "write accepted when idle"
        );
        tick(uut, clock);
        uut.s_axil_awvalid.next = false;
        uut.s_axil_wvalid.next = false;
        settle(uut);
        for _ in 0..stall {
            assert!(uut.s_axil_bvalid.val());
            tick(uut, clock);
        }
        assert!(uut.s_axil_bvalid.val() && uut.s_axil_bresp.val().to_u8() == 0);
        uut.s_axil_bready.next = true;
        tick(uut, clock);
        uut.s_axil_bready.next = false;
        settle(uut);
        assert!(!uut.s_axil_bvalid.val());
    }

    /// A read and a write offered in one clock: the write goes first (its address clock takes
    /// no read), so the read sees it. A write taken in the read's second clock does not change
    /// the read's data: it is the registers as of the address clock.
    #[test]
    fn a_read_and_a_write_together_read_as_the_model_orders_them() {
        let mut uut = AxilRegs::new(PARAMS);
        reset(&mut uut);
        let port = regs::UDP_PORT.addr;
        write(&mut uut, port, 0x1111, 0);
        uut.s_axil_awaddr.next = port.to_bits();
        uut.s_axil_wdata.next = 0x2222u32.to_bits();
        uut.s_axil_awvalid.next = true;
        uut.s_axil_wvalid.next = true;
        uut.s_axil_araddr.next = port.to_bits();
        uut.s_axil_arvalid.next = true;
        uut.s_axil_rready.next = false;
        uut.s_axil_bready.next = true;
        settle(&mut uut);
        assert!(
            uut.s_axil_awready.val() && !uut.s_axil_arready.val(),
            "the write first"
        );
        tick(&mut uut, clock);
        uut.s_axil_awvalid.next = false;
        uut.s_axil_wvalid.next = false;
        settle(&mut uut);
        assert!(uut.s_axil_arready.val(), "then the read");
        tick(&mut uut, clock);
        uut.s_axil_arvalid.next = false;
        // A write in the read's second clock.
        uut.s_axil_wdata.next = 0x3333u32.to_bits();
        uut.s_axil_awvalid.next = true;
        uut.s_axil_wvalid.next = true;
        settle(&mut uut);
        assert!(uut.s_axil_awready.val(), "a write in the read's second clock");
        tick(&mut uut, clock);
        uut.s_axil_awvalid.next = false;
        uut.s_axil_wvalid.next = false;
        settle(&mut uut);
        assert!(uut.s_axil_rvalid.val());
        assert_eq!(
            uut.s_axil_rdata.val().to_u32(),
            0x2222,
            "the value when the address was taken"
        );
        uut.s_axil_rready.next = true;
        tick(&mut uut, clock);
        uut.s_axil_rready.next = false;
        uut.s_axil_bready.next = false;
        settle(&mut uut);
        assert_eq!(read(&mut uut, port, 0), 0x3333);
    }

    fn all_words() -> Vec<u32> {
        regs::ALL
            .iter()
            .flat_map(|r| (0..r.words()).map(move |w| r.addr + 4 * w))
            .collect()
    }

    #[test]
    fn every_word_reads_as_a_reset_model_and_identification_as_the_table() {
        let mut uut = AxilRegs::new(PARAMS);
        reset(&mut uut);
        let model = Core::new(PARAMS);
        for (i, addr) in all_words()
            .into_iter()
            .chain([0x000c, 0x0fff & !3, 0x1ffc, 0x0102])
            .enumerate()
        {
            let got = read(&mut uut, addr, i as u32 % 3);
            assert_eq!(got, model.read(addr), "word 0x{addr:04x}");
        }
        // The identification registers against the register table itself.
        for r in [
            regs::CORE_TYPE,
            regs::CORE_VERSION,
            regs::CORE_NEXT,
            regs::TENANT_TYPE,
            regs::TENANT_VERSION,
        ] {
            assert_eq!(u64::from(read(&mut uut, r.addr, 0)), r.reset, "{}", r.name);
        }
        assert_eq!(
            read(&mut uut, regs::CAP_WORKERS.addr, 0),
            aggnic_spec::model::WORKERS
        );
        assert_eq!(read(&mut uut, regs::CAP_SLOTS.addr, 0), PARAMS.slots);
        assert_eq!(read(&mut uut, regs::CAP_LANES.addr, 0), PARAMS.lanes);
        assert!(uut.enable.val() == model.enabled() && uut.udp_port.val().to_u16() == model.udp_port());
    }

    #[test]
    fn ctrl_and_udp_port_follow_the_model_under_random_writes() {
        let mut uut = AxilRegs::new(PARAMS);
        reset(&mut uut);
        let mut model = Core::new(PARAMS);
        let mut rng = Rng::new(0xa1);
        let targets = [
            regs::CTRL.addr,
            regs::UDP_PORT.addr,
            regs::CORE_TYPE.addr,
            regs::CAP_SLOTS.addr,
            0x0ffc,
            0x0042,
        ];
        for step in 0..200 {
            let addr = targets[rng.below(targets.len() as u64) as usize];
            if rng.chance(500) {
                let value = rng.next_u64() as u32;
                write(&mut uut, addr, value, step % 3);
                model.write(addr, value);
            } else {
                assert_eq!(
                    read(&mut uut, addr, step % 2),
                    model.read(addr),
                    "step {step} 0x{addr:04x}"
                );
            }
            assert_eq!(uut.enable.val(), model.enabled(), "step {step}");
            assert_eq!(uut.udp_port.val().to_u16(), model.udp_port(), "step {step}");
        }
        reset(&mut uut);
        let model = Core::new(PARAMS);
        assert_eq!(
            read(&mut uut, regs::UDP_PORT.addr, 0),
            model.read(regs::UDP_PORT.addr)
        );
        assert_eq!(read(&mut uut, regs::CTRL.addr, 0), model.read(regs::CTRL.addr));
    }

    use aggnic_spec::model::{CoreCounter, TenantCounter, Verdict};
    use aggnic_spec::regs::t_ctrl;
    use aggnic_spec::wire::{Addressing, Frame, Header, Kind};
    use std::collections::VecDeque;

    const CORE_ALL: [CoreCounter; CORE_COUNTERS] = CoreCounter::ALL;
    const TENANT_ALL: [TenantCounter; TENANT_COUNTERS] = TenantCounter::ALL;

    /// Everything of the model the pipeline ports move: counters and slots in use.
    #[derive(Clone)]
    struct Tally {
        core: Vec<u64>,
        tenant: Vec<Vec<u64>>,
        slots: Vec<u32>,
    }

    fn tally(core: &Core) -> Tally {
        let t = core.params().tenants as u8;
        Tally {
            core: CORE_ALL.iter().map(|c| core.counter(*c)).collect(),
            tenant: (0..t)
                .map(|t| TENANT_ALL.iter().map(|c| core.tenant_counter(t, *c)).collect())
                .collect(),
            slots: (0..t)
                .map(|t| core.tenant(t).expect("in table").slots_in_use)
                .collect(),
        }
    }

    /// The pipeline's side of the register block, played by the test from the model's state
    /// changes: one event of each kind per clock at most, in the model's order.
    #[derive(Default)]
    struct Queues {
        core: VecDeque<usize>,
        tenant: VecDeque<(u8, usize)>,
        /// Window writes: tenant, base, done (the model's window after the frame).
        window: VecDeque<(u8, u32, u64)>,
        slot: VecDeque<(u8, bool)>,
    }

    impl Queues {
        fn is_empty(&self) -> bool {
            self.core.is_empty() && self.tenant.is_empty() && self.window.is_empty() && self.slot.is_empty()
        }

        /// Queues the difference between two model states.
        fn push_delta(&mut self, before: &Tally, after: &Tally) {
            for (c, (a, b)) in before.core.iter().zip(&after.core).enumerate() {
                self.core.extend(std::iter::repeat_n(c, (b - a) as usize));
            }
            for (t, (ta, tb)) in before.tenant.iter().zip(&after.tenant).enumerate() {
                for (c, (a, b)) in ta.iter().zip(tb).enumerate() {
                    self.tenant
                        .extend(std::iter::repeat_n((t as u8, c), (b - a) as usize));
                }
            }
            for (t, (a, b)) in before.slots.iter().zip(&after.slots).enumerate() {
                let inc = b > a;
                self.slot
                    .extend(std::iter::repeat_n((t as u8, inc), a.abs_diff(*b) as usize));
            }
        }
    }

    struct Bench {
        uut: AxilRegs,
        core: Core,
        rng: Rng,
        q: Queues,
        /// `flush_tenant` of every `flush_start` pulse seen.
        flushes: Vec<u8>,
        soft_pulses: u32,
        /// Permille of clocks the master stalls (valid late, ready low).
        stall: u32,
        /// This clock's events are on the ports.
        prepared: bool,
        clocks: u64,
    }

    impl Bench {
        fn new(p: Params, seed: u64, stall: u32) -> Bench {
            let mut uut = AxilRegs::new(p);
            reset(&mut uut);
            Bench {
                uut,
                core: Core::new(p),
                rng: Rng::new(seed),
                q: Queues::default(),
                flushes: vec![],
                soft_pulses: 0,
                stall,
                prepared: false,
                clocks: 0,
            }
        }

        /// The block's pipeline inputs at rest: no bump, window write or slot change this clock.
        fn no_events(u: &mut AxilRegs) {
            u.core_bump.next = 0.into();
            u.core_bump_tx.next = 0.into();
            u.tenant_bump.next = 0.into();
            u.wb.next = false;
            u.slot_inc.next = false;
            u.slot_dec.next = false;
        }

        /// Drives this clock's pipeline events (once per clock) and settles.
        fn prepare(&mut self) {
            if self.prepared {
                settle(&mut self.uut);
                return;
            }
            self.prepared = true;
            let (u, q, rng) = (&mut self.uut, &mut self.q, &mut self.rng);
            Self::no_events(u);
            // Garbage on the idle fields: they must not matter.
            u.bump_tenant.next = (rng.next_u32() as u8).to_bits();
            // (Two draws, as before the window write had three fields: the run keeps its stream.)
            let wb_t = rng.next_u32() as u8;
            u.wb_tenant.next = wb_t.to_bits();
            u.wb_hot.next = tenant_hot(wb_t);
            let junk = rng.next_u32();
            u.wb_base.next = junk.to_bits();
            u.wb_done.next = (u64::from(junk) * 0x9e37_79b9).to_bits();
            let st = rng.next_u32() as u8;
            u.slot_tenant.next = st.to_bits();
            u.slot_hot.next = tenant_hot(st);
            if !q.core.is_empty() && rng.chance(700) {
                // Alternate clocks use the second port. (No extra random draw or extra pop: the
                // run keeps the random stream its coverage thresholds were set with.)
                let c = q.core.pop_front().expect("non-empty");
                if self.clocks % 2 == 1 {
                    u.core_bump_tx.next = (1u32 << c).to_bits();
                } else {
                    u.core_bump.next = (1u32 << c).to_bits();
                }
            }
            if let Some(&(t, _)) = q.tenant.front()
                && rng.chance(700)
            {
                // Every queued bump of this tenant's distinct counters at once, as UpdateDecide
                // gives several bits per frame.
                let mut bits = 0u32;
                while let Some(&(t2, c)) = q.tenant.front() {
                    if t2 != t || bits >> c & 1 == 1 {
                        break;
                    }
                    bits |= 1 << c;
                    q.tenant.pop_front();
                }
                u.bump_tenant.next = t.to_bits();
                u.tenant_bump.next = bits.to_bits();
            }
            if !q.window.is_empty() && rng.chance(700) {
                let (t, base, done) = q.window.pop_front().expect("non-empty");
                u.wb.next = true;
                u.wb_tenant.next = t.to_bits();
                u.wb_hot.next = tenant_hot(t);
                u.wb_base.next = base.to_bits();
                u.wb_done.next = done.to_bits();
            }
            if !q.slot.is_empty() && rng.chance(700) {
                let (t, inc) = q.slot.pop_front().expect("non-empty");
                u.slot_tenant.next = t.to_bits();
                u.slot_hot.next = tenant_hot(t);
                u.slot_inc.next = inc;
                u.slot_dec.next = !inc;
            }
            settle(u);
        }

        /// The clock edge, and what the block told the pipeline.
        fn edge(&mut self) {
            self.prepare();
            tick(&mut self.uut, clock);
            self.prepared = false;
            self.clocks += 1;
            if self.uut.flush_start.val() {
                self.flushes.push(self.uut.flush_tenant.val().to_u8());
            }
            if self.uut.soft_reset.val() {
                self.soft_pulses += 1;
            }
        }

        fn cycle(&mut self) {
            self.prepare();
            self.edge();
        }

        /// Queues the window write the pipeline makes after a frame marked a fragment of `t`:
        /// the model's window now.
        fn queue_window(&mut self, t: u8) {
            let x = self.core.tenant(t).expect("in table");
            self.q.window.push_back((t, x.base, x.done));
        }

        fn stall(&mut self) -> bool {
            self.rng.chance(self.stall)
        }

        /// Lets every queued event reach the block, then two more clocks: the counters' latency.
        fn drain(&mut self) {
            while !self.q.is_empty() {
                self.cycle();
            }
            for _ in 0..2 {
                self.cycle();
            }
        }

        fn read(&mut self, addr: u32) -> u32 {
            let u = &mut self.uut;
            u.s_axil_rready.next = false;
            while self.stall() {
                self.cycle();
            }
            self.uut.s_axil_araddr.next = addr.to_bits();
            self.uut.s_axil_arvalid.next = true;
            loop {
                self.prepare();
                let taken = self.uut.s_axil_arready.val();
                self.edge();
                if taken {
                    break;
                }
            }
            self.uut.s_axil_arvalid.next = false;
            self.uut.s_axil_araddr.next = (self.rng.next_u32() & (regs::WINDOW_BYTES - 4)).to_bits();
            self.prepare();
            assert!(!self.uut.s_axil_rvalid.val(), "the read's second clock");
            self.edge();
            self.prepare();
            assert!(
                self.uut.s_axil_rvalid.val(),
                "rvalid two clocks after the address"
            );
            let data = self.uut.s_axil_rdata.val().to_u32();
            while self.stall() {
                self.edge();
                self.prepare();
                assert!(self.uut.s_axil_rvalid.val() && self.uut.s_axil_rdata.val().to_u32() == data);
            }
            assert_eq!(self.uut.s_axil_rresp.val().to_u8(), 0, "OKAY");
            self.uut.s_axil_rready.next = true;
            self.cycle();
            self.uut.s_axil_rready.next = false;
            self.prepare();
            assert!(!self.uut.s_axil_rvalid.val());
            data
        }

        fn write(&mut self, addr: u32, value: u32) {
            self.uut.s_axil_bready.next = false;
            while self.stall() {
                self.cycle();
            }
            self.uut.s_axil_awaddr.next = addr.to_bits();
            self.uut.s_axil_wdata.next = value.to_bits();
            self.uut.s_axil_wstrb.next = (self.rng.next_u32() & 0xf).to_bits();
            // Address and data may come on different clocks; nothing is taken until both are there.
            let (mut aw, mut w) = (false, false);
            loop {
                aw |= !self.stall();
                w |= !self.stall();
                self.uut.s_axil_awvalid.next = aw;
                self.uut.s_axil_wvalid.next = w;
                self.prepare();
                let (ar, wr) = (self.uut.s_axil_awready.val(), self.uut.s_axil_wready.val());
                assert_eq!(ar, wr, "address and data taken together");
                assert!(!ar || (aw && w), "taken only with both valid");
                self.edge();
                if ar {
                    break;
                }
            }
            self.uut.s_axil_awvalid.next = false;
            self.uut.s_axil_wvalid.next = false;
            self.prepare();
            while self.stall() {
                assert!(self.uut.s_axil_bvalid.val());
                self.edge();
                self.prepare();
            }
            assert!(self.uut.s_axil_bvalid.val() && self.uut.s_axil_bresp.val().to_u8() == 0);
            self.uut.s_axil_bready.next = true;
            self.cycle();
            self.uut.s_axil_bready.next = false;
            self.prepare();
            assert!(!self.uut.s_axil_bvalid.val());
            self.core.write(addr, value);
        }

        /// A lookup of a random tenant against the model (call drained).
        fn check_lookup(&mut self) {
            let t = self.rng.below(u64::from(self.core.params().tenants) + 2) as u8;
            // The configuration RAM's address goes a clock ahead, in a clock without events (no
            // random draw: the run keeps the stream its coverage thresholds were set with).
            self.uut.cfg_tenant.next = (t & 63).to_bits();
            Self::no_events(&mut self.uut);
            self.prepared = true;
            self.edge();
            self.uut.cfg_hot.next = tenant_hot(t);
            self.uut.lookup_tenant.next = t.to_bits();
            self.uut.lookup_hot.next = tenant_hot(t);
            self.cycle();
            let u = &self.uut;
            let got = (
                u.cfg_enable.val(),
                u.cfg_quota.val().to_u32(),
                u.cfg_mask.val().to_u64(),
                u.cfg_key.val().to_u64(),
                u.lookup_base.val().to_u32(),
                u.lookup_done.val().to_u64(),
                u.lookup_slots.val().to_u32(),
            );
            let want = self.core.tenant(t).map_or((false, 0, 0, 0, 0, 0, 0), |x| {
                (
                    x.entry.enable,
                    x.entry.quota,
                    x.entry.mask,
                    x.entry.key,
                    x.base,
                    x.done,
                    x.slots_in_use,
                )
            });
            assert_eq!(got, want, "lookup of tenant {t}");
        }

        /// A frame through the model; the state changes become pipeline events.
        fn frame(&mut self, bytes: &[u8], tx: bool) -> Option<Verdict> {
            let before = tally(&self.core);
            let verdict = if tx {
                self.core.tx(bytes);
                None
            } else {
                self.core.rx_verdict(bytes).1
            };
            self.q.push_delta(&before, &tally(&self.core));
            verdict
        }
    }

    fn agg_frame(header: Header, lanes: usize) -> Vec<u8> {
        Frame {
            addr: Addressing::between(1, 2, regs::DEFAULT_UDP_PORT),
            header,
            payload: (0..lanes as i32).collect(),
        }
        .encode()
    }

    fn header(kind: Kind, t: u8, worker: u8, seq: u32, salt: u16, key: u64) -> Header {
        Header {
            kind,
            flags: 0,
            tenant: t,
            worker,
            elements: 0,
            seq,
            salt,
            key_or_bitmap: key,
        }
    }

    #[derive(Default, Debug)]
    struct Seen {
        completed: u32,
        commits: u32,
        nonzero_counter_reads: u32,
        nonzero_live_reads: u32,
        flushes: u32,
        soft_resets: u32,
    }

    /// Random register traffic and frames; every read compared with the model's `Core::read`.
    fn cosim(p: Params, seed: u64, stall: u32, steps: u32) -> Seen {
        let mut b = Bench::new(p, seed, stall);
        let mut seen = Seen::default();
        let tenants = p.tenants;
        // Most traffic goes to a few tenants, so they get configured and complete fragments.
        let active = tenants.min(4);
        let words = all_words();
        let writes = [
            regs::TENANT_SEL.addr,
            regs::T_CTRL.addr,
            regs::T_CTRL.addr,
            regs::T_QUOTA.addr,
            regs::T_MASK.addr,
            regs::T_MASK.hi(),
            regs::T_KEY.addr,
            regs::T_KEY.hi(),
            regs::T_WINDOW_BASE.addr,
            regs::COMMAND.addr,
            regs::COMMAND.addr,
            regs::FLUSH_CMD.addr,
            regs::CTRL.addr,
            regs::UDP_PORT.addr,
            regs::CAP_SLOTS.addr,
            regs::T_SLOTS_IN_USE.addr,
            regs::C_RESULTS.addr,
            0x1ffc,
        ];
        // Writes whose effect does not depend on the pipeline events still in flight.
        let independent = [
            regs::T_QUOTA.addr,
            regs::T_MASK.addr,
            regs::T_MASK.hi(),
            regs::T_KEY.addr,
            regs::T_KEY.hi(),
            regs::T_WINDOW_BASE.addr,
            regs::CTRL.addr,
            regs::UDP_PORT.addr,
            regs::CAP_SLOTS.addr,
            0x1ffc,
        ];
        b.write(regs::CTRL.addr, regs::ctrl::ENABLE);
        for step in 0..steps {
            if step == steps / 2 {
                // At least one soft reset per run, with state to lose.
                b.drain();
                let softs = b.soft_pulses;
                b.write(regs::COMMAND.addr, command::SOFT_RESET);
                assert_eq!(b.soft_pulses, softs + 1, "soft_reset pulse");
                seen.soft_resets += 1;
            }
            let rng = &mut b.rng;
            match rng.below(100) {
                0..=34 => {
                    // A frame: mostly UPDATEs for configured tenants, with the right key.
                    let t = if rng.chance(900) {
                        rng.below(u64::from(active)) as u8
                    } else {
                        rng.below(u64::from(tenants) + 1) as u8
                    };
                    let x = b.core.tenant(t).cloned().unwrap_or_default();
                    let members: Vec<u8> = (0..64u8).filter(|w| x.entry.mask >> w & 1 == 1).collect();
                    let worker = if !members.is_empty() && rng.chance(900) {
                        rng.pick(&members)
                    } else {
                        rng.below(64) as u8
                    };
                    let seq = x
                        .base
                        .wrapping_add(rng.below(u64::from(p.window) + 2) as u32)
                        .wrapping_sub(u32::from(rng.chance(50)));
                    let salt = rng.below(2) as u16;
                    let key = if rng.chance(920) {
                        x.entry.key
                    } else {
                        rng.next_u64()
                    };
                    match rng.below(10) {
                        0..=6 => {
                            let h = header(Kind::Update, t, worker, seq, salt, key);
                            let v = b.frame(&agg_frame(h, 4), false);
                            if v == Some(Verdict::Completed) {
                                seen.completed += 1;
                                b.queue_window(t);
                            }
                        }
                        7 => {
                            let h = header(Kind::Release, t, 0, seq, salt, 0);
                            let releases = b.core.counter(CoreCounter::Releases);
                            b.frame(&agg_frame(h, 0), true);
                            // Acted on (not passed for a changed UDP_PORT, not malformed).
                            if b.core.counter(CoreCounter::Releases) > releases {
                                b.queue_window(t);
                            }
                        }
                        8 => {
                            let h = header(Kind::Flush, t, 0, seq, salt, 0);
                            b.frame(&agg_frame(h, 0), true);
                        }
                        _ => {
                            let junk: Vec<u8> = (0..60).map(|_| b.rng.next_u32() as u8).collect();
                            let tx = b.rng.chance(500);
                            b.frame(&junk, tx);
                        }
                    }
                }
                35..=74 => {
                    let addr = rng.pick(&writes);
                    let value = match addr {
                        a if a == regs::TENANT_SEL.addr => match rng.below(10) {
                            0..=6 => rng.below(u64::from(active)) as u32,
                            7..=8 => rng.below(u64::from(tenants)) as u32,
                            _ => rng.next_u32() >> rng.below(32),
                        },
                        a if a == regs::T_CTRL.addr => match rng.below(8) {
                            0 => rng.next_u32(),
                            1 => t_ctrl::COMMIT,
                            _ => t_ctrl::COMMIT | t_ctrl::ENABLE,
                        },
                        a if a == regs::T_QUOTA.addr => rng.below(8) as u32,
                        a if a == regs::T_MASK.addr => {
                            // Few workers, so fragments complete often.
                            (0..1 + rng.below(2)).fold(0, |m, _| m | 1 << rng.below(4))
                        }
                        a if a == regs::T_MASK.hi() => {
                            if rng.chance(800) {
                                0
                            } else {
                                rng.next_u32()
                            }
                        }
                        a if a == regs::T_WINDOW_BASE.addr && rng.chance(300) => {
                            u32::MAX - rng.below(4) as u32
                        }
                        a if a == regs::COMMAND.addr => match rng.below(80) {
                            0 => command::SOFT_RESET,
                            1 => command::SOFT_RESET | command::SNAPSHOT,
                            2 => rng.next_u32() & !command::SOFT_RESET,
                            _ => command::SNAPSHOT,
                        },
                        a if a == regs::FLUSH_CMD.addr => {
                            let start = if rng.chance(800) { flush_cmd::START } else { 0 };
                            start | rng.below(u64::from(tenants) + 2) as u32
                        }
                        a if a == regs::CTRL.addr => {
                            if rng.chance(900) {
                                regs::ctrl::ENABLE
                            } else {
                                0
                            }
                        }
                        a if a == regs::UDP_PORT.addr && rng.chance(900) => u32::from(regs::DEFAULT_UDP_PORT),
                        _ => rng.next_u32(),
                    };
                    if !independent.contains(&addr) {
                        b.drain();
                    }
                    let sel = b.core.read(regs::TENANT_SEL.addr);
                    if addr == regs::T_CTRL.addr && value & t_ctrl::COMMIT != 0 && sel < tenants {
                        seen.commits += 1;
                    }
                    let before = tally(&b.core);
                    let (flushes, softs) = (b.flushes.len(), b.soft_pulses);
                    b.write(addr, value);
                    if addr == regs::FLUSH_CMD.addr {
                        let t = value & flush_cmd::TENANT_MASK;
                        let expect = value & flush_cmd::START != 0 && t < tenants;
                        assert_eq!(
                            b.flushes[flushes..],
                            if expect { vec![t as u8] } else { vec![] },
                            "step {step}: FLUSH_CMD {value:#x}"
                        );
                        seen.flushes += u32::from(expect);
                        // The pipeline's walk of the pool, as the model did it.
                        b.q.push_delta(&before, &tally(&b.core));
                    } else {
                        assert_eq!(b.flushes.len(), flushes, "step {step}: no flush pulse");
                    }
                    let soft = addr == regs::COMMAND.addr && value & command::SOFT_RESET != 0;
                    assert_eq!(b.soft_pulses - softs, u32::from(soft), "step {step}");
                    if soft {
                        seen.soft_resets += 1;
                        // The block's state followed the model's: nothing to replay.
                        assert!(b.q.is_empty());
                    }
                }
                _ => {
                    b.drain();
                    if b.rng.chance(200) {
                        b.check_lookup();
                    }
                    let live = [
                        regs::SLOTS_IN_USE.addr,
                        regs::T_SLOTS_IN_USE.addr,
                        regs::T_WINDOW_BASE.addr,
                        regs::T_MASK.addr,
                        regs::T_QUOTA.addr,
                    ];
                    let addr = if b.rng.chance(250) {
                        b.rng.pick(&live)
                    } else if b.rng.chance(950) {
                        b.rng.pick(&words)
                    } else {
                        (b.rng.below(u64::from(regs::WINDOW_BYTES)) as u32) & !3
                    };
                    let got = b.read(addr);
                    let want = b.core.read(addr);
                    assert_eq!(
                        got,
                        want,
                        "step {step}: word 0x{addr:04x} ({:?})",
                        regs::lookup(addr).map(|(r, hi)| (r.name, hi))
                    );
                    let counter =
                        regs::CORE_COUNTERS.contains(&addr) || regs::TENANT_COUNTERS.contains(&addr);
                    if want != 0 && counter {
                        seen.nonzero_counter_reads += 1;
                    }
                    if want != 0 && live.contains(&addr) {
                        seen.nonzero_live_reads += 1;
                    }
                }
            }
        }
        // Finally every word, drained, and every tenant's counters through a snapshot each.
        b.drain();
        for t in 0..tenants {
            b.write(regs::TENANT_SEL.addr, t);
            b.write(regs::COMMAND.addr, command::SNAPSHOT);
            b.check_lookup();
            for addr in all_words() {
                assert_eq!(
                    b.read(addr),
                    b.core.read(addr),
                    "final: tenant {t} word 0x{addr:04x}"
                );
            }
        }
        seen
    }

    #[test]
    fn whole_map_follows_the_model_under_random_traffic_and_stalls() {
        // A large value (the whole register map) on the stack: see `on_big_stack`.
        on_big_stack(|| {
            let start = std::time::Instant::now();
            let mut random_soft_resets = 0;
            let small = Params {
                lanes: 8,
                elements: 16,
                slots: 16,
                tenants: 4,
                window: 5,
            };
            for (p, seed, stall, steps) in [
                (small, 0xa2_0001, 0, 2500),
                (small, 0xa2_0002, 400, 2500),
                (Params::DEFAULT, 0xa2_0003, 150, 2000),
            ] {
                let seen = cosim(p, seed, stall, steps);
                eprintln!("axil_regs cosim seed {seed:#x}: {seen:?}");
                assert!(seen.completed > 8, "{seen:?}");
                assert!(seen.commits > 20, "{seen:?}");
                assert!(seen.nonzero_counter_reads > 20, "{seen:?}");
                assert!(seen.nonzero_live_reads > 25, "{seen:?}");
                assert!(seen.flushes > 5, "{seen:?}");
                random_soft_resets += seen.soft_resets - 1;
            }
            assert!(random_soft_resets > 0, "a soft reset in the random traffic too");
            eprintln!("axil_regs cosim: {:?}", start.elapsed());
        });
    }

    #[test]
    fn a_counter_bumped_on_both_ports_in_one_clock_counts_two() {
        let mut uut = AxilRegs::new(Params::DEFAULT);
        reset(&mut uut);
        let rx = 1u32 << CoreCounter::RxFrames as usize;
        let tx = 1u32 << CoreCounter::TxFrames as usize;
        uut.core_bump.next = (rx | tx).to_bits();
        uut.core_bump_tx.next = tx.to_bits();
        tick(&mut uut, clock);
        uut.core_bump.next = 0.into();
        uut.core_bump_tx.next = 0.into();
        tick(&mut uut, clock);
        tick(&mut uut, clock);
        write(&mut uut, regs::COMMAND.addr, command::SNAPSHOT, 0);
        assert_eq!(read(&mut uut, regs::C_RX_FRAMES.addr, 0), 1);
        assert_eq!(read(&mut uut, regs::C_TX_FRAMES.addr, 0), 2);
    }

    #[test]
    fn status_shows_flush_busy_and_commit_reaches_the_lookup_a_clock_after_its_write() {
        // A large value (the whole register map) on the stack: see `on_big_stack`.
        on_big_stack(|| {
            let p = Params::DEFAULT;
            let mut b = Bench::new(p, 0xa2_0010, 0);
            assert_eq!(b.read(regs::STATUS.addr), 0);
            b.uut.flush_busy.next = true;
            assert_eq!(b.read(regs::STATUS.addr), status::FLUSH_BUSY);
            // A START while busy is ignored; the same write when idle starts a flush.
            b.write(regs::FLUSH_CMD.addr, flush_cmd::START | 2);
            assert!(b.flushes.is_empty(), "START while busy: {:?}", b.flushes);
            b.uut.flush_busy.next = false;
            b.write(regs::FLUSH_CMD.addr, flush_cmd::START | 2);
            assert_eq!(b.flushes, vec![2]);
            b.flushes.clear();
            assert_eq!(b.read(regs::STATUS.addr), 0);
            // Tenant 5 with an old entry, then a new one staged; look tenant 5 up every clock across
            // the COMMIT: every lookup is all old or all new, and new from the second clock after the
            // write's edge (the COMMIT acts in the clock after it).
            let old = (7u32, 0x0f0f_u64, 0x1111_2222_3333_4444_u64, 100u32);
            let new = (3u32, 0xf000_0000_0000_0001_u64, 0x5555_6666_7777_8888_u64, 900u32);
            for (i, (quota, mask, key, base)) in [old, new].into_iter().enumerate() {
                b.write(regs::TENANT_SEL.addr, 5);
                b.write(regs::T_QUOTA.addr, quota);
                b.write(regs::T_MASK.addr, mask as u32);
                b.write(regs::T_MASK.hi(), (mask >> 32) as u32);
                b.write(regs::T_KEY.addr, key as u32);
                b.write(regs::T_KEY.hi(), (key >> 32) as u32);
                b.write(regs::T_WINDOW_BASE.addr, base);
                if i == 0 {
                    b.write(regs::T_CTRL.addr, t_ctrl::COMMIT | t_ctrl::ENABLE);
                    b.core.tx(&agg_frame(header(Kind::Release, 5, 0, 102, 0, 0), 0));
                    b.queue_window(5);
                    b.drain();
                }
            }
            // The configuration RAM's address a clock ahead, then in the COMMIT's clocks as well (the
            // read in the clock it acts comes too early for the RAM write: the table forwards the
            // staged entry).
            b.uut.cfg_tenant.next = 5u8.to_bits();
            b.cycle();
            b.uut.cfg_hot.next = tenant_hot(5u8);
            b.uut.lookup_tenant.next = 5u8.to_bits();
            b.uut.lookup_hot.next = tenant_hot(5u8);
            b.uut.s_axil_awaddr.next = regs::T_CTRL.addr.to_bits();
            b.uut.s_axil_wdata.next = (t_ctrl::COMMIT | t_ctrl::ENABLE).to_bits();
            b.uut.s_axil_awvalid.next = true;
            b.uut.s_axil_wvalid.next = true;
            b.uut.s_axil_bready.next = true;
            let view = |u: &AxilRegs| {
                (
                    u.cfg_quota.val().to_u32(),
                    u.cfg_mask.val().to_u64(),
                    u.cfg_key.val().to_u64(),
                    u.lookup_base.val().to_u32(),
                    u.lookup_done.val().to_u64(),
                )
            };
            b.cycle(); // the edge that takes the COMMIT; the lookup in that clock sees the old entry
            b.uut.s_axil_awvalid.next = false;
            b.uut.s_axil_wvalid.next = false;
            assert_eq!(view(&b.uut), (old.0, old.1, old.2, old.3, 1 << 2));
            b.cycle(); // the edge of the clock the COMMIT acts in: still old
            assert_eq!(
                view(&b.uut),
                (old.0, old.1, old.2, old.3, 1 << 2),
                "old while it acts"
            );
            b.cycle();
            assert_eq!(
                view(&b.uut),
                (new.0, new.1, new.2, new.3, 0),
                "all new a clock later"
            );
            b.core.write(regs::T_CTRL.addr, t_ctrl::COMMIT | t_ctrl::ENABLE);
            b.cycle();
            b.check_lookup();
            assert_eq!(b.read(regs::T_WINDOW_BASE.addr), new.3);
        });
    }

    #[test]
    fn synthesizes() {
        let v = yosys_check("aggnic_hdl_axil_regs", &mut AxilRegs::new(PARAMS));
        // `s_axil_wstrb` is unused: the map has no byte enables.
        verilator_lint(
            "aggnic_hdl_axil_regs_lint",
            &v,
            &["WIDTH", "DECLFILENAME", "UNUSEDSIGNAL"],
        );
    }
}
