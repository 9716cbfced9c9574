//! The one table of key bindings. Key handling ([`action_for_key`]), the help overlay
//! ([`help_sections`]), the status bar's reminders ([`reminders`]) and the README's key table
//! ([`markdown_table`]) are all generated from [`BINDINGS`], so they cannot drift apart.

use super::app::{Action, Edit, Focus};
use super::quiz::QuizKey;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies. The contexts searched for a key depend on the focused pane and
/// the open overlay (see [`contexts_for`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// Every pane (not while an overlay is open).
    Everywhere,
    /// The course list, the lesson and the exercise: every pane but the console.
    Reading,
    /// The course list.
    Sidebar,
    /// The lesson.
    Lesson,
    /// The exercise.
    Exercise,
    /// A quiz in the exercise pane (searched before [`Context::Exercise`]).
    Quiz,
    /// The key inspector.
    Keys,
    /// The console's input line.
    Console,
    /// The console while searching its history backwards (Ctrl-R).
    HistorySearch,
    /// The lesson's search line (after `/`).
    LessonSearch,
    /// The key reference.
    Help,
    /// A question that waits for yes or no.
    Confirm,
    /// The lesson's table of contents.
    Contents,
    /// The progress view.
    ProgressView,
}

impl Context {
    /// The heading of the context in the help overlay and the README.
    pub fn title(self) -> &'static str {
        match self {
            Context::Everywhere => "everywhere",
            Context::Reading => "outside the console",
            Context::Sidebar => "course list",
            Context::Lesson => "lesson",
            Context::Exercise => "exercise",
            Context::Quiz => "quiz (in the exercise pane)",
            Context::Keys => "key inspector",
            Context::Console => "console",
            Context::HistorySearch => "console history search (Ctrl-R)",
            Context::LessonSearch => "lesson search (/)",
            Context::Help => "this help",
            Context::Confirm => "a question",
            Context::Contents => "table of contents",
            Context::ProgressView => "progress view",
        }
    }
}

/// A key with its modifiers (Shift is ignored for characters: `G` is typed with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

const fn plain(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::NONE,
    }
}

const fn ch(c: char) -> Key {
    plain(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
    }
}

const fn shift(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::SHIFT,
    }
}

impl Key {
    /// Whether a key event is this key.
    pub fn matches(&self, event: &KeyEvent) -> bool {
        // Shift is part of typing a character, and of Shift-Tab (which terminals report as
        // BackTab, with or without the Shift modifier).
        let relevant = if matches!(self.code, KeyCode::Char(_) | KeyCode::BackTab) {
            KeyModifiers::CONTROL | KeyModifiers::ALT
        } else {
            KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT
        };
        let code_matches = match (self.code, event.code) {
            (KeyCode::Char(a), KeyCode::Char(b))
                if self.modifiers.contains(KeyModifiers::CONTROL) =>
            {
                a.eq_ignore_ascii_case(&b)
            }
            (a, b) => a == b,
        };
        code_matches && (event.modifiers & relevant) == (self.modifiers & relevant)
    }

    /// How the key is written in the help and the README.
    pub fn label(&self) -> String {
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) if self.modifiers.contains(KeyModifiers::CONTROL) => {
                c.to_ascii_uppercase().to_string()
            }
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            other => format!("{other:?}"),
        };
        let mut label = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            label.push_str("Ctrl-");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            label.push_str("Alt-");
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) && self.code != KeyCode::BackTab {
            label.push_str("Shift-");
        }
        label.push_str(&name);
        label
    }
}

/// One row of the table: in `context`, any of `keys` does `action`.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub context: Context,
    pub keys: &'static [Key],
    pub action: Action,
    /// What it does, for the help overlay and the README.
    pub help: &'static str,
    /// A short reminder for the status bar, when the binding deserves one.
    pub reminder: Option<&'static str>,
}

const fn bind(
    context: Context,
    keys: &'static [Key],
    action: Action,
    help: &'static str,
    reminder: Option<&'static str>,
) -> Binding {
    Binding {
        context,
        keys,
        action,
        help,
        reminder,
    }
}

use Context as C;
use KeyCode as K;

