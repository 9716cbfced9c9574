//! redis-cli's help entries and `help` output, built from the command table's COMMAND DOCS
//! (so they cover exactly the commands the table holds).

use crate::engine::{CommandSpec, command_table};
use crate::resp::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The redis-cli version the console imitates, as `help` shows it.
pub const REDIS_CLI_VERSION: &str = "7.0.15";

/// One command (or `CONTAINER SUBCOMMAND`) as redis-cli's help knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpEntry {
    /// The upper-case words of the name: `["CLIENT", "LIST"]`.
    pub words: Vec<String>,
    /// The words joined by a space: `CLIENT LIST`.
    pub name: String,
    /// The argument syntax: `key value [NX|XX] [GET] ...`.
    pub params: String,
    pub summary: String,
    /// Empty when the docs give no version.
    pub since: String,
    pub group: String,
}

/// Every help entry, sorted by name as redis-cli sorts them.
pub fn help_entries() -> &'static [HelpEntry] {
    static ENTRIES: OnceLock<Vec<HelpEntry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        let mut entries = Vec::new();
        for spec in command_table().iter() {
            entries.push(entry_for(spec, &[]));
            for sub in spec.subcommands.values() {
                entries.push(entry_for(sub, &[spec.name.as_str()]));
            }
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        entries
    })
}

/// Help entries built from a server's own `COMMAND DOCS` reply (RESP2 or RESP3), so hints
/// follow the server the console talks to; sorted by name. Containers' subcommands
/// (`config|get`) become their own entries (`CONFIG GET`).
pub fn help_entries_from_docs(docs: &Value) -> Vec<HelpEntry> {
    let mut entries = Vec::new();
    add_docs(docs, &mut entries);
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}

fn add_docs(docs: &Value, entries: &mut Vec<HelpEntry>) {
    for (name, doc) in fields(docs) {
        let words: Vec<String> = String::from_utf8_lossy(name)
            .split('|')
            .map(str::to_ascii_uppercase)
            .collect();
        let mut entry = HelpEntry {
            name: words.join(" "),
            words,
            params: String::new(),
            summary: String::new(),
            since: String::new(),
            group: String::new(),
        };
        for (key, value) in fields(doc) {
            match key {
                b"summary" => entry.summary = text(value),
                b"since" => entry.since = text(value),
                b"group" => entry.group = text(value),
                b"arguments" => entry.params = argument_syntax(value),
                b"subcommands" => add_docs(value, entries),
                _ => {}
            }
        }
        entries.push(entry);
    }
}

/// The command groups that have at least one command (`connection`, `string` ...), sorted.
pub fn help_groups() -> Vec<&'static str> {
    let groups: BTreeSet<&str> = help_entries()
        .iter()
        .map(|e| e.group.as_str())
        .filter(|g| !g.is_empty())
        .collect();
    groups.into_iter().collect()
}

fn entry_for(spec: &CommandSpec, parents: &[&str]) -> HelpEntry {
    let own = spec.name.rsplit('|').next().unwrap_or(&spec.name);
    let words: Vec<String> = parents
        .iter()
        .copied()
        .chain([own])
        .map(str::to_ascii_uppercase)
        .collect();
    let params = spec.arguments().map(argument_syntax).unwrap_or_default();
    HelpEntry {
        name: words.join(" "),
        words,
        params,
        summary: spec.summary().to_string(),
        since: spec.since().to_string(),
        group: spec.group().to_string(),
    }
}

/// The argument syntax redis-cli shows in help and hints, from a COMMAND DOCS `arguments`
/// array: `key value [NX|XX] [GET] [EX seconds|PX milliseconds|...|KEEPTTL]`.
pub fn argument_syntax(arguments: &Value) -> String {
    match arguments {
        Value::Array(args) => concat_arguments(args, " "),
        _ => String::new(),
    }
}

