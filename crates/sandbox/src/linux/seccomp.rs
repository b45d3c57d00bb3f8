//! System-call filtering with seccomp, for every restricted policy:
//!
//! * `ioctl(TIOCSTI)` and `ioctl(TIOCLINUX)` fail, so a command cannot push
//!   keystrokes into a terminal (the user's shell would run them after codex
//!   exits); the command also has no controlling terminal and no
//!   capabilities, which the kernel requires for either on another terminal;
//! * io_uring is unavailable (it could perform operations, sockets included,
//!   without the system calls this filter sees);
//! * without network access, creating any socket that is not AF_UNIX fails;
//!   with network through the allowlist proxy, any that is not AF_UNIX,
//!   AF_INET or AF_INET6 (IP reaches only the namespace's loopback);
//! * `ptrace` of PID 1, the sandbox's own init, fails (init is also
//!   non-dumpable, which covers `/proc/1/mem` and `process_vm_*`): a command
//!   that stopped its init would hang until its timeout. Debugging its own
//!   children keeps working.
//!
//! Denied calls fail with EPERM.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

use super::{Layer, SetupError};

/// Which sockets the command may create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sockets {
    /// Full network: any.
    Any,
    /// Network through the allowlist proxy: Unix and IP sockets (IP reaches
    /// only the namespace's loopback), nothing else (no netlink, packet or
    /// other families).
    UnixAndIp,
    /// No network: Unix sockets only.
    UnixOnly,
}

pub(super) fn install(sockets: Sockets) -> Result<(), SetupError> {
    apply(&compile(sockets)?)
}

/// The filter for `sockets`, compiled (a long-lived sandbox compiles it
/// once and each command installs it).
pub(super) fn compile(sockets: Sockets) -> Result<BpfProgram, SetupError> {
    build(sockets).map_err(|cause| {
        SetupError::new(
            Layer::Seccomp,
            cause,
            "this architecture or kernel lacks seccomp filtering".to_string(),
        )
    })
}

/// Installs a compiled filter on this process (and what it starts).
pub(super) fn apply(program: &BpfProgram) -> Result<(), SetupError> {
    seccompiler::apply_filter(program).map_err(|e| {
        SetupError::new(
            Layer::Seccomp,
            format!("cannot install the seccomp filter ({e})"),
            "the kernel must have seccomp filters (CONFIG_SECCOMP_FILTER)".to_string(),
        )
    })
}

fn condition(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, String> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Dword, op, value).map_err(|e| e.to_string())
}

/// An ioctl request number as the filter compares it (the type differs
/// between C libraries: unsigned long on glibc, int on musl).
#[allow(clippy::unnecessary_cast)]
fn ioctl_request(request: libc::Ioctl) -> u64 {
    request as u64
}

fn build(sockets: Sockets) -> Result<BpfProgram, String> {
    let rule =
        |conditions: Vec<SeccompCondition>| SeccompRule::new(conditions).map_err(|e| e.to_string());
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    rules.insert(
        libc::SYS_ioctl,
        vec![
            rule(vec![condition(
                1,
                SeccompCmpOp::Eq,
                ioctl_request(libc::TIOCSTI),
            )?])?,
            rule(vec![condition(
                1,
                SeccompCmpOp::Eq,
                ioctl_request(libc::TIOCLINUX),
            )?])?,
        ],
    );
    // The sandbox's init is PID 1 of the command's PID namespace. The kernel
    // reads the pid as a 32-bit pid_t, so the low half is what is compared.
    rules.insert(
        libc::SYS_ptrace,
        vec![rule(vec![condition(1, SeccompCmpOp::Eq, 1)?])?],
    );
    for always in [
        libc::SYS_io_uring_setup,
        libc::SYS_io_uring_enter,
        libc::SYS_io_uring_register,
    ] {
        rules.insert(always, Vec::new());
    }
    if sockets != Sockets::Any {
        let not_unix = || -> Result<Vec<SeccompRule>, String> {
            Ok(vec![rule(vec![condition(
                0,
                SeccompCmpOp::Ne,
                libc::AF_UNIX as u64,
            )?])?])
        };
        // One rule whose conditions all hold: a family that is none of these.
        let socket_rule = if sockets == Sockets::UnixAndIp {
            vec![rule(vec![
                condition(0, SeccompCmpOp::Ne, libc::AF_UNIX as u64)?,
                condition(0, SeccompCmpOp::Ne, libc::AF_INET as u64)?,
                condition(0, SeccompCmpOp::Ne, libc::AF_INET6 as u64)?,
            ])?]
        } else {
            not_unix()?
        };
        rules.insert(libc::SYS_socket, socket_rule);
        rules.insert(libc::SYS_socketpair, not_unix()?);
    }
    let arch = TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|e| format!("seccomp does not support this architecture ({e})"))?;
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .map_err(|e| format!("cannot build the seccomp filter ({e})"))?;
    filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| format!("cannot compile the seccomp filter ({e})"))
}