/// Every key binding. The first binding whose context applies and whose key matches wins.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    // Everywhere.
    bind(C::Everywhere, &[plain(K::F(1))], Action::ToggleHelp, "every key (this help)", Some("F1 help")),
    bind(C::Everywhere, &[plain(K::F(5))], Action::CheckExercise, "check the exercise", Some("F5 check")),
    bind(C::Everywhere, &[plain(K::F(6))], Action::FocusNext, "next pane (course, lesson, console, exercise)", None),
    bind(C::Everywhere, &[shift(K::F(6))], Action::FocusPrevious, "previous pane", None),
    bind(C::Everywhere, &[plain(K::F(2))], Action::ToggleSidebar, "show or hide the course list", None),
    bind(C::Everywhere, &[plain(K::F(7))], Action::NextExercise, "next exercise", None),
    bind(C::Everywhere, &[plain(K::F(3))], Action::ToggleInspector, "show or hide the key inspector", None),
    bind(C::Everywhere, &[ctrl('c')], Action::Interrupt, "console: clear the line, or stop a running command; elsewhere: quit (asks)", None),
    // Every pane but the console.
    bind(C::Reading, &[plain(K::Tab)], Action::FocusNext, "next pane", Some("Tab pane")),
    bind(C::Reading, &[plain(K::BackTab)], Action::FocusPrevious, "previous pane", None),
    bind(C::Reading, &[plain(K::Up), ch('k')], Action::ScrollUp, "scroll up / move up", None),
    bind(C::Reading, &[plain(K::Down), ch('j')], Action::ScrollDown, "scroll down / move down", None),
    bind(C::Reading, &[plain(K::PageUp)], Action::PageUp, "a page up", None),
    bind(C::Reading, &[plain(K::PageDown), ch(' ')], Action::PageDown, "a page down", None),
    bind(C::Reading, &[plain(K::Home), ch('g')], Action::ScrollTop, "to the top", None),
    bind(C::Reading, &[plain(K::End), ch('G')], Action::ScrollBottom, "to the bottom", None),
    bind(C::Reading, &[ch('>')], Action::NextPage, "next lesson", None),
    bind(C::Reading, &[ch('<')], Action::PreviousPage, "previous lesson", None),
    bind(C::Reading, &[ch('i')], Action::FocusPane(Focus::Console), "type in the console", Some("i console")),
    bind(C::Reading, &[ch(':')], Action::StartMetaCommand, "type a tutor command in the console (:peek, :time, :hint ...)", None),
    bind(C::Reading, &[ch('P')], Action::ShowProgress, "progress per chapter", None),
    bind(C::Reading, &[ch('K')], Action::ToggleInspector, "show or hide the key inspector", None),
    bind(C::Reading, &[ch('?')], Action::ToggleHelp, "every key (this help)", Some("? help")),
    bind(C::Reading, &[ch('q')], Action::AskQuit, "quit (asks first)", Some("q quit")),
    // Course list.
    bind(C::Sidebar, &[plain(K::Enter)], Action::OpenSelected, "open the chapter, lesson or exercise; \"continue\" opens the next unsolved exercise", Some("Enter open")),
    // Lesson.
    bind(C::Lesson, &[plain(K::Enter)], Action::ActivateTarget, "run the selected redis block in the console, or reveal the selected answer", Some("Enter run")),
    bind(C::Lesson, &[ch('b')], Action::NextTarget, "select the next runnable block or answer", Some("b/B block")),
    bind(C::Lesson, &[ch('B')], Action::PreviousTarget, "select the previous runnable block or answer", None),
    bind(C::Lesson, &[ch(']')], Action::NextSection, "next section", None),
    bind(C::Lesson, &[ch('[')], Action::PreviousSection, "previous section", None),
    bind(C::Lesson, &[ch('t')], Action::ShowContents, "table of contents", Some("t contents")),
    bind(C::Lesson, &[ch('/')], Action::StartSearch, "search the lesson", Some("/ search")),
    bind(C::Lesson, &[ch('n')], Action::NextMatch, "next match of the search", None),
    bind(C::Lesson, &[ch('N')], Action::PreviousMatch, "previous match of the search", None),
    // Exercise.
    bind(C::Quiz, &[ch('1'), ch('2'), ch('3'), ch('4'), ch('5'), ch('6'), ch('7'), ch('8'), ch('9')], Action::Quiz(QuizKey::Number(0)), "answer with the choice of that number (pick one), or mark it (pick all that apply)", Some("1-9 answer")),
    bind(C::Quiz, &[plain(K::Up), ch('k')], Action::Quiz(QuizKey::PreviousChoice), "select the previous choice", Some("↑↓ select")),
    bind(C::Quiz, &[plain(K::Down), ch('j')], Action::Quiz(QuizKey::NextChoice), "select the next choice", None),
    bind(C::Quiz, &[ch(' ')], Action::Quiz(QuizKey::Mark), "mark the selected choice (pick all that apply), or answer with it (pick one)", None),
    bind(C::Quiz, &[plain(K::Enter)], Action::Quiz(QuizKey::Answer), "answer with the selected or marked choices; on an answered question, go to the next", Some("Enter answer")),
    bind(C::Quiz, &[plain(K::Left)], Action::Quiz(QuizKey::PreviousQuestion), "previous question", Some("←→ question")),
    bind(C::Quiz, &[plain(K::Right)], Action::Quiz(QuizKey::NextQuestion), "next question", None),

    bind(C::Exercise, &[ch('c')], Action::CheckExercise, "check the exercise", Some("c check")),
    bind(C::Exercise, &[ch('h')], Action::AskHint, "reveal the next hint (asks first: hints are counted)", Some("h hint")),
    bind(C::Exercise, &[ch('r')], Action::AskReset, "reset the exercise, or retake a quiz (asks first)", Some("r reset")),
    bind(C::Exercise, &[ch('s')], Action::AskSolution, "show the solution (asks first)", None),
    bind(C::Exercise, &[ch('e')], Action::EditWorkspace, "edit the recipe or script in $EDITOR (checked again on every save)", Some("e edit")),
    bind(C::Reading, &[ch('x')], Action::NextExercise, "next exercise", None),
    // Key inspector.
    bind(C::Keys, &[plain(K::Enter)], Action::PeekSelectedKey, "print the selected key's whole value in the console", Some("Enter value")),
    bind(C::Keys, &[ch('a')], Action::ToggleAllKeys, "every key, or only the exercise's", Some("a all keys")),
    // Console.
    bind(C::Console, &[plain(K::Enter)], Action::Submit, "run the line (a Redis command, or :help for the tutor's own)", Some("Enter run")),
    bind(C::Console, &[plain(K::Tab)], Action::Complete, "complete the command, keyword or key name (again: the next candidate)", Some("Tab complete")),
    bind(C::Console, &[plain(K::Esc)], Action::FocusPane(Focus::Lesson), "leave the console (then Tab moves between panes)", Some("Esc leave")),
    bind(C::Console, &[plain(K::Up), ctrl('p')], Action::Edit(Edit::HistoryPrevious), "previous command in the history", Some("↑↓ history")),
    bind(C::Console, &[plain(K::Down), ctrl('n')], Action::Edit(Edit::HistoryNext), "next command in the history", None),
    bind(C::Console, &[ctrl('r')], Action::StartHistorySearch, "search the history backwards", Some("^R search")),
    bind(C::Console, &[plain(K::Left), ctrl('b')], Action::Edit(Edit::Left), "cursor left", None),
    bind(C::Console, &[plain(K::Right), ctrl('f')], Action::Edit(Edit::Right), "cursor right", None),
    bind(C::Console, &[plain(K::Home), ctrl('a')], Action::Edit(Edit::Home), "cursor to the start", None),
    bind(C::Console, &[plain(K::End), ctrl('e')], Action::Edit(Edit::End), "cursor to the end", None),
    bind(C::Console, &[plain(K::Backspace)], Action::Edit(Edit::Backspace), "delete the character before the cursor", None),
    bind(C::Console, &[plain(K::Delete)], Action::Edit(Edit::Delete), "delete the character under the cursor", None),
    bind(C::Console, &[ctrl('u')], Action::Edit(Edit::KillToStart), "delete before the cursor", None),
    bind(C::Console, &[ctrl('k')], Action::Edit(Edit::KillToEnd), "delete from the cursor on", None),
    bind(C::Console, &[ctrl('w')], Action::Edit(Edit::DeleteWord), "delete the word before the cursor", None),
    bind(C::Console, &[ctrl('l')], Action::ClearConsole, "clear the output", None),
    bind(C::Console, &[plain(K::PageUp)], Action::PageUp, "scroll the output up", None),
    bind(C::Console, &[plain(K::PageDown)], Action::PageDown, "scroll the output down", None),
    // History search.
    bind(C::HistorySearch, &[ctrl('r')], Action::SearchHistoryOlder, "an older match", None),
    bind(C::HistorySearch, &[plain(K::Enter)], Action::AcceptHistorySearch, "run the match", Some("Enter run")),
    bind(C::HistorySearch, &[plain(K::Right), plain(K::Left), plain(K::Tab)], Action::EditHistoryMatch, "edit the match", None),
    bind(C::HistorySearch, &[plain(K::Esc), ctrl('g')], Action::CancelHistorySearch, "give up the search", Some("Esc cancel")),
    bind(C::HistorySearch, &[plain(K::Backspace)], Action::SearchBackspace, "delete a character of the search", None),
    // Lesson search.
    bind(C::LessonSearch, &[plain(K::Enter)], Action::AcceptSearch, "keep the search (then n / N move between matches)", Some("Enter keep")),
    bind(C::LessonSearch, &[plain(K::Esc)], Action::CancelSearch, "cancel the search", Some("Esc cancel")),
    bind(C::LessonSearch, &[plain(K::Backspace)], Action::SearchBackspace, "delete a character of the search", None),
    // Help.
    bind(C::Help, &[plain(K::Esc), ch('?'), ch('q'), plain(K::F(1))], Action::CloseOverlay, "close", Some("Esc close")),
    bind(C::Help, &[plain(K::Up), ch('k')], Action::ScrollUp, "scroll up", None),
    bind(C::Help, &[plain(K::Down), ch('j')], Action::ScrollDown, "scroll down", None),
    bind(C::Help, &[plain(K::PageUp)], Action::PageUp, "a page up", None),
    bind(C::Help, &[plain(K::PageDown), ch(' ')], Action::PageDown, "a page down", None),
    // Questions.
    bind(C::Confirm, &[ch('y'), plain(K::Enter)], Action::Confirm, "yes", Some("y yes")),
    bind(C::Confirm, &[ch('n'), plain(K::Esc)], Action::CloseOverlay, "no", Some("n no")),
    bind(C::Confirm, &[ctrl('c')], Action::Interrupt, "yes to \"Quit?\", no to the other questions", None),
    // Table of contents.
    bind(C::Contents, &[plain(K::Up), ch('k')], Action::ScrollUp, "previous section", None),
    bind(C::Contents, &[plain(K::Down), ch('j')], Action::ScrollDown, "next section", None),
    bind(C::Contents, &[plain(K::Enter)], Action::Confirm, "go to the section", Some("Enter go")),
    bind(C::Contents, &[plain(K::Esc), ch('t'), ch('q')], Action::CloseOverlay, "close", Some("Esc close")),
    // Progress view.
    bind(C::ProgressView, &[plain(K::Esc), ch('P'), ch('q')], Action::CloseOverlay, "close", Some("Esc close")),
];

