//! Long-lived git processes that answer requests over pipes: reading
//! objects (`cat-file --batch`), hashing files into blobs (`hash-object -w
//! --stdin-paths`), writing trees and commits (`hash-object -t tree`, `-t
//! commit`, from scratch files), moving a ref (`update-ref --stdin`).
//!
//! Why: a snapshot of a few changed files is a few dozen small object
//! reads and writes, and starting a git process costs more than all of
//! them (about 1.5 ms of CPU each, most of it the dynamic loader and
//! reading the configuration). A process kept for the session answers a
//! request in 0.1–0.2 ms, and needs no index, so nothing reads or rewrites
//! the 800 KB index of a large repository either.
//!
//! Requests go in batches (one round trip for many) small enough that
//! neither side can wait on a full pipe ([`REQUESTS_PER_WRITE`]). An answer that does not come (the
//! process died, its pipe closed) or does not parse is an error: the
//! snapshot is then made again from scratch with one-shot processes. The
//! processes start when first needed, with the same environment as every
//! other git run of this crate, and their stderr goes nowhere (what they
//! would complain about, the one-shot retry reports). Dropping one closes
//! its stdin and waits for it: git exits at the end of its input, so even
//! a codex that is killed leaves none behind (the kernel closes the pipes).
//!
//! A process reads the configuration and the `.gitattributes` files once,
//! so [`GitProcesses`] starts them again when a configuration file git
//! reads has changed since (the caller restarts them when a
//! `.gitattributes` changes in the tree).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};

use crate::git_files::{Stamps, common_dir, user_git_config_dir};

/// One git process answering requests on its stdout.
#[derive(Debug)]
struct BatchProcess {
    /// The git command, for error messages.
    name: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Option<BufReader<ChildStdout>>,
}

impl BatchProcess {
    fn start(cwd: &Path, name: &'static str, args: &[&str]) -> Result<Self, String> {
        use std::os::unix::process::CommandExt;
        let mut cmd = crate::ghost::command(cwd, None, args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // A group of its own: a Ctrl-C at the terminal is for codex,
            // which decides what stops; these end with their input.
            .process_group(0);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot run git {name}: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().map(BufReader::new);
        Ok(Self {
            name,
            child,
            stdin,
            stdout,
        })
    }

    fn send(&mut self, request: &[u8]) -> Result<(), String> {
        let name = self.name;
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| format!("git {name} is closed"))?;
        stdin
            .write_all(request)
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("git {name} stopped reading: {e}"))
    }

    fn stdout(&mut self) -> Result<&mut BufReader<ChildStdout>, String> {
        let name = self.name;
        self.stdout
            .as_mut()
            .ok_or_else(|| format!("git {name} is closed"))
    }

    /// One line of the answer, without its newline.
    fn read_line(&mut self) -> Result<Vec<u8>, String> {
        let name = self.name;
        let mut line = Vec::new();
        self.stdout()?
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("cannot read git {name}: {e}"))?;
        if line.pop() != Some(b'\n') {
            return Err(format!("git {name} stopped answering"));
        }
        Ok(line)
    }

    /// An answer that is one object id.
    fn read_id(&mut self) -> Result<String, String> {
        let line = self.read_line()?;
        let id = String::from_utf8(line).ok().filter(|id| is_object_id(id));
        id.ok_or_else(|| format!("git {} gave no object id", self.name))
    }

    fn read_exact(&mut self, len: usize) -> Result<Vec<u8>, String> {
        let name = self.name;
        let mut bytes = vec![0; len];
        self.stdout()?
            .read_exact(&mut bytes)
            .map_err(|e| format!("git {name} stopped answering: {e}"))?;
        Ok(bytes)
    }

    #[cfg(test)]
    fn id(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for BatchProcess {
    fn drop(&mut self) {
        // The end of its input ends it; a closed stdout ends it too if it
        // was writing an answer nobody will read.
        drop(self.stdin.take());
        drop(self.stdout.take());
        let _ = self.child.wait();
    }
}

/// Requests sent in one write before their answers are read (one round
/// trip for many). Neither side can then wait on the other forever: where
/// the answers are an id a line (hash-object), 50 of them fit in
/// one 4 KiB page, the smallest pipe buffer Linux gives (to a user past its
/// pipe limit), so git never waits on its stdout while we write; where the
/// answers are large (cat-file), the requests are an id a line, so our
/// write never waits on git.
const REQUESTS_PER_WRITE: usize = 50;

/// The answer of `cat-file --batch` about `id`.
fn read_object(process: &mut BatchProcess, id: &str) -> Result<Option<Object>, String> {
    let header = String::from_utf8(process.read_line()?)
        .map_err(|_| "git cat-file gave a header that is not text".to_string())?;
    let mut fields = header.split(' ');
    let (Some(answered), Some(kind)) = (fields.next(), fields.next()) else {
        return Err(format!("git cat-file gave an odd header: {header}"));
    };
    if answered != id {
        return Err(format!("git cat-file answered {answered} for {id}"));
    }
    if kind == "missing" {
        return Ok(None);
    }
    let size: usize = fields
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("git cat-file gave an odd header: {header}"))?;
    let mut body = process.read_exact(size + 1)?;
    // The content is followed by a newline.
    if body.pop() != Some(b'\n') {
        return Err(format!("git cat-file gave an odd object {id}"));
    }
    Ok(Some(Object {
        kind: kind.to_string(),
        id_len: answered.len(),
        body,
    }))
}

