//! The hash type with Redis 7.0's two encodings: a listpack (small: insertion order, kept
//! across deletes) and a hashtable (large, order unspecified).

use super::encoding::EncodingLimits;
use bytes::Bytes;
use indexmap::IndexMap;
use std::ops::Deref;

/// A hash's fields and whether it is still a listpack. Reading goes through `Deref`; writing
/// goes through `insert`/`remove` so that the encoding rules hold.
#[derive(Debug, Clone)]
pub struct HashValue {
    fields: IndexMap<Bytes, Bytes>,
    listpack: bool,
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue::new()
    }
}

impl Deref for HashValue {
    type Target = IndexMap<Bytes, Bytes>;

    fn deref(&self) -> &IndexMap<Bytes, Bytes> {
        &self.fields
    }
}

impl HashValue {
    /// An empty hash (a listpack).
    pub fn new() -> HashValue {
        HashValue {
            fields: IndexMap::new(),
            listpack: true,
        }
    }

    /// True while the hash is encoded as a listpack.
    pub fn is_listpack(&self) -> bool {
        self.listpack
    }

    /// Turns a listpack into a hashtable when a field or value this long would not fit.
    pub fn admit_length(&mut self, len: usize, limits: &EncodingLimits) {
        if len > limits.hash_max_listpack_value {
            self.listpack = false;
        }
    }

    /// Sets `field` to `value`; true when the field is new.
    pub fn insert(&mut self, field: Bytes, value: Bytes, limits: &EncodingLimits) -> bool {
        self.admit_length(field.len().max(value.len()), limits);
        let added = self.fields.insert(field, value).is_none();
        if self.fields.len() > limits.hash_max_listpack_entries {
            self.listpack = false;
        }
        added
    }

    /// Removes `field`; false when it was not there. A listpack keeps the others' order.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        if self.listpack {
            self.fields.shift_remove(field).is_some()
        } else {
            self.fields.swap_remove(field).is_some()
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        if self.listpack {
            "listpack"
        } else {
            "hashtable"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_hashes_keep_order_across_deletes() {
        let limits = EncodingLimits::default();
        let mut hash = HashValue::new();
        for f in ["a", "b", "c", "d"] {
            hash.insert(Bytes::from(f), Bytes::from("v"), &limits);
        }
        hash.remove(b"b");
        let fields: Vec<&[u8]> = hash.keys().map(|f| &f[..]).collect();
        assert_eq!(fields, [&b"a"[..], b"c", b"d"]);
        assert_eq!(hash.encoding(), "listpack");
    }

    #[test]
    fn long_values_and_many_fields_make_a_hashtable_for_good() {
        let limits = EncodingLimits::default();
        let mut hash = HashValue::new();
        hash.insert(Bytes::from("f"), Bytes::from("x".repeat(65)), &limits);
        assert_eq!(hash.encoding(), "hashtable");
        hash.remove(b"f");
        assert_eq!(hash.encoding(), "hashtable");
        let mut many = HashValue::new();
        for i in 0..513 {
            many.insert(Bytes::from(i.to_string()), Bytes::from("v"), &limits);
        }
        assert_eq!(many.encoding(), "hashtable");
    }
}
