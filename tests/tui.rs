//! The TUI driven through its real main loop on ratatui's TestBackend: screen snapshots of the
//! main states, key and mouse handling, resizing, and what it asks the background to do.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    Event as TerminalEvent, KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind,
};
use redis_tutor::course::progress::Progress;
mod support;

use redis_tutor::course::{Course, PageRef};
use redis_tutor::grader::{CheckOutcome, Report};
use redis_tutor::tui::{
    App, AppOptions, ConsoleLine, ConsoleLineKind, Event, Focus, LoopObserver, Overlay, Palette,
    Question, Request, run_loop,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{self, UnboundedReceiver};

/// A small course for the tests: two chapters, three exercises.
fn fixture_course() -> Course {
    let mut first = String::from("# Strings and keys\n\nRedis stores **values** under keys.\n\n");
    for n in 1..=60 {
        if n == 40 {
            first.push_str("## Expiry\n\n");
        }
        first.push_str(&format!("Line {n} of the first lesson.\n\n"));
    }
    let second = "# Lists\n\nA list keeps insertion order.\n\n```redis\nRPUSH queue a b\nLRANGE queue 0 -1\n```\n\n**1. Why a list?**\n\n<details>\n<summary>Answer</summary>\n\nLists keep their order.\n\n</details>\n";
    let exercise = support::course::exercise;
    Course {
        chapters: vec![
            support::course::chapter(1, "strings", "Strings", &first),
            support::course::chapter(2, "lists", "Lists", second),
        ],
        exercises: vec![
            exercise(
                "store-greeting",
                1,
                "Store a greeting",
                "Set `greeting` to `hello`.",
                &["Use SET.", "SET greeting hello"],
            ),
            exercise(
                "count-visits",
                1,
                "Count visits",
                "Make `visits` reach 3.",
                &["INCR adds one."],
            ),
            exercise(
                "queue",
                2,
                "A queue",
                "Push `a` then `b` onto `queue`.",
                &[],
            ),
        ],
    }
}

fn page(chapter: usize, lesson: usize) -> PageRef {
    PageRef { chapter, lesson }
}

fn outcome(name: &str, passed: bool, detail: &str, hint: Option<&str>) -> CheckOutcome {
    CheckOutcome {
        id: name.replace(' ', "-"),
        name: name.into(),
        passed,
        detail: detail.into(),
        hint: hint.map(String::from),
        log: vec![],
    }
}

fn report(checks: Vec<CheckOutcome>) -> Report {
    Report {
        exercise: "store-greeting".into(),
        variant: 0,
        checks,
        notes: vec![],
    }
}

/// Records when the loop asks for progress to be saved.
#[derive(Default)]
struct SavedProgress(Vec<Progress>);

impl LoopObserver for SavedProgress {
    fn progress_changed(&mut self, app: &App) {
        self.0.push(app.progress().clone());
    }
}

/// The app on a TestBackend, with a clock the test moves by hand.
struct Harness {
    app: App,
    terminal: Terminal<TestBackend>,
    requests: UnboundedReceiver<Request>,
    saved: SavedProgress,
    clock_ms: Arc<AtomicU64>,
    /// What the app asked for while starting.
    startup_requests: Vec<Request>,
}

impl Harness {
    fn new(width: u16, height: u16) -> Harness {
        Harness::with_progress(width, height, Progress::default())
    }

    fn with_progress(width: u16, height: u16, progress: Progress) -> Harness {
        let (requests_tx, requests) = mpsc::unbounded_channel();
        let base = Instant::now();
        let clock_ms = Arc::new(AtomicU64::new(0));
        let clock = Arc::clone(&clock_ms);
        let app = App::new(AppOptions {
            course: Arc::new(fixture_course()),
            progress,
            backend_description: "embedded Redis 7.0.15 on 127.0.0.1:40000".into(),
            initial_prompt: "127.0.0.1:40000> ".into(),
            history: vec![],
            requests: requests_tx,
            now: Arc::new(move || base + Duration::from_millis(clock.load(Ordering::SeqCst))),
            argument_hints: Arc::new(|input: &str| {
                input
                    .eq_ignore_ascii_case("set")
                    .then(|| "key value [NX|XX]".to_string())
            }),
            palette: Palette::Dark,
        });
        let mut harness = Harness {
            app,
            terminal: Terminal::new(TestBackend::new(width, height)).unwrap(),
            requests,
            saved: SavedProgress::default(),
            clock_ms,
            startup_requests: vec![],
        };
        harness.startup_requests = harness.sent();
        harness
    }

    /// Feeds `events` through the real main loop, which draws and returns once they are used.
    fn run(&mut self, events: Vec<Event>) {
        let (tx, mut rx) = mpsc::unbounded_channel();
        for event in events {
            tx.send(event).unwrap();
        }
        drop(tx);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime
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

    fn type_text(&mut self, text: &str) {
        let keys: Vec<KeyEvent> = text.chars().map(|c| key(KeyCode::Char(c))).collect();
        self.keys(&keys);
    }

    fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.run(vec![Event::Terminal(TerminalEvent::Resize(width, height))]);
    }

    fn screen(&self) -> String {
        support::screen::text(&self.terminal)
    }

    /// What the app asked the background for since the last call (the key-name refreshes
    /// that follow every command aside).
    fn sent(&mut self) -> Vec<Request> {
        let mut sent = Vec::new();
        while let Ok(request) = self.requests.try_recv() {
            if request != Request::RefreshKeyNames {
                sent.push(request);
            }
        }
        sent
    }

    fn focus_console(&mut self) {
        self.keys(&[key(KeyCode::Tab)]);
        assert_eq!(self.app.focus(), Focus::Console);
    }

    fn focus_exercise(&mut self) {
        self.keys(&[key(KeyCode::F(6)), key(KeyCode::F(6))]);
        assert_eq!(self.app.focus(), Focus::Exercise);
    }

    /// The console answers every command sent so far with `reply`.
    fn answer(&mut self, reply: &str) {
        let answers: Vec<Event> = self
            .sent()
            .into_iter()
            .filter(|request| matches!(request, Request::ConsoleLine(_) | Request::LessonLine(_)))
            .flat_map(|_| {
                [
                    Event::ConsoleOutput(vec![ConsoleLine::new(ConsoleLineKind::Reply, reply)]),
                    Event::ConsoleReady {
                        prompt: "127.0.0.1:40000> ".into(),
                    },
                ]
            })
            .collect();
        self.run(answers);
    }
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Event {
    Event::Terminal(TerminalEvent::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }))
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

#[track_caller]
fn assert_screen_contains(harness: &Harness, expected: &str) {
    let screen = harness.screen();
    assert!(
        screen.contains(expected),
        "expected the screen to contain {expected:?}; found:\n{screen}"
    );
}

#[track_caller]
fn assert_screen_lacks(harness: &Harness, unexpected: &str) {
    let screen = harness.screen();
    assert!(
        !screen.contains(unexpected),
        "expected the screen not to contain {unexpected:?}; found:\n{screen}"
    );
}

fn failing_report() -> Event {
    Event::Checked {
        exercise: 0,
        outcome: Ok(report(vec![
            outcome("greeting exists", true, "", None),
            outcome(
                "greeting is hello",
                false,
                "expected \"hello\", found \"helo\"",
                Some("Check the spelling of the value."),
            ),
        ])),
    }
}

fn console_session(harness: &mut Harness) {
    harness.focus_console();
    harness.type_text("SET greeting hello");
    harness.keys(&[key(KeyCode::Enter)]);
    harness.run(vec![
        Event::ConsoleOutput(vec![ConsoleLine::new(ConsoleLineKind::Reply, "OK")]),
        Event::ConsoleReady {
            prompt: "127.0.0.1:40000> ".into(),
        },
    ]);
    harness.type_text("INCR greeting");
    harness.keys(&[key(KeyCode::Enter)]);
    harness.run(vec![
        Event::ConsoleOutput(vec![ConsoleLine::new(
            ConsoleLineKind::Error,
            "(error) ERR value is not an integer or out of range",
        )]),
        Event::ConsoleReady {
            prompt: "127.0.0.1:40000> ".into(),
        },
    ]);
    harness.type_text("set");
}

/// The sizes every pane and overlay is snapshotted at: a small terminal, a common one and a
/// very large one.
const SNAPSHOT_SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (250, 70)];

