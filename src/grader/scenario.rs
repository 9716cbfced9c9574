//! Runs a scenario's steps on two sides: the learner's solution, and in lockstep the reference
//! solution on a private engine, so that `same` can compare each reply with the reference's
//! and an event stream needs no model of its own.

use super::expect::{describe, meets, meets_tally, tally_of, unordered_reply};
use super::generate::{Rng, events_values, generate};
use super::report::{StepLog, display_command, render_short};
use crate::backend::{Backend, Connection, ConnectionError};
use crate::course::recipe::{Handler, Recipe};
use crate::course::scenario::{Action, Client, Expect, Step};
use crate::course::template::{Binding, Bindings, reply_for_placeholders};
use crate::resp::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

/// How long one step may take on a side before it is declared stuck (an endless script loop,
/// a blocking command that nothing serves).
pub const STEP_LIMIT: Duration = Duration::from_secs(5);

/// Most step lines kept in a scenario's log (the failing step is always kept).
const LOG_LIMIT: usize = 200;

/// The learner's or the reference's solution.
#[derive(Debug, Clone)]
pub enum Runnable {
    Recipe(Recipe),
    /// A Lua script, called with EVALSHA; `keys` is how many of a call's arguments are KEYS.
    Script {
        source: String,
        keys: usize,
    },
}

/// Where a solution runs: a server (a private engine or the learner's), its connections, and
/// the solution.
pub struct Side {
    backend: Arc<Backend>,
    main: Connection,
    clients: HashMap<String, Connection>,
    solution: Option<Runnable>,
    /// The SHA1 of the script once loaded.
    script_sha: Option<Vec<u8>>,
}

impl Side {
    /// Opens the main connection to `backend`.
    pub async fn open(backend: Arc<Backend>, solution: Option<Runnable>) -> Result<Side, String> {
        let main = backend
            .connect()
            .await
            .map_err(|e| format!("cannot connect to {}: {e}", backend.describe()))?;
        Ok(Side {
            backend,
            main,
            clients: HashMap::new(),
            solution,
            script_sha: None,
        })
    }

    /// The main connection, for checks and cleanup after the steps.
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.main
    }

    async fn client(&mut self, client: &Client) -> Result<&mut Connection, String> {
        match client {
            Client::Main => Ok(&mut self.main),
            Client::Named(name) => {
                if !self.clients.contains_key(name) {
                    let connection = self.backend.connect().await.map_err(|e| e.to_string())?;
                    self.clients.insert(name.clone(), connection);
                }
                Ok(self.clients.get_mut(name).expect("just inserted"))
            }
        }
    }

    /// Runs a call (`handler`) or a plain command on one of the side's connections, within
    /// the step's time limit.
    async fn act(
        &mut self,
        client: &Client,
        handler: Option<&str>,
        args: &[Vec<u8>],
    ) -> Result<Answer, String> {
        let run = async {
            match handler {
                Some(handler) => run_call(self, client, handler, args).await,
                None => {
                    let connection = self.client(client).await?;
                    let reply = request(connection, args).await?;
                    Ok(Answer {
                        sent: vec![(display_command(args), render_short(&reply))],
                        decisive: args.to_vec(),
                        reply,
                    })
                }
            }
        };
        match tokio::time::timeout(STEP_LIMIT, run).await {
            Ok(result) => result,
            Err(_) => {
                stop_scripts(&self.backend).await;
                Err(stuck())
            }
        }
    }

    /// `clients` connections call the handler at once (see `race`), within the step's time
    /// limit.
    async fn race(
        &mut self,
        clients: usize,
        handler: &str,
        args: &[Vec<u8>],
    ) -> Result<Vec<Value>, String> {
        match tokio::time::timeout(STEP_LIMIT, race(self, clients, handler, args)).await {
            Ok(result) => result,
            Err(_) => {
                stop_scripts(&self.backend).await;
                Err(stuck())
            }
        }
    }

    /// Moves the clock: a private engine's at once, a real server's by waiting.
    fn advance(&self, by: Duration) -> impl std::future::Future<Output = ()> + Send + 'static {
        let backend = Arc::clone(&self.backend);
        async move {
            match backend.engine() {
                Some(engine) => engine.clock().advance(by),
                None => tokio::time::sleep(by).await,
            }
        }
    }
}

