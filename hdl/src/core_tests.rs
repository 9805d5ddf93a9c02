//! The whole core in rust-hdl's simulator against the reference model: a short randomized run of
//! the differential testbench (`aggnic_spec::bench`); the long runs are Verilator's (`sim/`).

use crate::core::AggnicCore;
use crate::core8::AggnicCore8;
use crate::gearbox::{NARROW_BITS, NARROW_BYTES};
use crate::packet_fifo::{BEAT_BITS, BEAT_BYTES};
use crate::testing::{on_big_stack, settle, verilator_lint, yosys_check};
use aggnic_spec::bench::{self, Bench, CycleCore, Inputs, Outputs, Stalls, Traffic};
use aggnic_spec::model::Params;
use aggnic_spec::regs;
use rust_hdl::prelude::*;

/// 16 slots, 4 beats a packet: `SLOT_BITS` 4, `SUM_BITS` 4 + 2.
const SMALL: Params = Params {
    lanes: 16,
    elements: 64,
    slots: 16,
    tenants: 4,
    window: 8,
};
type Small = AggnicCore<4, 6>;
/// The same pool at 8 lanes (256-bit streams): its inner core is `Small`'s.
const SMALL8: Params = Params { lanes: 8, ..SMALL };
type Small8 = AggnicCore8<4, 6>;

/// A bench beat as `tdata` and `tkeep` of a `N`-bit stream (`K` = `N / 8` bytes).
fn to_bits<const N: usize, const K: usize>(b: &bench::Beat) -> (Bits<N>, Bits<K>) {
    let mut data = Bits::<N>::default();
    for (k, x) in b.data[..K].iter().enumerate() {
        data.set_bits::<8>(8 * k, x.to_bits());
    }
    let keep = if b.bytes as usize == BEAT_BYTES {
        u64::MAX
    } else {
        (1u64 << b.bytes) - 1
    };
    (data, keep.to_bits())
}

fn from_bits<const N: usize, const K: usize>(
    data: Bits<N>,
    keep: Bits<K>,
    last: bool,
    bad: bool,
) -> bench::Beat {
    let mut out = [0u8; BEAT_BYTES];
    for (k, x) in out[..K].iter_mut().enumerate() {
        *x = data.get_bits::<8>(8 * k).to_u8();
    }
    let keep = keep.to_u64();
    assert_eq!(
        keep & keep.wrapping_add(1),
        0,
        "tkeep contiguous from byte 0: {keep:#x}"
    );
    bench::Beat {
        data: out,
        bytes: keep.count_ones() as u8,
        last,
        bad,
    }
}

/// A core block in the differential testbench.
#[derive(Debug)]
struct HdlCore<T>(T);

