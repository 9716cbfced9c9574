//! The exercise pane for a quiz: one question at a time, its choices numbered in the order of
//! the attempt's form. Digits pick (or, for "pick all that apply", mark) a choice; ↑↓ and
//! Enter do the same from a selection. An answer is graded at once: every choice is then
//! shown right or wrong with its explanation, and the answer is kept in progress.
//!
//! [`QuizView`] holds where the learner is in each quiz (the question, the selected choice,
//! the marks of an answer being built); [`QuizView::handle`] applies a key and [`body`] builds
//! the pane's text from `&self`.

use super::app::Action;
use super::keymap::{self, Context};
use super::theme;
use crate::course::progress::ExerciseProgress;
use crate::course::quiz::{Answers, Pick, Question, Quiz, record_answer};
use crate::markdown;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use std::collections::{BTreeSet, HashMap};

/// Where the learner is in each quiz of the session, by exercise index.
#[derive(Debug, Default)]
pub struct QuizView {
    cursors: HashMap<usize, Cursor>,
}

/// Where the learner is in one quiz.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Cursor {
    /// The question shown (index into the quiz's questions).
    pub(super) question: usize,
    /// The choice selected, as shown (0-based position in the question's order).
    pub(super) selected: usize,
    /// The choices marked for a "pick all that apply" answer not given yet (file positions).
    pub(super) marked: BTreeSet<usize>,
}

impl Cursor {
    /// Where a quiz opens: at its first unanswered question (or the first one).
    fn start(quiz: &Quiz, state: &ExerciseProgress) -> Cursor {
        Cursor {
            question: quiz
                .questions
                .iter()
                .position(|q| q.answer_in(&state.answers).is_none())
                .unwrap_or(0),
            ..Cursor::default()
        }
    }
}

/// What the learner asks of a quiz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuizKey {
    /// A digit: the choice shown with this number.
    Number(usize),
    PreviousChoice,
    NextChoice,
    /// Mark or unmark the selected choice (pick all); answer with it (pick one).
    Mark,
    /// Answer with the selected or marked choices; on an answered question, go on.
    Answer,
    PreviousQuestion,
    NextQuestion,
}

/// What a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuizOutcome {
    /// The selection or the question changed.
    Moved,
    /// A question was answered (rightly or not); `finished` holds the score (right, questions)
    /// when it was the last one unanswered.
    Answered {
        correct: bool,
        finished: Option<(usize, usize)>,
    },
    /// Nothing changed, and this says why.
    Message(String),
}

impl QuizView {
    /// Where the learner is in the quiz `exercise` (whose form is `quiz`).
    pub(super) fn cursor(&self, exercise: usize, quiz: &Quiz, state: &ExerciseProgress) -> Cursor {
        let mut cursor = self
            .cursors
            .get(&exercise)
            .cloned()
            .unwrap_or_else(|| Cursor::start(quiz, state));
        cursor.question = cursor.question.min(quiz.questions.len().saturating_sub(1));
        cursor
    }

    /// The quiz starts over (a retake): back to its first question.
    pub(super) fn forget(&mut self, exercise: usize) {
        self.cursors.remove(&exercise);
    }

