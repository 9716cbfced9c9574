//! What redis-cli's prompt reflects, tracked from the commands sent and the replies received:
//! the address, the selected database, a MULTI in progress, subscribed mode, the protocol, and
//! whether there is a connection at all.

use crate::resp::{Protocol, Value};

/// The console's view of its connection, kept in step with the server like redis-cli does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// `host:port` as the prompt shows it (`127.0.0.1:6379`, `[::1]:6379`).
    addr: String,
    connected: bool,
    db: i64,
    /// The database a new connection is on before any SELECT.
    initial_db: i64,
    db_before_multi: i64,
    in_multi: bool,
    protocol: Protocol,
    /// Channels plus patterns subscribed (SUBSCRIBE and PSUBSCRIBE share one count).
    subscriptions: i64,
    /// Shard channels subscribed (SSUBSCRIBE counts separately).
    shard_subscriptions: i64,
    monitoring: bool,
}

impl Session {
    /// A session for the server at `addr`, not yet connected.
    pub fn new(addr: impl Into<String>) -> Session {
        Session {
            addr: addr.into(),
            connected: false,
            db: 0,
            initial_db: 0,
            db_before_multi: 0,
            in_multi: false,
            protocol: Protocol::Resp2,
            subscriptions: 0,
            shard_subscriptions: 0,
            monitoring: false,
        }
    }

    /// The prompt redis-cli would show: `127.0.0.1:6379> `, `127.0.0.1:6379[2]> `,
    /// `127.0.0.1:6379(TX)> `, `127.0.0.1:6379(subscribed mode)> ` or `not connected> `.
    pub fn prompt(&self) -> String {
        if !self.connected {
            return "not connected> ".to_string();
        }
        let mut prompt = self.addr.clone();
        if self.db != 0 {
            prompt.push_str(&format!("[{}]", self.db));
        }
        if self.in_multi {
            prompt.push_str("(TX)");
        }
        if self.is_subscribed() {
            prompt.push_str("(subscribed mode)");
        }
        prompt.push_str("> ");
        prompt
    }

    /// A session whose connections start on database `db` (redis-cli -n, a URL's `/15`).
    pub fn with_db(addr: impl Into<String>, db: i64) -> Session {
        Session {
            db,
            initial_db: db,
            db_before_multi: db,
            ..Session::new(addr)
        }
    }

    /// The address part of the prompt.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// False between losing the connection and the next successful connection.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// The database the prompt shows (and that a reconnection selects again).
    pub fn db(&self) -> i64 {
        self.db
    }

    /// True between a successful MULTI and EXEC or DISCARD (the prompt shows `(TX)`).
    pub fn in_multi(&self) -> bool {
        self.in_multi
    }

    /// The protocol chosen with HELLO (RESP2 until HELLO 3; RESET goes back to RESP2).
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// True while the connection holds channel, pattern or shard-channel subscriptions.
    pub fn is_subscribed(&self) -> bool {
        self.subscriptions > 0 || self.shard_subscriptions > 0
    }

    /// True after MONITOR succeeded, until RESET or the connection ends.
    pub fn is_monitoring(&self) -> bool {
        self.monitoring
    }

    /// True when the connection streams messages on its own (subscribed or monitoring), so the
    /// console must keep reading even without a command in flight.
    pub fn is_streaming(&self) -> bool {
        self.is_subscribed() || self.monitoring
    }

    /// A new connection is up. Server-side state (MULTI, subscriptions, MONITOR) starts over;
    /// the database and protocol are kept, for [`Session::restore_commands`] to re-establish.
    pub fn connected(&mut self) {
        self.connected = true;
        self.in_multi = false;
        self.subscriptions = 0;
        self.shard_subscriptions = 0;
        self.monitoring = false;
    }

    /// The connection went away: the prompt becomes `not connected> `.
    pub fn disconnected(&mut self) {
        self.connected = false;
        self.in_multi = false;
        self.subscriptions = 0;
        self.shard_subscriptions = 0;
        self.monitoring = false;
    }

    /// What redis-cli sends on a new connection to get back to where it was: `HELLO 3` when
    /// the session spoke RESP3, `SELECT n` when the database differs from the one new
    /// connections start on.
    pub fn restore_commands(&self) -> Vec<Vec<Vec<u8>>> {
        let mut commands = Vec::new();
        if self.protocol == Protocol::Resp3 {
            commands.push(vec![b"HELLO".to_vec(), b"3".to_vec()]);
        }
        if self.db != self.initial_db {
            commands.push(vec![b"SELECT".to_vec(), self.db.to_string().into_bytes()]);
        }
        commands
    }