/// One reply and what it took: the commands sent with their replies.
struct Answer {
    reply: Value,
    /// The command whose reply decides how replies compare (the last one sent).
    decisive: Vec<Vec<u8>>,
    sent: Vec<(String, String)>,
}

/// Why a step failed: the detail shown to the learner.
pub struct StepFailure(pub String);

/// Runs steps on the learner's side and the reference side in lockstep.
pub struct Run {
    learner: Side,
    reference: Side,
    bindings: Bindings,
    rng: Rng,
    pub log: Vec<StepLog>,
    dropped: usize,
    /// The last commands the learner's handlers sent, with their replies: a failed `command`
    /// step shows them, so that a code written to the wrong key is seen where it went.
    handler_sends: VecDeque<(String, String)>,
}

/// How many of the handlers' last commands a failed `command` step shows.
const SENDS_SHOWN: usize = 6;

impl Run {
    /// A run whose generated data comes from `rng`.
    pub fn new(learner: Side, reference: Side, rng: Rng) -> Run {
        Run {
            learner,
            reference,
            bindings: Bindings::new(),
            rng,
            log: Vec::new(),
            dropped: 0,
            handler_sends: VecDeque::new(),
        }
    }

    /// Runs every step; stops at the first that fails.
    pub async fn steps(&mut self, steps: &[Step]) -> Result<(), StepFailure> {
        for step in steps {
            self.step(step).await?;
        }
        if self.dropped > 0 {
            self.log.push(StepLog {
                step: format!("(and {} more steps, not shown)", self.dropped),
                commands: Vec::new(),
                expected: None,
                found: None,
                ok: true,
            });
        }
        Ok(())
    }

    fn record(&mut self, entry: StepLog) {
        if self.log.len() < LOG_LIMIT || !entry.ok {
            self.log.push(entry);
        } else {
            self.dropped += 1;
        }
    }

