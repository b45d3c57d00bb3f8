//! Session files: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl`.
//!
//! One JSON line per recorded item (`{timestamp, type, payload}`), written by
//! a background task so that recording never waits for the disk, flushed
//! (and synced) at the end of every turn and at shutdown. Files are created
//! 0600 in directories created 0700. The reader skips what it cannot parse
//! — a torn last line after a crash, or line types of newer versions — and
//! a resumed file is cut back to its last complete line before appending.

mod policy;
mod reader;
mod recorder;

pub use policy::should_persist;
pub use reader::{
    RolloutFile, find_latest_rollout, find_rollout_by_id, list_rollouts, read_rollout,
};
pub use recorder::{RolloutRecorder, RolloutRecorderParams};

/// Where session files live.
pub const SESSIONS_SUBDIR: &str = "sessions";
