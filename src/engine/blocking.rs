//! Clients blocked on keys (BLPOP, BRPOP ...), served first come, first served when a key
//! they wait on is pushed to, right after the command that pushed, as Redis does.

use super::command::{Outcome, execute};
use super::store::Store;
use crate::resp::Value;
use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use tokio::sync::oneshot;

/// A blocked client: the command to run again and where to send its reply.
#[derive(Debug)]
struct Waiter {
    db: usize,
    keys: Vec<Bytes>,
    args: Vec<Bytes>,
    reply: oneshot::Sender<Value>,
}

/// The registry of blocked clients.
#[derive(Debug, Default)]
pub struct Blocked {
    queues: HashMap<(usize, Bytes), VecDeque<u64>>,
    waiters: HashMap<u64, Waiter>,
    ready: Vec<(usize, Bytes)>,
}

impl Blocked {
    /// Notes a push to `key` if anybody waits on it.
    pub fn signal_ready(&mut self, db: usize, key: &Bytes) {
        let slot = (db, key.clone());
        if self.queues.contains_key(&slot) && !self.ready.contains(&slot) {
            self.ready.push(slot);
        }
    }

    /// Blocks `client_id` on `keys`; the reply arrives on the returned receiver.
    pub fn block(
        &mut self,
        client_id: u64,
        db: usize,
        keys: Vec<Bytes>,
        args: Vec<Bytes>,
    ) -> oneshot::Receiver<Value> {
        let (tx, rx) = oneshot::channel();
        for key in &keys {
            self.queues
                .entry((db, key.clone()))
                .or_default()
                .push_back(client_id);
        }
        self.waiters.insert(
            client_id,
            Waiter {
                db,
                keys,
                args,
                reply: tx,
            },
        );
        rx
    }

    /// Stops waiting for `client_id` (timeout, disconnect); false when it was already served.
    pub fn unblock(&mut self, client_id: u64) -> bool {
        self.take(client_id).is_some()
    }

    /// Removes a waiter from the registry and from every key queue it stands in.
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
        Some(waiter)
    }

    /// Ends a client's wait with `reply` (CLIENT UNBLOCK); false when it was not blocked.
    pub fn unblock_with(&mut self, client_id: u64, reply: Value) -> bool {
        match self.take(client_id) {
            Some(waiter) => {
                let _ = waiter.reply.send(reply);
                true
            }
            None => false,
        }
    }

    pub fn is_blocked(&self, client_id: u64) -> bool {
        self.waiters.contains_key(&client_id)
    }

    pub fn blocked_count(&self) -> usize {
        self.waiters.len()
    }
}

impl Store {
    /// Serves clients blocked on keys that were pushed to, oldest waiter first.
    pub fn serve_blocked(&mut self, now_us: i64) {
        // Keys in the order they became ready; keys that serving makes ready (BLMOVE pushing
        // to its destination) come in the next round, as in handleClientsBlockedOnKeys.
        while !self.blocked.ready.is_empty() {
            for slot in std::mem::take(&mut self.blocked.ready) {
                while let Some(&client_id) = self.blocked.queues.get(&slot).and_then(|q| q.front())
                {
                    let args = self.blocked.waiters[&client_id].args.clone();
                    let Outcome::Reply(reply) = execute(self, client_id, now_us, &args) else {
                        break;
                    };
                    let waiter = self
                        .blocked
                        .take(client_id)
                        .expect("a queued client has a waiter");
                    let _ = waiter.reply.send(reply);
                }
            }
        }
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
            Outcome::Block(_) => panic!("{line} blocked"),
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
        let mut first = store.blocked.block(
            1,
            0,
            vec![Bytes::from("k1")],
            args("BLMOVE k1 dst LEFT RIGHT 0"),
        );
        let mut second = store.blocked.block(
            2,
            0,
            vec![Bytes::from("k2")],
            args("BLMOVE k2 dst LEFT RIGHT 0"),
        );
        // One step (a transaction or script) pushes to k2, then to k1.
        run(&mut store, "RPUSH k2 from-k2");
        run(&mut store, "RPUSH k1 from-k1");
        store.serve_blocked(0);
        assert_eq!(
            run(&mut store, "LRANGE dst 0 -1"),
            Value::Array(vec![Value::bulk("from-k2"), Value::bulk("from-k1")])
        );
        assert_eq!(first.try_recv().unwrap(), Value::bulk("from-k1"));
        assert_eq!(second.try_recv().unwrap(), Value::bulk("from-k2"));
        assert_eq!(store.blocked.blocked_count(), 0);
    }
}
