//! Files under `$CODEX_HOME` (and others) that can hold prompts, model
//! output or keys: created with mode 0600, and tightened to 0600 when an
//! existing one is found wider (created by another program, or by an older
//! version). Every such file goes through here so the rule lives in one place.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// Opens `path` with `options`; a file it creates is 0600, an existing file
/// wider than that is tightened.
///
/// ```no_run
/// let mut options = std::fs::OpenOptions::new();
/// options.append(true).create(true);
/// let file = codex_config::private_file::open(std::path::Path::new("log.jsonl"), &mut options)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn open(path: &Path, options: &mut OpenOptions) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    tighten(&file)?;
    Ok(file)
}

/// Replaces `path` with `bytes` through a synced 0600 temporary file beside
/// it and a rename: readers see the old contents or the new, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per call, so concurrent writers (threads or processes) never
    // share a temporary file; the last rename wins whole.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        let mut file = open(&temp, &mut options)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Creates `dir` and its missing parents; the ones it creates are 0700.
pub fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn tighten(file: &File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_files_are_private_and_wide_ones_are_tightened() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new");
        open(&new, OpenOptions::new().write(true).create(true)).unwrap();
        assert_eq!(mode(&new), 0o600);

        let wide = dir.path().join("wide");
        std::fs::write(&wide, "x").unwrap();
        std::fs::set_permissions(&wide, std::fs::Permissions::from_mode(0o644)).unwrap();
        open(&wide, OpenOptions::new().read(true)).unwrap();
        assert_eq!(mode(&wide), 0o600);
    }

    #[test]
    fn atomic_writes_replace_the_file_and_leave_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