/// A hexadecimal object id (SHA-1 or SHA-256).
pub(crate) fn is_object_id(id: &str) -> bool {
    matches!(id.len(), 40 | 64) && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A file or a path that cannot go on one line of `--stdin-paths`
/// (a newline ends it; a leading quote makes git unquote it).
pub(crate) fn fits_a_line(path: &[u8]) -> bool {
    !path.contains(&b'\n') && path.first() != Some(&b'"')
}

/// The long-lived git processes of one repository, each started when
/// first needed.
#[derive(Debug)]
pub(crate) struct GitProcesses {
    top: PathBuf,
    /// Where scratch files start (`<this>.object-<n>`): a path private to
    /// this repository's snapshots, that git can read on a line.
    scratch: PathBuf,
    /// Scratch files written so far (`.object-0` up to this).
    scratch_files: usize,
    /// The configuration files git reads, with their times when the
    /// processes started.
    config: Stamps,
    objects: Option<BatchProcess>,
    blobs: Option<BatchProcess>,
    trees: Option<BatchProcess>,
    commits: Option<BatchProcess>,
    refs: Option<BatchProcess>,
}

/// An object read from the repository.
pub(crate) struct Object {
    pub(crate) kind: String,
    /// The length of its id in hexadecimal (40 for SHA-1, 64 for SHA-256).
    pub(crate) id_len: usize,
    pub(crate) body: Vec<u8>,
}

impl GitProcesses {
    /// The processes of the repository at `top`, with scratch files
    /// named from `scratch` (`None` if git could not read their paths).
    pub(crate) fn new(top: &Path, git_dir: &Path, scratch: &Path) -> Option<Self> {
        use std::os::unix::ffi::OsStrExt;
        if !fits_a_line(scratch.as_os_str().as_bytes()) {
            return None;
        }
        let config = Stamps::of(config_files(git_dir));
        Some(Self {
            top: top.to_path_buf(),
            scratch: scratch.to_path_buf(),
            scratch_files: 0,
            config,
            objects: None,
            blobs: None,
            trees: None,
            commits: None,
            refs: None,
        })
    }

    /// Whether a configuration file changed since the processes started
    /// (they read it once): a new [`GitProcesses`] is then needed.
    pub(crate) fn stale(&self) -> bool {
        self.config.changed()
    }

    /// Ends the process that hashes files, so the next one reads the
    /// `.gitattributes` files again.
    pub(crate) fn restart_blobs(&mut self) {
        self.blobs = None;
    }

    fn process<'a>(
        slot: &'a mut Option<BatchProcess>,
        top: &Path,
        name: &'static str,
        args: &[&str],
    ) -> Result<&'a mut BatchProcess, String> {
        if slot.is_none() {
            *slot = Some(BatchProcess::start(top, name, args)?);
        }
        slot.as_mut()
            .ok_or_else(|| format!("git {name} did not start"))
    }

    /// The object `id`, or `None` when the repository does not have it.
    pub(crate) fn read(&mut self, id: &str) -> Result<Option<Object>, String> {
        let mut objects = self.read_all(&[id])?;
        objects
            .pop()
            .ok_or_else(|| format!("git cat-file gave nothing for {id}"))
    }

    /// The objects `ids` (`None` for those the repository does not have),
    /// in the same order.
    pub(crate) fn read_all(&mut self, ids: &[&str]) -> Result<Vec<Option<Object>>, String> {
        let process = Self::process(
            &mut self.objects,
            &self.top,
            "cat-file",
            &["cat-file", "--batch"],
        )?;
        let mut objects = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(REQUESTS_PER_WRITE) {
            let mut request = String::new();
            for id in chunk {
                request.push_str(id);
                request.push('\n');
            }
            process.send(request.as_bytes())?;
            for id in chunk {
                objects.push(read_object(process, id)?);
            }
        }
        Ok(objects)
    }

    /// Hashes the files `paths` (relative to the top, through the clean
    /// filters their attributes name, as `update-index` would) into blobs;
    /// returns their ids in the same order.
    pub(crate) fn hash_files(&mut self, paths: &[&[u8]]) -> Result<Vec<String>, String> {
        if let Some(path) = paths.iter().find(|p| !fits_a_line(p)) {
            return Err(format!(
                "{} cannot be named to git hash-object",
                String::from_utf8_lossy(path)
            ));
        }
        let process = Self::process(
            &mut self.blobs,
            &self.top,
            "hash-object",
            &["hash-object", "-w", "--stdin-paths"],
        )?;
        let mut ids = Vec::with_capacity(paths.len());
        // Many paths to a write, their answers read after: one round trip
        // instead of one a file.
        for chunk in paths.chunks(REQUESTS_PER_WRITE) {
            let mut request = Vec::new();
            for path in chunk {
                request.extend_from_slice(path);
                request.push(b'\n');
            }
            process.send(&request)?;
            for _ in chunk {
                ids.push(process.read_id()?);
            }
        }
        Ok(ids)
    }

    /// Writes the trees of `entries` (in any order); returns their ids in
    /// the same order.
    pub(crate) fn write_trees(&mut self, trees: &[&[TreeEntry]]) -> Result<Vec<String>, String> {
        let bodies: Vec<Vec<u8>> = trees.iter().map(|entries| tree_body(entries)).collect();
        self.write_objects("tree", &bodies)
    }

    /// Writes the commit object `text`; returns its id.
    pub(crate) fn write_commit(&mut self, text: &str) -> Result<String, String> {
        let mut ids = self.write_objects("commit", &[text.as_bytes().to_vec()])?;
        ids.pop()
            .ok_or_else(|| "git hash-object wrote no commit".to_string())
    }

    /// Writes objects of `kind` (a tree or a commit) with `bodies`,
    /// through private scratch files beside the index (removed with the
    /// processes): `hash-object` takes paths on a pipe, not contents, and
    /// checks the object's format. (`mktree --batch` takes a tree's
    /// entries on the pipe, but looks each entry up in the object store:
    /// 2.9 ms of a snapshot in the benchmark's packed 10,000-file
    /// repository, against 1.1 ms this way.)
    fn write_objects(
        &mut self,
        kind: &'static str,
        bodies: &[Vec<u8>],
    ) -> Result<Vec<String>, String> {
        use std::os::unix::ffi::OsStrExt;
        let slot = if kind == "tree" {
            &mut self.trees
        } else {
            &mut self.commits
        };
        let process = Self::process(
            slot,
            &self.top,
            "hash-object",
            // The object is checked (its format), never filtered.
            &[
                "hash-object",
                "-w",
                "-t",
                kind,
                "--no-filters",
                "--stdin-paths",
            ],
        )?;
        let mut ids = Vec::with_capacity(bodies.len());
        for chunk in bodies.chunks(REQUESTS_PER_WRITE) {
            let mut request = Vec::new();
            for (n, body) in chunk.iter().enumerate() {
                let file = scratch_file(&self.scratch, n);
                // Created once, then overwritten in place and cut to
                // length: emptying a file first (O_TRUNC) makes ext4 flush
                // its data, ten times the cost of the write.
                self.scratch_files = self.scratch_files.max(n + 1);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create(true);
                codex_config::private_file::open(&file, &mut options)
                    .and_then(|mut out| {
                        out.write_all(body)?;
                        out.set_len(body.len() as u64)
                    })
                    .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
                request.extend_from_slice(file.as_os_str().as_bytes());
                request.push(b'\n');
            }
            process.send(&request)?;
            for _ in chunk {
                ids.push(process.read_id()?);
            }
        }
        Ok(ids)
    }

    /// Points the ref `name` at `id`: one transaction of a long-lived
    /// `update-ref --stdin` (git checks that the object exists).
    pub(crate) fn update_ref(&mut self, name: &str, id: &str) -> Result<(), String> {
        if !is_object_id(id)
            || name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(format!("cannot point {name} at {id}"));
        }
        let process = Self::process(
            &mut self.refs,
            &self.top,
            "update-ref",
            &["update-ref", "--stdin"],
        )?;
        let moved = process
            .send(format!("start\nupdate {name} {id}\ncommit\n").as_bytes())
            .and_then(|()| {
                for expected in ["start: ok", "commit: ok"] {
                    let line = process.read_line()?;
                    if line != expected.as_bytes() {
                        return Err(format!(
                            "git update-ref answered {}",
                            String::from_utf8_lossy(&line)
                        ));
                    }
                }
                Ok(())
            });
        if moved.is_err() {
            // Most likely it died on the error (a lock held elsewhere, a
            // git too old for transactions): the next call starts another.
            self.refs = None;
        }
        moved
    }

    /// The ids of the processes running (for tests that look for them).
    #[cfg(test)]
    pub(crate) fn ids(&self) -> Vec<u32> {
        [
            &self.objects,
            &self.blobs,
            &self.trees,
            &self.commits,
            &self.refs,
        ]
        .into_iter()
        .flatten()
        .map(BatchProcess::id)
        .collect()
    }
}

