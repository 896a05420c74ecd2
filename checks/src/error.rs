//! The CLI's edge: what a command found ([`Verdict`]) or why it could not say ([`CliError`]),
//! and the exit status each maps to (0 held, 1 violation, 2 bad input or command line).

use miette::Diagnostic;
use std::process::ExitCode;
use thiserror::Error;

/// What a command that ran to the end found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every property held: exit 0.
    Held,
    /// A violation (or a result the command was told not to expect): exit 1.
    Violation,
}

impl Verdict {
    pub fn violation_if(failed: bool) -> Self {
        if failed {
            Verdict::Violation
        } else {
            Verdict::Held
        }
    }
}

impl From<Verdict> for ExitCode {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Held => ExitCode::SUCCESS,
            Verdict::Violation => ExitCode::from(1),
        }
    }
}

/// Why a command could not give a verdict. Each prints as the CLI always printed it.
#[derive(Debug, Error, Diagnostic)]
pub enum CliError {
    /// A message for the user: `error: {0}`.
    #[error("{0}")]
    Msg(String),
    /// Already rendered (a parse diagnostic with its source lines): printed as it is.
    #[error("{0}")]
    Rendered(String),
    /// A diagnostic miette renders with its source (a replay token).
    #[error("{0}")]
    Diagnostic(miette::Report),
    /// A value that cannot be encoded is an error, never an empty line.
    #[error("cannot encode the output as JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Checks that could not run; the report already names each: exit 2, nothing more said.
    #[error("{count} check(s) could not run")]
    NotRun { count: usize },
    /// Another build ran the command, printed its own error, and exited with `code`.
    #[error("the {backend} build exited with status {code}")]
    HandedOver { backend: String, code: u8 },
}

/// A command's result.
pub type CmdResult = Result<Verdict, CliError>;

impl CliError {
    /// Prints the error to stderr as the CLI always did.
    pub fn report(&self) {
        match self {
            CliError::Rendered(s) => eprintln!("{s}"),
            CliError::Diagnostic(r) => eprintln!("{r:?}"),
            CliError::HandedOver { .. } | CliError::NotRun { .. } => {}
            e => eprintln!("error: {e}"),
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::HandedOver { code, .. } => ExitCode::from(*code),
            _ => ExitCode::from(2),
        }
    }
}

/// The exit status of a command's result, printing an error first.
pub fn exit(r: CmdResult) -> ExitCode {
    match r {
        Ok(v) => v.into(),
        Err(e) => {
            e.report();
            e.exit_code()
        }
    }
}

/// A child's exit status read back as a result: 0 and 1 are verdicts; anything else (it
/// printed its own error) is passed on unchanged, a signal as 2.
pub fn from_status(backend: &str, code: Option<i32>) -> CmdResult {
    match code {
        Some(0) => Ok(Verdict::Held),
        Some(1) => Ok(Verdict::Violation),
        c => Err(CliError::HandedOver {
            backend: backend.to_string(),
            code: c.and_then(|c| u8::try_from(c).ok()).unwrap_or(2),
        }),
    }
}
