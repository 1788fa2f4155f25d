//! The errors a hosted request ends with ([`HostedError`]), and how a service's error
//! answer is told to the user from what its document says ([`ErrorDoc`]).

use super::super::limits::Deadline;

/// Why a request (or a task) failed, as the user will read it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HostedError {
    /// 402/403: credits or quota exhausted, key disabled. The provider submits nothing more.
    #[error("{message}")]
    Stop { status: u16, message: String },
    /// A download of a finished result answered a status ≥ 400 (after retries for 5xx).
    #[error("{message}")]
    Download { status: u16, message: String },
    /// Any other status ≥ 400 (5xx only after the retries ran out).
    #[error("{message}")]
    Status { status: u16, message: String },
    /// Connection errors after the retries ran out.
    #[error("{0}")]
    Network(String),
    /// The connection failed after a submission may have reached the service; it was not
    /// sent again.
    #[error("{0}")]
    Lost(String),
    /// A 2xx answer we cannot read.
    #[error("{0}")]
    Malformed(String),
    /// The figure's timeout ran out, or a wait would have carried past it (see
    /// [`Client::bounded`]); a submitted task keeps its journal entry.
    #[error("{0}")]
    Timeout(String),
    /// The service ran the task and reports failure (or cancelation).
    #[error("{0}")]
    Task(String),
}

impl HostedError {
    pub fn status(&self) -> Option<u16> {
        match self {
            HostedError::Stop { status, .. }
            | HostedError::Status { status, .. }
            | HostedError::Download { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// What a service documents about its error answers: how to read the message from an error
/// body, and what each status means with a hint for the user.
#[derive(Clone, Copy)]
pub struct ErrorDoc {
    /// The human-readable message inside an error body (`{"detail": …}` and so on).
    pub message: fn(&[u8]) -> Option<String>,
    /// Meaning and hint of a status, from the service's error table.
    pub status: fn(u16) -> Option<(&'static str, &'static str)>,
}

impl ErrorDoc {
    /// The user-facing error for an answer of `status` ≥ 400 (with `body`) from provider `name`: the service's
    /// meaning, its own message, and the documented hint. A `download`'s is a
    /// [`HostedError::Download`], with the service's meaning and hint only when it came
    /// from the service's own origin (`authed`).
    pub fn status_error(&self, name: &str, status: u16, body: &[u8], download: bool, authed: bool) -> HostedError {
        let detail = (self.message)(body);
        let (meaning, hint) = (self.status)(status).filter(|_| authed).unwrap_or(("", ""));
        let mut message = match download {
            true => format!("{name}: downloading the finished image answered {status}"),
            false => format!("{name} answered {status}"),
        };
        if !meaning.is_empty() {
            message.push_str(&format!(" {meaning}"));
        }
        if let Some(d) = detail.filter(|d| !d.is_empty()) {
            message.push_str(&format!(": {d}"));
        }
        if !hint.is_empty() {
            message.push_str(&format!(" ({hint})"));
        }
        if download {
            HostedError::Download { status, message }
        } else if status == 402 || status == 403 {
            message.push_str(&format!("; nothing more is submitted to {name} in this build"));
            HostedError::Stop { status, message }
        } else {
            HostedError::Status { status, message }
        }
    }
}

/// `err` (a 5xx or a connection error) when the backoff before its retry would end after
/// `deadline`: said so, instead of waiting.
pub(super) fn no_time_to_retry(err: HostedError, deadline: &Deadline) -> HostedError {
    let note = format!("; no time is left to retry ({})", deadline.describe());
    match err {
        HostedError::Status { status, message } => HostedError::Status { status, message: message + &note },
        HostedError::Download { status, message } => HostedError::Download { status, message: message + &note },
        HostedError::Network(message) => HostedError::Network(message + &note),
        other => other,
    }
}
