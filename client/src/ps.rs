//! The parameter server behind the card: `aggnic_proto::Ps` over a UDP socket to the card's host
//! side (the sim server's host socket; on hardware, the NIC's host queue).
//!
//! Everything the card hands the host arrives here as a whole Ethernet frame: RESULTs of fragments
//! the card completed, PARTIALs (replies to FLUSH), and UPDATEs it forwarded (collision, over
//! quota, out of window, resend, or every one while the card is disabled). The state machine
//! decides; this service moves frames, keeps time (flushes of fragments that wait), and counts
//! what it saw so the in-card share and the fallback's work can be reported.

use crate::clock::{Clock, ticks};
use aggnic_proto::{Endpoint, Frames, Ps, PsConfig, PsStats, TenantConfig};
use aggnic_sim::server::addr;
use aggnic_spec::model::Params;
use aggnic_spec::regs::DEFAULT_UDP_PORT;
use aggnic_spec::wire::{HEADER_LEN, HEADER_OFFSET, Header, Kind, flags};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A tenant the PS serves: what the card's tenant table holds, plus where its stream starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsTenant {
    pub tenant: u8,
    pub key: u64,
    /// Worker ids, each below 64 (the tenant's mask).
    pub workers: Vec<u8>,
    /// The tenant's `T_WINDOW_BASE` when it was created (0 for the driver's `Tenants::create`).
    pub first_seq: u32,
    pub initial_salt: u16,
}

impl PsTenant {
    /// Workers `0..count`, stream from fragment 0 with salt 0: a tenant made by
    /// `Tenants::create(id, TenantConfig { workers: Workers::Count(count), .. })`.
    pub fn new(tenant: u8, key: u64, count: u8) -> PsTenant {
        PsTenant::with_mask(tenant, key, if count >= 64 { u64::MAX } else { (1 << count) - 1 })
    }
    /// The workers of `mask` (bit w: worker w).
    pub fn with_mask(tenant: u8, key: u64, mask: u64) -> PsTenant {
        PsTenant {
            tenant,
            key,
            workers: (0..64u8).filter(|w| mask >> w & 1 == 1).collect(),
            first_seq: 0,
            initial_salt: 0,
        }
    }
}

/// How to run the PS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsOptions {
    /// The card's window (`CAP_WINDOW`).
    pub window: u32,
    /// The card's `UDP_PORT` register: FLUSH and RELEASE must be aggregation frames.
    pub port: u16,
    /// How long a fragment may wait with pieces in software before its slot is flushed. Shorter
    /// than the workers' resend timeout, so a split fragment finishes before anyone resends.
    pub flush_after: Duration,
    pub tenants: Vec<PsTenant>,
}

impl PsOptions {
    /// The card's default window and port, flush after 5 ms.
    pub fn new(tenants: Vec<PsTenant>) -> PsOptions {
        PsOptions {
            window: Params::DEFAULT.window,
            port: DEFAULT_UDP_PORT,
            flush_after: Duration::from_millis(5),
            tenants,
        }
    }
}

/// What the PS did: the state machine's counters and what this service saw on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PsReport {
    pub ps: PsStats,
    /// Frames from the card, and frames sent to it (RELEASE, FLUSH, RESULTs to workers).
    pub frames_in: u64,
    pub frames_out: u64,
    /// Forwarded UPDATEs by the card's reason (a frame may have none: card disabled).
    pub collisions: u64,
    pub resends: u64,
    pub over_quota: u64,
    pub out_of_window: u64,
    /// int32 lanes of forwarded UPDATEs: the software side's share of the additions.
    pub lanes_in_software: u64,
    /// Fragments held in software right now.
    pub pending: usize,
    /// Receives that reported the card's socket unreachable (the server is down or restarting).
    pub unreachable: u64,
}

