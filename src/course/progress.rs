//! The learner's progress and exercise transcripts, kept in the platform data directory
//! (or `$REDIS_TUTOR_HOME`) and written atomically; a corrupt file is moved aside, never
//! silently replaced.

use super::Exercise;
use super::quiz::Answers;
use crate::console::{Outcome, Source, TranscriptEntry, is_sensitive_command};
use crate::resp::split_args;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Environment variable that overrides the data directory (tests, portable installs).
pub const HOME_ENV: &str = "REDIS_TUTOR_HOME";

const PROGRESS_FILE: &str = "progress.toml";

/// The progress file format this build writes. Version 3 added quiz answers and scores and
/// the time studied; files of versions 1 and 2 read as version 3 without them.
pub const PROGRESS_VERSION: u32 = 3;
const TRANSCRIPTS_DIR: &str = "transcripts";
const WORKSPACE_DIR: &str = "workspace";

/// The first line of a transcript file in this format (older files hold bare commands); the
/// attempt's start follows on the same line.
const TRANSCRIPT_HEADER: &str = "# redis-tutor transcript 2: at_ms db outcome cursor command...";

/// Where the learner is in the course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Progress {
    /// The file format (`PROGRESS_VERSION`; files from before versions read as this one).
    pub format_version: u32,
    /// The page open in the lesson pane (`Chapter::page_id`).
    pub current_page: Option<String>,
    /// The exercise being worked on.
    pub current_exercise: Option<String>,
    /// Scroll offset (in lines) per page id.
    pub page_scroll: BTreeMap<String, u32>,
    /// Per exercise id.
    pub exercises: BTreeMap<String, ExerciseProgress>,
    /// Seconds of active study per chapter (`01-redis-fundamentals`); files from before
    /// time was tracked have none.
    pub seconds_studied: BTreeMap<String, u64>,
}

impl Default for Progress {
    fn default() -> Progress {
        Progress {
            format_version: PROGRESS_VERSION,
            current_page: None,
            current_exercise: None,
            page_scroll: BTreeMap::new(),
            exercises: BTreeMap::new(),
            seconds_studied: BTreeMap::new(),
        }
    }
}

/// The learner's state on one exercise.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExerciseProgress {
    pub solved: bool,
    /// How many rungs of the hint ladder have been shown.
    pub hints_used: u32,
    /// The variant of the current attempt (None before the first attempt).
    pub variant: Option<usize>,
    /// The learner asked to see the solution during this attempt.
    pub solution_shown: bool,
    /// A quiz's answers in the current attempt: question id → the choices picked, by their
    /// position in the file.
    pub answers: Answers,
    /// A quiz's best score: the most questions answered right in one attempt.
    pub best_score: Option<u32>,
    /// How many attempts at a quiz were finished (every question answered).
    pub attempts: u32,
    /// Seconds of active study with this exercise open.
    pub seconds_studied: u64,
}

/// The start of an attempt at a console exercise, kept at the top of its transcript.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attempt {
    /// When the attempt's setup ran, in the server's time (ms since the epoch): the replay of
    /// console work starts its clock there.
    pub started_at_ms: i64,
    /// A connected server's command counts (INFO commandstats) at that moment.
    pub baseline: BTreeMap<String, u64>,
}

impl Progress {
    /// The learner's state on an exercise (default when untouched).
    pub fn exercise(&self, id: &str) -> ExerciseProgress {
        self.exercises.get(id).cloned().unwrap_or_default()
    }

    /// The mutable state on an exercise, created when untouched.
    pub fn exercise_mut(&mut self, id: &str) -> &mut ExerciseProgress {
        self.exercises.entry(id.to_string()).or_default()
    }

    /// The variant of the current attempt, picking one at random for a first attempt.
    pub fn variant_for(&mut self, exercise: &Exercise) -> usize {
        let count = exercise.variant_count();
        match self.exercise(&exercise.id).variant {
            Some(v) => v % count,
            None => self.start_attempt(exercise),
        }
    }

