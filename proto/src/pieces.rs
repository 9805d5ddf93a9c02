//! The pieces of one fragment's sum that reached the PS, merged so that each worker counts once.

use aggnic_spec::model::saturating_add;
use std::collections::BTreeMap;

/// Hardware pieces (disjoint bitmaps) and per-worker software copies of one fragment.
#[derive(Debug, Clone, Default)]
pub struct Pieces {
    hardware: Vec<(Vec<i32>, bool)>,
    hardware_bitmap: u64,
    copies: BTreeMap<u8, Vec<i32>>,
    elements: Option<usize>,
}

impl Pieces {
    fn fits(&mut self, lanes: &[i32]) -> bool {
        *self.elements.get_or_insert(lanes.len()) == lanes.len()
    }

    /// Keeps a partial sum from the card unless it shares a worker with one already kept (a sum
    /// cannot be split, so the overlap would count someone twice). Returns whether it was kept.
    pub fn add_hardware(&mut self, bitmap: u64, sum: Vec<i32>, overflow: bool) -> bool {
        if bitmap & self.hardware_bitmap != 0 || !self.fits(&sum) {
            return false;
        }
        self.hardware_bitmap |= bitmap;
        self.hardware.push((sum, overflow));
        true
    }

    /// Keeps one worker's own lanes (a forward or a resend); later copies of the same worker are
    /// the same lanes and are ignored. Returns whether it was kept.
    pub fn add_copy(&mut self, worker: u8, lanes: Vec<i32>) -> bool {
        if self.copies.contains_key(&worker) || !self.fits(&lanes) {
            return false;
        }
        self.copies.insert(worker, lanes);
        true
    }

    /// Workers whose lanes are here, in some piece.
    pub fn covered(&self) -> u64 {
        self.copies.keys().fold(self.hardware_bitmap, |m, w| m | 1 << w)
    }

    /// The sum over `mask` once every worker of it is covered, each taken exactly once: every
    /// hardware piece, then the copies of the workers no hardware piece holds. Saturating, with the
    /// overflow flag.
    pub fn total(&self, mask: u64) -> Option<(Vec<i32>, bool)> {
        if self.covered() & mask != mask || self.hardware_bitmap & !mask != 0 {
            return None;
        }
        let mut acc = vec![0i32; self.elements?];
        let mut overflow = false;
        let copies = self
            .copies
            .iter()
            .filter(|(w, _)| (self.hardware_bitmap | !mask) >> **w & 1 == 0);
        for (lanes, flag) in self
            .hardware
            .iter()
            .map(|(s, o)| (s, *o))
            .chain(copies.map(|(_, l)| (l, false)))
        {
            overflow |= flag;
            for (a, x) in acc.iter_mut().zip(lanes) {
                let (s, sat) = saturating_add(*a, *x);
                *a = s;
                overflow |= sat;
            }
        }
        Some((acc, overflow))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_hardware_pieces_are_refused() {
        let mut p = Pieces::default();
        assert!(p.add_hardware(0b011, vec![3], false));
        assert!(!p.add_hardware(0b110, vec![5], false));
        assert!(p.add_copy(2, vec![4]));
        assert_eq!(p.total(0b111), Some((vec![7], false)));
    }

    #[test]
    fn copies_under_a_hardware_piece_are_not_counted_again() {
        let mut p = Pieces::default();
        assert!(p.add_copy(0, vec![1]));
        assert!(!p.add_copy(0, vec![1]), "a second copy of a worker is ignored");
        assert_eq!(p.total(0b11), None);
        assert!(p.add_hardware(0b11, vec![1 + 2], false));
        assert_eq!(p.total(0b11), Some((vec![3], false)));
    }

    #[test]
    fn saturation_sets_overflow() {
        let mut p = Pieces::default();
        p.add_copy(0, vec![i32::MAX]);
        p.add_copy(1, vec![1]);
        assert_eq!(p.total(0b11), Some((vec![i32::MAX], true)));
        assert!(!p.add_copy(2, vec![1, 2]), "a copy of another length is refused");
    }
}
