//! Errors, and the exit code each one maps to.
//!
//! Exit codes are part of the interface (scheduled runs test them): 0 success, 1 a check
//! failed (`rules test`, strict mode verdicts), 2 a usage or input error, 3 an internal
//! error (a bug).

use std::path::PathBuf;

/// Everything that can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A rule file is invalid; the message already names file and line:column.
    #[error("{0}")]
    Rules(String),
    /// The input cannot be processed (no usable columns, malformed header, a row rejected
    /// under `--strict`...). The message names the file and line where it can.
    #[error("{0}")]
    Input(String),
    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),
    /// A check ran and failed (for example `demand rules test`).
    #[error("{0}")]
    CheckFailed(String),
    /// A bug in `demand` itself (a worker thread panicked); please report it.
    #[error("internal error, please report it: {0}")]
    Internal(String),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::CheckFailed(_) => 1,
            Error::Internal(_) => 3,
            _ => 2,
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
