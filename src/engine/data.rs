//! The values a key can hold, one variant per Redis type.

use super::args::parse_i64;
use bytes::Bytes;
use std::collections::VecDeque;

pub use super::hash_value::HashValue;
pub use super::set_value::SetValue;
pub use super::sorted_set::SortedSet;

/// A key's value.
///
/// Hashes keep insertion order while small and integer-only sets stay sorted (Redis 7.0's
/// listpack and intset), so that small collections reply in the same order as real Redis.
#[derive(Debug, Clone)]
pub enum Data {
    String(Bytes),
    List(VecDeque<Bytes>),
    Set(SetValue),
    Hash(HashValue),
    ZSet(SortedSet),
}

impl Data {
    /// The name TYPE replies with.
    pub fn type_name(&self) -> &'static str {
        match self {
            Data::String(_) => "string",
            Data::List(_) => "list",
            Data::Set(_) => "set",
            Data::Hash(_) => "hash",
            Data::ZSet(_) => "zset",
        }
    }

    /// True for a collection with no elements left (Redis deletes such keys).
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Data::String(_) => false,
            Data::List(l) => l.is_empty(),
            Data::Set(s) => s.is_empty(),
            Data::Hash(h) => h.is_empty(),
            Data::ZSet(z) => z.is_empty(),
        }
    }

    /// The name OBJECT ENCODING reports, following Redis 7.0's conversion rules: strings are
    /// `int` (a 64-bit integer of at most 20 bytes), `embstr` (up to 44 bytes) or `raw`; lists
    /// are always `quicklist`; the other collections come from their own encoding state.
    pub fn encoding(&self) -> &'static str {
        match self {
            Data::String(s) if s.len() <= 20 && parse_i64(s).is_some() => "int",
            Data::String(s) if s.len() <= 44 => "embstr",
            Data::String(_) => "raw",
            Data::List(_) => "quicklist",
            Data::Set(s) => s.encoding(),
            Data::Hash(h) => h.encoding(),
            Data::ZSet(z) => z.encoding(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::encoding::EncodingLimits;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn strings_report_int_embstr_raw() {
        assert_eq!(Data::String(b("12345")).encoding(), "int");
        assert_eq!(Data::String(b("-9223372036854775808")).encoding(), "int");
        assert_eq!(Data::String(b("007")).encoding(), "embstr");
        assert_eq!(Data::String(b(&"x".repeat(44))).encoding(), "embstr");
        assert_eq!(Data::String(b(&"x".repeat(45))).encoding(), "raw");
    }

    #[test]
    fn collections_follow_redis_7_0_conversions() {
        let limits = EncodingLimits::default();
        assert_eq!(Data::List(VecDeque::new()).encoding(), "quicklist");

        // Measured on 7.0.15: SADD s 1 2 a; SREM s a -> still hashtable.
        let mut set = SetValue::new();
        for m in ["1", "2", "a"] {
            set.insert(b(m), &limits);
        }
        set.remove(b"a");
        assert_eq!(Data::Set(set).encoding(), "hashtable");

        // HINCRBYFLOAT with a long increment but a short result stays a listpack.
        let mut hash = HashValue::new();
        hash.insert(b("f"), b("2"), &limits);
        assert_eq!(Data::Hash(hash).encoding(), "listpack");

        // ZADD with a 74-byte member, then ZREM of it: skiplist for good.
        let mut zset = SortedSet::default();
        zset.insert(b(&"a".repeat(74)), 1.0, &limits);
        zset.insert(b("b"), 2.0, &limits);
        zset.remove("a".repeat(74).as_bytes());
        assert_eq!(Data::ZSet(zset.clone()).encoding(), "skiplist");
        // A stored result (ZUNIONSTORE, ZRANGESTORE) that fits is a listpack again.
        zset.fit_encoding(&limits);
        assert_eq!(Data::ZSet(zset).encoding(), "listpack");

        let mut big = SortedSet::default();
        for i in 0..128 {
            big.insert(b(&i.to_string()), i as f64, &limits);
        }
        assert_eq!(big.encoding(), "listpack");
        big.insert(b("one more"), 0.0, &limits);
        assert_eq!(big.encoding(), "skiplist");
    }
}