impl PsReport {
    /// Fragments finished, in the card or in software.
    pub fn fragments(&self) -> u64 {
        self.ps.completed_in_card + self.ps.completed_in_software
    }
    /// Share of finished fragments the card completed on its own, 0..=1 (0 with none finished).
    pub fn in_card_share(&self) -> f64 {
        match self.fragments() {
            0 => 0.0,
            n => self.ps.completed_in_card as f64 / n as f64,
        }
    }
}

impl std::fmt::Display for PsReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.ps;
        write!(
            f,
            "fragments {} (in card {}, {:.1} %; in software {}); forwards {} (collisions {}, resends {}, over quota {}, \
             out of window {}); flushes {}; salt moves {}; pieces dropped {}; rejected {}; pending {}",
            self.fragments(),
            s.completed_in_card,
            100.0 * self.in_card_share(),
            s.completed_in_software,
            s.forwards,
            self.collisions,
            self.resends,
            self.over_quota,
            self.out_of_window,
            s.flushes,
            s.salt_moves,
            s.pieces_dropped,
            s.rejected,
            self.pending,
        )
    }
}

/// Longest single wait on the socket: the stop flag and flush deadlines are checked this often.
const MAX_WAIT: Duration = Duration::from_millis(20);

/// The PS over its socket. [`PsService::run`] serves until a flag is set; [`PsService::spawn`]
/// does it on a thread.
#[derive(Debug)]
pub struct PsService {
    socket: UdpSocket,
    ps: Ps,
    clock: Clock,
    report: PsReport,
    shared: Arc<Mutex<PsReport>>,
    buf: Vec<u8>,
    /// The frames to send, reused from step to step so the PS allocates none.
    out: Frames,
}

