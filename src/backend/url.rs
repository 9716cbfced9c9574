//! Redis connection URLs, in the forms the `redis` crate and redis-cli accept:
//! `redis://[[user]:password@]host[:port][/db]`, `rediss://` for TLS, and
//! `unix:///path/to/redis.sock?db=N&user=..&pass=..` (also spelled `redis+unix://`).
//!
//! A parsed URL never shows its password: `Display` and `Debug` print `***` in its place.

use std::fmt;
use std::path::PathBuf;

/// The port Redis listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 6379;

/// Where a server listens.
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    /// Plain TCP. `host` is a name or an IP address (IPv6 without brackets).
    Tcp { host: String, port: u16 },
    /// TCP with TLS (`rediss://`). `insecure` skips certificate verification
    /// (`rediss://host/#insecure` or `?insecure=true`).
    Tls {
        host: String,
        port: u16,
        insecure: bool,
    },
    /// A unix domain socket.
    Unix { path: PathBuf },
}

/// A parsed Redis URL: where the server is, how to log in and which logical database to use.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerSpec {
    /// Where the server listens.
    pub target: Target,
    /// The ACL user (`AUTH user password`); `None` logs in as the default user. A user
    /// without a password is sent as `AUTH user ""`, which ACL users marked `nopass` accept.
    pub username: Option<String>,
    /// The password (`AUTH password`, or with `username`); percent-decoded.
    pub password: Option<String>,
    /// The logical database to SELECT after connecting.
    pub db: i64,
}

/// Why a URL could not be parsed. Its message quotes the URL with any password masked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Redis URL '{url}': {reason}")]
pub struct UrlError {
    /// The URL as given, password masked.
    pub url: String,
    /// What is wrong with it, e.g. "invalid port number".
    pub reason: String,
}

impl ServerSpec {
    /// A plain TCP server with no credentials, database 0.
    pub fn tcp(host: impl Into<String>, port: u16) -> ServerSpec {
        ServerSpec {
            target: Target::Tcp {
                host: host.into(),
                port,
            },
            username: None,
            password: None,
            db: 0,
        }
    }

    /// Parses a Redis URL (see the module documentation for the accepted forms).
    pub fn parse(input: &str) -> Result<ServerSpec, UrlError> {
        parse_url(input.trim()).map_err(|reason| UrlError {
            url: mask_raw_url(input.trim()),
            reason,
        })
    }

    /// The same server and credentials with another logical database.
    pub fn with_db(&self, db: i64) -> ServerSpec {
        ServerSpec { db, ..self.clone() }
    }

    /// The server alone, without credentials or database: `redis://localhost:6379`,
    /// `unix:///tmp/redis.sock`. Used to name the target in messages.
    pub fn server_url(&self) -> String {
        ServerSpec {
            username: None,
            password: None,
            db: 0,
            target: self.target.clone(),
        }
        .to_string()
    }

    /// The address as redis-cli shows it in its prompt: `127.0.0.1:6379`, `[::1]:6380`,
    /// or `redis /tmp/redis.sock` for a unix socket.
    pub fn address_for_prompt(&self) -> String {
        match &self.target {
            Target::Tcp { host, port } | Target::Tls { host, port, .. } => {
                host_and_port(host, *port)
            }
            Target::Unix { path } => format!("redis {}", path.display()),
        }
    }
}

impl std::str::FromStr for ServerSpec {
    type Err = UrlError;

    fn from_str(s: &str) -> Result<ServerSpec, UrlError> {
        ServerSpec::parse(s)
    }
}

/// `host:port`, with brackets around an IPv6 address.
fn host_and_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

impl fmt::Display for ServerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Tcp { host, port } | Target::Tls { host, port, .. } => {
                let scheme = match self.target {
                    Target::Tls { .. } => "rediss",
                    _ => "redis",
                };
                write!(f, "{scheme}://")?;
                match (&self.username, &self.password) {
                    (Some(user), Some(_)) => write!(f, "{user}:***@")?,
                    (Some(user), None) => write!(f, "{user}@")?,
                    (None, Some(_)) => write!(f, ":***@")?,
                    (None, None) => {}
                }
                write!(f, "{}", host_and_port(host, *port))?;
                if self.db != 0 {
                    write!(f, "/{}", self.db)?;
                }
                if let Target::Tls { insecure: true, .. } = self.target {
                    write!(f, "?insecure=true")?;
                }
                Ok(())
            }
            Target::Unix { path } => {
                write!(f, "unix://{}", path.display())?;
                let mut query = Vec::new();
                if self.db != 0 {
                    query.push(format!("db={}", self.db));
                }
                if let Some(user) = &self.username {
                    query.push(format!("user={user}"));
                }
                if self.password.is_some() {
                    query.push("pass=***".to_string());
                }
                if !query.is_empty() {
                    write!(f, "?{}", query.join("&"))?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for ServerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerSpec({self})")
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Tcp { host, port } => write!(f, "Tcp({})", host_and_port(host, *port)),
            Target::Tls {
                host,
                port,
                insecure,
            } => write!(
                f,
                "Tls({}{})",
                host_and_port(host, *port),
                if *insecure { ", insecure" } else { "" }
            ),
            Target::Unix { path } => write!(f, "Unix({})", path.display()),
        }
    }
}

