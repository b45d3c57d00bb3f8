//! The diff of everything patches changed during one task, against the
//! files as they were before the task first touched them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use codex_apply_patch::{PatchPlan, PlannedChangeKind};
use similar::TextDiff;

#[derive(Debug, Default)]
pub(crate) struct TurnDiffTracker {
    /// Content before the first change in this task (None: did not exist).
    baselines: BTreeMap<PathBuf, Option<Vec<u8>>>,
}

impl TurnDiffTracker {
    /// Records the baseline of every file `plan` is about to touch.
    pub(crate) fn track(&mut self, plan: &PatchPlan) {
        for change in &plan.changes {
            let mut paths = vec![change.path.clone()];
            if let PlannedChangeKind::Update {
                move_path: Some(dest),
                ..
            } = &change.kind
            {
                paths.push(dest.clone());
            }
            for path in paths {
                self.baselines
                    .entry(path.clone())
                    .or_insert_with(|| std::fs::read(&path).ok());
            }
        }
    }

    /// A git-style diff of all tracked files, paths relative to `cwd`; None
    /// when nothing differs.
    pub(crate) fn unified_diff(&self, cwd: &Path) -> Option<String> {
        let mut out = String::new();
        for (path, before) in &self.baselines {
            let after = std::fs::read(path).ok();
            if *before == after {
                continue;
            }
            let rel = path.strip_prefix(cwd).unwrap_or(path).display().to_string();
            let (old_name, new_name) = (
                if before.is_some() {
                    format!("a/{rel}")
                } else {
                    "/dev/null".to_string()
                },
                if after.is_some() {
                    format!("b/{rel}")
                } else {
                    "/dev/null".to_string()
                },
            );
            out.push_str(&format!("diff --git a/{rel} b/{rel}\n"));
            if before.is_none() {
                out.push_str("new file mode 100644\n");
            } else if after.is_none() {
                out.push_str("deleted file mode 100644\n");
            }
            let old_text = before.as_deref().map(std::str::from_utf8);
            let new_text = after.as_deref().map(std::str::from_utf8);
            match (old_text, new_text) {
                (Some(Err(_)), _) | (_, Some(Err(_))) => {
                    out.push_str(&format!("Binary files {old_name} and {new_name} differ\n"));
                }
                (old, new) => {
                    let old = old.and_then(Result::ok).unwrap_or("");
                    let new = new.and_then(Result::ok).unwrap_or("");
                    out.push_str(
                        &TextDiff::from_lines(old, new)
                            .unified_diff()
                            .context_radius(3)
                            .header(&old_name, &new_name)
                            .to_string(),
                    );
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_apply_patch::{parse_patch, plan_patch};

    #[test]
    fn diff_against_the_first_baseline() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "one\n").unwrap();
        let mut tracker = TurnDiffTracker::default();
        for body in [
            "*** Update File: a.txt\n@@\n-one\n+two",
            "*** Update File: a.txt\n@@\n-two\n+three\n*** Add File: b.txt\n+new",
        ] {
            let text = format!("*** Begin Patch\n{body}\n*** End Patch");
            let patch = parse_patch(&text).unwrap();
            let plan = plan_patch(&patch, dir.path()).unwrap();
            tracker.track(&plan);
            plan.commit().unwrap();
        }
        let diff = tracker.unified_diff(dir.path()).unwrap();
        assert_eq!(
            diff,
            "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-one\n+three\n\
             diff --git a/b.txt b/b.txt\nnew file mode 100644\n--- /dev/null\n+++ b/b.txt\n@@ -0,0 +1 @@\n+new\n"
        );
    }
}
