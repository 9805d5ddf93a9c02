//! `aggnic-bitstreams-export OUT_DIR DESIGN...`: writes each design's Verilog (top module `top`)
//! to `OUT_DIR/<block>.<set>.v` and a description to `OUT_DIR/<block>.<set>.json`.
//!
//! A design is `<block>@<set>`, `<block>` alone meaning `<block>@lanes16`. A set is the default
//! parameters (`Params::DEFAULT`: 16 lanes, 64 elements, 1024 slots, 16 tenants, window 64) with
//! dash-separated overrides: `lanes8`, `lanes16-slots4096`, `lanes8-slots4096-elements256`,
//! `tenants64`, `window32`; `default` is `lanes16`. `--list` prints the blocks; `--params SET`
//! prints a set's parameters as JSON (validated) without exporting anything.
//!
//! Part of `bitstreams/build`; not a member of the main workspace (see Cargo.toml).

use aggnic_hdl::Params;
use aggnic_hdl::axil_regs::AxilRegs;
use aggnic_hdl::export::{core_verilog, export_verilog};
use aggnic_hdl::header_parse::HeaderParse;
use aggnic_hdl::saturating_lanes::SaturatingLanes;
use aggnic_hdl::slot_hash::SlotHash;
use aggnic_hdl::update_decide::{LiveCheck, UpdateCheck, UpdateDecide};
use aggnic_hdl::window::{Window, WindowNext};
use std::path::PathBuf;
use std::process::ExitCode;

/// A block: its name, which `Params` fields its hardware depends on, what it is, and its export.
struct BlockDef {
    name: &'static str,
    uses: &'static [&'static str],
    what: &'static str,
    /// The Verilog, or why this set has none (e.g. a geometry `core_verilog` does not instantiate).
    export: fn(Params) -> Result<String, String>,
}

fn lanes(p: Params) -> Result<String, String> {
    match p.lanes {
        8 => Ok(export_verilog(&mut SaturatingLanes::<8>::default())),
        16 => Ok(export_verilog(&mut SaturatingLanes::<16>::default())),
        n => Err(format!(
            "no SaturatingLanes<{n}> instance (lanes is 8 or 16)"
        )),
    }
}

const BLOCKS: &[BlockDef] = &[
    BlockDef {
        name: "slot_hash",
        uses: &[],
        what: "H3 slot hash, registered",
        export: |_| Ok(export_verilog(&mut SlotHash::default())),
    },
    BlockDef {
        name: "header_parse",
        uses: &[],
        what: "header beat classify/check/decode, combinational",
        export: |_| Ok(export_verilog(&mut HeaderParse::default())),
    },
    BlockDef {
        name: "update_check",
        uses: &["elements", "tenants"],
        what: "UPDATE header and configuration checks, combinational",
        export: |p| Ok(export_verilog(&mut UpdateCheck::new(p))),
    },
    BlockDef {
        name: "live_check",
        uses: &["window"],
        what: "UPDATE window and quota checks on one candidate live state, combinational",
        export: |p| Ok(export_verilog(&mut LiveCheck::new(p))),
    },
    BlockDef {
        name: "update_decide",
        uses: &["window"],
        what: "UPDATE verdict from the checks and live state, combinational",
        export: |p| Ok(export_verilog(&mut UpdateDecide::new(p))),
    },
    BlockDef {
        name: "window_next",
        uses: &["window"],
        what: "one tenant's window step, combinational",
        export: |_| Ok(export_verilog(&mut WindowNext::new())),
    },
    BlockDef {
        name: "window",
        uses: &["window"],
        what: "one tenant's window, registered",
        export: |p| Ok(export_verilog(&mut Window::new(p))),
    },
    BlockDef {
        name: "saturating_lanes",
        uses: &["lanes"],
        what: "int32 saturating lane adders, combinational",
        export: lanes,
    },
    BlockDef {
        name: "core",
        uses: &["lanes", "elements", "slots", "tenants", "window"],
        what: "the whole core: AggnicCore at 16 lanes, AggnicCore8 (width converters around it) at 8; pool geometries of export::core_verilog",
        export: core_verilog,
    },
    BlockDef {
        name: "axil_regs",
        uses: &["lanes", "elements", "slots", "tenants", "window"],
        what: "AXI4-Lite register slave",
        export: |p| Ok(export_verilog(&mut AxilRegs::new(p))),
    },
];

/// Parses a set name into parameters.
fn parse_set(set: &str) -> Result<Params, String> {
    let mut p = Params::DEFAULT;
    if set == "default" {
        return Ok(p);
    }
    for token in set.split('-') {
        let split = token
            .find(|c: char| c.is_ascii_digit())
            .ok_or_else(|| format!("set `{set}`: `{token}` has no number"))?;
        let (key, num) = token.split_at(split);
        let n: u32 = num
            .parse()
            .map_err(|e| format!("set `{set}`: `{token}`: {e}"))?;
        match key {
            "lanes" => p.lanes = n,
            "elements" => p.elements = n,
            "slots" => p.slots = n,
            "tenants" => p.tenants = n,
            "window" => p.window = n,
            _ => return Err(format!("set `{set}`: unknown parameter `{key}`")),
        }
    }
    p.validate().map_err(|e| format!("set `{set}`: {e}"))?;
    Ok(p)
}

/// `{"lanes": .., "elements": .., "slots": .., "tenants": .., "window": ..}`.
fn params_json(p: Params) -> String {
    format!(
        "{{\"lanes\": {}, \"elements\": {}, \"slots\": {}, \"tenants\": {}, \"window\": {}}}",
        p.lanes, p.elements, p.slots, p.tenants, p.window
    )
}

fn run(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("--list") {
        for b in BLOCKS {
            println!("{:18} params: {:35} {}", b.name, b.uses.join(","), b.what);
        }
        return Ok(());
    }
    if args.len() == 2 && args[0] == "--params" {
        let set = &args[1];
        // The parameters of a set, validated, as JSON: `bitstreams/build` sizes the core's pool
        // from them before (or instead of) exporting it.
        let p = parse_set(set)?;
        println!("{}", params_json(p));
        return Ok(());
    }
    let [out, designs @ ..] = args else {
        return Err(
            "usage: aggnic-bitstreams-export OUT_DIR <block>[@<set>]... | --list | --params SET"
                .into(),
        );
    };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    for design in designs {
        let (name, set) = design.split_once('@').unwrap_or((design, "lanes16"));
        let block = BLOCKS
            .iter()
            .find(|b| b.name == name)
            .ok_or_else(|| format!("unknown block `{name}` (see --list)"))?;
        let p = parse_set(set)?;
        let verilog = (block.export)(p).map_err(|e| format!("{design}: {e}"))?;
        let stem = format!("{name}.{set}");
        let v = out.join(format!("{stem}.v"));
        std::fs::write(&v, verilog).map_err(|e| format!("{}: {e}", v.display()))?;
        let uses: Vec<String> = block.uses.iter().map(|u| format!("\"{u}\"")).collect();
        let json = format!(
            "{{\"block\": \"{name}\", \"set\": \"{set}\", \"what\": \"{}\", \"params_used\": [{}], \
             \"params\": {}}}\n",
            block.what,
            uses.join(", "),
            params_json(p)
        );
        let j = out.join(format!("{stem}.json"));
        std::fs::write(&j, json).map_err(|e| format!("{}: {e}", j.display()))?;
        println!("{}", v.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aggnic-bitstreams-export: {e}");
            ExitCode::FAILURE
        }
    }
}
