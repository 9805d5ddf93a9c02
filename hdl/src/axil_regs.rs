//! `AxilRegs`: the AXI4-Lite control slave (`s_axil_*`), a skeleton.
//!
//! Address decode comes from `aggnic_spec::regs`: every mapped 32-bit word of `regs::ALL` is a
//! table entry built at construction. What is implemented so far:
//! - every readable word returns the value a freshly reset reference model reads there
//!   (`model::Core::new(params).read`): block type/version/next headers, the capability registers
//!   (from the export [`Params`]), and the reset value of everything else;
//! - `CTRL` and `UDP_PORT` are read/write and drive [`AxilRegs::enable`] and [`AxilRegs::udp_port`].
//!
//! Not yet implemented (they read their reset value and ignore writes): counters and the snapshot,
//! `STATUS`, `SLOTS_IN_USE`, `FLUSH_CMD`, `COMMAND`, and the tenant-table view and staging.
//! Unmapped addresses read 0 and ignore writes; every response is OKAY. `wstrb` is ignored (the
//! register map has no byte enables). One outstanding read and one outstanding write.

use aggnic_spec::model::{Core, Params};
use aggnic_spec::regs::{self, Access};
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

/// The AXI4-Lite slave. Construct with [`AxilRegs::new`].
#[derive(LogicBlock, Debug)]
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

    word_addr: [Constant<Bits<ADDR_BITS>>; WORDS],
    word_value: [Constant<Bits<32>>; WORDS],
    ctrl_addr: Constant<Bits<ADDR_BITS>>,
    enable_bit: Constant<Bits<8>>,
    enable_reset: Constant<Bits<1>>,
    udp_port_addr: Constant<Bits<ADDR_BITS>>,
    udp_port_reset: Constant<Bits<16>>,

    write_now: Signal<Local, Bit>,
    read_now: Signal<Local, Bit>,
    rd: Signal<Local, Bits<32>>,
    r_enable: DFF<Bits<1>>,
    r_udp_port: DFF<Bits<16>>,
    r_bvalid: DFF<Bit>,
    r_rvalid: DFF<Bit>,
    r_rdata: DFF<Bits<32>>,
}

impl AxilRegs {
    /// # Panics
    /// If `params` is invalid (see [`Params::validate`]).
    pub fn new(params: Params) -> AxilRegs {
        let model = Core::new(params);
        let words: Vec<(u32, u32)> = regs::ALL
            .iter()
            .flat_map(|r| (0..r.words()).map(move |w| r.addr + 4 * w))
            .map(|addr| (addr, model.read(addr)))
            .collect();
        assert_eq!(words.len(), WORDS);
        assert!(
            regs::ALL
                .iter()
                .all(|r| r.access != Access::Wo || model.read(r.addr) == 0)
        );
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
            word_addr: std::array::from_fn(|i| Constant::new(words[i].0.to_bits())),
            word_value: std::array::from_fn(|i| Constant::new(words[i].1.to_bits())),
            ctrl_addr: Constant::new(regs::CTRL.addr.to_bits()),
            enable_bit: Constant::new(regs::ctrl::ENABLE.trailing_zeros().to_bits()),
            enable_reset: Constant::new(model.enabled().into()),
            udp_port_addr: Constant::new(regs::UDP_PORT.addr.to_bits()),
            udp_port_reset: Constant::new(model.udp_port().to_bits()),
            write_now: Default::default(),
            read_now: Default::default(),
            rd: Default::default(),
            r_enable: Default::default(),
            r_udp_port: Default::default(),
            r_bvalid: Default::default(),
            r_rvalid: Default::default(),
            r_rdata: Default::default(),
        }
    }
}

impl Logic for AxilRegs {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, r_enable, r_udp_port, r_bvalid, r_rvalid, r_rdata);

        // Write: address and data are taken together, when no response is pending.
        self.write_now.next = self.s_axil_awvalid.val() & self.s_axil_wvalid.val() & !self.r_bvalid.q.val();
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

        // Read: the table of constant words, then the live registers.
        self.rd.next = 0.into();
        for i in 0..WORDS {
            if self.s_axil_araddr.val() == self.word_addr[i].val() {
                self.rd.next = self.word_value[i].val();
            }
        }
        if self.s_axil_araddr.val() == self.ctrl_addr.val() {
            self.rd.next = bit_cast::<32, 1>(self.r_enable.q.val());
        }
        if self.s_axil_araddr.val() == self.udp_port_addr.val() {
            self.rd.next = bit_cast::<32, 16>(self.r_udp_port.q.val());
        }
        self.read_now.next = self.s_axil_arvalid.val() & !self.r_rvalid.q.val();
        if self.read_now.val() {
            self.r_rvalid.d.next = true;
            self.r_rdata.d.next = self.rd.val();
        }
        if self.r_rvalid.q.val() & self.s_axil_rready.val() {
            self.r_rvalid.d.next = false;
        }

        if self.reset.val() {
            self.r_enable.d.next = self.enable_reset.val();
            self.r_udp_port.d.next = self.udp_port_reset.val();
            self.r_bvalid.d.next = false;
            self.r_rvalid.d.next = false;
        }

        self.s_axil_awready.next = self.write_now.val();
        self.s_axil_wready.next = self.write_now.val();
        self.s_axil_bvalid.next = self.r_bvalid.q.val();
        self.s_axil_bresp.next = 0.into();
        self.s_axil_arready.next = !self.r_rvalid.q.val();
        self.s_axil_rvalid.next = self.r_rvalid.q.val();
        self.s_axil_rdata.next = self.r_rdata.q.val();
        self.s_axil_rresp.next = 0.into();
        self.enable.next = self.r_enable.q.val().any();
        self.udp_port.next = self.r_udp_port.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, settle, tick, yosys_check};

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
        assert!(uut.s_axil_rvalid.val(), "rvalid one cycle after the address");
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

    #[test]
    fn synthesizes() {
        yosys_check("aggnic_hdl_axil_regs", &mut AxilRegs::new(PARAMS));
    }
}