    async fn step(&mut self, step: &Step) -> Result<(), StepFailure> {
        match &step.action {
            Action::Let { name, generator } => {
                let value = generate(generator, &self.bindings, &mut self.rng)
                    .map_err(|e| self.fail_plain(step, e))?;
                let shown = match &value {
                    Binding::One(v) => String::from_utf8_lossy(v).into_owned(),
                    Binding::List(items) => format!("{} values", items.len()),
                };
                self.bindings.insert(name.clone(), value);
                self.record(StepLog {
                    step: format!("let {name} = {shown}"),
                    commands: Vec::new(),
                    expected: None,
                    found: None,
                    ok: true,
                });
                Ok(())
            }
            Action::Advance(by) => {
                // Both wait together on a real server, where advancing is waiting.
                tokio::join!(self.learner.advance(*by), self.reference.advance(*by));
                self.record(StepLog {
                    step: step.text.clone(),
                    commands: Vec::new(),
                    expected: None,
                    found: None,
                    ok: true,
                });
                Ok(())
            }
            Action::Call { .. } | Action::Command { .. } => {
                self.single(step, &step.action, "").await
            }
            Action::Repeat { times, action } => {
                for round in 1..=*times {
                    self.single(step, action, &format!("   (time {round} of {times})"))
                        .await?;
                }
                Ok(())
            }
            Action::Each { list, action } => {
                let original = self.bindings.get(list).cloned();
                let Some(Binding::List(items)) = original.clone() else {
                    return Err(self.fail_plain(step, format!("`{list}` is not a list")));
                };
                let mut result = Ok(());
                for item in items {
                    let suffix = format!("   ({list} = {})", String::from_utf8_lossy(&item));
                    self.bindings.insert(list.clone(), Binding::One(item));
                    result = self.single(step, action, &suffix).await;
                    if result.is_err() {
                        break;
                    }
                }
                if let Some(original) = original {
                    self.bindings.insert(list.clone(), original);
                }
                result
            }
            Action::Events {
                count,
                handler,
                params,
            } => {
                let events = events_values(*count, params, &self.bindings, &mut self.rng)
                    .map_err(|e| self.fail_plain(step, e))?;
                let order = self.param_order(handler, params);
                let mut seen: Vec<Vec<Vec<u8>>> = vec![Vec::new(); params.len()];
                for (index, event) in events.iter().enumerate() {
                    for (slot, (_, value)) in event.iter().enumerate() {
                        if !seen[slot].contains(value) {
                            seen[slot].push(value.clone());
                        }
                    }
                    let args: Vec<Vec<u8>> = order.iter().map(|&i| event[i].1.clone()).collect();
                    let text = format!("call {handler} {}", display_command(&args));
                    let learner = self.learner.act(&Client::Main, Some(handler), &args).await;
                    let answer = learner.map_err(|e| self.fail_with(step, &text, e))?;
                    self.reference
                        .act(&Client::Main, Some(handler), &args)
                        .await
                        .map_err(|e| reference_failed(&text, e))?;
                    if index < 3 {
                        self.record(StepLog {
                            step: format!("{text}   (event {} of {count})", index + 1),
                            commands: answer.sent,
                            expected: None,
                            found: None,
                            ok: true,
                        });
                    } else {
                        self.dropped += 1;
                    }
                }
                for ((name, _), values) in params.iter().zip(seen) {
                    self.bindings.insert(name.clone(), Binding::List(values));
                }
                Ok(())
            }
            Action::Race {
                clients,
                handler,
                args,
            } => {
                let args = self.expand(step, args)?;
                let text = format!("race {clients} call {handler} {}", display_command(&args));
                let replies = self
                    .learner
                    .race(*clients, handler, &args)
                    .await
                    .map_err(|e| self.fail_with(step, &text, e))?;
                // The reference races too, so that both sides go on from the same state.
                self.reference
                    .race(*clients, handler, &args)
                    .await
                    .map_err(|e| reference_failed(&text, e))?;
                let Some(Expect::Tally(parts)) = &step.expect else {
                    self.record(StepLog {
                        step: text,
                        commands: Vec::new(),
                        expected: None,
                        found: Some(tally_of(&replies)),
                        ok: true,
                    });
                    return Ok(());
                };
                let ok = meets_tally(&replies, parts, &self.bindings)
                    .map_err(|e| self.fail_plain(step, e))?;
                let expected = describe(step.expect.as_ref().expect("a tally"), &self.bindings)
                    .map_err(|e| self.fail_plain(step, e))?;
                let found = tally_of(&replies);
                self.judge(text, Vec::new(), expected, found, ok, &step.because)
            }
        }
    }

    /// For each of the handler's parameters, the index of the event value that fills it.
    fn param_order(
        &self,
        handler: &str,
        params: &[(String, crate::course::scenario::Generator)],
    ) -> Vec<usize> {
        let Some(Runnable::Recipe(recipe)) = &self.learner.solution else {
            return (0..params.len()).collect();
        };
        let Some(handler) = recipe.handler(handler) else {
            return (0..params.len()).collect();
        };
        handler
            .signature
            .params
            .iter()
            .filter_map(|p| params.iter().position(|(name, _)| *name == p.name))
            .collect()
    }

    fn expand(
        &self,
        step: &Step,
        args: &[crate::course::template::Template],
    ) -> Result<Vec<Vec<u8>>, StepFailure> {
        let mut out = Vec::new();
        for arg in args {
            out.extend(
                arg.expand(&self.bindings, &[])
                    .map_err(|e| self.fail_plain(step, e.message))?,
            );
        }
        Ok(out)
    }

