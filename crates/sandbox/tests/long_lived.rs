//! Long-lived sandboxes (`enable_long_lived_sandboxes`): later commands
//! reuse the sandbox set up for the first, and each still gets every layer
//! of a one-shot sandbox, its own PID namespace, and nothing it started
//! outlives it.
//!
//! A test binary of its own: turning long-lived sandboxes on and ending
//! them (`live::end_all`) act on the whole process, so under a runner that
//! runs tests as threads of one process (`cargo test`) they must not share
//! it with the one-shot tests of `all`, and they take turns ([`one_at_a_time`]).
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(target_os = "linux")]

#[allow(dead_code)]
#[path = "suite/common.rs"]
mod common;

use std::time::Duration;

use codex_sandbox::secrets::codex_home_secrets;

use common::{
    assert_none_left, live_processes_with, run, spec, tempdir, unique_sleep, workspace_only,
};

/// Held by each test: the sandboxes they count and end are the process's.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The helper processes of the long-lived sandboxes of this test process.
fn servers() -> Vec<u32> {
    live_processes_with("--serve")
        .into_iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/status"))
                .unwrap_or_default()
                .lines()
                .any(|l| l == format!("PPid:\t{}", std::process::id()))
        })
        .collect()
}

fn end_all() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(codex_sandbox::live::end_all(Duration::from_secs(2)));
}

#[test]
fn later_commands_reuse_the_sandbox_with_every_layer() {
    let _turn = one_at_a_time();
    codex_sandbox::enable_long_lived_sandboxes();
    let cwd = tempdir();
    let outside = tempdir();
    let script = format!(
        "echo \"v=$MY_VAR\"; pwd; grep -E '^(Seccomp|NoNewPrivs|CapEff):' /proc/self/status; \
         echo procs=$(ls /proc | grep -c '^[0-9]'); echo in > inside.txt && echo wrote-inside; \
         echo out > {}/x 2>/dev/null || echo outside-denied; \
         mkdir .git/hooks 2>/dev/null || echo git-denied; exit 3",
        outside.path().display()
    );
    let mut first = spec(workspace_only(false), cwd.path(), &script);
    first.env.insert("MY_VAR".into(), "one".into());
    let out = run(&first);
    let text = out.aggregated.text();
    assert_eq!(out.exit_code, 3, "{text}");
    let server = servers();
    assert_eq!(
        server.len(),
        1,
        "one long-lived sandbox: {server:?}\n{text}"
    );
    for expected in [
        "v=one",
        &cwd.path().canonicalize().unwrap().display().to_string(),
        "Seccomp:\t2",
        "NoNewPrivs:\t1",
        "CapEff:\t0000000000000000",
        "wrote-inside",
        "outside-denied",
        "git-denied",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // Its own PID namespace: sh, its init, and the `ls` pipeline at most.
    let procs: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("procs="))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(procs <= 5, "the command sees other processes:\n{text}");

    let mut second = spec(workspace_only(false), cwd.path(), &script);
    second.env.insert("MY_VAR".into(), "two".into());
    let out = run(&second);
    let text = out.aggregated.text();
    assert_eq!(out.exit_code, 3, "{text}");
    assert!(
        text.contains("v=two") && text.contains("git-denied"),
        "{text}"
    );
    assert_eq!(servers(), server, "the second command reused the sandbox");

    end_all();
    assert!(
        servers().is_empty(),
        "end_all ends the long-lived sandboxes"
    );
    assert!(
        !cwd.path().join(".git").exists(),
        "the placeholder is removed when the sandbox ends"
    );
}

#[test]
fn nothing_a_command_starts_outlives_it_in_a_long_lived_sandbox() {
    let _turn = one_at_a_time();
    codex_sandbox::enable_long_lived_sandboxes();
    let cwd = tempdir();
    // A daemon that leaves its session, and a command that ends at once.
    let left = unique_sleep();
    let out = run(&spec(
        workspace_only(false),
        cwd.path(),
        &format!("(setsid sleep {left} >/dev/null 2>&1 &); echo started"),
    ));
    assert!(out.aggregated.text().contains("started"));
    assert_none_left(&left);
    // A command killed at its timeout, with a child of its own.
    let timed = unique_sleep();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = runtime
        .block_on(codex_sandbox::run_command(
            &spec(
                workspace_only(false),
                cwd.path(),
                &format!("sleep {timed} & sleep {timed}"),
            ),
            Some(Duration::from_millis(500)),
            None,
        ))
        .unwrap();
    assert!(out.timed_out);
    assert_none_left(&timed);
    assert_eq!(servers().len(), 1, "the sandbox serves on");
    // Input reaches the command, and an unknown program says so.
    let out = runtime
        .block_on(codex_sandbox::run_command_with_input(
            &spec(workspace_only(false), cwd.path(), "cat; no-such-program-x"),
            Some(b"from stdin\n".to_vec()),
            Some(Duration::from_secs(20)),
            None,
        ))
        .unwrap();
    let text = out.aggregated.text();
    assert!(text.contains("from stdin"), "{text}");
    assert_eq!(out.exit_code, 127, "{text}");
    end_all();
}

