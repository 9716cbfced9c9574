//! Thresholds that decide when a small collection switches to its large encoding, as Redis's
//! `*-max-listpack-*` and `set-max-intset-entries` configs do.

/// The encoding thresholds (CONFIG SET changes them); `Default` gives Redis 7.0's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodingLimits {
    /// `set-max-intset-entries`: most members an integer-only set keeps as an intset.
    pub set_max_intset_entries: usize,
    /// `hash-max-listpack-entries`: most fields a listpack hash holds.
    pub hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value`: longest field or value a listpack hash holds.
    pub hash_max_listpack_value: usize,
    /// `zset-max-listpack-entries`: most members a listpack sorted set holds.
    pub zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value`: longest member a listpack sorted set holds.
    pub zset_max_listpack_value: usize,
}

impl Default for EncodingLimits {
    fn default() -> Self {
        EncodingLimits {
            set_max_intset_entries: 512,
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
        }
    }
}