    /// A call or command on both sides, then its expectation. `suffix` tells the log which
    /// round of a `repeat` or element of an `each` this is.
    async fn single(
        &mut self,
        step: &Step,
        action: &Action,
        suffix: &str,
    ) -> Result<(), StepFailure> {
        let (client, handler, args) = match action {
            Action::Call {
                client,
                handler,
                args,
            } => (client, Some(handler.as_str()), args),
            Action::Command { client, args } => (client, None, args),
            _ => unreachable!("single runs calls and commands"),
        };
        let args = self.expand(step, args)?;
        let text = match handler {
            Some(handler) => format!(
                "{} call {handler} {}",
                client_prefix(client),
                display_command(&args)
            ),
            None => format!(
                "{} command {}",
                client_prefix(client),
                display_command(&args)
            ),
        }
        .trim()
        .to_string()
            + suffix;
        let learner = self.learner.act(client, handler, &args).await;
        let answer = learner.map_err(|e| self.fail_with(step, &text, e))?;
        if handler.is_some() {
            for sent in &answer.sent {
                if self.handler_sends.len() == SENDS_SHOWN {
                    self.handler_sends.pop_front();
                }
                self.handler_sends.push_back(sent.clone());
            }
        }
        let reference = self
            .reference
            .act(client, handler, &args)
            .await
            .map_err(|e| reference_failed(&text, e))?;
        let Some(expect) = &step.expect else {
            self.record(StepLog {
                step: text,
                commands: answer.sent,
                expected: None,
                found: None,
                ok: true,
            });
            return Ok(());
        };
        let unordered = unordered_reply(&answer.decisive);
        let ok = meets(
            &answer.reply,
            expect,
            &self.bindings,
            Some(&reference.reply),
            unordered,
        )
        .map_err(|e| self.fail_plain(step, e))?;
        let expected = match expect {
            Expect::Same => render_short(&reference.reply),
            _ => describe(expect, &self.bindings).map_err(|e| self.fail_plain(step, e))?,
        };
        let found = render_short(&answer.reply);
        self.judge(text, answer.sent, expected, found, ok, &step.because)
            .map_err(|StepFailure(mut detail)| {
                // A failed inspection: show where the handlers' writes went.
                if handler.is_none() && !self.handler_sends.is_empty() {
                    detail.push_str("\n  before this step, your handlers sent:");
                    for (command, reply) in &self.handler_sends {
                        detail.push_str(&format!("\n    {command}  →  {reply}"));
                    }
                }
                StepFailure(detail)
            })
    }

    /// Logs a step with an expectation, and fails it when the expectation was not met,
    /// explaining what ran, what was expected and found, and why it matters.
    fn judge(
        &mut self,
        text: String,
        commands: Vec<(String, String)>,
        expected: String,
        found: String,
        ok: bool,
        because: &Option<String>,
    ) -> Result<(), StepFailure> {
        let failure = (!ok).then(|| explain(&text, &commands, &expected, &found, because));
        self.record(StepLog {
            step: text,
            commands,
            expected: Some(expected),
            found: Some(found),
            ok,
        });
        match failure {
            None => Ok(()),
            Some(detail) => Err(StepFailure(detail)),
        }
    }

    fn fail_plain(&self, step: &Step, message: String) -> StepFailure {
        StepFailure(format!("step `{}`: {message}", step.text))
    }

    fn fail_with(&mut self, step: &Step, text: &str, message: String) -> StepFailure {
        self.record(StepLog {
            step: text.to_string(),
            commands: Vec::new(),
            expected: None,
            found: Some(message.clone()),
            ok: false,
        });
        let _ = step;
        StepFailure(format!("{text}\n  {message}"))
    }
}

/// After a step ran out of time: stop a script still running there (SCRIPT KILL), so that
/// neither a private engine nor the learner's server stays busy with an endless loop.
async fn stop_scripts(backend: &Backend) {
    let patience = Duration::from_secs(2);
    if let Ok(Ok(mut connection)) = tokio::time::timeout(patience, backend.connect()).await {
        let _ = tokio::time::timeout(patience, connection.request(&["SCRIPT", "KILL"])).await;
    }
}

/// The reference solution failed where the learner's did not: the exercise is broken.
fn reference_failed(text: &str, error: String) -> StepFailure {
    StepFailure(format!(
        "the reference solution failed at `{text}`: {error} (a bug in the exercise; please report it)"
    ))
}

fn stuck() -> String {
    format!(
        "no answer within {} s: does it loop forever, or wait for something that never comes?",
        STEP_LIMIT.as_secs()
    )
}

fn client_prefix(client: &Client) -> String {
    match client {
        Client::Main => String::new(),
        Client::Named(name) => format!("as {name}"),
    }
}

