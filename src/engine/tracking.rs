//! Client-side caching, as Redis's tracking.c: which clients may cache which keys (default
//! mode), which prefixes clients follow (BCAST), and the invalidation messages the
//! modification hook sends them: RESP3 pushes `>2 invalidate [keys]`, or in RESP2 a message on
//! `__redis__:invalidate` to the client the invalidations are redirected to.

use super::client::Client;
use super::command_table::CommandSpec;
use super::store::Store;
use crate::resp::{Protocol, Value};
use bytes::{BufMut, Bytes, BytesMut};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One client's CLIENT TRACKING state (the CLIENT_TRACKING_* flags).
#[derive(Debug, Clone, Default)]
pub struct ClientTracking {
    /// The client invalidations go to (REDIRECT), 0 for the client itself.
    pub redirect: u64,
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
    /// CLIENT CACHING YES (OPTIN) or NO (OPTOUT) was given for the next command.
    pub caching: bool,
    /// The redirect client went away.
    pub broken_redirect: bool,
    /// The BCAST prefixes, in order.
    pub prefixes: BTreeSet<Bytes>,
}

/// The options of CLIENT TRACKING ON.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrackingOptions {
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
}

/// A BCAST prefix: the keys modified under it since the last broadcast (with the client that
/// modified each last, for NOLOOP), and the clients following it.
#[derive(Debug, Default)]
struct Broadcast {
    keys: BTreeMap<Bytes, Option<u64>>,
    clients: BTreeSet<u64>,
}

/// The server side of tracking.
#[derive(Debug, Default)]
pub struct Tracking {
    /// TrackingTable: keys read by tracking clients, with the ids of the clients that may
    /// cache them. None until a client first turns tracking on.
    table: Option<HashMap<Bytes, BTreeSet<u64>>>,
    /// PrefixTable: the BCAST prefixes in byte order.
    prefixes: BTreeMap<Bytes, Broadcast>,
    /// Invalidations for the client whose command runs, sent after its reply: a key, or
    /// None for a flush.
    pending: Vec<Option<Bytes>>,
    /// Clients with tracking on (INFO's tracking_clients).
    pub clients: usize,
}

impl Tracking {
    /// INFO's tracking_total_keys.
    pub fn total_keys(&self) -> usize {
        self.table.as_ref().map_or(0, HashMap::len)
    }

    /// INFO's tracking_total_items: client ids over all keys.
    pub fn total_items(&self) -> usize {
        self.table
            .as_ref()
            .map_or(0, |t| t.values().map(BTreeSet::len).sum())
    }

    /// INFO's tracking_total_prefixes.
    pub fn total_prefixes(&self) -> usize {
        self.prefixes.len()
    }

    /// True once a client has turned tracking on (modifications must then be looked up).
    pub fn active(&self) -> bool {
        self.table.is_some()
    }
}

/// What follows the `invalidate` word of a message: one key, or RESP already encoded (the
/// array of a broadcast, the null of a flush).
enum Payload<'a> {
    Key(&'a [u8]),
    Encoded(&'a [u8]),
}

/// The RESP null of `protocol` (what a flush invalidates with).
fn null_of(protocol: Protocol) -> &'static [u8] {
    match protocol {
        Protocol::Resp2 => b"$-1\r\n",
        Protocol::Resp3 => b"_\r\n",
    }
}

fn put_bulk(out: &mut BytesMut, bytes: &[u8]) {
    out.put_slice(format!("${}\r\n", bytes.len()).as_bytes());
    out.put_slice(bytes);
    out.put_slice(b"\r\n");
}

/// trackingBuildBroadcastReply: the array of `keys`, without those `noloop_client` modified
/// last; None when that leaves nothing.
fn broadcast_reply(
    keys: &BTreeMap<Bytes, Option<u64>>,
    noloop_client: Option<u64>,
) -> Option<Bytes> {
    let count = keys
        .values()
        .filter(|&&by| noloop_client.is_none() || by != noloop_client)
        .count();
    if noloop_client.is_some() && count == 0 {
        return None;
    }
    let mut out = BytesMut::new();
    out.put_slice(format!("*{count}\r\n").as_bytes());
    for (key, &by) in keys {
        if noloop_client.is_some() && by == noloop_client {
            continue;
        }
        put_bulk(&mut out, key);
    }
    Some(out.freeze())
}

