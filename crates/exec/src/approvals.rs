//! Approval requests in a headless run.
//!
//! When codex runs in a terminal (stdin and stderr are TTYs) the person is
//! asked on the terminal. Otherwise there is nobody to ask: the request is
//! denied and the model is told, so that automation never hangs.

use std::io::{BufRead, IsTerminal, Write};

use codex_protocol::protocol::ReviewDecision;

/// Whether a person can answer prompts.
pub(crate) fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks `question` on the terminal; blocking.
pub(crate) fn ask(question: &str) -> ReviewDecision {
    let mut stderr = std::io::stderr();
    let _ = write!(
        stderr,
        "{question}\n  [y] yes   [a] yes, and don't ask again this session   [n] no   [q] no, and stop\n> "
    );
    let _ = stderr.flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return ReviewDecision::Denied;
    }
    match line.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => ReviewDecision::Approved,
        "a" | "always" => ReviewDecision::ApprovedForSession,
        "q" | "quit" | "abort" => ReviewDecision::Abort,
        _ => ReviewDecision::Denied,
    }
}
