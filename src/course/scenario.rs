//! Scenarios: short stories told to a learner's solution, one step per line, each step with an
//! optional expectation and the reason behind it. The grader runs them (src/grader/scenario.rs);
//! this module only reads them, so mistakes are reported when the course loads.
//!
//! ```text
//! let user = id
//! let code = digits(6)
//! call send {user} {code}
//! command TTL otp:login:{user}   => between 1 300   because a code must expire on its own
//! call verify {user}             => "{code}"
//! call verify {user}             => (nil)           because a code works only once
//! advance 301s
//! race 2 call verify {user}      => 2 of (nil)
//! events 300 login user=int(1,40) ts=moment(2024-06-03,7d) day=dateof(ts) device=pick(phone,laptop)
//! each user: command LRANGE user:{user}:logins 0 -1   => same
//! as other command SET otp:login:{user} 123456
//! ```
//!
//! Steps: `let NAME = GENERATOR`; `call HANDLER ARGS` (the learner's handler or script);
//! `command ARGS` (a plain command that reads or prepares state); `as CLIENT call|command ...`
//! (another connection); `advance DURATION` (the engine clock); `race N call ...` (N clients at
//! once); `repeat N call|command ...`; `events N HANDLER PARAM=GENERATOR ...` (a stream of calls
//! with generated inputs; afterwards each PARAM names the list of its distinct values);
//! `each LIST: call|command ...` (once per element, the element bound to LIST's name).
//!
//! Expectations after `=>`: `same` (what the reference solution answered at this step), a
//! redis-cli rendering (`OK`, `(nil)`, `(integer) 3`, `"text"`, `(empty array)`), `(error)
//! PREFIX`, `between A B`, `not EXPECTATION`, `["a", "b"]` (an array in this order), `{"a",
//! "b"}` (in any order), and for races `N of EXPECTATION, M of EXPECTATION`.

use super::recipe::Signature;
use super::template::{Template, squeeze_placeholders};
use crate::resp::split_args;
use std::collections::BTreeSet;
use std::time::Duration;

/// Most clients in a race, and most repetitions or events in one step.
pub const MAX_CLIENTS: usize = 100;
pub const MAX_REPEAT: usize = 10_000;

/// One scenario of an exercise.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Stable id, unique among the exercise's checks and scenarios.
    pub id: String,
    /// What the learner sees next to the tick or cross.
    pub name: String,
    /// Advice shown when it fails.
    pub hint: Option<String>,
    pub steps: Vec<Step>,
}

/// One step and what it should answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The step's line within the scenario text (1-based).
    pub line: usize,
    /// The step as written, for the scenario log.
    pub text: String,
    pub action: Action,
    pub expect: Option<Expect>,
    /// Why the expectation matters, shown when it is not met.
    pub because: Option<String>,
}

/// Which connection a step uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Client {
    Main,
    Named(String),
}

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Let {
        name: String,
        generator: Generator,
    },
    Call {
        client: Client,
        handler: String,
        args: Vec<Template>,
    },
    Command {
        client: Client,
        args: Vec<Template>,
    },
    Advance(Duration),
    Race {
        clients: usize,
        handler: String,
        args: Vec<Template>,
    },
    Repeat {
        times: usize,
        action: Box<Action>,
    },
    Events {
        count: usize,
        handler: String,
        params: Vec<(String, Generator)>,
    },
    Each {
        list: String,
        action: Box<Action>,
    },
}

/// How a value is made up from the scenario's seed.
#[derive(Debug, Clone, PartialEq)]
pub enum Generator {
    /// A numeric id of 4 to 6 digits.
    Id,
    /// N decimal digits (leading zeros kept).
    Digits(usize),
    /// An integer in the inclusive range.
    Int(i64, i64),
    /// One of the values (a list placeholder among them contributes its elements).
    Pick(Vec<Template>),
    /// A lower-case word.
    Word,
    /// N consecutive dates from a start: a list.
    Days { start: Date, count: usize },
    /// N values of a generator: a list (distinct where the generator allows).
    List(usize, Box<Generator>),
    /// The text as written (placeholders filled).
    Literal(Template),
    /// Timestamps that grow from `start` over `span` along an `events` stream.
    Moment { start: Date, span: Duration },
    /// The date of another parameter's timestamp.
    DateOf(String),
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    pub fn days_since_epoch(self) -> i64 {
        let y = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (civil_from_days).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date { year, month, day }
    }

