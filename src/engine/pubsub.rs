//! Publish/subscribe, as Redis's pubsub.c: who is subscribed to which channels, patterns and
//! shard channels, delivering messages to the subscribers' outboxes (RESP2 arrays, RESP3
//! pushes), and keyspace notifications published from the modification hook (notify.c).

use super::notify::{EventClass, KeyEvent};
use super::store::Store;
use crate::glob::glob_match;
use crate::resp::{Protocol, Value};
use bytes::{BufMut, Bytes, BytesMut};
use indexmap::{IndexMap, IndexSet};

/// The three kinds of subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl Kind {
    /// The words of the replies: (subscribe, unsubscribe, message).
    fn words(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Kind::Channel => ("subscribe", "unsubscribe", "message"),
            Kind::Pattern => ("psubscribe", "punsubscribe", "pmessage"),
            Kind::Shard => ("ssubscribe", "sunsubscribe", "smessage"),
        }
    }
}

/// A client's subscriptions, in the order it made them.
#[derive(Debug, Clone, Default)]
pub struct Subscriptions {
    pub channels: IndexSet<Bytes>,
    pub patterns: IndexSet<Bytes>,
    pub shard_channels: IndexSet<Bytes>,
}

impl Subscriptions {
    fn of(&mut self, kind: Kind) -> &mut IndexSet<Bytes> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard_channels,
        }
    }

    /// clientSubscriptionsCount (shard channels counted apart, as in 7.0).
    fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Shard => self.shard_channels.len(),
            _ => self.channels.len() + self.patterns.len(),
        }
    }

    /// True when the client is in subscribed mode (a RESP2 client then accepts only the
    /// subscription commands, PING, QUIT and RESET).
    pub fn active(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty() || !self.shard_channels.is_empty()
    }
}

/// The server side: subscribers by channel, pattern and shard channel, in subscription
/// order.
#[derive(Debug, Default)]
pub struct PubSub {
    channels: IndexMap<Bytes, Vec<u64>>,
    patterns: IndexMap<Bytes, Vec<u64>>,
    shard_channels: IndexMap<Bytes, Vec<u64>>,
}

impl PubSub {
    fn of(&mut self, kind: Kind) -> &mut IndexMap<Bytes, Vec<u64>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard_channels,
        }
    }

    /// Active channels (PUBSUB CHANNELS, SHARDCHANNELS), optionally matching a pattern.
    pub fn channel_names(&self, shard: bool, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let map = if shard {
            &self.shard_channels
        } else {
            &self.channels
        };
        map.keys()
            .filter(|c| pattern.is_none_or(|p| glob_match(p, c)))
            .cloned()
            .collect()
    }

    /// Subscribers of a channel (PUBSUB NUMSUB, SHARDNUMSUB).
    pub fn subscriber_count(&self, shard: bool, channel: &[u8]) -> usize {
        let map = if shard {
            &self.shard_channels
        } else {
            &self.channels
        };
        map.get(channel).map_or(0, Vec::len)
    }

    /// Distinct patterns subscribed to (PUBSUB NUMPAT).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }
}

/// A message and its encodings, made the first time a subscriber speaking each protocol
/// needs one.
struct Encoded {
    value: Value,
    resp2: Option<Vec<u8>>,
    resp3: Option<Vec<u8>>,
}

impl Encoded {
    fn new(value: Value) -> Encoded {
        Encoded {
            value,
            resp2: None,
            resp3: None,
        }
    }

    fn encoded(&mut self, protocol: Protocol) -> &[u8] {
        let slot = match protocol {
            Protocol::Resp2 => &mut self.resp2,
            Protocol::Resp3 => &mut self.resp3,
        };
        slot.get_or_insert_with(|| self.value.to_bytes(protocol))
    }
}

fn reply_of(words: &str, name: Option<&Bytes>, count: usize) -> Value {
    Value::Push(vec![
        Value::bulk(words.to_string()),
        name.map_or(Value::Null, |n| Value::Bulk(n.clone())),
        Value::Integer(count as i64),
    ])
}

impl Store {
    /// SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE: the confirmations, one per name.
    pub fn subscribe(&mut self, client_id: u64, kind: Kind, names: &[Bytes]) -> Vec<Value> {
        let mut replies = Vec::with_capacity(names.len());
        for name in names {
            let Some(client) = self.clients.get_mut(&client_id) else {
                break;
            };
            if client.subscriptions.of(kind).insert(name.clone()) {
                self.pubsub
                    .of(kind)
                    .entry(name.clone())
                    .or_default()
                    .push(client_id);
            }
            let count = client.subscriptions.count(kind);
            replies.push(reply_of(kind.words().0, Some(name), count));
        }
        replies
    }

