//! Clients blocked on keys (BLPOP, BRPOP ...), served first come, first served when a key
//! they wait on is written, right after the command that wrote it, as Redis does. Timeouts
//! are deadlines on the engine clock.

use super::command::{Outcome, execute};
use super::store::Store;
use crate::resp::Value;
use bytes::Bytes;
use std::collections::{BTreeSet, HashMap, VecDeque};

/// A blocked client: the keys it waits on and the command to run again when one is written.
#[derive(Debug)]
struct Waiter {
    db: usize,
    keys: Vec<Bytes>,
    /// The command as it runs again: the original arguments, or the ones the command
    /// resolved when it blocked (XREAD's `$` becomes an id).
    args: Vec<Bytes>,
    /// When the wait ends with a timeout (ms, engine clock); None waits forever.
    deadline_ms: Option<i64>,
}

/// The registry of blocked clients.
#[derive(Debug, Default)]
pub struct Blocked {
    queues: HashMap<(usize, Bytes), VecDeque<u64>>,
    waiters: HashMap<u64, Waiter>,
    ready: Vec<(usize, Bytes)>,
    /// (deadline, client) for every waiter with a timeout, soonest first.
    deadlines: BTreeSet<(i64, u64)>,
}

impl Blocked {
    /// Notes a write to `key` if anybody waits on it.
    pub fn signal_ready(&mut self, db: usize, key: &Bytes) {
        if self.queues.is_empty() {
            return;
        }
        let slot = (db, key.clone());
        if self.queues.contains_key(&slot) && !self.ready.contains(&slot) {
            self.ready.push(slot);
        }
    }

    /// Blocks `client_id` on `keys` until one is written or `deadline_ms` passes.
    pub fn block(
        &mut self,
        client_id: u64,
        db: usize,
        keys: Vec<Bytes>,
        args: Vec<Bytes>,
        deadline_ms: Option<i64>,
    ) {
        for key in &keys {
            self.queues
                .entry((db, key.clone()))
                .or_default()
                .push_back(client_id);
        }
        if let Some(at) = deadline_ms {
            self.deadlines.insert((at, client_id));
        }
        self.waiters.insert(
            client_id,
            Waiter {
                db,
                keys,
                args,
                deadline_ms,
            },
        );
    }

    /// Stops waiting for `client_id` (disconnect, CLIENT UNBLOCK); false when it was not
    /// blocked.
    pub fn unblock(&mut self, client_id: u64) -> bool {
        self.take(client_id).is_some()
    }

    /// Removes a waiter from the registry, from every key queue it stands in and from the
    /// deadlines.
    fn take(&mut self, client_id: u64) -> Option<Waiter> {
        let waiter = self.waiters.remove(&client_id)?;
        for key in &waiter.keys {
            let slot = (waiter.db, key.clone());
            if let Some(queue) = self.queues.get_mut(&slot) {
                queue.retain(|&id| id != client_id);
                if queue.is_empty() {
                    self.queues.remove(&slot);
                }
            }
        }
        if let Some(at) = waiter.deadline_ms {
            self.deadlines.remove(&(at, client_id));
        }
        Some(waiter)
    }

    /// The soonest deadline of any waiter (ms, engine clock).
    pub fn next_deadline(&self) -> Option<i64> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// Removes and returns the clients whose deadline is at or before `now_ms`.
    fn take_timed_out(&mut self, now_ms: i64) -> Vec<u64> {
        let due: Vec<u64> = self
            .deadlines
            .iter()
            .take_while(|(at, _)| *at <= now_ms)
            .map(|(_, id)| *id)
            .collect();
        for id in &due {
            self.take(*id);
        }
        due
    }

    pub fn is_blocked(&self, client_id: u64) -> bool {
        self.waiters.contains_key(&client_id)
    }

    pub fn blocked_count(&self) -> usize {
        self.waiters.len()
    }
}

