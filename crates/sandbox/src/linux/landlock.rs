//! Filesystem restrictions with Landlock.

use landlock::{
    ABI, Access, AccessFs, BitFlags, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    path_beneath_rules,
};

use crate::roots::WritableRoot;

/// The newest ABI whose rights we ask for; older kernels get what they support.
const TARGET_ABI: ABI = ABI::V5;
/// ABI 3 is the first that can forbid truncate(2); below it a "read-only"
/// file could still be truncated, so such kernels cannot enforce a policy.
const MINIMUM_ABI: i64 = 3;

/// Device files any command may write (and truncate, as `> /dev/null` does).
const WRITABLE_DEVICES: &[&str] = &["/dev/null", "/dev/zero", "/dev/full", "/dev/tty"];

/// Restricts this process (and what it execs) to reading everywhere and
/// writing only beneath `roots`.
pub(super) fn restrict_filesystem(roots: &[WritableRoot]) -> Result<(), String> {
    let abi = kernel_abi();
    if abi < MINIMUM_ABI {
        return Err(if abi <= 0 {
            "Landlock is not available on this kernel, so the sandbox cannot be enforced \
             (Linux 6.2 or newer with Landlock enabled is needed)"
                .to_string()
        } else {
            format!(
                "this kernel's Landlock (ABI {abi}) cannot prevent truncating read-only files, \
                 so the sandbox cannot be enforced (Linux 6.2 or newer is needed)"
            )
        });
    }
    let read: BitFlags<AccessFs> = AccessFs::from_read(TARGET_ABI);
    let all: BitFlags<AccessFs> = AccessFs::from_all(TARGET_ABI);
    let device_write = AccessFs::WriteFile | AccessFs::Truncate;
    let err = |e: landlock::RulesetError| format!("cannot set up Landlock: {e}");
    let status = Ruleset::default()
        .handle_access(all)
        .map_err(err)?
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
        .map_err(err)?
        .restrict_self()
        .map_err(err)?;
    match status.ruleset {
        RulesetStatus::FullyEnforced | RulesetStatus::PartiallyEnforced => Ok(()),
        RulesetStatus::NotEnforced => {
            Err("Landlock did not enforce the ruleset, so the sandbox cannot be enforced".into())
        }
    }
}

/// The kernel's Landlock ABI version (<= 0 when unavailable).
fn kernel_abi() -> i64 {
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
