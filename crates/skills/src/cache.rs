//! The last walk's result, kept in `$CODEX_HOME/cache/skills.json` (0600):
//! the roots it was for, its fingerprint and the catalog. A session start
//! whose roots match and whose fingerprint still holds (one `stat` per
//! folder and skill file) takes the catalog from here instead of reading
//! and parsing every `SKILL.md`; anything else walks and writes the cache
//! again. A cache that cannot be read or written only costs the walk.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::discover::{Fingerprint, SkillCatalog};
use crate::roots::SkillRoot;

/// Bumped when the cached shapes or the parsing rules change.
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    roots: Vec<SkillRoot>,
    fingerprint: Fingerprint,
    catalog: SkillCatalog,
}

/// `$CODEX_HOME/cache/skills.json`.
pub fn cache_path(codex_home: &Path) -> PathBuf {
    codex_home.join("cache").join("skills.json")
}

/// The cached catalog for `roots`, if it is still what is on disk.
pub fn load(file: &Path, roots: &[SkillRoot]) -> Option<(SkillCatalog, Fingerprint)> {
    let bytes = std::fs::read(file).ok()?;
    let cached: CacheFile = serde_json::from_slice(&bytes).ok()?;
    (cached.version == VERSION && cached.roots == roots && !cached.fingerprint.changed())
        .then_some((cached.catalog, cached.fingerprint))
}

/// Keeps a walk's result for the next start.
pub fn store(file: &Path, roots: &[SkillRoot], catalog: &SkillCatalog, fingerprint: &Fingerprint) {
    let cached = CacheFile {
        version: VERSION,
        roots: roots.to_vec(),
        fingerprint: fingerprint.clone(),
        catalog: catalog.clone(),
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
