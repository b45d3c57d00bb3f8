//! Checkpoints for `/rewind`, and the plans that put the code back to one.
//!
//! A checkpoint is taken before each user message. In a git repository it
//! is a ghost snapshot ([`ghost`]): the working tree as a commit object made
//! on a private index, kept alive by one private ref per thread and never
//! touching the user's index, branches, stash or HEAD. The kernel says
//! which paths changed since the last snapshot (`watch`, inotify); edited
//! tracked files make the new tree from the previous one through
//! long-lived git processes (`tree_edit`, `git_batch`), anything else goes
//! through a private index that lives as long as the session (`snapshot`),
//! so a snapshot costs what changed, not the size of the tree; whenever
//! that is unknown the tree is walked, so none of it can make a snapshot
//! wrong. Outside git, the
//! files the agent changes through `apply_patch` are checkpointed by content
//! ([`checkpoints`]): their text before the first change in each turn, in
//! `$CODEX_HOME/checkpoints/<thread id>/` (0700 directories, 0600 files).
//!
//! Putting code back ([`restore`]) is planned before anything is written:
//! the plan is the diff that will be applied, the files to restore, the
//! files the agent created after the point (the only ones ever removed),
//! and the files changed by hand since the point, which are left alone
//! unless the person names them. What the crate cannot know — the effects
//! of commands outside git — is listed by the caller as not restorable.
//!
//! [`prune`] drops checkpoints older than `[rewind] keep_days`.
//!
//! The crate knows nothing of sessions or turns: the engine (core's
//! `rewind.rs`) decides when checkpoints are taken and which are offered.

pub mod checkpoints;
pub mod ghost;
mod git_batch;
mod git_checkpoints;
mod git_files;
pub mod prune;
pub mod restore;
mod snapshot;
mod tree_edit;
mod watch;

pub use checkpoints::{Checkpoint, Checkpoints, FileRecord};
pub use restore::{Action, Plan};

/// The private ref that keeps a thread's git checkpoints.
pub fn thread_ref(thread_id: &str) -> String {
    format!("{}{thread_id}", prune::REF_PREFIX)
}
