//! Transactions and optimistic locking, as Redis's multi.c: the commands a client queued
//! after MULTI, the keys it WATCHes, and how the modification hook marks a watching client
//! dirty (touchWatchedKey) so that its EXEC fails.

use super::command_table::CommandSpec;
use super::store::Store;
use bytes::Bytes;

/// A client's MULTI state.
#[derive(Debug, Clone, Default)]
pub struct Transaction {
    /// Commands accepted by `process`, run in order by EXEC.
    pub queued: Vec<(&'static CommandSpec, Vec<Bytes>)>,
    /// A command was refused while queueing: EXEC answers EXECABORT (CLIENT_DIRTY_EXEC).
    pub aborted: bool,
}

/// A key a client WATCHes.
#[derive(Debug, Clone)]
pub struct WatchedKey {
    pub db: usize,
    pub key: Bytes,
    /// The key existed but its TTL had passed when WATCH was called.
    pub expired: bool,
}

impl Store {
    /// watchForKey.
    pub fn watch_key(&mut self, client_id: u64, db: usize, key: &Bytes, now_ms: i64) {
        let Some(client) = self.clients.get_mut(&client_id) else {
            return;
        };
        if client.watched.iter().any(|w| w.db == db && w.key == *key) {
            return;
        }
        let expired = self.dbs[db].is_expired(key, now_ms);
        client.watched.push(WatchedKey {
            db,
            key: key.clone(),
            expired,
        });
        self.watchers
            .entry((db, key.clone()))
            .or_default()
            .push(client_id);
    }

    /// unwatchAllKeys.
    pub fn unwatch_all(&mut self, client_id: u64) {
        let Some(client) = self.clients.get_mut(&client_id) else {
            return;
        };
        for watched in std::mem::take(&mut client.watched) {
            let slot = (watched.db, watched.key);
            if let Some(ids) = self.watchers.get_mut(&slot) {
                ids.retain(|&id| id != client_id);
                if ids.is_empty() {
                    self.watchers.remove(&slot);
                }
            }
        }
    }

    /// discardTransaction: leaves MULTI, forgets the queue and every watched key.
    pub fn discard_transaction(&mut self, client_id: u64) {
        if let Some(client) = self.clients.get_mut(&client_id) {
            client.multi = None;
            client.dirty_cas = false;
        }
        self.unwatch_all(client_id);
    }

    /// isWatchedKeyExpired: a watched key's TTL passed since WATCH (even if nobody looked).
    pub fn watched_key_expired(&self, client_id: u64, now_ms: i64) -> bool {
        self.clients.get(&client_id).is_some_and(|client| {
            client
                .watched
                .iter()
                .any(|w| !w.expired && self.dbs[w.db].is_expired(&w.key, now_ms))
        })
    }

    /// touchWatchedKey: `key` of database `db` was modified; clients watching it get a
    /// failing EXEC.
    pub fn touch_watched_key(&mut self, db: usize, key: &Bytes) {
        let Some(ids) = self.watchers.get(&(db, key.clone())) else {
            return;
        };
        let exists = self.dbs[db].exists_unchecked(key);
        for id in ids.clone() {
            let Some(client) = self.clients.get_mut(&id) else {
                continue;
            };
            if let Some(watched) = client
                .watched
                .iter_mut()
                .find(|w| w.db == db && w.key == *key && w.expired)
                && !exists
            {
                // The key was already expired at WATCH and is now deleted: no logical
                // change. Deleted keys are not flagged as expired.
                watched.expired = false;
                continue;
            }
            client.dirty_cas = true;
            self.unwatch_all(id);
        }
    }

    /// touchAllWatchedKeysInDb: database `emptied` is flushed, or replaced by database
    /// `replaced_with` (SWAPDB); clients watching a key that exists in either get a failing
    /// EXEC, with Redis's rules for keys whose TTL already passed.
    pub fn touch_all_watched_in_db(
        &mut self,
        emptied: usize,
        replaced_with: Option<usize>,
        now_ms: i64,
    ) {
        let slots: Vec<(usize, Bytes)> = self
            .watchers
            .keys()
            .filter(|(db, _)| *db == emptied)
            .cloned()
            .collect();
        for slot in slots {
            let key = &slot.1;
            let exists_in_emptied = self.dbs[emptied].exists_unchecked(key);
            let in_replacement = replaced_with.is_some_and(|r| self.dbs[r].exists_unchecked(key));
            if !exists_in_emptied && !in_replacement {
                continue;
            }
            let replacement_expired =
                replaced_with.is_some_and(|r| self.dbs[r].is_expired(key, now_ms));
            let ids = self.watchers.get(&slot).cloned().unwrap_or_default();
            for id in ids {
                let Some(client) = self.clients.get_mut(&id) else {
                    continue;
                };
                let Some(watched) = client
                    .watched
                    .iter_mut()
                    .find(|w| w.db == emptied && w.key == *key)
                else {
                    continue;
                };
                if watched.expired {
                    if !in_replacement {
                        // Expired key now deleted: no logical change.
                        watched.expired = false;
                        continue;
                    }
                    if replacement_expired {
                        // An expired key stays expired.
                        continue;
                    }
                } else if !exists_in_emptied && replacement_expired {
                    // A missing key is replaced with an expired one.
                    watched.expired = true;
                    continue;
                }
                client.dirty_cas = true;
                self.unwatch_all(id);
            }
        }
    }
}
