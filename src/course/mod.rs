//! The course material: chapters (markdown lessons) and exercises (TOML), compiled into the
//! binary or loaded from an author's directory (`--course DIR`), plus the learner's progress.

mod exercise;
pub mod progress;

pub use exercise::{
    Check, CheckKind, Exercise, Expectation, Instance, KeyType, TtlExpectation, Variant,
    WrongAnswer, placeholders, substitute,
};

use include_dir::{Dir, include_dir};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::LazyLock;

static CHAPTERS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/chapters");
static EXERCISES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/exercises");

/// One lesson: `chapters/NN-slug.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct Chapter {
    pub number: u32,
    /// The part of the file name after the number: `redis-fundamentals`.
    pub slug: String,
    /// The text of the first `# ` heading.
    pub title: String,
    pub markdown: String,
}

/// The whole course: chapters in number order, exercises by chapter then file name.
#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    pub chapters: Vec<Chapter>,
    pub exercises: Vec<Exercise>,
}

/// A problem in a course file, at a line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Why a course could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    /// Every problem found in the course files, one per line.
    #[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl CourseError {
    /// The problems found (empty for an I/O error).
    pub fn problems(&self) -> &[Problem] {
        match self {
            CourseError::Invalid(problems) => problems,
            CourseError::Io { .. } => &[],
        }
    }
}

/// A course file's name (as shown in messages) and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

static CHAPTER_FILE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$").expect("chapter file pattern")
});

impl Course {
    /// The course compiled into the binary.
    pub fn embedded() -> Result<Course, CourseError> {
        let collect =
            |dir: &Dir, prefix: &str, ext: &str| -> Result<Vec<SourceFile>, CourseError> {
                let mut files = Vec::new();
                for file in dir.files() {
                    let name = file.path().to_string_lossy().into_owned();
                    if !name.ends_with(ext) {
                        continue;
                    }
                    let text = file.contents_utf8().ok_or_else(|| {
                        CourseError::Invalid(vec![Problem {
                            file: format!("{prefix}/{name}"),
                            line: 1,
                            column: 1,
                            message: "the file is not UTF-8".into(),
                        }])
                    })?;
                    files.push(SourceFile {
                        name: format!("{prefix}/{name}"),
                        text: text.to_string(),
                    });
                }
                Ok(files)
            };
        Course::from_sources(
            collect(&CHAPTERS, "chapters", ".md")?,
            collect(&EXERCISES, "exercises", ".toml")?,
        )
    }

    /// The course from an author's directory (`--course DIR`) when given, else the embedded one.
    pub fn load(dir: Option<&Path>) -> Result<Course, CourseError> {
        match dir {
            Some(dir) => Course::load_dir(dir),
            None => Course::embedded(),
        }
    }

