//! The application state and its update function: terminal and background events become
//! [`Action`]s, actions change the state, and the state is drawn by the pane modules.

use super::console::ConsoleState;
use super::event::{Event, Request};
use super::exercise::ExerciseState;
use super::layout::{self, PaneAreas, Screen};
use super::lesson::LessonState;
use super::model::{ConsoleLine, ConsoleLineKind};
use super::sidebar::{SidebarRow, SidebarState};
use super::{exercise, help, lesson, sidebar, status};
use crate::course::progress::Progress;
use crate::course::{Course, PageRef};
use crate::grader::Report;
use ratatui::Frame;
use ratatui::crossterm::event::{
    Event as TerminalEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent,
    MouseEventKind,
};
use ratatui::layout::Position;
use ratatui::widgets::Clear;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// How far `t` moves the embedded Redis clock.
const CLOCK_STEP: Duration = Duration::from_secs(60);

/// Reads the current time; tests pass a fixed clock so elapsed times stay deterministic.
pub type Now = Arc<dyn Fn() -> Instant + Send + Sync>;

/// Grey argument hint shown after the typed input (from the console's command table).
pub type ArgumentHints = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Which pane receives keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Focus {
    Sidebar,
    Lesson,
    Console,
    Exercise,
}

impl Focus {
    const ORDER: [Focus; 4] = [
        Focus::Sidebar,
        Focus::Lesson,
        Focus::Console,
        Focus::Exercise,
    ];

    fn next(self) -> Focus {
        let index = Focus::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        Focus::ORDER[(index + 1) % Focus::ORDER.len()]
    }

    fn previous(self) -> Focus {
        let index = Focus::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        Focus::ORDER[(index + Focus::ORDER.len() - 1) % Focus::ORDER.len()]
    }
}

/// A window drawn over the panes that takes the keys while it is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    /// Every key binding.
    Help,
    /// "Reset this exercise?" for the exercise with this index.
    ConfirmReset(usize),
}

/// Everything the learner can ask for, whatever key or mouse gesture asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    FocusNext,
    FocusPrevious,
    FocusPane(Focus),
    /// Scroll (or move the selection in) a pane by this many lines; negative is up.
    Scroll(Focus, isize),
    /// Scroll a pane by a page; negative is up.
    Page(Focus, isize),
    ScrollTop(Focus),
    ScrollBottom(Focus),
    /// Open the chapter, lesson or exercise selected in the sidebar.
    OpenSelected,
    /// Select and open the sidebar row with this index.
    OpenRow(usize),
    /// Open the next page (a chapter's introduction or a lesson) in reading order.
    NextPage,
    PreviousPage,
    /// Scroll the lesson to its next section heading.
    NextSection,
    /// Scroll the lesson to its previous section heading.
    PreviousSection,
    CheckExercise,
    RevealHint,
    AskReset,
    ConfirmReset,
    CloseOverlay,
    ToggleHelp,
    /// Scroll the help overlay by this many lines; negative is up.
    ScrollHelp(isize),
    Edit(Edit),
    /// Run the console input line.
    Submit,
    /// Run the first ```redis block visible in the lesson in the console.
    RunLessonBlock,
    /// Abandon the console's running command or message stream.
    InterruptConsole,
    /// Empty the console's scrollback (Ctrl-L).
    ClearConsole,
    /// Move the embedded Redis clock forward by a minute.
    AdvanceClock,
}

/// An edit of the console input line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Insert(char),
    Left,
    Right,
    Home,
    End,
    Backspace,
    Delete,
    KillToStart,
    KillToEnd,
    DeleteWord,
    Clear,
    HistoryPrevious,
    HistoryNext,
}

/// How the app is built: the course, where the learner left off and the services it uses.
pub struct AppOptions {
    /// The chapters and exercises shown.
    pub course: Arc<Course>,
    /// Where the learner left off; the app keeps it up to date.
    pub progress: Progress,
    /// One line describing the Redis the tutor talks to, for the status bar.
    pub backend_description: String,
    /// The prompt shown before the console has connected.
    pub initial_prompt: String,
    /// Console history loaded from earlier sessions, oldest first.
    pub history: Vec<String>,
    /// Where work for the background goes.
    pub requests: UnboundedSender<Request>,
    /// The clock for elapsed times.
    pub now: Now,
    /// The grey hint after the console input.
    pub argument_hints: ArgumentHints,
}

