//! The values a key can hold, one variant per Redis type.

use bytes::Bytes;
use indexmap::{IndexMap, IndexSet};
use std::collections::VecDeque;

pub use super::sorted_set::SortedSet;

/// A key's value.
///
/// Hashes keep insertion order and sets are reported in Redis 7.0's order (integer-only sets
/// sorted, like an intset), so that small collections reply in the same order as real Redis.
#[derive(Debug, Clone)]
pub enum Data {
    String(Bytes),
    List(VecDeque<Bytes>),
    Set(IndexSet<Bytes>),
    Hash(IndexMap<Bytes, Bytes>),
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
}
