//! Read-only bind mounts over protected paths, in a private mount namespace.
//!
//! An unprivileged process may create a user namespace and, inside it, a
//! mount namespace of its own. The current user and group are mapped to
//! themselves, so files keep their owners and the command runs as the same
//! user. Each protected path is bind-mounted onto itself and remounted
//! read-only; writes then fail with EROFS whatever the file permissions say.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Makes `paths` read-only for this process and its descendants.
pub(super) fn make_read_only(paths: &[std::path::PathBuf]) -> Result<(), String> {
    if paths.is_empty() {
        return Ok(());
    }
    let uid = unsafe { libc::geteuid() };
    let gid = unsafe { libc::getegid() };
    // SAFETY: plain system call; the process is single-threaded here (the
    // helper has not started any thread), which unshare(CLONE_NEWUSER) needs.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS) } != 0 {
        return Err(format!(
            "cannot keep {} read-only: creating a user namespace failed ({}); \
             this kernel does not allow unprivileged user namespaces, so the sandbox cannot be enforced",
            describe(paths),
            std::io::Error::last_os_error()
        ));
    }
    write_proc("/proc/self/setgroups", "deny")?;
    write_proc("/proc/self/uid_map", &format!("{uid} {uid} 1"))?;
    write_proc("/proc/self/gid_map", &format!("{gid} {gid} 1"))?;
    // Keep our mounts from propagating anywhere else.
    mount(None, Path::new("/"), libc::MS_REC | libc::MS_PRIVATE)?;
    for path in paths {
        mount(Some(path), path, libc::MS_BIND | libc::MS_REC)?;
        // A remount must keep the flags the kernel locked on the original
        // mount (nosuid, nodev, ...), or it is refused.
        let flags = libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | locked_flags(path)?;
        mount(None, path, flags)?;
    }
    Ok(())
}

fn describe(paths: &[std::path::PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_proc(path: &str, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|err| format!("cannot write {path}: {err}"))
}

fn c_path(path: &Path) -> Result<CString, String> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| format!("path {} contains a NUL byte", path.display()))
}

fn mount(source: Option<&Path>, target: &Path, flags: libc::c_ulong) -> Result<(), String> {
    let target_c = c_path(target)?;
    let source_c = source.map(c_path).transpose()?;
    let source_ptr = source_c.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    // SAFETY: all pointers are valid NUL-terminated strings or null.
    let rc = unsafe {
        libc::mount(
            source_ptr,
            target_c.as_ptr(),
            std::ptr::null(),
            flags,
            std::ptr::null(),
        )
    };
    if rc != 0 {
        return Err(format!(
            "cannot mount {} read-only: {}",
            target.display(),
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// The per-mount flags of the mount holding `path` that a remount must keep.
fn locked_flags(path: &Path) -> Result<libc::c_ulong, String> {
    let c = c_path(path)?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid path and `stat` a valid out-parameter.
    if unsafe { libc::statvfs(c.as_ptr(), &mut stat) } != 0 {
        return Err(format!(
            "cannot inspect the mount of {}: {}",
            path.display(),
            std::io::Error::last_os_error()
        ));
    }
    let mut flags = 0;
    for (st, ms) in [
        (libc::ST_NOSUID, libc::MS_NOSUID),
        (libc::ST_NODEV, libc::MS_NODEV),
        (libc::ST_NOEXEC, libc::MS_NOEXEC),
        (libc::ST_NOATIME, libc::MS_NOATIME),
        (libc::ST_NODIRATIME, libc::MS_NODIRATIME),
        (libc::ST_RELATIME, libc::MS_RELATIME),
    ] {
        if stat.f_flag & st != 0 {
            flags |= ms;
        }
    }
    Ok(flags)
}
