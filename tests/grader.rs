//! The real course's exercises, graded end to end: for every exercise and variant the reference
//! solution passes every check and each wrong answer fails the check it names, on the embedded
//! engine and on a real redis-server.

mod support;

use redis_tutor::backend::{Backend, Connection};
use redis_tutor::course::{Course, Exercise};
use redis_tutor::engine::command_table;
use redis_tutor::glob::glob_match;
use redis_tutor::grader::{self, Report};
use redis_tutor::resp::{Value, split_args};
use support::real_redis::RealRedis;

fn course() -> Course {
    Course::embedded().unwrap_or_else(|e| panic!("the embedded course is invalid:\n{e}"))
}

async fn connect_real(server: &RealRedis) -> Connection {
    let socket = tokio::net::TcpStream::connect(server.addr())
        .await
        .expect("connect to redis-server");
    Connection::new(Box::new(socket))
}

/// Every key in the current database, with SCAN.
async fn all_keys(conn: &mut Connection) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    let mut cursor = b"0".to_vec();
    loop {
        let reply = conn
            .request(&[b"SCAN".as_slice(), &cursor, b"COUNT", b"1000"])
            .await
            .unwrap();
        let Value::Array(parts) = reply else {
            panic!("SCAN replied {reply:?}");
        };
        let Value::Array(batch) = &parts[1] else {
            panic!("SCAN replied {parts:?}");
        };
        keys.extend(
            batch
                .iter()
                .filter_map(|k| k.as_bytes())
                .map(<[u8]>::to_vec),
        );
        cursor = parts[0].as_bytes().unwrap().to_vec();
        if cursor == b"0" {
            return keys;
        }
    }
}

