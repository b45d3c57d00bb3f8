//! Which paths of a working tree changed since the last snapshot, from the
//! kernel (inotify), so a snapshot asks git about those paths only instead
//! of walking (and `lstat`ing) the whole tree.
//!
//! Every directory of the tree is watched except `.git` and the
//! directories git reports as wholly untracked and ignored (`target/`,
//! `node_modules/`, ...): changes there never reach a snapshot. A new
//! directory is watched as its creation is read, and is itself marked
//! changed, so whatever appeared in it before its watch is asked about too.
//! The kernel queues an event during the call that changes a file, so
//! draining the queue when a snapshot starts sees every change made before.
//!
//! Whenever the events cannot say exactly what changed — the queue
//! overflowed, a watched directory moved (the paths of its watches are
//! stale), a `.gitignore` or the repository's exclude file changed (files
//! nobody touched may have stopped being ignored), too many paths, a watch
//! could not be added — the answer is "unknown" and the snapshot walks the
//! whole tree as before; the watcher is then rebuilt. So the watcher can
//! only make a snapshot cheaper, never wrong. What it cannot see (as git's
//! own fsmonitor cannot): writes through a shared memory mapping, and
//! changes made on another machine to a network file system.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Past this many changed paths a snapshot walks the tree: a long list of
/// pathspecs costs git more than a walk.
const MAX_CHANGED: usize = 1_000;
/// A tree needing more watches than this is walked instead (each watch
/// costs the kernel about 1 KiB, and the user's other tools share the
/// per-user limit).
const MAX_WATCHES: usize = 20_000;
/// Watchers one process keeps at a time (one per session in a git
/// repository): inotify instances are a per-user limit (128 by default)
/// that editors and build tools need too. Past it, snapshots walk.
const MAX_WATCHERS: usize = 8;

/// What changed since the watcher was last asked.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Changes {
    /// These paths (files or directories, relative to the top), and
    /// possibly only some of them.
    Paths(Vec<PathBuf>),
    /// Anything may have changed: walk the tree.
    Unknown,
}

#[cfg(target_os = "linux")]
pub(crate) use linux::Watcher;

#[cfg(not(target_os = "linux"))]
pub(crate) use other::Watcher;

#[cfg(not(target_os = "linux"))]
mod other {
    use super::Changes;
    use std::path::Path;

    /// Without inotify every snapshot walks the tree.
    #[derive(Debug)]
    pub(crate) struct Watcher;

    impl Watcher {
        pub(crate) fn start(_top: &Path, _git_dir: &Path, _skip: &[String]) -> Option<Self> {
            None
        }

        pub(crate) fn take(&mut self) -> Changes {
            Changes::Unknown
        }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::*;
    use crate::git_files::Stamps;
    use std::ffi::{CString, OsStr};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Watchers alive in this process.
    static WATCHERS: AtomicUsize = AtomicUsize::new(0);

    const DIR_EVENTS: u32 = libc::IN_MODIFY
        | libc::IN_ATTRIB
        | libc::IN_CLOSE_WRITE
        | libc::IN_CREATE
        | libc::IN_DELETE
        | libc::IN_MOVED_FROM
        | libc::IN_MOVED_TO
        | libc::IN_DELETE_SELF
        | libc::IN_MOVE_SELF
        | libc::IN_ONLYDIR
        | libc::IN_DONT_FOLLOW;

    /// The inotify watches of one working tree and what they reported.
    #[derive(Debug)]
    pub(crate) struct Watcher {
        /// The count of live watchers this one is in.
        count: &'static AtomicUsize,
        fd: OwnedFd,
        top: PathBuf,
        /// Watch descriptor → the directory it watches, relative to `top`.
        dirs: HashMap<i32, PathBuf>,
        /// Embedded repositories: their files are their own git's, but a
        /// submodule's checked-out commit is the tree's, and it changes
        /// inside a `.git` nobody watches: every snapshot asks about them.
        embedded: Vec<PathBuf>,
        changed: BTreeSet<PathBuf>,
        /// The events could not say what changed.
        lost: bool,
        /// The exclude files git reads besides `.gitignore`, with the time
        /// each had when the watcher started.
        excludes: Stamps,
    }

