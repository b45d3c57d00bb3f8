//! The shell snapshot (`[features] shell_snapshot`, on by default): the
//! user's login shell is run once per session, in the background, and what
//! its profile and rc files set up — exported variables, functions, aliases
//! and shell options — is written to
//! `$CODEX_HOME/shell_snapshots/<thread_id>.<nanos>.sh` (0600, in a 0700
//! directory, removed when the session ends). Each `bash -lc SCRIPT` the
//! model runs then becomes `bash -c SCRIPT` with `BASH_ENV` naming the
//! snapshot: bash reads it before the script, so the profile is not run
//! again for every command (on some machines that costs more than the
//! command) and prints nothing into the command's output.
//!
//! Beyond the reference: the snapshot is taken from an interactive login
//! shell that also reads `~/.bashrc`, so aliases past an rc file's
//! "interactive only" guard are captured, and it turns `expand_aliases`
//! on, so those aliases work in the command (the script is parsed after
//! the snapshot is read). The snapshot unsets `BASH_ENV` again, so scripts
//! the command runs are not affected, and it never sets the variables codex
//! manages (`CODEX_*`, proxies, CA bundles): the command keeps codex's.
//!
//! A command that comes while the snapshot is being taken waits for it, up
//! to [`WAIT_FOR_SNAPSHOT`] after the session started taking it: the
//! alternative, a login shell of its own, runs the same profile again from
//! the start, so waiting is never the slower way. When the snapshot is not ready by then, or could not be taken (said
//! once in the log), commands run as before: `bash -lc`.
//!
//! The snapshot is of the person's shell (`$SHELL`): bash, or zsh, whose
//! `zsh -lc` commands read it as `$ZDOTDIR/.zshenv` (see [`zsh`]). Commands
//! of other shells (or of the other one) run unchanged.

mod zsh;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use codex_protocol::ThreadId;
use codex_protocol::config_types::ShellEnvironmentPolicy;
use codex_protocol::protocol::SandboxPolicy;
use codex_sandbox::CommandSpec;
use tokio::sync::watch;
use tracing::{info, warn};

/// The feature flag.
pub(crate) const FEATURE: &str = "shell_snapshot";

/// How long the login shell may take; a profile that hangs (waiting for
/// input, say) costs the session nothing but the fallback.
const TAKE_TIMEOUT: Duration = Duration::from_secs(15);

/// How long after the session started taking the snapshot commands wait
/// for it (one deadline for the session, not a wait per command).
const WAIT_FOR_SNAPSHOT: Duration = Duration::from_secs(5);

/// Snapshots left by sessions that could not remove theirs (codex was
/// killed) are removed by a later session once they are this old.
const STALE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// The SHA-256 of the last snapshot of a shell that read back cleanly is
/// kept as `.validated-<shell>` in the directory.
const VALIDATED_PREFIX: &str = ".validated-";

/// The directory under `$CODEX_HOME`.
const DIR: &str = "shell_snapshots";

/// Run by `bash -lic` after the profile has been read: reads `~/.bashrc`
/// too unless the profile bash read mentions it (it then has read it: a
/// second time would run it twice, `pyenv rehash` and all), and writes each
/// part after a marker line to the file named by `$1`, for [`render`] to
/// filter. History is not saved (an interactive shell would
/// otherwise rewrite the user's history file on exit).
const DUMP_SCRIPT: &str = r#"unset HISTFILE
__codex_login=
for __codex_f in "$HOME/.bash_profile" "$HOME/.bash_login" "$HOME/.profile"; do
  if [ -r "$__codex_f" ]; then __codex_login=$__codex_f; break; fi
done
if [ -z "$BASH_ENV" ] && [ -r "$HOME/.bashrc" ] && ! [[ "$(< "${__codex_login:-/dev/null}")" == *bashrc* ]]; then
  . "$HOME/.bashrc"
fi
unset HISTFILE __codex_login __codex_f
{
  echo '@@codex-shopt'
  shopt -p
  echo '@@codex-functions'
  declare -f
  echo '@@codex-aliases'
  alias -p
  echo '@@codex-exports'
  for __codex_name in $(compgen -e); do
    printf 'export %s=%q\n' "$__codex_name" "${!__codex_name}"
  done
  echo '@@codex-end'
} > "$1"
"#;

