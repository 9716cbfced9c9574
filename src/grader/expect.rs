//! Comparing a reply with what was expected, and saying how they differ in redis-cli terms.

use super::report::{expected_found, quote, render, render_short};
use crate::course::Expectation;
use crate::course::scenario::Expect;
use crate::course::template::{Bindings, Template};
use crate::engine::command_table;
use crate::resp::Value;

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

/// A reply as a number, for ranges: an integer, a double or a numeric string.
fn number(reply: &Value) -> Option<f64> {
    match reply {
        Value::Integer(i) => Some(*i as f64),
        Value::Double(d) => Some(*d),
        Value::Bulk(b) | Value::DoubleText(b) => {
            std::str::from_utf8(b).ok().and_then(|s| s.parse().ok())
        }
        _ => None,
    }
}

/// None when the reply meets a console check's expectation, else the explanation.
pub fn compare_reply(reply: &Value, expect: &Expectation) -> Option<String> {
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

/// Whether Redis answers `command` in no particular order (SMEMBERS, HGETALL ...): such
/// replies are compared as multisets.
pub fn unordered_reply(command: &[Vec<u8>]) -> bool {
    let Some(name) = command.first() else {
        return false;
    };
    command_table()
        .lookup(name)
        .is_some_and(|spec| spec.has_tip("nondeterministic_output_order"))
}

/// Equal replies, arrays of unordered commands compared as multisets.
pub fn same_reply(found: &Value, reference: &Value, unordered: bool) -> bool {
    match (found, reference) {
        (Value::Array(a) | Value::Set(a), Value::Array(b) | Value::Set(b)) if unordered => {
            let mut a: Vec<String> = a.iter().map(render_short).collect();
            let mut b: Vec<String> = b.iter().map(render_short).collect();
            a.sort();
            b.sort();
            a == b
        }
        _ => found == reference,
    }
}

/// An expectation's text with its placeholders filled in.
fn fill(template: &Template, bindings: &Bindings) -> Result<String, String> {
    let values = template.expand(bindings, &[]).map_err(|e| e.message)?;
    Ok(values
        .iter()
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect::<Vec<_>>()
        .join(" "))
}

/// A scenario expectation's text, placeholders filled: `(nil)`, `between 1 300`,
/// `["a", "b"]`. Fails only for a placeholder the course validation let through.
pub fn describe(expect: &Expect, bindings: &Bindings) -> Result<String, String> {
    let fill = |t: &Template| fill(t, bindings);
    Ok(match expect {
        Expect::Same => "what the reference solution answered".into(),
        Expect::Rendered(t) => fill(t)?,
        Expect::Error(t) => format!("(error) {}…", fill(t)?),
        Expect::Between(low, high) => format!(
            "a number between {} and {}",
            crate::resp::format_double(*low),
            crate::resp::format_double(*high)
        ),
        Expect::Not(inner) => format!("anything but {}", describe(inner, bindings)?),
        Expect::Array { items, ordered } => {
            let items: Vec<String> = items.iter().map(fill).collect::<Result<_, _>>()?;
            if *ordered {
                format!("[{}]", items.join(", "))
            } else {
                format!("{{{}}} (in any order)", items.join(", "))
            }
        }
        Expect::Tally(parts) => parts
            .iter()
            .map(|(n, e)| Ok(format!("{n} of {}", describe(e, bindings)?)))
            .collect::<Result<Vec<_>, String>>()?
            .join(", "),
    })
}

/// Whether a reply meets a scenario expectation (`reference` for `same`).
pub fn meets(
    reply: &Value,
    expect: &Expect,
    bindings: &Bindings,
    reference: Option<&Value>,
    unordered: bool,
) -> Result<bool, String> {
    let fill = |t: &Template| fill(t, bindings);
    Ok(match expect {
        Expect::Same => {
            let reference = reference.ok_or("`same` needs a reference solution")?;
            same_reply(reply, reference, unordered)
        }
        Expect::Rendered(t) => render_short(reply) == fill(t)?,
        Expect::Error(t) => match reply {
            Value::Error(message) => String::from_utf8_lossy(message).starts_with(fill(t)?.trim()),
            _ => false,
        },
        Expect::Between(low, high) => number(reply).is_some_and(|n| n >= *low && n <= *high),
        Expect::Not(inner) => !meets(reply, inner, bindings, reference, unordered)?,
        Expect::Array { items, ordered } => {
            let (Value::Array(elements) | Value::Set(elements)) = reply else {
                return Ok(false);
            };
            let mut found: Vec<String> = elements.iter().map(render_short).collect();
            let mut wanted: Vec<String> = items.iter().map(fill).collect::<Result<_, _>>()?;
            if !ordered {
                found.sort();
                wanted.sort();
            }
            found == wanted
        }
        Expect::Tally(_) => return Err("a tally is checked over a race's replies".into()),
    })
}

/// Whether a race's replies meet a tally: exactly N replies for each part.
pub fn meets_tally(
    replies: &[Value],
    parts: &[(usize, Expect)],
    bindings: &Bindings,
) -> Result<bool, String> {
    let mut counts = vec![0usize; parts.len()];
    for reply in replies {
        let mut matched = false;
        for (index, (_, expect)) in parts.iter().enumerate() {
            if meets(reply, expect, bindings, None, false)? {
                counts[index] += 1;
                matched = true;
                break;
            }
        }
        if !matched {
            return Ok(false);
        }
    }
    Ok(counts.iter().zip(parts).all(|(n, (want, _))| n == want))
}

/// A race's replies counted by rendering: `3 × (integer) 0, 1 × (integer) -1`.
pub fn tally_of(replies: &[Value]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for reply in replies {
        let shown = render_short(reply);
        match counts.iter_mut().find(|(s, _)| *s == shown) {
            Some((_, n)) => *n += 1,
            None => counts.push((shown, 1)),
        }
    }
    counts
        .iter()
        .map(|(shown, n)| format!("{n} of {shown}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::template::Binding;

    fn t(text: &str) -> Template {
        Template::parse(text.as_bytes()).unwrap()
    }

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

    #[test]
    fn scenario_expectations() {
        let b = Bindings::from([("code".to_string(), Binding::text("042"))]);
        let code = Value::bulk("042");
        let yes = |reply: &Value, e: Expect| meets(reply, &e, &b, None, false).unwrap();
        assert!(yes(&code, Expect::Rendered(t("\"{code}\""))));
        assert!(!yes(&Value::Null, Expect::Rendered(t("\"{code}\""))));
        assert!(yes(&Value::Null, Expect::Rendered(t("(nil)"))));
        assert!(yes(&Value::Integer(5), Expect::Between(1.0, 300.0)));
        assert!(yes(
            &Value::Integer(5),
            Expect::Not(Box::new(Expect::Rendered(t("(nil)"))))
        ));
        assert!(yes(
            &Value::error("WRONGTYPE Operation against a key"),
            Expect::Error(t("WRONGTYPE"))
        ));
        let array = Value::Array(vec![Value::bulk("b"), Value::Integer(1)]);
        assert!(yes(
            &array,
            Expect::Array {
                items: vec![t("(integer) 1"), t("\"b\"")],
                ordered: false
            }
        ));
        assert!(!yes(
            &array,
            Expect::Array {
                items: vec![t("(integer) 1"), t("\"b\"")],
                ordered: true
            }
        ));
        assert_eq!(
            describe(&Expect::Rendered(t("\"{code}\"")), &b).unwrap(),
            "\"042\""
        );
    }

    #[test]
    fn tallies_count_race_replies() {
        let replies = [Value::Integer(0), Value::Integer(-1), Value::Integer(-1)];
        let parts = vec![
            (1, Expect::Rendered(t("(integer) 0"))),
            (2, Expect::Rendered(t("(integer) -1"))),
        ];
        assert!(meets_tally(&replies, &parts, &Bindings::new()).unwrap());
        let parts = vec![
            (2, Expect::Rendered(t("(integer) 0"))),
            (1, Expect::Rendered(t("(integer) -1"))),
        ];
        assert!(!meets_tally(&replies, &parts, &Bindings::new()).unwrap());
        assert_eq!(tally_of(&replies), "1 of (integer) 0, 2 of (integer) -1");
    }

    #[test]
    fn unordered_commands_come_from_the_command_table() {
        assert!(unordered_reply(&[b"SMEMBERS".to_vec(), b"s".to_vec()]));
        assert!(!unordered_reply(&[b"LRANGE".to_vec()]));
        let a = Value::Array(vec![Value::bulk("x"), Value::bulk("y")]);
        let b = Value::Array(vec![Value::bulk("y"), Value::bulk("x")]);
        assert!(same_reply(&a, &b, true));
        assert!(!same_reply(&a, &b, false));
    }
}