/// One `CycleCore` for every core top: their ports have the same names, only the stream width
/// (`$bits`, `$bytes`) differs.
macro_rules! cycle_core {
    ($top:ident, $bits:expr, $bytes:expr) => {
        impl<const S: usize, const A: usize> CycleCore for HdlCore<$top<S, A>> {
            fn state(&self) -> String {
                self.0.debug_state()
            }

            fn reset(&mut self) {
                let u = &mut self.0;
                u.reset.next = true;
                for _ in 0..3 {
                    self.cycle(&Inputs::default());
                }
                self.0.reset.next = false;
            }

            fn cycle(&mut self, i: &Inputs) -> Outputs {
                let u = &mut self.0;
                u.s_axis_rx_tvalid.next = i.rx.is_some();
                if let Some(b) = &i.rx {
                    let (d, k) = to_bits::<{ $bits }, { $bytes }>(b);
                    u.s_axis_rx_tdata.next = d;
                    u.s_axis_rx_tkeep.next = k;
                    u.s_axis_rx_tlast.next = b.last;
                    u.s_axis_rx_tuser.next = b.bad;
                }
                u.s_axis_tx_tvalid.next = i.tx.is_some();
                if let Some(b) = &i.tx {
                    let (d, k) = to_bits::<{ $bits }, { $bytes }>(b);
                    u.s_axis_tx_tdata.next = d;
                    u.s_axis_tx_tkeep.next = k;
                    u.s_axis_tx_tlast.next = b.last;
                }
                u.m_axis_rx_tready.next = i.rx_out_ready;
                u.m_axis_tx_tready.next = i.tx_out_ready;
                u.s_axil_awvalid.next = i.awaddr.is_some();
                u.s_axil_awaddr.next = i.awaddr.unwrap_or(0).to_bits();
                u.s_axil_wvalid.next = i.wdata.is_some();
                u.s_axil_wdata.next = i.wdata.unwrap_or(0).to_bits();
                u.s_axil_wstrb.next = 0xf.into();
                u.s_axil_bready.next = i.bready;
                u.s_axil_arvalid.next = i.araddr.is_some();
                u.s_axil_araddr.next = i.araddr.unwrap_or(0).to_bits();
                u.s_axil_rready.next = i.rready;
                settle(u);
                let out = Outputs {
                    rx_ready: u.s_axis_rx_tready.val(),
                    tx_ready: u.s_axis_tx_tready.val(),
                    rx_out: u.m_axis_rx_tvalid.val().then(|| {
                        from_bits(
                            u.m_axis_rx_tdata.val(),
                            u.m_axis_rx_tkeep.val(),
                            u.m_axis_rx_tlast.val(),
                            u.m_axis_rx_tuser.val(),
                        )
                    }),
                    tx_out: u.m_axis_tx_tvalid.val().then(|| {
                        from_bits(
                            u.m_axis_tx_tdata.val(),
                            u.m_axis_tx_tkeep.val(),
                            u.m_axis_tx_tlast.val(),
                            false,
                        )
                    }),
                    awready: u.s_axil_awready.val(),
                    wready: u.s_axil_wready.val(),
                    bvalid: u.s_axil_bvalid.val(),
                    arready: u.s_axil_arready.val(),
                    rvalid: u.s_axil_rvalid.val(),
                    rdata: u.s_axil_rdata.val().to_u32(),
                };
                u.clock.next = true.into();
                settle(u);
                u.clock.next = false.into();
                settle(u);
                out
            }
        }
    };
}
cycle_core!(AggnicCore, BEAT_BITS, BEAT_BYTES);
cycle_core!(AggnicCore8, NARROW_BITS, NARROW_BYTES);

fn bench_of<T: Block>(mut core: T, params: Params, seed: u64, stalls: Stalls) -> Bench<HdlCore<T>>
where
    HdlCore<T>: CycleCore,
{
    core.connect_all();
    Bench::new(HdlCore(core), params, seed, stalls)
}

const STALLS: Stalls = Stalls {
    input_idle: 150,
    output_stall: 150,
};

#[test]
fn whole_core_matches_the_model_on_random_traffic() {
    on_big_stack(|| whole_core_run(bench_of(Small::new(SMALL), SMALL, 0xc0_0001, STALLS), SMALL));
}

#[test]
fn whole_8_lane_core_matches_the_model_on_random_traffic() {
    on_big_stack(|| whole_core_run(bench_of(Small8::new(SMALL8), SMALL8, 0xc8_0001, STALLS), SMALL8));
}

fn whole_core_run<C: CycleCore>(mut b: Bench<C>, params: Params) {
    let start = std::time::Instant::now();
    assert_eq!(b.read(regs::CAP_LANES.addr), params.lanes, "CAP_LANES");
    let mut t = Traffic::new(params, 0xc0_0002);
    t.configure(&mut b, 3);
    eprintln!("configured: {:?} in {:?}", b.seen, start.elapsed());
    let frames: u64 = std::env::var("AGGNIC_HDL_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    t.run(&mut b, frames);
    eprintln!("ran: {:?} in {:?}", b.seen, start.elapsed());
    t.flush_held(&mut b);
    b.check_registers();
    eprintln!(
        "whole core (rust-hdl, {} lanes): {:?} in {:?}",
        params.lanes,
        b.seen,
        start.elapsed()
    );
    let s = &b.seen;
    assert!(s.results > 5 && s.forwards > 5 && s.partials > 0, "{s:?}");
}

#[test]
fn synthesizes() {
    on_big_stack(|| {
        let waivers = ["WIDTH", "DECLFILENAME", "UNOPTFLAT", "UNUSEDSIGNAL"];
        let v = yosys_check("core_small", &mut Small::new(SMALL));
        verilator_lint("core_small", &v, &waivers);
        let v = yosys_check("core8_small", &mut Small8::new(SMALL8));
        verilator_lint("core8_small", &v, &waivers);
    });
}
