//! Quizzes in the exercise pane and the time studied per chapter, driven through the TUI's
//! real main loop on ratatui's TestBackend with a clock the test moves by hand.

mod support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event as TerminalEvent, KeyCode, KeyEvent, KeyModifiers};
use redis_tutor::course::progress::Progress;
use redis_tutor::course::quiz::Quiz;
use redis_tutor::course::{Course, Instance};
use redis_tutor::tui::{
    App, AppOptions, Event, Focus, LoopObserver, Overlay, Palette, Question, Request, run_loop,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{self, UnboundedReceiver};

/// Records when the loop asks for progress to be saved.
#[derive(Default)]
struct SavedProgress(Vec<Progress>);

impl LoopObserver for SavedProgress {
    fn progress_changed(&mut self, app: &App) {
        self.0.push(app.progress().clone());
    }
}

/// The app on a TestBackend over the quiz course, with a clock the test moves by hand.
struct Harness {
    app: App,
    terminal: Terminal<TestBackend>,
    requests: UnboundedReceiver<Request>,
    saved: SavedProgress,
    clock_ms: Arc<AtomicU64>,
}

impl Harness {
    /// The tutor opened on the quiz (form 0), at `width` x `height`.
    fn new(width: u16, height: u16) -> Harness {
        let mut progress = Progress {
            current_exercise: Some("keys-quiz".into()),
            ..Progress::default()
        };
        progress.exercise_mut("keys-quiz").variant = Some(0);
        Harness::with_progress(width, height, progress)
    }

    fn with_progress(width: u16, height: u16, progress: Progress) -> Harness {
        let (requests_tx, requests) = mpsc::unbounded_channel();
        let base = Instant::now();
        let clock_ms = Arc::new(AtomicU64::new(0));
        let clock = Arc::clone(&clock_ms);
        let app = App::new(AppOptions {
            course: Arc::new(support::course::quiz_course()),
            progress,
            backend_description: "embedded Redis 7.0.15 on 127.0.0.1:40000".into(),
            initial_prompt: "127.0.0.1:40000> ".into(),
            history: vec![],
            requests: requests_tx,
            now: Arc::new(move || base + Duration::from_millis(clock.load(Ordering::SeqCst))),
            argument_hints: Arc::new(|_: &str| None),
            palette: Palette::Dark,
        });
        let mut harness = Harness {
            app,
            terminal: Terminal::new(TestBackend::new(width, height)).unwrap(),
            requests,
            saved: SavedProgress::default(),
            clock_ms,
        };
        // Opening the quiz is announced to the background (which sets nothing up for it).
        harness.sent();
        harness
    }

    /// Feeds `events` through the real main loop, which draws and returns once they are used.
    fn run(&mut self, events: Vec<Event>) {
        let (tx, mut rx) = mpsc::unbounded_channel();
        for event in events {
            tx.send(event).unwrap();
        }
        drop(tx);
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(run_loop(
                &mut self.terminal,
                &mut self.app,
                &mut rx,
                &mut self.saved,
                None,
            ))
            .unwrap();
    }

    fn keys(&mut self, keys: &[KeyEvent]) {
        self.run(
            keys.iter()
                .map(|k| Event::Terminal(TerminalEvent::Key(*k)))
                .collect(),
        );
    }

    fn screen(&self) -> String {
        support::screen::text(&self.terminal)
    }

    /// What the app asked the background for since the last call.
    fn sent(&mut self) -> Vec<Request> {
        let mut sent = Vec::new();
        while let Ok(request) = self.requests.try_recv() {
            if request != Request::RefreshKeyNames {
                sent.push(request);
            }
        }
        sent
    }

    fn focus_exercise(&mut self) {
        self.keys(&[key(KeyCode::F(6)), key(KeyCode::F(6))]);
        assert_eq!(self.app.focus(), Focus::Exercise);
    }

    /// Moves the test clock on.
    fn wait(&mut self, by: Duration) {
        self.clock_ms
            .fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }

    /// The quiz's current form, as the learner sees it.
    fn form(&self) -> Instance {
        let variant = self
            .app
            .progress()
            .exercise("keys-quiz")
            .variant
            .expect("the quiz has an attempt");
        support::course::quiz_course()
            .exercise("keys-quiz")
            .unwrap()
            .variant(variant)
    }

    /// The digit key of the choice written at `position` in the file, for question `question`.
    fn digit_of(&self, question: usize, position: usize) -> KeyEvent {
        let instance = self.form();
        let quiz: &Quiz = instance.kind.quiz().unwrap();
        let shown = quiz.questions[question].shown_number(position);
        key(KeyCode::Char(char::from_digit(shown as u32, 10).unwrap()))
    }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[track_caller]
fn assert_screen_contains(harness: &Harness, expected: &str) {
    let screen = harness.screen();
    assert!(
        screen.contains(expected),
        "the screen lacks {expected:?}:\n{screen}"
    );
}

#[track_caller]
fn assert_screen_lacks(harness: &Harness, unexpected: &str) {
    let screen = harness.screen();
    assert!(
        !screen.contains(unexpected),
        "the screen shows {unexpected:?}:\n{screen}"
    );
}

/// The sizes every state is snapshotted at.
const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (250, 70)];

fn snapshot_at_every_size(name: &str, setup: impl Fn(&mut Harness)) {
    for (width, height) in SIZES {
        let mut harness = Harness::new(width, height);
        setup(&mut harness);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), harness.screen());
    }
}

