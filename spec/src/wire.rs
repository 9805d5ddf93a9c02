//! Wire format v1: Ethernet II + IPv4 (no options) + UDP + the 22-byte aggregation header + int32 lanes.
//!
//! Every multi-byte field, header and payload alike, is big-endian (network byte order).
//! The aggregation header starts at frame byte 42 and ends at byte 64, so the payload starts on a
//! beat boundary of 32- and 64-byte datapaths. `docs/protocol.md` shows the tables generated from
//! [`HEADER_FIELDS`] and [`FRAME_FIELDS`]; a test keeps the two in step.

use std::fmt;

/// One field of a fixed layout: byte offset and size within its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub offset: usize,
    pub size: usize,
    pub doc: &'static str,
}

impl Field {
    const fn new(name: &'static str, offset: usize, size: usize, doc: &'static str) -> Self {
        Field {
            name,
            offset,
            size,
            doc,
        }
    }
    /// Byte range of this field inside a whole frame, given the offset of its header.
    pub const fn at(&self, header_offset: usize) -> std::ops::Range<usize> {
        header_offset + self.offset..header_offset + self.offset + self.size
    }
}

/// Offsets of the Ethernet, IPv4 and UDP fields the core reads or writes (frame-relative).
pub mod frame {
    use super::Field;
    pub const ETH_DST: Field = Field::new("eth.dst", 0, 6, "Destination MAC");
    pub const ETH_SRC: Field = Field::new("eth.src", 6, 6, "Source MAC");
    pub const ETH_TYPE: Field = Field::new("eth.type", 12, 2, "EtherType, 0x0800 (IPv4)");
    pub const IP_VER_IHL: Field = Field::new("ip.ver_ihl", 14, 1, "0x45: version 4, 5 words, no options");
    pub const IP_TOS: Field = Field::new("ip.tos", 15, 1, "DSCP/ECN, copied");
    pub const IP_LEN: Field = Field::new("ip.total_len", 16, 2, "20 + 8 + 22 + 4 * elements");
    pub const IP_ID: Field = Field::new("ip.id", 18, 2, "Identification, copied");
    pub const IP_FRAG: Field = Field::new(
        "ip.frag",
        20,
        2,
        "Flags and fragment offset: MF and offset must be 0",
    );
    pub const IP_TTL: Field = Field::new("ip.ttl", 22, 1, "Time to live, copied");
    pub const IP_PROTO: Field = Field::new("ip.proto", 23, 1, "17 (UDP)");
    pub const IP_CSUM: Field = Field::new("ip.checksum", 24, 2, "Header checksum, verified on input");
    pub const IP_SRC: Field = Field::new("ip.src", 26, 4, "Source address");
    pub const IP_DST: Field = Field::new("ip.dst", 30, 4, "Destination address");
    pub const UDP_SRC: Field = Field::new("udp.src", 34, 2, "Source port");
    pub const UDP_DST: Field = Field::new("udp.dst", 36, 2, "Destination port: the UDP_PORT register");
    pub const UDP_LEN: Field = Field::new("udp.len", 38, 2, "8 + 22 + 4 * elements");
    pub const UDP_CSUM: Field = Field::new(
        "udp.checksum",
        40,
        2,
        "Ignored on input, 0 in every frame the core writes",
    );
}

/// Every field before the aggregation header, in order.
pub const FRAME_FIELDS: [Field; 17] = [
    frame::ETH_DST,
    frame::ETH_SRC,
    frame::ETH_TYPE,
    frame::IP_VER_IHL,
    frame::IP_TOS,
    frame::IP_LEN,
    frame::IP_ID,
    frame::IP_FRAG,
    frame::IP_TTL,
    frame::IP_PROTO,
    frame::IP_CSUM,
    frame::IP_SRC,
    frame::IP_DST,
    frame::UDP_SRC,
    frame::UDP_DST,
    frame::UDP_LEN,
    frame::UDP_CSUM,
];

