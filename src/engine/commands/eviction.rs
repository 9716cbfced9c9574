//! maxmemory: before each command, evict keys by `maxmemory-policy` while the memory estimate
//! (the one INFO memory reports) is above `maxmemory`; with nothing left to evict, commands
//! that may grow memory are refused with Redis's OOM error.
//!
//! LRU and LFU orders are exact rather than sampled: the least recently (or least often)
//! looked-up key goes first, which is what Redis's sampling approximates.

use super::keys::key_memory;
use super::server::used_memory;
use crate::engine::notify::EventClass;
use crate::engine::store::Store;
use bytes::Bytes;

/// Evicts keys until the estimate is within `maxmemory`; false when it still is not (the
/// policy is noeviction or no key qualifies).
pub(crate) fn perform_evictions(store: &mut Store) -> bool {
    let limit = store.config.maxmemory();
    let mut used = used_memory(store);
    if limit == 0 || used <= limit {
        return true;
    }
    let policy = store.config.get("maxmemory-policy").unwrap_or("noeviction");
    let Some((scope, order)) = policy.split_once('-') else {
        return false;
    };
    let volatile = scope == "volatile";
    // (rank, tie-break, db, key, bytes): the lowest rank is evicted first.
    let mut candidates: Vec<(u64, u64, usize, Bytes, u64)> = Vec::new();
    for (index, db) in store.dbs.iter().enumerate() {
        for (key, entry) in db.entries() {
            if volatile && entry.expire_at().is_none() {
                continue;
            }
            let rank = match order {
                "lru" => entry.last_access(),
                "lfu" => entry.accesses(),
                "ttl" => entry.expire_at().unwrap_or(i64::MAX).max(0) as u64,
                _ => rand::random(),
            };
            let bytes = key_memory(key, entry) as u64;
            candidates.push((rank, entry.last_access(), index, key.clone(), bytes));
        }
    }
    candidates.sort_unstable_by_key(|c| (c.0, c.1));
    for (_, _, index, key, bytes) in candidates {
        if used <= limit {
            break;
        }
        let db = &mut store.dbs[index];
        db.remove(&key);
        db.modified(EventClass::EVICTED, "evicted", &key);
        store.stats.evicted_keys += 1;
        used = used.saturating_sub(bytes);
    }
    used <= limit
}