    fn parse(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        let date = Date { year, month, day };
        (parts.next().is_none() && Date::from_days(date.days_since_epoch()) == date).then_some(date)
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// What a step must answer. Texts may hold `{placeholders}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// The reference solution's reply at the same step.
    Same,
    /// The exact one-line redis-cli rendering.
    Rendered(Template),
    /// An error reply starting with this text.
    Error(Template),
    /// A number (integer, or numeric string) within the inclusive bounds.
    Between(f64, f64),
    Not(Box<Expect>),
    /// An array of these scalar renderings, in order or in any order.
    Array {
        items: Vec<Template>,
        ordered: bool,
    },
    /// Race replies: how many must meet each expectation.
    Tally(Vec<(usize, Expect)>),
}

/// A problem in a scenario, at a line of its text and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioProblem {
    /// The line within the scenario text (1-based).
    pub line: usize,
    pub message: String,
}

/// What a scenario may call: the handlers of a recipe exercise, or the script of a script
/// exercise (any number of arguments).
#[derive(Debug, Clone, PartialEq)]
pub enum Callable {
    Handlers(Vec<Signature>),
    Script { name: String, keys: usize },
    Nothing,
}

/// Parses a scenario's steps (variant placeholders already filled in).
pub fn parse_steps(text: &str, callable: &Callable) -> Result<Vec<Step>, Vec<ScenarioProblem>> {
    let mut steps = Vec::new();
    let mut problems = Vec::new();
    let mut defined: BTreeSet<String> = BTreeSet::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match parse_step(trimmed, callable, &mut defined) {
            Ok((action, expect, because)) => steps.push(Step {
                line,
                text: trimmed.to_string(),
                action,
                expect,
                because,
            }),
            Err(message) => problems.push(ScenarioProblem { line, message }),
        }
    }
    if steps.is_empty() && problems.is_empty() {
        problems.push(ScenarioProblem {
            line: 1,
            message: "the scenario has no steps".into(),
        });
    }
    if problems.is_empty() {
        Ok(steps)
    } else {
        Err(problems)
    }
}

/// Parses an exercise's setup: steps as in a scenario, where a line that starts with no step
/// word is a plain command (`SET k v` is `command SET k v`). Setup only prepares data: `let`,
/// commands, `repeat` and `each`, without expectations.
pub fn parse_setup(text: &str) -> Result<Vec<Step>, Vec<ScenarioProblem>> {
    const VERBS: [&str; 9] = [
        "let", "call", "command", "as", "advance", "race", "repeat", "events", "each",
    ];
    // `SET k v` is `command SET k v`, also after `each LIST:` and `repeat N`.
    fn explicit_command(rest: &str) -> String {
        let verb = rest.split_whitespace().next().unwrap_or_default();
        if VERBS.contains(&verb) {
            rest.to_string()
        } else {
            format!("command {rest}")
        }
    }
    let explicit: String = text
        .lines()
        .map(|line| {
            let trimmed = line.trim();
            let mut words = trimmed.splitn(3, char::is_whitespace);
            let verb = words.next().unwrap_or_default();
            let line = if trimmed.is_empty() || trimmed.starts_with('#') {
                String::new()
            } else if verb == "each" || verb == "repeat" {
                let head = words.next().unwrap_or_default();
                let rest = words.next().unwrap_or_default();
                format!("{verb} {head} {}", explicit_command(rest))
            } else {
                explicit_command(trimmed)
            };
            format!("{line}\n")
        })
        .collect();
    if explicit.trim().is_empty() {
        return Ok(Vec::new());
    }
    let steps = parse_steps(&explicit, &Callable::Nothing)?;
    let problems: Vec<ScenarioProblem> = steps
        .iter()
        .filter(|step| {
            step.expect.is_some()
                || !matches!(
                    step.action,
                    Action::Let { .. }
                        | Action::Command {
                            client: Client::Main,
                            ..
                        }
                        | Action::Repeat { .. }
                        | Action::Each { .. }
                )
        })
        .map(|step| ScenarioProblem {
            line: step.line,
            message:
                "setup prepares data: use let, commands, repeat and each, without expectations"
                    .into(),
        })
        .collect();
    if problems.is_empty() {
        Ok(steps)
    } else {
        Err(problems)
    }
}

