//! The headless CLI end to end: list, check, hint and reset, against the embedded engine (by
//! replaying the recorded console work) and against a real redis-server (--redis).

mod support;

use redis_tutor::backend::Backend;
use redis_tutor::course::progress::ProgressStore;
use redis_tutor::course::{Course, Solution};
use redis_tutor::grader::{self, attempt};
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

/// Records the reference solution of a console exercise (for the variant the learner was
/// given) as if it had been typed in the tutor's console: the attempt starts on an embedded
/// engine with the exercise's data, and the SCAN walk follows that engine's cursors.
async fn record_solution(home: &Path, id: &str) {
    let store = ProgressStore::at(home);
    let mut progress = store.load().unwrap().progress;
    let course = Course::embedded().unwrap();
    let exercise = course.exercise(id).unwrap();
    let variant = progress.variant_for(exercise);
    store.save(&progress).unwrap();
    let backend = Backend::embedded().await.unwrap();
    let mut conn = backend.connect().await.unwrap();
    attempt::start_attempt(&mut conn, &backend, exercise, variant, &store)
        .await
        .unwrap();
    let Solution::Commands(lines) = exercise.variant(variant).solution else {
        panic!("{id} is a console exercise");
    };
    let now = backend.engine().unwrap().clock().now_ms();
    for entry in grader::run_lines(&mut conn, &lines, now).await.unwrap() {
        store.append_transcript(id, &entry).unwrap();
    }
}

/// The reference solution of a recipe exercise, for the variant the learner was given.
fn solution_text(home: &Path, id: &str) -> String {
    let variant = ProgressStore::at(home)
        .load()
        .unwrap()
        .progress
        .exercise(id)
        .variant
        .expect("a variant was picked");
    let course = Course::embedded().unwrap();
    match course.exercise(id).unwrap().variant(variant).solution {
        Solution::Text(text) => text,
        Solution::Commands(_) => panic!("{id} is a console exercise"),
    }
}

