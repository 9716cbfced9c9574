//! Protocol-level fidelity: inline commands, pipelining, errors for unknown commands and
//! arity, and protocol errors that close the connection — compared byte for byte with Redis.

mod support;

use support::differential::{Differential, RawConn, check_script};

#[tokio::test]
async fn connection_commands_match_redis() {
    check_script(
        "PING
         PING hello
         PING a b
         ECHO \"hi there\"
         ECHO
         SELECT 3
         SELECT 16
         SELECT -1
         SELECT x
         NOSUCHCOMMAND a b
         nosuch
         ",
    )
    .await;
}

#[tokio::test]
async fn unknown_command_error_cuts_long_arguments() {
    let long = "x".repeat(200);
    let Some(mut d) = Differential::start().await else {
        return;
    };
    d.same(&format!("FOO {long} b c")).await;
    d.same(&format!("{long} arg")).await;
    d.same("FOO a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z").await;
}

/// Sends raw bytes to both servers and compares everything they answer until they close.
async fn same_raw(d: &Differential, input: &[u8]) {
    let mut real = RawConn::connect(d.real.addr()).await;
    let mut engine = RawConn::connect(d.engine.addr()).await;
    real.send_raw(input).await;
    engine.send_raw(input).await;
    loop {
        let (r, e) = (real.read_raw().await, engine.read_raw().await);
        assert_eq!(
            e.as_deref().map(String::from_utf8_lossy),
            r.as_deref().map(String::from_utf8_lossy),
            "input {:?}",
            String::from_utf8_lossy(input)
        );
        if r.is_none() {
            break;
        }
    }
}

#[tokio::test]
async fn inline_pipelined_and_malformed_input() {
    let Some(d) = Differential::start().await else {
        return;
    };
    same_raw(
        &d,
        b"PING\r\nECHO \"a\\x41\"\r\n*1\r\n$4\r\nPING\r\n\r\n*0\r\nQUIT\r\n",
    )
    .await;
    same_raw(&d, b"*x\r\n").await;
    same_raw(&d, b"*1\r\n+PING\r\n").await;
    same_raw(&d, b"*1\r\n$-3\r\n").await;
    same_raw(&d, b"*2\r\n$4\r\nECHO\r\n$600000000\r\n").await;
    same_raw(&d, b"ECHO \"unbalanced\r\n").await;
    same_raw(&d, b"PING\r\nECHO 'x'y\r\nPING\r\n").await;
}
