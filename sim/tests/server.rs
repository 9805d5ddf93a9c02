//! The sim server over real loopback sockets, with the reference model as its card: a scripted
//! exchange, the worker and PS state machines under injected faults, a control socket abused by
//! bad clients, and the server's start and stop. Every wait is bounded.

use aggnic_proto::{Endpoint, Ps, PsConfig, TenantConfig, Worker, WorkerConfig};
use aggnic_sim::server::{ControlClient, Faults, Handle, Server, addr};
use aggnic_spec::model::Params;
use aggnic_spec::regs;
use aggnic_spec::wire::{self, Frame, HEADER_OFFSET, Header, Kind};
use std::io::{ErrorKind, Read, Write};
use std::net::UdpSocket;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(5);
const PORT: u16 = regs::DEFAULT_UDP_PORT;

fn control_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("aggnic-sim-test-{}-{name}.sock", std::process::id()))
}

fn config(name: &str) -> aggnic_sim::server::Config {
    aggnic_sim::server::Config::new(control_path(name))
}

fn params() -> Params {
    Params {
        slots: 64,
        tenants: 4,
        ..Params::DEFAULT
    }
}

fn client(h: &Handle) -> ControlClient {
    ControlClient::connect(h.control_path(), TIMEOUT).expect("control socket")
}

fn udp() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").expect("loopback socket");
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s
}

/// `line` over the control socket must get `reply`.
fn expect(c: &mut ControlClient, line: &str, reply: &str) {
    assert_eq!(c.command(line).expect("a reply"), reply, "reply to `{line}`");
}

/// The register writes of `model::Core::configure_tenant`, as lines of the control protocol.
fn configure_tenant(c: &mut ControlClient, t: u8, quota: u32, mask: u64, key: u64, base: u32) {
    for line in [
        format!("write TENANT_SEL {t}"),
        format!("write 0x1024 {quota}"),
        format!("write 0x1028 0x{:x}", mask as u32),
        format!("write 0x102c 0x{:x}", (mask >> 32) as u32),
        format!("write 0x1030 0x{:x}", key as u32),
        format!("write 0x1034 0x{:x}", (key >> 32) as u32),
        format!("write T_WINDOW_BASE {base}"),
        format!("write T_CTRL 0x{:x}", regs::t_ctrl::ENABLE | regs::t_ctrl::COMMIT),
    ] {
        expect(c, &line, "ok");
    }
}

/// Snapshots the counters with tenant `t` selected.
fn snapshot(c: &mut ControlClient, t: u8) {
    c.write(regs::TENANT_SEL.addr, u32::from(t)).unwrap();
    c.write(regs::COMMAND.addr, regs::command::SNAPSHOT).unwrap();
}

fn stat(c: &mut ControlClient, name: &str) -> u64 {
    c.stats()
        .unwrap()
        .into_iter()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no counter {name}"))
        .1
}