#[test]
fn snapshot_a_question_waiting_for_its_answer() {
    snapshot_at_every_size("quiz_question", |harness| {
        harness.focus_exercise();
        harness.keys(&[key(KeyCode::Down)]);
    });
}

#[test]
fn snapshot_a_wrong_answer_explained() {
    snapshot_at_every_size("quiz_wrong_answer", |harness| {
        harness.focus_exercise();
        let wrong = harness.digit_of(0, 1);
        harness.keys(&[wrong]);
    });
}

#[test]
fn snapshot_pick_all_with_marks() {
    snapshot_at_every_size("quiz_pick_all", |harness| {
        harness.focus_exercise();
        harness.keys(&[key(KeyCode::Right)]);
        let list = harness.digit_of(1, 0);
        harness.keys(&[list]);
    });
}

#[test]
fn snapshot_progress_with_quiz_scores_and_time() {
    snapshot_at_every_size("quiz_progress", |harness| {
        harness.focus_exercise();
        let right = harness.digit_of(0, 0);
        harness.wait(Duration::from_secs(150));
        harness.keys(&[right, key(KeyCode::Char('P'))]);
    });
}

/// A digit answers a pick-one question at once: the answer is kept (by its position in the
/// file), saved, and every choice is explained, right or wrong.
#[test]
fn a_digit_answers_at_once_and_every_choice_is_explained() {
    let mut harness = Harness::new(250, 70);
    harness.focus_exercise();
    assert_screen_contains(&harness, "Question 1 of 2");
    assert_screen_contains(&harness, "0/2 answered, 0 right");
    assert_screen_lacks(&harness, "A different case makes a different key.");
    let wrong = harness.digit_of(0, 1);
    harness.keys(&[wrong]);
    let state = harness.app.progress().exercise("keys-quiz");
    assert_eq!(state.answers["case"], vec![1]);
    assert_eq!(state.best_score, Some(0));
    assert!(!state.solved);
    assert_eq!(
        harness
            .saved
            .0
            .last()
            .unwrap()
            .exercise("keys-quiz")
            .answers["case"],
        vec![1],
        "an answer is saved at once"
    );
    for why in [
        "A different case makes a different key.",
        "Only command names ignore case; keys never do.",
        "Transactions change nothing about key names.",
    ] {
        assert_screen_contains(&harness, why);
    }
    assert_screen_contains(&harness, "✗ Not quite");
    assert_screen_contains(&harness, "(your answer)");
    assert_screen_contains(&harness, "1/2 answered, 0 right");
    // The answer stands: another digit only moves the selection.
    let right = harness.digit_of(0, 0);
    harness.keys(&[right]);
    assert_eq!(
        harness.app.progress().exercise("keys-quiz").answers["case"],
        vec![1]
    );
    assert_eq!(
        harness.sent(),
        [],
        "a quiz never asks the background to grade"
    );
}

