//! The real binary on a pseudo-terminal of its own (opened with libc, so that the test keeps
//! the terminal and can read its modes after the tutor exits): ended from outside (SIGTERM,
//! SIGHUP), the tutor leaves as on a quit, so the terminal is back in cooked mode on the main
//! screen, and the learner's progress is saved. When its terminal goes away (the terminal
//! emulator or tmux closes), it saves progress and exits instead of spinning on a dead terminal.

#![cfg(unix)]

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Guards against a hang only.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// A child process on a new pseudo-terminal, which is its controlling terminal unless told
/// otherwise.
struct Pty {
    child: Child,
    /// The terminal emulator's side; `None` once closed.
    master: Option<File>,
    /// Kept open so the terminal's modes can be read after the child is gone.
    slave: OwnedFd,
    output: Arc<Mutex<Vec<u8>>>,
    /// Tells the thread that copies the output to let go of its side of the terminal.
    stop_reading: Arc<AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Pty {
    fn spawn(command: Command) -> Pty {
        Pty::spawn_with(command, true)
    }

    /// `controlling`: whether the terminal becomes the child's controlling terminal (so that
    /// closing it sends SIGHUP), or is only its standard input and output.
    fn spawn_with(mut command: Command, controlling: bool) -> Pty {
        let (mut master, mut slave) = (0, 0);
        let size = libc::winsize {
            ws_row: 40,
            ws_col: 120,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two descriptors into the given integers.
        let opened = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(opened, 0, "openpty failed");
        // The child gets the slave side as its standard streams only: were the master side
        // inherited too, closing ours would not close the terminal.
        for fd in [master, slave] {
            // SAFETY: sets close-on-exec on a descriptor openpty just gave us.
            assert_eq!(
                unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) },
                0
            );
        }
        // SAFETY: both descriptors were just opened and are owned here.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let io = |fd: &OwnedFd| Stdio::from(fd.try_clone().unwrap());
        command
            .stdin(io(&slave))
            .stdout(io(&slave))
            .stderr(io(&slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if libc::setsid() < 0 || (controlling && libc::ioctl(0, libc::TIOCSCTTY, 0) < 0) {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("the tutor starts");
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = Arc::clone(&output);
        let stop_reading = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stop_reading);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while !stop.load(Ordering::SeqCst) {
                let mut ready = libc::pollfd {
                    fd: reader.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one pollfd, owned here, for a descriptor this thread owns.
                if unsafe { libc::poll(&mut ready, 1, 20) } <= 0 {
                    continue;
                }
                match reader.read(&mut buf) {
                    Ok(n) if n > 0 => sink.lock().unwrap().extend_from_slice(&buf[..n]),
                    _ => break,
                }
            }
        });
        Pty {
            child,
            master: Some(master),
            slave,
            output,
            stop_reading,
            reader: Some(reader),
        }
    }

    /// Closes the terminal emulator's side, as when its window or tmux goes away.
    fn close_master(&mut self) {
        self.stop_reading.store(true, Ordering::SeqCst);
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        self.master = None;
    }

    fn output(&self) -> Vec<u8> {
        self.output.lock().unwrap().clone()
    }

    fn wait_for(&self, needle: &[u8]) {
        let started = Instant::now();
        while !self.output().windows(needle.len()).any(|w| w == needle) {
            assert!(
                started.elapsed() < HANG_GUARD,
                "the terminal never showed {:?}; it got {:?}",
                String::from_utf8_lossy(needle),
                String::from_utf8_lossy(&self.output())
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the terminal is in canonical (cooked) mode, as a shell leaves it.
    fn cooked(&self) -> bool {
        // SAFETY: termios is plain data, filled by tcgetattr on a descriptor we own.
        let mut modes: libc::termios = unsafe { std::mem::zeroed() };
        let got = unsafe { libc::tcgetattr(self.slave.as_raw_fd(), &mut modes) };
        assert_eq!(got, 0, "tcgetattr failed");
        modes.c_lflag & libc::ICANON != 0 && modes.c_lflag & libc::ECHO != 0
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < HANG_GUARD, "the tutor did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(master) = &mut self.master {
            let _ = master.flush();
        }
    }
}

/// Enters the alternate screen, and leaves it.
const ENTER_ALTERNATE: &[u8] = b"\x1b[?1049h";
const LEAVE_ALTERNATE: &[u8] = b"\x1b[?1049l";

fn tutor(home: &tempfile::TempDir) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_redis-tutor"));
    command
        .env("REDIS_TUTOR_HOME", home.path())
        .env("TERM", "xterm-256color")
        .env_remove("REDIS_URL");
    command
}

fn ended_by(signal: libc::c_int, name: &str) {
    let home = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(tutor(&home));
    pty.wait_for(ENTER_ALTERNATE);
    pty.wait_for(b"Console");
    assert!(!pty.cooked(), "the tutor runs the terminal in raw mode");
    // SAFETY: sends a signal to our own child.
    unsafe { libc::kill(pty.child.id() as libc::pid_t, signal) };
    let status = pty.wait_exit();
    assert!(status.success(), "{name}: the tutor exited with {status}");
    let output = pty.output();
    let entered = output
        .windows(ENTER_ALTERNATE.len())
        .rposition(|w| w == ENTER_ALTERNATE)
        .unwrap();
    assert!(
        output[entered..]
            .windows(LEAVE_ALTERNATE.len())
            .any(|w| w == LEAVE_ALTERNATE),
        "{name}: the main screen should be back"
    );
    assert!(
        pty.cooked(),
        "{name}: the terminal should be back in cooked mode"
    );
    let log = std::fs::read_to_string(home.path().join("redis-tutor.log")).unwrap();
    assert!(
        log.contains(&format!("{name} received")) && log.contains("redis-tutor stopped"),
        "{name}: {log}"
    );
    assert!(
        home.path().join("progress.toml").exists(),
        "{name}: progress should be saved"
    );
}

#[test]
fn sigterm_restores_the_terminal_and_saves_progress() {
    ended_by(libc::SIGTERM, "SIGTERM");
}

#[test]
fn sighup_restores_the_terminal_and_saves_progress() {
    ended_by(libc::SIGHUP, "SIGHUP");
}

/// Closes the terminal under a running tutor and expects it to save progress and exit (a tutor
/// that kept reading its dead terminal spun a core and never exited).
fn terminal_closed(controlling: bool) {
    let home = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn_with(tutor(&home), controlling);
    pty.wait_for(ENTER_ALTERNATE);
    pty.wait_for(b"Console");
    pty.close_master();
    let status = pty.wait_exit();
    assert!(status.success(), "the tutor exited with {status}");
    let log = std::fs::read_to_string(home.path().join("redis-tutor.log")).unwrap();
    // A controlling terminal also sends SIGHUP: whichever the tutor notices first ends it.
    assert!(
        (log.contains("terminal closed") || controlling && log.contains("SIGHUP received"))
            && log.contains("redis-tutor stopped"),
        "{log}"
    );
    assert!(
        home.path().join("progress.toml").exists(),
        "progress should be saved"
    );
}

#[test]
fn closing_its_controlling_terminal_ends_the_tutor() {
    terminal_closed(true);
}

#[test]
fn losing_a_terminal_that_sends_no_signal_ends_the_tutor() {
    terminal_closed(false);
}
