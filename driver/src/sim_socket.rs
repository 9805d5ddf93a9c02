//! Register access to a simulated card served by `aggnic sim serve`, over its control socket.
//!
//! The protocol is the one `docs/sim.md` documents: one command a line over a UNIX stream, one reply
//! line each (`read 0x0010` -> `0x00000040`, `read64 ADDR` -> `0x` and 16 digits, `write ADDR VALUE`
//! -> `ok`, or `error <reason>`). This is a small client of its own: the driver does not depend on
//! the sim crate (which builds Verilator).
//!
//! A connection that fails mid-command (timeout, server gone) is dropped, since a late reply would
//! answer the wrong command; the next access connects again.

use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aggnic_spec::regs::WINDOW_BYTES;

use crate::access::{AccessError, RegisterAccess, check_word, word_after};

/// One connection to the sim server's control socket.
#[derive(Debug)]
pub struct SimSocketBackend {
    path: PathBuf,
    timeout: Duration,
    conn: Option<Conn>,
}

#[derive(Debug)]
struct Conn {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl SimSocketBackend {
    /// How long a reply may take unless [`SimSocketBackend::connect_timeout`] says otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

    /// Connects to the control socket at `path`; the error says what to check.
    pub fn connect(path: impl AsRef<Path>) -> io::Result<Self> {
        Self::connect_timeout(path, Self::DEFAULT_TIMEOUT)
    }

    /// Connects; every later reply must come within `timeout`.
    pub fn connect_timeout(path: impl AsRef<Path>, timeout: Duration) -> io::Result<Self> {
        let mut backend = SimSocketBackend {
            path: path.as_ref().to_path_buf(),
            timeout,
            conn: None,
        };
        backend.conn()?;
        Ok(backend)
    }

    /// The control socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&mut self) -> io::Result<&mut Conn> {
        if self.conn.is_none() {
            self.conn = Some(self.open().map_err(|e| self.hint(e))?);
        }
        Ok(self.conn.as_mut().expect("connected above"))
    }

    fn open(&self) -> io::Result<Conn> {
        let stream = UnixStream::connect(&self.path)?;
        stream.set_read_timeout(Some(self.timeout))?;
        stream.set_write_timeout(Some(self.timeout))?;
        Ok(Conn {
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
        })
    }

    /// The same error, with what to check.
    fn hint(&self, e: io::Error) -> io::Error {
        io::Error::new(
            e.kind(),
            format!(
                "sim server control socket {}: {e}; is `aggnic sim serve` running with --control {}?",
                self.path.display(),
                self.path.display()
            ),
        )
    }

    /// Sends one line, returns the reply line; `error <reason>` replies become errors.
    fn transact(&mut self, op: &'static str, addr: u32, line: &str) -> Result<String, AccessError> {
        let io_err = |source| AccessError::Io { op, addr, source };
        let timeout = self.timeout;
        let conn = self.conn().map_err(io_err)?;
        let mut reply = String::new();
        let sent = conn
            .writer
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| conn.reader.read_line(&mut reply));
        let failure = match sent {
            Ok(0) => Some(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            )),
            Ok(_) => None,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Some(
                io::Error::new(io::ErrorKind::TimedOut, format!("no reply within {timeout:?}")),
            ),
            Err(e) => Some(e),
        };
        if let Some(e) = failure {
            self.conn = None;
            return Err(io_err(self.hint(e)));
        }
        let reply = reply.trim_end_matches(['\n', '\r']);
        if reply == "error busy" {
            // The server closes a connection it is too busy for.
            self.conn = None;
        }
        match reply.strip_prefix("error ") {
            Some(reason) => Err(io_err(io::Error::other(format!(
                "the sim server at {} refused `{line}`: {reason}",
                self.path.display()
            )))),
            None => Ok(reply.to_string()),
        }
    }

    fn hex(&self, op: &'static str, addr: u32, reply: &str, digits: usize) -> Result<u64, AccessError> {
        reply
            .strip_prefix("0x")
            .filter(|h| h.len() == digits)
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .ok_or_else(|| AccessError::Io {
                op,
                addr,
                source: io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "unexpected reply `{reply}` from {}: is it an aggnic sim server?",
                        self.path.display()
                    ),
                ),
            })
    }
}

impl RegisterAccess for SimSocketBackend {
    fn read32(&mut self, addr: u32) -> Result<u32, AccessError> {
        check_word(addr, u64::from(WINDOW_BYTES))?;
        let reply = self.transact("read", addr, &format!("read 0x{addr:04x}"))?;
        Ok(self.hex("read", addr, &reply, 8)? as u32)
    }

