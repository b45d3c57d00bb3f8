//! The command's view of the filesystem, built in its own mount namespace:
//!
//! * every mount is read-only (so even `chmod` and `utime` of files outside
//!   the writable roots fail, which Landlock does not cover);
//! * each writable root is bound onto itself writable;
//! * `.git` and `.codex` directly inside a writable root are read-only — an
//!   existing one is bound read-only onto itself, a missing one gets an
//!   empty read-only placeholder, so it cannot be created either (the mount
//!   point is made in the real directory and removed after the command,
//!   as the reference does);
//! * without network access, every pathname Unix socket that was listening
//!   when the sandbox started is covered by `/dev/null` (connecting fails),
//!   while sockets the command creates itself work;
//! * each hidden path (codex's secrets, see [`crate::secrets`]) is covered:
//!   a directory by an empty read-only tmpfs of mode 000, a file by an
//!   empty read-only file of mode 000 — with every capability dropped the
//!   command can neither read, write, chmod nor unmount them;
//! * `/proc` is a fresh mount of the command's own PID namespace.

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use codex_protocol::protocol::SandboxPolicy;

use super::{Layer, SetupError};
use crate::roots::{PROTECTED_NAMES, WritableRoot, writable_roots};

/// Marks a placeholder directory made by a sandbox (so any sandbox can
/// remove it later, and never a directory a person made).
const PLACEHOLDER_XATTR: &str = "user.codex-sandbox-placeholder";

/// What the mount namespace will contain.
pub(super) struct FsPlan {
    roots: Vec<WritableRoot>,
    /// Protected names that do not exist, to be covered by placeholders.
    missing: Vec<PathBuf>,
    /// Listening pathname sockets to cover (network off only).
    sockets: Vec<PathBuf>,
    /// Paths to cover with an unreadable placeholder.
    hidden: Vec<PathBuf>,
}

impl FsPlan {
    pub(super) fn new(
        policy: &SandboxPolicy,
        cwd: &Path,
        tmpdir: Option<&Path>,
        hidden: &[PathBuf],
    ) -> Self {
        let roots = writable_roots(policy, cwd, tmpdir);
        let missing = roots
            .iter()
            .flat_map(|root| PROTECTED_NAMES.iter().map(|name| root.root.join(name)))
            .filter(|path| std::fs::symlink_metadata(path).is_err())
            .collect();
        // A socket under a hidden path is covered with it (the network
        // proxy's sockets among them: only the bridge may reach those).
        let sockets = if policy.has_full_network_access() {
            Vec::new()
        } else {
            listening_unix_sockets()
                .into_iter()
                .filter(|socket| !hidden.iter().any(|h| socket.starts_with(h)))
                .collect()
        };
        Self {
            roots,
            missing,
            sockets,
            hidden: hidden.to_vec(),
        }
    }
}

/// Placeholders and protected directories held by one sandbox, in the
/// host's mount namespace: a shared lock on each tells other sandboxes it
/// is in use, and [`HostGuards::release`] removes the placeholders no other
/// sandbox uses any more.
pub(super) struct HostGuards {
    held: Vec<(PathBuf, OwnedFd)>,
}

impl HostGuards {
    /// Makes the placeholders of `plan` and locks every protected directory.
    pub(super) fn acquire(plan: &FsPlan) -> Result<Self, SetupError> {
        let mut held = Vec::new();
        for path in &plan.missing {
            make_placeholder(path)?;
        }
        for root in &plan.roots {
            for name in PROTECTED_NAMES {
                let path = root.root.join(name);
                if let Some(fd) = open_dir_nofollow(&path) {
                    // SAFETY: flock on a descriptor we own.
                    unsafe { libc::flock(fd.as_raw_fd(), libc::LOCK_SH) };
                    held.push((path, fd));
                }
            }
        }
        Ok(Self { held })
    }

