//! Frames for the card's transmit path, written back to back into one buffer the caller keeps:
//! the PS appends its output there instead of allocating (and the caller freeing) one `Vec` per
//! frame. Cleared and reused, it allocates nothing once it has grown to a step's output.

/// A list of frames in one buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frames {
    bytes: Vec<u8>,
    /// Where each frame ends in `bytes`.
    ends: Vec<usize>,
}

impl Frames {
    pub fn new() -> Frames {
        Frames::default()
    }

    /// Forgets the frames, keeping the buffers.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The frames in the order they were written.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(start, &end)| &self.bytes[start..end])
    }

    /// One `Vec` per frame.
    pub fn to_vecs(&self) -> Vec<Vec<u8>> {
        self.iter().map(<[u8]>::to_vec).collect()
    }

    /// Appends one frame, the concatenation of `parts`.
    pub(crate) fn push(&mut self, parts: &[&[u8]]) {
        for p in parts {
            self.bytes.extend_from_slice(p);
        }
        self.ends.push(self.bytes.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_back_as_written_and_clear_keeps_nothing() {
        let mut f = Frames::new();
        f.push(&[&[1, 2], &[3]]);
        f.push(&[]);
        f.push(&[&[4]]);
        assert_eq!(f.to_vecs(), vec![vec![1, 2, 3], vec![], vec![4]]);
        assert_eq!(f.len(), 3);
        f.clear();
        assert!(f.is_empty());
        assert_eq!(f.iter().count(), 0);
    }
}