/// Commands one after another run below the same init (set up once, not
/// per command), and each finds its namespace as empty as a fresh one:
/// nothing of the last command is left when its end is reported, not a
/// daemon in a session of its own, not a stopped process.
#[test]
fn the_next_command_reuses_the_init_and_finds_nothing_of_the_last() {
    let _turn = one_at_a_time();
    codex_sandbox::enable_long_lived_sandboxes();
    let cwd = tempdir();
    let left = unique_sleep();
    // Field 22 of /proc/1/stat: when the init of the command's namespace
    // started.
    let init_started = "echo init=$(cut -d' ' -f22 /proc/1/stat)";
    let out = run(&spec(
        workspace_only(false),
        cwd.path(),
        &format!(
            "(setsid sleep {left} >/dev/null 2>&1 &); sleep {left} & kill -STOP $!; {init_started}"
        ),
    ));
    let first = out.aggregated.text();
    assert_eq!(out.exit_code, 0, "{first}");
    // Not "eventually": gone by the time the command's end is known.
    assert_eq!(
        live_processes_with(&left),
        Vec::<u32>::new(),
        "left running after the command ended:\n{first}"
    );
    let out = run(&spec(
        workspace_only(false),
        cwd.path(),
        &format!("{init_started}; echo procs=$(ls /proc | grep -c '^[0-9]')"),
    ));
    let second = out.aggregated.text();
    let init = |text: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix("init="))
            .map(str::to_string)
            .unwrap()
    };
    assert_eq!(
        init(&first),
        init(&second),
        "a new init:\n{first}\n{second}"
    );
    // The init, the shell, its subshell and the pipeline at most: none of
    // the first command's two sleeps.
    let procs: usize = second
        .lines()
        .find_map(|l| l.strip_prefix("procs="))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(procs <= 5, "processes of the last command:\n{second}");
    end_all();
}

/// A program named by a path starts without a copy of its init (see the
/// server's `vfork`), one to search PATH for the classic way: both say why
/// a program cannot start, with the shell's exit codes, and both give the
/// command its directory and its own session.
#[test]
fn a_program_starts_the_same_whether_named_by_path_or_searched_for() {
    let _turn = one_at_a_time();
    codex_sandbox::enable_long_lived_sandboxes();
    let cwd = tempdir();
    std::fs::write(cwd.path().join("not-executable"), "#!/bin/sh\n").unwrap();
    let with_argv = |argv: &[&str]| {
        let mut spec = spec(workspace_only(false), cwd.path(), "");
        spec.argv = argv.iter().map(|a| a.to_string()).collect();
        run(&spec)
    };
    // Field 6 of /proc/PID/stat: the session id (no `ps` needed).
    let script = "pwd; cut -d' ' -f6 /proc/$$/stat; echo $$";
    for shell in ["/bin/sh", "sh"] {
        let out = with_argv(&[shell, "-c", script]);
        let text = out.aggregated.text();
        assert_eq!(out.exit_code, 0, "{shell}: {text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.first().copied(),
            Some(cwd.path().canonicalize().unwrap().to_str().unwrap()),
            "{shell}: {text}"
        );
        // Its own session: the session id is its own pid.
        assert_eq!(lines.get(1), lines.get(2), "{shell}: {text}");
    }
    for (argv, code, says) in [
        ("/no/such/program", 127, "cannot run `/no/such/program`"),
        ("no-such-program-x", 127, "cannot run `no-such-program-x`"),
        ("./not-executable", 126, "cannot run `./not-executable`"),
    ] {
        let out = with_argv(&[argv]);
        let text = out.aggregated.text();
        assert_eq!(out.exit_code, code, "{argv}: {text}");
        assert!(text.contains(says), "{argv}: {text}");
    }
    end_all();
}

#[test]
fn a_secret_replaced_on_the_host_stays_hidden_from_later_commands() {
    let _turn = one_at_a_time();
    codex_sandbox::enable_long_lived_sandboxes();
    let cwd = tempdir();
    let home = cwd.path().join("codex-home");
    std::fs::create_dir(&home).unwrap();
    std::fs::write(home.join("auth.json"), "first-secret").unwrap();
    let command = || {
        let mut spec = spec(
            workspace_only(false),
            cwd.path(),
            "cat codex-home/auth.json; echo done",
        );
        spec.hidden_paths = codex_home_secrets(&home);
        run(&spec).aggregated.text()
    };
    let text = command();
    assert!(
        text.contains("done") && !text.contains("first-secret"),
        "{text}"
    );
    let first_server = servers();
    // Rewritten the way tokens are refreshed: a new file renamed over it
    // (which detaches the cover in the running sandbox).
    std::fs::write(home.join("auth.json.tmp"), "second-secret").unwrap();
    std::fs::rename(home.join("auth.json.tmp"), home.join("auth.json")).unwrap();
    let text = command();
    assert!(
        text.contains("done") && !text.contains("second-secret"),
        "{text}"
    );
    assert_ne!(
        servers(),
        first_server,
        "a fresh sandbox covers the new file"
    );
    // A file that appears later is covered too.
    std::fs::write(home.join("state.sqlite"), "third-secret").unwrap();
    let mut spec = spec(
        workspace_only(false),
        cwd.path(),
        "cat codex-home/state.sqlite; echo done",
    );
    spec.hidden_paths = codex_home_secrets(&home);
    let text = run(&spec).aggregated.text();
    assert!(
        text.contains("done") && !text.contains("third-secret"),
        "{text}"
    );
    end_all();
    assert!(servers().is_empty());
}

