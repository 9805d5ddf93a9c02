//! The pieces of one fragment's sum that reached the PS, merged so that each worker counts once.
//!
//! The lanes of every kept piece sit back to back in one buffer, as the frames carry them
//! (big-endian bytes, copied whole); [`Pieces::clear`] keeps the buffers, so a PS that reuses its
//! `Pieces` allocates nothing per fragment once warm. The copies are also added up as they arrive,
//! with a bound on every lane's magnitude: when that bound shows no order of additions can
//! saturate, the total is that running sum and no lane is read again.

use aggnic_spec::wire::LANE_BYTES;

/// Hardware pieces (disjoint bitmaps) and per-worker software copies of one fragment.
#[derive(Debug, Clone, Default)]
pub struct Pieces {
    /// Every kept piece's lanes, `elements` each, big-endian, in the order the pieces came.
    wire: Vec<u8>,
    /// Hardware pieces in the order they came: index of the piece in `wire`, overflow flag.
    hardware: Vec<(usize, bool)>,
    hardware_bitmap: u64,
    /// Workers with a copy, ascending, each with the index of its piece in `wire`.
    copies: Vec<(u8, usize)>,
    copies_bitmap: u64,
    elements: Option<usize>,
    /// The copies' lanes added (wrapping) as they came.
    copies_sum: Vec<i32>,
    /// Sum over the copies of their largest lane magnitude, rounded up: no partial sum of copies,
    /// in any order, is larger in magnitude.
    copies_bound: u64,
}

/// Lanes as they come: already decoded, or big-endian wire bytes (a whole number of lanes).
#[derive(Clone, Copy)]
enum Lanes<'a> {
    Decoded(&'a [i32]),
    Wire(&'a [u8]),
}

impl Lanes<'_> {
    fn len(self) -> usize {
        match self {
            Lanes::Decoded(l) => l.len(),
            Lanes::Wire(b) => b.len() / LANE_BYTES,
        }
    }
}

fn lane(c: &[u8]) -> i32 {
    i32::from_be_bytes([c[0], c[1], c[2], c[3]])
}

/// `acc[i] += x[i]`, saturating at the int32 range as [`aggnic_spec::model::saturating_add`] does;
/// says whether any lane saturated. Written so that the compiler vectorizes it.
fn add_saturating(acc: &mut [i32], x: &[u8]) -> bool {
    let mut saturated = 0u32;
    for (a, c) in acc.iter_mut().zip(x.chunks_exact(LANE_BYTES)) {
        let b = lane(c);
        let s = a.saturating_add(b);
        saturated |= u32::from(s != a.wrapping_add(b));
        *a = s;
    }
    saturated != 0
}

/// `acc[i] += x[i]` wrapping; returns a bound on the magnitude of every `x[i]`: the OR of
/// `x ^ (x >> 31)` (|x| for x >= 0, |x| - 1 below) plus one. One pass, branch-free, vectorizable.
fn add_wrapping(acc: &mut [i32], x: impl Iterator<Item = i32>) -> u64 {
    let mut magnitude = 0i32;
    for (a, b) in acc.iter_mut().zip(x) {
        *a = a.wrapping_add(b);
        magnitude |= b ^ (b >> 31);
    }
    magnitude as u64 + 1
}

impl Pieces {
    /// Forgets every piece, keeping the buffers for the next fragment.
    pub fn clear(&mut self) {
        self.wire.clear();
        self.hardware.clear();
        self.hardware_bitmap = 0;
        self.copies.clear();
        self.copies_bitmap = 0;
        self.elements = None;
        self.copies_sum.clear();
        self.copies_bound = 0;
    }

    fn fits(&mut self, lanes: usize) -> bool {
        *self.elements.get_or_insert(lanes) == lanes
    }

    /// Appends a piece's lanes; returns its index.
    fn push(&mut self, lanes: Lanes) -> usize {
        let start = self.wire.len();
        match lanes {
            Lanes::Decoded(l) => self.wire.extend(l.iter().flat_map(|x| x.to_be_bytes())),
            Lanes::Wire(b) => self.wire.extend_from_slice(b),
        }
        start / (LANE_BYTES * lanes.len()).max(1)
    }

    fn piece(&self, index: usize) -> &[u8] {
        let n = self.elements.unwrap_or(0) * LANE_BYTES;
        &self.wire[index * n..(index + 1) * n]
    }