    impl Watcher {
        /// Watches the tree at `top`, except `.git` and `skip` (paths of
        /// wholly ignored directories relative to `top`, as git lists them
        /// with a trailing `/`). `None` when inotify is not available or
        /// the tree needs too many watches: snapshots then walk the tree.
        pub(crate) fn start(top: &Path, git_dir: &Path, skip: &[String]) -> Option<Self> {
            Self::start_counted(top, git_dir, skip, &WATCHERS)
        }

        /// [`Self::start`], counted in `count` (tests count apart from the
        /// snapshots that run beside them).
        pub(super) fn start_counted(
            top: &Path,
            git_dir: &Path,
            skip: &[String],
            count: &'static AtomicUsize,
        ) -> Option<Self> {
            if !claim(count) {
                return None;
            }
            // From here on the count is given back by Drop, or below.
            // SAFETY: inotify_init1 takes flags only; a valid result is a
            // new descriptor that the OwnedFd below then owns.
            let raw = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
            if raw < 0 {
                count.fetch_sub(1, Ordering::SeqCst);
                return None;
            }
            // SAFETY: `raw` is a descriptor we just opened and own.
            let fd = unsafe { OwnedFd::from_raw_fd(raw) };
            let excludes = Stamps::of(exclude_files(git_dir));
            let mut watcher = Self {
                count,
                fd,
                top: top.to_path_buf(),
                dirs: HashMap::new(),
                embedded: Vec::new(),
                changed: BTreeSet::new(),
                lost: false,
                excludes,
            };
            let skip: Vec<PathBuf> = skip
                .iter()
                .map(|s| PathBuf::from(s.trim_end_matches('/')))
                .collect();
            // What changes from here on is queued; the snapshot that starts
            // the watcher walks the tree after this.
            watcher.watch_tree(PathBuf::new(), &skip);
            (!watcher.lost).then_some(watcher)
        }

        /// What changed since the last call.
        pub(crate) fn take(&mut self) -> Changes {
            self.drain();
            if self.excludes.changed() {
                self.lost = true;
            }
            if self.lost || self.changed.len() > MAX_CHANGED {
                return Changes::Unknown;
            }
            let mut paths: Vec<PathBuf> = std::mem::take(&mut self.changed).into_iter().collect();
            // Their checked-out commit can change with no event here.
            paths.extend(self.embedded.iter().cloned());
            Changes::Paths(paths)
        }

        /// Adds a watch on `rel` and every directory below it (not
        /// following symbolic links, not entering `.git` or `skip`).
        fn watch_tree(&mut self, rel: PathBuf, skip: &[PathBuf]) {
            let mut pending = vec![rel];
            while let Some(rel) = pending.pop() {
                if self.lost {
                    return;
                }
                if self.dirs.len() >= MAX_WATCHES {
                    self.lost = true;
                    return;
                }
                let full = self.top.join(&rel);
                let Ok(name) = CString::new(full.as_os_str().as_bytes()) else {
                    self.lost = true;
                    return;
                };
                // The watch comes before the listing: a directory created
                // in between is both listed and reported (twice is fine;
                // never is not).
                // SAFETY: the descriptor is ours and `name` a valid C string.
                let wd = unsafe {
                    libc::inotify_add_watch(self.fd.as_raw_fd(), name.as_ptr(), DIR_EVENTS)
                };
                if wd < 0 {
                    let gone = std::io::Error::last_os_error().raw_os_error();
                    // A directory removed or replaced before its watch: its
                    // parent reported that, so nothing is missed.
                    if matches!(gone, Some(libc::ENOENT) | Some(libc::ENOTDIR))
                        && !rel.as_os_str().is_empty()
                    {
                        continue;
                    }
                    self.lost = true;
                    return;
                }
                self.dirs.insert(wd, rel.clone());
                let Ok(entries) = std::fs::read_dir(&full) else {
                    continue;
                };
                let mut subdirs = Vec::new();
                for entry in entries.flatten() {
                    let name = entry.file_name();
                    if name == ".git" {
                        if !rel.as_os_str().is_empty() {
                            // An embedded repository: its files are its own.
                            self.embedded.push(rel.clone());
                            subdirs.clear();
                            break;
                        }
                        continue;
                    }
                    if entry.file_type().is_ok_and(|t| t.is_dir()) {
                        let sub = rel.join(&name);
                        if !skip.contains(&sub) {
                            subdirs.push(sub);
                        }
                    }
                }
                pending.extend(subdirs);
            }
        }

