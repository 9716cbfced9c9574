//! The TUI's background tasks against a real redis-server: preparing an exercise, recording the
//! console's commands, checking and resetting, and refusing to touch somebody else's data.

mod support;

use redis_tutor::backend::{Backend, Connection};
use redis_tutor::console::{ConsoleInput, History, Source, Transcript};
use redis_tutor::course::Course;
use redis_tutor::course::progress::ProgressStore;
use redis_tutor::resp::Value;
use redis_tutor::tui::{BackgroundContext, ConsoleParts, Event, Request, spawn_background};
use std::sync::Arc;
use std::time::Duration;
use support::real_redis::RealRedis;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

fn greeting_course() -> Course {
    support::course::greeting_course("# Strings\n")
}

struct Background {
    requests: UnboundedSender<Request>,
    events: UnboundedReceiver<Event>,
    console_input: UnboundedReceiver<ConsoleInput>,
    /// The console's transcript: this test plays the console, recording what it "runs".
    transcript: Transcript,
    store: ProgressStore,
    _data: tempfile::TempDir,
}

fn start(url: &str) -> Background {
    start_with(url, greeting_course())
}

fn start_with(url: &str, course: Course) -> Background {
    let data = tempfile::tempdir().unwrap();
    let store = ProgressStore::at(data.path());
    let (events_tx, events) = mpsc::unbounded_channel();
    let (console_tx, console_input) = mpsc::unbounded_channel();
    let transcript = Transcript::new();
    let (requests, _task) = spawn_background(
        BackgroundContext {
            course: Arc::new(course),
            backend: Arc::new(Backend::connected(url).unwrap()),
            store: store.clone(),
            force: false,
            events: events_tx,
        },
        ConsoleParts {
            input: console_tx,
            history: History::open(data.path().join("history")).unwrap(),
            transcript: transcript.clone(),
        },
    );
    Background {
        requests,
        events,
        console_input,
        transcript,
        store,
        _data: data,
    }
}

/// The next event about exercises (the connected server's COMMAND DOCS, read for the console's
/// hints, may come first and is passed over).
async fn next_event(events: &mut UnboundedReceiver<Event>) -> Event {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(20), events.recv())
            .await
            .expect("no event from the background")
            .expect("the background stopped");
        if !matches!(event, Event::CommandDocs(_)) {
            return event;
        }
    }
}

async fn get(connection: &mut Connection, key: &str) -> Value {
    connection.request(&["GET", key]).await.unwrap()
}

fn passed(event: &Event) -> Vec<(String, bool)> {
    match event {
        Event::Checked {
            outcome: Ok(report),
            ..
        } => report
            .checks
            .iter()
            .map(|c| (c.name.clone(), c.passed))
            .collect(),
        other => panic!("expected a check report, found {other:?}"),
    }
}

#[tokio::test]
async fn open_check_and_reset_an_exercise() {
    let Some(redis) = RealRedis::start(&[]) else {
        return;
    };
    let url = format!("{}/15", redis.url());
    let mut background = start(&url);
    let mut direct = Backend::connected(&url).unwrap().connect().await.unwrap();

    background
        .requests
        .send(Request::OpenExercise {
            exercise: 0,
            variant: 0,
            fresh: true,
        })
        .unwrap();
    match next_event(&mut background.events).await {
        Event::Notice(notice) => assert_eq!(
            notice,
            format!(
                "{url} is now the tutor's workspace (marked by the key redis-tutor:workspace)."
            )
        ),
        other => panic!("expected the workspace notice, found {other:?}"),
    }
    background
        .requests
        .send(Request::Check {
            exercise: 0,
            variant: 0,
        })
        .unwrap();
    let report = next_event(&mut background.events).await;
    assert_eq!(
        passed(&report),
        [
            ("greeting is hello".to_string(), false),
            ("you used SET".to_string(), false)
        ],
        "a fresh attempt starts from the exercise's setup"
    );
    assert_eq!(get(&mut direct, "greeting").await, Value::bulk("helo"));

    // The learner types commands and runs a lesson block: they go to the console, typed
    // lines into the history. What the console sends is recorded for the exercise, lesson
    // blocks and credentials excepted.
    for (request, expected) in [
        (
            Request::ConsoleLine("SET greeting hello".into()),
            ConsoleInput::Line("SET greeting hello".into()),
        ),
        (
            Request::LessonLine("GET greeting".into()),
            ConsoleInput::LessonLine("GET greeting".into()),
        ),
        (
            Request::ConsoleLine("AUTH secret".into()),
            ConsoleInput::Line("AUTH secret".into()),
        ),
    ] {
        background.requests.send(request).unwrap();
        let sent = background.console_input.recv().await.unwrap();
        assert_eq!(sent, expected);
    }
    let reply = direct.request(&["SET", "greeting", "hello"]).await.unwrap();
    for (line, source) in [
        ("SET greeting hello", Source::Typed),
        ("GET greeting", Source::Lesson),
        ("AUTH secret", Source::Typed),
    ] {
        let args: Vec<Vec<u8>> = line.split(' ').map(|w| w.as_bytes().to_vec()).collect();
        let index = background.transcript.record(&args, 15, source);
        background.transcript.finish(index, Some(&reply));
    }
    let recorded: Vec<Vec<Vec<u8>>> = background
        .store
        .transcript("greeting")
        .unwrap()
        .into_iter()
        .map(|e| e.args)
        .collect();
    assert_eq!(
        recorded,
        [vec![
            b"SET".to_vec(),
            b"greeting".to_vec(),
            b"hello".to_vec()
        ]]
    );
    let saved_history = std::fs::read_to_string(background.store.dir().join("history")).unwrap();
    assert!(
        saved_history.contains("SET greeting hello") && !saved_history.contains("secret"),
        "history file should keep commands but never credentials: {saved_history:?}"
    );
    background
        .requests
        .send(Request::Check {
            exercise: 0,
            variant: 0,
        })
        .unwrap();
    let report = next_event(&mut background.events).await;
    assert!(
        passed(&report).iter().all(|(_, ok)| *ok),
        "expected every check to pass, found {:?}",
        passed(&report)
    );

    background
        .requests
        .send(Request::Reset {
            exercise: 0,
            variant: 0,
        })
        .unwrap();
    match next_event(&mut background.events).await {
        Event::ResetDone {
            exercise: 0,
            outcome: Ok(()),
        } => {}
        other => panic!("expected a successful reset, found {other:?}"),
    }
    assert_eq!(get(&mut direct, "greeting").await, Value::bulk("helo"));
    assert!(
        background.store.transcript("greeting").unwrap().is_empty(),
        "a reset starts the transcript over"
    );
}

