//! The console pane: output scrollback, the prompt the console gives, and the input line with
//! readline-style editing, history and grey argument hints.

use super::app::{App, Edit, Focus};
use super::input::InputLine;
use super::model::{ConsoleLine, ConsoleLineKind};
use super::theme;
use crate::console::is_sensitive_line;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use std::time::Instant;

/// Scrollback kept in memory; older lines are dropped.
const MAX_SCROLLBACK: usize = 5000;
/// History entries kept.
const MAX_HISTORY: usize = 1000;
/// Longer output lines (a huge value) are cut to this many characters for display.
const MAX_LINE_CHARS: usize = 20_000;

/// The console's scrollback, prompt, input line and running command.
#[derive(Debug)]
pub struct ConsoleState {
    pub(super) lines: Vec<ConsoleLine>,
    pub(super) prompt: String,
    pub(super) input: InputLine,
    pub(super) history: Vec<String>,
    /// When the oldest command still waiting for its reply was sent.
    pub(super) running_since: Option<Instant>,
    /// Commands sent and not answered yet.
    pending: usize,
    /// Output lines scrolled up from the bottom (0 follows new output).
    scroll_back: usize,
    /// Grey argument hints are shown (`:set nohints` turns them off).
    pub(super) hints_enabled: bool,
    /// The prompt says the console is subscribed.
    subscribed: bool,
    /// MONITOR was sent and not interrupted since.
    monitoring: bool,
}

impl ConsoleState {
    /// An empty console showing `prompt`, with earlier `history`.
    pub(super) fn new(prompt: String, history: Vec<String>) -> ConsoleState {
        ConsoleState {
            lines: Vec::new(),
            prompt,
            input: InputLine::default(),
            history,
            running_since: None,
            pending: 0,
            scroll_back: 0,
            hints_enabled: true,
            subscribed: false,
            monitoring: false,
        }
    }

    /// Whether Ctrl-C should interrupt the console (a command runs, or messages stream in after
    /// SUBSCRIBE or MONITOR) rather than quit.
    pub(super) fn is_interruptible(&self) -> bool {
        self.running_since.is_some() || self.subscribed || self.monitoring
    }

    /// Ctrl-C was passed on to the console.
    pub(super) fn interrupted(&mut self) {
        self.monitoring = false;
    }

    /// `clear`: empties the scrollback.
    pub(super) fn clear_screen(&mut self) {
        self.lines.clear();
        self.scroll_back = 0;
    }

    /// Applies an edit to the input line.
    pub(super) fn edit(&mut self, edit: Edit) {
        let input = &mut self.input;
        match edit {
            Edit::Insert(c) => input.insert(c),
            Edit::Left => input.move_left(),
            Edit::Right => input.move_right(),
            Edit::Home => input.move_home(),
            Edit::End => input.move_end(),
            Edit::Backspace => input.backspace(),
            Edit::Delete => input.delete(),
            Edit::KillToStart => input.kill_to_start(),
            Edit::KillToEnd => input.kill_to_end(),
            Edit::DeleteWord => input.delete_word_before(),
            Edit::Clear => input.clear(),
            Edit::HistoryPrevious => input.history_previous(&self.history),
            Edit::HistoryNext => input.history_next(&self.history),
        }
    }

    /// Echoes the input line after the prompt and returns it when it holds a command.
    pub(super) fn submit(&mut self, now: Instant) -> Option<String> {
        let line = self.input.take();
        self.run_line(line, now)
    }

    /// Echoes `line` after the prompt, as if typed, and returns it when it holds a command.
    pub(super) fn run_line(&mut self, line: String, now: Instant) -> Option<String> {
        self.push(ConsoleLine::new(
            ConsoleLineKind::Command,
            format!("{}{line}", self.prompt),
        ));
        self.scroll_back = 0;
        if line.trim().is_empty() {
            return None;
        }
        if line
            .split_ascii_whitespace()
            .next()
            .is_some_and(|first| first.eq_ignore_ascii_case("monitor"))
        {
            self.monitoring = true;
        }
        if !is_sensitive_line(&line) && self.history.last() != Some(&line) {
            self.history.push(line.clone());
            if self.history.len() > MAX_HISTORY {
                self.history.remove(0);
            }
        }
        self.pending += 1;
        self.running_since.get_or_insert(now);
        Some(line)
    }

    /// Appends reply lines to the scrollback.
    pub(super) fn push_output(&mut self, lines: Vec<ConsoleLine>) {
        for line in lines {
            self.push(line);
        }
    }

