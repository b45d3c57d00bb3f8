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
