//! Verilator co-simulation of the exported hardware.
//!
//! `build.rs` exports the top block through `aggnic-hdl`, lints and verilates it and compiles it
//! with a small C ABI shim; [`ffi::Model`] owns the verilated model and crosses the FFI boundary
//! once per clock cycle; [`SimNic`] is the testbench on top: reset, clock, and AXI4-Lite master
//! transactions with optional seeded random stalls, checked against the AXI handshake rules.
//!
//! The exported top is the whole core (`aggnic_hdl::core::AggnicCore`, built with [`PARAMS`]; at
//! `lanes = 8` `aggnic_hdl::core8::AggnicCore8`, 256-bit streams, the stream widths following the
//! verilated ports).
//! [`SimNic`] drives AXI4-Lite itself; its streams are driven clock by clock through
//! `aggnic_spec::bench::CycleCore` (the differential testbench: frames in with random idle cycles,
//! frames out with random backpressure, checked against the model), streamed by the sim server
//! through [`server::VerilatedCard`], and as the driver's register access through
//! [`backend::SimNicBackend`].
//!
//! Set `AGGNIC_VCD=path` to trace every model this process creates (the first one writes `path`,
//! later ones `path` with `.1`, `.2`, ... before the extension), or pass [`Config::vcd`].

pub mod backend;
mod cycle;
pub mod figures;
// The only module with `unsafe`: the extern "C" calls into the verilated model. The workspace
// denies unsafe_code everywhere else.
#[allow(unsafe_code)]
pub mod ffi;
pub mod server;

pub use aggnic_spec::rng::Rng;
pub use ffi::{Inputs, Model, Outputs};

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

include!(concat!(env!("OUT_DIR"), "/params.rs"));

/// The environment variable that switches VCD tracing on.
pub const VCD_ENV: &str = "AGGNIC_VCD";

/// AXI response code OKAY.
pub const RESP_OKAY: u8 = 0;

/// Testbench settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Seed of the stall generator.
    pub seed: u64,
    /// Percent chance (0..=100) that the testbench stalls: each cycle a ready it drives (`bready`,
    /// `rready`) is low with this chance, and before a transaction, and before it raises each
    /// valid (`awvalid`, `wvalid`, `arvalid`), it idles for a run of cycles drawn with this chance
    /// (at most [`MAX_STALL_RUN`]). 0 gives back-to-back transactions at full speed.
    pub stall_percent: u32,
    /// Cycles a transaction may take before it fails with [`AxilError::Timeout`].
    pub timeout_cycles: u64,
    /// Where to write a VCD trace. `None` falls back to `$AGGNIC_VCD`, if set.
    pub vcd: Option<PathBuf>,
}

/// Longest run of idle cycles one stall draw inserts.
pub const MAX_STALL_RUN: u32 = 16;

impl Default for Config {
    fn default() -> Config {
        Config {
            seed: 1,
            stall_percent: 0,
            timeout_cycles: 10_000,
            vcd: None,
        }
    }
}

/// A failed AXI4-Lite transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxilError {
    /// No response within [`Config::timeout_cycles`].
    Timeout { addr: u32, write: bool, cycles: u64 },
    /// A response other than OKAY.
    Resp { addr: u32, write: bool, resp: u8 },
}

impl fmt::Display for AxilError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = |w: bool| if w { "write" } else { "read" };
        match *self {
            AxilError::Timeout { addr, write, cycles } => write!(
                f,
                "AXI4-Lite {} of 0x{addr:04x}: no response in {cycles} cycles",
                dir(write)
            ),
            AxilError::Resp { addr, write, resp } => write!(
                f,
                "AXI4-Lite {} of 0x{addr:04x}: response {resp:#04b}, not OKAY",
                dir(write)
            ),
        }
    }
}

impl std::error::Error for AxilError {}

/// The simulated NIC: the verilated top plus a testbench driving it.
///
/// Timing model: [`SimNic::tick`] applies the current inputs, samples the outputs just before the
/// rising edge ([`SimNic::outputs`]: what that edge saw) and clocks the edge. A handshake happened
/// on a cycle when valid and ready were both high in that sample.
#[derive(Debug)]
pub struct SimNic {
    model: Model,
    inputs: Inputs,
    last_inputs: Inputs,
    last: Outputs,
    cycles: u64,
    rng: Rng,
    stall_percent: u32,
    timeout_cycles: u64,
}

static TRACED_MODELS: AtomicUsize = AtomicUsize::new(0);

/// `path` for the first traced model of the process, `path` with `.n` before the extension after.
fn numbered(path: &Path, n: usize) -> PathBuf {
    if n == 0 {
        return path.to_path_buf();
    }
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let name = match path.extension() {
        Some(ext) => format!("{stem}.{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}.{n}"),
    };
    path.with_file_name(name)
}

