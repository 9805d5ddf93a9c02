//! A training process's side: allreduce of float tensors through the card, over one UDP socket.
//!
//! [`WorkerClient`] owns one `aggnic_proto::Worker` stream and runs `aggnic_proto::allreduce`
//! rounds on it. Tensors are submitted in order and may overlap: several are in flight at once,
//! each taking its exponent round, then its values round (see `aggnic_proto::scale`: the shared
//! power-of-two scale keeps every sum inside int32, so results are exact up to each value's
//! rounding to a multiple of the scale's step).
//!
//! Every worker of a tenant must submit the same tensor sizes in the same order: the stream's
//! fragment numbers are what the card matches. That is also why a tensor's values round is pushed
//! only once every earlier tensor's has been: the order of pushes must not depend on the order in
//! which results happen to arrive at this worker.

use crate::clock::{Clock, ticks};
use aggnic_proto::allreduce::{Allreduce, AllreduceError};
use aggnic_proto::{Worker, WorkerConfig, WorkerError};
use aggnic_sim::server::addr;
use aggnic_spec::model::Params;
use aggnic_spec::regs::DEFAULT_UDP_PORT;
use aggnic_spec::wire::HEADER_OFFSET;
use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// How one worker takes part in its tenant's stream. [`WorkerOptions::new`] fills in the card's
/// defaults; every worker of a tenant must agree on `window`, `elements`, `first_seq` and
/// `initial_salt`, and the PS on the first three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerOptions {
    pub tenant: u8,
    pub worker: u8,
    pub key: u64,
    /// Workers in the tenant: the scale leaves room for a sum of this many.
    pub workers: u32,
    /// Elements per fragment, at most the card's `CAP_ELEMENTS`; the last fragment of a tensor
    /// may be shorter.
    pub elements: usize,
    /// The card's window (`CAP_WINDOW`).
    pub window: u32,
    /// Fragments in flight at once, 1..=window.
    pub send_window: u32,
    /// The tenant's `T_WINDOW_BASE` when it was created (0 for the driver's `Tenants::create`).
    pub first_seq: u32,
    pub initial_salt: u16,
    /// The card's `UDP_PORT` register.
    pub port: u16,
    /// Time without a result before a fragment is sent again with RESEND.
    pub timeout: Duration,
    /// Resends of one fragment before the worker gives up: with `timeout`, how long a worker
    /// waits for a peer, the PS or the network before it fails.
    pub max_resends: u32,
}

impl WorkerOptions {
    /// Defaults for the card's default parameters: 64 elements, window 64, 16 fragments in
    /// flight, resend after 50 ms, give up after 100 resends (5 s without a result). On a loaded
    /// two-core machine a round trip through the sim server and the PS can take well over 20 ms
    /// with 16 fragments in flight per worker; resending sooner only moves work to the PS.
    pub fn new(tenant: u8, worker: u8, key: u64, workers: u32) -> WorkerOptions {
        WorkerOptions {
            tenant,
            worker,
            key,
            workers,
            elements: Params::DEFAULT.elements as usize,
            window: Params::DEFAULT.window,
            send_window: 16.min(Params::DEFAULT.window),
            first_seq: 0,
            initial_salt: 0,
            port: DEFAULT_UDP_PORT,
            timeout: Duration::from_millis(50),
            max_resends: 100,
        }
    }
}

/// Why an allreduce failed.
#[derive(Debug)]
pub enum ClientError {
    Io(io::Error),
    /// A fragment got no result after every resend. The worker's stream is dead from then on:
    /// every later call fails the same way.
    NoResult {
        tenant: u8,
        worker: u8,
        seq: u32,
        resends: u32,
        waited: Duration,
    },
    Allreduce(AllreduceError),
    /// [`WorkerClient::wait`] for a ticket this client did not issue or already returned.
    UnknownTicket(Ticket),
    /// Options the state machines refuse.
    BadOptions(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Io(e) => write!(f, "socket: {e}"),
            ClientError::NoResult {
                tenant,
                worker,
                seq,
                resends,
                waited,
            } => write!(
                f,
                "tenant {tenant} worker {worker}: timed out: no result for fragment {seq} after {resends} resends \
                 ({:.1} s); a peer worker, the PS or the network is down",
                waited.as_secs_f64()
            ),
            ClientError::Allreduce(e) => e.fmt(f),
            ClientError::UnknownTicket(t) => write!(f, "no tensor in flight for ticket {}", t.0),
            ClientError::BadOptions(why) => write!(f, "bad worker options: {why}"),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        ClientError::Io(e)
    }
}

