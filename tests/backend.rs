//! The backend end to end: the embedded engine, and a real redis-server reached by URL over
//! TCP and a unix socket, with passwords, ACL users, databases and the workspace safety rules.

mod support;

use redis_tutor::backend::{Backend, Connection, ConnectionError, SafetyError, safety};
use redis_tutor::resp::Value;
use std::time::Duration;
use support::real_redis::{RealRedis, free_port};

const PASSWORD: &str = "tutor-secret";

/// Runs a command and returns its reply, failing the test on a connection error.
async fn run(connection: &mut Connection, args: &[&str]) -> Value {
    connection
        .request(args)
        .await
        .unwrap_or_else(|e| panic!("{args:?}: connection error: {e}"))
}

fn bulk(text: &str) -> Value {
    Value::bulk(text.as_bytes().to_vec())
}

/// The `db=N` field of CLIENT INFO: which database the connection is on.
async fn current_db(connection: &mut Connection) -> String {
    let info = run(connection, &["CLIENT", "INFO"]).await;
    let text =
        String::from_utf8_lossy(info.as_bytes().expect("CLIENT INFO is a string")).into_owned();
    text.split(' ')
        .find_map(|field| field.strip_prefix("db="))
        .unwrap_or_else(|| panic!("no db= in CLIENT INFO: {text}"))
        .to_string()
}

