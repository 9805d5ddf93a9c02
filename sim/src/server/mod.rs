//! The sim server: a simulated card served over real sockets, so separate processes (workers, the
//! PS, the driver, the CLI) can use it as they would a NIC. `aggnic sim serve` runs it; tests start
//! it in-process with [`Server::start`]. `docs/sim.md` is the user's page.
//!
//! # Sockets
//!
//! - **network** (UDP): where workers send and receive. A datagram is the UDP payload of an
//!   aggregation frame: the 22-byte aggregation header and the lanes. The server writes synthetic
//!   Ethernet/IPv4/UDP headers in front of each one (see [`addr`]) and hands the frame to the card's
//!   receive path ([`SimCard::rx`]). A datagram shorter than the header is dropped (counted in
//!   [`Stats::short`]).
//! - **host** (UDP): where the PS receives and sends whole Ethernet frames, as a NIC's host
//!   queues carry them. Every frame the card hands the host goes to the PS: the address given in
//!   [`Config::ps`], or else the last address that sent anything to the host socket (until one
//!   has, up to [`BACKLOG`] frames wait for it, and older ones are dropped). Every datagram the PS
//!   sends is a frame for the card's transmit path ([`SimCard::tx`]), except an empty datagram:
//!   a *hello* that only makes the sender the PS.
//! - **control** (UNIX stream socket): register reads and writes and the server's counters, in the
//!   line protocol of [`control`].
//!
//! # Address map
//!
//! The header's tenant `t` and worker `w` (header bytes 4 and 5) name the sender: its frame comes
//! from `10.t.w.2` to the PS host `10.0.0.1`, both UDP ports the card's `UDP_PORT` register
//! ([`addr::update_addressing`]). The server remembers the real socket address each (t, w) last
//! sent from, as a switch learns MAC addresses. A frame the card sends to the network goes, as its
//! bytes 42.., to the worker its destination IPv4 address names ([`addr::route`]); a frame for an
//! address outside the plan or a worker never heard from is dropped ([`Stats::unroutable`]). So the
//! PS addresses the RESULT for worker w of tenant t with [`addr::result_addressing`]`(t, w, port)`
//! and its FLUSH and RELEASE with [`addr::ps_control_addressing`].
//!
//! # Faults
//!
//! [`Faults`] drops, duplicates and delays datagrams on the network side, in both directions,
//! from a seed: what tests of loss recovery need. The host side is lossless and in order, as the
//! PS's queues to its NIC are.
//!
//! # Threads and shutdown
//!
//! One thread owns the card (built there by the factory passed to [`Server::start`], so the card
//! need not be `Send`) and takes events in order: datagrams, frames and control commands reach it
//! through a bounded channel from one reader thread per UDP socket and one thread per control
//! client. Worker and PS frames wait in two queues for the card, which takes them with
//! [`SimCard::stream`] in bounded stretches; between stretches the thread takes every queued
//! event, so a slow card never blocks the readers (the host side loses nothing; worker frames
//! past [`RX_QUEUE`] are dropped and counted). A control command drains the queues first. Every wait for input times out after 50 ms (a reply to a control
//! client that does not read may take 1 s), so [`Handle::shutdown`] (or dropping the [`Handle`])
//! stops every thread promptly and removes the control socket file. The CLI calls it on SIGINT or SIGTERM.

pub mod addr;
pub mod card;
pub mod control;
pub mod faults;
pub mod verilated;

pub use card::{CardError, SimCard};
pub use control::{ControlClient, ControlError, Request};
pub use faults::{FaultCounts, Faults};
pub use verilated::VerilatedCard;

use aggnic_spec::model::{Core, Params};
use aggnic_spec::regs;
use aggnic_spec::wire::HEADER_LEN;
use faults::{Datagram, Lane};
use std::collections::{HashMap, VecDeque};
use std::fs;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Frames for the host that wait for the PS's address to be known.
pub const BACKLOG: usize = 4096;
/// Events queued for the card thread; past it, reader threads wait (and the OS drops datagrams).
/// The card thread takes every queued event between stretches of the card's work, so this fills
/// only if the thread itself stalls.
const QUEUE: usize = 4096;
/// Worker frames waiting for the card's receive path; past it, new ones are dropped and counted
/// ([`Stats::rx_overflow`]), as a NIC drops at a full receive FIFO. Frames from the PS are never
/// dropped: the host side is lossless.
pub const RX_QUEUE: usize = 1024;
/// Longest time any server thread blocks before it checks for shutdown.
const POLL: Duration = Duration::from_millis(50);

