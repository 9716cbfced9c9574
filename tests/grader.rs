//! The real course's exercises, graded end to end: for every exercise and variant the reference
//! solution and every alternative pass, and each wrong answer fails the check or scenario it
//! names with the explanation it promises, on the embedded engine and on a real redis-server.

mod support;

use redis_tutor::backend::{Backend, Connection};
use redis_tutor::console::{Outcome, Source, TranscriptEntry};
use redis_tutor::course::quiz::Quiz;
use redis_tutor::course::{Course, Exercise, ExerciseKind, Instance, Solution};
use redis_tutor::engine::command_table;
use redis_tutor::glob::glob_match;
use redis_tutor::grader::{self, ConsoleWork, Report, Target, Work};
use redis_tutor::resp::{Value, split_args};
use std::sync::Arc;
use support::real_redis::RealRedis;

/// When console work in these tests is stamped.
const AT_MS: i64 = 1_717_372_800_000;

fn course() -> Course {
    Course::embedded().unwrap_or_else(|e| panic!("the embedded course is invalid:\n{e}"))
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
    let mut text = report
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
                    format!(":\n      {}", c.detail.replace('\n', "\n      "))
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    for note in &report.notes {
        text.push_str(&format!("\n  note: {note}"));
    }
    text
}

/// Where a variant is graded: the embedded engine, or a real server.
#[derive(Clone)]
enum Place {
    Embedded,
    Real(Arc<Backend>),
}

impl Place {
    fn target(&self) -> Target {
        match self {
            Place::Embedded => Target::Embedded,
            Place::Real(backend) => Target::Server(Arc::clone(backend)),
        }
    }

    /// The learner's console: a live engine of its own, or the real server (emptied).
    async fn console(&self) -> (Arc<Backend>, Connection) {
        let backend = match self {
            Place::Embedded => Arc::new(Backend::embedded().await.unwrap()),
            Place::Real(backend) => Arc::clone(backend),
        };
        let mut conn = backend.connect().await.unwrap();
        if matches!(self, Place::Real(_)) {
            conn.request(&["FLUSHALL"]).await.unwrap();
        }
        (backend, conn)
    }
}

/// The learner's work for a solution: console lines typed after the exercise's setup, or a
/// workspace file holding the text.
async fn work(place: &Place, instance: &Instance, solution: &Solution) -> Work {
    match solution {
        Solution::Commands(lines) => {
            let (backend, mut conn) = place.console().await;
            grader::reset(&mut conn, instance).await.unwrap();
            let baseline = match place {
                Place::Real(_) => grader::CommandStats::read(&mut conn).await,
                Place::Embedded => None,
            };
            let entries = grader::run_lines(&mut conn, lines, AT_MS).await.unwrap();
            drop(backend);
            Work::Console(ConsoleWork {
                entries,
                started_at_ms: AT_MS,
                baseline,
            })
        }
        Solution::Text(text) => Work::File {
            path: format!("workspace/{}.recipe", instance.exercise_id),
            text: Ok(text.clone()),
        },
    }
}

/// Grades one exercise variant: the solution and alternatives pass, each wrong answer fails
/// its named check with its promised words. Returns the problems found.
async fn grade_variant(place: &Place, exercise: &Exercise, variant: usize) -> Vec<String> {
    let mut problems = Vec::new();
    let instance = exercise.variant(variant);
    let label = format!("{} variant {}", exercise.id, variant + 1);
    let target = place.target();
    if let Some(quiz) = instance.kind.quiz() {
        return grade_quiz(quiz, &instance, &label, &target).await;
    }

    let rights = std::iter::once(("the reference solution".to_string(), &instance.solution)).chain(
        instance
            .alternatives
            .iter()
            .map(|a| (format!("the alternative \"{}\"", a.why), &a.solution)),
    );
    for (what, solution) in rights {
        let work = work(place, &instance, solution).await;
        let report = grader::grade(&instance, &work, &target).await.unwrap();
        if !report.passed() || report.checks.is_empty() {
            problems.push(format!("{label}: {what} fails:\n{}", describe(&report)));
        }
    }
    for wrong in &instance.wrong {
        let work = work(place, &instance, &wrong.solution).await;
        let report = grader::grade(&instance, &work, &target).await.unwrap();
        match report.check(&wrong.fails) {
            Some(outcome) if !outcome.passed && !outcome.detail.is_empty() => {
                if let Some(says) = &wrong.says
                    && !outcome.detail.contains(says.as_str())
                {
                    problems.push(format!(
                        "{label}: the wrong answer \"{}\" fails `{}`, but its explanation lacks \"{says}\":\n{}",
                        wrong.why,
                        wrong.fails,
                        outcome.detail
                    ));
                }
            }
            _ => problems.push(format!(
                "{label}: the wrong answer \"{}\" should fail `{}`:\n{}",
                wrong.why,
                wrong.fails,
                describe(&report)
            )),
        }
    }
    problems
}

