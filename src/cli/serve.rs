//! `redis-tutor serve`: the embedded Redis as a standalone server for the learner's own code.

use super::Failure;
use redis_tutor::engine::{Clock, Engine};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

/// Prints a line for the person who started the server. A closed stdout (a pipe whose reader
/// went away) must not stop the server, so write errors are ignored.
fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// Runs the engine on `bind:port` until Ctrl-C.
pub async fn serve(bind: &str, port: u16) -> Result<ExitCode, Failure> {
    // What Redis would log (a client closed at its output-buffer limit, an engine bug) goes
    // to standard error.
    let _already_set = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .try_init();
    let ip: IpAddr = bind.parse().map_err(|_| {
        Failure::Config(format!(
            "invalid --bind address '{bind}': expected an IP address such as 127.0.0.1"
        ))
    })?;
    let engine = Engine::start(SocketAddr::new(ip, port), Clock::new()).await.map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            " (is another Redis running there? pick another port with --port N, or --port 0 for a free one)"
        } else {
            ""
        };
        Failure::Config(format!("cannot listen on {ip}:{port}: {e}{hint}"))
    })?;
    say(&format!(
        "Embedded Redis 7.0.15 listening on {}",
        engine.url()
    ));
    if !ip.is_loopback() {
        say(&format!(
            "Warning: {ip} is reachable from other machines and this server has no password."
        ));
    }
    say(&format!(
        "Connect with: redis-cli -p {}    Press Ctrl-C to stop.",
        engine.addr().port()
    ));
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::Config(format!("cannot wait for Ctrl-C: {e}")))?;
    say("Stopped.");
    Ok(ExitCode::SUCCESS)
}