    /// Loads `DIR/chapters/*.md` and `DIR/exercises/*.toml` (an author's working copy).
    pub fn load_dir(dir: &Path) -> Result<Course, CourseError> {
        let read = |sub: &str, ext: &str| -> Result<Vec<SourceFile>, CourseError> {
            let path = dir.join(sub);
            let io = |source| CourseError::Io {
                path: path.display().to_string(),
                source,
            };
            let mut files = Vec::new();
            for entry in std::fs::read_dir(&path).map_err(io)? {
                let entry = entry.map_err(io)?;
                let file_path = entry.path();
                let is_match = file_path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(ext) && !n.starts_with('.'));
                if !is_match || !file_path.is_file() {
                    continue;
                }
                let text =
                    std::fs::read_to_string(&file_path).map_err(|source| CourseError::Io {
                        path: file_path.display().to_string(),
                        source,
                    })?;
                files.push(SourceFile {
                    name: file_path.display().to_string(),
                    text,
                });
            }
            Ok(files)
        };
        Course::from_sources(read("chapters", ".md")?, read("exercises", ".toml")?)
    }

    /// Builds and validates a course from file texts; reports every problem found.
    pub fn from_sources(
        chapter_files: Vec<SourceFile>,
        exercise_files: Vec<SourceFile>,
    ) -> Result<Course, CourseError> {
        let mut problems = Vec::new();
        let mut chapters: Vec<(Chapter, String)> = Vec::new();
        for file in &chapter_files {
            match parse_chapter(file) {
                Ok(chapter) => {
                    if let Some((_, other)) =
                        chapters.iter().find(|(c, _)| c.number == chapter.number)
                    {
                        problems.push(Problem {
                            file: file.name.clone(),
                            line: 1,
                            column: 1,
                            message: format!("chapter {:02} is also {other}", chapter.number),
                        });
                    } else {
                        chapters.push((chapter, file.name.clone()));
                    }
                }
                Err(problem) => problems.push(problem),
            }
        }
        chapters.sort_by_key(|(c, _)| c.number);

        let mut exercise_files = exercise_files;
        exercise_files.sort_by(|a, b| file_name(&a.name).cmp(file_name(&b.name)));
        let mut exercises: Vec<Exercise> = Vec::new();
        let mut ids: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for file in &exercise_files {
            match exercise::parse_exercise(&file.name, &file.text) {
                Ok((exercise, spans)) => {
                    let here = |offset: usize, message: String| {
                        let (line, column) = exercise::line_col(&file.text, offset);
                        Problem {
                            file: file.name.clone(),
                            line,
                            column,
                            message,
                        }
                    };
                    if let Some((other, line)) = ids.get(&exercise.id) {
                        problems.push(here(
                            spans.id.start,
                            format!(
                                "duplicate exercise id `{}` (also in {other}:{line})",
                                exercise.id
                            ),
                        ));
                    } else {
                        let (line, _) = exercise::line_col(&file.text, spans.id.start);
                        ids.insert(exercise.id.clone(), (file.name.clone(), line));
                    }
                    if !chapters.iter().any(|(c, _)| c.number == exercise.chapter) {
                        problems.push(here(
                            spans.chapter.start,
                            format!(
                                "unknown chapter {} (chapters: {})",
                                exercise.chapter,
                                chapters
                                    .iter()
                                    .map(|(c, _)| c.number.to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ));
                    }
                    exercises.push(exercise);
                }
                Err(mut found) => problems.append(&mut found),
            }
        }
        exercises.sort_by_key(|e| e.chapter);

        if problems.is_empty() {
            Ok(Course {
                chapters: chapters.into_iter().map(|(c, _)| c).collect(),
                exercises,
            })
        } else {
            Err(CourseError::Invalid(problems))
        }
    }

    /// The chapter with this number.
    pub fn chapter(&self, number: u32) -> Option<&Chapter> {
        self.chapters.iter().find(|c| c.number == number)
    }

    /// The exercise with this id.
    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.id == id)
    }

    /// Every exercise's `owns` patterns: the keys the course may create and delete.
    pub fn owned_patterns(&self) -> Vec<String> {
        self.exercises
            .iter()
            .flat_map(|e| e.owns.iter().cloned())
            .collect()
    }

    /// A chapter's exercises, in course order.
    pub fn exercises_of(&self, chapter: u32) -> impl Iterator<Item = &Exercise> {
        self.exercises.iter().filter(move |e| e.chapter == chapter)
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn parse_chapter(file: &SourceFile) -> Result<Chapter, Problem> {
    let problem = |message: String| Problem {
        file: file.name.clone(),
        line: 1,
        column: 1,
        message,
    };
    let name = file_name(&file.name);
    let caps = CHAPTER_FILE.captures(name).ok_or_else(|| {
        problem(format!(
            "a chapter file must be named NN-slug.md (two digits, a kebab-case slug), not `{name}`"
        ))
    })?;
    let number: u32 = caps[1]
        .parse()
        .map_err(|_| problem("bad chapter number".into()))?;
    let first_line = file.text.lines().next().unwrap_or("");
    let title = first_line
        .strip_prefix("# ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| problem("the first line must be the chapter's `# ` heading".into()))?;
    Ok(Chapter {
        number,
        slug: caps[2].to_string(),
        title: title.to_string(),
        markdown: file.text.clone(),
    })
}

#[cfg(test)]
mod tests;