/// The contexts searched, in order, for the focused pane and the open overlay.
pub fn contexts_for(focus: Focus, overlay: Option<Context>) -> Vec<Context> {
    if let Some(overlay) = overlay {
        return vec![overlay];
    }
    match focus {
        Focus::Console => vec![Context::Console, Context::Everywhere],
        Focus::Sidebar => vec![Context::Sidebar, Context::Reading, Context::Everywhere],
        Focus::Lesson => vec![Context::Lesson, Context::Reading, Context::Everywhere],
        Focus::Exercise => vec![Context::Exercise, Context::Reading, Context::Everywhere],
        Focus::Keys => vec![Context::Keys, Context::Reading, Context::Everywhere],
    }
}

/// The action bound to `key` in the first of `contexts` that binds it.
pub fn action_for_key(contexts: &[Context], key: &KeyEvent) -> Option<Action> {
    contexts.iter().find_map(|context| {
        BINDINGS
            .iter()
            .filter(|binding| binding.context == *context)
            .find(|binding| binding.keys.iter().any(|k| k.matches(key)))
            .map(|binding| binding.action)
    })
}

/// The keys of a binding as the help writes them (`↑ k`); a run of digits is written as a
/// range (`1-9`).
pub fn keys_label(binding: &Binding) -> String {
    let digit = |key: &Key| match key.code {
        KeyCode::Char(c) if key.modifiers.is_empty() => c.to_digit(10),
        _ => None,
    };
    let mut labels: Vec<String> = Vec::new();
    let mut keys = binding.keys.iter().peekable();
    while let Some(key) = keys.next() {
        let Some(first) = digit(key) else {
            labels.push(key.label());
            continue;
        };
        let mut last = first;
        while let Some(next) = keys
            .peek()
            .and_then(|k| digit(k))
            .filter(|&d| d == last + 1)
        {
            last = next;
            keys.next();
        }
        labels.push(if last >= first + 2 {
            format!("{first}-{last}")
        } else if last > first {
            format!("{first} {last}")
        } else {
            first.to_string()
        });
    }
    labels.join(" ")
}