/// The key positions of a command's arguments, from its key specs (getKeysFromCommand).
pub fn command_keys(spec: &CommandSpec, argv: &[Bytes]) -> Vec<usize> {
    let Value::Array(info) = &spec.info else {
        return Vec::new();
    };
    let Some(Value::Array(specs) | Value::Set(specs)) = info.get(8) else {
        return Vec::new();
    };
    let argc = argv.len() as i64;
    let mut keys = Vec::new();
    for key_spec in specs {
        let Some(fields) = fields_of(key_spec) else {
            continue;
        };
        let begin = fields.get("begin_search").and_then(|v| fields_of(v));
        let find = fields.get("find_keys").and_then(|v| fields_of(v));
        let (Some(begin), Some(find)) = (begin, find) else {
            continue;
        };
        let begin_spec = begin
            .get("spec")
            .and_then(|v| fields_of(v))
            .unwrap_or_default();
        let find_spec = find
            .get("spec")
            .and_then(|v| fields_of(v))
            .unwrap_or_default();
        let int = |m: &HashMap<String, &Value>, name: &str| match m.get(name) {
            Some(Value::Integer(n)) => *n,
            _ => 0,
        };
        let first = match text_of(begin.get("type")).as_str() {
            "index" => int(&begin_spec, "index"),
            "keyword" => {
                let keyword = text_of(begin_spec.get("keyword"));
                let start_from = int(&begin_spec, "startfrom");
                let start = if start_from > 0 {
                    start_from
                } else {
                    argc + start_from
                };
                let end = if start_from > 0 { argc - 1 } else { 1 };
                let mut found = 0;
                let mut i = start;
                while i != end {
                    if i >= argc || i < 1 {
                        break;
                    }
                    if argv[i as usize].eq_ignore_ascii_case(keyword.as_bytes()) {
                        found = i + 1;
                        break;
                    }
                    i += if start <= end { 1 } else { -1 };
                }
                if found == 0 {
                    continue;
                }
                found
            }
            _ => continue,
        };
        let (first, last, step) = match text_of(find.get("type")).as_str() {
            "range" => {
                let last_key = int(&find_spec, "lastkey");
                let limit = int(&find_spec, "limit");
                let last = if last_key >= 0 {
                    first + last_key
                } else if limit == 0 {
                    argc + last_key
                } else {
                    first + ((argc - first) / limit + last_key)
                };
                (first, last, int(&find_spec, "keystep"))
            }
            "keynum" => {
                let index = first + int(&find_spec, "keynumidx");
                let Some(numkeys) = argv
                    .get(index as usize)
                    .and_then(|n| std::str::from_utf8(n).ok())
                    .and_then(|n| n.parse::<i64>().ok())
                    .filter(|&n| n >= 0)
                else {
                    return Vec::new();
                };
                let first = first + int(&find_spec, "firstkey");
                // numkeys is the client's number: as large as i64 goes.
                let last = first.saturating_add(numkeys).saturating_sub(1);
                (first, last, int(&find_spec, "keystep"))
            }
            _ => continue,
        };
        if last >= argc || last < first || first >= argc {
            return Vec::new();
        }
        let mut i = first;
        while i <= last {
            keys.push(i as usize);
            i += step.max(1);
        }
    }
    keys
}

/// A RESP3 map (or RESP2 flat array) as field name to value.
fn fields_of(value: &Value) -> Option<HashMap<String, &Value>> {
    let mut fields = HashMap::new();
    match value {
        Value::Map(pairs) => {
            for (k, v) in pairs {
                fields.insert(text_of(Some(&k)), v);
            }
        }
        Value::Array(items) => {
            for pair in items.chunks(2) {
                if let [k, v] = pair {
                    fields.insert(text_of(Some(&k)), v);
                }
            }
        }
        _ => return None,
    }
    Some(fields)
}

fn text_of(value: Option<&&Value>) -> String {
    value
        .and_then(|v| v.as_bytes())
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default()
}

impl Store {
    /// enableTracking.
    pub fn enable_tracking(
        &mut self,
        client_id: u64,
        redirect: u64,
        options: TrackingOptions,
        prefixes: &[Bytes],
    ) {
        let Some(client) = self.clients.get_mut(&client_id) else {
            return;
        };
        if client.tracking.is_none() {
            self.tracking.clients += 1;
        }
        let state = client.tracking.get_or_insert_with(ClientTracking::default);
        state.broken_redirect = false;
        state.redirect = redirect;
        state.optin = options.optin;
        state.optout = options.optout;
        state.noloop = options.noloop;
        state.bcast = false;
        self.tracking.table.get_or_insert_with(HashMap::new);
        if options.bcast {
            state.bcast = true;
            let empty = [Bytes::new()];
            let prefixes = if prefixes.is_empty() {
                &empty[..]
            } else {
                prefixes
            };
            for prefix in prefixes {
                let broadcast = self.tracking.prefixes.entry(prefix.clone()).or_default();
                if broadcast.clients.insert(client_id) {
                    state.prefixes.insert(prefix.clone());
                }
            }
        }
    }

