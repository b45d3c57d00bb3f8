//! The last walk's result, kept in `$CODEX_HOME/cache/skills.bin` (0600):
//! the roots it was for, its fingerprint, the catalog and the section last
//! rendered from it (with what it was rendered for: the budget and which
//! skills were on). A session start whose roots match and whose
//! fingerprint still holds (one `stat` per folder and skill file) takes the
//! catalog from here instead of reading and parsing every `SKILL.md`, and
//! the section too when its settings are the same; anything else walks (or
//! renders) and writes the cache again. A cache that cannot be read or
//! written only costs the walk.
//!
//! The format is this crate's own, because a start reads it before the
//! first request and JSON cost a quarter of that (0.5 ms for 500 skills;
//! this reads in about 0.1 ms): a magic and version, then
//! length-prefixed fields in a fixed order — paths of the fingerprint and
//! catalog stored as the bytes they add to the previous path, since
//! neighbours share most of theirs —, then a checksum of all that. Every
//! read is bounds-checked and the checksum must match, so a truncated,
//! corrupt or foreign file is a cache miss, never a wrong catalog or a
//! panic.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::discover::{Fingerprint, SkillCatalog, Stamp};
use crate::render::RenderedSkills;
use crate::roots::{PluginSkills, SkillRoot};
use crate::{Skill, SkillLoadError, SkillScope};

/// What a file starts with: the format's name and its version, bumped when
/// the layout or the parsing rules change.
const MAGIC: &[u8; 16] = b"codex-skills v3\n";

/// A section and the inputs it was rendered from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedRender {
    pub max_tokens: usize,
    /// Each catalog skill's `enabled`, in catalog order.
    pub enabled: Vec<bool>,
    pub rendered: RenderedSkills,
}

/// What a start can take from the cache.
pub struct Cached {
    pub catalog: SkillCatalog,
    pub fingerprint: Fingerprint,
    pub render: Option<CachedRender>,
}

/// `$CODEX_HOME/cache/skills.bin`.
pub fn cache_path(codex_home: &Path) -> PathBuf {
    codex_home.join("cache").join("skills.bin")
}

/// The cached catalog for `roots`, if it is still what is on disk.
pub fn load(file: &Path, roots: &[SkillRoot]) -> Option<Cached> {
    let bytes = std::fs::read(file).ok()?;
    let cached = decode(&bytes)?;
    (cached.catalog.roots == roots && !cached.fingerprint.changed()).then_some(cached)
}

/// Keeps a walk's result (and the section rendered from it) for the next
/// start.
pub fn store(
    file: &Path,
    catalog: &SkillCatalog,
    fingerprint: &Fingerprint,
    render: Option<&CachedRender>,
) {
    let bytes = encode(catalog, fingerprint, render);
    let written = file
        .parent()
        .map_or(Ok(()), codex_config::private_file::create_private_dir_all)
        .and_then(|()| codex_config::private_file::write_atomic(file, &bytes));
    if let Err(err) = written {
        tracing::debug!(%err, path = %file.display(), "cannot write the skills cache");
    }
}

fn encode(
    catalog: &SkillCatalog,
    fingerprint: &Fingerprint,
    render: Option<&CachedRender>,
) -> Vec<u8> {
    let mut w = Writer::default();
    w.buf.extend_from_slice(MAGIC);
    w.len(catalog.roots.len());
    for root in &catalog.roots {
        w.path(&root.path);
        w.u8(scope_code(root.scope));
        match &root.plugin {
            Some(plugin) => {
                w.u8(1);
                w.str(&plugin.name);
                w.path(&plugin.marketplace_dir);
                w.path(&plugin.skills_dir);
            }
            None => w.u8(0),
        }
    }
    w.len(fingerprint.entries.len());
    for (path, stamp) in &fingerprint.entries {
        w.near_path(path);
        match stamp {
            Some(stamp) => {
                w.u8(1);
                w.u64(stamp.ino);
                w.buf.extend_from_slice(&stamp.mtime_ns.to_le_bytes());
                w.u64(stamp.len);
            }
            None => w.u8(0),
        }
    }
    w.len(catalog.skills.len());
    for skill in &catalog.skills {
        w.str(&skill.name);
        w.str(&skill.description);
        w.opt_str(skill.short_description.as_deref());
        w.near_path(&skill.path);
        w.len(skill.root);
        w.u8(scope_code(skill.scope));
        w.u8(u8::from(skill.allow_implicit_invocation));
    }
    w.len(catalog.errors.len());
    for error in &catalog.errors {
        w.path(&error.path);
        match error.line {
            Some(line) => {
                w.u8(1);
                w.len(line);
            }
            None => w.u8(0),
        }
        w.str(&error.message);
    }
    match render {
        Some(render) => {
            w.u8(1);
            w.len(render.max_tokens);
            w.len(render.enabled.len());
            w.buf.extend(render.enabled.iter().map(|&on| u8::from(on)));
            let r = &render.rendered;
            w.opt_str(r.text.as_deref());
            w.len(r.listed);
            w.len(r.shortened);
            w.u8(u8::from(r.descriptions_dropped));
            w.len(r.omitted);
            w.opt_str(r.warning.as_deref());
        }
        None => w.u8(0),
    }
    let sum = checksum(&w.buf);
    w.u64(sum);
    w.buf
}

