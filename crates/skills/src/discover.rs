//! Walking the roots for `SKILL.md` files, and remembering what the walk
//! saw so that the next turn can tell cheaply whether to walk again.
//!
//! The walk is the reference's: every root searched recursively, six
//! folder levels deep, hidden entries skipped (so `$CODEX_HOME/skills/`
//! does not read `.system/` as user skills), symlinked folders followed —
//! with each real folder entered once, so a link loop ends. A file reached
//! twice (nested roots, two links) counts for the first root.
//!
//! The [`Fingerprint`] is the modification stamp of every root and folder
//! entered and of every skill file read: adding or removing a skill changes
//! a folder's stamp, editing one changes its file's. Checking it is one
//! `stat` per entry, no directory read and no parse.

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::parse::{allow_implicit_invocation, parse_skill_file};
use crate::roots::SkillRoot;
use crate::{Skill, SkillLoadError};

/// Folders this many levels below a root are still searched; deeper ones
/// are not (the reference's limit).
pub const MAX_DEPTH: usize = 6;
const SKILL_FILE: &str = "SKILL.md";

/// Everything found under a session's roots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillCatalog {
    /// Every root searched (whether it exists or not), in root order.
    pub roots: Vec<SkillRoot>,
    /// Loaded skills in the order the model sees them: system, repo, user;
    /// by name (byte order) inside each, then by path.
    pub skills: Vec<Skill>,
    /// Files that could not be loaded, in walk order.
    pub errors: Vec<SkillLoadError>,
}

/// What the walk saw: each path with its stamp (none when missing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fingerprint {
    entries: Vec<(PathBuf, Option<Stamp>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    ino: u64,
    mtime_ns: i128,
    len: u64,
}

impl Stamp {
    fn of(meta: &fs::Metadata) -> Self {
        Stamp {
            ino: meta.ino(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            len: meta.len(),
        }
    }

    fn read(path: &Path) -> Option<Self> {
        fs::metadata(path).ok().map(|meta| Stamp::of(&meta))
    }
}

impl Fingerprint {
    /// Whether anything the walk saw has changed since (one `stat` each).
    pub fn changed(&self) -> bool {
        self.entries
            .iter()
            .any(|(path, stamp)| Stamp::read(path) != *stamp)
    }

    /// How many paths it watches.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn push(&mut self, path: &Path, stamp: Option<Stamp>) {
        self.entries.push((path.to_path_buf(), stamp));
    }
}

/// Walks `roots` and loads every `SKILL.md` (all enabled; settings apply
/// later).
pub fn discover(roots: &[SkillRoot]) -> (SkillCatalog, Fingerprint) {
    let mut walk = Walk::default();
    for (index, root) in roots.iter().enumerate() {
        walk.root(index, root);
    }
    let Walk {
        mut skills,
        errors,
        fingerprint,
        ..
    } = walk;
    skills.sort_by(|a, b| {
        (a.scope.presentation_rank(), a.name.as_bytes(), &a.path).cmp(&(
            b.scope.presentation_rank(),
            b.name.as_bytes(),
            &b.path,
        ))
    });
    let catalog = SkillCatalog {
        roots: roots.to_vec(),
        skills,
        errors,
    };
    (catalog, fingerprint)
}

#[derive(Default)]
struct Walk {
    skills: Vec<Skill>,
    errors: Vec<SkillLoadError>,
    fingerprint: Fingerprint,
    /// Real folders entered and files read, by (device, inode).
    entered: HashSet<(u64, u64)>,
    read: HashSet<(u64, u64)>,
}