impl Drop for GitProcesses {
    fn drop(&mut self) {
        for n in 0..self.scratch_files {
            let _ = std::fs::remove_file(scratch_file(&self.scratch, n));
        }
    }
}

/// The `n`th scratch file of the processes whose files start with
/// `scratch`.
fn scratch_file(scratch: &Path, n: usize) -> PathBuf {
    let mut name = scratch.as_os_str().to_os_string();
    name.push(format!(".object-{n}"));
    PathBuf::from(name)
}

/// One entry of a tree object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeEntry {
    pub(crate) mode: u32,
    pub(crate) name: Vec<u8>,
    pub(crate) id: ObjectId,
}

/// An object's id as git stores it in a tree (20 bytes for SHA-1, 32 for
/// SHA-256): trees are read and written with no conversion, and only the
/// few ids asked of git are spelled in hexadecimal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectId(Vec<u8>);

impl ObjectId {
    pub(crate) fn from_hex(hex: &str) -> Result<Self, String> {
        if !is_object_id(hex) {
            return Err(format!("{hex} is not an object id"));
        }
        let raw = hex
            .as_bytes()
            .chunks_exact(2)
            .map(|pair| hex_value(pair[0]) << 4 | hex_value(pair[1]))
            .collect();
        Ok(Self(raw))
    }

