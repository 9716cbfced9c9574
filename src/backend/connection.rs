//! A raw RESP connection, like redis-cli's: requests go out as written and every reply
//! (pushes included) comes back as a `Value`, so MULTI, SELECT, BLPOP and SUBSCRIBE behave
//! exactly as on the wire.

use crate::resp::{ParseError, Value, parse_value};
use bytes::{Buf, BytesMut};
use std::io;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Anything a connection can run over (TCP, TLS, a unix socket).
pub trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}

/// Why a request failed at the connection level (a Redis error reply is a `Value::Error`).
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("connection lost: {0}")]
    Io(#[from] io::Error),
    #[error("the server closed the connection")]
    Closed,
    #[error(transparent)]
    Protocol(#[from] ParseError),
}

/// One connection to a Redis server.
pub struct Connection {
    stream: Box<dyn Stream>,
    input: BytesMut,
    output: BytesMut,
}

impl Connection {
    pub fn new(stream: Box<dyn Stream>) -> Connection {
        Connection {
            stream,
            input: BytesMut::with_capacity(16 * 1024),
            output: BytesMut::new(),
        }
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
            if let Some((value, used)) = parse_value(&self.input)? {
                self.input.advance(used);
                return Ok(value);
            }
            if self.stream.read_buf(&mut self.input).await? == 0 {
                return Err(ConnectionError::Closed);
            }
        }
    }
}
