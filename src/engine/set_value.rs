//! The set type with Redis 7.0's two encodings: an intset (integers only, kept sorted
//! numerically, which is the order SMEMBERS shows) and a hashtable (any members).

use super::args::parse_i64;
use super::encoding::EncodingLimits;
use bytes::Bytes;
use indexmap::IndexSet;
use std::ops::Deref;

/// A set's members and whether it is still an intset. Reading goes through `Deref`; writing
/// goes through `insert`/`remove` so that the encoding rules hold.
#[derive(Debug, Clone)]
pub struct SetValue {
    members: IndexSet<Bytes>,
    intset: bool,
}

impl Default for SetValue {
    fn default() -> Self {
        SetValue::new()
    }
}

impl Deref for SetValue {
    type Target = IndexSet<Bytes>;

    fn deref(&self) -> &IndexSet<Bytes> {
        &self.members
    }
}

impl SetValue {
    /// An empty set; it stays an intset while only integers are added.
    pub fn new() -> SetValue {
        SetValue {
            members: IndexSet::new(),
            intset: true,
        }
    }

    /// True while the set is encoded as an intset.
    pub fn is_intset(&self) -> bool {
        self.intset
    }

    /// Adds `member`; false when it was already there. A non-integer member, or growing past
    /// `set-max-intset-entries`, turns an intset into a hashtable for good.
    pub fn insert(&mut self, member: Bytes, limits: &EncodingLimits) -> bool {
        if self.intset {
            if let Some(value) = parse_i64(&member) {
                let position = self
                    .members
                    .binary_search_by(|m| parse_i64(m).unwrap_or_default().cmp(&value));
                let Err(position) = position else {
                    return false;
                };
                self.members.shift_insert(position, member);
                if self.members.len() > limits.set_max_intset_entries {
                    self.intset = false;
                }
                return true;
            }
            self.intset = false;
        }
        self.members.insert(member)
    }

    /// Removes `member`; false when it was not there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        if self.intset {
            self.members.shift_remove(member)
        } else {
            self.members.swap_remove(member)
        }
    }

    /// Removes and returns the member at `index`.
    pub fn remove_index(&mut self, index: usize) -> Option<Bytes> {
        if self.intset {
            self.members.shift_remove_index(index)
        } else {
            self.members.swap_remove_index(index)
        }
    }

    /// A uniformly random member.
    pub fn random(&self) -> Option<&Bytes> {
        if self.members.is_empty() {
            return None;
        }
        self.members
            .get_index(rand::random_range(0..self.members.len()))
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        if self.intset { "intset" } else { "hashtable" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_of(members: &[&str]) -> SetValue {
        let mut set = SetValue::new();
        for m in members {
            set.insert(
                Bytes::copy_from_slice(m.as_bytes()),
                &EncodingLimits::default(),
            );
        }
        set
    }

    #[test]
    fn integer_sets_stay_sorted_numerically() {
        let set = set_of(&["10", "-3", "2", "10", "100"]);
        let members: Vec<&[u8]> = set.iter().map(|m| &m[..]).collect();
        assert_eq!(members, [&b"-3"[..], b"2", b"10", b"100"]);
        assert_eq!(set.encoding(), "intset");
    }

    #[test]
    fn a_string_member_makes_a_hashtable_for_good() {
        let mut set = set_of(&["1", "a", "2"]);
        assert_eq!(set.encoding(), "hashtable");
        set.remove(b"a");
        assert_eq!(set.encoding(), "hashtable");
    }

    #[test]
    fn too_many_integers_make_a_hashtable() {
        let limits = EncodingLimits {
            set_max_intset_entries: 2,
            ..EncodingLimits::default()
        };
        let mut set = SetValue::new();
        set.insert(Bytes::from("1"), &limits);
        set.insert(Bytes::from("2"), &limits);
        assert!(set.is_intset());
        set.insert(Bytes::from("3"), &limits);
        assert!(!set.is_intset());
    }
}
