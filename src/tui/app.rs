//! The application state and its update function: terminal and background events become
//! [`Action`]s (through the keymap), actions change the state, [`App::sync`] brings the panes'
//! cached text up to date with the screen size, and [`App::draw`] draws it all from `&self`.

use super::console::{ConsoleState, META_COMMANDS};
use super::event::{Event, Request};
use super::exercise::ExerciseState;
use super::keymap::{self, Context};
use super::keys::KeysView;
use super::layout::{self, PaneAreas, Screen};
use super::lesson::{LessonView, TargetKind};
use super::overlay::{self, Overlay, Question};
use super::quiz::{QuizKey, QuizOutcome, finished_message};
use super::sidebar::{self, SidebarRow, SidebarState};
use super::status;
use super::study::{Place, StudyClock};
use super::theme::{self, Palette};
use crate::console::{HelpEntry, hint_with};
use crate::course::progress::{Progress, format_study_time};
use crate::course::{Course, PageRef};
use crate::grader::Report;
use ratatui::Frame;
use ratatui::crossterm::event::{
    Event as TerminalEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent,
    MouseEventKind,
};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Clear;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

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
    /// The key inspector.
    Keys,
}

impl Focus {
    const ORDER: [Focus; 5] = [
        Focus::Sidebar,
        Focus::Lesson,
        Focus::Console,
        Focus::Exercise,
        Focus::Keys,
    ];

    fn step(self, forward: bool) -> Focus {
        let index = Focus::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        let count = Focus::ORDER.len();
        Focus::ORDER[if forward {
            (index + 1) % count
        } else {
            (index + count - 1) % count
        }]
    }
}

/// Everything the learner can ask for, whatever key or mouse gesture asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave now (`:quit`, or yes to "Quit?").
    Quit,
    /// Ask "Quit?" first.
    AskQuit,
    FocusNext,
    FocusPrevious,
    FocusPane(Focus),
    /// Show or hide the course list.
    ToggleSidebar,
    /// Ctrl-C: clear the console line, stop its command, or ask to quit.
    Interrupt,
    /// Scroll the focused pane (or move its selection, or the open list) up a line.
    ScrollUp,
    ScrollDown,
    PageUp,
    PageDown,
    ScrollTop,
    ScrollBottom,
    /// Scroll a pane by this many lines (the mouse wheel); negative is up.
    Scroll(Focus, isize),
    /// Open the chapter, lesson or exercise selected in the sidebar.
    OpenSelected,
    /// Select and open the sidebar row with this index.
    OpenRow(usize),
    /// Open the next page (a chapter's introduction or a lesson) in reading order.
    NextPage,
    PreviousPage,
    NextSection,
    PreviousSection,
    /// Run the selected ```redis block, or reveal (hide) the selected answer.
    ActivateTarget,
    NextTarget,
    PreviousTarget,
    /// A click on this line of the lesson: select what is there; a second click acts on it.
    ClickLesson(usize),
    ShowContents,
    StartSearch,
    /// A character typed into the lesson search or the console history search.
    SearchInsert(char),
    SearchBackspace,
    AcceptSearch,
    CancelSearch,
    NextMatch,
    PreviousMatch,
    CheckExercise,
    AskHint,
    AskReset,
    AskSolution,
    /// Open the recipe or script of the exercise in the learner's editor.
    EditWorkspace,
    /// Show or hide the key inspector.
    ToggleInspector,
    /// The inspector lists every key, or the exercise's keys again.
    ToggleAllKeys,
    /// Print the whole value of the key selected in the inspector (`:peek`).
    PeekSelectedKey,
    NextExercise,
    ShowProgress,
    /// Yes to the open question, or go to the selected section.
    Confirm,
    CloseOverlay,
    ToggleHelp,
    Edit(Edit),
    /// Run the console input line.
    Submit,
    /// Tab in the console.
    Complete,
    /// `:` outside the console: type a tutor command.
    StartMetaCommand,
    StartHistorySearch,
    SearchHistoryOlder,
    AcceptHistorySearch,
    EditHistoryMatch,
    CancelHistorySearch,
    /// Empty the console's scrollback (Ctrl-L).
    ClearConsole,
    /// A key of the quiz in the exercise pane (a digit: `Number(0)` in the keymap, the
    /// digit typed once read).
    Quiz(QuizKey),
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
    /// One line describing the Redis the tutor talks to (never with a password).
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
    /// Dark, light or no colours.
    pub palette: Palette,
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
    /// The course list is shown (docked on wide screens, a drawer on narrow ones).
    sidebar_shown: bool,
    pub(super) lesson: LessonView,
    pub(super) console: ConsoleState,
    pub(super) exercises: ExerciseState,
    pub(super) keys: KeysView,
    /// The screen size at the last sync.
    size: Option<(u16, u16)>,
    pub(super) areas: Option<PaneAreas>,
    /// First line shown in the help overlay.
    help_scroll: usize,
    /// The row selected in the table of contents.
    contents_selected: usize,
    /// Lines waiting to run in the console one after another (a lesson block, a paste).
    queued_lines: VecDeque<QueuedLine>,
    /// A key-name refresh was asked for and has not come back.
    key_names_pending: bool,
    /// The last line sent to the console came from a lesson block (not exercise work).
    last_line_from_lesson: bool,
    /// How far the embedded clock was moved in this session.
    pub(super) clock_offset: Duration,
    /// A short message for the status bar, until the next key.
    pub(super) message: Option<String>,
    /// A file the learner's editor should open (the main loop hands it to the runner).
    edit_request: Option<PathBuf>,
    pub(super) now: Now,
    /// Active study time, counted into progress.
    study: StudyClock,
    argument_hints: ArgumentHints,
    /// The connected server's own commands, for hints, once read.
    server_commands: Option<Arc<Vec<HelpEntry>>>,
    palette: Palette,
    requests: UnboundedSender<Request>,
    should_quit: bool,
    dirty: bool,
}

