//! Wire format: layout tables tile the header, encode and decode agree, and decoding any bytes
//! returns a frame or a typed error without panicking.

use aggnic_spec::wire::{self, Addressing, Classified, DecodeError, Frame, Header, Kind, flags};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("AGGNIC_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

#[test]
fn header_fields_tile_22_bytes_and_end_the_first_64_byte_beat() {
    let mut at = 0;
    for f in wire::HEADER_FIELDS {
        assert_eq!(f.offset, at, "{} leaves a gap or overlaps", f.name);
        at += f.size;
    }
    assert_eq!(at, wire::HEADER_LEN);
    assert_eq!(wire::HEADER_OFFSET + wire::HEADER_LEN, 64);
    assert_eq!(wire::PAYLOAD_OFFSET % 32, 0);
    let mut at = 0;
    for f in wire::FRAME_FIELDS {
        assert_eq!(f.offset, at, "{} leaves a gap or overlaps", f.name);
        at += f.size;
    }
    assert_eq!(at, wire::HEADER_OFFSET);
}

#[test]
fn fields_are_big_endian_where_the_table_says() {
    let header = Header {
        kind: Kind::Update,
        flags: flags::RESEND,
        tenant: 0x11,
        worker: 0x22,
        elements: 0x3344,
        seq: 0x5566_7788,
        salt: 0x99aa,
        key_or_bitmap: 0x0102_0304_0506_0708,
    };
    let mut b = [0u8; wire::HEADER_LEN];
    header.encode(&mut b);
    let at = |f: wire::Field| b[f.at(0)].to_vec();
    assert_eq!(at(wire::field::MAGIC), [wire::MAGIC]);
    assert_eq!(at(wire::field::VERSION), [wire::VERSION]);
    assert_eq!(at(wire::field::KIND), [1]);
    assert_eq!(at(wire::field::FLAGS), [flags::RESEND]);
    assert_eq!(at(wire::field::TENANT), [0x11]);
    assert_eq!(at(wire::field::WORKER), [0x22]);
    assert_eq!(at(wire::field::ELEMENTS), [0x33, 0x44]);
    assert_eq!(at(wire::field::SEQ), [0x55, 0x66, 0x77, 0x88]);
    assert_eq!(at(wire::field::SALT), [0x99, 0xaa]);
    assert_eq!(at(wire::field::KEY_OR_BITMAP), [1, 2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn checksum_of_an_encoded_frame_verifies() {
    let f = sample(&[1, -2, 3]);
    let bytes = f.encode();
    assert_eq!(wire::ipv4_checksum(&bytes[14..34]), 0);
    assert_eq!(bytes.len(), 64 + 12);
    assert_eq!(
        wire::decode(&bytes),
        Ok(Frame {
            header: Header {
                elements: 3,
                ..f.header
            },
            ..f
        })
    );
}

#[test]
fn each_malformation_has_its_error() {
    let good = sample(&[7; 4]).encode();
    let mutate = |i: usize, v: u8| {
        let mut b = good.clone();
        b[i] = v;
        b
    };
    assert_eq!(wire::decode(&good[..63]), Err(DecodeError::Truncated(63)));
    assert_eq!(
        wire::decode(&mutate(26, good[26] ^ 1)),
        Err(DecodeError::BadIpChecksum)
    );
    assert!(matches!(
        wire::decode(&good[..good.len() - 4]),
        Err(DecodeError::IpLength { .. })
    ));
    let mut udp = good.clone();
    udp[39] ^= 4;
    assert!(matches!(wire::decode(&udp), Err(DecodeError::UdpLength { .. })));
    assert_eq!(wire::decode(&mutate(42, 0)), Err(DecodeError::BadMagic(0)));
    assert_eq!(wire::decode(&mutate(43, 2)), Err(DecodeError::BadVersion(2)));
    assert_eq!(wire::decode(&mutate(44, 9)), Err(DecodeError::BadKind(9)));
    assert_eq!(
        wire::decode(&mutate(45, 0x80)),
        Err(DecodeError::ReservedFlags(0x80))
    );
    assert!(matches!(
        wire::decode(&mutate(49, 3)),
        Err(DecodeError::PayloadLength { elements: 3, .. })
    ));
}

#[test]
fn classify_passes_what_is_not_ours() {
    let good = sample(&[1]).encode();
    let port = wire::addressing(&good).udp_dst;
    assert!(matches!(
        wire::classify(&good, port),
        Classified::Aggregation(Ok(_))
    ));
    assert_eq!(
        wire::classify(&good, port.wrapping_add(1)),
        Classified::PassThrough
    );
    let mut arp = good.clone();
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    assert_eq!(wire::classify(&arp, port), Classified::PassThrough);
    let mut fragment = good.clone();
    fragment[20] = 0x20; // MF
    assert_eq!(wire::classify(&fragment, port), Classified::PassThrough);
    let mut dont_fragment = good.clone();
    dont_fragment[20] = 0x40; // DF alone is fine (checksum now wrong: malformed, not passed)
    assert!(matches!(
        wire::classify(&dont_fragment, port),
        Classified::Aggregation(Err(DecodeError::BadIpChecksum))
    ));
    assert_eq!(wire::classify(&[], port), Classified::PassThrough);
}

fn sample(payload: &[i32]) -> Frame {
    Frame {
        addr: Addressing::between(2, 1, 0x4147),
        header: Header {
            kind: Kind::Update,
            flags: 0,
            tenant: 3,
            worker: 5,
            elements: 0,
            seq: 99,
            salt: 1,
            key_or_bitmap: 0xfeed,
        },
        payload: payload.to_vec(),
    }
}

fn arb_frame() -> impl Strategy<Value = Frame> {
    let header = (
        0usize..5,
        0u8..=0x1f,
        any::<u8>(),
        any::<u8>(),
        any::<u32>(),
        any::<u16>(),
        any::<u64>(),
    );
    let addr = (
        any::<[u8; 6]>(),
        any::<[u8; 6]>(),
        any::<u8>(),
        any::<u16>(),
        any::<u8>(),
        any::<[u8; 4]>(),
        any::<[u8; 4]>(),
        any::<u16>(),
        any::<u16>(),
    );
    (header, addr, prop::collection::vec(any::<i32>(), 0..300)).prop_map(|(h, a, payload)| Frame {
        addr: Addressing {
            eth_dst: a.0,
            eth_src: a.1,
            ip_tos: a.2,
            ip_id: a.3,
            ip_ttl: a.4,
            ip_src: a.5,
            ip_dst: a.6,
            udp_src: a.7,
            udp_dst: a.8,
        },
        header: Header {
            kind: Kind::ALL[h.0],
            flags: h.1,
            tenant: h.2,
            worker: h.3,
            elements: 0,
            seq: h.4,
            salt: h.5,
            key_or_bitmap: h.6,
        },
        payload,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_is_identity(f in arb_frame()) {
        let bytes = f.encode();
        let elements = f.payload.len() as u16;
        prop_assert_eq!(wire::decode(&bytes), Ok(Frame { header: Header { elements, ..f.header }, ..f.clone() }));
        prop_assert!(matches!(wire::classify(&bytes, f.addr.udp_dst), Classified::Aggregation(Ok(_))));
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200), port in any::<u16>()) {
        let _ = wire::decode(&bytes);
        let _ = wire::classify(&bytes, port);
    }

    /// Valid frames with a few bytes flipped, cut or extended: a typed error or a frame that
    /// re-encodes to the same bytes, never a panic.
    #[test]
    fn mutated_frames_decode_or_fail_cleanly(
        f in arb_frame(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        cut in 0usize..8,
        extra in prop::collection::vec(any::<u8>(), 0..4),
    ) {
        let mut bytes = f.encode();
        for (i, v) in flips {
            let i = i.index(bytes.len());
            bytes[i] ^= v;
        }
        bytes.truncate(bytes.len().saturating_sub(cut));
        bytes.extend(extra);
        if let Ok(decoded) = wire::decode(&bytes) {
            // Whatever decodes must be exactly what the bytes say, apart from fields that
            // decode ignores (the UDP checksum) and bits it normalises (IPv4 flags, checksum).
            let again = decoded.encode();
            prop_assert_eq!(&again[wire::HEADER_OFFSET..], &bytes[wire::HEADER_OFFSET..]);
        }
    }
}
