//! `HeaderParse`: classifies and decodes the first 64 bytes of a frame (combinational), and
//! `FrameClass`, its classification alone, which the input buffers run on every first beat.
//!
//! Input: the frame's first [`HEADER_BYTES`] bytes as one beat, AXI4-Stream order (bits `8k+7..8k`
//! hold frame byte `k`), which on the 512-bit datapath is the first beat and on the 256-bit
//! datapath the first two beats concatenated (second beat in the high half) by the caller.
//!
//! Outputs, all combinational (the next pipeline stage registers them):
//! - `is_aggregation`: the L2-L4 test of `aggnic_spec::wire::classify` (IPv4 without options,
//!   unfragmented, UDP, destination port `udp_port`), by [`FrameClass`]. The frame-length part of
//!   `classify` (at least 42 bytes) is left to the stage that sees the frame's end.
//! - the checks of `aggnic_spec::wire::decode` that need only these bytes, one bit each, and
//!   `header_malformed`, their OR: IPv4 header checksum, magic, version, kind, reserved flags.
//!   For a pipeline that checks the IPv4 checksum a clock later, `ip_sum` (the header's words
//!   summed, unfolded) and `fields_malformed` (the other four) split it: `Ipv4SumCheck` on a
//!   registered `ip_sum`, ORed with a registered `fields_malformed`, is `header_malformed`.
//!   `ip_sum` is `ip_sum_rest + ip_sum_len_csum`, two registers' sum for a pipeline that would
//!   rather not have the last add before its register.
//! - `ip_total_len`, `udp_len`, `elements` for the length checks, which need the frame's length
//!   (`decode`: IP length vs frame, UDP vs IP length, payload vs `elements`): a later stage.
//! - the decoded aggregation header fields (as `aggnic_spec::wire::Header::decode`).
//!
//! Fields are taken where they lie in the beat (a constant part-select each) and compared with
//! byte-swapped constants; only the multi-byte fields that leave the block are byte-swapped, each
//! by its own few shifts. (An earlier version byte-reversed the whole 512-bit beat in a chain of 64
//! steps: free in gates, but it was most of the Verilator model's time per clock.) The IPv4
//! checksum is summed over little-endian words: a ones' complement sum is byte-order independent
//! (RFC 1071 section 2(B)), so the sums leave unfolded and little-endian: their consumer folds
//! them, and a checksum computed from them is already in frame byte order.
//!
//! Every offset, size and expected value comes from `aggnic_spec::wire` at construction.

use aggnic_spec::wire::{self, Field, field, flags, frame};
use rust_hdl::prelude::*;

/// Bytes of headers before the payload: the beat this block decodes.
pub const HEADER_BYTES: usize = wire::PAYLOAD_OFFSET;
/// Width of the input beat.
pub const HEADER_BITS: usize = 8 * HEADER_BYTES;
/// 16-bit words in the IPv4 header: the checksum's operands.
const IPV4_WORDS: usize = wire::IPV4_LEN / 2;

/// Bit offset in the beat (AXI4-Stream byte order) of frame byte `offset`.
pub fn at(offset: usize) -> Constant<Bits<16>> {
    assert!(offset < HEADER_BYTES, "byte {offset} lies beyond the first beat");
    Constant::new((8 * offset as u64).to_bits())
}

/// Bit offset of an aggregation-header field, checking that its width is `bits`.
fn at_field(f: Field, bits: usize) -> Constant<Bits<16>> {
    assert_eq!(8 * f.size, bits, "{}: width", f.name);
    assert!(
        wire::HEADER_OFFSET + f.offset + f.size <= HEADER_BYTES,
        "{}",
        f.name
    );
    at(wire::HEADER_OFFSET + f.offset)
}

/// A big-endian 16-bit constant as it lies in the beat.
fn swapped16(v: u16) -> Constant<Bits<16>> {
    Constant::new(u64::from(v.swap_bytes()).to_bits())
}

/// Is the frame whose first beat this is an aggregation frame (`wire::classify`'s test: IPv4
/// without options, UDP, not a fragment, to the aggregation port, at least 42 bytes)? `keep` (the
/// beat's AXI4-Stream `tkeep`, contiguous from byte 0) and `last` give the beat's length when the
/// frame ends in it: at least 42 bytes is `keep`'s bit 41, no byte count needed. Tie `last` low to
/// leave the length out.
#[derive(LogicBlock, Debug)]
pub struct FrameClass {
    pub data: Signal<In, Bits<HEADER_BITS>>,
    pub keep: Signal<In, Bits<HEADER_BYTES>>,
    pub last: Signal<In, Bit>,
    pub udp_port: Signal<In, Bits<16>>,
    pub ours: Signal<Out, Bit>,
    at_eth_type: Constant<Bits<16>>,
    at_ver_ihl: Constant<Bits<16>>,
    at_proto: Constant<Bits<16>>,
    at_frag: Constant<Bits<16>>,
    at_udp_dst: Constant<Bits<16>>,
    eth_ipv4: Constant<Bits<16>>,
    ver_ihl: Constant<Bits<8>>,
    proto_udp: Constant<Bits<8>>,
    frag_mask: Constant<Bits<16>>,
    /// `keep`'s bit for the last byte of the shortest aggregation frame.
    min_last_byte: Constant<Bits<16>>,
}