impl Default for SimNic {
    fn default() -> SimNic {
        SimNic::new()
    }
}

impl SimNic {
    /// A reset simulator with [`Config::default`] (no stalls; VCD if `$AGGNIC_VCD` is set).
    ///
    /// # Panics
    /// If the VCD file named by `$AGGNIC_VCD` cannot be created.
    pub fn new() -> SimNic {
        SimNic::with_config(Config::default()).unwrap_or_else(|e| panic!("SimNic::new: {e}"))
    }

    /// A reset simulator.
    ///
    /// # Errors
    /// If the VCD file cannot be created.
    pub fn with_config(config: Config) -> std::io::Result<SimNic> {
        let vcd = config.vcd.clone().or_else(|| {
            std::env::var_os(VCD_ENV)
                .filter(|v| !v.is_empty())
                .map(|v| numbered(Path::new(&v), TRACED_MODELS.fetch_add(1, Ordering::Relaxed)))
        });
        let mut sim = SimNic {
            model: Model::new(vcd.as_deref())?,
            inputs: Inputs::default(),
            last_inputs: Inputs::default(),
            last: Outputs::default(),
            cycles: 0,
            rng: Rng::new(config.seed),
            stall_percent: config.stall_percent.min(100),
            timeout_cycles: config.timeout_cycles,
        };
        sim.reset();
        Ok(sim)
    }

    /// Changes the stall chance (see [`Config::stall_percent`]).
    pub fn set_stall_percent(&mut self, percent: u32) {
        self.stall_percent = percent.min(100);
    }

    /// Restarts the stall generator from `seed`.
    pub fn reseed(&mut self, seed: u64) {
        self.rng = Rng::new(seed);
    }

    /// Whether this simulator writes a VCD trace.
    pub fn tracing(&self) -> bool {
        self.model.tracing()
    }

    /// Clock cycles since construction (resets included).
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// Two cycles of synchronous reset with every input idle, then reset released.
    pub fn reset(&mut self) {
        self.inputs = Inputs {
            reset: 1,
            ..Inputs::default()
        };
        self.tick();
        self.tick();
        self.inputs.reset = 0;
    }

    /// The inputs the next [`SimNic::tick`] applies, for driving ports directly.
    pub fn inputs_mut(&mut self) -> &mut Inputs {
        &mut self.inputs
    }

    /// The outputs sampled just before the last rising edge.
    pub fn outputs(&self) -> &Outputs {
        &self.last
    }

    /// The outputs now: the current inputs applied and settled, without a clock edge.
    pub fn peek(&mut self) -> Outputs {
        self.model.settle(&self.inputs)
    }

    /// Flushes the VCD trace, if any.
    pub fn flush_trace(&mut self) {
        self.model.flush();
    }

    /// One clock cycle with the current inputs; returns the outputs the rising edge sampled.
    ///
    /// # Panics
    /// If the hardware breaks an AXI4-Lite rule a slave must keep: a response (`rvalid`/`bvalid`)
    /// that is dropped, or whose data changes, before the testbench accepted it.
    pub fn tick(&mut self) -> Outputs {
        let out = self.model.cycle(&self.inputs);
        self.check_slave_rules(&out);
        self.last = out;
        self.last_inputs = self.inputs;
        self.cycles += 1;
        out
    }

    fn check_slave_rules(&self, out: &Outputs) {
        let (prev, prev_in) = (&self.last, &self.last_inputs);
        if prev_in.reset != 0 || self.inputs.reset != 0 {
            return;
        }
        if prev.s_axil_rvalid != 0 && prev_in.s_axil_rready == 0 {
            assert!(
                out.s_axil_rvalid != 0
                    && out.s_axil_rdata == prev.s_axil_rdata
                    && out.s_axil_rresp == prev.s_axil_rresp,
                "cycle {}: the slave dropped or changed a pending read response",
                self.cycles
            );
        }
        if prev.s_axil_bvalid != 0 && prev_in.s_axil_bready == 0 {
            assert!(
                out.s_axil_bvalid != 0 && out.s_axil_bresp == prev.s_axil_bresp,
                "cycle {}: the slave dropped or changed a pending write response",
                self.cycles
            );
        }
    }

    fn stall(&mut self) -> bool {
        self.stall_percent > 0 && self.rng.chance(self.stall_percent * 10)
    }

    fn stall_run(&mut self) -> u32 {
        let mut n = 0;
        while n < MAX_STALL_RUN && self.stall() {
            n += 1;
        }
        n
    }