    /// disableTracking (CLIENT TRACKING OFF, RESET, disconnect).
    pub fn disable_tracking(&mut self, client_id: u64) {
        let Some(state) = self
            .clients
            .get_mut(&client_id)
            .and_then(|c| c.tracking.take())
        else {
            return;
        };
        if state.bcast {
            for prefix in &state.prefixes {
                if let Some(broadcast) = self.tracking.prefixes.get_mut(prefix) {
                    broadcast.clients.remove(&client_id);
                    if broadcast.clients.is_empty() {
                        self.tracking.prefixes.remove(prefix);
                    }
                }
            }
        }
        self.tracking.clients -= 1;
    }

    /// After a read-only command: remember that the client (or, inside a script, the
    /// script's caller) may now cache the keys it read (trackingRememberKeys). Inside a
    /// script the keys are the ones the script declared.
    pub fn tracking_remember_keys(
        &mut self,
        client_id: u64,
        spec: &CommandSpec,
        args: &[Bytes],
        script_keys: Option<&[Bytes]>,
    ) {
        let Some(client) = self.clients.get(&client_id) else {
            return;
        };
        let Some(state) = &client.tracking else {
            return;
        };
        if state.bcast || (state.optin && !state.caching) || (state.optout && state.caching) {
            return;
        }
        let table = self.tracking.table.get_or_insert_with(HashMap::new);
        let mut remember = |key: &Bytes| {
            table.entry(key.clone()).or_default().insert(client_id);
        };
        match script_keys {
            Some(keys) => keys.iter().for_each(&mut remember),
            None => {
                let positions = command_keys(spec, args);
                if positions.is_empty() || spec.has(super::command_flags::CommandFlags::PUBSUB) {
                    return;
                }
                positions.iter().for_each(|&i| remember(&args[i]));
            }
        }
    }

    /// trackingInvalidateKey: `key` was modified by `modifier` (None for expiry, eviction
    /// and scripts): clients that may cache it are told (but not the running client when it
    /// asked for NOLOOP), and BCAST prefixes note it with its modifier.
    pub fn tracking_invalidate_key(&mut self, key: &Bytes, modifier: Option<u64>) {
        let Some(table) = self.tracking.table.as_mut() else {
            return;
        };
        if !self.tracking.prefixes.is_empty() {
            for (prefix, broadcast) in self.tracking.prefixes.iter_mut() {
                if key.starts_with(prefix) {
                    broadcast.keys.insert(key.clone(), modifier);
                }
            }
        }
        let Some(ids) = table.remove(key) else {
            return;
        };
        for id in ids {
            let Some(state) = self.clients.get(&id).and_then(|c| c.tracking.as_ref()) else {
                continue;
            };
            if state.bcast || (state.noloop && self.current_client == Some(id)) {
                continue;
            }
            if self.current_client == Some(id) {
                self.tracking.pending.push(Some(key.clone()));
            } else {
                self.send_tracking_message(id, Payload::Key(key));
            }
        }
    }

    /// trackingInvalidateKeysOnFlush: every tracking client is told all its keys are invalid
    /// (a null), and the table is emptied.
    pub fn tracking_invalidate_on_flush(&mut self) {
        if self.tracking.clients > 0 {
            let mut ids: Vec<u64> = self
                .clients
                .iter()
                .filter(|(_, c)| c.tracking.is_some())
                .map(|(&id, _)| id)
                .collect();
            ids.sort_unstable();
            for id in ids {
                if self.current_client == Some(id) {
                    self.tracking.pending.push(None);
                } else {
                    let null = null_of(self.clients[&id].protocol);
                    self.send_tracking_message(id, Payload::Encoded(null));
                }
            }
        }
        if let Some(table) = self.tracking.table.as_mut() {
            table.clear();
        }
    }

    /// After the current client's command `name` and its reply: the invalidations meant for
    /// it follow the reply, and CLIENT CACHING's choice ends unless the command was a CLIENT
    /// subcommand or the client is inside MULTI (resetClient).
    pub fn tracking_after_command(&mut self, name: &[u8]) {
        self.tracking_send_pending();
        if let Some(client) = self.current_client.and_then(|id| self.clients.get_mut(&id))
            && client.multi.is_none()
            && !name.eq_ignore_ascii_case(b"client")
            && let Some(state) = client.tracking.as_mut()
        {
            state.caching = false;
        }
        self.current_client = None;
    }