/// Snapshots the screen after `setup` at every size of [`SNAPSHOT_SIZES`].
fn snapshot_at_every_size(name: &str, setup: impl Fn(&mut Harness)) {
    for (width, height) in SNAPSHOT_SIZES {
        let mut harness = Harness::new(width, height);
        setup(&mut harness);
        harness.run(vec![]);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), harness.screen());
    }
}

#[test]
fn snapshot_lesson_focused() {
    snapshot_at_every_size("lesson", |_| {});
}

#[test]
fn snapshot_lesson_with_a_selected_block_and_an_answer_revealed() {
    snapshot_at_every_size("lesson_blocks", |harness| {
        harness.keys(&[key(KeyCode::Char('>')), key(KeyCode::Char('>'))]);
        harness.keys(&[key(KeyCode::Char('b')), key(KeyCode::Char('b'))]);
        harness.keys(&[key(KeyCode::Enter), key(KeyCode::Char('B'))]);
    });
}

#[test]
fn snapshot_lesson_search() {
    snapshot_at_every_size("lesson_search", |harness| {
        harness.type_text("/first lesson");
    });
}

#[test]
fn snapshot_console_with_output() {
    snapshot_at_every_size("console", console_session);
}

#[test]
fn snapshot_console_completion() {
    snapshot_at_every_size("console_completion", |harness| {
        harness.focus_console();
        harness.type_text("set");
        harness.keys(&[key(KeyCode::Tab)]);
    });
}

#[test]
fn snapshot_exercise_with_failing_report() {
    snapshot_at_every_size("exercise_failing", |harness| {
        harness.focus_exercise();
        harness.keys(&[key(KeyCode::Char('c'))]);
        harness.run(vec![failing_report()]);
        harness.keys(&[key(KeyCode::Char('h')), key(KeyCode::Char('y'))]);
    });
}

#[test]
fn snapshot_help_overlay() {
    snapshot_at_every_size("help", |harness| {
        harness.keys(&[key(KeyCode::Char('?'))]);
        assert_eq!(harness.app.overlay(), Some(Overlay::Help));
    });
}

#[test]
fn snapshot_questions_contents_and_progress() {
    snapshot_at_every_size("quit_question", |harness| {
        harness.keys(&[key(KeyCode::Char('q'))]);
    });
    snapshot_at_every_size("contents", |harness| {
        harness.keys(&[key(KeyCode::Char('t'))]);
    });
    snapshot_at_every_size("progress", |harness| {
        harness.keys(&[key(KeyCode::Char('P'))]);
    });
}

#[test]
fn snapshot_course_list() {
    snapshot_at_every_size("sidebar", |harness| {
        harness.keys(&[key(KeyCode::BackTab)]);
        assert_eq!(harness.app.focus(), Focus::Sidebar);
    });
}

#[test]
fn snapshot_stacked_layout() {
    let mut harness = Harness::new(70, 24);
    console_session(&mut harness);
    insta::assert_snapshot!("stacked_70x24", harness.screen());
}

#[test]
fn snapshot_terminal_too_small() {
    let mut harness = Harness::new(50, 12);
    harness.run(vec![]);
    assert_screen_contains(&harness, "Terminal too small: 50x12, need at least");
    insta::assert_snapshot!("too_small_50x12", harness.screen());
}

/// Tab completes in the console, so the focus moves with F6 there (and Tab elsewhere).
#[test]
fn focus_keys_never_collide_with_completion() {
    let mut harness = Harness::new(80, 24);
    assert_eq!(harness.app.focus(), Focus::Lesson);
    harness.keys(&[key(KeyCode::Tab)]);
    assert_eq!(harness.app.focus(), Focus::Console);
    harness.type_text("pin");
    harness.keys(&[key(KeyCode::Tab)]);
    assert_eq!(harness.app.focus(), Focus::Console, "Tab completes here");
    assert_eq!(harness.app.console_input(), "PING ");
    harness.keys(&[key(KeyCode::F(6))]);
    assert_eq!(harness.app.focus(), Focus::Exercise);
    harness.keys(&[key(KeyCode::Tab)]);
    assert_eq!(harness.app.focus(), Focus::Sidebar);
    harness.keys(&[key(KeyCode::Tab)]);
    assert_eq!(harness.app.focus(), Focus::Lesson);
    harness.keys(&[key(KeyCode::BackTab)]);
    assert_eq!(harness.app.focus(), Focus::Sidebar);
    harness.keys(&[
        KeyEvent::new(KeyCode::F(6), KeyModifiers::SHIFT),
        KeyEvent::new(KeyCode::F(6), KeyModifiers::SHIFT),
    ]);
    assert_eq!(harness.app.focus(), Focus::Console);
    harness.keys(&[key(KeyCode::Esc)]);
    assert_eq!(harness.app.focus(), Focus::Lesson);
}