    /// Removes the placeholders (empty, marked, and locked by no other
    /// sandbox); a person's own directories are never touched.
    pub(super) fn release(self) {
        for (path, fd) in self.held {
            let raw = fd.as_raw_fd();
            // SAFETY: flock on a descriptor we own; LOCK_NB never blocks.
            let exclusive = unsafe { libc::flock(raw, libc::LOCK_EX | libc::LOCK_NB) } == 0;
            if exclusive && is_placeholder(raw) {
                let _ = std::fs::remove_dir(&path);
            }
            drop(fd);
        }
    }
}

/// Creates an empty, marked directory at `path`, atomically: it appears
/// already marked, or not at all (another sandbox won the race).
fn make_placeholder(path: &Path) -> Result<(), SetupError> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = parent.join(format!(
        ".codex-sandbox-placeholder-{}-{n}",
        std::process::id()
    ));
    let fail = |what: &str, err: std::io::Error| {
        SetupError::new(
            Layer::ProtectedNames,
            format!("cannot keep {} read-only: {what} ({err})", path.display()),
            "make the workspace writable by the user running codex".to_string(),
        )
    };
    std::fs::create_dir(&temp).map_err(|e| fail("creating a placeholder failed", e))?;
    if let Some(fd) = open_dir_nofollow(&temp) {
        let name = c_string(Path::new(PLACEHOLDER_XATTR));
        // SAFETY: valid descriptor, NUL-terminated name, 1-byte value.
        // Without xattr support the placeholder is only left behind.
        unsafe { libc::fsetxattr(fd.as_raw_fd(), name.as_ptr(), b"1".as_ptr().cast(), 1, 0) };
    }
    let (from, to) = (c_string(&temp), c_string(path));
    // SAFETY: valid NUL-terminated paths.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if rc != 0 {
        let err = std::io::Error::last_os_error();
        let _ = std::fs::remove_dir(&temp);
        if err.raw_os_error() != Some(libc::EEXIST) {
            return Err(fail("placing the placeholder failed", err));
        }
    }
    Ok(())
}

fn is_placeholder(fd: i32) -> bool {
    let name = c_string(Path::new(PLACEHOLDER_XATTR));
    let mut value = [0u8; 1];
    // SAFETY: valid descriptor and buffer.
    let n = unsafe { libc::fgetxattr(fd, name.as_ptr(), value.as_mut_ptr().cast(), 1) };
    n == 1 && value[0] == b'1'
}

fn open_dir_nofollow(path: &Path) -> Option<OwnedFd> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
        .open(path)
        .ok()
        .map(OwnedFd::from)
}

/// Builds the view (run inside the new user and mount namespaces).
pub(super) fn build_view(plan: &FsPlan) -> Result<(), SetupError> {
    let fail = |what: String| {
        SetupError::new(
            Layer::ReadOnlyRoot,
            what,
            "the kernel must allow mounts in an unprivileged mount namespace (Linux 5.12 or newer)"
                .to_string(),
        )
    };
    // Keep our mounts from propagating anywhere else.
    mount(
        None,
        Path::new("/"),
        None,
        libc::MS_REC | libc::MS_PRIVATE,
        None,
    )
    .map_err(&fail)?;
    make_tree_read_only(Path::new("/")).map_err(&fail)?;

    let mut roots: Vec<&WritableRoot> = plan.roots.iter().collect();
    // Outer roots first, so an inner root's bind is not covered.
    roots.sort_by_key(|r| r.root.components().count());
    for root in roots {
        mount(
            Some(&root.root),
            &root.root,
            None,
            libc::MS_BIND | libc::MS_REC,
            None,
        )
        .map_err(&fail)?;
        let flags = libc::MS_BIND | libc::MS_REMOUNT | locked_flags(&root.root).map_err(&fail)?;
        mount(None, &root.root, None, flags, None).map_err(&fail)?;
    }

    let protect = |what: String| {
        SetupError::new(
            Layer::ProtectedNames,
            what,
            "the kernel must allow bind mounts in an unprivileged mount namespace".to_string(),
        )
    };
    for root in &plan.roots {
        for path in &root.read_only_subpaths {
            mount(Some(path), path, None, libc::MS_BIND | libc::MS_REC, None).map_err(&protect)?;
            let flags = libc::MS_BIND
                | libc::MS_REMOUNT
                | libc::MS_RDONLY
                | locked_flags(path).map_err(&protect)?;
            mount(None, path, None, flags, None).map_err(&protect)?;
        }
    }
    for path in &plan.missing {
        mount(
            Some(Path::new("tmpfs")),
            path,
            Some("tmpfs"),
            libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            Some("mode=555,size=4k"),
        )
        .map_err(&protect)?;
    }

    hide(&plan.hidden)?;

    for socket in &plan.sockets {
        // A socket that vanished, or sits where we cannot mount, stays as
        // it is; a mask that fails is not a reason to refuse the command.
        let _ = mount(
            Some(Path::new("/dev/null")),
            socket,
            None,
            libc::MS_BIND,
            None,
        );
    }
    Ok(())
}

