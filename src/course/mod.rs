//! The course material: chapters (markdown lessons) and exercises (TOML), compiled into the
//! binary or loaded from an author's directory (`--course DIR`), plus the learner's progress.

mod exercise;
pub mod pattern;
pub mod progress;
pub mod quiz;
pub mod recipe;
pub mod scenario;
pub mod template;

pub use exercise::{
    Alternative, Check, Exercise, ExerciseKind, FORMAT_VERSION, Instance, ScenarioSource, Solution,
    Variant, WORK_CHECK, WrongAnswer, placeholders, substitute,
};

use include_dir::{Dir, include_dir};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::LazyLock;

static CHAPTERS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/chapters");
static EXERCISES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/exercises");

/// One chapter: the directory `chapters/NN-slug/`, holding its introduction (`README.md`) and
/// its lessons (`NN-slug.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct Chapter {
    pub number: u32,
    /// The part of the directory name after the number: `redis-fundamentals`.
    pub slug: String,
    /// The text of the README's first `# ` heading.
    pub title: String,
    /// The introduction first (number 0, from `README.md`), then the lessons in number order.
    pub lessons: Vec<Lesson>,
}

/// A page of a chapter: its introduction or one of its lessons.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// 0 for the chapter's introduction, else the number in the file name.
    pub number: u32,
    /// The part of the file name after the number (`introduction` for the README).
    pub slug: String,
    /// The text of the first `# ` heading.
    pub title: String,
    pub markdown: String,
}

impl Chapter {
    /// The chapter's lesson numbered `number` (0 is the introduction).
    pub fn lesson(&self, number: u32) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.number == number)
    }

    /// A stable id for one of its pages, for progress: `01-redis-fundamentals/02-strings`,
    /// or `01-redis-fundamentals` for the introduction.
    pub fn page_id(&self, lesson: &Lesson) -> String {
        if lesson.number == 0 {
            self.id()
        } else {
            format!("{}/{:02}-{}", self.id(), lesson.number, lesson.slug)
        }
    }

    /// The chapter's directory name, its id in progress: `01-redis-fundamentals`.
    pub fn id(&self) -> String {
        format!("{:02}-{}", self.number, self.slug)
    }
}

/// A page of the course in reading order: a chapter's introduction or one of its lessons, as
/// indices into `Course::chapters` and `Chapter::lessons`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRef {
    pub chapter: usize,
    pub lesson: usize,
}

/// The whole course: chapters in number order, exercises by chapter, lesson, then file name.
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

/// `NN-slug`: a chapter directory, or a lesson file without its `.md`.
static NUMBERED: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$").expect("numbered name pattern")
});

impl Course {
    /// The course compiled into the binary.
    pub fn embedded() -> Result<Course, CourseError> {
        fn collect(
            dir: &Dir,
            prefix: &str,
            ext: &str,
            files: &mut Vec<SourceFile>,
        ) -> Result<(), CourseError> {
            for file in dir.files() {
                let name = format!("{prefix}/{}", file.path().to_string_lossy());
                if !name.ends_with(ext) {
                    continue;
                }
                let text = file.contents_utf8().ok_or_else(|| {
                    CourseError::Invalid(vec![Problem {
                        file: name.clone(),
                        line: 1,
                        column: 1,
                        message: "the file is not UTF-8".into(),
                    }])
                })?;
                files.push(SourceFile {
                    name,
                    text: text.to_string(),
                });
            }
            for sub in dir.dirs() {
                collect(sub, prefix, ext, files)?;
            }
            Ok(())
        }
        let mut chapters = Vec::new();
        collect(&CHAPTERS, "chapters", ".md", &mut chapters)?;
        let mut exercises = Vec::new();
        collect(&EXERCISES, "exercises", ".toml", &mut exercises)?;
        Course::from_sources(chapters, exercises)
    }

