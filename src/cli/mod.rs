//! The subcommands' implementations, and how failures become exit codes.

mod serve;

pub use serve::serve;

use std::process::ExitCode;

/// Why a subcommand did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// Usage or configuration error (bad URL, unreachable server, unknown exercise): exit 2.
    Config(String),
    /// The command ran but the answer is "no" (a check failed): exit 1, report already printed.
    Unsuccessful,
}

/// Prints a failure's one-line message and gives its exit code.
pub fn fail(failure: Failure) -> ExitCode {
    match failure {
        Failure::Config(message) => {
            eprintln!("redis-tutor: {message}");
            ExitCode::from(2)
        }
        Failure::Unsuccessful => ExitCode::from(1),
    }
}