/// The aggregation header's fields, offsets relative to [`HEADER_OFFSET`].
pub mod field {
    use super::Field;
    pub const MAGIC: Field = Field::new("magic", 0, 1, "0xA6: marks an aggnic frame");
    pub const VERSION: Field = Field::new("version", 1, 1, "Wire format version: 1");
    pub const KIND: Field = Field::new("kind", 2, 1, "Message kind (see the kinds table)");
    pub const FLAGS: Field = Field::new(
        "flags",
        3,
        1,
        "Flag bits (see the flags table); undefined bits are 0",
    );
    pub const TENANT: Field = Field::new("tenant", 4, 1, "Tenant id: index into the tenant table");
    pub const WORKER: Field = Field::new("worker", 5, 1, "Worker id within the tenant, 0..=63");
    pub const ELEMENTS: Field = Field::new("elements", 6, 2, "Number of int32 lanes in the payload");
    pub const SEQ: Field = Field::new(
        "seq",
        8,
        4,
        "Fragment sequence number (serial arithmetic mod 2^32)",
    );
    pub const SALT: Field = Field::new(
        "salt",
        12,
        2,
        "Hash salt of the fragment; in a PS RESULT, the salt of fragment seq + window",
    );
    pub const KEY_OR_BITMAP: Field = Field::new(
        "key_or_bitmap",
        14,
        8,
        "UPDATE: the tenant key. RESULT, PARTIAL: bitmap of the workers in the sum (bit w = worker w). FLUSH, RELEASE: 0",
    );
}

/// The aggregation header's fields, in order.
pub const HEADER_FIELDS: [Field; 10] = [
    field::MAGIC,
    field::VERSION,
    field::KIND,
    field::FLAGS,
    field::TENANT,
    field::WORKER,
    field::ELEMENTS,
    field::SEQ,
    field::SALT,
    field::KEY_OR_BITMAP,
];

pub const MAGIC: u8 = 0xA6;
pub const VERSION: u8 = 1;
pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const IPPROTO_UDP: u8 = 17;
/// IPv4 version 4, header of 5 words: the only IPv4 header the core parses.
pub const IPV4_VER_IHL: u8 = 0x45;
/// Bits of the IPv4 flags/fragment-offset word that must be 0 in an aggregation frame: MF and the
/// offset (DF and the reserved bit may be set).
pub const IPV4_FRAGMENT_MASK: u16 = 0x3fff;
pub const ETH_LEN: usize = 14;
pub const IPV4_LEN: usize = 20;
pub const UDP_LEN: usize = 8;
/// Frame offset of the aggregation header: 14 + 20 + 8.
pub const HEADER_OFFSET: usize = ETH_LEN + IPV4_LEN + UDP_LEN;
pub const HEADER_LEN: usize = 22;
/// Frame offset of the first payload lane: 64, one whole 64-byte beat or two 32-byte beats.
pub const PAYLOAD_OFFSET: usize = HEADER_OFFSET + HEADER_LEN;
pub const LANE_BYTES: usize = 4;
/// Largest element count the 16-bit field and the IPv4 length allow; a core accepts at most its
/// `CAP_ELEMENTS`.
pub const MAX_ELEMENTS_WIRE: usize = (65535 - IPV4_LEN - UDP_LEN - HEADER_LEN) / LANE_BYTES;

