//! What the tutor talks to: the embedded engine or a learner's own Redis (named by a URL),
//! both reached over RESP through the same `Connection`.
//!
//! Reconnecting: `Backend::connect` opens a brand-new connection every time it is called, so
//! after a request fails with a `ConnectionError` (server restarted, network dropped), the
//! caller drops the broken `Connection` and calls `connect` again; the fresh connection is
//! logged in and on the URL's database, exactly like the first one.

mod connect;
mod connection;
pub mod safety;
pub mod url;

pub use connection::{Connection, ConnectionError, Stream};
pub use safety::{SafetyError, Workspace};
pub use url::{ServerSpec, Target, UrlError};

use crate::engine::{Clock, Engine};
use std::io;
use std::time::Duration;

/// How long opening a connection (including TLS, AUTH and SELECT) may take before giving up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The Redis version the embedded engine reproduces.
pub const EMBEDDED_REDIS_VERSION: &str = "7.0.15";

/// The Redis the tutor works against.
pub enum Backend {
    /// The embedded engine, listening on a free loopback port.
    Embedded(Engine),
    /// A server the learner named with a URL (`--redis redis://localhost:6379/15`).
    Connected(ServerSpec),
}

/// Why a backend could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The URL does not parse; the message quotes it with the password masked.
    #[error(transparent)]
    Url(#[from] UrlError),
}

impl Backend {
    /// Starts the embedded engine (inside the current tokio runtime).
    pub async fn embedded() -> io::Result<Backend> {
        Ok(Backend::Embedded(Engine::start_local(Clock::new()).await?))
    }

    /// A backend for the server named by `url`. Only parses: nothing is contacted until
    /// `connect`.
    pub fn connected(url: &str) -> Result<Backend, BackendError> {
        Ok(Backend::Connected(ServerSpec::parse(url)?))
    }

    /// Opens a new connection, logged in and on the backend's database, within
    /// `CONNECT_TIMEOUT`. Call it again after a `ConnectionError` to get a fresh connection.
    pub async fn connect(&self) -> Result<Connection, ConnectionError> {
        self.connect_within(CONNECT_TIMEOUT).await
    }

    /// Like `connect`, with another time limit for connecting and logging in.
    pub async fn connect_within(&self, limit: Duration) -> Result<Connection, ConnectionError> {
        let spec = self.server();
        let opening = async {
            match self {
                Backend::Embedded(engine) => {
                    let addr = engine.addr();
                    let socket =
                        connect::open_tcp(&addr.ip().to_string(), addr.port(), &engine.url())
                            .await?;
                    Ok(Connection::new(Box::new(socket)).with_server(spec.clone()))
                }
                Backend::Connected(spec) => connect::open(spec).await,
            }
        };
        match tokio::time::timeout(limit, opening).await {
            Ok(result) => result,
            Err(_) => Err(ConnectionError::TimedOut {
                target: spec.server_url(),
                after: limit,
                // A plain Redis port waits for the end of a "command" that never comes.
                hint: match spec.target {
                    Target::Tls { .. } => " (is it a TLS port? plain Redis takes redis://)",
                    _ => "",
                },
            }),
        }
    }

    /// The server and database this backend reaches (for the embedded engine, its loopback
    /// address and database 0).
    pub fn server(&self) -> ServerSpec {
        match self {
            Backend::Embedded(engine) => {
                let addr = engine.addr();
                ServerSpec::tcp(addr.ip().to_string(), addr.port())
            }
            Backend::Connected(spec) => spec.clone(),
        }
    }

    /// A short label for the status bar: "embedded Redis 7.0.15 on 127.0.0.1:41234" or the
    /// URL with its password masked ("redis://localhost:6379/15").
    pub fn describe(&self) -> String {
        match self {
            Backend::Embedded(engine) => {
                format!(
                    "embedded Redis {EMBEDDED_REDIS_VERSION} on {}",
                    engine.addr()
                )
            }
            Backend::Connected(spec) => spec.to_string(),
        }
    }

    /// True for the embedded engine.
    pub fn is_embedded(&self) -> bool {
        matches!(self, Backend::Embedded(_))
    }

    /// The embedded engine (for its virtual clock), if that is the backend.
    pub fn engine(&self) -> Option<&Engine> {
        match self {
            Backend::Embedded(engine) => Some(engine),
            Backend::Connected(_) => None,
        }
    }

    /// The logical database new connections start on.
    pub fn db(&self) -> i64 {
        match self {
            Backend::Embedded(_) => 0,
            Backend::Connected(spec) => spec.db,
        }
    }

    /// The address as redis-cli's prompt shows it: "127.0.0.1:6379", "[::1]:6380" or
    /// "redis /tmp/redis.sock" (the console adds "[db]" when the database is not 0).
    pub fn address_for_prompt(&self) -> String {
        self.server().address_for_prompt()
    }

    /// Refuses to work in a connected server's database when it holds keys the tutor did not
    /// make, and marks it as the tutor's workspace otherwise (see `safety::check_workspace`);
    /// the embedded engine is ours and always passes, unmarked.
    pub async fn check_workspace(
        &self,
        connection: &mut Connection,
        owned: &[String],
        force: bool,
    ) -> Result<Workspace, SafetyError> {
        match self {
            Backend::Embedded(_) => Ok(Workspace::Marked),
            Backend::Connected(spec) => {
                safety::check_workspace(connection, spec.db, owned, force).await
            }
        }
    }
}
