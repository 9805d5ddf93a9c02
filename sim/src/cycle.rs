//! [`SimNic`] as a clock-by-clock core for the differential testbench (`aggnic_spec::bench`): the
//! same bench drives rust-hdl's simulator in `hdl/` and this verilated core, against the model.

use crate::SimNic;
use aggnic_spec::bench::{BEAT_BYTES, Beat, CycleCore, Inputs, Outputs};

/// `tdata` as Verilator holds a wide port: `N` 32-bit words (16 at 512 bits, 8 at 256, as the
/// generated port struct says), byte `4i` in the low byte of word `i`.
fn words<const N: usize>(b: &Beat) -> [u32; N] {
    std::array::from_fn(|i| u32::from_le_bytes(b.data[4 * i..4 * i + 4].try_into().expect("4 bytes")))
}

/// `tkeep` of `b`, as the port's integer type (`u64` at 512 bits, `u32` at 256).
fn keep<T: TryFrom<u64>>(b: &Beat) -> T {
    let keep = if b.bytes as usize >= BEAT_BYTES {
        u64::MAX
    } else {
        (1u64 << b.bytes) - 1
    };
    T::try_from(keep)
        .ok()
        .unwrap_or_else(|| panic!("a {}-byte beat wider than the port", b.bytes))
}

/// A beat off an output port of `N` words; `tkeep` must be contiguous from byte 0.
fn beat<const N: usize>(data: &[u32; N], keep: impl Into<u64>, last: u8, bad: u8) -> Beat {
    let keep: u64 = keep.into();
    assert_eq!(
        keep & keep.wrapping_add(1),
        0,
        "tkeep not contiguous from byte 0: {keep:#x}"
    );
    let mut bytes = [0u8; BEAT_BYTES];
    for (i, w) in data.iter().enumerate() {
        bytes[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    Beat {
        data: bytes,
        bytes: keep.count_ones() as u8,
        last: last != 0,
        bad: bad != 0,
    }
}

impl CycleCore for SimNic {
    fn reset(&mut self) {
        SimNic::reset(self);
    }

    fn cycle(&mut self, i: &Inputs) -> Outputs {
        let inp = self.inputs_mut();
        inp.s_axis_rx_tvalid = i.rx.is_some().into();
        if let Some(b) = &i.rx {
            inp.s_axis_rx_tdata = words(b);
            inp.s_axis_rx_tkeep = keep(b);
            inp.s_axis_rx_tlast = b.last.into();
            inp.s_axis_rx_tuser = b.bad.into();
        }
        inp.s_axis_tx_tvalid = i.tx.is_some().into();
        if let Some(b) = &i.tx {
            inp.s_axis_tx_tdata = words(b);
            inp.s_axis_tx_tkeep = keep(b);
            inp.s_axis_tx_tlast = b.last.into();
        }
        inp.m_axis_rx_tready = i.rx_out_ready.into();
        inp.m_axis_tx_tready = i.tx_out_ready.into();
        inp.s_axil_awvalid = i.awaddr.is_some().into();
        inp.s_axil_awaddr = i.awaddr.unwrap_or(0) as _;
        inp.s_axil_wvalid = i.wdata.is_some().into();
        inp.s_axil_wdata = i.wdata.unwrap_or(0);
        inp.s_axil_wstrb = 0xf;
        inp.s_axil_bready = i.bready.into();
        inp.s_axil_arvalid = i.araddr.is_some().into();
        inp.s_axil_araddr = i.araddr.unwrap_or(0) as _;
        inp.s_axil_rready = i.rready.into();
        let o = self.tick();
        Outputs {
            rx_ready: o.s_axis_rx_tready != 0,
            tx_ready: o.s_axis_tx_tready != 0,
            rx_out: (o.m_axis_rx_tvalid != 0).then(|| {
                beat(
                    &o.m_axis_rx_tdata,
                    o.m_axis_rx_tkeep,
                    o.m_axis_rx_tlast,
                    o.m_axis_rx_tuser,
                )
            }),
            tx_out: (o.m_axis_tx_tvalid != 0)
                .then(|| beat(&o.m_axis_tx_tdata, o.m_axis_tx_tkeep, o.m_axis_tx_tlast, 0)),
            awready: o.s_axil_awready != 0,
            wready: o.s_axil_wready != 0,
            bvalid: o.s_axil_bvalid != 0,
            arready: o.s_axil_arready != 0,
            rvalid: o.s_axil_rvalid != 0,
            rdata: o.s_axil_rdata,
        }
    }
}