    /// A command finished; the console now shows `prompt`.
    pub(super) fn command_finished(&mut self, prompt: String, now: Instant) {
        self.subscribed = prompt.contains("(subscribed mode)");
        if prompt.starts_with("not connected") {
            self.monitoring = false;
        }
        self.prompt = prompt;
        self.pending = self.pending.saturating_sub(1);
        self.running_since = (self.pending > 0).then_some(now);
    }

    /// Scrolls the output by `lines` (negative is up, towards older output).
    pub(super) fn scroll(&mut self, lines: isize) {
        let target = (self.scroll_back as isize).saturating_sub(lines);
        let max = self.lines.len().saturating_sub(1) as isize;
        self.scroll_back = target.clamp(0, max) as usize;
    }

    fn push(&mut self, mut line: ConsoleLine) {
        if let Some((cut, _)) = line.text.char_indices().nth(MAX_LINE_CHARS) {
            let hidden = line.text[cut..].chars().count();
            line.text.truncate(cut);
            line.text.push_str(&format!("… ({hidden} more characters)"));
        }
        self.lines.push(line);
        if self.lines.len() > MAX_SCROLLBACK {
            let excess = self.lines.len() - MAX_SCROLLBACK;
            self.lines.drain(..excess);
        }
    }
}

fn styled(line: &ConsoleLine) -> Line<'static> {
    let style = match line.kind {
        ConsoleLineKind::Command | ConsoleLineKind::Reply => Style::default(),
        ConsoleLineKind::Error => theme::failed(),
        ConsoleLineKind::Notice => theme::running().add_modifier(Modifier::ITALIC),
        ConsoleLineKind::Timing => theme::dim(),
    };
    Line::from(Span::styled(line.text.clone(), style))
}

/// Formats an elapsed time like `1.2s`.
pub(super) fn elapsed(since: Instant, now: Instant) -> String {
    format!("{:.1}s", now.saturating_duration_since(since).as_secs_f64())
}

/// Draws the console pane: scrollback, then the prompt and input line (with the cursor).
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let focused = app.is_focused(Focus::Console);
    let mut title = vec![Span::styled(" Console ", theme::title(focused))];
    if let Some(since) = app.console.running_since {
        title.push(Span::styled(
            format!("running… {} ", elapsed(since, (app.now)())),
            theme::running(),
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(focused))
        .title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }

    let console = &mut app.console;
    // Walk up from the newest line shown until the rows above the input line are filled, so
    // only what is visible gets wrapped, however long the scrollback.
    let output_rows = usize::from(inner.height - 1);
    console.scroll_back = console
        .scroll_back
        .min(console.lines.len().saturating_sub(1));
    let end = console.lines.len() - console.scroll_back;
    let mut start = end;
    let mut rows = 0;
    while start > 0 && rows < output_rows {
        start -= 1;
        rows += Paragraph::new(styled(&console.lines[start]))
            .wrap(Wrap { trim: false })
            .line_count(inner.width);
    }
    let shown = rows.min(output_rows);
    let hidden_rows = rows - shown;
    let output = Paragraph::new(
        console.lines[start..end]
            .iter()
            .map(styled)
            .collect::<Vec<_>>(),
    )
    .wrap(Wrap { trim: false })
    .scroll((hidden_rows.min(usize::from(u16::MAX)) as u16, 0));
    frame.render_widget(
        output,
        Rect::new(inner.x, inner.y, inner.width, shown as u16),
    );

    let input_row = Rect::new(inner.x, inner.y + shown as u16, inner.width, 1);
    let text = console.input.text();
    let before_cursor: String = text.chars().take(console.input.cursor()).collect();
    let cursor_column =
        Span::raw(console.prompt.as_str()).width() + Span::raw(before_cursor).width();
    let width = usize::from(inner.width);
    let skip = (cursor_column + 1).saturating_sub(width);
    let mut spans = vec![Span::raw(console.prompt.clone()), Span::raw(text.clone())];
    if console.input.cursor_at_end()
        && console.hints_enabled
        && let Some(hint) = (app.argument_hints)(&text)
    {
        let separator = if text.is_empty() || text.ends_with(' ') || hint.starts_with(' ') {
            ""
        } else {
            " "
        };
        spans.push(Span::styled(format!("{separator}{hint}"), theme::dim()));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).scroll((0, skip.min(usize::from(u16::MAX)) as u16)),
        input_row,
    );
    if focused {
        frame.set_cursor_position(Position::new(
            input_row.x + (cursor_column - skip) as u16,
            input_row.y,
        ));
    }
}
