//! Grades a quiz: one outcome per question, in the quiz's order. A question passes when the
//! answer holds every right choice and no other; a wrong answer is explained with the `why`
//! of each choice it got wrong, and the right answer with its own.

use super::report::CheckOutcome;
use crate::course::quiz::{Answers, Pick, Question, Quiz};

/// The outcome of every question of a quiz's form for these answers (file positions).
pub fn outcomes(quiz: &Quiz, answers: &Answers) -> Vec<CheckOutcome> {
    quiz.questions
        .iter()
        .enumerate()
        .map(|(index, question)| outcome(index, question, answers))
        .collect()
}

/// "Question 2: its prompt on one line" (code fences left out).
fn question_name(index: usize, question: &Question) -> String {
    let prompt = question
        .prompt
        .lines()
        .filter(|l| !l.trim_start().starts_with("```"))
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ");
    format!("Question {}: {prompt}", index + 1)
}

fn outcome(index: usize, question: &Question, answers: &Answers) -> CheckOutcome {
    let name = question_name(index, question);
    let Some(picked) = question.answer_in(answers) else {
        let mut detail = format!("not answered yet ({}):", question.pick_label());
        for (shown, &c) in question.order.iter().enumerate() {
            detail.push_str(&format!(
                "\n{}. {}",
                shown + 1,
                question.choices[c].text.trim()
            ));
        }
        return CheckOutcome::failed(&question.id, &name, detail, None);
    };
    let judgement = question.judge(picked);
    if judgement.correct {
        return CheckOutcome::passed(&question.id, &name);
    }
    let choice = |c: usize| {
        format!(
            "{}. {}",
            question.shown_number(c),
            question.choices[c].text.trim()
        )
    };
    let mut picks: Vec<usize> = picked.to_vec();
    picks.sort_by_key(|&c| question.shown_number(c));
    let mut detail = format!(
        "you picked {}",
        picks
            .iter()
            .map(|&c| choice(c))
            .collect::<Vec<_>>()
            .join("; ")
    );
    for &c in &judgement.wrong_picks {
        detail.push_str(&format!(
            "\n✗ {}\n  {}",
            choice(c),
            question.choices[c].why.trim()
        ));
    }
    let missed = match question.pick {
        Pick::One => "the right answer",
        Pick::All => "right too, not picked",
    };
    for &c in &judgement.missed {
        detail.push_str(&format!(
            "\n✓ {} ({missed})\n  {}",
            choice(c),
            question.choices[c].why.trim()
        ));
    }
    CheckOutcome::failed(&question.id, &name, detail, None)
}