#[test]
fn lesson_scrolls_and_keeps_its_position_per_chapter() {
    let mut harness = Harness::new(80, 24);
    harness.run(vec![]);
    assert_screen_contains(&harness, "Strings and keys");
    harness.keys(&[key(KeyCode::Char('j')), key(KeyCode::Down)]);
    assert_eq!(harness.app.lesson_scroll(), 2);
    harness.keys(&[key(KeyCode::Char('k'))]);
    assert_eq!(harness.app.lesson_scroll(), 1);
    harness.keys(&[key(KeyCode::PageDown)]);
    let after_page = harness.app.lesson_scroll();
    assert!(
        after_page > 1,
        "PgDn should move a page, scroll is {after_page}"
    );
    harness.keys(&[key(KeyCode::End)]);
    assert_screen_contains(&harness, "Line 60 of the first lesson.");
    assert_screen_lacks(&harness, "Redis stores values under keys.");
    let bottom = harness.app.lesson_scroll();
    harness.keys(&[key(KeyCode::Down)]);
    assert_eq!(
        harness.app.lesson_scroll(),
        bottom,
        "scrolling stops at the end"
    );

    harness.keys(&[key(KeyCode::Char('>'))]);
    assert_eq!(
        harness.app.current_page(),
        page(1, 0),
        "chapter 2's introduction"
    );
    assert_screen_contains(&harness, "The chapter on Lists.");
    harness.keys(&[key(KeyCode::Char('>'))]);
    assert_eq!(harness.app.current_page(), page(1, 1));
    assert_eq!(harness.app.lesson_scroll(), 0);
    assert_screen_contains(&harness, "A list keeps insertion order.");
    harness.keys(&[key(KeyCode::Char('<')), key(KeyCode::Char('<'))]);
    assert_eq!(harness.app.current_page(), page(0, 1));
    assert_eq!(harness.app.lesson_scroll(), bottom);
    harness.keys(&[key(KeyCode::Home)]);
    assert_eq!(harness.app.lesson_scroll(), 0);
}

#[test]
fn ctrl_c_in_the_console_clears_the_line_then_asks_to_quit() {
    let mut harness = Harness::new(80, 24);
    harness.focus_console();
    harness.type_text("GET key");
    harness.keys(&[ctrl('c')]);
    assert_eq!(harness.app.console_input(), "");
    assert_eq!(
        harness.app.overlay(),
        None,
        "the first Ctrl-C only clears the line"
    );
    harness.keys(&[ctrl('c')]);
    assert_eq!(
        harness.app.overlay(),
        Some(Overlay::Confirm(Question::Quit))
    );
    assert_screen_contains(&harness, "Leave the tutor?");
    harness.keys(&[ctrl('c')]);
    assert!(harness.app.should_quit(), "Ctrl-C twice quits");
}

#[test]
fn q_asks_once_and_is_text_in_the_console() {
    let mut harness = Harness::new(80, 24);
    harness.focus_console();
    harness.type_text("q");
    assert_eq!(harness.app.overlay(), None);
    assert_eq!(harness.app.console_input(), "q");
    harness.keys(&[key(KeyCode::Esc)]);
    assert_eq!(harness.app.focus(), Focus::Lesson);
    harness.keys(&[key(KeyCode::Char('q'))]);
    assert!(!harness.app.should_quit());
    harness.keys(&[key(KeyCode::Char('n'))]);
    assert_eq!(harness.app.overlay(), None);
    harness.keys(&[key(KeyCode::Char('q')), key(KeyCode::Char('y'))]);
    assert!(harness.app.should_quit());
}

/// Typing `help SET` outside the console once revealed a hint; hints now take the exercise
/// pane and a yes.
#[test]
fn hints_are_revealed_one_at_a_time_after_asking_and_saved() {
    let mut harness = Harness::new(120, 40);
    harness.type_text("help set");
    assert_eq!(
        harness.app.progress().exercise("store-greeting").hints_used,
        0
    );
    harness.keys(&[key(KeyCode::Esc), key(KeyCode::Esc)]);
    harness.focus_exercise();
    harness.keys(&[key(KeyCode::Char('h'))]);
    assert_eq!(
        harness.app.overlay(),
        Some(Overlay::Confirm(Question::Hint(0)))
    );
    assert_screen_contains(&harness, "Reveal hint 1 of 2?");
    harness.keys(&[key(KeyCode::Char('y'))]);
    assert_screen_contains(&harness, "Hint 1 of 2");
    assert_screen_contains(&harness, "Use SET.");
    assert_screen_lacks(&harness, "Hint 2 of 2");
    assert_eq!(
        harness.app.progress().exercise("store-greeting").hints_used,
        1
    );
    for _ in 0..2 {
        harness.keys(&[key(KeyCode::Char('h')), key(KeyCode::Char('y'))]);
    }
    assert_eq!(
        harness.app.progress().exercise("store-greeting").hints_used,
        2,
        "no more hints than the exercise has"
    );
    assert_screen_contains(&harness, "No hints left for this exercise.");
    let last_saved = harness.saved.0.last().expect("progress saved after a hint");
    assert_eq!(last_saved.exercise("store-greeting").hints_used, 2);
}

#[test]
fn console_input_editing_and_history() {
    let mut harness = Harness::new(80, 24);
    harness.focus_console();
    harness.type_text("GET key");
    harness.keys(&[
        key(KeyCode::Home),
        key(KeyCode::Delete),
        key(KeyCode::Delete),
        key(KeyCode::Delete),
    ]);
    harness.type_text("TTL");
    assert_eq!(harness.app.console_input(), "TTL key");
    harness.keys(&[key(KeyCode::End), ctrl('w')]);
    assert_eq!(harness.app.console_input(), "TTL ");
    harness.type_text("k1");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(harness.sent(), [Request::ConsoleLine("TTL k1".into())]);
    harness.type_text("draft");
    harness.keys(&[key(KeyCode::Up)]);
    assert_eq!(harness.app.console_input(), "TTL k1");
    harness.keys(&[key(KeyCode::Down)]);
    assert_eq!(harness.app.console_input(), "draft");
    harness.keys(&[key(KeyCode::Left), key(KeyCode::Left), ctrl('k')]);
    assert_eq!(harness.app.console_input(), "dra");
    harness.keys(&[key(KeyCode::Left), ctrl('u')]);
    assert_eq!(harness.app.console_input(), "a");
    harness.keys(&[
        key(KeyCode::Backspace),
        key(KeyCode::Right),
        key(KeyCode::Backspace),
    ]);
    assert_eq!(harness.app.console_input(), "");
}

#[test]
fn argument_hint_follows_the_cursor_in_grey() {
    let mut harness = Harness::new(120, 40);
    harness.focus_console();
    harness.type_text("set");
    assert_screen_contains(&harness, "127.0.0.1:40000> set key value [NX|XX]");
    harness.keys(&[key(KeyCode::Left)]);
    assert_screen_lacks(&harness, "key value [NX|XX]");
}

