//! One logical database: its keys, their expiry times, lazy and active expiry, a SCAN cursor
//! that never misses a key present for the whole scan, and the log of key events the
//! modification hook hands on (see `notify`).

use super::data::Data;
use super::notify::{EventClass, KeyEvent};
use bytes::Bytes;
use indexmap::IndexMap;
use std::collections::BTreeSet;

/// A key's value and its absolute expiry time (milliseconds since the epoch), if any.
#[derive(Debug, Clone)]
pub struct Entry {
    pub data: Data,
    expire_at: Option<i64>,
    /// For a string written in place (APPEND, SETRANGE, SETBIT, BITOP, INCRBYFLOAT), the
    /// encoding Redis gives it ("raw", "embstr"); None means "as SET would encode it".
    pub string_encoding: Option<&'static str>,
    /// The database's access counter when the key was last written or looked up (LRU order).
    last_access: u64,
    /// How many times the key was written or looked up (LFU order).
    accesses: u64,
    /// When the key was last written or looked up (ms, engine clock): OBJECT IDLETIME.
    last_access_ms: i64,
}

impl Entry {
    pub fn expire_at(&self) -> Option<i64> {
        self.expire_at
    }

    /// Position in the database's access order: lower means used longer ago.
    pub fn last_access(&self) -> u64 {
        self.last_access
    }

    /// How many times the key was written or looked up.
    pub fn accesses(&self) -> u64 {
        self.accesses
    }

    /// Milliseconds since the key was last written or looked up.
    pub fn idle_ms(&self, now: i64) -> i64 {
        (now - self.last_access_ms).max(0)
    }
}

/// A database (SELECT 0..15).
#[derive(Debug, Default)]
pub struct Db {
    /// Keys in an order SCAN can walk by index (see `scan`).
    entries: IndexMap<Bytes, Entry>,
    /// (expire_at, key) for every key with a TTL, soonest first, for active expiry.
    expiry: BTreeSet<(i64, Bytes)>,
    /// Keys deleted on access because their TTL had passed (INFO's expired_keys).
    lazily_expired: u64,
    /// Counts writes and lookups, to order keys by last access.
    access_clock: u64,
    /// The latest time a lookup or `observe_time` reported, stamped on keys as they are written.
    now_ms: i64,
    /// Modifications not yet handed to the hook (see `Store::dispatch_key_events`).
    events: Vec<KeyEvent>,
}

impl Db {
    /// Number of keys, counting expired keys not yet reclaimed (as DBSIZE does).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many keys were deleted on access because their TTL had passed.
    pub fn lazily_expired(&self) -> u64 {
        self.lazily_expired
    }

    /// Zeroes the lazy expiry count (CONFIG RESETSTAT).
    pub fn reset_lazily_expired(&mut self) {
        self.lazily_expired = 0;
    }

    /// Number of keys with a TTL.
    pub fn expires_len(&self) -> usize {
        self.expiry.len()
    }

    /// Average remaining TTL in ms over keys with one (INFO keyspace's avg_ttl).
    pub fn avg_ttl(&self, now: i64) -> i64 {
        if self.expiry.is_empty() {
            return 0;
        }
        let total: i64 = self.expiry.iter().map(|(at, _)| (at - now).max(0)).sum();
        total / self.expiry.len() as i64
    }

    /// The modification hook: `key` was written by `event` (signalModifiedKey plus
    /// notifyKeyspaceEvent). Every write command calls it for every key it changes.
    pub fn modified(&mut self, class: EventClass, event: &'static str, key: &Bytes) {
        self.events.push(KeyEvent {
            class,
            name: event,
            key: key.clone(),
        });
    }

    /// The modification hook without a keyspace event (signalModifiedKey alone): the key's
    /// value changed in a way no notification reports (PFCOUNT caching its cardinality).
    pub fn signal_modified(&mut self, key: &Bytes) {
        self.modified(EventClass::empty(), "", key);
    }

