//! The checks of console work: the state a key or reply shows, and what was run (the
//! transcript's commands with their arguments, and the server's own counts).

use super::GraderError;
use super::expect::compare_reply;
use super::report::{CheckOutcome, display_command, quote, render};
use super::stats::CommandStats;
use crate::backend::Connection;
use crate::console::{Source, TranscriptEntry};
use crate::course::pattern::CommandPattern;
use crate::course::{Check, CheckKind, KeyType, TtlExpectation};
use crate::resp::{Value, split_args};

/// Runs every check; `entries` are the learner's console work, `stats` what the server
/// counted during the attempt, when it could be read.
pub async fn run_checks(
    conn: &mut Connection,
    checks: &[Check],
    entries: &[TranscriptEntry],
    stats: Option<&CommandStats>,
) -> Result<Vec<CheckOutcome>, GraderError> {
    let typed: Vec<&TranscriptEntry> = entries
        .iter()
        .filter(|e| e.source == Source::Typed)
        .collect();
    let mut outcomes = Vec::new();
    for check in checks {
        let failure = match &check.kind {
            CheckKind::Reply { command, expect } => {
                let args = split_args(command.as_bytes())
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| GraderError::BadCommand(command.clone()))?;
                compare_reply(&run(conn, &args).await?, expect)
            }
            CheckKind::Key { key, key_type, ttl } => {
                check_key(conn, key.as_bytes(), *key_type, *ttl).await?
            }
            CheckKind::Transcript {
                used,
                not_used,
                order,
            } => check_transcript(&typed, used, not_used, order, stats),
            CheckKind::Scan {
                pattern,
                key_type,
                max_count,
            } => check_scan(conn, &typed, pattern, *key_type, *max_count, stats).await?,
        };
        outcomes.push(match failure {
            None => CheckOutcome::passed(&check.id, &check.name),
            Some(detail) => {
                CheckOutcome::failed(&check.id, &check.name, detail, check.hint.clone())
            }
        });
    }
    Ok(outcomes)
}

async fn run(conn: &mut Connection, args: &[Vec<u8>]) -> Result<Value, GraderError> {
    conn.request(args)
        .await
        .map_err(|source| GraderError::Connection {
            command: display_command(args),
            source,
        })
}

async fn check_key(
    conn: &mut Connection,
    key: &[u8],
    key_type: Option<KeyType>,
    ttl: Option<TtlExpectation>,
) -> Result<Option<String>, GraderError> {
    let type_args = vec![b"TYPE".to_vec(), key.to_vec()];
    let found_type = match run(conn, &type_args).await? {
        Value::Simple(t) | Value::Bulk(t) => String::from_utf8_lossy(&t).into_owned(),
        other => {
            return Err(GraderError::UnexpectedReply {
                command: display_command(&type_args),
                reply: render(&other),
            });
        }
    };
    if let Some(expected) = key_type
        && found_type != expected.as_str()
    {
        return Ok(Some(format!(
            "found {} at {}, expected {}",
            KeyType::describe(&found_type),
            quote(key),
            KeyType::describe(expected.as_str())
        )));
    }
    let Some(ttl) = ttl else {
        return Ok(None);
    };
    let ttl_args = vec![b"TTL".to_vec(), key.to_vec()];
    let seconds = match run(conn, &ttl_args).await? {
        Value::Integer(s) => s,
        other => {
            return Err(GraderError::UnexpectedReply {
                command: display_command(&ttl_args),
                reply: render(&other),
            });
        }
    };
    let found = match seconds {
        -2 => "-2 (no such key)".to_string(),
        -1 => "-1 (no expiry)".to_string(),
        s => s.to_string(),
    };
    Ok(match ttl {
        TtlExpectation::Seconds { min, max } if !(min..=max).contains(&seconds) => Some(format!(
            "expected a TTL between {min} and {max} seconds, found {found}"
        )),
        TtlExpectation::NoExpiry if seconds != -1 => Some(format!(
            "expected a key without expiry (TTL -1), found {found}"
        )),
        _ => None,
    })
}

fn patterns(texts: &[String]) -> Vec<CommandPattern> {
    texts
        .iter()
        .map(|t| CommandPattern::parse(t).expect("patterns were validated when the course loaded"))
        .collect()
}

