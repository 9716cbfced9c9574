//! The `redis-tutor` command line: the tutor (default), list, check, hint, reset and serve.

mod cli;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const EXAMPLES: &str = "\
Examples:
  redis-tutor                          open the tutor with the embedded Redis
  redis-tutor --redis redis://localhost:6379/15 tutor
                                       study against your own Redis (database 15)
  redis-tutor list                     chapters and exercises with your progress
  redis-tutor check otp-expiry         grade one exercise (exit 1 if it fails)
  redis-tutor hint otp-expiry          show the next hint
  redis-tutor serve --port 6380        run the embedded Redis for your own code";

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
    Tutor,
    /// List the chapters and exercises with their status.
    List,
    /// Grade one exercise, or all of them; exits 1 when any check fails.
    #[command(
        after_help = "Without --redis, your work is replayed: the commands you typed in the tutor's\n\
console for the exercise run on a fresh embedded Redis, then the checks run.\n\
With --redis, the checks inspect that server as it is now."
    )]
    Check {
        /// The exercise id (see `redis-tutor list`); all exercises when omitted.
        exercise: Option<String>,
    },
    /// Show the next rung of an exercise's hint ladder.
    Hint { exercise: String },
    /// Start an exercise again: delete the keys it owns and run its setup.
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
            Some(Command::Serve { port, ref bind }) => cli::serve(bind, port).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(failure) => cli::fail(failure),
    }
}
