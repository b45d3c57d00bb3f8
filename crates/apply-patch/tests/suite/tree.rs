//! Snapshots of directory trees, for exact comparisons.

use std::collections::BTreeMap;
use std::path::Path;

/// Every entry under `root`: relative path → file bytes (None for a directory).
pub type Tree = BTreeMap<String, Option<Vec<u8>>>;

pub fn snapshot(root: &Path) -> Tree {
    let mut tree = Tree::new();
    if root.exists() {
        walk(root, root, &mut tree);
    }
    tree
}

fn walk(root: &Path, dir: &Path, tree: &mut Tree) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if entry.file_type().unwrap().is_dir() {
            tree.insert(rel, None);
            walk(root, &path, tree);
        } else {
            tree.insert(rel, Some(std::fs::read(&path).unwrap()));
        }
    }
}

/// Copies the tree at `from` (if it exists) into `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    if !from.exists() {
        return;
    }
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}