type Parsed = (Action, Option<Expect>, Option<String>);

fn parse_step(
    line: &str,
    callable: &Callable,
    defined: &mut BTreeSet<String>,
) -> Result<Parsed, String> {
    let (head, because) = match find_outside_quotes(line, " because ") {
        Some(at) => (&line[..at], Some(line[at + 9..].trim().to_string())),
        None => (line, None),
    };
    let (head, expect) = match find_outside_quotes(head, "=>") {
        Some(at) => (&head[..at], Some(parse_expect(head[at + 2..].trim())?)),
        None => (head, None),
    };
    if because.is_some() && expect.is_none() {
        return Err("`because` explains an expectation: add `=> ...` before it".into());
    }
    let words = split_args(squeeze_placeholders(head.trim()).as_bytes())
        .ok_or_else(|| "unbalanced quotes (close every \" and ')".to_string())?;
    let words: Vec<String> = words
        .into_iter()
        .map(|w| String::from_utf8_lossy(&w).into_owned())
        .collect();
    let action = parse_action(&words, callable, defined)?;
    if let Some(expect) = &expect {
        check_names(&expect_templates(expect), defined)?;
        match (&action, expect) {
            (Action::Race { .. }, Expect::Tally(_)) => {}
            (Action::Race { .. }, _) => {
                return Err(
                    "a race expects a tally of its replies: `=> 5 of (integer) 0, 45 of (integer) -1`"
                        .into(),
                );
            }
            (_, Expect::Tally(_)) => {
                return Err("a tally (`N of ...`) fits only a race".into());
            }
            (Action::Let { .. } | Action::Advance(_) | Action::Events { .. }, _) => {
                return Err("this step answers nothing, so it cannot expect anything".into());
            }
            _ => {}
        }
    }
    if let Action::Race { clients, .. } = &action
        && let Some(Expect::Tally(parts)) = &expect
    {
        let total: usize = parts.iter().map(|(n, _)| n).sum();
        if total != *clients {
            return Err(format!(
                "the tally counts {total} replies, but {clients} clients race"
            ));
        }
    }
    Ok((action, expect, because))
}

