//! The lesson pane: the open page rendered as markdown at the pane's width, with its
//! selectable targets (```redis blocks to run, `<details>` answers to reveal), search and
//! sections.
//!
//! The rendered text is cached per page, width and set of revealed answers, and rebuilt only in
//! [`LessonView::sync`]; drawing reads the cache.

use super::app::{Action, Focus};
use super::keymap::{self, Context};
use super::theme;
use crate::markdown::{Document, to_plain_text};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Lessons wrap at most this wide, however wide the pane: long lines are hard to read.
pub const MAX_TEXT_WIDTH: u16 = 100;

/// Something in the lesson the reader can select and act on with Enter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    /// A ```redis block: its commands run in the console.
    RedisBlock { commands: Vec<String>, text: String },
    /// A `<details>` answer (its index in the page): Enter reveals or hides it.
    Answer { index: usize, revealed: bool },
}

/// A target and the rendered lines it takes (frame included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub first_line: usize,
    pub last_line: usize,
    pub kind: TargetKind,
}

/// A search of the lesson's text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// What was typed after `/`.
    pub query: String,
    /// Still typing the query (the search line takes the keys).
    pub editing: bool,
    /// Lines that contain the query (case-insensitive), in order.
    pub matches: Vec<usize>,
    /// Index into `matches` of the current one.
    pub current: Option<usize>,
}

/// The rendered page and where its parts are.
#[derive(Debug, Clone)]
struct Rendered {
    page: usize,
    width: u16,
    revealed: BTreeSet<usize>,
    lines: Vec<Line<'static>>,
    /// Lower-cased text of each line, for searching.
    plain: Vec<String>,
    targets: Vec<Target>,
    /// Headings below the title: (line, level, text).
    sections: Vec<(usize, u8, String)>,
}

/// The lesson pane's state.
#[derive(Debug, Default)]
pub struct LessonView {
    /// The parsed page (parsed once per page).
    document: Option<(usize, Document)>,
    rendered: Option<Rendered>,
    /// First line shown.
    scroll: usize,
    /// Rows of text visible.
    height: usize,
    /// Index into the targets of the selected one.
    selected: Option<usize>,
    /// Revealed answers, per page.
    revealed: HashMap<usize, BTreeSet<usize>>,
    /// ```redis blocks already run, per page, by their text.
    ran: HashMap<usize, HashSet<String>>,
    pub search: Option<Search>,
}

impl LessonView {
    /// Renders `markdown` (page `page`) for a pane whose text area is `width` x `height`, if
    /// the page, width or revealed answers changed. Keeps the reader at the same place in the
    /// text when only the width changed.
    pub fn sync(&mut self, page: usize, markdown: &str, width: u16, height: u16) {
        let width = width.clamp(1, MAX_TEXT_WIDTH);
        self.height = usize::from(height).max(1);
        let revealed = self.revealed.get(&page).cloned().unwrap_or_default();
        let current = self
            .rendered
            .as_ref()
            .is_some_and(|r| r.page == page && r.width == width && r.revealed == revealed);
        if !current {
            if self.document.as_ref().is_none_or(|(p, _)| *p != page) {
                self.document = Some((page, Document::parse(markdown)));
            }
            let (_, document) = self.document.as_ref().expect("parsed above");
            let rendered = document.render(width, &|index| revealed.contains(&index));
            let previous = self.rendered.take();
            let selected_first = self.selected_target().map(|t| t.first_line);
            let mut targets: Vec<Target> = rendered
                .code_blocks
                .iter()
                .filter(|block| block.is_redis() && !block.commands().is_empty())
                .map(|block| Target {
                    first_line: block.first_line.saturating_sub(1),
                    last_line: block.last_line + 1,
                    kind: TargetKind::RedisBlock {
                        commands: block.commands(),
                        text: block.text.clone(),
                    },
                })
                .chain(rendered.details.iter().map(|details| Target {
                    first_line: details.first_line,
                    last_line: details.first_line,
                    kind: TargetKind::Answer {
                        index: details.index,
                        revealed: details.revealed,
                    },
                }))
                .collect();
            targets.sort_by_key(|t| t.first_line);
            let plain = to_plain_text(&rendered)
                .split('\n')
                .map(str::to_lowercase)
                .collect();
            let sections = rendered
                .headings
                .iter()
                .filter(|heading| heading.level >= 2)
                .map(|heading| (heading.line, heading.level, heading.text.clone()))
                .collect();
            let new = Rendered {
                page,
                width,
                revealed,
                lines: rendered.lines,
                plain,
                targets,
                sections,
            };
            match &previous {
                Some(old) if old.page == page && old.width != width && !old.lines.is_empty() => {
                    self.scroll = self.scroll * new.lines.len() / old.lines.len();
                }
                Some(old) if old.page != page => {
                    self.selected = None;
                    self.search = None;
                }
                _ => {}
            }
            // An answer revealed or hidden: keep the same target selected.
            if let (Some(previous), Some(first)) = (&previous, selected_first)
                && previous.page == page
            {
                self.selected = new.targets.iter().position(|t| t.first_line >= first);
                if previous.width == width {
                    self.selected = previous
                        .targets
                        .iter()
                        .position(|t| t.first_line == first)
                        .and(self.selected);
                }
            }
            self.rendered = Some(new);
            self.refresh_matches();
        }
        self.scroll = self.scroll.min(self.max_scroll());
    }

