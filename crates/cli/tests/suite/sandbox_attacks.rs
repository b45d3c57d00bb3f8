//! The sandbox as an attacker tries it: one test per class of escape, each
//! run as root and as an unprivileged user (uid 65534, via `setpriv`), under
//! read-only and workspace-write, through `codex sandbox linux` and through
//! a `codex exec` turn whose scripted model asks for the attack. Each checks
//! that the attack failed and that nothing outside changed. A control run
//! under danger-full-access shows the same attack succeeding, so every check
//! can fail.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use codex_test_support::{MockModelServer, Turn};
use serde_json::{Value, json};

pub(super) const NOBODY: u32 = 65534;
const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum User {
    Root,
    Nobody,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    ReadOnly,
    WorkspaceWrite,
    FullAccess,
}

impl Mode {
    fn flag(self) -> &'static str {
        match self {
            Mode::ReadOnly => "read-only",
            Mode::WorkspaceWrite => "workspace-write",
            Mode::FullAccess => "danger-full-access",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    SandboxLinux,
    ExecTurn,
}

/// Every combination a class is tried in (the control run is separate).
fn every_way() -> Vec<(User, Mode, Via)> {
    let mut ways = Vec::new();
    for user in [User::Root, User::Nobody] {
        for mode in [Mode::ReadOnly, Mode::WorkspaceWrite] {
            for via in [Via::SandboxLinux, Via::ExecTurn] {
                ways.push((user, mode, via));
            }
        }
    }
    ways
}

/// A scratch area: a workspace, a directory outside it, and a CODEX_HOME,
/// all owned by the user the attack runs as.
struct Arena {
    _dir: tempfile::TempDir,
    workspace: PathBuf,
    outside: PathBuf,
    home: PathBuf,
    user: User,
}

impl Arena {
    fn new(user: User) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let open = |p: &Path| std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o777));
        open(dir.path()).unwrap();
        let (workspace, outside, home) = (
            dir.path().join("workspace"),
            dir.path().join("outside"),
            dir.path().join("home"),
        );
        for d in [&workspace, &outside, &home] {
            std::fs::create_dir(d).unwrap();
        }
        let arena = Self {
            _dir: dir,
            workspace,
            outside,
            home,
            user,
        };
        arena.give_to_user();
        arena
    }

    /// Makes everything made so far belong to the attack's user.
    fn give_to_user(&self) {
        if self.user == User::Nobody {
            let status = Command::new("chown")
                .args(["-R", &format!("{NOBODY}:{NOBODY}")])
                .arg(self.workspace.parent().unwrap())
                .status()
                .unwrap();
            assert!(status.success());
        }
    }
}

/// `program` run as `user`, with a plain environment.
pub(super) fn command_as(user: User, program: &str) -> Command {
    let mut command = match user {
        User::Root => Command::new(program),
        User::Nobody => {
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={NOBODY}"),
                &format!("--regid={NOBODY}"),
                "--clear-groups",
                program,
            ]);
            c
        }
    };
    command.env_clear().env("PATH", PATH).env("LANG", "C.UTF-8");
    command
}

fn codex_bin() -> &'static str {
    env!("CARGO_BIN_EXE_codex")
}

/// `-s MODE` plus the settings that keep /tmp (where the arena lives) out
/// of the writable roots.
fn policy_args(mode: Mode) -> Vec<String> {
    vec![
        "-s".into(),
        mode.flag().into(),
        "-c".into(),
        "sandbox_workspace_write.exclude_slash_tmp=true".into(),
        "-c".into(),
        "sandbox_workspace_write.exclude_tmpdir_env_var=true".into(),
    ]
}

/// What the attack printed and how it exited.
#[derive(Debug)]
struct Outcome {
    output: String,
    exit_code: i64,
}

/// Runs `script` (sh) as the attack, in the arena, the given way.
fn attack(arena: &Arena, mode: Mode, via: Via, script: &str) -> Outcome {
    attack_with_env(arena, mode, via, script, &[])
}

fn attack_with_env(
    arena: &Arena,
    mode: Mode,
    via: Via,
    script: &str,
    env: &[(&str, &str)],
) -> Outcome {
    match via {
        Via::SandboxLinux => {
            let output = command_as(arena.user, codex_bin())
                .env("CODEX_HOME", &arena.home)
                .env("HOME", &arena.home)
                .envs(env.iter().copied())
                .current_dir(&arena.workspace)
                .args(["sandbox", "linux"])
                .args(policy_args(mode))
                .args(["--", "sh", "-c", script])
                .stdin(Stdio::null())
                .output()
                .unwrap();
            Outcome {
                output: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
                exit_code: output.status.code().map_or(-1, i64::from),
            }
        }
        Via::ExecTurn => {
            let server = MockModelServer::start();
            server.push_turn(Turn::new().function_call(
                "attack",
                "shell",
                json!({"command": ["sh", "-c", script], "timeout_ms": 30000}),
            ));
            server.push_turn(Turn::new().text("done"));
            run_exec(arena, &server, mode, env);
            tool_result(&server, "attack")
        }
    }
}