    /// The course from an author's directory (`--course DIR`) when given, else the embedded one.
    pub fn load(dir: Option<&Path>) -> Result<Course, CourseError> {
        match dir {
            Some(dir) => Course::load_dir(dir),
            None => Course::embedded(),
        }
    }

    /// Loads `DIR/chapters/NN-slug/*.md` and `DIR/exercises/*.toml` (an author's working copy).
    pub fn load_dir(dir: &Path) -> Result<Course, CourseError> {
        fn read(path: &Path, ext: &str, files: &mut Vec<SourceFile>) -> Result<(), CourseError> {
            let io = |source| CourseError::Io {
                path: path.display().to_string(),
                source,
            };
            for entry in std::fs::read_dir(path).map_err(io)? {
                let entry_path = entry.map_err(io)?.path();
                let name = entry_path.file_name().and_then(|n| n.to_str());
                if name.is_none_or(|n| n.starts_with('.')) {
                    continue;
                }
                if entry_path.is_dir() {
                    read(&entry_path, ext, files)?;
                } else if name.is_some_and(|n| n.ends_with(ext)) {
                    let text =
                        std::fs::read_to_string(&entry_path).map_err(|source| CourseError::Io {
                            path: entry_path.display().to_string(),
                            source,
                        })?;
                    files.push(SourceFile {
                        name: entry_path.display().to_string(),
                        text,
                    });
                }
            }
            Ok(())
        }
        let mut chapters = Vec::new();
        read(&dir.join("chapters"), ".md", &mut chapters)?;
        let mut exercises = Vec::new();
        read(&dir.join("exercises"), ".toml", &mut exercises)?;
        Course::from_sources(chapters, exercises)
    }