    /// trackingHandlePendingKeyInvalidations: after the current client's reply, the
    /// invalidations meant for it.
    fn tracking_send_pending(&mut self) {
        if self.tracking.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.tracking.pending);
        let Some(id) = self.current_client else {
            return;
        };
        for key in &pending {
            match key {
                Some(key) => self.send_tracking_message(id, Payload::Key(key)),
                None => {
                    let Some(client) = self.clients.get(&id) else {
                        break;
                    };
                    let null = null_of(client.protocol);
                    self.send_tracking_message(id, Payload::Encoded(null));
                }
            }
        }
    }

    /// trackingBroadcastInvalidationMessages, before the event loop sleeps: each prefix's
    /// clients get the keys modified under it since the last time.
    pub fn tracking_broadcast(&mut self) {
        if self.tracking.table.is_none()
            || self.tracking.clients == 0
            || self.tracking.prefixes.values().all(|b| b.keys.is_empty())
        {
            return;
        }
        let prefixes: Vec<Bytes> = self.tracking.prefixes.keys().cloned().collect();
        for prefix in prefixes {
            let Some(broadcast) = self.tracking.prefixes.get_mut(&prefix) else {
                continue;
            };
            let keys = std::mem::take(&mut broadcast.keys);
            if keys.is_empty() {
                continue;
            }
            let clients: Vec<u64> = broadcast.clients.iter().copied().collect();
            let common = broadcast_reply(&keys, None);
            for id in clients {
                let noloop = self
                    .clients
                    .get(&id)
                    .and_then(|c| c.tracking.as_ref())
                    .is_some_and(|t| t.noloop);
                let message = if noloop {
                    broadcast_reply(&keys, Some(id))
                } else {
                    common.clone()
                };
                if let Some(message) = message {
                    self.send_tracking_message(id, Payload::Encoded(&message));
                }
            }
        }
    }

    /// sendTrackingMessage: an invalidation for tracking client `client_id`, to it or to
    /// the client it redirects to.
    fn send_tracking_message(&mut self, client_id: u64, payload: Payload) {
        let Some(client) = self.clients.get(&client_id) else {
            return;
        };
        let Some(redirect) = client.tracking.as_ref().map(|t| t.redirect) else {
            return;
        };
        let protocol = client.protocol;
        let mut target = client_id;
        let mut redirected = false;
        if redirect != 0 {
            if !self.clients.contains_key(&redirect) {
                if let Some(state) = self
                    .clients
                    .get_mut(&client_id)
                    .and_then(|c| c.tracking.as_mut())
                {
                    state.broken_redirect = true;
                }
                if protocol == Protocol::Resp3 {
                    let mut out = BytesMut::new();
                    out.put_slice(b">2\r\n");
                    put_bulk(&mut out, b"tracking-redir-broken");
                    out.put_slice(format!(":{redirect}\r\n").as_bytes());
                    self.reply_raw(client_id, &out);
                }
                return;
            }
            target = redirect;
            redirected = true;
        }
        let receiver: &Client = &self.clients[&target];
        let mut out = BytesMut::new();
        if receiver.protocol == Protocol::Resp3 {
            out.put_slice(b">2\r\n$10\r\ninvalidate\r\n");
        } else if redirected && receiver.subscriptions.active() {
            out.put_slice(b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n");
        } else {
            return;
        }
        match payload {
            Payload::Key(key) => {
                out.put_slice(b"*1\r\n");
                put_bulk(&mut out, key);
            }
            Payload::Encoded(bytes) => out.put_slice(bytes),
        }
        self.reply_raw(target, &out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::command_table::command_table;

    fn keys_of(line: &str) -> Vec<String> {
        let args: Vec<Bytes> = line
            .split(' ')
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        let spec = command_table().lookup(&args[0]).expect("a command");
        command_keys(spec, &args)
            .into_iter()
            .map(|i| String::from_utf8_lossy(&args[i]).into_owned())
            .collect()
    }

    #[test]
    fn key_specs_find_the_keys_of_a_command() {
        assert_eq!(keys_of("GET k"), ["k"]);
        assert_eq!(keys_of("MGET a b c"), ["a", "b", "c"]);
        assert_eq!(keys_of("ZUNION 2 a b WITHSCORES"), ["a", "b"]);
        assert_eq!(keys_of("GEORADIUS_RO g 0 0 1 km"), ["g"]);
        assert_eq!(keys_of("LCS a b"), ["a", "b"]);
        assert_eq!(keys_of("ZUNION x a"), Vec::<String>::new());
    }
}
