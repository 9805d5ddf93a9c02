//! Exports the hardware through `aggnic-hdl`, lints and verilates it, and compiles it with a C ABI
//! shim into static libraries the crate links (see `src/ffi.rs`).
//!
//! Steps, all in `$OUT_DIR`:
//! 1. [`top_verilog`] exports the top block to `top.v` (rust-hdl names the top module `top`).
//! 2. `verilator --lint-only -Wall` with the waivers of `verilator/waivers.vlt` (each one explained
//!    there: WIDTH and DECLFILENAME from rust-hdl's code generator, UNUSEDSIGNAL on `s_axil_wstrb`
//!    and `s_axil_wdata` because AxilRegs ignores byte enables and stores at most 16 written bits).
//!    Any other warning fails the build; `AGGNIC_SIM_LINT=warn` turns that into a cargo warning.
//! 3. `verilator --cc ... --trace --build` per `shared/notes/toolchain.md`; `Vtop__ALL.a` is renamed
//!    `libVtop.a`. Tracing is compiled in; the VCD file is only opened when asked for at run time.
//! 4. The ports of `Vtop.h` are parsed and turned into a C header (`vtop_ports.h`, the input and
//!    output structs and the copy in/out functions) and the matching `#[repr(C)]` Rust structs
//!    (`ports.rs`), so swapping the top block needs no hand-written glue.
//! 5. `verilated.cpp`, `verilated_threads.cpp` and `verilated_vcd_c.cpp` (`libverilated.a`) and
//!    `csrc/shim.cpp` (`libvtop_shim.a`) are compiled with the `cc` crate.
//!
//! Everything above is skipped when the build key (Verilog text, flags, shim, waivers and
//! Verilator version) equals the last one and the libraries exist: the C++ is rebuilt only when the
//! hardware changes. Environment: `AGGNIC_SIM_PARAMS` (for example `lanes=8,slots=256`) overrides
//! fields of `Params::DEFAULT`; `AGGNIC_SIM_CFLAGS` is appended to the model's C++ flags (for
//! example `-march=native`).

use aggnic_spec::model::Params;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The hardware under simulation: the whole core.
fn top_verilog(params: Params) -> String {
    aggnic_hdl::export::core_verilog(params).unwrap_or_else(|e| panic!("AGGNIC_SIM_PARAMS: {e}"))
}

/// Flags of the verilating run (the lint run adds `--lint-only -Wall` instead of these).
const VERILATOR_FLAGS: &[&str] = &[
    "--cc",
    "--top-module",
    "top",
    "--prefix",
    "Vtop",
    "-O3",
    "--x-assign",
    "fast",
    "--x-initial",
    "fast",
    "--noassert",
    "--trace",
];

/// Make variables of the verilating run: `-O3` on the per-cycle code roughly doubles the speed over
/// Verilator's default `-Os` (toolchain notes). `AGGNIC_SIM_CFLAGS` goes in through `-CFLAGS`.
const MAKEFLAGS: &str = "OPT_FAST=-O3 OPT_SLOW=-O1";

