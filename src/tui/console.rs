//! The console pane: bounded scrollback, the prompt the console gives, and the input line with
//! syntax colour, readline-style editing, history (Up/Down and Ctrl-R), Tab completion and grey
//! argument hints.

use super::app::Edit;
use super::input::InputLine;
use super::model::{ConsoleLine, ConsoleLineKind};
use super::theme;
use crate::console::highlight::highlight;
use crate::console::{common_prefix, complete_line, is_sensitive_line};
use crate::markdown::redis_style;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use std::collections::VecDeque;
use std::time::Instant;

/// Scrollback kept in memory; older lines are dropped (and counted).
const MAX_SCROLLBACK: usize = 5000;
/// History entries kept.
const MAX_HISTORY: usize = 1000;
/// Longer output lines (a huge value) are cut to this many characters for display.
const MAX_LINE_CHARS: usize = 20_000;

/// The tutor's own commands, typed with a leading colon.
pub const META_COMMANDS: &[&str] = &[
    ":check",
    ":edit",
    ":help",
    ":hint",
    ":peek",
    ":quit",
    ":reset",
    ":set",
    ":solution",
    ":time",
];

/// Tab completion in progress: the candidates for the word starting at `start`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cycle {
    start: usize,
    candidates: Vec<String>,
    /// The candidate shown now; `None` before the first pick.
    index: Option<usize>,
    /// The line as the last Tab left it (another edit ends the cycle).
    shown: String,
}

/// Ctrl-R: searching the history backwards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistorySearch {
    pub query: String,
    /// Index into the history of the match shown.
    pub found: Option<usize>,
}

/// The console's scrollback, prompt, input line and running command.
#[derive(Debug)]
pub struct ConsoleState {
    lines: VecDeque<ConsoleLine>,
    /// Lines dropped from the top of the scrollback.
    dropped: usize,
    pub(super) prompt: String,
    pub(super) input: InputLine,
    history: Vec<String>,
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
    cycle: Option<Cycle>,
    pub(super) history_search: Option<HistorySearch>,
    /// Key names known to exist (for completion), newest scan.
    pub(super) key_names: Vec<String>,
    /// Rows of output visible at the last layout.
    output_rows: usize,
}

impl ConsoleState {
    /// An empty console showing `prompt`, with earlier `history`.
    pub(super) fn new(prompt: String, history: Vec<String>) -> ConsoleState {
        ConsoleState {
            lines: VecDeque::new(),
            dropped: 0,
            prompt,
            input: InputLine::default(),
            history,
            running_since: None,
            pending: 0,
            scroll_back: 0,
            hints_enabled: true,
            subscribed: false,
            monitoring: false,
            cycle: None,
            history_search: None,
            key_names: Vec::new(),
            output_rows: 10,
        }
    }

    /// Whether a command is waiting for its reply.
    pub(super) fn is_waiting(&self) -> bool {
        self.pending > 0
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
        self.dropped = 0;
        self.scroll_back = 0;
    }

