//! Criterion benchmarks of the TUI's own work, on ratatui's TestBackend: building the app and
//! drawing its first frame, a keystroke and the frame after it, and rendering the longest
//! lesson of the course at 200 columns from scratch. benches/tui_process.rs measures the real
//! binary (launch, idle CPU, memory).

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event as TerminalEvent, KeyCode, KeyEvent, KeyModifiers};
use redis_tutor::course::Course;
use redis_tutor::course::progress::Progress;
use redis_tutor::tui::{App, AppOptions, Event, Palette};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

fn app(course: &Arc<Course>) -> App {
    App::new(AppOptions {
        course: Arc::clone(course),
        progress: Progress::default(),
        backend_description: "embedded Redis 7.0.15 on 127.0.0.1:6379".into(),
        initial_prompt: "127.0.0.1:6379> ".into(),
        history: Vec::new(),
        requests: mpsc::unbounded_channel().0,
        now: Arc::new(Instant::now),
        argument_hints: Arc::new(|line: &str| redis_tutor::console::hint(line)),
        palette: Palette::Dark,
    })
}

fn first_frame(c: &mut Criterion) {
    let course = Arc::new(Course::embedded().expect("the built-in course loads"));
    c.bench_function(
        "first frame at 120x40 (app built, lesson rendered, drawn)",
        |b| {
            b.iter(|| {
                let mut app = app(&course);
                let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
                app.resize(120, 40);
                terminal.draw(|frame| app.draw(frame)).unwrap();
                black_box(terminal.backend().buffer().area);
            })
        },
    );
}

fn keystroke(c: &mut Criterion) {
    let course = Arc::new(Course::embedded().expect("the built-in course loads"));
    let mut app = app(&course);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    app.resize(120, 40);
    terminal.draw(|frame| app.draw(frame)).unwrap();
    let mut down = true;
    c.bench_function(
        "keystroke to the next frame at 120x40 (scroll the lesson)",
        |b| {
            b.iter(|| {
                let code = if down { KeyCode::Down } else { KeyCode::Up };
                down = !down;
                app.handle_event(Event::Terminal(TerminalEvent::Key(KeyEvent::new(
                    code,
                    KeyModifiers::NONE,
                ))));
                terminal.draw(|frame| app.draw(frame)).unwrap();
                app.drawn();
            })
        },
    );
}

fn longest_lesson(c: &mut Criterion) {
    let course = Course::embedded().expect("the built-in course loads");
    let longest = course
        .chapters
        .iter()
        .flat_map(|chapter| &chapter.lessons)
        .map(|lesson| lesson.markdown.as_str())
        .max_by_key(|markdown| markdown.len())
        .expect("the course has lessons");
    c.bench_function(
        &format!(
            "render the longest lesson ({} KB) at 200 columns from scratch",
            longest.len() / 1024
        ),
        |b| b.iter(|| black_box(redis_tutor::markdown::render(black_box(longest), 200))),
    );
}

criterion_group!(benches, first_frame, keystroke, longest_lesson);
criterion_main!(benches);
