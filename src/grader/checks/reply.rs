//! `kind = "reply"`: runs a read-only command and compares its reply, as redis-cli renders
//! it, with what the exercise expects.

use super::{Context, Kind, Problem, run_command};
use crate::grader::GraderError;
use crate::grader::expect::number;
use crate::grader::report::{expected_found, quote, render};
use crate::resp::{Value, split_args};
use serde::Deserialize;

/// A reply check.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub command: String,
    pub expect: Expectation,
}

/// How a reply check compares the reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// The exact redis-cli rendering.
    Exact(String),
    /// An array reply holding exactly these elements, in any order.
    AnyOrder(Vec<String>),
    /// An integer reply (or a numeric string reply, such as ZSCORE's) within the bounds.
    Range { min: f64, max: f64 },
    /// A regular expression searched in the redis-cli rendering.
    Matches(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReply {
    command: String,
    expect: Option<String>,
    expect_set: Option<Vec<String>>,
    expect_range: Option<[f64; 2]>,
    expect_match: Option<String>,
}

impl Kind for Reply {
    type Raw = RawReply;

    fn parse(raw: RawReply) -> Result<Reply, Vec<Problem>> {
        let given = [
            raw.expect.is_some(),
            raw.expect_set.is_some(),
            raw.expect_range.is_some(),
            raw.expect_match.is_some(),
        ]
        .iter()
        .filter(|&&g| g)
        .count();
        if given != 1 {
            return Err(vec![Problem::table(format!(
                "needs exactly one of expect, expect_set, expect_range, expect_match (found {given})"
            ))]);
        }
        let expect = if let Some(text) = raw.expect {
            Expectation::Exact(text)
        } else if let Some(items) = raw.expect_set {
            Expectation::AnyOrder(items)
        } else if let Some([min, max]) = raw.expect_range {
            if min > max {
                return Err(vec![Problem::at(
                    "expect_range",
                    format!("expect_range [{min}, {max}] is empty"),
                )]);
            }
            Expectation::Range { min, max }
        } else {
            Expectation::Matches(raw.expect_match.unwrap_or_default())
        };
        Ok(Reply {
            command: raw.command,
            expect,
        })
    }

    fn texts(&self) -> Vec<(&'static str, &str)> {
        let mut texts = vec![("command", self.command.as_str())];
        match &self.expect {
            Expectation::Exact(text) => texts.push(("expect", text)),
            Expectation::AnyOrder(items) => {
                texts.extend(items.iter().map(|i| ("expect_set", i.as_str())))
            }
            Expectation::Matches(re) => texts.push(("expect_match", re)),
            Expectation::Range { .. } => {}
        }
        texts
    }

    fn substituted(&self, fill: &dyn Fn(&str) -> String) -> Reply {
        Reply {
            command: fill(&self.command),
            expect: match &self.expect {
                Expectation::Exact(text) => Expectation::Exact(fill(text)),
                Expectation::AnyOrder(items) => {
                    Expectation::AnyOrder(items.iter().map(|i| fill(i)).collect())
                }
                Expectation::Range { min, max } => Expectation::Range {
                    min: *min,
                    max: *max,
                },
                // A value in a pattern is matched literally.
                Expectation::Matches(re) => Expectation::Matches(fill_escaped(re, fill)),
            },
        }
    }

    fn validate(&self, _owns: &[String]) -> Result<(), Problem> {
        if split_args(self.command.as_bytes()).is_none_or(|a| a.is_empty()) {
            return Err(Problem::at(
                "command",
                format!("the command does not tokenize: `{}`", self.command),
            ));
        }
        if let Expectation::Matches(re) = &self.expect
            && let Err(err) = regex::Regex::new(re)
        {
            return Err(Problem::at("expect_match", format!("bad regex: {err}")));
        }
        Ok(())
    }

    fn command(&self) -> Option<&str> {
        Some(&self.command)
    }

    async fn run(&self, context: &mut Context<'_>) -> Result<Option<String>, GraderError> {
        let args = split_args(self.command.as_bytes())
            .filter(|a| !a.is_empty())
            .ok_or_else(|| GraderError::BadCommand(self.command.clone()))?;
        Ok(compare_reply(
            &run_command(context.conn, &args).await?,
            &self.expect,
        ))
    }
}

/// Fills placeholders in a regex: each value is escaped, so it matches literally.
fn fill_escaped(pattern: &str, fill: &dyn Fn(&str) -> String) -> String {
    // `fill` replaces every `{{name}}` at once; escaping needs each value on its own, so
    // placeholders are filled one at a time through a marker that cannot occur in a value.
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let placeholder = &rest[start..start + end + 2];
        let value = fill(placeholder);
        if value == placeholder {
            out.push_str(placeholder);
        } else {
            out.push_str(&regex::escape(&value));
        }
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// The text of a scalar reply element, as compared by `expect_set`.
fn element_text(value: &Value) -> Option<String> {
    match value {
        Value::Integer(i) => Some(i.to_string()),
        Value::Double(d) => Some(crate::resp::format_double(*d)),
        other => other
            .as_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned()),
    }
}

/// None when the reply meets a console check's expectation, else the explanation.
pub(crate) fn compare_reply(reply: &Value, expect: &Expectation) -> Option<String> {
    let found = render(reply);
    match expect {
        Expectation::Exact(expected) => {
            (found.trim_end() != expected.trim_end()).then(|| expected_found(expected, &found))
        }
        Expectation::AnyOrder(expected) => {
            let quoted = |items: &[String]| {
                items
                    .iter()
                    .map(|i| quote(i.as_bytes()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let wanted = format!("{} (in any order)", quoted(expected));
            let (Value::Array(items) | Value::Set(items)) = reply else {
                return Some(expected_found(&wanted, &found));
            };
            let mut got: Vec<String> = items.iter().filter_map(element_text).collect();
            let mut want = expected.clone();
            got.sort();
            want.sort();
            if got == want && got.len() == items.len() {
                return None;
            }
            let found = if items.is_empty() {
                "(empty array)".to_string()
            } else {
                quoted(&got)
            };
            let mut detail = format!("expected {wanted}, found {found}");
            let missing: Vec<String> = want.iter().filter(|w| !got.contains(w)).cloned().collect();
            let extra: Vec<String> = got.iter().filter(|g| !want.contains(g)).cloned().collect();
            if !missing.is_empty() {
                detail.push_str(&format!("; missing {}", quoted(&missing)));
            }
            if !extra.is_empty() {
                detail.push_str(&format!("; unexpected {}", quoted(&extra)));
            }
            Some(detail)
        }
        Expectation::Range { min, max } => {
            let wanted = format!(
                "a number between {} and {}",
                crate::resp::format_double(*min),
                crate::resp::format_double(*max)
            );
            match number(reply) {
                Some(n) if n >= *min && n <= *max => None,
                _ => Some(expected_found(&wanted, &found)),
            }
        }
        Expectation::Matches(pattern) => match regex::Regex::new(pattern) {
            Ok(re) if re.is_match(&found) => None,
            Ok(_) => Some(expected_found(
                &format!("a reply matching /{pattern}/"),
                &found,
            )),
            Err(err) => Some(format!("the check's pattern /{pattern}/ is invalid: {err}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_replies_explain_the_difference() {
        let detail = compare_reply(&Value::Null, &Expectation::Exact("\"493817\"".into()));
        assert_eq!(detail.as_deref(), Some("expected \"493817\", found (nil)"));
        assert_eq!(
            compare_reply(
                &Value::bulk("493817"),
                &Expectation::Exact("\"493817\"".into())
            ),
            None
        );
    }

    #[test]
    fn sets_compare_in_any_order() {
        let reply = Value::Array(vec![Value::bulk("b"), Value::bulk("a")]);
        let expect = Expectation::AnyOrder(vec!["a".into(), "b".into()]);
        assert_eq!(compare_reply(&reply, &expect), None);
        let reply = Value::Array(vec![Value::bulk("a"), Value::bulk("c")]);
        assert_eq!(
            compare_reply(&reply, &expect).unwrap(),
            "expected \"a\", \"b\" (in any order), found \"a\", \"c\"; missing \"b\"; unexpected \"c\""
        );
    }

    #[test]
    fn ranges_accept_integers_and_numeric_strings() {
        let expect = Expectation::Range {
            min: 1.0,
            max: 300.0,
        };
        assert_eq!(compare_reply(&Value::Integer(300), &expect), None);
        assert_eq!(compare_reply(&Value::bulk("12.5"), &expect), None);
        assert_eq!(
            compare_reply(&Value::Integer(3600), &expect).unwrap(),
            "expected a number between 1 and 300, found (integer) 3600"
        );
    }
}