/// The whole UI state.
pub struct App {
    pub(super) course: Arc<Course>,
    pub(super) progress: Progress,
    /// Progress changed in a way worth saving right away (not just a scroll).
    progress_changed: bool,
    pub(super) backend_description: String,
    pub(super) focus: Focus,
    pub(super) overlay: Option<Overlay>,
    /// Every page of the course in reading order.
    pub(super) pages: Vec<PageRef>,
    /// Index into `pages` of the page in the lesson pane.
    pub(super) page: usize,
    /// Index of the exercise in the exercise pane.
    pub(super) exercise: Option<usize>,
    pub(super) sidebar: SidebarState,
    pub(super) lesson: LessonState,
    pub(super) console: ConsoleState,
    pub(super) exercises: ExerciseState,
    pub(super) areas: Option<PaneAreas>,
    /// First line shown in the help overlay (clamped when drawn).
    pub(super) help_scroll: usize,
    pub(super) now: Now,
    pub(super) argument_hints: ArgumentHints,
    requests: UnboundedSender<Request>,
    should_quit: bool,
    dirty: bool,
}

impl App {
    /// Builds the app, opening the chapter and exercise where the learner left off.
    pub fn new(options: AppOptions) -> App {
        let AppOptions {
            course,
            progress,
            backend_description,
            initial_prompt,
            history,
            requests,
            now,
            argument_hints,
        } = options;
        let exercise = progress
            .current_exercise
            .as_deref()
            .and_then(|id| course.exercises.iter().position(|e| e.id == id))
            .or_else(|| first_unsolved(&course, &progress));
        let pages = course.pages();
        let page = progress
            .current_page
            .as_deref()
            .and_then(|id| pages.iter().position(|p| page_id(&course, *p) == id))
            .or_else(|| exercise.and_then(|e| exercise_page(&course, &pages, e)))
            .unwrap_or(0);
        let mut app = App {
            sidebar: SidebarState::default(),
            lesson: LessonState::default(),
            console: ConsoleState::new(initial_prompt, history),
            exercises: ExerciseState::default(),
            course,
            progress,
            progress_changed: false,
            backend_description,
            focus: Focus::Lesson,
            overlay: None,
            pages,
            page,
            exercise,
            areas: None,
            help_scroll: 0,
            now,
            argument_hints,
            requests,
            should_quit: false,
            dirty: true,
        };
        if let Some(exercise) = exercise {
            app.activate_exercise(exercise);
        }
        app.select_current_in_sidebar();
        app
    }

    /// Whether the learner asked to quit.
    pub fn should_quit(&self) -> bool {
        self.should_quit
    }

    /// Whether something changed since the last draw.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Whether a command, check or reset is running (the screen then shows elapsed time).
    pub fn is_busy(&self) -> bool {
        self.console.running_since.is_some() || self.exercises.is_busy()
    }

    /// Marks the screen for redrawing (elapsed times moved on).
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// The focused pane.
    pub fn focus(&self) -> Focus {
        self.focus
    }

    /// The open overlay, if any.
    pub fn overlay(&self) -> Option<Overlay> {
        self.overlay
    }

    /// The learner's progress as it stands.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Returns whether progress changed since the last call (and should be saved).
    pub fn take_progress_changed(&mut self) -> bool {
        std::mem::take(&mut self.progress_changed)
    }

    /// The text in the console input line.
    pub fn console_input(&self) -> String {
        self.console.input.text()
    }

    /// The first lesson line shown for the open page.
    pub fn lesson_scroll(&self) -> usize {
        self.lesson_scroll_of(self.page)
    }

    /// The open page (a chapter's introduction or a lesson).
    pub fn current_page(&self) -> PageRef {
        self.pages.get(self.page).copied().unwrap_or(PageRef {
            chapter: 0,
            lesson: 0,
        })
    }