/// Where the placeholder file is made: a tmpfs mounted for a moment over
/// the host's `/proc` (which init replaces with the command's own anyway)
/// and detached once the file is bound over every hidden file; the binds
/// keep the tmpfs alive.
const PLACEHOLDER_DIR: &str = "/proc";

/// Covers every path of `hidden` with an empty, read-only, mode-000
/// placeholder. A path that no longer exists needs no cover; any other
/// failure refuses the command (a secret is never left readable).
fn hide(hidden: &[PathBuf]) -> Result<(), SetupError> {
    let fail = |what: String| {
        SetupError::new(
            Layer::HiddenPaths,
            what,
            "the kernel must allow tmpfs and bind mounts in an unprivileged mount namespace"
                .to_string(),
        )
    };
    let cover_flags = libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    let mut file_placeholder: Option<PathBuf> = None;
    for path in hidden {
        let Ok(meta) = std::fs::metadata(path) else {
            continue;
        };
        if meta.is_dir() {
            mount(
                Some(Path::new("tmpfs")),
                path,
                Some("tmpfs"),
                cover_flags,
                Some("mode=000,size=4k"),
            )
            .map_err(&fail)?;
            continue;
        }
        let placeholder = match &file_placeholder {
            Some(placeholder) => placeholder.clone(),
            None => {
                let dir = Path::new(PLACEHOLDER_DIR);
                mount(
                    Some(Path::new("tmpfs")),
                    dir,
                    Some("tmpfs"),
                    libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                    Some("mode=700,size=4k"),
                )
                .map_err(&fail)?;
                let placeholder = dir.join("hidden");
                make_unreadable_file(&placeholder).map_err(&fail)?;
                file_placeholder = Some(placeholder.clone());
                placeholder
            }
        };
        mount(Some(&placeholder), path, None, libc::MS_BIND, None).map_err(&fail)?;
        let flags = libc::MS_BIND | libc::MS_REMOUNT | cover_flags;
        mount(None, path, None, flags, None).map_err(&fail)?;
    }
    if file_placeholder.is_some() {
        let dir = c_string(Path::new(PLACEHOLDER_DIR));
        // SAFETY: valid NUL-terminated path.
        if unsafe { libc::umount2(dir.as_ptr(), libc::MNT_DETACH) } != 0 {
            return Err(fail(format!(
                "cannot detach the placeholder tmpfs ({})",
                std::io::Error::last_os_error()
            )));
        }
    }
    Ok(())
}

/// An empty file of mode 000 at `path`.
fn make_unreadable_file(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o000)
        .open(path)
        .map_err(|err| format!("cannot make a placeholder at {} ({err})", path.display()))?;
    // The umask cannot add bits, but be explicit: no one may read it.
    file.set_permissions(std::fs::Permissions::from_mode(0o000))
        .map_err(|err| format!("cannot make {} unreadable ({err})", path.display()))
}

/// Mounts the command's own `/proc` (run as PID 1 of the new namespace).
pub(super) fn mount_proc() -> Result<(), SetupError> {
    mount(
        Some(Path::new("proc")),
        Path::new("/proc"),
        Some("proc"),
        libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
        None,
    )
    .map_err(|what| {
        SetupError::new(
            Layer::PidNamespace,
            what,
            "a fresh /proc cannot be mounted here (a container that masks parts of /proc \
             forbids it); run codex where /proc is not masked, or use --sandbox \
             danger-full-access only if the container itself is the sandbox"
                .to_string(),
        )
    })
}