impl Walk {
    fn root(&mut self, index: usize, root: &SkillRoot) {
        let start = root.walk_start().to_path_buf();
        let meta = fs::metadata(&start).ok();
        self.fingerprint.push(&start, meta.as_ref().map(Stamp::of));
        let Some(meta) = meta.filter(fs::Metadata::is_dir) else {
            return;
        };
        if !self.entered.insert((meta.dev(), meta.ino())) {
            return;
        }
        let mut stack = vec![(start, 0usize)];
        while let Some((dir, depth)) = stack.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            let mut subdirs = Vec::new();
            for entry in entries.flatten() {
                let name = entry.file_name();
                if name.as_encoded_bytes().starts_with(b".") {
                    continue;
                }
                let Ok(file_type) = entry.file_type() else {
                    continue;
                };
                let path = entry.path();
                let (is_dir, is_file) = if file_type.is_symlink() {
                    match fs::metadata(&path) {
                        Ok(meta) => (meta.is_dir(), meta.is_file()),
                        Err(_) => continue,
                    }
                } else {
                    (file_type.is_dir(), file_type.is_file())
                };
                if is_dir && depth < MAX_DEPTH {
                    subdirs.push(path);
                } else if is_file && name == SKILL_FILE {
                    self.skill(index, root, &path);
                }
            }
            for sub in subdirs {
                let Ok(meta) = fs::metadata(&sub) else {
                    continue;
                };
                if self.entered.insert((meta.dev(), meta.ino())) {
                    self.fingerprint.push(&sub, Some(Stamp::of(&meta)));
                    stack.push((sub, depth + 1));
                }
            }
        }
    }

    fn skill(&mut self, root_index: usize, root: &SkillRoot, path: &Path) {
        let Ok(meta) = fs::metadata(path) else {
            return;
        };
        if !self.read.insert((meta.dev(), meta.ino())) {
            return;
        }
        self.fingerprint.push(path, Some(Stamp::of(&meta)));
        let text = match fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => {
                    self.errors.push(SkillLoadError {
                        path: path.to_path_buf(),
                        line: None,
                        message: "not UTF-8 text".to_string(),
                    });
                    return;
                }
            },
            Err(err) => {
                self.errors.push(SkillLoadError {
                    path: path.to_path_buf(),
                    line: None,
                    message: format!("cannot read it: {err}"),
                });
                return;
            }
        };
        match parse_skill_file(path, &text) {
            Ok(front) => {
                let policy = path
                    .parent()
                    .map(|dir| dir.join("agents").join("openai.yaml"));
                let allow_implicit_invocation = match policy {
                    Some(policy) => match fs::read_to_string(&policy) {
                        Ok(text) => {
                            self.fingerprint.push(&policy, Stamp::read(&policy));
                            allow_implicit_invocation(&text)
                        }
                        Err(_) => true,
                    },
                    None => true,
                };
                let name = match &root.plugin {
                    Some(plugin) => format!("{}:{}", plugin.name, front.name),
                    None => front.name,
                };
                self.skills.push(Skill {
                    name,
                    description: front.description,
                    short_description: front.short_description,
                    path: path.to_path_buf(),
                    root: root_index,
                    scope: root.scope,
                    allow_implicit_invocation,
                    enabled: true,
                });
            }
            Err(err) => self.errors.push(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SkillScope;
    use pretty_assertions::assert_eq;

    fn write_skill(dir: &Path, name: &str, description: &str) {
        fs::create_dir_all(dir).unwrap();
        fs::write(
            dir.join(SKILL_FILE),
            format!("---\nname: {name}\ndescription: {description}\n---\nbody\n"),
        )
        .unwrap();
    }

    fn root(path: &Path, scope: SkillScope) -> SkillRoot {
        SkillRoot {
            path: path.to_path_buf(),
            scope,
            plugin: None,
        }
    }

    #[test]
    fn walks_nested_skips_hidden_and_deep_follows_links() {
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path().join("skills");
        write_skill(&r.join("outer"), "outer", "o");
        write_skill(&r.join("outer/inner"), "inner", "i");
        write_skill(&r.join(".hidden/h"), "h", "h");
        write_skill(&r.join("a/b/c/d/e/six"), "six", "6");
        write_skill(&r.join("a/b/c/d/e/f/seven"), "seven", "7");
        write_skill(&tmp.path().join("elsewhere/linked"), "linked", "l");
        std::os::unix::fs::symlink(tmp.path().join("elsewhere"), r.join("link")).unwrap();
        // A loop back to the root ends.
        std::os::unix::fs::symlink(&r, r.join("outer/loop")).unwrap();
        let (catalog, _) = discover(&[root(&r, SkillScope::User)]);
        let names: Vec<&str> = catalog.skills.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["inner", "linked", "outer", "six"]);
        let linked = &catalog.skills[1];
        assert_eq!(linked.path, r.join("link/linked/SKILL.md"));
        assert!(catalog.errors.is_empty());
    }

    #[test]
    fn presentation_order_and_first_root_wins() {
        let tmp = tempfile::tempdir().unwrap();
        let user = tmp.path().join("user");
        let repo = tmp.path().join("repo");
        let system = tmp.path().join("system");
        write_skill(&user.join("b"), "b", "user b");
        write_skill(&user.join("A"), "A", "user A");
        write_skill(&repo.join("z"), "z", "repo z");
        write_skill(&system.join("s"), "s", "system s");
        let roots = [
            root(&user, SkillScope::User),
            root(&repo, SkillScope::Repo),
            root(&system, SkillScope::System),
            root(&user, SkillScope::Repo),
        ];
        let (catalog, _) = discover(&roots);
        let got: Vec<(&str, usize)> = catalog
            .skills
            .iter()
            .map(|s| (s.name.as_str(), s.root))
            .collect();
        assert_eq!(got, vec![("s", 2), ("z", 1), ("A", 0), ("b", 0)]);
    }

    #[test]
    fn bad_files_are_reported_and_the_rest_load() {
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path().join("skills");
        write_skill(&r.join("good"), "good", "fine");
        fs::create_dir_all(r.join("bad")).unwrap();
        fs::write(r.join("bad/SKILL.md"), "---\nname: bad\n---\n").unwrap();
        let (catalog, _) = discover(&[root(&r, SkillScope::User)]);
        assert_eq!(catalog.skills.len(), 1);
        assert_eq!(catalog.errors.len(), 1);
        assert_eq!(catalog.errors[0].path, r.join("bad/SKILL.md"));
    }

    #[test]
    fn fingerprint_sees_added_edited_and_new_roots() {
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path().join("skills");
        let missing = tmp.path().join("repo/.agents/skills");
        write_skill(&r.join("one"), "one", "1");
        let roots = [root(&r, SkillScope::User), root(&missing, SkillScope::Repo)];
        let (_, fp) = discover(&roots);
        assert!(!fp.changed());

        write_skill(&r.join("two"), "two", "2");
        assert!(fp.changed(), "a new skill folder");
        let (_, fp) = discover(&roots);
        fs::write(
            r.join("one/SKILL.md"),
            "---\nname: one\ndescription: edited, longer\n---\n",
        )
        .unwrap();
        assert!(fp.changed(), "an edited skill");
        let (_, fp) = discover(&roots);
        write_skill(&missing.join("three"), "three", "3");
        assert!(fp.changed(), "a root that appeared");
        let (catalog, fp) = discover(&roots);
        assert_eq!(catalog.skills.len(), 3);
        assert!(!fp.changed());
    }

    #[test]
    fn implicit_invocation_policy_is_read() {
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path().join("skills");
        write_skill(&r.join("quiet"), "quiet", "q");
        fs::create_dir_all(r.join("quiet/agents")).unwrap();
        fs::write(
            r.join("quiet/agents/openai.yaml"),
            "policy:\n  allow_implicit_invocation: false\n",
        )
        .unwrap();
        let (catalog, _) = discover(&[root(&r, SkillScope::User)]);
        assert!(!catalog.skills[0].allow_implicit_invocation);
    }
}