/// Variables the snapshot never sets: the shell's own, and the ones codex
/// manages for each command.
const NOT_RESTORED: &[&str] = &[
    "PWD",
    "OLDPWD",
    "SHLVL",
    "_",
    "BASH_ENV",
    "ENV",
    "HISTFILE",
    "CODEX_*",
    "*_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "GIT_SSL_CAINFO",
    "PIP_CERT",
];

/// Shell options a script cannot set (bash refuses them).
const READ_ONLY_OPTIONS: &[&str] = &["login_shell", "restricted_shell"];

/// The shells a snapshot can be taken of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shell {
    Bash,
    Zsh,
}

impl Shell {
    /// The shell `program` (a name or path) is, if one of these.
    fn of(program: &str) -> Option<Self> {
        match Path::new(program).file_name().and_then(|n| n.to_str()) {
            Some("bash") => Some(Self::Bash),
            Some("zsh") => Some(Self::Zsh),
            _ => None,
        }
    }

    fn program(self) -> &'static str {
        match self {
            Self::Bash => "bash",
            Self::Zsh => "zsh",
        }
    }
}

/// Where the snapshot is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Taking,
    Taken(PathBuf),
    None,
}

/// The session's snapshot.
pub(crate) struct ShellSnapshot {
    inner: Arc<Inner>,
}