/// `codex exec` against `server` in the arena; its output must be a success.
fn run_exec(arena: &Arena, server: &MockModelServer, mode: Mode, env: &[(&str, &str)]) {
    std::fs::write(
        arena.home.join("config.toml"),
        codex_test_support::TestCodexHome::mock_provider_config(&server.base_url(), "responses"),
    )
    .unwrap();
    arena.give_to_user();
    let output = command_as(arena.user, codex_bin())
        .env("CODEX_HOME", &arena.home)
        .env("HOME", &arena.home)
        .envs(env.iter().copied())
        .current_dir(&arena.workspace)
        .args(["exec", "--skip-git-repo-check"])
        .args(policy_args(mode))
        .arg("try to get out")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "codex exec failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The output and exit code the model got for `call_id`.
fn tool_result(server: &MockModelServer, call_id: &str) -> Outcome {
    let requests = server.requests();
    let raw = requests
        .last()
        .and_then(|r| r.tool_output(call_id))
        .unwrap_or_else(|| panic!("no output for {call_id}"));
    let value: Value = serde_json::from_str(&raw).unwrap_or(json!({"output": raw}));
    Outcome {
        output: value["output"].as_str().unwrap_or_default().to_string(),
        exit_code: value["metadata"]["exit_code"].as_i64().unwrap_or(-1),
    }
}

fn label(user: User, mode: Mode, via: Via) -> String {
    format!("{user:?}, {}, {via:?}", mode.flag())
}

/// A `sleep` argument no other process on the machine uses.
fn unique_sleep() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}.{:06}{n:03}", 400 + n, std::process::id() % 1_000_000)
}

/// Host pids of live (not zombie) processes whose command line has `marker`.
fn live_processes_with(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        if cmdline.contains(marker) && !stat.contains(") Z ") {
            found.push(pid);
        }
    }
    found
}

/// Waits (up to 30 s: the kernel ends a tree late on a loaded machine)
/// until no live process carries `marker`.
fn none_left(marker: &str) -> Result<(), Vec<u32>> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = live_processes_with(marker);
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(left);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How many live `sleep` processes have `marker` as their argument.
fn sleeps_with(marker: &str) -> usize {
    live_processes_with(marker)
        .into_iter()
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| cmdline.starts_with(b"sleep\0"))
        })
        .count()
}

fn kill_all_with(marker: &str) {
    for pid in live_processes_with(marker) {
        // SAFETY: plain kill(2) of a stray test process.
        unsafe { libc_kill(pid as i32, 9) };
    }
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, signal: i32) -> i32;
}

// --- 1. apply_patch ---------------------------------------------------------

#[test]
fn patches_cannot_write_through_a_symlink_out_of_the_workspace() {
    for user in [User::Root, User::Nobody] {
        for mode in [Mode::ReadOnly, Mode::WorkspaceWrite] {
            let arena = Arena::new(user);
            std::os::unix::fs::symlink(&arena.outside, arena.workspace.join("link")).unwrap();
            arena.give_to_user();
            let server = MockModelServer::start();
            server.push_turn(Turn::new().custom_tool_call(
                "p",
                "apply_patch",
                "*** Begin Patch\n*** Add File: link/escaped.txt\n+escaped\n*** End Patch\n",
            ));
            server.push_turn(Turn::new().text("done"));
            run_exec(&arena, &server, mode, &[]);
            let output = server.requests()[1].tool_output("p").unwrap();
            assert!(output.contains("rejected"), "{user:?} {mode:?}: {output}");
            assert!(
                std::fs::read_dir(&arena.outside).unwrap().next().is_none(),
                "{user:?} {mode:?}: something was written outside"
            );
        }
    }
}

// --- 2. terminal injection --------------------------------------------------

const TIOCSTI_SCRIPT: &str = r##"/usr/bin/python3 -c '
import fcntl, os, termios
fds = [0]
try:
    fds.append(os.open("/dev/tty", os.O_RDWR))
except OSError as e:
    print("no controlling terminal:", e.strerror)
for fd in fds:
    try:
        fcntl.ioctl(fd, termios.TIOCSTI, b"#")
        print("TIOCSTI-INJECTED")
    except OSError as e:
        print("TIOCSTI refused:", e.strerror)
print("tty_nr", open("/proc/self/stat").read().rsplit(")", 1)[1].split()[4])
'"##;