impl Store {
    /// Serves clients blocked on keys that were written, oldest waiter first.
    pub fn serve_blocked(&mut self, now_us: i64) {
        // Keys in the order they became ready; keys that serving makes ready (BLMOVE pushing
        // to its destination) come in the next round, as in handleClientsBlockedOnKeys.
        while !self.blocked.ready.is_empty() {
            for slot in std::mem::take(&mut self.blocked.ready) {
                while let Some(&client_id) = self.blocked.queues.get(&slot).and_then(|q| q.front())
                {
                    let args = self.blocked.waiters[&client_id].args.clone();
                    let Outcome::Reply(reply) = execute(self, client_id, now_us, &args) else {
                        self.current_client = None;
                        break;
                    };
                    self.blocked.take(client_id);
                    self.unblock_with(client_id, &reply);
                    self.tracking_after_command(&args[0]);
                }
            }
        }
    }

    /// Ends `client_id`'s wait with `reply` (CLIENT UNBLOCK); false when it was not blocked.
    pub fn unblock_client(&mut self, client_id: u64, reply: &Value) -> bool {
        if !self.blocked.unblock(client_id) {
            return false;
        }
        self.unblock_with(client_id, reply);
        true
    }

    /// Ends the wait of clients whose timeout passed, with a null array.
    pub fn time_out_blocked(&mut self, now_ms: i64) {
        for id in self.blocked.take_timed_out(now_ms) {
            self.unblock_with(id, &Value::NullArray);
        }
    }

    /// Sends an unblocked client its reply and queues it to run the requests that waited.
    fn unblock_with(&mut self, client_id: u64, reply: &Value) {
        self.reply(client_id, reply);
        self.unblocked.push(client_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::client::Client;

    fn args(line: &str) -> Vec<Bytes> {
        line.split(' ')
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect()
    }

    fn run(store: &mut Store, line: &str) -> Value {
        match execute(store, 3, 0, &args(line)) {
            Outcome::Reply(reply) => reply,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn keys_are_served_in_the_order_they_became_ready() {
        let mut store = Store::new(0, 6379);
        for id in 1..=3 {
            store
                .clients
                .insert(id, Client::new(id, String::new(), String::new(), 0));
        }
        let k1 = vec![Bytes::from("k1")];
        let k2 = vec![Bytes::from("k2")];
        store
            .blocked
            .block(1, 0, k1, args("BLMOVE k1 dst LEFT RIGHT 0"), None);
        store
            .blocked
            .block(2, 0, k2, args("BLMOVE k2 dst LEFT RIGHT 0"), None);
        // One step (a transaction or script) pushes to k2, then to k1.
        run(&mut store, "RPUSH k2 from-k2");
        run(&mut store, "RPUSH k1 from-k1");
        store.serve_blocked(0);
        assert_eq!(
            run(&mut store, "LRANGE dst 0 -1"),
            Value::Array(vec![Value::bulk("from-k2"), Value::bulk("from-k1")])
        );
        assert_eq!(store.clients[&1].output.as_ref(), b"$7\r\nfrom-k1\r\n");
        assert_eq!(store.clients[&2].output.as_ref(), b"$7\r\nfrom-k2\r\n");
        assert_eq!(store.blocked.blocked_count(), 0);
        assert_eq!(store.unblocked, vec![2, 1]);
    }

    #[test]
    fn timeouts_follow_the_engine_clock() {
        let mut store = Store::new(0, 6379);
        store
            .clients
            .insert(1, Client::new(1, String::new(), String::new(), 0));
        store
            .blocked
            .block(1, 0, vec![Bytes::from("k")], args("BLPOP k 1"), Some(1000));
        assert_eq!(store.blocked.next_deadline(), Some(1000));
        store.time_out_blocked(999);
        assert!(store.blocked.is_blocked(1));
        store.time_out_blocked(1000);
        assert!(!store.blocked.is_blocked(1));
        assert_eq!(store.clients[&1].output.as_ref(), b"*-1\r\n");
    }
}