impl Default for FrameClass {
    fn default() -> Self {
        FrameClass {
            data: Default::default(),
            keep: Default::default(),
            last: Default::default(),
            udp_port: Default::default(),
            ours: Default::default(),
            at_eth_type: at(frame::ETH_TYPE.offset),
            at_ver_ihl: at(frame::IP_VER_IHL.offset),
            at_proto: at(frame::IP_PROTO.offset),
            at_frag: at(frame::IP_FRAG.offset),
            at_udp_dst: at(frame::UDP_DST.offset),
            eth_ipv4: swapped16(wire::ETHERTYPE_IPV4),
            ver_ihl: Constant::new(wire::IPV4_VER_IHL.to_bits()),
            proto_udp: Constant::new(wire::IPPROTO_UDP.to_bits()),
            frag_mask: swapped16(wire::IPV4_FRAGMENT_MASK),
            min_last_byte: Constant::new((wire::HEADER_OFFSET as u64 - 1).to_bits()),
        }
    }
}

impl Logic for FrameClass {
    #[hdl_gen]
    fn update(&mut self) {
        self.ours.next = (self.data.val().get_bits::<16>(self.at_eth_type.val().index())
            == self.eth_ipv4.val())
            & (self.data.val().get_bits::<8>(self.at_ver_ihl.val().index()) == self.ver_ihl.val())
            & (self.data.val().get_bits::<8>(self.at_proto.val().index()) == self.proto_udp.val())
            & ((self.data.val().get_bits::<16>(self.at_frag.val().index()) & self.frag_mask.val()) == 0)
            & (self.data.val().get_bits::<16>(self.at_udp_dst.val().index())
                == (((self.udp_port.val() & 0xff) << 8) | (self.udp_port.val() >> 8)))
            & (!self.last.val() | self.keep.val().get_bit(self.min_last_byte.val().index()));
    }
}

/// The block. Construct with `HeaderParse::default()`.
#[derive(LogicBlock, Debug)]
pub struct HeaderParse {
    /// The frame's first 64 bytes, byte `k` in bits `8k+7..8k`.
    pub beat: Signal<In, Bits<HEADER_BITS>>,
    /// The configured UDP destination port of aggregation frames (the `UDP_PORT` register).
    pub udp_port: Signal<In, Bits<16>>,

    pub is_aggregation: Signal<Out, Bit>,
    pub bad_ip_checksum: Signal<Out, Bit>,
    pub bad_magic: Signal<Out, Bit>,
    pub bad_version: Signal<Out, Bit>,
    pub bad_kind: Signal<Out, Bit>,
    pub reserved_flags: Signal<Out, Bit>,
    /// Any of the five checks above failed.
    pub header_malformed: Signal<Out, Bit>,
    /// Any of the four above but the checksum failed.
    pub fields_malformed: Signal<Out, Bit>,
    /// The IPv4 header's ten 16-bit words summed, not folded (read little-endian: see the module
    /// comment). `Ipv4SumCheck` tells from it whether the checksum is right.
    pub ip_sum: Signal<Out, Bits<20>>,
    pub ip_total_len: Signal<Out, Bits<16>>,
    pub udp_len: Signal<Out, Bits<16>>,
    /// The IPv4 header's 16-bit words other than total length and checksum, summed, not folded,
    /// read little-endian like `ip_sum`: a frame the core writes with a new total length `n` gets
    /// the checksum `!fold(ip_sum_rest + swap(n))`, little-endian (`swap`: the bytes exchanged),
    /// exactly as `model::reply` recomputes it. Unfolded so that the folds are the consumer's, a
    /// stage later (folded here, the sum and its two folds were the core's critical path).
    pub ip_sum_rest: Signal<Out, Bits<20>>,
    /// The other two words, total length and checksum, summed: `ip_sum = ip_sum_rest +
    /// ip_sum_len_csum`.
    pub ip_sum_len_csum: Signal<Out, Bits<20>>,

    pub kind: Signal<Out, Bits<8>>,
    pub flags: Signal<Out, Bits<8>>,
    pub tenant: Signal<Out, Bits<8>>,
    pub worker: Signal<Out, Bits<8>>,
    pub elements: Signal<Out, Bits<16>>,
    pub seq: Signal<Out, Bits<32>>,
    pub salt: Signal<Out, Bits<16>>,
    pub key_or_bitmap: Signal<Out, Bits<64>>,

