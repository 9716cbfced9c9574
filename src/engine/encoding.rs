//! Thresholds that decide when a small collection switches to its large encoding, as Redis's
//! `*-max-listpack-*` and `set-max-intset-entries` configs do.

use super::config::Config;

/// The encoding thresholds (CONFIG SET changes them); `Default` gives Redis 7.0.15's built-in
/// defaults (hash-max-listpack-entries is 512 there, not redis.conf's 128).
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
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
        }
    }
}

impl EncodingLimits {
    /// The limits the configuration currently sets (CONFIG SET changes them).
    pub fn from_config(config: &Config) -> EncodingLimits {
        let get = |name: &str| config.get_i64(name).max(0) as usize;
        EncodingLimits {
            set_max_intset_entries: get("set-max-intset-entries"),
            hash_max_listpack_entries: get("hash-max-listpack-entries"),
            hash_max_listpack_value: get("hash-max-listpack-value"),
            zset_max_listpack_entries: get("zset-max-listpack-entries"),
            zset_max_listpack_value: get("zset-max-listpack-value"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_default_configuration() {
        assert_eq!(
            EncodingLimits::from_config(&Config::new(6379)),
            EncodingLimits::default()
        );
    }
}
