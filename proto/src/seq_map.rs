//! A map keyed by fragment sequence number for the PS's per-tenant state: a ring of slots indexed
//! by `seq mod capacity` holds the keys of a moving home range `[base, base + capacity)`, where a
//! tenant's live fragments are (around its floor, within a few windows), so the usual lookup,
//! insert and remove is one array access; any other key goes to a `BTreeMap` beside it, so the map
//! stays exact whatever the sequence numbers. `base` only moves forward.

use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub(crate) struct SeqMap<V> {
    ring: Vec<Option<(u32, V)>>,
    base: u32,
    others: BTreeMap<u32, V>,
    len: usize,
}

/// Whether `a` is serially before `b` (RFC 1982 over u32).
pub(crate) fn serial_lt(a: u32, b: u32) -> bool {
    a != b && b.wrapping_sub(a) < 1 << 31
}

impl<V> SeqMap<V> {
    /// A map whose home range starts at `base`, with at least `capacity` slots (at most 2^16).
    pub(crate) fn new(base: u32, capacity: u32) -> SeqMap<V> {
        let capacity = capacity.clamp(1, 1 << 16).next_power_of_two() as usize;
        SeqMap {
            ring: (0..capacity).map(|_| None).collect(),
            base,
            others: BTreeMap::new(),
            len: 0,
        }
    }

    fn slot(&self, key: u32) -> usize {
        key as usize & (self.ring.len() - 1)
    }

    fn at_home(&self, key: u32) -> bool {
        (key.wrapping_sub(self.base) as usize) < self.ring.len()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn get(&self, key: u32) -> Option<&V> {
        match &self.ring[self.slot(key)] {
            Some((k, v)) if *k == key => Some(v),
            _ if self.others.is_empty() => None,
            _ => self.others.get(&key),
        }
    }

    pub(crate) fn get_mut(&mut self, key: u32) -> Option<&mut V> {
        let slot = self.slot(key);
        match &mut self.ring[slot] {
            Some((k, v)) if *k == key => Some(v),
            _ => self.others.get_mut(&key),
        }
    }

    pub(crate) fn contains_key(&self, key: u32) -> bool {
        self.get(key).is_some()
    }

    /// The value of `key`, inserted by `make` if absent.
    pub(crate) fn get_or_insert_with(&mut self, key: u32, make: impl FnOnce() -> V) -> &mut V {
        let slot = self.slot(key);
        if !matches!(&self.ring[slot], Some((k, _)) if *k == key) {
            if self.others.contains_key(&key) {
                return self.others.get_mut(&key).expect("just seen");
            }
            self.len += 1;
            if !self.at_home(key) || self.ring[slot].is_some() {
                return self.others.entry(key).or_insert_with(make);
            }
            self.ring[slot] = Some((key, make()));
        }
        &mut self.ring[slot].as_mut().expect("in the ring").1
    }

    /// Inserts or replaces; returns the old value.
    pub(crate) fn insert(&mut self, key: u32, value: V) -> Option<V> {
        let slot = self.slot(key);
        if let Some((k, v)) = &mut self.ring[slot]
            && *k == key
        {
            return Some(std::mem::replace(v, value));
        }
        if let Some(v) = self.others.get_mut(&key) {
            return Some(std::mem::replace(v, value));
        }
        self.len += 1;
        // A home key's slot holds no other key: any key in it is a home key of the same residue.
        if self.at_home(key) && self.ring[slot].is_none() {
            self.ring[slot] = Some((key, value));
        } else {
            self.others.insert(key, value);
        }
        None
    }

    pub(crate) fn remove(&mut self, key: u32) -> Option<V> {
        let slot = self.slot(key);
        let removed = match &self.ring[slot] {
            Some((k, _)) if *k == key => self.ring[slot].take().map(|(_, v)| v),
            _ => self.others.remove(&key),
        };
        self.len -= usize::from(removed.is_some());
        removed
    }

    /// Every entry in increasing key order (numeric, as a `BTreeMap` iterates).
    pub(crate) fn sorted(&self) -> Vec<(u32, &V)> {
        let mut all: Vec<(u32, &V)> = self.ring.iter().flatten().map(|(k, v)| (*k, v)).collect();
        all.extend(self.others.iter().map(|(k, v)| (*k, v)));
        all.sort_unstable_by_key(|(k, _)| *k);
        all
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.ring
            .iter()
            .flatten()
            .map(|(_, v)| v)
            .chain(self.others.values())
    }

    /// Moves the home range to start at `base` (serially at or after the current one), handing the
    /// ring entries left behind to `behind`, which keeps them (in `others`) or drops them.
    fn advance(&mut self, base: u32, mut behind: impl FnMut(&mut BTreeMap<u32, V>, u32, V)) {
        let step = base.wrapping_sub(self.base);
        if step >= 1 << 31 {
            return; // never asked for; the home range does not move back
        }
        let passed = (step as usize).min(self.ring.len());
        for d in 0..passed {
            let slot = self.slot(self.base.wrapping_add(d as u32));
            if let Some((k, v)) = self.ring[slot].take() {
                behind(&mut self.others, k, v);
            }
        }
        self.base = base;
    }

    /// Moves the home range to start at `base`, keeping every entry.
    pub(crate) fn rebase(&mut self, base: u32) {
        self.advance(base, |others, k, v| {
            others.insert(k, v);
        });
    }

    /// Removes every entry whose key is serially before `b` (what `retain(|s, _| !serial_lt(*s,
    /// b))` would), handing each value to `dropped`, and moves the home range to start at `b`.
    pub(crate) fn remove_before(&mut self, b: u32, mut dropped: impl FnMut(V)) {
        let mut removed = 0;
        if serial_lt(b, self.base) {
            // Not how the PS calls it (its cut only moves forward), but exact all the same.
            for entry in &mut self.ring {
                if entry.as_ref().is_some_and(|(k, _)| serial_lt(*k, b)) {
                    dropped(entry.take().expect("just seen").1);
                    removed += 1;
                }
            }
        } else {
            // Home keys in [base, b) are before b; those in [b, base + capacity) are not.
            self.advance(b, |_, _, v| {
                dropped(v);
                removed += 1;
            });
        }
        if !self.others.is_empty() {
            removed += remove_before(&mut self.others, b, &mut dropped);
        }
        self.len -= removed;
    }
}

/// [`SeqMap::remove_before`] on a `BTreeMap`, without walking the entries that stay; returns how
/// many it removed.
fn remove_before<V>(map: &mut BTreeMap<u32, V>, b: u32, mut dropped: impl FnMut(V)) -> usize {
    // serial_lt(a, b) <=> b - a in 1..2^31 <=> a in the circular range [b - 2^31 + 1, b - 1].
    let lo = b.wrapping_sub((1 << 31) - 1);
    let hi = b.wrapping_sub(1);
    let mut removed = 0;
    let mut drain = |range: (std::ops::Bound<u32>, std::ops::Bound<u32>)| {
        while let Some(k) = map.range(range).next().map(|(k, _)| *k) {
            dropped(map.remove(&k).expect("just seen"));
            removed += 1;
        }
    };
    use std::ops::Bound::{Included, Unbounded};
    if lo <= hi {
        drain((Included(lo), Included(hi)));
    } else {
        drain((Included(lo), Unbounded));
        drain((Unbounded, Included(hi)));
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u32, u8),
        GetOrInsert(u32, u8),
        Remove(u32),
        RemoveBefore(u32),
        Rebase(u32),
    }