    fn write32(&mut self, addr: u32, value: u32) -> Result<(), AccessError> {
        check_word(addr, u64::from(WINDOW_BYTES))?;
        let reply = self.transact("write", addr, &format!("write 0x{addr:04x} 0x{value:08x}"))?;
        if reply == "ok" {
            return Ok(());
        }
        Err(AccessError::Io {
            op: "write",
            addr,
            source: io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "unexpected reply `{reply}` from {}: is it an aggnic sim server?",
                    self.path.display()
                ),
            ),
        })
    }

    /// One round trip: the server reads the low word first, as the trait's default would.
    fn read64(&mut self, addr: u32) -> Result<u64, AccessError> {
        check_word(addr, u64::from(WINDOW_BYTES))?;
        check_word(word_after(addr, 4)?, u64::from(WINDOW_BYTES))?;
        let reply = self.transact("read", addr, &format!("read64 0x{addr:04x}"))?;
        self.hex("read", addr, &reply, 16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenants::{TenantConfig, TenantError, TenantInfo, TenantUpdate, Tenants, Workers};
    use crate::{ModelBackend, blocks};
    use aggnic_sim::server::{Config, Server};
    use aggnic_spec::model::Params;
    use aggnic_spec::regs;

    fn serve(dir: &tempfile::TempDir) -> aggnic_sim::server::Handle {
        let config = Config::new(dir.path().join("nic.sock"));
        Server::start_model(config, Params::DEFAULT).expect("the sim server starts")
    }

    fn counter(list: &[(&'static str, u64)], name: &str) -> u64 {
        list.iter().find(|(n, _)| *n == name).unwrap().1
    }

    #[test]
    fn answers_as_the_model_does() {
        let dir = tempfile::tempdir().unwrap();
        let server = serve(&dir);
        let mut sock = SimSocketBackend::connect(server.control_path()).unwrap();
        let mut model = ModelBackend::default();
        for reg in [
            regs::CORE_TYPE,
            regs::CAP_SLOTS,
            regs::CAP_TENANTS,
            regs::CAP_WORKERS,
        ] {
            assert_eq!(
                sock.read_reg(reg).unwrap(),
                model.read_reg(reg).unwrap(),
                "{}",
                reg.name
            );
        }
        assert_eq!(
            blocks::check(&mut sock).unwrap(),
            blocks::check(&mut model).unwrap()
        );
        sock.write_reg(regs::CTRL, u64::from(regs::ctrl::ENABLE)).unwrap();
        assert_eq!(sock.read_reg(regs::CTRL).unwrap(), u64::from(regs::ctrl::ENABLE));
        // Checked here, never sent.
        assert!(matches!(sock.read32(2), Err(AccessError::Misaligned { addr: 2 })));
        assert!(matches!(
            sock.write32(WINDOW_BYTES, 0),
            Err(AccessError::OutOfBounds { .. })
        ));
        assert!(matches!(
            sock.read64(WINDOW_BYTES - 4),
            Err(AccessError::OutOfBounds { .. })
        ));
        server.shutdown().unwrap();
    }

    #[test]
    fn manages_tenants_over_the_socket() {
        let dir = tempfile::tempdir().unwrap();
        let server = serve(&dir);
        let sock = SimSocketBackend::connect(server.control_path()).unwrap();
        let mut t = Tenants::new(sock).unwrap();
        assert_eq!(t.caps().slots, Params::DEFAULT.slots);
        let config = TenantConfig {
            key: 0x0123_4567_89ab_cdef,
            workers: Workers::Mask(0b10_1001),
            quota: 8,
        };
        t.create(2, config).unwrap();
        assert!(matches!(t.create(2, config), Err(TenantError::IdInUse { id: 2 })));
        assert_eq!(
            t.list().unwrap(),
            [TenantInfo {
                id: 2,
                quota: 8,
                mask: 0b10_1001,
                window_base: 0,
                slots_in_use: 0
            }]
        );
        let update = TenantUpdate {
            quota: Some(16),
            workers: Some(Workers::Count(3)),
            key: None,
        };
        t.update(2, update).unwrap();
        let listed = t.list().unwrap();
        assert_eq!((listed[0].quota, listed[0].mask), (16, 0b111));
        let snap = t.snapshot(2).unwrap();
        assert_eq!(snap.global.len(), regs::CORE_COUNTER_REGS.len());
        assert_eq!(counter(&snap.tenant, "T_FRAMES"), 0);
        t.remove(2, Duration::from_secs(1)).unwrap();
        assert!(t.list().unwrap().is_empty());
        assert!(matches!(
            t.remove(2, Duration::ZERO),
            Err(TenantError::NotFound { id: 2 })
        ));
        server.shutdown().unwrap();
    }

    #[test]
    fn errors_say_what_to_check() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nobody.sock");
        let err = SimSocketBackend::connect(&path).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("aggnic sim serve"), "{text}");
        assert!(text.contains(&path.display().to_string()), "{text}");

        // A server that goes away: the access fails with the hint, and reconnects once it is back.
        let server = serve(&dir);
        let control = server.control_path().to_path_buf();
        let mut sock = SimSocketBackend::connect_timeout(&control, Duration::from_secs(2)).unwrap();
        sock.read32(regs::CORE_TYPE.addr).unwrap();
        server.shutdown().unwrap();
        let err = sock.read32(regs::CORE_TYPE.addr).unwrap_err();
        assert!(matches!(err, AccessError::Io { op: "read", .. }), "{err}");
        assert!(err.to_string().contains("aggnic sim serve"), "{err}");
        let server = Server::start_model(Config::new(&control), Params::DEFAULT).unwrap();
        sock.read32(regs::CORE_TYPE.addr).unwrap();
        server.shutdown().unwrap();
    }
}
