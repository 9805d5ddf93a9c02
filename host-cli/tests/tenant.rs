//! The tenant commands as a person runs them: the real `aggnic` binary against a running
//! `aggnic sim serve`, started by the test. Every wait is bounded; the server gets SIGTERM at the end.

mod common;

use common::{bounded, fails, json, ok, serve, stop};
use std::process::{Command, Output};

/// Runs `aggnic --device sim:<control> args...` with a bounded wait.
fn aggnic(device: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aggnic"));
    cmd.env_remove("AGGNIC_DEVICE")
        .arg("--device")
        .arg(device)
        .args(args);
    bounded(cmd)
}

#[test]
fn tenant_life_cycle() {
    let s = serve(&["--enable", "--slots", "64"]);
    let dev = s.device();

    let out = ok(&aggnic(
        &dev,
        &[
            "tenant",
            "add",
            "2",
            "--key",
            "0x5eedf00d",
            "--mask",
            "0x29",
            "--quota",
            "8",
        ],
    ));
    assert_eq!(out.trim(), "tenant 2 added");
    ok(&aggnic(
        &dev,
        &[
            "tenant",
            "add",
            "5",
            "--key",
            "7",
            "--workers",
            "4",
            "--quota",
            "16",
        ],
    ));

    let list = json(&aggnic(&dev, &["tenant", "list", "--json"]));
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], 2);
    assert_eq!(list[0]["quota"], 8);
    assert_eq!(list[0]["mask"], "0x29");
    assert_eq!(list[0]["workers"], 3);
    assert_eq!(list[1]["id"], 5);
    assert_eq!(list[1]["mask"], "0xf");
    assert_eq!(list[1]["slots_in_use"], 0);

    let table = ok(&aggnic(&dev, &["tenant", "list"]));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].starts_with("ID  QUOTA  WORKERS"), "{table}");
    assert_eq!(
        lines[1].find("0x29"),
        lines[0].find("MASK"),
        "aligned columns:\n{table}"
    );

    let shown = ok(&aggnic(&dev, &["tenant", "show", "2"]));
    assert!(shown.contains("T_FRAMES"), "{shown}");
    let shown = json(&aggnic(&dev, &["tenant", "show", "2", "--json"]));
    assert_eq!(shown["id"], 2);
    assert_eq!(shown["counters"]["T_FRAMES"], 0);

    ok(&aggnic(
        &dev,
        &["tenant", "set", "2", "--quota", "32", "--workers", "2"],
    ));
    let shown = json(&aggnic(&dev, &["tenant", "show", "2", "--json"]));
    assert_eq!(
        (shown["quota"].clone(), shown["mask"].clone()),
        (32.into(), "0x3".into())
    );

    let stats = json(&aggnic(&dev, &["stats", "--json"]));
    assert!(stats["global"]["C_RX_FRAMES"].is_u64(), "{stats}");
    assert!(stats.get("tenant").is_none());
    let stats = json(&aggnic(&dev, &["stats", "--tenant", "2", "--json"]));
    assert_eq!(stats["tenant"]["id"], 2);
    assert_eq!(stats["tenant"]["counters"]["T_FRAMES"], 0);
    let table = ok(&aggnic(&dev, &["stats", "--tenant", "2"]));
    assert!(
        table.starts_with("COUNTER") && table.contains("\ntenant 2\n"),
        "{table}"
    );

    assert_eq!(
        ok(&aggnic(&dev, &["tenant", "rm", "2"])).trim(),
        "tenant 2 removed"
    );
    let list = json(&aggnic(&dev, &["tenant", "list", "--json"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
    stop(s);
}

/// One worker's UPDATE datagram (the aggregation header and the lanes) for the network socket.
fn datagram(tenant: u8, worker: u8, seq: u32, key: u64, lanes: &[i32]) -> Vec<u8> {
    use aggnic_spec::wire::{HEADER_LEN, Header};
    let mut h = [0u8; HEADER_LEN];
    Header {
        elements: lanes.len() as u16,
        ..Header::update(tenant, worker, seq, 0, key)
    }
    .encode(&mut h);
    let mut d = h.to_vec();
    for l in lanes {
        d.extend_from_slice(&l.to_be_bytes());
    }
    d
}

#[test]
fn stats_after_real_traffic_on_the_verilated_core() {
    let s = serve(&["--card", "core", "--enable"]);
    let dev = s.device();
    let net = s.network.expect("the server printed its network address");
    ok(&aggnic(
        &dev,
        &[
            "tenant",
            "add",
            "4",
            "--key",
            "0xabc",
            "--workers",
            "2",
            "--quota",
            "8",
        ],
    ));
    // Two workers from their own sockets, fragment 0, then a wrong key.
    for (w, key) in [(0u8, 0xabc), (1, 0xabc), (1, 0xabd)] {
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.send_to(&datagram(4, w, 0, key, &[1, 2, 3, 4]), net).unwrap();
    }
    // The card thread takes datagrams in its own time: poll, bounded.
    let start = std::time::Instant::now();
    let stats = loop {
        let stats = json(&aggnic(&dev, &["stats", "--tenant", "4", "--json"]));
        if stats["tenant"]["counters"]["T_BAD_KEY"] == 1 || start.elapsed() > common::TIMEOUT {
            break stats;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let c = &stats["tenant"]["counters"];
    assert_eq!(c["T_FRAMES"], 2, "{stats}");
    assert_eq!(c["T_AGGREGATED"], 2, "{stats}");
    assert_eq!(c["T_RESULTS"], 1, "{stats}");
    assert_eq!(c["T_BAD_KEY"], 1, "{stats}");
    assert_eq!(stats["global"]["C_RX_FRAMES"], 3, "{stats}");
    assert_eq!(stats["global"]["C_RESULTS"], 1, "{stats}");
    let table = ok(&aggnic(&dev, &["stats", "--tenant", "4"]));
    assert!(table.contains("T_RESULTS"), "{table}");
    stop(s);
}

#[test]
fn error_paths_exit_1_with_one_line_and_a_hint() {
    let s = serve(&["--slots", "64"]);
    let dev = s.device();

    for args in [
        &["tenant", "show", "3"][..],
        &["tenant", "rm", "3"],
        &["tenant", "set", "3", "--quota", "1"],
    ] {
        let err = fails(&aggnic(&dev, args), 1);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("tenant 3 does not exist"), "{err}");
        assert!(err.contains("hint: `aggnic tenant list`"), "{err}");
    }

    let err = fails(
        &aggnic(
            &dev,
            &[
                "tenant",
                "add",
                "1",
                "--key",
                "1",
                "--workers",
                "2",
                "--quota",
                "65",
            ],
        ),
        1,
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("larger than the pool (64 slots)"), "{err}");
    assert!(err.contains("hint: the pool has 64 slots, 64 free now"), "{err}");

    ok(&aggnic(
        &dev,
        &[
            "tenant",
            "add",
            "1",
            "--key",
            "1",
            "--workers",
            "2",
            "--quota",
            "4",
        ],
    ));
    let err = fails(
        &aggnic(
            &dev,
            &[
                "tenant",
                "add",
                "1",
                "--key",
                "1",
                "--workers",
                "2",
                "--quota",
                "4",
            ],
        ),
        1,
    );
    assert!(err.contains("already in use") && err.contains("hint:"), "{err}");
    let err = fails(&aggnic(&dev, &["tenant", "show", "16"]), 1);
    assert!(
        err.contains("outside the table") && err.contains("0 to 15"),
        "{err}"
    );

    // Usage errors are clap's: exit 2.
    for args in [
        &[
            "tenant", "add", "1", "--key", "1", "--mask", "0xzz", "--quota", "4",
        ][..],
        &["tenant", "add", "1", "--key", "1", "--mask", "0", "--quota", "4"],
        &[
            "tenant",
            "add",
            "1",
            "--key",
            "1",
            "--workers",
            "2",
            "--mask",
            "3",
            "--quota",
            "4",
        ],
        &["tenant", "add", "1", "--key", "1", "--quota", "4"],
        &[
            "tenant",
            "add",
            "1",
            "--key",
            "1",
            "--workers",
            "2",
            "--quota",
            "0",
        ],
        &[
            "tenant",
            "add",
            "256",
            "--key",
            "1",
            "--workers",
            "2",
            "--quota",
            "1",
        ],
        &["tenant", "set", "1"],
    ] {
        fails(&aggnic(&dev, args), 2);
    }
    fails(&aggnic("nowhere", &["tenant", "list"]), 2);
    stop(s);
}

#[test]
fn no_server_at_the_socket_exits_1_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nobody.sock");
    let err = fails(
        &aggnic(&format!("sim:{}", path.display()), &["tenant", "list"]),
        1,
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("is `aggnic sim serve` running"), "{err}");

    // No --device and no AGGNIC_DEVICE.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aggnic"));
    // No config file either.
    cmd.env_remove("AGGNIC_DEVICE")
        .env("XDG_CONFIG_HOME", dir.path())
        .arg("stats");
    let out = bounded(cmd);
    let err = fails(&out, 1);
    assert!(
        err.contains("no device given") && err.contains("AGGNIC_DEVICE"),
        "{err}"
    );
}

#[test]
fn the_device_comes_from_aggnic_device() {
    let s = serve(&[]);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aggnic"));
    cmd.env("AGGNIC_DEVICE", s.device())
        .args(["tenant", "list", "--json"]);
    let out = bounded(cmd);
    assert_eq!(json(&out), serde_json::json!([]));
    stop(s);
}