    /// Starts a new attempt: picks a random variant (a different one when there are several)
    /// and stores it; a quiz's answers of the last attempt are forgotten (its best score
    /// stays).
    pub fn start_attempt(&mut self, exercise: &Exercise) -> usize {
        let count = exercise.variant_count();
        let previous = self.exercise(&exercise.id).variant;
        let variant = match previous {
            Some(p) if count > 1 => {
                let step = rand::rng().random_range(1..count);
                (p % count + step) % count
            }
            _ => rand::rng().random_range(0..count),
        };
        let state = self.exercise_mut(&exercise.id);
        state.variant = Some(variant);
        state.answers.clear();
        variant
    }

    /// Adds `seconds` of study to a chapter (its directory name, `01-redis-fundamentals`) and,
    /// when one is being worked on, to an exercise.
    pub fn add_study_time(&mut self, chapter: &str, exercise: Option<&str>, seconds: u64) {
        *self.seconds_studied.entry(chapter.to_string()).or_default() += seconds;
        if let Some(id) = exercise {
            self.exercise_mut(id).seconds_studied += seconds;
        }
    }

    /// Seconds studied in a chapter (its directory name).
    pub fn seconds_studied(&self, chapter: &str) -> u64 {
        self.seconds_studied.get(chapter).copied().unwrap_or(0)
    }

    /// Ids of the solved exercises.
    pub fn solved(&self) -> impl Iterator<Item = &str> {
        self.exercises
            .iter()
            .filter(|(_, e)| e.solved)
            .map(|(id, _)| id.as_str())
    }
}

/// Seconds of study as the progress view and `list` show them: `–`, `<1 min`, `12 min`,
/// `1 h 05`.
pub fn format_study_time(seconds: u64) -> String {
    match seconds {
        0 => "–".into(),
        1..60 => "<1 min".into(),
        60..3600 => format!("{} min", seconds / 60),
        _ => format!("{} h {:02}", seconds / 3600, seconds % 3600 / 60),
    }
}

/// What loading found: the progress, and a message for the learner when the file was corrupt
/// and has been moved aside.
#[derive(Debug)]
pub struct LoadOutcome {
    pub progress: Progress,
    pub warning: Option<String>,
}

/// Why progress or a transcript could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error("no home directory found for the progress file; set {HOME_ENV}")]
    NoDataDir,
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}:{line}: cannot read this line of the transcript")]
    BadTranscript { path: PathBuf, line: usize },
    #[error("`{0}` is not a valid exercise id")]
    BadId(String),
    #[error("cannot save progress: {0}")]
    Serialize(#[from] toml::ser::Error),
}

/// The directory holding progress.toml and transcripts/.
#[derive(Debug, Clone)]
pub struct ProgressStore {
    dir: PathBuf,
}

impl ProgressStore {
    /// The store in `$REDIS_TUTOR_HOME`, or else the platform data directory.
    pub fn open_default() -> Result<ProgressStore, ProgressError> {
        ProgressStore::open_in(std::env::var_os(HOME_ENV))
    }

    /// The store in `home` (the value of `$REDIS_TUTOR_HOME`) when set and not empty, or else
    /// the platform data directory.
    fn open_in(home: Option<std::ffi::OsString>) -> Result<ProgressStore, ProgressError> {
        if let Some(home) = home.filter(|h| !h.is_empty()) {
            return Ok(ProgressStore::at(home));
        }
        directories::ProjectDirs::from("", "", "redis-tutor")
            .map(|dirs| ProgressStore::at(dirs.data_dir()))
            .ok_or(ProgressError::NoDataDir)
    }

    /// The store in a given directory (created on first save).
    pub fn at(dir: impl Into<PathBuf>) -> ProgressStore {
        ProgressStore { dir: dir.into() }
    }

    /// The directory holding progress.toml and transcripts/.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The progress file's path.
    pub fn progress_path(&self) -> PathBuf {
        self.dir.join(PROGRESS_FILE)
    }

