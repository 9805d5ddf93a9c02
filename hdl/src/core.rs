//! `AggnicCore`: the whole core. The reference model (`aggnic_spec::model::Core`) as a pipeline
//! with AXI4-Stream receive (`s_axis_rx` -> `m_axis_rx`) and transmit (`s_axis_tx` -> `m_axis_tx`)
//! paths and the AXI4-Lite register slave (`s_axil_*`), 512-bit datapath (16 int32 lanes).
//!
//! Stage by stage (`docs/hardware.md` has the timing diagram and the hazards):
//! - Input buffers ([`PacketFifo`]): an aggregation frame is stored whole before it is read, so its
//!   length is known before anything acts on it; other frames cut through.
//! - Issue: one op per clock into the pipeline: a receive beat, a transmit control frame (FLUSH,
//!   RELEASE) with `B` read cycles reserved behind a FLUSH, or a FLUSH_CMD sweep step. Output
//!   credits are reserved here, so nothing after this point ever stalls.
//! - S0 header fields and frame checks; S1 slot hash; S2 slot metadata, tenant configuration and
//!   tenant state reads; S3 header and configuration checks (`UpdateCheck`), live-state checks
//!   (`LiveCheck`: window, quota); S4 the decision, the metadata write (forwarded to the next
//!   ops), payload beats into the lane store; S5 the slots-in-use write and the new window
//!   computed (both forwarded to the live checks of the clock after), the header patch and the
//!   new IPv4 checksum; S6 the window write, the checksum patch; S7 lane sums out, the output
//!   beat, counters.
//! - Ops that read tenant state (aggregation frames, FLUSH, RELEASE, sweep steps) are issued at
//!   least three clocks apart: after the head of one, nothing new is issued for two clocks
//!   (`state_op_1`, `state_op_2`), so the live checks (S3), the decision (S4) and the window
//!   update (S5) are each a clock of their own. Only ops shorter than three beats pay it
//!   (RELEASE, a sweep step, an UPDATE of at most 16 elements, malformed or forged short
//!   aggregation frames): a 64-element UPDATE is five beats.
//! - Output buffer: RESULTs and PARTIALs are stored whole, because their OVERFLOW flag (in the
//!   header) is known at their last beat; the flag is ORed into the header as it leaves.

use crate::axil_regs::{ADDR_BITS, AxilRegs};
use crate::beat_lanes::{BeatToLanes, LANES, LanesToBeat};
use crate::beat_stage::BeatStage;
use crate::header_parse::{FrameClass, HeaderParse, Ipv4SumCheck, at};
use crate::lane_store::{LaneStore, beat_bits, beats};
use crate::packet_fifo::{BEAT_BITS, BEAT_BYTES, Beat, DEPTH, PacketFifo};
use crate::slot_hash::SlotHash;
use crate::slot_meta::{Meta, SlotMeta};
use crate::tenant_decode::TenantDecode;
use crate::tenant_table::{MAX_TENANTS, TENANT_BITS};
use crate::update_decide::{Checks, Live, LiveCheck, UpdateCheck, UpdateDecide};
use crate::window::{INDEX_BITS, SlideCountReg, WindowNext};
use aggnic_spec::model::{CORE_COUNTERS, CoreCounter, Params, TENANT_COUNTERS, TenantCounter};
use aggnic_spec::wire::{self, Kind, field as header_field, frame};
use rust_hdl::prelude::*;

/// What an op in the pipeline is.
const OP_RX: u64 = 0;
const OP_CTRL: u64 = 1;
const OP_FLUSH_READ: u64 = 2;
const OP_SWEEP: u64 = 3;
/// Cycles from issue to the output stage, plus margin: how long a FLUSH_CMD sweep stays busy.
const SWEEP_TAIL: u64 = 12;

/// An op travelling down the pipeline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, LogicStruct)]
pub struct Op {
    pub valid: Bit,
    pub kind: Bits<2>,
    /// The op's first cycle (a frame's header beat).
    pub first: Bit,
    /// The op's last cycle.
    pub last: Bit,
    /// Beat index within the op (0: header).
    pub index: Bits<8>,
    /// `B + 1` output credits reserved at the first cycle, settled at the last.
    pub rsv: Bit,
    /// One output credit reserved for this beat alone.
    pub cred: Bit,
    /// A receive beat the MAC flagged bad (a frame's last): passed on as `m_axis_rx_tuser`.
    pub bad: Bit,
    /// Frame length in bytes (receive frames).
    pub len: Bits<16>,
    pub sweep_tenant: Bits<8>,
    pub sweep_slot: Bits<16>,
}

/// Header fields and frame checks of an op's first beat, from S1 on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, LogicStruct)]
pub struct Hdr {
    /// An aggregation frame (the input buffer's classification).
    pub agg: Bit,
    /// Malformed as a frame: header checks, lengths, elements above `CAP_ELEMENTS`.
    pub bad: Bit,
    pub kind: Bits<8>,
    pub flags: Bits<8>,
    pub tenant: Bits<8>,
    pub worker: Bits<8>,
    pub elements: Bits<16>,
    pub seq: Bits<32>,
    pub salt: Bits<16>,
    pub key: Bits<64>,
    pub ip_len: Bits<16>,
    pub udp_len: Bits<16>,
    /// `HeaderParse::ip_sum_rest`: unfolded, little-endian (folded at S5 with the new length).
    pub ip_rest: Bits<20>,
}

/// What the output stage does with a beat, decided at S4.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, LogicStruct)]
pub struct OutCtl {
    pub valid: Bit,
    pub write: Bit,
    /// Take the lane store's sum instead of the beat's data.
    pub sum: Bit,
    /// The written packet's last beat, its byte count, and store-and-forward (RESULT, PARTIAL).
    pub last: Bit,
    pub bytes: Bits<7>,
    pub snf: Bit,
    /// `m_axis_rx_tuser` on this beat (a bad frame passing through).
    pub bad: Bit,
    pub op_first: Bit,
    pub op_last: Bit,
    pub rsv: Bit,
    pub cred: Bit,
    /// Count OVERFLOWS for the tenant if the written sum saturated.
    pub count_ovf: Bit,
    pub core_bump: Bits<CORE_COUNTERS>,
    pub tenant_bump: Bits<TENANT_COUNTERS>,
    pub tenant: Bits<8>,
}

/// An AXI4-Stream output beat as it leaves the core (`m_axis_rx_*`, `m_axis_tx_*`; the transmit
/// output has no `tuser`), registered in an output stage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, LogicStruct)]
pub struct OutBeat {
    pub data: Bits<BEAT_BITS>,
    pub keep: Bits<BEAT_BYTES>,
    pub last: Bit,
    pub user: Bit,
}

fn one_hot<const N: usize>(index: usize) -> Constant<Bits<N>> {
    Constant::new((1u64 << index).to_bits())
}

