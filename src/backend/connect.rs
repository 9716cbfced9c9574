//! Opening a connection to a server named by a URL: TCP, TLS (rustls with the ring provider
//! and the system's root certificates) or a unix socket, then AUTH and SELECT. Nothing else
//! is sent (no HELLO, no CLIENT SETINFO), so the console behaves like redis-cli.

use super::connection::{Connection, ConnectionError, Stream};
use super::url::{ServerSpec, Target};
use crate::resp::Value;
use std::io;
use std::sync::{Arc, OnceLock};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};

/// Opens a connection to `spec`, logs in and selects its database.
pub(super) async fn open(spec: &ServerSpec) -> Result<Connection, ConnectionError> {
    let target = spec.server_url();
    let stream: Box<dyn Stream> = match &spec.target {
        Target::Tcp { host, port } => Box::new(open_tcp(host, *port, &target).await?),
        Target::Tls {
            host,
            port,
            insecure,
        } => {
            let tcp = open_tcp(host, *port, &target).await?;
            let tls_error = |reason: String| ConnectionError::Tls {
                target: target.clone(),
                reason,
            };
            let name = ServerName::try_from(host.clone())
                .map_err(|e| tls_error(format!("'{host}' is not a valid server name: {e}")))?;
            let connector = TlsConnector::from(tls_config(*insecure).map_err(tls_error)?);
            let tls = connector
                .connect(name, tcp)
                .await
                .map_err(|e| tls_error(tls_reason(&e)))?;
            Box::new(tls)
        }
        Target::Unix { path } => open_unix(path, &target).await?,
    };
    let mut connection = Connection::new(stream).with_server(spec.clone());
    log_in(&mut connection, spec).await?;
    Ok(connection)
}

/// Opens a TCP connection with Nagle's algorithm off (requests are small and interactive).
pub(super) async fn open_tcp(
    host: &str,
    port: u16,
    target: &str,
) -> Result<TcpStream, ConnectionError> {
    let unreachable = |e: io::Error| ConnectionError::Unreachable {
        target: target.to_string(),
        reason: io_reason(&e),
    };
    let socket = TcpStream::connect((host, port))
        .await
        .map_err(unreachable)?;
    socket.set_nodelay(true).map_err(unreachable)?;
    Ok(socket)
}

#[cfg(unix)]
async fn open_unix(
    path: &std::path::Path,
    target: &str,
) -> Result<Box<dyn Stream>, ConnectionError> {
    match tokio::net::UnixStream::connect(path).await {
        Ok(socket) => Ok(Box::new(socket)),
        Err(e) => Err(ConnectionError::Unreachable {
            target: target.to_string(),
            reason: io_reason(&e),
        }),
    }
}

#[cfg(not(unix))]
async fn open_unix(_: &std::path::Path, target: &str) -> Result<Box<dyn Stream>, ConnectionError> {
    Err(ConnectionError::Unreachable {
        target: target.to_string(),
        reason: "unix sockets are not supported on this platform; use redis://host:port"
            .to_string(),
    })
}

/// AUTH with the URL's credentials, then SELECT its database when it is not 0.
async fn log_in(connection: &mut Connection, spec: &ServerSpec) -> Result<(), ConnectionError> {
    let auth: Option<Vec<&str>> = match (&spec.username, &spec.password) {
        (Some(user), Some(password)) => Some(vec!["AUTH", user, password]),
        (None, Some(password)) => Some(vec!["AUTH", password]),
        // A user without a password: fine for an ACL user marked `nopass`.
        (Some(user), None) => Some(vec!["AUTH", user, ""]),
        (None, None) => None,
    };
    if let Some(auth) = auth {
        let reply = connection.request(&auth).await?;
        if let Some(message) = error_text(&reply) {
            return Err(ConnectionError::AuthFailed(message));
        }
    }
    if spec.db != 0 {
        let db = spec.db.to_string();
        let reply = connection.request(&["SELECT", db.as_str()]).await?;
        if let Some(message) = error_text(&reply) {
            return Err(ConnectionError::SelectFailed {
                db: spec.db,
                reason: message,
            });
        }
    }
    Ok(())
}

/// The text of an error reply.
fn error_text(reply: &Value) -> Option<String> {
    match reply {
        Value::Error(message) => Some(String::from_utf8_lossy(message).into_owned()),
        _ => None,
    }
}

/// An I/O error as a short reason: "Connection refused", without the "(os error 111)" tail.
pub(super) fn io_reason(error: &io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(tail) if text.ends_with(')') => text[..tail].to_string(),
        _ => text,
    }
}

/// Why a TLS handshake failed, in words: certificate problems say how to get past them.
fn tls_reason(error: &io::Error) -> String {
    let rustls_error = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match rustls_error {
        Some(rustls::Error::InvalidCertificate(problem)) => {
            let problem = match problem {
                rustls::CertificateError::Other(other) => format!("{other}"),
                known => format!("{known:?}"),
            };
            format!(
                "the server's certificate is not trusted ({problem}); \
                 add #insecure to the URL to skip verification"
            )
        }
        Some(other) => other.to_string(),
        None if error.kind() == io::ErrorKind::UnexpectedEof => {
            "the server closed the connection (is this a TLS port?)".to_string()
        }
        None => io_reason(error),
    }
}

/// The client TLS configuration, built once per mode: verified against the system's roots,
/// or (for `#insecure`) accepting any certificate.
fn tls_config(insecure: bool) -> Result<Arc<rustls::ClientConfig>, String> {
    static VERIFIED: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    static INSECURE: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    if insecure {
        INSECURE.get_or_init(build_insecure_config).clone()
    } else {
        VERIFIED.get_or_init(build_verified_config).clone()
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn build_verified_config() -> Result<Arc<rustls::ClientConfig>, String> {
    let native = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(native.certs);
    if roots.is_empty() {
        let why = native
            .errors
            .first()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        return Err(format!(
            "no trusted root certificates found on this system{why} (add #insecure to the URL to skip verification)"
        ));
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn build_insecure_config() -> Result<Arc<rustls::ClientConfig>, String> {
    let provider = provider();
    let verifier = Arc::new(AcceptAnyCertificate {
        algorithms: provider.signature_verification_algorithms,
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// For `rediss://...#insecure`: any certificate is accepted (the handshake signatures are
/// still checked), like redis-cli with `--insecure`.
#[derive(Debug)]
struct AcceptAnyCertificate {
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn io_reasons_drop_the_os_error_number() {
        let refused = io::Error::from_raw_os_error(111);
        assert_eq!(io_reason(&refused), "Connection refused");
        let custom = io::Error::other("no route (really)");
        assert_eq!(io_reason(&custom), "no route (really)");
    }

    #[test]
    fn both_tls_configurations_build() {
        assert!(tls_config(true).is_ok(), "insecure TLS configuration");
        // The verified one depends on the machine's root store; it must not panic.
        let _ = tls_config(false);
    }
}