    /// Loads progress; a missing file is a fresh start, a corrupt one is moved aside to
    /// `progress.toml.corrupt-<unix time>` and reported in `warning`.
    pub fn load(&self) -> Result<LoadOutcome, ProgressError> {
        let path = self.progress_path();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(LoadOutcome {
                    progress: Progress::default(),
                    warning: None,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return self.move_aside(&path, "it is not UTF-8 text".into());
            }
            Err(source) => return Err(ProgressError::Io { path, source }),
        };
        match toml::from_str::<Progress>(&text) {
            Ok(progress) => Ok(LoadOutcome {
                warning: (progress.format_version > PROGRESS_VERSION).then(|| {
                    format!(
                        "{} was written by a newer redis-tutor (format {}); what this version does not know is left out when it saves",
                        path.display(),
                        progress.format_version
                    )
                }),
                progress,
            }),
            Err(err) => {
                let line = err
                    .span()
                    .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
                let reason = match line {
                    Some(line) => format!("line {line}: {}", err.message()),
                    None => err.message().to_string(),
                };
                self.move_aside(&path, reason)
            }
        }
    }

    fn move_aside(&self, path: &Path, reason: String) -> Result<LoadOutcome, ProgressError> {
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut aside = path.with_file_name(format!("{PROGRESS_FILE}.corrupt-{stamp}"));
        let mut n = 1;
        while aside.exists() {
            aside = path.with_file_name(format!("{PROGRESS_FILE}.corrupt-{stamp}-{n}"));
            n += 1;
        }
        fs::rename(path, &aside).map_err(|source| ProgressError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(LoadOutcome {
            progress: Progress::default(),
            warning: Some(format!(
                "Your progress file {} could not be read ({reason}). It was kept as {} and you start with fresh progress.",
                path.display(),
                aside.display()
            )),
        })
    }

    /// Saves progress atomically: a temporary file in the same directory, written, synced,
    /// then renamed over the old file.
    pub fn save(&self, progress: &Progress) -> Result<(), ProgressError> {
        let text = toml::to_string(progress)?;
        write_atomically(&self.progress_path(), text.as_bytes())
    }

    fn transcript_path(&self, exercise_id: &str) -> Result<PathBuf, ProgressError> {
        let valid = !exercise_id.is_empty()
            && exercise_id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err(ProgressError::BadId(exercise_id.to_string()));
        }
        Ok(self
            .dir
            .join(TRANSCRIPTS_DIR)
            .join(format!("{exercise_id}.txt")))
    }

    /// The console work recorded for an exercise (empty when none).
    pub fn transcript(&self, exercise_id: &str) -> Result<Vec<TranscriptEntry>, ProgressError> {
        Ok(self.attempt(exercise_id)?.1)
    }