/// The core. `SLOT_BITS` = log2(slots); `SUM_BITS` = the lane store's address bits
/// (`SLOT_BITS + ceil(log2(elements / 16))`). Construct with [`AggnicCore::new`].
#[derive(LogicBlock)]
pub struct AggnicCore<const SLOT_BITS: usize, const SUM_BITS: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high.
    pub reset: Signal<In, Bit>,

    pub s_axis_rx_tdata: Signal<In, Bits<BEAT_BITS>>,
    pub s_axis_rx_tkeep: Signal<In, Bits<BEAT_BYTES>>,
    pub s_axis_rx_tvalid: Signal<In, Bit>,
    pub s_axis_rx_tready: Signal<Out, Bit>,
    pub s_axis_rx_tlast: Signal<In, Bit>,
    /// The MAC's bad-frame flag (Corundum's `tuser` bit 0: a bad FCS, a frame cut short), counted
    /// on a frame's last beat. An aggregation frame flagged bad is dropped and counted MALFORMED
    /// (it is stored as too long, which the frame checks reject); any other passes, flagged on
    /// `m_axis_rx_tuser`.
    pub s_axis_rx_tuser: Signal<In, Bit>,
    pub m_axis_rx_tdata: Signal<Out, Bits<BEAT_BITS>>,
    pub m_axis_rx_tkeep: Signal<Out, Bits<BEAT_BYTES>>,
    pub m_axis_rx_tvalid: Signal<Out, Bit>,
    pub m_axis_rx_tready: Signal<In, Bit>,
    pub m_axis_rx_tlast: Signal<Out, Bit>,
    /// A passed frame the MAC flagged bad, on its last beat; 0 on the frames the core makes.
    pub m_axis_rx_tuser: Signal<Out, Bit>,
    pub s_axis_tx_tdata: Signal<In, Bits<BEAT_BITS>>,
    pub s_axis_tx_tkeep: Signal<In, Bits<BEAT_BYTES>>,
    pub s_axis_tx_tvalid: Signal<In, Bit>,
    pub s_axis_tx_tready: Signal<Out, Bit>,
    pub s_axis_tx_tlast: Signal<In, Bit>,
    pub m_axis_tx_tdata: Signal<Out, Bits<BEAT_BITS>>,
    pub m_axis_tx_tkeep: Signal<Out, Bits<BEAT_BYTES>>,
    pub m_axis_tx_tvalid: Signal<Out, Bit>,
    pub m_axis_tx_tready: Signal<In, Bit>,
    pub m_axis_tx_tlast: Signal<Out, Bit>,

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

    // Children.
    regs: AxilRegs,
    rx_in: PacketFifo,
    rx_out: PacketFifo,
    tx_in: PacketFifo,
    rx_class: FrameClass,
    tx_class: FrameClass,
    rx_keep: KeepBytes,
    tx_keep: KeepBytes,
    /// Each input beat registered with its classification in front of its buffer.
    rx_stage: BeatStage<Beat>,
    tx_stage: BeatStage<Beat>,
    /// Each output beat registered behind its buffer (its `tkeep` computed before): the outputs
    /// leave from flip-flops.
    rx_out_stage: BeatStage<OutBeat>,
    tx_out_stage: BeatStage<OutBeat>,
    s0_parse: HeaderParse,
    tx_parse: HeaderParse,
    s1_checks: FrameChecks,
    tx_checks: FrameChecks,
    slot_hash: SlotHash,
    meta: SlotMeta<SLOT_BITS>,
    store: LaneStore<LANES, SUM_BITS>,
    check: UpdateCheck,
    /// The live-state checks on the table's lookup and on the forwarded state, side by side.
    live_lookup: LiveCheck,
    live_fwd: LiveCheck,
    decide: UpdateDecide,
    slide: SlideCountReg,
    wnext: WindowNext,
    unpack: BeatToLanes,
    pack: LanesToBeat,

    // Constants.
    k_rx: Constant<Bits<2>>,
    k_ctrl: Constant<Bits<2>>,
    k_flush_read: Constant<Bits<2>>,
    k_sweep: Constant<Bits<2>>,
    kind_update: Constant<Bits<8>>,
    kind_result: Constant<Bits<8>>,
    kind_flush: Constant<Bits<8>>,
    kind_partial: Constant<Bits<8>>,
    kind_release: Constant<Bits<8>>,
    /// `B`: payload beats of a full packet; `B + 1` credits for a whole packet.
    beats_b: Constant<Bits<8>>,
    beats_b1: Constant<Bits<8>>,
    cap_tenants: Constant<Bits<8>>,
    last_slot: Constant<Bits<16>>,
    sweep_tail: Constant<Bits<8>>,
    ones_keep: Constant<Bits<BEAT_BYTES>>,
    full_beat: Constant<Bits<7>>,
    depth: Constant<Bits<8>>,
    /// `B + 2` and `2B + 2`: the credits a one-credit and a whole-packet reservation must leave
    /// at least `B + 1` (or 1) behind.
    beats_b1_1: Constant<Bits<8>>,
    beats_b1_x2: Constant<Bits<8>>,
    /// `lane_at[i]`: the first byte of lane `i` in a beat.
    lane_at: [Constant<Bits<7>>; LANES],
    /// Every header bit the core may rewrite, cleared.
    patch_keep: Constant<Bits<BEAT_BITS>>,
    /// Every bit but the IPv4 checksum's.
    csum_keep: Constant<Bits<BEAT_BITS>>,
    overflow_bit: Constant<Bits<BEAT_BITS>>,
    at_ip_len: Constant<Bits<16>>,
    at_ip_csum: Constant<Bits<16>>,
    at_udp_len: Constant<Bits<16>>,
    at_kind: Constant<Bits<16>>,
    at_flags: Constant<Bits<16>>,
    at_elements: Constant<Bits<16>>,
    at_bitmap: Constant<Bits<16>>,
    /// Length of a FLUSH or RELEASE (no payload), and of its IPv4 and UDP parts.
    control_len: Constant<Bits<16>>,
    ip_base: Constant<Bits<16>>,
    udp_base: Constant<Bits<16>>,
    c_rx_frames: Constant<Bits<CORE_COUNTERS>>,
    c_tx_frames: Constant<Bits<CORE_COUNTERS>>,
    c_rx_pass: Constant<Bits<CORE_COUNTERS>>,
    c_tx_pass: Constant<Bits<CORE_COUNTERS>>,
    c_malformed: Constant<Bits<CORE_COUNTERS>>,
    c_partials: Constant<Bits<CORE_COUNTERS>>,
    c_releases: Constant<Bits<CORE_COUNTERS>>,
    t_overflows: Constant<Bits<TENANT_COUNTERS>>,
    t_flushed: Constant<Bits<TENANT_COUNTERS>>,
    t_released: Constant<Bits<TENANT_COUNTERS>>,

    // Issue.
    any_reset: Signal<Local, Bit>,
    /// Ops may issue: no reset last clock and the metadata sweep done. Registered so that the
    /// reset input, which fans out to everything, is not at the head of the issue decision.
    go: DFF<Bit>,
    /// Free output-buffer beats not yet reserved, before last clock's returns (`ret`) and
    /// reservation (`taken`), which `cr_sum` settles: the issue's late reservation only selects
    /// a constant into `taken`, not an operand of the count's carry chain. Returns come a clock
    /// late, so the settled count is never above the truth.
    credits: DFF<Bits<8>>,
    /// Credits reserved last clock: 0, 1 or `B + 1`.
    taken: DFF<Bits<8>>,
    /// `credits != 0` and `credits >= B + 1`, registered: the issue decision reads flags, not the
    /// counter (the counter's carry chain is off its path).
    cr_any: DFF<Bit>,
    cr_pkt: DFF<Bit>,
    /// Credits returned last clock (PARTIAL settlement, dropped beats, output pops).
    ret: DFF<Bits<8>>,
    in_pkt: DFF<Bit>,
    /// Index of the next beat of the packet being issued.
    beat_no: DFF<Bits<8>>,
    reads_left: DFF<Bits<8>>,
    /// `reads_left != 0` and `reads_left == 1`, registered with it (flags, not compares, at the
    /// head of the issue decision).
    rl_busy: DFF<Bit>,
    rl_last: DFF<Bit>,
    ctrl_valid: DFF<Bit>,
    ctrl_beat: DFF<Bits<BEAT_BITS>>,
    /// `ctrl_beat` is a FLUSH (its kind byte), registered with it.
    ctrl_flush: DFF<Bit>,
    sweeping: DFF<Bit>,
    sweep_slot: DFF<Bits<16>>,
    sweep_tenant: DFF<Bits<8>>,
    sweep_tail_left: DFF<Bits<8>>,
    /// A head op that may read and change tenant state was issued one (two) clocks ago: no new op
    /// is issued then, so the next such op's live checks at S3 see the state after it (computed
    /// at S5, two clocks after its own S3).
    state_op_1: DFF<Bit>,
    state_op_2: DFF<Bit>,
    issue: Signal<Local, Op>,
    issue_data: Signal<Local, Bits<BEAT_BITS>>,
    rx_pop: Signal<Local, Bit>,
    ctrl_take: Signal<Local, Bit>,
    /// The issue reserves one credit (a cut-through beat) or `B + 1` (a whole packet).
    res_one: Signal<Local, Bit>,
    res_pkt: Signal<Local, Bit>,
    /// The free credits now, `credits + ret - taken`, all registers: computed beside the issue
    /// decision, whose reservation only selects among the flags' compares of it.
    cr_sum: Signal<Local, Bits<8>>,
    credit_back: Signal<Local, Bits<8>>,
    popped: Signal<Local, Bits<8>>,

    // S0..S4.
    s0_op: DFF<Op>,
    s0_data: DFF<Bits<BEAT_BITS>>,
    s0_bytes: DFF<Bits<7>>,
    s0_agg: DFF<Bit>,
    s0_hdr: Signal<Local, Hdr>,
    s1_op: DFF<Op>,
    s1_data: DFF<Bits<BEAT_BITS>>,
    s1_bytes: DFF<Bits<7>>,
    s1_hdr: DFF<Hdr>,
    /// The header's own checks (`header_parse`) but the IPv4 checksum, and its total length and
    /// checksum words summed (the other words' sum is `s1_hdr.ip_rest`), registered for S1's
    /// checks.
    s1_malformed: DFF<Bit>,
    s1_ip_len_csum: DFF<Bits<20>>,
    s2_op: DFF<Op>,
    s2_data: DFF<Bits<BEAT_BITS>>,
    s2_bytes: DFF<Bits<7>>,
    s2_hdr: DFF<Hdr>,
    /// `s2_hdr`'s tenant decoded with it, for the tenant table's lookups (`cfg_hot`, `lookup_hot`).
    s2_thot: DFF<Bits<64>>,
    s1_decode: TenantDecode<8>,
    s1_tenant: Signal<Local, Bits<8>>,
    s2_slot: Signal<Local, Bits<SLOT_BITS>>,
    s3_op: DFF<Op>,
    s3_data: DFF<Bits<BEAT_BITS>>,
    s3_bytes: DFF<Bits<7>>,
    s3_hdr: DFF<Hdr>,
    s3_slot: DFF<Bits<SLOT_BITS>>,
    s4_op: DFF<Op>,
    s4_data: DFF<Bits<BEAT_BITS>>,
    s4_bytes: DFF<Bits<7>>,
    s4_hdr: DFF<Hdr>,
    s4_slot: DFF<Bits<SLOT_BITS>>,
    /// The header and configuration checks (`UpdateCheck` at S3).
    s4_checks: DFF<Checks>,
    /// The worker's bit, decoded once at S2 into a register, so the compares with it at S3
    /// (`slot_meta`'s, `UpdateCheck`'s: 64-bit ANDs and equalities) start at flip-flops; kept for
    /// S4 (`UpdateDecide`'s bitmap, the metadata write).
    s2_worker: Signal<Local, Bits<8>>,
    s3_wbit: DFF<Bits<64>>,
    s4_wbit: DFF<Bits<64>>,
    one_bit: Constant<Bits<64>>,
    /// The op's tenant state (window, slots in use) and the live checks on it, from S3.
    s4_base: DFF<Bits<32>>,
    s4_done: DFF<Bits<64>>,
    s4_slots: DFF<Bits<32>>,
    s4_live: DFF<Live>,

    // S3: the live checks.
    /// The S3 op's tenant state is in `f_*` (the S5 op of the clock before changed it): compared
    /// a clock early, against the tenant then at S2, so the select is off the checks' path.
    f_hit: DFF<Bit>,
    f_base: DFF<Bits<32>>,
    f_done: DFF<Bits<64>>,
    f_slots: DFF<Bits<32>>,
    cur_base: Signal<Local, Bits<32>>,
    cur_done: Signal<Local, Bits<64>>,
    cur_slots: Signal<Local, Bits<32>>,
    live: Signal<Local, Live>,

    // S4: the decision.
    head_op: Signal<Local, Bit>,
    rx_hdr: Signal<Local, Bit>,
    ctrl_hdr: Signal<Local, Bit>,
    sweep_op: Signal<Local, Bit>,
    is_pass: Signal<Local, Bit>,
    is_mal: Signal<Local, Bit>,
    is_upd: Signal<Local, Bit>,
    is_flush: Signal<Local, Bit>,
    is_release: Signal<Local, Bit>,
    held: Signal<Local, Bit>,
    sweep_hit: Signal<Local, Bit>,
    complete: Signal<Local, Bit>,
    fwd: Signal<Local, Bit>,
    slot_inc: Signal<Local, Bit>,
    slot_dec: Signal<Local, Bit>,
    op_tenant: Signal<Local, Bits<8>>,
    meta_we: Signal<Local, Bit>,
    meta_wd: Signal<Local, Meta>,
    p_elements: Signal<Local, Bits<16>>,
    p_beats: Signal<Local, Bits<16>>,
    core_bump: Signal<Local, Bits<CORE_COUNTERS>>,
    tenant_bump: Signal<Local, Bits<TENANT_COUNTERS>>,
    // Header patch values.
    n_kind: Signal<Local, Bits<8>>,
    n_flags: Signal<Local, Bits<8>>,
    n_elements: Signal<Local, Bits<16>>,
    n_bitmap: Signal<Local, Bits<64>>,
    n_ip_len: Signal<Local, Bits<16>>,
    n_udp_len: Signal<Local, Bits<16>>,
    csum_sum: Signal<Local, Bits<20>>,
    csum_fold: Signal<Local, Bits<20>>,
    csum_fold2: Signal<Local, Bits<20>>,
    patch: Signal<Local, Bit>,
    patched: Signal<Local, Bits<BEAT_BITS>>,
    ctl: Signal<Local, OutCtl>,
    // The current op's decision, for its later beats.
    pk_write: DFF<Bit>,
    pk_sum: DFF<Bit>,
    pk_claim: DFF<Bit>,
    pk_add: DFF<Bit>,
    pk_slot: DFF<Bits<SLOT_BITS>>,
    pk_flush: DFF<Bit>,
    pk_reads: DFF<Bits<8>>,
    pk_last_bytes: DFF<Bits<7>>,
    pk_snf: DFF<Bit>,
    pk_count_ovf: DFF<Bit>,
    pk_core_bump: DFF<Bits<CORE_COUNTERS>>,
    pk_tenant_bump: DFF<Bits<TENANT_COUNTERS>>,
    pk_tenant: DFF<Bits<8>>,
    flush_go: DFF<Bit>,
    flush_slot: DFF<Bits<SLOT_BITS>>,

    // S5: the tenant state change decided at S4 (`m_*`: the state the decision saw and the change).
    m_valid: DFF<Bit>,
    m_tenant: DFF<Bits<8>>,
    /// `m_tenant` decoded with it, for the tenant table's slots port (`slot_hot`).
    m_thot: DFF<Bits<64>>,
    op_decode: TenantDecode<8>,
    m_mark: DFF<Bit>,
    /// The marked fragment's place in the window (`window::WindowOffset`, from the decision).
    m_at_base: DFF<Bit>,
    m_offset: DFF<Bits<INDEX_BITS>>,
    m_inc: DFF<Bit>,
    m_dec: DFF<Bit>,
    m_base: DFF<Bits<32>>,
    m_done: DFF<Bits<64>>,
    m_slots: DFF<Bits<32>>,
    /// S6: the window computed at S5 (`f_base`, `f_done`) is written to the table.
    w_mark: DFF<Bit>,
    w_tenant: DFF<Bits<8>>,
    /// `w_tenant` decoded (`m_thot` a clock later), for the window write (`wb_hot`).
    w_thot: DFF<Bits<64>>,
    // S5: the header patch values chosen at S4.
    h_patch: DFF<Bit>,
    h_kind: DFF<Bits<8>>,
    h_flags: DFF<Bits<8>>,
    h_elements: DFF<Bits<16>>,
    h_bitmap: DFF<Bits<64>>,
    h_ip_len: DFF<Bits<16>>,
    h_udp_len: DFF<Bits<16>>,
    h_ip_rest: DFF<Bits<20>>,
    /// Recompute the IPv4 checksum (RESULT, PARTIAL).
    h_recsum: DFF<Bit>,
    // S6: the recomputed IPv4 checksum, patched a clock after the rest of the header.
    c_patch: DFF<Bit>,
    /// As it lies in the frame (read little-endian).
    c_ip_csum: DFF<Bits<16>>,

    // S5..S7.
    s5_data: DFF<Bits<BEAT_BITS>>,
    s5_ctl: DFF<OutCtl>,
    s6_data: DFF<Bits<BEAT_BITS>>,
    s6_ctl: DFF<OutCtl>,
    s7_data: DFF<Bits<BEAT_BITS>>,
    s7_ctl: DFF<OutCtl>,
    ovf_acc: DFF<Bit>,
    written: DFF<Bits<8>>,
    ovf_now: Signal<Local, Bit>,
    written_now: Signal<Local, Bits<8>>,
    out_beat: Signal<Local, Beat>,

    // Transmit path.
    tx_in_pkt: DFF<Bit>,
    tx_pass: DFF<Bit>,
    tx_route_pass: Signal<Local, Bit>,
    tx_route_ctrl: Signal<Local, Bit>,
    tx_bad: Signal<Local, Bit>,
    /// A stored frame's first beat and side word, registered off the buffer's RAM (`tx_h_ok`: it
    /// was the head, whole, and is not taken in that clock), so the parse starts at flip-flops.
    tx_h_ok: DFF<Bit>,
    tx_h_data: DFF<Bits<BEAT_BITS>>,
    tx_h_side: DFF<Bits<16>>,
    /// Its parse, registered (`tx_p_ok`: the beat is still the head a clock on): the header
    /// fields and checks before the length checks and the route.
    tx_p_ok: DFF<Bit>,
    tx_p_malformed: DFF<Bit>,
    tx_p_ip_rest: DFF<Bits<20>>,
    tx_p_ip_len_csum: DFF<Bits<20>>,
    tx_p_ip_len: DFF<Bits<16>>,
    tx_p_udp_len: DFF<Bits<16>>,
    tx_p_elements: DFF<Bits<16>>,
    tx_p_kind: DFF<Bits<8>>,
    tx_p_flags: DFF<Bits<8>>,
    tx_p_tenant: DFF<Bits<8>>,
    tx_p_side: DFF<Bits<16>>,
    /// Its route, from those registers (`tx_r_ok`: the beat is still the head three clocks
    /// on): the parse stays off the buffer's read-pointer path and its RAM's output.
    tx_r_ok: DFF<Bit>,
    tx_r_pass: DFF<Bit>,
    tx_r_ctrl: DFF<Bit>,
    /// The frame's kind is FLUSH (for `ctrl_flush`).
    tx_r_flush: DFF<Bit>,
    /// A whole stored frame's first beat is the head and stays there.
    tx_head_ok: Signal<Local, Bit>,
    tx_sel_pass: Signal<Local, Bit>,
    tx_sel_ctrl: Signal<Local, Bit>,
    tx_pop: Signal<Local, Bit>,
    tx_bump: Signal<Local, Bits<CORE_COUNTERS>>,
    // Receive output.
    out_ovf: Signal<Local, Bit>,
    out_go: Signal<Local, Bit>,
    keep_shift: Signal<Local, Bits<7>>,
    tx_keep_shift: Signal<Local, Bits<7>>,
}

