//! The console formats replies exactly as real redis-cli 7.0 printed them.
//!
//! tests/golden/console holds, for every case, the reply bytes redis-cli received and what it
//! printed in `--no-raw` (TTY) and `--raw` mode; tools/console-goldens.py regenerates them
//! from a real redis-server and redis-cli.

use redis_tutor::console::{format_command_reply, parse_line};
use redis_tutor::resp::parse_value;
use std::path::Path;

fn golden_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/console"))
}

#[test]
fn formatter_matches_redis_cli_goldens() {
    let mut cases: Vec<_> = std::fs::read_dir(golden_dir())
        .expect("golden directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cmd"))
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 40,
        "expected 40+ golden cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for cmd_path in &cases {
        let name = cmd_path.file_stem().unwrap().to_string_lossy().into_owned();
        let line = std::fs::read_to_string(cmd_path).unwrap();
        let args = parse_line(line.trim_end_matches('\n'))
            .expect("golden command parses")
            .expect("golden command is not blank")
            .args;
        for (mode, raw) in [("tty", false), ("raw", true)] {
            let reply_bytes =
                std::fs::read(golden_dir().join(format!("{name}.{mode}.resp"))).unwrap();
            let printed = std::fs::read(golden_dir().join(format!("{name}.{mode}.txt"))).unwrap();
            let mut formatted = String::new();
            let mut rest = &reply_bytes[..];
            while !rest.is_empty() {
                let (value, used) = parse_value(rest)
                    .unwrap_or_else(|e| panic!("{name}.{mode}: {e}"))
                    .unwrap_or_else(|| panic!("{name}.{mode}: incomplete reply"));
                formatted.push_str(&format_command_reply(&args, &value, raw));
                rest = &rest[used..];
            }
            let expected = String::from_utf8_lossy(&printed);
            if formatted != expected {
                failures.push(format!(
                    "{name} ({mode}): {line}--- redis-cli printed:\n{expected}--- console printed:\n{formatted}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Splits `help` output into one block per command entry.
fn help_blocks(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|b| b.trim_matches('\n').to_string())
        .filter(|b| !b.is_empty())
        .collect()
}

#[test]
fn help_matches_redis_cli_for_the_commands_in_the_table() {
    use redis_tutor::console::{help_entries, help_text};
    let dir = golden_dir().join("help");
    let mut compared = 0;
    for file in std::fs::read_dir(&dir).expect("help goldens") {
        let path = file.unwrap().path();
        let topic: Vec<String> = path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .split('-')
            .map(str::to_string)
            .collect();
        let printed = std::fs::read_to_string(&path).unwrap();
        let ours = help_text(&topic);
        let known = help_entries().iter().any(|e| {
            e.words.len() >= topic.len()
                && e.words
                    .iter()
                    .zip(&topic)
                    .all(|(w, t)| w.eq_ignore_ascii_case(t))
        });
        if !known {
            assert_eq!(ours, "\n", "help {topic:?} for a command the table lacks");
            continue;
        }
        // redis-cli knew every command; the table may hold fewer (only implemented ones), so
        // our blocks must be redis-cli's blocks, in the same order, with none missing for
        // the commands we have.
        let theirs = help_blocks(&printed);
        let ours_blocks = help_blocks(&ours);
        assert!(!ours_blocks.is_empty(), "help {topic:?} printed nothing");
        let mut remaining = theirs.iter();
        for block in &ours_blocks {
            assert!(
                remaining.any(|b| b == block),
                "help {topic:?}: block not printed by redis-cli (or out of order):\n{block}\n--- redis-cli printed:\n{printed}"
            );
        }
        compared += 1;
    }
    assert!(compared >= 1, "no help topic could be compared");
}

/// Every command and subcommand in the engine's COMMAND DOCS snapshot (all of Redis 7.0.15,
/// implemented or not) as help entries.
fn snapshot_help_entries() -> Vec<redis_tutor::console::HelpEntry> {
    use redis_tutor::console::{HelpEntry, argument_syntax};
    use redis_tutor::resp::Value;
    let snapshot = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/engine/command_table.resp"
    ))
    .unwrap();
    let (_, used) = parse_value(&snapshot).unwrap().unwrap();
    let (Value::Map(docs), _) = parse_value(&snapshot[used..]).unwrap().unwrap() else {
        panic!("COMMAND DOCS snapshot is a map")
    };
    fn field<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
        let Value::Map(pairs) = doc else { return None };
        pairs
            .iter()
            .find(|(k, _)| k.as_bytes() == Some(name.as_bytes()))
            .map(|(_, v)| v)
    }
    fn text(v: Option<&Value>) -> String {
        String::from_utf8_lossy(v.and_then(Value::as_bytes).unwrap_or_default()).into_owned()
    }
    fn add(name: &str, doc: &Value, out: &mut Vec<HelpEntry>) {
        let words: Vec<String> = name.split('|').map(str::to_ascii_uppercase).collect();
        out.push(HelpEntry {
            name: words.join(" "),
            words,
            params: field(doc, "arguments")
                .map(argument_syntax)
                .unwrap_or_default(),
            summary: text(field(doc, "summary")),
            since: text(field(doc, "since")),
            group: text(field(doc, "group")),
        });
        if let Some(Value::Map(subs)) = field(doc, "subcommands") {
            for (sub, sub_doc) in subs {
                add(&text(Some(sub)), sub_doc, out);
            }
        }
    }
    let mut entries = Vec::new();
    for (name, doc) in &docs {
        add(&text(Some(name)), doc, &mut entries);
    }
    entries
}

/// The block `help @group` prints for an entry.
fn snapshot_help_blocks() -> Vec<String> {
    snapshot_help_entries()
        .into_iter()
        .map(|e| {
            let mut block = format!("  {} {}\n  summary: {}", e.name, e.params, e.summary);
            if !e.since.is_empty() {
                block.push_str(&format!("\n  since: {}", e.since));
            }
            block
        })
        .collect()
}

#[test]
fn argument_syntax_matches_redis_cli_for_every_command() {
    let ours: std::collections::HashSet<String> = snapshot_help_blocks().into_iter().collect();
    let dir = golden_dir().join("help-groups");
    let mut checked = 0;
    for file in std::fs::read_dir(&dir).expect("help group goldens") {
        let printed = std::fs::read_to_string(file.unwrap().path()).unwrap();
        for block in help_blocks(&printed) {
            assert!(
                ours.contains(&block),
                "redis-cli printed a help block the console would not:\n{block}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 200, "only {checked} commands compared");
}

#[test]
fn hints_match_interactive_redis_cli() {
    use redis_tutor::console::hint_with;
    let entries = snapshot_help_entries();
    let golden = std::fs::read_to_string(golden_dir().join("hints.tsv")).unwrap();
    let mut checked = 0;
    for row in golden.lines() {
        let (typed, expected) = match row.split_once('\t') {
            Some((typed, hint)) => (typed, Some(hint.to_string())),
            None => (row, None),
        };
        assert_eq!(
            hint_with(&entries, typed),
            expected,
            "hint after typing {typed:?}"
        );
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} hints compared");
}