    /// The current attempt at an exercise and the console work recorded for it. Files written
    /// before commands carried a time and database read as commands at time 0 in database 0,
    /// with no attempt.
    pub fn attempt(
        &self,
        exercise_id: &str,
    ) -> Result<(Option<Attempt>, Vec<TranscriptEntry>), ProgressError> {
        let path = self.transcript_path(exercise_id)?;
        let text = match fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((None, Vec::new())),
            Err(source) => return Err(ProgressError::Io { path, source }),
        };
        let mut entries = Vec::new();
        let mut attempt = None;
        let mut versioned = false;
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let bad = || ProgressError::BadTranscript {
                path: path.clone(),
                line: i + 1,
            };
            if i == 0 && line.starts_with(TRANSCRIPT_HEADER.as_bytes()) {
                versioned = true;
                attempt = parse_attempt(&line[TRANSCRIPT_HEADER.len()..]);
                continue;
            }
            let words = split_args(line).filter(|w| !w.is_empty()).ok_or_else(bad)?;
            let entry = if versioned {
                parse_entry(words).ok_or_else(bad)?
            } else {
                TranscriptEntry {
                    args: words,
                    outcome: Outcome::Reply,
                    at_ms: 0,
                    db: 0,
                    source: Source::Typed,
                    cursor: None,
                }
            };
            entries.push(entry);
        }
        Ok((attempt, entries))
    }

    /// Starts an attempt at an exercise: its transcript begins anew, headed by the attempt.
    pub fn start_attempt(&self, exercise_id: &str, attempt: &Attempt) -> Result<(), ProgressError> {
        let path = self.transcript_path(exercise_id)?;
        let baseline: Vec<String> = attempt
            .baseline
            .iter()
            .map(|(name, calls)| format!("{name}={calls}"))
            .collect();
        let header = format!(
            "{TRANSCRIPT_HEADER} started={} baseline={}\n",
            attempt.started_at_ms,
            baseline.join(",")
        );
        write_atomically(&path, header.as_bytes())
    }

    /// Records a command the learner typed for an exercise. Commands that carry credentials
    /// (AUTH, HELLO ... AUTH, ACL SETUSER ...) and commands a lesson block ran are never
    /// stored; returns whether it was.
    pub fn append_transcript(
        &self,
        exercise_id: &str,
        entry: &TranscriptEntry,
    ) -> Result<bool, ProgressError> {
        if entry.args.is_empty()
            || entry.source == Source::Lesson
            || is_sensitive_command(&entry.args)
        {
            return Ok(false);
        }
        let path = self.transcript_path(exercise_id)?;
        let io_err = |source| ProgressError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_err)?;
        }
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_err)?;
        let mut line = Vec::new();
        if file.metadata().map_err(io_err)?.len() == 0 {
            // Work recorded before any attempt started (the attempt file was removed).
            line.extend_from_slice(TRANSCRIPT_HEADER.as_bytes());
            line.push(b'\n');
        }
        line.extend(format_entry(entry));
        line.push(b'\n');
        file.write_all(&line).map_err(io_err)?;
        Ok(true)
    }

    /// Where the learner writes a recipe or script exercise's solution:
    /// `<data dir>/workspace/<exercise>.<ext>`.
    pub fn workspace_path(
        &self,
        exercise_id: &str,
        extension: &str,
    ) -> Result<PathBuf, ProgressError> {
        self.transcript_path(exercise_id)?;
        Ok(self
            .dir
            .join(WORKSPACE_DIR)
            .join(format!("{exercise_id}.{extension}")))
    }

    /// Creates the workspace file with `template` when it does not exist yet; an existing
    /// file, the learner's work, is never overwritten. Returns its path.
    pub fn ensure_workspace(
        &self,
        exercise_id: &str,
        extension: &str,
        template: &str,
    ) -> Result<PathBuf, ProgressError> {
        let path = self.workspace_path(exercise_id, extension)?;
        if !path.exists() {
            write_atomically(&path, template.as_bytes())?;
        }
        Ok(path)
    }

    /// The workspace file's text, or why it cannot be read, in words for the learner.
    pub fn read_workspace(
        &self,
        exercise_id: &str,
        extension: &str,
    ) -> (String, Result<String, String>) {
        let path = match self.workspace_path(exercise_id, extension) {
            Ok(path) => path,
            Err(e) => return (exercise_id.to_string(), Err(e.to_string())),
        };
        let shown = path.display().to_string();
        let text = match fs::read(&path) {
            Ok(bytes) => {
                String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(
                "the file does not exist yet: open the exercise in the tutor, or create it"
                    .to_string(),
            ),
            Err(e) => Err(e.to_string()),
        };
        (shown, text)
    }

    /// Forgets an exercise's transcript (on reset).
    pub fn clear_transcript(&self, exercise_id: &str) -> Result<(), ProgressError> {
        let path = self.transcript_path(exercise_id)?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(ProgressError::Io { path, source }),
        }
    }
}

/// ` started=123 baseline=get=2,keys=1` after the header.
fn parse_attempt(rest: &[u8]) -> Option<Attempt> {
    let text = std::str::from_utf8(rest).ok()?;
    let mut attempt = Attempt::default();
    let mut started = None;
    for field in text.split_whitespace() {
        if let Some(ms) = field.strip_prefix("started=") {
            started = ms.parse().ok();
        } else if let Some(list) = field.strip_prefix("baseline=") {
            for pair in list.split(',').filter(|p| !p.is_empty()) {
                let (name, calls) = pair.rsplit_once('=')?;
                attempt
                    .baseline
                    .insert(name.to_string(), calls.parse().ok()?);
            }
        }
    }
    attempt.started_at_ms = started?;
    Some(attempt)
}

