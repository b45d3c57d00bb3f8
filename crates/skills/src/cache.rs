//! The last walk's result, kept in `$CODEX_HOME/cache/skills.json` (0600):
//! the roots it was for, its fingerprint, the catalog and the section last
//! rendered from it (with what it was rendered for: the budget and which
//! skills were on). A session start whose roots match and whose
//! fingerprint still holds (one `stat` per folder and skill file) takes the
//! catalog from here instead of reading and parsing every `SKILL.md`, and
//! the section too when its settings are the same; anything else walks (or
//! renders) and writes the cache again. A cache that cannot be read or
//! written only costs the walk.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::discover::{Fingerprint, SkillCatalog};
use crate::render::RenderedSkills;
use crate::roots::SkillRoot;

/// Bumped when the cached shapes or the parsing rules change.
const VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    roots: Vec<SkillRoot>,
    fingerprint: Fingerprint,
    catalog: SkillCatalog,
    render: Option<CachedRender>,
}

/// A section and the inputs it was rendered from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// `$CODEX_HOME/cache/skills.json`.
pub fn cache_path(codex_home: &Path) -> PathBuf {
    codex_home.join("cache").join("skills.json")
}

/// The cached catalog for `roots`, if it is still what is on disk.
pub fn load(file: &Path, roots: &[SkillRoot]) -> Option<Cached> {
    let bytes = std::fs::read(file).ok()?;
    let cached: CacheFile = serde_json::from_slice(&bytes).ok()?;
    (cached.version == VERSION && cached.roots == roots && !cached.fingerprint.changed()).then_some(
        Cached {
            catalog: cached.catalog,
            fingerprint: cached.fingerprint,
            render: cached.render,
        },
    )
}

/// Keeps a walk's result (and the section rendered from it) for the next
/// start.
pub fn store(
    file: &Path,
    roots: &[SkillRoot],
    catalog: &SkillCatalog,
    fingerprint: &Fingerprint,
    render: Option<&CachedRender>,
) {
    let cached = CacheFile {
        version: VERSION,
        roots: roots.to_vec(),
        fingerprint: fingerprint.clone(),
        catalog: catalog.clone(),
        render: render.cloned(),
    };
    let Ok(bytes) = serde_json::to_vec(&cached) else {
        return;
    };
    let written = file
        .parent()
        .map_or(Ok(()), codex_config::private_file::create_private_dir_all)
        .and_then(|()| codex_config::private_file::write_atomic(file, &bytes));
    if let Err(err) = written {
        tracing::debug!(%err, path = %file.display(), "cannot write the skills cache");
    }
}