impl<const SLOT_BITS: usize, const SUM_BITS: usize> std::fmt::Debug for AggnicCore<SLOT_BITS, SUM_BITS> {
    // rust-hdl's `RAM` (inside the children) is not `Debug`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AggnicCore")
            .field("slots", &(1u64 << SLOT_BITS))
            .finish_non_exhaustive()
    }
}

/// A beat mask of every bit but those of `fields` (frame byte offset, size in bytes).
fn keep_mask(fields: &[(usize, usize)]) -> Bits<BEAT_BITS> {
    let mut mask = Bits::<BEAT_BITS>::default();
    for k in 0..BEAT_BYTES {
        let cleared = fields
            .iter()
            .any(|&(offset, size)| (offset..offset + size).contains(&k));
        mask.set_bits::<8>(8 * k, if cleared { 0u8 } else { 0xff }.to_bits());
    }
    mask
}

impl<const SLOT_BITS: usize, const SUM_BITS: usize> AggnicCore<SLOT_BITS, SUM_BITS> {
    /// The issue and buffer state, for test failure messages.
    pub fn debug_state(&self) -> String {
        format!(
            "credits {} in_pkt {} reads_left {} ctrl_valid {} sweeping {} meta_ready {} | rx_in count {} valid {} first {} complete {} snf {} | rx_out count {} valid {} first {} complete {} | tx_in count {} valid {} first {} complete {} | s7 {:?}",
            self.cr_sum.val().to_u32(),
            self.in_pkt.q.val(),
            self.reads_left.q.val().to_u32(),
            self.ctrl_valid.q.val(),
            self.sweeping.q.val(),
            self.meta.ready.val(),
            self.rx_in.count.val().to_u32(),
            self.rx_in.rd_valid.val(),
            self.rx_in.rd_first.val(),
            self.rx_in.rd_complete.val(),
            self.rx_in.rd_beat.val().snf,
            self.rx_out.count.val().to_u32(),
            self.rx_out.rd_valid.val(),
            self.rx_out.rd_first.val(),
            self.rx_out.rd_complete.val(),
            self.tx_in.count.val().to_u32(),
            self.tx_in.rd_valid.val(),
            self.tx_in.rd_first.val(),
            self.tx_in.rd_complete.val(),
            self.s7_ctl.q.val(),
        )
    }

    /// # Panics
    /// If `params` does not match the const parameters, or is not a 16-lane set whose packet fits
    /// half the buffers.
    pub fn new(params: Params) -> Self {
        Self::reporting_lanes(params, params.lanes)
    }

    /// As [`AggnicCore::new`], with `lanes` in the capability register instead of `params.lanes`:
    /// the 8-lane core (`core8`) wraps this one in width converters.
    pub fn reporting_lanes(params: Params, lanes: u32) -> Self {
        params.validate().expect("valid parameters");
        assert_eq!(params.lanes as usize, LANES, "the 512-bit core has 16 lanes");
        assert_eq!(params.slots, 1 << SLOT_BITS, "SLOT_BITS = log2(slots)");
        let b = beats(params);
        assert_eq!(SUM_BITS, SLOT_BITS + beat_bits(b), "SUM_BITS");
        assert!(2 * (b as usize + 1) <= DEPTH, "a packet fits half a buffer");
        let h = |f: wire::Field| wire::HEADER_OFFSET + f.offset;
        // The fields (frame offset, size) the patch rewrites, sizes from the spec.
        let at_frame = |f: wire::Field| (f.offset, f.size);
        let at_header = |f: wire::Field| (h(f), f.size);
        let keep = keep_mask(&[
            at_frame(frame::IP_LEN),
            at_frame(frame::UDP_LEN),
            at_frame(frame::UDP_CSUM),
            at_header(header_field::KIND),
            at_header(header_field::FLAGS),
            at_header(header_field::ELEMENTS),
            at_header(header_field::KEY_OR_BITMAP),
        ]);
        // The IPv4 checksum is patched a clock after the rest (S6: it needs the new length).
        let csum_keep = keep_mask(&[at_frame(frame::IP_CSUM)]);
        let mut overflow = Bits::<BEAT_BITS>::default();
        overflow.set_bits::<8>(8 * h(header_field::FLAGS), wire::flags::OVERFLOW.to_bits());
        let kind = |k: Kind| Constant::new((k as u8).to_bits());
        let no_payload = wire::PAYLOAD_OFFSET as u64;
        AggnicCore {
            clock: Default::default(),
            reset: Default::default(),
            s_axis_rx_tdata: Default::default(),
            s_axis_rx_tkeep: Default::default(),
            s_axis_rx_tvalid: Default::default(),
            s_axis_rx_tready: Default::default(),
            s_axis_rx_tlast: Default::default(),
            s_axis_rx_tuser: Default::default(),
            m_axis_rx_tdata: Default::default(),
            m_axis_rx_tkeep: Default::default(),
            m_axis_rx_tvalid: Default::default(),
            m_axis_rx_tready: Default::default(),
            m_axis_rx_tlast: Default::default(),
            m_axis_rx_tuser: Default::default(),
            s_axis_tx_tdata: Default::default(),
            s_axis_tx_tkeep: Default::default(),
            s_axis_tx_tvalid: Default::default(),
            s_axis_tx_tready: Default::default(),
            s_axis_tx_tlast: Default::default(),
            m_axis_tx_tdata: Default::default(),
            m_axis_tx_tkeep: Default::default(),
            m_axis_tx_tvalid: Default::default(),
            m_axis_tx_tready: Default::default(),
            m_axis_tx_tlast: Default::default(),
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
            regs: AxilRegs::new(Params { lanes, ..params }),
            // The second beat-RAM copy only behind the output buffer, whose pop (the output
            // stage's ready) was a routed critical path into its read address.
            rx_in: PacketFifo::new(b as usize + 1),
            rx_out: PacketFifo::new(b as usize + 1),
            tx_in: PacketFifo::new(b as usize + 1),
            rx_class: Default::default(),
            tx_class: Default::default(),
            rx_keep: KeepBytes::default(),
            rx_stage: Default::default(),
            tx_stage: Default::default(),
            rx_out_stage: Default::default(),
            tx_out_stage: Default::default(),
            tx_keep: KeepBytes::default(),
            s0_parse: Default::default(),
            tx_parse: Default::default(),
            s1_checks: FrameChecks::new(params),
            tx_checks: FrameChecks::new(params),
            slot_hash: Default::default(),
            meta: SlotMeta::unforwarded(params),
            store: LaneStore::unforwarded(params),
            check: UpdateCheck::new(params),
            live_lookup: LiveCheck::new(params),
            live_fwd: LiveCheck::new(params),
            decide: UpdateDecide::new(params),
            slide: SlideCountReg::new(),
            wnext: WindowNext::new(),
            unpack: Default::default(),
            pack: Default::default(),
            k_rx: Constant::new(OP_RX.to_bits()),
            k_ctrl: Constant::new(OP_CTRL.to_bits()),
            k_flush_read: Constant::new(OP_FLUSH_READ.to_bits()),
            k_sweep: Constant::new(OP_SWEEP.to_bits()),
            kind_update: kind(Kind::Update),
            kind_result: kind(Kind::Result),
            kind_flush: kind(Kind::Flush),
            kind_partial: kind(Kind::Partial),
            kind_release: kind(Kind::Release),
            beats_b: Constant::new(u64::from(b).to_bits()),
            beats_b1: Constant::new(u64::from(b + 1).to_bits()),
            cap_tenants: Constant::new(u64::from(params.tenants.min(255)).to_bits()),
            last_slot: Constant::new(u64::from(params.slots - 1).to_bits()),
            sweep_tail: Constant::new(SWEEP_TAIL.to_bits()),
            ones_keep: Constant::new(u64::MAX.to_bits()),
            full_beat: Constant::new((BEAT_BYTES as u64).to_bits()),
            depth: Constant::new((DEPTH as u64).to_bits()),
            beats_b1_1: Constant::new(u64::from(b + 2).to_bits()),
            beats_b1_x2: Constant::new(u64::from(2 * b + 2).to_bits()),
            lane_at: std::array::from_fn(|i| Constant::new((4 * i as u64).to_bits())),
            patch_keep: Constant::new(keep),
            csum_keep: Constant::new(csum_keep),
            overflow_bit: Constant::new(overflow),
            at_ip_len: at(frame::IP_LEN.offset),
            at_ip_csum: at(frame::IP_CSUM.offset),
            at_udp_len: at(frame::UDP_LEN.offset),
            at_kind: at(h(header_field::KIND)),
            at_flags: at(h(header_field::FLAGS)),
            at_elements: at(h(header_field::ELEMENTS)),
            at_bitmap: at(h(header_field::KEY_OR_BITMAP)),
            control_len: Constant::new(no_payload.to_bits()),
            ip_base: Constant::new((no_payload - wire::ETH_LEN as u64).to_bits()),
            udp_base: Constant::new((no_payload - (wire::ETH_LEN + wire::IPV4_LEN) as u64).to_bits()),
            c_rx_frames: one_hot(CoreCounter::RxFrames as usize),
            c_tx_frames: one_hot(CoreCounter::TxFrames as usize),
            c_rx_pass: one_hot(CoreCounter::RxPass as usize),
            c_tx_pass: one_hot(CoreCounter::TxPass as usize),
            c_malformed: one_hot(CoreCounter::Malformed as usize),
            c_partials: one_hot(CoreCounter::Partials as usize),
            c_releases: one_hot(CoreCounter::Releases as usize),
            t_overflows: one_hot(TenantCounter::Overflows as usize),
            t_flushed: one_hot(TenantCounter::Flushed as usize),
            t_released: one_hot(TenantCounter::Released as usize),
            any_reset: Default::default(),
            go: Default::default(),
            credits: Default::default(),
            taken: Default::default(),
            cr_any: Default::default(),
            cr_pkt: Default::default(),
            ret: Default::default(),
            in_pkt: Default::default(),
            beat_no: Default::default(),
            reads_left: Default::default(),
            rl_busy: Default::default(),
            rl_last: Default::default(),
            ctrl_flush: Default::default(),
            ctrl_valid: Default::default(),
            ctrl_beat: Default::default(),
            sweeping: Default::default(),
            sweep_slot: Default::default(),
            sweep_tenant: Default::default(),
            sweep_tail_left: Default::default(),
            state_op_1: Default::default(),
            state_op_2: Default::default(),
            issue: Default::default(),
            issue_data: Default::default(),
            rx_pop: Default::default(),
            ctrl_take: Default::default(),
            res_one: Default::default(),
            res_pkt: Default::default(),
            cr_sum: Default::default(),
            credit_back: Default::default(),
            popped: Default::default(),
            s0_op: Default::default(),
            s0_data: Default::default(),
            s0_bytes: Default::default(),
            s0_agg: Default::default(),
            s0_hdr: Default::default(),
            s1_op: Default::default(),
            s1_data: Default::default(),
            s1_bytes: Default::default(),
            s1_hdr: Default::default(),
            s1_malformed: Default::default(),
            s1_ip_len_csum: Default::default(),
            s2_op: Default::default(),
            s2_data: Default::default(),
            s2_bytes: Default::default(),
            s2_hdr: Default::default(),
            s2_thot: Default::default(),
            s1_decode: TenantDecode::new(MAX_TENANTS),
            s1_tenant: Default::default(),
            s2_slot: Default::default(),
            s3_op: Default::default(),
            s3_data: Default::default(),
            s3_bytes: Default::default(),
            s3_hdr: Default::default(),
            s3_slot: Default::default(),
            s4_op: Default::default(),
            s4_data: Default::default(),
            s4_bytes: Default::default(),
            s4_hdr: Default::default(),
            s4_slot: Default::default(),
            s4_checks: Default::default(),
            s2_worker: Default::default(),
            s3_wbit: Default::default(),
            s4_wbit: Default::default(),
            one_bit: Constant::new(1u64.to_bits()),
            s4_base: Default::default(),
            s4_done: Default::default(),
            s4_slots: Default::default(),
            s4_live: Default::default(),
            f_hit: Default::default(),
            f_base: Default::default(),
            f_done: Default::default(),
            f_slots: Default::default(),
            cur_base: Default::default(),
            cur_done: Default::default(),
            cur_slots: Default::default(),
            live: Default::default(),
            head_op: Default::default(),
            rx_hdr: Default::default(),
            ctrl_hdr: Default::default(),
            sweep_op: Default::default(),
            is_pass: Default::default(),
            is_mal: Default::default(),
            is_upd: Default::default(),
            is_flush: Default::default(),
            is_release: Default::default(),
            held: Default::default(),
            sweep_hit: Default::default(),
            complete: Default::default(),
            fwd: Default::default(),
            slot_inc: Default::default(),
            slot_dec: Default::default(),
            op_tenant: Default::default(),
            meta_we: Default::default(),
            meta_wd: Default::default(),
            p_elements: Default::default(),
            p_beats: Default::default(),
            core_bump: Default::default(),
            tenant_bump: Default::default(),
            n_kind: Default::default(),
            n_flags: Default::default(),
            n_elements: Default::default(),
            n_bitmap: Default::default(),
            n_ip_len: Default::default(),
            n_udp_len: Default::default(),
            csum_sum: Default::default(),
            csum_fold: Default::default(),
            csum_fold2: Default::default(),
            patch: Default::default(),
            patched: Default::default(),
            ctl: Default::default(),
            pk_write: Default::default(),
            pk_sum: Default::default(),
            pk_claim: Default::default(),
            pk_add: Default::default(),
            pk_slot: Default::default(),
            pk_flush: Default::default(),
            pk_reads: Default::default(),
            pk_last_bytes: Default::default(),
            pk_snf: Default::default(),
            pk_count_ovf: Default::default(),
            pk_core_bump: Default::default(),
            pk_tenant_bump: Default::default(),
            pk_tenant: Default::default(),
            flush_go: Default::default(),
            flush_slot: Default::default(),
            m_valid: Default::default(),
            w_mark: Default::default(),
            w_tenant: Default::default(),
            w_thot: Default::default(),
            m_tenant: Default::default(),
            m_thot: Default::default(),
            op_decode: TenantDecode::new(MAX_TENANTS),
            m_mark: Default::default(),
            m_at_base: Default::default(),
            m_offset: Default::default(),
            m_inc: Default::default(),
            m_dec: Default::default(),
            m_base: Default::default(),
            m_done: Default::default(),
            m_slots: Default::default(),
            h_patch: Default::default(),
            h_kind: Default::default(),
            h_flags: Default::default(),
            h_elements: Default::default(),
            h_bitmap: Default::default(),
            h_ip_len: Default::default(),
            h_udp_len: Default::default(),
            c_patch: Default::default(),
            c_ip_csum: Default::default(),
            h_ip_rest: Default::default(),
            h_recsum: Default::default(),
            s5_data: Default::default(),
            s5_ctl: Default::default(),
            s6_data: Default::default(),
            s6_ctl: Default::default(),
            s7_data: Default::default(),
            s7_ctl: Default::default(),
            ovf_acc: Default::default(),
            written: Default::default(),
            ovf_now: Default::default(),
            written_now: Default::default(),
            out_beat: Default::default(),
            tx_in_pkt: Default::default(),
            tx_pass: Default::default(),
            tx_route_pass: Default::default(),
            tx_route_ctrl: Default::default(),
            tx_bad: Default::default(),
            tx_h_ok: Default::default(),
            tx_h_data: Default::default(),
            tx_h_side: Default::default(),
            tx_p_ok: Default::default(),
            tx_p_malformed: Default::default(),
            tx_p_ip_rest: Default::default(),
            tx_p_ip_len_csum: Default::default(),
            tx_p_ip_len: Default::default(),
            tx_p_udp_len: Default::default(),
            tx_p_elements: Default::default(),
            tx_p_kind: Default::default(),
            tx_p_flags: Default::default(),
            tx_p_tenant: Default::default(),
            tx_p_side: Default::default(),
            tx_r_ok: Default::default(),
            tx_r_pass: Default::default(),
            tx_r_ctrl: Default::default(),
            tx_r_flush: Default::default(),
            tx_head_ok: Default::default(),
            tx_sel_pass: Default::default(),
            tx_sel_ctrl: Default::default(),
            tx_pop: Default::default(),
            tx_bump: Default::default(),
            out_ovf: Default::default(),
            out_go: Default::default(),
            keep_shift: Default::default(),
            tx_keep_shift: Default::default(),
        }
    }
}