fn parse_action(
    words: &[String],
    callable: &Callable,
    defined: &mut BTreeSet<String>,
) -> Result<Action, String> {
    let Some(verb) = words.first() else {
        return Err("an empty step".into());
    };
    let rest = &words[1..];
    match verb.as_str() {
        "let" => {
            let [name, eq, generator @ ..] = rest else {
                return Err("`let NAME = GENERATOR`".into());
            };
            if eq != "=" || generator.is_empty() || !is_name(name) {
                return Err("`let NAME = GENERATOR`".into());
            }
            let generator = parse_generator(&generator.join(" "))?;
            check_generator_names(&generator, defined, &BTreeSet::new())?;
            defined.insert(name.clone());
            Ok(Action::Let {
                name: name.clone(),
                generator,
            })
        }
        "call" => parse_call(rest, Client::Main, callable, defined),
        "command" => parse_command(rest, Client::Main, defined),
        "as" => {
            let [client, verb, rest @ ..] = rest else {
                return Err("`as CLIENT call ...` or `as CLIENT command ...`".into());
            };
            if !is_name(client) {
                return Err(format!("`{client}` is not a client name"));
            }
            let client = Client::Named(client.clone());
            match verb.as_str() {
                "call" => parse_call(rest, client, callable, defined),
                "command" => parse_command(rest, client, defined),
                _ => Err("`as CLIENT call ...` or `as CLIENT command ...`".into()),
            }
        }
        "advance" => {
            let [duration] = rest else {
                return Err("`advance DURATION`, e.g. `advance 301s`".into());
            };
            Ok(Action::Advance(parse_duration(duration)?))
        }
        "race" => {
            let [count, call, rest @ ..] = rest else {
                return Err("`race N call HANDLER ARGS`".into());
            };
            if call != "call" {
                return Err("`race N call HANDLER ARGS`".into());
            }
            let clients = parse_count(count, 2, MAX_CLIENTS)?;
            match parse_call(rest, Client::Main, callable, defined)? {
                Action::Call { handler, args, .. } => Ok(Action::Race {
                    clients,
                    handler,
                    args,
                }),
                _ => unreachable!("parse_call makes calls"),
            }
        }
        "repeat" => {
            let [count, rest @ ..] = rest else {
                return Err("`repeat N call ...` or `repeat N command ...`".into());
            };
            let times = parse_count(count, 1, MAX_REPEAT)?;
            let inner = parse_action(rest, callable, defined)?;
            if !matches!(inner, Action::Call { .. } | Action::Command { .. }) {
                return Err("`repeat N call ...` or `repeat N command ...`".into());
            }
            Ok(Action::Repeat {
                times,
                action: Box::new(inner),
            })
        }
        "events" => {
            let [count, handler, params @ ..] = rest else {
                return Err("`events N HANDLER PARAM=GENERATOR ...`".into());
            };
            let count = parse_count(count, 1, MAX_REPEAT)?;
            let signature = check_callable(handler, callable)?;
            let mut parsed: Vec<(String, Generator)> = Vec::new();
            let mut own: BTreeSet<String> = BTreeSet::new();
            for param in params {
                let Some((name, generator)) = param.split_once('=') else {
                    return Err(format!("`{param}` is not PARAM=GENERATOR"));
                };
                let generator = parse_generator(generator)?;
                check_generator_names(&generator, defined, &own)?;
                own.insert(name.to_string());
                parsed.push((name.to_string(), generator));
            }
            if let Some(signature) = signature {
                let mut given: Vec<&str> = parsed.iter().map(|(n, _)| n.as_str()).collect();
                let mut wanted: Vec<&str> =
                    signature.params.iter().map(|p| p.name.as_str()).collect();
                given.sort();
                wanted.sort();
                if given != wanted {
                    return Err(format!(
                        "events for {signature} generate each of its parameters once: {}",
                        wanted.join(" ")
                    ));
                }
            }
            defined.extend(own);
            Ok(Action::Events {
                count,
                handler: handler.clone(),
                params: parsed,
            })
        }
        each if each.starts_with("each") => {
            let Some(list) = rest.first().and_then(|w| w.strip_suffix(':')) else {
                return Err("`each LIST: call ...` or `each LIST: command ...`".into());
            };
            if !defined.contains(list) {
                return Err(format!("`{list}` is not defined by an earlier step"));
            }
            let inner = parse_action(&rest[1..], callable, defined)?;
            if !matches!(inner, Action::Call { .. } | Action::Command { .. }) {
                return Err("`each LIST: call ...` or `each LIST: command ...`".into());
            }
            Ok(Action::Each {
                list: list.to_string(),
                action: Box::new(inner),
            })
        }
        other => Err(format!(
            "`{other}` is not a step (let, call, command, as, advance, race, repeat, events, each)"
        )),
    }
}

