//! The real `aggnic` binary, run as a person would.

use std::process::Command;

fn aggnic(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_aggnic"))
        .args(args)
        .output()
        .expect("the aggnic binary runs")
}

#[test]
fn demo_verifies_every_result_under_faults() {
    let out = aggnic(&[
        "demo",
        "--tenants",
        "2",
        "--workers",
        "4",
        "--fragments",
        "40",
        "--iterations",
        "2",
        "--slots",
        "16",
        "--quota",
        "8",
        "--loss",
        "5",
        "--duplicate",
        "3",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("verified: 640 of 640 results equal the CPU sum; no slot left in use"),
        "{stdout}"
    );
    let collisions: u64 = stdout
        .split("collisions")
        .next()
        .and_then(|s| s.rsplit(' ').nth(1))
        .and_then(|n| n.parse().ok())
        .expect("a collision count");
    assert!(
        collisions > 0,
        "a 16-slot pool for 2 tenants must collide: {stdout}"
    );
}

#[test]
fn a_bad_argument_explains_itself_with_exit_code_2() {
    let out = aggnic(&["demo", "--slots", "100"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("100 is not a power of two"), "{stderr}");
    let out = aggnic(&["demo", "--loss", "80"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a percentage from 0 to 50"));
}