/// A transcript line: time, database, outcome (`ok`, `noreply` or `err:MESSAGE`), cursor
/// (`-` for none), then the command.
fn format_entry(entry: &TranscriptEntry) -> Vec<u8> {
    let outcome = match &entry.outcome {
        Outcome::Reply => b"ok".to_vec(),
        Outcome::NoReply => b"noreply".to_vec(),
        Outcome::Error(message) => format!("err:{message}").into_bytes(),
    };
    let mut words = vec![
        entry.at_ms.to_string().into_bytes(),
        entry.db.to_string().into_bytes(),
        outcome,
        entry.cursor.clone().unwrap_or_else(|| b"-".to_vec()),
    ];
    words.extend(entry.args.iter().cloned());
    escape_command(&words)
}

fn parse_entry(mut words: Vec<Vec<u8>>) -> Option<TranscriptEntry> {
    if words.len() < 5 {
        return None;
    }
    let args = words.split_off(4);
    let number = |w: &[u8]| std::str::from_utf8(w).ok()?.parse::<i64>().ok();
    let outcome = match words[2].as_slice() {
        b"ok" => Outcome::Reply,
        b"noreply" => Outcome::NoReply,
        other => Outcome::Error(String::from_utf8_lossy(other.strip_prefix(b"err:")?).into_owned()),
    };
    Some(TranscriptEntry {
        args,
        outcome,
        at_ms: number(&words[0])?,
        db: number(&words[1])?,
        source: Source::Typed,
        cursor: (words[3] != b"-").then(|| words[3].clone()),
    })
}

/// One command as a line that `split_args` reads back exactly: plain words as they are,
/// anything else double-quoted with escapes.
pub fn escape_command(args: &[Vec<u8>]) -> Vec<u8> {
    let mut line = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            line.push(b' ');
        }
        let plain = !arg.is_empty()
            && arg
                .iter()
                .all(|&b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\'));
        if plain {
            line.extend_from_slice(arg);
            continue;
        }
        line.push(b'"');
        for &b in arg {
            match b {
                b'"' => line.extend_from_slice(b"\\\""),
                b'\\' => line.extend_from_slice(b"\\\\"),
                b'\n' => line.extend_from_slice(b"\\n"),
                b'\r' => line.extend_from_slice(b"\\r"),
                b'\t' => line.extend_from_slice(b"\\t"),
                b' '..=b'~' => line.push(b),
                other => line.extend_from_slice(format!("\\x{other:02x}").as_bytes()),
            }
        }
        line.push(b'"');
    }
    line
}

/// Writes a file so that readers see either the old or the new contents, never a mix.
fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), ProgressError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let io_err = |source| ProgressError::Io {
        path: path.to_path_buf(),
        source,
    };
    fs::create_dir_all(dir).map_err(io_err)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{file_name}.tmp-{}-{}",
        std::process::id(),
        rand::rng().random_range(0..u32::MAX)
    ));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        #[cfg(unix)]
        if let Ok(dir) = fs::File::open(dir) {
            dir.sync_all()?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(io_err)
}

#[cfg(test)]
mod tests {
    use super::super::Variant;
    use super::*;