    pub(crate) fn to_hex(&self) -> String {
        let mut hex = String::with_capacity(self.0.len() * 2);
        for byte in &self.0 {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        hex
    }
}

pub(crate) const MODE_TYPE: u32 = 0o170000;
pub(crate) const MODE_DIR: u32 = 0o040000;
pub(crate) const MODE_FILE: u32 = 0o100644;
pub(crate) const MODE_EXECUTABLE: u32 = 0o100755;
pub(crate) const MODE_SYMLINK: u32 = 0o120000;
pub(crate) const MODE_SUBMODULE: u32 = 0o160000;

impl TreeEntry {
    pub(crate) fn is_tree(&self) -> bool {
        self.mode & MODE_TYPE == MODE_DIR
    }

    /// A file or a symbolic link (a blob).
    pub(crate) fn is_blob(&self) -> bool {
        matches!(self.mode & MODE_TYPE, 0o100000 | MODE_SYMLINK)
    }

    /// Where git sorts it in a tree: by name, a directory's as if it
    /// ended in `/`.
    pub(crate) fn tree_order(&self, other: &Self) -> std::cmp::Ordering {
        let common = self.name.len().min(other.name.len());
        // Past the common length: the next byte, or `/` for a directory's
        // end and nothing (0, below every byte of a name) for another's.
        let next = |e: &Self| match e.name.get(common) {
            Some(&byte) => byte,
            None if e.is_tree() => b'/',
            None => 0,
        };
        self.name[..common]
            .cmp(&other.name[..common])
            .then_with(|| next(self).cmp(&next(other)))
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Puts `entry` in `entries` (kept in git's order), in place of any entry
/// of the same name.
pub(crate) fn put_entry(entries: &mut Vec<TreeEntry>, entry: TreeEntry) {
    entries.retain(|e| e.name != entry.name);
    let at = entries.partition_point(|e| e.tree_order(&entry).is_lt());
    entries.insert(at, entry);
}

/// The value of a hexadecimal digit (checked before: `is_object_id`).
fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => 0,
    }
}

/// The body of a tree object of `entries` (`<octal mode> <name>\0<raw
/// id>` each, in git's order).
fn tree_body(entries: &[TreeEntry]) -> Vec<u8> {
    let mut sorted: Vec<&TreeEntry> = entries.iter().collect();
    // Usually sorted already (see `put_entry`): checking is cheaper.
    if !sorted.is_sorted_by(|a, b| a.tree_order(b).is_lt()) {
        sorted.sort_by(|a, b| a.tree_order(b));
    }
    let mut body = Vec::with_capacity(entries.len() * 48);
    for entry in sorted {
        match entry.mode {
            MODE_DIR => body.extend_from_slice(b"40000 "),
            MODE_FILE => body.extend_from_slice(b"100644 "),
            MODE_EXECUTABLE => body.extend_from_slice(b"100755 "),
            mode => body.extend_from_slice(format!("{mode:o} ").as_bytes()),
        }
        body.extend_from_slice(&entry.name);
        body.push(0);
        body.extend_from_slice(&entry.id.0);
    }
    body
}

/// The entries of a tree object's `body` (`<octal mode> <name>\0<raw
/// id>`, the raw id `id_len / 2` bytes).
pub(crate) fn parse_tree(body: &[u8], id_len: usize) -> Result<Vec<TreeEntry>, String> {
    let raw_len = id_len / 2;
    let mut entries = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let bad = || "git gave a tree it cannot have written".to_string();
        let space = rest.iter().position(|&b| b == b' ').ok_or_else(bad)?;
        let mode = std::str::from_utf8(&rest[..space])
            .ok()
            .and_then(|m| u32::from_str_radix(m, 8).ok())
            .ok_or_else(bad)?;
        rest = &rest[space + 1..];
        let nul = rest.iter().position(|&b| b == 0).ok_or_else(bad)?;
        let name = rest[..nul].to_vec();
        let raw = rest.get(nul + 1..nul + 1 + raw_len).ok_or_else(bad)?;
        let id = ObjectId(raw.to_vec());
        entries.push(TreeEntry { mode, name, id });
        rest = &rest[nul + 1 + raw_len..];
    }
    Ok(entries)
}

/// The configuration and attribute files git reads besides the tree's.
fn config_files(git_dir: &Path) -> Vec<PathBuf> {
    let common = common_dir(git_dir);
    let mut files = vec![
        common.join("config"),
        git_dir.join("config.worktree"),
        common.join("info").join("attributes"),
    ];
    if let Some(home) = std::env::var_os("HOME") {
        files.push(PathBuf::from(home).join(".gitconfig"));
    }
    if let Some(config) = user_git_config_dir() {
        files.push(config.join("config"));
        files.push(config.join("attributes"));
    }
    for var in ["GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"] {
        if let Some(path) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            files.push(PathBuf::from(path));
        }
    }
    files.push(PathBuf::from("/etc/gitconfig"));
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ghost::git;

