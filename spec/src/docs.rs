//! Markdown generated from the definitions, for `docs/protocol.md` and `docs/registers.md`.
//!
//! A doc holds each generated section between `<!-- BEGIN GENERATED: name -->` and
//! `<!-- END GENERATED: name -->`. The test `spec/tests/docs_in_sync.rs` fails when a section differs
//! from [`section`]'s output; `AGGNIC_BLESS=1 cargo test -p aggnic-spec --test docs_in_sync` rewrites them.

use crate::regs::{self, Reg};
use crate::wire::{self, Field, Kind};
use std::fmt::Write;

/// Names of every generated section.
pub const SECTIONS: &[&str] = &["frame-layout", "header-layout", "kinds", "flags", "registers"];

/// The generated Markdown of one section.
pub fn section(name: &str) -> Option<String> {
    Some(match name {
        "frame-layout" => field_table(&wire::FRAME_FIELDS, 0),
        "header-layout" => field_table(&wire::HEADER_FIELDS, wire::HEADER_OFFSET),
        "kinds" => kinds_table(),
        "flags" => flags_table(),
        "registers" => register_tables(),
        _ => return None,
    })
}

fn field_table(fields: &[Field], base: usize) -> String {
    let mut s =
        String::from("| frame bytes | header bytes | size | field | meaning |\n|---|---|---|---|---|\n");
    for f in fields {
        let frame = format!("{}..{}", base + f.offset, base + f.offset + f.size);
        let header = if base == 0 {
            "-".to_string()
        } else {
            format!("{}..{}", f.offset, f.offset + f.size)
        };
        writeln!(
            s,
            "| {frame} | {header} | {} | `{}` | {} |",
            f.size, f.name, f.doc
        )
        .unwrap();
    }
    s
}

fn kinds_table() -> String {
    let mut s = String::from("| value | kind | meaning |\n|---|---|---|\n");
    for k in Kind::ALL {
        writeln!(s, "| {} | {} | {} |", k as u8, k.name(), cell(k.doc())).unwrap();
    }
    s
}

fn flags_table() -> String {
    let mut s = String::from("| bit | flag | meaning |\n|---|---|---|\n");
    for (bit, name, doc) in wire::flags::TABLE {
        writeln!(s, "| 0x{bit:02x} | {name} | {} |", cell(doc)).unwrap();
    }
    s
}

fn register_tables() -> String {
    let mut s = String::new();
    let blocks = [
        ("Core block", regs::CORE_BLOCK..regs::TENANT_BLOCK),
        ("Tenant table block", regs::TENANT_BLOCK..regs::WINDOW_BYTES),
    ];
    for (title, range) in blocks {
        writeln!(
            s,
            "### {title}\n\n| address | name | width | access | reset | meaning |\n|---|---|---|---|---|---|"
        )
        .unwrap();
        for r in regs::ALL.iter().filter(|r| range.contains(&r.addr)) {
            writeln!(s, "{}", register_row(r)).unwrap();
        }
        s.push('\n');
    }
    s.pop();
    s
}

fn register_row(r: &Reg) -> String {
    format!(
        "| 0x{:04x} | `{}` | {} | {} | 0x{:x} | {} |",
        r.addr,
        r.name,
        r.width,
        r.access.name(),
        r.reset,
        cell(r.doc)
    )
}

/// Text made safe for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// Replaces every generated section of `doc` with fresh output. Errors name a missing marker.
pub fn regenerate(doc: &str) -> Result<String, String> {
    let mut out = doc.to_string();
    for name in SECTIONS {
        let begin = format!("<!-- BEGIN GENERATED: {name} -->\n");
        let end = format!("<!-- END GENERATED: {name} -->");
        let Some(b) = out.find(&begin) else { continue };
        let start = b + begin.len();
        let stop = out[start..]
            .find(&end)
            .ok_or(format!("section {name} has no END marker"))?
            + start;
        out.replace_range(start..stop, &section(name).expect("known section"));
    }
    Ok(out)
}

/// The sections a doc contains.
pub fn sections_in(doc: &str) -> Vec<&'static str> {
    SECTIONS
        .iter()
        .copied()
        .filter(|n| doc.contains(&format!("<!-- BEGIN GENERATED: {n} -->")))
        .collect()
}