/// How to run a server.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Address of the network socket (workers).
    pub network: SocketAddr,
    /// Address of the host socket (the PS).
    pub host: SocketAddr,
    /// Path of the control socket. A stale socket file there is replaced; one a live server
    /// answers on is an error.
    pub control: PathBuf,
    /// Where frames for the host go; `None`: the last address that sent to the host socket.
    pub ps: Option<SocketAddr>,
    pub faults: Faults,
}

impl Config {
    /// Both UDP sockets on loopback with ports the OS picks, no PS address, no faults.
    pub fn new(control: impl Into<PathBuf>) -> Config {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Config {
            network: any,
            host: any,
            control: control.into(),
            ps: None,
            faults: Faults::default(),
        }
    }
}

/// The server's own counters (the card's are in its registers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams received on the network socket.
    pub net_in: u64,
    /// Datagrams sent to workers.
    pub net_out: u64,
    /// Frames received from the PS and given to the card (hellos excluded).
    pub host_in: u64,
    /// Frames sent to the PS.
    pub host_out: u64,
    /// Worker datagrams shorter than the aggregation header, dropped.
    pub short: u64,
    /// Frames the card sent to the network for no known worker, dropped.
    pub unroutable: u64,
    /// Frames for the host dropped because no PS address was known and the backlog was full.
    pub backlog_dropped: u64,
    /// Worker frames dropped because the card's receive queue was full ([`RX_QUEUE`]).
    pub rx_overflow: u64,
    /// Sends that failed.
    pub send_errors: u64,
    /// Control commands the card thread answered (lines that do not parse are answered by the
    /// client's thread and not counted).
    pub control: u64,
    /// Faults injected on datagrams from workers.
    pub up: FaultCounts,
    /// Faults injected on datagrams to workers.
    pub down: FaultCounts,
}

impl Stats {
    /// The counters as `(name, value)` pairs, as the control socket's `stats` reports them.
    pub fn pairs(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("net_in", self.net_in),
            ("net_out", self.net_out),
            ("host_in", self.host_in),
            ("host_out", self.host_out),
            ("short", self.short),
            ("unroutable", self.unroutable),
            ("backlog_dropped", self.backlog_dropped),
            ("rx_overflow", self.rx_overflow),
            ("send_errors", self.send_errors),
            ("control", self.control),
            ("lost_up", self.up.lost),
            ("duplicated_up", self.up.duplicated),
            ("reordered_up", self.up.reordered),
            ("lost_down", self.down.lost),
            ("duplicated_down", self.down.duplicated),
            ("reordered_down", self.down.reordered),
        ]
    }
}

enum Event {
    Network(SocketAddr, Vec<u8>),
    Host(SocketAddr, Vec<u8>),
    Control(Request, mpsc::Sender<String>),
    Wake,
}

/// Starts sim servers.
#[derive(Debug)]
pub struct Server;