#[test]
fn a_prewarmed_sandbox_serves_the_first_command_even_one_racing_it() {
    let _turn = one_at_a_time();
    codex_sandbox::enable_long_lived_sandboxes();
    let script = "echo ran; mkdir .git/hooks 2>/dev/null || echo git-denied";
    let cwd = tempdir();
    codex_sandbox::prewarm_long_lived_sandbox(&spec(workspace_only(false), cwd.path(), "true"));
    let server = servers();
    assert_eq!(server.len(), 1, "the prewarm set a sandbox up: {server:?}");
    let out = run(&spec(workspace_only(false), cwd.path(), script));
    let text = out.aggregated.text();
    assert!(
        text.contains("ran") && text.contains("git-denied"),
        "{text}"
    );
    assert_eq!(servers(), server, "the first command used it");

    // A command that comes while its sandbox is still being set up waits
    // for that one instead of starting a second.
    let other = tempdir();
    let prewarm = spec(workspace_only(false), other.path(), "true");
    let racing = std::thread::spawn(move || codex_sandbox::prewarm_long_lived_sandbox(&prewarm));
    let out = run(&spec(workspace_only(false), other.path(), script));
    racing.join().unwrap();
    assert!(out.aggregated.text().contains("git-denied"));
    assert_eq!(servers().len(), 2, "one sandbox for each directory");

    // A policy that runs unsandboxed starts nothing.
    let before = servers();
    codex_sandbox::prewarm_long_lived_sandbox(&spec(
        codex_protocol::protocol::SandboxPolicy::DangerFullAccess,
        tempdir().path(),
        "true",
    ));
    assert_eq!(servers(), before, "full access needs no sandbox");

    end_all();
    assert!(servers().is_empty());
}

#[test]
fn a_patch_commits_in_the_session_sandbox_and_stays_inside_it() {
    let _turn = one_at_a_time();
    codex_sandbox::enable_long_lived_sandboxes();
    let cwd = tempdir();
    let outside = tempdir();
    std::fs::write(cwd.path().join("notes.txt"), "one\n").unwrap();
    let secret = cwd.path().join("secret.env");
    std::fs::write(&secret, "KEY=1\n").unwrap();
    let hidden = vec![secret.clone()];
    let mut first = spec(workspace_only(false), cwd.path(), "true");
    first.hidden_paths = hidden.clone();
    let out = run(&first);
    assert_eq!(out.exit_code, 0, "{}", out.aggregated.text());
    let server = servers();
    assert_eq!(server.len(), 1);

    let commit = |patch: &str| {
        let patch = codex_apply_patch::parse_patch(patch).unwrap();
        let plan = codex_apply_patch::plan_patch(&patch, cwd.path()).unwrap();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(codex_sandbox::commit_patch(
                &plan.commit_request(),
                cwd.path(),
                &workspace_only(false),
                Some(&common::helper()),
                &hidden,
            ))
    };
    commit("*** Begin Patch\n*** Update File: notes.txt\n@@\n-one\n+one, edited\n*** Add File: new.txt\n+new\n*** End Patch\n")
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(cwd.path().join("notes.txt")).unwrap(),
        "one, edited\n"
    );
    assert_eq!(
        std::fs::read_to_string(cwd.path().join("new.txt")).unwrap(),
        "new\n"
    );
    assert_eq!(servers(), server, "the commit ran in the session's sandbox");

    // Outside the writable roots the sandbox refuses, and the commit
    // undoes itself: nothing changed, inside or out.
    let target = outside.path().join("escape.txt");
    let err = commit(&format!(
        "*** Begin Patch\n*** Update File: notes.txt\n@@\n-one, edited\n+two\n*** Add File: {}\n+x\n*** End Patch\n",
        target.display()
    ))
    .unwrap_err();
    assert!(err.nothing_changed, "{err}");
    assert!(!target.exists());
    assert_eq!(
        std::fs::read_to_string(cwd.path().join("notes.txt")).unwrap(),
        "one, edited\n"
    );
    assert_eq!(servers(), server);

    // The session's hidden files are hidden from patches too (a one-shot
    // commit hides nothing: this is the session's sandbox at work).
    let err =
        commit("*** Begin Patch\n*** Update File: secret.env\n@@\n-KEY=1\n+KEY=2\n*** End Patch\n")
            .unwrap_err();
    assert!(err.nothing_changed, "{err}");
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "KEY=1\n");
    assert_eq!(servers(), server);

    end_all();
    assert!(servers().is_empty());
}
