//! Property test: whatever the learner does, whatever arrives from the background, and
//! whatever the terminal's size (1x1 to 300x100), drawing never panics.

mod support;

use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    Event as TerminalEvent, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent,
    MouseEventKind,
};
use redis_tutor::course::Course;
use redis_tutor::course::progress::Progress;
use redis_tutor::grader::{CheckOutcome, Report};
use redis_tutor::tui::{App, AppOptions, ConsoleLine, ConsoleLineKind, Event, KeyInfo, Palette};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// A course with every kind of content the panes draw.
fn course() -> Course {
    let lesson = "# Everything\n\nSome *prose* with `code` and a [link](https://redis.io).\n\n\
                  ```redis\nSET cache:product:1001 \"{\\\"id\\\":1001,\\\"price\\\":24900}\" EX 60\nGET cache:product:1001\n```\n\n\
                  ## A table\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n\
                  ```lua\nlocal n = redis.call('GET', KEYS[1]) -- a comment\n```\n\n\
                  **1. Why?**\n\n<details>\n<summary>Answer</summary>\n\nBecause ✓ 漢字.\n\n</details>\n\n\
                  - a list\n  - nested\n\n> [!NOTE]\n> A note.\n";
    Course {
        chapters: vec![
            support::course::chapter(1, "everything", "Everything", lesson),
            support::course::chapter(2, "short", "Short", "# Short\n\nOne line.\n"),
        ],
        exercises: vec![
            support::course::exercise("one", 1, "One", "Do *one* thing.", &["a", "b", "c"]),
            support::course::exercise("two", 2, "Two", "Do two.", &["a", "b", "c"]),
        ],
    }
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
    Event::Terminal(TerminalEvent::Key(KeyEvent::new(code, modifiers)))
}

/// Keys a learner may press, bound or not.
fn any_key() -> impl Strategy<Value = Event> {
    let codes = prop_oneof![
        any::<char>().prop_map(KeyCode::Char),
        prop::sample::select(vec![
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::Backspace,
            KeyCode::Delete,
            KeyCode::F(1),
            KeyCode::F(2),
            KeyCode::F(3),
            KeyCode::F(5),
            KeyCode::F(6),
            KeyCode::F(7),
        ]),
        prop::sample::select(
            "bBtn/N<>[]?gGjkxiPKaeyhrs:123456789 "
                .chars()
                .collect::<Vec<_>>()
        )
        .prop_map(KeyCode::Char),
    ];
    let modifiers = prop::sample::select(vec![
        KeyModifiers::NONE,
        KeyModifiers::NONE,
        KeyModifiers::SHIFT,
        KeyModifiers::CONTROL,
    ]);
    (codes, modifiers).prop_map(|(code, modifiers)| key(code, modifiers))
}

/// Anything the UI may receive: keys, the mouse, pastes, resizes and background results.
fn any_event() -> impl Strategy<Value = Event> {
    let mouse = (0u16..300, 0u16..100, 0..4usize).prop_map(|(column, row, kind)| {
        let kind = [
            MouseEventKind::ScrollUp,
            MouseEventKind::ScrollDown,
            MouseEventKind::Down(MouseButton::Left),
            MouseEventKind::Moved,
        ][kind];
        Event::Terminal(TerminalEvent::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }))
    });
    let text = "[ -~✓漢\n]{0,120}";
    prop_oneof![
        6 => any_key(),
        1 => mouse,
        1 => text.prop_map(|t| Event::Terminal(TerminalEvent::Paste(t))),
        1 => prop::collection::vec(text, 0..40).prop_map(|lines| Event::ConsoleOutput(
            lines.into_iter().map(|l| ConsoleLine::new(ConsoleLineKind::Reply, l)).collect()
        )),
        1 => Just(Event::ConsoleReady { prompt: "127.0.0.1:6379> ".into() }),
        1 => prop::collection::vec("[a-z:]{1,30}", 0..20).prop_map(|names| {
            Event::KeySnapshot(names.into_iter().map(|name| KeyInfo {
                name,
                kind: "string".into(),
                ttl_ms: Some(5000),
                size: "3 B".into(),
                preview: "\"abc\"".into(),
            }).collect())
        }),
        1 => any::<bool>().prop_map(|passed| Event::Checked {
            exercise: 0,
            outcome: Ok(Report {
                exercise: "one".into(),
                variant: 0,
                checks: vec![CheckOutcome {
                    id: "c".into(),
                    name: "a check".into(),
                    passed,
                    detail: "expected \"a\", found \"b\"".into(),
                    hint: Some("look again".into()),
                    log: vec![],
                }],
                notes: vec!["a note".into()],
            }),
        }),
        1 => Just(Event::Notice("A notice from the tutor.".into())),
    ]
}

fn app(course: Course) -> App {
    App::new(AppOptions {
        course: Arc::new(course),
        progress: Progress::default(),
        backend_description: "embedded".into(),
        initial_prompt: "127.0.0.1:6379> ".into(),
        history: vec!["SET a 1".into()],
        requests: mpsc::unbounded_channel().0,
        now: Arc::new(Instant::now),
        argument_hints: Arc::new(|line: &str| redis_tutor::console::hint(line)),
        palette: Palette::Dark,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn drawing_never_panics(
        steps in prop::collection::vec(((1u16..=300, 1u16..=100), any_event()), 1..40),
    ) {
        run(app(course()), steps);
    }

    /// The same with a quiz open in the exercise pane, answered, marked and retaken at random.
    #[test]
    fn drawing_a_quiz_never_panics(
        steps in prop::collection::vec(((1u16..=300, 1u16..=100), any_event()), 1..40),
    ) {
        run(app(support::course::quiz_course()), steps);
    }
}

/// Feeds each event at its screen size, drawing after each.
fn run(mut app: App, steps: Vec<((u16, u16), Event)>) {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    for ((width, height), event) in steps {
        terminal.backend_mut().resize(width, height);
        app.resize(width, height);
        app.handle_event(event);
        terminal.draw(|frame| app.draw(frame)).unwrap();
        app.drawn();
    }
}