fn parse_call(
    words: &[String],
    client: Client,
    callable: &Callable,
    defined: &BTreeSet<String>,
) -> Result<Action, String> {
    let [handler, args @ ..] = words else {
        return Err("`call HANDLER ARGS`".into());
    };
    let signature = check_callable(handler, callable)?;
    let args = templates(args)?;
    check_names(&args, defined)?;
    if let Some(signature) = signature {
        let fixed = signature.params.iter().filter(|p| !p.variadic).count();
        let variadic = signature.params.iter().any(|p| p.variadic);
        // A list placeholder may stand for several arguments: then only too many can be told.
        let may_expand = args.iter().any(|a| !a.names().is_empty());
        if (!variadic && args.len() > fixed) || (args.len() < fixed && !may_expand) {
            return Err(format!(
                "{signature} takes {fixed} argument{}, not {}",
                if fixed == 1 { "" } else { "s" },
                args.len()
            ));
        }
    }
    Ok(Action::Call {
        client,
        handler: handler.clone(),
        args,
    })
}

fn parse_command(
    words: &[String],
    client: Client,
    defined: &BTreeSet<String>,
) -> Result<Action, String> {
    if words.is_empty() {
        return Err("`command` needs a Redis command".into());
    }
    let args = templates(words)?;
    check_names(&args, defined)?;
    Ok(Action::Command { client, args })
}

/// The handler's signature (None for a script, which takes any arguments).
fn check_callable<'a>(name: &str, callable: &'a Callable) -> Result<Option<&'a Signature>, String> {
    match callable {
        Callable::Handlers(signatures) => signatures
            .iter()
            .find(|s| s.name == name)
            .map(Some)
            .ok_or_else(|| {
                format!(
                    "the exercise has no handler `{name}` (it has {})",
                    signatures
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }),
        Callable::Script { name: script, .. } if script == name => Ok(None),
        Callable::Script { name: script, .. } => {
            Err(format!("the exercise's script is `{script}`, not `{name}`"))
        }
        Callable::Nothing => Err("a console exercise has nothing to call".into()),
    }
}

fn templates(words: &[String]) -> Result<Vec<Template>, String> {
    words
        .iter()
        .map(|w| Template::parse(w.as_bytes()).map_err(|e| e.message))
        .collect()
}

fn check_names(templates: &[Template], defined: &BTreeSet<String>) -> Result<(), String> {
    for template in templates {
        if template.max_reply().is_some() {
            return Err("`{$N}` belongs in recipes, not in scenarios".into());
        }
        for name in template.names() {
            if !defined.contains(name) {
                return Err(format!("`{{{name}}}` is not defined by an earlier step"));
            }
        }
    }
    Ok(())
}

fn check_generator_names(
    generator: &Generator,
    defined: &BTreeSet<String>,
    same_event: &BTreeSet<String>,
) -> Result<(), String> {
    match generator {
        Generator::Pick(values) => check_names(values, defined),
        Generator::Literal(value) => check_names(std::slice::from_ref(value), defined),
        Generator::List(_, inner) => check_generator_names(inner, defined, same_event),
        Generator::DateOf(name) if !same_event.contains(name) => Err(format!(
            "dateof({name}) needs `{name}` to be generated earlier in the same event"
        )),
        _ => Ok(()),
    }
}

fn expect_templates(expect: &Expect) -> Vec<Template> {
    match expect {
        Expect::Rendered(t) | Expect::Error(t) => vec![t.clone()],
        Expect::Array { items, .. } => items.clone(),
        Expect::Not(inner) => expect_templates(inner),
        Expect::Tally(parts) => parts
            .iter()
            .flat_map(|(_, e)| expect_templates(e))
            .collect(),
        Expect::Same | Expect::Between(..) => vec![],
    }
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse_count(text: &str, min: usize, max: usize) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("`{text}` is not a count from {min} to {max}")),
    }
}

/// `301s`, `250ms`, `5m`, `2h`, `7d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 301s, 250ms, 5m, 2h or 7d"))?;
    let seconds = match unit {
        "ms" => return Ok(Duration::from_millis(n)),
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => {
            return Err(format!(
                "`{text}` is not a duration such as 301s, 250ms, 5m, 2h or 7d"
            ));
        }
    };
    Ok(Duration::from_secs(seconds))
}