#[test]
fn running_command_shows_elapsed_time_until_the_reply() {
    let mut harness = Harness::new(120, 40);
    harness.focus_console();
    harness.type_text("BLPOP jobs 0");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(
        harness.sent(),
        [Request::ConsoleLine("BLPOP jobs 0".into())]
    );
    harness.clock_ms.store(2500, Ordering::SeqCst);
    harness.app.mark_dirty();
    harness.run(vec![]);
    assert_screen_contains(&harness, "running… 2.5s");
    harness.run(vec![
        Event::ConsoleOutput(vec![ConsoleLine::new(
            ConsoleLineKind::Reply,
            "1) \"jobs\"",
        )]),
        Event::ConsoleReady {
            prompt: "127.0.0.1:40000> ".into(),
        },
    ]);
    assert_screen_lacks(&harness, "running…");
    assert_screen_contains(&harness, "1) \"jobs\"");
}

#[test]
fn checking_sends_a_request_and_a_full_pass_marks_the_exercise_solved() {
    let mut harness = Harness::new(120, 40);
    harness.keys(&[key(KeyCode::F(5))]);
    assert_eq!(
        harness.sent(),
        [Request::Check {
            exercise: 0,
            variant: 0
        }]
    );
    assert_screen_contains(&harness, "checking… 0.0s");
    harness.keys(&[key(KeyCode::F(5))]);
    assert_eq!(harness.sent(), [], "no second check while one is running");
    harness.run(vec![failing_report()]);
    assert_screen_contains(&harness, "✗ greeting is hello");
    assert_screen_contains(&harness, "1 of 2 checks");
    assert_screen_contains(&harness, "expected \"hello\", found \"helo\"");
    assert!(!harness.app.progress().exercise("store-greeting").solved);

    harness.keys(&[key(KeyCode::F(5))]);
    harness.run(vec![Event::Checked {
        exercise: 0,
        outcome: Ok(report(vec![outcome("greeting is hello", true, "", None)])),
    }]);
    assert!(harness.app.progress().exercise("store-greeting").solved);
    assert_screen_contains(&harness, "✓ Solved");
    assert_screen_contains(&harness, "✓ All 1 checks passed.");
    assert_screen_contains(&harness, "Next: Count visits (F7, or x outside");
    harness.keys(&[key(KeyCode::F(7))]);
    assert_eq!(harness.app.current_exercise(), Some(1));
    harness.keys(&[key(KeyCode::F(7)), key(KeyCode::F(7))]);
    assert_eq!(harness.app.current_exercise(), Some(2));
    assert_screen_contains(&harness, "This is the last exercise of the course.");
    assert!(
        harness
            .saved
            .0
            .last()
            .unwrap()
            .exercise("store-greeting")
            .solved
    );
}

#[test]
fn reset_asks_for_confirmation() {
    let mut harness = Harness::new(120, 40);
    harness.keys(&[key(KeyCode::Char('r'))]);
    assert_eq!(harness.app.overlay(), None, "r does nothing in the lesson");
    harness.focus_exercise();
    harness.keys(&[key(KeyCode::Char('r'))]);
    assert_eq!(
        harness.app.overlay(),
        Some(Overlay::Confirm(Question::Reset(0)))
    );
    assert_screen_contains(&harness, "Reset \"Store a greeting\"?");
    harness.keys(&[key(KeyCode::Char('n'))]);
    assert_eq!(harness.app.overlay(), None);
    assert_eq!(harness.sent(), []);
    harness.keys(&[key(KeyCode::Char('r')), key(KeyCode::Char('y'))]);
    assert_eq!(
        harness.sent(),
        [Request::Reset {
            exercise: 0,
            variant: 0
        }]
    );
    harness.run(vec![Event::ResetDone {
        exercise: 0,
        outcome: Ok(()),
    }]);
    assert_screen_contains(&harness, "was reset");
}

#[test]
fn sidebar_enter_opens_the_selected_exercise() {
    let mut harness = Harness::new(120, 40);
    harness.keys(&[key(KeyCode::BackTab)]);
    assert_eq!(harness.app.focus(), Focus::Sidebar);
    // Rows: continue, chapter 1, its lesson, its two exercises, chapter 2, its lesson, its
    // exercise; the first exercise is selected.
    harness.keys(&[key(KeyCode::Down); 4]);
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(harness.app.current_exercise(), Some(2));
    assert_eq!(harness.app.current_page(), page(1, 1));
    assert_screen_contains(&harness, "Push a then b onto queue.");
    assert_eq!(
        harness.sent(),
        [Request::OpenExercise {
            exercise: 2,
            variant: 0,
            fresh: true
        }]
    );
    let saved = harness
        .saved
        .0
        .last()
        .expect("opening an exercise saves progress");
    assert_eq!(saved.current_exercise.as_deref(), Some("queue"));
    assert_eq!(saved.current_page.as_deref(), Some("02-lists/01-lists"));
}

#[test]
fn resumes_where_the_learner_left_off() {
    let mut progress = Progress::default();
    progress.exercise_mut("store-greeting").solved = true;
    progress.exercise_mut("count-visits").variant = Some(0);
    progress.current_page = Some("01-strings/01-strings".into());
    progress.current_exercise = Some("count-visits".into());
    progress
        .page_scroll
        .insert("01-strings/01-strings".into(), 30);
    let mut harness = Harness::with_progress(120, 40, progress);
    assert_eq!(
        harness.startup_requests,
        [Request::OpenExercise {
            exercise: 1,
            variant: 0,
            fresh: false
        }],
        "the exercise worked on last time is prepared again, not started over"
    );
    harness.run(vec![]);
    assert_eq!(harness.app.current_exercise(), Some(1));
    assert_eq!(harness.app.lesson_scroll(), 30);
    assert_screen_contains(&harness, "Make visits reach 3.");
    assert_screen_lacks(&harness, "Redis stores values under keys.");
    assert_screen_contains(&harness, "✓ Store a greeting");
    assert_screen_contains(&harness, "▸ Count visits");
}

#[test]
fn mouse_wheel_scrolls_the_pane_under_the_pointer() {
    let mut harness = Harness::new(120, 40);
    harness.run(vec![]);
    let wheel = |kind, column, row| {
        Event::Terminal(TerminalEvent::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }))
    };
    // The lesson sits right of the 26-column sidebar.
    harness.run(vec![wheel(MouseEventKind::ScrollDown, 40, 10)]);
    assert_eq!(harness.app.lesson_scroll(), 3);
    harness.run(vec![wheel(MouseEventKind::ScrollUp, 40, 10)]);
    assert_eq!(harness.app.lesson_scroll(), 0);
    assert_eq!(
        harness.app.focus(),
        Focus::Lesson,
        "the wheel does not move the focus"
    );
}

