//! How long grading an exercise takes: the reference solution of every chapter exercise,
//! graded on private embedded engines (scenarios twice, with the reference alongside), and,
//! when redis-server is installed, against a real server too (scenarios also run there).
//! Console work is typed once on a live engine first and then graded by replay.

use criterion::{Criterion, criterion_group, criterion_main};
use redis_tutor::backend::Backend;
use redis_tutor::course::{Course, Instance, Solution};
use redis_tutor::grader::{self, ConsoleWork, Target, Work};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;

/// The learner's work for an instance: its reference solution (a quiz's right answers).
fn work(runtime: &Runtime, backend: &Backend, instance: &Instance) -> Work {
    if let Some(quiz) = instance.kind.quiz() {
        return Work::Quiz(quiz.reference_answers());
    }
    match &instance.solution {
        Solution::Text(text) => Work::File {
            path: "solution".into(),
            text: Ok(text.clone()),
        },
        Solution::Commands(lines) => runtime.block_on(async {
            let mut conn = backend.connect().await.unwrap();
            grader::reset(&mut conn, instance).await.unwrap();
            let entries = grader::run_lines(&mut conn, lines, 0).await.unwrap();
            Work::Console(ConsoleWork {
                entries,
                started_at_ms: 0,
                baseline: grader::CommandStats::read(&mut conn).await,
            })
        }),
    }
}

/// A redis-server on a free port, stopped when dropped.
struct RealRedis(Child, u16);

impl RealRedis {
    fn start() -> Option<RealRedis> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(RealRedis(child, port));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for RealRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn grading(c: &mut Criterion) {
    let runtime = Runtime::new().unwrap();
    let course = Course::embedded().unwrap();
    let embedded = Arc::new(runtime.block_on(Backend::embedded()).unwrap());
    let real = RealRedis::start();
    if real.is_none() {
        eprintln!("redis-server is not installed: grading is measured on the embedded engine only");
    }
    let mut group = c.benchmark_group("grade");
    group.sample_size(10);
    for exercise in &course.exercises {
        let instance = exercise.variant(0);
        let learner = work(&runtime, &embedded, &instance);
        group.bench_function(format!("{}/embedded", exercise.id), |b| {
            b.iter(|| {
                let report = runtime
                    .block_on(grader::grade(&instance, &learner, &Target::Embedded))
                    .unwrap();
                assert!(report.passed());
            })
        });
        if let Some(RealRedis(_, port)) = &real {
            let server =
                Arc::new(Backend::connected(&format!("redis://127.0.0.1:{port}")).unwrap());
            runtime.block_on(async {
                server
                    .connect()
                    .await
                    .unwrap()
                    .request(&["FLUSHALL"])
                    .await
                    .unwrap();
            });
            let learner = work(&runtime, &server, &instance);
            let target = Target::Server(Arc::clone(&server));
            group.bench_function(format!("{}/real-redis", exercise.id), |b| {
                b.iter(|| {
                    let report = runtime
                        .block_on(grader::grade(&instance, &learner, &target))
                        .unwrap();
                    assert!(report.passed());
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, grading);
criterion_main!(benches);
