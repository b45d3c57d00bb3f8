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
use std::ffi::CString;
use std::fs;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
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
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    pub(crate) entries: Vec<(PathBuf, Option<Stamp>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Stamp {
    pub(crate) ino: u64,
    pub(crate) mtime_ns: i128,
    pub(crate) len: u64,
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
    /// A long list is checked in two halves at once, the second on a
    /// thread of its own: the stats are independent, and a start that
    /// waits for this waits half as long when a second core is free.
    pub fn changed(&self) -> bool {
        let check = |entries: &[(PathBuf, Option<Stamp>)]| {
            let mut near = NearStat::default();
            entries
                .iter()
                .any(|(path, stamp)| near.stamp(path) != *stamp)
        };
        if self.entries.len() < SPLIT_CHECK_AT {
            return check(&self.entries);
        }
        let (first, second) = self.entries.split_at(self.entries.len() / 2);
        std::thread::scope(|scope| {
            let other = std::thread::Builder::new()
                .name("skills-check".into())
                .stack_size(64 * 1024)
                .spawn_scoped(scope, || check(second));
            match other {
                Ok(other) => {
                    let here = check(first);
                    // A panic in the other half's stats is a change: walk.
                    other.join().unwrap_or(true) || here
                }
                Err(_) => check(first) || check(second),
            }
        })
    }

    /// [`Fingerprint::changed`] on this thread alone, however long the
    /// list (for the load benchmark's comparison).
    #[doc(hidden)]
    pub fn changed_on_one_thread(&self) -> bool {
        let mut near = NearStat::default();
        self.entries
            .iter()
            .any(|(path, stamp)| near.stamp(path) != *stamp)
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

/// Stats a path relative to its grandparent folder, opened once for all
/// its entries (`O_PATH`): the kernel then resolves two names instead of
/// the whole path, about a quarter of a check of 500 skills (measured:
/// 1.22 ms against 1.59 ms for 1,051 paths). Same answers as
/// `fs::metadata` (symbolic links followed). The walk lists a folder's
/// entries together, so the few folders opened last are kept at hand.
#[derive(Default)]
struct NearStat {
    /// Opened folders, the most recent last.
    bases: Vec<(PathBuf, Option<OwnedFd>)>,
    /// The relative path, NUL-terminated (reused).
    name: Vec<u8>,
}

/// Folders kept open at once.
const OPEN_BASES: usize = 8;

/// From this many watched paths on, [`Fingerprint::changed`] checks in two
/// halves at once.
const SPLIT_CHECK_AT: usize = 400;

impl NearStat {
    fn stamp(&mut self, path: &Path) -> Option<Stamp> {
        // Byte-wise: `Path`'s own parent and comparison walk components,
        // which costs as much as the kernel's lookup saved.
        let bytes = path.as_os_str().as_bytes();
        let split = bytes
            .iter()
            .rposition(|&b| b == b'/')
            .and_then(|last| bytes[..last].iter().rposition(|&b| b == b'/'))
            .filter(|&at| at > 0 && !bytes.contains(&0));
        let Some(at) = split else {
            return Stamp::read(path);
        };
        let (base, relative) = (&bytes[..at], &bytes[at + 1..]);
        let index = match self
            .bases
            .iter()
            .rposition(|(b, _)| b.as_os_str().as_bytes() == base)
        {
            Some(index) => index,
            None => {
                if self.bases.len() == OPEN_BASES {
                    self.bases.remove(0);
                }
                let base = PathBuf::from(std::ffi::OsStr::from_bytes(base));
                let fd = open_path(&base);
                self.bases.push((base, fd));
                self.bases.len() - 1
            }
        };
        let Some(fd) = self.bases[index].1.as_ref() else {
            return Stamp::read(path);
        };
        let bytes = relative;
        self.name.clear();
        self.name.extend_from_slice(bytes);
        self.name.push(0);
        // SAFETY: an all-zero `stat` is a valid value of this plain C
        // struct, which `fstatat` overwrites.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: `fd` is an open descriptor owned by `self`, `self.name`
        // NUL-terminated without an inner NUL, and `st` a writable `stat`.
        let rc = unsafe {
            libc::fstatat(
                fd.as_raw_fd(),
                self.name.as_ptr().cast::<libc::c_char>(),
                &mut st,
                0,
            )
        };
        (rc == 0).then(|| Stamp {
            ino: st.st_ino,
            mtime_ns: i128::from(st.st_mtime) * 1_000_000_000 + i128::from(st.st_mtime_nsec),
            len: u64::try_from(st.st_size).unwrap_or(0),
        })
    }
}

/// An `O_PATH` descriptor of the folder `dir`, if it opens.
fn open_path(dir: &Path) -> Option<OwnedFd> {
    let path = CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: `path` is NUL-terminated; the flags ask for a path-only
    // descriptor of a folder, closed on exec.
    let fd = unsafe {
        libc::open(
            path.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    // SAFETY: a non-negative return is a descriptor this call opened and
    // nobody else owns.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
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
            let mut skill_file = None;
            let mut has_agents = false;
            for entry in entries.flatten() {
                let name = entry.file_name();
                if name.as_encoded_bytes().starts_with(b".") {
                    continue;
                }
                let Ok(file_type) = entry.file_type() else {
                    continue;
                };
                // `DirEntry::metadata` stats relative to the open folder,
                // which spares the kernel a walk of the whole path.
                let meta = if file_type.is_symlink() {
                    fs::metadata(entry.path())
                } else {
                    entry.metadata()
                };
                let Ok(meta) = meta else {
                    continue;
                };
                if meta.is_dir() {
                    has_agents |= name == "agents";
                    if depth < MAX_DEPTH {
                        subdirs.push((entry.path(), meta));
                    }
                } else if meta.is_file() && name == SKILL_FILE {
                    skill_file = Some(entry.path());
                }
            }
            if let Some(path) = skill_file {
                self.skill(index, root, &path, has_agents);
            }
            for (sub, meta) in subdirs {
                if self.entered.insert((meta.dev(), meta.ino())) {
                    self.fingerprint.push(&sub, Some(Stamp::of(&meta)));
                    stack.push((sub, depth + 1));
                }
            }
        }
    }

    /// Loads the `SKILL.md` at `path`; `has_agents`: its folder has an
    /// `agents/` folder (which may hold `openai.yaml`).
    fn skill(&mut self, root_index: usize, root: &SkillRoot, path: &Path, has_agents: bool) {
        // One open: the stamp and the text come from the same descriptor.
        let read = fs::File::open(path).and_then(|mut file| {
            let meta = file.metadata()?;
            let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
            std::io::Read::read_to_end(&mut file, &mut bytes)?;
            Ok((meta, bytes))
        });
        let (meta, bytes) = match read {
            Ok(read) => read,
            Err(err) => {
                self.errors.push(SkillLoadError {
                    path: path.to_path_buf(),
                    line: None,
                    message: format!("cannot read it: {err}"),
                });
                return;
            }
        };
        if !self.read.insert((meta.dev(), meta.ino())) {
            return;
        }
        self.fingerprint.push(path, Some(Stamp::of(&meta)));
        let Ok(text) = String::from_utf8(bytes) else {
            self.errors.push(SkillLoadError {
                path: path.to_path_buf(),
                line: None,
                message: "not UTF-8 text".to_string(),
            });
            return;
        };
        match parse_skill_file(path, &text) {
            Ok(front) => {
                let policy = path
                    .parent()
                    .filter(|_| has_agents)
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

    /// A fingerprint long enough to be checked in two halves sees a
    /// change in either half, and none when nothing changed.
    #[test]
    fn a_long_fingerprint_checked_in_halves_sees_changes_in_either() {
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path().join("skills");
        for n in 0..SPLIT_CHECK_AT {
            write_skill(&r.join(format!("s{n:03}")), &format!("s{n:03}"), "d");
        }
        let roots = [root(&r, SkillScope::User)];
        let (_, fp) = discover(&roots);
        assert!(fp.len() >= SPLIT_CHECK_AT);
        assert!(!fp.changed());
        let (first, last) = (&fp.entries[1].0, &fp.entries[fp.len() - 1].0);
        for path in [first.clone(), last.clone()] {
            let (_, fp) = discover(&roots);
            if path.ends_with(SKILL_FILE) {
                fs::write(&path, "---\nname: x\ndescription: edited\n---\n").unwrap();
            } else {
                fs::create_dir(path.join("new")).unwrap();
            }
            assert!(fp.changed(), "{}", path.display());
        }
    }

    #[test]
    fn near_stats_answer_as_metadata_does() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("a/b/c")).unwrap();
        std::fs::write(root.join("a/b/c/SKILL.md"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("a/b"), root.join("a/link")).unwrap();
        let mut near = NearStat::default();
        for path in [
            root.join("a"),
            root.join("a/b"),
            root.join("a/b/c"),
            root.join("a/b/c/SKILL.md"),
            root.join("a/link/c/SKILL.md"),
            root.join("a/b/missing"),
            root.join("gone/x/y"),
            PathBuf::from("/"),
        ] {
            assert_eq!(near.stamp(&path), Stamp::read(&path), "{}", path.display());
        }
        assert!(near.stamp(&root.join("a/b/c/SKILL.md")).is_some());
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
