//! A connected client's state: what CLIENT INFO/LIST report, what commands consult, the
//! requests waiting their turn and the output waiting to be written (its outbox, which other
//! clients' commands may write to as well: pub/sub messages, MONITOR lines).

use super::limits::ClientClass;
use super::multi::{Transaction, WatchedKey};
use super::pubsub::Subscriptions;
use super::tracking::ClientTracking;
use crate::resp::Protocol;
use bytes::{Bytes, BytesMut};
use std::collections::VecDeque;

/// What a connection read: a command, or the protocol error that ends its input.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Command(Vec<Bytes>),
    /// The error reply (`ERR Protocol error: ...`); the connection closes after it.
    ProtocolError(String),
}

/// One connection's session state, kept in the store so that CLIENT LIST can see all of them.
#[derive(Debug, Clone)]
pub struct Client {
    pub id: u64,
    pub addr: String,
    pub local_addr: String,
    pub name: Option<Bytes>,
    pub lib_name: Option<Bytes>,
    pub lib_ver: Option<Bytes>,
    pub db: usize,
    pub protocol: Protocol,
    pub created_ms: i64,
    pub last_interaction_ms: i64,
    /// The last command's full name (`client|setname`), for CLIENT LIST's `cmd=`.
    pub last_command: String,
    /// Set by QUIT: close the connection once the reply is written.
    pub closing: bool,
    /// An output-buffer limit was hit: the connection is closed without writing anything
    /// more (Redis's CLIENT_CLOSE_ASAP), and replies to it are dropped.
    pub close_asap: bool,
    /// Output the connection took from the outbox but the socket has not accepted yet; with
    /// `output`, what the output-buffer limit measures.
    pub unwritten: u64,
    /// When the output first reached the soft limit (ms since the epoch), while it stays there.
    pub soft_limit_since: Option<i64>,
    /// True once AUTH succeeded, or when the client was connected before `requirepass` was
    /// set; only consulted while a password is required.
    pub authenticated: bool,
    /// CLIENT NO-EVICT ON.
    pub no_evict: bool,
    /// Requests read but not yet run (the client is blocked, or they arrived together).
    pub pending: VecDeque<Request>,
    /// The outbox: replies and out-of-band messages not yet written to the connection.
    pub output: BytesMut,
    /// Set between MULTI and EXEC/DISCARD.
    pub multi: Option<Transaction>,
    /// The keys WATCHed since the last EXEC, DISCARD or UNWATCH.
    pub watched: Vec<WatchedKey>,
    /// A watched key was modified: the next EXEC fails (CLIENT_DIRTY_CAS).
    pub dirty_cas: bool,
    /// Blocking commands answer at once instead of blocking, inside EXEC and scripts
    /// (CLIENT_DENY_BLOCKING).
    pub deny_blocking: bool,
    /// While a script runs: the protocol its commands' replies are shaped for
    /// (`redis.setresp`), which is not the connection's.
    pub script_protocol: Option<Protocol>,
    /// Channels, patterns and shard channels the client is subscribed to.
    pub subscriptions: Subscriptions,
    /// CLIENT REPLY OFF/SKIP: which replies the client does not get.
    pub reply_mode: ReplyMode,
    /// MONITOR: the client receives every command the server runs.
    pub monitor: bool,
    /// CLIENT TRACKING ON: its mode, redirect and prefixes.
    pub tracking: Option<ClientTracking>,
}

/// CLIENT REPLY's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplyMode {
    #[default]
    On,
    /// Nothing is sent until CLIENT REPLY ON.
    Off,
    /// The next command's reply is not sent (CLIENT_REPLY_SKIP_NEXT).
    SkipNext,
    /// This command's reply is not sent (CLIENT_REPLY_SKIP).
    Skip,
}

impl Client {
    /// The `client-output-buffer-limit` class this client's output is held to.
    pub fn output_class(&self) -> ClientClass {
        // getClientType: a subscribed client is a pubsub client; MONITOR ones stay normal.
        if self.subscriptions.active() {
            ClientClass::Pubsub
        } else {
            ClientClass::Normal
        }
    }

    /// Bytes of reply waiting for this client: the outbox and what the socket has not taken.
    pub fn output_pending(&self) -> u64 {
        self.output.len() as u64 + self.unwritten
    }

    pub fn new(id: u64, addr: String, local_addr: String, now_ms: i64) -> Client {
        Client {
            id,
            addr,
            local_addr,
            name: None,
            lib_name: None,
            lib_ver: None,
            db: 0,
            protocol: Protocol::Resp2,
            created_ms: now_ms,
            last_interaction_ms: now_ms,
            last_command: "NULL".into(),
            closing: false,
            close_asap: false,
            unwritten: 0,
            soft_limit_since: None,
            authenticated: false,
            no_evict: false,
            pending: VecDeque::new(),
            output: BytesMut::new(),
            multi: None,
            watched: Vec::new(),
            dirty_cas: false,
            deny_blocking: false,
            script_protocol: None,
            subscriptions: Subscriptions::default(),
            reply_mode: ReplyMode::On,
            monitor: false,
            tracking: None,
        }
    }
}