    /// Applies a key to quiz `exercise` (form `quiz`), recording an answer in `state`.
    pub(super) fn handle(
        &mut self,
        exercise: usize,
        quiz: &Quiz,
        state: &mut ExerciseProgress,
        key: QuizKey,
    ) -> QuizOutcome {
        let mut cursor = self.cursor(exercise, quiz, state);
        let Some(question) = quiz.questions.get(cursor.question) else {
            return QuizOutcome::Message("This quiz has no questions.".into());
        };
        let count = question.choices.len();
        let answered = question.answer_in(&state.answers).is_some();
        let outcome = match key {
            QuizKey::Number(n) if n == 0 || n > count => QuizOutcome::Message(format!(
                "Question {} has choices 1 to {count}.",
                cursor.question + 1
            )),
            QuizKey::Number(n) => {
                cursor.selected = n - 1;
                if answered {
                    QuizOutcome::Moved
                } else {
                    select_or_answer(&mut cursor, quiz, question, state)
                }
            }
            QuizKey::PreviousChoice => {
                cursor.selected = cursor.selected.saturating_sub(1);
                QuizOutcome::Moved
            }
            QuizKey::NextChoice => {
                cursor.selected = (cursor.selected + 1).min(count.saturating_sub(1));
                QuizOutcome::Moved
            }
            QuizKey::Mark if answered => QuizOutcome::Message(format!(
                "This question is answered: {} or {} goes to the next one.",
                quiz_key(QuizKey::Answer),
                quiz_key(QuizKey::NextQuestion)
            )),
            QuizKey::Mark => select_or_answer(&mut cursor, quiz, question, state),
            QuizKey::Answer if answered => match next_question(quiz, state, cursor.question) {
                Some(next) => {
                    cursor = Cursor {
                        question: next,
                        ..Cursor::default()
                    };
                    QuizOutcome::Moved
                }
                None => QuizOutcome::Message(format!(
                    "Every question is answered: {}",
                    finished_message(quiz, state)
                )),
            },
            QuizKey::Answer => {
                let picks: Vec<usize> = match question.pick {
                    Pick::One => question
                        .choice_shown_as(cursor.selected + 1)
                        .into_iter()
                        .collect(),
                    Pick::All => cursor.marked.iter().copied().collect(),
                };
                if picks.is_empty() {
                    QuizOutcome::Message(format!(
                        "Mark every right choice first ({} or its number), then {} answers.",
                        quiz_key(QuizKey::Mark),
                        quiz_key(QuizKey::Answer)
                    ))
                } else {
                    answer(&mut cursor, quiz, question, state, &picks)
                }
            }
            QuizKey::PreviousQuestion | QuizKey::NextQuestion => {
                let forward = key == QuizKey::NextQuestion;
                let target = if forward {
                    (cursor.question + 1 < quiz.questions.len()).then_some(cursor.question + 1)
                } else {
                    cursor.question.checked_sub(1)
                };
                match target {
                    Some(question) => {
                        cursor = Cursor {
                            question,
                            ..Cursor::default()
                        };
                        QuizOutcome::Moved
                    }
                    None if forward => {
                        QuizOutcome::Message("This is the quiz's last question.".into())
                    }
                    None => QuizOutcome::Message("This is the quiz's first question.".into()),
                }
            }
        };
        self.cursors.insert(exercise, cursor);
        outcome
    }
}

/// The keys of a quiz action, as the keymap binds them.
fn quiz_key(key: QuizKey) -> String {
    keymap::keys_for(Context::Quiz, Action::Quiz(key))
}

/// A digit or Space on an unanswered question: a single-choice question is answered with the
/// selected choice; a pick-all question marks or unmarks it.
fn select_or_answer(
    cursor: &mut Cursor,
    quiz: &Quiz,
    question: &Question,
    state: &mut ExerciseProgress,
) -> QuizOutcome {
    let Some(choice) = question.choice_shown_as(cursor.selected + 1) else {
        return QuizOutcome::Moved;
    };
    match question.pick {
        Pick::One => answer(cursor, quiz, question, state, &[choice]),
        Pick::All => {
            if !cursor.marked.remove(&choice) {
                cursor.marked.insert(choice);
            }
            QuizOutcome::Moved
        }
    }
}

fn answer(
    cursor: &mut Cursor,
    quiz: &Quiz,
    question: &Question,
    state: &mut ExerciseProgress,
    picks: &[usize],
) -> QuizOutcome {
    match record_answer(state, quiz, &question.id, picks) {
        Some(correct) => {
            cursor.marked.clear();
            let (answered, right) = quiz.score(&state.answers);
            QuizOutcome::Answered {
                correct,
                finished: (answered == quiz.questions.len()).then_some((right, answered)),
            }
        }
        None => QuizOutcome::Message("This question is already answered.".into()),
    }
}

/// The question to go to after `from` is answered: the next unanswered one after it, or before
/// it, or simply the next one; none after the last when all are answered.
fn next_question(quiz: &Quiz, state: &ExerciseProgress, from: usize) -> Option<usize> {
    let unanswered = |i: &usize| quiz.questions[*i].answer_in(&state.answers).is_none();
    (from + 1..quiz.questions.len())
        .find(unanswered)
        .or_else(|| (0..from).find(unanswered))
        .or_else(|| (from + 1 < quiz.questions.len()).then_some(from + 1))
}

