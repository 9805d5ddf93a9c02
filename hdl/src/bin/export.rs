//! Writes the Verilog of the whole core (`aggnic_core.v`) and of some blocks into `target/hdl/`
//! (default parameters), or into the directory given as the only argument.

use aggnic_hdl::Params;
use aggnic_hdl::axil_regs::AxilRegs;
use aggnic_hdl::export::{core_verilog, export_verilog};
use aggnic_hdl::header_parse::HeaderParse;
use aggnic_hdl::slot_hash::SlotHash;
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = std::env::args_os().nth(1).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("target")
            .join("hdl")
    });
    std::fs::create_dir_all(&dir)?;
    let blocks = [
        (
            "aggnic_core",
            core_verilog(Params::DEFAULT).map_err(std::io::Error::other)?,
        ),
        ("slot_hash", export_verilog(&mut SlotHash::default())),
        ("header_parse", export_verilog(&mut HeaderParse::default())),
        ("axil_regs", export_verilog(&mut AxilRegs::new(Params::DEFAULT))),
    ];
    for (name, verilog) in blocks {
        let path = dir.join(format!("{name}.v"));
        std::fs::write(&path, verilog)?;
        println!("{}", path.display());
    }
    Ok(())
}
