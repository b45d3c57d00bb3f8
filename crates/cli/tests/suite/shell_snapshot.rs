//! The shell snapshot, through `codex exec` with a home of its own: what
//! the profile and rc files set up reaches the model's `bash -lc` commands
//! (variables, and aliases too), the profile's noise does not, and a
//! profile the snapshot cannot be taken from falls back to a login shell.

use std::path::Path;

use codex_test_support::Turn;
use serde_json::{Value, json};

use super::exec::{ExecEnv, stderr};

/// A first call that waits (up to 30 s) until the snapshot attempt is over
/// — the snapshot is taken in the background and a command that comes
/// earlier runs as a login shell — then prints the snapshot's mode and its
/// directory's. `bash -c`: not itself affected by the snapshot.
fn wait_for_snapshot_call() -> Turn {
    Turn::new().function_call(
        "wait",
        "shell",
        json!({"command": ["bash", "-c", r#"
d="$CODEX_HOME/shell_snapshots"
for i in $(seq 300); do
  if [ -d "$d" ] && ! ls "$d"/.dump-* >/dev/null 2>&1; then break; fi
  sleep 0.1
done
for f in "$d"/*.sh "$d"/*.zsh/.zshenv; do [ -e "$f" ] && echo "file=$(stat -c %a "$f")"; done
for z in "$d"/*.zsh; do [ -d "$z" ] && echo "zdotdir=$(stat -c %a "$z")"; done
echo "dir=$(stat -c %a "$d")"
"#], "timeout_ms": 40000}),
    )
}

/// The output of the last call `call_id` (of the last session).
fn tool_output(env: &ExecEnv, call_id: &str) -> String {
    let requests = env.server.requests();
    let raw = requests
        .iter()
        .rev()
        .find_map(|r| r.tool_output(call_id))
        .unwrap_or_else(|| panic!("no output for {call_id}"));
    let value: Value = serde_json::from_str(&raw).unwrap_or(json!({"output": raw}));
    value["output"].as_str().unwrap_or(&raw).to_string()
}

/// Runs `codex exec` with `home` as HOME; the model waits for the
/// snapshot (unless the feature is off), then runs `script` as `bash -lc`.
fn run_with_home(env: &ExecEnv, home: &Path, script: &str, extra: &[&str]) -> String {
    run_shell_with_home(env, "/bin/bash", home, script, extra)
}

/// [`run_with_home`] with `shell` as the person's shell and the command's.
fn run_shell_with_home(
    env: &ExecEnv,
    shell: &str,
    home: &Path,
    script: &str,
    extra: &[&str],
) -> String {
    if !extra.contains(&"shell_snapshot") {
        env.server.push_turn(wait_for_snapshot_call());
    }
    env.server.push_turn(Turn::new().function_call(
        "cmd",
        "shell",
        json!({"command": [shell, "-lc", script], "timeout_ms": 20000}),
    ));
    env.server.push_turn(Turn::new().text("done"));
    let output = env
        .exec()
        .env("HOME", home)
        .env("SHELL", shell)
        .env_remove("ZDOTDIR")
        .env("RUST_LOG", "codex_core::shell_snapshot=info")
        .args(extra)
        .args(["--skip-git-repo-check", "run it"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    stderr(&output)
}

fn snapshot_files(env: &ExecEnv) -> Vec<String> {
    std::fs::read_dir(env.home.path().join("shell_snapshots"))
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

const PROFILE: &str = "export SNAP_PROFILE_VAR=from-profile\n\
                       echo 'pyenv: cannot rehash: noise from the profile' >&2\n\
                       echo 'stdout noise from the profile'\n";

/// An rc file with the usual guard: the alias is past it.
const BASHRC: &str = "case $- in *i*) ;; *) return;; esac\n\
                      alias snapgreet='echo alias-works-'\n\
                      snapfn() { echo \"function-works-$1\"; }\n\
                      export SNAP_RC_VAR=from-rc\n";

#[test]
fn profile_variables_and_rc_aliases_reach_the_command_without_the_noise() {
    let env = ExecEnv::new();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join(".profile"), PROFILE).unwrap();
    std::fs::write(home.path().join(".bashrc"), BASHRC).unwrap();
    let log = run_with_home(
        &env,
        home.path(),
        "echo \"vars=$SNAP_PROFILE_VAR,$SNAP_RC_VAR,${CODEX_SANDBOX_NETWORK_DISABLED:-unset}\"\nsnapgreet ok\nsnapfn ok",
        &[],
    );
    let waited = tool_output(&env, "wait");
    assert!(waited.contains("file=600"), "{waited}");
    assert!(waited.contains("dir=700"), "{waited}");
    let output = tool_output(&env, "cmd");
    assert!(
        output.contains("vars=from-profile,from-rc,1"),
        "profile, rc and codex's own variables: {output}"
    );
    assert!(output.contains("alias-works- ok"), "{output}");
    assert!(output.contains("function-works-ok"), "{output}");
    assert!(!output.contains("noise"), "{output}");
    assert!(log.contains("read_back=true"), "{log}");
    // Removed when the session ended. What stays is the digest of the
    // snapshot that read back cleanly (not its text, which may hold keys).
    assert_eq!(snapshot_files(&env), vec![".validated-bash".to_string()]);
    let record = env.home.path().join("shell_snapshots/.validated-bash");
    assert_eq!(std::fs::read(&record).unwrap().len(), 32);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&record).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // The next session's snapshot is the same, and is used without being
    // read back first.
    let log = run_with_home(
        &env,
        home.path(),
        "snapgreet again; echo \"$SNAP_RC_VAR\"",
        &[],
    );
    let output = tool_output(&env, "cmd");
    assert!(output.contains("alias-works- again"), "{output}");
    assert!(output.contains("from-rc"), "{output}");
    assert!(!output.contains("noise"), "{output}");
    assert!(log.contains("read_back=false"), "{log}");
    assert_eq!(snapshot_files(&env), vec![".validated-bash".to_string()]);
}

#[test]
fn without_the_feature_commands_run_as_login_shells() {
    let env = ExecEnv::new();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join(".profile"), PROFILE).unwrap();
    run_with_home(
        &env,
        home.path(),
        "echo \"vars=$SNAP_PROFILE_VAR\"",
        &["--disable", "shell_snapshot"],
    );
    let output = tool_output(&env, "cmd");
    // The control: the noise does reach the output of a login shell.
    assert!(output.contains("vars=from-profile"), "{output}");
    assert!(output.contains("noise from the profile"), "{output}");
}

#[test]
fn a_profile_the_snapshot_cannot_be_taken_from_falls_back_to_a_login_shell() {
    let env = ExecEnv::new();
    let home = tempfile::tempdir().unwrap();
    // Fails in the interactive shell the snapshot is taken from; a plain
    // login shell gets past it.
    std::fs::write(
        home.path().join(".profile"),
        "case $- in *i*) exit 3;; esac\nexport FALLBACK_VAR=yes\n",
    )
    .unwrap();
    let log = run_with_home(&env, home.path(), "echo \"fallback=$FALLBACK_VAR\"", &[]);
    let output = tool_output(&env, "cmd");
    assert!(output.contains("fallback=yes"), "{output}");
    assert!(log.contains("shell snapshot failed"), "{log}");
    assert_eq!(
        log.matches("commands run as login shells").count(),
        1,
        "said once: {log}"
    );
    assert_eq!(snapshot_files(&env), Vec::<String>::new());
}

/// zsh, if installed (CI machines without it skip the zsh test, saying so).
fn zsh() -> Option<String> {
    ["/usr/bin/zsh", "/bin/zsh", "/usr/local/bin/zsh"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .map(str::to_string)
}

#[test]
fn a_zsh_users_profile_and_rc_reach_zsh_commands_without_the_noise() {
    let Some(zsh) = zsh() else {
        eprintln!("skipped: zsh is not installed (apt-get install zsh to run this test)");
        return;
    };
    let env = ExecEnv::new();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".zprofile"),
        "export SNAP_ZPROFILE_VAR=from-zprofile\n\
         echo 'pyenv: cannot rehash: noise from the profile' >&2\n",
    )
    .unwrap();
    std::fs::write(
        home.path().join(".zshrc"),
        "[[ -o interactive ]] || return\n\
         alias snapgreet='echo alias-works-'\n\
         snapfn() { echo \"function-works-$1\"; }\n\
         export SNAP_ZRC_VAR=from-zshrc\n",
    )
    .unwrap();
    let log = run_shell_with_home(
        &env,
        &zsh,
        home.path(),
        "echo \"vars=$SNAP_ZPROFILE_VAR,$SNAP_ZRC_VAR,${ZDOTDIR:-unset}\"\nsnapgreet ok\nsnapfn ok\n\
         zsh -c 'echo nested=$SNAP_ZRC_VAR'",
        &[],
    );
    let waited = tool_output(&env, "wait");
    assert!(waited.contains("file=600"), "{waited}");
    assert!(waited.contains("zdotdir=700"), "{waited}");
    let output = tool_output(&env, "cmd");
    assert!(
        output.contains("vars=from-zprofile,from-zshrc,unset"),
        "profile and rc variables, and the person's ZDOTDIR (none): {output}"
    );
    assert!(output.contains("alias-works- ok"), "{output}");
    assert!(output.contains("function-works-ok"), "{output}");
    assert!(output.contains("nested=from-zshrc"), "{output}");
    assert!(!output.contains("noise"), "{output}");
    assert!(log.contains("shell snapshot taken"), "{log}");
    assert_eq!(snapshot_files(&env), vec![".validated-zsh".to_string()]);
}
