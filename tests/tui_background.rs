//! The TUI's background tasks against a real redis-server: preparing an exercise, recording the
//! console's commands, checking and resetting, and refusing to touch somebody else's data.

mod support;

use redis_tutor::backend::{Backend, Connection};
use redis_tutor::console::{ConsoleInput, History};
use redis_tutor::course::progress::ProgressStore;
use redis_tutor::course::{Check, CheckKind, Course, Exercise, Expectation};
use redis_tutor::resp::Value;
use redis_tutor::tui::{BackgroundContext, Event, Request, spawn_background};
use std::sync::Arc;
use std::time::Duration;
use support::real_redis::RealRedis;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

fn greeting_course() -> Course {
    Course {
        chapters: vec![support::course::chapter(
            1,
            "strings",
            "Strings",
            "# Strings\n",
        )],
        exercises: vec![Exercise {
            id: "greeting".into(),
            chapter: 1,
            lesson: 1,
            title: "Fix the greeting".into(),
            owns: vec!["greeting".into()],
            goal: "Set `greeting` to `hello`.".into(),
            setup: vec!["SET greeting helo".into()],
            hints: vec![],
            solution: vec!["SET greeting hello".into()],
            variants: vec![],
            wrong: vec![],
            checks: vec![
                Check {
                    id: "value".into(),
                    name: "greeting is hello".into(),
                    hint: None,
                    kind: CheckKind::Reply {
                        command: "GET greeting".into(),
                        expect: Expectation::Exact("\"hello\"".into()),
                    },
                },
                Check {
                    id: "used-set".into(),
                    name: "you used SET".into(),
                    hint: None,
                    kind: CheckKind::Transcript {
                        used: vec![vec!["set".into()]],
                        not_used: vec![],
                    },
                },
            ],
            file: "exercises/greeting.toml".into(),
        }],
    }
}

struct Background {
    requests: UnboundedSender<Request>,
    events: UnboundedReceiver<Event>,
    console_input: UnboundedReceiver<ConsoleInput>,
    store: ProgressStore,
    _data: tempfile::TempDir,
}

fn start(url: &str) -> Background {
    let data = tempfile::tempdir().unwrap();
    let store = ProgressStore::at(data.path());
    let (events_tx, events) = mpsc::unbounded_channel();
    let (console_tx, console_input) = mpsc::unbounded_channel();
    let (requests, _task) = spawn_background(
        BackgroundContext {
            course: Arc::new(greeting_course()),
            backend: Arc::new(Backend::connected(url).unwrap()),
            store: store.clone(),
            force: false,
            events: events_tx,
        },
        console_tx,
        History::open(data.path().join("history")).unwrap(),
    );
    Background {
        requests,
        events,
        console_input,
        store,
        _data: data,
    }
}

async fn next_event(events: &mut UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(20), events.recv())
        .await
        .expect("no event from the background")
        .expect("the background stopped")
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

    // The learner types commands: they go to the console, into the history and into the
    // transcript (console-only lines and credentials excepted; repeats counted).
    for line in [
        "SET greeting hello",
        "help SET",
        "2 GET greeting",
        "AUTH secret",
    ] {
        background
            .requests
            .send(Request::ConsoleLine(line.into()))
            .unwrap();
        let sent = background.console_input.recv().await.unwrap();
        assert_eq!(sent, ConsoleInput::Line(line.into()));
    }
    direct.request(&["SET", "greeting", "hello"]).await.unwrap();
    let get_greeting = vec![b"GET".to_vec(), b"greeting".to_vec()];
    assert_eq!(
        background.store.transcript("greeting").unwrap(),
        [
            vec![b"SET".to_vec(), b"greeting".to_vec(), b"hello".to_vec()],
            get_greeting.clone(),
            get_greeting
        ]
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
    assert_eq!(
        background.store.transcript("greeting").unwrap(),
        Vec::<Vec<Vec<u8>>>::new(),
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