    frame_class: FrameClass,
    sum_check: Ipv4SumCheck,
    // Multi-byte fields as they lie in the beat (byte-swapped).
    ip_len_le: Signal<Local, Bits<16>>,
    udp_len_le: Signal<Local, Bits<16>>,
    elements_le: Signal<Local, Bits<16>>,
    salt_le: Signal<Local, Bits<16>>,
    seq_le: Signal<Local, Bits<32>>,
    key_le: Signal<Local, Bits<64>>,
    /// The IPv4 header's words, each read little-endian.
    ipw: [Signal<Local, Bits<20>>; IPV4_WORDS],
    /// The sum of all but total length (word 1) and checksum (word 5).
    rest: Signal<Local, Bits<20>>,
    f_magic: Signal<Local, Bit>,
    f_version: Signal<Local, Bit>,
    f_kind: Signal<Local, Bit>,
    f_flags: Signal<Local, Bit>,

    at_ip_word: [Constant<Bits<16>>; IPV4_WORDS],
    at_ip_len: Constant<Bits<16>>,
    at_udp_len: Constant<Bits<16>>,
    at_magic: Constant<Bits<16>>,
    at_version: Constant<Bits<16>>,
    at_kind: Constant<Bits<16>>,
    at_flags: Constant<Bits<16>>,
    at_tenant: Constant<Bits<16>>,
    at_worker: Constant<Bits<16>>,
    at_elements: Constant<Bits<16>>,
    at_seq: Constant<Bits<16>>,
    at_salt: Constant<Bits<16>>,
    at_key: Constant<Bits<16>>,

    // Expected values.
    magic: Constant<Bits<8>>,
    version: Constant<Bits<8>>,
    /// Bit `k` set: `k` is a defined `wire::Kind`.
    kinds: Constant<Bits<256>>,
    undefined_flags: Constant<Bits<8>>,
    ones: Constant<Bits<20>>,
}

impl Default for HeaderParse {
    fn default() -> Self {
        let kinds = wire::Kind::ALL
            .iter()
            .fold(Bits::<256>::default(), |m, k| m.replace_bit(*k as usize, true));
        // The checksum's adder trees leave out words 1 and 5 by index.
        assert_eq!(IPV4_WORDS, 10);
        assert_eq!(frame::IP_LEN.offset, wire::ETH_LEN + 2);
        assert_eq!(frame::IP_CSUM.offset, wire::ETH_LEN + 10);
        HeaderParse {
            beat: Default::default(),
            udp_port: Default::default(),
            is_aggregation: Default::default(),
            bad_ip_checksum: Default::default(),
            bad_magic: Default::default(),
            bad_version: Default::default(),
            bad_kind: Default::default(),
            reserved_flags: Default::default(),
            header_malformed: Default::default(),
            fields_malformed: Default::default(),
            ip_sum: Default::default(),
            ip_total_len: Default::default(),
            ip_sum_rest: Default::default(),
            ip_sum_len_csum: Default::default(),
            udp_len: Default::default(),
            kind: Default::default(),
            flags: Default::default(),
            tenant: Default::default(),
            worker: Default::default(),
            elements: Default::default(),
            seq: Default::default(),
            salt: Default::default(),
            key_or_bitmap: Default::default(),
            frame_class: Default::default(),
            sum_check: Default::default(),
            ip_len_le: Default::default(),
            udp_len_le: Default::default(),
            elements_le: Default::default(),
            salt_le: Default::default(),
            seq_le: Default::default(),
            key_le: Default::default(),
            ipw: Default::default(),
            rest: Default::default(),
            f_magic: Default::default(),
            f_version: Default::default(),
            f_kind: Default::default(),
            f_flags: Default::default(),
            at_ip_word: std::array::from_fn(|w| at(wire::ETH_LEN + 2 * w)),
            at_ip_len: at(frame::IP_LEN.offset),
            at_udp_len: at(frame::UDP_LEN.offset),
            at_magic: at_field(field::MAGIC, 8),
            at_version: at_field(field::VERSION, 8),
            at_kind: at_field(field::KIND, 8),
            at_flags: at_field(field::FLAGS, 8),
            at_tenant: at_field(field::TENANT, 8),
            at_worker: at_field(field::WORKER, 8),
            at_elements: at_field(field::ELEMENTS, 16),
            at_seq: at_field(field::SEQ, 32),
            at_salt: at_field(field::SALT, 16),
            at_key: at_field(field::KEY_OR_BITMAP, 64),
            magic: Constant::new(wire::MAGIC.to_bits()),
            version: Constant::new(wire::VERSION.to_bits()),
            kinds: Constant::new(kinds),
            undefined_flags: Constant::new((!flags::DEFINED).to_bits()),
            ones: Constant::new(0xffffu64.to_bits()),
        }
    }
}