/// Message kinds. Which direction carries which kind, and what the core does with it, is in
/// `docs/protocol.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Kind {
    /// Worker -> core: one worker's lanes of one fragment.
    Update = 1,
    /// Core -> PS: a completed sum. PS -> workers: the final sum of a fragment.
    Result = 2,
    /// PS -> core: hand back and free the slot holding this fragment.
    Flush = 3,
    /// Core -> PS: the reply to FLUSH, the slot's partial sum and bitmap (empty if no slot held it).
    Partial = 4,
    /// PS -> core: this fragment is final; free any slot it holds and drop its late copies.
    Release = 5,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Update,
        Kind::Result,
        Kind::Flush,
        Kind::Partial,
        Kind::Release,
    ];

    pub fn from_u8(v: u8) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| *k as u8 == v)
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Update => "UPDATE",
            Kind::Result => "RESULT",
            Kind::Flush => "FLUSH",
            Kind::Partial => "PARTIAL",
            Kind::Release => "RELEASE",
        }
    }

    pub fn doc(self) -> &'static str {
        match self {
            Kind::Update => "worker -> core: one worker's lanes of one fragment",
            Kind::Result => "core -> PS: a completed sum; PS -> worker: the final sum",
            Kind::Flush => "PS -> core: return and free the slot holding this fragment",
            Kind::Partial => "core -> PS: reply to FLUSH: partial sum and bitmap (bitmap 0: no slot held it)",
            Kind::Release => "PS -> core: fragment final: free its slot, drop its late copies",
        }
    }
}

/// Flag bits of the `flags` byte.
pub mod flags {
    /// Set by a worker on a retransmission. The core never aggregates a RESEND: it goes to the PS.
    pub const RESEND: u8 = 0x01;
    /// Set by the core: the fragment's slot is held by another fragment; aggregate in software.
    pub const COLLISION: u8 = 0x02;
    /// Set by the core: the tenant holds its whole slot quota; aggregate in software.
    pub const OVER_QUOTA: u8 = 0x04;
    /// Set by the core: the fragment is beyond the tenant's window; aggregate in software.
    pub const OUT_OF_WINDOW: u8 = 0x08;
    /// A lane saturated at i32::MIN or i32::MAX somewhere in this sum: it may not be exact.
    pub const OVERFLOW: u8 = 0x10;
    /// Every flag defined by wire format v1.
    pub const DEFINED: u8 = RESEND | COLLISION | OVER_QUOTA | OUT_OF_WINDOW | OVERFLOW;
    /// The flags that mean "the core forwarded this UPDATE for software aggregation".
    pub const FORWARD_REASONS: u8 = RESEND | COLLISION | OVER_QUOTA | OUT_OF_WINDOW;

    /// (bit, name, doc) of every flag, for documentation.
    pub const TABLE: [(u8, &str, &str); 5] = [
        (
            RESEND,
            "RESEND",
            "worker: a retransmission; the core forwards it to the PS, never aggregates it",
        ),
        (
            COLLISION,
            "COLLISION",
            "core: the slot is held by another fragment; forwarded to the PS",
        ),
        (
            OVER_QUOTA,
            "OVER_QUOTA",
            "core: the tenant holds its whole slot quota; forwarded to the PS",
        ),
        (
            OUT_OF_WINDOW,
            "OUT_OF_WINDOW",
            "core: fragment beyond the tenant's window; forwarded to the PS",
        ),
        (
            OVERFLOW,
            "OVERFLOW",
            "a lane saturated in this sum; the sum may not be exact",
        ),
    ];
}

/// The aggregation header, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub kind: Kind,
    pub flags: u8,
    pub tenant: u8,
    pub worker: u8,
    pub elements: u16,
    pub seq: u32,
    pub salt: u16,
    /// The tenant key in an UPDATE, the worker bitmap in a RESULT or PARTIAL.
    pub key_or_bitmap: u64,
}

impl Header {
    /// A worker's UPDATE header, no flags (`elements` is filled in by [`Frame::encode`]).
    pub fn update(tenant: u8, worker: u8, seq: u32, salt: u16, key: u64) -> Header {
        Header {
            kind: Kind::Update,
            flags: 0,
            tenant,
            worker,
            elements: 0,
            seq,
            salt,
            key_or_bitmap: key,
        }
    }