#[test]
fn no_size_makes_drawing_panic() {
    let mut harness = Harness::new(1, 1);
    console_session(&mut harness);
    harness.run(vec![failing_report()]);
    let mut sizes = vec![
        (1, 1),
        (2, 1),
        (1, 2),
        (59, 16),
        (60, 15),
        (60, 16),
        (300, 100),
    ];
    for width in (1..=300).step_by(23) {
        for height in (1..=100).step_by(9) {
            sizes.push((width, height));
        }
    }
    for (width, height) in sizes {
        harness.resize(width, height);
        for _pane in 0..4 {
            harness.keys(&[key(KeyCode::Tab), key(KeyCode::PageDown), key(KeyCode::End)]);
        }
        harness.keys(&[key(KeyCode::F(1))]);
        harness.keys(&[key(KeyCode::F(1))]);
    }
    assert!(!harness.app.should_quit());
}

#[test]
fn clicking_a_sidebar_row_opens_it() {
    let mut harness = Harness::new(120, 40);
    harness.run(vec![]);
    // Row 0 is the border, row 1 the summary, then continue, chapter 1, its lesson, its two
    // exercises, chapter 2, its lesson.
    harness.run(vec![mouse(
        MouseEventKind::Down(ratatui::crossterm::event::MouseButton::Left),
        5,
        8,
    )]);
    assert_eq!(harness.app.focus(), Focus::Sidebar);
    assert_eq!(harness.app.current_page(), page(1, 1));
    assert_screen_contains(&harness, "A list keeps insertion order.");
}

#[test]
fn help_lists_every_key_and_scrolls_when_it_does_not_fit() {
    let mut harness = Harness::new(80, 24);
    harness.keys(&[key(KeyCode::Char('?'))]);
    assert_screen_contains(&harness, "Lesson");
    assert_screen_contains(&harness, "search the lesson");
    assert_screen_lacks(&harness, "leave the console");
    for _ in 0..40 {
        harness.keys(&[key(KeyCode::PageDown)]);
    }
    assert_screen_contains(&harness, "close");
    harness.keys(&[key(KeyCode::Esc)]);
    assert_eq!(harness.app.overlay(), None);
    assert_screen_lacks(&harness, "leave the console");
}

#[test]
fn enter_in_the_lesson_runs_the_visible_redis_block() {
    let mut harness = Harness::new(120, 40);
    harness.keys(&[key(KeyCode::Char('>')), key(KeyCode::Char('>'))]);
    harness.keys(&[key(KeyCode::Char('b'))]);
    assert_screen_contains(&harness, "Enter runs: RPUSH queue a b (+1 more)");
    harness.sent();
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(
        harness.sent(),
        [Request::LessonLine("RPUSH queue a b".into())],
        "the second command waits for the first one's reply; a lesson block is not exercise work"
    );
    assert_screen_lacks(&harness, "> LRANGE queue 0 -1");
    harness.run(vec![
        Event::ConsoleOutput(vec![ConsoleLine::new(
            ConsoleLineKind::Reply,
            "(integer) 2",
        )]),
        Event::ConsoleReady {
            prompt: "127.0.0.1:40000> ".into(),
        },
    ]);
    assert_eq!(
        harness.sent(),
        [Request::LessonLine("LRANGE queue 0 -1".into())]
    );
    let screen = harness.screen();
    let rpush = screen.find("> RPUSH queue a b").expect("RPUSH echoed");
    let reply = screen.find("(integer) 2").expect("its reply shown");
    let lrange = screen.find("> LRANGE queue 0 -1").expect("LRANGE echoed");
    assert!(
        rpush < reply && reply < lrange,
        "each reply follows its command:\n{screen}"
    );
    assert_screen_contains(&harness, "✓ ran");
    assert_eq!(harness.app.focus(), Focus::Lesson);
}

#[test]
fn enter_with_nothing_runnable_says_why() {
    let mut harness = Harness::new(120, 40);
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(harness.sent(), []);
    assert_screen_contains(&harness, "This page has no runnable ```redis block");
}

#[test]
fn answers_stay_hidden_until_revealed_with_enter_or_a_click() {
    let mut harness = Harness::new(120, 40);
    harness.keys(&[key(KeyCode::Char('>')), key(KeyCode::Char('>'))]);
    assert_screen_contains(&harness, "▸ Answer (Enter to reveal)");
    assert_screen_lacks(&harness, "Lists keep their order.");
    harness.keys(&[key(KeyCode::Char('b')), key(KeyCode::Char('b'))]);
    assert_screen_contains(&harness, "Enter reveals the answer");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_screen_contains(&harness, "▾ Answer");
    assert_screen_contains(&harness, "Lists keep their order.");
    let row = harness
        .screen()
        .lines()
        .position(|line| line.contains("▾ Answer"))
        .unwrap() as u16;
    let click = mouse(
        MouseEventKind::Down(ratatui::crossterm::event::MouseButton::Left),
        40,
        row,
    );
    harness.run(vec![click]);
    assert_screen_lacks(&harness, "Lists keep their order.");
}

#[test]
fn search_highlights_matches_and_n_moves_between_them() {
    let mut harness = Harness::new(120, 40);
    harness.type_text("/1 OF THE");
    assert_screen_contains(&harness, "/1 OF THE▏ (1/6)");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_screen_contains(&harness, "/1 OF THE (1/6)");
    harness.keys(&[key(KeyCode::Char('n')), key(KeyCode::Char('n'))]);
    assert_screen_contains(&harness, "(3/6)");
    assert_screen_contains(&harness, "Line 21 of the first lesson.");
    harness.keys(&[key(KeyCode::Char('N'))]);
    assert_screen_contains(&harness, "(2/6)");
    harness.keys(&[key(KeyCode::Char('/')), key(KeyCode::Esc)]);
    assert_screen_lacks(&harness, "(2/6)");
}

#[test]
fn the_table_of_contents_jumps_to_a_section() {
    let mut harness = Harness::new(120, 40);
    harness.keys(&[key(KeyCode::Char('t'))]);
    assert_eq!(harness.app.overlay(), Some(Overlay::Contents));
    assert_screen_contains(&harness, " Contents ");
    harness.keys(&[key(KeyCode::Down), key(KeyCode::Enter)]);
    assert_eq!(harness.app.overlay(), None);
    assert!(harness.app.lesson_scroll() > 0);
    assert_screen_contains(&harness, "› Expiry ");
}