        /// Reads every queued event.
        fn drain(&mut self) {
            // Aligned for `inotify_event`; big enough for many events.
            let mut buf = vec![0u64; 8192];
            loop {
                let len = std::mem::size_of_val(buf.as_slice());
                // SAFETY: reads at most `len` bytes into `buf`, which we own.
                let read = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), len) };
                if read <= 0 {
                    // EAGAIN: the queue is empty. Any other error: the
                    // events are unknown.
                    if read < 0 {
                        let err = std::io::Error::last_os_error();
                        if err.kind() == std::io::ErrorKind::Interrupted {
                            continue;
                        }
                        if err.kind() != std::io::ErrorKind::WouldBlock {
                            self.lost = true;
                        }
                    }
                    return;
                }
                let bytes: &[u8] = bytemuck_u8(&buf, read as usize);
                let mut offset = 0;
                let header = std::mem::size_of::<libc::inotify_event>();
                while offset + header <= bytes.len() {
                    // SAFETY: the kernel wrote a whole event at `offset`
                    // (events are never split across reads); read_unaligned
                    // does not rely on the alignment of a name-padded
                    // event.
                    let event: libc::inotify_event =
                        unsafe { std::ptr::read_unaligned(bytes[offset..].as_ptr().cast()) };
                    let name_end = (offset + header + event.len as usize).min(bytes.len());
                    let name = &bytes[offset + header..name_end];
                    let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
                    self.event(event.wd, event.mask, OsStr::from_bytes(name));
                    offset = name_end;
                }
            }
        }

        fn event(&mut self, wd: i32, mask: u32, name: &OsStr) {
            if mask & (libc::IN_Q_OVERFLOW | libc::IN_UNMOUNT | libc::IN_MOVE_SELF) != 0 {
                self.lost = true;
                return;
            }
            let Some(dir) = self.dirs.get(&wd).cloned() else {
                return;
            };
            if mask & libc::IN_IGNORED != 0 {
                self.dirs.remove(&wd);
                if dir.as_os_str().is_empty() {
                    self.lost = true;
                }
                return;
            }
            if name.is_empty() {
                // About the directory itself (deleted, or its mode changed);
                // the top one has no path to ask git about but the tree.
                if dir.as_os_str().is_empty() {
                    self.lost = true;
                } else {
                    self.changed.insert(dir);
                }
                return;
            }
            if name == ".git" && dir.as_os_str().is_empty() {
                // The repository's own directory, never in a snapshot.
                return;
            }
            if name == ".gitignore" || name == ".git" {
                // Files nobody touched may now be ignored or not, or a
                // directory became (or stopped being) a repository of its own.
                self.lost = true;
                return;
            }
            let path = dir.join(name);
            if mask & libc::IN_ISDIR != 0 {
                if mask & libc::IN_MOVED_FROM != 0 {
                    // The watches below it now name the wrong paths.
                    self.lost = true;
                    return;
                }
                if mask & (libc::IN_CREATE | libc::IN_MOVED_TO) != 0 {
                    self.watch_tree(path.clone(), &[]);
                }
            }
            if self.changed.len() <= MAX_CHANGED {
                self.changed.insert(path);
            }
        }
    }

    /// Takes one of the process's places for a watcher, if one is left.
    pub(super) fn claim(count: &AtomicUsize) -> bool {
        count
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < MAX_WATCHERS).then_some(n + 1)
            })
            .is_ok()
    }

    impl Drop for Watcher {
        fn drop(&mut self) {
            self.count.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// The bytes of the first `len` bytes of `buf`.
    fn bytemuck_u8(buf: &[u64], len: usize) -> &[u8] {
        // SAFETY: u64s are plain bytes, `len` is at most their size (the
        // kernel wrote no more than we asked), and the borrow outlives
        // nothing of `buf`.
        unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), len.min(buf.len() * 8)) }
    }

    /// The exclude files git reads besides the tree's `.gitignore` files:
    /// the repository's `info/exclude` and the user's global one (at its
    /// default place; a `core.excludesFile` elsewhere is not watched).
    fn exclude_files(git_dir: &Path) -> Vec<PathBuf> {
        let mut files = vec![git_dir.join("info").join("exclude")];
        if let Some(config) = crate::git_files::user_git_config_dir() {
            files.push(config.join("ignore"));
        }
        files
    }
}