    /// Builds and validates a course from file texts; reports every problem found.
    pub fn from_sources(
        chapter_files: Vec<SourceFile>,
        exercise_files: Vec<SourceFile>,
    ) -> Result<Course, CourseError> {
        let mut problems = Vec::new();
        let chapters = assemble_chapters(&chapter_files, &mut problems);

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
                    match chapters.iter().find(|c| c.number == exercise.chapter) {
                        None => problems.push(here(
                            spans.chapter.start,
                            format!(
                                "unknown chapter {} (chapters: {})",
                                exercise.chapter,
                                chapters
                                    .iter()
                                    .map(|c| c.number.to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )),
                        Some(chapter)
                            if exercise.lesson == 0
                                || chapter.lesson(exercise.lesson).is_none() =>
                        {
                            problems.push(here(
                                spans.lesson.start,
                                format!(
                                    "chapter {} has no lesson {} (lessons: {})",
                                    exercise.chapter,
                                    exercise.lesson,
                                    chapter
                                        .lessons
                                        .iter()
                                        .filter(|l| l.number > 0)
                                        .map(|l| l.number.to_string())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            ))
                        }
                        Some(_) => {}
                    }
                    exercises.push(exercise);
                }
                Err(mut found) => problems.append(&mut found),
            }
        }
        exercises.sort_by_key(|e| (e.chapter, e.lesson));

        if problems.is_empty() {
            Ok(Course {
                chapters,
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

    /// Every page in reading order: each chapter's introduction, then its lessons.
    pub fn pages(&self) -> Vec<PageRef> {
        self.chapters
            .iter()
            .enumerate()
            .flat_map(|(chapter, c)| {
                (0..c.lessons.len()).map(move |lesson| PageRef { chapter, lesson })
            })
            .collect()
    }

    /// The chapter and lesson a page refers to.
    pub fn page(&self, page: PageRef) -> Option<(&Chapter, &Lesson)> {
        let chapter = self.chapters.get(page.chapter)?;
        Some((chapter, chapter.lessons.get(page.lesson)?))
    }

    /// The page of chapter `chapter`'s lesson `lesson` (numbers, not indices).
    pub fn find_page(&self, chapter: u32, lesson: u32) -> Option<PageRef> {
        let index = self.chapters.iter().position(|c| c.number == chapter)?;
        let lesson = self.chapters[index]
            .lessons
            .iter()
            .position(|l| l.number == lesson)?;
        Some(PageRef {
            chapter: index,
            lesson,
        })
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

/// Groups the chapter files by directory into chapters, reporting misnamed files, missing
/// introductions and duplicate numbers.
fn assemble_chapters(files: &[SourceFile], problems: &mut Vec<Problem>) -> Vec<Chapter> {
    let mut chapters: Vec<(Chapter, String)> = Vec::new();
    let mut lessons: Vec<(String, Lesson, &SourceFile)> = Vec::new();
    for file in files {
        let problem = |message: String| Problem {
            file: file.name.clone(),
            line: 1,
            column: 1,
            message,
        };
        let mut parts = file.name.rsplit(['/', '\\']);
        let name = parts.next().unwrap_or_default();
        let directory = parts.next().unwrap_or_default();
        let Some(chapter) = NUMBERED.captures(directory) else {
            problems.push(problem(format!(
                "a chapter is a directory named NN-slug (two digits, a kebab-case slug) holding README.md and its lessons; `{name}` is not in one"
            )));
            continue;
        };
        let title = match heading(&file.text) {
            Some(title) => title,
            None => {
                problems.push(problem(
                    "the first line must be the page's `# ` heading".into(),
                ));
                continue;
            }
        };
        let number = chapter[1].parse().unwrap_or(0);
        if name == "README.md" {
            let intro = Lesson {
                number: 0,
                slug: "introduction".into(),
                title: title.clone(),
                markdown: file.text.clone(),
            };
            if let Some((_, other)) = chapters.iter().find(|(c, _)| c.number == number) {
                problems.push(problem(format!("chapter {number:02} is also {other}")));
                continue;
            }
            chapters.push((
                Chapter {
                    number,
                    slug: chapter[2].to_string(),
                    title,
                    lessons: vec![intro],
                },
                file.name.clone(),
            ));
            continue;
        }
        let Some(lesson) = NUMBERED.captures(name.strip_suffix(".md").unwrap_or(name)) else {
            problems.push(problem(format!(
                "a lesson file must be named NN-slug.md (two digits, a kebab-case slug), not `{name}`"
            )));
            continue;
        };
        let lesson_number: u32 = lesson[1].parse().unwrap_or(0);
        if lesson_number == 0 {
            problems.push(problem(
                "lessons are numbered from 01 (the chapter's README.md is its introduction)".into(),
            ));
            continue;
        }
        lessons.push((
            directory.to_string(),
            Lesson {
                number: lesson_number,
                slug: lesson[2].to_string(),
                title,
                markdown: file.text.clone(),
            },
            file,
        ));
    }
    for (directory, lesson, file) in lessons {
        let number: u32 = directory[..2].parse().unwrap_or(0);
        let Some((chapter, _)) = chapters.iter_mut().find(|(c, _)| c.number == number) else {
            problems.push(Problem {
                file: file.name.clone(),
                line: 1,
                column: 1,
                message: format!("the chapter directory `{directory}` has no README.md"),
            });
            continue;
        };
        if chapter.lesson(lesson.number).is_some() {
            problems.push(Problem {
                file: file.name.clone(),
                line: 1,
                column: 1,
                message: format!(
                    "lesson {:02} of chapter {number:02} appears twice",
                    lesson.number
                ),
            });
            continue;
        }
        chapter.lessons.push(lesson);
    }
    let mut chapters: Vec<Chapter> = chapters.into_iter().map(|(c, _)| c).collect();
    chapters.sort_by_key(|c| c.number);
    for chapter in &mut chapters {
        chapter.lessons.sort_by_key(|l| l.number);
    }
    chapters
}

/// The text of a markdown file's first-line `# ` heading.
fn heading(text: &str) -> Option<String> {
    text.lines()
        .next()?
        .strip_prefix("# ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests;
