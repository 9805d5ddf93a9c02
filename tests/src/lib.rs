//! End-to-end tests of aggnic live in `tests/tests/`: the sim server in-process over real UDP
//! sockets on loopback, its tenants configured by the driver over the control socket, the PS
//! service and worker threads of `aggnic-client`. This library is their rig.

use aggnic_client::{PsOptions, PsService, PsTenant, WorkerOptions};
use aggnic_driver::{RegisterAccess, SimSocketBackend, TenantConfig, Tenants, Workers};
use aggnic_sim::server::{Config, Faults, Handle, Server, VerilatedCard};
use aggnic_spec::model::Params;
use aggnic_spec::regs;
use std::time::Duration;

/// One tenant of a test: id, key, workers 0..workers, slot quota, and the first fragment of its
/// stream (its `T_WINDOW_BASE`).
#[derive(Debug, Clone, Copy)]
pub struct Job {
    pub tenant: u8,
    pub key: u64,
    pub workers: u8,
    pub quota: u32,
    pub first_seq: u32,
}

/// The card behind a test's sim server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Card {
    /// The reference model with these parameters.
    Model(Params),
    /// The verilated core (its build parameters, `aggnic_sim::PARAMS`).
    Core,
}

impl Card {
    pub fn params(self) -> Params {
        match self {
            Card::Model(p) => p,
            Card::Core => aggnic_sim::PARAMS,
        }
    }
}

/// A sim server with its card enabled and the jobs' tenants created through the driver.
#[derive(Debug)]
pub struct Rig {
    pub server: Handle,
    pub tenants: Tenants<SimSocketBackend>,
    /// A second control connection for plain register access (`Tenants` owns its own).
    pub regs: SimSocketBackend,
    pub params: Params,
    pub jobs: Vec<Job>,
}

impl Rig {
    /// Starts the server (control socket named after the test and the process) and creates the
    /// tenants.
    ///
    /// # Panics
    /// If the server or the driver fails: the test cannot run.
    pub fn start(name: &str, card: Card, faults: Faults, jobs: &[Job]) -> Rig {
        let control = std::env::temp_dir().join(format!("aggnic-e2e-{}-{name}.sock", std::process::id()));
        let mut config = Config::new(control);
        config.faults = faults;
        let params = card.params();
        let server = match card {
            Card::Model(p) => Server::start_model(config, p),
            Card::Core => Server::start(config, || Ok(VerilatedCard::new())),
        }
        .expect("sim server starts");
        let connect = || {
            SimSocketBackend::connect_timeout(server.control_path(), Duration::from_secs(5))
                .expect("control socket")
        };
        let mut tenants = Tenants::new(connect()).expect("capabilities");
        let regs = connect();
        for j in jobs {
            tenants
                .create(
                    j.tenant,
                    TenantConfig {
                        key: j.key,
                        workers: Workers::Count(u32::from(j.workers)),
                        quota: j.quota,
                    },
                )
                .expect("tenant created");
        }
        let mut rig = Rig {
            server,
            tenants,
            regs,
            params,
            jobs: jobs.to_vec(),
        };
        for j in jobs.iter().filter(|j| j.first_seq != 0) {
            // Staged from the tenant as created: only the window base changes.
            rig.write(regs::TENANT_SEL.addr, u32::from(j.tenant));
            rig.write(regs::T_WINDOW_BASE.addr, j.first_seq);
            rig.write(regs::T_CTRL.addr, regs::t_ctrl::COMMIT | regs::t_ctrl::ENABLE);
        }
        rig.write(regs::CTRL.addr, regs::ctrl::ENABLE);
        rig
    }

    pub fn write(&mut self, addr: u32, value: u32) {
        self.regs.write32(addr, value).expect("register write");
    }

    pub fn read(&mut self, addr: u32) -> u32 {
        self.regs.read32(addr).expect("register read")
    }

    /// A PS for every job, connected to the server's host socket.
    pub fn ps(&self) -> PsService {
        let tenants = self
            .jobs
            .iter()
            .map(|j| PsTenant {
                first_seq: j.first_seq,
                ..PsTenant::new(j.tenant, j.key, j.workers)
            })
            .collect();
        let mut opts = PsOptions::new(tenants);
        opts.window = self.params.window;
        PsService::connect(self.server.host_addr(), opts).expect("PS connects")
    }

    /// Options for worker `w` of `job`, on this card.
    pub fn worker_options(&self, job: &Job, w: u8) -> WorkerOptions {
        let mut o = WorkerOptions::new(job.tenant, w, job.key, u32::from(job.workers));
        o.elements = self.params.elements as usize;
        o.window = self.params.window;
        o.first_seq = job.first_seq;
        o
    }

    /// A tenant counter (`T_COLLISIONS`, ...), latched by the driver's snapshot.
    pub fn tenant_counter(&mut self, tenant: u8, name: &str) -> u64 {
        let snap = self.tenants.snapshot(tenant).expect("snapshot");
        snap.tenant
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no counter {name}"))
            .1
    }
}

/// A random tensor whose sums over up to 16 workers are exact in f32, in any order: multiples of
/// 1/1024 below 512 in magnitude, so a sum needs at most 23 significant bits. Through the card
/// they are exact too: the shared scale (`aggnic_proto::scale`) is then at least 2^10 (2^30 over
/// 16 workers x 2^9), so every value quantizes to an integer without rounding.
pub fn exact_tensor(rng: &mut aggnic_spec::rng::Rng, len: usize) -> Vec<f32> {
    (0..len)
        .map(|_| (rng.below(1 << 20) as i64 - (1 << 19)) as f32 / 1024.0)
        .collect()
}

/// The plain CPU sum of the workers' tensors, element by element.
pub fn cpu_sum(tensors: &[Vec<f32>]) -> Vec<f32> {
    let mut sum = vec![0f32; tensors[0].len()];
    for t in tensors {
        for (s, x) in sum.iter_mut().zip(t) {
            *s += x;
        }
    }
    sum
}