impl Server {
    /// Binds the sockets, builds the card on the server's thread with `make_card`, and serves
    /// until [`Handle::shutdown`].
    ///
    /// # Errors
    /// A socket that cannot be bound, invalid faults, or a card the factory failed to build.
    pub fn start<C, F>(config: Config, make_card: F) -> io::Result<Handle>
    where
        C: SimCard + 'static,
        F: FnOnce() -> io::Result<C> + Send + 'static,
    {
        config
            .faults
            .validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let network = UdpSocket::bind(config.network)?;
        let host = UdpSocket::bind(config.host)?;
        let listener = bind_control(&config.control)?;
        let control_path = config.control.clone();
        let cleanup = |e: io::Error| {
            let _ = fs::remove_file(&control_path);
            e
        };
        let network_addr = network.local_addr().map_err(cleanup)?;
        let host_addr = host.local_addr().map_err(cleanup)?;
        for s in [&network, &host] {
            s.set_read_timeout(Some(POLL)).map_err(cleanup)?;
        }
        listener.set_nonblocking(true).map_err(cleanup)?;

        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Mutex::new(Stats::default()));
        let (events_tx, events_rx) = mpsc::sync_channel(QUEUE);
        let (ready_tx, ready_rx) = mpsc::channel();
        let engine_sockets = (
            network.try_clone().map_err(cleanup)?,
            host.try_clone().map_err(cleanup)?,
        );
        let card_thread = {
            let (stop, stats, config) = (stop.clone(), stats.clone(), config.clone());
            thread::Builder::new()
                .name("aggnic-sim-card".into())
                .spawn(move || {
                    let card = match make_card() {
                        Ok(card) => card,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let mut engine = Engine::new(card, engine_sockets, &config, stats);
                    let _ = ready_tx.send(Ok(()));
                    engine.run(&events_rx, &stop);
                })
                .map_err(cleanup)?
        };
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = card_thread.join();
                return Err(cleanup(e));
            }
            Err(_) => {
                let _ = card_thread.join();
                return Err(cleanup(io::Error::other("the card factory panicked")));
            }
        }

        let mut threads = vec![card_thread];
        let readers = [
            ("aggnic-sim-net", network, Event::Network as fn(_, _) -> Event),
            ("aggnic-sim-host", host, Event::Host),
        ];
        for (name, socket, event) in readers {
            let (stop, tx) = (stop.clone(), events_tx.clone());
            threads.push(
                thread::Builder::new()
                    .name(name.into())
                    .spawn(move || udp_reader(&socket, &stop, &tx, event))?,
            );
        }
        {
            let (stop, tx) = (stop.clone(), events_tx.clone());
            threads.push(
                thread::Builder::new()
                    .name("aggnic-sim-control".into())
                    .spawn(move || control_acceptor(&listener, &stop, &tx))?,
            );
        }
        Ok(Handle {
            network: network_addr,
            host: host_addr,
            control: config.control,
            stop,
            wake: events_tx,
            threads,
            stats,
        })
    }

    /// [`Server::start`] with the reference model of the core as the card.
    ///
    /// # Errors
    /// As [`Server::start`], and invalid parameters.
    pub fn start_model(config: Config, params: Params) -> io::Result<Handle> {
        params
            .validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Server::start(config, move || Ok(Core::new(params)))
    }
}

/// A running server. Dropping it shuts the server down too.
#[derive(Debug)]
pub struct Handle {
    network: SocketAddr,
    host: SocketAddr,
    control: PathBuf,
    stop: Arc<AtomicBool>,
    wake: SyncSender<Event>,
    threads: Vec<JoinHandle<()>>,
    stats: Arc<Mutex<Stats>>,
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Network(a, d) => write!(f, "Network({a}, {} bytes)", d.len()),
            Event::Host(a, d) => write!(f, "Host({a}, {} bytes)", d.len()),
            Event::Control(r, _) => write!(f, "Control({r:?})"),
            Event::Wake => write!(f, "Wake"),
        }
    }
}

impl Handle {
    /// The bound address of the network socket (workers).
    pub fn network_addr(&self) -> SocketAddr {
        self.network
    }
    /// The bound address of the host socket (the PS).
    pub fn host_addr(&self) -> SocketAddr {
        self.host
    }
    /// The control socket's path.
    pub fn control_path(&self) -> &Path {
        &self.control
    }
    /// The server's counters now.
    pub fn stats(&self) -> Stats {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }
    /// Whether the card thread still runs (it stops only on shutdown or if the card panics).
    pub fn is_running(&self) -> bool {
        self.threads.first().is_some_and(|t| !t.is_finished())
    }

    /// Stops every thread, removes the control socket and returns the final counters.
    ///
    /// # Errors
    /// If a server thread panicked (the card, most likely).
    pub fn shutdown(mut self) -> Result<Stats, String> {
        self.stop_all()?;
        Ok(self.stats())
    }

