//! A snapshot's tree made from the previous snapshot's tree and the paths
//! that changed, without the index: the fast path of [`crate::snapshot`].
//!
//! In a large repository the index is the cost of a snapshot: git reads
//! and rewrites all of it (800 KB for 10,000 files) in `update-index` and
//! again in `write-tree`, however few files changed. When the watcher
//! names the changed paths and each is a file the previous snapshot holds
//! (edited or deleted, its kind and executable bit unchanged) or a
//! submodule (its checked-out commit, read from its `HEAD`; the files in
//! it are its own repository's), the new tree is the old one with those
//! entries replaced: each path is looked up
//! in the old tree (read directory by directory along the path), the
//! changed files are hashed, and the trees above them are written again,
//! bottom up, all through the long-lived processes of
//! [`crate::git_batch`].
//!
//! Anything else — a new file (git must say whether it is ignored), a
//! directory, a symbolic link, an executable bit that changed, a file too
//! large to take, a file with a carriage return (see
//! `has_carriage_return`), a path git cannot be given on one line — and
//! the answer is "cannot tell", and the index path runs as before. Trees read or
//! written are kept by id (an id names one content forever, so the cache
//! never goes stale), up to [`MAX_CACHED_ENTRIES`] entries.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::git_batch::{
    GitProcesses, MODE_DIR, MODE_EXECUTABLE, MODE_FILE, MODE_SUBMODULE, ObjectId, TreeEntry,
    fits_a_line, is_object_id, parse_tree, put_entry,
};

/// Tree entries kept in memory at most (about 100 bytes each); past it
/// the cache starts again.
const MAX_CACHED_ENTRIES: usize = 50_000;

/// What a snapshot's tree changes: a path's components and its new entry
/// (mode and blob id), or `None` to remove it.
type Edit = (Vec<Vec<u8>>, Option<(u32, String)>);

/// The changes the fast path found.
pub(crate) struct Changes {
    pub(crate) edits: Vec<Edit>,
    /// Every path it looked at that the index must catch up with (files
    /// hashed or removed), relative to the top.
    pub(crate) paths: Vec<String>,
}

/// What a path is in a tree.
enum Found {
    Entry(TreeEntry),
    Absent,
    /// Below a submodule (a commit entry).
    InSubmodule,
}

/// Trees read or written, by id.
#[derive(Debug, Default)]
pub(crate) struct TreeCache {
    trees: HashMap<String, Arc<Vec<TreeEntry>>>,
    entries: usize,
}

impl TreeCache {
    fn remember(&mut self, id: String, entries: Arc<Vec<TreeEntry>>) {
        if self.entries + entries.len() > MAX_CACHED_ENTRIES {
            self.trees.clear();
            self.entries = 0;
        }
        self.entries += entries.len();
        self.trees.insert(id, entries);
    }

    fn entries(&mut self, git: &mut GitProcesses, id: &str) -> Result<Arc<Vec<TreeEntry>>, String> {
        if let Some(entries) = self.trees.get(id) {
            return Ok(entries.clone());
        }
        let object = git
            .read(id)?
            .filter(|o| o.kind == "tree")
            .ok_or_else(|| format!("the snapshot tree {id} is missing"))?;
        let entries = Arc::new(parse_tree(&object.body, object.id_len)?);
        self.remember(id.to_string(), entries.clone());
        Ok(entries)
    }