fn check_transcript(
    typed: &[&TranscriptEntry],
    used: &[Vec<String>],
    not_used: &[String],
    order: &[String],
    stats: Option<&CommandStats>,
) -> Option<String> {
    let mut problems = Vec::new();
    let ran = |pattern: &CommandPattern| typed.iter().find(|e| pattern.matches(&e.args));
    for pattern in patterns(not_used) {
        if let Some(entry) = ran(&pattern) {
            problems.push(format!(
                "you used {} (`{}`)",
                pattern.command_name(),
                display_command(&entry.args)
            ));
        } else if let Some(calls) = stats
            .map(|s| s.calls(&pattern.command_name()))
            .filter(|&calls| calls > 0 && pattern.is_name_only())
        {
            problems.push(format!(
                "the server ran {} {calls} time{} during your attempt (it counts commands from any client, and inside scripts)",
                pattern.command_name(),
                if calls == 1 { "" } else { "s" }
            ));
        }
    }
    for choice in used {
        let choice = patterns(choice);
        if choice.iter().any(|p| ran(p).is_some()) {
            continue;
        }
        let counted = choice.iter().all(CommandPattern::is_name_only)
            && choice
                .iter()
                .any(|p| stats.is_some_and(|s| s.calls(&p.command_name()) > 0));
        if counted {
            continue;
        }
        let wanted = choice
            .iter()
            .map(|p| format!("`{}`", p.text))
            .collect::<Vec<_>>()
            .join(" or ");
        let near: Vec<String> = typed
            .iter()
            .filter(|e| choice.iter().any(|p| e.command_name() == p.command_name()))
            .map(|e| format!("`{}`", display_command(&e.args)))
            .collect();
        problems.push(if near.is_empty() {
            format!("you have not run {wanted} yet")
        } else {
            format!(
                "you have not run {wanted} yet (you ran {}, with other arguments)",
                near.join(", ")
            )
        });
    }
    let order = patterns(order);
    let mut from = 0;
    for (index, pattern) in order.iter().enumerate() {
        match typed[from..].iter().position(|e| pattern.matches(&e.args)) {
            Some(at) => from += at + 1,
            None => {
                let message = if index == 0 || ran(pattern).is_none() {
                    format!("you have not run `{}` yet", pattern.text)
                } else {
                    format!(
                        "run `{}` after `{}`, not before it",
                        pattern.text,
                        order[index - 1].text
                    )
                };
                if !problems.contains(&message) {
                    problems.push(message);
                }
                break;
            }
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// A SCAN command's options: MATCH pattern, TYPE, COUNT (10 when absent).
struct ScanCall<'a> {
    cursor: &'a [u8],
    pattern: Option<&'a [u8]>,
    key_type: Option<&'a [u8]>,
    count: u64,
    returned: Option<&'a [u8]>,
    entry: &'a TranscriptEntry,
}

fn scan_call(entry: &TranscriptEntry) -> Option<ScanCall<'_>> {
    let args = &entry.args;
    if !args.first()?.eq_ignore_ascii_case(b"scan") || args.len() < 2 {
        return None;
    }
    let mut call = ScanCall {
        cursor: &args[1],
        pattern: None,
        key_type: None,
        count: 10,
        returned: entry.cursor.as_deref(),
        entry,
    };
    let mut i = 2;
    while i + 1 < args.len() {
        let value = &args[i + 1];
        if args[i].eq_ignore_ascii_case(b"match") {
            call.pattern = Some(value);
        } else if args[i].eq_ignore_ascii_case(b"type") {
            call.key_type = Some(value);
        } else if args[i].eq_ignore_ascii_case(b"count") {
            call.count = String::from_utf8_lossy(value).parse().unwrap_or(u64::MAX);
        }
        i += 2;
    }
    Some(call)
}

/// A whole SCAN iteration with the right MATCH (and TYPE), a modest COUNT, each call
/// continuing from the cursor the previous one returned, until a returned cursor of 0.
async fn check_scan(
    conn: &mut Connection,
    typed: &[&TranscriptEntry],
    pattern: &str,
    key_type: Option<KeyType>,
    max_count: u64,
    stats: Option<&CommandStats>,
) -> Result<Option<String>, GraderError> {
    let calls: Vec<ScanCall> = typed.iter().filter_map(|e| scan_call(e)).collect();
    let type_name = key_type.map(KeyType::as_str);
    let fits = |call: &ScanCall| {
        call.pattern == Some(pattern.as_bytes())
            && type_name.is_none_or(|t| {
                call.key_type
                    .is_some_and(|k| k.eq_ignore_ascii_case(t.as_bytes()))
            })
    };
    // Walk the fitting calls, following each returned cursor.
    let mut expecting: Option<&[u8]> = None;
    let mut problem: Option<String> = None;
    for call in calls.iter().filter(|c| fits(c)) {
        if call.count > max_count {
            problem = Some(format!(
                "`{}` asks for COUNT {} at once: that walks most of the keyspace in one call, KEYS in disguise; use COUNT {max_count} or less and follow the cursor",
                display_command(&call.entry.args),
                call.count
            ));
            expecting = None;
            continue;
        }
        let continues = match expecting {
            None => call.cursor == b"0",
            Some(cursor) => call.cursor == cursor || call.cursor == b"0",
        };
        if !continues {
            problem = Some(format!(
                "`{}` does not continue from the cursor the previous SCAN returned ({}): call SCAN again with exactly that cursor",
                display_command(&call.entry.args),
                String::from_utf8_lossy(expecting.unwrap_or(b"0"))
            ));
            expecting = None;
            continue;
        }
        match call.returned {
            Some(b"0") => return Ok(None),
            Some(cursor) => expecting = Some(cursor),
            None => expecting = None,
        }
    }
    if let Some(cursor) = expecting {
        return Ok(Some(format!(
            "your SCAN stopped at cursor {}: the walk is over only when SCAN returns the cursor 0 (an empty page does not end it)",
            String::from_utf8_lossy(cursor)
        )));
    }
    if let Some(problem) = problem {
        return Ok(Some(problem));
    }
    // No console work to judge: the server's count is the evidence (work from redis-cli).
    if calls.is_empty()
        && let Some(stats) = stats
    {
        let keys = match run(conn, &[b"DBSIZE".to_vec()]).await? {
            Value::Integer(n) => n.max(0) as u64,
            _ => 0,
        };
        let needed = keys.div_ceil(max_count.max(1));
        let scans = stats.calls("SCAN");
        if scans >= needed && scans > 0 {
            return Ok(None);
        }
        if scans > 0 {
            return Ok(Some(format!(
                "the server ran SCAN {scans} time{}, but walking {keys} keys {max_count} at a time takes at least {needed} calls: follow the cursor until it is 0",
                if scans == 1 { "" } else { "s" }
            )));
        }
    }
    let wanted = match type_name {
        Some(t) => format!("SCAN with MATCH {pattern} and TYPE {t}"),
        None => format!("SCAN with MATCH {pattern}"),
    };
    let near: Vec<String> = calls
        .iter()
        .map(|c| format!("`{}`", display_command(&c.entry.args)))
        .take(3)
        .collect();
    Ok(Some(if near.is_empty() {
        format!("you have not walked the keyspace with {wanted} yet")
    } else {
        format!(
            "none of your SCAN calls used {} (you ran {})",
            wanted.trim_start_matches("SCAN with "),
            near.join(", ")
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::Outcome;

    fn entry(line: &str, cursor: Option<&str>) -> TranscriptEntry {
        TranscriptEntry {
            args: split_args(line.as_bytes()).unwrap(),
            outcome: Outcome::Reply,
            at_ms: 0,
            db: 0,
            source: Source::Typed,
            cursor: cursor.map(|c| c.as_bytes().to_vec()),
        }
    }

    fn transcript(
        entries: &[TranscriptEntry],
        used: &[&[&str]],
        not_used: &[&str],
        order: &[&str],
    ) -> Option<String> {
        let typed: Vec<&TranscriptEntry> = entries.iter().collect();
        let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        check_transcript(
            &typed,
            &used.iter().map(|c| strings(c)).collect::<Vec<_>>(),
            &strings(not_used),
            &strings(order),
            None,
        )
    }

    #[test]
    fn transcript_checks_match_arguments_and_order() {
        let work = [
            entry("GET otp:42", None),
            entry("SET otp:42 123 EX 300", None),
            entry("keys otp:*", None),
        ];
        assert_eq!(
            transcript(&work, &[&["SET otp:42 * +EX"]], &["KEYS"], &[]).unwrap(),
            "you used KEYS (`keys otp:*`)"
        );
        assert_eq!(
            transcript(&work, &[&["SET otp:43 * +EX"]], &[], &[]).unwrap(),
            "you have not run `SET otp:43 * +EX` yet (you ran `SET otp:42 123 EX 300`, with other arguments)"
        );
        assert_eq!(
            transcript(&work, &[], &[], &["SET otp:42", "GET otp:42"]).unwrap(),
            "run `GET otp:42` after `SET otp:42`, not before it"
        );
        assert_eq!(
            transcript(&work, &[], &[], &["GET otp:42", "SET otp:42"]),
            None
        );
    }

    #[test]
    fn the_server_count_catches_what_no_transcript_shows() {
        let stats = CommandStats::parse("cmdstat_keys:calls=2\ncmdstat_scan:calls=1\n");
        let none: Vec<&TranscriptEntry> = Vec::new();
        assert_eq!(
            check_transcript(
                &none,
                &[vec!["SCAN".into()]],
                &["KEYS".into()],
                &[],
                Some(&stats)
            )
            .unwrap(),
            "the server ran KEYS 2 times during your attempt (it counts commands from any client, and inside scripts)"
        );
    }
}
