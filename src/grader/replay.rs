//! Replays a learner's console work on a private engine: every typed command at the time the
//! learner sent it (clock moves included, so deadlines fall as they did), in the database it
//! was sent from. The tutor and the headless `check` grade the same replay, so they agree.

use super::GraderError;
use super::report::display_command;
use crate::backend::Connection;
use crate::console::{Outcome, Source, TranscriptEntry};
use crate::engine::{Clock, command_table};
use crate::resp::Value;
use std::collections::BTreeSet;
use std::time::Duration;

/// How long a replayed command may take: a safety net, no replayed command blocks.
const REPLAY_PATIENCE: Duration = Duration::from_secs(10);

/// What the replay saw: the databases the learner's commands ran in.
#[derive(Debug, Default)]
pub struct Replayed {
    pub databases: BTreeSet<i64>,
}

/// Replays `entries` on `conn`, moving `clock` (the private engine's, frozen) to each
/// command's time. Error replies are part of the work and do not stop the replay.
pub async fn replay(
    conn: &mut Connection,
    clock: &Clock,
    entries: &[TranscriptEntry],
) -> Result<Replayed, GraderError> {
    let mut replayed = Replayed::default();
    let mut db = 0;
    for entry in entries {
        if entry.source == Source::Lesson || entry.args.is_empty() {
            continue;
        }
        let Some(args) = replayable(entry) else {
            continue;
        };
        let now = clock.now_ms();
        if entry.at_ms > now {
            clock.advance(Duration::from_millis((entry.at_ms - now) as u64));
        }
        if entry.db != db {
            let select = vec![b"SELECT".to_vec(), entry.db.to_string().into_bytes()];
            if send(conn, &select).await? == Value::ok() {
                db = entry.db;
            }
        }
        let reply = send(conn, &args).await?;
        replayed.databases.insert(db);
        let name = &args[0];
        if name.eq_ignore_ascii_case(b"select") && reply == Value::ok() {
            db = String::from_utf8_lossy(&args[1]).parse().unwrap_or(db);
        } else if name.eq_ignore_ascii_case(b"reset") {
            db = 0;
        }
    }
    Ok(replayed)
}

async fn send(conn: &mut Connection, args: &[Vec<u8>]) -> Result<Value, GraderError> {
    match tokio::time::timeout(REPLAY_PATIENCE, conn.request(args)).await {
        Ok(Ok(reply)) => Ok(reply),
        Ok(Err(source)) => Err(GraderError::Connection {
            command: display_command(args),
            source,
        }),
        Err(_) => Err(GraderError::ReplayStalled(display_command(args))),
    }
}

/// The command to send for an entry, or None to skip it. Commands that change no data but
/// would leave the connection unable to answer (subscriptions, MONITOR, QUIT, CLIENT REPLY,
/// protocol switches) are skipped; a blocking command runs in its non-blocking form, since it
/// acted at once for the learner or not at all (an interrupted one is skipped).
fn replayable(entry: &TranscriptEntry) -> Option<Vec<Vec<u8>>> {
    let args = &entry.args;
    let spec = command_table().lookup(&args[0])?;
    let name = spec.name.as_str();
    let sub = args
        .get(1)
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .unwrap_or_default();
    let connection_state = matches!(
        name,
        "monitor" | "quit" | "shutdown" | "wait" | "debug" | "auth" | "hello" | "reset"
    ) || (name == "client"
        && matches!(sub.as_str(), "reply" | "pause" | "tracking" | "kill"));
    if spec.has_flag("pubsub") || connection_state {
        return None;
    }
    if spec.has_flag("blocking") {
        if entry.outcome == Outcome::NoReply {
            return None;
        }
        return Some(non_blocking(args));
    }
    Some(args.clone())
}

