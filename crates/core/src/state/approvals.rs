//! What the person approved "for the session": exact commands, and files
//! patches may write. One set serves a whole tree of agents (the root
//! session and its sub-agents share it through their `AgentTree`), so
//! approving a command for the session in a child's request means the
//! session the person is in, not only that child.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::lock;

#[derive(Debug, Default)]
pub(crate) struct SessionApprovals(Mutex<Approved>);

#[derive(Debug, Default)]
struct Approved {
    /// Commands approved for the rest of the session (exact argv).
    commands: HashSet<Vec<String>>,
    /// Files a person allowed patches to write for the rest of the session.
    patch_paths: HashSet<PathBuf>,
}

impl SessionApprovals {
    pub(crate) fn approve_command(&self, argv: &[String]) {
        lock(&self.0).commands.insert(argv.to_vec());
    }

    pub(crate) fn is_command_approved(&self, argv: &[String]) -> bool {
        lock(&self.0).commands.contains(argv)
    }

    pub(crate) fn approve_patch_paths(&self, paths: &[PathBuf]) {
        lock(&self.0).patch_paths.extend(paths.iter().cloned());
    }

    /// Every one of `paths` (at least one) was approved.
    pub(crate) fn are_patch_paths_approved(&self, paths: &[PathBuf]) -> bool {
        let approved = lock(&self.0);
        !paths.is_empty()
            && paths
                .iter()
                .all(|p| approved.patch_paths.contains(Path::new(p)))
    }
}