fn describe(report: &Report) -> String {
    report
        .checks
        .iter()
        .map(|c| {
            format!(
                "  [{}] {} ({}){}",
                if c.passed { "pass" } else { "FAIL" },
                c.name,
                c.id,
                if c.passed {
                    String::new()
                } else {
                    format!(": {}", c.detail)
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Grades one exercise variant: reset leaves only owned keys, the solution passes, each wrong
/// answer fails its named check. Returns the problems found.
async fn grade_variant(conn: &mut Connection, exercise: &Exercise, variant: usize) -> Vec<String> {
    let mut problems = Vec::new();
    let instance = exercise.variant(variant);
    let label = format!("{} variant {}", exercise.id, variant + 1);

    if let Err(e) = grader::reset(conn, exercise, variant).await {
        return vec![format!("{label}: reset failed: {e}")];
    }
    for key in all_keys(conn).await {
        if !exercise.owns.iter().any(|p| glob_match(p.as_bytes(), &key)) {
            problems.push(format!(
                "{label}: after reset, key {:?} matches no `owns` pattern",
                String::from_utf8_lossy(&key)
            ));
        }
    }
    let transcript = grader::run_lines(conn, &instance.solution).await.unwrap();
    let report = grader::grade(conn, exercise, variant, &transcript)
        .await
        .unwrap();
    if !report.passed() {
        problems.push(format!(
            "{label}: the reference solution fails:\n{}",
            describe(&report)
        ));
    }

    for wrong in &instance.wrong {
        if let Err(e) = grader::reset(conn, exercise, variant).await {
            problems.push(format!("{label}: reset failed: {e}"));
            continue;
        }
        let transcript = grader::run_lines(conn, &wrong.commands).await.unwrap();
        let report = grader::grade(conn, exercise, variant, &transcript)
            .await
            .unwrap();
        match report.check(&wrong.fails) {
            Some(outcome) if !outcome.passed && !outcome.detail.is_empty() => {}
            Some(_) => problems.push(format!(
                "{label}: the wrong answer \"{}\" should fail `{}`:\n{}",
                wrong.why,
                wrong.fails,
                describe(&report)
            )),
            None => problems.push(format!("{label}: no check `{}`", wrong.fails)),
        }
    }
    problems
}

fn assert_no_problems(problems: Vec<String>) {
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}

#[tokio::test]
async fn solutions_pass_and_wrong_answers_fail_on_the_embedded_engine() {
    let course = course();
    assert!(!course.exercises.is_empty());
    let mut problems = Vec::new();
    for exercise in &course.exercises {
        for variant in 0..exercise.variant_count() {
            let backend = Backend::embedded().await.unwrap();
            let mut conn = backend.connect().await.unwrap();
            problems.extend(grade_variant(&mut conn, exercise, variant).await);
        }
    }
    assert_no_problems(problems);
}

#[tokio::test]
async fn solutions_pass_and_wrong_answers_fail_on_real_redis() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    let course = course();
    let mut problems = Vec::new();
    for exercise in &course.exercises {
        for variant in 0..exercise.variant_count() {
            let mut conn = connect_real(&server).await;
            conn.request(&["FLUSHALL"]).await.unwrap();
            problems.extend(grade_variant(&mut conn, exercise, variant).await);
        }
    }
    assert_no_problems(problems);
}

#[tokio::test]
async fn replaying_the_solution_on_a_fresh_engine_passes() {
    let course = course();
    for exercise in &course.exercises {
        for variant in 0..exercise.variant_count() {
            let instance = exercise.variant(variant);
            let transcript = grader::solution_transcript(&instance).unwrap();
            let backend = Backend::embedded().await.unwrap();
            let mut conn = backend.connect().await.unwrap();
            grader::reset(&mut conn, exercise, variant).await.unwrap();
            grader::replay(&mut conn, &transcript).await.unwrap();
            let report = grader::grade(&mut conn, exercise, variant, &transcript)
                .await
                .unwrap();
            assert!(
                report.passed(),
                "{} variant {}:\n{}",
                exercise.id,
                variant + 1,
                describe(&report)
            );
        }
    }
}

/// Replays a transcript full of commands that block or change the connection's state.
async fn replay_with_connection_state_commands(conn: &mut Connection) {
    let course = course();
    let exercise = course.exercise("otp-expiry").expect("otp-expiry exists");
    let instance = exercise.variant(0);
    let lines = |ls: &[&str]| -> Vec<Vec<Vec<u8>>> {
        ls.iter()
            .map(|l| split_args(l.as_bytes()).unwrap())
            .collect()
    };
    let mut transcript = lines(&[
        "SUBSCRIBE news",
        "BLPOP nothing:here 0",
        "SELECT 3",
        "SET otp:stray 1",
        "CLIENT REPLY OFF",
        "SELECT 0",
    ]);
    transcript.extend(grader::solution_transcript(&instance).unwrap());
    transcript.extend(lines(&["SELECT 2", "MULTI", "SET otp:never 1"]));
    grader::reset(conn, exercise, 0).await.unwrap();
    grader::replay(conn, &transcript).await.unwrap();
    for key in ["otp:stray", "otp:never"] {
        let reply = conn.request(&["GET", key]).await.unwrap();
        assert_eq!(
            reply,
            Value::Null,
            "{key}: grading reads database 0 after the replay"
        );
    }
    let report = grader::grade(conn, exercise, 0, &transcript).await.unwrap();
    assert!(report.passed(), "{}", describe(&report));
}

#[tokio::test]
async fn replay_survives_blocking_and_connection_state_commands() {
    let backend = Backend::embedded().await.unwrap();
    replay_with_connection_state_commands(&mut backend.connect().await.unwrap()).await;
}

#[tokio::test]
async fn replay_survives_blocking_and_connection_state_commands_on_real_redis() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    replay_with_connection_state_commands(&mut connect_real(&server).await).await;
}

/// The explanations a learner reads when the OTP exercise fails.
async fn otp_failure_details(conn: &mut Connection) {
    let course = course();
    let exercise = course.exercise("otp-expiry").expect("otp-expiry exists");
    let instance = exercise.variant(0);
    let user_key = |s: &str| s.replace("{{user}}", &exercise.variants[0]["user"]);

    grader::reset(conn, exercise, 0).await.unwrap();
    let report = grader::grade(conn, exercise, 0, &[]).await.unwrap();
    let stored = report.check("stored").unwrap();
    assert_eq!(
        stored.detail,
        format!("expected \"{}\", found (nil)", exercise.variants[0]["code"])
    );
    assert!(stored.hint.is_some(), "a failed check carries its hint");
    assert_eq!(
        report.check("read-back").unwrap().detail,
        "you have not run GET or GETEX yet"
    );

    let no_ttl = &instance.wrong[0];
    let transcript = grader::run_lines(conn, &no_ttl.commands).await.unwrap();
    let report = grader::grade(conn, exercise, 0, &transcript).await.unwrap();
    assert_eq!(
        report.check("expires").unwrap().detail,
        "expected a TTL between 1 and 300 seconds, found -1 (no expiry)"
    );
    assert!(report.check("stored").unwrap().passed);

    grader::reset(conn, exercise, 0).await.unwrap();
    let lines = [user_key("RPUSH otp:login:{{user}} 1")];
    grader::run_lines(conn, &lines).await.unwrap();
    let report = grader::grade(conn, exercise, 0, &[]).await.unwrap();
    assert_eq!(
        report.check("is-string").unwrap().detail,
        user_key("found a list at \"otp:login:{{user}}\", expected a string")
    );
}

#[tokio::test]
async fn failure_details_read_like_redis_cli() {
    let backend = Backend::embedded().await.unwrap();
    otp_failure_details(&mut backend.connect().await.unwrap()).await;
}

#[tokio::test]
async fn failure_details_read_like_redis_cli_on_real_redis() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    otp_failure_details(&mut connect_real(&server).await).await;
}

#[test]
fn check_commands_are_read_only() {
    let course = course();
    let mut problems = Vec::new();
    for exercise in &course.exercises {
        for check in &exercise.variant(0).checks {
            let Some(command) = check.command() else {
                continue;
            };
            let args = split_args(command.as_bytes()).unwrap();
            let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
            match command_table().get(&name) {
                Some(spec) if spec.has_flag("readonly") => {}
                Some(_) => problems.push(format!(
                    "{} check `{}`: {} is not read-only",
                    exercise.id, check.id, name
                )),
                None => problems.push(format!(
                    "{} check `{}`: {} is not in the command table",
                    exercise.id, check.id, name
                )),
            }
        }
    }
    assert_no_problems(problems);
}

#[test]
fn exercises_have_enough_variants_hints_and_wrong_answers() {
    let course = course();
    for exercise in &course.exercises {
        assert!(exercise.hints.len() >= 3, "{}: hints", exercise.id);
        assert!(exercise.wrong.len() >= 2, "{}: wrong answers", exercise.id);
        assert!(exercise.variants.len() >= 2, "{}: variants", exercise.id);
    }
    let chapter_one: Vec<&str> = course.exercises_of(1).map(|e| e.id.as_str()).collect();
    assert_eq!(
        chapter_one,
        [
            "otp-expiry",
            "activity-tracker",
            "leaderboard-basics",
            "scan-not-keys"
        ]
    );
}

#[test]
fn the_compiled_course_matches_the_files_on_disk() {
    let compiled = course();
    let on_disk = Course::load_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("the course directory is invalid:\n{e}"));
    assert_eq!(compiled.chapters, on_disk.chapters);
    let ids = |c: &Course| c.exercises.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&compiled), ids(&on_disk));
}

