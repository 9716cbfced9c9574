//! The whole tutor without a terminal: the real app, console driver, background tasks and
//! embedded engine, drawn on a TestBackend. A learner fixes an exercise in the console, checks
//! it, quits, and finds their progress when they come back.

mod support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event as TerminalEvent, KeyCode, KeyEvent, KeyModifiers};
use redis_tutor::backend::Backend;
use redis_tutor::course::Course;
use redis_tutor::course::progress::ProgressStore;
use redis_tutor::tui::{Event, TutorSession};
use std::time::{Duration, Instant};

fn course() -> Course {
    support::course::greeting_course(
        "# Strings\n\nKeys hold values.\n\n```redis\nGET greeting\n```\n",
    )
}

struct Screen {
    session: TutorSession,
    terminal: Terminal<TestBackend>,
}

impl Screen {
    async fn start(store: &ProgressStore) -> Screen {
        let backend = Backend::embedded().await.unwrap();
        Screen {
            session: TutorSession::start(course(), backend, store.clone(), false).unwrap(),
            terminal: Terminal::new(TestBackend::new(120, 40)).unwrap(),
        }
    }

    fn text(&self) -> String {
        support::screen::text(&self.terminal)
    }

    fn press(&self, code: KeyCode) {
        let key = KeyEvent::new(code, KeyModifiers::NONE);
        self.session
            .events_sender()
            .send(Event::Terminal(TerminalEvent::Key(key)))
            .unwrap();
    }

    fn type_line(&self, line: &str) {
        for c in line.chars() {
            self.press(KeyCode::Char(c));
        }
        self.press(KeyCode::Enter);
    }

    /// Runs the UI loop until the screen shows `expected` (or fails after a generous limit).
    async fn wait_for(&mut self, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let _ = tokio::time::timeout(
                Duration::from_millis(50),
                self.session.run(&mut self.terminal, None),
            )
            .await;
            if self.text().contains(expected) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {expected:?}; it shows:\n{}",
                self.text()
            );
        }
    }
}

#[tokio::test]
async fn solve_an_exercise_then_resume_after_restart() {
    let data = tempfile::tempdir().unwrap();
    let store = ProgressStore::at(data.path());

    let mut screen = Screen::start(&store).await;
    screen.wait_for("Set greeting to hello.").await;
    screen.wait_for("> ").await;
    // Check before doing anything: the setup left a misspelt value.
    screen.press(KeyCode::F(5));
    screen.wait_for("✗ greeting is hello").await;
    screen.wait_for("expected \"hello\", found \"helo\"").await;

    screen.press(KeyCode::Tab);
    screen.type_line("SET greeting hello");
    screen.wait_for("OK").await;
    screen.press(KeyCode::F(5));
    screen.wait_for("✓ Solved").await;
    screen.wait_for("✓ Fix the greeting").await;

    screen.press(KeyCode::Esc);
    screen.press(KeyCode::Char('q'));
    screen.press(KeyCode::Char('y'));
    screen
        .session
        .run(&mut screen.terminal, None)
        .await
        .unwrap();
    assert!(screen.session.app().should_quit());
    screen.session.finish().await.unwrap();

    let saved = store.load().unwrap().progress;
    assert!(
        saved.exercise("greeting").solved,
        "progress on disk should say solved: {saved:?}"
    );
    let recorded: Vec<Vec<Vec<u8>>> = store
        .transcript("greeting")
        .unwrap()
        .into_iter()
        .map(|e| e.args)
        .collect();
    assert_eq!(
        recorded,
        [vec![
            b"SET".to_vec(),
            b"greeting".to_vec(),
            b"hello".to_vec()
        ]]
    );

    // A new session (a fresh embedded engine) picks up where the learner left off: the
    // exercise is set up again and the learner's commands replayed, so it still checks out.
    let mut screen = Screen::start(&store).await;
    screen.wait_for("✓ Solved").await;
    screen.wait_for("Replayed your 1 earlier command").await;
    screen.press(KeyCode::F(5));
    screen.wait_for("✓ All 2 checks passed.").await;
    screen.press(KeyCode::Up);
    screen.press(KeyCode::Tab);
    screen.press(KeyCode::Up);
    screen.wait_for("> SET greeting hello").await;
}

#[tokio::test]
async fn time_moves_the_embedded_clock_so_keys_expire() {
    let data = tempfile::tempdir().unwrap();
    let store = ProgressStore::at(data.path());
    let mut screen = Screen::start(&store).await;
    screen.wait_for("> ").await;
    screen.press(KeyCode::Tab);
    screen.type_line("SET session:1 alice EX 30");
    screen.wait_for("OK").await;
    screen.type_line(":time +60s");
    screen.wait_for("clock moved 60 s").await;
    screen.wait_for("clock +60s").await;
    screen.type_line("EXISTS session:1");
    screen.wait_for("(integer) 0").await;
}
