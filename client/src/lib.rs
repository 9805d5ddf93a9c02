//! aggnic's clients over real sockets: [`WorkerClient`] sums float tensors with the other workers
//! of its tenant through the card, and [`PsService`] is the parameter server behind the card.
//!
//! Both wrap the I/O-free state machines of `aggnic-proto` (`Worker` + `Allreduce`, `Ps`), which
//! hold every protocol decision (windows, resends, salts, flushes, exactly-once); this crate only
//! moves datagrams and time. It speaks to the sim server's sockets (`docs/sim.md`): workers send
//! bare UDP payloads (aggregation header + lanes) to its network socket, the PS exchanges whole
//! Ethernet frames with its host socket. `docs/client.md` is the user's page.

mod clock;
pub mod ps;
pub mod worker;

pub use ps::{PsHandle, PsOptions, PsReport, PsService, PsTenant};
pub use worker::{ClientError, Ticket, WorkerClient, WorkerOptions};