#[test]
fn ctrl_c_interrupts_a_running_command_instead_of_quitting() {
    let mut harness = Harness::new(80, 24);
    harness.focus_console();
    harness.type_text("BLPOP jobs 0");
    harness.keys(&[key(KeyCode::Enter)]);
    harness.sent();
    harness.keys(&[ctrl('c')]);
    assert!(
        !harness.app.should_quit(),
        "Ctrl-C stops the command, not the tutor"
    );
    assert_eq!(harness.sent(), [Request::ConsoleInterrupt]);
    harness.run(vec![
        Event::ConsoleOutput(vec![ConsoleLine::new(ConsoleLineKind::Timing, "(2.00s)")]),
        Event::ConsoleReady {
            prompt: "127.0.0.1:40000> ".into(),
        },
    ]);
    harness.keys(&[ctrl('c')]);
    assert_eq!(
        harness.app.overlay(),
        Some(Overlay::Confirm(Question::Quit))
    );
}

/// A blocked command shows no prompt, as in redis-cli, until its reply comes.
#[test]
fn no_prompt_while_a_command_blocks() {
    let mut harness = Harness::new(120, 40);
    harness.focus_console();
    harness.type_text("BLPOP jobs 0");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_screen_contains(&harness, "waiting for the reply (Ctrl-C stops)");
    let prompts = harness.screen().matches("127.0.0.1:40000>").count();
    assert_eq!(prompts, 1, "only the echoed command has a prompt");
    harness.answer("(nil)");
    assert_screen_lacks(&harness, "waiting for the reply");
}

#[test]
fn subscribed_console_is_interrupted_by_ctrl_c() {
    let mut harness = Harness::new(120, 40);
    harness.focus_console();
    harness.type_text("SUBSCRIBE news");
    harness.keys(&[key(KeyCode::Enter)]);
    harness.run(vec![Event::ConsoleReady {
        prompt: "127.0.0.1:40000(subscribed mode)> ".into(),
    }]);
    assert_screen_contains(&harness, "127.0.0.1:40000(subscribed mode)>");
    harness.sent();
    harness.keys(&[ctrl('c')]);
    assert_eq!(harness.sent(), [Request::ConsoleInterrupt]);
    assert!(!harness.app.should_quit());
}

#[test]
fn console_clear_exit_and_hint_toggles() {
    let mut harness = Harness::new(120, 40);
    console_session(&mut harness);
    assert_screen_contains(&harness, "key value [NX|XX]");
    harness.run(vec![Event::ConsoleHints(false)]);
    assert_screen_lacks(&harness, "key value [NX|XX]");
    harness.run(vec![Event::ConsoleClear]);
    assert_screen_lacks(&harness, "SET greeting hello");
    harness.type_text("x");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_screen_contains(&harness, "> setx");
    harness.keys(&[ctrl('l')]);
    assert_screen_lacks(&harness, "> setx");
    harness.sent();
    harness.type_text("quit");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(
        harness.sent(),
        [Request::ConsoleLine("quit".into())],
        "`quit` goes to the console, which reconnects"
    );
    assert!(!harness.app.should_quit());
}

#[test]
fn credentials_never_enter_the_history() {
    let mut harness = Harness::new(80, 24);
    harness.focus_console();
    harness.type_text("AUTH hunter2");
    harness.keys(&[key(KeyCode::Enter)]);
    harness.type_text("PING");
    harness.keys(&[key(KeyCode::Enter), key(KeyCode::Up), key(KeyCode::Up)]);
    assert_eq!(harness.app.console_input(), "PING");
}

#[test]
fn resizing_keeps_the_reader_at_the_same_place() {
    let mut harness = Harness::new(120, 40);
    harness.keys(&[key(KeyCode::PageDown), key(KeyCode::PageDown)]);
    assert_screen_contains(&harness, "Line 36 of the first lesson.");
    harness.resize(80, 24);
    assert_screen_contains(&harness, "Line 36 of the first lesson.");
}

#[test]
fn mouse_moves_cost_no_redraw() {
    let mut harness = Harness::new(80, 24);
    harness.run(vec![]);
    assert!(!harness.app.is_dirty());
    harness
        .app
        .handle_event(Event::Terminal(TerminalEvent::Mouse(MouseEvent {
            kind: MouseEventKind::Moved,
            column: 30,
            row: 5,
            modifiers: KeyModifiers::NONE,
        })));
    assert!(!harness.app.is_dirty());
}

#[test]
fn brackets_jump_between_lesson_sections() {
    let mut harness = Harness::new(120, 40);
    harness.run(vec![]);
    harness.keys(&[key(KeyCode::Char(']'))]);
    assert_screen_contains(&harness, "› Expiry ");
    let section = harness.app.lesson_scroll();
    assert!(section > 0, "] should move to the Expiry heading");
    harness.keys(&[key(KeyCode::Char('['))]);
    assert_eq!(harness.app.lesson_scroll(), 0);
}

#[test]
fn console_output_scrolls_back_and_cuts_huge_lines() {
    let mut harness = Harness::new(120, 40);
    harness.focus_console();
    let lines = (1..=200)
        .map(|n| ConsoleLine::new(ConsoleLineKind::Reply, format!("{n}) \"member-{n}\"")))
        .collect();
    harness.run(vec![Event::ConsoleOutput(lines)]);
    assert_screen_contains(&harness, "200) \"member-200\"");
    assert_screen_lacks(&harness, "150) \"member-150\"");
    harness.keys(&[key(KeyCode::PageUp), key(KeyCode::PageUp)]);
    assert_screen_contains(&harness, "150) \"member-150\"");
    assert_screen_lacks(&harness, "200) \"member-200\"");
    harness.keys(&[key(KeyCode::PageDown), key(KeyCode::PageDown)]);
    assert_screen_contains(&harness, "200) \"member-200\"");

    let huge = "x".repeat(100_000);
    harness.run(vec![Event::ConsoleOutput(vec![ConsoleLine::new(
        ConsoleLineKind::Reply,
        format!("\"{huge}\""),
    )])]);
    assert_screen_contains(&harness, "… (80002 more characters)");
}

#[test]
fn narrow_terminals_open_the_course_list_as_a_drawer() {
    let mut harness = Harness::new(80, 24);
    harness.run(vec![]);
    assert_screen_lacks(&harness, " Course ");
    harness.keys(&[key(KeyCode::BackTab)]);
    assert_eq!(harness.app.focus(), Focus::Sidebar);
    assert_screen_contains(&harness, " Course ");
    // Rows: continue, chapter 1, its lesson, its two exercises, chapter 2, its lesson; the
    // first exercise is selected.
    harness.keys(&[key(KeyCode::Down); 3]);
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(harness.app.current_page(), page(1, 1));
    assert_eq!(
        harness.app.focus(),
        Focus::Lesson,
        "the drawer closes on opening"
    );
    assert_screen_lacks(&harness, " Course ");
    assert_screen_contains(&harness, "A list keeps insertion order.");
}

