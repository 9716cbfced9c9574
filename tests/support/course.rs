//! Small courses for tests: chapters built from markdown without files on disk.

use redis_tutor::course::{Chapter, Course, Exercise, ExerciseKind, Lesson, Solution, SourceFile};

/// A chapter with a one-line introduction and one lesson (number 1) holding `markdown`, whose
/// first `# ` heading is the lesson's title.
pub fn chapter(number: u32, slug: &str, title: &str, markdown: &str) -> Chapter {
    let lesson_title = markdown
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# "))
        .unwrap_or(title);
    Chapter {
        number,
        slug: slug.into(),
        title: title.into(),
        lessons: vec![
            Lesson {
                number: 0,
                slug: "introduction".into(),
                title: title.into(),
                markdown: format!("# {title}\n\nThe chapter on {title}.\n"),
            },
            Lesson {
                number: 1,
                slug: slug.into(),
                title: lesson_title.into(),
                markdown: markdown.into(),
            },
        ],
    }
}

/// An exercise for UI tests, which only show it: console work, no checks.
pub fn exercise(id: &str, chapter: u32, title: &str, goal: &str, hints: &[&str]) -> Exercise {
    Exercise {
        id: id.into(),
        chapter,
        lesson: 1,
        title: title.into(),
        kind: ExerciseKind::Console,
        owns: vec!["*".into()],
        goal: goal.into(),
        setup: String::new(),
        hints: hints.iter().map(|h| h.to_string()).collect(),
        solution: Solution::Commands(vec![]),
        variants: vec![],
        wrong: vec![],
        alternatives: vec![],
        checks: vec![],
        scenarios: vec![],
        file: format!("exercises/{id}.toml"),
    }
}

/// A one-exercise course loaded as the tutor loads files: set `greeting` (set up as `helo`)
/// to `hello`, with SET.
pub fn greeting_course(lesson_markdown: &str) -> Course {
    Course::from_sources(
        vec![
            SourceFile {
                name: "chapters/01-strings/README.md".into(),
                text: "# Strings\n\nThe chapter on strings.\n".into(),
            },
            SourceFile {
                name: "chapters/01-strings/01-strings.md".into(),
                text: lesson_markdown.into(),
            },
        ],
        vec![SourceFile {
            name: "exercises/greeting.toml".into(),
            text: r#"format_version = 2
id = "greeting"
chapter = 1
lesson = 1
title = "Fix the greeting"
owns = ["greeting"]
goal = "Set `greeting` to `hello`."
setup = ["SET greeting helo"]
hints = ["Use SET.", "SET key value", "SET greeting hello"]
solution = ["SET greeting hello"]

[[variant]]
n = "1"

[[variant]]
n = "2"

[[check]]
kind = "reply"
id = "value"
name = "greeting is hello"
command = "GET greeting"
expect = '"hello"'

[[check]]
kind = "transcript"
id = "used-set"
name = "you used SET"
used = ["SET"]
"#
            .into(),
        }],
    )
    .unwrap_or_else(|e| panic!("the greeting course is invalid:\n{e}"))
}

/// A course with a quiz: chapter 1 (`01-keys`) holds the two-question quiz `keys-quiz` (one
/// pick-one question, one pick-all), chapter 2 (`02-strings`) the console exercise "Fix the
/// greeting".
pub fn quiz_course() -> Course {
    let page = |name: &str, text: &str| SourceFile {
        name: name.into(),
        text: text.into(),
    };
    Course::from_sources(
        vec![
            page(
                "chapters/01-keys/README.md",
                "# Keys\n\nThe chapter on keys.\n",
            ),
            page(
                "chapters/01-keys/01-keys.md",
                "# Key names\n\nKeys are binary-safe strings, compared byte by byte.\n",
            ),
            page(
                "chapters/02-strings/README.md",
                "# Strings\n\nThe chapter on strings.\n",
            ),
            page(
                "chapters/02-strings/01-strings.md",
                "# Strings\n\nSET stores a string.\n",
            ),
        ],
        vec![
            page(
                "exercises/01-01-keys-quiz.toml",
                r#"format_version = 2
id = "keys-quiz"
chapter = 1
lesson = 1
title = "Quiz: keys"
kind = "quiz"
pass_mark = 2
goal = "Two questions on key names and types."

[[question]]
id = "case"
prompt = "Are `a` and `A` the same key?"

[[question.choice]]
text = "No: they are two keys."
correct = true
why = "A different case makes a different key."

[[question.choice]]
text = "Yes: keys ignore case."
why = "Only command names ignore case; keys never do."

[[question.choice]]
text = "Only inside MULTI."
why = "Transactions change nothing about key names."

[[question]]
id = "types"
pick = "all"
prompt = "Which of these are Redis data types?"

[[question.choice]]
text = "list"
correct = true
why = "An ordered list of strings under one key."

[[question.choice]]
text = "table"
why = "Redis has no tables."

[[question.choice]]
text = "hash"
correct = true
why = "Fields and their values under one key."
"#,
            ),
            page(
                "exercises/02-01-greeting.toml",
                r#"format_version = 2
id = "greeting"
chapter = 2
lesson = 1
title = "Fix the greeting"
owns = ["greeting"]
goal = "Set `greeting` to `hello`."
setup = ["SET greeting helo"]
hints = ["Use SET.", "SET key value", "SET greeting hello"]
solution = ["SET greeting hello"]

[[variant]]
n = "1"

[[variant]]
n = "2"

[[check]]
kind = "reply"
id = "value"
name = "greeting is hello"
command = "GET greeting"
expect = '"hello"'
"#,
            ),
        ],
    )
    .unwrap_or_else(|e| panic!("the quiz course is invalid:\n{e}"))
}
