//! `kind = "transcript"`: what the learner ran, arguments included (command patterns, see
//! `course::pattern`), and the server's own count of what ran (INFO commandstats), which also
//! sees commands sent from redis-cli or run inside scripts.

use super::{Context, Kind, Problem};
use crate::console::TranscriptEntry;
use crate::course::pattern::CommandPattern;
use crate::grader::GraderError;
use crate::grader::report::display_command;
use crate::grader::stats::CommandStats;
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::fmt;

/// A transcript check.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// Each entry is satisfied by running any one of its patterns.
    pub used: Vec<Vec<String>>,
    /// None of these may have been run (not even inside a script).
    pub not_used: Vec<String>,
    /// These must have been run in this order.
    pub order: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTranscript {
    #[serde(default)]
    used: Vec<CommandChoice>,
    #[serde(default)]
    not_used: Vec<String>,
    #[serde(default)]
    order: Vec<String>,
}

impl Kind for Transcript {
    type Raw = RawTranscript;

    fn parse(raw: RawTranscript) -> Result<Transcript, Vec<Problem>> {
        let mut problems = Vec::new();
        if raw.used.is_empty() && raw.not_used.is_empty() && raw.order.is_empty() {
            problems.push(Problem::table(
                "checks nothing: give `used`, `not_used`, `order` or several",
            ));
        }
        if raw.used.iter().any(|c| c.0.is_empty()) {
            problems.push(Problem::at(
                "used",
                "an empty list of alternatives in `used`",
            ));
        }
        if raw.order.len() == 1 {
            problems.push(Problem::at(
                "order",
                "`order` compares two or more commands",
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Transcript {
            used: raw.used.into_iter().map(|c| c.0).collect(),
            not_used: raw.not_used,
            order: raw.order,
        })
    }

    fn texts(&self) -> Vec<(&'static str, &str)> {
        let mut texts: Vec<(&'static str, &str)> = Vec::new();
        texts.extend(self.used.iter().flatten().map(|p| ("used", p.as_str())));
        texts.extend(self.not_used.iter().map(|p| ("not_used", p.as_str())));
        texts.extend(self.order.iter().map(|p| ("order", p.as_str())));
        texts
    }

    fn substituted(&self, fill: &dyn Fn(&str) -> String) -> Transcript {
        let fill_all = |list: &[String]| list.iter().map(|p| fill(p)).collect::<Vec<_>>();
        Transcript {
            used: self.used.iter().map(|choice| fill_all(choice)).collect(),
            not_used: fill_all(&self.not_used),
            order: fill_all(&self.order),
        }
    }

    fn validate(&self, _owns: &[String]) -> Result<(), Problem> {
        for (field, pattern) in self.texts() {
            CommandPattern::parse(pattern).map_err(|message| Problem::at(field, message))?;
        }
        Ok(())
    }

    async fn run(&self, context: &mut Context<'_>) -> Result<Option<String>, GraderError> {
        Ok(check_transcript(
            context.typed,
            &self.used,
            &self.not_used,
            &self.order,
            context.stats,
        ))
    }
}

fn patterns(texts: &[String]) -> Vec<CommandPattern> {
    texts
        .iter()
        .map(|t| CommandPattern::parse(t).expect("patterns were validated when the course loaded"))
        .collect()
}

fn check_transcript(
    typed: &[&TranscriptEntry],
    used: &[Vec<String>],
    not_used: &[String],
    order: &[String],
    stats: Option<&CommandStats>,
) -> Option<String> {
    let mut problems = Vec::new();
    let ran = |pattern: &CommandPattern| typed.iter().find(|e| pattern.matches(&e.args));
    for pattern in patterns(not_used) {
        if let Some(entry) = ran(&pattern) {
            problems.push(format!(
                "you used {} (`{}`)",
                pattern.command_name(),
                display_command(&entry.args)
            ));
        } else if let Some(calls) = stats
            .map(|s| s.calls(&pattern.command_name()))
            .filter(|&calls| calls > 0 && pattern.is_name_only())
        {
            problems.push(format!(
                "the server ran {} {calls} time{} during your attempt (it counts commands from any client, and inside scripts)",
                pattern.command_name(),
                if calls == 1 { "" } else { "s" }
            ));
        }
    }
    for choice in used {
        let choice = patterns(choice);
        if choice.iter().any(|p| ran(p).is_some()) {
            continue;
        }
        let counted = choice.iter().all(CommandPattern::is_name_only)
            && choice
                .iter()
                .any(|p| stats.is_some_and(|s| s.calls(&p.command_name()) > 0));
        if counted {
            continue;
        }
        let wanted = choice
            .iter()
            .map(|p| format!("`{}`", p.text))
            .collect::<Vec<_>>()
            .join(" or ");
        let near: Vec<String> = typed
            .iter()
            .filter(|e| choice.iter().any(|p| e.command_name() == p.command_name()))
            .map(|e| format!("`{}`", display_command(&e.args)))
            .collect();
        problems.push(if near.is_empty() {
            format!("you have not run {wanted} yet")
        } else {
            format!(
                "you have not run {wanted} yet (you ran {}, with other arguments)",
                near.join(", ")
            )
        });
    }
    let order = patterns(order);
    let mut from = 0;
    for (index, pattern) in order.iter().enumerate() {
        match typed[from..].iter().position(|e| pattern.matches(&e.args)) {
            Some(at) => from += at + 1,
            None => {
                let message = if index == 0 || ran(pattern).is_none() {
                    format!("you have not run `{}` yet", pattern.text)
                } else {
                    format!(
                        "run `{}` after `{}`, not before it",
                        pattern.text,
                        order[index - 1].text
                    )
                };
                if !problems.contains(&message) {
                    problems.push(message);
                }
                break;
            }
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// A command pattern, or a list of patterns any one of which will do.
struct CommandChoice(Vec<String>);

impl<'de> Deserialize<'de> for CommandChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ChoiceVisitor;
        impl<'de> Visitor<'de> for ChoiceVisitor {
            type Value = CommandChoice;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    r#"a command pattern ("SCAN") or a list of alternatives (["ZSCORE lb x", "ZMSCORE lb x"])"#,
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CommandChoice, E> {
                Ok(CommandChoice(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CommandChoice, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(CommandChoice(names))
            }
        }
        d.deserialize_any(ChoiceVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::{Outcome, Source};
    use crate::resp::split_args;

    fn entry(line: &str, cursor: Option<&str>) -> TranscriptEntry {
        TranscriptEntry {
            args: split_args(line.as_bytes()).unwrap(),
            outcome: Outcome::Reply,
            at_ms: 0,
            db: 0,
            source: Source::Typed,
            cursor: cursor.map(|c| c.as_bytes().to_vec()),
        }
    }

    fn transcript(
        entries: &[TranscriptEntry],
        used: &[&[&str]],
        not_used: &[&str],
        order: &[&str],
    ) -> Option<String> {
        let typed: Vec<&TranscriptEntry> = entries.iter().collect();
        let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        check_transcript(
            &typed,
            &used.iter().map(|c| strings(c)).collect::<Vec<_>>(),
            &strings(not_used),
            &strings(order),
            None,
        )
    }

    #[test]
    fn transcript_checks_match_arguments_and_order() {
        let work = [
            entry("GET otp:42", None),
            entry("SET otp:42 123 EX 300", None),
            entry("keys otp:*", None),
        ];
        assert_eq!(
            transcript(&work, &[&["SET otp:42 * +EX"]], &["KEYS"], &[]).unwrap(),
            "you used KEYS (`keys otp:*`)"
        );
        assert_eq!(
            transcript(&work, &[&["SET otp:43 * +EX"]], &[], &[]).unwrap(),
            "you have not run `SET otp:43 * +EX` yet (you ran `SET otp:42 123 EX 300`, with other arguments)"
        );
        assert_eq!(
            transcript(&work, &[], &[], &["SET otp:42", "GET otp:42"]).unwrap(),
            "run `GET otp:42` after `SET otp:42`, not before it"
        );
        assert_eq!(
            transcript(&work, &[], &[], &["GET otp:42", "SET otp:42"]),
            None
        );
    }

    #[test]
    fn the_server_count_catches_what_no_transcript_shows() {
        let stats = CommandStats::parse("cmdstat_keys:calls=2\ncmdstat_scan:calls=1\n");
        let none: Vec<&TranscriptEntry> = Vec::new();
        assert_eq!(
            check_transcript(
                &none,
                &[vec!["SCAN".into()]],
                &["KEYS".into()],
                &[],
                Some(&stats)
            )
            .unwrap(),
            "the server ran KEYS 2 times during your attempt (it counts commands from any client, and inside scripts)"
        );
    }
}
