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
    App, AppOptions, ConsoleLine, ConsoleLineKind, Event, Focus, LoopObserver, Overlay, Request,
    run_loop,
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
    let second = "# Lists\n\nA list keeps insertion order.\n\n```redis\nRPUSH queue a b\n```\n";
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
        let buffer = self.terminal.backend().buffer();
        let mut text = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                text.push_str(buffer[(x, y)].symbol());
            }
            text.push('\n');
        }
        text
    }

    fn sent(&mut self) -> Vec<Request> {
        let mut sent = Vec::new();
        while let Ok(request) = self.requests.try_recv() {
            sent.push(request);
        }
        sent
    }

    fn focus_console(&mut self) {
        self.keys(&[key(KeyCode::Tab)]);
        assert_eq!(self.app.focus(), Focus::Console);
    }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn assert_screen_contains(harness: &Harness, expected: &str) {
    let screen = harness.screen();
    assert!(
        screen.contains(expected),
        "expected the screen to contain {expected:?}; found:\n{screen}"
    );
}

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

#[test]
fn snapshot_lesson_focused() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut harness = Harness::new(width, height);
        harness.run(vec![]);
        insta::assert_snapshot!(format!("lesson_{width}x{height}"), harness.screen());
    }
}

#[test]
fn snapshot_console_with_output() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut harness = Harness::new(width, height);
        console_session(&mut harness);
        insta::assert_snapshot!(format!("console_{width}x{height}"), harness.screen());
    }
}

#[test]
fn snapshot_exercise_with_failing_report() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut harness = Harness::new(width, height);
        harness.keys(&[key(KeyCode::Tab), key(KeyCode::Tab)]);
        assert_eq!(harness.app.focus(), Focus::Exercise);
        harness.keys(&[key(KeyCode::Char('c'))]);
        harness.run(vec![failing_report()]);
        harness.keys(&[key(KeyCode::Char('h'))]);
        insta::assert_snapshot!(
            format!("exercise_failing_{width}x{height}"),
            harness.screen()
        );
    }
}

#[test]
fn snapshot_help_overlay() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut harness = Harness::new(width, height);
        harness.keys(&[key(KeyCode::Char('?'))]);
        assert_eq!(harness.app.overlay(), Some(Overlay::Help));
        insta::assert_snapshot!(format!("help_{width}x{height}"), harness.screen());
    }
}

#[test]
fn snapshot_terminal_too_small() {
    let mut harness = Harness::new(50, 12);
    harness.run(vec![]);
    assert_screen_contains(&harness, "Terminal too small: 50x12, need at least 60x16");
    insta::assert_snapshot!("too_small_50x12", harness.screen());
}

#[test]
fn tab_and_shift_tab_cycle_the_focus() {
    let mut harness = Harness::new(80, 24);
    assert_eq!(harness.app.focus(), Focus::Lesson);
    let mut seen = vec![];
    for _ in 0..4 {
        harness.keys(&[key(KeyCode::Tab)]);
        seen.push(harness.app.focus());
    }
    assert_eq!(
        seen,
        [
            Focus::Console,
            Focus::Exercise,
            Focus::Sidebar,
            Focus::Lesson
        ]
    );
    harness.keys(&[key(KeyCode::BackTab)]);
    assert_eq!(harness.app.focus(), Focus::Sidebar);
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

    harness.keys(&[key(KeyCode::Char('n'))]);
    assert_eq!(
        harness.app.current_page(),
        page(1, 0),
        "chapter 2's introduction"
    );
    assert_screen_contains(&harness, "The chapter on Lists.");
    harness.keys(&[key(KeyCode::Char('n'))]);
    assert_eq!(harness.app.current_page(), page(1, 1));
    assert_eq!(harness.app.lesson_scroll(), 0);
    assert_screen_contains(&harness, "A list keeps insertion order.");
    harness.keys(&[key(KeyCode::Char('p')), key(KeyCode::Char('p'))]);
    assert_eq!(harness.app.current_page(), page(0, 1));
    assert_eq!(harness.app.lesson_scroll(), bottom);
    harness.keys(&[key(KeyCode::Home)]);
    assert_eq!(harness.app.lesson_scroll(), 0);
}

#[test]
fn ctrl_c_in_the_console_clears_the_line_then_quits() {
    let mut harness = Harness::new(80, 24);
    harness.focus_console();
    harness.type_text("GET key");
    harness.keys(&[ctrl('c')]);
    assert_eq!(harness.app.console_input(), "");
    assert!(
        !harness.app.should_quit(),
        "the first Ctrl-C only clears the line"
    );
    harness.keys(&[ctrl('c')]);
    assert!(harness.app.should_quit(), "the second Ctrl-C quits");
}