    /// Applies an edit to the input line.
    pub(super) fn edit(&mut self, edit: Edit) {
        self.cycle = None;
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

    /// Tab: completes the word before the cursor, or shows the next candidate.
    pub(super) fn complete(&mut self) {
        let text = self.input.text();
        if let Some(cycle) = &mut self.cycle
            && cycle.shown == text
            && !cycle.candidates.is_empty()
        {
            let next = cycle.index.map_or(0, |i| (i + 1) % cycle.candidates.len());
            cycle.index = Some(next);
            let line = format!("{}{}", &text[..cycle.start], cycle.candidates[next]);
            cycle.shown = line.clone();
            self.input.set_text(&line);
            return;
        }
        self.input.move_end();
        let completion = complete_line(&text, META_COMMANDS, &self.key_names);
        let line = match completion.candidates.as_slice() {
            [] => text.clone(),
            [only] => format!("{}{only} ", &text[..completion.start]),
            several => {
                let prefix = common_prefix(several);
                let typed = &text[completion.start..];
                if prefix.len() > typed.len() {
                    format!("{}{prefix}", &text[..completion.start])
                } else {
                    text.clone()
                }
            }
        };
        self.input.set_text(&line);
        self.cycle = Some(Cycle {
            start: completion.start,
            candidates: if completion.candidates.len() > 1 {
                completion.candidates
            } else {
                Vec::new()
            },
            index: None,
            shown: line,
        });
    }

    /// The completion candidates on offer and the one shown, while Tab cycles.
    pub(super) fn candidates(&self) -> Option<(&[String], Option<usize>)> {
        let cycle = self.cycle.as_ref()?;
        (!cycle.candidates.is_empty() && cycle.shown == self.input.text())
            .then_some((cycle.candidates.as_slice(), cycle.index))
    }

    /// Ctrl-R: starts searching the history, or goes to an older match.
    pub(super) fn search_history(&mut self, older: bool) {
        let search = self
            .history_search
            .get_or_insert_with(HistorySearch::default);
        let before = match (older, search.found) {
            (true, Some(found)) => found,
            _ => self.history.len(),
        };
        if search.query.is_empty() {
            return;
        }
        let query = search.query.to_lowercase();
        if let Some(found) = self.history[..before]
            .iter()
            .rposition(|entry| entry.to_lowercase().contains(&query))
        {
            search.found = Some(found);
        }
    }

    /// Types into the history search.
    pub(super) fn edit_history_search(&mut self, edit: impl FnOnce(&mut String)) {
        if let Some(search) = &mut self.history_search {
            edit(&mut search.query);
            search.found = None;
        }
        self.search_history(false);
    }

    /// Ends the history search, putting the match (if any) in the input line.
    pub(super) fn finish_history_search(&mut self, keep: bool) {
        if let Some(search) = self.history_search.take()
            && keep
            && let Some(found) = search.found
        {
            let entry = self.history[found].clone();
            self.input.set_text(&entry);
        }
    }

    /// The history entry the search found.
    pub(super) fn history_match(&self) -> Option<&str> {
        let found = self.history_search.as_ref()?.found?;
        self.history.get(found).map(String::as_str)
    }

    /// Echoes `line` after the prompt, as if typed, and returns it when it holds a command
    /// for the console (it then counts as running until its prompt comes back).
    pub(super) fn run_line(&mut self, line: String, now: Instant) -> Option<String> {
        self.echo(&line);
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
        self.pending += 1;
        self.running_since.get_or_insert(now);
        Some(line)
    }

    /// Shows `line` after the prompt and keeps it in the history (unless it holds
    /// credentials), without running it (the tutor's own `:` commands).
    pub(super) fn echo(&mut self, line: &str) {
        self.push(ConsoleLine::new(
            ConsoleLineKind::Command,
            format!("{}{line}", self.prompt),
        ));
        self.scroll_back = 0;
        if !line.trim().is_empty()
            && !is_sensitive_line(line)
            && self.history.last().map(String::as_str) != Some(line)
        {
            self.history.push(line.to_string());
            if self.history.len() > MAX_HISTORY {
                self.history.remove(0);
            }
        }
    }

    /// Appends reply lines to the scrollback.
    pub(super) fn push_output(&mut self, lines: Vec<ConsoleLine>) {
        for line in lines {
            self.push(line);
        }
    }

    /// A message from the tutor.
    pub(super) fn notice(&mut self, text: impl Into<String>) {
        self.push(ConsoleLine::new(ConsoleLineKind::Notice, text));
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
        self.scroll_back = target.clamp(0, max.max(0)) as usize;
    }

    /// Rows of output visible (for paging).
    pub(super) fn page_rows(&self) -> usize {
        self.output_rows.max(1)
    }

    /// Notes the pane's size (for paging).
    pub(super) fn set_output_rows(&mut self, rows: usize) {
        self.output_rows = rows;
    }

    fn push(&mut self, mut line: ConsoleLine) {
        if let Some((cut, _)) = line.text.char_indices().nth(MAX_LINE_CHARS) {
            let hidden = line.text[cut..].chars().count();
            line.text.truncate(cut);
            line.text.push_str(&format!("… ({hidden} more characters)"));
        }
        self.lines.push_back(line);
        if self.lines.len() > MAX_SCROLLBACK {
            self.lines.pop_front();
            self.dropped += 1;
        }
        if self.scroll_back > 0 {
            // Keep what the learner scrolled to in place while output arrives.
            self.scroll_back = (self.scroll_back + 1).min(self.lines.len().saturating_sub(1));
        }
    }

    /// Draws the console pane: scrollback, then the prompt and input line (with the cursor),
    /// or what the console is waiting for.
    pub(super) fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        focused: bool,
        now: Instant,
        hint: Option<String>,
    ) {
        let mut title = vec![Span::styled(" Console ", theme::title(focused))];
        if let Some(since) = self.running_since {
            title.push(Span::styled(
                format!("running… {} ", elapsed(since, now)),
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
        let candidates = self.candidates();
        let extra_rows = u16::from(candidates.is_some() && inner.height > 2);
        let output_rows = usize::from(inner.height - 1 - extra_rows);

        // Walk up from the newest line shown until the rows above the input line are filled,
        // so only what is visible gets wrapped, however long the scrollback.
        let dropped_notice = (self.dropped > 0).then(|| {
            ConsoleLine::new(
                ConsoleLineKind::Notice,
                format!(
                    "… {} older lines were dropped (the console keeps {MAX_SCROLLBACK})",
                    self.dropped
                ),
            )
        });
        let scroll_back = self.scroll_back.min(self.lines.len().saturating_sub(1));
        let end = self.lines.len() - scroll_back;
        let mut start = end;
        let mut rows = 0;
        while start > 0 && rows < output_rows {
            start -= 1;
            rows += Paragraph::new(styled(&self.lines[start]))
                .wrap(Wrap { trim: false })
                .line_count(inner.width);
        }
        let mut shown_lines: Vec<Line> = Vec::new();
        if start == 0
            && rows < output_rows
            && let Some(notice) = &dropped_notice
        {
            shown_lines.push(styled(notice));
            rows += 1;
        }
        shown_lines.extend(self.lines.range(start..end).map(styled));
        let shown = rows.min(output_rows);
        let hidden_rows = rows - shown;
        let output = Paragraph::new(shown_lines)
            .wrap(Wrap { trim: false })
            .scroll((hidden_rows.min(usize::from(u16::MAX)) as u16, 0));
        frame.render_widget(
            output,
            Rect::new(inner.x, inner.y, inner.width, shown as u16),
        );
        let mut row = inner.y + shown as u16;
        if let Some((candidates, index)) = candidates
            && extra_rows == 1
        {
            let mut spans = Vec::new();
            for (i, candidate) in candidates.iter().enumerate() {
                let style = if Some(i) == index {
                    theme::selected_row()
                } else {
                    theme::dim()
                };
                spans.push(Span::styled(candidate.clone(), style));
                spans.push(Span::raw(" "));
            }
            frame.render_widget(
                Paragraph::new(Line::from(spans)),
                Rect::new(inner.x, row, inner.width, 1),
            );
            row += 1;
        }
        let input_row = Rect::new(inner.x, row, inner.width, 1);
        self.draw_input(frame, input_row, focused, hint);
    }

    fn draw_input(&self, frame: &mut Frame, row: Rect, focused: bool, hint: Option<String>) {
        if self.is_waiting() && !self.subscribed && self.history_search.is_none() {
            // No prompt while a command blocks, as in redis-cli.
            let text = if self.monitoring {
                "streaming MONITOR (Ctrl-C stops)"
            } else {
                "waiting for the reply (Ctrl-C stops)"
            };
            frame.render_widget(
                Paragraph::new(Span::styled(
                    text,
                    theme::dim().add_modifier(Modifier::ITALIC),
                )),
                row,
            );
            return;
        }
        let (prefix, text, cursor) = match &self.history_search {
            Some(search) => {
                let found = self.history_match().unwrap_or_default().to_string();
                let prefix = format!("(reverse-i-search)`{}': ", search.query);
                let cursor = found.chars().count();
                (prefix, found, cursor)
            }
            None => (self.prompt.clone(), self.input.text(), self.input.cursor()),
        };
        let before_cursor: String = text.chars().take(cursor).collect();
        let cursor_column = Span::raw(prefix.as_str()).width() + Span::raw(before_cursor).width();
        let width = usize::from(row.width);
        let skip = (cursor_column + 1).saturating_sub(width);
        let mut spans = vec![Span::raw(prefix)];
        spans.extend(highlighted(&text));
        if self.history_search.is_none()
            && self.input.cursor_at_end()
            && self.hints_enabled
            && let Some(hint) = hint
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
            row,
        );
        if focused {
            frame.set_cursor_position(Position::new(row.x + (cursor_column - skip) as u16, row.y));
        }
    }
}

/// The input text coloured by the console's tokenizer.
fn highlighted(text: &str) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut end = 0;
    for token in highlight(text) {
        if token.range.start > end {
            spans.push(Span::raw(text[end..token.range.start].to_string()));
        }
        spans.push(Span::styled(
            text[token.range.clone()].to_string(),
            redis_style(token.kind),
        ));
        end = token.range.end;
    }
    if end < text.len() {
        spans.push(Span::raw(text[end..].to_string()));
    }
    spans
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