    /// Takes the events recorded since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<KeyEvent> {
        std::mem::take(&mut self.events)
    }

    /// Gives back the (drained) buffer `take_events` returned, to be reused.
    pub fn return_event_buffer(&mut self, buffer: Vec<KeyEvent>) {
        if self.events.is_empty() {
            self.events = buffer;
        }
    }

    /// True when events wait for the hook.
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// Deletes a key whose TTL passed and records the `expired` event.
    fn delete_expired(&mut self, key: &[u8]) {
        if let Some((key, _)) = self.remove_entry(key) {
            self.modified(EventClass::EXPIRED, "expired", &key);
        }
    }

    /// Removes `key` if its TTL has passed.
    fn expire_if_due(&mut self, key: &[u8], now: i64) {
        self.live_index(key, now);
    }

    /// Where the live entry for `key` is, with one hash lookup; an entry whose TTL has passed
    /// is deleted (lazy expiry) and reported missing.
    fn live_index(&mut self, key: &[u8], now: i64) -> Option<usize> {
        let index = self.entries.get_index_of(key)?;
        let (_, entry) = self.entries.get_index(index).expect("index just found");
        if entry.expire_at.is_some_and(|at| at <= now) {
            self.delete_expired(key);
            self.lazily_expired += 1;
            return None;
        }
        Some(index)
    }

    /// The live entry for `key` (an expired one is deleted first).
    pub fn get(&mut self, key: &[u8], now: i64) -> Option<&mut Entry> {
        let index = self.live_index(key, now);
        self.now_ms = self.now_ms.max(now);
        let (_, entry) = self.entries.get_index_mut(index?)?;
        self.access_clock += 1;
        entry.last_access = self.access_clock;
        entry.accesses += 1;
        entry.last_access_ms = now;
        Some(entry)
    }

    /// The live entry for `key` without counting it as used (TYPE, TTL, OBJECT: Redis's
    /// LOOKUP_NOTOUCH).
    pub fn peek(&mut self, key: &[u8], now: i64) -> Option<&Entry> {
        let index = self.live_index(key, now)?;
        self.entries.get_index(index).map(|(_, entry)| entry)
    }

    /// Tells the database the current time, which keys written next are stamped with.
    pub fn observe_time(&mut self, now: i64) {
        self.now_ms = self.now_ms.max(now);
    }

    /// The live value for `key`.
    pub fn data(&mut self, key: &[u8], now: i64) -> Option<&mut Data> {
        self.get(key, now).map(|e| &mut e.data)
    }

    /// The value at `key` without checking its TTL, for reading several keys at once; look
    /// each key up with `data` first so that expired ones are already gone.
    pub fn peek_data(&self, key: &[u8]) -> Option<&Data> {
        self.entries.get(key).map(|e| &e.data)
    }

    /// The live value for `key`, stored first as `make()` when the key is missing: the one
    /// place commands create keys (Redis's dbAdd). The caller checks the value's type.
    pub fn get_or_create(
        &mut self,
        key: &Bytes,
        now: i64,
        make: impl FnOnce() -> Data,
    ) -> &mut Data {
        self.expire_if_due(key, now);
        if !self.entries.contains_key(key) {
            self.set(key.clone(), make());
        }
        self.data(key, now).expect("present or just stored")
    }

    /// True when `key` is stored, whether or not its TTL has passed (Redis's dictFind).
    pub fn exists_unchecked(&self, key: &[u8]) -> bool {
        self.entries.contains_key(key)
    }

    /// True when `key` is stored but its TTL has passed (keyIsExpired).
    pub fn is_expired(&self, key: &[u8], now: i64) -> bool {
        self.entries
            .get(key)
            .and_then(|e| e.expire_at)
            .is_some_and(|at| at <= now)
    }

    pub fn contains(&mut self, key: &[u8], now: i64) -> bool {
        self.get(key, now).is_some()
    }

    /// Stores `data` at `key`, dropping any TTL (as SET does).
    pub fn set(&mut self, key: Bytes, data: Data) {
        self.set_with_expiry(key, data, None);
    }

    /// Stores `data` at `key`, keeping the key's TTL if it has one (KEEPTTL, in-place updates).
    pub fn set_keep_ttl(&mut self, key: Bytes, data: Data, now: i64) {
        let ttl = self.get(&key, now).and_then(|e| e.expire_at);
        self.set_with_expiry(key, data, ttl);
    }

    /// Stores `data` at `key` with the given absolute expiry.
    pub fn set_with_expiry(&mut self, key: Bytes, data: Data, expire_at: Option<i64>) {
        self.access_clock += 1;
        let old = self.entries.insert(
            key.clone(),
            Entry {
                data,
                expire_at,
                string_encoding: None,
                last_access: self.access_clock,
                accesses: 1,
                last_access_ms: self.now_ms,
            },
        );
        match old {
            Some(old) => {
                if let Some(at) = old.expire_at {
                    self.expiry.remove(&(at, key.clone()));
                }
            }
            // dbAdd's `new` event.
            None => self.modified(EventClass::NEW, "new", &key),
        }
        if let Some(at) = expire_at {
            self.expiry.insert((at, key));
        }
    }

    /// Deletes `key`, live or expired.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        self.remove_entry(key).map(|(_, entry)| entry)
    }

    /// Deletes `key`, returning the stored key and its entry.
    fn remove_entry(&mut self, key: &[u8]) -> Option<(Bytes, Entry)> {
        let (k, entry) = self.entries.swap_remove_entry(key)?;
        if let Some(at) = entry.expire_at {
            self.expiry.remove(&(at, k.clone()));
        }
        Some((k, entry))
    }

    /// Deletes `key` if it holds an emptied collection, recording the `del` event as Redis
    /// does when a command empties a key.
    pub fn remove_if_empty(&mut self, key: &[u8]) {
        if self
            .entries
            .get(key)
            .is_some_and(|e| e.data.is_empty_collection())
            && let Some((key, _)) = self.remove_entry(key)
        {
            self.modified(EventClass::GENERIC, "del", &key);
        }
    }

    /// Sets or clears the expiry of an existing key; false when the key does not exist.
    pub fn set_expire(&mut self, key: &[u8], expire_at: Option<i64>) -> bool {
        let Some((_, k, entry)) = self.entries.get_full_mut(key) else {
            return false;
        };
        if let Some(old) = entry.expire_at.take() {
            self.expiry.remove(&(old, k.clone()));
        }
        entry.expire_at = expire_at;
        if let Some(at) = expire_at {
            self.expiry.insert((at, k.clone()));
        }
        true
    }

    /// Deletes every key.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.expiry.clear();
    }

    /// Active expiry: deletes up to `limit` keys whose TTL has passed; returns how many.
    pub fn purge_expired(&mut self, now: i64, limit: usize) -> usize {
        let due: Vec<Bytes> = self
            .expiry
            .iter()
            .take_while(|(at, _)| *at <= now)
            .take(limit)
            .map(|(_, k)| k.clone())
            .collect();
        for k in &due {
            self.delete_expired(k);
        }
        due.len()
    }

    /// Every stored entry (expired ones not yet reclaimed included), in storage order.
    pub fn entries(&self) -> impl Iterator<Item = (&Bytes, &Entry)> {
        self.entries.iter()
    }

    /// Every live key, in storage order.
    pub fn keys(&mut self, now: i64) -> Vec<Bytes> {
        self.lazily_expired += self.purge_expired(now, usize::MAX) as u64;
        self.entries.keys().cloned().collect()
    }

    /// One step of a SCAN walk.
    ///
    /// Keys are visited from the highest index down, and the cursor is the number of indexes
    /// still to visit. A delete moves the last key into the hole (swap-remove): the moved key
    /// was already visited or is visited again (a duplicate, which SCAN allows), so no key
    /// present for the whole walk is missed. Keys added during the walk land at the end and
    /// may not be returned, as SCAN allows. Returns the next cursor (0 when done).
    pub fn scan(&mut self, cursor: u64, count: usize, now: i64) -> (u64, Vec<Bytes>) {
        let len = self.entries.len() as u64;
        let mut next = if cursor == 0 || cursor > len {
            len
        } else {
            cursor
        };
        let mut keys = Vec::with_capacity(count);
        while next > 0 && keys.len() < count.max(1) {
            next -= 1;
            let (key, entry) = self
                .entries
                .get_index(next as usize)
                .expect("index below len");
            if entry.expire_at.is_none_or(|at| at > now) {
                keys.push(key.clone());
            }
        }
        (next, keys)
    }

    /// A uniformly random live key (RANDOMKEY).
    pub fn random_key(&mut self, now: i64) -> Option<Bytes> {
        self.lazily_expired += self.purge_expired(now, usize::MAX) as u64;
        if self.entries.is_empty() {
            return None;
        }
        let i = rand::random_range(0..self.entries.len());
        self.entries.get_index(i).map(|(k, _)| k.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(s: &'static str) -> Data {
        Data::String(Bytes::from_static(s.as_bytes()))
    }

    #[test]
    fn expired_keys_vanish_on_access_and_actively() {
        let mut db = Db::default();
        db.set_with_expiry(Bytes::from("a"), string("1"), Some(100));
        db.set_with_expiry(Bytes::from("b"), string("2"), Some(200));
        db.set(Bytes::from("c"), string("3"));
        assert!(db.get(b"a", 99).is_some());
        assert!(db.get(b"a", 100).is_none());
        assert_eq!(db.len(), 2);
        assert_eq!(db.purge_expired(1000, 10), 1);
        assert_eq!(db.len(), 1);
        assert_eq!(db.expires_len(), 0);
    }

    #[test]
    fn set_clears_ttl_and_keep_ttl_keeps_it() {
        let mut db = Db::default();
        db.set_with_expiry(Bytes::from("k"), string("1"), Some(5000));
        db.set_keep_ttl(Bytes::from("k"), string("2"), 0);
        assert_eq!(db.get(b"k", 0).unwrap().expire_at(), Some(5000));
        db.set(Bytes::from("k"), string("3"));
        assert_eq!(db.get(b"k", 0).unwrap().expire_at(), None);
        assert_eq!(db.expires_len(), 0);
    }

    #[test]
    fn scan_sees_every_key_present_throughout_despite_deletes() {
        let mut db = Db::default();
        for i in 0..100 {
            db.set(Bytes::from(format!("k{i}")), string("v"));
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut round = 0;
        loop {
            let (next, keys) = db.scan(cursor, 7, 0);
            seen.extend(keys);
            // Delete keys with even numbers as the walk goes on.
            db.remove(format!("k{}", round * 2).as_bytes());
            round += 1;
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        for i in 0..100 {
            if i % 2 == 1 || i / 2 >= round {
                assert!(seen.contains(format!("k{i}").as_bytes()), "k{i} missed");
            }
        }
    }
}