impl Logic for HeaderParse {
    #[hdl_gen]
    fn update(&mut self) {
        self.frame_class.data.next = self.beat.val();
        self.frame_class.keep.next = 0.into();
        self.frame_class.last.next = false;
        self.frame_class.udp_port.next = self.udp_port.val();
        self.is_aggregation.next = self.frame_class.ours.val();

        self.ip_len_le.next = self.beat.val().get_bits::<16>(self.at_ip_len.val().index());
        self.udp_len_le.next = self.beat.val().get_bits::<16>(self.at_udp_len.val().index());
        self.elements_le.next = self.beat.val().get_bits::<16>(self.at_elements.val().index());
        self.salt_le.next = self.beat.val().get_bits::<16>(self.at_salt.val().index());
        self.seq_le.next = self.beat.val().get_bits::<32>(self.at_seq.val().index());
        self.key_le.next = self.beat.val().get_bits::<64>(self.at_key.val().index());

        // RFC 791 checksum: the folded ones' complement sum of the header is 0xffff when correct
        // (in either byte order); `Ipv4SumCheck` tests that on the unfolded sum.
        // (`bit_cast` may not take a loop variable: the words are read 20 bits wide and masked.)
        for w in 0..IPV4_WORDS {
            self.ipw[w].next =
                self.beat.val().get_bits::<20>(self.at_ip_word[w].val().index()) & self.ones.val();
        }
        // Adder trees, three and four adds deep (a chain of ten was the block's critical path).
        self.rest.next = ((self.ipw[0].val() + self.ipw[2].val()) + (self.ipw[3].val() + self.ipw[4].val()))
            + ((self.ipw[6].val() + self.ipw[7].val()) + (self.ipw[8].val() + self.ipw[9].val()));
        self.ip_sum_len_csum.next = self.ipw[1].val() + self.ipw[5].val();
        self.ip_sum.next = self.rest.val() + self.ip_sum_len_csum.val();
        self.sum_check.sum.next = self.ip_sum.val();
        self.ip_sum_rest.next = self.rest.val();

        self.f_magic.next = self.beat.val().get_bits::<8>(self.at_magic.val().index()) != self.magic.val();
        self.f_version.next =
            self.beat.val().get_bits::<8>(self.at_version.val().index()) != self.version.val();
        self.f_kind.next = !(self
            .kinds
            .val()
            .get_bit(self.beat.val().get_bits::<8>(self.at_kind.val().index()).index()));
        self.f_flags.next =
            (self.beat.val().get_bits::<8>(self.at_flags.val().index()) & self.undefined_flags.val()) != 0;
        self.bad_ip_checksum.next = self.sum_check.bad.val();
        self.bad_magic.next = self.f_magic.val();
        self.bad_version.next = self.f_version.val();
        self.bad_kind.next = self.f_kind.val();
        self.reserved_flags.next = self.f_flags.val();
        self.fields_malformed.next =
            self.f_magic.val() | self.f_version.val() | self.f_kind.val() | self.f_flags.val();
        self.header_malformed.next = self.sum_check.bad.val() | self.fields_malformed.val();

        self.kind.next = self.beat.val().get_bits::<8>(self.at_kind.val().index());
        self.flags.next = self.beat.val().get_bits::<8>(self.at_flags.val().index());
        self.tenant.next = self.beat.val().get_bits::<8>(self.at_tenant.val().index());
        self.worker.next = self.beat.val().get_bits::<8>(self.at_worker.val().index());
        // Byte swaps of the multi-byte fields, by literal masks and shifts.
        self.ip_total_len.next = ((self.ip_len_le.val() & 0xff) << 8) | (self.ip_len_le.val() >> 8);
        self.udp_len.next = ((self.udp_len_le.val() & 0xff) << 8) | (self.udp_len_le.val() >> 8);
        self.elements.next = ((self.elements_le.val() & 0xff) << 8) | (self.elements_le.val() >> 8);
        self.salt.next = ((self.salt_le.val() & 0xff) << 8) | (self.salt_le.val() >> 8);
        self.seq.next = ((self.seq_le.val() & 0xff) << 24)
            | ((self.seq_le.val() & 0xff00) << 8)
            | ((self.seq_le.val() >> 8) & 0xff00)
            | (self.seq_le.val() >> 24);
        self.key_or_bitmap.next = ((self.key_le.val() & 0xff) << 56)
            | ((self.key_le.val() & 0xff00) << 40)
            | ((self.key_le.val() & 0xff_0000) << 24)
            | ((self.key_le.val() & 0xff00_0000_u64) << 8)
            | ((self.key_le.val() >> 8) & 0xff00_0000_u64)
            | ((self.key_le.val() >> 24) & 0xff_0000)
            | ((self.key_le.val() >> 40) & 0xff00)
            | (self.key_le.val() >> 56);
    }
}

