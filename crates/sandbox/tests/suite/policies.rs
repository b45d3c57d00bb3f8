//! What each policy lets a command write.

use codex_protocol::protocol::SandboxPolicy;
use codex_sandbox::is_likely_sandbox_denial;

use super::common::{sh, tempdir, workspace_only};

#[test]
fn read_only_writes_nowhere_but_reads_everywhere() {
    let cwd = tempdir();
    let out = sh(SandboxPolicy::ReadOnly, cwd.path(), "echo x > here.txt");
    assert_ne!(out.exit_code, 0);
    assert!(
        out.stderr.text().contains("Read-only file system"),
        "{}",
        out.stderr.text()
    );
    assert!(!cwd.path().join("here.txt").exists());
    assert!(is_likely_sandbox_denial(&SandboxPolicy::ReadOnly, &out));

    let out = sh(
        SandboxPolicy::ReadOnly,
        cwd.path(),
        "echo x > /tmp/codex-sandbox-ro-$$",
    );
    assert_ne!(out.exit_code, 0);

    let out = sh(
        SandboxPolicy::ReadOnly,
        cwd.path(),
        "head -c 4 /etc/passwd && echo discard > /dev/null && ls / > /dev/null",
    );
    assert_eq!(out.exit_code, 0, "{}", out.aggregated.text());
    assert_eq!(out.stdout.text(), "root");
}

#[test]
fn workspace_write_writes_the_workspace_only() {
    let cwd = tempdir();
    let outside = tempdir();
    let out = sh(
        workspace_only(false),
        cwd.path(),
        "mkdir -p sub/dir && echo in > sub/dir/f.txt && mv sub/dir/f.txt moved.txt && cat moved.txt",
    );
    assert_eq!(out.exit_code, 0, "{}", out.aggregated.text());
    assert_eq!(out.stdout.text(), "in\n");

    let target = outside.path().join("escaped.txt");
    let out = sh(
        workspace_only(false),
        cwd.path(),
        &format!("echo x > {}", target.display()),
    );
    assert_ne!(out.exit_code, 0);
    assert!(out.stderr.text().contains("Read-only file system"));
    assert!(!target.exists(), "nothing left behind");
    assert!(is_likely_sandbox_denial(&workspace_only(false), &out));
}

#[test]
fn extra_writable_roots_are_writable() {
    let cwd = tempdir();
    let extra = tempdir();
    let policy = SandboxPolicy::WorkspaceWrite {
        writable_roots: vec![extra.path().to_path_buf()],
        network_access: false,
        exclude_tmpdir_env_var: true,
        exclude_slash_tmp: true,
    };
    let out = sh(
        policy,
        cwd.path(),
        &format!("echo x > {}/f", extra.path().display()),
    );
    assert_eq!(out.exit_code, 0, "{}", out.aggregated.text());
    assert!(extra.path().join("f").exists());
}

#[test]
fn slash_tmp_and_tmpdir_follow_their_flags() {
    let cwd = tempdir();
    let name = format!("/tmp/codex-sandbox-tmp-{}", std::process::id());
    let allow_tmp = SandboxPolicy::WorkspaceWrite {
        writable_roots: vec![],
        network_access: false,
        exclude_tmpdir_env_var: true,
        exclude_slash_tmp: false,
    };
    let out = sh(
        allow_tmp,
        cwd.path(),
        &format!("echo x > {name} && rm {name}"),
    );
    assert_eq!(out.exit_code, 0, "{}", out.aggregated.text());
    let out = sh(
        workspace_only(false),
        cwd.path(),
        &format!("echo x > {name}"),
    );
    assert_ne!(out.exit_code, 0);
    assert!(!std::path::Path::new(&name).exists());

    // $TMPDIR pointing at a private directory.
    let tmpdir = tempdir();
    let allow_tmpdir = SandboxPolicy::WorkspaceWrite {
        writable_roots: vec![],
        network_access: false,
        exclude_tmpdir_env_var: false,
        exclude_slash_tmp: true,
    };
    let mut spec = super::common::spec(allow_tmpdir, cwd.path(), "echo x > \"$TMPDIR/t\"");
    spec.env
        .insert("TMPDIR".into(), tmpdir.path().display().to_string());
    let out = super::common::run(&spec);
    assert_eq!(out.exit_code, 0, "{}", out.aggregated.text());
    assert!(tmpdir.path().join("t").exists());

    spec.policy = workspace_only(false);
    std::fs::remove_file(tmpdir.path().join("t")).unwrap();
    let out = super::common::run(&spec);
    assert_ne!(out.exit_code, 0);
    assert!(!tmpdir.path().join("t").exists());
}

#[test]
fn git_and_codex_inside_the_workspace_stay_read_only() {
    let cwd = tempdir();
    std::fs::create_dir_all(cwd.path().join(".git/hooks")).unwrap();
    std::fs::write(cwd.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::create_dir_all(cwd.path().join(".codex")).unwrap();
    let out = sh(
        workspace_only(false),
        cwd.path(),
        "echo '#!/bin/sh' > .git/hooks/pre-commit",
    );
    assert_ne!(out.exit_code, 0);
    assert!(
        out.stderr.text().contains("Read-only file system"),
        "{}",
        out.stderr.text()
    );
    assert!(!cwd.path().join(".git/hooks/pre-commit").exists());
    assert!(is_likely_sandbox_denial(&workspace_only(false), &out));

    let out = sh(
        workspace_only(false),
        cwd.path(),
        "echo x > .codex/config.toml",
    );
    assert_ne!(out.exit_code, 0);
    assert!(!cwd.path().join(".codex/config.toml").exists());

    // Reading git data and writing the rest of the workspace still work.
    let out = sh(
        workspace_only(false),
        cwd.path(),
        "cat .git/HEAD && echo ok > src.txt",
    );
    assert_eq!(out.exit_code, 0, "{}", out.aggregated.text());
    assert_eq!(out.stdout.text(), "ref: refs/heads/main\n");
}

#[test]
fn full_access_is_unrestricted() {
    let cwd = tempdir();
    let outside = tempdir();
    let out = sh(
        SandboxPolicy::DangerFullAccess,
        cwd.path(),
        &format!("echo x > {}/f", outside.path().display()),
    );
    assert_eq!(out.exit_code, 0);
    assert!(outside.path().join("f").exists());
}