/// The failure of a step: what ran, what was expected and found, and why it matters.
fn explain(
    text: &str,
    sent: &[(String, String)],
    expected: &str,
    found: &str,
    because: &Option<String>,
) -> String {
    let mut detail = text.to_string();
    for (command, reply) in sent {
        detail.push_str(&format!("\n  {command}  →  {reply}"));
    }
    detail.push_str(&format!("\n  expected {expected}, found {found}"));
    if let Some(because) = because {
        detail.push_str(&format!("\n  because {because}"));
    }
    detail
}

async fn request(connection: &mut Connection, args: &[Vec<u8>]) -> Result<Value, String> {
    connection
        .request(args)
        .await
        .map_err(|e: ConnectionError| {
            format!(
                "the connection failed during `{}`: {e}",
                display_command(args)
            )
        })
}

/// Runs a handler (recipe) or the script with the call's arguments.
async fn run_call(
    side: &mut Side,
    client: &Client,
    handler: &str,
    args: &[Vec<u8>],
) -> Result<Answer, String> {
    match side.solution.clone() {
        Some(Runnable::Recipe(recipe)) => {
            let handler = recipe
                .handler(handler)
                .ok_or_else(|| format!("the recipe has no handler `{handler}`"))?;
            let bindings = bind(handler, args)?;
            let connection = side.client(client).await?;
            let mut replies = Vec::new();
            let mut sent = Vec::new();
            let mut answer = (Vec::new(), Value::Null);
            let mut returned = false;
            for line in &handler.lines {
                let command = expand_line(handler, line.line, &line.args, &bindings, &replies)?;
                let reply = request(connection, &command).await?;
                sent.push((display_command(&command), render_short(&reply)));
                replies.push(reply_for_placeholders(&reply));
                if line.returns || !returned {
                    answer = (command, reply);
                    returned = line.returns;
                }
            }
            let (decisive, reply) = answer;
            Ok(Answer {
                reply: handler_result(&decisive, reply),
                decisive,
                sent,
            })
        }
        Some(Runnable::Script { source, keys }) => {
            let sha = load_script(side, &source).await?;
            if args.len() < keys {
                return Err(format!(
                    "the call gives {} arguments but the script takes {keys} keys",
                    args.len()
                ));
            }
            let mut command = vec![b"EVALSHA".to_vec(), sha, keys.to_string().into_bytes()];
            command.extend(args.iter().cloned());
            let connection = side.client(client).await?;
            let reply = request(connection, &command).await?;
            let mut shown = vec![b"EVALSHA".to_vec(), b"<your script>".to_vec()];
            shown.extend(command[2..].iter().cloned());
            Ok(Answer {
                sent: vec![(display_command(&shown), render_short(&reply))],
                decisive: command,
                reply,
            })
        }
        None => Err("nothing to call: this exercise has no handlers".into()),
    }
}

/// The script's SHA1, loading it with SCRIPT LOAD the first time.
async fn load_script(side: &mut Side, source: &str) -> Result<Vec<u8>, String> {
    if let Some(sha) = &side.script_sha {
        return Ok(sha.clone());
    }
    let loaded = request(
        &mut side.main,
        &[
            b"SCRIPT".to_vec(),
            b"LOAD".to_vec(),
            source.as_bytes().to_vec(),
        ],
    )
    .await?;
    match loaded {
        Value::Bulk(sha) => {
            side.script_sha = Some(sha.to_vec());
            Ok(sha.to_vec())
        }
        other => Err(format!(
            "your script does not load: {}",
            render_short(&other)
        )),
    }
}

/// A handler answers with its last line's reply, or its `return` line's; a handler
/// answering with EXEC answers with the reply of the transaction's first command.
fn handler_result(last_command: &[Vec<u8>], reply: Value) -> Value {
    let is_exec = last_command
        .first()
        .is_some_and(|name| name.eq_ignore_ascii_case(b"EXEC"));
    match reply {
        Value::Array(items) if is_exec => items.into_iter().next().unwrap_or(Value::Null),
        other => other,
    }
}