    /// Index of the open exercise.
    pub fn current_exercise(&self) -> Option<usize> {
        self.exercise
    }

    /// Reacts to one event.
    pub fn handle_event(&mut self, event: Event) {
        match event {
            Event::Terminal(TerminalEvent::Paste(text)) => self.paste(&text),
            Event::Terminal(TerminalEvent::Resize(..) | TerminalEvent::FocusGained) => {
                self.dirty = true
            }
            Event::Terminal(terminal_event) => {
                // Mouse moves and unbound keys change nothing and cost no redraw.
                if let Some(action) = self.action_for(&terminal_event) {
                    self.update(action);
                }
            }
            other => {
                self.dirty = true;
                self.handle_background_event(other);
            }
        }
    }

    fn handle_background_event(&mut self, event: Event) {
        match event {
            Event::Terminal(_) => {}
            Event::ConsoleOutput(lines) => self.console.push_output(lines),
            Event::ConsoleReady { prompt } => self.console.command_finished(prompt, (self.now)()),
            Event::ConsoleClear => self.console.clear_screen(),
            Event::ConsoleExit => self.should_quit = true,
            Event::ConsoleHints(enabled) => self.console.hints_enabled = enabled,
            Event::Checked { exercise, outcome } => self.record_check(exercise, outcome),
            Event::ResetDone { exercise, outcome } => {
                let message = match outcome {
                    Ok(()) => format!(
                        "Exercise \"{}\" was reset.",
                        self.course.exercises[exercise].title
                    ),
                    Err(error) => format!("Reset failed: {error}"),
                };
                self.exercises.reset_finished(exercise, message.clone());
                self.console
                    .push_output(vec![ConsoleLine::new(ConsoleLineKind::Notice, message)]);
            }
            Event::Notice(message) => self
                .console
                .push_output(vec![ConsoleLine::new(ConsoleLineKind::Notice, message)]),
        }
    }

    /// Maps a terminal event to the action it stands for in the current mode.
    pub fn action_for(&self, event: &TerminalEvent) -> Option<Action> {
        match event {
            TerminalEvent::Key(key) if key.kind != KeyEventKind::Release => {
                self.action_for_key(key)
            }
            TerminalEvent::Mouse(mouse) => self.action_for_mouse(mouse),
            _ => None,
        }
    }