/// Is an IPv4 header's checksum wrong, given its ten 16-bit words summed without folding
/// (`HeaderParse::ip_sum`)? Right means the folded ones' complement sum is 0xffff, which for a
/// sum `s` of ten words (`s < 10 * 0x10000`) is `s = k * 0xffff` with `1 <= k <= 10`, that is
/// `s = (k - 1) * 0x10000 + 0xffff - (k - 1)`: bits 15..4 all ones and bits 3..0 the complement
/// of bits 19..16. A compare, where folding costs two carry chains.
#[derive(LogicBlock, Debug, Default)]
pub struct Ipv4SumCheck {
    pub sum: Signal<In, Bits<20>>,
    pub bad: Signal<Out, Bit>,
}

impl Logic for Ipv4SumCheck {
    #[hdl_gen]
    fn update(&mut self) {
        self.bad.next = !((self.sum.val().get_bits::<12>(4) == 0xfff)
            & (self.sum.val().get_bits::<4>(0) == !self.sum.val().get_bits::<4>(16)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, settle, yosys_check};
    use aggnic_spec::wire::{Addressing, Classified, DecodeError, Frame, Header, Kind};

    /// What the block says about a frame, read off its outputs.
    #[derive(Debug)]
    struct Hw {
        is_aggregation: bool,
        bad_ip_checksum: bool,
        bad_magic: bool,
        bad_version: bool,
        bad_kind: bool,
        reserved_flags: bool,
        header_malformed: bool,
        fields_malformed: bool,
        ip_sum: u32,
        ip_total_len: u16,
        udp_len: u16,
        kind: u8,
        flags: u8,
        tenant: u8,
        worker: u8,
        elements: u16,
        seq: u32,
        salt: u16,
        key_or_bitmap: u64,
        ip_sum_rest: u32,
        ip_sum_len_csum: u32,
    }

    fn drive(uut: &mut HeaderParse, bytes: &[u8], port: u16) -> Hw {
        let mut beat = Bits::<HEADER_BITS>::default();
        for (k, b) in bytes[..HEADER_BYTES].iter().enumerate() {
            beat.set_bits::<8>(8 * k, b.to_bits());
        }
        uut.beat.next = beat;
        uut.udp_port.next = port.to_bits();
        settle(uut);
        Hw {
            is_aggregation: uut.is_aggregation.val(),
            bad_ip_checksum: uut.bad_ip_checksum.val(),
            bad_magic: uut.bad_magic.val(),
            bad_version: uut.bad_version.val(),
            bad_kind: uut.bad_kind.val(),
            reserved_flags: uut.reserved_flags.val(),
            header_malformed: uut.header_malformed.val(),
            fields_malformed: uut.fields_malformed.val(),
            ip_sum: uut.ip_sum.val().to_u32(),
            ip_total_len: uut.ip_total_len.val().to_u16(),
            udp_len: uut.udp_len.val().to_u16(),
            kind: uut.kind.val().to_u8(),
            flags: uut.flags.val().to_u8(),
            tenant: uut.tenant.val().to_u8(),
            worker: uut.worker.val().to_u8(),
            elements: uut.elements.val().to_u16(),
            seq: uut.seq.val().to_u32(),
            salt: uut.salt.val().to_u16(),
            key_or_bitmap: uut.key_or_bitmap.val().to_u64(),
            ip_sum_rest: uut.ip_sum_rest.val().to_u32(),
            ip_sum_len_csum: uut.ip_sum_len_csum.val().to_u32(),
        }
    }

    /// The header error the block reports, first in `Header::decode`'s order.
    fn hw_header_error(hw: &Hw) -> Option<std::mem::Discriminant<DecodeError>> {
        let d = std::mem::discriminant::<DecodeError>;
        [
            (hw.bad_magic, d(&DecodeError::BadMagic(0))),
            (hw.bad_version, d(&DecodeError::BadVersion(0))),
            (hw.bad_kind, d(&DecodeError::BadKind(hw.kind))),
            (hw.reserved_flags, d(&DecodeError::ReservedFlags(hw.flags))),
        ]
        .into_iter()
        .find_map(|(bad, e)| bad.then_some(e))
    }

    /// How a later stage will combine the block's outputs with the frame length, in
    /// `wire::decode`'s order; compared against `wire::decode` itself.
    fn hw_decode(hw: &Hw, len: usize) -> Result<(), DecodeError> {
        if hw.bad_ip_checksum {
            return Err(DecodeError::BadIpChecksum);
        }
        if wire::ETH_LEN + hw.ip_total_len as usize != len {
            return Err(DecodeError::IpLength {
                ip_total: hw.ip_total_len,
                frame: len,
            });
        }
        if hw.udp_len as usize + wire::IPV4_LEN != hw.ip_total_len as usize {
            return Err(DecodeError::UdpLength {
                udp: hw.udp_len,
                ip_total: hw.ip_total_len,
            });
        }
        if hw.bad_magic {
            return Err(DecodeError::BadMagic(0));
        }
        if hw.bad_version {
            return Err(DecodeError::BadVersion(0));
        }
        if hw.bad_kind {
            return Err(DecodeError::BadKind(hw.kind));
        }
        if hw.reserved_flags {
            return Err(DecodeError::ReservedFlags(hw.flags));
        }
        let payload_bytes = len - wire::PAYLOAD_OFFSET;
        if payload_bytes != wire::LANE_BYTES * hw.elements as usize {
            return Err(DecodeError::PayloadLength {
                elements: hw.elements,
                payload_bytes,
            });
        }
        Ok(())
    }

    fn same_error(a: &DecodeError, b: &DecodeError) -> bool {
        match (a, b) {
            // The block reports that magic or version is wrong, not the byte (the test has it).
            (DecodeError::BadMagic(_), DecodeError::BadMagic(_)) => true,
            (DecodeError::BadVersion(_), DecodeError::BadVersion(_)) => true,
            _ => a == b,
        }
    }

    fn assert_header_fields(hw: &Hw, h: &Header, ctx: &str) {
        assert_eq!(hw.kind, h.kind as u8, "{ctx}");
        assert_eq!(hw.flags, h.flags, "{ctx}");
        assert_eq!(hw.tenant, h.tenant, "{ctx}");
        assert_eq!(hw.worker, h.worker, "{ctx}");
        assert_eq!(hw.elements, h.elements, "{ctx}");
        assert_eq!(hw.seq, h.seq, "{ctx}");
        assert_eq!(hw.salt, h.salt, "{ctx}");
        assert_eq!(hw.key_or_bitmap, h.key_or_bitmap, "{ctx}");
    }

    /// Drives one frame and compares every output with the spec's functions. Returns the spec's
    /// verdict, for coverage.
    fn check(uut: &mut HeaderParse, b: &[u8], port: u16) -> String {
        let hw = drive(uut, b, port);
        let ctx = format!("frame {b:02x?} port {port:#06x} hw {hw:?}");
        let classified = wire::classify(b, port);
        assert_eq!(
            hw.is_aggregation,
            matches!(classified, Classified::Aggregation(_)),
            "classify: {ctx}"
        );
        let ip = &b[wire::ETH_LEN..wire::ETH_LEN + wire::IPV4_LEN];
        // The contract of `ip_sum_rest`: with any new total length `n`, `!fold(rest + swap(n))`,
        // byte-swapped, is the checksum of the header rewritten with `n`.
        for n in [hw.ip_total_len, 0, 0xffff, hw.seq as u16] {
            let mut rewritten = b.to_vec();
            rewritten[frame::IP_LEN.at(0)].copy_from_slice(&n.to_be_bytes());
            rewritten[frame::IP_CSUM.at(0)].fill(0);
            let rewritten = &rewritten[wire::ETH_LEN..wire::ETH_LEN + wire::IPV4_LEN];
            let mut sum = hw.ip_sum_rest + u32::from(n.swap_bytes());
            sum = (sum & 0xffff) + (sum >> 16);
            sum = (sum & 0xffff) + (sum >> 16);
            assert_eq!(
                (!(sum as u16)).swap_bytes(),
                wire::ipv4_checksum(rewritten),
                "ip_sum_rest with length {n:#x}: {ctx}"
            );
        }
        assert_eq!(
            hw.bad_ip_checksum,
            wire::ipv4_checksum(ip) != 0,
            "checksum: {ctx}"
        );
        let header = Header::decode(b[wire::HEADER_OFFSET..wire::PAYLOAD_OFFSET].try_into().unwrap());
        match &header {
            Ok(h) => {
                assert!(hw_header_error(&hw).is_none(), "Header::decode ok: {ctx}");
                assert_header_fields(&hw, h, &ctx);
            }
            Err(e) => assert_eq!(
                hw_header_error(&hw),
                Some(std::mem::discriminant(e)),
                "Header::decode {e}: {ctx}"
            ),
        }
        assert_eq!(
            hw.header_malformed,
            hw.bad_ip_checksum || header.is_err(),
            "header_malformed: {ctx}"
        );
        assert_eq!(hw.fields_malformed, header.is_err(), "fields_malformed: {ctx}");
        let le_word: Vec<u32> = ip
            .chunks(2)
            .map(|w| u32::from(u16::from_le_bytes([w[0], w[1]])))
            .collect();
        let le_words: u32 = le_word.iter().sum();
        assert_eq!(hw.ip_sum, le_words, "ip_sum: {ctx}");
        let len_csum = le_word[1] + le_word[5];
        assert_eq!(hw.ip_sum_len_csum, len_csum, "ip_sum_len_csum: {ctx}");
        assert_eq!(hw.ip_sum_rest, le_words - len_csum, "ip_sum_rest: {ctx}");
        let decoded = wire::decode(b);
        match (&decoded, hw_decode(&hw, b.len())) {
            (Ok(f), Ok(())) => assert_header_fields(&hw, &f.header, &ctx),
            (Err(e), Err(g)) => assert!(same_error(e, &g), "decode says {e:?}, block {g:?}: {ctx}"),
            (want, got) => panic!("decode says {want:?}, block {got:?}: {ctx}"),
        }
        let class = if hw.is_aggregation { "aggregation" } else { "pass" };
        let verdict = match decoded {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("{e:?}")
                .split(['(', ' '])
                .next()
                .unwrap_or_default()
                .to_string(),
        };
        format!("{class}/{verdict}")
    }

    fn fix_ip_checksum(b: &mut [u8]) {
        b[frame::IP_CSUM.at(0)].fill(0);
        let c = wire::ipv4_checksum(&b[wire::ETH_LEN..wire::ETH_LEN + wire::IPV4_LEN]);
        b[frame::IP_CSUM.at(0)].copy_from_slice(&c.to_be_bytes());
    }

    fn random_frame(rng: &mut Rng, port: u16) -> Vec<u8> {
        let mut bytes = |n: usize| (0..n).map(|_| rng.next_u64() as u8).collect::<Vec<u8>>();
        let r = bytes(32);
        let addr = Addressing {
            eth_dst: r[0..6].try_into().unwrap(),
            eth_src: r[6..12].try_into().unwrap(),
            ip_tos: r[12],
            ip_id: u16::from_be_bytes([r[13], r[14]]),
            ip_ttl: r[15],
            ip_src: r[16..20].try_into().unwrap(),
            ip_dst: r[20..24].try_into().unwrap(),
            udp_src: u16::from_be_bytes([r[24], r[25]]),
            udp_dst: port,
        };
        let header = Header {
            kind: Kind::ALL[rng.below(Kind::ALL.len() as u64) as usize],
            flags: rng.next_u64() as u8 & flags::DEFINED,
            tenant: rng.next_u64() as u8,
            worker: rng.next_u64() as u8,
            elements: 0,
            seq: rng.next_u64() as u32,
            salt: rng.next_u64() as u16,
            key_or_bitmap: rng.next_u64(),
        };
        let lanes = rng.below(9) as usize;
        let payload = (0..lanes).map(|_| rng.next_u64() as i32).collect();
        Frame {
            addr,
            header,
            payload,
        }
        .encode()
    }

    /// Breaks a valid frame in one or more of the ways `classify` and `decode` look for.
    fn mutate(rng: &mut Rng, b: &mut Vec<u8>) {
        let byte = |rng: &mut Rng| rng.next_u64() as u8;
        if rng.chance(250) {
            let bit = rng.below(8 * HEADER_BYTES as u64) as usize;
            b[bit / 8] ^= 1 << (bit % 8);
        }
        if rng.chance(150) {
            let f = [
                frame::ETH_TYPE,
                frame::IP_VER_IHL,
                frame::IP_PROTO,
                frame::IP_FRAG,
                frame::UDP_DST,
            ][rng.below(5) as usize];
            for i in f.at(0) {
                b[i] = byte(rng);
            }
        }
        if rng.chance(200) {
            let at = wire::HEADER_OFFSET;
            match rng.below(4) {
                0 => b[at + field::MAGIC.offset] = byte(rng),
                1 => b[at + field::VERSION.offset] = byte(rng) % 4,
                2 => b[at + field::KIND.offset] = byte(rng) % 8,
                _ => b[at + field::FLAGS.offset] = byte(rng),
            }
        }
        if rng.chance(150) {
            let f = [frame::IP_LEN, frame::UDP_LEN, field::ELEMENTS][rng.below(3) as usize];
            let at = if f == field::ELEMENTS {
                wire::HEADER_OFFSET + f.offset
            } else {
                f.offset
            };
            b[at + 1] = b[at + 1].wrapping_add(rng.below(5) as u8).wrapping_sub(2);
        }
        if rng.chance(100) {
            // Grow or shrink the frame, keeping the 64 header bytes.
            let len = (b.len() as i64 + rng.below(9) as i64 - 4).max(HEADER_BYTES as i64) as usize;
            b.resize(len, 0xee);
        }
        if rng.chance(600) {
            fix_ip_checksum(b);
        }
    }

    #[test]
    fn matches_spec_on_random_and_mutated_frames() {
        let mut uut = HeaderParse::default();
        uut.connect_all();
        let mut rng = Rng::new(0x4ead_e4a5);
        let start = std::time::Instant::now();
        let cases = 600;
        let mut seen = std::collections::BTreeMap::<String, u32>::new();
        for case in 0..cases {
            let port = if case % 4 == 0 {
                aggnic_spec::regs::DEFAULT_UDP_PORT
            } else {
                rng.next_u64() as u16
            };
            let mut b = random_frame(&mut rng, port);
            if case % 3 != 0 {
                mutate(&mut rng, &mut b);
            }
            let port = if rng.chance(50) { port ^ 1 } else { port };
            *seen.entry(check(&mut uut, &b, port)).or_default() += 1;
        }
        eprintln!("header_parse: {cases} frames in {:?}: {seen:?}", start.elapsed());
        // The mix must reach every verdict, or the comparison above proves little.
        for class in ["pass", "aggregation"] {
            for v in [
                "ok",
                "BadIpChecksum",
                "IpLength",
                "UdpLength",
                "BadMagic",
                "BadVersion",
                "BadKind",
                "ReservedFlags",
            ] {
                assert!(
                    seen.contains_key(&format!("{class}/{v}")),
                    "no {class}/{v} case in {seen:?}"
                );
            }
        }
        assert!(
            seen.contains_key("aggregation/PayloadLength"),
            "no PayloadLength case in {seen:?}"
        );
    }

    #[test]
    fn every_fragment_bit_and_every_kind_against_classify() {
        let mut uut = HeaderParse::default();
        uut.connect_all();
        let mut rng = Rng::new(7);
        let port = aggnic_spec::regs::DEFAULT_UDP_PORT;
        for bit in 0..16 {
            let mut b = random_frame(&mut rng, port);
            let at = frame::IP_FRAG.offset + 1 - bit / 8;
            b[at] ^= 1 << (bit % 8);
            fix_ip_checksum(&mut b);
            check(&mut uut, &b, port);
        }
        for kind in 0..=255u8 {
            let mut b = random_frame(&mut rng, port);
            b[wire::HEADER_OFFSET + field::KIND.offset] = kind;
            check(&mut uut, &b, port);
        }
    }

    #[test]
    fn frame_class_matches_classify_with_the_frame_length() {
        let mut uut = FrameClass::default();
        uut.connect_all();
        let mut rng = Rng::new(0xc1a5);
        let port = aggnic_spec::regs::DEFAULT_UDP_PORT;
        let mut ours = 0;
        for case in 0..400 {
            let mut b = random_frame(&mut rng, port);
            if case % 2 == 1 {
                mutate(&mut rng, &mut b);
            }
            let len = [wire::HEADER_OFFSET - 1, wire::HEADER_OFFSET, 50, HEADER_BYTES][case % 4];
            let mut beat = Bits::<HEADER_BITS>::default();
            for (k, byte) in b[..len].iter().enumerate() {
                beat.set_bits::<8>(8 * k, byte.to_bits());
            }
            uut.data.next = beat;
            let keep: u64 = if len == 64 { u64::MAX } else { (1 << len) - 1 };
            uut.keep.next = keep.to_bits();
            uut.last.next = true;
            uut.udp_port.next = port.to_bits();
            settle(&mut uut);
            let want = matches!(wire::classify(&b[..len], port), Classified::Aggregation(_));
            assert_eq!(uut.ours.val(), want, "{len} bytes of {b:02x?}");
            ours += usize::from(want);
        }
        assert!(
            ours > 50,
            "only {ours} aggregation frames: the test proves little"
        );
    }

    /// Every sum ten 16-bit words can make, against folding it.
    #[test]
    fn ipv4_sum_check_matches_folding_on_every_sum() {
        let mut uut = Ipv4SumCheck::default();
        uut.connect_all();
        let mut right = 0;
        for s in 0..(10u32 << 16) {
            uut.sum.next = s.to_bits();
            settle(&mut uut);
            let mut f = (s & 0xffff) + (s >> 16);
            f = (f & 0xffff) + (f >> 16);
            assert_eq!(uut.bad.val(), f != 0xffff, "sum {s:#x}");
            right += u32::from(f == 0xffff);
        }
        assert_eq!(right, 10, "one right sum per multiple of 0xffff");
    }

    #[test]
    fn ipv4_sum_check_synthesizes() {
        yosys_check("aggnic_hdl_ipv4_sum_check", &mut Ipv4SumCheck::default());
    }

    #[test]
    fn frame_class_synthesizes() {
        yosys_check("aggnic_hdl_frame_class", &mut FrameClass::default());
    }

    #[test]
    fn synthesizes() {
        yosys_check("aggnic_hdl_header_parse", &mut HeaderParse::default());
    }
}
