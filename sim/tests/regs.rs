//! The register block through Verilator against the reference model `aggnic_spec::model::Core`,
//! the oracle. The hardware is verilated once, by the build script; every test makes its own model.

use aggnic_sim::{AxilError, Config, PARAMS, Rng, SimNic};
use aggnic_spec::model::Core;
use aggnic_spec::regs::{self, Access};

/// Every mapped 32-bit word of the register map.
fn mapped_words() -> Vec<u32> {
    regs::ALL
        .iter()
        .flat_map(|r| (0..r.words()).map(move |w| r.addr + 4 * w))
        .collect()
}

/// Word addresses inside the window that no register maps.
fn unmapped_words() -> Vec<u32> {
    (0..regs::WINDOW_BYTES)
        .step_by(4)
        .filter(|a| regs::lookup(*a).is_none())
        .collect()
}

/// Words whose writes AxilRegs implements as the model does: CTRL and UDP_PORT, every read-only
/// word (writes ignored) and unmapped words (writes ignored). The other writable registers
/// (TENANT_SEL, T_*, FLUSH_CMD, COMMAND) are not in the hardware yet.
fn writable_words(rng: &mut Rng) -> Vec<u32> {
    let mut words = vec![regs::CTRL.addr, regs::UDP_PORT.addr];
    words.extend(
        regs::ALL
            .iter()
            .filter(|r| r.access == Access::Ro)
            .flat_map(|r| (0..r.words()).map(move |w| r.addr + 4 * w)),
    );
    let unmapped = unmapped_words();
    words.extend((0..8).map(|_| rng.pick(&unmapped)));
    words
}

fn sim(seed: u64, stall_percent: u32) -> SimNic {
    SimNic::with_config(Config {
        seed,
        stall_percent,
        ..Config::default()
    })
    .expect("simulator")
}

fn assert_reads_as_reset_model(sim: &mut SimNic, what: &str) {
    let model = Core::new(PARAMS);
    let words = mapped_words();
    assert_eq!(
        words.len(),
        regs::ALL.iter().map(|r| r.words() as usize).sum::<usize>()
    );
    for addr in words {
        assert_eq!(
            sim.axil_read(addr),
            model.read(addr),
            "{what}: word 0x{addr:04x} ({:?})",
            regs::lookup(addr).map(|(r, hi)| (r.name, hi))
        );
    }
}

#[test]
fn every_mapped_word_reads_as_the_reset_model() {
    let mut sim = SimNic::new();
    assert_reads_as_reset_model(&mut sim, "no stalls");
    // Not a vacuous comparison: identification and capabilities are non-zero.
    assert_eq!(sim.axil_read(regs::CORE_TYPE.addr), regs::CORE_BLOCK_TYPE);
    assert_eq!(sim.axil_read(regs::TENANT_TYPE.addr), regs::TENANT_BLOCK_TYPE);
    assert_eq!(sim.axil_read(regs::CAP_SLOTS.addr), PARAMS.slots);
    // The export's lanes (8 or 16), not the inner core's: the 8-lane core holds a 16-lane one.
    assert_eq!(sim.axil_read(regs::CAP_LANES.addr), PARAMS.lanes);
    assert_eq!(
        sim.axil_read(regs::UDP_PORT.addr),
        u32::from(regs::DEFAULT_UDP_PORT)
    );
    let model = Core::new(PARAMS);
    for addr in unmapped_words() {
        assert_eq!(sim.axil_read(addr), model.read(addr), "unmapped 0x{addr:04x}");
    }
}

#[test]
fn every_mapped_word_reads_as_the_reset_model_under_stalls() {
    for (seed, stall) in [(7, 30), (8, 70)] {
        let mut sim = sim(seed, stall);
        assert_reads_as_reset_model(&mut sim, &format!("seed {seed}, {stall} % stalls"));
    }
}

#[test]
fn random_reads_and_writes_with_stalls_follow_the_model() {
    let reads = mapped_words();
    for (seed, stall) in [(1, 0), (2, 20), (3, 50), (4, 80)] {
        let mut rng = Rng::new(seed ^ 0x5eed);
        let writes = writable_words(&mut rng);
        let mut sim = sim(seed, stall);
        let mut model = Core::new(PARAMS);
        let mut writes_to_live = 0;
        for step in 0..10_000 {
            if rng.chance(450) {
                let addr = if rng.chance(400) {
                    rng.pick(&[regs::CTRL.addr, regs::UDP_PORT.addr])
                } else {
                    rng.pick(&writes)
                };
                // Bias towards values the registers care about: bit 0 and port-like numbers.
                let value = match rng.below(3) {
                    0 => rng.next_u32(),
                    1 => rng.next_u32() & 1,
                    _ => rng.next_u32() & 0xffff,
                };
                sim.axil_write(addr, value);
                model.write(addr, value);
                if addr == regs::CTRL.addr || addr == regs::UDP_PORT.addr {
                    writes_to_live += 1;
                }
            } else {
                let addr = rng.pick(&reads);
                assert_eq!(
                    sim.axil_read(addr),
                    model.read(addr),
                    "seed {seed}, {stall} % stalls, step {step}: read 0x{addr:04x}"
                );
            }
        }
        assert!(writes_to_live > 1000, "the run exercised the live registers");
        // The final state word for word.
        for addr in mapped_words() {
            assert_eq!(
                sim.axil_read(addr),
                model.read(addr),
                "seed {seed}: final 0x{addr:04x}"
            );
        }
    }
}