/// The keys bound to `action` in `context`, as the help writes them (for text that names a
/// key, so that it follows the table).
pub fn keys_for(context: Context, action: Action) -> String {
    BINDINGS
        .iter()
        .find(|b| b.context == context && b.action == action)
        .map(keys_label)
        .unwrap_or_default()
}

/// Each key bound to `action` in `context`, as the help writes it (`Esc`, `y`), in the
/// table's order: for text that shows the main key first.
pub fn key_labels(context: Context, action: Action) -> Vec<String> {
    BINDINGS
        .iter()
        .find(|b| b.context == context && b.action == action)
        .map(|b| b.keys.iter().map(Key::label).collect())
        .unwrap_or_default()
}

/// The bindings of each context in the order of the table, for the help overlay: the contexts
/// given first, then every other one.
pub fn help_sections(first: &[Context]) -> Vec<(Context, Vec<&'static Binding>)> {
    let mut order: Vec<Context> = first.to_vec();
    for binding in BINDINGS {
        if !order.contains(&binding.context) {
            order.push(binding.context);
        }
    }
    order
        .into_iter()
        .map(|context| {
            let bindings = BINDINGS.iter().filter(|b| b.context == context).collect();
            (context, bindings)
        })
        .collect()
}

/// The status bar's reminders for these contexts, most important first.
pub fn reminders(contexts: &[Context]) -> Vec<&'static str> {
    contexts
        .iter()
        .flat_map(|context| {
            BINDINGS
                .iter()
                .filter(move |b| b.context == *context)
                .filter_map(|b| b.reminder)
        })
        .collect()
}

