//! The real binary in a pseudo-terminal, measured as a learner meets it: the time from launch
//! to the first frame (the console's prompt on screen), the CPU it uses while nothing happens,
//! and its resident memory. Prints the figures; run with `cargo bench --bench tui_process`.

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::Read;
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Launches measured.
const LAUNCHES: usize = 10;
/// How long the idle tutor is watched.
const IDLE: Duration = Duration::from_secs(5);

/// Clock ticks a second, as /proc/PID/stat counts CPU time (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

fn main() {
    let data = tempfile::tempdir().expect("a data directory");
    let mut launches = Vec::new();
    for run in 0..LAUNCHES {
        let last = run + 1 == LAUNCHES;
        launches.push(launch(data.path(), last));
    }
    launches.sort();
    println!(
        "launch to first frame: median {:.1} ms, fastest {:.1} ms, slowest {:.1} ms ({LAUNCHES} launches)",
        ms(launches[LAUNCHES / 2]),
        ms(launches[0]),
        ms(launches[LAUNCHES - 1]),
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Starts the tutor, waits for its first frame, and (when `measure_idle`) watches it idle.
fn launch(data: &std::path::Path, measure_idle: bool) -> Duration {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_redis-tutor"));
    command.env("REDIS_TUTOR_HOME", data);
    command.env("XDG_DATA_HOME", data);
    command.env("HOME", data);
    command.env("TERM", "xterm-256color");
    command.env_remove("REDIS_URL");
    let started = Instant::now();
    let mut child = pty.slave.spawn_command(command).expect("the tutor starts");
    drop(pty.slave);
    let size = |n| NonZeroU16::new(n).expect("not zero");
    let screen = Arc::new(Mutex::new(vt100::Parser::new(size(40), size(120), 0)));
    let parser = Arc::clone(&screen);
    let mut reader = pty.master.try_clone_reader().expect("a reader");
    std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        while let Ok(read) = reader.read(&mut buffer) {
            if read == 0 {
                break;
            }
            parser.lock().unwrap().process(&buffer[..read]);
        }
    });
    let first_frame = loop {
        if screen
            .lock()
            .unwrap()
            .screen()
            .contents()
            .contains("Console")
        {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no first frame"
        );
        std::thread::sleep(Duration::from_micros(200));
    };
    if measure_idle {
        let pid = child.process_id().expect("a process id");
        // Let start-up work (the exercise's setup, the first SCAN) finish first.
        std::thread::sleep(Duration::from_secs(2));
        let before = cpu_ticks(pid);
        std::thread::sleep(IDLE);
        let used = (cpu_ticks(pid) - before) as f64 / TICKS_PER_SECOND;
        println!(
            "idle: {:.2} s of CPU in {} s ({:.2}% of one core)",
            used,
            IDLE.as_secs(),
            used / IDLE.as_secs_f64() * 100.0
        );
        println!(
            "resident memory after start: {:.1} MB",
            rss_kb(pid) as f64 / 1024.0
        );
    }
    let _ = child.kill();
    let _ = child.wait();
    first_frame
}

/// User plus system CPU ticks of a process and its threads.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // The command name may hold spaces; the fields after its closing parenthesis are fixed.
    let fields: Vec<&str> = stat[stat.rfind(')').expect("a stat line") + 2..]
        .split_whitespace()
        .collect();
    let field = |n: usize| fields[n].parse::<u64>().expect("a number");
    // utime and stime are fields 14 and 15 of the line: 11 and 12 counted from the state.
    field(11) + field(12)
}

/// Resident set size in kB.
fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("/proc/PID/status")
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
        .expect("a VmRSS line")
}
