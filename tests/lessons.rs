//! The lessons' ```redis blocks, checked the way a learner meets them:
//! - every command of every lesson runs without an error reply on a fresh embedded engine, in
//!   order (so each lesson creates what it later reads);
//! - no lesson command writes a key that an exercise owns, so running a lesson block can never
//!   change an exercise's answer or a learner's exercise work;
//! - every lesson follows the lesson format (objectives, recap, hidden check-yourself answers).

use redis_tutor::backend::{Backend, Connection};
use redis_tutor::engine::{CommandSpec, command_table};
use redis_tutor::glob::glob_match;
use redis_tutor::markdown::redis_commands;
use redis_tutor::resp::{Value, split_args};
use std::path::{Path, PathBuf};

/// The key patterns the course's exercises own.
fn exercise_owned() -> Vec<String> {
    redis_tutor::course::Course::embedded()
        .unwrap_or_else(|e| panic!("the embedded course is invalid:\n{e}"))
        .owned_patterns()
}

/// Entries of `dir` in name order.
fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    entries
}

/// Every page of every chapter (`chapters/NN-slug/*.md`: the README and the lessons), in
/// reading order, with its text.
fn pages() -> Vec<(PathBuf, String)> {
    let chapters: Vec<_> = sorted(Path::new("chapters"))
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    assert!(!chapters.is_empty(), "no chapter directories in chapters/");
    let mut pages = Vec::new();
    for chapter in chapters {
        for path in sorted(&chapter) {
            if path.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&path).unwrap();
                pages.push((path, text));
            }
        }
    }
    pages
}

/// Lesson files only (`NN-slug.md`), without the chapters' READMEs.
fn lessons() -> Vec<(PathBuf, String)> {
    pages()
        .into_iter()
        .filter(|(path, _)| path.file_name().unwrap().to_string_lossy() != "README.md")
        .collect()
}

/// A lesson command split into arguments the way the console splits it.
#[track_caller]
fn args_of(path: &Path, command: &str) -> Vec<Vec<u8>> {
    split_args(command.as_bytes())
        .unwrap_or_else(|| panic!("{}: cannot tokenize {command:?}", path.display()))
}

/// Error replies anywhere in a reply (EXEC nests them).
fn errors(value: &Value) -> Vec<String> {
    match value {
        Value::Error(e) => vec![String::from_utf8_lossy(e).into_owned()],
        Value::Array(items) | Value::Set(items) | Value::Push(items) => {
            items.iter().flat_map(errors).collect()
        }
        _ => vec![],
    }
}

#[tokio::test]
async fn every_lesson_command_runs_on_a_fresh_embedded_engine() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for (path, markdown) in pages() {
        // A fresh engine per page: a lesson must create every key it later reads.
        let backend = Backend::embedded().await.expect("engine starts");
        let mut conn = backend.connect().await.expect("connect");
        for command in redis_commands(&markdown) {
            let reply = conn
                .request(&args_of(&path, &command))
                .await
                .unwrap_or_else(|e| panic!("{}: {command}: {e}", path.display()));
            ran += 1;
            for error in errors(&reply) {
                failures.push(format!("{}: {command}\n    -> {error}", path.display()));
            }
        }
    }
    println!("ran {ran} lesson commands");
    assert!(ran > 0, "no ```redis commands found in any lesson");
    assert!(
        failures.is_empty(),
        "{} of {ran} lesson commands failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The command (or subcommand, for CONFIG GET, OBJECT ENCODING ...) that `args` calls.
fn spec_of(args: &[Vec<u8>]) -> Option<&'static CommandSpec> {
    let spec = command_table().lookup(&args[0])?;
    if spec.subcommands.is_empty() {
        return Some(spec);
    }
    spec.subcommand(args.get(1)?)
}

fn int_field(map: &[(Value, Value)], name: &str) -> i64 {
    match field(map, name) {
        Some(Value::Integer(n)) => *n,
        _ => 0,
    }
}

fn field<'a>(map: &'a [(Value, Value)], name: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.as_bytes() == Some(name.as_bytes()))
        .map(|(_, v)| v)
}

fn as_map(value: &Value) -> &[(Value, Value)] {
    match value {
        Value::Map(pairs) => pairs,
        _ => &[],
    }
}