#[test]
fn meta_commands_move_the_clock_peek_and_check() {
    let mut harness = Harness::new(120, 40);
    harness.keys(&[key(KeyCode::Char(':'))]);
    assert_eq!(harness.app.focus(), Focus::Console);
    harness.type_text("time +90s");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(
        harness.sent(),
        [Request::AdvanceClock(Duration::from_secs(90))]
    );
    harness.run(vec![Event::ClockMoved(Duration::from_secs(90))]);
    assert_screen_contains(&harness, "clock +90s");
    harness.type_text(":peek \"my key\"");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(harness.sent(), [Request::Peek("my key".into())]);
    harness.type_text(":check");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(
        harness.sent(),
        [Request::Check {
            exercise: 0,
            variant: 0
        }]
    );
    harness.type_text(":nope");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_screen_contains(&harness, "Unknown tutor command :nope");
    harness.type_text(":set nohints");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(
        harness.sent(),
        [Request::ConsoleLine(":set nohints".into())],
        ":set is redis-cli's own and goes to the console"
    );
}

#[test]
fn tab_completes_commands_keywords_and_key_names() {
    let mut harness = Harness::new(120, 40);
    harness.focus_console();
    harness.run(vec![Event::KeyNames(vec![
        "greeting".into(),
        "greeting:count".into(),
    ])]);
    harness.type_text("get gr");
    harness.keys(&[key(KeyCode::Tab)]);
    assert_eq!(harness.app.console_input(), "get greeting");
    assert_screen_contains(&harness, "greeting greeting:count");
    harness.keys(&[key(KeyCode::Tab)]);
    assert_eq!(harness.app.console_input(), "get greeting");
    harness.keys(&[key(KeyCode::Tab)]);
    assert_eq!(harness.app.console_input(), "get greeting:count");
    harness.keys(&[ctrl('u')]);
    harness.type_text("set k v e");
    harness.keys(&[key(KeyCode::Tab)]);
    assert_eq!(harness.app.console_input(), "set k v EX");
}

#[test]
fn ctrl_r_finds_older_commands() {
    let mut harness = Harness::new(120, 40);
    harness.focus_console();
    for line in ["SET a 1", "GET a", "SET b 2"] {
        harness.type_text(line);
        harness.keys(&[key(KeyCode::Enter)]);
        harness.answer("OK");
    }
    harness.keys(&[ctrl('r')]);
    harness.type_text("set");
    assert_screen_contains(&harness, "(reverse-i-search)`set': SET b 2");
    harness.keys(&[ctrl('r')]);
    assert_screen_contains(&harness, "(reverse-i-search)`set': SET a 1");
    harness.keys(&[key(KeyCode::Right)]);
    assert_eq!(harness.app.console_input(), "SET a 1");
    harness.keys(&[ctrl('u'), ctrl('r')]);
    harness.type_text("get");
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(harness.sent(), [Request::ConsoleLine("GET a".into())]);
}

#[test]
fn pasting_several_lines_runs_each_after_the_one_before() {
    let mut harness = Harness::new(120, 40);
    harness.focus_console();
    harness.run(vec![Event::Terminal(TerminalEvent::Paste(
        "SET a 1\r\nINCR a\n\nGET a\n".into(),
    ))]);
    assert_eq!(harness.sent(), [Request::ConsoleLine("SET a 1".into())]);
    harness.run(vec![Event::ConsoleReady {
        prompt: "127.0.0.1:40000> ".into(),
    }]);
    assert_eq!(harness.sent(), [Request::ConsoleLine("INCR a".into())]);
    harness.run(vec![Event::Terminal(TerminalEvent::Paste(
        "one line".into(),
    ))]);
    assert_eq!(harness.app.console_input(), "one line");
}

#[test]
fn no_color_draws_without_colours() {
    let mut harness = Harness::new(80, 24);
    harness.app = App::new(AppOptions {
        course: Arc::new(fixture_course()),
        progress: Progress::default(),
        backend_description: "embedded".into(),
        initial_prompt: "> ".into(),
        history: vec![],
        requests: mpsc::unbounded_channel().0,
        now: Arc::new(Instant::now),
        argument_hints: Arc::new(|_: &str| None),
        palette: Palette::NoColor,
    });
    harness.run(vec![]);
    let buffer = harness.terminal.backend().buffer();
    assert!(
        buffer
            .content
            .iter()
            .all(|cell| cell.fg == ratatui::style::Color::Reset
                && cell.bg == ratatui::style::Color::Reset),
        "NO_COLOR: no cell has a colour"
    );
}

/// The README's key table is generated from the keymap; this fails when they drift apart.
#[test]
fn readme_key_table_matches_the_keymap() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md is readable");
    let start = "<!-- keys:start (generated from src/tui/keymap.rs) -->\n";
    let end = "<!-- keys:end -->";
    let table = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(table, _)| table)
        .expect("README.md has the key table markers");
    let expected = redis_tutor::tui::keymap::markdown_table();
    if table != expected {
        if std::env::var_os("UPDATE_README_KEYS").is_some() {
            let updated = readme.replacen(
                &format!("{start}{table}{end}"),
                &format!("{start}{expected}{end}"),
                1,
            );
            std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"), updated).unwrap();
        } else {
            panic!(
                "README.md's key table is out of date; run with UPDATE_README_KEYS=1. Expected:\n{expected}"
            );
        }
    }
}

/// The exercise turns green the moment it is solved: every typed command is followed by a
/// check, which stays quiet until it passes.
#[test]
fn checks_run_after_every_typed_command_and_speak_only_on_success() {
    let mut harness = Harness::new(120, 40);
    harness.focus_console();
    harness.type_text("SET greeting helo");
    harness.keys(&[key(KeyCode::Enter)]);
    harness.answer("OK");
    assert_eq!(
        harness.sent(),
        [Request::Check {
            exercise: 0,
            variant: 0
        }]
    );
    harness.type_text("SET greeting hello");
    harness.keys(&[key(KeyCode::Enter)]);
    harness.answer("OK");
    assert_eq!(
        harness.sent(),
        [],
        "one check at a time; another follows it"
    );
    harness.run(vec![failing_report()]);
    assert_screen_lacks(&harness, "checks failed (details");
    assert_eq!(
        harness.sent(),
        [Request::Check {
            exercise: 0,
            variant: 0
        }],
        "the check due after the second command"
    );
    harness.run(vec![Event::Checked {
        exercise: 0,
        outcome: Ok(report(vec![outcome("greeting is hello", true, "", None)])),
    }]);
    assert_screen_contains(&harness, "✓ \"Store a greeting\": all 1");
    assert_screen_contains(&harness, "✓ Solved");
    assert!(harness.app.progress().exercise("store-greeting").solved);

    harness.keys(&[
        key(KeyCode::Esc),
        key(KeyCode::Char('>')),
        key(KeyCode::Char('>')),
    ]);
    harness.keys(&[key(KeyCode::Char('b')), key(KeyCode::Enter)]);
    harness.answer("(integer) 2");
    harness.answer("1) \"a\"");
    assert_eq!(harness.sent(), [], "lesson blocks are not exercise work");
}