    /// Reads the trees along `paths` (below `root`) that are not cached,
    /// a level at a time: one round trip per level instead of one per
    /// tree.
    fn read_along<'a>(
        &mut self,
        git: &mut GitProcesses,
        root: &str,
        paths: impl Iterator<Item = &'a [Vec<u8>]>,
    ) -> Result<(), String> {
        let mut level: Vec<(String, &[Vec<u8>])> =
            paths.map(|path| (root.to_string(), path)).collect();
        while !level.is_empty() {
            let missing: BTreeSet<&str> = level
                .iter()
                .map(|(id, _)| id.as_str())
                .filter(|id| !self.trees.contains_key(*id))
                .collect();
            let missing: Vec<&str> = missing.into_iter().collect();
            for (id, object) in missing.iter().zip(git.read_all(&missing)?) {
                let object = object
                    .filter(|o| o.kind == "tree")
                    .ok_or_else(|| format!("the snapshot tree {id} is missing"))?;
                let entries = parse_tree(&object.body, object.id_len)?;
                self.remember(id.to_string(), Arc::new(entries));
            }
            let mut next = Vec::new();
            for (id, path) in &level {
                // The last name is an entry: no tree below it to read.
                let [name, rest @ ..] = path else { continue };
                if rest.is_empty() {
                    continue;
                }
                let entries = self.entries(git, id)?;
                if let Some(dir) = entries.iter().find(|e| e.name == *name && e.is_tree()) {
                    next.push((dir.id.to_hex(), rest));
                }
            }
            level = next;
        }
        Ok(())
    }

    /// The entry at `components` in the tree `root`, if there is one.
    fn lookup(
        &mut self,
        git: &mut GitProcesses,
        root: &str,
        components: &[Vec<u8>],
    ) -> Result<Found, String> {
        let mut tree = root.to_string();
        for (depth, name) in components.iter().enumerate() {
            let entries = self.entries(git, &tree)?;
            let Some(entry) = entries.iter().find(|e| e.name == *name) else {
                return Ok(Found::Absent);
            };
            if depth + 1 == components.len() {
                return Ok(Found::Entry(entry.clone()));
            }
            if entry.mode == MODE_SUBMODULE {
                return Ok(Found::InSubmodule);
            }
            if !entry.is_tree() {
                return Ok(Found::Absent);
            }
            tree = entry.id.to_hex();
        }
        Ok(Found::Absent)
    }

    /// What `paths` (changed since the snapshot whose tree is `root`) do
    /// to it, the files hashed; `None` when the fast path cannot tell.
    /// `budget` is what the files may weigh together, `max_file` what one
    /// may.
    pub(crate) fn changes(
        &mut self,
        git: &mut GitProcesses,
        top: &Path,
        root: &str,
        paths: &[PathBuf],
        budget: u64,
        max_file: u64,
    ) -> Result<Option<Changes>, String> {
        let mut split = Vec::with_capacity(paths.len());
        for path in paths {
            let Some(name) = path.to_str() else {
                return Ok(None);
            };
            let bytes = path.as_os_str().as_bytes();
            let components: Vec<Vec<u8>> =
                bytes.split(|&b| b == b'/').map(<[u8]>::to_vec).collect();
            if !fits_a_line(bytes)
                || components
                    .iter()
                    .any(|c| c.is_empty() || c == b"." || c == b"..")
            {
                return Ok(None);
            }
            split.push((path, name, bytes, components));
        }
        self.read_along(git, root, split.iter().map(|(.., c)| c.as_slice()))?;
        let mut hash = Vec::new();
        let mut edits = Vec::new();
        let mut looked_at = Vec::new();
        let mut total = 0u64;
        for (path, name, bytes, components) in split {
            let entry = match self.lookup(git, root, &components)? {
                Found::Entry(entry) => Some(entry),
                Found::Absent => None,
                // A file of a submodule's: its own repository's, never a
                // snapshot's (its checked-out commit is named apart).
                Found::InSubmodule => continue,
            };
            let full = top.join(path);
            match std::fs::symlink_metadata(&full) {
                Ok(meta) if meta.is_file() => {
                    let executable = meta.permissions().mode() & 0o100 != 0;
                    let mode = if executable {
                        MODE_EXECUTABLE
                    } else {
                        MODE_FILE
                    };
                    // Tracked as a file of the same kind: anything else
                    // asks the index (ignore rules, the mode git keeps
                    // where `core.fileMode` is off).
                    if entry.as_ref().is_none_or(|e| e.mode != mode) {
                        return Ok(None);
                    }
                    total += meta.len();
                    if meta.len() > max_file || total > budget || has_carriage_return(&full) {
                        return Ok(None);
                    }
                    hash.push((components, bytes.to_vec(), mode, entry));
                    looked_at.push(name.to_string());
                }
                // A repository inside the tree (its files are its own):
                // the snapshot holds the commit checked out there, if it
                // held one before.
                Ok(meta) if meta.is_dir() && full.join(".git").exists() => match entry {
                    None => {}
                    Some(e) if e.mode == MODE_SUBMODULE => {
                        let Some(head) = checked_out(&full) else {
                            return Ok(None);
                        };
                        if head != e.id.to_hex() {
                            edits.push((components, Some((MODE_SUBMODULE, head))));
                        }
                        looked_at.push(name.to_string());
                    }
                    Some(_) => return Ok(None),
                },
                Ok(_) => return Ok(None),
                Err(e)
                    if e.kind() == std::io::ErrorKind::NotFound
                        || e.raw_os_error() == Some(libc::ENOTDIR) =>
                {
                    match entry {
                        None => {}
                        Some(e) if e.is_blob() => {
                            edits.push((components, None));
                            looked_at.push(name.to_string());
                        }
                        // A directory or a submodule gone.
                        Some(_) => return Ok(None),
                    }
                }
                Err(_) => return Ok(None),
            }
        }
        let names: Vec<&[u8]> = hash.iter().map(|(_, path, ..)| path.as_slice()).collect();
        let ids = git.hash_files(&names)?;
        for ((components, _, mode, entry), id) in hash.into_iter().zip(ids) {
            // Written again as it was: nothing to change.
            if entry.is_some_and(|e| e.id.to_hex() == id) {
                continue;
            }
            edits.push((components, Some((mode, id))));
        }
        Ok(Some(Changes {
            edits,
            paths: looked_at,
        }))
    }

    /// The tree `root` with `edits` made (each below directories `root`
    /// holds, as [`Self::changes`] found them); returns its id. The trees
    /// are written deepest first, a level at a time (one round trip per
    /// level).
    pub(crate) fn apply(
        &mut self,
        git: &mut GitProcesses,
        root: &str,
        edits: &[Edit],
    ) -> Result<String, String> {
        if edits.is_empty() {
            return Ok(root.to_string());
        }
        // Every directory an edit is in (by its path's components), with
        // its entries as they were.
        let mut dirs: BTreeMap<&[Vec<u8>], Vec<TreeEntry>> = BTreeMap::new();
        for (components, _) in edits {
            for depth in 0..components.len() {
                let dir = &components[..depth];
                if !dirs.contains_key(dir) {
                    let id = self.tree_at(git, root, dir)?;
                    dirs.insert(dir, self.entries(git, &id)?.as_ref().clone());
                }
            }
        }
        for (components, entry) in edits {
            let (name, dir) = components
                .split_last()
                .ok_or("an empty path reached the tree")?;
            let entries = dirs.get_mut(dir).ok_or("an edit lost its directory")?;
            match entry {
                Some((mode, id)) => put_entry(
                    entries,
                    TreeEntry {
                        mode: *mode,
                        name: name.clone(),
                        id: ObjectId::from_hex(id)?,
                    },
                ),
                None => entries.retain(|e| e.name != *name),
            }
        }
        let deepest = dirs.keys().map(|dir| dir.len()).max().unwrap_or(0);
        for depth in (0..=deepest).rev() {
            let level: Vec<&[Vec<u8>]> = dirs
                .keys()
                .copied()
                .filter(|dir| dir.len() == depth)
                .collect();
            let mut written = Vec::new();
            let mut emptied = Vec::new();
            for dir in level {
                let entries = dirs.remove(dir).unwrap_or_default();
                // Git keeps no empty directories; a root left empty is
                // still a tree.
                if entries.is_empty() && depth > 0 {
                    emptied.push(dir);
                } else {
                    written.push((dir, entries));
                }
            }
            let trees: Vec<&[TreeEntry]> = written.iter().map(|(_, e)| e.as_slice()).collect();
            let ids = git.write_trees(&trees)?;
            let mut results: Vec<(&[Vec<u8>], Option<String>)> =
                emptied.into_iter().map(|dir| (dir, None)).collect();
            for ((dir, entries), id) in written.into_iter().zip(ids) {
                if depth == 0 {
                    self.remember(id.clone(), Arc::new(entries));
                    return Ok(id);
                }
                self.remember(id.clone(), Arc::new(entries));
                results.push((dir, Some(id)));
            }
            for (dir, id) in results {
                let Some((name, parent)) = dir.split_last() else {
                    continue;
                };
                let entries = dirs.get_mut(parent).ok_or("a directory lost its parent")?;
                match id {
                    Some(id) => put_entry(
                        entries,
                        TreeEntry {
                            mode: MODE_DIR,
                            name: name.clone(),
                            id: ObjectId::from_hex(&id)?,
                        },
                    ),
                    None => entries.retain(|e| e.name != *name),
                }
            }
        }
        Err("git wrote no tree".into())
    }

    /// The id of the tree at `dir` in the tree `root` (a directory the
    /// snapshot holds).
    fn tree_at(
        &mut self,
        git: &mut GitProcesses,
        root: &str,
        dir: &[Vec<u8>],
    ) -> Result<String, String> {
        let mut id = root.to_string();
        for name in dir {
            let entries = self.entries(git, &id)?;
            id = entries
                .iter()
                .find(|e| e.name == *name && e.is_tree())
                .map(|e| e.id.to_hex())
                .ok_or_else(|| {
                    format!(
                        "{} is not a directory of the snapshot",
                        String::from_utf8_lossy(name)
                    )
                })?;
        }
        Ok(id)
    }
}

/// The commit checked out in the repository at `dir`: read from its
/// `HEAD` when that is detached (as a submodule's is), else asked of git.
fn checked_out(dir: &Path) -> Option<String> {
    let dot_git = dir.join(".git");
    let git_dir = match std::fs::read_to_string(&dot_git) {
        // A submodule's `.git` is a file naming its git directory.
        Ok(text) => dir.join(text.strip_prefix("gitdir:")?.trim()),
        Err(_) => dot_git,
    };
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    let head = head.trim();
    if is_object_id(head) {
        return Some(head.to_string());
    }
    let head = crate::ghost::git(dir, None, &["rev-parse", "--verify", "-q", "HEAD"]).ok()?;
    let head = head.trim();
    is_object_id(head).then(|| head.to_string())
}

/// Whether the file at `path` has a carriage return (or cannot be read).
/// Git's end-of-line conversion of such a file (`text=auto`,
/// `core.autocrlf`) depends on whether the index's copy has one too, and
/// `hash-object` has no index: the index path hashes it instead.
fn has_carriage_return(path: &Path) -> bool {
    std::fs::read(path).map_or(true, |bytes| bytes.contains(&b'\r'))
}
