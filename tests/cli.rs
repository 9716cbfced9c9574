//! The headless CLI end to end: list, check, hint and reset, against the embedded engine (by
//! replaying the recorded console work) and against a real redis-server (--redis).

mod support;

use redis_tutor::course::Course;
use redis_tutor::course::progress::ProgressStore;
use redis_tutor::grader::solution_transcript;
use std::path::Path;
use std::process::{Command, Output};
use support::real_redis::RealRedis;

fn tutor(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_redis-tutor"))
        .args(args)
        .env("REDIS_TUTOR_HOME", home)
        .env_remove("REDIS_URL")
        .output()
        .expect("run redis-tutor")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Records the reference solution of `id` (for the variant the learner was given) as if it
/// had been typed in the tutor's console.
fn record_solution(home: &Path, id: &str) {
    let store = ProgressStore::at(home);
    let variant = store
        .load()
        .unwrap()
        .progress
        .exercise(id)
        .variant
        .expect("check picked a variant");
    let course = Course::embedded().unwrap();
    let instance = course.exercise(id).unwrap().variant(variant);
    for command in solution_transcript(&instance).unwrap() {
        store.append_transcript(id, &command).unwrap();
    }
}

#[test]
fn list_shows_chapters_exercises_and_status() {
    let home = tempfile::tempdir().unwrap();
    let out = tutor(home.path(), &["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("01 · Redis fundamentals\n"), "{text}");
    for id in ["otp-expiry", "activity-tracker", "leaderboard-basics"] {
        assert!(
            text.contains(&format!("[ ] {id}")),
            "{id} missing in:\n{text}"
        );
    }
    let total = Course::embedded().unwrap().exercises.len();
    assert!(
        text.contains(&format!("0 of {total} exercises solved.")),
        "{text}"
    );
}

#[test]
fn check_replays_recorded_work_and_sets_the_exit_code() {
    let home = tempfile::tempdir().unwrap();
    let out = tutor(home.path(), &["check", "otp-expiry"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "nothing done yet must fail:\n{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("no console work recorded yet"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("expected a TTL between"),
        "{}",
        stdout(&out)
    );

    record_solution(home.path(), "otp-expiry");
    let out = tutor(home.path(), &["check", "otp-expiry"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the reference solution must pass:\n{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("passed: all"), "{}", stdout(&out));
    assert!(stdout(&tutor(home.path(), &["list"])).contains("[x] otp-expiry"));

    // Checking everything fails while other exercises are unsolved.
    let out = tutor(home.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let total = Course::embedded().unwrap().exercises.len();
    let expected = format!("{} of {total} exercises not passing yet.", total - 1);
    assert!(stdout(&out).contains(&expected), "{}", stdout(&out));

    // Reset forgets the recorded work.
    let out = tutor(home.path(), &["reset", "otp-expiry"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        tutor(home.path(), &["check", "otp-expiry"]).status.code(),
        Some(1)
    );
}

#[test]
fn hint_climbs_the_ladder_and_stops_at_the_last_rung() {
    let home = tempfile::tempdir().unwrap();
    let first = stdout(&tutor(home.path(), &["hint", "leaderboard-basics"]));
    assert!(first.starts_with("Hint 1 of "), "{first}");
    let second = stdout(&tutor(home.path(), &["hint", "leaderboard-basics"]));
    assert!(second.starts_with("Hint 2 of "), "{second}");
    let rungs = Course::embedded()
        .unwrap()
        .exercise("leaderboard-basics")
        .unwrap()
        .hints
        .len();
    for _ in 2..rungs + 2 {
        tutor(home.path(), &["hint", "leaderboard-basics"]);
    }
    let last = stdout(&tutor(home.path(), &["hint", "leaderboard-basics"]));
    assert!(
        last.starts_with(&format!("Hint {rungs} of {rungs} (the last one)")),
        "{last}"
    );
    assert!(stdout(&tutor(home.path(), &["list"])).contains(&format!("{rungs} of {rungs} hints")));
}

#[test]
fn usage_and_configuration_errors_exit_2_with_one_line() {
    let home = tempfile::tempdir().unwrap();
    for (args, expected) in [
        (
            &["check", "no-such-exercise"][..],
            "unknown exercise 'no-such-exercise'",
        ),
        (
            &["--redis", "redis://127.0.0.1:1", "check", "otp-expiry"][..],
            "cannot connect to redis://127.0.0.1:1",
        ),
        (
            &["--redis", "http://example", "reset", "otp-expiry"][..],
            "invalid Redis URL",
        ),
        (&["--course", "/no/such/dir", "list"][..], "/no/such/dir"),
    ] {
        let out = tutor(home.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let out = tutor(home.path(), &["frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "clap usage errors exit 2");
}

#[test]
fn a_corrupt_progress_file_is_kept_aside_with_a_message() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("progress.toml"), "this is [not toml").unwrap();
    let out = tutor(home.path(), &["list"]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("corrupt"), "{}", stderr(&out));
    let kept: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
        .collect();
    assert_eq!(kept.len(), 1, "the corrupt file is kept");
}

#[test]
fn connected_server_is_graded_as_it_is_and_protected_in_every_db() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let url = format!("{}/15", server.url());
    assert!(
        tutor(home.path(), &["--redis", &url, "reset", "otp-expiry"])
            .status
            .success()
    );
    let out = tutor(home.path(), &["--redis", &url, "check", "otp-expiry"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    // Solve it directly on the server, as the learner's own code would.
    let store = ProgressStore::at(home.path());
    let variant = store
        .load()
        .unwrap()
        .progress
        .exercise("otp-expiry")
        .variant
        .unwrap();
    let course = Course::embedded().unwrap();
    let instance = course.exercise("otp-expiry").unwrap().variant(variant);
    let mut cli = Command::new("redis-cli");
    cli.args(["-p", &server.port().to_string(), "-n", "15"]);
    for command in solution_transcript(&instance).unwrap() {
        let args: Vec<String> = command
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        assert!(cli.args(&args).output().unwrap().status.success());
        cli = Command::new("redis-cli");
        cli.args(["-p", &server.port().to_string(), "-n", "15"]);
        store.append_transcript("otp-expiry", &command).unwrap();
    }
    let out = tutor(home.path(), &["--redis", &url, "check", "otp-expiry"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // Databases holding somebody's data are refused, whatever their number, and keep it.
    let redis_cli = |args: &[&str]| {
        let out = Command::new("redis-cli")
            .arg("-p")
            .arg(server.port().to_string())
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    for db in ["0", "14"] {
        redis_cli(&["-n", db, "SET", "customer:1", "precious"]);
        // Matches the OTP exercise's pattern, but was not made by the tutor.
        redis_cli(&["-n", db, "SET", "otp:prod:7", "somebody's code"]);
        let url = format!("{}/{db}", server.url());
        let out = tutor(home.path(), &["--redis", &url, "reset", "otp-expiry"]);
        assert_eq!(out.status.code(), Some(2), "db {db}");
        assert!(
            stderr(&out).contains("holds keys that redis-tutor did not make"),
            "{}",
            stderr(&out)
        );
        assert_eq!(
            redis_cli(&["-n", db, "DBSIZE"]),
            "2",
            "db {db} is untouched"
        );
    }
    let out = tutor(
        home.path(),
        &["--redis", &server.url(), "--force", "reset", "otp-expiry"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        redis_cli(&["GET", "customer:1"]),
        "precious",
        "reset never touches keys it does not own"
    );
}