    fn add_hardware_lanes(&mut self, bitmap: u64, sum: Lanes, overflow: bool) -> bool {
        if bitmap & self.hardware_bitmap != 0 || !self.fits(sum.len()) {
            return false;
        }
        self.hardware_bitmap |= bitmap;
        let index = self.push(sum);
        self.hardware.push((index, overflow));
        true
    }

    fn add_copy_lanes(&mut self, worker: u8, lanes: Lanes) -> bool {
        if self.copies_bitmap & 1 << worker != 0 || !self.fits(lanes.len()) {
            return false;
        }
        self.copies_bitmap |= 1 << worker;
        let index = self.push(lanes);
        let at = self.copies.partition_point(|(w, _)| *w < worker);
        self.copies.insert(at, (worker, index));
        if self.copies_sum.is_empty() {
            self.copies_sum.resize(lanes.len(), 0);
        }
        self.copies_bound += match lanes {
            Lanes::Decoded(l) => add_wrapping(&mut self.copies_sum, l.iter().copied()),
            Lanes::Wire(b) => add_wrapping(&mut self.copies_sum, b.chunks_exact(LANE_BYTES).map(lane)),
        };
        true
    }

    /// Keeps a partial sum from the card unless it shares a worker with one already kept (a sum
    /// cannot be split, so the overlap would count someone twice). Returns whether it was kept.
    pub fn add_hardware(&mut self, bitmap: u64, sum: &[i32], overflow: bool) -> bool {
        self.add_hardware_lanes(bitmap, Lanes::Decoded(sum), overflow)
    }

    /// [`Pieces::add_hardware`] with the lanes as a frame carries them: big-endian, 4 bytes each.
    pub fn add_hardware_wire(&mut self, bitmap: u64, sum: &[u8], overflow: bool) -> bool {
        self.add_hardware_lanes(bitmap, Lanes::Wire(sum), overflow)
    }

    /// Keeps one worker's own lanes (a forward or a resend); later copies of the same worker are
    /// the same lanes and are ignored. Returns whether it was kept.
    pub fn add_copy(&mut self, worker: u8, lanes: &[i32]) -> bool {
        self.add_copy_lanes(worker, Lanes::Decoded(lanes))
    }

    /// [`Pieces::add_copy`] with the lanes as a frame carries them: big-endian, 4 bytes each.
    pub fn add_copy_wire(&mut self, worker: u8, lanes: &[u8]) -> bool {
        self.add_copy_lanes(worker, Lanes::Wire(lanes))
    }

    /// Workers whose lanes are here, in some piece.
    pub fn covered(&self) -> u64 {
        self.hardware_bitmap | self.copies_bitmap
    }

    /// The sum over `mask` once every worker of it is covered, each taken exactly once: every
    /// hardware piece, then the copies of the workers no hardware piece holds. Saturating, with the
    /// overflow flag.
    pub fn total(&self, mask: u64) -> Option<(Vec<i32>, bool)> {
        let mut acc = Vec::new();
        let overflow = self.total_into(mask, &mut acc)?;
        Some((acc, overflow))
    }