/// Reset deletes every owned key (more than one SCAN page of them) and nothing else.
async fn reset_deletes_only_owned_keys(conn: &mut Connection) {
    let course = course();
    let exercise = course.exercise("otp-expiry").expect("otp-expiry exists");
    for i in 0..1200 {
        let key = format!("otp:old:{i}");
        conn.request(&["SET", key.as_str(), "x"]).await.unwrap();
    }
    conn.request(&["SET", "session:abc", "keep me"])
        .await
        .unwrap();
    conn.request(&["SET", "otpx", "not owned either"])
        .await
        .unwrap();
    grader::reset(conn, exercise, 0).await.unwrap();
    let mut keys: Vec<String> = all_keys(conn)
        .await
        .iter()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    keys.sort();
    let other = &exercise.variants[0]["other"];
    assert_eq!(
        keys,
        [
            format!("otp:login:{other}"),
            "otpx".into(),
            "session:abc".into()
        ],
        "only the setup's key and the foreign keys remain"
    );
}

#[tokio::test]
async fn reset_deletes_only_owned_keys_on_the_embedded_engine() {
    let backend = Backend::embedded().await.unwrap();
    reset_deletes_only_owned_keys(&mut backend.connect().await.unwrap()).await;
}

#[tokio::test]
async fn reset_deletes_only_owned_keys_on_real_redis() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    reset_deletes_only_owned_keys(&mut connect_real(&server).await).await;
}