/// `id`, `digits(6)`, `int(1,40)`, `pick(a,b,{list})`, `word`, `days(2024-06-03,7)`,
/// `list(5,digits(6))`, `moment(2024-06-03,7d)`, `dateof(ts)`, or a literal text.
fn parse_generator(text: &str) -> Result<Generator, String> {
    let text = text.trim();
    let (name, args) = match text.find('(') {
        Some(open) if text.ends_with(')') => (
            &text[..open],
            split_args_list(&text[open + 1..text.len() - 1]),
        ),
        _ => (text, Vec::new()),
    };
    let int = |s: &str| {
        s.trim()
            .parse::<i64>()
            .map_err(|_| format!("`{s}` is not an integer"))
    };
    let date =
        |s: &str| Date::parse(s.trim()).ok_or_else(|| format!("`{s}` is not a date YYYY-MM-DD"));
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!(
                "{name}() takes {n} argument(s), not {}",
                args.len()
            ))
        }
    };
    Ok(match name {
        "id" if args.is_empty() => Generator::Id,
        "word" if args.is_empty() => Generator::Word,
        "digits" => {
            arity(1)?;
            let n = int(&args[0])?;
            if !(1..=18).contains(&n) {
                return Err("digits(N) takes N from 1 to 18".into());
            }
            Generator::Digits(n as usize)
        }
        "int" => {
            arity(2)?;
            let (low, high) = (int(&args[0])?, int(&args[1])?);
            if low > high {
                return Err(format!("int({low},{high}) is an empty range"));
            }
            Generator::Int(low, high)
        }
        "pick" => {
            if args.is_empty() {
                return Err("pick() needs values".into());
            }
            Generator::Pick(templates(&args)?)
        }
        "days" => {
            arity(2)?;
            let count = parse_count(args[1].trim(), 1, 366)?;
            Generator::Days {
                start: date(&args[0])?,
                count,
            }
        }
        "list" => {
            arity(2)?;
            let count = parse_count(args[0].trim(), 1, MAX_REPEAT)?;
            Generator::List(count, Box::new(parse_generator(&args[1])?))
        }
        "moment" => {
            arity(2)?;
            Generator::Moment {
                start: date(&args[0])?,
                span: parse_duration(args[1].trim())?,
            }
        }
        "dateof" => {
            arity(1)?;
            Generator::DateOf(args[0].trim().to_string())
        }
        _ if text.contains('(') => return Err(format!("`{text}` is not a generator")),
        _ => Generator::Literal(Template::parse(text.as_bytes()).map_err(|e| e.message)?),
    })
}

/// Splits `a,b(c,d),e` at top-level commas.
fn split_args_list(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '(' | '{' => depth += 1,
            ')' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current).trim().to_string());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() || !parts.is_empty() {
        parts.push(current.trim().to_string());
    }
    parts
}

fn parse_expect(text: &str) -> Result<Expect, String> {
    if text.is_empty() {
        return Err("`=>` needs an expectation".into());
    }
    let template = |s: &str| Template::parse(s.trim().as_bytes()).map_err(|e| e.message);
    if text == "same" {
        return Ok(Expect::Same);
    }
    if let Some(rest) = text.strip_prefix("not ") {
        return Ok(Expect::Not(Box::new(parse_expect(rest.trim())?)));
    }
    if let Some(rest) = text.strip_prefix("between ") {
        let bounds: Vec<f64> = rest
            .split_whitespace()
            .map(|b| b.parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("`between {rest}` needs two numbers"))?;
        let [low, high] = bounds[..] else {
            return Err(format!("`between {rest}` needs two numbers"));
        };
        if low > high {
            return Err(format!("`between {low} {high}` is an empty range"));
        }
        return Ok(Expect::Between(low, high));
    }
    if let Some(rest) = text.strip_prefix("(error)") {
        return Ok(Expect::Error(template(rest)?));
    }
    let is_tally = text
        .split_once(" of ")
        .is_some_and(|(n, _)| n.trim().parse::<usize>().is_ok());
    if is_tally {
        let mut parts = Vec::new();
        for part in split_outside_quotes(text, ',') {
            let (count, expect) = part
                .split_once(" of ")
                .ok_or_else(|| format!("`{part}` is not `N of EXPECTATION`"))?;
            let count = count
                .trim()
                .parse::<usize>()
                .map_err(|_| format!("`{count}` is not a count"))?;
            let expect = parse_expect(expect.trim())?;
            if matches!(expect, Expect::Tally(_) | Expect::Same) {
                return Err("a tally counts plain expectations".into());
            }
            parts.push((count, expect));
        }
        return Ok(Expect::Tally(parts));
    }
    let array = |inner: &str, ordered: bool| -> Result<Expect, String> {
        let items = split_outside_quotes(inner, ',')
            .into_iter()
            .filter(|item| !item.trim().is_empty())
            .map(|item| template(&item))
            .collect::<Result<_, _>>()?;
        Ok(Expect::Array { items, ordered })
    };
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return array(inner, true);
    }
    if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}'))
        && (inner.trim().is_empty() || inner.trim_start().starts_with(['"', '(']))
    {
        return array(inner, false);
    }
    Ok(Expect::Rendered(template(text)?))
}

