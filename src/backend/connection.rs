//! A raw RESP connection, like redis-cli's: requests go out as written and every reply
//! (pushes included) comes back as a `Value`, so MULTI, SELECT, BLPOP and SUBSCRIBE behave
//! exactly as on the wire.

use super::url::ServerSpec;
use crate::resp::{Decoder, ParseError, Value};
use bytes::{Buf, BytesMut};
use std::io;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Anything a connection can run over (TCP, TLS, a unix socket).
pub trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}

/// Why a connection could not be opened, or why a request failed at the connection level
/// (a Redis error reply is a `Value::Error`, not a `ConnectionError`).
///
/// Every message is one line; the ones about opening a connection name the target (password
/// masked). After any of these, `Backend::connect` can be called again for a fresh connection.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("connection lost: {0}")]
    Io(#[from] io::Error),
    #[error("the server closed the connection")]
    Closed,
    #[error(transparent)]
    Protocol(#[from] ParseError),
    /// The TCP connection or unix socket could not be opened.
    #[error("cannot connect to {target}: {reason}")]
    Unreachable { target: String, reason: String },
    /// Connecting (and logging in) took longer than the connect timeout. `hint` is empty or
    /// a parenthesized guess at the cause, with a leading space.
    #[error("cannot connect to {target}: no answer within {after:?}{hint}")]
    TimedOut {
        target: String,
        after: Duration,
        hint: &'static str,
    },
    /// The TLS handshake failed (certificate, protocol, or not a TLS port).
    #[error("TLS handshake with {target} failed: {reason}")]
    Tls { target: String, reason: String },
    /// AUTH was refused; `0` is the server's error reply.
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    /// SELECT of the URL's database was refused; `reason` is the server's error reply.
    #[error("cannot select database {db}: {reason}")]
    SelectFailed { db: i64, reason: String },
}

/// One connection to a Redis server.
pub struct Connection {
    stream: Box<dyn Stream>,
    input: BytesMut,
    /// Keeps its place in a reply read in many pieces, and holds the server to the client's
    /// limits (nesting, lengths, sizes).
    decoder: Decoder,
    output: BytesMut,
    server: Option<ServerSpec>,
}

impl Connection {
    /// Wraps an open stream; nothing is sent.
    pub fn new(stream: Box<dyn Stream>) -> Connection {
        Connection {
            stream,
            input: BytesMut::with_capacity(16 * 1024),
            decoder: Decoder::default(),
            output: BytesMut::new(),
            server: None,
        }
    }

    /// Records which server (and database) this connection was opened to, for messages.
    pub fn with_server(mut self, server: ServerSpec) -> Connection {
        self.server = Some(server);
        self
    }

    /// The server (and database) this connection was opened to, when known
    /// (`Backend::connect` sets it). A later SELECT on the connection does not change it.
    pub fn server(&self) -> Option<&ServerSpec> {
        self.server.as_ref()
    }

    /// Sends one command and reads its reply.
    pub async fn request<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Value, ConnectionError> {
        self.send(args).await?;
        self.read_reply().await
    }

    /// Writes one command without waiting for its reply.
    pub async fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<(), ConnectionError> {
        self.output.clear();
        Value::encode_request(args, &mut self.output);
        self.stream.write_all(&self.output).await?;
        Ok(())
    }

    /// Reads the next reply or push message.
    pub async fn read_reply(&mut self) -> Result<Value, ConnectionError> {
        loop {
            let (used, value) = self.decoder.feed(&self.input)?;
            self.input.advance(used);
            if let Some(value) = value {
                return Ok(value);
            }
            if self.stream.read_buf(&mut self.input).await? == 0 {
                return Err(ConnectionError::Closed);
            }
        }
    }
}