/// Polls the server counter `name` until `done` holds of it, for at most [`TIMEOUT`].
fn wait_stat(c: &mut ControlClient, name: &str, done: impl Fn(u64) -> bool) -> u64 {
    let start = Instant::now();
    loop {
        let v = stat(c, name);
        if done(v) || start.elapsed() > TIMEOUT {
            return v;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn update(tenant: u8, worker: u8, key: u64, seq: u32, lanes: Vec<i32>) -> Frame {
    Frame {
        addr: addr::update_addressing(tenant, worker, PORT),
        header: Header::update(tenant, worker, seq, 0, key),
        payload: lanes,
    }
}

fn recv(s: &UdpSocket) -> Vec<u8> {
    let mut buf = vec![0u8; 65536];
    let (n, _) = s.recv_from(&mut buf).expect("a datagram within the timeout");
    buf.truncate(n);
    buf
}

#[test]
fn scripted_exchange_reaches_every_worker() {
    let h = Server::start_model(config("scripted"), params()).expect("server starts");
    let mut c = client(&h);
    expect(&mut c, "read 0x0000", "0x41474301");
    expect(&mut c, "read CAP_SLOTS", "0x00000040");
    expect(&mut c, "write 0x0040 0x1", "ok");
    let (tenant, key, base) = (2u8, 0xfeed_beef_0123_4567u64, 100u32);
    let ids = [0u8, 3, 5];
    let mask = ids.iter().fold(0u64, |m, w| m | 1 << w);
    configure_tenant(&mut c, tenant, 8, mask, key, base);
    expect(&mut c, "read T_MASK", &format!("0x{mask:08x}"));
    expect(&mut c, "read T_WINDOW_BASE", &format!("0x{base:08x}"));

    let ps = udp();
    ps.send_to(&[], h.host_addr()).unwrap(); // hello: this socket is the PS
    let workers: Vec<UdpSocket> = ids.iter().map(|_| udp()).collect();
    let lanes = |w: u8| -> Vec<i32> { (0..8).map(|i| (i32::from(w) + 1) * (i - 3) * 1000 + i).collect() };
    let exact: Vec<i32> = (0..8).map(|i| ids.iter().map(|w| lanes(*w)[i]).sum()).collect();
    for (w, s) in ids.iter().zip(&workers) {
        let frame = update(tenant, *w, key, base, lanes(*w)).encode();
        s.send_to(&frame[HEADER_OFFSET..], h.network_addr()).unwrap();
    }

    // The card's RESULT reaches the PS as a whole frame from the completing worker's address.
    let got = recv(&ps);
    let result = wire::decode(&got).expect("a well-formed frame");
    assert_eq!(result.header.kind, Kind::Result);
    assert_eq!(
        (
            result.header.tenant,
            result.header.seq,
            result.header.key_or_bitmap
        ),
        (tenant, base, mask)
    );
    assert_eq!(result.payload, exact);
    assert_eq!(result.addr.ip_dst, addr::PS_IP);
    assert_eq!(result.addr.ip_src, addr::worker_ip(tenant, result.header.worker));
    assert_eq!(result.addr.udp_dst, PORT);
    ps.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut buf = [0u8; 2048];
    assert!(ps.recv_from(&mut buf).is_err(), "one RESULT only");

    // The PS sends each worker its result; one more for a worker nobody has heard of.
    let result_to = |w: u8| {
        Frame {
            addr: addr::result_addressing(tenant, w, PORT),
            header: Header {
                worker: w,
                flags: 0,
                ..result.header
            },
            payload: exact.clone(),
        }
        .encode()
    };
    ps.send_to(&result_to(7), h.host_addr()).unwrap();
    for w in ids {
        ps.send_to(&result_to(w), h.host_addr()).unwrap();
    }
    for (w, s) in ids.iter().zip(&workers) {
        let d = recv(s);
        assert_eq!(d, result_to(*w)[HEADER_OFFSET..], "worker {w}'s result");
        let h = Header::decode(d[..22].try_into().unwrap()).unwrap();
        assert_eq!((h.kind, h.worker, h.seq), (Kind::Result, *w, base));
    }

    snapshot(&mut c, tenant);
    expect(&mut c, "read64 C_RX_FRAMES", "0x0000000000000003");
    expect(&mut c, "read64 C_RESULTS", "0x0000000000000001");
    expect(&mut c, "read64 0x0108", "0x0000000000000004"); // C_TX_FRAMES
    expect(&mut c, "read64 C_TX_PASS", "0x0000000000000004");
    assert_eq!(c.read64(regs::T_AGGREGATED.addr).unwrap(), 3);
    assert_eq!(c.read64(regs::T_RESULTS.addr).unwrap(), 1);
    assert_eq!(c.read64(regs::T_BAD_KEY.addr).unwrap(), 0);
    assert_eq!(c.read(regs::SLOTS_IN_USE.addr).unwrap(), 0);
    for (name, want) in [
        ("net_in", 3),
        ("net_out", 3),
        ("host_in", 4),
        ("host_out", 1),
        ("unroutable", 1),
        ("short", 0),
        ("lost_up", 0),
    ] {
        assert_eq!(stat(&mut c, name), want, "{name}");
    }
    let path = h.control_path().to_path_buf();
    let stats = h.shutdown().expect("clean shutdown");
    assert_eq!((stats.net_in, stats.net_out, stats.host_out), (3, 3, 1));
    assert!(!path.exists(), "the control socket is removed");
}

#[test]
fn bad_control_clients_and_datagrams_do_not_stop_the_server() {
    let h = Server::start_model(config("bad-clients"), params()).expect("server starts");
    let mut c = client(&h);
    for bad in [
        "bogus",
        "read",
        "read 0x3",
        "read 0x2000",
        "read 0xzz",
        "read NO_SUCH_REG",
        "write 0x40",
        "write CTRL 0x1ffffffff",
        "write 0x40 1 2",
    ] {
        let reply = c.command(bad).unwrap();
        assert!(reply.starts_with("error "), "`{bad}` gave `{reply}`");
        expect(&mut c, "read 0x0000", "0x41474301");
    }
    // An empty line gets no reply: the next reply is the ping's.
    expect(&mut c, "\nping", "pong");
    // Not UTF-8.
    let mut raw = UnixStream::connect(h.control_path()).unwrap();
    raw.set_read_timeout(Some(TIMEOUT)).unwrap();
    raw.write_all(b"read \xff\xfe\nping\n").unwrap();
    let mut got = String::new();
    let start = Instant::now();
    while got.matches('\n').count() < 2 && start.elapsed() < TIMEOUT {
        let mut buf = [0u8; 256];
        let n = raw.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed early: {got:?}");
        got.push_str(std::str::from_utf8(&buf[..n]).unwrap());
    }
    assert_eq!(got, "error line is not UTF-8\npong\n");

    // A client that leaves mid-line, a silent client, and one sending an endless line.
    {
        let mut s = UnixStream::connect(h.control_path()).unwrap();
        s.write_all(b"read 0x00").unwrap();
    }
    let _silent = UnixStream::connect(h.control_path()).unwrap();
    let mut flood = UnixStream::connect(h.control_path()).unwrap();
    flood.set_read_timeout(Some(TIMEOUT)).unwrap();
    flood.write_all(&[b'x'; 5000]).unwrap();
    // The server answers, then closes (a reset, as the line's tail is left unread, or an EOF).
    let mut reply = Vec::new();
    let mut buf = [0u8; 256];
    while let Ok(n @ 1..) = flood.read(&mut buf) {
        reply.extend_from_slice(&buf[..n]);
    }
    assert_eq!(String::from_utf8_lossy(&reply), "error line too long\n");

    // quit closes the connection.
    let mut q = client(&h);
    expect(&mut q, "quit", "bye");
    assert!(q.command("ping").is_err(), "closed after quit");

    // Garbage on both UDP sockets.
    let s = udp();
    s.send_to(&[1, 2, 3], h.network_addr()).unwrap();
    s.send_to(&[0u8; 10], h.host_addr()).unwrap();
    assert_eq!(wait_stat(&mut c, "short", |v| v == 1), 1);
    // The 10-byte frame passes through the card to the network, where it has no worker.
    assert_eq!(wait_stat(&mut c, "unroutable", |v| v == 1), 1);

    // Still serving, on the old connection and a new one.
    expect(&mut c, "read UDP_PORT", "0x00004147");
    let mut again = client(&h);
    expect(&mut again, "write UDP_PORT 0x1234", "ok");
    expect(&mut c, "read 0x0048", "0x00001234");
    assert!(h.is_running());
    h.shutdown().expect("clean shutdown");
}

#[test]
fn faults_lose_and_duplicate_worker_datagrams() {
    let lossy = Faults {
        loss_percent: 100.0,
        ..Faults::default()
    };
    let dup = Faults {
        duplicate_percent: 100.0,
        seed: 9,
        ..Faults::default()
    };
    for (name, faults, delivered) in [("lossy", lossy, 0u64), ("dup", dup, 10)] {
        let mut cfg = config(name);
        cfg.faults = faults;
        let h = Server::start_model(cfg, params()).expect("server starts");
        let mut c = client(&h);
        let s = udp();
        for seq in 0..5 {
            let f = update(0, 0, 1, seq, vec![1; 4]).encode();
            s.send_to(&f[HEADER_OFFSET..], h.network_addr()).unwrap();
        }
        assert_eq!(wait_stat(&mut c, "net_in", |v| v == 5), 5, "{name}");
        let start = Instant::now();
        loop {
            snapshot(&mut c, 0);
            let rx = c.read64(regs::C_RX_FRAMES.addr).unwrap();
            if rx == delivered || start.elapsed() > TIMEOUT {
                assert_eq!(rx, delivered, "{name}: frames the card saw");
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let stats = h.shutdown().unwrap();
        assert_eq!(stats.up.lost, if name == "lossy" { 5 } else { 0 });
        assert_eq!(stats.up.duplicated, if name == "dup" { 5 } else { 0 });
    }
    let mut bad = config("bad-faults");
    bad.faults.loss_percent = 101.0;
    assert!(Server::start_model(bad, params()).is_err());
}

#[test]
fn workers_and_ps_state_machines_get_exact_results_under_faults() {
    let mut cfg = config("proto");
    cfg.faults = Faults {
        loss_percent: 3.0,
        duplicate_percent: 2.0,
        reorder_percent: 5.0,
        reorder_delay: Duration::from_millis(5),
        seed: 7,
    };
    // A small pool and quota: collisions and over-quota forwards go through the PS too.
    let params = Params {
        slots: 16,
        tenants: 4,
        ..Params::DEFAULT
    };
    let h = Server::start_model(cfg, params).expect("server starts");
    let mut c = client(&h);
    c.write(regs::CTRL.addr, regs::ctrl::ENABLE).unwrap();

    let (fragments, elements) = (24usize, 16usize);
    let mut rng = aggnic_sim::Rng::new(3);
    struct Job {
        tenant: u8,
        ids: Vec<u8>,
        data: Vec<Vec<Vec<i32>>>,
    }
    let jobs: Vec<Job> = [(1u8, vec![0u8, 2, 9]), (3, vec![1, 4, 63])]
        .into_iter()
        .map(|(tenant, ids)| Job {
            tenant,
            data: ids
                .iter()
                .map(|_| {
                    (0..fragments)
                        .map(|_| {
                            (0..elements)
                                .map(|_| rng.below(2_000_001) as i32 - 1_000_000)
                                .collect()
                        })
                        .collect()
                })
                .collect(),
            ids,
        })
        .collect();
    let first_seq = 0xffff_fff0u32; // wraps around 2^32 mid-stream
    let key = |t: u8| 0x1111_0000_0000_0000u64 | u64::from(t);
    let mut tenants = Vec::new();
    // (job, worker index, state machine, socket)
    let mut workers = Vec::new();
    for (j, job) in jobs.iter().enumerate() {
        let mask = job.ids.iter().fold(0u64, |m, w| m | 1 << w);
        configure_tenant(&mut c, job.tenant, 4, mask, key(job.tenant), first_seq);
        let mut endpoints = Vec::new();
        for (i, &w) in job.ids.iter().enumerate() {
            let mut worker = Worker::new(WorkerConfig {
                tenant: job.tenant,
                worker: w,
                key: key(job.tenant),
                window: params.window,
                send_window: 6,
                first_seq,
                initial_salt: 0,
                timeout: 60,
                max_resends: 200,
                addr: addr::update_addressing(job.tenant, w, PORT),
            });
            worker.push(job.data[i].clone());
            let s = udp();
            s.set_nonblocking(true).unwrap();
            workers.push((j, i, worker, s));
            endpoints.push(Endpoint {
                worker: w,
                addr: addr::result_addressing(job.tenant, w, PORT),
            });
        }
        tenants.push(TenantConfig {
            tenant: job.tenant,
            key: key(job.tenant),
            workers: endpoints,
            first_seq,
            initial_salt: 0,
        });
    }
    let mut ps = Ps::new(
        PsConfig {
            window: params.window,
            control_addr: addr::ps_control_addressing(PORT),
            flush_after: 25,
        },
        tenants,
    );
    let ps_sock = udp();
    ps_sock.set_nonblocking(true).unwrap();
    ps_sock.send_to(&[], h.host_addr()).unwrap();

    // One tick is one millisecond.
    let start = Instant::now();
    let now = || start.elapsed().as_millis() as u64;
    let mut buf = vec![0u8; 65536];
    while !workers.iter().all(|(_, _, w, _)| w.done() || w.error().is_some()) {
        assert!(start.elapsed() < Duration::from_secs(60), "no progress in 60 s");
        let mut busy = false;
        for (_, _, w, s) in &mut workers {
            for f in w.poll(now()) {
                s.send_to(&f[HEADER_OFFSET..], h.network_addr()).unwrap();
                busy = true;
            }
            while let Ok((n, _)) = s.recv_from(&mut buf) {
                busy = true;
                let (t, id) = (w.config().tenant, w.config().worker);
                let frame = addr::wrap(&addr::result_addressing(t, id, PORT), &buf[..n]).unwrap();
                w.on_frame(&frame);
            }
        }
        while let Ok((n, _)) = ps_sock.recv_from(&mut buf) {
            busy = true;
            for f in ps.on_host_frame(&buf[..n], now()) {
                ps_sock.send_to(&f, h.host_addr()).unwrap();
            }
        }
        for f in ps.on_tick(now()) {
            ps_sock.send_to(&f, h.host_addr()).unwrap();
        }
        if !busy {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    for (j, i, w, _) in &workers {
        let job = &jobs[*j];
        let mask = job.ids.iter().fold(0u64, |m, w| m | 1 << w);
        assert_eq!(w.error(), None, "tenant {} worker {}", job.tenant, job.ids[*i]);
        for f in 0..fragments {
            let r = w.result(f).expect("every result");
            let exact: Vec<i32> = (0..elements)
                .map(|e| job.data.iter().map(|d| d[f][e]).sum())
                .collect();
            assert_eq!(r.sum, exact, "tenant {} fragment {f}", job.tenant);
            assert!(!r.overflow);
            assert_eq!(r.bitmap, mask);
        }
    }
    // The faults happened, and once what is in flight has landed no slot is held.
    let stats = h.stats();
    assert!(stats.up.lost + stats.down.lost > 0, "{stats:?}");
    assert!(stats.up.duplicated + stats.down.duplicated > 0, "{stats:?}");
    let start = Instant::now();
    while c.read(regs::SLOTS_IN_USE.addr).unwrap() != 0 && start.elapsed() < TIMEOUT {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(c.read(regs::SLOTS_IN_USE.addr).unwrap(), 0);
    let card_results: u64 = jobs
        .iter()
        .map(|job| {
            snapshot(&mut c, job.tenant);
            c.read64(regs::T_RESULTS.addr).unwrap()
        })
        .sum();
    let ps_stats = ps.stats();
    assert_eq!(
        ps_stats.completed_in_card + ps_stats.completed_in_software,
        (jobs.len() * fragments) as u64
    );
    assert!(card_results >= ps_stats.completed_in_card);
    h.shutdown().expect("clean shutdown");
}

#[test]
fn control_socket_path_is_reused_when_stale_and_refused_when_live() {
    let path = control_path("stale");
    let _ = std::fs::remove_file(&path);
    drop(UnixListener::bind(&path).unwrap()); // leaves a stale socket file
    assert!(path.exists());
    let h = Server::start_model(config("stale"), params()).expect("replaces a stale socket");
    expect(&mut client(&h), "ping", "pong");
    let err = Server::start_model(config("stale"), params()).expect_err("a live server holds it");
    assert_eq!(err.kind(), ErrorKind::AddrInUse);
    expect(&mut client(&h), "ping", "pong");
    h.shutdown().unwrap();
    assert!(!path.exists());

    let err = Server::start(
        config("no-card"),
        || -> std::io::Result<aggnic_spec::model::Core> { Err(std::io::Error::other("no card today")) },
    )
    .expect_err("the factory failed");
    assert!(err.to_string().contains("no card today"));
    assert!(!control_path("no-card").exists());
}