async fn connect(url: &str) -> Connection {
    let backend = Backend::connected(url).unwrap_or_else(|e| panic!("{e}"));
    backend
        .connect()
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

async fn connect_error(url: &str) -> String {
    let backend = Backend::connected(url).unwrap_or_else(|e| panic!("{e}"));
    match backend.connect().await {
        Ok(_) => panic!("connecting to {url} should fail"),
        Err(e) => e.to_string(),
    }
}

/// A server with a password on the default user and a unix socket.
struct Secured {
    server: RealRedis,
    socket: String,
    /// Holds the socket's directory until the test ends.
    _socket_dir: tempfile::TempDir,
}

fn secured_server() -> Option<Secured> {
    let socket_dir = tempfile::tempdir().expect("temporary directory");
    let socket = socket_dir
        .path()
        .join("redis.sock")
        .to_string_lossy()
        .into_owned();
    let server = RealRedis::start(&["--requirepass", PASSWORD, "--unixsocket", &socket])?;
    Some(Secured {
        server,
        socket,
        _socket_dir: socket_dir,
    })
}

fn authed_url(server: &RealRedis, db: i64) -> String {
    format!("redis://:{PASSWORD}@127.0.0.1:{}/{db}", server.port())
}

// ---- the embedded engine ----

#[tokio::test]
async fn embedded_engine_answers_and_describes_itself() {
    let backend = Backend::embedded().await.expect("engine starts");
    let addr = backend.engine().expect("embedded has an engine").addr();
    assert!(backend.is_embedded());
    assert_eq!(backend.db(), 0);
    assert_eq!(
        backend.describe(),
        format!("embedded Redis 7.0.15 on {addr}")
    );
    assert_eq!(backend.address_for_prompt(), addr.to_string());

    let mut connection = backend.connect().await.expect("connect to the engine");
    assert_eq!(run(&mut connection, &["PING"]).await, Value::simple("PONG"));
    assert_eq!(run(&mut connection, &["ECHO", "hi"]).await, bulk("hi"));
    assert_eq!(
        connection.server().map(|s| s.address_for_prompt()),
        Some(addr.to_string())
    );
    // The engine is ours: no refusal, whatever it holds.
    backend
        .check_workspace(&mut connection, &[], false)
        .await
        .expect("the embedded engine is always a valid workspace");
}

#[tokio::test]
async fn embedded_engine_reconnects_after_quit() {
    let backend = Backend::embedded().await.expect("engine starts");
    let mut connection = backend.connect().await.expect("connect");
    assert_eq!(run(&mut connection, &["QUIT"]).await, Value::ok());
    let after_quit = connection.request(&["PING"]).await;
    assert!(
        matches!(
            after_quit,
            Err(ConnectionError::Closed | ConnectionError::Io(_))
        ),
        "a closed connection reports a ConnectionError, found {after_quit:?}"
    );
    let mut fresh = backend.connect().await.expect("a second connect works");
    assert_eq!(run(&mut fresh, &["PING"]).await, Value::simple("PONG"));
}

// ---- URLs and failures that need no server ----

#[test]
fn connected_only_parses() {
    let backend = Backend::connected("redis://alice:hunter2@localhost:1/15").expect("parses");
    assert!(!backend.is_embedded());
    assert!(backend.engine().is_none());
    assert_eq!(backend.db(), 15);
    assert_eq!(backend.describe(), "redis://alice:***@localhost:1/15");
    assert_eq!(backend.address_for_prompt(), "localhost:1");

    let error = Backend::connected("redis://:hunter2@localhost:port")
        .err()
        .expect("a bad port is an error")
        .to_string();
    assert_eq!(
        error,
        "invalid Redis URL 'redis://:***@localhost:port': invalid port number"
    );
}

#[tokio::test]
async fn unreachable_port_names_the_target() {
    let port = free_port();
    let error = connect_error(&format!("redis://:pw@127.0.0.1:{port}/3")).await;
    assert_eq!(
        error,
        format!("cannot connect to redis://127.0.0.1:{port}: Connection refused")
    );
}

#[cfg(unix)]
#[tokio::test]
async fn missing_unix_socket_names_the_path() {
    let error = connect_error("unix:///nonexistent/redis-tutor.sock").await;
    assert_eq!(
        error,
        "cannot connect to unix:///nonexistent/redis-tutor.sock: No such file or directory"
    );
}

#[tokio::test]
async fn a_silent_server_times_out_instead_of_hanging() {
    // Accepts connections and never answers, so AUTH waits for a reply forever.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let _silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let backend = Backend::connected(&format!("redis://:pw@127.0.0.1:{port}")).unwrap();
    let error = backend
        .connect_within(Duration::from_millis(300))
        .await
        .err()
        .expect("no answer is an error");
    assert_eq!(
        error.to_string(),
        format!("cannot connect to redis://127.0.0.1:{port}: no answer within 300ms")
    );
}

// ---- a real redis-server ----

#[tokio::test]
async fn password_only_auth() {
    let Some(secured) = secured_server() else {
        return;
    };
    let server = &secured.server;
    let mut connection = connect(&authed_url(server, 0)).await;
    assert_eq!(run(&mut connection, &["PING"]).await, Value::simple("PONG"));

    // Like redis-cli: no password connects, and the first command says NOAUTH.
    let mut anonymous = connect(&server.url()).await;
    assert_eq!(
        run(&mut anonymous, &["PING"]).await,
        Value::error("NOAUTH Authentication required.")
    );
}

#[tokio::test]
async fn wrong_password_is_reported() {
    let Some(secured) = secured_server() else {
        return;
    };
    let server = &secured.server;
    let error = connect_error(&format!("redis://:nope@127.0.0.1:{}", server.port())).await;
    assert_eq!(
        error,
        "authentication failed: WRONGPASS invalid username-password pair or user is disabled."
    );
    let error = connect_error(&format!("redis://ghost:nope@127.0.0.1:{}", server.port())).await;
    assert_eq!(
        error,
        "authentication failed: WRONGPASS invalid username-password pair or user is disabled."
    );
}

#[tokio::test]
async fn acl_user_with_percent_encoded_password() {
    let Some(secured) = secured_server() else {
        return;
    };
    let server = &secured.server;
    let mut admin = connect(&authed_url(server, 0)).await;
    let created = run(
        &mut admin,
        &[
            "ACL",
            "SETUSER",
            "alice",
            "on",
            ">p@ss:w/rd%",
            "~*",
            "&*",
            "+@all",
        ],
    )
    .await;
    assert_eq!(created, Value::ok());

    let url = format!(
        "redis://alice:p%40ss%3Aw%2Frd%25@127.0.0.1:{}",
        server.port()
    );
    let mut alice = connect(&url).await;
    assert_eq!(run(&mut alice, &["ACL", "WHOAMI"]).await, bulk("alice"));
    let backend = Backend::connected(&url).unwrap();
    assert_eq!(
        backend.describe(),
        format!("redis://alice:***@127.0.0.1:{}", server.port())
    );
}

#[tokio::test]
async fn url_database_is_selected() {
    let Some(secured) = secured_server() else {
        return;
    };
    let server = &secured.server;
    let mut on_five = connect(&authed_url(server, 5)).await;
    assert_eq!(current_db(&mut on_five).await, "5");
    let query_form = format!("redis://:{PASSWORD}@127.0.0.1:{}?db=7", server.port());
    assert_eq!(current_db(&mut connect(&query_form).await).await, "7");

    // Writes land in the URL's database, not in 0.
    assert_eq!(run(&mut on_five, &["SET", "k", "v"]).await, Value::ok());
    let mut on_zero = connect(&authed_url(server, 0)).await;
    assert_eq!(run(&mut on_zero, &["EXISTS", "k"]).await, Value::Integer(0));

    let error = connect_error(&authed_url(server, 16)).await;
    assert_eq!(
        error,
        "cannot select database 16: ERR DB index is out of range"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn unix_socket_with_password_and_database() {
    let Some(secured) = secured_server() else {
        return;
    };
    let socket = &secured.socket;
    for scheme in ["unix", "redis+unix"] {
        let url = format!("{scheme}://{socket}?pass={PASSWORD}&db=2");
        let backend = Backend::connected(&url).unwrap();
        assert_eq!(backend.address_for_prompt(), format!("redis {socket}"));
        assert_eq!(backend.describe(), format!("unix://{socket}?db=2&pass=***"));
        let mut connection = backend
            .connect()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(run(&mut connection, &["PING"]).await, Value::simple("PONG"));
        assert_eq!(current_db(&mut connection).await, "2");
    }
}

#[tokio::test]
async fn reconnect_after_the_server_drops_the_connection() {
    let Some(secured) = secured_server() else {
        return;
    };
    let server = &secured.server;
    let backend = Backend::connected(&authed_url(server, 4)).unwrap();
    let mut doomed = backend.connect().await.unwrap();
    let mut admin = backend.connect().await.unwrap();
    let id = run(&mut doomed, &["CLIENT", "ID"]).await;
    let Value::Integer(id) = id else {
        panic!("CLIENT ID: {id:?}")
    };
    let killed = run(&mut admin, &["CLIENT", "KILL", "ID", &id.to_string()]).await;
    assert_eq!(killed, Value::Integer(1));
    assert!(
        doomed.request(&["PING"]).await.is_err(),
        "a killed connection reports a ConnectionError"
    );
    let mut fresh = backend.connect().await.expect("connect again");
    assert_eq!(
        current_db(&mut fresh).await,
        "4",
        "the fresh connection is on the URL's db"
    );
}

fn owned() -> Vec<String> {
    vec!["tutor:*".to_string(), "ch1:*".to_string()]
}

/// The reported data loss: keys of the learner's own app in a database other than 0 that
/// happen to match an exercise's patterns (`session:prod-user-abc`). No database is used
/// unless it is empty or already the tutor's; nothing is deleted when one is refused.
#[tokio::test]
async fn every_database_with_foreign_keys_is_refused_and_kept() {
    let Some(secured) = secured_server() else {
        return;
    };
    let server = &secured.server;
    let port = server.port();
    for db in [0, 14] {
        let backend = Backend::connected(&authed_url(server, db)).unwrap();
        let mut connection = backend.connect().await.unwrap();
        // Somebody's data, one key matching an exercise's pattern and one matching none.
        run(
            &mut connection,
            &["SET", "tutor:prod-user-abc", "someone's session"],
        )
        .await;
        run(&mut connection, &["SET", "cart:991", "someone's cart"]).await;
        let refusal = backend
            .check_workspace(&mut connection, &owned(), false)
            .await
            .expect_err("a database holding data the tutor did not make is refused");
        let SafetyError::ForeignKeys {
            db: refused_db,
            marked: false,
            ..
        } = refusal
        else {
            panic!("expected ForeignKeys, found {refusal:?}");
        };
        assert_eq!(refused_db, db);
        let message = refusal.to_string();
        assert!(
            message.starts_with(&format!(
                "database {db} on redis://127.0.0.1:{port} holds keys that redis-tutor did not make (e.g. '"
            )) && message.ends_with(&format!(
                "Use an empty database, e.g. redis://:***@127.0.0.1:{port}/15, or pass --force"
            )),
            "{message}"
        );
        assert!(
            !message.contains(PASSWORD),
            "the password leaked: {message}"
        );
        assert_eq!(
            run(&mut connection, &["DBSIZE"]).await,
            Value::Integer(2),
            "a refusal writes nothing, not even the marker"
        );
    }
    // Database 15 is taken too now: the suggestion moves to the next empty one.
    let mut on_fifteen = connect(&authed_url(server, 15)).await;
    run(&mut on_fifteen, &["SET", "mine", "x"]).await;
    let backend = Backend::connected(&authed_url(server, 14)).unwrap();
    let mut connection = backend.connect().await.unwrap();
    let message = backend
        .check_workspace(&mut connection, &owned(), false)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&format!("127.0.0.1:{port}/13, or pass --force")),
        "{message}"
    );

    // --force marks it anyway; deleting the course's keys leaves the others alone.
    assert_eq!(
        backend
            .check_workspace(&mut connection, &owned(), true)
            .await
            .expect("--force accepts it"),
        safety::Workspace::NewlyMarked
    );
    assert_eq!(
        run(&mut connection, &["EXISTS", safety::WORKSPACE_MARKER]).await,
        Value::Integer(1)
    );
}

/// An empty database becomes the tutor's workspace, and stays usable while it holds only the
/// marker and the course's keys; a foreign key written there later is refused again.
#[tokio::test]
async fn an_empty_database_is_marked_and_remembered() {
    let Some(secured) = secured_server() else {
        return;
    };
    let server = &secured.server;
    let backend = Backend::connected(&authed_url(server, 3)).unwrap();
    let mut connection = backend.connect().await.unwrap();
    assert_eq!(
        backend
            .check_workspace(&mut connection, &owned(), false)
            .await
            .expect("an empty database is accepted"),
        safety::Workspace::NewlyMarked
    );
    run(&mut connection, &["SET", "tutor:1", "x"]).await;
    // Another run of the tutor, on a new connection: the marker is the memory.
    let mut again = backend.connect().await.unwrap();
    assert_eq!(
        backend
            .check_workspace(&mut again, &owned(), false)
            .await
            .expect("marked, with owned keys only"),
        safety::Workspace::Marked
    );
    run(&mut again, &["SET", "session:abc", "someone's data"]).await;
    let refusal = backend
        .check_workspace(&mut again, &owned(), false)
        .await
        .expect_err("a foreign key in the workspace is refused");
    assert!(
        matches!(refusal, SafetyError::ForeignKeys { marked: true, .. }),
        "{refusal:?}"
    );
    assert!(
        refusal
            .to_string()
            .contains("holds keys that no exercise owns (e.g. 'session:abc')"),
        "{refusal}"
    );
}

#[tokio::test]
async fn refusal_to_inspect_explains_itself() {
    let Some(secured) = secured_server() else {
        return;
    };
    let server = &secured.server;
    let backend = Backend::connected(&server.url()).unwrap();
    let mut connection = backend.connect().await.unwrap();
    let error = backend
        .check_workspace(&mut connection, &owned(), false)
        .await
        .expect_err("inspecting without AUTH fails");
    assert_eq!(
        error.to_string(),
        format!(
            "redis://127.0.0.1:{} refused EXISTS: NOAUTH Authentication required. \
             (put the password in the URL: redis://:password@host:port)",
            server.port()
        )
    );
}

#[tokio::test]
async fn delete_owned_removes_only_owned_keys() {
    let Some(secured) = secured_server() else {
        return;
    };
    let server = &secured.server;
    let mut connection = connect(&authed_url(server, 0)).await;
    // More keys than one SCAN page, so batching is exercised.
    let mut mset = vec!["MSET".to_string()];
    for i in 0..2500 {
        mset.push(format!("tutor:{i}"));
        mset.push("v".to_string());
    }
    assert_eq!(run_owned(&mut connection, &mset).await, Value::ok());
    for key in ["ch1:list", "session:abc", "tutorial", "ch2:x"] {
        run(&mut connection, &["SET", key, "v"]).await;
    }

    let deleted = safety::delete_owned(&mut connection, &owned())
        .await
        .expect("delete_owned");
    assert_eq!(deleted, 2501, "tutor:0..2499 and ch1:list");
    let mut left = match run(&mut connection, &["KEYS", "*"]).await {
        Value::Array(keys) => keys,
        other => panic!("KEYS: {other:?}"),
    };
    left.sort_by(|a, b| a.as_bytes().cmp(&b.as_bytes()));
    assert_eq!(
        left,
        vec![bulk("ch2:x"), bulk("session:abc"), bulk("tutorial")]
    );

    assert_eq!(
        safety::delete_owned(&mut connection, &owned())
            .await
            .expect("second run"),
        0,
        "nothing left to delete"
    );
}

async fn run_owned(connection: &mut Connection, args: &[String]) -> Value {
    connection
        .request(args)
        .await
        .unwrap_or_else(|e| panic!("{}: connection error: {e}", args[0]))
}

/// A self-signed leaf certificate and key for 127.0.0.1, made with the openssl command line
/// tool (`None` when it is not installed).
fn self_signed_certificate(dir: &std::path::Path) -> Option<(String, String)> {
    let cert = dir.join("cert.pem").to_string_lossy().into_owned();
    let key = dir.join("key.pem").to_string_lossy().into_owned();
    let made = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-keyout", &key, "-out", &cert])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match made {
        Ok(status) if status.success() => Some((cert, key)),
        _ => {
            println!("skipping: openssl cannot make a test certificate");
            None
        }
    }
}