    /// Updates the state from the reply to `args` (redis-cli's rules: a successful SELECT
    /// changes the database even inside MULTI, a failed or aborted EXEC and DISCARD go back to
    /// the database selected before MULTI, RESET returns to database 0 and RESP2).
    pub fn observe_reply(&mut self, args: &[Vec<u8>], reply: &Value) {
        let Some(command) = args.first() else {
            return;
        };
        let is = |name: &str| command.eq_ignore_ascii_case(name.as_bytes());
        let failed = reply.is_error();
        let argc = args.len();
        let subscribe_command = [
            "subscribe",
            "psubscribe",
            "ssubscribe",
            "unsubscribe",
            "punsubscribe",
            "sunsubscribe",
        ]
        .iter()
        .any(|name| is(name));
        if subscribe_command && is_pubsub_confirmation(reply) {
            self.observe_message(reply);
        } else if is("select") && argc == 2 && !failed {
            self.db = atoi(&args[1]);
        } else if is("multi") && argc == 1 && !failed {
            self.in_multi = true;
            self.db_before_multi = self.db;
        } else if is("exec") && argc == 1 && self.in_multi {
            self.in_multi = false;
            if failed || matches!(reply, Value::Null | Value::NullArray) {
                self.db = self.db_before_multi;
            }
        } else if is("discard") && argc == 1 && !failed {
            self.in_multi = false;
            self.db = self.db_before_multi;
        } else if is("reset") && argc == 1 && !failed {
            self.in_multi = false;
            self.db = 0;
            self.protocol = Protocol::Resp2;
            self.subscriptions = 0;
            self.shard_subscriptions = 0;
            self.monitoring = false;
        } else if is("hello") && !failed {
            match reply {
                Value::Map(_) => self.protocol = Protocol::Resp3,
                Value::Array(_) => self.protocol = Protocol::Resp2,
                _ => {}
            }
        } else if is("monitor") && argc == 1 && !failed && !self.in_multi {
            self.monitoring = true;
        }
    }

    /// Updates the subscription counts from a message read while subscribed (or the
    /// confirmation of a subscribe command): `subscribe`/`unsubscribe` and their pattern and
    /// shard forms carry the number of subscriptions left.
    pub fn observe_message(&mut self, message: &Value) {
        if !is_pubsub_confirmation(message) {
            return;
        }
        let (Value::Array(items) | Value::Push(items)) = message else {
            return;
        };
        let (Some(kind), Value::Integer(count)) = (items[0].as_bytes(), &items[2]) else {
            return;
        };
        if kind.eq_ignore_ascii_case(b"ssubscribe") || kind.eq_ignore_ascii_case(b"sunsubscribe") {
            self.shard_subscriptions = *count;
        } else {
            self.subscriptions = *count;
        }
    }
}

/// Whether `name` (any case) is one of the pub/sub commands whose confirmations change the
/// subscribed state: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBE forms, as the
/// command table's `pubsub` flag tells them.
pub fn is_subscribe_name(name: &[u8]) -> bool {
    name.to_ascii_lowercase().ends_with(b"subscribe")
        && crate::engine::command_table()
            .lookup(name)
            .is_some_and(|spec| spec.has_flag("pubsub"))
}

/// True for `[p|s]subscribe` / `[p|s]unsubscribe` confirmations (RESP2 arrays or RESP3 pushes).
pub fn is_pubsub_confirmation(value: &Value) -> bool {
    let (Value::Array(items) | Value::Push(items)) = value else {
        return false;
    };
    items.len() == 3
        && matches!(items[0], Value::Bulk(_))
        && matches!(items[2], Value::Integer(_))
        && items[0].as_bytes().is_some_and(is_subscribe_name)
}