const SCHEMES: &str = "expected redis://, rediss://, unix:// or redis+unix://";

fn parse_url(input: &str) -> Result<ServerSpec, String> {
    if input.is_empty() {
        return Err(format!("the URL is empty ({SCHEMES})"));
    }
    let url = url::Url::parse(input).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => format!("missing scheme ({SCHEMES})"),
        other => other.to_string(),
    })?;
    match url.scheme() {
        "redis" => parse_tcp(&url, false),
        "rediss" => parse_tcp(&url, true),
        "unix" | "redis+unix" => parse_unix(&url),
        other => Err(format!("unsupported scheme '{other}' ({SCHEMES})")),
    }
}

fn parse_tcp(url: &url::Url, tls: bool) -> Result<ServerSpec, String> {
    let host = match url.host() {
        Some(url::Host::Domain(name)) if !name.is_empty() => percent_decode(name, "host name")?,
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        _ => return Err("missing host name (e.g. redis://localhost:6379)".to_string()),
    };
    let port = url.port().unwrap_or(DEFAULT_PORT);
    if port == 0 {
        return Err("port 0 is not a port a server can listen on".to_string());
    }
    let username = match url.username() {
        "" => None,
        user => Some(percent_decode(user, "user name")?),
    };
    let password = url
        .password()
        .map(|p| percent_decode(p, "password"))
        .transpose()?;

    let mut db = match url.path().trim_start_matches('/') {
        "" => None,
        path => Some(parse_db(&percent_decode(path, "database")?)?),
    };
    let mut insecure = match url.fragment() {
        None | Some("") => false,
        Some("insecure") if tls => true,
        Some(other) if tls => {
            return Err(format!(
                "unknown fragment '#{other}' (only #insecure is supported)"
            ));
        }
        Some(other) => return Err(format!("unexpected fragment '#{other}'")),
    };
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "db" => {
                let from_query = parse_db(&value)?;
                if db.is_some_and(|d| d != from_query) {
                    return Err(format!(
                        "the database is given twice (/{} and ?db={from_query})",
                        db.unwrap_or_default()
                    ));
                }
                db = Some(from_query);
            }
            "insecure" if tls => insecure = parse_flag(&key, &value)?,
            other => {
                let known = if tls { "db, insecure" } else { "db" };
                return Err(format!("unknown parameter '{other}' (supported: {known})"));
            }
        }
    }
    let target = if tls {
        Target::Tls {
            host,
            port,
            insecure,
        }
    } else {
        Target::Tcp { host, port }
    };
    Ok(ServerSpec {
        target,
        username,
        password,
        db: db.unwrap_or(0),
    })
}

fn parse_unix(url: &url::Url) -> Result<ServerSpec, String> {
    match url.host_str() {
        None | Some("") | Some("localhost") => {}
        Some(host) => {
            return Err(format!(
                "a unix socket URL takes an absolute path, not a host ('{host}'): \
                 unix:///path/to/redis.sock"
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "credentials go in the query of a unix socket URL: unix:///path?user=..&pass=.."
                .to_string(),
        );
    }
    let path = percent_decode(url.path(), "socket path")?;
    if path.is_empty() || path == "/" {
        return Err("missing socket path (e.g. unix:///var/run/redis/redis.sock)".to_string());
    }
    let mut spec = ServerSpec {
        target: Target::Unix {
            path: PathBuf::from(path),
        },
        username: None,
        password: None,
        db: 0,
    };
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "db" => spec.db = parse_db(&value)?,
            "user" | "username" => spec.username = Some(value.into_owned()),
            "pass" | "password" => spec.password = Some(value.into_owned()),
            other => {
                return Err(format!(
                    "unknown parameter '{other}' (supported: db, user, pass)"
                ));
            }
        }
    }
    Ok(spec)
}

/// A logical database number: any non-negative integer (servers may have more than 16).
fn parse_db(text: &str) -> Result<i64, String> {
    match text.parse::<i64>() {
        Ok(db) if db >= 0 && !text.starts_with('+') => Ok(db),
        _ => Err(format!(
            "the database must be a non-negative integer, found '{text}'"
        )),
    }
}