    fn exercise_with_variants(n: usize) -> Exercise {
        Exercise {
            id: "demo".into(),
            chapter: 1,
            lesson: 1,
            title: "Demo".into(),
            kind: super::super::ExerciseKind::Console,
            owns: vec!["demo:*".into()],
            goal: String::new(),
            setup: String::new(),
            hints: vec![],
            solution: super::super::Solution::Commands(vec![]),
            variants: (0..n)
                .map(|i| Variant::from([("n".to_string(), i.to_string())]))
                .collect(),
            wrong: vec![],
            alternatives: vec![],
            checks: vec![],
            scenarios: vec![],
            file: "demo.toml".into(),
        }
    }

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::at(dir.path().join("nested"));
        let mut progress = Progress {
            current_page: Some("01-basics".into()),
            current_exercise: Some("otp-expiry".into()),
            ..Progress::default()
        };
        progress.page_scroll.insert("01-basics/02-lists".into(), 42);
        let otp = progress.exercise_mut("otp-expiry");
        otp.solved = true;
        otp.hints_used = 2;
        otp.variant = Some(1);
        store.save(&progress).unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded.warning, None);
        assert_eq!(loaded.progress, progress);
        let leftovers: Vec<_> = fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            leftovers,
            vec!["progress.toml".to_string()],
            "no temp files left behind"
        );
    }

    #[test]
    fn save_replaces_the_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::at(dir.path());
        let mut progress = Progress::default();
        progress.exercise_mut("a").solved = true;
        store.save(&progress).unwrap();
        progress.exercise_mut("b").hints_used = 3;
        store.save(&progress).unwrap();
        assert_eq!(store.load().unwrap().progress, progress);
    }

    #[test]
    fn missing_file_is_a_fresh_start() {
        let dir = tempfile::tempdir().unwrap();
        let outcome = ProgressStore::at(dir.path()).load().unwrap();
        assert_eq!(outcome.progress, Progress::default());
        assert_eq!(outcome.warning, None);
    }

    #[test]
    fn corrupt_file_is_moved_aside_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::at(dir.path());
        fs::write(
            store.progress_path(),
            "current_page = \"01-x\"\n[exercises\n",
        )
        .unwrap();
        let outcome = store.load().unwrap();
        assert_eq!(outcome.progress, Progress::default());
        let warning = outcome.warning.expect("a warning for a corrupt file");
        assert!(
            warning.contains("line 2"),
            "warning names the line: {warning}"
        );
        assert!(
            !store.progress_path().exists(),
            "the corrupt file was moved"
        );
        let aside: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("progress.toml.corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1, "one corrupt copy kept: {aside:?}");
        assert!(
            warning.contains(&aside[0]),
            "warning names the copy: {warning}"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join(&aside[0])).unwrap(),
            "current_page = \"01-x\"\n[exercises\n",
            "the corrupt copy keeps the original bytes"
        );
    }

    #[test]
    fn a_wrong_type_is_also_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::at(dir.path());
        fs::write(store.progress_path(), "current_page = 1\n").unwrap();
        let outcome = store.load().unwrap();
        assert!(outcome.warning.is_some());
    }

    #[test]
    fn progress_carries_its_format_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::at(dir.path());
        store.save(&Progress::default()).unwrap();
        let text = fs::read_to_string(store.progress_path()).unwrap();
        assert!(text.starts_with("format_version = 3\n"), "{text}");
        fs::write(store.progress_path(), "format_version = 9\n").unwrap();
        let outcome = store.load().unwrap();
        assert!(
            outcome
                .warning
                .unwrap()
                .contains("newer redis-tutor (format 9)")
        );
    }

    #[test]
    fn study_time_reads_at_a_glance() {
        assert_eq!(format_study_time(0), "–");
        assert_eq!(format_study_time(42), "<1 min");
        assert_eq!(format_study_time(125), "2 min");
        assert_eq!(format_study_time(3600 + 5 * 60 + 9), "1 h 05");
    }

    /// A file written before quizzes and study time were kept still loads, and the new
    /// fields survive a save and a load.
    #[test]
    fn version_2_files_load_and_quiz_scores_and_study_time_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::at(dir.path());
        fs::write(
            store.progress_path(),
            "format_version = 2\ncurrent_exercise = \"otp-expiry\"\n[exercises.otp-expiry]\nsolved = true\nhints_used = 2\n",
        )
        .unwrap();
        let outcome = store.load().unwrap();
        assert_eq!(outcome.warning, None);
        let mut progress = outcome.progress;
        let otp = progress.exercise("otp-expiry");
        assert!(otp.solved && otp.hints_used == 2);
        assert!(otp.answers.is_empty() && otp.best_score.is_none() && otp.attempts == 0);
        assert_eq!(progress.seconds_studied("01-redis-fundamentals"), 0);

        progress.add_study_time("01-redis-fundamentals", Some("otp-expiry"), 90);
        progress.add_study_time("01-redis-fundamentals", None, 30);
        let quiz = progress.exercise_mut("quiz-what-redis-is");
        quiz.answers.insert("io-threads".into(), vec![0, 2]);
        quiz.best_score = Some(4);
        quiz.attempts = 1;
        store.save(&progress).unwrap();
        let again = store.load().unwrap();
        assert_eq!(again.warning, None);
        assert_eq!(again.progress, progress);
        assert_eq!(again.progress.seconds_studied("01-redis-fundamentals"), 120);
        assert_eq!(again.progress.exercise("otp-expiry").seconds_studied, 90);
        assert_eq!(
            again.progress.exercise("quiz-what-redis-is").answers["io-threads"],
            vec![0, 2]
        );
    }

    #[test]
    fn unknown_fields_from_newer_versions_are_kept_readable() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::at(dir.path());
        fs::write(
            store.progress_path(),
            "current_page = \"02-more\"\nfuture = true\n[exercises.otp-expiry]\nsolved = true\nstreak = 3\n",
        )
        .unwrap();
        let outcome = store.load().unwrap();
        assert_eq!(outcome.warning, None);
        assert_eq!(outcome.progress.current_page.as_deref(), Some("02-more"));
        assert!(outcome.progress.exercise("otp-expiry").solved);
    }

    fn entry(args: Vec<Vec<u8>>) -> TranscriptEntry {
        TranscriptEntry {
            args,
            outcome: Outcome::Reply,
            at_ms: 1_717_372_800_123,
            db: 0,
            source: Source::Typed,
            cursor: None,
        }
    }

    #[test]
    fn transcripts_append_read_and_clear() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::at(dir.path());
        assert!(store.transcript("otp-expiry").unwrap().is_empty());
        let mut entries = vec![
            entry(vec![
                b"SET".to_vec(),
                b"otp:login:42".to_vec(),
                b"493817".to_vec(),
            ]),
            entry(vec![
                b"SET".to_vec(),
                b"k".to_vec(),
                b"two words \"quoted\" \\ 'x'".to_vec(),
            ]),
            entry(vec![
                b"SET".to_vec(),
                b"bin".to_vec(),
                vec![0, 0xff, b'\n', b'\t'],
                Vec::new(),
            ]),
            entry(vec![b"SCAN".to_vec(), b"0".to_vec()]),
            entry(vec![b"BLPOP".to_vec(), b"q".to_vec(), b"0".to_vec()]),
        ];
        entries[1].outcome = Outcome::Error("WRONGTYPE Operation against a key".into());
        entries[1].db = 3;
        entries[3].cursor = Some(b"1536".to_vec());
        entries[4].outcome = Outcome::NoReply;
        for e in &entries {
            assert!(store.append_transcript("otp-expiry", e).unwrap());
        }
        let mut lesson = entry(vec![b"FLUSHALL".to_vec()]);
        lesson.source = Source::Lesson;
        assert!(!store.append_transcript("otp-expiry", &lesson).unwrap());
        assert_eq!(store.transcript("otp-expiry").unwrap(), entries);
        store.clear_transcript("otp-expiry").unwrap();
        assert!(store.transcript("otp-expiry").unwrap().is_empty());
        store.clear_transcript("otp-expiry").unwrap();
    }

    #[test]
    fn an_attempt_heads_its_transcript() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::at(dir.path());
        let attempt = Attempt {
            started_at_ms: 1_717_372_800_000,
            baseline: BTreeMap::from([("get".to_string(), 3), ("config|get".to_string(), 1)]),
        };
        store
            .append_transcript("x", &entry(vec![b"GET".to_vec(), b"old".to_vec()]))
            .unwrap();
        store.start_attempt("x", &attempt).unwrap();
        store
            .append_transcript("x", &entry(vec![b"GET".to_vec(), b"a".to_vec()]))
            .unwrap();
        let (found, entries) = store.attempt("x").unwrap();
        assert_eq!(found, Some(attempt));
        assert_eq!(entries.len(), 1, "a new attempt starts the work over");
        assert_eq!(store.attempt("none").unwrap(), (None, vec![]));
    }

    #[test]
    fn transcripts_of_earlier_versions_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::at(dir.path());
        fs::create_dir_all(dir.path().join("transcripts")).unwrap();
        fs::write(dir.path().join("transcripts/x.txt"), "SET a 1\nGET a\n").unwrap();
        let entries = store.transcript("x").unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].args, vec![b"GET".to_vec(), b"a".to_vec()]);
        fs::write(
            dir.path().join("transcripts/x.txt"),
            format!("{TRANSCRIPT_HEADER}\n12 0 ok - SET a 1\nnonsense\n"),
        )
        .unwrap();
        assert_eq!(
            store.transcript("x").unwrap_err().to_string(),
            format!(
                "{}:3: cannot read this line of the transcript",
                dir.path().join("transcripts/x.txt").display()
            )
        );
    }

    #[test]
    fn workspace_files_are_created_once_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::at(dir.path());
        let (shown, missing) = store.read_workspace("otp", "recipe");
        assert!(shown.ends_with("otp.recipe"), "{shown}");
        assert!(missing.unwrap_err().contains("does not exist yet"));
        let path = store
            .ensure_workspace("otp", "recipe", "[send user]\n")
            .unwrap();
        fs::write(&path, "my work").unwrap();
        store
            .ensure_workspace("otp", "recipe", "[send user]\n")
            .unwrap();
        assert_eq!(store.read_workspace("otp", "recipe").1.unwrap(), "my work");
        assert!(store.workspace_path("../x", "lua").is_err());
    }

    #[test]
    fn transcripts_never_store_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::at(dir.path());
        let args = |s: &str| entry(s.split(' ').map(|a| a.as_bytes().to_vec()).collect());
        for secret in [
            "AUTH hunter2",
            "auth default hunter2",
            "HELLO 3 AUTH default hunter2",
            "ACL SETUSER bob on >pw",
            "CONFIG SET requirepass pw",
            "MIGRATE h 6379 k 0 100 AUTH pw",
        ] {
            assert!(
                !store.append_transcript("x", &args(secret)).unwrap(),
                "{secret}"
            );
        }
        assert!(store.append_transcript("x", &args("HELLO 3")).unwrap());
        assert!(
            store
                .append_transcript("x", &args("CONFIG SET maxmemory 1mb"))
                .unwrap()
        );
        assert_eq!(store.transcript("x").unwrap().len(), 2);
        let text = fs::read_to_string(dir.path().join("transcripts/x.txt")).unwrap();
        assert!(!text.contains("hunter2") && !text.contains("pw"), "{text}");
    }

    #[test]
    fn transcript_ids_cannot_escape_the_directory() {
        let store = ProgressStore::at("/nonexistent");
        assert!(matches!(
            store.transcript("../etc/passwd"),
            Err(ProgressError::BadId(_))
        ));
    }

    #[test]
    fn home_variable_overrides_the_data_directory() {
        let store = ProgressStore::open_in(Some("/tmp/redis-tutor-home".into())).unwrap();
        assert_eq!(store.dir(), Path::new("/tmp/redis-tutor-home"));
        if let Ok(platform) = ProgressStore::open_in(Some("".into())) {
            assert!(
                platform.dir().ends_with("redis-tutor"),
                "{:?}",
                platform.dir()
            );
        }
    }

    #[test]
    fn attempts_pick_and_keep_a_variant() {
        let exercise = exercise_with_variants(3);
        let mut progress = Progress::default();
        let first = progress.variant_for(&exercise);
        assert!(first < 3);
        assert_eq!(
            progress.variant_for(&exercise),
            first,
            "the variant is kept"
        );
        for _ in 0..20 {
            let before = progress.exercise("demo").variant.unwrap();
            let next = progress.start_attempt(&exercise);
            assert_ne!(next, before, "a new attempt changes the variant");
            assert_eq!(progress.exercise("demo").variant, Some(next));
        }
        let single = exercise_with_variants(0);
        assert_eq!(progress.start_attempt(&single), 0);
    }
}