fn decode(bytes: &[u8]) -> Option<Cached> {
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    if u64::from_le_bytes(sum.try_into().ok()?) != checksum(body) {
        return None;
    }
    let mut r = Reader {
        bytes: body.strip_prefix(MAGIC)?,
        prev: Vec::new(),
    };
    let n = r.count(3)?;
    let mut roots = Vec::with_capacity(n);
    for _ in 0..n {
        let path = r.path()?;
        let scope = scope_of(r.u8()?)?;
        let plugin = match r.flag()? {
            true => Some(PluginSkills {
                name: r.str()?,
                marketplace_dir: r.path()?,
                skills_dir: r.path()?,
            }),
            false => None,
        };
        roots.push(SkillRoot {
            path,
            scope,
            plugin,
        });
    }
    let n = r.count(2)?;
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        let path = r.near_path()?;
        let stamp = match r.flag()? {
            true => Some(Stamp {
                ino: r.u64()?,
                mtime_ns: i128::from_le_bytes(r.take(16)?.try_into().ok()?),
                len: r.u64()?,
            }),
            false => None,
        };
        entries.push((path, stamp));
    }
    let n = r.count(8)?;
    let mut skills = Vec::with_capacity(n);
    for _ in 0..n {
        skills.push(Skill {
            name: r.str()?,
            description: r.str()?,
            short_description: r.opt_str()?,
            path: r.near_path()?,
            root: r.len().filter(|&root| root < roots.len())?,
            scope: scope_of(r.u8()?)?,
            allow_implicit_invocation: r.flag()?,
            enabled: true,
        });
    }
    let n = r.count(6)?;
    let mut errors = Vec::with_capacity(n);
    for _ in 0..n {
        errors.push(SkillLoadError {
            path: r.path()?,
            line: match r.flag()? {
                true => Some(r.len()?),
                false => None,
            },
            message: r.str()?,
        });
    }
    let render = match r.flag()? {
        true => {
            let max_tokens = r.len()?;
            let count = r.count(1)?;
            let enabled = r.take(count)?.iter().map(|&b| b != 0).collect::<Vec<_>>();
            Some(CachedRender {
                max_tokens,
                enabled,
                rendered: RenderedSkills {
                    text: r.opt_str()?,
                    listed: r.len()?,
                    shortened: r.len()?,
                    descriptions_dropped: r.flag()?,
                    omitted: r.len()?,
                    warning: r.opt_str()?,
                },
            })
        }
        false => None,
    };
    r.bytes.is_empty().then_some(Cached {
        catalog: SkillCatalog {
            roots,
            skills,
            errors,
        },
        fingerprint: Fingerprint { entries },
        render,
    })
}

fn scope_code(scope: SkillScope) -> u8 {
    match scope {
        SkillScope::User => 0,
        SkillScope::Repo => 1,
        SkillScope::System => 2,
        SkillScope::Admin => 3,
    }
}

fn scope_of(code: u8) -> Option<SkillScope> {
    Some(match code {
        0 => SkillScope::User,
        1 => SkillScope::Repo,
        2 => SkillScope::System,
        3 => SkillScope::Admin,
        _ => return None,
    })
}

/// A 64-bit hash of `bytes` (FxHash's step, eight bytes at a time): each
/// step is one-to-one in the state and in the word, so any change within
/// one word always changes the result; the file's atomic write rules out
/// torn files, this catches what a disk or another program did to it.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let mut h = step(0, bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = step(h, u64::from_le_bytes(word));
    }
    for &b in chunks.remainder() {
        h = step(h, u64::from(b));
    }
    h
}

#[derive(Default)]
struct Writer {
    buf: Vec<u8>,
    /// The last path written with [`Writer::near_path`].
    prev: Vec<u8>,
}

impl Writer {
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    fn len(&mut self, v: usize) {
        self.u64(v as u64);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.len(bytes.len());
        self.buf.extend_from_slice(bytes);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }

    fn path(&mut self, path: &Path) {
        self.bytes(path.as_os_str().as_bytes());
    }

    /// The path as the length it shares with the previous one and the
    /// bytes after that.
    fn near_path(&mut self, path: &Path) {
        let bytes = path.as_os_str().as_bytes();
        let shared = self
            .prev
            .iter()
            .zip(bytes)
            .take_while(|(a, b)| a == b)
            .count();
        self.len(shared);
        self.bytes(&bytes[shared..]);
        self.prev.clear();
        self.prev.extend_from_slice(bytes);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    /// The last path read with [`Reader::near_path`].
    prev: Vec<u8>,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn flag(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn len(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    /// A count of items that each take at least `min_size` bytes: never
    /// more than the bytes left could hold (so a corrupt count cannot ask
    /// for a huge allocation).
    fn count(&mut self, min_size: usize) -> Option<usize> {
        self.len().filter(|&n| {
            n.checked_mul(min_size)
                .is_some_and(|size| size <= self.bytes.len())
        })
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.len()?;
        self.take(n)
    }

    fn str(&mut self) -> Option<String> {
        std::str::from_utf8(self.bytes()?).ok().map(str::to_string)
    }

    fn opt_str(&mut self) -> Option<Option<String>> {
        match self.flag()? {
            true => self.str().map(Some),
            false => Some(None),
        }
    }

    fn path(&mut self) -> Option<PathBuf> {
        Some(PathBuf::from(OsStr::from_bytes(self.bytes()?)))
    }

    fn near_path(&mut self) -> Option<PathBuf> {
        let shared = self.len()?;
        let rest = self.bytes()?;
        if shared > self.prev.len() {
            return None;
        }
        self.prev.truncate(shared);
        self.prev.extend_from_slice(rest);
        Some(PathBuf::from(OsStr::from_bytes(&self.prev)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::discover;
    use crate::render::render_skills_section;
    use pretty_assertions::assert_eq;

    fn sample() -> (tempfile::TempDir, Vec<SkillRoot>) {
        let tmp = tempfile::tempdir().unwrap();
        let skills = tmp.path().join("skills");
        for (dir, text) in [
            ("a", "---\nname: a\ndescription: Ä first\n---\n"),
            (
                "group/b",
                "---\nname: b\ndescription: B\nmetadata:\n  short-description: short\n---\n",
            ),
            ("group/c", "---\nname: c\n---\n"),
        ] {
            std::fs::create_dir_all(skills.join(dir)).unwrap();
            std::fs::write(skills.join(dir).join("SKILL.md"), text).unwrap();
        }
        let roots = vec![
            SkillRoot {
                path: skills,
                scope: SkillScope::User,
                plugin: None,
            },
            SkillRoot {
                path: tmp.path().join("market"),
                scope: SkillScope::User,
                plugin: Some(PluginSkills {
                    name: "p".into(),
                    marketplace_dir: tmp.path().join("market"),
                    skills_dir: tmp.path().join("market/p/skills"),
                }),
            },
        ];
        (tmp, roots)
    }

    #[test]
    fn what_is_stored_is_what_is_loaded() {
        let (tmp, roots) = sample();
        let (catalog, fingerprint) = discover(&roots);
        assert_eq!(catalog.skills.len(), 2);
        assert_eq!(catalog.errors.len(), 1);
        let render = CachedRender {
            max_tokens: 100,
            enabled: vec![true, false],
            rendered: render_skills_section(&catalog, 100),
        };
        let file = tmp.path().join("cache/skills.bin");
        store(&file, &catalog, &fingerprint, Some(&render));
        let cached = load(&file, &roots).expect("the cache holds");
        assert_eq!(cached.catalog, catalog);
        assert_eq!(cached.fingerprint, fingerprint);
        assert_eq!(cached.render, Some(render));
        store(&file, &catalog, &fingerprint, None);
        assert_eq!(load(&file, &roots).unwrap().render, None);
        // Other roots: not this cache.
        assert!(load(&file, &roots[..1]).is_none());
    }

    /// Every truncation and every flipped byte is a miss, never a panic
    /// or another catalog.
    #[test]
    fn a_damaged_file_is_a_miss() {
        let (_tmp, roots) = sample();
        let (catalog, fingerprint) = discover(&roots);
        let bytes = encode(&catalog, &fingerprint, None);
        assert!(decode(&bytes).is_some());
        for end in 0..bytes.len() {
            assert!(decode(&bytes[..end]).is_none(), "cut at {end}");
        }
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x20;
            assert!(decode(&damaged).is_none(), "byte {at} flipped");
        }
        assert!(decode(b"{\"version\":2}").is_none());
    }
}