/// A quiz's reference answers pass every question, and each wrong choice fails its question
/// with the choice's own explanation.
async fn grade_quiz(quiz: &Quiz, instance: &Instance, label: &str, target: &Target) -> Vec<String> {
    let mut problems = Vec::new();
    let reference = quiz.reference_answers();
    let report = grader::grade(instance, &Work::Quiz(reference.clone()), target)
        .await
        .unwrap();
    if !report.passed() || report.checks.len() != quiz.questions.len() {
        problems.push(format!(
            "{label}: the reference answers fail:\n{}",
            describe(&report)
        ));
    }
    for question in &quiz.questions {
        for (position, choice) in question.choices.iter().enumerate() {
            if choice.correct {
                continue;
            }
            let mut answers = reference.clone();
            answers.insert(question.id.clone(), vec![position]);
            let report = grader::grade(instance, &Work::Quiz(answers), target)
                .await
                .unwrap();
            match report.check(&question.id) {
                Some(outcome) if !outcome.passed && outcome.detail.contains(choice.why.trim()) => {}
                _ => problems.push(format!(
                    "{label}: picking \"{}\" in `{}` should fail with its explanation:\n{}",
                    choice.text,
                    question.id,
                    describe(&report)
                )),
            }
            if report.failures().count() != 1 {
                problems.push(format!(
                    "{label}: one wrong choice fails more than its question"
                ));
            }
        }
    }
    problems
}

