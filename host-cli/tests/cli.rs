//! The commands around the tenant ones, as a person runs them: completions, logging, `device`,
//! the config file and `stats --watch`, with the real binary against a real `aggnic sim serve`.

mod common;

use common::{aggnic, bounded, fails, json, ok, serve, stop};

#[test]
fn completions_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let mut cmd = aggnic(dir.path());
        cmd.args(["completions", shell]);
        let script = ok(&bounded(cmd));
        assert!(!script.is_empty(), "{shell}");
        assert!(script.contains("tenant"), "{shell}: {script}");
    }
    let mut cmd = aggnic(dir.path());
    cmd.args(["completions", "tcsh"]);
    fails(&bounded(cmd), 2);
}

#[test]
fn verbose_logs_debug_lines_and_the_default_logs_none() {
    let s = serve(&[]);
    let run = |flags: &[&str], rust_log: Option<&str>| {
        let mut cmd = aggnic(s.dir.path());
        cmd.args(flags).args(["--device", &s.device(), "stats"]);
        if let Some(v) = rust_log {
            cmd.env("RUST_LOG", v);
        }
        let out = bounded(cmd);
        ok(&out);
        String::from_utf8(out.stderr).unwrap()
    };
    let err = run(&["-v"], None);
    assert!(err.contains("DEBUG"), "{err}");
    assert!(err.contains("opened the device"), "{err}");
    assert!(err.contains("running"), "{err}");
    assert_eq!(run(&[], None), "");
    assert!(run(&[], Some("debug")).contains("DEBUG"));
    // A flag wins over RUST_LOG.
    assert_eq!(run(&["-q"], Some("debug")), "");
    let mut cmd = aggnic(s.dir.path());
    cmd.args(["-v", "-q", "device", "list"]);
    fails(&bounded(cmd), 2);
    stop(s);
}

#[test]
fn device_info_reports_the_servers_params() {
    let s = serve(&["--slots", "128", "--tenants", "8", "--window", "16"]);
    let mut cmd = aggnic(s.dir.path());
    cmd.args(["--device", &s.device(), "device", "info", "--json"]);
    let info = json(&bounded(cmd));
    let caps = &info["capabilities"];
    assert_eq!(
        (&caps["slots"], &caps["tenants"], &caps["window"]),
        (&128.into(), &8.into(), &16.into()),
        "{info}"
    );
    assert_eq!(info["device"], s.device().as_str());
    let blocks = info["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 2, "{info}");
    assert!(blocks.iter().all(|b| b["version"] == "1.0"), "{info}");

    let mut cmd = aggnic(s.dir.path());
    cmd.args(["--device", &s.device(), "device", "info"]);
    let table = ok(&bounded(cmd));
    assert!(table.contains("CAP_SLOTS") && table.contains("128"), "{table}");
    stop(s);
}

#[test]
fn device_list_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = aggnic(dir.path());
    cmd.args(["device", "list"]);
    let out = ok(&bounded(cmd));
    assert!(!out.is_empty());
    let mut cmd = aggnic(dir.path());
    cmd.args(["device", "list", "--json"]);
    assert!(json(&bounded(cmd)).is_array());
}

#[test]
fn the_device_comes_from_the_config_file_after_the_flag_and_the_environment() {
    let s = serve(&["--slots", "32"]);
    let config_home = tempfile::tempdir().unwrap();
    let config = config_home.path().join("aggnic").join("config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, format!("device = \"{}\"\n", s.device())).unwrap();
    let info = |extra: &dyn Fn(&mut std::process::Command)| {
        let mut cmd = aggnic(config_home.path());
        extra(&mut cmd);
        cmd.args(["device", "info", "--json"]);
        bounded(cmd)
    };
    assert_eq!(json(&info(&|_| {}))["capabilities"]["slots"], 32);

    // The environment, then the flag, win over the config file.
    let nowhere = format!("sim:{}", config_home.path().join("nobody.sock").display());
    let err = fails(
        &info(&|c| {
            c.env("AGGNIC_DEVICE", &nowhere);
        }),
        1,
    );
    assert!(err.contains("nobody.sock"), "{err}");
    let ok_flag = info(&|c| {
        c.env("AGGNIC_DEVICE", &nowhere).args(["--device", &s.device()]);
    });
    assert_eq!(json(&ok_flag)["capabilities"]["slots"], 32);

    // A malformed file: one line naming it.
    for bad in ["device = \n", "device = 3\n", "device = \"usb:1\"\n"] {
        std::fs::write(&config, bad).unwrap();
        let err = fails(&info(&|_| {}), 1);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&config.display().to_string()), "{err}");
    }
    // Commands that need no card do not read it.
    let mut cmd = aggnic(config_home.path());
    cmd.args(["device", "list"]);
    ok(&bounded(cmd));
    stop(s);
}

#[test]
fn stats_watch_repeats_count_times() {
    let s = serve(&[]);
    let mut cmd = aggnic(s.dir.path());
    cmd.args([
        "--device",
        &s.device(),
        "stats",
        "--watch",
        "--interval-ms",
        "20",
        "--count",
        "2",
    ]);
    let out = ok(&bounded(cmd));
    // Not a terminal: plain tables, no escape codes.
    assert_eq!(out.matches("COUNTER").count(), 2, "{out}");
    assert!(!out.contains('\x1b'), "{out}");

    let mut cmd = aggnic(s.dir.path());
    cmd.args([
        "--device",
        &s.device(),
        "stats",
        "--tenant",
        "0",
        "--json",
        "--watch",
        "--interval-ms",
        "20",
        "--count",
        "3",
    ]);
    let out = ok(&bounded(cmd));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["global"]["C_RX_FRAMES"].is_u64(), "{v}");
    }

    // --count without --watch is a usage error.
    let mut cmd = aggnic(s.dir.path());
    cmd.args(["--device", &s.device(), "stats", "--count", "2"]);
    fails(&bounded(cmd), 2);
    stop(s);
}