/// The README's key table, as markdown.
pub fn markdown_table() -> String {
    let mut table = String::from("| where | key | does |\n|---|---|---|\n");
    let mut previous: Option<Context> = None;
    for binding in BINDINGS {
        let place = if previous == Some(binding.context) {
            ""
        } else {
            binding.context.title()
        };
        previous = Some(binding.context);
        let keys = keys_label(binding).replace('|', "\\|");
        table.push_str(&format!(
            "| {place} | {keys} | {} |\n",
            binding.help.replace('|', "\\|")
        ));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn a_run_of_digits_is_labelled_as_a_range() {
        let digits = BINDINGS
            .iter()
            .find(|b| b.action == Action::Quiz(QuizKey::Number(0)))
            .unwrap();
        assert_eq!(keys_label(digits), "1-9");
        assert_eq!(
            keys_for(Context::Quiz, Action::Quiz(QuizKey::Answer)),
            "Enter"
        );
    }

    #[test]
    fn every_binding_is_reachable_in_its_context() {
        for binding in BINDINGS {
            for k in binding.keys {
                let event = key(k.code, k.modifiers);
                assert_eq!(
                    action_for_key(&[binding.context], &event),
                    Some(binding.action),
                    "{} in {:?}",
                    k.label(),
                    binding.context
                );
            }
        }
    }

    #[test]
    fn shift_is_ignored_for_characters_but_not_for_function_keys() {
        let upper_g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            action_for_key(&[Context::Reading], &upper_g),
            Some(Action::ScrollBottom)
        );
        let shift_f6 = key(KeyCode::F(6), KeyModifiers::SHIFT);
        assert_eq!(
            action_for_key(&[Context::Everywhere], &shift_f6),
            Some(Action::FocusPrevious)
        );
        let ctrl_shift_r = key(
            KeyCode::Char('R'),
            KeyModifiers::CONTROL | KeyModifiers::SHIFT,
        );
        assert_eq!(
            action_for_key(&[Context::Console], &ctrl_shift_r),
            Some(Action::StartHistorySearch)
        );
    }

    #[test]
    fn typing_outside_the_console_never_reveals_a_hint() {
        for context in [Context::Lesson, Context::Sidebar] {
            let contexts = contexts_for(
                match context {
                    Context::Lesson => Focus::Lesson,
                    _ => Focus::Sidebar,
                },
                None,
            );
            for c in "help set key value".chars() {
                let action = action_for_key(&contexts, &key(KeyCode::Char(c), KeyModifiers::NONE));
                assert!(
                    !matches!(
                        action,
                        Some(Action::AskHint | Action::AskReset | Action::AskSolution)
                    ),
                    "{c:?} in {context:?} does {action:?}"
                );
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_the_same_context() {
        for (index, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[index + 1..] {
                if a.context != b.context {
                    continue;
                }
                for k in a.keys {
                    assert!(
                        !b.keys.contains(k),
                        "{} is bound twice in {:?}",
                        k.label(),
                        a.context
                    );
                }
            }
        }
    }
}