/// Runs the attack with a terminal on its stdin (through `script`), which is
/// how a person runs `codex sandbox linux`.
fn attack_in_a_terminal(arena: &Arena, mode: Mode, script: &str) -> String {
    let inner = format!(
        "{} sandbox linux {} -- sh -c {}",
        codex_bin(),
        policy_args(mode).join(" "),
        shell_quote(script)
    );
    let output = command_as(arena.user, "script")
        .env("CODEX_HOME", &arena.home)
        .env("HOME", &arena.home)
        .current_dir(&arena.workspace)
        .args(["-qec", &inner, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[test]
fn commands_cannot_push_keystrokes_into_a_terminal() {
    for (user, mode, via) in every_way() {
        let arena = Arena::new(user);
        let output = match via {
            Via::SandboxLinux => attack_in_a_terminal(&arena, mode, TIOCSTI_SCRIPT),
            Via::ExecTurn => attack(&arena, mode, via, TIOCSTI_SCRIPT).output,
        };
        let at = label(user, mode, via);
        assert!(output.contains("TIOCSTI refused"), "{at}: {output}");
        assert!(!output.contains("TIOCSTI-INJECTED"), "{at}: {output}");
        if via == Via::ExecTurn {
            assert!(
                output.contains("tty_nr 0"),
                "{at}: a controlling terminal: {output}"
            );
        }
    }
    // Control: without the sandbox, a command may inject into its own terminal.
    let arena = Arena::new(User::Nobody);
    let output = attack_in_a_terminal(&arena, Mode::FullAccess, TIOCSTI_SCRIPT);
    assert!(output.contains("TIOCSTI-INJECTED"), "control: {output}");
}

// --- 3. secrets of the codex process ----------------------------------------

#[test]
fn commands_cannot_read_the_environment_of_codex_or_other_processes() {
    let marker = "sk-attack-marker-4a1f9c";
    for (user, mode, via) in every_way() {
        let arena = Arena::new(user);
        // Another process of the same user with a secret in its environment.
        let mut victim = command_as(user, "sleep")
            .arg(unique_sleep())
            .env("VICTIM_SECRET", marker)
            .spawn()
            .unwrap();
        let script = "cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c sk-attack-marker; ps -e -o pid= | wc -l";
        let outcome = attack_with_env(
            &arena,
            mode,
            via,
            script,
            &[("CODEX_ATTACK_API_KEY", marker)],
        );
        let at = label(user, mode, via);
        let lines: Vec<&str> = outcome.output.lines().collect();
        assert_eq!(
            lines.first(),
            Some(&"0"),
            "{at}: a secret was read: {}",
            outcome.output
        );
        let processes: usize = lines
            .get(1)
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(99);
        assert!(processes < 10, "{at}: sees {processes} processes");
        victim.kill().unwrap();
        victim.wait().unwrap();
    }
    // Control: without the sandbox the victim's environment is readable.
    let arena = Arena::new(User::Nobody);
    let mut victim = command_as(User::Nobody, "sleep")
        .arg(unique_sleep())
        .env("VICTIM_SECRET", marker)
        .spawn()
        .unwrap();
    let outcome = attack(
        &arena,
        Mode::FullAccess,
        Via::SandboxLinux,
        "cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c sk-attack-marker",
    );
    assert_ne!(
        outcome.output.lines().next(),
        Some("0"),
        "control: {}",
        outcome.output
    );
    victim.kill().unwrap();
    victim.wait().unwrap();
}

/// The red-team classes "read auth.json from a command" and "a
/// secret-named variable visible to a command".
#[test]
fn commands_cannot_read_codex_secrets_or_password_variables() {
    let marker = "sk-auth-marker-93be";
    let script = |home: &Path| {
        format!(
            "cat {h}/auth.json {h}/.credentials.json {h}/.mcp-credentials.json; \
             head -c 15 {h}/state.sqlite; echo; env",
            h = home.display()
        )
    };
    let plant = |arena: &Arena, via: Via| {
        let auth = format!("{{\"OPENAI_API_KEY\":\"{marker}\"}}");
        std::fs::write(arena.home.join("auth.json"), auth).unwrap();
        std::fs::write(arena.home.join(".credentials.json"), marker).unwrap();
        std::fs::write(arena.home.join(".mcp-credentials.json"), marker).unwrap();
        if via == Via::SandboxLinux {
            // `codex exec` makes the real database itself.
            std::fs::write(arena.home.join("state.sqlite"), "SQLite format 3\0").unwrap();
        }
        arena.give_to_user();
    };
    let env = [("DB_PASSWORD", marker), ("MY_SECRET_KEY", marker)];
    for (user, mode, via) in every_way() {
        let arena = Arena::new(user);
        plant(&arena, via);
        let outcome = attack_with_env(&arena, mode, via, &script(&arena.home), &env);
        let at = label(user, mode, via);
        assert!(
            !outcome.output.contains(marker),
            "{at}: a secret was read: {}",
            outcome.output
        );
        assert!(
            !outcome.output.contains("SQLite format"),
            "{at}: the state database was read: {}",
            outcome.output
        );
        assert!(
            outcome.output.contains("Permission denied"),
            "{at}: {}",
            outcome.output
        );
        // Other files of CODEX_HOME stay readable.
        let outcome = attack(&arena, mode, via, &format!("ls {}", arena.home.display()));
        assert!(
            outcome.output.contains("auth.json"),
            "{at}: {}",
            outcome.output
        );
    }
    // Control: under full access (no sandbox) the same script reads them.
    let arena = Arena::new(User::Nobody);
    plant(&arena, Via::SandboxLinux);
    let outcome = attack(
        &arena,
        Mode::FullAccess,
        Via::SandboxLinux,
        &script(&arena.home),
    );
    assert!(
        outcome.output.contains(marker),
        "control: {}",
        outcome.output
    );
    assert!(
        outcome.output.contains("SQLite format"),
        "control: {}",
        outcome.output
    );
}

/// A permission profile: one extra writable directory outside the
/// workspace, and a denied directory inside it; `sandbox_mode` beside it
/// loses, with one warning naming both keys.
#[test]
fn a_permission_profile_adds_a_writable_dir_and_denies_a_path_in_the_workspace() {
    for user in [User::Root, User::Nobody] {
        let arena = Arena::new(user);
        let extra = arena.outside.join("extra");
        std::fs::create_dir(&extra).unwrap();
        let private = arena.workspace.join("private");
        std::fs::create_dir(&private).unwrap();
        std::fs::write(private.join("key.txt"), "secret-in-workspace").unwrap();
        std::fs::write(
            arena.home.join("config.toml"),
            format!(
                "default_permissions = \"dev\"\nsandbox_mode = \"read-only\"\n\
                 [permissions.dev.filesystem]\n\":root\" = \"read\"\n\"{}\" = \"write\"\n\
                 [permissions.dev.filesystem.\":workspace_roots\"]\n\".\" = \"write\"\n\"private\" = \"deny\"\n",
                extra.display()
            ),
        )
        .unwrap();
        arena.give_to_user();
        let sandboxed = |args: &[&str], script: &str| {
            command_as(user, codex_bin())
                .env("CODEX_HOME", &arena.home)
                .env("HOME", &arena.home)
                .current_dir(&arena.workspace)
                .arg("sandbox")
                .args(args)
                .args(["--", "sh", "-c", script])
                .stdin(Stdio::null())
                .output()
                .unwrap()
        };
        let script = format!(
            "echo a > ws.txt; echo b > {x}/e.txt; echo c > private/new.txt; echo d > private/key.txt; \
             cat private/key.txt; ls private; echo e > {o}/o.txt; true",
            x = extra.display(),
            o = arena.outside.display()
        );
        let output = sandboxed(&["linux"], &script);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let at = format!("{user:?}");
        assert!(arena.workspace.join("ws.txt").exists(), "{at}: {text}");
        assert!(extra.join("e.txt").exists(), "{at}: {text}");
        assert!(!private.join("new.txt").exists(), "{at}: {text}");
        assert!(!arena.outside.join("o.txt").exists(), "{at}: {text}");
        assert_eq!(
            std::fs::read_to_string(private.join("key.txt")).unwrap(),
            "secret-in-workspace"
        );
        assert!(!text.contains("secret-in-workspace"), "{at}: {text}");
        let warnings: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("default_permissions") && l.contains("sandbox_mode"))
            .collect();
        assert_eq!(warnings.len(), 1, "{at}: {text}");

        // `-P` picks another profile (the built-in read-only one), in the
        // reference's form of the command.
        let output = sandboxed(
            &["-P", ":read-only"],
            "echo a > ro.txt; cat private/key.txt",
        );
        assert!(!arena.workspace.join("ro.txt").exists(), "{at}: {output:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("secret-in-workspace"),
            "{at}: the built-in profile denies nothing: {output:?}"
        );
    }
}

#[test]
fn codex_itself_is_not_readable_by_its_own_user() {
    // codex exec as nobody, paused in a command; another nobody process
    // tries to read codex's environment.
    let arena = Arena::new(User::Nobody);
    let server = MockModelServer::start();
    let marker = unique_sleep();
    server.push_turn(Turn::new().function_call(
        "c",
        "shell",
        json!({"command": ["sleep", marker], "timeout_ms": 60000}),
    ));
    std::fs::write(
        arena.home.join("config.toml"),
        codex_test_support::TestCodexHome::mock_provider_config(&server.base_url(), "responses"),
    )
    .unwrap();
    arena.give_to_user();
    let mut codex = command_as(User::Nobody, codex_bin())
        .env("CODEX_HOME", &arena.home)
        .env("CODEX_ATTACK_API_KEY", "sk-attack-marker-77")
        .current_dir(&arena.workspace)
        .args(["exec", "--skip-git-repo-check", "wait"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while live_processes_with(&marker).is_empty() {
        assert!(Instant::now() < deadline, "the command never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // `codex` runs under setpriv, which execs it: the child pid is codex.
    let pid = codex.id();
    let read = command_as(User::Nobody, "cat")
        .arg(format!("/proc/{pid}/environ"))
        .output()
        .unwrap();
    codex.kill().unwrap();
    codex.wait().unwrap();
    kill_all_with(&marker);
    assert!(!read.status.success(), "codex's environment was readable");
    assert!(!String::from_utf8_lossy(&read.stdout).contains("sk-attack-marker"));
}

// --- 4. Unix sockets ----------------------------------------------------------

/// A pathname and an abstract listener that accept in the background.
struct Listeners {
    path: PathBuf,
    abstract_name: String,
}

fn listen(arena: &Arena) -> Listeners {
    use std::os::linux::net::SocketAddrExt;
    let path = arena.outside.join("agent.sock");
    let pathname = std::os::unix::net::UnixListener::bind(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
    let abstract_name = format!("codex-attack-{}", unique_sleep());
    let addr =
        std::os::unix::net::SocketAddr::from_abstract_name(abstract_name.as_bytes()).unwrap();
    let abstract_listener = std::os::unix::net::UnixListener::bind_addr(&addr).unwrap();
    for listener in [pathname, abstract_listener] {
        std::thread::spawn(move || for _ in listener.incoming() {});
    }
    Listeners {
        path,
        abstract_name,
    }
}

fn socket_script(listeners: &Listeners, own_server: bool) -> String {
    format!(
        r#"/usr/bin/python3 -c '
import socket
def connect(addr, name):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(addr); print(name + "-CONNECTED")
    except OSError as e:
        print(name, "refused:", e.strerror)
connect("{path}", "PATH")
connect("\0{name}", "ABSTRACT")
a, b = socket.socketpair(); a.send(b"x"); print("pair", b.recv(1).decode())
if {own}:
    srv = socket.socket(socket.AF_UNIX); srv.bind("own.sock"); srv.listen(1)
    c = socket.socket(socket.AF_UNIX); c.connect("own.sock"); print("own server works")
'"#,
        path = listeners.path.display(),
        name = listeners.abstract_name,
        own = if own_server { "True" } else { "False" },
    )
}

#[test]
fn commands_cannot_reach_unix_sockets_outside() {
    for (user, mode, via) in every_way() {
        let arena = Arena::new(user);
        let listeners = listen(&arena);
        arena.give_to_user();
        let own = mode == Mode::WorkspaceWrite;
        let outcome = attack(&arena, mode, via, &socket_script(&listeners, own));
        let at = label(user, mode, via);
        assert!(
            !outcome.output.contains("PATH-CONNECTED"),
            "{at}: {}",
            outcome.output
        );
        assert!(
            !outcome.output.contains("ABSTRACT-CONNECTED"),
            "{at}: {}",
            outcome.output
        );
        assert!(
            outcome.output.contains("pair x"),
            "{at}: socketpair: {}",
            outcome.output
        );
        if own {
            assert!(
                outcome.output.contains("own server works"),
                "{at}: {}",
                outcome.output
            );
        }
    }
    // Control: without the sandbox both connect.
    let arena = Arena::new(User::Root);
    let listeners = listen(&arena);
    let outcome = attack(
        &arena,
        Mode::FullAccess,
        Via::SandboxLinux,
        &socket_script(&listeners, false),
    );
    assert!(
        outcome.output.contains("PATH-CONNECTED"),
        "control: {}",
        outcome.output
    );
    assert!(
        outcome.output.contains("ABSTRACT-CONNECTED"),
        "control: {}",
        outcome.output
    );
}

#[test]
fn commands_cannot_reach_the_network() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || for _ in listener.incoming() {});
    let script = format!(
        "/usr/bin/python3 -c 'import socket\ntry:\n socket.create_connection((\"127.0.0.1\", {port}), 2); print(\"TCP-CONNECTED\")\nexcept OSError as e: print(\"tcp refused:\", e.strerror)'"
    );
    for (user, mode, via) in every_way() {
        let arena = Arena::new(user);
        let outcome = attack(&arena, mode, via, &script);
        let at = label(user, mode, via);
        assert!(
            outcome.output.contains("tcp refused"),
            "{at}: {}",
            outcome.output
        );
    }
    let arena = Arena::new(User::Root);
    let outcome = attack(&arena, Mode::FullAccess, Via::SandboxLinux, &script);
    assert!(
        outcome.output.contains("TCP-CONNECTED"),
        "control: {}",
        outcome.output
    );
}

// --- 5. signals ------------------------------------------------------------------

fn state_of(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit(')')
        .next()?
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

#[test]
fn commands_cannot_signal_processes_outside() {
    for (user, mode, via) in every_way() {
        let arena = Arena::new(user);
        let mut victim = command_as(user, "sleep")
            .arg(unique_sleep())
            .spawn()
            .unwrap();
        let pid = victim.id();
        let script = format!("kill -STOP {pid}; kill -TERM {pid}; echo done");
        let outcome = attack(&arena, mode, via, &script);
        let at = label(user, mode, via);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(
            state_of(pid),
            Some('S'),
            "{at}: the victim was signalled: {}",
            outcome.output
        );
        victim.kill().unwrap();
        victim.wait().unwrap();
    }
    let arena = Arena::new(User::Nobody);
    let mut victim = command_as(User::Nobody, "sleep")
        .arg(unique_sleep())
        .spawn()
        .unwrap();
    let pid = victim.id();
    attack(
        &arena,
        Mode::FullAccess,
        Via::SandboxLinux,
        &format!("kill -STOP {pid}"),
    );
    // The stop lands when the victim is next scheduled: wait for it, with
    // a deadline, rather than look once (the machine may be busy).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while state_of(pid) != Some('T') && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        state_of(pid),
        Some('T'),
        "control: the victim was not stopped"
    );
    victim.kill().unwrap();
    victim.wait().unwrap();
}

/// Attaches with `ptrace` to each target named (`init`: PID 1, `parent`:
/// the parent), then to a child of its own; prints `name=errno` for each
/// (0: attached, and detached again at once), then `went on`.
const PTRACE_PROBE: &str = r#"
import ctypes, os, signal, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
def attach(pid):
    if libc.ptrace(16, pid, None, None) != 0:
        return ctypes.get_errno()
    os.waitpid(pid, 0x40000000)
    libc.ptrace(17, pid, None, None)
    return 0
for name in sys.argv[1:]:
    print("%s=%d" % (name, attach(1 if name == "init" else os.getppid())), flush=True)
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
fn the_sandbox_init_cannot_be_stopped_by_the_command() {
    for (user, mode, via) in every_way() {
        let arena = Arena::new(user);
        let script = format!(
            "/usr/bin/python3 -c '{PTRACE_PROBE}' init; kill -STOP 1; kill -KILL 1; echo after"
        );
        let start = Instant::now();
        let outcome = attack(&arena, mode, via, &script);
        let at = label(user, mode, via);
        let text = &outcome.output;
        assert!(text.contains("init=1\n"), "{at}: EPERM expected: {text}");
        assert!(text.contains("child=0\n"), "{at}: {text}");
        assert!(text.contains("went on\nafter"), "{at}: {text}");
        assert_eq!(outcome.exit_code, 0, "{at}: {text}");
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{at}: the call hung"
        );
    }
}

// --- 6. metadata outside the roots ---------------------------------------------------

fn metadata_victim(arena: &Arena) -> PathBuf {
    let file = arena.outside.join("victim.txt");
    std::fs::write(&file, "original").unwrap();
    arena.give_to_user();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let old = std::time::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let handle = std::fs::File::options().write(true).open(&file).unwrap();
    handle.set_modified(old).unwrap();
    file
}

#[test]
fn metadata_outside_the_roots_cannot_change() {
    for (user, mode, via) in every_way() {
        let arena = Arena::new(user);
        let victim = metadata_victim(&arena);
        let before = std::fs::metadata(&victim).unwrap();
        let outside_mode = std::fs::metadata(&arena.outside)
            .unwrap()
            .permissions()
            .mode();
        let script = format!(
            "chmod 777 {v}; touch -m -d 2030-01-01 {v}; chmod 700 {o}; echo inside > in.txt && chmod 600 in.txt && echo inside-ok",
            v = victim.display(),
            o = arena.outside.display()
        );
        let outcome = attack(&arena, mode, via, &script);
        let at = label(user, mode, via);
        let after = std::fs::metadata(&victim).unwrap();
        assert_eq!(
            after.permissions().mode() & 0o777,
            0o644,
            "{at}: {}",
            outcome.output
        );
        assert_eq!(
            after.modified().unwrap(),
            before.modified().unwrap(),
            "{at}"
        );
        assert_eq!(
            std::fs::metadata(&arena.outside)
                .unwrap()
                .permissions()
                .mode(),
            outside_mode,
            "{at}"
        );
        assert_eq!(
            outcome.output.contains("inside-ok"),
            mode == Mode::WorkspaceWrite,
            "{at}: inside the workspace: {}",
            outcome.output
        );
    }
    let arena = Arena::new(User::Nobody);
    let victim = metadata_victim(&arena);
    attack(
        &arena,
        Mode::FullAccess,
        Via::SandboxLinux,
        &format!("chmod 777 {}", victim.display()),
    );
    assert_eq!(
        std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777,
        0o777,
        "control"
    );
}

// --- 7. capabilities ------------------------------------------------------------------

#[test]
fn commands_hold_no_capabilities() {
    let script = "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status; hostname attacker 2>&1; echo end";
    for (user, mode, via) in every_way() {
        let arena = Arena::new(user);
        let outcome = attack(&arena, mode, via, script);
        let at = label(user, mode, via);
        for cap in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
            assert!(
                outcome
                    .output
                    .contains(&format!("{cap}:\t0000000000000000")),
                "{at}: {cap}: {}",
                outcome.output
            );
        }
        assert!(
            outcome.output.contains("NoNewPrivs:\t1"),
            "{at}: {}",
            outcome.output
        );
    }
    let arena = Arena::new(User::Root);
    let outcome = attack(&arena, Mode::FullAccess, Via::SandboxLinux, script);
    assert!(
        !outcome.output.contains("CapEff:\t0000000000000000"),
        "control: {}",
        outcome.output
    );
}

// --- 8. protected names -----------------------------------------------------------------

#[test]
fn git_and_codex_cannot_be_written_or_created() {
    let script = "mkdir .git .codex 2>&1; git init -q . 2>&1; echo x > .codex/config.toml 2>&1; mkdir sub 2>&1; mv sub .codex 2>&1; echo end";
    for (user, mode, via) in every_way() {
        // Absent: they cannot be created, and nothing is left behind.
        let arena = Arena::new(user);
        let outcome = attack(&arena, mode, via, script);
        let at = label(user, mode, via);
        for name in [".git", ".codex"] {
            assert!(
                std::fs::symlink_metadata(arena.workspace.join(name)).is_err(),
                "{at}: {name} exists afterwards: {}",
                outcome.output
            );
        }
        // Present: they cannot be changed.
        let arena = Arena::new(user);
        std::fs::create_dir_all(arena.workspace.join(".git/hooks")).unwrap();
        std::fs::write(arena.workspace.join(".git/config"), "[core]\n").unwrap();
        arena.give_to_user();
        let outcome = attack(
            &arena,
            mode,
            via,
            "echo evil > .git/hooks/pre-commit; echo evil >> .git/config; rm -rf .git; mv .git moved; echo end",
        );
        assert!(
            !arena.workspace.join(".git/hooks/pre-commit").exists(),
            "{at}"
        );
        assert_eq!(
            std::fs::read_to_string(arena.workspace.join(".git/config")).unwrap(),
            "[core]\n",
            "{at}: {}",
            outcome.output
        );
    }
    let arena = Arena::new(User::Nobody);
    attack(&arena, Mode::FullAccess, Via::SandboxLinux, "mkdir .codex");
    assert!(arena.workspace.join(".codex").is_dir(), "control");
}

// --- 9. orphans ----------------------------------------------------------------------------

/// How many times the orphan tests repeat (`CODEX_ORPHAN_REPEAT`, default
/// 1); each round runs under a CPU load on every core, as on a busy
/// machine, where the kernel ends process trees late.
fn orphan_rounds() -> usize {
    std::env::var("CODEX_ORPHAN_REPEAT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

#[test]
fn nothing_the_command_starts_outlives_it() {
    let _load = codex_test_support::CpuLoad::on_every_core();
    for round in 0..orphan_rounds() {
        nothing_the_command_starts_outlives_it_once(round);
    }
}

fn nothing_the_command_starts_outlives_it_once(round: usize) {
    for (user, mode, via) in every_way() {
        let arena = Arena::new(user);
        let marker = unique_sleep();
        let script = format!(
            "(setsid sleep {marker} >/dev/null 2>&1 &); nohup sleep {marker} >/dev/null 2>&1 & sleep {marker} & echo started"
        );
        let start = Instant::now();
        let outcome = attack(&arena, mode, via, &script);
        let at = format!("round {round}: {}", label(user, mode, via));
        assert!(
            outcome.output.contains("started"),
            "{at}: {}",
            outcome.output
        );
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{at}: the call hung"
        );
        if let Err(left) = none_left(&marker) {
            kill_all_with(&marker);
            panic!("{at}: processes outlived the command: {left:?}");
        }
    }
    // Control: without the sandbox, a daemon in a session of its own survives.
    let arena = Arena::new(User::Nobody);
    let marker = unique_sleep();
    attack(
        &arena,
        Mode::FullAccess,
        Via::SandboxLinux,
        &format!("(setsid sleep {marker} >/dev/null 2>&1 &); echo started"),
    );
    let survived = !live_processes_with(&marker).is_empty();
    kill_all_with(&marker);
    assert!(survived, "control: nothing survived");
}

#[test]
fn killing_codex_mid_command_leaves_no_process_behind() {
    let _load = codex_test_support::CpuLoad::on_every_core();
    for round in 0..orphan_rounds() {
        killing_codex_mid_command_leaves_no_process_behind_once(round);
    }
}

/// Kills codex (SIGKILL, SIGTERM, SIGHUP, SIGINT) while its command runs.
/// After SIGTERM, SIGHUP and SIGINT codex ends the command's tree and waits
/// for it, so nothing is left the moment codex has exited; after SIGKILL
/// the parent-death chain ends it, which the check waits for.
fn killing_codex_mid_command_leaves_no_process_behind_once(round: usize) {
    for signal in ["KILL", "TERM", "HUP", "INT"] {
        for user in [User::Root, User::Nobody] {
            for mode in [Mode::ReadOnly, Mode::WorkspaceWrite] {
                let arena = Arena::new(user);
                let server = MockModelServer::start();
                let marker = unique_sleep();
                server.push_turn(Turn::new().function_call(
                    "c",
                    "shell",
                    json!({"command": ["sh", "-c", format!("sleep {marker} & sleep {marker}")], "timeout_ms": 60000}),
                ));
                std::fs::write(
                    arena.home.join("config.toml"),
                    codex_test_support::TestCodexHome::mock_provider_config(
                        &server.base_url(),
                        "responses",
                    ),
                )
                .unwrap();
                arena.give_to_user();
                let mut codex = command_as(user, codex_bin())
                    .env("CODEX_HOME", &arena.home)
                    .env("HOME", &arena.home)
                    .current_dir(&arena.workspace)
                    .args(["exec", "--skip-git-repo-check"])
                    .args(policy_args(mode))
                    .arg("wait")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                // Both sleeps run (the helper's own processes carry the
                // marker in their arguments too, so count the sleeps).
                let deadline = Instant::now() + Duration::from_secs(60);
                while sleeps_with(&marker) < 2 {
                    assert!(Instant::now() < deadline, "the command never started");
                    std::thread::sleep(Duration::from_millis(20));
                }
                let status = Command::new("kill")
                    .args([&format!("-{signal}"), &codex.id().to_string()])
                    .status()
                    .unwrap();
                assert!(status.success());
                codex.wait().unwrap();
                let at = format!("round {round}: SIG{signal}, {user:?}, {}", mode.flag());
                // The sandbox's own processes carry the workspace in their
                // arguments (a long-lived sandbox has no command in them).
                let workspace = arena.workspace.display().to_string();
                let left = if signal == "KILL" {
                    none_left(&marker).and_then(|()| none_left(&workspace))
                } else {
                    // Codex waited for the tree: none of it may be left now.
                    match [
                        live_processes_with(&marker),
                        live_processes_with(&workspace),
                    ]
                    .concat()
                    {
                        left if left.is_empty() => Ok(()),
                        left => Err(left),
                    }
                };
                if let Err(left) = left {
                    kill_all_with(&marker);
                    panic!("{at}: processes outlived codex: {left:?}");
                }
                for name in [".git", ".codex"] {
                    assert!(
                        std::fs::symlink_metadata(arena.workspace.join(name)).is_err(),
                        "{at}: a placeholder {name} was left behind"
                    );
                }
            }
        }
    }
}

// --- 10. output to the model ---------------------------------------------------------------

#[test]
fn huge_output_reaches_the_model_trimmed_by_bytes() {
    for user in [User::Root, User::Nobody] {
        let arena = Arena::new(user);
        let outcome = attack(
            &arena,
            Mode::ReadOnly,
            Via::ExecTurn,
            "head -c 20000000 /dev/zero | tr '\\0' x; echo; echo THE-END",
        );
        assert_eq!(outcome.exit_code, 0);
        let text = &outcome.output;
        assert!(
            text.starts_with("xxxxxxxx"),
            "{user:?}: {}",
            &text[..80.min(text.len())]
        );
        assert!(text.ends_with("THE-END\n"), "{user:?}");
        assert!(text.contains("[... omitted "), "{user:?}");
        assert!(
            text.len() < 24 * 1024,
            "{user:?}: {} bytes reached the model",
            text.len()
        );
    }
}

// --- 11. parallel calls ----------------------------------------------------------------------

#[test]
fn parallel_calls_run_a_few_at_a_time_each_with_its_own_timeout() {
    let arena = Arena::new(User::Root);
    let server = MockModelServer::start();
    let mut turn = Turn::new();
    let calls = 12;
    for i in 0..calls {
        turn = turn.function_call(
            &format!("c{i}"),
            "shell",
            json!({"command": ["sh", "-c", "echo S $(date +%s%N); sleep 0.3; echo E $(date +%s%N)"], "timeout_ms": 2000}),
        );
    }
    server.push_turn(turn);
    server.push_turn(Turn::new().text("done"));
    std::fs::write(
        arena.home.join("config.toml"),
        format!(
            "max_concurrent_commands = 3\n{}",
            codex_test_support::TestCodexHome::mock_provider_config(
                &server.base_url(),
                "responses"
            )
        ),
    )
    .unwrap();
    let output = command_as(User::Root, codex_bin())
        .env("CODEX_HOME", &arena.home)
        .current_dir(&arena.workspace)
        .args(["exec", "--skip-git-repo-check", "-s", "read-only", "go"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut spans = Vec::new();
    for i in 0..calls {
        let outcome = tool_result(&server, &format!("c{i}"));
        assert_eq!(outcome.exit_code, 0, "call {i} failed: {}", outcome.output);
        let stamp = |tag: &str| -> u128 {
            outcome
                .output
                .lines()
                .find_map(|l| l.strip_prefix(tag))
                .and_then(|n| n.trim().parse().ok())
                .unwrap()
        };
        spans.push((stamp("S "), stamp("E ")));
    }
    let most_at_once = spans
        .iter()
        .map(|(start, _)| {
            spans
                .iter()
                .filter(|(s, e)| s <= start && start < e)
                .count()
        })
        .max()
        .unwrap();
    assert!(most_at_once <= 3, "{most_at_once} commands ran at once");
}