    /// [`Pieces::total`] into `acc` (its old contents replaced); returns the overflow flag. The
    /// order of the additions is the one above, so saturation happens exactly where it did.
    pub fn total_into(&self, mask: u64, acc: &mut Vec<i32>) -> Option<bool> {
        if self.covered() & mask != mask || self.hardware_bitmap & !mask != 0 {
            return None;
        }
        let elements = self.elements?;
        acc.clear();
        if self.hardware.is_empty() && self.copies_bitmap & !mask == 0 && self.copies_bound <= i32::MAX as u64
        {
            // Only copies, all of them in the sum, and no partial sum can reach the int32 limits:
            // every order of saturating adds gives the running (wrapping) sum, without overflow.
            acc.extend_from_slice(&self.copies_sum);
            acc.resize(elements, 0);
            return Some(false);
        }
        let skip = self.hardware_bitmap | !mask;
        let copies = self
            .copies
            .iter()
            .filter(|(w, _)| skip >> *w & 1 == 0)
            .map(|(_, index)| (*index, false));
        let mut overflow = false;
        let mut first = true;
        for (index, flag) in self.hardware.iter().copied().chain(copies) {
            overflow |= flag;
            let lanes = self.piece(index);
            if first {
                // 0 + x never saturates.
                acc.extend(lanes.chunks_exact(LANE_BYTES).map(lane));
                first = false;
            } else {
                overflow |= add_saturating(acc, lanes);
            }
        }
        if first {
            acc.resize(elements, 0);
        }
        Some(overflow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // The pieces as they were kept before the shared buffer (one `Vec` per piece, the sum
    // computed from zero in the documented order): the old PS's, kept as its oracle. The new code
    // must agree in every lane and flag.
    use crate::ps_reference::Pieces as Reference;
    use proptest::prelude::*;

    #[test]
    fn overlapping_hardware_pieces_are_refused() {
        let mut p = Pieces::default();
        assert!(p.add_hardware(0b011, &[3], false));
        assert!(!p.add_hardware(0b110, &[5], false));
        assert!(p.add_copy(2, &[4]));
        assert_eq!(p.total(0b111), Some((vec![7], false)));
    }

    #[test]
    fn copies_under_a_hardware_piece_are_not_counted_again() {
        let mut p = Pieces::default();
        assert!(p.add_copy(0, &[1]));
        assert!(!p.add_copy(0, &[1]), "a second copy of a worker is ignored");
        assert_eq!(p.total(0b11), None);
        assert!(p.add_hardware(0b11, &[1 + 2], false));
        assert_eq!(p.total(0b11), Some((vec![3], false)));
    }

    #[test]
    fn saturation_sets_overflow() {
        let mut p = Pieces::default();
        p.add_copy(0, &[i32::MAX]);
        p.add_copy(1, &[1]);
        assert_eq!(p.total(0b11), Some((vec![i32::MAX], true)));
        assert!(!p.add_copy(2, &[1, 2]), "a copy of another length is refused");
    }

    #[test]
    fn wire_lanes_are_big_endian() {
        let mut p = Pieces::default();
        assert!(p.add_copy_wire(0, &[0x12, 0x34, 0x56, 0x78, 0xff, 0xff, 0xff, 0xfe]));
        assert_eq!(p.total(0b1), Some((vec![0x1234_5678, -2], false)));
    }

    #[test]
    fn cleared_pieces_start_over() {
        let mut p = Pieces::default();
        p.add_hardware(0b1, &[1, 2], true);
        p.add_copy(1, &[3, 4]);
        p.clear();
        assert_eq!(p.covered(), 0);
        assert!(p.add_copy(0, &[5]), "the length is forgotten too");
        assert_eq!(p.total(0b1), Some((vec![5], false)));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Hardware(u64, Vec<i32>, bool),
        Copy(u8, Vec<i32>),
    }

    fn lane() -> impl Strategy<Value = i32> {
        prop_oneof![
            -4..4i32,
            i32::MAX - 3..=i32::MAX,
            i32::MIN..=i32::MIN + 3,
            any::<i32>()
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        let lanes = prop_oneof![
            4 => proptest::collection::vec(lane(), 3),
            1 => proptest::collection::vec(lane(), 0..5),
        ];
        prop_oneof![
            (0u64..64, lanes.clone(), any::<bool>()).prop_map(|(b, l, o)| Op::Hardware(b, l, o)),
            (0u8..6, lanes).prop_map(|(w, l)| Op::Copy(w, l)),
        ]
    }

    fn wire(lanes: &[i32]) -> Vec<u8> {
        lanes.iter().flat_map(|x| x.to_be_bytes()).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// Same pieces kept, same coverage, same sum and flag after every step, over any mask;
        /// decoded and wire lanes alike, on fresh and on reused (cleared) `Pieces`.
        #[test]
        fn agrees_with_one_vec_per_piece(ops in proptest::collection::vec(op(), 0..12),
                                         reuse in proptest::collection::vec(op(), 0..6),
                                         as_wire in any::<bool>()) {
            let mut p = Pieces::default();
            for op in &reuse {
                match op {
                    Op::Hardware(b, l, o) => p.add_hardware(*b, l, *o),
                    Op::Copy(w, l) => p.add_copy(*w, l),
                };
            }
            p.clear();
            let mut r = Reference::default();
            for op in ops {
                let (kept, expected) = match op {
                    Op::Hardware(b, l, o) => {
                        let kept = if as_wire { p.add_hardware_wire(b, &wire(&l), o) } else { p.add_hardware(b, &l, o) };
                        (kept, r.add_hardware(b, l, o))
                    }
                    Op::Copy(w, l) => {
                        let kept = if as_wire { p.add_copy_wire(w, &wire(&l)) } else { p.add_copy(w, &l) };
                        (kept, r.add_copy(w, l))
                    }
                };
                prop_assert_eq!(kept, expected);
                prop_assert_eq!(p.covered(), r.covered());
                for mask in 0u64..64 {
                    prop_assert_eq!(p.total(mask), r.total(mask));
                }
            }
        }
    }
}
