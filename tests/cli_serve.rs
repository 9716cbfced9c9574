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
