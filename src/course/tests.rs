//! Course loading and validation against small fixture files.

use super::*;

const CHAPTER: &str = "# Basics\n\nSome text.\n";

/// A valid exercise; tests break one thing at a time.
const VALID: &str = r#"id = "otp"
chapter = 1
title = "OTP"
owns = ["otp:*"]
goal = "Store {{code}} for {{user}}"
setup = ["SET otp:seed 1"]
hints = ["nudge", "concept", "SET otp:{{user}} {{code}} EX 300"]
solution = ["SET otp:{{user}} {{code}} EX 300"]

[[variant]]
user = "42"
code = "493817"

[[variant]]
user = "7"
code = "111111"

[[wrong]]
why = "no TTL"
commands = ["SET otp:{{user}} {{code}}"]
fails = "expires"

[[check]]
kind = "reply"
id = "stored"
name = "Stored"
command = "GET otp:{{user}}"
expect = '"{{code}}"'

[[check]]
kind = "key"
id = "expires"
name = "Expires"
key = "otp:{{user}}"
type = "string"
ttl = [1, 300]

[[check]]
kind = "transcript"
id = "no-keys"
name = "No KEYS"
used = [["GET", "GETEX"]]
not_used = ["KEYS"]
"#;

fn chapter(name: &str, text: &str) -> SourceFile {
    SourceFile {
        name: format!("chapters/{name}"),
        text: text.into(),
    }
}

fn exercise_file(name: &str, text: &str) -> SourceFile {
    SourceFile {
        name: format!("exercises/{name}"),
        text: text.into(),
    }
}

fn load(exercises: &[(&str, &str)]) -> Result<Course, CourseError> {
    Course::from_sources(
        vec![chapter("01-basics.md", CHAPTER)],
        exercises.iter().map(|(n, t)| exercise_file(n, t)).collect(),
    )
}

/// Loads a single broken exercise and returns its only problem.
fn problem_of(text: &str) -> Problem {
    let err = load(&[("otp.toml", text)]).expect_err("the fixture is broken");
    let problems = err.problems();
    assert_eq!(problems.len(), 1, "expected one problem, found: {err}");
    problems[0].clone()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in fixture"))
        + 1
}

fn assert_problem(text: &str, line_with: &str, message_part: &str) {
    let problem = problem_of(text);
    assert_eq!(problem.file, "exercises/otp.toml");
    assert_eq!(
        problem.line,
        line_of(text, line_with),
        "wrong line for: {problem}"
    );
    assert!(
        problem.message.contains(message_part),
        "expected a message containing {message_part:?}, found: {problem}"
    );
}

#[test]
fn valid_fixture_loads() {
    let course = load(&[("otp.toml", VALID)]).unwrap();
    assert_eq!(course.chapters.len(), 1);
    assert_eq!(course.chapters[0].title, "Basics");
    assert_eq!(course.chapters[0].slug, "basics");
    let exercise = course.exercise("otp").unwrap();
    assert_eq!(exercise.variant_count(), 2);
    assert_eq!(exercise.checks.len(), 3);
    assert_eq!(course.exercises_of(1).count(), 1);
    assert_eq!(course.exercises_of(2).count(), 0);
}

#[test]
fn toml_syntax_errors_name_file_and_line() {
    let text = VALID.replace("title = \"OTP\"", "title = \"OTP");
    let problem = problem_of(&text);
    assert_eq!(problem.line, 3, "{problem}");
    assert!(
        problem.to_string().starts_with("exercises/otp.toml:3:"),
        "{problem}"
    );
}

#[test]
fn unknown_fields_are_errors() {
    let text = VALID.replace("title = \"OTP\"", "title = \"OTP\"\ndifficulty = 3");
    assert_problem(&text, "difficulty", "unknown field `difficulty`");
    let text = VALID.replace("ttl = [1, 300]", "ttl = [1, 300]\nexpiry = 5");
    let problem = problem_of(&text);
    assert!(
        problem.message.contains("unknown field `expiry`"),
        "{problem}"
    );
}

