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