    #[test]
    fn objects_are_read_and_written_by_processes_that_stay() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        git(top, None, &["init", "-q"]).unwrap();
        std::fs::write(top.join("a.txt"), "a\n").unwrap();
        let mut processes =
            GitProcesses::new(top, &top.join(".git"), &top.join(".git/scratch")).unwrap();
        std::fs::write(top.join("b.txt"), "b\n").unwrap();
        let blobs = processes.hash_files(&[b"a.txt", b"b.txt"]).unwrap();
        assert_eq!(
            blobs[1],
            git(top, None, &["hash-object", "b.txt"]).unwrap().trim()
        );
        let blob = blobs[0].clone();
        assert_eq!(
            blob,
            git(top, None, &["hash-object", "a.txt"]).unwrap().trim()
        );
        let entries = vec![
            TreeEntry {
                mode: MODE_FILE,
                name: b"z.txt".to_vec(),
                id: ObjectId::from_hex(&blob).unwrap(),
            },
            TreeEntry {
                mode: MODE_EXECUTABLE,
                name: b"a.txt".to_vec(),
                id: ObjectId::from_hex(&blob).unwrap(),
            },
        ];
        let trees = processes.write_trees(&[&entries, &entries[..1]]).unwrap();
        // Read back in another order, in one round trip.
        let missing = "0".repeat(40);
        let read = processes
            .read_all(&[&trees[1], &trees[0], &missing])
            .unwrap();
        let parsed = |object: &Option<Object>| {
            let object = object.as_ref().unwrap();
            assert_eq!(object.kind, "tree");
            parse_tree(&object.body, object.id_len).unwrap()
        };
        assert_eq!(parsed(&read[0]), vec![entries[0].clone()]);
        // In git's order.
        assert_eq!(
            parsed(&read[1]),
            vec![entries[1].clone(), entries[0].clone()]
        );
        assert!(read[2].is_none());
        assert!(processes.read(&missing).unwrap().is_none());
        // In git's order, a directory's name sorting as if it ended in
        // `/`: the same tree as git's own mktree makes.
        let sub = trees[1].clone();
        let mixed = vec![
            TreeEntry {
                mode: MODE_DIR,
                name: b"a".to_vec(),
                id: ObjectId::from_hex(&sub).unwrap(),
            },
            TreeEntry {
                mode: MODE_FILE,
                name: b"a.txt".to_vec(),
                id: ObjectId::from_hex(&blobs[1]).unwrap(),
            },
            TreeEntry {
                mode: MODE_FILE,
                name: b"a-b".to_vec(),
                id: ObjectId::from_hex(&blobs[0]).unwrap(),
            },
            TreeEntry {
                mode: MODE_SUBMODULE,
                name: b"a0".to_vec(),
                id: ObjectId::from_hex(&"1".repeat(40)).unwrap(),
            },
        ];
        let ours = processes.write_trees(&[&mixed]).unwrap();
        let listing = format!(
            "040000 tree {sub}\ta\n100644 blob {}\ta.txt\n100644 blob {}\ta-b\n160000 commit {}\ta0\n",
            blobs[1],
            blobs[0],
            "1".repeat(40)
        );
        let theirs = crate::ghost::git_piped(top, None, &["mktree", "--missing"], listing).unwrap();
        assert_eq!(ours[0], String::from_utf8(theirs).unwrap().trim());

        let ids = processes.ids();
        assert_eq!(ids.len(), 3);
        drop(processes);
        for id in ids {
            assert!(!Path::new(&format!("/proc/{id}")).exists());
        }
    }
}
