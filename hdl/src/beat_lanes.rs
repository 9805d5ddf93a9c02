//! Lane order on the wire: a payload beat's 64 bytes are 16 big-endian int32 lanes, lane `i` in
//! bytes `4i..4i + 4`. AXI4-Stream puts byte `k` in `tdata[8k + 7:8k]`, so a lane is a byte-swapped
//! 32-bit slice of `tdata`. [`BeatToLanes`] and [`LanesToBeat`] are that swap, both ways
//! (combinational, wiring only).

use crate::packet_fifo::BEAT_BITS;
use rust_hdl::prelude::*;

/// Lanes per 64-byte beat.
pub const LANES: usize = 16;

/// `tdata` -> 16 lanes.
#[derive(LogicBlock, Debug, Default)]
pub struct BeatToLanes {
    pub data: Signal<In, Bits<BEAT_BITS>>,
    pub lanes: [Signal<Out, Bits<32>>; LANES],
    /// `shifted[i]`: `data` moved down by `i` lanes (loop indices may not appear in shifts).
    shifted: [Signal<Local, Bits<BEAT_BITS>>; LANES],
    raw: [Signal<Local, Bits<32>>; LANES],
}

impl Logic for BeatToLanes {
    #[hdl_gen]
    fn update(&mut self) {
        self.shifted[0].next = self.data.val();
        for i in 1..LANES {
            self.shifted[i].next = self.shifted[i - 1].val() >> 32;
        }
        for i in 0..LANES {
            self.raw[i].next = self.shifted[i].val().get_bits::<32>(0);
            self.lanes[i].next = ((self.raw[i].val() & 0xff) << 24)
                | ((self.raw[i].val() & 0xff00) << 8)
                | ((self.raw[i].val() >> 8) & 0xff00)
                | (self.raw[i].val() >> 24);
        }
    }
}

/// 16 lanes -> `tdata`.
#[derive(LogicBlock, Debug, Default)]
pub struct LanesToBeat {
    pub lanes: [Signal<In, Bits<32>>; LANES],
    pub data: Signal<Out, Bits<BEAT_BITS>>,
    swapped: [Signal<Local, Bits<32>>; LANES],
}

impl Logic for LanesToBeat {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..LANES {
            self.swapped[i].next = ((self.lanes[i].val() & 0xff) << 24)
                | ((self.lanes[i].val() & 0xff00) << 8)
                | ((self.lanes[i].val() >> 8) & 0xff00)
                | (self.lanes[i].val() >> 24);
        }
        // `bit_cast` may not take a loop-indexed signal: one term per lane, written out.
        self.data.next = bit_cast::<BEAT_BITS, 32>(self.swapped[0].val())
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[1].val()) << 32)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[2].val()) << 64)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[3].val()) << 96)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[4].val()) << 128)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[5].val()) << 160)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[6].val()) << 192)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[7].val()) << 224)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[8].val()) << 256)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[9].val()) << 288)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[10].val()) << 320)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[11].val()) << 352)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[12].val()) << 384)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[13].val()) << 416)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[14].val()) << 448)
            | (bit_cast::<BEAT_BITS, 32>(self.swapped[15].val()) << 480);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, settle, verilator_lint, yosys_check};

    #[test]
    fn lanes_are_big_endian_and_the_two_blocks_are_inverse() {
        let mut rng = Rng::new(0x1a_0001);
        let mut unpack = BeatToLanes::default();
        let mut pack = LanesToBeat::default();
        unpack.connect_all();
        pack.connect_all();
        for _ in 0..200 {
            let bytes: Vec<u8> = (0..64).map(|_| rng.next_u64() as u8).collect();
            let mut data = Bits::<BEAT_BITS>::default();
            for (k, b) in bytes.iter().enumerate() {
                data.set_bits::<8>(8 * k, b.to_bits());
            }
            unpack.data.next = data;
            settle(&mut unpack);
            for i in 0..LANES {
                let want = u32::from_be_bytes(bytes[4 * i..4 * i + 4].try_into().expect("4"));
                assert_eq!(unpack.lanes[i].val().to_u32(), want, "lane {i}");
                pack.lanes[i].next = unpack.lanes[i].val();
            }
            settle(&mut pack);
            assert_eq!(pack.data.val(), data);
        }
    }

    #[test]
    fn synthesizes() {
        let v = yosys_check("beat_lanes_unpack", &mut BeatToLanes::default());
        // UNUSEDSIGNAL: the shift chain's last step keeps 480 bits it never reads.
        verilator_lint("beat_lanes_unpack", &v, &["WIDTH", "UNUSEDSIGNAL"]);
        let v = yosys_check("beat_lanes_pack", &mut LanesToBeat::default());
        verilator_lint("beat_lanes_pack", &v, &["WIDTH"]);
    }
}
