//! Fresh namespaces for the command: user (so no privilege is needed for
//! the rest), mount (its own view of the filesystem), PID (it sees and
//! signals only its own processes, and they all end with it) and, without
//! network access, network (no interfaces, no abstract Unix sockets of the
//! host).

use super::{Layer, SetupError};

/// Creates the namespaces; the caller's children are born into the new
/// PID namespace. The current user and group are mapped to themselves, so
/// files keep their owners.
pub(super) fn enter(network: bool) -> Result<(), SetupError> {
    // SAFETY: plain system calls; the caller is single-threaded here (the
    // helper starts no thread), which unshare(CLONE_NEWUSER) requires.
    let uid = unsafe { libc::geteuid() };
    let gid = unsafe { libc::getegid() };
    let mut flags = libc::CLONE_NEWUSER | libc::CLONE_NEWNS | libc::CLONE_NEWPID;
    if !network {
        flags |= libc::CLONE_NEWNET;
    }
    // SAFETY: see above.
    if unsafe { libc::unshare(flags) } != 0 {
        let err = std::io::Error::last_os_error();
        return Err(SetupError::new(
            Layer::UserNamespace,
            format!("creating user, mount and PID namespaces failed ({err})"),
            user_namespace_fix(),
        ));
    }
    write_proc("/proc/self/setgroups", "deny")?;
    write_proc("/proc/self/uid_map", &format!("{uid} {uid} 1"))?;
    write_proc("/proc/self/gid_map", &format!("{gid} {gid} 1"))?;
    Ok(())
}

/// What to do when unprivileged user namespaces are forbidden.
pub(super) fn user_namespace_fix() -> String {
    let apparmor =
        std::fs::read_to_string("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")
            .map(|v| v.trim() == "1")
            .unwrap_or(false);
    let max = std::fs::read_to_string("/proc/sys/user/max_user_namespaces")
        .map(|v| v.trim() == "0")
        .unwrap_or(false);
    if apparmor {
        "AppArmor forbids unprivileged user namespaces (Ubuntu 23.10 and newer); allow them with \
         `sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`, or give codex an AppArmor \
         profile that permits `userns`"
            .to_string()
    } else if max {
        "user namespaces are disabled (user.max_user_namespaces = 0); enable them with \
         `sudo sysctl user.max_user_namespaces=15000`"
            .to_string()
    } else {
        "this kernel or container does not allow unprivileged user namespaces (in a container, \
         run it with a seccomp profile that permits unshare, or use --sandbox danger-full-access \
         only if the container itself is the sandbox)"
            .to_string()
    }
}

fn write_proc(path: &str, text: &str) -> Result<(), SetupError> {
    std::fs::write(path, text).map_err(|err| {
        SetupError::new(
            Layer::UserNamespace,
            format!("cannot write {path} ({err})"),
            user_namespace_fix(),
        )
    })
}
