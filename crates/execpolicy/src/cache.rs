//! The rules a session obeys, read again whenever a rules file changes (a
//! person's edit, or an amendment written by an approval), so the next
//! command sees them without a restart. Checking costs one directory
//! listing and a `stat` per file.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::loader::{load_files, rule_files_in};
use crate::policy::Policy;

/// Each rules file with its modification time and length.
type Fingerprint = Vec<(PathBuf, Option<SystemTime>, u64)>;

/// The rules as last loaded, or why they could not be.
type Loaded = Result<Arc<Policy>, String>;

/// The rules of a list of directories, loaded lazily and kept until a file
/// changes.
#[derive(Debug)]
pub struct RulesCache {
    dirs: Vec<PathBuf>,
    loaded: Mutex<Option<(Fingerprint, Loaded)>>,
}

impl RulesCache {
    /// Rules from the `*.rules` files of `dirs`, in that order.
    pub fn new(dirs: Vec<PathBuf>) -> Self {
        Self {
            dirs,
            loaded: Mutex::new(None),
        }
    }

    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// The current rules, or why they cannot be loaded (file and line).
    pub fn policy(&self) -> Result<Arc<Policy>, String> {
        let files = rule_files_in(&self.dirs);
        let fingerprint: Fingerprint = files
            .iter()
            .map(|path| {
                let meta = std::fs::metadata(path).ok();
                let modified = meta.as_ref().and_then(|m| m.modified().ok());
                (path.clone(), modified, meta.map_or(0, |m| m.len()))
            })
            .collect();
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((known, result)) = loaded.as_ref()
            && *known == fingerprint
        {
            return result.clone();
        }
        let result = load_files(&files)
            .map(Arc::new)
            .map_err(|err| err.to_string());
        *loaded = Some((fingerprint, result.clone()));
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decision;

    #[test]
    fn a_changed_file_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let cache = RulesCache::new(vec![dir.path().to_path_buf(), dir.path().join("missing")]);
        assert!(cache.policy().unwrap().is_empty());
        let file = dir.path().join("a.rules");
        std::fs::write(&file, "prefix_rule(pattern=[\"ls\"])\n").unwrap();
        let ls = vec!["ls".to_string()];
        assert_eq!(
            cache.policy().unwrap().check(&ls, false).decision,
            Some(Decision::Allow)
        );
        std::fs::write(
            &file,
            "prefix_rule(pattern=[\"ls\"], decision=\"forbidden\")\n",
        )
        .unwrap();
        assert_eq!(
            cache.policy().unwrap().check(&ls, false).decision,
            Some(Decision::Forbidden)
        );
        std::fs::write(&file, "prefix_rule(pattern=[\"ls\"], match=[\"cat\"])\n").unwrap();
        let err = cache.policy().unwrap_err();
        assert!(err.contains("a.rules:1"), "{err}");
    }
}