    fn idle_gap(&mut self) {
        for _ in 0..self.stall_run() {
            self.tick();
        }
    }

    /// An AXI4-Lite read of the 32-bit word at byte address `addr` (truncated to the address port,
    /// as the hardware decodes it).
    ///
    /// # Panics
    /// On a timeout or a response other than OKAY (see [`SimNic::try_axil_read`]), or if the slave
    /// responds before it accepted the address.
    pub fn axil_read(&mut self, addr: u32) -> u32 {
        self.try_axil_read(addr).unwrap_or_else(|e| panic!("{e}"))
    }

    /// An AXI4-Lite write of `value` to the 32-bit word at byte address `addr`, all bytes enabled.
    ///
    /// # Panics
    /// On a timeout or a response other than OKAY (see [`SimNic::try_axil_write`]), or if the slave
    /// responds before it accepted both address and data.
    pub fn axil_write(&mut self, addr: u32, value: u32) {
        self.try_axil_write(addr, value).unwrap_or_else(|e| panic!("{e}"));
    }

    /// [`SimNic::axil_read`], returning timeouts and error responses.
    ///
    /// # Errors
    /// [`AxilError::Timeout`] after [`Config::timeout_cycles`]; [`AxilError::Resp`] on SLVERR or
    /// DECERR.
    pub fn try_axil_read(&mut self, addr: u32) -> Result<u32, AxilError> {
        self.idle_gap();
        let start = self.cycles;
        let mut ar_wait = self.stall_run();
        let mut ar_done = false;
        self.inputs.s_axil_araddr = addr as _;
        let result = loop {
            if self.cycles - start >= self.timeout_cycles {
                break Err(AxilError::Timeout {
                    addr,
                    write: false,
                    cycles: self.timeout_cycles,
                });
            }
            let arvalid = !ar_done && ar_wait == 0;
            let rready = !self.stall();
            self.inputs.s_axil_arvalid = arvalid.into();
            self.inputs.s_axil_rready = rready.into();
            let out = self.tick();
            if rready && out.s_axil_rvalid != 0 {
                assert!(
                    ar_done,
                    "cycle {}: read response before the address was accepted",
                    self.cycles
                );
                break match out.s_axil_rresp {
                    RESP_OKAY => Ok(out.s_axil_rdata),
                    resp => Err(AxilError::Resp {
                        addr,
                        write: false,
                        resp,
                    }),
                };
            }
            ar_done |= arvalid && out.s_axil_arready != 0;
            ar_wait = ar_wait.saturating_sub(1);
        };
        self.inputs.s_axil_arvalid = 0;
        self.inputs.s_axil_rready = 0;
        result
    }

    /// [`SimNic::axil_write`], returning timeouts and error responses.
    ///
    /// # Errors
    /// [`AxilError::Timeout`] after [`Config::timeout_cycles`]; [`AxilError::Resp`] on SLVERR or
    /// DECERR.
    pub fn try_axil_write(&mut self, addr: u32, value: u32) -> Result<(), AxilError> {
        self.idle_gap();
        let start = self.cycles;
        let mut aw_wait = self.stall_run();
        let mut w_wait = self.stall_run();
        let (mut aw_done, mut w_done) = (false, false);
        self.inputs.s_axil_awaddr = addr as _;
        self.inputs.s_axil_wdata = value;
        self.inputs.s_axil_wstrb = 0xf;
        let result = loop {
            if self.cycles - start >= self.timeout_cycles {
                break Err(AxilError::Timeout {
                    addr,
                    write: true,
                    cycles: self.timeout_cycles,
                });
            }
            let awvalid = !aw_done && aw_wait == 0;
            let wvalid = !w_done && w_wait == 0;
            let bready = !self.stall();
            self.inputs.s_axil_awvalid = awvalid.into();
            self.inputs.s_axil_wvalid = wvalid.into();
            self.inputs.s_axil_bready = bready.into();
            let out = self.tick();
            if bready && out.s_axil_bvalid != 0 {
                assert!(
                    aw_done && w_done,
                    "cycle {}: write response before address and data were accepted",
                    self.cycles
                );
                break match out.s_axil_bresp {
                    RESP_OKAY => Ok(()),
                    resp => Err(AxilError::Resp {
                        addr,
                        write: true,
                        resp,
                    }),
                };
            }
            aw_done |= awvalid && out.s_axil_awready != 0;
            w_done |= wvalid && out.s_axil_wready != 0;
            aw_wait = aw_wait.saturating_sub(1);
            w_wait = w_wait.saturating_sub(1);
        };
        self.inputs.s_axil_awvalid = 0;
        self.inputs.s_axil_wvalid = 0;
        self.inputs.s_axil_bready = 0;
        result
    }
}
