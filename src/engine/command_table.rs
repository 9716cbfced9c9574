//! The command table: Redis 7.0.15's own COMMAND INFO and COMMAND DOCS (snapshotted by
//! tools/snapshot-command-table.py) joined with the handlers this engine implements.
//!
//! It drives dispatch and arity errors, answers COMMAND COUNT/INFO/DOCS, and gives the console
//! each command's summary, group, complexity, since and argument syntax.

use super::command::Handler;
use super::command_flags::CommandFlags;
use super::commands;
use crate::resp::{Value, parse_value};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const SNAPSHOT: &[u8] = include_bytes!("command_table.resp");

/// One command (or one subcommand, named `container|sub`).
#[derive(Debug)]
pub struct CommandSpec {
    /// Lower-case full name: `get`, `client|setname`.
    pub name: String,
    /// A small number unique to this command or subcommand (per-command statistics).
    pub id: usize,
    /// Redis arity: N means exactly N arguments including the name, -N means at least N.
    pub arity: i64,
    pub flags: CommandFlags,
    /// The COMMAND INFO entry (subcommands limited to the implemented ones).
    pub info: Value,
    /// The COMMAND DOCS entry: a map of summary, since, group, complexity, arguments ...
    pub docs: Value,
    /// None for a container command (CLIENT, CONFIG ...), which dispatches to `subcommands`.
    pub handler: Option<Handler>,
    /// Implemented subcommands by lower-case subcommand name (`setname`).
    pub subcommands: BTreeMap<String, CommandSpec>,
}

impl CommandSpec {
    fn doc_field(&self, field: &str) -> Option<&Value> {
        let Value::Map(pairs) = &self.docs else {
            return None;
        };
        pairs
            .iter()
            .find(|(k, _)| k.as_bytes() == Some(field.as_bytes()))
            .map(|(_, v)| v)
    }

    fn doc_text(&self, field: &str) -> &str {
        self.doc_field(field)
            .and_then(|v| v.as_bytes())
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// One-line description ("Get the value of a key").
    pub fn summary(&self) -> &str {
        self.doc_text("summary")
    }

    /// The Redis version that introduced the command.
    pub fn since(&self) -> &str {
        self.doc_text("since")
    }

    /// The command group (`string`, `list`, `generic` ...).
    pub fn group(&self) -> &str {
        self.doc_text("group")
    }

    pub fn complexity(&self) -> &str {
        self.doc_text("complexity")
    }

    /// The argument descriptions (an array of maps, as COMMAND DOCS gives them).
    pub fn arguments(&self) -> Option<&Value> {
        self.doc_field("arguments")
    }

    /// The implemented subcommand `name` (any case) of a container command.
    pub fn subcommand(&self, name: &[u8]) -> Option<&CommandSpec> {
        self.subcommands.get(lowercase(name, &mut [0; NAME_MAX])?)
    }

    /// True when the command has any of `flags`.
    pub fn has(&self, flags: CommandFlags) -> bool {
        self.flags.intersects(flags)
    }

    /// True when the command has the flag COMMAND INFO calls `name` (`readonly`, `write` ...).
    pub fn has_flag(&self, name: &str) -> bool {
        CommandFlags::named(name).is_some_and(|f| self.flags.contains(f))
    }

    /// Whether COMMAND INFO lists this tip (`nondeterministic_output_order`, `request_policy:…`).
    pub fn has_tip(&self, tip: &str) -> bool {
        match &self.info {
            Value::Array(fields) => matches!(
                fields.get(7),
                Some(Value::Array(tips) | Value::Set(tips))
                    if tips.iter().any(|t| t.as_bytes() == Some(tip.as_bytes()))
            ),
            _ => false,
        }
    }

    /// True when `argc` (arguments including the name) satisfies the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        if self.arity >= 0 {
            argc == self.arity
        } else {
            argc >= -self.arity
        }
    }
}

/// Longer names are no Redis command (the longest is 20 bytes).
const NAME_MAX: usize = 32;

/// `name` in ASCII lower case, in `buf`; None when it is too long or not UTF-8.
fn lowercase<'a>(name: &[u8], buf: &'a mut [u8; NAME_MAX]) -> Option<&'a str> {
    let out = buf.get_mut(..name.len())?;
    for (o, c) in out.iter_mut().zip(name) {
        *o = c.to_ascii_lowercase();
    }
    std::str::from_utf8(out).ok()
}

/// Every implemented command, by lower-case name.
#[derive(Debug)]
pub struct CommandTable {
    /// Looked up for every request, so hashed with FxHash rather than SipHash: the names
    /// are fixed, and nobody can add colliding ones.
    commands: FxHashMap<String, CommandSpec>,
    /// Names in alphabetical order, for listings.
    order: Vec<String>,
    /// Full names (`client|setname`) by `CommandSpec::id`.
    names: Vec<String>,
}

impl CommandTable {
    pub fn get(&self, name: &str) -> Option<&CommandSpec> {
        self.commands.get(name)
    }