/// The non-blocking form of a blocking command: BLPOP k1 k2 0 is LMPOP 2 k1 k2 LEFT.
fn non_blocking(args: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
    let word = |w: &str| w.as_bytes().to_vec();
    let keys_then = |command: &str, direction: &str| {
        let keys = &args[1..args.len().saturating_sub(1)];
        let mut out = vec![word(command), keys.len().to_string().into_bytes()];
        out.extend(keys.iter().cloned());
        out.push(word(direction));
        out
    };
    match name.as_str() {
        "blpop" => keys_then("LMPOP", "LEFT"),
        "brpop" => keys_then("LMPOP", "RIGHT"),
        "bzpopmin" => keys_then("ZMPOP", "MIN"),
        "bzpopmax" => keys_then("ZMPOP", "MAX"),
        "brpoplpush" => {
            let mut out = vec![word("RPOPLPUSH")];
            out.extend(args[1..args.len().saturating_sub(1)].iter().cloned());
            out
        }
        "blmove" => {
            let mut out = vec![word("LMOVE")];
            out.extend(args[1..args.len().saturating_sub(1)].iter().cloned());
            out
        }
        "blmpop" | "bzmpop" => {
            let mut out = vec![word(if name == "blmpop" { "LMPOP" } else { "ZMPOP" })];
            out.extend(args.iter().skip(2).cloned());
            out
        }
        // XREAD and XREADGROUP block only with BLOCK: drop it and its milliseconds.
        _ => {
            let mut out = Vec::with_capacity(args.len());
            let mut skip = false;
            for arg in args {
                if skip {
                    skip = false;
                } else if arg.eq_ignore_ascii_case(b"block") {
                    skip = true;
                } else {
                    out.push(arg.clone());
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(line: &str) -> Vec<Vec<u8>> {
        crate::resp::split_args(line.as_bytes()).unwrap()
    }

    fn shown(args: &[Vec<u8>]) -> String {
        display_command(args)
    }

    #[test]
    fn blocking_commands_replay_without_blocking() {
        for (blocking, replayed) in [
            ("BLPOP a b 0", "LMPOP 2 a b LEFT"),
            ("brpop q 1.5", "LMPOP 1 q RIGHT"),
            ("BZPOPMAX z 0", "ZMPOP 1 z MAX"),
            ("BRPOPLPUSH s d 0", "RPOPLPUSH s d"),
            ("BLMOVE s d LEFT RIGHT 0", "LMOVE s d LEFT RIGHT"),
            ("BLMPOP 0 2 a b LEFT COUNT 3", "LMPOP 2 a b LEFT COUNT 3"),
            ("BZMPOP 1 1 z MIN", "ZMPOP 1 z MIN"),
            (
                "XREAD COUNT 2 BLOCK 0 STREAMS s $",
                "XREAD COUNT 2 STREAMS s $",
            ),
        ] {
            assert_eq!(
                shown(&non_blocking(&command(blocking))),
                replayed,
                "{blocking}"
            );
        }
    }

    #[test]
    fn connection_commands_and_interrupted_waits_are_skipped() {
        let entry = |line: &str, outcome: Outcome| TranscriptEntry {
            args: command(line),
            outcome,
            at_ms: 0,
            db: 0,
            source: Source::Typed,
            cursor: None,
        };
        assert!(replayable(&entry("SUBSCRIBE news", Outcome::NoReply)).is_none());
        assert!(replayable(&entry("PUBLISH news hi", Outcome::Reply)).is_none());
        assert!(replayable(&entry("CLIENT REPLY OFF", Outcome::Reply)).is_none());
        assert!(replayable(&entry("BLPOP q 0", Outcome::NoReply)).is_none());
        assert_eq!(
            replayable(&entry("BLPOP q 0", Outcome::Reply)).map(|a| shown(&a)),
            Some("LMPOP 1 q LEFT".into())
        );
        assert!(replayable(&entry("SET k v", Outcome::Reply)).is_some());
        assert!(replayable(&entry("NOSUCH k", Outcome::Error("ERR".into()))).is_none());
    }
}