/// What a learner who has answered every question reads (a sentence starting in lower case,
/// to follow the quiz's title).
pub(super) fn finished_message(quiz: &Quiz, state: &ExerciseProgress) -> String {
    let (answered, right) = quiz.score(&state.answers);
    let retake = format!(
        "{} retakes the quiz, with the choices in another order.",
        keymap::keys_for(Context::Exercise, Action::AskReset)
    );
    if right == answered {
        format!("all {answered} questions answered right.")
    } else if quiz.passes(right) {
        format!(
            "{right} of {answered} answered right, passed (pass mark {}); {retake}",
            quiz.pass_mark
        )
    } else {
        format!(
            "{right} of {answered} answered right, below the pass mark of {}: {retake}",
            quiz.pass_mark
        )
    }
}

/// The status line's quiz part: how far the learner is.
pub(super) fn progress_spans(
    quiz: &Quiz,
    answers: &Answers,
    best_score: Option<u32>,
) -> Vec<Span<'static>> {
    let (answered, right) = quiz.score(answers);
    let total = quiz.questions.len();
    let mut text = format!(" · {answered}/{total} answered, {right} right");
    if let Some(best) = best_score.filter(|&b| b as usize > right) {
        text.push_str(&format!(" (best {best})"));
    }
    vec![Span::styled(text, theme::dim())]
}

/// The pane's text below its status line for a quiz question.
pub(super) struct Body {
    pub lines: Vec<Line<'static>>,
    /// The line that says which question this is (pinned once the pane scrolls past it).
    pub heading: Option<usize>,
    /// The lines of each choice in the order shown (`start..end`, its explanation included):
    /// the selected one is kept in view, and a click on one picks it.
    pub choices: Vec<(usize, usize)>,
}