impl<const SLOT_BITS: usize, const SUM_BITS: usize> Logic for AggnicCore<SLOT_BITS, SUM_BITS> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            go,
            credits,
            taken,
            cr_any,
            cr_pkt,
            ret,
            in_pkt,
            beat_no,
            reads_left,
            rl_busy,
            rl_last,
            ctrl_flush,
            ctrl_valid,
            ctrl_beat,
            sweeping,
            sweep_slot,
            sweep_tenant,
            sweep_tail_left,
            state_op_1,
            state_op_2,
            s0_op,
            s0_data,
            s0_bytes,
            s0_agg,
            s1_op,
            s1_data,
            s1_bytes,
            s1_hdr,
            s1_malformed,
            s1_ip_len_csum,
            s2_op,
            s2_data,
            s2_bytes,
            s2_hdr,
            s2_thot,
            s3_op,
            s3_data,
            s3_bytes,
            s3_hdr,
            s3_slot,
            s4_op,
            s4_data,
            s4_bytes,
            s4_hdr,
            s4_slot,
            s4_checks,
            s3_wbit,
            s4_wbit,
            s4_base,
            s4_done,
            s4_slots,
            s4_live,
            f_hit,
            f_base,
            f_done,
            f_slots,
            pk_write,
            pk_sum,
            pk_claim,
            pk_add,
            pk_slot,
            pk_flush,
            pk_reads,
            pk_last_bytes,
            pk_snf,
            pk_count_ovf,
            pk_core_bump,
            pk_tenant_bump,
            pk_tenant,
            flush_go,
            flush_slot,
            m_valid,
            w_mark,
            w_tenant,
            w_thot,
            m_tenant,
            m_thot,
            m_mark,
            m_at_base,
            m_offset,
            m_inc,
            m_dec,
            m_base,
            m_done,
            m_slots,
            h_patch,
            h_kind,
            h_flags,
            h_elements,
            h_bitmap,
            h_ip_len,
            h_udp_len,
            c_patch,
            c_ip_csum,
            h_ip_rest,
            h_recsum,
            s5_data,
            s5_ctl,
            s6_data,
            s6_ctl,
            s7_data,
            s7_ctl,
            ovf_acc,
            written,
            tx_in_pkt,
            tx_pass,
            tx_h_ok,
            tx_h_data,
            tx_h_side,
            tx_p_ok,
            tx_p_malformed,
            tx_p_ip_rest,
            tx_p_ip_len_csum,
            tx_p_ip_len,
            tx_p_udp_len,
            tx_p_elements,
            tx_p_kind,
            tx_p_flags,
            tx_p_tenant,
            tx_p_side,
            tx_r_ok,
            tx_r_pass,
            tx_r_ctrl,
            tx_r_flush
        );
        self.regs.clock.next = self.clock.val();
        self.rx_in.clock.next = self.clock.val();
        self.rx_out.clock.next = self.clock.val();
        self.tx_in.clock.next = self.clock.val();
        self.slot_hash.clock.next = self.clock.val();
        self.meta.clock.next = self.clock.val();
        self.store.clock.next = self.clock.val();

        // The register slave.
        self.regs.reset.next = self.reset.val();
        self.regs.s_axil_awaddr.next = self.s_axil_awaddr.val();
        self.regs.s_axil_awvalid.next = self.s_axil_awvalid.val();
        self.s_axil_awready.next = self.regs.s_axil_awready.val();
        self.regs.s_axil_wdata.next = self.s_axil_wdata.val();
        self.regs.s_axil_wstrb.next = self.s_axil_wstrb.val();
        self.regs.s_axil_wvalid.next = self.s_axil_wvalid.val();
        self.s_axil_wready.next = self.regs.s_axil_wready.val();
        self.s_axil_bresp.next = self.regs.s_axil_bresp.val();
        self.s_axil_bvalid.next = self.regs.s_axil_bvalid.val();
        self.regs.s_axil_bready.next = self.s_axil_bready.val();
        self.regs.s_axil_araddr.next = self.s_axil_araddr.val();
        self.regs.s_axil_arvalid.next = self.s_axil_arvalid.val();
        self.s_axil_arready.next = self.regs.s_axil_arready.val();
        self.s_axil_rdata.next = self.regs.s_axil_rdata.val();
        self.s_axil_rresp.next = self.regs.s_axil_rresp.val();
        self.s_axil_rvalid.next = self.regs.s_axil_rvalid.val();
        self.regs.s_axil_rready.next = self.s_axil_rready.val();
        self.any_reset.next = self.reset.val() | self.regs.soft_reset.val();
        self.rx_in.reset.next = self.any_reset.val();
        self.rx_out.reset.next = self.any_reset.val();
        self.rx_out_stage.clock.next = self.clock.val();
        self.rx_out_stage.reset.next = self.any_reset.val();
        self.tx_out_stage.clock.next = self.clock.val();
        self.tx_out_stage.reset.next = self.any_reset.val();
        self.tx_in.reset.next = self.any_reset.val();
        self.meta.reset.next = self.any_reset.val();
        self.store.reset.next = self.any_reset.val();

        // Input buffers. Aggregation frames (by the first beat, with the card enabled on the
        // receive side) are stored whole. A beat is classified as it arrives and registered with
        // its class (`BeatStage`), then written: a clock of latency, no throughput lost.
        self.rx_stage.clock.next = self.clock.val();
        self.rx_stage.reset.next = self.any_reset.val();
        self.rx_keep.keep.next = self.s_axis_rx_tkeep.val();
        self.rx_class.data.next = self.s_axis_rx_tdata.val();
        self.rx_class.keep.next = self.s_axis_rx_tkeep.val();
        self.rx_class.last.next = self.s_axis_rx_tlast.val();
        self.rx_class.udp_port.next = self.regs.udp_port.val();
        self.rx_stage.s_valid.next = self.s_axis_rx_tvalid.val();
        self.s_axis_rx_tready.next = self.rx_stage.s_ready.val();
        self.rx_stage.s_beat.next.data = self.s_axis_rx_tdata.val();
        self.rx_stage.s_beat.next.bytes = self.rx_keep.bytes.val();
        self.rx_stage.s_beat.next.last = self.s_axis_rx_tlast.val();
        self.rx_stage.s_beat.next.snf = self.rx_class.ours.val() & self.regs.enable.val();
        self.rx_stage.s_beat.next.bad = self.s_axis_rx_tuser.val() & self.s_axis_rx_tlast.val();
        self.rx_in.wr_valid.next = self.rx_stage.m_valid.val();
        self.rx_stage.m_ready.next = self.rx_in.wr_ready.val();
        self.rx_in.wr_beat.next = self.rx_stage.m_beat.val();
        self.rx_in.wr_side.next = self.rx_in.wr_len.val();
        // A bad frame's length is stored as 0xffff (as a frame too long for the buffer): no
        // aggregation frame is that long (`FrameChecks`), so it is dropped as malformed.
        if self.rx_stage.m_beat.val().bad {
            self.rx_in.wr_side.next = 0xffff.into();
        }
        self.tx_stage.clock.next = self.clock.val();
        self.tx_stage.reset.next = self.any_reset.val();
        self.tx_keep.keep.next = self.s_axis_tx_tkeep.val();
        self.tx_class.data.next = self.s_axis_tx_tdata.val();
        self.tx_class.keep.next = self.s_axis_tx_tkeep.val();
        self.tx_class.last.next = self.s_axis_tx_tlast.val();
        self.tx_class.udp_port.next = self.regs.udp_port.val();
        self.tx_stage.s_valid.next = self.s_axis_tx_tvalid.val();
        self.s_axis_tx_tready.next = self.tx_stage.s_ready.val();
        self.tx_stage.s_beat.next.data = self.s_axis_tx_tdata.val();
        self.tx_stage.s_beat.next.bytes = self.tx_keep.bytes.val();
        self.tx_stage.s_beat.next.last = self.s_axis_tx_tlast.val();
        self.tx_stage.s_beat.next.bad = false;
        self.tx_stage.s_beat.next.snf = self.tx_class.ours.val();
        self.tx_in.wr_valid.next = self.tx_stage.m_valid.val();
        self.tx_stage.m_ready.next = self.tx_in.wr_ready.val();
        self.tx_in.wr_beat.next = self.tx_stage.m_beat.val();
        self.tx_in.wr_side.next = self.tx_in.wr_len.val();

        // Transmit path: pass frames through, hand FLUSH and RELEASE to the pipeline, drop the
        // malformed. Decided at a frame's first beat, when a stored frame is whole, three clocks
        // after it shows at the head (registered, parsed, then checked and routed).
        self.tx_h_data.d.next = self.tx_in.rd_beat.val().data;
        self.tx_h_side.d.next = self.tx_in.rd_side.val();
        self.tx_parse.beat.next = self.tx_h_data.q.val();
        self.tx_parse.udp_port.next = self.regs.udp_port.val();
        self.tx_p_malformed.d.next = self.tx_parse.fields_malformed.val();
        self.tx_p_ip_rest.d.next = self.tx_parse.ip_sum_rest.val();
        self.tx_p_ip_len_csum.d.next = self.tx_parse.ip_sum_len_csum.val();
        self.tx_p_ip_len.d.next = self.tx_parse.ip_total_len.val();
        self.tx_p_udp_len.d.next = self.tx_parse.udp_len.val();
        self.tx_p_elements.d.next = self.tx_parse.elements.val();
        self.tx_p_kind.d.next = self.tx_parse.kind.val();
        self.tx_p_flags.d.next = self.tx_parse.flags.val();
        self.tx_p_tenant.d.next = self.tx_parse.tenant.val();
        self.tx_p_side.d.next = self.tx_h_side.q.val();
        self.tx_checks.fields_malformed.next = self.tx_p_malformed.q.val();
        self.tx_checks.ip_sum_rest.next = self.tx_p_ip_rest.q.val();
        self.tx_checks.ip_sum_len_csum.next = self.tx_p_ip_len_csum.q.val();
        self.tx_checks.ip_total_len.next = self.tx_p_ip_len.q.val();
        self.tx_checks.udp_len.next = self.tx_p_udp_len.q.val();
        self.tx_checks.elements.next = self.tx_p_elements.q.val();
        self.tx_checks.frame_len.next = self.tx_p_side.q.val();
        self.tx_bad.next = self.tx_checks.bad.val();
        self.tx_route_ctrl.next = ((self.tx_p_kind.q.val() == self.kind_flush.val())
            | (self.tx_p_kind.q.val() == self.kind_release.val()))
            & !self.tx_bad.val();
        if self.tx_route_ctrl.val()
            & ((self.tx_p_flags.q.val() != 0)
                | (self.tx_p_elements.q.val() != 0)
                | (self.tx_p_tenant.q.val() >= self.cap_tenants.val()))
        {
            self.tx_bad.next = true;
            self.tx_route_ctrl.next = false;
        }
        // Only for a stored frame (`tx_r_ok`); a cut-through one passes without it.
        self.tx_route_pass.next = !self.tx_bad.val() & !self.tx_route_ctrl.val();
        self.tx_r_pass.d.next = self.tx_route_pass.val();
        self.tx_r_ctrl.d.next = self.tx_route_ctrl.val();
        self.tx_r_flush.d.next = self.tx_p_kind.q.val() == self.kind_flush.val();
        // Cut-through frames pass without a parse; a stored one waits three clocks for its route.
        self.tx_sel_pass.next = !self.tx_in.rd_beat.val().snf | self.tx_r_pass.q.val();
        self.tx_sel_ctrl.next = self.tx_in.rd_beat.val().snf & self.tx_r_ctrl.q.val();
        self.tx_pop.next = false;
        self.tx_bump.next = 0.into();
        self.tx_out_stage.s_valid.next = false;
        if self.tx_in.rd_valid.val() & self.tx_in_pkt.q.val() {
            self.tx_out_stage.s_valid.next = self.tx_pass.q.val();
            self.tx_pop.next = !self.tx_pass.q.val() | self.tx_out_stage.s_ready.val();
        }
        if self.tx_in.rd_valid.val()
            & !self.tx_in_pkt.q.val()
            & (!self.tx_in.rd_beat.val().snf | (self.tx_in.rd_complete.val() & self.tx_r_ok.q.val()))
        {
            if self.tx_sel_pass.val() {
                self.tx_out_stage.s_valid.next = true;
                self.tx_pop.next = self.tx_out_stage.s_ready.val();
            } else if self.tx_sel_ctrl.val() {
                self.tx_pop.next = !self.ctrl_valid.q.val();
            } else {
                self.tx_pop.next = true;
            }
            if self.tx_pop.val() {
                self.tx_bump.next = self.c_tx_frames.val();
                if self.tx_sel_pass.val() {
                    self.tx_bump.next = self.c_tx_frames.val() | self.c_tx_pass.val();
                }
                if !self.tx_sel_pass.val() & !self.tx_sel_ctrl.val() {
                    self.tx_bump.next = self.c_tx_frames.val() | self.c_malformed.val();
                }
                self.tx_in_pkt.d.next = !self.tx_in.rd_beat.val().last;
                self.tx_pass.d.next = self.tx_sel_pass.val();
            }
        }
        if self.tx_pop.val() & self.tx_in_pkt.q.val() & self.tx_in.rd_beat.val().last {
            self.tx_in_pkt.d.next = false;
        }
        self.tx_in.rd_pop.next = self.tx_pop.val();
        self.tx_head_ok.next = self.tx_in.rd_valid.val()
            & !self.tx_in_pkt.q.val()
            & self.tx_in.rd_beat.val().snf
            & self.tx_in.rd_complete.val()
            & !self.tx_pop.val();
        self.tx_h_ok.d.next = self.tx_head_ok.val();
        self.tx_p_ok.d.next = self.tx_h_ok.q.val() & self.tx_head_ok.val();
        self.tx_r_ok.d.next = self.tx_p_ok.q.val() & self.tx_head_ok.val();
        self.tx_out_stage.s_beat.next.data = self.tx_in.rd_beat.val().data;
        self.tx_keep_shift.next = self.full_beat.val() - self.tx_in.rd_beat.val().bytes;
        self.tx_out_stage.s_beat.next.keep = self.ones_keep.val();
        if self.tx_in.rd_beat.val().last {
            self.tx_out_stage.s_beat.next.keep = self.ones_keep.val() >> self.tx_keep_shift.val();
        }
        self.tx_out_stage.s_beat.next.last = self.tx_in.rd_beat.val().last;
        self.tx_out_stage.s_beat.next.user = false;
        self.tx_out_stage.m_ready.next = self.m_axis_tx_tready.val();
        self.m_axis_tx_tvalid.next = self.tx_out_stage.m_valid.val();
        self.m_axis_tx_tdata.next = self.tx_out_stage.m_beat.val().data;
        self.m_axis_tx_tkeep.next = self.tx_out_stage.m_beat.val().keep;
        self.m_axis_tx_tlast.next = self.tx_out_stage.m_beat.val().last;
        self.regs.core_bump_tx.next = self.tx_bump.val();

        // Issue: one op per clock; a packet's beats back to back once it started (store-and-forward
        // packets are whole); output credits reserved for everything that may be written.
        self.issue.next.valid = false;
        self.issue.next.kind = self.k_rx.val();
        self.issue.next.first = false;
        self.issue.next.last = false;
        self.issue.next.index = 0.into();
        self.issue.next.rsv = false;
        self.issue.next.cred = false;
        self.issue.next.len = self.rx_in.rd_side.val();
        self.issue.next.sweep_tenant = self.sweep_tenant.q.val();
        self.issue.next.sweep_slot = self.sweep_slot.q.val();
        self.issue_data.next = self.rx_in.rd_beat.val().data;
        self.rx_pop.next = false;
        self.ctrl_take.next = false;
        self.res_one.next = false;
        self.res_pkt.next = false;
        if !self.go.q.val() {
            // Reset, or the metadata reset sweep: nothing moves.
        } else if self.rl_busy.q.val() {
            self.issue.next.valid = true;
            self.issue.next.kind = self.k_flush_read.val();
            self.issue.next.rsv = true;
            self.issue.next.index = self.beats_b1.val() - self.reads_left.q.val();
            self.issue.next.last = self.rl_last.q.val();
            self.reads_left.d.next = self.reads_left.q.val() - 1;
            self.rl_busy.d.next = !self.rl_last.q.val();
            self.rl_last.d.next = self.reads_left.q.val() == 2;
        } else if self.in_pkt.q.val() {
            if self.rx_in.rd_valid.val() & (self.rx_in.rd_beat.val().snf | self.cr_any.q.val()) {
                self.rx_pop.next = true;
                self.issue.next.valid = true;
                self.issue.next.index = self.beat_no.q.val();
                self.beat_no.d.next = self.beat_no.q.val() + 1;
                self.issue.next.last = self.rx_in.rd_beat.val().last;
                self.issue.next.cred = !self.rx_in.rd_beat.val().snf;
                // The packet's reservation is settled at its last beat.
                self.issue.next.rsv = self.rx_in.rd_beat.val().snf;
                self.res_one.next = !self.rx_in.rd_beat.val().snf;
                self.in_pkt.d.next = !self.rx_in.rd_beat.val().last;
            }
        } else if self.state_op_1.q.val() | self.state_op_2.q.val() {
            // Two clocks after a head op that reads tenant state: no new op (see `state_op_1`).
        } else if self.sweeping.q.val() {
            self.issue.next.valid = true;
            self.issue.next.kind = self.k_sweep.val();
            self.issue.next.first = true;
            self.issue.next.last = true;
            self.sweep_slot.d.next = self.sweep_slot.q.val() + 1;
            if self.sweep_slot.q.val() == self.last_slot.val() {
                self.sweeping.d.next = false;
                self.sweep_tail_left.d.next = self.sweep_tail.val();
            }
        } else if self.ctrl_valid.q.val() & self.cr_pkt.q.val() {
            self.ctrl_take.next = true;
            self.issue.next.valid = true;
            self.issue.next.kind = self.k_ctrl.val();
            self.issue.next.first = true;
            self.issue.next.len = self.control_len.val();
            self.issue_data.next = self.ctrl_beat.q.val();
            self.issue.next.last = true;
        } else if self.rx_in.rd_valid.val() & self.rx_in.rd_first.val() {
            if self.rx_in.rd_beat.val().snf {
                if self.rx_in.rd_complete.val() & self.cr_pkt.q.val() {
                    self.rx_pop.next = true;
                    self.issue.next.valid = true;
                    self.issue.next.first = true;
                    self.issue.next.last = self.rx_in.rd_beat.val().last;
                    self.issue.next.rsv = true;
                    self.res_pkt.next = true;
                    self.in_pkt.d.next = !self.rx_in.rd_beat.val().last;
                    self.beat_no.d.next = 1.into();
                }
            } else if self.cr_any.q.val() {
                self.rx_pop.next = true;
                self.issue.next.valid = true;
                self.issue.next.first = true;
                self.issue.next.last = self.rx_in.rd_beat.val().last;
                self.issue.next.cred = true;
                self.res_one.next = true;
                self.in_pkt.d.next = !self.rx_in.rd_beat.val().last;
                self.beat_no.d.next = 1.into();
            }
        }
        // A FLUSH (told apart from a RELEASE by its kind byte) reserves its PARTIAL and read cycles.
        if self.ctrl_take.val() & self.ctrl_flush.q.val() {
            self.issue.next.last = false;
            self.issue.next.rsv = true;
            self.res_pkt.next = true;
            self.reads_left.d.next = self.beats_b.val();
            self.rl_busy.d.next = true;
            self.rl_last.d.next = self.beats_b.val() == 1;
        }
        if self.ctrl_take.val() {
            self.ctrl_valid.d.next = false;
        }
        if self.tx_pop.val() & !self.tx_in_pkt.q.val() & self.tx_sel_ctrl.val() {
            self.ctrl_valid.d.next = true;
            self.ctrl_beat.d.next = self.tx_in.rd_beat.val().data;
            self.ctrl_flush.d.next = self.tx_r_flush.q.val();
        }
        self.rx_in.rd_pop.next = self.rx_pop.val();
        self.issue.next.bad = self.rx_pop.val() & self.rx_in.rd_beat.val().bad;
        self.state_op_1.d.next = self.issue.val().valid
            & self.issue.val().first
            & ((self.issue.val().kind != self.k_rx.val()) | self.rx_in.rd_beat.val().snf);
        self.state_op_2.d.next = self.state_op_1.q.val();
        if self.sweep_tail_left.q.val() != 0 {
            self.sweep_tail_left.d.next = self.sweep_tail_left.q.val() - 1;
        }
        if self.regs.flush_start.val() {
            self.sweeping.d.next = true;
            self.sweep_slot.d.next = 0.into();
            self.sweep_tenant.d.next = self.regs.flush_tenant.val();
        }
        self.regs.flush_busy.next = self.sweeping.q.val() | (self.sweep_tail_left.q.val() != 0);

        self.s0_op.d.next = self.issue.val();
        self.s0_data.d.next = self.issue_data.val();
        self.s0_bytes.d.next = self.rx_in.rd_beat.val().bytes;
        self.s0_agg.d.next = self.rx_in.rd_beat.val().snf | self.ctrl_take.val();

        // S0: header fields and the header's own checks but the IPv4 checksum (the checksum and
        // length checks are at S1).
        self.s0_parse.beat.next = self.s0_data.q.val();
        self.s0_parse.udp_port.next = self.regs.udp_port.val();
        self.s0_hdr.next.agg = self.s0_agg.q.val();
        // The checksum and length checks are made at S1, from these fields and the sum registered.
        self.s0_hdr.next.bad = false;
        self.s0_hdr.next.kind = self.s0_parse.kind.val();
        self.s0_hdr.next.flags = self.s0_parse.flags.val();
        self.s0_hdr.next.tenant = self.s0_parse.tenant.val();
        self.s0_hdr.next.worker = self.s0_parse.worker.val();
        self.s0_hdr.next.elements = self.s0_parse.elements.val();
        self.s0_hdr.next.seq = self.s0_parse.seq.val();
        self.s0_hdr.next.salt = self.s0_parse.salt.val();
        self.s0_hdr.next.key = self.s0_parse.key_or_bitmap.val();
        self.s0_hdr.next.ip_len = self.s0_parse.ip_total_len.val();
        self.s0_hdr.next.udp_len = self.s0_parse.udp_len.val();
        self.s0_hdr.next.ip_rest = self.s0_parse.ip_sum_rest.val();
        if self.s0_op.q.val().kind == self.k_sweep.val() {
            self.s0_hdr.next.tenant = self.s0_op.q.val().sweep_tenant;
        }
        self.s1_op.d.next = self.s0_op.q.val();
        self.s1_data.d.next = self.s0_data.q.val();
        self.s1_bytes.d.next = self.s0_bytes.q.val();
        self.s1_hdr.d.next = self.s0_hdr.val();
        self.s1_malformed.d.next = self.s0_parse.fields_malformed.val();
        self.s1_ip_len_csum.d.next = self.s0_parse.ip_sum_len_csum.val();

        // S1: the slot hash (registered inside).
        self.slot_hash.tenant.next = self.s1_hdr.q.val().tenant;
        self.slot_hash.seq.next = self.s1_hdr.q.val().seq;
        self.slot_hash.salt.next = self.s1_hdr.q.val().salt;
        self.s2_op.d.next = self.s1_op.q.val();
        self.s2_data.d.next = self.s1_data.q.val();
        self.s2_bytes.d.next = self.s1_bytes.q.val();
        self.s2_hdr.d.next = self.s1_hdr.q.val();
        self.s1_decode.tenant.next = self.s1_hdr.q.val().tenant;
        // The configuration RAMs read here (registered in the table: data at S3 from flip-flops).
        self.s1_tenant.next = self.s1_hdr.q.val().tenant;
        self.regs.cfg_tenant.next = self.s1_tenant.val().get_bits::<TENANT_BITS>(0);
        self.s2_thot.d.next = self.s1_decode.hot.val();
        // S1 also: the checksum and length checks (`FrameChecks`), into the header's `bad`.
        self.s1_checks.fields_malformed.next = self.s1_malformed.q.val();
        self.s1_checks.ip_sum_rest.next = self.s1_hdr.q.val().ip_rest;
        self.s1_checks.ip_sum_len_csum.next = self.s1_ip_len_csum.q.val();
        self.s1_checks.ip_total_len.next = self.s1_hdr.q.val().ip_len;
        self.s1_checks.udp_len.next = self.s1_hdr.q.val().udp_len;
        self.s1_checks.elements.next = self.s1_hdr.q.val().elements;
        self.s1_checks.frame_len.next = self.s1_op.q.val().len;
        self.s2_hdr.d.next.bad = self.s1_checks.bad.val();

        // S2: the slot metadata read (data at S4; unforwarded: see `state_op_1`), the tenant's committed
        // configuration (RAM address at S1, data at S3; only a COMMIT changes it, so nothing to
        // forward) and its state (data at S3; the update of the clock before S3 is forwarded there).
        self.regs.lookup_tenant.next = self.s2_hdr.q.val().tenant;
        self.regs.cfg_hot.next = self.s2_thot.q.val();
        self.regs.lookup_hot.next = self.s2_thot.q.val();
        self.s2_slot.next = self.slot_hash.hash.val().get_bits::<SLOT_BITS>(0);
        if self.s2_op.q.val().kind == self.k_sweep.val() {
            self.s2_slot.next = bit_cast::<SLOT_BITS, 16>(self.s2_op.q.val().sweep_slot);
        }
        self.meta.rd_addr.next = self.s2_slot.val();
        // The fragment it is for, a clock later (S3): compared with the slot there.
        self.meta.own_tenant.next = self.s3_hdr.q.val().tenant;
        self.meta.own_seq.next = self.s3_hdr.q.val().seq;
        self.meta.own_salt.next = self.s3_hdr.q.val().salt;
        self.meta.own_elements.next = self.s3_hdr.q.val().elements;
        self.s2_worker.next = self.s2_hdr.q.val().worker;
        self.s3_wbit.d.next = self.one_bit.val() << self.s2_worker.val().get_bits::<6>(0);
        self.meta.own_bit.next = self.s3_wbit.q.val();
        self.meta.own_mask.next = self.regs.cfg_mask.val();
        self.s4_wbit.d.next = self.s3_wbit.q.val();
        self.s3_op.d.next = self.s2_op.q.val();
        self.s3_data.d.next = self.s2_data.q.val();
        self.s3_bytes.d.next = self.s2_bytes.q.val();
        self.s3_hdr.d.next = self.s2_hdr.q.val();
        self.s3_slot.d.next = self.s2_slot.val();

        // S3: the header and configuration checks, and the live-state checks, registered for S4.
        self.check.flags.next = self.s3_hdr.q.val().flags;
        self.check.elements.next = self.s3_hdr.q.val().elements;
        self.check.worker.next = self.s3_hdr.q.val().worker;
        self.check.wbit.next = self.s3_wbit.q.val();
        self.check.tenant.next = self.s3_hdr.q.val().tenant;
        self.check.key.next = self.s3_hdr.q.val().key;
        self.check.t_enable.next = self.regs.cfg_enable.val();
        self.check.t_key.next = self.regs.cfg_key.val();
        self.check.t_mask.next = self.regs.cfg_mask.val();
        self.s4_checks.d.next = self.check.checks.val();
        self.s4_op.d.next = self.s3_op.q.val();
        self.s4_data.d.next = self.s3_data.q.val();
        self.s4_bytes.d.next = self.s3_bytes.q.val();
        self.s4_hdr.d.next = self.s3_hdr.q.val();
        self.s4_slot.d.next = self.s3_slot.q.val();

        // The live state is checked on both candidates (the table's lookup, the forwarded write)
        // before the forward hit selects one result; the state itself is selected beside, for
        // S5's update.
        self.live_lookup.seq.next = self.s3_hdr.q.val().seq;
        self.live_lookup.base.next = self.regs.lookup_base.val();
        self.live_lookup.done.next = self.regs.lookup_done.val();
        self.live_lookup.slots_in_use.next = self.regs.lookup_slots.val();
        self.live_lookup.quota.next = self.regs.cfg_quota.val();
        self.live_fwd.seq.next = self.s3_hdr.q.val().seq;
        self.live_fwd.base.next = self.f_base.q.val();
        self.live_fwd.done.next = self.f_done.q.val();
        self.live_fwd.slots_in_use.next = self.f_slots.q.val();
        self.live_fwd.quota.next = self.regs.cfg_quota.val();
        self.live.next = self.live_lookup.live.val();
        if self.f_hit.q.val() {
            self.live.next = self.live_fwd.live.val();
        }
        self.cur_base.next = self.regs.lookup_base.val();
        self.cur_done.next = self.regs.lookup_done.val();
        self.cur_slots.next = self.regs.lookup_slots.val();
        if self.f_hit.q.val() {
            self.cur_base.next = self.f_base.q.val();
            self.cur_done.next = self.f_done.q.val();
            self.cur_slots.next = self.f_slots.q.val();
        }
        self.s4_live.d.next = self.live.val();
        self.s4_base.d.next = self.cur_base.val();
        self.s4_done.d.next = self.cur_done.val();
        self.s4_slots.d.next = self.cur_slots.val();

        // S4: the decision, on registered checks.
        self.decide.checks.next = self.s4_checks.q.val();
        self.decide.wbit.next = self.s4_wbit.q.val();
        self.decide.live.next = self.s4_live.q.val();
        self.decide.s_valid.next = self.meta.rd_data.val().valid;
        self.decide.s_held.next = self.meta.rd_held.val();
        self.decide.s_len_eq.next = self.meta.rd_len_eq.val();
        self.decide.s_bitmap.next = self.meta.rd_data.val().bitmap;
        self.decide.s_already.next = self.meta.rd_already.val();
        self.decide.s_join_done.next = self.meta.rd_join_done.val();

        self.head_op.next = self.s4_op.q.val().valid & self.s4_op.q.val().first;
        self.rx_hdr.next = self.head_op.val() & (self.s4_op.q.val().kind == self.k_rx.val());
        self.ctrl_hdr.next = self.head_op.val() & (self.s4_op.q.val().kind == self.k_ctrl.val());
        self.sweep_op.next = self.head_op.val() & (self.s4_op.q.val().kind == self.k_sweep.val());
        self.is_pass.next = self.rx_hdr.val()
            & (!self.regs.enable.val()
                | !self.s4_hdr.q.val().agg
                | (!self.s4_hdr.q.val().bad & (self.s4_hdr.q.val().kind == self.kind_result.val())));
        self.is_upd.next = self.rx_hdr.val()
            & !self.is_pass.val()
            & !self.s4_hdr.q.val().bad
            & (self.s4_hdr.q.val().kind == self.kind_update.val());
        self.is_mal.next = self.rx_hdr.val() & !self.is_pass.val() & !self.is_upd.val();
        self.is_flush.next = self.ctrl_hdr.val() & (self.s4_hdr.q.val().kind == self.kind_flush.val());
        self.is_release.next = self.ctrl_hdr.val() & (self.s4_hdr.q.val().kind == self.kind_release.val());
        self.held.next = self.meta.rd_held.val();
        self.sweep_hit.next = self.sweep_op.val()
            & self.meta.rd_data.val().valid
            & (self.meta.rd_data.val().tenant == self.s4_hdr.q.val().tenant);
        self.complete.next = self.is_upd.val() & self.decide.complete.val();
        self.fwd.next = self.is_upd.val() & self.decide.forward.val();

        // Slot metadata write: a claim or join (freed on completion), a FLUSH/RELEASE of the
        // holder, a sweep hit.
        self.meta_we.next = false;
        self.meta_wd.next.valid = !self.complete.val();
        self.meta_wd.next.tenant = self.s4_hdr.q.val().tenant;
        self.meta_wd.next.seq = self.s4_hdr.q.val().seq;
        self.meta_wd.next.salt = self.s4_hdr.q.val().salt;
        self.meta_wd.next.elements = self.s4_hdr.q.val().elements;
        // The bits the write sets: a claim writes the worker's bit, a join ORs it in (inside
        // `slot_meta`, so its forward compares need not wait for the decision's bitmap).
        self.meta_wd.next.bitmap = self.s4_wbit.q.val();
        self.meta_wd.next.overflow = false;
        if self.is_upd.val() & (self.decide.claim.val() | self.decide.join_slot.val()) {
            self.meta_we.next = true;
        }
        if (self.ctrl_hdr.val() & self.held.val()) | self.sweep_hit.val() {
            self.meta_we.next = true;
            self.meta_wd.next.valid = false;
        }
        self.meta.wr_en.next = self.meta_we.val();
        self.meta.wr_addr.next = self.s4_slot.q.val();
        self.meta.wr_data.next = self.meta_wd.val();
        self.meta.wr_join.next = self.is_upd.val() & self.decide.join_slot.val();

        // Tenant state: window mark, slots in use; and its forward to the S3 live checks.
        self.slot_inc.next = self.is_upd.val() & self.decide.in_use_inc.val();
        self.slot_dec.next = (self.is_upd.val() & self.decide.in_use_dec.val())
            | (self.ctrl_hdr.val() & self.held.val())
            | self.sweep_hit.val();
        self.op_tenant.next = self.s4_hdr.q.val().tenant;
        self.m_valid.d.next =
            self.slot_inc.val() | self.slot_dec.val() | self.complete.val() | self.is_release.val();
        self.m_tenant.d.next = self.op_tenant.val();
        self.op_decode.tenant.next = self.op_tenant.val();
        self.m_thot.d.next = self.op_decode.hot.val();
        // A completion is always in the window; a RELEASE marks only a fragment that is.
        self.m_mark.d.next = self.complete.val() | (self.is_release.val() & self.s4_live.q.val().in_window);
        self.m_at_base.d.next = self.s4_live.q.val().at_base;
        self.m_offset.d.next = self.s4_live.q.val().offset;
        self.m_inc.d.next = self.slot_inc.val();
        self.m_dec.d.next = self.slot_dec.val();
        self.m_base.d.next = self.s4_base.q.val();
        self.m_done.d.next = self.s4_done.q.val();
        // The slide count of that window, for S5's update (`window::SlideCountReg`).
        self.slide.clock.next = self.clock.val();
        self.slide.done.next = self.s4_done.q.val();
        self.slide.clear.next = false;
        self.m_slots.d.next = self.s4_slots.q.val();

        // S5: the tenant state change is written to the table and forwarded to the S3 live checks
        // of the clock after (`state_op_1`, `state_op_2` keep the two clocks between free of ops
        // that read the state).
        self.wnext.base.next = self.m_base.q.val();
        self.wnext.done.next = self.m_done.q.val();
        self.wnext.tz.next = self.slide.tz.val();
        self.wnext.mark.next = self.m_mark.q.val();
        self.wnext.at_base.next = self.m_at_base.q.val();
        self.wnext.offset.next = self.m_offset.q.val();
        // S6: the new window, registered at S5 for the forward, is written from those registers
        // (the write fans out to every tenant's window). The table's lookup reads it in the same
        // clock (write-first), so the op two clocks behind still sees it.
        self.w_mark.d.next = self.m_valid.q.val() & self.m_mark.q.val();
        self.w_tenant.d.next = self.m_tenant.q.val();
        self.w_thot.d.next = self.m_thot.q.val();
        self.regs.wb.next = self.w_mark.q.val();
        self.regs.wb_tenant.next = self.w_tenant.q.val();
        self.regs.wb_hot.next = self.w_thot.q.val();
        self.regs.wb_base.next = self.f_base.q.val();
        self.regs.wb_done.next = self.f_done.q.val();
        self.regs.slot_tenant.next = self.m_tenant.q.val();
        self.regs.slot_hot.next = self.m_thot.q.val();
        self.regs.slot_inc.next = self.m_valid.q.val() & self.m_inc.q.val();
        self.regs.slot_dec.next = self.m_valid.q.val() & self.m_dec.q.val();
        self.f_hit.d.next = self.m_valid.q.val() & (self.m_tenant.q.val() == self.s2_hdr.q.val().tenant);
        self.f_base.d.next = self.wnext.next_base.val();
        self.f_done.d.next = self.wnext.next_done.val();
        self.f_slots.d.next = self.m_slots.q.val();
        if self.m_inc.q.val() & !self.m_dec.q.val() {
            self.f_slots.d.next = self.m_slots.q.val() + 1;
        }
        if self.m_dec.q.val() & !self.m_inc.q.val() {
            self.f_slots.d.next = self.m_slots.q.val() - 1;
        }

        // Counters, counted when the op leaves (OVERFLOWS is known only then).
        self.core_bump.next = 0.into();
        self.tenant_bump.next = 0.into();
        if self.rx_hdr.val() {
            self.core_bump.next = self.c_rx_frames.val();
        }
        if self.is_pass.val() {
            self.core_bump.next = self.c_rx_frames.val() | self.c_rx_pass.val();
        }
        if self.is_mal.val() {
            self.core_bump.next = self.c_rx_frames.val() | self.c_malformed.val();
        }
        if self.is_upd.val() {
            self.core_bump.next = self.c_rx_frames.val() | self.decide.core_bump.val();
            self.tenant_bump.next = self.decide.tenant_bump.val();
        }
        if self.is_flush.val() {
            self.core_bump.next = self.c_partials.val();
            if self.held.val() {
                self.tenant_bump.next = self.t_flushed.val();
            }
        }
        if self.is_release.val() {
            self.core_bump.next = self.c_releases.val();
            if self.held.val() {
                self.tenant_bump.next = self.t_released.val();
            }
        }
        if self.sweep_hit.val() {
            self.tenant_bump.next = self.t_flushed.val();
        }

        // The header patch: a forward gets its flag and a zero UDP checksum; a RESULT or PARTIAL
        // gets its kind, bitmap, element count, lengths and a recomputed IPv4 checksum.
        self.p_elements.next = 0.into();
        if self.held.val() {
            self.p_elements.next = self.meta.rd_data.val().elements;
        }
        self.p_beats.next = (self.p_elements.val() + 15) >> 4;
        self.n_kind.next = self.s4_hdr.q.val().kind;
        self.n_flags.next = self.s4_hdr.q.val().flags | self.decide.forward_flag.val();
        self.n_elements.next = self.s4_hdr.q.val().elements;
        self.n_bitmap.next = self.s4_hdr.q.val().key;
        self.n_ip_len.next = self.s4_hdr.q.val().ip_len;
        self.n_udp_len.next = self.s4_hdr.q.val().udp_len;
        if self.complete.val() {
            self.n_kind.next = self.kind_result.val();
            self.n_flags.next = 0.into();
            self.n_bitmap.next = self.decide.new_bitmap.val();
        }
        if self.is_flush.val() {
            self.n_kind.next = self.kind_partial.val();
            self.n_flags.next = 0.into();
            self.n_elements.next = self.p_elements.val();
            self.n_bitmap.next = 0.into();
            if self.held.val() {
                self.n_bitmap.next = self.meta.rd_data.val().bitmap;
            }
            self.n_ip_len.next = self.ip_base.val() + (self.p_elements.val() << 2);
            self.n_udp_len.next = self.udp_base.val() + (self.p_elements.val() << 2);
        }
        self.patch.next = self.fwd.val() | self.complete.val() | self.is_flush.val();
        self.h_patch.d.next = self.head_op.val() & self.patch.val();
        self.h_kind.d.next = self.n_kind.val();
        self.h_flags.d.next = self.n_flags.val();
        self.h_elements.d.next = self.n_elements.val();
        self.h_bitmap.d.next = self.n_bitmap.val();
        self.h_ip_len.d.next = self.n_ip_len.val();
        self.h_udp_len.d.next = self.n_udp_len.val();
        self.h_ip_rest.d.next = self.s4_hdr.q.val().ip_rest;
        self.h_recsum.d.next = self.complete.val() | self.is_flush.val();

        // The op's decision, kept for its later beats.
        if self.head_op.val() {
            self.pk_write.d.next = self.is_pass.val() | self.fwd.val() | self.complete.val();
            self.pk_sum.d.next = self.complete.val();
            self.pk_claim.d.next = self.is_upd.val() & self.decide.claim.val();
            self.pk_add.d.next = self.is_upd.val() & self.decide.join_slot.val();
            self.pk_slot.d.next = self.s4_slot.q.val();
            self.pk_flush.d.next = self.is_flush.val() & self.held.val();
            self.pk_reads.d.next = bit_cast::<8, 16>(self.p_beats.val());
            self.pk_last_bytes.d.next =
                bit_cast::<7, 16>((self.p_elements.val() << 2) - ((self.p_beats.val() - 1) << 6));
            self.pk_snf.d.next = self.complete.val() | self.is_flush.val();
            self.pk_count_ovf.d.next = self.complete.val() | self.is_flush.val();
            self.pk_core_bump.d.next = self.core_bump.val();
            self.pk_tenant_bump.d.next = self.tenant_bump.val();
            self.pk_tenant.d.next = self.op_tenant.val();
        }
        self.flush_go.d.next = self.is_flush.val() & self.held.val();
        self.flush_slot.d.next = self.s4_slot.q.val();

        // Payload beats into the lane store (lanes past the frame's bytes are zero, so they never
        // saturate); a FLUSH's reads start the clock after its header.
        self.unpack.data.next = self.s4_data.q.val();
        for i in 0..LANES {
            self.store.lanes[i].next = 0.into();
            if self.s4_bytes.q.val() > self.lane_at[i].val() {
                self.store.lanes[i].next = self.unpack.lanes[i].val();
            }
        }
        self.store.claim.next = self.s4_op.q.val().valid
            & !self.s4_op.q.val().first
            & (self.s4_op.q.val().kind == self.k_rx.val())
            & self.pk_claim.q.val();
        self.store.add.next = self.s4_op.q.val().valid
            & !self.s4_op.q.val().first
            & (self.s4_op.q.val().kind == self.k_rx.val())
            & self.pk_add.q.val();
        self.store.slot.next = bit_cast::<SUM_BITS, SLOT_BITS>(self.pk_slot.q.val());
        self.store.beat.next = bit_cast::<SUM_BITS, 8>(self.s4_op.q.val().index - 1);
        self.store.flush.next = self.flush_go.q.val();
        self.store.flush_slot.next = bit_cast::<SUM_BITS, SLOT_BITS>(self.flush_slot.q.val());

        // S5: what the output stage does with each beat.
        self.ctl.next.valid = self.s4_op.q.val().valid;
        self.ctl.next.write = self.pk_write.q.val();
        self.ctl.next.sum = self.pk_sum.q.val();
        self.ctl.next.last = self.s4_op.q.val().last;
        self.ctl.next.bytes = self.s4_bytes.q.val();
        self.ctl.next.snf = self.pk_snf.q.val();
        self.ctl.next.bad = self.s4_op.q.val().bad;
        self.ctl.next.op_first = self.s4_op.q.val().first;
        self.ctl.next.op_last = self.s4_op.q.val().last;
        self.ctl.next.rsv = self.s4_op.q.val().rsv;
        self.ctl.next.cred = self.s4_op.q.val().cred;
        self.ctl.next.count_ovf = self.pk_count_ovf.q.val();
        self.ctl.next.core_bump = self.pk_core_bump.q.val();
        self.ctl.next.tenant_bump = self.pk_tenant_bump.q.val();
        self.ctl.next.tenant = self.pk_tenant.q.val();
        if self.head_op.val() {
            self.ctl.next.write =
                self.is_pass.val() | self.fwd.val() | self.complete.val() | self.is_flush.val();
            self.ctl.next.sum = false;
            self.ctl.next.snf = self.complete.val() | self.is_flush.val();
            self.ctl.next.count_ovf = self.complete.val() | self.is_flush.val();
            self.ctl.next.core_bump = self.core_bump.val();
            self.ctl.next.tenant_bump = self.tenant_bump.val();
            self.ctl.next.tenant = self.op_tenant.val();
            if self.is_flush.val() {
                self.ctl.next.last = !self.held.val();
                self.ctl.next.bytes = self.full_beat.val();
            }
        }
        if self.s4_op.q.val().kind == self.k_flush_read.val() {
            self.ctl.next.write = self.pk_flush.q.val() & (self.s4_op.q.val().index <= self.pk_reads.q.val());
            self.ctl.next.sum = true;
            self.ctl.next.last = self.s4_op.q.val().index == self.pk_reads.q.val();
            self.ctl.next.bytes = 64.into();
            if self.s4_op.q.val().index == self.pk_reads.q.val() {
                self.ctl.next.bytes = self.pk_last_bytes.q.val();
            }
        }
        self.s5_ctl.d.next = self.ctl.val();
        self.s5_data.d.next = self.s4_data.q.val();

        // S5: the header patch, from the values S4 chose.
        // Little-endian, as `ip_rest` is summed (a ones' complement sum is byte-order independent):
        // the new length byte-swapped in, the checksum as it lies in the frame out.
        self.csum_sum.next = self.h_ip_rest.q.val()
            + bit_cast::<20, 16>(((self.h_ip_len.q.val() & 0xff) << 8) | (self.h_ip_len.q.val() >> 8));
        self.csum_fold.next = (self.csum_sum.val() & 0xffff) + (self.csum_sum.val() >> 16);
        self.csum_fold2.next = (self.csum_fold.val() & 0xffff) + (self.csum_fold.val() >> 16);
        // The checksum's adds take S5; S6 patches it in.
        self.c_patch.d.next = self.h_patch.q.val() & self.h_recsum.q.val();
        self.c_ip_csum.d.next = !self.csum_fold2.val().get_bits::<16>(0);
        self.patched.next = (self.s5_data.q.val() & self.patch_keep.val())
            | (bit_cast::<BEAT_BITS, 16>(
                ((self.h_ip_len.q.val() & 0xff) << 8) | (self.h_ip_len.q.val() >> 8),
            ) << self.at_ip_len.val())
            | (bit_cast::<BEAT_BITS, 16>(
                ((self.h_udp_len.q.val() & 0xff) << 8) | (self.h_udp_len.q.val() >> 8),
            ) << self.at_udp_len.val())
            | (bit_cast::<BEAT_BITS, 8>(self.h_kind.q.val()) << self.at_kind.val())
            | (bit_cast::<BEAT_BITS, 8>(self.h_flags.q.val()) << self.at_flags.val())
            | (bit_cast::<BEAT_BITS, 16>(
                ((self.h_elements.q.val() & 0xff) << 8) | (self.h_elements.q.val() >> 8),
            ) << self.at_elements.val())
            | (bit_cast::<BEAT_BITS, 64>(
                ((self.h_bitmap.q.val() & 0xff) << 56)
                    | ((self.h_bitmap.q.val() & 0xff00) << 40)
                    | ((self.h_bitmap.q.val() & 0xff_0000) << 24)
                    | ((self.h_bitmap.q.val() & 0xff00_0000_u64) << 8)
                    | ((self.h_bitmap.q.val() >> 8) & 0xff00_0000_u64)
                    | ((self.h_bitmap.q.val() >> 24) & 0xff_0000)
                    | ((self.h_bitmap.q.val() >> 40) & 0xff00)
                    | (self.h_bitmap.q.val() >> 56),
            ) << self.at_bitmap.val());
        self.s6_ctl.d.next = self.s5_ctl.q.val();
        self.s6_data.d.next = self.s5_data.q.val();
        if self.h_patch.q.val() {
            self.s6_data.d.next = self.patched.val();
        }
        self.s7_ctl.d.next = self.s6_ctl.q.val();
        self.s7_data.d.next = self.s6_data.q.val();
        if self.c_patch.q.val() {
            self.s7_data.d.next = (self.s6_data.q.val() & self.csum_keep.val())
                | (bit_cast::<BEAT_BITS, 16>(self.c_ip_csum.q.val()) << self.at_ip_csum.val());
        }

        // S7: the output beat (the lane store's sum is out now), overflow, counters, credits.
        for i in 0..LANES {
            self.pack.lanes[i].next = self.store.out_sum[i].val();
        }
        self.ovf_now.next = self.ovf_acc.q.val()
            | (self.s7_ctl.q.val().sum & self.s7_ctl.q.val().write & self.store.out_overflow.val());
        if self.s7_ctl.q.val().op_first {
            self.ovf_now.next = false;
        }
        self.ovf_acc.d.next = self.ovf_now.val();
        self.written_now.next = self.written.q.val();
        if self.s7_ctl.q.val().op_first {
            self.written_now.next = 0.into();
        }
        if self.s7_ctl.q.val().valid & self.s7_ctl.q.val().write {
            self.written_now.next = self.written.q.val() + 1;
            if self.s7_ctl.q.val().op_first {
                self.written_now.next = 1.into();
            }
        }
        self.written.d.next = self.written_now.val();
        self.out_beat.next.data = self.s7_data.q.val();
        if self.s7_ctl.q.val().sum {
            self.out_beat.next.data = self.pack.data.val();
        }
        self.out_beat.next.bytes = self.s7_ctl.q.val().bytes;
        self.out_beat.next.last = self.s7_ctl.q.val().last;
        self.out_beat.next.snf = self.s7_ctl.q.val().snf;
        self.out_beat.next.bad = self.s7_ctl.q.val().bad;
        self.rx_out.wr_valid.next = self.s7_ctl.q.val().valid & self.s7_ctl.q.val().write;
        self.rx_out.wr_beat.next = self.out_beat.val();
        self.rx_out.wr_side.next = 0.into();
        if self.ovf_now.val() {
            self.rx_out.wr_side.next = 1.into();
        }
        self.credit_back.next = 0.into();
        if self.s7_ctl.q.val().valid & self.s7_ctl.q.val().cred & !self.s7_ctl.q.val().write {
            self.credit_back.next = 1.into();
        }
        if self.s7_ctl.q.val().valid & self.s7_ctl.q.val().rsv & self.s7_ctl.q.val().op_last {
            self.credit_back.next = self.beats_b1.val() - self.written_now.val();
        }
        self.regs.core_bump.next = 0.into();
        self.regs.tenant_bump.next = 0.into();
        self.regs.bump_tenant.next = self.s7_ctl.q.val().tenant;
        if self.s7_ctl.q.val().valid & self.s7_ctl.q.val().op_last {
            self.regs.core_bump.next = self.s7_ctl.q.val().core_bump;
            self.regs.tenant_bump.next = self.s7_ctl.q.val().tenant_bump;
            if self.s7_ctl.q.val().count_ovf & self.ovf_now.val() {
                self.regs.tenant_bump.next = self.s7_ctl.q.val().tenant_bump | self.t_overflows.val();
            }
        }

        // Receive output: a stored RESULT or PARTIAL leaves whole, its OVERFLOW flag ORed in.
        self.out_go.next = self.rx_out.rd_valid.val()
            & (!self.rx_out.rd_first.val() | !self.rx_out.rd_beat.val().snf | self.rx_out.rd_complete.val());
        self.out_ovf.next =
            self.rx_out.rd_first.val() & self.rx_out.rd_beat.val().snf & (self.rx_out.rd_side.val() != 0);
        self.rx_out_stage.s_valid.next = self.out_go.val();
        self.rx_out_stage.s_beat.next.data = self.rx_out.rd_beat.val().data;
        if self.out_ovf.val() {
            self.rx_out_stage.s_beat.next.data = self.rx_out.rd_beat.val().data | self.overflow_bit.val();
        }
        self.keep_shift.next = self.full_beat.val() - self.rx_out.rd_beat.val().bytes;
        self.rx_out_stage.s_beat.next.keep = self.ones_keep.val();
        if self.rx_out.rd_beat.val().last {
            self.rx_out_stage.s_beat.next.keep = self.ones_keep.val() >> self.keep_shift.val();
        }
        self.rx_out_stage.s_beat.next.last = self.rx_out.rd_beat.val().last;
        self.rx_out_stage.s_beat.next.user = self.rx_out.rd_beat.val().bad & self.rx_out.rd_beat.val().last;
        self.rx_out.rd_pop.next = self.out_go.val() & self.rx_out_stage.s_ready.val();
        self.popped.next = 0.into();
        if self.out_go.val() & self.rx_out_stage.s_ready.val() {
            self.popped.next = 1.into();
        }
        self.rx_out_stage.m_ready.next = self.m_axis_rx_tready.val();
        self.m_axis_rx_tvalid.next = self.rx_out_stage.m_valid.val();
        self.m_axis_rx_tdata.next = self.rx_out_stage.m_beat.val().data;
        self.m_axis_rx_tkeep.next = self.rx_out_stage.m_beat.val().keep;
        self.m_axis_rx_tlast.next = self.rx_out_stage.m_beat.val().last;
        self.m_axis_rx_tuser.next = self.rx_out_stage.m_beat.val().user;
        // Credits: the issue only selects among sums and flags computed from registers.
        self.ret.d.next = self.credit_back.val() + self.popped.val();
        self.cr_sum.next = self.credits.q.val() + self.ret.q.val() - self.taken.q.val();
        self.credits.d.next = self.cr_sum.val();
        self.taken.d.next = 0.into();
        self.cr_any.d.next = self.cr_sum.val() != 0;
        self.cr_pkt.d.next = self.cr_sum.val() >= self.beats_b1.val();
        if self.res_one.val() {
            self.taken.d.next = 1.into();
            self.cr_any.d.next = self.cr_sum.val() >= 2;
            self.cr_pkt.d.next = self.cr_sum.val() >= self.beats_b1_1.val();
        }
        if self.res_pkt.val() {
            self.taken.d.next = self.beats_b1.val();
            self.cr_any.d.next = self.cr_sum.val() >= self.beats_b1_1.val();
            self.cr_pkt.d.next = self.cr_sum.val() >= self.beats_b1_x2.val();
        }
        self.go.d.next = self.meta.ready.val() & !self.any_reset.val();

        if self.any_reset.val() {
            self.credits.d.next = self.depth.val();
            self.cr_any.d.next = true;
            self.cr_pkt.d.next = true;
            self.ret.d.next = 0.into();
            self.taken.d.next = 0.into();
            self.in_pkt.d.next = false;
            self.reads_left.d.next = 0.into();
            self.rl_busy.d.next = false;
            self.rl_last.d.next = false;
            self.ctrl_valid.d.next = false;
            self.sweeping.d.next = false;
            self.sweep_tail_left.d.next = 0.into();
            self.s0_op.d.next.valid = false;
            self.s1_op.d.next.valid = false;
            self.s2_op.d.next.valid = false;
            self.s3_op.d.next.valid = false;
            self.s4_op.d.next.valid = false;
            self.s5_ctl.d.next.valid = false;
            self.s6_ctl.d.next.valid = false;
            self.s7_ctl.d.next.valid = false;
            self.f_hit.d.next = false;
            self.m_valid.d.next = false;
            self.w_mark.d.next = false;
            self.h_patch.d.next = false;
            self.c_patch.d.next = false;
            self.state_op_1.d.next = false;
            self.state_op_2.d.next = false;
            self.flush_go.d.next = false;
            self.tx_in_pkt.d.next = false;
            self.tx_h_ok.d.next = false;
            self.tx_p_ok.d.next = false;
            self.tx_r_ok.d.next = false;
        }
    }
}

