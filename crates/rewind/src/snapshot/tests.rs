//! The snapshots' tests: every snapshot a repository makes, whichever
//! way, holds what a snapshot made from scratch holds.

use crate::ghost::{Repo, git};
use std::path::Path;

fn run(dir: &Path, args: &[&str]) -> String {
    git(dir, None, args).unwrap()
}

/// Every path of a snapshot with its blob.
fn contents(top: &Path, commit: &str) -> Vec<String> {
    run(top, &["ls-tree", "-r", commit])
        .lines()
        .map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest).to_string())
        .collect()
}

/// What a snapshot made from scratch holds now.
fn fresh(top: &Path) -> Vec<String> {
    let repo = Repo::at(top.to_path_buf(), top.join(".git"));
    contents(top, &repo.snapshot().unwrap().commit)
}

/// Commits what is staged in the repository at `dir`.
fn commit_all(dir: &Path, message: &str) {
    let who = ["-c", "user.name=t", "-c", "user.email=t@t"];
    run(dir, &[&who[..], &["commit", "-qm", message]].concat());
}

fn repo_with_files() -> (tempfile::TempDir, Repo) {
    repo_with_files_in(&[])
}

/// [`repo_with_files`], `git init` given `options`.
fn repo_with_files_in(options: &[&str]) -> (tempfile::TempDir, Repo) {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path();
    run(top, &[&["init", "-q", "-b", "main"], options].concat());
    for d in ["a", "b", "target"] {
        std::fs::create_dir_all(top.join(d)).unwrap();
        for f in 0..3 {
            std::fs::write(top.join(format!("{d}/{f}.txt")), format!("{d} {f}\n")).unwrap();
        }
    }
    std::fs::write(top.join(".gitignore"), "target/\n*.log\n").unwrap();
    run(top, &["add", "."]);
    commit_all(top, "base");
    let repo = Repo::at(top.to_path_buf(), top.join(".git"));
    (dir, repo)
}

#[test]
fn later_snapshots_hold_what_a_snapshot_from_scratch_holds() {
    let (dir, repo) = repo_with_files();
    let top = dir.path();
    let user_index = std::fs::read(top.join(".git/index")).unwrap();
    let head = run(top, &["rev-parse", "HEAD"]);
    let first = repo.snapshot().unwrap();
    assert_eq!(contents(top, &first.commit), fresh(top));

    // Nothing changed: the same snapshot.
    assert_eq!(repo.snapshot().unwrap().commit, first.commit);

    std::fs::write(top.join("a/0.txt"), "changed\n").unwrap();
    std::fs::remove_file(top.join("b/1.txt")).unwrap();
    std::fs::create_dir_all(top.join("new/deeper")).unwrap();
    std::fs::write(top.join("new/deeper/n.txt"), "new\n").unwrap();
    std::fs::write(top.join("a/x.log"), "ignored\n").unwrap();
    std::fs::write(top.join("target/out"), "ignored\n").unwrap();
    let second = repo.snapshot_after(Some(&first.commit)).unwrap();
    assert_ne!(second.commit, first.commit);
    assert!(repo.changed(&first.commit, &second.commit));
    let held = contents(top, &second.commit);
    assert_eq!(held, fresh(top));
    assert!(held.iter().any(|l| l.ends_with("new/deeper/n.txt")));
    assert!(
        !held
            .iter()
            .any(|l| l.ends_with("b/1.txt") || l.ends_with(".log"))
    );

    // The same files again (now in the snapshot's tree), one of them gone.
    std::fs::write(top.join("a/0.txt"), "changed again\n").unwrap();
    std::fs::write(top.join("new/deeper/n.txt"), "newer\n").unwrap();
    let again = repo.snapshot_after(Some(&second.commit)).unwrap();
    assert_eq!(contents(top, &again.commit), fresh(top));
    std::fs::remove_file(top.join("a/0.txt")).unwrap();
    let without = repo.snapshot_after(Some(&again.commit)).unwrap();
    assert_eq!(contents(top, &without.commit), fresh(top));
    assert!(
        !contents(top, &without.commit)
            .iter()
            .any(|l| l.ends_with("a/0.txt"))
    );
    // Back as a directory: git is asked again.
    std::fs::create_dir_all(top.join("a/0.txt")).unwrap();
    std::fs::write(top.join("a/0.txt/inside"), "inside\n").unwrap();
    let second = repo.snapshot_after(Some(&without.commit)).unwrap();
    assert_eq!(contents(top, &second.commit), fresh(top));
    std::fs::remove_dir_all(top.join("a/0.txt")).unwrap();

    // A file in the directory created before: watched from then on.
    std::fs::write(top.join("new/deeper/m.txt"), "more\n").unwrap();
    std::fs::remove_dir_all(top.join("a")).unwrap();
    let third = repo.snapshot_after(Some(&second.commit)).unwrap();
    assert_eq!(contents(top, &third.commit), fresh(top));
    // The snapshot's parent is the one asked for.
    let parent = run(top, &["rev-parse", &format!("{}^", third.commit)]);
    assert_eq!(parent.trim(), second.commit);

    // A changed .gitignore: what it stops ignoring is taken.
    std::fs::write(top.join(".gitignore"), "*.log\n").unwrap();
    let fourth = repo.snapshot().unwrap();
    assert!(
        contents(top, &fourth.commit)
            .iter()
            .any(|l| l.ends_with("target/out"))
    );
    assert_eq!(contents(top, &fourth.commit), fresh(top));

    // The user's index and HEAD are as they were.
    assert_eq!(std::fs::read(top.join(".git/index")).unwrap(), user_index);
    assert_eq!(run(top, &["rev-parse", "HEAD"]), head);
}

