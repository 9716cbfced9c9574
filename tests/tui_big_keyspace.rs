//! A million keys: `KEYS *` in the console of the whole tutor (real app, console driver and
//! embedded engine, drawn on a TestBackend). While the reply is read, formatted and drawn,
//! keystrokes are still handled, the scrollback stays bounded, and the pane says how many
//! lines it left out.
//! The test prints the keystroke latency and the process's peak RSS it saw (it asserts no
//! timing: the machine may be busy).
//!
//! REDIS_TUTOR_BIG_KEYS sets the number of keys (a million by default).

mod support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event as TerminalEvent, KeyCode, KeyEvent, KeyModifiers};
use redis_tutor::backend::Backend;
use redis_tutor::course::progress::ProgressStore;
use redis_tutor::tui::{Event, TutorSession};
use std::time::{Duration, Instant};
use support::fuzz::{rss_kib, setting};

struct Screen {
    session: TutorSession,
    terminal: Terminal<TestBackend>,
}

impl Screen {
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

    fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    /// Runs the UI loop until the screen shows `expected`; returns how long that took.
    async fn wait_for(&mut self, expected: &str, limit: Duration) -> Duration {
        let started = Instant::now();
        loop {
            let _ = tokio::time::timeout(
                Duration::from_millis(5),
                self.session.run(&mut self.terminal, None),
            )
            .await;
            if self.text().contains(expected) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < limit,
                "the screen never showed {expected:?}; it shows:\n{}",
                self.text()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_handled_while_a_million_keys_render() {
    let keys = setting("REDIS_TUTOR_BIG_KEYS", 1_000_000);
    let data = tempfile::tempdir().unwrap();
    let store = ProgressStore::at(data.path());
    let backend = Backend::embedded().await.unwrap();
    // Load the keys on a connection of the test's own, a thousand per MSET, pipelined.
    let mut loader = backend.connect().await.unwrap();
    let batch = 1000;
    let mut sent = 0;
    while sent < keys {
        let mut args = vec![b"MSET".to_vec()];
        for i in sent..(sent + batch).min(keys) {
            args.push(format!("key:{i:07}").into_bytes());
            args.push(b"v".to_vec());
        }
        loader.send(&args).await.unwrap();
        sent += batch;
    }
    for _ in 0..keys.div_ceil(batch) {
        loader.read_reply().await.unwrap();
    }
    let course = redis_tutor::course::Course::embedded().unwrap();
    let mut screen = Screen {
        session: TutorSession::start(course, backend, store, false).unwrap(),
        terminal: Terminal::new(TestBackend::new(120, 40)).unwrap(),
    };
    let limit = Duration::from_secs(300);
    screen.wait_for("> ", limit).await;
    screen.press(KeyCode::Tab);
    screen.type_text("DBSIZE");
    screen.press(KeyCode::Enter);
    screen.wait_for(&format!("(integer) {keys}"), limit).await;

    screen.type_text("KEYS *");
    screen.press(KeyCode::Enter);
    // Typed while the reply is on its way: each keystroke must reach the input line. The
    // pane hides the input line while a command runs, so the first latency is the time until
    // the prompt is back (KEYS * end to end); the next ones are a keystroke's own.
    let mut latencies = Vec::new();
    for marker in ["q", "qz", "qzx"] {
        screen.press(KeyCode::Char(marker.chars().last().unwrap()));
        latencies.push(screen.wait_for(&format!("> {marker}"), limit).await);
    }
    // The console pane shows the first lines of a huge reply and says how many it left out.
    let render = screen.wait_for("more lines not shown", limit).await;
    let (_, peak_rss) = rss_kib(None).unwrap_or_default();
    eprintln!(
        "tui_big_keyspace: {keys} keys; keystroke to screen while KEYS * ran (the first waits for the prompt to come back): {:?}; the reply was on screen {:?} after the last keystroke; peak RSS of the whole process (engine included) {} MiB",
        latencies,
        render,
        peak_rss >> 10
    );
    // The input line kept what was typed, and the console works on.
    screen.wait_for("> qzx", limit).await;
    for _ in 0..3 {
        screen.press(KeyCode::Backspace);
    }
    screen.type_text("PING");
    screen.press(KeyCode::Enter);
    screen.wait_for("PONG", limit).await;
}