    fn stop_all(&mut self) -> Result<(), String> {
        if self.threads.is_empty() {
            return Ok(());
        }
        self.stop.store(true, Ordering::SeqCst);
        match self.wake.try_send(Event::Wake) {
            Ok(()) | Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {}
        }
        let mut panicked = Vec::new();
        for t in self.threads.drain(..) {
            let name = t.thread().name().unwrap_or("?").to_string();
            if t.join().is_err() {
                panicked.push(name);
            }
        }
        let _ = fs::remove_file(&self.control);
        if panicked.is_empty() {
            Ok(())
        } else {
            Err(format!("sim server thread(s) panicked: {}", panicked.join(", ")))
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.stop_all();
    }
}

fn bind_control(path: &Path) -> io::Result<UnixListener> {
    match UnixListener::bind(path) {
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
            if UnixStream::connect(path).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!("{}: a running server answers there", path.display()),
                ));
            }
            if !fs::symlink_metadata(path)?.file_type().is_socket() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a socket", path.display()),
                ));
            }
            fs::remove_file(path)?;
            UnixListener::bind(path)
        }
        other => other,
    }
}

fn udp_reader(
    socket: &UdpSocket,
    stop: &AtomicBool,
    tx: &SyncSender<Event>,
    event: fn(SocketAddr, Vec<u8>) -> Event,
) {
    let mut buf = vec![0u8; 65536];
    while !stop.load(Ordering::SeqCst) {
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                if tx.send(event(from, buf[..n].to_vec())).is_err() {
                    return; // the card thread is gone
                }
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            // ICMP errors from earlier sends (a worker that went away) and the like: keep serving.
            Err(_) => thread::sleep(Duration::from_millis(1)),
        }
    }
}

fn control_acceptor(listener: &UnixListener, stop: &Arc<AtomicBool>, tx: &SyncSender<Event>) {
    let active = Arc::new(AtomicUsize::new(0));
    let mut clients: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((mut stream, _)) => {
                clients.retain(|c| !c.is_finished());
                if active.load(Ordering::SeqCst) >= control::MAX_CLIENTS {
                    let _ = stream.set_write_timeout(Some(POLL));
                    let _ = stream.write_all(b"error busy\n");
                    continue;
                }
                active.fetch_add(1, Ordering::SeqCst);
                let (stop, tx, count) = (stop.clone(), tx.clone(), active.clone());
                let spawned = thread::Builder::new()
                    .name("aggnic-sim-client".into())
                    .spawn(move || {
                        let _ = control_client(stream, &stop, &tx);
                        count.fetch_sub(1, Ordering::SeqCst);
                    });
                match spawned {
                    Ok(t) => clients.push(t),
                    Err(_) => {
                        active.fetch_sub(1, Ordering::SeqCst);
                    }
                }
            }
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
    for c in clients {
        let _ = c.join();
    }
}

/// Serves one control client until it leaves, misbehaves past recovery, or the server stops.
fn control_client(mut stream: UnixStream, stop: &AtomicBool, tx: &SyncSender<Event>) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(POLL))?;
    stream.set_write_timeout(Some(Duration::from_secs(1)))?;
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 512];
    while !stop.load(Ordering::SeqCst) {
        let n = match stream.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(e) => return Err(e),
        };
        pending.extend_from_slice(&chunk[..n]);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line = &line[..line.len() - 1];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let (reply, quit) = answer(line, tx);
            if let Some(reply) = reply {
                stream.write_all(format!("{reply}\n").as_bytes())?;
            }
            if quit {
                return Ok(());
            }
        }
        if pending.len() > control::MAX_LINE {
            stream.write_all(b"error line too long\n")?;
            return Ok(());
        }
    }
    Ok(())
}