/// The keys of `args` according to the command's key specs (COMMAND INFO's 9th field), as
/// Redis's getKeysUsingKeySpecs finds them: a begin_search (an index, or a keyword) and then a
/// find_keys (a range, or a count read from the arguments). Used for commands whose keys move
/// (`movablekeys`), which COMMAND GETKEYS finds from the legacy key range alone.
fn keys_from_key_specs(spec: &CommandSpec, args: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let Value::Array(info) = &spec.info else {
        return vec![];
    };
    // An array in RESP2, a set (as in the snapshot) in RESP3.
    let key_specs = match info.get(8) {
        Some(Value::Array(specs) | Value::Set(specs)) => specs,
        _ => return vec![],
    };
    let argc = args.len() as i64;
    let mut keys = Vec::new();
    for key_spec in key_specs {
        let key_spec = as_map(key_spec);
        let begin = as_map(field(key_spec, "begin_search").unwrap_or(&Value::Null));
        let begin_spec = as_map(field(begin, "spec").unwrap_or(&Value::Null));
        let first = match field(begin, "type").and_then(Value::as_bytes) {
            Some(b"index") => int_field(begin_spec, "index"),
            Some(b"keyword") => {
                let keyword = field(begin_spec, "keyword").and_then(Value::as_bytes);
                let start = int_field(begin_spec, "startfrom");
                let (from, to, step) = if start >= 0 {
                    (start, argc - 1, 1)
                } else {
                    (argc + start, 1, -1)
                };
                let mut found = None;
                let mut i = from;
                while (step > 0 && i <= to) || (step < 0 && i >= to) {
                    if keyword.is_some_and(|k| args[i as usize].eq_ignore_ascii_case(k)) {
                        found = Some(i + 1);
                        break;
                    }
                    i += step;
                }
                match found {
                    Some(first) => first,
                    None => continue,
                }
            }
            _ => continue,
        };
        let find = as_map(field(key_spec, "find_keys").unwrap_or(&Value::Null));
        let find_spec = as_map(field(find, "spec").unwrap_or(&Value::Null));
        let (first, last, step) = match field(find, "type").and_then(Value::as_bytes) {
            Some(b"range") => {
                let lastkey = int_field(find_spec, "lastkey");
                let step = int_field(find_spec, "keystep").max(1);
                let limit = int_field(find_spec, "limit");
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit <= 1 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (first, last, step)
            }
            Some(b"keynum") => {
                let index = first + int_field(find_spec, "keynumidx");
                let count: i64 = args
                    .get(index as usize)
                    .and_then(|n| std::str::from_utf8(n).ok())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let step = int_field(find_spec, "keystep").max(1);
                let first = first + int_field(find_spec, "firstkey");
                (first, first + (count - 1) * step, step)
            }
            _ => continue,
        };
        let mut i = first;
        while i <= last && i < argc {
            keys.push(args[i as usize].clone());
            i += step;
        }
    }
    keys
}