/// The checks of `wire::decode` a clock after `header_parse`: the IPv4 checksum by
/// `Ipv4SumCheck` on its `ip_sum`, added here from the two registered parts `ip_sum_rest` and
/// `ip_sum_len_csum` (the last add before the register was the core's critical path), with its
/// `fields_malformed`, and those that need the frame's length: at least a header, IPv4 total
/// length = frame length - Ethernet header, UDP length = IPv4 total length - IPv4 header,
/// payload = 4 x elements; and elements at most `CAP_ELEMENTS` (the core stores no longer frame).
#[derive(LogicBlock, Debug)]
pub struct FrameChecks {
    pub fields_malformed: Signal<In, Bit>,
    pub ip_sum_rest: Signal<In, Bits<20>>,
    pub ip_sum_len_csum: Signal<In, Bits<20>>,
    pub ip_total_len: Signal<In, Bits<16>>,
    pub udp_len: Signal<In, Bits<16>>,
    pub elements: Signal<In, Bits<16>>,
    /// Bytes of the whole frame.
    pub frame_len: Signal<In, Bits<16>>,
    pub bad: Signal<Out, Bit>,
    sum_check: Ipv4SumCheck,
    header_len: Constant<Bits<16>>,
    eth_len: Constant<Bits<16>>,
    ipv4_len: Constant<Bits<16>>,
    lane_shift: Constant<Bits<32>>,
    cap_elements: Constant<Bits<16>>,
}