/// The byte offset of `needle` outside double quotes.
fn find_outside_quotes(text: &str, needle: &str) -> Option<usize> {
    let mut quoted = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            _ if !quoted && text[i..].starts_with(needle) => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

fn split_outside_quotes(text: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' && quoted {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == separator && !quoted {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn otp() -> Callable {
        Callable::Handlers(vec![
            Signature::parse("send user code").unwrap(),
            Signature::parse("verify user").unwrap(),
            Signature::parse("login user day ts device").unwrap(),
        ])
    }

    fn problem(text: &str) -> String {
        let problems = parse_steps(text, &otp()).unwrap_err();
        format!("{}: {}", problems[0].line, problems[0].message)
    }

    #[test]
    fn steps_parse_with_expectations_and_reasons() {
        let text = "let user = id\nlet code = digits(6)\n# a comment\ncall send {user} {code}\n\
                    command TTL otp:{user} => between 1 300 because it expires\n\
                    call verify {user} => \"{code}\"\nadvance 5m\nrace 2 call verify {user} => 2 of (nil)\n\
                    as spy command GET otp:{user} => not (nil)\nrepeat 3 call verify {user} => (nil)";
        let steps = parse_steps(text, &otp()).unwrap();
        assert_eq!(steps.len(), 9);
        assert_eq!(steps[2].line, 4);
        assert_eq!(steps[3].expect, Some(Expect::Between(1.0, 300.0)));
        assert_eq!(steps[3].because.as_deref(), Some("it expires"));
        assert_eq!(steps[5].action, Action::Advance(Duration::from_secs(300)));
        assert!(matches!(&steps[6].action, Action::Race { clients: 2, .. }));
        assert!(matches!(
            &steps[7].action,
            Action::Command { client: Client::Named(name), .. } if name == "spy"
        ));
        assert!(matches!(&steps[8].expect, Some(Expect::Rendered(_))));
    }

    #[test]
    fn events_define_lists_for_each() {
        let text = "events 300 login user=int(1,40) day=dateof(ts) ts=moment(2024-06-03,7d) device=pick(phone,laptop)";
        assert_eq!(
            problem(text),
            "1: dateof(ts) needs `ts` to be generated earlier in the same event"
        );
        let text = "events 300 login user=int(1,40) ts=moment(2024-06-03,7d) day=dateof(ts) device=pick(phone,laptop)\n\
                    each user: command LRANGE user:{user}:logins 0 -1 => same\n\
                    each day: command BITCOUNT active:{day} => same";
        let steps = parse_steps(text, &otp()).unwrap();
        assert!(
            matches!(&steps[0].action, Action::Events { count: 300, params, .. } if params.len() == 4)
        );
        assert_eq!(steps[1].expect, Some(Expect::Same));
        assert_eq!(
            problem("events 3 login user=id ts=moment(2024-06-03,1d) device=word"),
            "1: events for [login user day ts device] generate each of its parameters once: day device ts user"
        );
    }

    #[test]
    fn mistakes_are_explained() {
        assert_eq!(
            problem("call send {user} 1"),
            "1: `{user}` is not defined by an earlier step"
        );
        assert_eq!(
            problem("call sned 1 2"),
            "1: the exercise has no handler `sned` (it has [send user code], [verify user], [login user day ts device])"
        );
        assert_eq!(
            problem("call verify 1 2"),
            "1: [verify user] takes 1 argument, not 2"
        );
        assert_eq!(
            problem("race 3 call verify 1 => 2 of (nil)"),
            "1: the tally counts 2 replies, but 3 clients race"
        );
        assert_eq!(
            problem("race 2 call verify 1 => (nil)"),
            "1: a race expects a tally of its replies: `=> 5 of (integer) 0, 45 of (integer) -1`"
        );
        assert_eq!(
            problem("advance 5 minutes"),
            "1: `advance DURATION`, e.g. `advance 301s`"
        );
        assert_eq!(
            problem("advance 5y"),
            "1: `5y` is not a duration such as 301s, 250ms, 5m, 2h or 7d"
        );
        assert_eq!(
            problem("let x = days(2024-02-30,3)"),
            "1: `2024-02-30` is not a date YYYY-MM-DD"
        );
        assert_eq!(
            problem("jump 3"),
            "1: `jump` is not a step (let, call, command, as, advance, race, repeat, events, each)"
        );
        assert_eq!(
            problem("command GET k because why"),
            "1: `because` explains an expectation: add `=> ...` before it"
        );
        assert_eq!(
            problem("advance 1s => OK"),
            "1: this step answers nothing, so it cannot expect anything"
        );
        assert_eq!(problem(""), "1: the scenario has no steps");
    }

    #[test]
    fn expectations() {
        let parse = |t: &str| parse_expect(t).unwrap();
        assert_eq!(parse("same"), Expect::Same);
        assert!(matches!(parse("(error) WRONGTYPE"), Expect::Error(_)));
        assert!(
            matches!(parse(r#"["a", "b, c"]"#), Expect::Array { ordered: true, items } if items.len() == 2)
        );
        assert!(matches!(
            parse(r#"{"a", (integer) 1}"#),
            Expect::Array { ordered: false, .. }
        ));
        assert!(matches!(parse("{}"), Expect::Array { ordered: false, items } if items.is_empty()));
        assert!(matches!(parse("(integer) 5"), Expect::Rendered(_)));
        assert!(
            matches!(parse("5 of (integer) 0, 45 of (integer) -1"), Expect::Tally(parts) if parts.len() == 2)
        );
        assert!(parse_expect("between 3 1").is_err());
    }

    #[test]
    fn setup_lines_are_commands_unless_they_are_steps() {
        let steps = parse_setup("SET a 1\n\nlet ids = list(3,digits(4))\neach ids: command SADD s {ids}\neach ids: SADD t {ids}\nrepeat 2 INCR n\n").unwrap();
        assert_eq!(steps.len(), 5);
        assert!(
            matches!(&steps[3].action, Action::Each { action, .. } if matches!(**action, Action::Command { .. }))
        );
        assert!(matches!(&steps[4].action, Action::Repeat { times: 2, .. }));
        assert_eq!(steps[0].line, 1);
        assert!(matches!(&steps[0].action, Action::Command { args, .. } if args.len() == 3));
        assert!(matches!(&steps[2].action, Action::Each { .. }));
        assert_eq!(parse_setup("").unwrap(), vec![]);
        let problems = parse_setup("GET a => (nil)\nadvance 3s").unwrap_err();
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[1].line, 2);
    }

    #[test]
    fn dates_round_trip() {
        let d = Date::parse("2024-02-29").unwrap();
        assert_eq!(
            Date::from_days(d.days_since_epoch() + 1).to_string(),
            "2024-03-01"
        );
        assert_eq!(Date::parse("1970-01-01").unwrap().days_since_epoch(), 0);
        assert!(Date::parse("2023-02-29").is_none());
    }
}