/// Arrows select and Enter answers; on an answered question Enter goes on to the next one.
#[test]
fn arrows_and_enter_answer_then_move_on() {
    let mut harness = Harness::new(250, 70);
    harness.focus_exercise();
    let instance = harness.form();
    let shown = instance.kind.quiz().unwrap().questions[0].shown_number(0);
    let downs = vec![key(KeyCode::Down); shown - 1];
    harness.keys(&downs);
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(
        harness.app.progress().exercise("keys-quiz").answers["case"],
        vec![0]
    );
    assert_screen_contains(&harness, "✓ Right.");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_screen_contains(&harness, "Question 2 of 2");
    assert_screen_contains(&harness, "pick all that apply");
    harness.keys(&[key(KeyCode::Left)]);
    assert_screen_contains(&harness, "Question 1 of 2");
    harness.keys(&[key(KeyCode::Left)]);
    assert_eq!(
        harness.app.message(),
        Some("This is the quiz's first question.")
    );
}

/// In a pick-all question digits and Space mark choices; Enter answers with the marks. All
/// answers right solve the quiz, and the console says so.
#[test]
fn pick_all_marks_then_enter_answers_and_all_right_solves() {
    let mut harness = Harness::new(250, 70);
    harness.focus_exercise();
    let right = harness.digit_of(0, 0);
    harness.keys(&[right, key(KeyCode::Enter)]);
    assert_screen_contains(&harness, "Question 2 of 2");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(
        harness.app.message(),
        Some("Mark every right choice first (Space or its number), then Enter answers.")
    );
    let list = harness.digit_of(1, 0);
    let table = harness.digit_of(1, 1);
    let hash = harness.digit_of(1, 2);
    harness.keys(&[list, table, table, hash]);
    assert!(
        !harness
            .app
            .progress()
            .exercise("keys-quiz")
            .answers
            .contains_key("types"),
        "marks are no answer yet"
    );
    assert_screen_contains(&harness, "[x]");
    harness.keys(&[key(KeyCode::Enter)]);
    let state = harness.app.progress().exercise("keys-quiz");
    assert_eq!(state.answers["types"], vec![0, 2]);
    assert!(state.solved);
    assert_eq!(state.best_score, Some(2));
    assert_screen_contains(&harness, "✓ Solved");
    assert_screen_contains(&harness, "All 2 questions answered right.");
    assert_screen_contains(&harness, "\"Quiz: keys\": all 2 questions answered right.");
    assert!(harness.saved.0.last().unwrap().exercise("keys-quiz").solved);
}

/// `r` asks, then starts the quiz over in another form; the best score stays.
#[test]
fn r_retakes_the_quiz_in_another_order_and_keeps_the_best_score() {
    let mut harness = Harness::new(250, 70);
    harness.focus_exercise();
    let right = harness.digit_of(0, 0);
    harness.keys(&[right]);
    harness.keys(&[key(KeyCode::Char('r'))]);
    assert_eq!(
        harness.app.overlay(),
        Some(Overlay::Confirm(Question::Reset(0)))
    );
    assert_screen_contains(&harness, "Retake \"Quiz: keys\"?");
    harness.keys(&[key(KeyCode::Char('y'))]);
    let state = harness.app.progress().exercise("keys-quiz");
    assert!(state.answers.is_empty());
    assert_ne!(state.variant, Some(0), "another form");
    assert_eq!(state.best_score, Some(1));
    assert_screen_contains(&harness, "Question 1 of 2");
    assert_screen_contains(&harness, "0/2 answered, 0 right (best 1)");
    assert_eq!(harness.sent(), [], "a retake sets nothing up in Redis");
}

