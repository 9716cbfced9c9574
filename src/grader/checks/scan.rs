//! `kind = "scan"`: a whole SCAN iteration with the right MATCH (and TYPE) and a modest
//! COUNT, each call continuing from the cursor the previous one returned, until the server
//! answered cursor 0. Without console work (the work done from redis-cli or a program against
//! a connected server), the server's count of SCAN calls must cover the keyspace.

use super::{Context, KeyType, Kind, Problem, run_command};
use crate::backend::Connection;
use crate::console::TranscriptEntry;
use crate::grader::GraderError;
use crate::grader::report::display_command;
use crate::grader::stats::CommandStats;
use crate::resp::Value;
use serde::Deserialize;

/// A scan check.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    pub pattern: String,
    pub key_type: Option<KeyType>,
    /// The largest COUNT allowed (a huge COUNT is KEYS in disguise).
    pub max_count: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScan {
    #[serde(rename = "match")]
    pattern: String,
    #[serde(rename = "type")]
    key_type: Option<KeyType>,
    max_count: Option<u64>,
}

impl Kind for Scan {
    type Raw = RawScan;

    fn parse(raw: RawScan) -> Result<Scan, Vec<Problem>> {
        if raw.max_count == Some(0) {
            return Err(vec![Problem::at(
                "max_count",
                "max_count must be at least 1",
            )]);
        }
        Ok(Scan {
            pattern: raw.pattern,
            key_type: raw.key_type,
            max_count: raw.max_count.unwrap_or(1000),
        })
    }

    fn texts(&self) -> Vec<(&'static str, &str)> {
        vec![("match", &self.pattern)]
    }

    fn substituted(&self, fill: &dyn Fn(&str) -> String) -> Scan {
        Scan {
            pattern: fill(&self.pattern),
            ..self.clone()
        }
    }

    fn validate(&self, _owns: &[String]) -> Result<(), Problem> {
        Ok(())
    }

    async fn run(&self, context: &mut Context<'_>) -> Result<Option<String>, GraderError> {
        check_scan(
            context.conn,
            context.typed,
            &self.pattern,
            self.key_type,
            self.max_count,
            context.stats,
        )
        .await
    }
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
        let keys = match run_command(conn, &[b"DBSIZE".to_vec()]).await? {
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
