//! The real `aggnic` binary, run as a person would.

use std::process::Command;

fn aggnic(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_aggnic"))
        .args(args)
        .output()
        .expect("the aggnic binary runs")
}

/// A small demo on `card` (the default if `None`; 2 tenants x 4 workers, 40 fragments, 2 iterations, quota 8, 5 % loss,
/// 3 % duplication, `extra` arguments added); it must exit 0 having verified all 640 results.
fn small_demo(card: Option<&str>, extra: &[&str]) -> String {
    let mut args = vec!["demo"];
    if let Some(card) = card {
        args.extend(["--card", card]);
    }
    args.extend([
        "--tenants",
        "2",
        "--workers",
        "4",
        "--fragments",
        "40",
        "--iterations",
        "2",
        "--quota",
        "8",
        "--loss",
        "5",
        "--duplicate",
        "3",
    ]);
    args.extend_from_slice(extra);
    let out = aggnic(&args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("verified: 640 of 640 results equal the CPU sum; no slot left in use"),
        "{stdout}"
    );
    stdout
}

#[test]
fn demo_verifies_every_result_under_faults() {
    let stdout = small_demo(Some("model"), &["--slots", "16"]);
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

/// The default card: the verilated core behind the sim server, every result checked.
#[test]
fn demo_through_the_verilated_core_verifies_every_result_under_faults() {
    let stdout = small_demo(None, &[]);
    assert!(
        stdout.contains(&format!("pool {} slots", aggnic_sim::PARAMS.slots))
            && stdout.contains("card: the verilated core"),
        "{stdout}"
    );
}

#[test]
fn the_core_has_the_pool_it_was_built_with() {
    let out = aggnic(&["demo", "--slots", "16"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "the verilated core is built with {} slots",
            aggnic_sim::PARAMS.slots
        )),
        "{stderr}"
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