    fn action_for_key(&self, key: &KeyEvent) -> Option<Action> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        if let Some(overlay) = self.overlay {
            return match (overlay, key.code) {
                (_, KeyCode::Char('c')) if ctrl => Some(Action::Quit),
                (Overlay::Help, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('?' | 'q')) => {
                    Some(Action::CloseOverlay)
                }
                (Overlay::Help, KeyCode::F(1)) => Some(Action::CloseOverlay),
                (Overlay::Help, KeyCode::Up | KeyCode::Char('k')) => Some(Action::ScrollHelp(-1)),
                (Overlay::Help, KeyCode::Down | KeyCode::Char('j')) => Some(Action::ScrollHelp(1)),
                (Overlay::Help, KeyCode::PageUp) => Some(Action::ScrollHelp(-10)),
                (Overlay::Help, KeyCode::PageDown | KeyCode::Char(' ')) => {
                    Some(Action::ScrollHelp(10))
                }
                (Overlay::Help, KeyCode::Home) => Some(Action::ScrollHelp(isize::MIN / 2)),
                (Overlay::Help, KeyCode::End) => Some(Action::ScrollHelp(isize::MAX / 2)),
                (Overlay::ConfirmReset(_), KeyCode::Char('y' | 'Y') | KeyCode::Enter) => {
                    Some(Action::ConfirmReset)
                }
                (Overlay::ConfirmReset(_), KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc) => {
                    Some(Action::CloseOverlay)
                }
                _ => None,
            };
        }
        match key.code {
            KeyCode::Tab => return Some(Action::FocusNext),
            KeyCode::BackTab => return Some(Action::FocusPrevious),
            KeyCode::F(1) => return Some(Action::ToggleHelp),
            KeyCode::F(5) => return Some(Action::CheckExercise),
            _ => {}
        }
        if self.focus == Focus::Console {
            return Some(match key.code {
                KeyCode::Char('c') if ctrl => {
                    if !self.console.input.is_empty() {
                        Action::Edit(Edit::Clear)
                    } else if self.console.is_interruptible() {
                        Action::InterruptConsole
                    } else {
                        Action::Quit
                    }
                }
                KeyCode::Char('u') if ctrl => Action::Edit(Edit::KillToStart),
                KeyCode::Char('k') if ctrl => Action::Edit(Edit::KillToEnd),
                KeyCode::Char('w') if ctrl => Action::Edit(Edit::DeleteWord),
                KeyCode::Char('l') if ctrl => Action::ClearConsole,
                KeyCode::Char('a') if ctrl => Action::Edit(Edit::Home),
                KeyCode::Char('e') if ctrl => Action::Edit(Edit::End),
                KeyCode::Char('b') if ctrl => Action::Edit(Edit::Left),
                KeyCode::Char('f') if ctrl => Action::Edit(Edit::Right),
                KeyCode::Char('p') if ctrl => Action::Edit(Edit::HistoryPrevious),
                KeyCode::Char('n') if ctrl => Action::Edit(Edit::HistoryNext),
                KeyCode::Char(_) if ctrl || alt => return None,
                KeyCode::Char(c) => Action::Edit(Edit::Insert(c)),
                KeyCode::Left => Action::Edit(Edit::Left),
                KeyCode::Right => Action::Edit(Edit::Right),
                KeyCode::Home => Action::Edit(Edit::Home),
                KeyCode::End => Action::Edit(Edit::End),
                KeyCode::Backspace => Action::Edit(Edit::Backspace),
                KeyCode::Delete => Action::Edit(Edit::Delete),
                KeyCode::Up => Action::Edit(Edit::HistoryPrevious),
                KeyCode::Down => Action::Edit(Edit::HistoryNext),
                KeyCode::PageUp => Action::Page(Focus::Console, -1),
                KeyCode::PageDown => Action::Page(Focus::Console, 1),
                KeyCode::Enter => Action::Submit,
                KeyCode::Esc => Action::FocusPane(Focus::Lesson),
                _ => return None,
            });
        }
        let pane = self.focus;
        Some(match key.code {
            KeyCode::Char('c') if ctrl => Action::Quit,
            KeyCode::Char(_) if ctrl || alt => return None,
            KeyCode::Char('q') => Action::Quit,
            KeyCode::Char('?') => Action::ToggleHelp,
            KeyCode::Char('c') => Action::CheckExercise,
            KeyCode::Char('h') => Action::RevealHint,
            KeyCode::Char('r') => Action::AskReset,
            KeyCode::Char('n') => Action::NextPage,
            KeyCode::Char('p') => Action::PreviousPage,
            KeyCode::Char('i' | ':') => Action::FocusPane(Focus::Console),
            KeyCode::Char(']') => Action::NextSection,
            KeyCode::Char('t') => Action::AdvanceClock,
            KeyCode::Char('[') => Action::PreviousSection,
            KeyCode::Up | KeyCode::Char('k') => Action::Scroll(pane, -1),
            KeyCode::Down | KeyCode::Char('j') => Action::Scroll(pane, 1),
            KeyCode::PageUp => Action::Page(pane, -1),
            KeyCode::PageDown | KeyCode::Char(' ') => Action::Page(pane, 1),
            KeyCode::Home | KeyCode::Char('g') => Action::ScrollTop(pane),
            KeyCode::End | KeyCode::Char('G') => Action::ScrollBottom(pane),
            KeyCode::Enter if pane == Focus::Sidebar => Action::OpenSelected,
            KeyCode::Enter if pane == Focus::Lesson => Action::RunLessonBlock,
            _ => return None,
        })
    }

    fn action_for_mouse(&self, mouse: &MouseEvent) -> Option<Action> {
        match (self.overlay, mouse.kind) {
            (None, _) => {}
            (Some(Overlay::Help), MouseEventKind::ScrollUp) => return Some(Action::ScrollHelp(-3)),
            (Some(Overlay::Help), MouseEventKind::ScrollDown) => {
                return Some(Action::ScrollHelp(3));
            }
            (Some(_), _) => return None,
        }
        let position = Position::new(mouse.column, mouse.row);
        let pane = self.pane_at(position)?;
        match mouse.kind {
            MouseEventKind::ScrollUp => Some(Action::Scroll(pane, -3)),
            MouseEventKind::ScrollDown => Some(Action::Scroll(pane, 3)),
            MouseEventKind::Down(MouseButton::Left) if pane == Focus::Sidebar => self
                .sidebar_row_at(position)
                .map(Action::OpenRow)
                .or(Some(Action::FocusPane(pane))),
            MouseEventKind::Down(MouseButton::Left) => Some(Action::FocusPane(pane)),
            _ => None,
        }
    }

    fn pane_at(&self, position: Position) -> Option<Focus> {
        let areas = self.areas?;
        // The sidebar comes first: as a drawer it covers part of the lesson.
        [
            (areas.sidebar, Focus::Sidebar),
            (Some(areas.lesson), Focus::Lesson),
            (Some(areas.console), Focus::Console),
            (Some(areas.exercise), Focus::Exercise),
        ]
        .into_iter()
        .find(|(area, _)| area.is_some_and(|area| area.contains(position)))
        .map(|(_, pane)| pane)
    }

    fn sidebar_row_at(&self, position: Position) -> Option<usize> {
        let area = self.areas?.sidebar?;
        let inner_top = area.y + sidebar::HEADER_ROWS;
        if position.y < inner_top || position.y + 1 >= area.bottom() {
            return None;
        }
        let row = self.sidebar.list.offset() + usize::from(position.y - inner_top);
        (row < sidebar::rows(&self.course).len()).then_some(row)
    }

    /// Applies one action to the state.
    pub fn update(&mut self, action: Action) {
        self.dirty = true;
        match action {
            Action::Quit => self.should_quit = true,
            Action::FocusNext => self.focus = self.focus.next(),
            Action::FocusPrevious => self.focus = self.focus.previous(),
            Action::FocusPane(pane) => self.focus = pane,
            Action::Scroll(pane, lines) => self.scroll(pane, lines),
            Action::Page(pane, pages) => {
                let page = self.page_height(pane) as isize;
                self.scroll(pane, pages * page.max(1));
            }
            Action::ScrollTop(pane) => self.scroll(pane, isize::MIN / 2),
            Action::ScrollBottom(pane) => self.scroll(pane, isize::MAX / 2),
            Action::OpenSelected => {
                if let Some(row) = self.sidebar.list.selected() {
                    self.open_row(row);
                    self.close_sidebar_drawer();
                }
            }
            Action::OpenRow(row) => {
                self.focus = Focus::Sidebar;
                self.open_row(row);
                self.close_sidebar_drawer();
            }
            Action::NextPage => {
                if self.page + 1 < self.pages.len() {
                    self.open_page(self.page + 1);
                }
            }
            Action::PreviousPage => {
                if self.page > 0 {
                    self.open_page(self.page - 1);
                }
            }
            Action::NextSection | Action::PreviousSection => {
                let scroll = self.lesson_scroll().min(self.lesson.max_scroll());
                let target = if action == Action::NextSection {
                    self.lesson.next_section(scroll)
                } else {
                    self.lesson.previous_section(scroll)
                };
                if let Some(target) = target {
                    self.set_lesson_scroll(target.min(self.lesson.max_scroll()));
                }
            }
            Action::CheckExercise => self.check(),
            Action::RevealHint => self.reveal_hint(),
            Action::AskReset => {
                if let Some(exercise) = self.exercise {
                    self.overlay = Some(Overlay::ConfirmReset(exercise));
                }
            }
            Action::ConfirmReset => {
                if let Some(Overlay::ConfirmReset(exercise)) = self.overlay.take()
                    && !self.exercises.is_resetting(exercise)
                {
                    let variant = self
                        .progress
                        .start_attempt(&self.course.exercises[exercise]);
                    self.progress_changed = true;
                    self.exercises.reset_started(exercise, (self.now)());
                    self.send(Request::Reset { exercise, variant });
                }
            }
            Action::CloseOverlay => self.overlay = None,
            Action::ToggleHelp => {
                self.help_scroll = 0;
                self.overlay = match self.overlay {
                    Some(Overlay::Help) => None,
                    _ => Some(Overlay::Help),
                }
            }
            Action::ScrollHelp(lines) => {
                self.help_scroll =
                    (self.help_scroll as isize).saturating_add(lines).max(0) as usize;
            }
            Action::Edit(edit) => self.console.edit(edit),
            Action::Submit => {
                let now = (self.now)();
                if let Some(line) = self.console.submit(now) {
                    self.send(Request::ConsoleLine(line));
                }
            }
            Action::ClearConsole => self.console.clear_screen(),
            Action::AdvanceClock => self.send(Request::AdvanceClock(CLOCK_STEP)),
            Action::InterruptConsole => {
                self.console.interrupted();
                self.send(Request::ConsoleInterrupt);
            }
            Action::RunLessonBlock => {
                let scroll = self.lesson_scroll();
                let commands = self
                    .lesson
                    .visible_redis_block(scroll)
                    .map(<[String]>::to_vec)
                    .unwrap_or_default();
                let now = (self.now)();
                for command in commands {
                    if let Some(line) = self.console.run_line(command, now) {
                        self.send(Request::LessonLine(line));
                    }
                }
            }
        }
    }

    /// Inserts pasted text into the console input line.
    pub fn paste(&mut self, text: &str) {
        if self.overlay.is_none() && self.focus == Focus::Console {
            self.console.input.insert_str(text);
            self.dirty = true;
        }
    }

    /// After opening something from the course list drawn as a drawer, shows the lesson.
    fn close_sidebar_drawer(&mut self) {
        if self.areas.is_some_and(|areas| areas.sidebar_floats) {
            self.focus = Focus::Lesson;
        }
    }

    fn send(&mut self, request: Request) {
        if self.requests.send(request).is_err() {
            self.console.push_output(vec![ConsoleLine::new(
                ConsoleLineKind::Notice,
                "The background worker has stopped; restart the tutor.",
            )]);
        }
    }

    fn page_height(&self, pane: Focus) -> usize {
        let Some(areas) = self.areas else { return 10 };
        let area = match pane {
            Focus::Sidebar => areas.sidebar.unwrap_or(areas.lesson),
            Focus::Lesson => areas.lesson,
            Focus::Console => areas.console,
            Focus::Exercise => areas.exercise,
        };
        usize::from(area.height.saturating_sub(3)).max(1)
    }

    fn scroll(&mut self, pane: Focus, lines: isize) {
        match pane {
            Focus::Sidebar => {
                let count = sidebar::rows(&self.course).len();
                if count == 0 {
                    return;
                }
                let current = self.sidebar.list.selected().unwrap_or(0) as isize;
                let target = current.saturating_add(lines).clamp(0, count as isize - 1);
                self.sidebar.list.select(Some(target as usize));
            }
            Focus::Lesson => {
                let max = self.lesson.max_scroll();
                let current = self.lesson_scroll_of(self.page) as isize;
                let target = current.saturating_add(lines).clamp(0, max as isize) as usize;
                self.set_lesson_scroll(target);
            }
            Focus::Console => self.console.scroll(lines),
            Focus::Exercise => self.exercises.scroll(lines),
        }
    }

    fn set_lesson_scroll(&mut self, line: usize) {
        if let Some(&page) = self.pages.get(self.page) {
            let line = u32::try_from(line).unwrap_or(u32::MAX);
            let id = page_id(&self.course, page);
            self.progress.page_scroll.insert(id, line);
        }
    }

    /// The first lesson line shown for page index `page`.
    pub(super) fn lesson_scroll_of(&self, page: usize) -> usize {
        self.pages
            .get(page)
            .and_then(|&p| self.progress.page_scroll.get(&page_id(&self.course, p)))
            .map(|&scroll| scroll as usize)
            .unwrap_or(0)
    }

    fn open_row(&mut self, row: usize) {
        let rows = sidebar::rows(&self.course);
        let Some(&target) = rows.get(row) else { return };
        self.sidebar.list.select(Some(row));
        match target {
            SidebarRow::Chapter(chapter) => {
                let intro = PageRef { chapter, lesson: 0 };
                if let Some(page) = self.pages.iter().position(|p| *p == intro) {
                    self.open_page(page);
                }
            }
            SidebarRow::Lesson(page) => self.open_page(page),
            SidebarRow::Exercise(exercise) => self.open_exercise(exercise),
        }
    }

    /// Opens a page in the lesson pane, and the first unsolved exercise that follows it.
    fn open_page(&mut self, page: usize) {
        self.page = page;
        let exercises: Vec<usize> = exercises_after(&self.course, self.pages[page]).collect();
        if let Some(&exercise) = exercises
            .iter()
            .find(|&&e| !self.is_solved(e))
            .or(exercises.first())
        {
            self.activate_exercise(exercise);
        }
        self.progress.current_page = Some(page_id(&self.course, self.pages[page]));
        self.progress_changed = true;
        self.select_current_in_sidebar();
    }

    /// Opens an exercise, and the lesson it follows in the lesson pane.
    fn open_exercise(&mut self, exercise: usize) {
        if let Some(page) = exercise_page(&self.course, &self.pages, exercise) {
            self.page = page;
            self.progress.current_page = Some(page_id(&self.course, self.pages[page]));
        }
        self.activate_exercise(exercise);
        self.progress_changed = true;
    }

    /// Makes `exercise` the one worked on: picks its variant on a first attempt and tells the
    /// background, which prepares its keys and records console commands for it.
    fn activate_exercise(&mut self, exercise: usize) {
        if self.exercise == Some(exercise) && self.exercises.opened(exercise) {
            return;
        }
        if self.exercise != Some(exercise) {
            self.exercises.scroll = 0;
        }
        self.exercise = Some(exercise);
        let definition = &self.course.exercises[exercise];
        let fresh = self.progress.exercise(&definition.id).variant.is_none();
        let variant = self.progress.variant_for(definition);
        self.progress.current_exercise = Some(definition.id.clone());
        self.progress_changed = true;
        self.exercises.mark_opened(exercise);
        self.send(Request::OpenExercise {
            exercise,
            variant,
            fresh,
        });
    }

    /// Whether exercise `exercise` (an index) has been solved.
    pub(super) fn is_solved(&self, exercise: usize) -> bool {
        self.progress
            .exercise(&self.course.exercises[exercise].id)
            .solved
    }

    /// The variant of the current attempt at `exercise`.
    pub(super) fn variant_of(&self, exercise: usize) -> usize {
        self.progress
            .exercise(&self.course.exercises[exercise].id)
            .variant
            .unwrap_or(0)
    }

    fn select_current_in_sidebar(&mut self) {
        let rows = sidebar::rows(&self.course);
        let page = self.current_page();
        let page_row = if page.lesson == 0 {
            SidebarRow::Chapter(page.chapter)
        } else {
            SidebarRow::Lesson(self.page)
        };
        let row = self
            .exercise
            .filter(|&e| exercise_page(&self.course, &self.pages, e) == Some(self.page))
            .and_then(|e| rows.iter().position(|r| *r == SidebarRow::Exercise(e)))
            .or_else(|| rows.iter().position(|r| *r == page_row));
        if row.is_some() {
            self.sidebar.list.select(row);
        }
    }

    fn check(&mut self) {
        let Some(exercise) = self.exercise else {
            return;
        };
        if self.exercises.is_checking(exercise) {
            return;
        }
        self.exercises.check_started(exercise, (self.now)());
        let variant = self.variant_of(exercise);
        self.send(Request::Check { exercise, variant });
    }

    fn record_check(&mut self, exercise: usize, outcome: Result<Report, String>) {
        if let Ok(report) = &outcome
            && !report.checks.is_empty()
            && report.passed()
            && !self.is_solved(exercise)
        {
            let id = &self.course.exercises[exercise].id;
            self.progress.exercise_mut(id).solved = true;
            self.progress_changed = true;
        }
        let title = &self.course.exercises[exercise].title;
        let summary = match &outcome {
            Ok(report) if report.passed() => {
                format!("✓ \"{title}\": all {} checks passed.", report.checks.len())
            }
            Ok(report) => format!(
                "✗ \"{title}\": {} of {} checks failed (details in the exercise pane).",
                report.failures().count(),
                report.checks.len()
            ),
            Err(error) => format!("Could not check \"{title}\": {error}"),
        };
        self.console
            .push_output(vec![ConsoleLine::new(ConsoleLineKind::Notice, summary)]);
        self.exercises.check_finished(exercise, outcome);
    }

    fn reveal_hint(&mut self) {
        let Some(exercise) = self.exercise else {
            return;
        };
        let definition = &self.course.exercises[exercise];
        let state = self.progress.exercise_mut(&definition.id);
        if (state.hints_used as usize) < definition.hints.len() {
            state.hints_used += 1;
            self.progress_changed = true;
            self.exercises.scroll = usize::MAX / 2;
        }
    }

    /// Draws the whole screen.
    pub fn draw(&mut self, frame: &mut Frame) {
        self.dirty = false;
        let area = frame.area();
        match layout::compute(area, self.focus) {
            Screen::TooSmall => {
                self.areas = None;
                status::draw_too_small(frame, area);
            }
            Screen::Panes(areas) => {
                self.areas = Some(areas);
                lesson::draw(frame, areas.lesson, self);
                super::console::draw(frame, areas.console, self);
                exercise::draw(frame, areas.exercise, self);
                status::draw(frame, areas.status, self);
                if let Some(sidebar_area) = areas.sidebar {
                    if areas.sidebar_floats {
                        frame.render_widget(Clear, sidebar_area);
                    }
                    sidebar::draw(frame, sidebar_area, self);
                }
                match self.overlay {
                    Some(Overlay::Help) => help::draw(frame, area, &mut self.help_scroll),
                    Some(Overlay::ConfirmReset(exercise)) => help::draw_confirm_reset(
                        frame,
                        area,
                        &self.course.exercises[exercise].title,
                    ),
                    None => {}
                }
            }
        }
    }

    /// Border style of a pane: highlighted when it has the focus.
    pub(super) fn is_focused(&self, pane: Focus) -> bool {
        self.overlay.is_none() && self.focus == pane
    }
}