    pub fn encode(&self, out: &mut [u8; HEADER_LEN]) {
        out[field::MAGIC.offset] = MAGIC;
        out[field::VERSION.offset] = VERSION;
        out[field::KIND.offset] = self.kind as u8;
        out[field::FLAGS.offset] = self.flags;
        out[field::TENANT.offset] = self.tenant;
        out[field::WORKER.offset] = self.worker;
        out[field::ELEMENTS.at(0)].copy_from_slice(&self.elements.to_be_bytes());
        out[field::SEQ.at(0)].copy_from_slice(&self.seq.to_be_bytes());
        out[field::SALT.at(0)].copy_from_slice(&self.salt.to_be_bytes());
        out[field::KEY_OR_BITMAP.at(0)].copy_from_slice(&self.key_or_bitmap.to_be_bytes());
    }

    /// Decodes the 22 header bytes. Does not look at anything outside them.
    pub fn decode(b: &[u8; HEADER_LEN]) -> Result<Header, DecodeError> {
        if b[field::MAGIC.offset] != MAGIC {
            return Err(DecodeError::BadMagic(b[field::MAGIC.offset]));
        }
        if b[field::VERSION.offset] != VERSION {
            return Err(DecodeError::BadVersion(b[field::VERSION.offset]));
        }
        let kind_byte = b[field::KIND.offset];
        let kind = Kind::from_u8(kind_byte).ok_or(DecodeError::BadKind(kind_byte))?;
        let flags = b[field::FLAGS.offset];
        if flags & !flags::DEFINED != 0 {
            return Err(DecodeError::ReservedFlags(flags));
        }
        Ok(Header {
            kind,
            flags,
            tenant: b[field::TENANT.offset],
            worker: b[field::WORKER.offset],
            elements: u16::from_be_bytes(be(b, field::ELEMENTS)),
            seq: u32::from_be_bytes(be(b, field::SEQ)),
            salt: u16::from_be_bytes(be(b, field::SALT)),
            key_or_bitmap: u64::from_be_bytes(be(b, field::KEY_OR_BITMAP)),
        })
    }
}

fn be<const N: usize>(b: &[u8], f: Field) -> [u8; N] {
    b[f.at(0)].try_into().expect("field width matches its type")
}

/// Ethernet, IPv4 and UDP addressing of a frame: everything in the first 42 bytes that is not
/// derived from the frame's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Addressing {
    pub eth_dst: [u8; 6],
    pub eth_src: [u8; 6],
    pub ip_tos: u8,
    pub ip_id: u16,
    pub ip_ttl: u8,
    pub ip_src: [u8; 4],
    pub ip_dst: [u8; 4],
    pub udp_src: u16,
    pub udp_dst: u16,
}

impl Addressing {
    /// Synthetic addressing for host `a` sending to host `b` on `port`, as the simulator and tests use.
    pub fn between(a: u8, b: u8, port: u16) -> Addressing {
        Addressing {
            eth_dst: [0x02, 0, 0, 0, 0, b],
            eth_src: [0x02, 0, 0, 0, 0, a],
            ip_tos: 0,
            ip_id: 0,
            ip_ttl: 64,
            ip_src: [10, 0, 0, a],
            ip_dst: [10, 0, 0, b],
            udp_src: port,
            udp_dst: port,
        }
    }
}

/// A whole aggregation frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub addr: Addressing,
    pub header: Header,
    pub payload: Vec<i32>,
}

impl Frame {
    /// Encodes the frame; `header.elements` is set from the payload length.
    ///
    /// # Panics
    /// If the payload has more than [`MAX_ELEMENTS_WIRE`] lanes (a caller bug, not input).
    pub fn encode(&self) -> Vec<u8> {
        assert!(
            self.payload.len() <= MAX_ELEMENTS_WIRE,
            "payload too long for one frame"
        );
        let elements = self.payload.len() as u16;
        let mut out = vec![0u8; PAYLOAD_OFFSET + LANE_BYTES * self.payload.len()];
        write_l2_l4(&mut out, &self.addr, elements);
        let header = Header {
            elements,
            ..self.header
        };
        let mut h = [0u8; HEADER_LEN];
        header.encode(&mut h);
        out[HEADER_OFFSET..PAYLOAD_OFFSET].copy_from_slice(&h);
        for (i, lane) in self.payload.iter().enumerate() {
            let at = PAYLOAD_OFFSET + LANE_BYTES * i;
            out[at..at + LANE_BYTES].copy_from_slice(&lane.to_be_bytes());
        }
        out
    }
}