impl PsService {
    /// Binds a UDP socket, connects it to `card` (the sim server's host address) and says hello
    /// (an empty datagram), so the card's frames for the host come here from now on.
    ///
    /// # Errors
    /// The socket, or tenants that make no sense (no workers, a worker id of 64 or more, a tenant
    /// twice).
    pub fn connect(card: SocketAddr, opts: PsOptions) -> io::Result<PsService> {
        let invalid = |m: String| io::Error::new(io::ErrorKind::InvalidInput, m);
        let mut seen = std::collections::BTreeSet::new();
        for t in &opts.tenants {
            if t.workers.is_empty() || t.workers.iter().any(|w| *w >= 64) {
                return Err(invalid(format!(
                    "tenant {}: worker ids must be 0..=63, at least one",
                    t.tenant
                )));
            }
            if !seen.insert(t.tenant) {
                return Err(invalid(format!("tenant {} given twice", t.tenant)));
            }
        }
        let tenants = opts
            .tenants
            .iter()
            .map(|t| TenantConfig {
                tenant: t.tenant,
                key: t.key,
                workers: t
                    .workers
                    .iter()
                    .map(|&w| Endpoint {
                        worker: w,
                        addr: addr::result_addressing(t.tenant, w, opts.port),
                    })
                    .collect(),
                first_seq: t.first_seq,
                initial_salt: t.initial_salt,
            })
            .collect();
        let ps = Ps::new(
            PsConfig {
                window: opts.window,
                control_addr: addr::ps_control_addressing(opts.port),
                flush_after: ticks(opts.flush_after).max(1),
            },
            tenants,
        );
        let local: SocketAddr = if card.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local)?;
        socket.connect(card)?;
        socket.send(&[])?;
        Ok(PsService {
            socket,
            ps,
            clock: Clock::new(),
            report: PsReport::default(),
            shared: Arc::new(Mutex::new(PsReport::default())),
            buf: vec![0u8; 65536],
            out: Frames::new(),
        })
    }

    /// The counters now.
    pub fn report(&self) -> PsReport {
        self.report
    }

    /// Serves until `stop` is set (checked at least every 20 ms; a signal handler may set it);
    /// returns the final counters.
    ///
    /// # Errors
    /// A socket error other than the card being unreachable for a while.
    pub fn run(&mut self, stop: &AtomicBool) -> io::Result<PsReport> {
        while !stop.load(Ordering::Relaxed) {
            self.step()?;
        }
        Ok(self.report)
    }

    /// Runs [`PsService::run`] on its own thread.
    ///
    /// # Errors
    /// The thread could not be spawned.
    pub fn spawn(mut self) -> io::Result<PsHandle> {
        let stop = Arc::new(AtomicBool::new(false));
        let shared = self.shared.clone();
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("aggnic-ps".into())
            .spawn(move || self.run(&flag))?;
        Ok(PsHandle {
            stop,
            thread: Some(thread),
            shared,
        })
    }

    /// One wait for a frame (up to the next flush deadline), then the flushes that are due.
    fn step(&mut self) -> io::Result<()> {
        let wait = self
            .ps
            .next_deadline()
            .map_or(MAX_WAIT, |at| self.clock.until(at, Duration::from_micros(100)))
            .min(MAX_WAIT);
        self.socket.set_read_timeout(Some(wait))?;
        self.out.clear();
        match self.socket.recv(&mut self.buf) {
            Ok(n) => {
                let now = self.clock.now();
                self.count(n);
                self.ps.on_host_frame_into(&self.buf[..n], now, &mut self.out);
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                // The server is gone or restarting: wait, then say hello again.
                self.report.unreachable += 1;
                std::thread::sleep(MAX_WAIT);
                let _ = self.socket.send(&[]);
            }
            Err(e) => return Err(e),
        }
        self.ps.on_tick_into(self.clock.now(), &mut self.out);
        self.send()?;
        self.report.ps = self.ps.stats();
        self.report.pending = self.ps.pending();
        *self.shared.lock().unwrap_or_else(|e| e.into_inner()) = self.report;
        Ok(())
    }

    /// Sends the step's frames, in order: a RELEASE before the RESULTs it goes with.
    fn send(&mut self) -> io::Result<()> {
        for f in self.out.iter() {
            match self.socket.send(f) {
                Ok(_) => self.report.frames_out += 1,
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => self.report.unreachable += 1,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Counts a frame from the card by kind and the card's reason for forwarding it.
    fn count(&mut self, n: usize) {
        self.report.frames_in += 1;
        let Some(bytes) = self.buf.get(HEADER_OFFSET..HEADER_OFFSET + HEADER_LEN) else {
            return;
        };
        let Ok(h) = Header::decode(bytes.try_into().expect("HEADER_LEN bytes")) else {
            return;
        };
        if h.kind != Kind::Update {
            return;
        }
        let r = &mut self.report;
        r.lanes_in_software += ((n - HEADER_OFFSET - HEADER_LEN) / 4) as u64;
        for (flag, counter) in [
            (flags::COLLISION, &mut r.collisions),
            (flags::RESEND, &mut r.resends),
            (flags::OVER_QUOTA, &mut r.over_quota),
            (flags::OUT_OF_WINDOW, &mut r.out_of_window),
        ] {
            if h.flags & flag != 0 {
                *counter += 1;
            }
        }
    }
}

/// A PS running on its own thread; dropping it stops it too.
#[derive(Debug)]
pub struct PsHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<io::Result<PsReport>>>,
    shared: Arc<Mutex<PsReport>>,
}

impl PsHandle {
    /// The counters now (updated after every frame).
    pub fn report(&self) -> PsReport {
        *self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
    /// Whether the service thread still runs (it stops on a socket error).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }
    /// Stops the service and returns its final counters.
    ///
    /// # Errors
    /// The error the service stopped on, if it stopped on its own.
    pub fn stop(mut self) -> io::Result<PsReport> {
        self.stop.store(true, Ordering::Relaxed);
        let thread = self.thread.take().expect("joined once");
        thread
            .join()
            .map_err(|_| io::Error::other("the PS thread panicked"))?
    }
}

impl Drop for PsHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