#[test]
fn ctrl_c_outside_the_console_quits() {
    let mut harness = Harness::new(80, 24);
    harness.keys(&[ctrl('c')]);
    assert!(harness.app.should_quit());
}

#[test]
fn q_quits_except_while_typing() {
    let mut harness = Harness::new(80, 24);
    harness.focus_console();
    harness.type_text("q");
    assert!(!harness.app.should_quit());
    assert_eq!(harness.app.console_input(), "q");
    harness.keys(&[key(KeyCode::Esc)]);
    assert_eq!(harness.app.focus(), Focus::Lesson);
    harness.keys(&[key(KeyCode::Char('q'))]);
    assert!(harness.app.should_quit());
}

#[test]
fn hints_are_revealed_one_at_a_time_and_saved() {
    let mut harness = Harness::new(120, 40);
    harness.run(vec![]);
    assert_screen_lacks(&harness, "Use SET.");
    harness.keys(&[key(KeyCode::Char('h'))]);
    assert_screen_contains(&harness, "Hint 1 of 2");
    assert_screen_contains(&harness, "Use SET.");
    assert_screen_lacks(&harness, "Hint 2 of 2");
    assert_eq!(
        harness.app.progress().exercise("store-greeting").hints_used,
        1
    );
    harness.keys(&[key(KeyCode::Char('h')), key(KeyCode::Char('h'))]);
    assert_eq!(
        harness.app.progress().exercise("store-greeting").hints_used,
        2,
        "no more hints than the exercise has"
    );
    assert_screen_contains(&harness, "no hints left");
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
    harness.keys(&[key(KeyCode::Char('c'))]);
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
    assert_screen_contains(&harness, "✓ Store a greeting");
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
    assert_eq!(harness.app.overlay(), Some(Overlay::ConfirmReset(0)));
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
    // Rows: chapter 1, its lesson, its two exercises, chapter 2, its lesson, its exercise; the
    // first exercise is selected.
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
    // Row 0 is the border, row 1 the summary, then chapter 1, its lesson, its two exercises,
    // chapter 2, its lesson.
    harness.run(vec![Event::Terminal(TerminalEvent::Mouse(MouseEvent {
        kind: MouseEventKind::Down(ratatui::crossterm::event::MouseButton::Left),
        column: 5,
        row: 7,
        modifiers: KeyModifiers::NONE,
    }))]);
    assert_eq!(harness.app.focus(), Focus::Sidebar);
    assert_eq!(harness.app.current_page(), page(1, 1));
    assert_screen_contains(&harness, "A list keeps insertion order.");
}

#[test]
fn help_lists_every_key_and_scrolls_when_it_does_not_fit() {
    let mut harness = Harness::new(80, 24);
    harness.keys(&[key(KeyCode::Char('?'))]);
    assert_screen_contains(&harness, "Tab / Shift-Tab");
    assert_screen_lacks(&harness, "leave the console");
    harness.keys(&[key(KeyCode::End)]);
    assert_screen_contains(&harness, "leave the console");
    harness.keys(&[key(KeyCode::Esc)]);
    assert_eq!(harness.app.overlay(), None);
    assert_screen_lacks(&harness, "leave the console");
}

#[test]
fn enter_in_the_lesson_runs_the_visible_redis_block() {
    let mut harness = Harness::new(120, 40);
    // Chapter 2's introduction, then its lesson.
    harness.keys(&[key(KeyCode::Char('n')), key(KeyCode::Char('n'))]);
    assert_screen_contains(&harness, "Enter runs: RPUSH queue a b");
    harness.sent();
    harness.keys(&[key(KeyCode::Enter)]);
    assert_eq!(
        harness.sent(),
        [Request::LessonLine("RPUSH queue a b".into())],
        "a lesson block is not the learner's exercise work"
    );
    assert_screen_contains(&harness, "127.0.0.1:40000> RPUSH queue a b");
    assert_eq!(harness.app.focus(), Focus::Lesson);
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
    assert!(harness.app.should_quit());
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
    harness.run(vec![Event::ConsoleExit]);
    assert!(
        harness.app.should_quit(),
        "`quit` in the console leaves like redis-cli"
    );
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
    assert_screen_contains(&harness, "01 · Strings › Strings and keys › Expiry");
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
    insta::assert_snapshot!("sidebar_drawer_80x24", harness.screen());
    // Rows: chapter 1, its lesson, its two exercises, chapter 2, its lesson; the first
    // exercise is selected.
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
fn t_asks_to_move_the_clock_outside_the_console_only() {
    let mut harness = Harness::new(80, 24);
    harness.keys(&[key(KeyCode::Char('t'))]);
    assert_eq!(
        harness.sent(),
        [Request::AdvanceClock(Duration::from_secs(60))]
    );
    harness.focus_console();
    harness.type_text("t");
    assert_eq!(harness.sent(), []);
    assert_eq!(harness.app.console_input(), "t");
}