struct Inner {
    /// The shell whose commands read the snapshot.
    shell: Shell,
    state: watch::Sender<State>,
    /// Until when commands wait for a snapshot being taken.
    wait_until: tokio::time::Instant,
    /// The fallback was logged (once per session).
    fallback_logged: AtomicBool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let State::Taken(path) = &*self.state.borrow() {
            let _ = std::fs::remove_file(path);
            if self.shell == Shell::Zsh
                && let Some(dir) = path.parent()
            {
                // The snapshot's own ZDOTDIR.
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

impl ShellSnapshot {
    /// A snapshot that is never taken (the feature is off).
    pub(crate) fn disabled() -> Self {
        Self {
            inner: Arc::new(Inner {
                shell: Shell::Bash,
                state: watch::Sender::new(State::None),
                wait_until: tokio::time::Instant::now(),
                fallback_logged: AtomicBool::new(true),
            }),
        }
    }

    /// Starts taking the snapshot of the person's shell in the background
    /// (on the current tokio runtime); commands fall back to a login shell
    /// until it is ready. A shell other than bash and zsh gets none.
    pub(crate) fn start(
        codex_home: &Path,
        thread_id: ThreadId,
        env_policy: &ShellEnvironmentPolicy,
        cwd: &Path,
    ) -> Self {
        let user_shell = crate::tools::handlers::user_shell_program();
        let Some(shell) = Shell::of(&user_shell) else {
            info!(shell = %user_shell, "no shell snapshot for this shell; its commands run as login shells");
            return Self::disabled();
        };
        let inner = Arc::new(Inner {
            shell,
            state: watch::Sender::new(State::Taking),
            wait_until: tokio::time::Instant::now() + WAIT_FOR_SNAPSHOT,
            fallback_logged: AtomicBool::new(false),
        });
        let task_inner = Arc::clone(&inner);
        let dir = codex_home.join(DIR);
        let env = codex_sandbox::env::create_env(env_policy, std::env::vars());
        let cwd = cwd.to_path_buf();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let taken = take(shell, &dir, thread_id, env, cwd).await;
            let state = match taken {
                Ok((path, read_back)) => {
                    info!(
                        path = %path.display(),
                        ms = started.elapsed().as_millis() as u64,
                        read_back,
                        "shell snapshot taken"
                    );
                    State::Taken(path)
                }
                Err(err) => {
                    warn!("shell snapshot failed ({err}); commands run as login shells");
                    task_inner.fallback_logged.store(true, Ordering::SeqCst);
                    State::None
                }
            };
            task_inner.state.send_replace(state);
        });
        Self { inner }
    }

    /// The snapshot's path, once taken (and still there); waits a bounded
    /// time for one being taken.
    async fn path(&self) -> Option<PathBuf> {
        let mut state = self.inner.state.subscribe();
        let ready = tokio::time::timeout_at(
            self.inner.wait_until,
            state.wait_for(|s| *s != State::Taking),
        )
        .await;
        match ready {
            Ok(Ok(state)) => match &*state {
                State::Taken(path) if path.is_file() => Some(path.clone()),
                _ => None,
            },
            _ => {
                if !self.inner.fallback_logged.swap(true, Ordering::SeqCst) {
                    info!(
                        "shell snapshot not ready {} s after the session started; commands run as login shells until it is",
                        WAIT_FOR_SNAPSHOT.as_secs()
                    );
                }
                None
            }
        }
    }

    /// The command to run for `argv`: a `bash -lc SCRIPT` becomes `bash -c
    /// SCRIPT` reading the snapshot (through `BASH_ENV` in `env`), a `zsh
    /// -lc SCRIPT` `zsh -c SCRIPT` (through `ZDOTDIR`), for the shell the
    /// snapshot is of; anything else, or without a snapshot, is unchanged.
    pub(crate) async fn apply(
        &self,
        argv: Vec<String>,
        env: &mut BTreeMap<String, String>,
    ) -> Vec<String> {
        let [shell, flag, _script] = argv.as_slice() else {
            return argv;
        };
        if flag != "-lc" || Shell::of(shell) != Some(self.inner.shell) {
            return argv;
        }
        let Some(path) = self.path().await else {
            return argv;
        };
        match self.inner.shell {
            Shell::Bash => {
                env.insert("BASH_ENV".to_string(), path.to_string_lossy().into_owned());
            }
            Shell::Zsh => {
                let Some(dir) = path.parent() else {
                    return argv;
                };
                env.insert("ZDOTDIR".to_string(), dir.to_string_lossy().into_owned());
            }
        }
        let mut argv = argv;
        argv[1] = "-c".to_string();
        argv
    }
}

/// Runs the login shell, renders and validates the snapshot; its path,
/// and whether it was read back (not when it is the last one validated).
async fn take(
    shell: Shell,
    dir: &Path,
    thread_id: ThreadId,
    env: BTreeMap<String, String>,
    cwd: PathBuf,
) -> Result<(PathBuf, bool), String> {
    codex_config::private_file::create_private_dir_all(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    remove_stale(dir);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = match shell {
        Shell::Bash => dir.join(format!("{thread_id}.{nanos}.sh")),
        Shell::Zsh => {
            let zdotdir = dir.join(format!("{thread_id}.{nanos}.zsh"));
            codex_config::private_file::create_private_dir_all(&zdotdir)
                .map_err(|e| format!("cannot create {}: {e}", zdotdir.display()))?;
            zdotdir.join(zsh::ZSHENV)
        }
    };
    let dump = dir.join(format!(".dump-{thread_id}.{nanos}"));
    let validated = dir.join(format!("{VALIDATED_PREFIX}{}", shell.program()));
    let result = take_into(shell, &path, &dump, &validated, env, cwd).await;
    let _ = std::fs::remove_file(&dump);
    if result.is_err() {
        let _ = std::fs::remove_file(&path);
        if shell == Shell::Zsh
            && let Some(zdotdir) = path.parent()
        {
            let _ = std::fs::remove_dir(zdotdir);
        }
    }
    result.map(|read_back| (path, read_back))
}

async fn take_into(
    shell: Shell,
    path: &Path,
    dump: &Path,
    validated: &Path,
    env: BTreeMap<String, String>,
    cwd: PathBuf,
) -> Result<bool, String> {
    // Created here, so that it is 0600 before the shell writes into it.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    codex_config::private_file::open(dump, &mut options)
        .map_err(|e| format!("cannot create {}: {e}", dump.display()))?;
    let cwd = if cwd.is_dir() {
        cwd
    } else {
        PathBuf::from("/")
    };
    let exit_code = run_login_shell(shell, dump, &env, &cwd).await?;
    let raw = std::fs::read_to_string(dump).map_err(|e| format!("cannot read the dump: {e}"))?;
    let rendered = match shell {
        Shell::Bash => render(&raw).map(|r| (r.text, r.has_functions)),
        Shell::Zsh => {
            zsh::render(&raw, env.get("ZDOTDIR").map(String::as_str), restored).map(|t| (t, true))
        }
    };
    let (text, has_functions) = rendered.ok_or_else(|| {
        format!("the login shell exited with {exit_code} before writing its state")
    })?;
    codex_config::private_file::write_atomic(path, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    if !needs_reading_back(shell, has_functions) {
        return Ok(false);
    }
    // The same text as the last snapshot that read back cleanly (the usual
    // case: the profile did not change) needs no second shell to say so.
    // Its digest is kept, not the text, which may hold the profile's keys.
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    if std::fs::read(validated).is_ok_and(|last| last == digest.as_ref()) {
        return Ok(false);
    }
    validate(shell, path, env, cwd).await?;
    // Only a speed-up: a snapshot not recorded is validated next time.
    let _ = codex_config::private_file::write_atomic(validated, digest.as_ref());
    Ok(true)
}

/// Removes snapshots and dumps not touched for [`STALE_AFTER`].
fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age > STALE_AFTER);
        if stale {
            let path = entry.path();
            // A zsh snapshot is a directory holding its `.zshenv`.
            let _ = std::fs::remove_file(path.join(zsh::ZSHENV));
            let _ = std::fs::remove_dir(&path);
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Runs the person's login shell (unsandboxed, as their terminal would) to
/// write the dump; its exit code. It runs in a session of its own, without
/// a terminal. Never SIGKILLed while its profile may hold a lock (`pyenv
/// rehash` killed outright leaves one that stalls every later shell): when
/// it takes too long, or when this future is dropped, its process group
/// gets SIGHUP and SIGTERM, as when a terminal closes, and SIGKILL only a
/// second after a timeout.
async fn run_login_shell(
    shell: Shell,
    dump: &Path,
    env: &BTreeMap<String, String>,
    cwd: &Path,
) -> Result<i32, String> {
    let script = match shell {
        Shell::Bash => DUMP_SCRIPT,
        Shell::Zsh => zsh::DUMP_SCRIPT,
    };
    let mut command = tokio::process::Command::new(shell.program());
    command
        .args(["-lic", script, "codex-shell-snapshot"])
        .arg(dump)
        .env_clear()
        .envs(env)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    #[cfg(unix)]
    // SAFETY: setsid is async-signal-safe; nothing else runs between fork
    // and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", shell.program()))?;
    let group = HangUpOnDrop(child.id().and_then(|id| i32::try_from(id).ok()));
    match tokio::time::timeout(TAKE_TIMEOUT, child.wait()).await {
        Ok(status) => {
            let status = status.map_err(|e| format!("cannot wait for {}: {e}", shell.program()))?;
            std::mem::forget(group);
            Ok(codex_sandbox::exit_code(&status))
        }
        Err(_) => {
            drop(group);
            if tokio::time::timeout(Duration::from_secs(1), child.wait())
                .await
                .is_err()
            {
                let _ = child.start_kill();
            }
            Err(format!(
                "the login shell took longer than {} s",
                TAKE_TIMEOUT.as_secs()
            ))
        }
    }
}

/// Sends SIGHUP and SIGTERM to a process group when dropped.
struct HangUpOnDrop(Option<i32>);

impl Drop for HangUpOnDrop {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(pid) = self.0.filter(|pid| *pid > 0) {
            // SAFETY: plain kill(2) of the group of a child we started and
            // have not reaped (the guard is forgotten once it is reaped).
            unsafe {
                libc::kill(-pid, libc::SIGHUP);
                libc::kill(-pid, libc::SIGTERM);
            }
        }
    }
}

/// Reads the snapshot in a shell that reads nothing else: it must be read
/// whole and without error before any command uses it.
async fn validate(
    shell: Shell,
    path: &Path,
    env: BTreeMap<String, String>,
    cwd: PathBuf,
) -> Result<(), String> {
    let read_nothing_else: &[&str] = match shell {
        Shell::Bash => &["--noprofile", "--norc"],
        Shell::Zsh => &["-f"],
    };
    let mut argv: Vec<String> = vec![shell.program().into()];
    argv.extend(read_nothing_else.iter().map(|a| a.to_string()));
    argv.extend([
        "-c".into(),
        ". \"$1\" && echo codex-snapshot-ok".into(),
        "codex-shell-snapshot".into(),
        path.to_string_lossy().into_owned(),
    ]);
    let spec = CommandSpec {
        argv,
        cwd,
        env,
        policy: SandboxPolicy::DangerFullAccess,
        linux_sandbox_exe: None,
        // Unsandboxed: there is no view to hide anything from.
        hidden_paths: Vec::new(),
        network_proxy: None,
    };
    let output = codex_sandbox::run_command(&spec, Some(TAKE_TIMEOUT), None)
        .await
        .map_err(|e| e.to_string())?;
    let clean = output.stderr.total_bytes() == 0;
    if output.exit_code == 0 && clean && output.stdout.text().trim_end() == "codex-snapshot-ok" {
        Ok(())
    } else {
        Err(format!(
            "the snapshot does not read back cleanly (exit {}): {}",
            output.exit_code,
            output.stderr.text().trim()
        ))
    }
}

/// The lines of each part of a dump (after its `@@codex-NAME` marker, one
/// of `names`), or `None` if the dump did not reach `@@codex-end`.
fn dump_sections<'a>(raw: &'a str, names: &[&str]) -> Option<BTreeMap<&'a str, Vec<&'a str>>> {
    let mut sections: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut current = None;
    for line in raw.lines() {
        match line.strip_prefix("@@codex-") {
            Some("end") => return Some(sections),
            Some(name) if names.contains(&name) => current = Some(name),
            _ => {
                if let Some(name) = current {
                    sections.entry(name).or_default().push(line);
                }
            }
        }
    }
    None
}

/// Whether the snapshot sets the exported variable `name`.
fn restored(name: &str) -> bool {
    !NOT_RESTORED
        .iter()
        .any(|pattern| codex_sandbox::env::glob_matches(pattern, name))
}

/// A bash snapshot, rendered from the login shell's dump.
struct Rendered {
    text: String,
    /// Whether it defines functions: the one part whose text is not ours
    /// or bash's quoting of a value (see [`needs_reading_back`]).
    has_functions: bool,
}

/// The snapshot file from the shell's dump, or None if the dump is not
/// whole.
///
/// Bash reads it before every command, so it is kept to few commands: the
/// options in one `shopt -u` and one `shopt -s` (off first, so that an
/// option turned on stays on whatever options turning off does to it), the
/// variables in one `export`. Each of these goes on past a name it
/// refuses (an option this bash lacks, a variable the profile made
/// read-only), and says so on stderr, which goes nowhere. One command per
/// line instead cost every command about half a millisecond (a hundred
/// commands and as many redirections).
fn render(raw: &str) -> Option<Rendered> {
    let sections = dump_sections(raw, &["shopt", "functions", "aliases", "exports"])?;
    let section = |name: &str| sections.get(name).cloned().unwrap_or_default();
    let mut out = String::from(
        "# The login shell's options, functions, aliases and exported variables,\n\
         # taken by codex at session start; read (through BASH_ENV) before each\n\
         # command instead of the profile. Removed when the session ends.\n\
         # Read command by command: the options come first, so that functions\n\
         # written with (say) extglob syntax parse.\n\
         unset BASH_ENV\n",
    );
    let (mut on, mut off) = (Vec::new(), Vec::new());
    for line in section("shopt") {
        let mut words = line.split(' ');
        let (Some("shopt"), Some(flag), Some(name), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            continue;
        };
        if READ_ONLY_OPTIONS.contains(&name) {
            continue;
        }
        match flag {
            "-s" => on.push(name),
            "-u" => off.push(name),
            _ => {}
        }
    }
    for (flag, names) in [("-u", &off), ("-s", &on)] {
        if !names.is_empty() {
            out.push_str(&format!("shopt {flag} {} 2>/dev/null\n", names.join(" ")));
        }
    }
    let functions = section("functions");
    let has_functions = functions.iter().any(|line| !line.trim().is_empty());
    for line in functions {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("unalias -a\n");
    for line in section("aliases") {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("shopt -s expand_aliases\n");
    let exports: Vec<&str> = section("exports")
        .into_iter()
        .filter_map(|line| {
            let assignment = line.strip_prefix("export ")?;
            let name = assignment.split('=').next().unwrap_or_default();
            (!name.is_empty() && restored(name)).then_some(assignment)
        })
        .collect();
    if !exports.is_empty() {
        out.push_str(&format!("export {} 2>/dev/null\n", exports.join(" ")));
    }
    out.push_str("true\n");
    Some(Rendered {
        text: out,
        has_functions,
    })
}

/// Whether a snapshot must be read back before commands use it. Every
/// line of a bash snapshot but its functions is either codex's own text or
/// what bash itself printed for names it accepted — `shopt -p`, `alias -p`,
/// and `printf %q` of each variable `compgen -e` lists — which bash reads
/// back by construction; `declare -f` output is the part that can fail
/// (syntax that needs an option set later in the profile, say). zsh's
/// dump is always read back.
fn needs_reading_back(shell: Shell, has_functions: bool) -> bool {
    shell == Shell::Zsh || has_functions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_keeps_what_the_command_needs_and_drops_what_codex_manages() {
        let raw = "noise before\n@@codex-shopt\nshopt -u autocd\nshopt -s login_shell\n\
                   shopt -s extglob\nshopt -u dotglob\n\
                   @@codex-functions\ngreet () \n{ \n    echo hi\n}\n\
                   @@codex-aliases\nalias ll='ls -l'\n\
                   @@codex-exports\nexport FOO=bar\nexport PWD=/x\nexport CODEX_HOME=/h\n\
                   export HTTPS_PROXY=http://p\nexport MULTI=$'a\\nb'\n@@codex-end\n";
        let rendered = render(raw).unwrap();
        let text = rendered.text;
        assert!(rendered.has_functions);
        // Off first, then on; one command each.
        assert!(
            text.contains("shopt -u autocd dotglob 2>/dev/null\nshopt -s extglob 2>/dev/null\n"),
            "{text}"
        );
        assert!(!text.contains("login_shell"));
        assert!(text.contains("greet () \n{ \n    echo hi\n}\n"));
        assert!(text.contains("alias ll='ls -l'\n"));
        assert!(text.contains("shopt -s expand_aliases\n"));
        assert!(
            text.contains("export FOO=bar MULTI=$'a\\nb' 2>/dev/null\n"),
            "{text}"
        );
        for gone in ["PWD=", "CODEX_HOME", "HTTPS_PROXY", "noise"] {
            assert!(!text.contains(gone), "{gone} kept:\n{text}");
        }
        assert!(text.starts_with('#'));
        assert!(text.ends_with("\ntrue\n"));
        let without =
            render("@@codex-shopt\n@@codex-functions\n@@codex-exports\nexport A=1\n@@codex-end\n")
                .unwrap();
        assert!(!without.has_functions);
        assert!(!needs_reading_back(Shell::Bash, false));
        assert!(needs_reading_back(Shell::Bash, true));
        assert!(needs_reading_back(Shell::Zsh, false));
    }

    /// The snapshot of a real login shell, read by a plain one: every
    /// option, alias and variable comes through, past an option this bash
    /// lacks and a variable made read-only, with nothing on stderr.
    #[test]
    fn a_rendered_snapshot_sets_in_a_plain_bash_what_the_login_shell_had() {
        let dir = tempfile::tempdir().unwrap();
        let dump = dir.path().join("dump");
        let profile = "shopt -s extglob globstar; shopt -u sourcepath\n\
                       alias gs='git status'\nexport SNAP_A='one two' SNAP_B=$'x\\ny'\n";
        let script = format!("{profile}{DUMP_SCRIPT}");
        let status = std::process::Command::new("bash")
            .args(["--noprofile", "--norc", "-c", &script, "dump"])
            .arg(&dump)
            .env("HOME", dir.path())
            .status()
            .unwrap();
        assert!(status.success());
        let raw = std::fs::read_to_string(&dump).unwrap();
        // An option a newer bash would have, and SNAP_RO read-only in the
        // shell that reads the snapshot.
        let raw = raw.replace(
            "@@codex-exports\n",
            "@@codex-exports\nexport SNAP_RO=from-snapshot\n",
        );
        let raw = raw.replace(
            "@@codex-shopt\n",
            "@@codex-shopt\nshopt -s no_such_option\n",
        );
        let rendered = render(&raw).unwrap();
        assert!(!rendered.has_functions);
        let snapshot = dir.path().join("snapshot.sh");
        std::fs::write(&snapshot, &rendered.text).unwrap();
        let output = std::process::Command::new("bash")
            .args([
                "--noprofile",
                "--norc",
                "-c",
                "readonly SNAP_RO=kept; . \"$1\"; shopt -p extglob globstar sourcepath; \
                 alias gs; printf '%s|%s|%s\\n' \"$SNAP_A\" \"$SNAP_B\" \"$SNAP_RO\"",
                "check",
            ])
            .arg(&snapshot)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(String::from_utf8_lossy(&output.stderr), "");
        assert!(
            stdout.contains("shopt -s extglob\nshopt -s globstar\nshopt -u sourcepath\n"),
            "{stdout}"
        );
        assert!(stdout.contains("alias gs='git status'"), "{stdout}");
        assert!(stdout.contains("one two|x\ny|kept"), "{stdout}");
    }

    #[test]
    fn snapshots_a_week_old_are_removed_and_newer_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (dir.path().join("old.1.sh"), dir.path().join("new.2.sh"));
        std::fs::write(&old, "true\n").unwrap();
        std::fs::write(&new, "true\n").unwrap();
        let eight_days_ago = std::time::SystemTime::now() - Duration::from_secs(8 * 24 * 3600);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(eight_days_ago)
            .unwrap();
        remove_stale(dir.path());
        assert!(!old.exists());
        assert!(new.exists());
    }

    #[test]
    fn a_dump_cut_short_is_no_snapshot() {
        assert!(render("@@codex-shopt\nshopt -u autocd\n").is_none());
    }

    fn taken(path: &Path) -> ShellSnapshot {
        ShellSnapshot {
            inner: Arc::new(Inner {
                shell: Shell::Bash,
                state: watch::Sender::new(State::Taken(path.to_path_buf())),
                wait_until: tokio::time::Instant::now(),
                fallback_logged: AtomicBool::new(false),
            }),
        }
    }

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[tokio::test]
    async fn only_bash_login_scripts_are_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sh");
        std::fs::write(&path, "true\n").unwrap();
        let snapshot = taken(&path);
        let mut env = BTreeMap::new();
        assert_eq!(
            snapshot
                .apply(argv(&["/bin/bash", "-lc", "ls"]), &mut env)
                .await,
            argv(&["/bin/bash", "-c", "ls"])
        );
        assert_eq!(
            env.get("BASH_ENV"),
            Some(&path.to_string_lossy().into_owned())
        );
        for unchanged in [
            argv(&["bash", "-c", "ls"]),
            argv(&["zsh", "-lc", "ls"]),
            argv(&["ls", "-l"]),
        ] {
            let mut env = BTreeMap::new();
            assert_eq!(snapshot.apply(unchanged.clone(), &mut env).await, unchanged);
            assert!(env.is_empty());
        }
        // Without a snapshot, nothing changes.
        let mut env = BTreeMap::new();
        let login = argv(&["bash", "-lc", "ls"]);
        assert_eq!(
            ShellSnapshot::disabled()
                .apply(login.clone(), &mut env)
                .await,
            login
        );
        // The file is the session's: removed with it.
        drop(snapshot);
        assert!(!path.exists());
    }
}