    /// Forgets the rendering (the course changed under it, in tests).
    pub fn page(&self) -> Option<usize> {
        self.rendered.as_ref().map(|r| r.page)
    }

    /// The first line shown.
    pub fn scroll(&self) -> usize {
        self.scroll
    }

    /// Sets the first line shown (clamped at the next sync, which may render another page).
    pub fn set_scroll(&mut self, line: usize) {
        self.scroll = line;
    }

    /// Scrolls by `lines` (negative is up).
    pub fn scroll_by(&mut self, lines: isize) {
        let target = (self.scroll as isize).saturating_add(lines).max(0) as usize;
        self.scroll = target.min(self.max_scroll());
    }

    /// Rows of text visible.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The largest useful scroll position: the last line at the bottom of the pane.
    pub fn max_scroll(&self) -> usize {
        self.rendered
            .as_ref()
            .map(|r| r.lines.len().saturating_sub(self.height))
            .unwrap_or(0)
    }

    fn targets(&self) -> &[Target] {
        self.rendered
            .as_ref()
            .map(|r| r.targets.as_slice())
            .unwrap_or_default()
    }

    /// The selected target, if any.
    pub fn selected_target(&self) -> Option<&Target> {
        self.selected.and_then(|index| self.targets().get(index))
    }

    fn is_visible(&self, target: &Target) -> bool {
        target.last_line >= self.scroll && target.first_line < self.scroll + self.height
    }

    /// The target Enter acts on: the selected one when it is on screen, else the first one on
    /// screen (which becomes selected).
    pub fn target_for_enter(&mut self) -> Option<Target> {
        if let Some(target) = self.selected_target()
            && self.is_visible(target)
        {
            return Some(target.clone());
        }
        let index = self.targets().iter().position(|t| self.is_visible(t))?;
        self.selected = Some(index);
        Some(self.targets()[index].clone())
    }

    /// Why Enter found nothing to act on.
    pub fn nothing_to_run(&self) -> String {
        if self.targets().is_empty() {
            format!(
                "This page has no runnable ```redis block or hidden answer; type commands in the console ({}).",
                keymap::keys_for(Context::Reading, Action::FocusPane(Focus::Console))
            )
        } else {
            format!(
                "No runnable block or answer on screen: press {} to jump to the next one.",
                keymap::keys_for(Context::Lesson, Action::NextTarget)
            )
        }
    }

    /// Selects the next (or previous) target after the selected one (or from the screen's
    /// top), and scrolls it into view.
    pub fn select_next(&mut self, forward: bool) -> bool {
        let targets = self.targets();
        if targets.is_empty() {
            return false;
        }
        let next = match (self.selected, forward) {
            (Some(index), true) if self.is_visible(&targets[index]) => {
                (index + 1 < targets.len()).then_some(index + 1)
            }
            (Some(index), false) if self.is_visible(&targets[index]) => index.checked_sub(1),
            (_, true) => targets
                .iter()
                .position(|t| t.last_line >= self.scroll)
                .or(Some(targets.len() - 1)),
            (_, false) => targets
                .iter()
                .rposition(|t| t.first_line < self.scroll + self.height)
                .or(Some(0)),
        };
        let Some(index) = next else { return false };
        self.selected = Some(index);
        self.reveal_target(index);
        true
    }

    /// Selects the target that covers `line` (a click), returning whether it already was.
    pub fn select_at_line(&mut self, line: usize) -> Option<bool> {
        let index = self
            .targets()
            .iter()
            .position(|t| (t.first_line..=t.last_line).contains(&line))?;
        let already = self.selected == Some(index);
        self.selected = Some(index);
        Some(already)
    }

    /// Scrolls so that target `index` is on screen, with a little context above it.
    fn reveal_target(&mut self, index: usize) {
        let Some(target) = self.targets().get(index).cloned() else {
            return;
        };
        let height = self.height;
        if target.first_line < self.scroll || target.last_line >= self.scroll + height {
            self.scroll = target.first_line.saturating_sub(2).min(self.max_scroll());
        }
    }

