//! All-or-nothing application, and what is preserved.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use codex_apply_patch::{ApplyPatchError, apply_patch, parse_patch, plan_patch};
use pretty_assertions::assert_eq;

use super::tree::snapshot;

fn write(dir: &Path, name: &str, content: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn patch(body: &str) -> String {
    format!("*** Begin Patch\n{body}\n*** End Patch\n")
}

#[test]
fn a_failing_hunk_leaves_every_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b.txt", b"b1\nb2\n");
    write(dir.path(), "c.txt", b"c\n");
    write(dir.path(), "d.txt", b"d\n");
    let before = snapshot(dir.path());
    let text = patch(
        "*** Add File: new/a.txt\n+a\n*** Update File: b.txt\n@@\n-b1\n+B1\n\
         *** Delete File: c.txt\n*** Update File: d.txt\n*** Move to: moved/d.txt\n@@\n-nope\n+x",
    );
    let err = apply_patch(&text, dir.path()).unwrap_err();
    assert!(
        matches!(err, ApplyPatchError::LinesNotFound { .. }),
        "{err}"
    );
    assert!(err.nothing_changed());
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_failure_while_writing_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", b"old a\n");
    write(dir.path(), "target.txt", b"z\n");
    std::os::unix::fs::symlink("target.txt", dir.path().join("z.txt")).unwrap();
    let text = patch(
        "*** Update File: a.txt\n@@\n-old a\n+new a\n*** Add File: sub/new.txt\n+n\n*** Delete File: z.txt",
    );
    let plan = plan_patch(&parse_patch(&text).unwrap(), dir.path()).unwrap();
    // Between planning and committing, the link z.txt becomes a directory
    // (its target, which the commit checks for changes, stays as it was), so
    // deleting it (the last step) fails after a.txt and sub/new.txt are written.
    std::fs::remove_file(dir.path().join("z.txt")).unwrap();
    write(dir.path(), "z.txt/inside", b"i\n");
    let before = snapshot(dir.path());

    let err = plan.commit().unwrap_err();
    let ApplyPatchError::CommitFailed { source, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        matches!(
            **source,
            ApplyPatchError::Io {
                action: "delete",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.nothing_changed(), "{err}");
    assert_eq!(snapshot(dir.path()), before, "a.txt restored, sub/ removed");
}

#[test]
fn a_file_written_after_planning_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", b"one\n");
    write(dir.path(), "b.txt", b"b\n");
    let text = patch("*** Update File: b.txt\n@@\n-b\n+B\n*** Update File: a.txt\n@@\n-one\n+ONE");
    let plan = plan_patch(&parse_patch(&text).unwrap(), dir.path()).unwrap();
    // Someone (the person, an editor) saves a.txt while the patch waits.
    write(dir.path(), "a.txt", b"one\ntwo\n");
    // So does a file the patch is about to add.
    let add = plan_patch(
        &parse_patch(&patch("*** Add File: c.txt\n+c")).unwrap(),
        dir.path(),
    )
    .unwrap();
    write(dir.path(), "c.txt", b"mine\n");
    let before = snapshot(dir.path());

    for plan in [plan, add] {
        let err = plan.commit().unwrap_err();
        let ApplyPatchError::CommitFailed { source, .. } = &err else {
            panic!("{err}")
        };
        assert!(
            matches!(**source, ApplyPatchError::ChangedOnDisk { .. }),
            "{err}"
        );
        assert!(err.nothing_changed());
    }
    assert_eq!(snapshot(dir.path()), before, "nobody's edits are lost");
}

#[test]
fn a_failure_while_staging_leaves_no_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", b"a\n");
    let text = patch("*** Update File: a.txt\n@@\n-a\n+b\n*** Add File: sub/deeper/new.txt\n+n");
    let plan = plan_patch(&parse_patch(&text).unwrap(), dir.path()).unwrap();
    // `sub` turns into a file, so its directory cannot be created.
    write(dir.path(), "sub", b"not a dir\n");
    let before = snapshot(dir.path());
    let err = plan.commit().unwrap_err();
    assert!(err.nothing_changed(), "{err}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn line_endings_and_permissions_are_preserved() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "win.txt", b"one\r\ntwo\r\nthree\r\n");
    write(dir.path(), "run.sh", b"#!/bin/sh\necho old\n");
    std::fs::set_permissions(
        dir.path().join("run.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    write(dir.path(), "secret.txt", b"s\n");
    std::fs::set_permissions(
        dir.path().join("secret.txt"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();

    let text = patch(
        "*** Update File: win.txt\n@@\n one\n-two\n+TWO\n+2.5\n\
         *** Update File: run.sh\n@@\n-echo old\n+echo new\n\
         *** Update File: secret.txt\n*** Move to: moved/secret.txt\n@@\n-s\n+t",
    );
    let (_, applied) = apply_patch(&text, dir.path()).unwrap();
    assert_eq!(
        applied.summary(),
        "Success. Updated the following files:\nM win.txt\nM run.sh\nM moved/secret.txt\n"
    );
    assert_eq!(
        std::fs::read(dir.path().join("win.txt")).unwrap(),
        b"one\r\nTWO\r\n2.5\r\nthree\r\n"
    );
    let mode = |p: &str| {
        std::fs::metadata(dir.path().join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("run.sh"), 0o755);
    assert_eq!(mode("moved/secret.txt"), 0o600);
    assert!(!dir.path().join("secret.txt").exists());
}

#[test]
fn non_utf8_files_are_refused_not_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"caf\xe9\nline\n";
    write(dir.path(), "latin1.txt", bytes);
    let err = apply_patch(
        &patch("*** Update File: latin1.txt\n@@\n-line\n+LINE"),
        dir.path(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot update latin1.txt: it is not UTF-8 text, and apply_patch edits text files only"
    );
    assert_eq!(std::fs::read(dir.path().join("latin1.txt")).unwrap(), bytes);

    // Deleting one is fine.
    apply_patch(&patch("*** Delete File: latin1.txt"), dir.path()).unwrap();
    assert!(!dir.path().join("latin1.txt").exists());
}

#[test]
fn symlinks_are_written_through_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "target.txt", b"t\n");
    std::os::unix::fs::symlink(
        outside.path().join("target.txt"),
        dir.path().join("link.txt"),
    )
    .unwrap();
    let text = patch("*** Update File: link.txt\n@@\n-t\n+T");
    let plan = plan_patch(&parse_patch(&text).unwrap(), dir.path()).unwrap();
    // The real destination is outside the directory: a caller can see that.
    assert_eq!(
        plan.paths_to_write(),
        vec![outside.path().join("target.txt").canonicalize().unwrap()]
    );
    plan.commit().unwrap();
    assert_eq!(
        std::fs::read(outside.path().join("target.txt")).unwrap(),
        b"T\n"
    );
    assert!(
        std::fs::symlink_metadata(dir.path().join("link.txt"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn hunks_see_the_effect_of_earlier_hunks() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "f.txt", b"a\nb\n");
    let text = patch(
        "*** Update File: f.txt\n@@\n-a\n+A\n*** Update File: f.txt\n@@\n-A\n+AA\n\
         *** Add File: g.txt\n+g1\n*** Update File: g.txt\n@@\n-g1\n+g2",
    );
    apply_patch(&text, dir.path()).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("f.txt")).unwrap(),
        "AA\nb\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("g.txt")).unwrap(),
        "g2\n"
    );
}

#[test]
fn paths_resolve_against_the_given_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let sub = dir.path().join("sub");
    let text = patch("*** Add File: ../up.txt\n+u\n*** Add File: here.txt\n+h");
    let plan = plan_patch(&parse_patch(&text).unwrap(), &sub).unwrap();
    let mut paths = plan.paths_to_write();
    paths.sort();
    assert_eq!(
        paths,
        vec![dir.path().join("sub/here.txt"), dir.path().join("up.txt")]
    );
    plan.commit().unwrap();
    assert!(dir.path().join("up.txt").exists());
}

#[test]
fn errors_name_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    let cases = [
        (
            "*** Delete File: missing.txt",
            "cannot delete missing.txt: the file does not exist",
        ),
        (
            "*** Update File: missing.txt\n@@\n-a\n+b",
            "cannot update missing.txt: the file does not exist",
        ),
        ("*** Delete File: d", "cannot delete d: it is a directory"),
        ("*** Add File: d\n+x", "cannot add d: it is a directory"),
    ];
    for (body, message) in cases {
        let err = apply_patch(&patch(body), dir.path()).unwrap_err();
        assert_eq!(err.to_string(), message);
    }
}