impl FrameChecks {
    pub fn new(params: Params) -> FrameChecks {
        let c = |v: usize| Constant::new((v as u64).to_bits());
        FrameChecks {
            fields_malformed: Default::default(),
            ip_sum_rest: Default::default(),
            ip_sum_len_csum: Default::default(),
            ip_total_len: Default::default(),
            udp_len: Default::default(),
            elements: Default::default(),
            frame_len: Default::default(),
            bad: Default::default(),
            sum_check: Default::default(),
            header_len: c(wire::PAYLOAD_OFFSET),
            eth_len: c(wire::ETH_LEN),
            ipv4_len: c(wire::IPV4_LEN),
            lane_shift: Constant::new(u64::from(wire::LANE_BYTES.trailing_zeros()).to_bits()),
            cap_elements: Constant::new(u64::from(params.elements).to_bits()),
        }
    }
}

impl Logic for FrameChecks {
    #[hdl_gen]
    fn update(&mut self) {
        self.sum_check.sum.next = self.ip_sum_rest.val() + self.ip_sum_len_csum.val();
        self.bad.next = self.fields_malformed.val()
            | self.sum_check.bad.val()
            | (self.frame_len.val() < self.header_len.val())
            | ((self.ip_total_len.val() + self.eth_len.val()) != self.frame_len.val())
            | ((self.udp_len.val() + self.ipv4_len.val()) != self.ip_total_len.val())
            | (bit_cast::<32, 16>(self.frame_len.val())
                != (bit_cast::<32, 16>(self.header_len.val())
                    + (bit_cast::<32, 16>(self.elements.val()) << self.lane_shift.val())))
            | (self.elements.val() > self.cap_elements.val());
    }
}