fn main() {
    let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env("OUT_DIR"));
    for path in [
        "build.rs",
        "csrc/shim.cpp",
        "verilator/waivers.vlt",
        "../hdl/src",
        "../hdl/Cargo.toml",
        "../spec/src",
        "../spec/Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", manifest.join(path).display());
    }
    for var in ["AGGNIC_SIM_PARAMS", "AGGNIC_SIM_CFLAGS", "AGGNIC_SIM_LINT"] {
        println!("cargo:rerun-if-env-changed={var}");
    }

    let params = params_from_env();
    if let Err(e) = params.validate() {
        panic!("AGGNIC_SIM_PARAMS: {e}");
    }
    let version = verilator_version();
    let root = verilator_root();
    let include = root.join("include");
    let cflags = std::env::var("AGGNIC_SIM_CFLAGS").unwrap_or_default();
    let waivers = manifest.join("verilator/waivers.vlt");
    let shim = manifest.join("csrc/shim.cpp");
    let verilog = top_verilog(params);

    std::fs::write(out.join("params.rs"), params_rs(params)).expect("write params.rs");

    let obj = out.join("obj_dir");
    let key = format!(
        "{version}\n{VERILATOR_FLAGS:?}\n{MAKEFLAGS}\n{cflags}\n{}\n{}\n{verilog}",
        read(&waivers),
        read(&shim)
    );
    let key_path = out.join("build-key.txt");
    let libs = [
        obj.join("libVtop.a"),
        out.join("libverilated.a"),
        out.join("libvtop_shim.a"),
        out.join("ports.rs"),
    ];
    let up_to_date =
        std::fs::read_to_string(&key_path).is_ok_and(|k| k == key) && libs.iter().all(|l| l.exists());
    if !up_to_date {
        let _ = std::fs::remove_file(&key_path);
        let top_v = out.join("top.v");
        std::fs::write(&top_v, &verilog).expect("write top.v");
        let t0 = Instant::now();
        lint(&out, &waivers, &top_v);
        let t1 = Instant::now();
        verilate(&out, &obj, &waivers, &top_v, &cflags);
        let t2 = Instant::now();
        let ports = parse_ports(&read(&obj.join("Vtop.h")));
        std::fs::write(out.join("vtop_ports.h"), ports_h(&ports)).expect("write vtop_ports.h");
        std::fs::write(out.join("ports.rs"), ports_rs(&ports)).expect("write ports.rs");
        compile_cpp(&out, &obj, &include, &shim, &cflags);
        let t3 = Instant::now();
        let times = format!(
            "lint: {:.2} s\nverilate and compile the model: {:.2} s\ncompile runtime and shim: {:.2} s\n",
            (t1 - t0).as_secs_f64(),
            (t2 - t1).as_secs_f64(),
            (t3 - t2).as_secs_f64()
        );
        std::fs::write(out.join("build-times.txt"), times).expect("write build-times.txt");
        std::fs::write(&key_path, &key).expect("write build key");
    }

    // Link order matters for static archives: the shim uses the model, both use the runtime.
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-search=native={}", obj.display());
    println!("cargo:rustc-link-lib=static=vtop_shim");
    println!("cargo:rustc-link-lib=static=Vtop");
    println!("cargo:rustc-link-lib=static=verilated");
    println!("cargo:rustc-link-lib=dylib=stdc++");
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("cargo sets {name}"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn params_from_env() -> Params {
    let mut p = Params::DEFAULT;
    let Ok(spec) = std::env::var("AGGNIC_SIM_PARAMS") else {
        return p;
    };
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, value) = item
            .split_once('=')
            .unwrap_or_else(|| panic!("AGGNIC_SIM_PARAMS: `{item}` is not name=value"));
        let value: u32 = value
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("AGGNIC_SIM_PARAMS: `{item}`: {e}"));
        match name.trim() {
            "lanes" => p.lanes = value,
            "elements" => p.elements = value,
            "slots" => p.slots = value,
            "tenants" => p.tenants = value,
            "window" => p.window = value,
            other => panic!(
                "AGGNIC_SIM_PARAMS: unknown parameter `{other}` (lanes, elements, slots, tenants, window)"
            ),
        }
    }
    p
}

fn params_rs(p: Params) -> String {
    format!(
        "/// The parameters the simulated hardware was exported with (`AGGNIC_SIM_PARAMS` at build time,\n\
         /// `Params::DEFAULT` otherwise).\n\
         pub const PARAMS: aggnic_spec::model::Params = aggnic_spec::model::Params {{\n    \
         lanes: {},\n    elements: {},\n    slots: {},\n    tenants: {},\n    window: {},\n}};\n",
        p.lanes, p.elements, p.slots, p.tenants, p.window
    )
}

const INSTALL: &str = "install it with `apt-get install verilator` (Debian 12 gives 5.006)";

fn verilator_version() -> String {
    let output = match Command::new("verilator").arg("--version").output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => panic!(
            "`verilator --version` failed ({}): {}; {INSTALL}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("`verilator` is not on PATH ({e}); {INSTALL}"),
    };
    let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    // "Verilator 5.006 2023-01-22 rev (Debian 5.006-3)"
    let major: u32 = text
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("unexpected `verilator --version` output: {text}"));
    assert!(
        major >= 5,
        "{text} is too old: the shim needs Verilator 5; {INSTALL}"
    );
    text
}

fn verilator_root() -> PathBuf {
    let output = Command::new("verilator")
        .args(["--getenv", "VERILATOR_ROOT"])
        .output()
        .unwrap_or_else(|e| panic!("`verilator --getenv VERILATOR_ROOT`: {e}"));
    let root = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    assert!(
        root.join("include/verilated.cpp").exists(),
        "Verilator runtime sources not found under {}; {INSTALL}",
        root.display()
    );
    root
}

