//! Every command in every lesson's ```redis blocks runs on the embedded engine without an
//! error reply, in the order a learner meets them (one console connection, like the tutor's).

use redis_tutor::backend::Backend;
use redis_tutor::markdown::redis_commands;
use redis_tutor::resp::{Value, split_args};

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
async fn every_lesson_command_runs_on_the_embedded_engine() {
    let sorted = |dir: &std::path::Path| {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        entries
    };
    let chapters = sorted(std::path::Path::new("chapters"));
    assert!(!chapters.is_empty(), "no chapters found");
    let mut failures = Vec::new();
    let mut ran = 0;
    for chapter in chapters {
        let backend = Backend::embedded().await.expect("engine starts");
        let mut conn = backend.connect().await.expect("connect");
        for path in sorted(&chapter) {
            let markdown = std::fs::read_to_string(&path).unwrap();
            for command in redis_commands(&markdown) {
                let args = split_args(command.as_bytes())
                    .unwrap_or_else(|| panic!("{}: cannot tokenize {command:?}", path.display()));
                let reply = conn
                    .request(&args)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {command}: {e}", path.display()));
                ran += 1;
                for error in errors(&reply) {
                    failures.push(format!("{}: {command}\n    -> {error}", path.display()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} lesson commands failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