#[tokio::test]
async fn never_resets_in_a_database_holding_other_data() {
    let Some(redis) = RealRedis::start(&[]) else {
        return;
    };
    let mut direct = Backend::connected(&redis.url())
        .unwrap()
        .connect()
        .await
        .unwrap();
    direct
        .request(&["SET", "customer:1", "precious"])
        .await
        .unwrap();
    let mut background = start(&redis.url());
    background
        .requests
        .send(Request::Reset {
            exercise: 0,
            variant: 0,
        })
        .unwrap();
    match next_event(&mut background.events).await {
        Event::ResetDone {
            outcome: Err(message),
            ..
        } => assert!(
            message.contains("holds keys that redis-tutor did not make"),
            "unexpected refusal: {message}"
        ),
        other => panic!("expected the reset to be refused, found {other:?}"),
    }
    assert_eq!(get(&mut direct, "greeting").await, Value::Null);
    assert_eq!(
        get(&mut direct, "customer:1").await,
        Value::bulk("precious")
    );
}

/// The tutor often opens on a quiz, which sets nothing up: a database holding somebody
/// else's keys is still refused at once, in the console, and left as it is.
#[tokio::test]
async fn opening_a_quiz_on_a_database_holding_other_data_says_so() {
    let Some(redis) = RealRedis::start(&[]) else {
        return;
    };
    let mut direct = Backend::connected(&redis.url())
        .unwrap()
        .connect()
        .await
        .unwrap();
    direct
        .request(&["SET", "customer:1", "precious"])
        .await
        .unwrap();
    let mut background = start_with(&redis.url(), support::course::quiz_course());
    background
        .requests
        .send(Request::OpenExercise {
            exercise: 0,
            variant: 0,
            fresh: true,
        })
        .unwrap();
    match next_event(&mut background.events).await {
        Event::Notice(message) => assert!(
            message.contains("holds keys that redis-tutor did not make")
                && message.contains("A quiz needs no keys"),
            "unexpected notice: {message}"
        ),
        other => panic!("expected the database to be refused, found {other:?}"),
    }
    assert_eq!(
        get(&mut direct, "customer:1").await,
        Value::bulk("precious")
    );
}

/// A line typed while a fresh attempt is being set up waits for the setup, which would
/// otherwise wipe what the line did.
#[tokio::test]
async fn console_lines_wait_for_the_setup_in_progress() {
    let Some(redis) = RealRedis::start(&[]) else {
        return;
    };
    let url = format!("{}/15", redis.url());
    let mut background = start(&url);
    let mut direct = Backend::connected(&url).unwrap().connect().await.unwrap();
    background
        .requests
        .send(Request::OpenExercise {
            exercise: 0,
            variant: 0,
            fresh: true,
        })
        .unwrap();
    background
        .requests
        .send(Request::ConsoleLine("SET greeting hello".into()))
        .unwrap();
    let sent = tokio::time::timeout(Duration::from_secs(20), background.console_input.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent, ConsoleInput::Line("SET greeting hello".into()));
    assert_eq!(
        get(&mut direct, "greeting").await,
        Value::bulk("helo"),
        "the setup ran before the typed line reached the console"
    );
}