    fn key(near: u32) -> impl Strategy<Value = u32> {
        prop_oneof![
            8 => (0u32..24).prop_map(move |d| near.wrapping_add(d)),
            1 => any::<u32>(),
            1 => (0u32..4).prop_map(move |d| near.wrapping_add(1 << 31).wrapping_add(d)),
        ]
    }

    fn op(near: u32) -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (key(near), any::<u8>()).prop_map(|(k, v)| Op::Insert(k, v)),
            2 => (key(near), any::<u8>()).prop_map(|(k, v)| Op::GetOrInsert(k, v)),
            2 => key(near).prop_map(Op::Remove),
            1 => (0u32..6).prop_map(move |d| Op::RemoveBefore(near.wrapping_add(d))),
            1 => (0u32..6).prop_map(move |d| Op::Rebase(near.wrapping_add(d))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

        /// The same entries as a `BTreeMap` after every step, whatever the keys: near the home
        /// range, anywhere, or half the circle away.
        #[test]
        fn agrees_with_a_btree_map(near in prop_oneof![Just(0u32), Just(u32::MAX - 5), any::<u32>()],
                                   capacity in 1u32..9,
                                   ops in proptest::collection::vec(op(0), 0..60)) {
            let mut m = SeqMap::new(near, capacity);
            let mut r: BTreeMap<u32, u8> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        let k = k.wrapping_add(near);
                        prop_assert_eq!(m.insert(k, v), r.insert(k, v));
                    }
                    Op::GetOrInsert(k, v) => {
                        let k = k.wrapping_add(near);
                        prop_assert_eq!(*m.get_or_insert_with(k, || v), *r.entry(k).or_insert(v));
                    }
                    Op::Remove(k) => {
                        let k = k.wrapping_add(near);
                        prop_assert_eq!(m.remove(k), r.remove(&k));
                    }
                    Op::RemoveBefore(d) => {
                        // Behind the home range too (after a rebase): exact either way.
                        let b = near.wrapping_add(d);
                        let mut got = Vec::new();
                        m.remove_before(b, |v| got.push(v));
                        let mut want = Vec::new();
                        r.retain(|k, v| {
                            let keep = !serial_lt(*k, b);
                            if !keep {
                                want.push(*v);
                            }
                            keep
                        });
                        got.sort_unstable();
                        want.sort_unstable();
                        prop_assert_eq!(got, want);
                    }
                    Op::Rebase(d) => m.rebase(m.base.wrapping_add(d)),
                }
                let all: Vec<(u32, u8)> = m.sorted().into_iter().map(|(k, v)| (k, *v)).collect();
                let want: Vec<(u32, u8)> = r.iter().map(|(k, v)| (*k, *v)).collect();
                prop_assert_eq!(all, want);
                prop_assert_eq!(m.len(), r.len());
                for k in r.keys() {
                    prop_assert_eq!(m.get(*k), r.get(k));
                }
            }
        }
    }
}