/// The exercise to continue with: the first one not solved yet, in course order.
pub(super) fn first_unsolved(course: &Course, progress: &Progress) -> Option<usize> {
    course
        .exercises
        .iter()
        .position(|exercise| !progress.exercise(&exercise.id).solved)
}

/// The progress id of a page.
pub(super) fn page_id(course: &Course, page: PageRef) -> String {
    course
        .page(page)
        .map(|(chapter, lesson)| chapter.page_id(lesson))
        .unwrap_or_default()
}

/// Index into `pages` of the lesson that exercise `exercise` follows.
pub(super) fn exercise_page(course: &Course, pages: &[PageRef], exercise: usize) -> Option<usize> {
    let definition = course.exercises.get(exercise)?;
    let page = course.find_page(definition.chapter, definition.lesson)?;
    pages.iter().position(|p| *p == page)
}

/// Indices of the exercises of the chapter numbered `number`, in course order.
pub(super) fn exercises_of(course: &Course, number: u32) -> impl Iterator<Item = usize> + '_ {
    course
        .exercises
        .iter()
        .enumerate()
        .filter(move |(_, e)| e.chapter == number)
        .map(|(index, _)| index)
}

/// Indices of the exercises that follow a page (none for a chapter's introduction).
pub(super) fn exercises_after(course: &Course, page: PageRef) -> impl Iterator<Item = usize> + '_ {
    let (chapter, lesson) = course
        .page(page)
        .map(|(c, l)| (c.number, l.number))
        .unwrap_or((0, 0));
    course
        .exercises
        .iter()
        .enumerate()
        .filter(move |(_, e)| lesson > 0 && e.chapter == chapter && e.lesson == lesson)
        .map(|(index, _)| index)
}