/// Writes Ethernet, IPv4 (with its checksum) and UDP headers for a frame of `elements` lanes.
pub fn write_l2_l4(out: &mut [u8], a: &Addressing, elements: u16) {
    let ip_len = (IPV4_LEN + UDP_LEN + HEADER_LEN + LANE_BYTES * elements as usize) as u16;
    out[frame::ETH_DST.at(0)].copy_from_slice(&a.eth_dst);
    out[frame::ETH_SRC.at(0)].copy_from_slice(&a.eth_src);
    out[frame::ETH_TYPE.at(0)].copy_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
    out[frame::IP_VER_IHL.offset] = IPV4_VER_IHL;
    out[frame::IP_TOS.offset] = a.ip_tos;
    out[frame::IP_LEN.at(0)].copy_from_slice(&ip_len.to_be_bytes());
    out[frame::IP_ID.at(0)].copy_from_slice(&a.ip_id.to_be_bytes());
    out[frame::IP_FRAG.at(0)].copy_from_slice(&[0, 0]);
    out[frame::IP_TTL.offset] = a.ip_ttl;
    out[frame::IP_PROTO.offset] = IPPROTO_UDP;
    out[frame::IP_CSUM.at(0)].copy_from_slice(&[0, 0]);
    out[frame::IP_SRC.at(0)].copy_from_slice(&a.ip_src);
    out[frame::IP_DST.at(0)].copy_from_slice(&a.ip_dst);
    let csum = ipv4_checksum(&out[ETH_LEN..ETH_LEN + IPV4_LEN]);
    out[frame::IP_CSUM.at(0)].copy_from_slice(&csum.to_be_bytes());
    out[frame::UDP_SRC.at(0)].copy_from_slice(&a.udp_src.to_be_bytes());
    out[frame::UDP_DST.at(0)].copy_from_slice(&a.udp_dst.to_be_bytes());
    out[frame::UDP_LEN.at(0)].copy_from_slice(&(ip_len - IPV4_LEN as u16).to_be_bytes());
    out[frame::UDP_CSUM.at(0)].copy_from_slice(&[0, 0]);
}