/// The reply to one line (none for an empty one), and whether the client is done.
fn answer(line: &[u8], tx: &SyncSender<Event>) -> (Option<String>, bool) {
    let Ok(line) = std::str::from_utf8(line) else {
        return (Some(control::error_line("line is not UTF-8")), false);
    };
    if line.len() > control::MAX_LINE {
        return (Some(control::error_line("line too long")), true);
    }
    match control::parse(line) {
        Ok(None) => (None, false),
        Err(reason) => (Some(control::error_line(&reason)), false),
        Ok(Some(request)) => {
            let (reply_tx, reply_rx) = mpsc::channel();
            if tx.send(Event::Control(request, reply_tx)).is_err() {
                return (Some(control::error_line("the server is stopping")), true);
            }
            match reply_rx.recv() {
                Ok(reply) => (Some(reply), request == Request::Quit),
                Err(_) => (Some(control::error_line("the server is stopping")), true),
            }
        }
    }
}

/// The card thread's state.
struct Engine<C> {
    card: C,
    net: UdpSocket,
    host: UdpSocket,
    /// The PS's address, and whether it was given (and so is never relearned).
    ps: Option<SocketAddr>,
    ps_fixed: bool,
    backlog: VecDeque<Vec<u8>>,
    /// Frames from workers and from the PS that the card has not taken yet.
    rx_queue: VecDeque<Vec<u8>>,
    tx_queue: VecDeque<Vec<u8>>,
    workers: HashMap<(u8, u8), SocketAddr>,
    port: u16,
    up: Lane,
    down: Lane,
    stats: Stats,
    shared: Arc<Mutex<Stats>>,
}

impl<C: SimCard> Engine<C> {
    fn new(card: C, (net, host): (UdpSocket, UdpSocket), config: &Config, shared: Arc<Mutex<Stats>>) -> Self {
        let mut engine = Engine {
            card,
            net,
            host,
            ps: config.ps,
            ps_fixed: config.ps.is_some(),
            backlog: VecDeque::new(),
            rx_queue: VecDeque::new(),
            tx_queue: VecDeque::new(),
            workers: HashMap::new(),
            port: regs::DEFAULT_UDP_PORT,
            up: Lane::new(config.faults, 1),
            down: Lane::new(config.faults, 2),
            stats: Stats::default(),
            shared,
        };
        engine.refresh_port();
        engine
    }

    fn refresh_port(&mut self) {
        if let Ok(v) = self.card.read(regs::UDP_PORT.addr) {
            self.port = v as u16;
        }
    }

    fn run(&mut self, events: &Receiver<Event>, stop: &AtomicBool) {
        let mut busy = false;
        while !stop.load(Ordering::SeqCst) {
            // Wait for input only when the card has nothing to do; then take every event that
            // is already there, so the readers never wait on the card (and the OS never drops
            // a datagram of the host side because the card is slow).
            let wait = if busy || !self.rx_queue.is_empty() || !self.tx_queue.is_empty() {
                Duration::ZERO
            } else {
                let now = Instant::now();
                [self.up.next_due(), self.down.next_due()]
                    .into_iter()
                    .flatten()
                    .min()
                    .map_or(POLL, |at| at.saturating_duration_since(now).min(POLL))
            };
            let first = match events.recv_timeout(wait) {
                Ok(event) => Some(event),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let queued = std::iter::from_fn(|| events.try_recv().ok()).take(QUEUE);
            for event in first.into_iter().chain(queued) {
                self.handle(event);
            }
            self.release_due();
            busy = self.pump();
            self.stats.up = self.up.counts;
            self.stats.down = self.down.counts;
            *self.shared.lock().unwrap_or_else(|e| e.into_inner()) = self.stats;
        }
    }

    /// One stretch of the card's work on the queued frames; routes what came out. Returns
    /// whether the card has more to do without new input.
    fn pump(&mut self) -> bool {
        let mut out = aggnic_spec::model::Outputs::default();
        let busy = self.card.stream(&mut self.rx_queue, &mut self.tx_queue, &mut out);
        self.route(out);
        busy
    }

    /// Every queued frame through the card and out, before a register access, so a command sees
    /// the card after every frame that came before it.
    fn drain(&mut self) {
        while self.pump() || !self.rx_queue.is_empty() || !self.tx_queue.is_empty() {}
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Network(from, datagram) => {
                self.stats.net_in += 1;
                if let Some((from, d)) = self.up.offer(Instant::now(), (from, datagram)) {
                    self.on_worker_datagram(from, &d);
                }
            }
            Event::Host(from, frame) => {
                if !self.ps_fixed {
                    self.ps = Some(from);
                }
                self.flush_backlog();
                if !frame.is_empty() {
                    self.stats.host_in += 1;
                    self.tx_queue.push_back(frame);
                }
            }
            Event::Control(request, reply) => {
                self.stats.control += 1;
                self.drain();
                let _ = reply.send(self.control(request));
            }
            Event::Wake => {}
        }
    }

