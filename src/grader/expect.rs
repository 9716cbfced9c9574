//! Comparing a reply with what was expected, and saying how they differ in redis-cli terms.

use super::report::render_short;
use crate::course::scenario::Expect;
use crate::course::template::{Bindings, Template};
use crate::engine::command_table;
use crate::resp::Value;

/// A reply as a number, for ranges: an integer, a double or a numeric string.
pub(super) fn number(reply: &Value) -> Option<f64> {
    match reply {
        Value::Integer(i) => Some(*i as f64),
        Value::Double(d) => Some(*d),
        Value::Bulk(b) | Value::DoubleText(b) => {
            std::str::from_utf8(b).ok().and_then(|s| s.parse().ok())
        }
        _ => None,
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