/// RFC 791 header checksum: the ones' complement of the ones' complement sum of the 16-bit words,
/// with the checksum field itself counted as it is. Over a header with a correct checksum it gives 0.
pub fn ipv4_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Why a byte string is not a well-formed aggregation frame. Each maps to the MALFORMED counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// Shorter than the 64 bytes of headers.
    Truncated(usize),
    BadIpChecksum,
    /// IPv4 total length disagrees with the frame's length.
    IpLength {
        ip_total: u16,
        frame: usize,
    },
    UdpLength {
        udp: u16,
        ip_total: u16,
    },
    BadMagic(u8),
    BadVersion(u8),
    BadKind(u8),
    ReservedFlags(u8),
    /// The payload is not `elements` whole int32 lanes.
    PayloadLength {
        elements: u16,
        payload_bytes: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated(n) => write!(
                f,
                "frame of {n} bytes is shorter than the {PAYLOAD_OFFSET}-byte headers"
            ),
            DecodeError::BadIpChecksum => write!(f, "IPv4 header checksum is wrong"),
            DecodeError::IpLength { ip_total, frame } => {
                write!(
                    f,
                    "IPv4 total length {ip_total} does not match frame length {frame}"
                )
            }
            DecodeError::UdpLength { udp, ip_total } => {
                write!(f, "UDP length {udp} does not match IPv4 total length {ip_total}")
            }
            DecodeError::BadMagic(m) => write!(f, "magic 0x{m:02x} is not 0x{MAGIC:02x}"),
            DecodeError::BadVersion(v) => write!(f, "wire version {v} is not {VERSION}"),
            DecodeError::BadKind(k) => write!(f, "unknown kind {k}"),
            DecodeError::ReservedFlags(x) => write!(f, "flags 0x{x:02x} set undefined bits"),
            DecodeError::PayloadLength {
                elements,
                payload_bytes,
            } => {
                write!(
                    f,
                    "{elements} elements need {} payload bytes, frame has {payload_bytes}",
                    4 * *elements as usize
                )
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// How the core sees a frame arriving on one of its inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    /// Not IPv4/UDP to the aggregation port (or IPv4 with options, or a fragment): passes untouched.
    PassThrough,
    /// Addressed to the aggregation port: decoded, or the reason it is malformed.
    Aggregation(Result<Frame, DecodeError>),
}

/// Classifies and decodes a frame. Never panics, whatever the bytes.
pub fn classify(b: &[u8], udp_port: u16) -> Classified {
    let is_ours = b.len() >= HEADER_OFFSET
        && b[frame::ETH_TYPE.at(0)] == ETHERTYPE_IPV4.to_be_bytes()
        && b[frame::IP_VER_IHL.offset] == IPV4_VER_IHL
        && b[frame::IP_PROTO.offset] == IPPROTO_UDP
        && u16::from_be_bytes(be(b, frame::IP_FRAG)) & IPV4_FRAGMENT_MASK == 0
        && b[frame::UDP_DST.at(0)] == udp_port.to_be_bytes();
    if is_ours {
        Classified::Aggregation(decode(b))
    } else {
        Classified::PassThrough
    }
}

/// Decodes a whole aggregation frame, checking every length and the IPv4 checksum.
/// Does not check the UDP port or the L2/L3 protocol fields: [`classify`] does.
pub fn decode(b: &[u8]) -> Result<Frame, DecodeError> {
    if b.len() < PAYLOAD_OFFSET {
        return Err(DecodeError::Truncated(b.len()));
    }
    if ipv4_checksum(&b[ETH_LEN..ETH_LEN + IPV4_LEN]) != 0 {
        return Err(DecodeError::BadIpChecksum);
    }
    let ip_total = u16::from_be_bytes(be(b, frame::IP_LEN));
    if ETH_LEN + ip_total as usize != b.len() {
        return Err(DecodeError::IpLength {
            ip_total,
            frame: b.len(),
        });
    }
    let udp = u16::from_be_bytes(be(b, frame::UDP_LEN));
    if udp as usize + IPV4_LEN != ip_total as usize {
        return Err(DecodeError::UdpLength { udp, ip_total });
    }
    let header = Header::decode(b[HEADER_OFFSET..PAYLOAD_OFFSET].try_into().expect("22 bytes"))?;
    let payload_bytes = b.len() - PAYLOAD_OFFSET;
    if payload_bytes != LANE_BYTES * header.elements as usize {
        return Err(DecodeError::PayloadLength {
            elements: header.elements,
            payload_bytes,
        });
    }
    let payload = b[PAYLOAD_OFFSET..]
        .chunks_exact(LANE_BYTES)
        .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(Frame {
        addr: addressing(b),
        header,
        payload,
    })
}

/// Reads the addressing fields of a frame at least [`HEADER_OFFSET`] bytes long.
pub fn addressing(b: &[u8]) -> Addressing {
    Addressing {
        eth_dst: be(b, frame::ETH_DST),
        eth_src: be(b, frame::ETH_SRC),
        ip_tos: b[frame::IP_TOS.offset],
        ip_id: u16::from_be_bytes(be(b, frame::IP_ID)),
        ip_ttl: b[frame::IP_TTL.offset],
        ip_src: be(b, frame::IP_SRC),
        ip_dst: be(b, frame::IP_DST),
        udp_src: u16::from_be_bytes(be(b, frame::UDP_SRC)),
        udp_dst: u16::from_be_bytes(be(b, frame::UDP_DST)),
    }
}
