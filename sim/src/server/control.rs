//! The control socket's line protocol, and a client for it.
//!
//! A client connects to the UNIX stream socket and sends commands, one per line (`\n`, an optional
//! `\r` before it is dropped); the server answers each with exactly one line, in order. Words are
//! separated by spaces or tabs; a number is hexadecimal with `0x`, decimal otherwise; an address
//! may also be a register name from `aggnic_spec::regs` (`CTRL`, `T_MASK`, ...), meaning its low
//! word.
//!
//! | command | reply | what |
//! |---|---|---|
//! | `read ADDR` | `0x41474301` | AXI4-Lite read of the 32-bit word at ADDR (8 hex digits) |
//! | `read64 ADDR` | `0x0000000000000003` | the word at ADDR, then ADDR + 4, as one 64-bit value (16 hex digits) |
//! | `write ADDR VALUE` | `ok` | AXI4-Lite write of the 32-bit VALUE at ADDR |
//! | `stats` | `net_in=3 net_out=3 ...` | the server's own counters ([`super::Stats`]), `name=value` pairs |
//! | `ping` | `pong` | |
//! | `help` | one line listing the commands | |
//! | `quit` | `bye`, then the server closes the connection | |
//!
//! A command that cannot be carried out gets `error <reason>`, and the connection stays open: an
//! unknown command, a missing or extra word, a number that does not parse or does not fit 32 bits,
//! an address that is not a multiple of 4 or not below the register window (`0x2000`), a line that
//! is not UTF-8, or a register access the card refused. An empty line gets no reply. A line longer
//! than [`MAX_LINE`] bytes gets `error line too long` and the connection is closed. Up to
//! [`MAX_CLIENTS`] clients may be connected at once; one more gets `error busy` and is closed.

use aggnic_spec::regs;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// Longest command line, newline excluded.
pub const MAX_LINE: usize = 1024;
/// Most control clients connected at once.
pub const MAX_CLIENTS: usize = 16;

/// One parsed command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Read(u32),
    Read64(u32),
    Write(u32, u32),
    Stats,
    Ping,
    Help,
    Quit,
}

/// The reply to `help`.
pub const HELP: &str = "commands: read ADDR | read64 ADDR | write ADDR VALUE | stats | ping | help | quit";

fn number(word: &str) -> Result<u64, String> {
    let parsed = match word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => word.parse::<u64>(),
    };
    parsed.map_err(|_| format!("`{word}` is not a number"))
}

fn value(word: &str) -> Result<u32, String> {
    let v = number(word)?;
    u32::try_from(v).map_err(|_| format!("value {word} does not fit 32 bits"))
}

fn address(word: &str) -> Result<u32, String> {
    let a = match regs::ALL.iter().find(|r| r.name.eq_ignore_ascii_case(word)) {
        Some(r) => u64::from(r.addr),
        None if word.starts_with(|c: char| c.is_ascii_digit()) => number(word)?,
        None => return Err(format!("`{word}` is neither a number nor a register name")),
    };
    if a % 4 != 0 {
        return Err(format!("address {word} is not a multiple of 4"));
    }
    if a >= u64::from(regs::WINDOW_BYTES) {
        return Err(format!(
            "address {word} is outside the 0x{:x}-byte register window",
            regs::WINDOW_BYTES
        ));
    }
    Ok(a as u32)
}

/// Parses one command line (without its newline). `Ok(None)` for an empty line.
pub fn parse(line: &str) -> Result<Option<Request>, String> {
    let words: Vec<&str> = line.split_ascii_whitespace().collect();
    let Some((&cmd, args)) = words.split_first() else {
        return Ok(None);
    };
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!("`{cmd}` takes {n} argument(s), not {}", args.len()))
        }
    };
    let request = match cmd.to_ascii_lowercase().as_str() {
        "read" => {
            arity(1)?;
            Request::Read(address(args[0])?)
        }
        "read64" => {
            arity(1)?;
            let a = address(args[0])?;
            if a + 4 >= regs::WINDOW_BYTES {
                return Err(format!("address {} has no word after it", args[0]));
            }
            Request::Read64(a)
        }
        "write" => {
            arity(2)?;
            Request::Write(address(args[0])?, value(args[1])?)
        }
        "stats" => {
            arity(0)?;
            Request::Stats
        }
        "ping" => {
            arity(0)?;
            Request::Ping
        }
        "help" => {
            arity(0)?;
            Request::Help
        }
        "quit" | "exit" => {
            arity(0)?;
            Request::Quit
        }
        _ => return Err(format!("unknown command `{cmd}` ({HELP})")),
    };
    Ok(Some(request))
}