#[test]
fn unknown_check_kind() {
    let text = VALID.replace("kind = \"key\"", "kind = \"keys\"");
    assert_problem(&text, "kind = \"keys\"", "unknown variant `keys`");
}

#[test]
fn duplicate_exercise_ids_across_files() {
    let err = load(&[("a.toml", VALID), ("b.toml", VALID)]).unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 1, "{err}");
    assert_eq!(problems[0].file, "exercises/b.toml");
    assert_eq!(problems[0].line, 1);
    assert!(
        problems[0].message.contains("duplicate exercise id `otp`")
            && problems[0].message.contains("exercises/a.toml:1"),
        "{}",
        problems[0]
    );
}

#[test]
fn duplicate_check_ids() {
    let text = VALID.replace("id = \"no-keys\"", "id = \"stored\"");
    let problem = problem_of(&text);
    let second = text.rfind("id = \"stored\"").unwrap();
    assert_eq!(
        problem.line,
        text[..second].lines().count() + 1,
        "{problem}"
    );
    assert!(
        problem.message.contains("duplicate check id `stored`"),
        "{problem}"
    );
}

#[test]
fn unknown_chapter() {
    let text = VALID.replace("chapter = 1", "chapter = 4");
    assert_problem(&text, "chapter = 4", "unknown chapter 4");
}

#[test]
fn wrong_answer_naming_no_check() {
    let text = VALID.replace("fails = \"expires\"", "fails = \"expiry\"");
    assert_problem(&text, "fails = \"expiry\"", "names no check");
}

#[test]
fn fewer_than_three_hints() {
    let text = VALID.replace("hints = [\"nudge\", \"concept\", ", "hints = [");
    assert_problem(&text, "hints =", "at least 3");
}

#[test]
fn placeholder_missing_from_a_variant() {
    let text = VALID.replace(
        "user = \"7\"\ncode = \"111111\"",
        "user = \"7\"\npin = \"111111\"",
    );
    let err = load(&[("otp.toml", &text)]).unwrap_err();
    let first = &err.problems()[0];
    assert_eq!(first.line, line_of(&text, "goal ="), "{err}");
    assert!(
        first.message.contains("{{code}}") && first.message.contains("variant 2"),
        "{first}"
    );
}

#[test]
fn placeholder_without_variants() {
    let text = VALID.replace(
        "setup = [\"SET otp:seed 1\"]",
        "setup = [\"SET otp:{{seed}} 1\"]",
    );
    assert_problem(&text, "setup =", "{{seed}}");
}

#[test]
fn commands_must_tokenize() {
    let text = VALID.replace(
        "setup = [\"SET otp:seed 1\"]",
        r#"setup = ["SET otp:seed \"1"]"#,
    );
    assert_problem(&text, "setup =", "does not tokenize");
    let text = VALID.replace(
        "command = \"GET otp:{{user}}\"",
        "command = \"GET 'otp:{{user}}\"",
    );
    assert_problem(&text, "command = \"GET", "does not tokenize");
}

#[test]
fn bad_regex() {
    let text = VALID.replace("expect = '\"{{code}}\"'", "expect_match = '(unclosed'");
    assert_problem(&text, "expect_match", "bad regex");
}

#[test]
fn reply_check_needs_exactly_one_expectation() {
    let text = VALID.replace(
        "expect = '\"{{code}}\"'",
        "expect = '\"{{code}}\"'\nexpect_range = [1, 2]",
    );
    assert_problem(&text, "[[check]]", "exactly one of");
}

#[test]
fn bad_ttl_shape() {
    let text = VALID.replace("ttl = [1, 300]", "ttl = 300");
    let problem = problem_of(&text);
    assert!(problem.message.contains("ttl = [min, max]"), "{problem}");
}

#[test]
fn key_checks_must_inspect_owned_keys() {
    let text = VALID.replace("key = \"otp:{{user}}\"", "key = \"session:{{user}}\"");
    assert_problem(&text, "key = \"session", "no `owns` pattern covers");
}