/// Recipes and scripts are written in the learner's editor: `e` asks for the file, the main
/// loop hands it to the runner, and every save is checked again.
#[test]
fn e_opens_the_workspace_file_and_a_save_checks_again() {
    let mut harness = Harness::new(120, 40);
    harness.focus_exercise();
    harness.keys(&[key(KeyCode::Char('e'))]);
    assert_eq!(harness.sent(), [Request::EditWorkspace { exercise: 0 }]);
    let (tx, mut rx) = mpsc::unbounded_channel();
    tx.send(Event::EditFile("/tmp/store-greeting.recipe".into()))
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let exit = runtime
        .block_on(run_loop(
            &mut harness.terminal,
            &mut harness.app,
            &mut rx,
            &mut harness.saved,
            None,
        ))
        .unwrap();
    assert_eq!(
        exit,
        redis_tutor::tui::LoopExit::EditFile("/tmp/store-greeting.recipe".into())
    );
    harness.run(vec![Event::WorkspaceSaved { exercise: 0 }]);
    assert_eq!(
        harness.sent(),
        [Request::Check {
            exercise: 0,
            variant: 0
        }]
    );
    assert_screen_contains(&harness, "Saved: checking \"Store a greeting\"");
}

fn key_info(
    name: &str,
    kind: &str,
    ttl_ms: Option<i64>,
    preview: &str,
) -> redis_tutor::tui::KeyInfo {
    redis_tutor::tui::KeyInfo {
        name: name.into(),
        kind: kind.into(),
        ttl_ms,
        size: "5 B".into(),
        preview: preview.into(),
    }
}

fn inspected_keys() -> Event {
    Event::KeySnapshot(vec![
        key_info("greeting", "string", None, "\"hello\""),
        key_info("session:1", "string", Some(30_000), "\"alice\""),
    ])
}

#[test]
fn the_key_inspector_lists_keys_counts_ttls_down_and_peeks() {
    let mut harness = Harness::new(120, 40);
    harness.keys(&[key(KeyCode::F(3))]);
    assert_eq!(harness.app.focus(), Focus::Keys);
    assert_eq!(harness.sent(), [Request::InspectKeys(vec!["*".into()])]);
    assert_screen_contains(&harness, "reading the keys…");
    harness.run(vec![inspected_keys()]);
    assert_screen_contains(&harness, "greeting");
    assert_screen_contains(&harness, "30s");
    assert_eq!(
        harness.app.redraw_every(),
        Some(Duration::from_secs(1)),
        "a TTL on screen counts down"
    );
    harness.clock_ms.store(12_000, Ordering::SeqCst);
    harness.app.mark_dirty();
    harness.run(vec![]);
    assert_screen_contains(&harness, "18s");
    harness.keys(&[key(KeyCode::Down), key(KeyCode::Enter)]);
    assert_eq!(harness.sent(), [Request::Peek("session:1".into())]);
    harness.keys(&[key(KeyCode::Char('a'))]);
    assert_eq!(harness.sent(), [Request::InspectKeys(vec![])]);
    assert_screen_contains(&harness, "every key");
    harness.keys(&[key(KeyCode::F(3))]);
    assert_screen_lacks(&harness, " Keys ");
    assert_eq!(harness.app.redraw_every(), None, "nothing moves: no redraw");
}

#[test]
fn snapshot_key_inspector() {
    snapshot_at_every_size("keys", |harness| {
        harness.keys(&[key(KeyCode::F(3))]);
        harness.run(vec![inspected_keys()]);
    });
}

/// A connected database holding keys the tutor did not make refuses the setup: the exercise
/// pane says so first thing, with the way out, instead of failing every check.
#[test]
fn a_refused_setup_is_explained_in_the_exercise_pane() {
    let mut harness = Harness::new(120, 40);
    harness.run(vec![Event::SetupFailed {
        exercise: 0,
        error: "database 0 holds keys redis-tutor did not make (e.g. user:1); use an empty database, e.g. redis://localhost:6379/15".into(),
    }]);
    assert_screen_contains(&harness, "Setup did not run, so every check");
    assert_screen_contains(&harness, "Fix that, then reset the exercise");
    harness.focus_exercise();
    harness.keys(&[key(KeyCode::Char('r')), key(KeyCode::Char('y'))]);
    harness.run(vec![Event::ResetDone {
        exercise: 0,
        outcome: Ok(()),
    }]);
    assert_screen_lacks(&harness, "Setup did not run");
}

/// On a connected server the grey hints come from that server's own COMMAND DOCS.
#[test]
fn hints_follow_the_connected_servers_command_docs() {
    let mut harness = Harness::new(250, 70);
    harness.focus_console();
    harness.run(vec![Event::CommandDocs(Arc::new(vec![
        redis_tutor::console::HelpEntry {
            words: vec!["SET".into()],
            name: "SET".into(),
            params: "key value [NX|XX] [GET] [IFEQ comparison-value]".into(),
            summary: String::new(),
            since: String::new(),
            group: String::new(),
        },
    ]))]);
    harness.type_text("set ");
    assert_screen_contains(
        &harness,
        "set key value [NX|XX] [GET] [IFEQ comparison-valu",
    );
}

/// The solution is shown only after a yes, is saved as seen, and a pass after it says so.
#[test]
fn the_solution_asks_first_and_a_pass_after_it_is_marked() {
    let mut harness = Harness::new(120, 40);
    harness.focus_exercise();
    harness.keys(&[key(KeyCode::Char('s'))]);
    assert_screen_contains(&harness, "Show the solution of \"Store a greeting\"?");
    harness.keys(&[key(KeyCode::Char('n'))]);
    assert!(
        !harness
            .app
            .progress()
            .exercise("store-greeting")
            .solution_shown
    );
    harness.keys(&[key(KeyCode::Char('s')), key(KeyCode::Char('y'))]);
    assert!(
        harness
            .app
            .progress()
            .exercise("store-greeting")
            .solution_shown
    );
    assert_screen_contains(&harness, "Solution");
    harness.keys(&[key(KeyCode::F(5))]);
    harness.run(vec![Event::Checked {
        exercise: 0,
        outcome: Ok(report(vec![outcome("greeting is hello", true, "", None)])),
    }]);
    assert_screen_contains(&harness, "✓ Solved after seeing the solution");
}