    fn control(&mut self, request: Request) -> String {
        let result = match request {
            Request::Read(a) => self.card.read(a).map(|v| format!("0x{v:08x}")),
            Request::Read64(a) => self.card.read(a).and_then(|lo| {
                let hi = self.card.read(a + 4)?;
                Ok(format!("0x{:016x}", u64::from(hi) << 32 | u64::from(lo)))
            }),
            Request::Write(a, v) => self.card.write(a, v).map(|()| {
                self.refresh_port();
                "ok".to_string()
            }),
            Request::Stats => {
                self.stats.up = self.up.counts;
                self.stats.down = self.down.counts;
                let pairs: Vec<String> = self
                    .stats
                    .pairs()
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                Ok(pairs.join(" "))
            }
            Request::Ping => Ok("pong".to_string()),
            Request::Help => Ok(control::HELP.to_string()),
            Request::Quit => Ok("bye".to_string()),
        };
        result.unwrap_or_else(|e| control::error_line(&e.to_string()))
    }

    fn on_worker_datagram(&mut self, from: SocketAddr, datagram: &[u8]) {
        if datagram.len() < HEADER_LEN {
            self.stats.short += 1;
            return;
        }
        let (tenant, worker) = (datagram[4], datagram[5]);
        let Some(frame) = addr::wrap(&addr::update_addressing(tenant, worker, self.port), datagram) else {
            self.stats.short += 1;
            return;
        };
        self.workers.insert((tenant, worker), from);
        if self.rx_queue.len() >= RX_QUEUE {
            // The card's receive FIFO is full: the frame is lost, as on a NIC.
            self.stats.rx_overflow += 1;
            return;
        }
        self.rx_queue.push_back(frame);
    }

    fn route(&mut self, out: aggnic_spec::model::Outputs) {
        for frame in out.to_host {
            self.send_to_ps(frame);
        }
        for frame in out.to_network {
            let dest = addr::route(&frame).and_then(|(tw, payload)| Some((*self.workers.get(&tw)?, payload)));
            match dest {
                Some((to, payload)) => {
                    if let Some((to, d)) = self.down.offer(Instant::now(), (to, payload.to_vec())) {
                        self.send_net(to, &d);
                    }
                }
                None => self.stats.unroutable += 1,
            }
        }
    }

    fn send_net(&mut self, to: SocketAddr, datagram: &[u8]) {
        match self.net.send_to(datagram, to) {
            Ok(_) => self.stats.net_out += 1,
            Err(_) => self.stats.send_errors += 1,
        }
    }

    fn send_to_ps(&mut self, frame: Vec<u8>) {
        let Some(ps) = self.ps else {
            if self.backlog.len() == BACKLOG {
                self.backlog.pop_front();
                self.stats.backlog_dropped += 1;
            }
            self.backlog.push_back(frame);
            return;
        };
        match self.host.send_to(&frame, ps) {
            Ok(_) => self.stats.host_out += 1,
            Err(_) => self.stats.send_errors += 1,
        }
    }

    fn flush_backlog(&mut self) {
        while let Some(frame) = self.backlog.pop_front() {
            self.send_to_ps(frame);
        }
    }

    fn release_due(&mut self) {
        let now = Instant::now();
        for (from, d) in self.up.due(now) {
            self.on_worker_datagram(from, &d);
        }
        let due: Vec<Datagram> = self.down.due(now);
        for (to, d) in due {
            self.send_net(to, &d);
        }
    }
}
