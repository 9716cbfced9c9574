//! `redis-tutor serve`: prints the URL to connect to and answers there like Redis.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

#[test]
fn serve_prints_its_url_and_answers_ping() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_redis-tutor"))
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start redis-tutor serve");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("a first line");
    let url = first
        .split_whitespace()
        .last()
        .expect("a URL on the first line")
        .to_string();
    assert!(
        first.starts_with("Embedded Redis 7.0.15 listening on redis://127.0.0.1:"),
        "{first}"
    );

    let mut socket =
        TcpStream::connect(url.trim_start_matches("redis://")).expect("connect to the printed URL");
    socket.write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
    let mut reply = [0u8; 7];
    socket.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"+PONG\r\n");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn serve_rejects_a_bad_bind_address_with_exit_code_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_redis-tutor"))
        .args(["serve", "--bind", "localhost:x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid --bind address 'localhost:x'"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one-line message: {err}");
}

/// The README's walk-through: `serve`, set the exercise up with `--redis`, solve it from the
/// learner's own Python program (redis-py), and `check` passes on the server's own counts.
#[test]
fn the_readme_python_walkthrough_reaches_a_pass() {
    let python_has_redis = Command::new("python3")
        .args(["-c", "import redis"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !python_has_redis {
        assert!(
            std::env::var_os("REDIS_TUTOR_REQUIRE_REAL_REDIS").is_none(),
            "redis-py is required here (pip install redis)"
        );
        eprintln!("skipped: python3 with redis-py (pip install redis) is not installed");
        return;
    }
    let mut serve = Command::new(env!("CARGO_BIN_EXE_redis-tutor"))
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start redis-tutor serve");
    let mut first = String::new();
    BufReader::new(serve.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("a first line");
    let url = first.split_whitespace().last().unwrap().to_string();
    let port = url.rsplit(':').next().unwrap().to_string();
    let home = tempfile::tempdir().unwrap();
    let tutor = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_redis-tutor"))
            .arg("--redis")
            .arg(&url)
            .args(args)
            .env("REDIS_TUTOR_HOME", home.path())
            .output()
            .unwrap()
    };
    let reset = tutor(&["reset", "scan-not-keys"]);
    if !reset.status.success() {
        serve.kill().unwrap();
        let mut log = String::new();
        serve
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut log)
            .unwrap();
        panic!(
            "reset failed: {}\nserve's log:\n{log}",
            String::from_utf8_lossy(&reset.stderr)
        );
    }
    let script = format!(
        "import redis\n\
         r = redis.Redis(port={port})\n\
         sessions = sum(1 for _ in r.scan_iter(match='shop:session:*', _type='hash', count=1000))\n\
         r.set('shop:report:sessions', sessions)\n"
    );
    let python = Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        python.status.success(),
        "{}",
        String::from_utf8_lossy(&python.stderr)
    );
    let check = tutor(&["check", "scan-not-keys"]);
    let out = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(0), "{out}");
    assert!(out.contains("passed: all 3 checks"), "{out}");
    serve.kill().unwrap();
    serve.wait().unwrap();
}
