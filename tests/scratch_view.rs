use ratatui::{Terminal, backend::TestBackend};
use redis_tutor::tui::*;
use std::sync::Arc;
#[test]
fn view() {
    let course = Arc::new(redis_tutor::course::Course::embedded().unwrap());
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let mut app = App::new(AppOptions { course, progress: Default::default(), backend_description: "embedded Redis 7.0.15 on 127.0.0.1:4000".into(), initial_prompt: "127.0.0.1:4000> ".into(), history: vec![], requests: tx, now: Arc::new(std::time::Instant::now), argument_hints: Arc::new(|_: &str| None) });
    for (w, h) in [(120u16, 40u16), (80, 24), (200, 50)] {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| app.draw(f)).unwrap();
        println!("{}", t.backend());
    }
}
