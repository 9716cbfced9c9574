//! The real binary in a pseudo-terminal, read back through a terminal emulator (vt100): what a
//! learner sees and types, from launch to quit, on a small course of its own
//! (tests/fixtures/pty-course).

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const COLUMNS: u16 = 120;
const ROWS: u16 = 40;

/// A generous limit for the screen to show something; only a hang reaches it.
const PATIENCE: Duration = Duration::from_secs(30);

/// The tutor running in a pseudo-terminal.
struct Tutor {
    screen: Arc<Mutex<vt100::Parser>>,
    /// Everything the tutor wrote, for checking what it leaves behind.
    output: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
}

impl Tutor {
    /// Starts the tutor on the fixture course with its data (progress, workspace) in `data`.
    fn start(data: &Path, editor: Option<&Path>) -> Tutor {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLUMNS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_redis-tutor"));
        command.arg("--course");
        command.arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/pty-course"
        ));
        command.env("REDIS_TUTOR_HOME", data);
        command.env("XDG_DATA_HOME", data);
        command.env("HOME", data);
        command.env("TERM", "xterm-256color");
        command.env_remove("REDIS_URL");
        command.env_remove("NO_COLOR");
        match editor {
            Some(editor) => command.env("EDITOR", editor),
            None => command.env_remove("EDITOR"),
        }
        command.env_remove("VISUAL");
        let child = pty.slave.spawn_command(command).expect("the tutor starts");
        drop(pty.slave);
        let size = |n: u16| std::num::NonZeroU16::new(n).expect("a screen has rows and columns");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(size(ROWS), size(COLUMNS), 0)));
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pty.master.try_clone_reader().expect("a reader");
        let (parser, all) = (Arc::clone(&screen), Arc::clone(&output));
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(read) = reader.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                parser.lock().unwrap().process(&buffer[..read]);
                all.lock().unwrap().extend_from_slice(&buffer[..read]);
            }
        });
        let writer = pty.master.take_writer().expect("a writer");
        Tutor {
            screen,
            output,
            writer,
            child,
            master: pty.master,
        }
    }

    /// Resizes the terminal, as a learner dragging the window's corner.
    fn resize(&mut self, columns: u16, rows: u16) {
        let size = |n: u16| std::num::NonZeroU16::new(n).expect("a screen has rows and columns");
        self.screen
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(size(rows), size(columns));
        self.master
            .resize(PtySize {
                rows,
                cols: columns,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("the terminal resizes");
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    #[track_caller]
    fn wait_for(&self, expected: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.contents().contains(expected) {
            assert!(
                Instant::now() < deadline,
                "the screen never showed {expected:?}; it shows:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types raw bytes (text, or escape sequences for special keys).
    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        if bytes == ESC {
            // A lone Esc is told from the start of an escape sequence by the pause after it.
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Waits for the tutor to end, and returns its output.
    fn wait_for_exit(mut self) -> Vec<u8> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the tutor ended with {status:?}");
                break;
            }
            assert!(Instant::now() < deadline, "the tutor did not end");
            std::thread::sleep(Duration::from_millis(20));
        }
        // Let the reader catch the last bytes.
        std::thread::sleep(Duration::from_millis(100));
        self.output.lock().unwrap().clone()
    }
}

impl Drop for Tutor {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const F5: &str = "\x1b[15~";
const F6: &str = "\x1b[17~";
const DOWN: &str = "\x1b[B";
const SHIFT_TAB: &str = "\x1b[Z";

/// Open, go to the chapter in the course list, select the lesson's block and run it: each
/// command is followed by its own reply.
#[test]
fn open_go_to_a_chapter_and_run_a_lesson_block() {
    let data = tempfile::tempdir().unwrap();
    let mut tutor = Tutor::start(data.path(), None);
    tutor.wait_for("127.0.0.1:");
    tutor.send(SHIFT_TAB);
    tutor.wait_for("▸ continue: Store a gre");
    tutor.send("g");
    tutor.send(DOWN);
    tutor.send(ENTER);
    tutor.wait_for("The introduction of the test chapter.");
    tutor.send(">");
    tutor.wait_for("Run this block");
    tutor.send("\t");
    tutor.send("b");
    tutor.wait_for("Enter runs: SET greeting hello (+1 more)");
    tutor.send(ENTER);
    tutor.wait_for("✓ ran");
    tutor.wait_for("\"hello\"");
    let screen = tutor.contents();
    let set = screen.find("> SET greeting hello").expect("SET echoed");
    let ok = screen[set..]
        .find("OK")
        .map(|at| set + at)
        .expect("its reply");
    let get = screen.find("> GET greeting").expect("GET echoed");
    assert!(
        set < ok && ok < get,
        "each reply follows its command:\n{screen}"
    );
}

/// Shrink the window below the smallest layout and back: the tutor redraws at each size
/// without a key being pressed.
#[test]
fn a_resized_terminal_is_redrawn_at_its_new_size() {
    let data = tempfile::tempdir().unwrap();
    let mut tutor = Tutor::start(data.path(), None);
    tutor.wait_for("127.0.0.1:");
    tutor.resize(50, 12);
    tutor.wait_for("Terminal too small: 50x12");
    tutor.resize(COLUMNS, ROWS);
    tutor.wait_for("127.0.0.1:");
    // A key typed right after a resize, while the resize's signal is still pending, is read
    // at once (not held until the next key).
    tutor.send(SHIFT_TAB);
    tutor.resize(COLUMNS - 10, ROWS);
    tutor.send("q");
    tutor.wait_for("Leave the tutor?");
}

/// Solve a console exercise by typing, and watch it turn green without asking for a check;
/// quit, start again, and land where it stopped, the terminal given back each time.
#[test]
fn solve_by_typing_then_quit_and_resume() {
    let data = tempfile::tempdir().unwrap();
    let mut tutor = Tutor::start(data.path(), None);
    // A first check, queued behind the exercise's setup, says when the exercise is ready.
    tutor.send(F5);
    tutor.wait_for("✗ greeting is hi");
    tutor.send("i");
    tutor.send("SET greeting hi");
    tutor.send(ENTER);
    tutor.wait_for("✓ Solved");
    tutor.wait_for("Next: Count page views");
    tutor.send(ESC);
    tutor.send("q");
    tutor.wait_for("Leave the tutor?");
    tutor.send("y");
    let output = tutor.wait_for_exit();
    let text = String::from_utf8_lossy(&output);
    let tail = &text[text
        .rfind("\x1b[?2004l")
        .expect("bracketed paste is turned off")..];
    for (sequence, what) in [
        ("\x1b[?1049l", "the alternate screen is left"),
        ("\x1b[?1000l", "mouse capture is turned off"),
        ("\x1b[?25h", "the cursor is shown again"),
    ] {
        assert!(tail.contains(sequence), "on the way out {what}");
    }

    let mut tutor = Tutor::start(data.path(), None);
    tutor.wait_for("1/3 solved");
    tutor.wait_for("✓ Store a greeting");
    tutor.wait_for("Run this block");
    tutor.send(F6);
    tutor.send(F6);
    tutor.send("q");
    tutor.send("y");
    tutor.wait_for_exit();
}

/// A recipe is written in the learner's editor: the TUI steps aside, and the saved file is
/// checked as soon as the editor closes.
#[test]
fn solve_a_recipe_exercise_through_the_editor() {
    let data = tempfile::tempdir().unwrap();
    let editor = data.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf '[view page]\\nINCR views:{page}\\n' > \"$1\"\n",
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&editor).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&editor, permissions).unwrap();

    let mut tutor = Tutor::start(data.path(), Some(&editor));
    tutor.wait_for("127.0.0.1:");
    tutor.send("x");
    tutor.send(F5);
    tutor.wait_for("Checks 0/1 passed");
    tutor.send(F6);
    tutor.send(F6);
    tutor.send("e");
    tutor.wait_for("✓ Solved");
    tutor.wait_for("checks passed.");
}

/// A script exercise is solved in the learner's editor, the same way.
#[test]
fn solve_a_script_exercise_through_the_editor() {
    let data = tempfile::tempdir().unwrap();
    let editor = data.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\ncat >> \"$1\" <<'LUA'\nlocal doubled = tonumber(redis.call('GET', KEYS[1])) * 2\nredis.call('SET', KEYS[1], doubled)\nreturn doubled\nLUA\n",
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&editor).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&editor, permissions).unwrap();

    let mut tutor = Tutor::start(data.path(), Some(&editor));
    tutor.wait_for("127.0.0.1:");
    tutor.send("x");
    tutor.send("x");
    tutor.wait_for("Double a counter");
    tutor.send(F5);
    tutor.wait_for("Checks 0/");
    tutor.send(F6);
    tutor.send(F6);
    tutor.send("e");
    tutor.wait_for("✓ Solved");
    tutor.wait_for("checks passed.");
}
