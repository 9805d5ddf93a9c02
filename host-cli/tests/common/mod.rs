//! Running the real `aggnic` binary, and a real `aggnic sim serve`, with every wait bounded.

#![allow(dead_code)] // each test file uses its own part

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(10);

pub struct Served {
    child: Child,
    pub control: PathBuf,
    /// The network socket workers send to.
    pub network: Option<std::net::SocketAddr>,
    pub dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill(); // only if a test failed before the server exited
        let _ = self.child.wait();
    }
}

impl Served {
    /// `sim:<control socket>`.
    pub fn device(&self) -> String {
        format!("sim:{}", self.control.display())
    }
}

/// `aggnic sim serve` on ephemeral ports and a control socket in a temporary directory.
pub fn serve(extra: &[&str]) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let control = dir.path().join("nic.sock");
    let mut child = Command::new(env!("CARGO_BIN_EXE_aggnic"))
        .args([
            "sim",
            "serve",
            "--network",
            "127.0.0.1:0",
            "--host",
            "127.0.0.1:0",
            "--control",
        ])
        .arg(&control)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the aggnic binary runs");
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut served = Served {
        child,
        control,
        network: None,
        dir,
    };
    let start = Instant::now();
    loop {
        let left = TIMEOUT.saturating_sub(start.elapsed());
        let line = lines
            .recv_timeout(left)
            .expect("the server prints its addresses in time");
        if line == "serving until SIGINT or SIGTERM" {
            break;
        }
        if let Some(addr) = line.strip_prefix("network: ") {
            served.network = addr.parse().ok();
        }
        if let Some(path) = line.strip_prefix("control: ") {
            assert_eq!(std::path::Path::new(path), served.control);
        }
    }
    served
}

/// SIGTERM, then a bounded wait for a clean exit.
pub fn stop(mut s: Served) {
    let pid = s.child.id().to_string();
    let sent = Command::new("sh")
        .args(["-c", &format!("kill -TERM {pid}")])
        .status()
        .expect("sh runs");
    assert!(sent.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < TIMEOUT, "no exit within {TIMEOUT:?} of SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

/// `aggnic` with no device from the environment, no config file and no RUST_LOG: each test adds
/// what it means to.
pub fn aggnic(config_home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aggnic"));
    cmd.env_remove("AGGNIC_DEVICE")
        .env_remove("RUST_LOG")
        .env("XDG_CONFIG_HOME", config_home);
    cmd
}

/// Runs `cmd` to its end, killing it if it takes longer than `TIMEOUT`. Its output is read as it
/// comes, so a long one does not fill a pipe and stall it.
pub fn bounded(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the aggnic binary runs");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Exit code `code`; stderr is returned.
pub fn fails(out: &Output, code: i32) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {} stderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr.clone()).unwrap()
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(out)).expect("valid JSON")
}