    /// Marks a ```redis block of page `page` as run.
    pub fn mark_ran(&mut self, page: usize, text: &str) {
        self.ran.entry(page).or_default().insert(text.to_string());
    }

    /// Reveals or hides answer `index` of page `page` (rendered again at the next sync).
    pub fn toggle_answer(&mut self, page: usize, index: usize) {
        let revealed = self.revealed.entry(page).or_default();
        if !revealed.remove(&index) {
            revealed.insert(index);
        }
    }

    /// The line of the next (or previous) section heading from the current scroll.
    pub fn section_from(&self, forward: bool) -> Option<usize> {
        let sections = &self.rendered.as_ref()?.sections;
        if forward {
            sections
                .iter()
                .map(|(line, _, _)| *line)
                .find(|line| *line > self.scroll)
        } else {
            sections
                .iter()
                .map(|(line, _, _)| *line)
                .rfind(|line| *line < self.scroll)
                .or((self.scroll > 0).then_some(0))
        }
    }

    /// The sections of the page: (line, level, text).
    pub fn sections(&self) -> &[(usize, u8, String)] {
        self.rendered
            .as_ref()
            .map(|r| r.sections.as_slice())
            .unwrap_or_default()
    }

    /// The section the top line belongs to.
    pub fn current_section(&self) -> Option<usize> {
        self.sections()
            .iter()
            .rposition(|(line, _, _)| *line <= self.scroll)
    }

    /// Starts typing a search.
    pub fn start_search(&mut self) {
        self.search = Some(Search {
            editing: true,
            ..Search::default()
        });
    }

    /// Changes the search query (while typing it) and jumps to the first match from the top
    /// of the screen.
    pub fn edit_search(&mut self, edit: impl FnOnce(&mut String)) {
        if let Some(search) = &mut self.search {
            edit(&mut search.query);
            search.current = None;
        }
        self.refresh_matches();
        self.jump_to_match(true);
    }

    /// Ends typing the search; an empty search is dropped.
    pub fn accept_search(&mut self) {
        if let Some(search) = &mut self.search {
            search.editing = false;
            if search.query.is_empty() {
                self.search = None;
            }
        }
    }

    fn refresh_matches(&mut self) {
        let Some(rendered) = &self.rendered else {
            return;
        };
        if let Some(search) = &mut self.search {
            let query = search.query.to_lowercase();
            search.matches = if query.is_empty() {
                Vec::new()
            } else {
                rendered
                    .plain
                    .iter()
                    .enumerate()
                    .filter(|(_, line)| line.contains(&query))
                    .map(|(index, _)| index)
                    .collect()
            };
            if search.current.is_some_and(|c| c >= search.matches.len()) {
                search.current = None;
            }
        }
    }

    /// Moves to the next (or previous) match and scrolls to it; false without a search or match.
    pub fn jump_to_match(&mut self, forward: bool) -> bool {
        let height = self.height;
        let scroll = self.scroll;
        let Some(search) = &mut self.search else {
            return false;
        };
        if search.matches.is_empty() {
            return false;
        }
        let next = match (search.current, forward) {
            (Some(current), true) => (current + 1) % search.matches.len(),
            (Some(current), false) => (current + search.matches.len() - 1) % search.matches.len(),
            (None, true) => search
                .matches
                .iter()
                .position(|line| *line >= scroll)
                .unwrap_or(0),
            (None, false) => search
                .matches
                .iter()
                .rposition(|line| *line < scroll + height)
                .unwrap_or(search.matches.len() - 1),
        };
        search.current = Some(next);
        let line = search.matches[next];
        if line < scroll || line >= scroll + height {
            self.scroll = line.saturating_sub(height / 3).min(self.max_scroll());
        }
        true
    }

    /// The line of the lesson shown at row `row` of the text area.
    pub fn line_at_row(&self, row: usize) -> usize {
        self.scroll + row
    }

    /// Whether block `text` of `page` was run.
    fn was_run(&self, page: usize, text: &str) -> bool {
        self.ran.get(&page).is_some_and(|ran| ran.contains(text))
    }