impl App {
    /// Builds the app, opening the page and exercise where the learner left off.
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
            palette,
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
            sidebar_shown: true,
            lesson: LessonView::default(),
            console: ConsoleState::new(initial_prompt, history),
            exercises: ExerciseState::default(),
            keys: KeysView::default(),
            course,
            progress,
            progress_changed: false,
            backend_description,
            focus: Focus::Lesson,
            overlay: None,
            pages,
            page,
            exercise,
            size: None,
            areas: None,
            help_scroll: 0,
            contents_selected: 0,
            queued_lines: VecDeque::new(),
            key_names_pending: false,
            last_line_from_lesson: false,
            clock_offset: Duration::ZERO,
            message: None,
            edit_request: None,
            study: StudyClock::new(now()),
            now,
            argument_hints,
            server_commands: None,
            palette,
            requests,
            should_quit: false,
            dirty: true,
        };
        app.lesson.set_scroll(app.saved_scroll(page));
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

    /// How often the screen must be drawn while nothing happens: often while a command,
    /// check or reset runs (elapsed times move on), every second while the key inspector
    /// counts TTLs down, never otherwise.
    pub fn redraw_every(&self) -> Option<std::time::Duration> {
        if self.console.running_since.is_some() || self.exercises.is_busy() {
            Some(Duration::from_millis(100))
        } else if self.keys.counts_down() {
            Some(Duration::from_secs(1))
        } else {
            None
        }
    }

    /// Marks the screen for redrawing (elapsed times moved on).
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// The screen was drawn as the state stands.
    pub fn drawn(&mut self) {
        self.dirty = false;
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
        let changed = std::mem::take(&mut self.progress_changed);
        if changed {
            self.study.saved();
        }
        changed
    }

    /// The text in the console input line.
    pub fn console_input(&self) -> String {
        self.console.input.text()
    }

    /// The first lesson line shown for the open page.
    pub fn lesson_scroll(&self) -> usize {
        self.lesson.scroll()
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

    /// The message in the status bar, if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The file to open in the learner's editor, once.
    pub fn take_edit_request(&mut self) -> Option<PathBuf> {
        self.edit_request.take()
    }

    /// The learner's editor closed (or could not start): everything is drawn again, the work
    /// checked again, and a failure to edit explained.
    pub fn editor_closed(&mut self, path: &std::path::Path, outcome: Result<(), String>) {
        self.dirty = true;
        let place = self.study_place();
        if self
            .study
            .back_from_editor((self.now)(), &place, &mut self.progress)
        {
            self.progress_changed = true;
        }
        match outcome {
            Ok(()) => self.auto_check(),
            Err(error) => self.console.notice(format!(
                "Could not edit {}: {error}. Set $EDITOR, or edit the file in another window: every save is checked.",
                path.display()
            )),
        }
    }

    /// Fits the panes to a screen of `width` x `height` (before drawing, and on resize).
    pub fn resize(&mut self, width: u16, height: u16) {
        if self.size != Some((width, height)) {
            self.size = Some((width, height));
            self.sync();
            self.dirty = true;
        }
    }

    /// Reacts to one event.
    pub fn handle_event(&mut self, event: Event) {
        if matches!(
            event,
            Event::Terminal(
                TerminalEvent::Key(_) | TerminalEvent::Mouse(_) | TerminalEvent::Paste(_)
            )
        ) {
            // The learner is here: the time since their last action counts.
            let place = self.study_place();
            if self
                .study
                .activity((self.now)(), &place, &mut self.progress)
            {
                self.progress_changed = true;
            }
        }
        match event {
            Event::Terminal(TerminalEvent::Paste(text)) => {
                self.paste(&text);
                self.dirty = true;
            }
            Event::Terminal(TerminalEvent::Resize(width, height)) => self.resize(width, height),
            Event::Terminal(TerminalEvent::FocusGained) => {
                self.study.back((self.now)());
                self.dirty = true;
            }
            Event::Terminal(TerminalEvent::FocusLost) => {
                let place = self.study_place();
                if self.study.away((self.now)(), &place, &mut self.progress) {
                    self.progress_changed = true;
                }
            }
            Event::Terminal(terminal_event) => {
                // Mouse moves and unbound keys change nothing and cost no redraw.
                if let Some(action) = self.action_for(&terminal_event) {
                    if matches!(terminal_event, TerminalEvent::Key(_)) {
                        self.message = None;
                    }
                    self.update(action);
                }
            }
            other => {
                self.dirty = true;
                self.handle_background_event(other);
            }
        }
        self.sync();
    }

    fn handle_background_event(&mut self, event: Event) {
        match event {
            Event::Terminal(_) => {}
            Event::ConsoleOutput(lines) => self.console.push_output(lines),
            Event::ConsoleReady { prompt } => {
                let was_waiting = self.console.is_waiting();
                self.console.command_finished(prompt, (self.now)());
                if was_waiting && !self.console.is_waiting() {
                    self.refresh_key_names();
                    self.refresh_inspector();
                    if !self.last_line_from_lesson && self.queued_lines.is_empty() {
                        self.auto_check();
                    }
                }
                self.run_queued_lines();
            }
            Event::ConsoleClear => self.console.clear_screen(),
            Event::ConsoleHints(enabled) => self.console.hints_enabled = enabled,
            Event::KeyNames(names) => {
                self.key_names_pending = false;
                self.console.key_names = names;
            }
            Event::ClockMoved(offset) => {
                self.clock_offset = offset;
                self.refresh_inspector();
            }
            Event::KeySnapshot(keys) => self.keys.update(keys, (self.now)()),
            Event::CommandDocs(commands) => self.server_commands = Some(commands),
            Event::WorkspaceSaved { exercise } => {
                if self.exercise == Some(exercise) {
                    self.console.notice(format!(
                        "Saved: checking \"{}\" again.",
                        self.course.exercises[exercise].title
                    ));
                    self.auto_check();
                }
            }
            Event::EditFile(path) => self.edit_request = Some(path),
            Event::Checked { exercise, outcome } => self.record_check(exercise, outcome),
            Event::ResetDone { exercise, outcome } => {
                let succeeded = outcome.is_ok();
                let message = match outcome {
                    Ok(()) => format!(
                        "Exercise \"{}\" was reset.",
                        self.course.exercises[exercise].title
                    ),
                    Err(error) => format!("Reset failed: {error}"),
                };
                self.exercises
                    .reset_finished(exercise, message.clone(), succeeded);
                self.refresh_inspector();
                self.console.notice(message);
            }
            Event::SetupFailed { exercise, error } => {
                let title = &self.course.exercises[exercise].title;
                self.console
                    .notice(format!("Could not prepare \"{title}\": {error}"));
                self.exercises.setup_failed(exercise, error);
            }
            Event::Notice(message) => self.console.notice(message),
        }
    }

    /// The keymap contexts that apply now.
    fn contexts(&self) -> Vec<Context> {
        if let Some(overlay) = self.overlay {
            return vec![overlay.context()];
        }
        if self.focus == Focus::Console && self.console.history_search.is_some() {
            return vec![Context::HistorySearch, Context::Everywhere];
        }
        if self.focus == Focus::Lesson && self.lesson.search.as_ref().is_some_and(|s| s.editing) {
            return vec![Context::LessonSearch, Context::Everywhere];
        }
        self.pane_contexts()
    }

    /// The keymap contexts of the focused pane: a quiz in the exercise pane has keys of its
    /// own.
    fn pane_contexts(&self) -> Vec<Context> {
        let mut contexts = keymap::contexts_for(self.focus, None);
        if self.focus == Focus::Exercise && self.current_quiz().is_some() {
            contexts.insert(0, Context::Quiz);
        }
        contexts
    }

    /// What the learner studies now: the chapter of the open page, and the open exercise when
    /// the pane with the keys works on it.
    fn study_place(&self) -> Place {
        let chapter = self
            .course
            .chapters
            .get(self.current_page().chapter)
            .map(|c| c.id())
            .unwrap_or_default();
        let working = matches!(self.focus, Focus::Exercise | Focus::Console | Focus::Keys);
        let exercise = self
            .exercise
            .filter(|_| working)
            .map(|e| self.course.exercises[e].id.clone());
        Place { chapter, exercise }
    }

    /// The open exercise, when it is a quiz.
    fn current_quiz(&self) -> Option<usize> {
        self.exercise
            .filter(|&e| self.course.exercises[e].kind.quiz().is_some())
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
        let contexts = self.contexts();
        if let Some(action) = keymap::action_for_key(&contexts, key) {
            if let (Action::Quiz(QuizKey::Number(_)), KeyCode::Char(digit)) = (action, key.code) {
                let number = digit.to_digit(10).unwrap_or(0) as usize;
                return Some(Action::Quiz(QuizKey::Number(number)));
            }
            return Some(action);
        }
        // Characters typed where text is typed.
        let KeyCode::Char(c) = key.code else {
            return None;
        };
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return None;
        }
        match contexts.first() {
            Some(Context::Console) => Some(Action::Edit(Edit::Insert(c))),
            Some(Context::HistorySearch | Context::LessonSearch) => Some(Action::SearchInsert(c)),
            _ => None,
        }
    }

    fn action_for_mouse(&self, mouse: &MouseEvent) -> Option<Action> {
        match (self.overlay, mouse.kind) {
            (None, _) => {}
            (Some(_), MouseEventKind::ScrollUp) => return Some(Action::ScrollUp),
            (Some(_), MouseEventKind::ScrollDown) => return Some(Action::ScrollDown),
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
            MouseEventKind::Down(MouseButton::Left) if pane == Focus::Lesson => {
                let area = self.areas?.lesson;
                if position.y > area.y && position.y + 1 < area.bottom() {
                    let row = usize::from(position.y - area.y - 1);
                    Some(Action::ClickLesson(self.lesson.line_at_row(row)))
                } else {
                    Some(Action::FocusPane(pane))
                }
            }
            MouseEventKind::Down(MouseButton::Left)
                if pane == Focus::Exercise && self.current_quiz().is_some() =>
            {
                let area = self.areas?.exercise;
                let row = position.y.checked_sub(area.y + 1).map(usize::from);
                row.and_then(|row| self.exercises.quiz_choice_at(row))
                    .map(|shown| Action::Quiz(QuizKey::Number(shown)))
                    .or(Some(Action::FocusPane(pane)))
            }
            MouseEventKind::Down(MouseButton::Left) => Some(Action::FocusPane(pane)),
            _ => None,
        }
    }

    fn pane_at(&self, position: Position) -> Option<Focus> {
        let areas = self.areas?;
        // The sidebar comes first: as a drawer it covers part of the lesson.
        [
            (areas.sidebar, Focus::Sidebar),
            (areas.keys, Focus::Keys),
            (Some(areas.lesson), Focus::Lesson),
            (Some(areas.console), Focus::Console),
            (
                (!areas.exercise_hidden).then_some(areas.exercise),
                Focus::Exercise,
            ),
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
        let row = self.sidebar.offset + usize::from(position.y - inner_top);
        (row < sidebar::rows(&self.course).len()).then_some(row)
    }

    /// Applies one action to the state.
    pub fn update(&mut self, action: Action) {
        self.dirty = true;
        match action {
            Action::Quit => self.should_quit = true,
            Action::AskQuit => self.overlay = Some(Overlay::Confirm(Question::Quit)),
            Action::FocusNext | Action::FocusPrevious => {
                for _ in 0..Focus::ORDER.len() {
                    self.focus = self.focus.step(action == Action::FocusNext);
                    if self.is_pane_shown(self.focus) {
                        break;
                    }
                }
            }
            Action::FocusPane(pane) => self.focus_pane(pane),
            Action::ToggleSidebar => {
                self.sidebar_shown = !self.sidebar_shown || self.focus != Focus::Sidebar;
                self.focus = if self.sidebar_shown {
                    Focus::Sidebar
                } else {
                    Focus::Lesson
                };
            }
            Action::Interrupt => self.interrupt(),
            Action::ScrollUp => self.scroll_focused(-1),
            Action::ScrollDown => self.scroll_focused(1),
            Action::PageUp => self.page_focused(-1),
            Action::PageDown => self.page_focused(1),
            Action::ScrollTop => self.scroll_focused(isize::MIN / 2),
            Action::ScrollBottom => self.scroll_focused(isize::MAX / 2),
            Action::Scroll(pane, lines) => self.scroll(pane, lines),
            Action::OpenSelected => {
                self.open_row(self.sidebar.selected);
                self.close_sidebar_drawer();
            }
            Action::OpenRow(row) => {
                self.focus = Focus::Sidebar;
                self.open_row(row);
                self.close_sidebar_drawer();
            }
            Action::NextPage => {
                if self.page + 1 < self.pages.len() {
                    self.open_page(self.page + 1);
                } else {
                    self.message = Some("This is the last page of the course.".into());
                }
            }
            Action::PreviousPage => {
                if self.page > 0 {
                    self.open_page(self.page - 1);
                }
            }
            Action::NextSection | Action::PreviousSection => {
                if let Some(line) = self.lesson.section_from(action == Action::NextSection) {
                    self.lesson.set_scroll(line);
                }
            }
            Action::ActivateTarget => self.activate_target(),
            Action::NextTarget | Action::PreviousTarget => {
                if !self.lesson.select_next(action == Action::NextTarget) {
                    self.message = Some(self.lesson.nothing_to_run());
                }
            }
            Action::ClickLesson(line) => {
                self.focus = Focus::Lesson;
                if self.lesson.select_at_line(line) == Some(true) {
                    self.activate_target();
                }
            }
            Action::ShowContents => {
                if self.lesson.sections().is_empty() {
                    self.message = Some("This page has no sections.".into());
                } else {
                    self.contents_selected = self.lesson.current_section().unwrap_or(0);
                    self.overlay = Some(Overlay::Contents);
                }
            }
            Action::StartSearch => self.lesson.start_search(),
            Action::SearchInsert(c) => {
                if self.focus == Focus::Console {
                    self.console.edit_history_search(|query| query.push(c));
                } else {
                    self.lesson.edit_search(|query| query.push(c));
                }
            }
            Action::SearchBackspace => {
                if self.focus == Focus::Console {
                    self.console.edit_history_search(|query| {
                        query.pop();
                    });
                } else {
                    self.lesson.edit_search(|query| {
                        query.pop();
                    });
                }
            }
            Action::AcceptSearch => self.lesson.accept_search(),
            Action::CancelSearch => self.lesson.search = None,
            Action::NextMatch | Action::PreviousMatch => {
                if !self.lesson.jump_to_match(action == Action::NextMatch) {
                    self.message = Some(match &self.lesson.search {
                        Some(_) => "No match on this page.".into(),
                        None => format!(
                            "No search yet: press {} to search the lesson.",
                            keymap::keys_for(Context::Lesson, Action::StartSearch)
                        ),
                    });
                }
            }
            Action::CheckExercise
            | Action::AskHint
            | Action::AskSolution
            | Action::EditWorkspace
                if let Some(exercise) = self.current_quiz() =>
            {
                self.message = Some(self.quiz_refusal(exercise, action));
            }
            Action::CheckExercise => self.check(),
            Action::AskHint => self.ask_about_exercise(Question::Hint),
            Action::AskReset => self.ask_about_exercise(Question::Reset),
            Action::AskSolution => self.ask_about_exercise(Question::Solution),
            Action::EditWorkspace => self.edit_workspace(),
            Action::ToggleInspector => {
                let shown = !self.keys.shown;
                self.show_inspector(shown);
                if shown {
                    self.focus = Focus::Keys;
                }
            }
            Action::ToggleAllKeys => {
                self.keys.all = !self.keys.all;
                self.keys.pending = false;
                self.refresh_inspector();
            }
            Action::PeekSelectedKey => {
                if let Some(key) = self.keys.selected().map(str::to_string) {
                    self.console.echo(&format!(":peek {key}"));
                    self.send(Request::Peek(key));
                }
            }
            Action::NextExercise => match self.exercise {
                Some(exercise) if exercise + 1 < self.course.exercises.len() => {
                    self.open_exercise(exercise + 1);
                    self.select_current_in_sidebar();
                }
                _ => self.message = Some("This is the last exercise of the course.".into()),
            },
            Action::ShowProgress => self.overlay = Some(Overlay::Progress),
            Action::Confirm => self.confirm(),
            Action::CloseOverlay => self.overlay = None,
            Action::ToggleHelp => {
                self.help_scroll = 0;
                self.overlay = match self.overlay {
                    Some(Overlay::Help) => None,
                    _ => Some(Overlay::Help),
                }
            }
            Action::Edit(edit) => self.console.edit(edit),
            Action::Submit => {
                let line = self.console.input.take();
                self.submit_line(line);
            }
            Action::Complete => self.console.complete(),
            Action::StartMetaCommand => {
                self.focus = Focus::Console;
                if self.console.input.is_empty() {
                    self.console.edit(Edit::Insert(':'));
                }
            }
            Action::StartHistorySearch | Action::SearchHistoryOlder => self
                .console
                .search_history(action == Action::SearchHistoryOlder),
            Action::AcceptHistorySearch => {
                self.console.finish_history_search(true);
                let line = self.console.input.take();
                self.submit_line(line);
            }
            Action::EditHistoryMatch => self.console.finish_history_search(true),
            Action::CancelHistorySearch => self.console.finish_history_search(false),
            Action::ClearConsole => self.console.clear_screen(),
            Action::Quiz(key) => {
                // A click on a choice also gives the exercise pane the keys.
                self.focus = Focus::Exercise;
                self.quiz_key(key);
            }
        }
    }

    /// A key of the quiz in the exercise pane: an answer is recorded in progress (and saved).
    fn quiz_key(&mut self, key: QuizKey) {
        let Some(exercise) = self.current_quiz() else {
            return;
        };
        let course = Arc::clone(&self.course);
        let definition = &course.exercises[exercise];
        let instance = definition.variant(self.variant_of(exercise));
        let Some(form) = instance.kind.quiz() else {
            return;
        };
        let state = self.progress.exercise_mut(&definition.id);
        match self.exercises.quiz.handle(exercise, form, state, key) {
            QuizOutcome::Moved => {}
            QuizOutcome::Answered { finished, .. } => {
                self.progress_changed = true;
                if finished.is_some() {
                    let message = finished_message(form, &self.progress.exercise(&definition.id));
                    self.console
                        .notice(format!("\"{}\": {message}", definition.title));
                }
            }
            QuizOutcome::Message(message) => self.message = Some(message),
        }
    }

    /// What a quiz says to a key that has no meaning for it (hint, solution, edit, check).
    fn quiz_refusal(&self, exercise: usize, action: Action) -> String {
        let definition = &self.course.exercises[exercise];
        let state = self.progress.exercise(&definition.id);
        match action {
            Action::AskHint => {
                "A quiz has no hints: every choice is explained once you answer.".into()
            }
            Action::AskSolution => {
                "Answer a question to see every choice explained, the right ones marked ✓.".into()
            }
            Action::EditWorkspace => {
                "A quiz is answered in the exercise pane: no file to edit.".into()
            }
            _ => match definition.kind.quiz() {
                Some(quiz) => {
                    let (answered, right) = quiz.score(&state.answers);
                    format!(
                        "A quiz grades each answer as you give it: {answered} of {} answered, {right} right; {}.",
                        quiz.questions.len(),
                        quiz.standing(&state)
                    )
                }
                None => String::new(),
            },
        }
    }

    fn focus_pane(&mut self, pane: Focus) {
        self.focus = pane;
        match pane {
            Focus::Sidebar => self.sidebar_shown = true,
            Focus::Keys => self.show_inspector(true),
            Focus::Exercise if self.areas.is_some_and(|a| a.exercise_hidden) => {
                self.keys.shown = false
            }
            _ => {}
        }
    }

    /// Whether the focus keys stop at `pane` (a hidden pane is skipped; the course list as a
    /// drawer opens when reached).
    fn is_pane_shown(&self, pane: Focus) -> bool {
        let areas = self.areas;
        match pane {
            Focus::Sidebar => self.sidebar_shown || areas.is_some_and(|areas| areas.sidebar_floats),
            Focus::Lesson | Focus::Console => true,
            Focus::Exercise => !(self.keys.shown && areas.is_none_or(|a| a.exercise_hidden)),
            Focus::Keys => self.keys.shown,
        }
    }

    /// Shows or hides the key inspector, reading the keys when it appears.
    fn show_inspector(&mut self, shown: bool) {
        let appears = shown && !self.keys.shown;
        self.keys.shown = shown;
        if appears {
            self.refresh_inspector();
        }
        if !shown && self.focus == Focus::Keys {
            self.focus = Focus::Exercise;
        }
    }

    /// Asks for the inspector's keys again (after a command, a clock move, another exercise).
    fn refresh_inspector(&mut self) {
        if !self.keys.shown || self.keys.pending {
            return;
        }
        let patterns = match (self.keys.all, self.exercise) {
            (false, Some(exercise)) => self.course.exercises[exercise]
                .owns
                .iter()
                .map(|pattern| without_placeholders(pattern))
                .collect(),
            _ => Vec::new(),
        };
        self.keys.pending = true;
        self.send(Request::InspectKeys(patterns));
    }

    fn interrupt(&mut self) {
        if self.overlay == Some(Overlay::Confirm(Question::Quit)) {
            self.should_quit = true;
        } else if self.overlay.is_some() {
            self.overlay = None;
        } else if self.focus == Focus::Console && !self.console.input.is_empty() {
            self.console.edit(Edit::Clear);
        } else if self.focus == Focus::Console && self.console.history_search.is_some() {
            self.console.finish_history_search(false);
        } else if self.console.is_interruptible() || !self.queued_lines.is_empty() {
            self.queued_lines.clear();
            self.console.interrupted();
            self.send(Request::ConsoleInterrupt);
        } else {
            self.overlay = Some(Overlay::Confirm(Question::Quit));
        }
    }

    fn ask_about_exercise(&mut self, question: fn(usize) -> Question) {
        let Some(exercise) = self.exercise else {
            self.message = Some("The course has no exercises.".into());
            return;
        };
        if matches!(question(exercise), Question::Hint(_)) && self.hints_left(exercise) == 0 {
            self.message = Some("No hints left for this exercise.".into());
            return;
        }
        self.overlay = Some(Overlay::Confirm(question(exercise)));
    }

    fn edit_workspace(&mut self) {
        match self.exercise {
            Some(exercise) => self.send(Request::EditWorkspace { exercise }),
            None => self.message = Some("The course has no exercises.".into()),
        }
    }

    fn hints_left(&self, exercise: usize) -> usize {
        let definition = &self.course.exercises[exercise];
        let used = self.progress.exercise(&definition.id).hints_used as usize;
        definition.hints.len().saturating_sub(used)
    }

    fn confirm(&mut self) {
        match self.overlay.take() {
            Some(Overlay::Confirm(Question::Quit)) => self.should_quit = true,
            Some(Overlay::Confirm(Question::Reset(exercise))) => self.reset(exercise),
            Some(Overlay::Confirm(Question::Hint(exercise))) => self.reveal_hint(exercise),
            Some(Overlay::Confirm(Question::Solution(exercise))) => {
                let id = &self.course.exercises[exercise].id;
                self.progress.exercise_mut(id).solution_shown = true;
                self.progress_changed = true;
                self.exercises.show_solution();
                self.focus = Focus::Exercise;
            }
            Some(Overlay::Contents) => {
                if let Some((line, _, _)) = self.lesson.sections().get(self.contents_selected) {
                    self.lesson.set_scroll(*line);
                }
                self.focus = Focus::Lesson;
            }
            other => self.overlay = other,
        }
    }

    /// Runs the target Enter acts on in the lesson, or says why there is none.
    fn activate_target(&mut self) {
        let Some(target) = self.lesson.target_for_enter() else {
            self.message = Some(self.lesson.nothing_to_run());
            return;
        };
        match target.kind {
            TargetKind::RedisBlock { commands, text } => {
                self.lesson.mark_ran(self.page, &text);
                self.queued_lines
                    .extend(commands.into_iter().map(QueuedLine::Lesson));
                self.run_queued_lines();
            }
            TargetKind::Answer { index, .. } => self.lesson.toggle_answer(self.page, index),
        }
    }

    /// Runs queued lines while the console is free: each command is echoed when it is sent,
    /// so its reply follows it as if it had been typed.
    fn run_queued_lines(&mut self) {
        while !self.console.is_waiting()
            && let Some(line) = self.queued_lines.pop_front()
        {
            match line {
                QueuedLine::Typed(line) => self.submit_line(line),
                QueuedLine::Lesson(line) => {
                    if let Some(line) = self.console.run_line(line, (self.now)()) {
                        self.last_line_from_lesson = true;
                        self.send(Request::LessonLine(line));
                    }
                }
            }
        }
    }

    /// Runs one console line: the tutor's own `:` commands here, the rest in the console.
    fn submit_line(&mut self, line: String) {
        let trimmed = line.trim_start();
        if trimmed.starts_with(':') && !starts_with_word(trimmed, ":set") {
            self.console.echo(&line);
            self.meta_command(trimmed);
            return;
        }
        let now = (self.now)();
        if let Some(line) = self.console.run_line(line, now) {
            self.last_line_from_lesson = false;
            self.send(Request::ConsoleLine(line));
        }
    }

    /// `:peek`, `:time`, `:check`, `:hint`, `:reset`, `:solution`, `:help`, `:quit`.
    fn meta_command(&mut self, line: &str) {
        let mut words = line.split_whitespace();
        let command = words.next().unwrap_or_default().to_ascii_lowercase();
        let argument = words.next();
        match (command.as_str(), argument) {
            (":peek", Some(_)) => {
                let key = line.trim()[":peek".len()..].trim();
                let key = crate::resp::split_args(key.as_bytes())
                    .and_then(|args| args.into_iter().next())
                    .map(|arg| String::from_utf8_lossy(&arg).into_owned())
                    .unwrap_or_else(|| key.to_string());
                self.send(Request::Peek(key));
            }
            (":peek", None) => self.console.notice("Usage: :peek KEY"),
            (":time", Some(amount)) => match parse_duration(amount) {
                Some(by) => self.send(Request::AdvanceClock(by)),
                None => self.console.notice(
                    "Usage: :time +90s (also 5m, 2h, 1d): moves the embedded Redis clock on",
                ),
            },
            (":time", None) => self.console.notice(format!(
                "The embedded clock is {} s ahead. Move it with :time +90s",
                self.clock_offset.as_secs()
            )),
            (":check" | ":hint" | ":solution" | ":edit", _)
                if let Some(exercise) = self.current_quiz() =>
            {
                let action = match command.as_str() {
                    ":hint" => Action::AskHint,
                    ":solution" => Action::AskSolution,
                    ":edit" => Action::EditWorkspace,
                    _ => Action::CheckExercise,
                };
                let refusal = self.quiz_refusal(exercise, action);
                self.console.notice(refusal);
            }
            (":check", _) => self.check(),
            (":hint", _) => match self.exercise {
                Some(exercise) if self.hints_left(exercise) > 0 => self.reveal_hint(exercise),
                Some(_) => self.console.notice("No hints left for this exercise."),
                None => {}
            },
            (":reset", _) => self.ask_about_exercise(Question::Reset),
            (":solution", _) => self.ask_about_exercise(Question::Solution),
            (":edit", _) => self.edit_workspace(),
            (":quit", _) => self.should_quit = true,
            (":help", _) => {
                for help in META_HELP {
                    self.console.notice(*help);
                }
            }
            _ => self.console.notice(format!(
                "Unknown tutor command {command}: :help lists them ({}).",
                META_COMMANDS.join(" ")
            )),
        }
    }

    /// Asks the inspector for the key names again, unless it is already looking.
    fn refresh_key_names(&mut self) {
        if !self.key_names_pending {
            self.key_names_pending = true;
            self.send(Request::RefreshKeyNames);
        }
    }

    /// Pasted text: one line is typed into the console; several lines run one after another.
    pub fn paste(&mut self, text: &str) {
        if self.overlay.is_some() || self.focus != Focus::Console {
            return;
        }
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let lines: Vec<&str> = text.split('\n').collect();
        if lines.len() == 1 {
            self.console.input.insert_str(&text);
            return;
        }
        let first = format!("{}{}", self.console.input.take(), lines[0]);
        self.queued_lines.extend(
            std::iter::once(first)
                .chain(lines[1..].iter().map(|line| line.to_string()))
                .filter(|line| !line.trim().is_empty())
                .map(QueuedLine::Typed),
        );
        self.run_queued_lines();
    }

    /// After opening something from the course list drawn as a drawer, shows the lesson.
    fn close_sidebar_drawer(&mut self) {
        if self.areas.is_some_and(|areas| areas.sidebar_floats) {
            self.focus = Focus::Lesson;
        }
    }

    fn send(&mut self, request: Request) {
        if self.requests.send(request).is_err() {
            self.console
                .notice("The background worker has stopped; restart the tutor.");
        }
    }

    fn scroll_focused(&mut self, lines: isize) {
        match self.overlay {
            Some(Overlay::Help) => {
                self.help_scroll =
                    (self.help_scroll as isize).saturating_add(lines).max(0) as usize;
                self.clamp_help_scroll();
            }
            Some(Overlay::Contents) => {
                let count = self.lesson.sections().len() as isize;
                self.contents_selected = (self.contents_selected as isize)
                    .saturating_add(lines)
                    .clamp(0, (count - 1).max(0)) as usize;
            }
            _ => self.scroll(self.focus, lines),
        }
    }

    fn page_focused(&mut self, pages: isize) {
        let rows = match (self.overlay, self.focus) {
            (Some(_), _) => 10,
            (None, Focus::Lesson) => self.lesson.height(),
            (None, Focus::Console) => self.console.page_rows(),
            (None, Focus::Exercise) => self.exercises.page_rows(),
            (None, Focus::Sidebar) => 10,
            (None, Focus::Keys) => self.keys.page_rows(),
        };
        let lines = pages.saturating_mul(rows.saturating_sub(1).max(1) as isize);
        if self.overlay.is_none() && self.focus == Focus::Console {
            self.console.scroll(lines);
        } else {
            self.scroll_focused(lines);
        }
    }

    fn scroll(&mut self, pane: Focus, lines: isize) {
        match pane {
            Focus::Sidebar => {
                let count = sidebar::rows(&self.course).len();
                let target = (self.sidebar.selected as isize)
                    .saturating_add(lines)
                    .max(0);
                self.sidebar.select(target as usize, count);
            }
            Focus::Lesson => self.lesson.scroll_by(lines),
            Focus::Console => self.console.scroll(lines),
            Focus::Exercise => self.exercises.scroll(lines),
            Focus::Keys => self.keys.scroll(lines),
        }
    }

    /// The lesson scroll saved for page index `page`.
    fn saved_scroll(&self, page: usize) -> usize {
        self.pages
            .get(page)
            .and_then(|&p| self.progress.page_scroll.get(&page_id(&self.course, p)))
            .map_or(0, |&scroll| scroll as usize)
    }

    fn open_row(&mut self, row: usize) {
        let rows = sidebar::rows(&self.course);
        let Some(&target) = rows.get(row) else { return };
        self.sidebar.select(row, rows.len());
        match target {
            SidebarRow::Continue => match first_unsolved(&self.course, &self.progress) {
                Some(exercise) => {
                    self.open_exercise(exercise);
                    self.select_current_in_sidebar();
                }
                None => self.message = Some("Every exercise is solved.".into()),
            },
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

    /// Shows page `page` in the lesson pane at its saved scroll position.
    fn show_page(&mut self, page: usize) {
        if page != self.page || self.lesson.page() != Some(page) {
            self.page = page;
            self.lesson.set_scroll(self.saved_scroll(page));
        }
        self.progress.current_page = Some(page_id(&self.course, self.pages[page]));
    }

    /// Opens a page in the lesson pane, and the first unsolved exercise that follows it.
    fn open_page(&mut self, page: usize) {
        self.show_page(page);
        let exercises: Vec<usize> = exercises_after(&self.course, self.pages[page]).collect();
        if let Some(&exercise) = exercises
            .iter()
            .find(|&&e| !self.is_solved(e))
            .or(exercises.first())
        {
            self.activate_exercise(exercise);
        }
        self.progress_changed = true;
        self.select_current_in_sidebar();
    }

    /// Opens an exercise, and the lesson it follows in the lesson pane.
    fn open_exercise(&mut self, exercise: usize) {
        if let Some(page) = exercise_page(&self.course, &self.pages, exercise) {
            self.show_page(page);
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
            self.exercises.scroll_to_top();
        }
        self.exercise = Some(exercise);
        self.refresh_inspector();
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
    fn variant_of(&self, exercise: usize) -> usize {
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
        if let Some(row) = row {
            self.sidebar.select(row, rows.len());
        }
    }

    /// Checks the exercise because the learner asked.
    fn check(&mut self) {
        if let Some(exercise) = self.exercise
            && !self.exercises.is_checking(exercise)
        {
            self.start_check(exercise, false);
        }
    }

    /// Checks an unsolved exercise again after the learner's work changed (a command ran, the
    /// workspace file was saved), so it turns green the moment it is solved. While a check
    /// runs, one more follows it.
    fn auto_check(&mut self) {
        let Some(exercise) = self.exercise.filter(|_| self.current_quiz().is_none()) else {
            return;
        };
        if self.is_solved(exercise) || self.exercises.is_resetting(exercise) {
            return;
        }
        if self.exercises.is_checking(exercise) {
            self.exercises.recheck_later(exercise);
        } else {
            self.start_check(exercise, true);
        }
    }

    fn start_check(&mut self, exercise: usize, automatic: bool) {
        self.exercises
            .check_started(exercise, (self.now)(), automatic);
        let variant = self.variant_of(exercise);
        self.send(Request::Check { exercise, variant });
    }

    fn reset(&mut self, exercise: usize) {
        if self.exercises.is_resetting(exercise) {
            return;
        }
        let variant = self
            .progress
            .start_attempt(&self.course.exercises[exercise]);
        self.progress_changed = true;
        if self.course.exercises[exercise].kind.quiz().is_some() {
            // A retake: another form, nothing to set up in Redis.
            self.exercises.quiz.forget(exercise);
            self.message = Some(format!(
                "\"{}\" starts over, with its choices in another order; your best score stays.",
                self.course.exercises[exercise].title
            ));
            return;
        }
        self.exercises.reset_started(exercise, (self.now)());
        self.send(Request::Reset { exercise, variant });
    }

    fn record_check(&mut self, exercise: usize, outcome: Result<Report, String>) {
        let passed = matches!(&outcome, Ok(report) if !report.checks.is_empty() && report.passed());
        if passed && !self.is_solved(exercise) {
            let id = &self.course.exercises[exercise].id;
            self.progress.exercise_mut(id).solved = true;
            self.progress_changed = true;
        }
        let title = &self.course.exercises[exercise].title;
        let summary = match &outcome {
            Ok(report) if report.passed() => {
                let after = if self
                    .progress
                    .exercise(&self.course.exercises[exercise].id)
                    .solution_shown
                {
                    " (after seeing the solution)"
                } else {
                    ""
                };
                format!(
                    "✓ \"{title}\": all {} checks passed{after}.",
                    report.checks.len()
                )
            }
            Ok(report) => format!(
                "✗ \"{title}\": {} of {} checks failed (details in the exercise pane).",
                report.failures().count(),
                report.checks.len()
            ),
            Err(error) => format!("Could not check \"{title}\": {error}"),
        };
        let (automatic, recheck) = self.exercises.check_finished(exercise, outcome);
        // An automatic check speaks only when it brings good news.
        if !automatic || passed {
            self.console.notice(summary);
        }
        if recheck {
            self.auto_check();
        }
    }

    fn reveal_hint(&mut self, exercise: usize) {
        let definition = &self.course.exercises[exercise];
        let state = self.progress.exercise_mut(&definition.id);
        if (state.hints_used as usize) < definition.hints.len() {
            state.hints_used += 1;
            self.progress_changed = true;
            self.exercises.scroll_to_end();
        }
    }

    fn help_contexts(&self) -> Vec<Context> {
        self.pane_contexts()
    }

    fn clamp_help_scroll(&mut self) {
        if let Some((width, height)) = self.size {
            let area = Rect::new(0, 0, width, height);
            let lines = overlay::help_lines(&self.help_contexts(), area).len();
            let (_, visible) = overlay::help_area(area, lines);
            self.help_scroll = self.help_scroll.min(lines.saturating_sub(visible));
        }
    }

    /// Brings the panes' cached text and scroll positions up to date with the screen.
    fn sync(&mut self) {
        let Some((width, height)) = self.size else {
            return;
        };
        let screen = layout::compute(
            Rect::new(0, 0, width, height),
            self.focus,
            self.sidebar_shown,
            self.keys.shown,
        );
        self.areas = match screen {
            Screen::Panes(areas) => Some(areas),
            Screen::TooSmall => None,
        };
        let Some(areas) = self.areas else { return };
        if let Some((_, lesson)) = self.course.page(self.current_page()) {
            let inner = inner(areas.lesson);
            self.lesson
                .sync(self.page, &lesson.markdown, inner.width, inner.height);
        }
        if let Some(&page) = self.pages.get(self.page) {
            let scroll = u32::try_from(self.lesson.scroll()).unwrap_or(u32::MAX);
            let id = page_id(&self.course, page);
            if self.progress.page_scroll.get(&id) != Some(&scroll) {
                self.progress.page_scroll.insert(id, scroll);
            }
        }
        self.console
            .set_output_rows(usize::from(inner(areas.console).height.saturating_sub(1)));
        self.exercises
            .sync(&self.course, &self.progress, self.exercise, areas.exercise);
        if let Some(keys) = areas.keys {
            self.keys.set_area(keys);
        }
        let sidebar_rows = areas
            .sidebar
            .map_or(10, |area| usize::from(area.height.saturating_sub(3)));
        self.sidebar.keep_visible(sidebar_rows);
        if self.overlay == Some(Overlay::Help) {
            self.clamp_help_scroll();
        }
    }

    /// The lesson pane's title: chapter, lesson and the section at the top.
    fn lesson_title(&self) -> String {
        let Some((chapter, lesson)) = self.course.page(self.current_page()) else {
            return " Lesson ".to_string();
        };
        let mut title = format!(" {:02} · {}", chapter.number, chapter.title);
        if lesson.number > 0 {
            title.push_str(&format!(" › {}", lesson.title));
        }
        if let Some(section) = self.lesson.current_section() {
            title.push_str(&format!(" › {}", self.lesson.sections()[section].2));
        }
        title.push(' ');
        title
    }

    /// Draws the whole screen.
    pub fn draw(&self, frame: &mut Frame) {
        let area = frame.area();
        match layout::compute(area, self.focus, self.sidebar_shown, self.keys.shown) {
            Screen::TooSmall => status::draw_too_small(frame, area),
            Screen::Panes(areas) => {
                let now = (self.now)();
                self.lesson.draw(
                    frame,
                    areas.lesson,
                    self.lesson_title(),
                    self.is_focused(Focus::Lesson),
                );
                let hint = if self.console.input.cursor_at_end() {
                    let text = self.console.input.text();
                    match &self.server_commands {
                        Some(commands) => hint_with(commands, &text),
                        None => (self.argument_hints)(&text),
                    }
                } else {
                    None
                };
                self.console.draw(
                    frame,
                    areas.console,
                    self.is_focused(Focus::Console),
                    now,
                    hint,
                );
                if !areas.exercise_hidden {
                    self.exercises.draw(
                        frame,
                        areas.exercise,
                        self.is_focused(Focus::Exercise),
                        &self.course,
                        &self.progress,
                        self.exercise,
                        now,
                    );
                }
                if let Some(keys) = areas.keys {
                    self.keys
                        .draw(frame, keys, self.is_focused(Focus::Keys), now);
                }
                status::draw(frame, areas.status, self, &self.contexts());
                if let Some(sidebar_area) = areas.sidebar {
                    if areas.sidebar_floats {
                        frame.render_widget(Clear, sidebar_area);
                    }
                    sidebar::draw(frame, sidebar_area, self);
                }
                self.draw_overlay(frame, area);
            }
        }
        self.palette.apply(frame.buffer_mut());
    }

    fn draw_overlay(&self, frame: &mut Frame, area: Rect) {
        let title_of = |exercise: usize| self.course.exercises[exercise].title.clone();
        match self.overlay {
            None => {}
            Some(Overlay::Help) => overlay::draw_help(
                frame,
                area,
                overlay::help_lines(&self.help_contexts(), area),
                self.help_scroll,
            ),
            Some(Overlay::Confirm(question)) => {
                let (title, ask, detail) = match question {
                    Question::Quit => (
                        "Quit".to_string(),
                        "Leave the tutor?".to_string(),
                        "Your progress is saved; you will come back to this page.".to_string(),
                    ),
                    Question::Reset(e) if self.course.exercises[e].kind.quiz().is_some() => (
                        "Retake quiz".to_string(),
                        format!("Retake \"{}\"?", title_of(e)),
                        "Your answers are cleared and the choices come in another order; your best score stays.".to_string(),
                    ),
                    Question::Reset(e) => (
                        "Reset exercise".to_string(),
                        format!("Reset \"{}\"?", title_of(e)),
                        if self.course.exercises[e].variant_count() > 1 {
                            "This deletes the exercise's keys and starts a new attempt with a different data set: names and values in the goal change.".to_string()
                        } else {
                            "This deletes the exercise's keys and runs its setup again.".to_string()
                        },
                    ),
                    Question::Hint(e) => (
                        "Hint".to_string(),
                        format!(
                            "Reveal hint {} of {}?",
                            self.course.exercises[e].hints.len() - self.hints_left(e) + 1,
                            self.course.exercises[e].hints.len()
                        ),
                        "Hints used are counted in your progress.".to_string(),
                    ),
                    Question::Solution(e) => (
                        "Solution".to_string(),
                        format!("Show the solution of \"{}\"?", title_of(e)),
                        "Try the hints first: once seen, a solution is hard to unsee.".to_string(),
                    ),
                };
                overlay::draw_question(frame, area, &title, &ask, &detail);
            }
            Some(Overlay::Contents) => {
                let rows = self
                    .lesson
                    .sections()
                    .iter()
                    .map(|(_, level, text)| {
                        Line::from(format!(
                            "{}{text}",
                            "  ".repeat(usize::from(level.saturating_sub(2)))
                        ))
                    })
                    .collect();
                overlay::draw_list(
                    frame,
                    area,
                    "Contents",
                    rows,
                    Some(self.contents_selected),
                    &overlay::footer(Context::Contents),
                );
            }
            Some(Overlay::Progress) => {
                overlay::draw_list(
                    frame,
                    area,
                    "Progress",
                    self.progress_rows(),
                    None,
                    &overlay::footer(Context::ProgressView),
                );
            }
        }
    }

    /// One row per chapter: exercises solved, hints used, quiz scores (best / questions) and
    /// time studied.
    fn progress_rows(&self) -> Vec<Line<'static>> {
        let mut rows = Vec::new();
        for chapter in &self.course.chapters {
            let exercises: Vec<usize> = exercises_of(&self.course, chapter.number).collect();
            let solved = exercises.iter().filter(|&&e| self.is_solved(e)).count();
            let hints: u32 = exercises
                .iter()
                .map(|&e| {
                    self.progress
                        .exercise(&self.course.exercises[e].id)
                        .hints_used
                })
                .sum();
            let style = if !exercises.is_empty() && solved == exercises.len() {
                theme::passed()
            } else {
                ratatui::style::Style::default()
            };
            rows.push(Line::from(vec![
                Span::styled(
                    format!("{:02} · {:<32}", chapter.number, chapter.title),
                    style,
                ),
                Span::styled(
                    format!(
                        " {solved}/{} solved · {hints} hint{}",
                        exercises.len(),
                        if hints == 1 { "" } else { "s" }
                    ),
                    style,
                ),
            ]));
            let quizzes: Vec<String> = exercises
                .iter()
                .filter_map(|&e| {
                    let definition = &self.course.exercises[e];
                    let quiz = definition.kind.quiz()?;
                    let best = self.progress.exercise(&definition.id).best_score;
                    Some(match best {
                        Some(best) => format!("{best}/{}", quiz.questions.len()),
                        None => format!("–/{}", quiz.questions.len()),
                    })
                })
                .collect();
            let mut detail = format!(
                "     studied {}",
                format_study_time(self.progress.seconds_studied(&chapter.id()))
            );
            if !quizzes.is_empty() {
                detail.push_str(&format!(" · quiz best {}", quizzes.join(" ")));
            }
            rows.push(Line::from(Span::styled(detail, theme::dim())));
        }
        rows
    }

    /// Whether a pane has the keys (and so a bright border).
    pub(super) fn is_focused(&self, pane: Focus) -> bool {
        self.overlay.is_none() && self.focus == pane
    }
}

/// A line waiting for the console to be free.
#[derive(Debug, Clone, PartialEq, Eq)]
enum QueuedLine {
    /// Typed (or pasted) by the learner: exercise work, kept in the history.
    Typed(String),
    /// From a lesson block: shown as if typed, but not exercise work.
    Lesson(String),
}

/// What `:help` prints in the console.
const META_HELP: &[&str] = &[
    "The tutor's own commands (Redis commands are typed as in redis-cli):",
    "  :peek KEY      type, TTL, encoding, size and the whole value of a key",
    "  :time +90s     move the embedded Redis clock on (s, m, h, d)",
    "  :check         check the exercise",
    "  :hint          reveal the next hint (counted)",
    "  :reset         reset the exercise (asks first)",
    "  :solution      show the solution (asks first)",
    "  :edit          open the recipe or script in $EDITOR (checked on every save)",
    "  :set hints     grey argument hints on (:set nohints turns them off)",
    "  :help          this list; F1 shows every key",
    "  :quit          leave the tutor (quit and exit only close the Redis connection)",
];

/// Whether `line` starts with `word` followed by a space or its end (ignoring case).
fn starts_with_word(line: &str, word: &str) -> bool {
    line.len() >= word.len()
        && line.is_char_boundary(word.len())
        && line[..word.len()].eq_ignore_ascii_case(word)
        && line[word.len()..]
            .chars()
            .next()
            .is_none_or(char::is_whitespace)
}

/// A key pattern with its `{{placeholders}}` widened to `*`, for SCAN MATCH.
fn without_placeholders(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        out.push('*');
        rest = rest[start..]
            .find("}}")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out
}

/// `+90s`, `90`, `5m`, `2h`, `1d` as a duration (seconds when no unit is given).
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.strip_prefix('+').unwrap_or(text);
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let amount: u64 = number.parse().ok()?;
    let seconds = match unit.to_ascii_lowercase().as_str() {
        "s" => amount,
        "m" => amount.checked_mul(60)?,
        "h" => amount.checked_mul(3600)?,
        "d" => amount.checked_mul(86_400)?,
        _ => return None,
    };
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

/// The area inside a pane's border.
fn inner(area: Rect) -> Rect {
    Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    )
}

/// The exercise to continue with: the first one not solved yet, in course order.
/// Where "continue" leads: the first exercise not solved, skipping quizzes taken to the end
/// at least once (a retake is the learner's choice, not the way on).
pub(super) fn first_unsolved(course: &Course, progress: &Progress) -> Option<usize> {
    course.exercises.iter().position(|exercise| {
        let state = progress.exercise(&exercise.id);
        let quiz_taken = exercise.kind.quiz().is_some() && state.attempts > 0;
        !(state.solved || quiz_taken)
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_for_the_clock() {
        assert_eq!(parse_duration("+90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("0"), None);
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("5y"), None);
    }

    #[test]
    fn set_is_a_console_preference_not_a_tutor_command() {
        assert!(starts_with_word(":set hints", ":set"));
        assert!(starts_with_word(":SET", ":set"));
        assert!(!starts_with_word(":settle", ":set"));
    }
}