/// The reply line for an error.
pub fn error_line(reason: &str) -> String {
    format!("error {reason}")
}

/// A failed control command: the connection failed, or the server answered `error ...`.
#[derive(Debug)]
pub enum ControlError {
    Io(io::Error),
    /// The server's reason, without the `error ` prefix.
    Server(String),
    /// A reply that is not what the command gives.
    Reply(String),
}

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ControlError::Io(e) => write!(f, "control socket: {e}"),
            ControlError::Server(r) => write!(f, "sim server: {r}"),
            ControlError::Reply(r) => write!(f, "sim server gave an unexpected reply `{r}`"),
        }
    }
}

impl std::error::Error for ControlError {}

impl From<io::Error> for ControlError {
    fn from(e: io::Error) -> ControlError {
        ControlError::Io(e)
    }
}

/// A client of the control socket, one command at a time.
#[derive(Debug)]
pub struct ControlClient {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl ControlClient {
    /// Connects; every later reply must come within `timeout`.
    pub fn connect(path: &Path, timeout: Duration) -> io::Result<ControlClient> {
        let stream = UnixStream::connect(path)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        Ok(ControlClient {
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
        })
    }

    /// Sends one line and returns the reply line, without its newline.
    pub fn command(&mut self, line: &str) -> io::Result<String> {
        self.writer.write_all(format!("{line}\n").as_bytes())?;
        let mut reply = String::new();
        if self.reader.read_line(&mut reply)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the sim server closed the control connection",
            ));
        }
        Ok(reply.trim_end_matches(['\n', '\r']).to_string())
    }

    fn checked(&mut self, line: &str) -> Result<String, ControlError> {
        let reply = self.command(line)?;
        match reply.strip_prefix("error ") {
            Some(reason) => Err(ControlError::Server(reason.to_string())),
            None => Ok(reply),
        }
    }

    fn hex(reply: String) -> Result<u64, ControlError> {
        reply
            .strip_prefix("0x")
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .ok_or(ControlError::Reply(reply))
    }

    /// Reads the 32-bit word at `addr`.
    pub fn read(&mut self, addr: u32) -> Result<u32, ControlError> {
        let v = Self::hex(self.checked(&format!("read 0x{addr:04x}"))?)?;
        u32::try_from(v).map_err(|_| ControlError::Reply(format!("0x{v:x}")))
    }

    /// Reads the 64-bit value at `addr` (low word first).
    pub fn read64(&mut self, addr: u32) -> Result<u64, ControlError> {
        Self::hex(self.checked(&format!("read64 0x{addr:04x}"))?)
    }

    /// Writes the 32-bit word at `addr`.
    pub fn write(&mut self, addr: u32, value: u32) -> Result<(), ControlError> {
        match self.checked(&format!("write 0x{addr:04x} 0x{value:x}"))?.as_str() {
            "ok" => Ok(()),
            other => Err(ControlError::Reply(other.to_string())),
        }
    }

    /// The server's counters as `(name, value)` pairs.
    pub fn stats(&mut self) -> Result<Vec<(String, u64)>, ControlError> {
        let reply = self.checked("stats")?;
        reply
            .split_ascii_whitespace()
            .map(|kv| {
                let (k, v) = kv.split_once('=')?;
                Some((k.to_string(), v.parse().ok()?))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or(ControlError::Reply(reply))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_and_refuses_bad_ones() {
        assert_eq!(parse("read 0x0010"), Ok(Some(Request::Read(0x10))));
        assert_eq!(parse("  READ\t16 \r"), Ok(Some(Request::Read(0x10))));
        assert_eq!(parse("read udp_port"), Ok(Some(Request::Read(0x48))));
        assert_eq!(parse("read64 C_RESULTS"), Ok(Some(Request::Read64(0x130))));
        assert_eq!(parse("write 0x0040 0x1"), Ok(Some(Request::Write(0x40, 1))));
        assert_eq!(
            parse("write CTRL 4294967295"),
            Ok(Some(Request::Write(0x40, u32::MAX)))
        );
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("stats"), Ok(Some(Request::Stats)));
        for bad in [
            "bogus",
            "read",
            "read 0x3",
            "read 0x2000",
            "read64 0x1ffc",
            "read 0xzz",
            "read nosuchreg",
            "write 0x40",
            "write 0x40 0x100000000",
            "write 0x40 1 2",
            "ping now",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
