//! `docs/protocol.md` and `docs/registers.md` hold tables generated from the definitions; this test
//! fails when they drift. `AGGNIC_BLESS=1 cargo test -p aggnic-spec --test docs_in_sync` rewrites them.

use aggnic_spec::docs;
use std::path::PathBuf;

fn check(name: &str, expected_sections: &[&str]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(name);
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        docs::sections_in(&doc),
        expected_sections,
        "{name} lost a generated section"
    );
    let fresh = docs::regenerate(&doc).unwrap();
    if std::env::var_os("AGGNIC_BLESS").is_some() {
        std::fs::write(&path, fresh).unwrap();
        return;
    }
    assert!(
        fresh == doc,
        "{name} is out of date with spec/src: run `AGGNIC_BLESS=1 cargo test -p aggnic-spec --test docs_in_sync`"
    );
}

#[test]
fn protocol_doc_matches_the_wire_format() {
    check(
        "protocol.md",
        &["frame-layout", "header-layout", "kinds", "flags"],
    );
}

#[test]
fn registers_doc_matches_the_register_map() {
    check("registers.md", &["registers"]);
}

#[test]
fn a_stale_section_is_detected() {
    let doc = "x\n<!-- BEGIN GENERATED: kinds -->\n| stale |\n<!-- END GENERATED: kinds -->\n";
    let fresh = docs::regenerate(doc).unwrap();
    assert_ne!(fresh, doc);
    assert!(fresh.contains("| 1 | UPDATE |"));
    assert_eq!(
        docs::regenerate(&fresh).unwrap(),
        fresh,
        "regenerating is idempotent"
    );
}