/// The handler's parameters bound to a call's arguments; a variadic one takes the rest.
fn bind(handler: &Handler, args: &[Vec<u8>]) -> Result<Bindings, String> {
    let mut bindings = Bindings::new();
    let params = &handler.signature.params;
    let fixed = params.iter().filter(|p| !p.variadic).count();
    if args.len() < fixed || (args.len() > fixed && !params.iter().any(|p| p.variadic)) {
        return Err(format!(
            "{} was called with {} arguments (a bug in the exercise; please report it)",
            handler.signature,
            args.len()
        ));
    }
    let mut rest = args.iter();
    for param in params {
        if param.variadic {
            bindings.insert(
                param.name.clone(),
                Binding::List(rest.by_ref().cloned().collect()),
            );
        } else {
            let value = rest.next().expect("counted").clone();
            bindings.insert(param.name.clone(), Binding::One(value));
        }
    }
    Ok(bindings)
}

fn expand_line(
    handler: &Handler,
    line: usize,
    args: &[crate::course::template::Template],
    bindings: &Bindings,
    replies: &[crate::course::template::Reply],
) -> Result<Vec<Vec<u8>>, String> {
    let mut command = Vec::new();
    for arg in args {
        command.extend(arg.expand(bindings, replies).map_err(|e| {
            format!(
                "line {line} of your recipe ({}): {}",
                handler.signature, e.message
            )
        })?);
    }
    if command.is_empty() {
        return Err(format!(
            "line {line} of your recipe ({}) expands to no command",
            handler.signature
        ));
    }
    Ok(command)
}

/// `clients` connections call the handler at once. A recipe's lines interleave in lockstep
/// (every client's first line, then every client's second ...), the schedule that exposes a
/// read-then-write race; a script call is one command, sent by every client together.
async fn race(
    side: &mut Side,
    clients: usize,
    handler: &str,
    args: &[Vec<u8>],
) -> Result<Vec<Value>, String> {
    let names: Vec<Client> = (0..clients)
        .map(|i| Client::Named(format!("racer-{i}")))
        .collect();
    for name in &names {
        side.client(name).await?;
    }
    match side.solution.clone() {
        Some(Runnable::Recipe(recipe)) => {
            let handler = recipe
                .handler(handler)
                .ok_or_else(|| format!("the recipe has no handler `{handler}`"))?;
            let bindings = bind(handler, args)?;
            let mut replies: Vec<Vec<crate::course::template::Reply>> = vec![Vec::new(); clients];
            let mut results: Vec<Value> = vec![Value::Null; clients];
            let mut answer_command = Vec::new();
            let mut returned = false;
            for line in &handler.lines {
                let commands = replies
                    .iter()
                    .map(|so_far| expand_line(handler, line.line, &line.args, &bindings, so_far))
                    .collect::<Result<Vec<_>, _>>()?;
                // Send every client's line before reading any reply.
                for (client, command) in commands.iter().enumerate() {
                    let connection = side.client(&names[client]).await?;
                    connection.send(command).await.map_err(|e| e.to_string())?;
                }
                let answers = line.returns || !returned;
                for client in 0..clients {
                    let connection = side.client(&names[client]).await?;
                    let reply = connection.read_reply().await.map_err(|e| e.to_string())?;
                    replies[client].push(reply_for_placeholders(&reply));
                    if answers {
                        results[client] = reply;
                    }
                }
                if answers {
                    answer_command = commands.last().cloned().unwrap_or_default();
                    returned = line.returns;
                }
            }
            Ok(results
                .into_iter()
                .map(|reply| handler_result(&answer_command, reply))
                .collect())
        }
        Some(Runnable::Script { source, keys }) => {
            // Every client sends its EVALSHA before any reply is read.
            let sha = load_script(side, &source).await?;
            let mut command = vec![b"EVALSHA".to_vec(), sha, keys.to_string().into_bytes()];
            command.extend(args.iter().cloned());
            for name in &names {
                let connection = side.client(name).await?;
                connection.send(&command).await.map_err(|e| e.to_string())?;
            }
            let mut results = Vec::with_capacity(clients);
            for name in &names {
                let connection = side.client(name).await?;
                results.push(connection.read_reply().await.map_err(|e| e.to_string())?);
            }
            Ok(results)
        }
        None => Err("nothing to call: this exercise has no handlers".into()),
    }
}