#[test]
fn ids_are_kebab_case() {
    let text = VALID.replace("id = \"otp\"", "id = \"OTP_1\"");
    assert_problem(&text, "id = \"OTP_1\"", "kebab-case");
}

#[test]
fn chapters_need_a_numbered_name_and_a_heading() {
    let err = Course::from_sources(vec![chapter("basics.md", CHAPTER)], vec![]).unwrap_err();
    assert!(err.problems()[0].message.contains("NN-slug.md"), "{err}");
    let err = Course::from_sources(vec![chapter("01-basics.md", "Basics\n")], vec![]).unwrap_err();
    assert!(err.problems()[0].message.contains("`# ` heading"), "{err}");
    let err = Course::from_sources(
        vec![
            chapter("01-basics.md", CHAPTER),
            chapter("01-other.md", CHAPTER),
        ],
        vec![],
    )
    .unwrap_err();
    assert!(err.problems()[0].message.contains("also"), "{err}");
}

#[test]
fn exercises_are_ordered_by_chapter_then_file() {
    let second = VALID.replace("id = \"otp\"", "id = \"second\"");
    let third = VALID
        .replace("id = \"otp\"", "id = \"third\"")
        .replace("chapter = 1", "chapter = 2");
    let course = Course::from_sources(
        vec![
            chapter("02-more.md", "# More\n"),
            chapter("01-basics.md", CHAPTER),
        ],
        vec![
            exercise_file("02-a.toml", &third),
            exercise_file("01-b.toml", &second),
            exercise_file("01-a.toml", VALID),
        ],
    )
    .unwrap();
    let ids: Vec<&str> = course.exercises.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["otp", "second", "third"]);
    let numbers: Vec<u32> = course.chapters.iter().map(|c| c.number).collect();
    assert_eq!(numbers, [1, 2]);
}

#[test]
fn variants_fill_every_placeholder() {
    let course = load(&[("otp.toml", VALID)]).unwrap();
    let exercise = course.exercise("otp").unwrap();
    let second = exercise.variant(1);
    assert_eq!(second.goal, "Store 111111 for 7");
    assert_eq!(second.solution, ["SET otp:7 111111 EX 300"]);
    assert_eq!(second.hints[2], "SET otp:7 111111 EX 300");
    assert_eq!(second.wrong[0].commands, ["SET otp:7 111111"]);
    assert_eq!(
        second.checks[0].kind,
        CheckKind::Reply {
            command: "GET otp:7".into(),
            expect: Expectation::Exact("\"111111\"".into())
        }
    );
    assert_eq!(
        exercise.variant(2),
        exercise.variant(0),
        "variants wrap around"
    );
}

#[test]
fn substitution_leaves_unknown_names_and_escapes_regexes() {
    let values = Variant::from([("a".to_string(), "1.5".to_string())]);
    assert_eq!(
        substitute("{{a}} {{ a }} {{b}} {a}", &values),
        "1.5 1.5 {{b}} {a}"
    );
    let names: Vec<&str> = placeholders("x {{a}} {{b_2}} {{}}").collect();
    assert_eq!(names, ["a", "b_2"]);
}

#[test]
fn load_dir_reads_an_authors_copy() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("chapters")).unwrap();
    std::fs::create_dir(dir.path().join("exercises")).unwrap();
    std::fs::write(dir.path().join("chapters/01-basics.md"), CHAPTER).unwrap();
    std::fs::write(dir.path().join("exercises/otp.toml"), VALID).unwrap();
    std::fs::write(dir.path().join("exercises/README.md"), "docs").unwrap();
    let course = Course::load_dir(dir.path()).unwrap();
    assert_eq!(course.exercises.len(), 1);

    std::fs::write(
        dir.path().join("exercises/otp.toml"),
        VALID.replace("chapter = 1", "chapter = 9"),
    )
    .unwrap();
    let err = Course::load_dir(dir.path()).unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "{}:2:",
            dir.path().join("exercises/otp.toml").display()
        )),
        "{err}"
    );
    assert!(matches!(
        Course::load_dir(&dir.path().join("missing")),
        Err(CourseError::Io { .. })
    ));
}
