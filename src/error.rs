//! The one error type of the core, with the stable codes JavaScript callers match on.

use std::path::PathBuf;

/// A failure of a cache operation. Every variant maps to a stable [`Error::code`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The cache was closed with `close()`; open a new one.
    #[error("the cache is closed; open a new one with Cache.open()")]
    Closed,
    /// An argument or option has a bad value. The message names it.
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// The argument, option or environment variable at fault.
        name: String,
        /// What was wrong with it.
        reason: String,
    },
    /// A configuration file could not be read or parsed.
    #[error("configuration file {path} is invalid: {reason}")]
    ConfigInvalid {
        /// The file at fault.
        path: PathBuf,
        /// What was wrong with it, with the line where known.
        reason: String,
    },
    /// Another process kept `config.toml` locked for a write longer than 5 s.
    #[error(
        "configuration file {path} is being written by another process; nothing was changed, try again"
    )]
    ConfigBusy {
        /// The file.
        path: PathBuf,
    },
    /// `config.toml` may not be written (read-only, or owned by another user).
    #[error(
        "configuration file {path} is read-only (or not yours to write); nothing was changed. Make it writable, or set the key in the environment or as an option instead"
    )]
    ConfigReadOnly {
        /// The file.
        path: PathBuf,
    },
    /// A project, artifact or path does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The database file is corrupt and could not be recovered.
    #[error("the cache database {path} is corrupt: {reason}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What the integrity check reported.
        reason: String,
    },
    /// The database location cannot be written.
    #[error("the cache database {path} cannot be written: {reason}")]
    ReadOnly {
        /// The database file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The database file belongs to another application (or is not a database); it was left
    /// exactly as it was.
    #[error(
        "{path} is not a database of @skillmeat/cache: it is {found}. It was left untouched. Point `path` (or SKILLMEAT_CACHE_PATH) at a file of its own, or leave it unset for the default <home>/cache/skillmeat-cache.db"
    )]
    Foreign {
        /// The file.
        path: PathBuf,
        /// What was found there.
        found: String,
    },
    /// The disk (or the configured size limit) is full; the write was rolled back.
    #[error(
        "the cache database is full ({0}); the refresh was stopped and the data already cached is still served. Free disk space or raise max_size_mb"
    )]
    DiskFull(String),
    /// Another process held the database lock for longer than the busy timeout.
    #[error("the cache database stayed locked by another process for {0} ms; try again")]
    Busy(u64),
    /// A file system operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The operating system error.
        #[source]
        source: std::io::Error,
    },
    /// An unexpected SQLite failure.
    #[error("cache database error: {0}")]
    Sqlite(#[source] rusqlite::Error),
    /// A bug or an unexpected state inside the cache.
    #[error("internal error: {0}")]
    Internal(String),
    /// A remote source failed: `NETWORK`, `NETWORK_TIMEOUT`, `HTTP_ERROR`, `INVALID_RESPONSE`,
    /// `RESPONSE_TOO_LARGE`, `INSECURE_URL`, `TOO_MANY_REDIRECTS`, `RATE_LIMITED`.
    #[error("{message}")]
    Remote {
        /// Stable code.
        code: &'static str,
        /// What happened, with the URL.
        message: String,
    },
    /// A copy of another error handed to several waiters (see [`Error::duplicate`]).
    #[error("{message}")]
    Shared {
        /// The original error's code.
        code: &'static str,
        /// The original error's message.
        message: String,
    },
}

/// Shorthand for results of cache operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The stable code callers can match on (`err.code` in JavaScript).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Closed => "CACHE_CLOSED",
            Error::InvalidArgument { .. } => "INVALID_ARGUMENT",
            Error::ConfigInvalid { .. } => "CONFIG_INVALID",
            Error::ConfigBusy { .. } => "CONFIG_BUSY",
            Error::ConfigReadOnly { .. } => "CONFIG_READONLY",
            Error::NotFound(_) => "NOT_FOUND",
            Error::Corrupt { .. } => "CACHE_CORRUPT",
            Error::ReadOnly { .. } => "CACHE_READONLY",
            Error::Foreign { .. } => "CACHE_FOREIGN",
            Error::DiskFull(_) => "CACHE_DISK_FULL",
            Error::Busy(_) => "CACHE_BUSY",
            Error::Io { .. } => "IO_ERROR",
            Error::Sqlite(_) => "CACHE_DB_ERROR",
            Error::Internal(_) => "INTERNAL",
            Error::Shared { code, .. } => code,
            Error::Remote { code, .. } => code,
        }
    }

    /// An equivalent error (same code and message) for another waiter on the same operation.
    pub fn duplicate(&self) -> Error {
        Error::Shared {
            code: self.code(),
            message: self.to_string(),
        }
    }

    /// Builds an [`Error::InvalidArgument`].
    pub fn invalid(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// Builds an [`Error::Io`] with a context naming what was attempted.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Error::DiskFull(e.to_string()),
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => Error::Busy(0),
            Some(ErrorCode::ReadOnly)
            | Some(ErrorCode::CannotOpen)
            | Some(ErrorCode::PermissionDenied) => Error::ReadOnly {
                path: PathBuf::new(),
                reason: e.to_string(),
            },
            Some(ErrorCode::DatabaseCorrupt) | Some(ErrorCode::NotADatabase) => Error::Corrupt {
                path: PathBuf::new(),
                reason: e.to_string(),
            },
            _ => Error::Sqlite(e),
        }
    }
}
