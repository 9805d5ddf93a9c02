//! `aggnic sim serve` as a person runs it: it starts, prints where it listens, serves the control
//! socket and a worker, and exits 0 on SIGTERM and on SIGINT. Every wait is bounded.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, UdpSocket};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);

struct Served {
    child: Child,
    lines: mpsc::Receiver<String>,
    network: SocketAddr,
    host: SocketAddr,
    control: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill(); // only if a test failed before the child exited
        let _ = self.child.wait();
    }
}

fn next_line(lines: &mpsc::Receiver<String>) -> String {
    lines
        .recv_timeout(TIMEOUT)
        .expect("the server prints its next line in time")
}

fn field(line: &str, name: &str) -> String {
    line.strip_prefix(&format!("{name}: "))
        .unwrap_or_else(|| panic!("expected `{name}: ...`, got `{line}`"))
        .to_string()
}

fn serve(name: &str, extra: &[&str]) -> Served {
    let control = std::env::temp_dir().join(format!("aggnic-cli-test-{}-{name}.sock", std::process::id()));
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
    let banner = next_line(&lines);
    assert!(banner.starts_with("aggnic sim: reference model"), "{banner}");
    let network = field(&next_line(&lines), "network").parse().unwrap();
    let host = field(&next_line(&lines), "host").parse().unwrap();
    assert_eq!(PathBuf::from(field(&next_line(&lines), "control")), control);
    assert_eq!(next_line(&lines), "serving until SIGINT or SIGTERM");
    Served {
        child,
        lines,
        network,
        host,
        control,
    }
}

fn control(s: &Served, line: &str) -> String {
    let stream = UnixStream::connect(&s.control).expect("the control socket accepts");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    (&stream).write_all(format!("{line}\n").as_bytes()).unwrap();
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply).unwrap();
    reply.trim_end().to_string()
}

/// Sends `signal` and waits for the process to exit.
fn stop(mut s: Served, signal: &str) -> (std::process::ExitStatus, Vec<String>) {
    let pid = s.child.id().to_string();
    // The shell's own kill: no procps needed.
    let sent = Command::new("sh")
        .args(["-c", &format!("kill -{signal} {pid}")])
        .status()
        .expect("sh runs");
    assert!(sent.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "no exit within {TIMEOUT:?} of SIG{signal}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let rest = s.lines.try_iter().collect();
    (status, rest)
}

#[test]
fn serves_and_exits_zero_on_sigterm() {
    let s = serve("term", &["--enable", "--slots", "64", "--loss", "0"]);
    assert!(s.network.ip().is_loopback() && s.network.port() != 0);
    assert!(s.host.ip().is_loopback() && s.host.port() != 0);
    assert_eq!(control(&s, "read 0x0000"), "0x41474301");
    assert_eq!(control(&s, "read CAP_SLOTS"), "0x00000040");
    assert_eq!(control(&s, "read CTRL"), "0x00000001");
    assert!(control(&s, "read 0x0002").starts_with("error "));
    // A datagram too short to name a worker is counted and dropped.
    let w = UdpSocket::bind("127.0.0.1:0").unwrap();
    w.send_to(&[0xa6, 1], s.network).unwrap();
    let start = Instant::now();
    while !control(&s, "stats").contains("short=1") {
        assert!(start.elapsed() < TIMEOUT, "the datagram was not counted");
        std::thread::sleep(Duration::from_millis(10));
    }
    let path = s.control.clone();
    let (status, rest) = stop(s, "TERM");
    assert!(status.success(), "{status:?}");
    assert!(
        rest.iter().any(|l| l.starts_with("stopped: net_in=1 ")),
        "{rest:?}"
    );
    assert!(!path.exists(), "the control socket is removed");
}

#[test]
fn exits_zero_on_sigint() {
    let s = serve("int", &[]);
    assert_eq!(control(&s, "ping"), "pong");
    let (status, _) = stop(s, "INT");
    assert!(status.success(), "{status:?}");
}

#[test]
fn refuses_bad_parameters() {
    let out = Command::new(env!("CARGO_BIN_EXE_aggnic"))
        .args([
            "sim",
            "serve",
            "--slots",
            "100",
            "--network",
            "127.0.0.1:0",
            "--host",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("power of two"));
}
