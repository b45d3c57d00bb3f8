//! Ways a command might try to get out of its policy.

use super::common::{sh, tempdir, workspace_only};

#[test]
fn a_symlink_to_a_directory_outside_does_not_let_a_write_escape() {
    let cwd = tempdir();
    let outside = tempdir();
    std::os::unix::fs::symlink(outside.path(), cwd.path().join("link")).unwrap();
    let out = sh(
        workspace_only(false),
        cwd.path(),
        "echo x > link/escaped.txt",
    );
    assert_ne!(out.exit_code, 0);
    assert!(!outside.path().join("escaped.txt").exists());
}

#[test]
fn a_symlink_to_a_file_outside_does_not_let_a_write_escape() {
    let cwd = tempdir();
    let outside = tempdir();
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, "original\n").unwrap();
    std::os::unix::fs::symlink(&victim, cwd.path().join("link.txt")).unwrap();
    let out = sh(
        workspace_only(false),
        cwd.path(),
        "echo pwned > link.txt; echo pwned >> link.txt; truncate -s 0 link.txt",
    );
    assert_ne!(out.exit_code, 0);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "original\n");
}

#[test]
fn a_hard_link_or_rename_out_of_the_workspace_fails() {
    let cwd = tempdir();
    let outside = tempdir();
    std::fs::write(cwd.path().join("f"), "x").unwrap();
    let out = sh(
        workspace_only(false),
        cwd.path(),
        &format!(
            "ln f {o}/hard; mv f {o}/moved; cp f {o}/copy",
            o = outside.path().display()
        ),
    );
    assert_ne!(out.exit_code, 0);
    assert!(std::fs::read_dir(outside.path()).unwrap().next().is_none());
    assert!(cwd.path().join("f").exists());
}

#[test]
fn grandchildren_are_as_restricted_as_the_child() {
    let cwd = tempdir();
    let outside = tempdir();
    let target = outside.path().join("from-grandchild.txt");
    let out = sh(
        workspace_only(false),
        cwd.path(),
        &format!(
            "sh -c 'sh -c \"echo x > {t}\"'; (setsid sh -c 'echo x > {t}' &) ; sleep 0.2; nohup sh -c 'echo x > {t}' >/dev/null 2>&1; true",
            t = target.display()
        ),
    );
    assert_eq!(out.exit_code, 0);
    assert!(!target.exists(), "{}", out.aggregated.text());
    let out = sh(
        workspace_only(false),
        cwd.path(),
        "sh -c 'sh -c \"echo in > deep.txt\"'",
    );
    assert_eq!(out.exit_code, 0);
    assert!(cwd.path().join("deep.txt").exists());
}

#[test]
fn the_git_protection_cannot_be_unmounted() {
    let cwd = tempdir();
    std::fs::create_dir_all(cwd.path().join(".git")).unwrap();
    let out = sh(
        workspace_only(false),
        cwd.path(),
        "umount .git 2>&1; umount -l .git 2>&1; mount -o remount,rw .git 2>&1; echo x > .git/config",
    );
    assert_ne!(out.exit_code, 0);
    assert!(
        !cwd.path().join(".git/config").exists(),
        "{}",
        out.aggregated.text()
    );
}

#[test]
fn a_new_user_namespace_does_not_lift_the_restrictions() {
    let cwd = tempdir();
    let outside = tempdir();
    let target = outside.path().join("userns.txt");
    let out = sh(
        workspace_only(false),
        cwd.path(),
        &format!(
            "unshare -Urm sh -c 'echo x > {}' 2>&1; true",
            target.display()
        ),
    );
    assert_eq!(out.exit_code, 0);
    assert!(!target.exists(), "{}", out.aggregated.text());
}

/// A script (Python, for `ptrace` through ctypes) that tries to attach to
/// each target its arguments name (`init`: PID 1; `parent`: its parent),
/// then to a child of its own; one `name=errno` line per attempt (0:
/// attached, and detached again at once).
pub const PTRACE_PROBE: &str = r#"
import ctypes, os, signal, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
PTRACE_ATTACH, PTRACE_DETACH, WALL = 16, 17, 0x40000000
def attach(pid):
    if libc.ptrace(PTRACE_ATTACH, pid, None, None) != 0:
        return ctypes.get_errno()
    os.waitpid(pid, WALL)
    libc.ptrace(PTRACE_DETACH, pid, None, None)
    return 0
for name in sys.argv[1:]:
    pid = 1 if name == "init" else os.getppid()
    print("%s=%d" % (name, attach(pid)), flush=True)
child = os.fork()
if child == 0:
    signal.pause()
    os._exit(0)
print("child=%d" % attach(child), flush=True)
os.kill(child, signal.SIGKILL)
os.waitpid(child, 0)
print("went on", flush=True)
"#;

#[test]
fn the_sandbox_init_cannot_be_traced_but_own_children_can() {
    use codex_protocol::protocol::SandboxPolicy;
    let cwd = tempdir();
    let python = "/usr/bin/python3";
    for policy in [SandboxPolicy::ReadOnly, workspace_only(false)] {
        // Run directly (init is the parent) and from a shell.
        for argv in [
            vec![python, "-c", PTRACE_PROBE, "init", "parent"],
            vec![
                "sh",
                "-c",
                "\"$0\" -c \"$1\" init; true",
                python,
                PTRACE_PROBE,
            ],
        ] {
            let mut spec = super::common::spec(policy.clone(), cwd.path(), "");
            spec.argv = argv.iter().map(|a| a.to_string()).collect();
            let out = super::common::run(&spec);
            let text = out.aggregated.text();
            assert_eq!(out.exit_code, 0, "{argv:?}: {text}");
            assert!(text.contains("init=1\n"), "EPERM expected: {text}");
            if argv[0] == python {
                assert!(text.contains("parent=1\n"), "EPERM expected: {text}");
            }
            assert!(text.contains("child=0\n"), "{text}");
            assert!(text.contains("went on"), "{text}");
        }
    }
    // Control: outside the sandbox the same probe attaches to its parent.
    let mut spec = super::common::spec(SandboxPolicy::DangerFullAccess, cwd.path(), "");
    spec.argv = [
        "sh",
        "-c",
        "\"$0\" -c \"$1\" parent; true",
        python,
        PTRACE_PROBE,
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let out = super::common::run(&spec);
    assert!(
        out.aggregated.text().contains("parent=0\n"),
        "control: {}",
        out.aggregated.text()
    );
}