fn assert_no_problems(problems: Vec<String>) {
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn solutions_pass_and_wrong_answers_fail_on_the_embedded_engine() {
    let course = course();
    assert!(!course.exercises.is_empty());
    let mut problems = Vec::new();
    for exercise in &course.exercises {
        for variant in 0..exercise.variant_count() {
            problems.extend(grade_variant(&Place::Embedded, exercise, variant).await);
        }
    }
    assert_no_problems(problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn solutions_pass_and_wrong_answers_fail_on_real_redis() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    let place = Place::Real(Arc::new(Backend::connected(&server.url()).unwrap()));
    let course = course();
    let mut problems = Vec::new();
    for exercise in &course.exercises {
        for variant in 0..exercise.variant_count() {
            problems.extend(grade_variant(&place, exercise, variant).await);
        }
    }
    assert_no_problems(problems);
}

/// The same work graded twice gives the same report: scenarios are seeded and their clock is
/// frozen.
#[tokio::test]
async fn grading_is_deterministic() {
    let course = course();
    for exercise in &course.exercises {
        let instance = exercise.variant(0);
        let solution = instance
            .wrong
            .first()
            .map_or(&instance.solution, |w| &w.solution);
        let work = work(&Place::Embedded, &instance, solution).await;
        let first = grader::grade(&instance, &work, &Target::Embedded)
            .await
            .unwrap();
        let second = grader::grade(&instance, &work, &Target::Embedded)
            .await
            .unwrap();
        assert_eq!(first, second, "{}", exercise.id);
    }
}

/// The explanation a learner reads when racing requests both get the code.
#[tokio::test]
async fn a_failed_scenario_explains_its_step() {
    let course = course();
    let exercise = course.exercise("one-time-passwords").unwrap();
    let instance = exercise.variant(0);
    let racy = instance
        .wrong
        .iter()
        .find(|w| w.fails == "race")
        .expect("a racy wrong answer");
    let work = work(&Place::Embedded, &instance, &racy.solution).await;
    let report = grader::grade(&instance, &work, &Target::Embedded)
        .await
        .unwrap();
    let race = report.check("race").unwrap();
    let lines: Vec<&str> = race.detail.lines().collect();
    assert!(
        lines[0].starts_with("race 2 call verify "),
        "{}",
        race.detail
    );
    assert!(
        lines[1].starts_with("  expected 1 of \"")
            && lines[1].contains(", 1 of (nil), found 2 of \""),
        "{}",
        race.detail
    );
    assert_eq!(
        lines[2],
        "  because only one of two racing sign-ins may get the code"
    );
    assert!(race.hint.as_deref().unwrap().contains("GETDEL"));
    let step = race.log.last().unwrap();
    assert!(!step.ok && step.expected.is_some() && step.found.is_some());
    assert!(
        report.check("works-once").unwrap().passed,
        "a returned GET passes the single-request case"
    );
}

/// Work that does not load says why, with file, line and column.
#[tokio::test]
async fn broken_or_missing_work_is_explained() {
    let course = course();
    let instance = course.exercise("one-time-passwords").unwrap().variant(0);
    let grade = |text: Result<String, String>| {
        let instance = instance.clone();
        async move {
            let work = Work::File {
                path: "otp.recipe".into(),
                text,
            };
            grader::grade(&instance, &work, &Target::Embedded)
                .await
                .unwrap()
        }
    };
    let report = grade(Err("the file does not exist yet".into())).await;
    assert_eq!(report.checks.len(), 1);
    assert_eq!(
        report.checks[0].detail,
        "otp.recipe: the file does not exist yet"
    );
    let report = grade(Ok("  \n".into())).await;
    assert_eq!(
        report.checks[0].detail,
        "otp.recipe is empty: write your recipe there"
    );
    let report = grade(Ok("[send user code]\nSET otp:login:{usr} {code}\n".into())).await;
    assert_eq!(
        report.checks[0].detail,
        "otp.recipe:2:1: `{usr}` is not a parameter of [send user code]\notp.recipe:2:1: the handler [verify user] is missing\notp.recipe:2:1: the handler [resend user] is missing"
    );
    assert!(!report.passed());
}

fn entry(line: &str, outcome: Outcome, source: Source) -> TranscriptEntry {
    TranscriptEntry {
        args: split_args(line.as_bytes()).unwrap(),
        outcome,
        at_ms: AT_MS,
        db: 0,
        source,
        cursor: None,
    }
}

/// Lesson blocks are not exercise work, and commands that block or change the connection's
/// state replay as they acted for the learner: the answer typed in another database is not in
/// the exercise's.
#[tokio::test]
async fn replay_keeps_lesson_blocks_out_and_survives_connection_commands() {
    let course = course();
    let exercise = course.exercise("scan-not-keys").unwrap();
    let instance = exercise.variant(0);
    let Work::Console(mut solved) = work(&Place::Embedded, &instance, &instance.solution).await
    else {
        panic!("a console exercise");
    };
    let mut entries = vec![
        entry("SUBSCRIBE news", Outcome::NoReply, Source::Typed),
        entry("BLPOP nothing:here 0", Outcome::NoReply, Source::Typed),
        entry("CLIENT REPLY OFF", Outcome::Reply, Source::Typed),
        entry("FLUSHALL", Outcome::Reply, Source::Lesson),
    ];
    entries.append(&mut solved.entries);
    solved.entries = entries.clone();
    let report = grader::grade(&instance, &Work::Console(solved.clone()), &Target::Embedded)
        .await
        .unwrap();
    assert!(report.passed(), "{}", describe(&report));

    // The same answer typed after SELECT 3 lands in the wrong database, and the note says so.
    let mut elsewhere = solved.clone();
    for entry in elsewhere.entries.iter_mut().filter(|e| e.args[0] == b"SET") {
        entry.db = 3;
    }
    let report = grader::grade(&instance, &Work::Console(elsewhere), &Target::Embedded)
        .await
        .unwrap();
    assert!(!report.check("count").unwrap().passed);
    assert_eq!(
        report.notes,
        ["some of your commands ran in database 3; this exercise lives in database 0 (SELECT 0)"]
    );
}

/// `RPUSH q a` then `BLPOP q 0` took the element for the learner; the replay must too.
#[tokio::test]
async fn a_blocking_pop_replays_as_it_acted() {
    let course = Course::from_sources(
        vec![
            redis_tutor::course::SourceFile {
                name: "chapters/01-q/README.md".into(),
                text: "# Queues\n".into(),
            },
            redis_tutor::course::SourceFile {
                name: "chapters/01-q/01-pop.md".into(),
                text: "# Pop\n".into(),
            },
        ],
        vec![redis_tutor::course::SourceFile {
            name: "exercises/q.toml".into(),
            text: r#"format_version = 2
id = "queue"
chapter = 1
lesson = 1
title = "Pop"
owns = ["q:*"]
goal = "Push then pop {{n}}."
hints = ["a", "b", "c"]
solution = ["RPUSH q:jobs {{n}}", "BLPOP q:jobs 0"]
[[variant]]
n = "1"
[[variant]]
n = "2"
[[check]]
kind = "reply"
id = "empty"
name = "The queue is empty"
command = "LLEN q:jobs"
expect = "(integer) 0"
"#
            .into(),
        }],
    )
    .unwrap();
    let instance = course.exercises[0].variant(0);
    let work = |lines: &[(&str, Outcome)]| {
        Work::Console(ConsoleWork {
            entries: lines
                .iter()
                .map(|(l, o)| entry(l, o.clone(), Source::Typed))
                .collect(),
            started_at_ms: AT_MS,
            baseline: None,
        })
    };
    let popped = work(&[
        ("RPUSH q:jobs 1", Outcome::Reply),
        ("BLPOP q:jobs 0", Outcome::Reply),
    ]);
    let report = grader::grade(&instance, &popped, &Target::Embedded)
        .await
        .unwrap();
    assert!(report.passed(), "{}", describe(&report));
    let interrupted = work(&[
        ("BLPOP q:jobs 0", Outcome::NoReply),
        ("RPUSH q:jobs 1", Outcome::Reply),
    ]);
    let report = grader::grade(&instance, &interrupted, &Target::Embedded)
        .await
        .unwrap();
    assert_eq!(
        report.check("empty").unwrap().detail,
        "expected (integer) 0, found (integer) 1",
        "an interrupted BLPOP took nothing"
    );
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
fn exercises_have_variants_hints_wrong_answers_and_alternatives() {
    let course = course();
    for exercise in &course.exercises {
        if let Some(quiz) = exercise.kind.quiz() {
            // A quiz's explanations are its hints, and its shuffled forms its variants.
            assert!(
                (6..=10).contains(&quiz.questions.len()),
                "{}: 6 to 10 questions",
                exercise.id
            );
            assert!(exercise.variant_count() >= 2, "{}: forms", exercise.id);
            continue;
        }
        assert!(exercise.hints.len() >= 3, "{}: hints", exercise.id);
        assert!(exercise.wrong.len() >= 3, "{}: wrong answers", exercise.id);
        assert!(
            !exercise.alternatives.is_empty(),
            "{}: alternatives",
            exercise.id
        );
        assert!(exercise.variants.len() >= 2, "{}: variants", exercise.id);
        let typed_by_hand = exercise.wrong.iter().any(|w| w.why.contains("by hand"));
        assert!(
            typed_by_hand,
            "{}: a wrong answer that types values by hand",
            exercise.id
        );
    }
    let chapter_one: Vec<(&str, &str)> = course
        .exercises_of(1)
        .map(|e| (e.id.as_str(), e.kind.name()))
        .collect();
    assert_eq!(
        chapter_one,
        [
            ("quiz-what-redis-is", "quiz"),
            ("one-time-passwords", "recipe"),
            ("quiz-lists-sets-hashes", "quiz"),
            ("activity-tracker", "recipe"),
            ("leaderboard-basics", "recipe"),
            ("scan-not-keys", "console"),
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

/// Reset deletes every owned key (more than one SCAN page of them), and nothing else; the
/// setup's keys all match `owns`.
async fn reset_deletes_only_owned_keys(conn: &mut Connection) {
    let course = course();
    let exercise = course.exercise("scan-not-keys").unwrap();
    let instance = exercise.variant(0);
    for i in 0..1200 {
        let key = format!("shop:old:{i}");
        conn.request(&["SET", key.as_str(), "x"]).await.unwrap();
    }
    for key in ["session:prod-user-abc", "cart:991", "shopx"] {
        conn.request(&["SET", key, "keep me"]).await.unwrap();
    }
    grader::reset(conn, &instance).await.unwrap();
    let keys = all_keys(conn).await;
    let foreign: Vec<String> = keys
        .iter()
        .filter(|k| !exercise.owns.iter().any(|p| glob_match(p.as_bytes(), k)))
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(foreign, ["cart:991", "session:prod-user-abc", "shopx"]);
    assert!(!keys.iter().any(|k| k.starts_with(b"shop:old:")));
    assert_eq!(
        keys.len(),
        1437 + 212 + 600 + 2 + 3,
        "the setup's keys and the foreign ones"
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
    let backend = Backend::connected(&server.url()).unwrap();
    reset_deletes_only_owned_keys(&mut backend.connect().await.unwrap()).await;
}

/// Every exercise kind has its work: recipes a file, console exercises the console.
#[test]
fn every_recipe_exercise_names_its_handlers_in_the_goal() {
    for exercise in &course().exercises {
        if let ExerciseKind::Recipe { handlers } = &exercise.kind {
            for handler in handlers {
                assert!(
                    exercise.goal.contains(&format!("`{handler}`")),
                    "{}: the goal shows {handler}",
                    exercise.id
                );
            }
        }
    }
}

/// A script exercise (the safe lock release chapter 04 will teach), built from files as the
/// course loads them.
fn lock_course() -> Course {
    Course::from_sources(
        vec![
            redis_tutor::course::SourceFile {
                name: "chapters/01-locks/README.md".into(),
                text: "# Locks\n".into(),
            },
            redis_tutor::course::SourceFile {
                name: "chapters/01-locks/01-release.md".into(),
                text: "# Release\n".into(),
            },
        ],
        vec![redis_tutor::course::SourceFile {
            name: "exercises/release.toml".into(),
            text: r#"format_version = 2
id = "release"
chapter = 1
lesson = 1
title = "Release a lock safely"
kind = "script"
owns = ["lock:*"]
goal = "Delete the lock only when it still holds your token ({{n}})."
hints = ["a", "b", "c"]
solution = '''
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
'''

[script]
name = "release"
keys = ["lock"]
args = ["token"]

[[variant]]
n = "1"

[[variant]]
n = "2"

[[scenario]]
id = "owner-only"
name = "The owner releases the lock; a stranger cannot"
hint = "Compare the token and delete in the same script."
steps = """
let token = digits(12)
command SET lock:order {token} PX 30000
call release lock:order not-yours   => (integer) 0   because a stranger's token must not release the lock
command EXISTS lock:order           => (integer) 1
call release lock:order {token}     => (integer) 1
command EXISTS lock:order           => (integer) 0   because the owner's release deletes the lock
"""

[[wrong]]
why = "deletes whoever asks"
fails = "owner-only"
says = "a stranger's token must not release the lock"
script = 'return redis.call("DEL", KEYS[1])'

[[alternative]]
why = "the comparison written the other way round"
script = '''
local holder = redis.call("GET", KEYS[1])
if holder ~= ARGV[1] then return 0 end
return redis.call("DEL", KEYS[1])
'''
"#
            .into(),
        }],
    )
    .unwrap_or_else(|e| panic!("the lock course is invalid:\n{e}"))
}

async fn script_exercise_is_graded(place: Place) {
    let course = lock_course();
    let exercise = &course.exercises[0];
    assert_no_problems(grade_variant(&place, exercise, 0).await);
    let instance = exercise.variant(0);
    let grade = |text: &str| {
        let work = Work::File {
            path: "release.lua".into(),
            text: Ok(text.into()),
        };
        let instance = instance.clone();
        let target = place.target();
        async move { grader::grade(&instance, &work, &target).await.unwrap() }
    };
    let report = grade("return redis.call('GET'").await;
    let detail = &report.check("owner-only").unwrap().detail;
    assert!(
        detail.contains("your script does not load: (error) ERR Error compiling script"),
        "{detail}"
    );
    // An endless loop costs one step's time limit; the engine answers the next grade.
    let report = grade("while true do end").await;
    let detail = &report.check("owner-only").unwrap().detail;
    assert!(detail.contains("no answer within"), "{detail}");
    let report = grade(match &instance.solution {
        Solution::Text(text) => text,
        Solution::Commands(_) => unreachable!(),
    })
    .await;
    assert!(report.passed(), "{}", describe(&report));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_exercise_is_graded_on_the_embedded_engine() {
    script_exercise_is_graded(Place::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_exercise_is_graded_on_real_redis() {
    let Some(server) = RealRedis::start(&["--lua-time-limit", "500"]) else {
        return;
    };
    script_exercise_is_graded(Place::Real(Arc::new(
        Backend::connected(&server.url()).unwrap(),
    )))
    .await;
}