#[tokio::test]
async fn tls_with_insecure_and_with_verification() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let Some((cert, key)) = self_signed_certificate(dir.path()) else {
        return;
    };
    let tls_port = free_port().to_string();
    let Some(_server) = RealRedis::start(&[
        "--requirepass",
        PASSWORD,
        "--tls-port",
        &tls_port,
        "--tls-cert-file",
        &cert,
        "--tls-key-file",
        &key,
        "--tls-auth-clients",
        "no",
    ]) else {
        return;
    };

    let insecure = format!("rediss://:{PASSWORD}@127.0.0.1:{tls_port}/3#insecure");
    let mut connection = connect(&insecure).await;
    assert_eq!(run(&mut connection, &["PING"]).await, Value::simple("PONG"));
    assert_eq!(current_db(&mut connection).await, "3");
    let query_form = format!("rediss://:{PASSWORD}@127.0.0.1:{tls_port}?insecure=true");
    assert_eq!(
        run(&mut connect(&query_form).await, &["PING"]).await,
        Value::simple("PONG")
    );

    // The certificate is signed by nobody the system trusts.
    let verified = format!("rediss://:{PASSWORD}@127.0.0.1:{tls_port}");
    assert_eq!(
        connect_error(&verified).await,
        format!(
            "TLS handshake with rediss://127.0.0.1:{tls_port} failed: the server's certificate \
             is not trusted (UnknownIssuer); add #insecure to the URL to skip verification"
        )
    );
}

#[tokio::test]
async fn tls_to_a_plain_port_times_out_with_a_hint() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    let url = format!("rediss://127.0.0.1:{}#insecure", server.port());
    let backend = Backend::connected(&url).unwrap();
    let error = backend
        .connect_within(Duration::from_millis(300))
        .await
        .err()
        .expect("a plain port does not speak TLS");
    assert_eq!(
        error.to_string(),
        format!(
            "cannot connect to rediss://127.0.0.1:{}?insecure=true: no answer within 300ms \
             (is it a TLS port? plain Redis takes redis://)",
            server.port()
        )
    );
}

#[tokio::test]
async fn ipv6_loopback() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        println!("skipping: no IPv6 loopback here");
        return;
    }
    let Some(server) = RealRedis::start(&["--bind", "127.0.0.1", "::1"]) else {
        return;
    };
    let url = format!("redis://[::1]:{}/2", server.port());
    let backend = Backend::connected(&url).unwrap();
    assert_eq!(
        backend.address_for_prompt(),
        format!("[::1]:{}", server.port())
    );
    let mut connection = backend
        .connect()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_eq!(run(&mut connection, &["PING"]).await, Value::simple("PONG"));
    assert_eq!(current_db(&mut connection).await, "2");
}