/// Hints, the solution, the editor and checks mean nothing for a quiz: each says what to do
/// instead, and nothing is counted or sent.
#[test]
fn hint_solution_edit_and_check_explain_themselves_on_a_quiz() {
    let mut harness = Harness::new(250, 70);
    harness.focus_exercise();
    for (key_char, says) in [
        ('h', "A quiz has no hints"),
        ('s', "Answer a question to see every choice explained"),
        ('e', "A quiz is answered in the exercise pane"),
        ('c', "0 of 2 answered, 0 right"),
    ] {
        harness.keys(&[key(KeyCode::Char(key_char))]);
        assert!(
            harness.app.message().is_some_and(|m| m.contains(says)),
            "{key_char}: {:?}",
            harness.app.message()
        );
        assert_eq!(harness.app.overlay(), None);
    }
    assert_eq!(harness.app.progress().exercise("keys-quiz").hints_used, 0);
    assert_eq!(harness.sent(), []);
    // The console's tutor commands say the same, and F5 checks nothing either.
    harness.keys(&[key(KeyCode::Char(':'))]);
    for c in "check".chars() {
        harness.keys(&[key(KeyCode::Char(c))]);
    }
    harness.keys(&[key(KeyCode::Enter), key(KeyCode::F(5))]);
    assert_screen_contains(&harness, "A quiz grades each answer as you give it");
    assert!(
        !harness
            .sent()
            .iter()
            .any(|r| matches!(r, Request::Check { .. })),
        "no check is sent for a quiz"
    );
}

/// The quiz's keys are in the status bar and the help while the quiz has the focus, and not
/// elsewhere: digits typed in the lesson answer nothing.
#[test]
fn quiz_keys_apply_only_in_the_exercise_pane() {
    let mut harness = Harness::new(250, 70);
    let right = harness.digit_of(0, 0);
    harness.keys(&[right]);
    assert!(
        harness
            .app
            .progress()
            .exercise("keys-quiz")
            .answers
            .is_empty()
    );
    harness.focus_exercise();
    assert_screen_contains(&harness, "1-9 answer");
    harness.keys(&[key(KeyCode::F(1))]);
    assert_screen_contains(&harness, "Quiz (in the exercise pane)");
}

/// A finished quiz is not where "continue" leads, even with a wrong answer in it.
#[test]
fn continue_skips_a_finished_quiz() {
    let mut harness = Harness::new(250, 70);
    harness.focus_exercise();
    let wrong = harness.digit_of(0, 1);
    harness.keys(&[wrong]);
    let table = harness.digit_of(1, 1);
    harness.keys(&[key(KeyCode::Right), table, key(KeyCode::Enter)]);
    assert!(!harness.app.progress().exercise("keys-quiz").solved);
    assert_screen_contains(
        &harness,
        "0 of 2 answered right, below the pass mark of 2: r retakes",
    );
    assert_screen_contains(&harness, "▸ continue: Fix the gre");
}

/// Study time: pauses of up to five minutes count, longer ones do not, and the time goes to
/// the chapter open in the lesson pane; the progress view shows it.
#[test]
fn time_studied_counts_active_time_per_chapter() {
    let mut harness = Harness::new(250, 70);
    harness.wait(Duration::from_secs(120));
    harness.keys(&[key(KeyCode::Down)]);
    harness.wait(Duration::from_secs(240));
    harness.keys(&[key(KeyCode::Down)]);
    assert_eq!(
        harness.app.progress().seconds_studied("01-keys"),
        360,
        "two pauses of two and four minutes"
    );
    harness.wait(Duration::from_secs(20 * 60));
    harness.keys(&[key(KeyCode::Up)]);
    assert_eq!(
        harness.app.progress().seconds_studied("01-keys"),
        360,
        "twenty minutes away count nothing"
    );
    // On to chapter 2: from now on its time.
    harness.keys(&[key(KeyCode::Char('>')), key(KeyCode::Char('>'))]);
    harness.wait(Duration::from_secs(90));
    harness.keys(&[key(KeyCode::Down)]);
    assert_eq!(harness.app.progress().seconds_studied("02-strings"), 90);
    assert_eq!(harness.app.progress().seconds_studied("01-keys"), 360);
    assert!(
        harness
            .saved
            .0
            .iter()
            .any(|p| p.seconds_studied("01-keys") >= 360),
        "study time is saved"
    );
    harness.keys(&[key(KeyCode::Char('P'))]);
    assert_screen_contains(&harness, "studied");
    assert_screen_contains(&harness, "6 min");
    assert_screen_contains(&harness, "1 min");
}