    /// The command named `name` in any case, as a client sends it; no allocation.
    pub fn lookup(&self, name: &[u8]) -> Option<&CommandSpec> {
        self.commands.get(lowercase(name, &mut [0; NAME_MAX])?)
    }

    /// The full name of the command or subcommand with this id.
    pub fn name_of(&self, id: usize) -> &str {
        &self.names[id]
    }

    /// How many ids exist (commands plus subcommands).
    pub fn id_count(&self) -> usize {
        self.names.len()
    }

    /// Commands in name order.
    pub fn iter(&self) -> impl Iterator<Item = &CommandSpec> {
        self.order.iter().map(|name| &self.commands[name])
    }

    pub fn len(&self) -> usize {
        self.commands.len()
    }

    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }
}

/// The table, built on first use.
pub fn command_table() -> &'static CommandTable {
    static TABLE: OnceLock<CommandTable> = OnceLock::new();
    TABLE.get_or_init(build)
}

fn text(v: &Value) -> String {
    String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned()
}

fn array(v: &Value) -> &[Value] {
    match v {
        Value::Array(items) | Value::Set(items) => items,
        _ => &[],
    }
}

fn build() -> CommandTable {
    let (infos, used) = parse_value(SNAPSHOT)
        .ok()
        .flatten()
        .expect("command table snapshot: COMMAND INFO");
    let (docs, _) = parse_value(&SNAPSHOT[used..])
        .ok()
        .flatten()
        .expect("command table snapshot: COMMAND DOCS");
    let Value::Map(docs) = docs else {
        panic!("command table snapshot: COMMAND DOCS is not a map")
    };
    let docs: BTreeMap<String, Value> = docs.into_iter().map(|(k, v)| (text(&k), v)).collect();

    let mut commands = FxHashMap::default();
    let mut names = Vec::new();
    for info in array(&infos) {
        let name = text(&array(info)[0]);
        let doc = docs.get(&name).cloned().unwrap_or(Value::Map(vec![]));
        if let Some(spec) = spec_from(info, doc, &mut names) {
            commands.insert(name, spec);
        }
    }
    let mut order: Vec<String> = commands.keys().cloned().collect();
    order.sort();
    CommandTable {
        commands,
        order,
        names,
    }
}

/// Builds the spec for one COMMAND INFO entry, or None when neither it nor any of its
/// subcommands is implemented.
fn spec_from(info: &Value, docs: Value, names: &mut Vec<String>) -> Option<CommandSpec> {
    let fields = array(info);
    let name = text(&fields[0]);
    let int = |i: usize| match fields.get(i) {
        Some(Value::Integer(n)) => *n,
        _ => 0,
    };
    let flags = CommandFlags::from_names(
        array(&fields[2])
            .iter()
            .filter_map(|f| f.as_bytes())
            .filter_map(|f| std::str::from_utf8(f).ok()),
    );
    let flags = CommandFlags::of_command(&name, flags);
    let sub_docs = match &docs {
        Value::Map(pairs) => pairs
            .iter()
            .find(|(k, _)| k.as_bytes() == Some(b"subcommands"))
            .map(|(_, v)| v.clone()),
        _ => None,
    };
    let mut subcommands = BTreeMap::new();
    let mut sub_infos = Vec::new();
    for sub in fields.get(9).map(array).unwrap_or_default() {
        let full = text(&array(sub)[0]);
        let doc = match &sub_docs {
            Some(Value::Map(pairs)) => pairs
                .iter()
                .find(|(k, _)| text(k) == full)
                .map(|(_, v)| v.clone()),
            _ => None,
        };
        if let Some(spec) = spec_from(sub, doc.unwrap_or(Value::Map(vec![])), names) {
            let short = full
                .split_once('|')
                .map(|(_, s)| s.to_string())
                .unwrap_or_default();
            sub_infos.push(sub.clone());
            subcommands.insert(short, spec);
        }
    }
    let handler = commands::handler(&name);
    if handler.is_none() && subcommands.is_empty() {
        return None;
    }
    let mut info_fields = fields.to_vec();
    if info_fields.len() > 9 {
        // Keep the snapshot's aggregate type (a RESP3 set) for the subcommand list.
        info_fields[9] = match &info_fields[9] {
            Value::Set(_) => Value::Set(sub_infos),
            _ => Value::Array(sub_infos),
        };
    }
    names.push(name.clone());
    Some(CommandSpec {
        id: names.len() - 1,
        name,
        arity: int(1),
        flags,
        info: Value::Array(info_fields),
        docs,
        handler,
        subcommands,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_gives_docs_and_arity() {
        let ping = command_table().get("ping").expect("PING is implemented");
        assert_eq!(ping.arity, -1);
        assert_eq!(ping.group(), "connection");
        assert_eq!(ping.since(), "1.0.0");
        assert!(!ping.summary().is_empty());
    }
}