    /// UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE: from `names`, or from everything when none
    /// is given; the confirmations, one per name (or a single one with no name when there
    /// was nothing to leave).
    pub fn unsubscribe(&mut self, client_id: u64, kind: Kind, names: &[Bytes]) -> Vec<Value> {
        let Some(client) = self.clients.get_mut(&client_id) else {
            return Vec::new();
        };
        let names: Vec<Bytes> = if names.is_empty() {
            client.subscriptions.of(kind).iter().cloned().collect()
        } else {
            names.to_vec()
        };
        let word = kind.words().1;
        if names.is_empty() {
            let count = client.subscriptions.count(kind);
            return vec![reply_of(word, None, count)];
        }
        let mut replies = Vec::with_capacity(names.len());
        for name in &names {
            self.leave(client_id, kind, name);
            let count = self
                .clients
                .get(&client_id)
                .map_or(0, |c| c.subscriptions.count(kind));
            replies.push(reply_of(word, Some(name), count));
        }
        replies
    }

    /// Removes one subscription, silently.
    fn leave(&mut self, client_id: u64, kind: Kind, name: &Bytes) {
        let Some(client) = self.clients.get_mut(&client_id) else {
            return;
        };
        if !client.subscriptions.of(kind).shift_remove(name) {
            return;
        }
        let map = self.pubsub.of(kind);
        if let Some(ids) = map.get_mut(name) {
            ids.retain(|&id| id != client_id);
            if ids.is_empty() {
                map.shift_remove(name);
            }
        }
    }

    /// Drops every subscription of a client (disconnect, RESET), sending nothing.
    pub fn leave_all(&mut self, client_id: u64) {
        let Some(client) = self.clients.get_mut(&client_id) else {
            return;
        };
        let subscriptions = std::mem::take(&mut client.subscriptions);
        for (kind, names) in [
            (Kind::Channel, subscriptions.channels),
            (Kind::Pattern, subscriptions.patterns),
            (Kind::Shard, subscriptions.shard_channels),
        ] {
            let map = self.pubsub.of(kind);
            for name in names {
                if let Some(ids) = map.get_mut(&name) {
                    ids.retain(|&id| id != client_id);
                    if ids.is_empty() {
                        map.shift_remove(&name);
                    }
                }
            }
        }
    }

    /// PUBLISH (or SPUBLISH with `shard`): delivers `message` and returns how many
    /// subscriptions received it.
    pub fn publish(&mut self, shard: bool, channel: &Bytes, message: &Bytes) -> usize {
        let mut receivers = 0;
        let kind = if shard { Kind::Shard } else { Kind::Channel };
        if let Some(ids) = self.pubsub.of(kind).get(channel).cloned() {
            let mut push = Encoded::new(Value::Push(vec![
                Value::bulk(kind.words().2),
                Value::Bulk(channel.clone()),
                Value::Bulk(message.clone()),
            ]));
            for id in ids {
                self.deliver(id, &mut push);
                receivers += 1;
            }
        }
        if shard || self.pubsub.patterns.is_empty() {
            return receivers;
        }
        let matching: Vec<(Bytes, Vec<u64>)> = self
            .pubsub
            .patterns
            .iter()
            .filter(|(pattern, _)| glob_match(pattern, channel))
            .map(|(p, ids)| (p.clone(), ids.clone()))
            .collect();
        for (pattern, ids) in matching {
            let mut push = Encoded::new(Value::Push(vec![
                Value::bulk("pmessage"),
                Value::Bulk(pattern),
                Value::Bulk(channel.clone()),
                Value::Bulk(message.clone()),
            ]));
            for id in ids {
                self.deliver(id, &mut push);
                receivers += 1;
            }
        }
        receivers
    }

    /// Appends a message to a subscriber's outbox as `reply` would, encoded once per
    /// protocol however many subscribers receive it.
    fn deliver(&mut self, client_id: u64, message: &mut Encoded) {
        if let Some(protocol) = self.replying_to(client_id) {
            self.reply_encoded(client_id, message.encoded(protocol));
        }
    }

    /// notifyKeyspaceEvent: publishes `event` on `__keyspace@<db>__:<key>` and
    /// `__keyevent@<db>__:<event>` as `notify-keyspace-events` asks.
    pub fn notify_keyspace_event(&mut self, db: usize, event: &KeyEvent) {
        let flags = self.notify_flags;
        if !flags.intersects(event.class) {
            return;
        }
        if flags.contains(EventClass::KEYSPACE) {
            let mut channel = BytesMut::new();
            channel.put_slice(format!("__keyspace@{db}__:").as_bytes());
            channel.put_slice(&event.key);
            self.publish(
                false,
                &channel.freeze(),
                &Bytes::from_static(event.name.as_bytes()),
            );
        }
        if flags.contains(EventClass::KEYEVENT) {
            let channel = Bytes::from(format!("__keyevent@{db}__:{}", event.name));
            self.publish(false, &channel, &event.key);
        }
    }
}