fn parse_flag(key: &str, value: &str) -> Result<bool, String> {
    match value {
        "" | "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        other => Err(format!("{key} must be true or false, found '{other}'")),
    }
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it is.
fn percent_decode(text: &str, what: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("the {what} is not valid UTF-8 once decoded"))
}

/// The URL as typed, with the password (in the authority or a `pass=`/`password=` query
/// parameter) replaced by `***`, for error messages.
fn mask_raw_url(input: &str) -> String {
    let mut masked = input.to_string();
    if let Some(scheme_end) = masked.find("://") {
        let authority_start = scheme_end + 3;
        let authority_end = masked[authority_start..]
            .find(['/', '?', '#'])
            .map_or(masked.len(), |i| authority_start + i);
        let authority = &masked[authority_start..authority_end];
        if let Some(at) = authority.rfind('@')
            && let Some(colon) = authority[..at].find(':')
        {
            masked.replace_range(authority_start + colon + 1..authority_start + at, "***");
        }
    }
    if let Some(query_start) = masked.find('?') {
        let (head, query) = masked.split_at(query_start + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key == "pass" || key == "password" => format!("{key}=***"),
                _ => pair.to_string(),
            })
            .collect();
        masked = format!("{head}{}", query.join("&"));
    }
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(host: &str, port: u16) -> Target {
        Target::Tcp {
            host: host.to_string(),
            port,
        }
    }

    /// A URL and what it parses to: target, user, password, database.
    type Case = (
        &'static str,
        Target,
        Option<&'static str>,
        Option<&'static str>,
        i64,
    );

    #[test]
    fn plain_tcp_forms() {
        let cases: &[Case] = &[
            ("redis://localhost", tcp("localhost", 6379), None, None, 0),
            (
                "redis://localhost:6380",
                tcp("localhost", 6380),
                None,
                None,
                0,
            ),
            (
                "redis://localhost:6380/",
                tcp("localhost", 6380),
                None,
                None,
                0,
            ),
            (
                "redis://127.0.0.1:6379/15",
                tcp("127.0.0.1", 6379),
                None,
                None,
                15,
            ),
            (
                "redis://127.0.0.1/?db=3",
                tcp("127.0.0.1", 6379),
                None,
                None,
                3,
            ),
            ("redis://h/3?db=3", tcp("h", 6379), None, None, 3),
            ("redis://:secret@h", tcp("h", 6379), None, Some("secret"), 0),
            ("redis://u:p@h:1/2", tcp("h", 1), Some("u"), Some("p"), 2),
            ("redis://u@h", tcp("h", 6379), Some("u"), None, 0),
            ("redis://[::1]:6380/2", tcp("::1", 6380), None, None, 2),
            ("redis://[::1]", tcp("::1", 6379), None, None, 0),
            ("redis://h/100", tcp("h", 6379), None, None, 100),
            ("  redis://h:7000  ", tcp("h", 7000), None, None, 0),
            (
                "redis://al%40ice:p%3Ass%2Fw%25rd@h",
                tcp("h", 6379),
                Some("al@ice"),
                Some("p:ss/w%rd"),
                0,
            ),
        ];
        for (url, target, user, pass, db) in cases {
            let spec = ServerSpec::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(&spec.target, target, "target of {url}");
            assert_eq!(spec.username.as_deref(), *user, "user of {url}");
            assert_eq!(spec.password.as_deref(), *pass, "password of {url}");
            assert_eq!(spec.db, *db, "db of {url}");
        }
    }

    #[test]
    fn tls_forms() {
        let tls = |insecure| Target::Tls {
            host: "redis.example.com".to_string(),
            port: 6380,
            insecure,
        };
        for (url, expected) in [
            ("rediss://redis.example.com:6380", tls(false)),
            ("rediss://redis.example.com:6380/#insecure", tls(true)),
            ("rediss://redis.example.com:6380?insecure=true", tls(true)),
            (
                "rediss://redis.example.com:6380/?insecure=false",
                tls(false),
            ),
        ] {
            assert_eq!(ServerSpec::parse(url).unwrap().target, expected, "{url}");
        }
    }

    #[test]
    fn unix_forms() {
        let sock = || Target::Unix {
            path: PathBuf::from("/tmp/redis.sock"),
        };
        for (url, db, user, pass) in [
            ("unix:///tmp/redis.sock", 0, None, None),
            ("redis+unix:///tmp/redis.sock", 0, None, None),
            ("unix:/tmp/redis.sock", 0, None, None),
            ("unix://localhost/tmp/redis.sock", 0, None, None),
            ("unix:///tmp/redis.sock?db=4", 4, None, None),
            (
                "unix:///tmp/redis.sock?db=4&pass=s%26t",
                4,
                None,
                Some("s&t"),
            ),
            (
                "unix:///tmp/redis.sock?password=x&user=bob",
                0,
                Some("bob"),
                Some("x"),
            ),
        ] {
            let spec = ServerSpec::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(spec.target, sock(), "{url}");
            assert_eq!(spec.db, db, "{url}");
            assert_eq!(spec.username.as_deref(), user, "{url}");
            assert_eq!(spec.password.as_deref(), pass, "{url}");
        }
    }

    #[test]
    fn errors_name_the_url_and_the_problem() {
        let cases = [
            ("", "the URL is empty"),
            ("localhost", "missing scheme"),
            ("http://localhost", "unsupported scheme 'http'"),
            ("localhost:6379", "unsupported scheme 'localhost'"),
            ("redis://h:abc", "invalid port number"),
            ("redis://h:70000", "invalid port number"),
            ("redis://h:0", "port 0"),
            ("redis://h/x", "non-negative integer, found 'x'"),
            ("redis://h/-1", "non-negative integer, found '-1'"),
            ("redis://h/1/2", "non-negative integer, found '1/2'"),
            ("redis://h?db=a", "non-negative integer, found 'a'"),
            ("redis://h/1?db=2", "given twice"),
            ("redis://h?timeout=3", "unknown parameter 'timeout'"),
            ("redis://h#insecure", "unexpected fragment"),
            ("rediss://h#fast", "only #insecure"),
            (
                "rediss://h?insecure=maybe",
                "insecure must be true or false",
            ),
            ("redis://", "missing host name"),
            ("redis://[::1", "invalid IPv6 address"),
            ("unix://tmp/redis.sock", "absolute path, not a host ('tmp')"),
            ("unix://", "missing socket path"),
            ("unix:///s?dbx=1", "unknown parameter 'dbx'"),
        ];
        for (url, reason) in cases {
            let error = ServerSpec::parse(url).expect_err(url).to_string();
            let prefix = format!("invalid Redis URL '{}': ", url.trim());
            assert!(
                error.starts_with(&prefix) && error.contains(reason),
                "for {url:?} expected '{prefix}...{reason}...', found '{error}'"
            );
            assert!(!error.contains('\n'), "one line: {error}");
        }
    }

    #[test]
    fn passwords_never_show() {
        let cases = [
            (
                "redis://user:hunter2@host:6379/15",
                "redis://user:***@host:6379/15",
            ),
            ("redis://:hunter2@host", "redis://:***@host:6379"),
            ("redis://user@host", "redis://user@host:6379"),
            (
                "rediss://:hunter2@[::1]:7000/#insecure",
                "rediss://:***@[::1]:7000?insecure=true",
            ),
            ("redis://host/0", "redis://host:6379"),
            (
                "unix:///tmp/r.sock?db=2&pass=hunter2&user=u",
                "unix:///tmp/r.sock?db=2&user=u&pass=***",
            ),
        ];
        for (url, shown) in cases {
            let spec = ServerSpec::parse(url).unwrap();
            assert_eq!(spec.to_string(), shown, "Display of {url}");
            assert!(!format!("{spec:?}").contains("hunter2"), "Debug of {url}");
            assert_eq!(
                ServerSpec::parse(shown).unwrap().target,
                spec.target,
                "{shown} re-parses"
            );
        }
        for bad in [
            "redis://user:hunter2@host:x",
            "redis://:hunter2@host/x",
            "unix:///s?pass=hunter2&db=x",
            "unix:///s?password=hunter2&bogus=1",
        ] {
            let error = ServerSpec::parse(bad).unwrap_err().to_string();
            assert!(
                !error.contains("hunter2"),
                "error for {bad} shows the password: {error}"
            );
            assert!(
                error.contains("***"),
                "error for {bad} masks the password: {error}"
            );
        }
    }

    #[test]
    fn server_url_and_prompt_address() {
        let spec = ServerSpec::parse("redis://u:p@localhost:6379/15").unwrap();
        assert_eq!(spec.server_url(), "redis://localhost:6379");
        assert_eq!(spec.address_for_prompt(), "localhost:6379");
        assert_eq!(
            spec.with_db(3).to_string(),
            "redis://u:***@localhost:6379/3"
        );
        let v6 = ServerSpec::parse("redis://[::1]:6380/2").unwrap();
        assert_eq!(v6.address_for_prompt(), "[::1]:6380");
        let unix = ServerSpec::parse("unix:///tmp/r.sock?db=1").unwrap();
        assert_eq!(unix.address_for_prompt(), "redis /tmp/r.sock");
        assert_eq!(unix.server_url(), "unix:///tmp/r.sock");
    }
}
