//! The `redis-tutor` command line: the tutor (default), list, check, hint, reset and serve.

mod cli;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Counts the heap, so that the embedded engine (which shares this process) refuses to grow
/// past its memory safety limit instead of being killed with the tutor by the OOM killer.
#[global_allocator]
static HEAP: redis_tutor::heap::CountingAllocator = redis_tutor::heap::CountingAllocator;

const EXAMPLES: &str = "\
Examples:
  redis-tutor                          open the tutor with the embedded Redis
  redis-tutor --redis redis://localhost:6379/15 tutor
                                       study against your own Redis (database 15)
  redis-tutor list                     chapters, lessons and exercises with your progress
  redis-tutor check one-time-passwords grade one exercise (exit 1 if it fails)
  redis-tutor hint one-time-passwords  show the next hint
  redis-tutor serve --port 6380        run the embedded Redis for your own code

From a checkout, put `cargo run --release --` before the arguments:
  cargo run --release -- list";

/// An interactive Redis course in your terminal, with a built-in Redis 7.0.
#[derive(Debug, Parser)]
#[command(name = "redis-tutor", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// Use this Redis instead of the embedded one (redis://, rediss://, unix://; user, password
    /// and database may be given in the URL).
    #[arg(
        long,
        global = true,
        env = "REDIS_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    redis: Option<String>,

    /// Load chapters and exercises from this directory instead of the built-in course
    /// (for course authors).
    #[arg(long, global = true, value_name = "DIR")]
    course: Option<PathBuf>,

    /// Allow setup and reset in a connected server's database even when it holds keys that
    /// redis-tutor did not make (only the keys exercises own are ever deleted).
    #[arg(long, global = true)]
    force: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open the interactive tutor (the default).
    #[command(
        after_help = "Examples:\n  redis-tutor tutor\n  redis-tutor --redis redis://localhost:6379/15 tutor"
    )]
    Tutor,
    /// List the chapters, lessons and exercises with their status.
    #[command(
        after_help = "Examples:\n  redis-tutor list\n  redis-tutor --redis redis://localhost:6379/15 list"
    )]
    List,
    /// Grade one exercise, or all of them; exits 1 when any check fails.
    #[command(
        after_help = "Console exercises: the commands you typed in the tutor's console are replayed on a\n\
private embedded Redis at the times you typed them; with --redis the checks inspect that\n\
server as it is now, and its own command counts show what was run from anywhere.\n\
Recipe and script exercises: your workspace file runs through the exercise's scenarios\n\
(and with --redis on that server too).\n\n\
Examples:\n  redis-tutor check scan-not-keys\n  redis-tutor check\n  redis-tutor --redis redis://127.0.0.1:6380 check one-time-passwords"
    )]
    Check {
        /// The exercise id (see `redis-tutor list`); all exercises when omitted.
        exercise: Option<String>,
    },
    /// Show the next rung of an exercise's hint ladder.
    #[command(after_help = "Example:\n  redis-tutor hint leaderboard-basics")]
    Hint { exercise: String },
    /// Answer a quiz's questions here, one by one, each explained once answered.
    #[command(
        after_help = "Each unanswered question is printed with its choices: type the number of your answer\n\
(for \"pick all that apply\", every right number, e.g. `1 3`). Answers are saved one by one;\n\
an empty line stops, and the next run goes on. Exits 0 once the quiz is solved.\n\n\
Example:\n  redis-tutor quiz quiz-what-redis-is"
    )]
    Quiz { quiz: String },
    /// Start a new attempt: delete the keys the exercise owns and run its setup (with other data).
    #[command(
        after_help = "Your recipe or script file is kept. With --redis, the database must be empty or\n\
already the tutor's workspace (or pass --force).\n\n\
Examples:\n  redis-tutor reset one-time-passwords\n  redis-tutor --redis redis://localhost:6379/15 reset scan-not-keys"
    )]
    Reset { exercise: String },
    /// Run the embedded Redis as a standalone server until Ctrl-C.
    #[command(after_help = "Example:\n  redis-tutor serve --port 6380\n  redis-cli -p 6380 ping")]
    Serve {
        /// TCP port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 6379)]
        port: u16,
        /// Address to bind; the default keeps the server on this machine.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
    },
}

fn main() -> ExitCode {
    let launched_at = Instant::now();
    let cli = Cli::parse();
    if !matches!(
        cli.command,
        None | Some(Command::Tutor | Command::Serve { .. })
    ) {
        die_quietly_on_broken_pipe();
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            return cli::fail(cli::Failure::Config(format!(
                "cannot start the async runtime: {e}"
            )));
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            None | Some(Command::Tutor) => cli::tutor(&cli, launched_at).await,
            Some(Command::List) => cli::list(&cli).await,
            Some(Command::Check { ref exercise }) => cli::check(&cli, exercise.as_deref()).await,
            Some(Command::Hint { ref exercise }) => cli::hint(&cli, exercise).await,
            Some(Command::Reset { ref exercise }) => cli::reset(&cli, exercise).await,
            Some(Command::Quiz { ref quiz }) => cli::quiz(&cli, quiz),
            Some(Command::Serve { port, ref bind }) => cli::serve(bind, port).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(failure) => cli::fail(failure),
    }
}

/// Lets a printing command end quietly when its reader goes away (`redis-tutor list | head`),
/// as command-line tools do: Rust ignores SIGPIPE, so the next print would panic instead. The
/// tutor and `serve` keep ignoring it, so that a client gone mid-reply is only an error.
fn die_quietly_on_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: restores the default action of one signal, before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