/// Answers survive a restart: the quiz opens at its first unanswered question.
#[test]
fn the_quiz_opens_where_the_learner_left_it() {
    let mut first = Harness::new(250, 70);
    first.focus_exercise();
    let right = first.digit_of(0, 0);
    first.keys(&[right]);
    let progress = first.app.progress().clone();
    let mut again = Harness::with_progress(250, 70, progress);
    again.keys(&[]);
    assert_screen_contains(&again, "Question 2 of 2");
    assert_screen_contains(&again, "1/2 answered, 1 right");
}

#[test]
fn the_course_file_loads() {
    let course: Course = support::course::quiz_course();
    assert_eq!(course.exercises[0].kind.name(), "quiz");
}

/// A click on a choice answers with it, as its digit would, and gives the pane the keys.
#[test]
fn a_click_on_a_choice_answers_with_it() {
    use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut harness = Harness::new(120, 40);
    harness.keys(&[]);
    let screen = harness.screen();
    let (row, line) = screen
        .lines()
        .enumerate()
        .find(|(_, line)| line.contains("Only inside MULTI."))
        .expect("the choice is on screen");
    let column = line
        .chars()
        .collect::<Vec<_>>()
        .windows(4)
        .position(|w| w.iter().collect::<String>() == "Only")
        .unwrap();
    harness.run(vec![Event::Terminal(TerminalEvent::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: column as u16,
        row: row as u16,
        modifiers: KeyModifiers::NONE,
    }))]);
    assert_eq!(harness.app.focus(), Focus::Exercise);
    assert_eq!(
        harness.app.progress().exercise("keys-quiz").answers["case"],
        vec![2],
        "the third choice in the file"
    );
    assert_screen_contains(&harness, "(your answer)");
    assert_screen_contains(&harness, "Transactions change nothing");
}

/// j/k move the selection like ↑↓; Space answers a pick-one question with the selected choice
/// and marks a choice of a pick-all question.
#[test]
fn j_k_and_space_select_mark_and_answer() {
    let mut harness = Harness::new(250, 70);
    harness.focus_exercise();
    let shown = harness.form().kind.quiz().unwrap().questions[0].shown_number(0);
    // Down past the last choice (the selection stops there), up to the top, then down to it.
    let mut moves = vec![key(KeyCode::Char('j')); 5];
    moves.extend(vec![key(KeyCode::Char('k')); 5]);
    moves.extend(vec![key(KeyCode::Char('j')); shown - 1]);
    harness.keys(&moves);
    harness.keys(&[key(KeyCode::Char(' '))]);
    assert_eq!(
        harness.app.progress().exercise("keys-quiz").answers["case"],
        vec![0],
        "Space answered with the selected choice"
    );
    harness.keys(&[key(KeyCode::Enter), key(KeyCode::Char(' '))]);
    assert_screen_contains(&harness, "[x]");
    assert!(
        !harness
            .app
            .progress()
            .exercise("keys-quiz")
            .answers
            .contains_key("types"),
        "a mark is no answer"
    );
}

/// While the terminal reports another window in front, study time stops.
#[test]
fn time_with_another_window_in_front_counts_nothing() {
    let mut harness = Harness::new(120, 40);
    harness.wait(Duration::from_secs(60));
    harness.run(vec![Event::Terminal(TerminalEvent::FocusLost)]);
    harness.wait(Duration::from_secs(180));
    harness.run(vec![Event::Terminal(TerminalEvent::FocusGained)]);
    harness.wait(Duration::from_secs(30));
    harness.keys(&[key(KeyCode::Down)]);
    assert_eq!(
        harness.app.progress().seconds_studied("01-keys"),
        90,
        "a minute before, half a minute after, nothing in between"
    );
}