/// The fields of one COMMAND DOCS argument (a RESP3 map or a RESP2 flat array).
fn fields(arg: &Value) -> Vec<(&[u8], &Value)> {
    match arg {
        Value::Map(pairs) => pairs
            .iter()
            .filter_map(|(k, v)| Some((k.as_bytes()?, v)))
            .collect(),
        Value::Array(flat) => flat
            .chunks(2)
            .filter_map(|pair| match pair {
                [k, v] => Some((k.as_bytes()?, v)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn text(v: &Value) -> String {
    String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned()
}

/// redis-cli's cliConcatArguments.
fn concat_arguments(args: &[Value], separator: &str) -> String {
    args.iter()
        .map(format_argument)
        .collect::<Vec<_>>()
        .join(separator)
}

/// redis-cli's cliAddArgument: `[EX seconds|PX milliseconds]`, `key [key ...]` ...
fn format_argument(arg: &Value) -> String {
    let or_quotes = |s: String| if s.is_empty() { "\"\"".to_string() } else { s };
    let (mut name, mut kind, mut token) = (String::new(), String::new(), String::new());
    let (mut optional, mut multiple, mut multiple_token) = (false, false, false);
    let mut nested: &[Value] = &[];
    for (key, value) in fields(arg) {
        match key {
            b"name" => name = text(value),
            b"token" => token = or_quotes(text(value)),
            b"type" => kind = text(value),
            b"arguments" => {
                if let Value::Array(items) = value {
                    nested = items;
                }
            }
            b"flags" => {
                if let Value::Array(flags) | Value::Set(flags) = value {
                    for flag in flags {
                        match flag.as_bytes() {
                            Some(b"optional") => optional = true,
                            Some(b"multiple") => multiple = true,
                            Some(b"multiple_token") => multiple_token = true,
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let repeat = match kind.as_str() {
        "oneof" => concat_arguments(nested, "|"),
        "block" => concat_arguments(nested, " "),
        "pure-token" => String::new(),
        _ => or_quotes(name),
    };
    if !token.is_empty() && kind != "pure-token" {
        token.push(' ');
    }
    let mut out = String::new();
    if optional {
        out.push('[');
    }
    out.push_str(&token);
    out.push_str(&repeat);
    if multiple {
        out.push_str(" [");
        if multiple_token {
            out.push_str(&token);
        }
        out.push_str(&repeat);
        out.push_str(" ...]");
    }
    if optional {
        out.push(']');
    }
    out
}

/// What `help` prints with no topic.
pub fn generic_help() -> String {
    format!(
        "redis-cli {REDIS_CLI_VERSION}\n\
         To get help about Redis commands type:\n\
         \x20     \"help @<group>\" to get a list of commands in <group>\n\
         \x20     \"help <command>\" for help on <command>\n\
         \x20     \"help <tab>\" to get a list of possible help topics\n\
         \x20     \"quit\" to exit\n\
         \n\
         To set redis-cli preferences:\n\
         \x20     \":set hints\" enable online hints\n\
         \x20     \":set nohints\" disable online hints\n\
         Set your preferences in ~/.redisclirc\n"
    )
}

/// What `help <topic...>` prints, without redis-cli's colours: for `help @group` every
/// command of the group (name, arguments, summary, since); for `help COMMAND [SUB]` every
/// entry whose leading words match (so `help client` lists CLIENT and its subcommands), with
/// its group. An unknown topic prints just an empty line, as in redis-cli.
pub fn help_text(topic: &[String]) -> String {
    if topic.is_empty() {
        return generic_help();
    }
    let group = topic[0].strip_prefix('@');
    let mut out = String::new();
    for entry in help_entries() {
        let show_group = match group {
            Some(group) if entry.group.eq_ignore_ascii_case(group) => false,
            Some(_) => continue,
            None if topic.len() <= entry.words.len()
                && topic
                    .iter()
                    .zip(&entry.words)
                    .all(|(t, w)| t.eq_ignore_ascii_case(w)) =>
            {
                true
            }
            None => continue,
        };
        out.push_str(&format!("\n  {} {}\n", entry.name, entry.params));
        out.push_str(&format!("  summary: {}\n", entry.summary));
        if !entry.since.is_empty() {
            out.push_str(&format!("  since: {}\n", entry.since));
        }
        if show_group {
            out.push_str(&format!("  group: {}\n", entry.group));
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn bulk(text: &str) -> Value {
        Value::Bulk(Bytes::copy_from_slice(text.as_bytes()))
    }

    #[test]
    fn entries_come_from_a_servers_command_docs() {
        let argument = Value::Array(vec![bulk("name"), bulk("key"), bulk("type"), bulk("key")]);
        let get = Value::Array(vec![
            bulk("summary"),
            bulk("Returns a parameter"),
            bulk("group"),
            bulk("server"),
            bulk("arguments"),
            Value::Array(vec![Value::Array(vec![
                bulk("name"),
                bulk("parameter"),
                bulk("type"),
                bulk("string"),
            ])]),
        ]);
        let docs = Value::Array(vec![
            bulk("get"),
            Value::Array(vec![
                bulk("summary"),
                bulk("Returns the value"),
                bulk("since"),
                bulk("1.0.0"),
                bulk("arguments"),
                Value::Array(vec![argument]),
            ]),
            bulk("config"),
            Value::Array(vec![
                bulk("subcommands"),
                Value::Array(vec![bulk("config|get"), get]),
            ]),
        ]);
        let entries = help_entries_from_docs(&docs);
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["CONFIG", "CONFIG GET", "GET"]);
        assert_eq!(entries[2].params, "key");
        assert_eq!(entries[1].params, "parameter");
        assert_eq!(entries[2].since, "1.0.0");
    }

    fn topic(words: &str) -> Vec<String> {
        words.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn help_for_a_command_matches_redis_cli() {
        assert_eq!(
            help_text(&topic("ping")),
            "\n  PING [message]\n  summary: Ping the server\n  since: 1.0.0\n  group: connection\n\n"
        );
        assert_eq!(
            help_text(&topic("SELECT")),
            "\n  SELECT index\n  summary: Change the selected database for the current connection\n  since: 1.0.0\n  group: connection\n\n"
        );
    }

    #[test]
    fn help_for_a_group_lists_its_commands_without_the_group_line() {
        let text = help_text(&topic("@connection"));
        assert!(
            text.contains("\n  ECHO message\n  summary: Echo the given string\n  since: 1.0.0\n"),
            "found:\n{text}"
        );
        assert!(!text.contains("group:"), "found:\n{text}");
        assert!(text.ends_with("\n\n"));
    }

    #[test]
    fn unknown_topics_print_an_empty_line() {
        assert_eq!(help_text(&topic("nosuchcommand")), "\n");
    }

    #[test]
    fn generic_help_names_the_version() {
        let text = generic_help();
        assert!(text.starts_with("redis-cli 7.0.15\nTo get help about Redis commands type:\n"));
        assert!(text.ends_with("Set your preferences in ~/.redisclirc\n"));
    }
}