/// Byte count of a beat from its `tkeep` (contiguous from byte 0): the top set bit's index + 1.
#[derive(LogicBlock, Debug)]
pub struct KeepBytes {
    pub keep: Signal<In, Bits<BEAT_BYTES>>,
    pub bytes: Signal<Out, Bits<7>>,
    /// `index_masks[k]`: the byte positions whose index has bit `k` set.
    index_masks: [Constant<Bits<BEAT_BYTES>>; 6],
    weights: [Constant<Bits<7>>; 6],
    top: Signal<Local, Bits<BEAT_BYTES>>,
    index: [Signal<Local, Bits<7>>; 7],
}

impl Default for KeepBytes {
    fn default() -> Self {
        KeepBytes {
            keep: Default::default(),
            bytes: Default::default(),
            index_masks: std::array::from_fn(|k| {
                Constant::new(
                    (0..BEAT_BYTES as u64)
                        .filter(|i| i >> k & 1 == 1)
                        .fold(0u64, |m, i| m | 1 << i)
                        .to_bits(),
                )
            }),
            weights: std::array::from_fn(|k| Constant::new((1u64 << k).to_bits())),
            top: Default::default(),
            index: Default::default(),
        }
    }
}

impl Logic for KeepBytes {
    #[hdl_gen]
    fn update(&mut self) {
        self.top.next = self.keep.val() & !(self.keep.val() >> 1);
        // The top byte's index bit by bit (ORs: no carries), then one increment.
        self.index[0].next = 0.into();
        for k in 0..6 {
            self.index[k + 1].next = self.index[k].val();
            if (self.top.val() & self.index_masks[k].val()) != 0 {
                self.index[k + 1].next = self.index[k].val() | self.weights[k].val();
            }
        }
        for n in 6..7 {
            self.bytes.next = self.index[n].val() + 1;
        }
    }
}