/// The keys a command names, asked of the engine with COMMAND GETKEYS, or read from the key
/// specs when the keys' positions depend on the arguments. Err for a command the engine does
/// not know.
async fn keys_of(conn: &mut Connection, args: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, String> {
    let spec = spec_of(args).ok_or("unknown command")?;
    if args.len() < 2 {
        // A key is an argument, so PING or DBSIZE names none (and COMMAND GETKEYS would
        // answer an arity error, as Redis does).
        return Ok(vec![]);
    }
    if spec.has_flag("movablekeys") {
        return Ok(keys_from_key_specs(spec, args));
    }
    let mut request: Vec<Vec<u8>> = vec![b"COMMAND".to_vec(), b"GETKEYS".to_vec()];
    request.extend(args.iter().cloned());
    match conn.request(&request).await.map_err(|e| e.to_string())? {
        Value::Array(keys) => Ok(keys
            .into_iter()
            .filter_map(|k| k.as_bytes().map(<[u8]>::to_vec))
            .collect()),
        Value::Error(e) if e.as_ref() == b"ERR The command has no key arguments" => Ok(vec![]),
        other => Err(format!("COMMAND GETKEYS answered {other:?}")),
    }
}

#[tokio::test]
async fn no_lesson_command_writes_a_key_an_exercise_owns() {
    let backend = Backend::embedded().await.expect("engine starts");
    let mut conn = backend.connect().await.expect("connect");
    let mut failures = Vec::new();
    let owned = exercise_owned();
    assert!(owned.iter().any(|p| p == "otp:login:*"), "{owned:?}");
    let mut checked = 0;
    for (path, markdown) in pages() {
        for command in redis_commands(&markdown) {
            let args = args_of(&path, &command);
            let keys = match keys_of(&mut conn, &args).await {
                Ok(keys) => keys,
                Err(e) => {
                    failures.push(format!("{}: {command}\n    -> {e}", path.display()));
                    continue;
                }
            };
            checked += 1;
            // Every key of a write command counts as written (for SINTERSTORE that includes
            // its sources): stricter than needed, never looser.
            if !spec_of(&args).is_some_and(|s| s.has_flag("write")) {
                continue;
            }
            for key in keys {
                if let Some(pattern) = owned.iter().find(|p| glob_match(p.as_bytes(), &key)) {
                    failures.push(format!(
                        "{}: {command}\n    -> writes {:?}, which matches the exercise \
                         pattern {pattern:?}; use another key name in the lesson",
                        path.display(),
                        String::from_utf8_lossy(&key)
                    ));
                }
            }
        }
    }
    assert!(checked > 0, "no ```redis commands found in any lesson");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The key specs find what COMMAND GETKEYS finds on a real Redis for commands whose keys move.
#[test]
fn key_specs_find_the_keys_of_movable_key_commands() {
    let keys = |line: &str| {
        let args = split_args(line.as_bytes()).unwrap();
        let spec = spec_of(&args).unwrap();
        assert!(spec.has_flag("movablekeys"), "{line}");
        keys_from_key_specs(spec, &args)
            .into_iter()
            .map(|k| String::from_utf8(k).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(keys("SINTERCARD 2 a b LIMIT 5"), ["a", "b"]);
    assert_eq!(keys("ZUNIONSTORE dst 2 a b WEIGHTS 1 2"), ["dst", "a", "b"]);
    assert_eq!(keys("LMPOP 2 a b LEFT COUNT 3"), ["a", "b"]);
    assert_eq!(
        keys("GEORADIUS g 0 0 5 km STORE dst STOREDIST d2"),
        ["g", "dst", "d2"]
    );
}

/// Words as `wc -w` counts them: runs of non-whitespace.
fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

#[test]
fn every_lesson_follows_the_lesson_format() {
    let mut problems = Vec::new();
    for (path, text) in pages() {
        let name = path.display();
        let first = text.lines().next().unwrap_or("");
        if !first.starts_with("# ") {
            problems.push(format!("{name}: the first line must be `# <title>`"));
        }
        if path.file_name().unwrap() == "README.md" {
            let count = words(&text);
            if !(100..=250).contains(&count) {
                problems.push(format!(
                    "{name}: {count} words; an introduction has 100-250"
                ));
            }
        }
    }
    for (path, text) in lessons() {
        let name = path.display();
        let count = words(&text);
        if !(1500..=3000).contains(&count) {
            problems.push(format!("{name}: {count} words; a lesson has 1,500-3,000"));
        }
        if !text.contains("\nIn this lesson you will learn to") {
            problems.push(format!(
                "{name}: no objectives (\"In this lesson you will learn to ...\")"
            ));
        }
        let (Some(recap), Some(check)) = (
            text.find("\n## Recap\n"),
            text.find("\n## Check yourself\n"),
        ) else {
            problems.push(format!("{name}: needs `## Recap` then `## Check yourself`"));
            continue;
        };
        if recap > check || text[check + 1..].contains("\n## ") {
            problems.push(format!(
                "{name}: `## Check yourself` must follow `## Recap` and end the lesson"
            ));
        }
        let questions = &text[check..];
        let asked = questions
            .lines()
            .filter(|l| l.starts_with("**") && l.chars().nth(2).is_some_and(|c| c.is_ascii_digit()))
            .count();
        let answers = questions
            .matches("\n<details>\n<summary>Answer</summary>\n\n")
            .count();
        let closed = questions.matches("\n\n</details>\n").count();
        if !(3..=5).contains(&asked) {
            problems.push(format!("{name}: {asked} questions; check yourself has 3-5"));
        }
        if answers != asked || closed != asked {
            problems.push(format!(
                "{name}: {asked} questions but {answers} hidden answers and {closed} closings; \
                 each answer is `<details>`, `<summary>Answer</summary>`, a blank line, the \
                 answer, a blank line, `</details>`"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