/// C's atoi, as redis-cli applies it to SELECT's argument.
fn atoi(arg: &[u8]) -> i64 {
    let text = String::from_utf8_lossy(arg);
    let text = text.trim_start();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |n, d| {
            n.wrapping_mul(10).wrapping_add(i64::from(d - b'0'))
        });
    if negative { -value } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(line: &str) -> Vec<Vec<u8>> {
        line.split(' ').map(|a| a.as_bytes().to_vec()).collect()
    }

    fn connected() -> Session {
        let mut s = Session::new("127.0.0.1:6379");
        s.connected();
        s
    }

    fn subscribe_reply(kind: &str, channel: &str, count: i64) -> Value {
        Value::Array(vec![
            Value::bulk(kind.to_string()),
            Value::bulk(channel.to_string()),
            Value::Integer(count),
        ])
    }

    #[test]
    fn prompt_shows_database_and_transaction() {
        let mut s = Session::new("127.0.0.1:6379");
        assert_eq!(s.prompt(), "not connected> ");
        s.connected();
        assert_eq!(s.prompt(), "127.0.0.1:6379> ");
        s.observe_reply(&cmd("SELECT 2"), &Value::ok());
        assert_eq!(s.prompt(), "127.0.0.1:6379[2]> ");
        s.observe_reply(&cmd("MULTI"), &Value::ok());
        assert_eq!(s.prompt(), "127.0.0.1:6379[2](TX)> ");
        s.observe_reply(&cmd("EXEC"), &Value::Array(vec![]));
        assert_eq!(s.prompt(), "127.0.0.1:6379[2]> ");
    }

    #[test]
    fn failed_select_keeps_the_database() {
        let mut s = connected();
        s.observe_reply(
            &cmd("SELECT 99"),
            &Value::error("ERR DB index is out of range"),
        );
        assert_eq!(s.prompt(), "127.0.0.1:6379> ");
    }

    #[test]
    fn aborted_transaction_restores_the_database() {
        let mut s = connected();
        s.observe_reply(&cmd("SELECT 3"), &Value::ok());
        s.observe_reply(&cmd("MULTI"), &Value::ok());
        s.observe_reply(&cmd("SELECT 4"), &Value::simple("QUEUED"));
        assert_eq!(s.prompt(), "127.0.0.1:6379[4](TX)> ");
        s.observe_reply(
            &cmd("INCR"),
            &Value::error("ERR wrong number of arguments for 'incr' command"),
        );
        assert_eq!(s.prompt(), "127.0.0.1:6379[4](TX)> ");
        s.observe_reply(
            &cmd("EXEC"),
            &Value::error("EXECABORT Transaction discarded because of previous errors."),
        );
        assert_eq!(s.prompt(), "127.0.0.1:6379[3]> ");
        s.observe_reply(&cmd("MULTI"), &Value::ok());
        s.observe_reply(&cmd("SELECT 5"), &Value::simple("QUEUED"));
        s.observe_reply(&cmd("DISCARD"), &Value::ok());
        assert_eq!(s.prompt(), "127.0.0.1:6379[3]> ");
    }

    #[test]
    fn subscriptions_count_down_to_zero() {
        let mut s = connected();
        s.observe_reply(&cmd("SUBSCRIBE a b"), &subscribe_reply("subscribe", "a", 1));
        s.observe_message(&subscribe_reply("subscribe", "b", 2));
        assert_eq!(s.prompt(), "127.0.0.1:6379(subscribed mode)> ");
        s.observe_message(&subscribe_reply("unsubscribe", "a", 1));
        assert!(s.is_subscribed());
        s.observe_message(&subscribe_reply("unsubscribe", "b", 0));
        assert!(!s.is_subscribed());
        s.observe_message(&Value::Push(vec![
            Value::bulk("ssubscribe"),
            Value::bulk("s"),
            Value::Integer(1),
        ]));
        assert!(s.is_subscribed(), "shard subscriptions count on their own");
    }

    #[test]
    fn hello_and_reset_switch_protocol_and_restore_plan() {
        let mut s = connected();
        s.observe_reply(&cmd("HELLO 3"), &Value::Map(vec![]));
        s.observe_reply(&cmd("SELECT 2"), &Value::ok());
        assert_eq!(s.protocol(), Protocol::Resp3);
        assert_eq!(s.restore_commands(), vec![cmd("HELLO 3"), cmd("SELECT 2")]);
        s.observe_reply(&cmd("RESET"), &Value::simple("RESET"));
        assert_eq!(s.protocol(), Protocol::Resp2);
        assert_eq!(s.prompt(), "127.0.0.1:6379> ");
        assert!(s.restore_commands().is_empty());
    }

    #[test]
    fn losing_the_connection_shows_not_connected() {
        let mut s = connected();
        s.observe_reply(&cmd("SELECT 1"), &Value::ok());
        s.observe_reply(&cmd("MULTI"), &Value::ok());
        s.disconnected();
        assert_eq!(s.prompt(), "not connected> ");
        s.connected();
        assert_eq!(s.prompt(), "127.0.0.1:6379[1]> ");
    }
}
