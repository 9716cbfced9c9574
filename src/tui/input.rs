//! The console's input line: text with a cursor, readline-style editing and history recall.

/// An editable line of text with a cursor (counted in characters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputLine {
    chars: Vec<char>,
    cursor: usize,
    /// Position while walking the history with up/down; `None` when editing a fresh line.
    history_position: Option<usize>,
    /// The line being typed before the learner started walking the history.
    draft: Vec<char>,
}

impl InputLine {
    /// The current text.
    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    /// Whether the line is empty.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The cursor position, in characters from the start.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Whether the cursor sits after the last character.
    pub fn cursor_at_end(&self) -> bool {
        self.cursor == self.chars.len()
    }

    /// Inserts `c` at the cursor.
    pub fn insert(&mut self, c: char) {
        self.chars.insert(self.cursor, c);
        self.cursor += 1;
    }

    /// Inserts `text` at the cursor (pasting); line breaks become spaces.
    pub fn insert_str(&mut self, text: &str) {
        for c in text.chars() {
            self.insert(if c == '\n' || c == '\r' { ' ' } else { c });
        }
    }

    /// Replaces the text (a completion, a history match), the cursor at its end.
    pub fn set_text(&mut self, text: &str) {
        self.chars = text.chars().collect();
        self.cursor = self.chars.len();
        self.history_position = None;
    }

    /// Moves the cursor one character left.
    pub fn move_left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    /// Moves the cursor one character right.
    pub fn move_right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.chars.len());
    }

    /// Moves the cursor to the start of the line.
    pub fn move_home(&mut self) {
        self.cursor = 0;
    }

    /// Moves the cursor after the last character.
    pub fn move_end(&mut self) {
        self.cursor = self.chars.len();
    }

    /// Deletes the character before the cursor.
    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            self.chars.remove(self.cursor);
        }
    }

    /// Deletes the character under the cursor.
    pub fn delete(&mut self) {
        if self.cursor < self.chars.len() {
            self.chars.remove(self.cursor);
        }
    }

    /// Ctrl-U: deletes everything before the cursor.
    pub fn kill_to_start(&mut self) {
        self.chars.drain(..self.cursor);
        self.cursor = 0;
    }

    /// Ctrl-K: deletes everything from the cursor on.
    pub fn kill_to_end(&mut self) {
        self.chars.truncate(self.cursor);
    }

    /// Ctrl-W: deletes the word before the cursor (and the spaces between it and the cursor).
    pub fn delete_word_before(&mut self) {
        let mut start = self.cursor;
        while start > 0 && self.chars[start - 1].is_whitespace() {
            start -= 1;
        }
        while start > 0 && !self.chars[start - 1].is_whitespace() {
            start -= 1;
        }
        self.chars.drain(start..self.cursor);
        self.cursor = start;
    }

    /// Empties the line and leaves history navigation.
    pub fn clear(&mut self) {
        self.chars.clear();
        self.cursor = 0;
        self.history_position = None;
        self.draft.clear();
    }

    /// Takes the line's text, leaving it empty.
    pub fn take(&mut self) -> String {
        let text = self.text();
        self.clear();
        text
    }

    /// Up arrow: shows the previous (older) history entry. `history` is oldest first.
    pub fn history_previous(&mut self, history: &[String]) {
        let next = match self.history_position {
            None if history.is_empty() => return,
            None => {
                self.draft = self.chars.clone();
                history.len() - 1
            }
            Some(0) => return,
            Some(position) => position - 1,
        };
        self.show_history_entry(history, next);
    }

    /// Down arrow: shows the next (newer) history entry, then the line being typed before.
    pub fn history_next(&mut self, history: &[String]) {
        match self.history_position {
            None => {}
            Some(position) if position + 1 < history.len() => {
                self.show_history_entry(history, position + 1)
            }
            Some(_) => {
                self.history_position = None;
                self.chars = std::mem::take(&mut self.draft);
                self.cursor = self.chars.len();
            }
        }
    }

    fn show_history_entry(&mut self, history: &[String], position: usize) {
        self.history_position = Some(position);
        self.chars = history[position].chars().collect();
        self.cursor = self.chars.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> InputLine {
        let mut input = InputLine::default();
        input.insert_str(text);
        input
    }

    #[test]
    fn editing_in_the_middle() {
        let mut input = line("SET k v");
        input.move_home();
        input.move_right();
        input.move_right();
        input.move_right();
        input.insert('X');
        assert_eq!(input.text(), "SETX k v");
        input.backspace();
        input.delete();
        assert_eq!(input.text(), "SETk v");
        input.move_end();
        input.insert('2');
        assert_eq!(input.text(), "SETk v2");
    }

    #[test]
    fn kill_commands() {
        let mut input = line("SET key value");
        input.move_left();
        input.move_left();
        input.kill_to_end();
        assert_eq!(input.text(), "SET key val");
        input.delete_word_before();
        assert_eq!(input.text(), "SET key ");
        input.delete_word_before();
        assert_eq!(input.text(), "SET ");
        input.kill_to_start();
        assert_eq!((input.text().as_str(), input.cursor()), ("", 0));
    }

    #[test]
    fn history_walk_restores_the_draft() {
        let history = vec!["PING".to_string(), "GET a".to_string()];
        let mut input = line("SE");
        input.history_previous(&history);
        assert_eq!(input.text(), "GET a");
        input.history_previous(&history);
        assert_eq!(input.text(), "PING");
        input.history_previous(&history);
        assert_eq!(input.text(), "PING");
        input.history_next(&history);
        assert_eq!(input.text(), "GET a");
        input.history_next(&history);
        assert_eq!(input.text(), "SE");
        assert!(input.cursor_at_end());
    }

    #[test]
    fn multibyte_characters_are_one_cursor_step() {
        let mut input = line("é✓");
        input.backspace();
        assert_eq!(input.text(), "é");
        input.move_left();
        input.delete();
        assert!(input.is_empty());
    }
}
