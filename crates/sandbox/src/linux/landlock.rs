//! Filesystem restrictions and scoping with Landlock: read everywhere,
//! write only beneath the writable roots; where the kernel has them (ABI 6
//! and newer), no signals to and no abstract-socket connections with
//! processes outside the sandbox; where it has them (ABI 9), no connecting
//! to pathname Unix sockets outside the writable roots.

use landlock::{
    ABI, Access, AccessFs, BitFlags, Ruleset, RulesetAttr, RulesetCreated, RulesetCreatedAttr,
    RulesetStatus, Scope, path_beneath_rules,
};

use super::{Layer, SetupError};
use crate::roots::WritableRoot;

/// The newest ABI whose rights we ask for; older kernels get what they
/// support (best effort), down to [`MINIMUM_ABI`].
const TARGET_ABI: ABI = ABI::V9;
/// ABI 3 is the first that can forbid truncate(2); below it a "read-only"
/// file could still be truncated, so such kernels cannot enforce a policy.
const MINIMUM_ABI: i64 = 3;
/// The first ABI with signal and abstract Unix socket scoping.
pub(super) const SCOPING_ABI: i64 = 6;
/// The first ABI that controls connecting to pathname Unix sockets.
pub(super) const RESOLVE_UNIX_ABI: i64 = 9;

/// Device files any command may write (and truncate, as `> /dev/null` does).
const WRITABLE_DEVICES: &[&str] = &["/dev/null", "/dev/zero", "/dev/full", "/dev/tty"];

/// Restricts this process (and what it execs) to reading everywhere and
/// writing only beneath `roots`.
pub(super) fn restrict(roots: &[WritableRoot]) -> Result<(), SetupError> {
    enforce(prepare(roots)?)
}

/// The ruleset for `roots`, made but not yet enforced: a long-lived sandbox
/// ([`super::server`]) makes it once and each command enforces its own copy.
pub(super) fn prepare(roots: &[WritableRoot]) -> Result<RulesetCreated, SetupError> {
    let abi = kernel_abi();
    if abi < MINIMUM_ABI {
        let cause = if abi <= 0 {
            "Landlock is not available on this kernel".to_string()
        } else {
            format!("this kernel's Landlock (ABI {abi}) cannot prevent truncating read-only files")
        };
        return Err(SetupError::new(
            Layer::Landlock,
            cause,
            "Linux 6.2 or newer with Landlock enabled (`lsm=landlock,...` on the kernel command line) is needed"
                .to_string(),
        ));
    }
    let read: BitFlags<AccessFs> = AccessFs::from_read(TARGET_ABI);
    let all: BitFlags<AccessFs> = AccessFs::from_all(TARGET_ABI);
    let device_write = AccessFs::WriteFile | AccessFs::Truncate;
    let err = |e: landlock::RulesetError| {
        SetupError::new(
            Layer::Landlock,
            format!("cannot set up Landlock ({e})"),
            "check that Landlock is enabled in the kernel".to_string(),
        )
    };
    let mut ruleset = Ruleset::default().handle_access(all).map_err(err)?;
    if abi >= SCOPING_ABI {
        ruleset = ruleset.scope(Scope::from_all(TARGET_ABI)).map_err(err)?;
    }
    ruleset
        .create()
        .map_err(err)?
        .add_rules(path_beneath_rules(["/"], read))
        .map_err(err)?
        .add_rules(path_beneath_rules(WRITABLE_DEVICES, device_write))
        .map_err(err)?
        .add_rules(path_beneath_rules(["/dev/pts"], AccessFs::WriteFile))
        .map_err(err)?
        .add_rules(path_beneath_rules(["/dev"], AccessFs::IoctlDev))
        .map_err(err)?
        .add_rules(path_beneath_rules(roots.iter().map(|r| &r.root), all))
        .map_err(err)
}

/// Restricts this process (and what it starts) with `ruleset`.
pub(super) fn enforce(ruleset: RulesetCreated) -> Result<(), SetupError> {
    let err = |e: landlock::RulesetError| {
        SetupError::new(
            Layer::Landlock,
            format!("cannot set up Landlock ({e})"),
            "check that Landlock is enabled in the kernel".to_string(),
        )
    };
    let status = ruleset.restrict_self().map_err(err)?;
    match status.ruleset {
        RulesetStatus::FullyEnforced | RulesetStatus::PartiallyEnforced => Ok(()),
        RulesetStatus::NotEnforced => Err(SetupError::new(
            Layer::Landlock,
            "Landlock did not enforce the ruleset".to_string(),
            "check that Landlock is enabled in the kernel".to_string(),
        )),
    }
}

/// The kernel's Landlock ABI version (<= 0 when unavailable).
pub(super) fn kernel_abi() -> i64 {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: this query form of landlock_create_ruleset takes no pointers.
    unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    }
}