    /// Draws the pane: `title` in the top border, the visible lines, the selected target
    /// highlighted, run blocks marked, search matches highlighted and the position.
    pub fn draw(&self, frame: &mut Frame, area: Rect, title: String, focused: bool) {
        let Some(rendered) = &self.rendered else {
            frame.render_widget(Block::default().borders(Borders::ALL), area);
            return;
        };
        let height = self.height;
        let scroll = self.scroll;
        let query = self
            .search
            .as_ref()
            .map(|s| s.query.to_lowercase())
            .filter(|q| !q.is_empty());
        let mut visible: Vec<Line<'static>> = Vec::with_capacity(height);
        for index in scroll..(scroll + height).min(rendered.lines.len()) {
            let mut line = rendered.lines[index].clone();
            if let Some(query) = &query
                && rendered.plain[index].contains(query.as_str())
            {
                line = highlight_matches(line, query, theme::search_match());
            }
            visible.push(line);
        }
        let position = if rendered.lines.len() <= height {
            String::new()
        } else {
            format!(
                " {}% ",
                (scroll * 100).checked_div(self.max_scroll()).unwrap_or(100)
            )
        };
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme::border(focused))
            .title(Span::styled(title, theme::title(focused)))
            .title_bottom(Line::from(Span::styled(position, theme::dim())).right_aligned());
        if let Some(search) = &self.search {
            let count = match search.current {
                _ if search.query.is_empty() => String::new(),
                _ if search.matches.is_empty() => " (no match)".to_string(),
                Some(current) => format!(" ({}/{})", current + 1, search.matches.len()),
                None => format!(" ({} lines)", search.matches.len()),
            };
            let cursor = if search.editing { "▏" } else { "" };
            block = block.title_bottom(Line::from(Span::styled(
                format!(" /{}{cursor}{count} ", search.query),
                theme::running(),
            )));
        } else if focused && let Some(target) = self.selected_target() {
            let enter = run_key();
            let hint = match &target.kind {
                TargetKind::RedisBlock { commands, .. } if commands.len() == 1 => {
                    format!(" {enter} runs: {} ", commands[0])
                }
                TargetKind::RedisBlock { commands, .. } => {
                    format!(
                        " {enter} runs: {} (+{} more) ",
                        commands[0],
                        commands.len() - 1
                    )
                }
                TargetKind::Answer {
                    revealed: false, ..
                } => format!(" {enter} reveals the answer "),
                TargetKind::Answer { revealed: true, .. } => format!(" {enter} hides the answer "),
            };
            block = block.title_bottom(Line::from(Span::styled(hint, theme::running())));
        }
        let inner = block.inner(area);
        frame.render_widget(Paragraph::new(visible).block(block), area);

        // Marks over the targets on screen: the selection bar and "ran" labels.
        let buffer = frame.buffer_mut();
        for (index, target) in rendered.targets.iter().enumerate() {
            if !self.is_visible(target) {
                continue;
            }
            let selected = self.selected == Some(index);
            let first = target.first_line.max(scroll);
            let last = target.last_line.min(scroll + height - 1);
            if selected && inner.x > area.x {
                for line in first..=last {
                    let y = inner.y + (line - scroll) as u16;
                    if y < inner.bottom() {
                        buffer[(area.x, y)]
                            .set_symbol("▌")
                            .set_style(theme::selection_bar());
                    }
                }
            }
            if let TargetKind::RedisBlock { text, .. } = &target.kind
                && target.first_line >= scroll
            {
                let ran = self.was_run(rendered.page, text);
                let label = match (selected, ran) {
                    (true, true) => format!(" ✓ ran · {} runs again ", run_key()),
                    (true, false) => format!(" ▶ {} runs ", run_key()),
                    (false, true) => " ✓ ran ".to_string(),
                    (false, false) => " ▶ ".to_string(),
                };
                let y = inner.y + (target.first_line - scroll) as u16;
                let width = Span::raw(label.as_str()).width() as u16;
                let right = inner.x + u16::min(inner.width, rendered.width);
                if y < inner.bottom() && right >= inner.x + width + 12 {
                    let style = if ran {
                        theme::passed()
                    } else {
                        theme::running()
                    };
                    buffer.set_string(right - width - 2, y, &label, style);
                }
            }
        }
    }
}

/// The line with every case-insensitive occurrence of `query` in `style`.
fn highlight_matches(line: Line<'static>, query: &str, style: Style) -> Line<'static> {
    let mut spans = Vec::new();
    for span in line.spans {
        let lower = span.content.to_lowercase();
        // Lower-casing can change byte lengths; then the span is left as it is.
        if lower.len() != span.content.len() {
            spans.push(span);
            continue;
        }
        let mut start = 0;
        let text = span.content.to_string();
        while let Some(found) = lower[start..].find(query) {
            let at = start + found;
            let end = at + query.len();
            if !text.is_char_boundary(at) || !text.is_char_boundary(end) {
                break;
            }
            if at > start {
                spans.push(Span::styled(text[start..at].to_string(), span.style));
            }
            spans.push(Span::styled(
                text[at..end].to_string(),
                span.style.patch(style).add_modifier(Modifier::BOLD),
            ));
            start = end;
        }
        if start < text.len() {
            spans.push(Span::styled(text[start..].to_string(), span.style));
        }
    }
    Line::from(spans)
}

/// The key that runs the selected block, from the keymap.
fn run_key() -> String {
    keymap::keys_for(Context::Lesson, Action::ActivateTarget)
}
