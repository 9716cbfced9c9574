//! What the tutor talks to: the embedded engine or a learner's own Redis, both reached over
//! RESP through the same `Connection`.

mod connection;

pub use connection::{Connection, ConnectionError, Stream};

use crate::engine::{Clock, Engine};
use std::io;

/// The Redis the tutor works against.
pub enum Backend {
    /// The embedded engine, listening on a free loopback port.
    Embedded(Engine),
}

impl Backend {
    /// Starts the embedded engine (inside the current tokio runtime).
    pub async fn embedded() -> io::Result<Backend> {
        Ok(Backend::Embedded(Engine::start_local(Clock::new()).await?))
    }

    /// Opens a new connection, ready for commands.
    pub async fn connect(&self) -> Result<Connection, ConnectionError> {
        match self {
            Backend::Embedded(engine) => {
                let socket = tokio::net::TcpStream::connect(engine.addr()).await?;
                socket.set_nodelay(true)?;
                Ok(Connection::new(Box::new(socket)))
            }
        }
    }
}
