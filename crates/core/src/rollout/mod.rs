//! Session files: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl`.
//!
//! One JSON line per recorded item (`{timestamp, ordinal, type, payload}`),
//! written whole as soon as it is recorded and synced at the end of every
//! turn and at shutdown, so a crash or `kill -9` loses nothing that was
//! recorded. Files are created 0600 in directories created 0700. The reader
//! skips what it cannot parse — a torn last line after a crash, line types
//! of newer versions — and reads bytes that are not UTF-8 with replacement
//! characters and a warning; a resumed file is cut back to its last complete
//! line before appending, and its ordinals continue.

mod policy;
mod reader;
mod recorder;

pub use policy::should_persist;
pub use reader::{
    RolloutFile, find_latest_rollout, find_rollout_by_id, list_rollouts, read_rollout,
};
pub(crate) use recorder::create_private_dirs;
pub use recorder::{RolloutRecorder, RolloutRecorderParams};

/// Where session files live.
pub const SESSIONS_SUBDIR: &str = "sessions";
/// Where archived session files are moved (one flat directory, as in the
/// reference).
pub const ARCHIVED_SESSIONS_SUBDIR: &str = "archived_sessions";