/// A tensor submitted with [`WorkerClient::submit`], to collect with [`WorkerClient::wait`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ticket(u64);

#[derive(Debug)]
struct Op {
    ticket: Ticket,
    /// `None` once finished.
    round: Option<Allreduce>,
    result: Option<Result<Vec<f32>, AllreduceError>>,
}

/// One worker of one tenant, over its own UDP socket to the card's network address.
#[derive(Debug)]
pub struct WorkerClient {
    socket: UdpSocket,
    opts: WorkerOptions,
    worker: Worker,
    ops: VecDeque<Op>,
    next_ticket: u64,
    clock: Clock,
    buf: Vec<u8>,
}

/// Longest single wait on the socket: the resend deadlines are checked at least this often.
const MAX_WAIT: Duration = Duration::from_millis(50);

impl WorkerClient {
    /// Binds an ephemeral UDP socket and connects it to `card` (the sim server's network address).
    ///
    /// # Errors
    /// The socket, or options the state machine refuses (`send_window` outside 1..=window, no
    /// elements, no workers).
    pub fn connect(card: SocketAddr, opts: WorkerOptions) -> Result<WorkerClient, ClientError> {
        if !(1..=opts.window).contains(&opts.send_window) {
            return Err(ClientError::BadOptions(format!(
                "send_window {} is not in 1..={}",
                opts.send_window, opts.window
            )));
        }
        if opts.elements == 0 || opts.elements > usize::from(u16::MAX) || opts.workers == 0 {
            return Err(ClientError::BadOptions(
                "elements must be 1..=65535 and workers at least 1".into(),
            ));
        }
        let local: SocketAddr = if card.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local)?;
        socket.connect(card)?;
        let worker = Worker::new(WorkerConfig {
            tenant: opts.tenant,
            worker: opts.worker,
            key: opts.key,
            window: opts.window,
            send_window: opts.send_window,
            first_seq: opts.first_seq,
            initial_salt: opts.initial_salt,
            timeout: ticks(opts.timeout).max(1),
            max_resends: opts.max_resends,
            addr: addr::update_addressing(opts.tenant, opts.worker, opts.port),
        });
        Ok(WorkerClient {
            socket,
            opts,
            worker,
            ops: VecDeque::new(),
            next_ticket: 0,
            clock: Clock::new(),
            buf: vec![0u8; 65536],
        })
    }

    pub fn options(&self) -> &WorkerOptions {
        &self.opts
    }

    /// Sums `tensor` over the tenant's workers, in place.
    ///
    /// # Errors
    /// See [`ClientError`]; on error `tensor` is unchanged.
    pub fn allreduce(&mut self, tensor: &mut [f32]) -> Result<(), ClientError> {
        let ticket = self.submit(tensor)?;
        let sum = self.wait(ticket)?;
        tensor.copy_from_slice(&sum);
        Ok(())
    }

    /// Sums several tensors, all in flight at once, in place.
    ///
    /// # Errors
    /// The first error; tensors before the failing one may already hold their sums.
    pub fn allreduce_many(&mut self, tensors: &mut [&mut [f32]]) -> Result<(), ClientError> {
        let tickets = tensors
            .iter()
            .map(|t| self.submit(t))
            .collect::<Result<Vec<_>, _>>()?;
        for (tensor, ticket) in tensors.iter_mut().zip(tickets) {
            let sum = self.wait(ticket)?;
            tensor.copy_from_slice(&sum);
        }
        Ok(())
    }

    /// Starts summing `tensor` and sends what the window allows; does not wait.
    ///
    /// # Errors
    /// A value that is NaN or infinite, or a stream that already failed.
    pub fn submit(&mut self, tensor: &[f32]) -> Result<Ticket, ClientError> {
        self.check_alive()?;
        let round = Allreduce::start(&mut self.worker, tensor, self.opts.elements, self.opts.workers)
            .map_err(ClientError::Allreduce)?;
        let ticket = Ticket(self.next_ticket);
        self.next_ticket += 1;
        self.ops.push_back(Op {
            ticket,
            round: Some(round),
            result: None,
        });
        self.send_due()?;
        Ok(ticket)
    }

    /// Waits for the sum of a submitted tensor, moving every tensor in flight along meanwhile.
    ///
    /// # Errors
    /// See [`ClientError`].
    pub fn wait(&mut self, ticket: Ticket) -> Result<Vec<f32>, ClientError> {
        loop {
            let Some(i) = self.ops.iter().position(|o| o.ticket == ticket) else {
                return Err(ClientError::UnknownTicket(ticket));
            };
            if self.ops[i].result.is_some() {
                let op = self.ops.remove(i).expect("found");
                return op.result.expect("checked").map_err(ClientError::Allreduce);
            }
            self.progress(MAX_WAIT)?;
        }
    }

    /// Sends what is due, then waits up to `wait` for one datagram and takes it. `Duration::ZERO`
    /// only sends. For callers that interleave their own work with the allreduce.
    ///
    /// # Errors
    /// The socket, or a fragment that got no result after every resend.
    pub fn progress(&mut self, wait: Duration) -> Result<(), ClientError> {
        self.send_due()?;
        if wait.is_zero() {
            return Ok(());
        }
        let next = self
            .worker
            .next_deadline()
            .map_or(wait, |at| self.clock.until(at, Duration::from_micros(100)));
        self.socket.set_read_timeout(Some(next.min(wait)))?;
        match self.socket.recv(&mut self.buf) {
            Ok(n) => self.take(n),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        // An ICMP port unreachable from an earlier send: the server is not (yet)
                        // there; the resends and their limit decide what that means.
                        | io::ErrorKind::ConnectionRefused
                ) => {}
            Err(e) => return Err(e.into()),
        }
        self.send_due()
    }

    /// A datagram from the card: rebuild the frame the state machine expects and move on.
    fn take(&mut self, n: usize) {
        let (t, w) = (self.opts.tenant, self.opts.worker);
        let Some(frame) = addr::wrap(&addr::result_addressing(t, w, self.opts.port), &self.buf[..n]) else {
            return;
        };
        if self.worker.on_frame(&frame) {
            self.advance();
        }
    }

    /// Finishes rounds in submission order; stops at the first tensor still in its exponent
    /// round, so later tensors push their values only after it (see the module docs).
    fn advance(&mut self) {
        for op in &mut self.ops {
            let Some(round) = &mut op.round else { continue };
            if let Some(result) = round.advance(&mut self.worker) {
                op.result = Some(result);
                op.round = None;
            } else if round.scale().is_none() {
                break;
            }
        }
    }

    fn send_due(&mut self) -> Result<(), ClientError> {
        self.check_alive()?;
        for frame in self.worker.poll(self.clock.now()) {
            match self.socket.send(&frame[HEADER_OFFSET..]) {
                Ok(_) => {}
                // Lost like any datagram: the resend timer covers it.
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.check_alive()
    }

    fn check_alive(&self) -> Result<(), ClientError> {
        match self.worker.error() {
            None => Ok(()),
            Some(WorkerError::GaveUp { seq, resends }) => Err(ClientError::NoResult {
                tenant: self.opts.tenant,
                worker: self.opts.worker,
                seq,
                resends,
                waited: self.opts.timeout * (resends + 1),
            }),
        }
    }
}