/// The pane's text below its status line for quiz form `quiz`, at the cursor's question.
pub(super) fn body(
    quiz: &Quiz,
    goal: &str,
    state: &ExerciseProgress,
    cursor: &Cursor,
    width: u16,
) -> Body {
    let mut lines = vec![Line::default()];
    let Some(question) = quiz.questions.get(cursor.question) else {
        return Body {
            lines,
            heading: None,
            choices: Vec::new(),
        };
    };
    if cursor.question == 0 && !goal.trim().is_empty() {
        lines.extend(markdown::render(goal, width).lines);
        lines.push(Line::default());
    }
    let heading = lines.len();
    lines.push(Line::from(vec![
        question_label(quiz, cursor),
        Span::styled(format!(" · {}", question.pick_label()), theme::dim()),
    ]));
    lines.push(strip(quiz, state, cursor.question));
    lines.push(Line::default());
    lines.extend(markdown::render(&question.prompt, width).lines);
    lines.push(Line::default());

    let answer = question.answer_in(&state.answers);
    let picked: BTreeSet<usize> = answer
        .map(|a| a.iter().copied().collect())
        .unwrap_or_default();
    let mut choice_lines = Vec::new();
    for (shown, &choice) in question.order.iter().enumerate() {
        let first = lines.len();
        let selected = shown == cursor.selected;
        let data = &question.choices[choice];
        let pointer = Span::styled(
            if selected { "▸ " } else { "  " },
            theme::continue_here().add_modifier(Modifier::BOLD),
        );
        let (mark, mark_style, text_style) = match answer {
            None => match question.pick {
                Pick::All if cursor.marked.contains(&choice) => (
                    "[x] ",
                    Style::default().add_modifier(Modifier::BOLD),
                    Style::default(),
                ),
                Pick::All => ("[ ] ", Style::default(), Style::default()),
                Pick::One => ("", Style::default(), Style::default()),
            },
            Some(_) if data.correct => ("✓ ", theme::passed(), Style::default()),
            Some(_) if picked.contains(&choice) => ("✗ ", theme::failed(), Style::default()),
            Some(_) => ("  ", theme::dim(), theme::dim()),
        };
        let number = format!("{}. ", shown + 1);
        let indent = 2 + mark.chars().count() + number.len();
        let text_width = (usize::from(width).saturating_sub(indent)).max(8) as u16;
        let mut text = markdown::render(data.text.trim(), text_width).lines;
        if answer.is_some() && picked.contains(&choice) {
            text.push(Line::from(Span::styled("(your answer)", theme::dim())));
        } else if answer.is_some() && data.correct && question.pick == Pick::All {
            text.push(Line::from(Span::styled("(not picked)", theme::dim())));
        }
        for (row, line) in text.into_iter().enumerate() {
            let mut spans = if row == 0 {
                vec![
                    pointer.clone(),
                    Span::styled(mark, mark_style),
                    Span::styled(
                        number.clone(),
                        if selected {
                            Style::default().add_modifier(Modifier::BOLD)
                        } else {
                            Style::default()
                        },
                    ),
                ]
            } else {
                vec![Span::raw(" ".repeat(indent))]
            };
            spans.extend(
                line.spans
                    .into_iter()
                    .map(|span| span.patch_style(text_style)),
            );
            lines.push(Line::from(spans));
        }
        if answer.is_some() {
            let why_width = (usize::from(width).saturating_sub(indent)).max(8) as u16;
            for line in markdown::render(data.why.trim(), why_width).lines {
                let mut spans = vec![Span::raw(" ".repeat(indent))];
                spans.extend(line.spans.into_iter().map(|s| s.patch_style(theme::dim())));
                lines.push(Line::from(spans));
            }
        }
        choice_lines.push((first, lines.len()));
    }

    lines.push(Line::default());
    match answer {
        Some(picks) => {
            let correct = question.judge(picks).correct;
            lines.push(Line::from(if correct {
                Span::styled("✓ Right.", theme::passed().add_modifier(Modifier::BOLD))
            } else {
                Span::styled(
                    "✗ Not quite: the choices marked ✓ are right.",
                    theme::failed().add_modifier(Modifier::BOLD),
                )
            }));
            let finished = quiz.finished(&state.answers);
            if finished {
                let message = finished_message(quiz, state);
                let mut chars = message.chars();
                let capitalized = chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                    .unwrap_or_default();
                lines.push(Line::from(Span::styled(
                    capitalized,
                    theme::continue_here(),
                )));
            }
            let mut ways = Vec::new();
            if next_question(quiz, state, cursor.question).is_some() {
                ways.push(format!("{} next question", quiz_key(QuizKey::Answer)));
            }
            let retake = keymap::keys_for(Context::Exercise, Action::AskReset);
            ways.push(format!("{retake} retake the quiz"));
            lines.push(Line::from(Span::styled(ways.join(" · "), theme::dim())));
        }
        None if question.pick == Pick::All => {
            lines.push(Line::from(Span::styled(
                format!(
                    "Mark every right choice (its number or {}), then {} answers.",
                    quiz_key(QuizKey::Mark),
                    quiz_key(QuizKey::Answer)
                ),
                theme::dim(),
            )));
        }
        None => {}
    }
    Body {
        lines,
        heading: Some(heading),
        choices: choice_lines,
    }
}

/// "Question 2 of 6", for the question under the cursor.
pub(super) fn question_label(quiz: &Quiz, cursor: &Cursor) -> Span<'static> {
    Span::styled(
        format!(
            "Question {} of {}",
            cursor.question + 1,
            quiz.questions.len()
        ),
        theme::heading(),
    )
}

/// One mark per question: ✓ right, ✗ wrong, · not answered; the shown one in brackets.
fn strip(quiz: &Quiz, state: &ExerciseProgress, current: usize) -> Line<'static> {
    let mut spans = Vec::new();
    for (index, question) in quiz.questions.iter().enumerate() {
        let (mark, style) = match question.answer_in(&state.answers) {
            Some(picks) if question.judge(picks).correct => ("✓", theme::passed()),
            Some(_) => ("✗", theme::failed()),
            None => ("·", theme::dim()),
        };
        if index > 0 {
            spans.push(Span::raw(" "));
        }
        let label = format!("{}{mark}", index + 1);
        if index == current {
            spans.push(Span::styled(
                format!("[{label}]"),
                style.add_modifier(Modifier::BOLD),
            ));
        } else {
            spans.push(Span::styled(label, style));
        }
    }
    Line::from(spans)
}
