//! Course loading and validation against small fixture files.

use super::*;

const CHAPTER: &str = "# Basics\n\nSome text.\n";
const LESSON: &str = "# Keys\n\nA lesson.\n";

/// A valid exercise; tests break one thing at a time.
const VALID: &str = r#"format_version = 2
id = "otp"
chapter = 1
lesson = 1
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

/// The files of a chapter directory `dir`: its README and one lesson.
fn chapter_dir(dir: &str) -> Vec<SourceFile> {
    vec![
        chapter(&format!("{dir}/README.md"), CHAPTER),
        chapter(&format!("{dir}/01-keys.md"), LESSON),
    ]
}

fn load(exercises: &[(&str, &str)]) -> Result<Course, CourseError> {
    Course::from_sources(
        chapter_dir("01-basics"),
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
    let lessons: Vec<(u32, &str)> = course.chapters[0]
        .lessons
        .iter()
        .map(|l| (l.number, l.title.as_str()))
        .collect();
    assert_eq!(lessons, [(0, "Basics"), (1, "Keys")]);
    assert_eq!(
        course.chapters[0].page_id(&course.chapters[0].lessons[1]),
        "01-basics/01-keys"
    );
    assert_eq!(course.pages().len(), 2);
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
    assert_eq!(problem.line, 5, "{problem}");
    assert!(
        problem.to_string().starts_with("exercises/otp.toml:5:"),
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
    assert_problem(&text, "kind = \"keys\"", "unknown check kind `keys`");
}

#[test]
fn duplicate_exercise_ids_across_files() {
    let err = load(&[("a.toml", VALID), ("b.toml", VALID)]).unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 1, "{err}");
    assert_eq!(problems[0].file, "exercises/b.toml");
    assert_eq!(problems[0].line, 2);
    assert!(
        problems[0].message.contains("duplicate exercise id `otp`")
            && problems[0].message.contains("exercises/a.toml:2"),
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
fn unknown_lesson() {
    let text = VALID.replace("lesson = 1", "lesson = 3");
    assert_problem(
        &text,
        "lesson = 3",
        "chapter 1 has no lesson 3 (lessons: 1)",
    );
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
    assert_problem(&text, "setup =", "setup: unbalanced quotes");
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
fn chapters_are_numbered_directories_of_numbered_lessons_with_headings() {
    let problem = |files: Vec<SourceFile>| {
        let err = Course::from_sources(files, vec![]).unwrap_err();
        err.problems()[0].to_string()
    };
    let flat = problem(vec![chapter("01-basics.md", CHAPTER)]);
    assert!(
        flat.contains("a chapter is a directory named NN-slug"),
        "{flat}"
    );
    let unnumbered = problem(vec![
        chapter("01-basics/README.md", CHAPTER),
        chapter("01-basics/keys.md", LESSON),
    ]);
    assert!(
        unnumbered
            .starts_with("chapters/01-basics/keys.md:1:1: a lesson file must be named NN-slug.md"),
        "{unnumbered}"
    );
    let headless = problem(vec![chapter("01-basics/README.md", "Basics\n")]);
    assert!(headless.contains("`# ` heading"), "{headless}");
    let orphan = problem(vec![chapter("02-more/01-x.md", LESSON)]);
    assert!(orphan.contains("`02-more` has no README.md"), "{orphan}");
    let mut twice = chapter_dir("01-basics");
    twice.extend(chapter_dir("01-other"));
    assert!(problem(twice).contains("also"));
    let mut same_lesson = chapter_dir("01-basics");
    same_lesson.push(chapter("01-basics/01-again.md", LESSON));
    assert!(problem(same_lesson).contains("lesson 01 of chapter 01 appears twice"));
}

#[test]
fn exercises_are_ordered_by_chapter_then_file() {
    let second = VALID.replace("id = \"otp\"", "id = \"second\"");
    let third = VALID
        .replace("id = \"otp\"", "id = \"third\"")
        .replace("chapter = 1", "chapter = 2");
    let mut chapters = chapter_dir("02-more");
    chapters.extend(chapter_dir("01-basics"));
    let course = Course::from_sources(
        chapters,
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
    assert_eq!(
        second.solution,
        Solution::Commands(vec!["SET otp:7 111111 EX 300".into()])
    );
    assert_eq!(second.hints[2], "SET otp:7 111111 EX 300");
    assert_eq!(
        second.wrong[0].solution,
        Solution::Commands(vec!["SET otp:7 111111".into()])
    );
    assert_eq!(second.checks[0].command(), Some("GET otp:7"));
    assert_eq!(
        second.checks[0].kind.texts(),
        [("command", "GET otp:7"), ("expect", "\"111111\"")]
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
    std::fs::create_dir_all(dir.path().join("chapters/01-basics")).unwrap();
    std::fs::create_dir(dir.path().join("exercises")).unwrap();
    std::fs::write(dir.path().join("chapters/01-basics/README.md"), CHAPTER).unwrap();
    std::fs::write(dir.path().join("chapters/01-basics/01-keys.md"), LESSON).unwrap();
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
            "{}:3:",
            dir.path().join("exercises/otp.toml").display()
        )),
        "{err}"
    );
    assert!(matches!(
        Course::load_dir(&dir.path().join("missing")),
        Err(CourseError::Io { .. })
    ));
}

/// A valid recipe exercise; tests break one thing at a time.
const RECIPE: &str = r#"format_version = 2
id = "codes"
chapter = 1
lesson = 1
title = "Codes"
kind = "recipe"
handlers = ["send user code", "verify user"]
owns = ["otp:*"]
goal = "Keep codes for {{ttl}} seconds."
hints = ["nudge", "concept", "answer"]
solution = '''
[send user code]
SET otp:{user} {code} EX {{ttl}}
[verify user]
GETDEL otp:{user}
'''

[[variant]]
ttl = "300"

[[variant]]
ttl = "600"

[[scenario]]
id = "once"
name = "A code works once"
steps = """
let user = id
let code = digits(6)
call send {user} {code}
call verify {user} => "{code}"
call verify {user} => (nil) because a code works once
"""

[[wrong]]
why = "never deleted"
fails = "once"
recipe = '''
[send user code]
SET otp:{user} {code} EX {{ttl}}
[verify user]
GET otp:{user}
'''

[[alternative]]
why = "milliseconds"
recipe = '''
[send user code]
SET otp:{user} {code} PX {{ttl}}000
[verify user]
GETDEL otp:{user}
'''
"#;

fn recipe_problem(text: &str) -> Problem {
    let err = load(&[("codes.toml", text)]).expect_err("the fixture is broken");
    let problems = err.problems();
    assert_eq!(problems.len(), 1, "expected one problem, found: {err}");
    problems[0].clone()
}

#[test]
fn a_recipe_exercise_loads_with_its_scenarios() {
    let course = load(&[("codes.toml", RECIPE)]).unwrap();
    let exercise = course.exercise("codes").unwrap();
    assert_eq!(exercise.kind.name(), "recipe");
    assert_eq!(exercise.check_ids(), ["once"]);
    let instance = exercise.variant(1);
    assert_eq!(instance.scenarios[0].steps.len(), 5);
    assert_eq!(instance.alternatives.len(), 1);
    assert!(
        matches!(&instance.solution, Solution::Text(t) if t.contains("EX 600")),
        "{:?}",
        instance.solution
    );
}

#[test]
fn scenario_mistakes_point_at_their_line_in_the_file() {
    let text = RECIPE.replace("call verify {user} => (nil)", "call verfy {user} => (nil)");
    let problem = recipe_problem(&text);
    assert_eq!(problem.line, line_of(&text, "call verfy"), "{problem}");
    assert!(
        problem
            .message
            .starts_with("scenario `once`: the exercise has no handler `verfy`"),
        "{problem}"
    );
}

#[test]
fn recipe_mistakes_in_the_solution_point_at_their_line() {
    let text = RECIPE.replace(
        "GETDEL otp:{user}\n'''\n\n[[variant]]",
        "GETDEL otp:{usr}\n'''\n\n[[variant]]",
    );
    let problem = recipe_problem(&text);
    assert_eq!(
        problem.line,
        line_of(&text, "GETDEL otp:{usr}"),
        "{problem}"
    );
    assert!(
        problem
            .message
            .contains("`{usr}` is not a parameter of [verify user]"),
        "{problem}"
    );
}

#[test]
fn kinds_and_versions_are_checked() {
    let problem = recipe_problem(&RECIPE.replace("format_version = 2", "format_version = 1"));
    assert!(
        problem
            .message
            .contains("format_version 1 is not one this redis-tutor reads"),
        "{problem}"
    );
    let problem = recipe_problem(&RECIPE.replace("kind = \"recipe\"", "kind = \"poll\""));
    assert!(problem.message.contains("unknown kind `poll`"), "{problem}");
    // A quiz has a format of its own, which says what a recipe's fields are not for.
    let problem = recipe_problem(&RECIPE.replace("kind = \"recipe\"", "kind = \"quiz\""));
    assert!(problem.message.contains("a quiz"), "{problem}");
    let problem = recipe_problem(&RECIPE.replace("fails = \"once\"", "fails = \"twice\""));
    assert!(
        problem.message.contains("names no check or scenario"),
        "{problem}"
    );
    let problem = recipe_problem(&RECIPE.replace("recipe = '''\n[send user code]\nSET otp:{user} {code} EX {{ttl}}\n[verify user]\nGET", "commands = [\"GET x\"]\nrecipe2 = '''\n[send user code]\nSET otp:{user} {code} EX {{ttl}}\n[verify user]\nGET"));
    assert!(
        problem.message.contains("unknown field `recipe2`"),
        "{problem}"
    );
}