#[test]
fn a_corrupt_or_missing_private_index_costs_speed_only() {
    let (dir, repo) = repo_with_files();
    let top = dir.path();
    repo.snapshot().unwrap();
    let index_dir = top.join(".git/codex");
    let private = || {
        std::fs::read_dir(&index_dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            // Not its lock, nor the scratch files of the git processes.
            .find(|p| !p.file_name().unwrap().to_string_lossy().contains('.'))
    };
    // Git wrote it, so the first snapshot had something to update:
    // give it something.
    std::fs::write(top.join("a/0.txt"), "one\n").unwrap();
    repo.snapshot().unwrap();
    let index = private().unwrap();

    std::fs::write(&index, "not an index").unwrap();
    std::fs::write(top.join("a/1.txt"), "two\n").unwrap();
    let after_corruption = repo.snapshot().unwrap();
    assert_eq!(contents(top, &after_corruption.commit), fresh(top));

    let index = private().unwrap();
    std::fs::remove_file(&index).unwrap();
    std::fs::write(top.join("a/2.txt"), "three\n").unwrap();
    let after_removal = repo.snapshot().unwrap();
    assert_eq!(contents(top, &after_removal.commit), fresh(top));
    assert!(contents(top, &after_removal.commit).len() > 5);

    // The long-lived git processes killed: the next snapshot starts
    // again from scratch.
    std::fs::write(top.join("a/2.txt"), "four\n").unwrap();
    repo.snapshot().unwrap();
    let ids = repo.snapshotter().git.as_ref().unwrap().ids();
    assert!(!ids.is_empty());
    for id in ids {
        // SAFETY: a signal to a child process this test started.
        unsafe { libc::kill(id as libc::pid_t, libc::SIGKILL) };
    }
    std::fs::write(top.join("a/2.txt"), "five\n").unwrap();
    let after_kill = repo.snapshot().unwrap();
    assert_eq!(contents(top, &after_kill.commit), fresh(top));
    assert!(contents(top, &after_kill.commit).contains(&blob_line(top, "a/2.txt")));
}

#[test]
fn an_oversized_file_stays_out_and_reported_until_it_shrinks() {
    let (dir, repo) = repo_with_files();
    let top = dir.path();
    repo.snapshot().unwrap();
    let big = vec![b'x'; (super::MAX_FILE_BYTES + 1) as usize];
    std::fs::write(top.join("a/0.txt"), &big).unwrap();
    let with_big = repo.snapshot().unwrap();
    assert_eq!(with_big.skipped, vec!["a/0.txt"]);
    assert!(
        !contents(top, &with_big.commit)
            .iter()
            .any(|l| l.ends_with("a/0.txt"))
    );
    std::fs::write(top.join("b/0.txt"), "other\n").unwrap();
    assert_eq!(repo.snapshot().unwrap().skipped, vec!["a/0.txt"]);
    std::fs::write(top.join("a/0.txt"), "small again\n").unwrap();
    let small = repo.snapshot().unwrap();
    assert!(small.skipped.is_empty());
    assert_eq!(contents(top, &small.commit), fresh(top));
}

/// The paths the fast path took since the index last caught up.
fn pending(repo: &Repo) -> Vec<String> {
    repo.snapshotter().pending.iter().cloned().collect()
}

/// The line [`contents`] has for the file `path` as it is now.
fn blob_line(top: &Path, path: &str) -> String {
    let id = run(top, &["hash-object", path]);
    format!("blob {}\t{path}", id.trim())
}

/// The next snapshot on `last`, checked against one made from scratch.
fn next_as_fresh(repo: &Repo, last: &str) -> String {
    let next = repo.snapshot_after(Some(last)).unwrap().commit;
    assert_eq!(contents(repo.top(), &next), fresh(repo.top()));
    next
}

fn blob(top: &Path, commit: &str, path: &str) -> String {
    run(top, &["cat-file", "-p", &format!("{commit}:{path}")])
}

#[test]
fn snapshots_made_without_the_index_hold_what_a_snapshot_from_scratch_holds() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, repo) = repo_with_files();
    let top = dir.path();
    // A clean filter: what git stores is not what the file holds.
    run(top, &["config", "filter.upper.clean", "tr a-z A-Z"]);
    std::fs::write(top.join(".gitattributes"), "*.up filter=upper\n").unwrap();
    std::fs::write(top.join("a/f.up"), "lower\n").unwrap();
    let executable = top.join("b/2.txt");
    std::fs::set_permissions(&executable, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(top.join("c/d/e")).unwrap();
    for file in ["c/d/e/1.txt", "c/d/e/2.txt", "c/d/x.txt"] {
        std::fs::write(top.join(file), file).unwrap();
    }
    let user_index = std::fs::read(top.join(".git/index")).unwrap();
    let mut last = repo.snapshot().unwrap().commit;
    assert_eq!(contents(top, &last), fresh(top));
    let private_index = repo.snapshotter().index.clone();
    let index_before = std::fs::read(&private_index).unwrap();

    // Tracked files edited turn after turn, one of them deleted, one
    // executable, one filtered: no index, and the same trees.
    for turn in 0..3 {
        std::fs::write(top.join("a/0.txt"), format!("turn {turn}\n")).unwrap();
        std::fs::write(top.join("a/f.up"), format!("turn {turn}\n")).unwrap();
        std::fs::write(&executable, format!("#!/bin/sh\n# {turn}\n")).unwrap();
        if turn == 1 {
            std::fs::remove_file(top.join("b/1.txt")).unwrap();
        }
        let next = repo.snapshot_after(Some(&last)).unwrap().commit;
        assert_ne!(next, last);
        assert_eq!(contents(top, &next), fresh(top), "turn {turn}");
        assert_eq!(blob(top, &next, "a/f.up"), format!("TURN {turn}\n"));
        let parent = run(top, &["rev-parse", &format!("{next}^")]);
        assert_eq!(parent.trim(), last);
        last = next;
    }
    let mut expected = vec!["a/0.txt", "a/f.up", "b/1.txt", "b/2.txt"];
    assert_eq!(pending(&repo), expected);
    assert_eq!(std::fs::read(&private_index).unwrap(), index_before);
    // A file written again as it was: the same snapshot.
    std::fs::write(top.join("a/0.txt"), "turn 2\n").unwrap();
    assert_eq!(repo.snapshot_after(Some(&last)).unwrap().commit, last);

    // Every file of a directory deleted: the directory goes too, and
    // with it a parent left empty, beside trees written again.
    std::fs::remove_file(top.join("b/0.txt")).unwrap();
    std::fs::remove_file(&executable).unwrap();
    std::fs::remove_file(top.join("c/d/e/1.txt")).unwrap();
    std::fs::remove_file(top.join("c/d/e/2.txt")).unwrap();
    std::fs::write(top.join("c/d/x.txt"), "changed").unwrap();
    last = next_as_fresh(&repo, &last);
    let held = contents(top, &last);
    assert!(
        !held
            .iter()
            .any(|l| l.contains("\tb/") || l.contains("c/d/e"))
    );
    assert!(held.iter().any(|l| l.ends_with("c/d/x.txt")));
    std::fs::remove_file(top.join("c/d/x.txt")).unwrap();
    last = next_as_fresh(&repo, &last);
    assert!(!contents(top, &last).iter().any(|l| l.contains("\tc/")));
    expected.extend(["b/0.txt", "c/d/e/1.txt", "c/d/e/2.txt", "c/d/x.txt"]);
    expected.sort();
    assert_eq!(pending(&repo), expected);

    // An executable bit that changed asks the index, which takes the
    // fast path's files too (git would not list them: the index has
    // their old content and stat data of its own).
    std::fs::set_permissions(top.join("a/1.txt"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(top.join("a/0.txt"), "slow\n").unwrap();
    last = next_as_fresh(&repo, &last);
    assert!(pending(&repo).is_empty());

    // Fast again, then a new file: the index catches up with both.
    std::fs::write(top.join("a/0.txt"), "fast\n").unwrap();
    std::fs::write(top.join("a/1.txt"), "fast and executable\n").unwrap();
    last = next_as_fresh(&repo, &last);
    assert_eq!(pending(&repo), vec!["a/0.txt", "a/1.txt"]);
    std::fs::write(top.join("a/new.txt"), "new\n").unwrap();
    last = next_as_fresh(&repo, &last);
    assert!(pending(&repo).is_empty());

    // Attributes that changed: the files changed after are hashed with
    // the new ones. (Not the others: as with git's own index, a file
    // that did not change keeps its blob; a snapshot from scratch, which
    // hashes the files the user's index lacks, differs here.)
    std::fs::write(top.join(".gitattributes"), "").unwrap();
    last = repo.snapshot_after(Some(&last)).unwrap().commit;
    std::fs::write(top.join("a/f.up"), "lower again\n").unwrap();
    last = next_as_fresh(&repo, &last);
    assert_eq!(blob(top, &last, "a/f.up"), "lower again\n");
    // New attributes in a directory (a new file: through the index), then
    // a file there edited without the index: hashed with them.
    std::fs::write(top.join("a/.gitattributes"), "*.txt filter=upper\n").unwrap();
    last = repo.snapshot_after(Some(&last)).unwrap().commit;
    // (Compared with the file alone: the files the user's index lacks or
    // holds otherwise, a snapshot from scratch takes with the new filter.)
    std::fs::write(top.join("a/0.txt"), "shout\n").unwrap();
    last = repo.snapshot_after(Some(&last)).unwrap().commit;
    assert_eq!(blob(top, &last, "a/0.txt"), "SHOUT\n");
    assert_eq!(pending(&repo), vec!["a/0.txt"]);

    // A parent the repository does not have is refused (a snapshot
    // pointing at a missing commit would break git's gc).
    let error = repo.snapshot_after(Some(&"1".repeat(40))).unwrap_err();
    assert!(error.contains("not a commit"), "{error}");

    // The user's index is as it was.
    assert_eq!(std::fs::read(top.join(".git/index")).unwrap(), user_index);
}

#[test]
fn a_dropped_repo_leaves_no_git_process_behind() {
    let (dir, repo) = repo_with_files();
    let top = dir.path();
    let first = repo.snapshot().unwrap().commit;
    std::fs::write(top.join("a/0.txt"), "changed\n").unwrap();
    repo.snapshot_after(Some(&first)).unwrap();
    let ids = repo.snapshotter().git.as_ref().unwrap().ids();
    // Objects read, a file hashed, a tree and a commit written.
    assert_eq!(ids.len(), 4);
    let ours = |id: &u32| {
        // The parent's id is the field after the name (in parentheses).
        std::fs::read_to_string(format!("/proc/{id}/stat"))
            .ok()
            .and_then(|stat| {
                let after_name = stat.rsplit_once(')')?.1.to_string();
                after_name.split_whitespace().nth(1)?.parse::<u32>().ok()
            })
            == Some(std::process::id())
    };
    assert!(ids.iter().all(ours));
    let clone = repo.clone();
    drop(repo);
    assert!(ids.iter().all(ours), "a clone keeps them");
    drop(clone);
    assert!(!ids.iter().any(ours));
}

#[test]
fn a_repository_inside_the_tree_is_held_as_its_checked_out_commit() {
    let (dir, repo) = repo_with_files();
    let top = dir.path();
    let lib = top.join("vendor/lib");
    std::fs::create_dir_all(&lib).unwrap();
    let commit_in_lib = |message: &str| {
        std::fs::write(lib.join("l.txt"), message).unwrap();
        run(&lib, &["add", "."]);
        commit_all(&lib, message);
        run(&lib, &["rev-parse", "HEAD"]).trim().to_string()
    };
    run(&lib, &["init", "-q", "-b", "main"]);
    let first_head = commit_in_lib("one");
    run(top, &["add", "vendor/lib"]);
    let first = repo.snapshot().unwrap().commit;
    let gitlink = |commit: &str| {
        contents(top, commit)
            .into_iter()
            .find(|l| l.ends_with("\tvendor/lib"))
    };
    assert_eq!(
        gitlink(&first),
        Some(format!("commit {first_head}\tvendor/lib"))
    );

    // Other files edited: the commit stays.
    std::fs::write(top.join("a/0.txt"), "changed\n").unwrap();
    let second = repo.snapshot_after(Some(&first)).unwrap().commit;
    assert_eq!(contents(top, &second), fresh(top));
    assert_eq!(gitlink(&second), gitlink(&first));

    // A new commit checked out there: the snapshot holds it.
    let new_head = commit_in_lib("two");
    let third = repo.snapshot_after(Some(&second)).unwrap().commit;
    assert_eq!(
        gitlink(&third),
        Some(format!("commit {new_head}\tvendor/lib"))
    );
    assert_eq!(contents(top, &third), fresh(top));
    // Without the index (which has the first commit still).
    assert_eq!(pending(&repo), vec!["a/0.txt", "vendor/lib"]);

    // Through the index too (a new file asks it).
    std::fs::write(top.join("a/new.txt"), "new\n").unwrap();
    let fourth = repo.snapshot_after(Some(&third)).unwrap().commit;
    assert_eq!(gitlink(&fourth), gitlink(&third));
    assert_eq!(contents(top, &fourth), fresh(top));
}

#[test]
fn names_git_cannot_take_on_a_line_links_and_sha256_ids_need_no_special_case() {
    use std::os::unix::ffi::OsStrExt;
    for options in [&[][..], &["--object-format=sha256"][..]] {
        let (dir, repo) = repo_with_files_in(options);
        let top = dir.path();
        let odd = std::ffi::OsStr::from_bytes(b"a/new\nline\xff.txt");
        std::fs::write(top.join(odd), "odd\n").unwrap();
        std::fs::write(top.join("\"quoted.txt"), "quoted\n").unwrap();
        std::os::unix::fs::symlink("0.txt", top.join("a/link")).unwrap();
        let mut last = repo.snapshot().unwrap().commit;
        assert_eq!(contents(top, &last), fresh(top));
        assert_eq!(last.len(), if options.is_empty() { 40 } else { 64 });

        // Without the index where it can, through it where it cannot:
        // the same trees either way.
        std::fs::write(top.join("a/0.txt"), "edited\n").unwrap();
        last = next_as_fresh(&repo, &last);
        assert_eq!(pending(&repo), vec!["a/0.txt"]);
        std::fs::write(top.join(odd), "odd, edited\n").unwrap();
        last = next_as_fresh(&repo, &last);
        std::fs::write(top.join("\"quoted.txt"), "quoted, edited\n").unwrap();
        last = next_as_fresh(&repo, &last);
        std::fs::remove_file(top.join("a/link")).unwrap();
        std::os::unix::fs::symlink("1.txt", top.join("a/link")).unwrap();
        last = next_as_fresh(&repo, &last);
        // A link removed is a blob gone: no index needed.
        std::fs::remove_file(top.join("a/link")).unwrap();
        std::fs::write(top.join("b/0.txt"), "edited\n").unwrap();
        next_as_fresh(&repo, &last);
        assert_eq!(pending(&repo), vec!["a/link", "b/0.txt"]);
    }
}

#[test]
fn a_file_with_crlf_line_ends_keeps_them_as_the_index_would() {
    let (dir, repo) = repo_with_files();
    let top = dir.path();
    // Committed with CRLF before `text=auto`: git keeps its CRLF because
    // the index's copy has them, which only the index can tell.
    std::fs::write(top.join("a/dos.txt"), "one\r\ntwo\r\n").unwrap();
    run(top, &["add", "a/dos.txt"]);
    commit_all(top, "dos");
    std::fs::write(top.join(".gitattributes"), "* text=auto\n").unwrap();
    run(top, &["add", ".gitattributes"]);
    commit_all(top, "attributes");
    let mut last = repo.snapshot().unwrap().commit;
    std::fs::write(top.join("a/dos.txt"), "one\r\ntwo\r\nthree\r\n").unwrap();
    std::fs::write(top.join("a/0.txt"), "edited\n").unwrap();
    last = next_as_fresh(&repo, &last);
    assert_eq!(blob(top, &last, "a/dos.txt"), "one\r\ntwo\r\nthree\r\n");
    assert!(pending(&repo).is_empty());
}