#[test]
fn reset_restores_the_reset_values() {
    let mut sim = sim(11, 30);
    sim.axil_write(regs::CTRL.addr, regs::ctrl::ENABLE);
    sim.axil_write(regs::UDP_PORT.addr, 0x1234);
    assert_eq!(sim.axil_read(regs::CTRL.addr), regs::ctrl::ENABLE);
    assert_eq!(sim.axil_read(regs::UDP_PORT.addr), 0x1234);
    sim.reset();
    assert_reads_as_reset_model(&mut sim, "after reset");
}

#[test]
fn reads_take_three_cycles_and_writes_two_without_stalls() {
    let mut sim = SimNic::new();
    let start = sim.cycles();
    sim.axil_read(regs::CORE_TYPE.addr);
    assert_eq!(
        sim.cycles() - start,
        3,
        "address cycle, the decoded read, then the response"
    );
    let start = sim.cycles();
    sim.axil_write(regs::UDP_PORT.addr, 9);
    assert_eq!(
        sim.cycles() - start,
        2,
        "address and data cycle, then the response"
    );
}

#[test]
fn stalls_cost_cycles_and_repeat_with_the_seed() {
    let run = |seed: u64, stall: u32| {
        let mut sim = sim(seed, stall);
        let start = sim.cycles();
        for i in 0..200u32 {
            sim.axil_write(regs::UDP_PORT.addr, i);
            assert_eq!(sim.axil_read(regs::UDP_PORT.addr), i);
        }
        sim.cycles() - start
    };
    let fast = run(5, 0);
    assert_eq!(fast, 200 * (2 + 3));
    let slow = run(5, 50);
    assert!(slow > 2 * fast, "50 % stalls: {slow} cycles vs {fast}");
    assert_eq!(run(5, 50), slow, "same seed, same cycles");
    assert_ne!(run(6, 50), slow, "another seed, other stalls");
}

#[test]
fn a_response_that_never_comes_is_a_timeout() {
    // With 100 % stalls the testbench never raises rready/bready: no transaction can finish.
    let mut sim = SimNic::with_config(Config {
        stall_percent: 100,
        timeout_cycles: 100,
        ..Config::default()
    })
    .expect("simulator");
    assert_eq!(
        sim.try_axil_read(regs::CTRL.addr),
        Err(AxilError::Timeout {
            addr: regs::CTRL.addr,
            write: false,
            cycles: 100
        })
    );
    assert!(matches!(
        sim.try_axil_write(regs::CTRL.addr, 1),
        Err(AxilError::Timeout { write: true, .. })
    ));
    sim.set_stall_percent(0);
    sim.reset();
    assert_eq!(sim.try_axil_read(regs::CTRL.addr), Ok(0));
}

#[test]
fn vcd_trace_records_the_bus() {
    let path = std::env::temp_dir().join(format!("aggnic-sim-test-{}.vcd", std::process::id()));
    {
        let mut sim = SimNic::with_config(Config {
            vcd: Some(path.clone()),
            ..Config::default()
        })
        .expect("simulator");
        assert!(sim.tracing());
        sim.axil_write(regs::UDP_PORT.addr, 0xbeef);
        assert_eq!(sim.axil_read(regs::UDP_PORT.addr), 0xbeef);
    }
    let vcd = std::fs::read_to_string(&path).expect("VCD written");
    std::fs::remove_file(&path).ok();
    assert!(vcd.contains("$enddefinitions"), "VCD header");
    for signal in ["s_axil_awaddr", "s_axil_rdata", "udp_port", "clock"] {
        assert!(vcd.contains(signal), "{signal} in the VCD");
    }
    assert!(vcd.contains("1011111011101111"), "0xbeef on the bus");
    // Two dumps a cycle: 2 reset + 2 write + 3 read cycles, the last rising edge at 65.
    assert!(vcd.contains("\n#65\n") && !vcd.contains("\n#75\n"));
    let untraced = SimNic::with_config(Config::default()).expect("simulator");
    assert_eq!(untraced.tracing(), std::env::var_os("AGGNIC_VCD").is_some());
}
