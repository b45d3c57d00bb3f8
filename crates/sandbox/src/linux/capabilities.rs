//! Taking every capability away from the command, and `no_new_privs`.
//!
//! Inside its user namespace the helper holds all capabilities (it needs
//! them to build the mounts); the command must hold none, and must not
//! regain any by executing a set-uid program or, when the user is root, by
//! executing anything at all (root is given every capability at exec unless
//! told otherwise).

use super::{Layer, SetupError};

const SECBIT_NOROOT: libc::c_ulong = 1 << 0;
const SECBIT_NOROOT_LOCKED: libc::c_ulong = 1 << 1;
const SECBIT_NO_SETUID_FIXUP: libc::c_ulong = 1 << 2;
const SECBIT_NO_SETUID_FIXUP_LOCKED: libc::c_ulong = 1 << 3;
const SECBIT_KEEP_CAPS_LOCKED: libc::c_ulong = 1 << 5;
const SECBIT_NO_CAP_AMBIENT_RAISE: libc::c_ulong = 1 << 6;
const SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED: libc::c_ulong = 1 << 7;
const PR_CAP_AMBIENT: libc::c_int = 47;
const PR_CAP_AMBIENT_CLEAR_ALL: libc::c_ulong = 4;
const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

/// Sets `no_new_privs` (which also lets an unprivileged process install
/// Landlock and seccomp).
pub(super) fn set_no_new_privs() -> Result<(), SetupError> {
    // SAFETY: plain prctl; never turned off again.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(SetupError::new(
            Layer::Capabilities,
            format!(
                "cannot set no_new_privs ({})",
                std::io::Error::last_os_error()
            ),
            "Linux 3.5 or newer is needed".to_string(),
        ));
    }
    Ok(())
}

/// Empties the bounding, ambient, effective, permitted and inheritable sets
/// and locks root's special treatment off.
pub(super) fn drop_all() -> Result<(), SetupError> {
    let fail = |what: &str| {
        SetupError::new(
            Layer::Capabilities,
            format!(
                "cannot drop capabilities: {what} ({})",
                std::io::Error::last_os_error()
            ),
            "the helper must run with CAP_SETPCAP inside its user namespace".to_string(),
        )
    };
    let last = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|text| text.trim().parse::<libc::c_ulong>().ok())
        .unwrap_or(63);
    for cap in 0..=last {
        // SAFETY: plain prctl; dropping a capability the kernel does not
        // know fails harmlessly with EINVAL.
        let rc = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) };
        if rc != 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL) {
            return Err(fail("clearing the bounding set failed"));
        }
    }
    // SAFETY: plain prctl calls.
    if unsafe { libc::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) } != 0 {
        return Err(fail("clearing the ambient set failed"));
    }
    let bits = SECBIT_NOROOT
        | SECBIT_NOROOT_LOCKED
        | SECBIT_NO_SETUID_FIXUP
        | SECBIT_NO_SETUID_FIXUP_LOCKED
        | SECBIT_KEEP_CAPS_LOCKED
        | SECBIT_NO_CAP_AMBIENT_RAISE
        | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    // SAFETY: plain prctl.
    if unsafe { libc::prctl(libc::PR_SET_SECUREBITS, bits, 0, 0, 0) } != 0 {
        return Err(fail("locking the secure bits failed"));
    }
    #[repr(C)]
    struct Header {
        version: u32,
        pid: libc::c_int,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let header = Header {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let data = [Data {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    // SAFETY: header and two data structs, as capset(2) with version 3 expects.
    if unsafe { libc::syscall(libc::SYS_capset, &header as *const Header, data.as_ptr()) } != 0 {
        return Err(fail("clearing the capability sets failed"));
    }
    Ok(())
}