#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use super::*;

    /// The watchers of these tests, apart from the snapshot tests' ones.
    static TEST_WATCHERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    fn watch(top: &Path) -> Watcher {
        watch_skipping(top, &[])
    }

    fn watch_skipping(top: &Path, skip: &[String]) -> Watcher {
        Watcher::start_counted(top, &top.join(".git"), skip, &TEST_WATCHERS).unwrap()
    }

    fn paths(changes: Changes) -> Vec<String> {
        match changes {
            Changes::Paths(paths) => paths
                .into_iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
            Changes::Unknown => vec!["<unknown>".into()],
        }
    }

    #[test]
    fn reports_the_paths_that_changed_and_new_directories() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        std::fs::create_dir_all(top.join("src/deep")).unwrap();
        std::fs::create_dir_all(top.join("target/debug")).unwrap();
        std::fs::create_dir_all(top.join(".git")).unwrap();
        std::fs::write(top.join("src/deep/a.rs"), "a").unwrap();
        let mut watcher = watch_skipping(top, &["target/".into()]);
        assert_eq!(paths(watcher.take()), Vec::<String>::new());

        std::fs::write(top.join("src/deep/a.rs"), "changed").unwrap();
        std::fs::write(top.join("target/debug/out"), "ignored").unwrap();
        std::fs::write(top.join(".git/HEAD"), "git's own").unwrap();
        std::fs::create_dir_all(top.join("new/inner")).unwrap();
        assert_eq!(paths(watcher.take()), vec!["new", "src/deep/a.rs"]);

        // The new directory is watched from now on.
        std::fs::write(top.join("new/inner/b.rs"), "b").unwrap();
        std::fs::remove_file(top.join("src/deep/a.rs")).unwrap();
        assert_eq!(
            paths(watcher.take()),
            vec!["new/inner/b.rs", "src/deep/a.rs"]
        );
        assert_eq!(paths(watcher.take()), Vec::<String>::new());
    }

    #[test]
    fn a_moved_directory_or_a_changed_gitignore_makes_the_changes_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        std::fs::create_dir_all(top.join("a/b")).unwrap();
        let mut watcher = watch(top);
        std::fs::rename(top.join("a"), top.join("c")).unwrap();
        assert_eq!(watcher.take(), Changes::Unknown);

        let mut watcher = watch(top);
        std::fs::write(top.join("c/.gitignore"), "*.log\n").unwrap();
        assert_eq!(watcher.take(), Changes::Unknown);

        // The top directory itself: no path to name but the whole tree.
        use std::os::unix::fs::PermissionsExt;
        let mut watcher = watch(top);
        std::fs::set_permissions(top, std::fs::Permissions::from_mode(0o750)).unwrap();
        assert_eq!(watcher.take(), Changes::Unknown);
    }

    #[test]
    fn a_process_keeps_a_few_watchers_at_most() {
        // A counter of its own: the process's is shared with other tests.
        let count = std::sync::atomic::AtomicUsize::new(0);
        for _ in 0..MAX_WATCHERS {
            assert!(linux::claim(&count));
        }
        assert!(!linux::claim(&count));
        count.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        assert!(linux::claim(&count));
    }

    #[test]
    fn an_embedded_repository_is_asked_about_with_every_change() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        std::fs::create_dir_all(top.join("vendor/lib/.git")).unwrap();
        let mut watcher = watch(top);
        std::fs::write(top.join("x"), "x").unwrap();
        assert_eq!(paths(watcher.take()), vec!["x", "vendor/lib"]);
    }
}