#[test]
fn list_shows_chapters_exercises_and_status() {
    let home = tempfile::tempdir().unwrap();
    let out = tutor(home.path(), &["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("01 · Redis fundamentals\n"), "{text}");
    for id in [
        "one-time-passwords",
        "activity-tracker",
        "leaderboard-basics",
        "scan-not-keys",
    ] {
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

#[tokio::test]
async fn check_replays_recorded_console_work_and_sets_the_exit_code() {
    let home = tempfile::tempdir().unwrap();
    let out = tutor(home.path(), &["check", "scan-not-keys"]);
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
        stdout(&out).contains("you have not walked the keyspace"),
        "{}",
        stdout(&out)
    );

    record_solution(home.path(), "scan-not-keys").await;
    let out = tutor(home.path(), &["check", "scan-not-keys"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the reference solution must pass:\n{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("passed: all 3 checks"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&tutor(home.path(), &["list"])).contains("[x] scan-not-keys"));

    // Checking everything fails while other exercises are unsolved.
    let out = tutor(home.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let total = Course::embedded().unwrap().exercises.len();
    let expected = format!("{} of {total} exercises not passing yet.", total - 1);
    assert!(stdout(&out).contains(&expected), "{}", stdout(&out));

    // Reset starts a new attempt: the recorded work is forgotten.
    let out = tutor(home.path(), &["reset", "scan-not-keys"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        tutor(home.path(), &["check", "scan-not-keys"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn check_runs_a_recipe_from_the_workspace() {
    let home = tempfile::tempdir().unwrap();
    let out = tutor(home.path(), &["check", "one-time-passwords"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("does not exist yet"),
        "{}",
        stdout(&out)
    );

    let out = tutor(home.path(), &["reset", "one-time-passwords"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = home.path().join("workspace/one-time-passwords.recipe");
    assert!(
        stdout(&out).contains(&file.display().to_string()),
        "{}",
        stdout(&out)
    );
    let template = std::fs::read_to_string(&file).unwrap();
    assert!(template.contains("[send user code]"), "{template}");
    let out = tutor(home.path(), &["check", "one-time-passwords"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("[send user code] has no commands"),
        "{}",
        stdout(&out)
    );

    std::fs::write(&file, solution_text(home.path(), "one-time-passwords")).unwrap();
    let out = tutor(home.path(), &["check", "one-time-passwords"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("[x] A code works once"),
        "{}",
        stdout(&out)
    );

    // A reset keeps the learner's file.
    assert!(
        tutor(home.path(), &["reset", "one-time-passwords"])
            .status
            .success()
    );
    assert!(std::fs::read_to_string(&file).unwrap().contains("GETDEL"));
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

/// A quiz is answered in the tutor: `list` shows its standing, `check` its answers so far and
/// fails until the pass mark is reached, `hint` explains there are none, `reset` starts over.
#[test]
fn quizzes_are_listed_checked_and_reset() {
    let home = tempfile::tempdir().unwrap();
    let list = stdout(&tutor(home.path(), &["list"]));
    assert!(
        list.contains(
            "quiz-what-redis-is      Quiz: what Redis is  (quiz: not taken yet, pass mark 5/6)"
        ),
        "{list}"
    );
    let out = tutor(home.path(), &["check", "quiz-what-redis-is"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("not answered yet (pick one)"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("a quiz is answered in the tutor"),
        "{}",
        stdout(&out)
    );
    let hint = tutor(home.path(), &["hint", "quiz-what-redis-is"]);
    assert_eq!(hint.status.code(), Some(1));
    assert!(
        stdout(&hint).contains("it has no hints"),
        "{}",
        stdout(&hint)
    );

    // Answered right in the tutor (as the progress file records it): check passes.
    let store = ProgressStore::at(home.path());
    let mut progress = store.load().unwrap().progress;
    let course = Course::embedded().unwrap();
    let exercise = course.exercise("quiz-what-redis-is").unwrap();
    let variant = progress.variant_for(exercise);
    let quiz = exercise.variant(variant).kind.quiz().unwrap().clone();
    let state = progress.exercise_mut("quiz-what-redis-is");
    for (id, picks) in quiz.reference_answers() {
        redis_tutor::course::quiz::record_answer(state, &quiz, &id, &picks);
    }
    assert!(state.solved);
    progress.add_study_time("01-redis-fundamentals", Some("quiz-what-redis-is"), 150);
    store.save(&progress).unwrap();
    let out = tutor(home.path(), &["check", "quiz-what-redis-is"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("best 6/6, pass mark 5, 1 attempt"),
        "{}",
        stdout(&out)
    );
    let list = stdout(&tutor(home.path(), &["list"]));
    assert!(
        list.contains("01 · Redis fundamentals  (studied 2 min)"),
        "{list}"
    );
    assert!(
        list.contains("[x] quiz-what-redis-is      Quiz: what Redis is  (quiz: best 6/6, pass mark 5, 1 attempt, studied 2 min)"),
        "{list}"
    );

    let out = tutor(home.path(), &["reset", "quiz-what-redis-is"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let state = store
        .load()
        .unwrap()
        .progress
        .exercise("quiz-what-redis-is");
    assert!(state.answers.is_empty() && state.solved && state.best_score == Some(6));
}

/// `quiz` asks each question on the command line: a wrong answer is explained choice by
/// choice, an empty line stops with the answers saved, and the next run goes on to a pass.
#[test]
fn a_quiz_is_answered_on_the_command_line() {
    use std::io::Write;
    use std::process::Stdio;
    let home = tempfile::tempdir().unwrap();
    let answer = |input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_redis-tutor"))
            .args(["quiz", "quiz-lists-sets-hashes"])
            .env("REDIS_TUTOR_HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    // The first run picks the attempt's form; nothing is answered.
    let out = answer("");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("Question 1 of 6 (pick one)"),
        "{}",
        stdout(&out)
    );

    let store = ProgressStore::at(home.path());
    let progress = store.load().unwrap().progress;
    let course = Course::embedded().unwrap();
    let exercise = course.exercise("quiz-lists-sets-hashes").unwrap();
    let form = exercise.variant(progress.exercise(&exercise.id).variant.unwrap());
    let quiz = form.kind.quiz().unwrap();
    let shown = |question: usize, positions: &[usize]| {
        positions
            .iter()
            .map(|&p| quiz.questions[question].shown_number(p).to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let right: Vec<String> = quiz
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| shown(i, &q.correct()))
        .collect();
    let wrong = shown(0, &[1]);
    let out = answer(&format!("{wrong}\n\n"));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("✗ Not quite"), "{text}");
    assert!(text.contains("(your answer)"), "{text}");
    assert!(
        text.contains("Stopped: your answers so far are saved"),
        "{text}"
    );

    let out = answer(&format!("{}\n", right[1..].join("\n")));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        !text.contains("Question 1 of 6"),
        "answered questions are not asked again: {text}"
    );
    assert!(
        text.contains("5 of 6 answered right; best 5/6, pass mark 5, 1 attempt."),
        "{text}"
    );
    assert!(store.load().unwrap().progress.exercise(&exercise.id).solved);
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
            &["--redis", "redis://127.0.0.1:1", "check", "scan-not-keys"][..],
            "cannot connect to redis://127.0.0.1:1",
        ),
        (
            &["--redis", "http://example", "reset", "scan-not-keys"][..],
            "invalid Redis URL",
        ),
        (&["--course", "/no/such/dir", "list"][..], "/no/such/dir"),
        (
            &["--redis", "http://example", "list"][..],
            "invalid Redis URL",
        ),
        (
            &["--redis", "redis://127.0.0.1:1", "list"][..],
            "cannot connect to redis://127.0.0.1:1",
        ),
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
    for command in ["tutor", "list", "check", "hint", "reset", "quiz", "serve"] {
        let help = stdout(&tutor(home.path(), &[command, "--help"]));
        assert!(
            help.contains("Example"),
            "`{command} --help` shows examples:\n{help}"
        );
    }
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

/// With --redis, work done outside the tutor counts: redis-cli walks the keyspace and stores
/// the answer, the server's own command counts prove the walk, and a recipe runs on the
/// server too. Databases holding somebody's data are refused, whatever their number.
#[test]
fn connected_server_is_graded_as_it_is_and_protected_in_every_db() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let url = format!("{}/15", server.url());
    let redis_cli = |args: &[&str]| {
        let out = Command::new("redis-cli")
            .arg("-p")
            .arg(server.port().to_string())
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let out = tutor(home.path(), &["--redis", &url, "reset", "scan-not-keys"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is now the tutor's workspace"),
        "{}",
        stderr(&out)
    );
    let out = tutor(home.path(), &["--redis", &url, "check", "scan-not-keys"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    // Solve it from redis-cli: walk with SCAN, count, store the answer.
    let mut cursor = "0".to_string();
    let mut sessions = 0;
    loop {
        let page = redis_cli(&[
            "-n",
            "15",
            "SCAN",
            &cursor,
            "MATCH",
            "shop:session:*",
            "TYPE",
            "hash",
            "COUNT",
            "1000",
        ]);
        let mut lines = page.lines();
        cursor = lines.next().unwrap().to_string();
        sessions += lines.count();
        if cursor == "0" {
            break;
        }
    }
    // The answer stored in another database is not the answer, and the verdict says where
    // it went.
    redis_cli(&[
        "-n",
        "3",
        "SET",
        "shop:report:sessions",
        &sessions.to_string(),
    ]);
    let out = tutor(home.path(), &["--redis", &url, "check", "scan-not-keys"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(
            "shop:report:sessions is in database 3 but not in database 15, where this exercise lives"
        ),
        "{}",
        stdout(&out)
    );
    redis_cli(&["-n", "3", "DEL", "shop:report:sessions"]);
    redis_cli(&[
        "-n",
        "15",
        "SET",
        "shop:report:sessions",
        &sessions.to_string(),
    ]);
    let out = tutor(home.path(), &["--redis", &url, "check", "scan-not-keys"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // KEYS from redis-cli is seen by the server's count, even with no transcript.
    redis_cli(&["-n", "15", "KEYS", "shop:session:1*"]);
    let out = tutor(home.path(), &["--redis", &url, "check", "scan-not-keys"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("the server ran KEYS 1 time"),
        "{}",
        stdout(&out)
    );

    // A recipe runs through its scenarios on the server as well.
    assert!(
        tutor(
            home.path(),
            &["--redis", &url, "reset", "one-time-passwords"]
        )
        .status
        .success()
    );
    std::fs::write(
        home.path().join("workspace/one-time-passwords.recipe"),
        solution_text(home.path(), "one-time-passwords"),
    )
    .unwrap();
    let out = tutor(
        home.path(),
        &["--redis", &url, "check", "one-time-passwords"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("ran on the embedded Redis only"),
        "scenarios that move the clock far are not waited for: {}",
        stdout(&out)
    );

    // Databases holding somebody's data are refused, whatever their number, and keep it.
    for db in ["0", "14"] {
        redis_cli(&["-n", db, "SET", "customer:1", "precious"]);
        // Matches nothing of the course, or even one of its patterns: neither was made by it.
        redis_cli(&[
            "-n",
            db,
            "SET",
            "shop:session:prod-user-abc",
            "somebody's session",
        ]);
        let url = format!("{}/{db}", server.url());
        let out = tutor(home.path(), &["--redis", &url, "reset", "scan-not-keys"]);
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
    // --force works there anyway, and touches only the course's keys.
    redis_cli(&["-n", "14", "SET", "cart:991", "somebody's cart"]);
    let out = tutor(
        home.path(),
        &[
            "--redis",
            &format!("{}/14", server.url()),
            "--force",
            "reset",
            "one-time-passwords",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(redis_cli(&["-n", "14", "GET", "customer:1"]), "precious");
    assert_eq!(
        redis_cli(&["-n", "14", "GET", "cart:991"]),
        "somebody's cart"
    );
}

/// `redis-tutor list | head -1`: the reader goes away first, and the command ends as
/// command-line tools do (by SIGPIPE), without a panic on its standard error.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_a_printing_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_redis-tutor"))
        .arg("list")
        .env("REDIS_TUTOR_HOME", home.path())
        .env_remove("REDIS_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run redis-tutor");
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() || out.status.signal() == Some(libc::SIGPIPE),
        "{:?}: {}",
        out.status,
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}