/// Makes `top` and every mount below it read-only.
fn make_tree_read_only(top: &Path) -> Result<(), String> {
    #[repr(C)]
    struct MountAttr {
        attr_set: u64,
        attr_clr: u64,
        propagation: u64,
        userns_fd: u64,
    }
    const MOUNT_ATTR_RDONLY: u64 = 0x1;
    const AT_RECURSIVE: libc::c_uint = 0x8000;
    let attr = MountAttr {
        attr_set: MOUNT_ATTR_RDONLY,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    let path = c_string(top);
    // SAFETY: valid path and attribute struct of the size passed.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            path.as_ptr(),
            AT_RECURSIVE,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    if err.raw_os_error() != Some(libc::ENOSYS) {
        return Err(format!("cannot make the filesystem read-only ({err})"));
    }
    // Kernels before 5.12: remount each mount on its own.
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")
        .map_err(|err| format!("cannot read /proc/self/mountinfo ({err})"))?;
    for line in mountinfo.lines() {
        let Some(point) = line.split(' ').nth(4).map(unescape_mountinfo) else {
            continue;
        };
        let point = PathBuf::from(point);
        if !point.starts_with(top) {
            continue;
        }
        let flags = libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | locked_flags(&point)?;
        mount(None, &point, None, flags, None)?;
    }
    Ok(())
}

/// `\040` and friends in /proc/self/mountinfo paths.
fn unescape_mountinfo(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let bytes = field.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && let Ok(code) = u8::from_str_radix(&field[i + 1..i + 4], 8)
        {
            out.push(code as char);
            i += 4;
            continue;
        }
        out.push(bytes[i] as char);
        i += 1;
    }
    out
}

/// Pathname Unix sockets listening now (from `/proc/net/unix` of the
/// host's network namespace), which the command must not reach.
pub(super) fn listening_unix_sockets() -> Vec<PathBuf> {
    let Ok(table) = std::fs::read_to_string("/proc/net/unix") else {
        return Vec::new();
    };
    let mut sockets: Vec<PathBuf> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            // Num RefCount Protocol Flags Type St Inode Path
            let path = line.split_whitespace().nth(7)?;
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect();
    sockets.sort();
    sockets.dedup();
    sockets
}

fn c_string(path: &Path) -> CString {
    // A path from the OS cannot contain NUL; one that does is not a path
    // the kernel could use either, and maps to an empty string.
    CString::new(path.as_os_str().as_bytes()).unwrap_or_default()
}

fn mount(
    source: Option<&Path>,
    target: &Path,
    fstype: Option<&str>,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> Result<(), String> {
    let target_c = c_string(target);
    let source_c = source.map(c_string);
    let fstype_c = fstype.and_then(|t| CString::new(t).ok());
    let data_c = data.and_then(|d| CString::new(d).ok());
    // SAFETY: every pointer is a valid NUL-terminated string or null.
    let rc = unsafe {
        libc::mount(
            source_c.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            target_c.as_ptr(),
            fstype_c.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            flags,
            data_c
                .as_ref()
                .map_or(std::ptr::null(), |s| s.as_ptr().cast()),
        )
    };
    if rc != 0 {
        return Err(format!(
            "cannot mount {} ({})",
            target.display(),
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// The per-mount flags of the mount holding `path` that a remount must
/// keep (the kernel refuses to clear flags it locked), read-only excepted.
fn locked_flags(path: &Path) -> Result<libc::c_ulong, String> {
    let c = c_string(path);
    // SAFETY: statvfs is plain old data; zeroed is a valid value.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid path and `stat` a valid out-parameter.
    if unsafe { libc::statvfs(c.as_ptr(), &mut stat) } != 0 {
        return Err(format!(
            "cannot inspect the mount of {} ({})",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_escapes_are_decoded() {
        assert_eq!(unescape_mountinfo("/a\\040b"), "/a b");
        assert_eq!(unescape_mountinfo("/plain"), "/plain");
    }
}