fn run(what: &str, cmd: &mut Command) -> std::process::Output {
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    if !output.status.success() {
        panic!(
            "{what} failed ({}): {cmd:?}\n--- stdout\n{}\n--- stderr\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output
}

fn lint(out: &Path, waivers: &Path, top_v: &Path) {
    // The waiver file must come before the source: lint_off without -match applies while parsing.
    let mut cmd = Command::new("verilator");
    cmd.current_dir(out)
        .args(["--lint-only", "-Wall", "--top-module", "top"])
        .arg(waivers)
        .arg(top_v);
    let output = cmd.output().expect("run verilator --lint-only");
    if !output.status.success() {
        let text = String::from_utf8_lossy(&output.stderr);
        if std::env::var("AGGNIC_SIM_LINT").is_ok_and(|v| v == "warn") {
            for line in text.lines().filter(|l| l.starts_with('%')) {
                println!("cargo:warning=verilator lint: {line}");
            }
        } else {
            panic!(
                "`verilator --lint-only -Wall` found warnings in the exported top ({}); fix them or \
                 add a justified waiver to sim/verilator/waivers.vlt (AGGNIC_SIM_LINT=warn to \
                 continue anyway):\n{text}",
                top_v.display()
            );
        }
    }
}

fn verilate(out: &Path, obj: &Path, waivers: &Path, top_v: &Path, cflags: &str) {
    let _ = std::fs::remove_dir_all(obj);
    let mut cmd = Command::new("verilator");
    cmd.current_dir(out)
        .args(VERILATOR_FLAGS)
        .arg("--Mdir")
        .arg(obj)
        .args(["--build", "-j", "2", "-MAKEFLAGS", MAKEFLAGS]);
    if !cflags.trim().is_empty() {
        cmd.arg("-CFLAGS").arg(cflags);
    }
    cmd.arg(waivers).arg(top_v);
    run("verilating the exported top", &mut cmd);
    std::fs::rename(obj.join("Vtop__ALL.a"), obj.join("libVtop.a")).expect("rename Vtop__ALL.a");
}

fn compile_cpp(out: &Path, obj: &Path, include: &Path, shim: &Path, cflags: &str) {
    let base = || {
        let mut b = cc::Build::new();
        b.cpp(true)
            .std("c++17")
            .flag("-faligned-new")
            .opt_level(2)
            // System includes: warnings in Verilator's headers are not ours to fix.
            .flag("-isystem")
            .flag(include.to_str().expect("UTF-8 path"))
            .flag("-isystem")
            .flag(include.join("vltstd").to_str().expect("UTF-8 path"))
            .define("VM_COVERAGE", "0")
            .define("VM_SC", "0")
            .define("VM_TRACE", "1")
            .define("VM_TRACE_VCD", "1")
            .define("VM_TRACE_FST", "0")
            .out_dir(out)
            .cargo_metadata(false);
        for flag in cflags.split_whitespace() {
            b.flag(flag);
        }
        b
    };
    // The runtime is off the per-cycle path (except VCD dumping): -O1 without debug info compiles
    // in about 8 s instead of about 20 s for -O2 -g.
    base()
        .opt_level(1)
        .debug(false)
        .warnings(false)
        .file(include.join("verilated.cpp"))
        .file(include.join("verilated_threads.cpp"))
        .file(include.join("verilated_vcd_c.cpp"))
        .compile("verilated");
    base()
        .flag("-isystem")
        .flag(obj.to_str().expect("UTF-8 path"))
        .include(out)
        .file(shim)
        .compile("vtop_shim");
}

/// One top-level port of the verilated model, from a `VL_IN8(&name,msb,lsb);` line of `Vtop.h`.
#[derive(Debug)]
struct Port {
    name: String,
    input: bool,
    bits: u32,
    /// 0 for scalars (8/16/32/64-bit), else the number of 32-bit words (`VL_INW`).
    words: u32,
}

fn parse_ports(header: &str) -> Vec<Port> {
    let mut ports = Vec::new();
    for line in header.lines().map(str::trim) {
        let Some((macro_name, rest)) = line.split_once("(&") else {
            continue;
        };
        let input = match macro_name {
            m if m.starts_with("VL_INOUT") => panic!("inout ports are not supported: {line}"),
            m if m.starts_with("VL_IN") => true,
            m if m.starts_with("VL_OUT") => false,
            _ => continue,
        };
        let args: Vec<&str> = rest.trim_end_matches(");").split(',').collect();
        let num = |i: usize| -> u32 { args[i].trim().parse().expect("port bound") };
        let bits = num(1) - num(2) + 1;
        let words = if macro_name.ends_with('W') { num(3) } else { 0 };
        ports.push(Port {
            name: args[0].to_string(),
            input,
            bits,
            words,
        });
    }
    assert!(
        ports.iter().any(|p| p.name == "clock" && p.input),
        "the top has no `clock` input"
    );
    ports
}

fn c_type(p: &Port) -> &'static str {
    match p.bits {
        _ if p.words > 0 => "uint32_t",
        0..=8 => "uint8_t",
        9..=16 => "uint16_t",
        17..=32 => "uint32_t",
        _ => "uint64_t",
    }
}

fn rust_type(p: &Port) -> String {
    match p.bits {
        _ if p.words > 0 => format!("[u32; {}]", p.words),
        0..=8 => "u8".into(),
        9..=16 => "u16".into(),
        17..=32 => "u32".into(),
        _ => "u64".into(),
    }
}

/// The ports the structs carry: every port but the clock, which the shim drives.
fn data_ports(ports: &[Port], input: bool) -> impl Iterator<Item = &Port> {
    ports
        .iter()
        .filter(move |p| p.input == input && p.name != "clock")
}

fn ports_h(ports: &[Port]) -> String {
    let mut s = String::from(
        "// Generated by sim/build.rs from Vtop.h. Do not edit.\n#pragma once\n#include <cstdint>\n#include \"Vtop.h\"\n\n",
    );
    for (input, name) in [(true, "VtopIn"), (false, "VtopOut")] {
        writeln!(s, "struct {name} {{").unwrap();
        for p in data_ports(ports, input) {
            let dims = if p.words > 0 {
                format!("[{}]", p.words)
            } else {
                String::new()
            };
            writeln!(s, "    {} {}{dims}; // {} bits", c_type(p), p.name, p.bits).unwrap();
        }
        writeln!(s, "}};\n").unwrap();
    }
    s.push_str("// Inputs are masked to their width: Verilator expects unused upper bits to be zero.\n");
    s.push_str("static inline void vtop_set_inputs(Vtop* t, const VtopIn* in) {\n");
    for p in data_ports(ports, true) {
        if p.words > 0 {
            let top_bits = p.bits - 32 * (p.words - 1);
            writeln!(
                s,
                "    for (int i = 0; i < {w}; i++) t->{n}[i] = in->{n}[i];\n    t->{n}[{last}] &= {mask:#x}u;",
                w = p.words,
                n = p.name,
                last = p.words - 1,
                mask = mask(top_bits)
            )
            .unwrap();
        } else {
            writeln!(
                s,
                "    t->{n} = in->{n} & {m:#x}ull;",
                n = p.name,
                m = mask(p.bits)
            )
            .unwrap();
        }
    }
    s.push_str("}\n\nstatic inline void vtop_get_outputs(const Vtop* t, VtopOut* out) {\n");
    for p in data_ports(ports, false) {
        if p.words > 0 {
            writeln!(
                s,
                "    for (int i = 0; i < {w}; i++) out->{n}[i] = t->{n}[i];",
                w = p.words,
                n = p.name
            )
            .unwrap();
        } else {
            writeln!(s, "    out->{n} = t->{n};", n = p.name).unwrap();
        }
    }
    s.push_str("}\n");
    s
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 }
}

fn ports_rs(ports: &[Port]) -> String {
    let mut s = String::from("// Generated by sim/build.rs from Vtop.h. Do not edit.\n\n");
    for (input, name, doc) in [
        (
            true,
            "Inputs",
            "The top's inputs but `clock` (the shim drives it). Values wider than a port are masked.",
        ),
        (
            false,
            "Outputs",
            "The top's outputs, sampled before a rising edge: what that edge sees.",
        ),
    ] {
        writeln!(
            s,
            "/// {doc}\n#[repr(C)]\n#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]\npub struct {name} {{"
        )
        .unwrap();
        for p in data_ports(ports, input) {
            writeln!(
                s,
                "    /// {} bits.\n    pub {}: {},",
                p.bits,
                p.name,
                rust_type(p)
            )
            .unwrap();
        }
        writeln!(s, "}}\n").unwrap();
    }
    s
}
