//! One line of `$CODEX_HOME/history.jsonl`.

use serde::{Deserialize, Serialize};

/// A user message as recorded in the cross-session history file.
///
/// On disk the thread id is `session_id`; some versions of the reference wrote
/// `conversation_id`, which is accepted when reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    #[serde(alias = "conversation_id")]
    pub session_id: String,
    /// Unix seconds.
    pub ts: u64,
    pub text: String,
}
