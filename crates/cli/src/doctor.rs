//! `codex doctor`: one screen that checks what usually goes wrong, each
//! line ok / warn / fail with the fix. The exit status is 1 when something
//! fails, so scripts and CI can use it.
//!
//! Every check is independent and bounded: the only network request is one
//! GET of the provider's `/models` with a five-second timeout, and the
//! sandbox probe is the same one `codex sandbox linux --check` runs.

use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use codex_client::auth::{KeySource, RequestAuth, mask_key, resolve_auth};
use codex_config::{Config, find_codex_home, load_config};

use crate::cli::SharedOptions;

/// How long the provider may take to answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    Warn,
    Fail,
}

/// One line of the report.
struct Check {
    status: Status,
    name: &'static str,
    detail: String,
    fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status: Status::Ok,
            name,
            detail: detail.into(),
            fix: None,
        }
    }
    fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            status: Status::Warn,
            name,
            detail: detail.into(),
            fix: Some(fix.into()).filter(|f: &String| !f.is_empty()),
        }
    }
    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            status: Status::Fail,
            ..Self::warn(name, detail, fix)
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        write!(f, "{status}  {:<10}  {}", self.name, self.detail)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n{:<16}fix: {fix}", "")?;
        }
        Ok(())
    }
}

pub fn run(shared: &SharedOptions) -> anyhow::Result<ExitCode> {
    let codex_home = find_codex_home()?;
    let mut checks = Vec::new();
    let config = match load_config(&codex_home, &shared.to_overrides()) {
        Ok(config) => {
            checks.push(Check::ok(
                "config",
                format!(
                    "{} {}",
                    config.config_file.display(),
                    if config.config_file.exists() {
                        "parses"
                    } else {
                        "absent (defaults)"
                    }
                ),
            ));
            for warning in &config.warnings {
                checks.push(Check::warn("config", warning.to_string(), ""));
            }
            Some(config)
        }
        Err(err) => {
            checks.push(Check::fail(
                "config",
                err.to_string(),
                "correct the file (or the -c/-p argument) named above",
            ));
            None
        }
    };
    checks.extend(home_permissions(&codex_home));
    if let Some(config) = &config {
        let (key, base) = auth(config, &mut checks);
        checks.push(provider_reachable(config, &base, key.as_deref()));
    }
    checks.push(sandbox());
    checks.push(git());
    checks.push(terminal());

    for check in &checks {
        println!("{check}");
    }
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    let warned = checks.iter().filter(|c| c.status == Status::Warn).count();
    println!("\n{failed} failed, {warned} warnings");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `$CODEX_HOME` and what it keeps private: the directory 0700, the files
/// holding keys, prompts and outputs 0600.
fn home_permissions(home: &Path) -> Vec<Check> {
    let mode = match std::fs::metadata(home) {
        Ok(meta) => meta.permissions().mode() & 0o777,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return vec![Check::ok(
                "codex home",
                format!("{} does not exist yet", home.display()),
            )];
        }
        Err(err) => {
            return vec![Check::fail(
                "codex home",
                format!("cannot read {}: {err}", home.display()),
                format!("check the permissions of {}", home.display()),
            )];
        }
    };
    let mut loose = Vec::new();
    if mode & 0o077 != 0 {
        loose.push((home.to_path_buf(), mode, "700"));
    }
    let private = [
        "auth.json",
        "history.jsonl",
        "config.toml",
        codex_state::STATE_DB_FILENAME,
    ];
    for name in private {
        let path = home.join(name);
        if let Ok(meta) = std::fs::metadata(&path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                loose.push((path, mode, "600"));
            }
        }
    }
    for dir in ["sessions", "archived_sessions", "log"] {
        let path = home.join(dir);
        if let Ok(meta) = std::fs::metadata(&path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                loose.push((path, mode, "700"));
            }
        }
    }
    if loose.is_empty() {
        return vec![Check::ok(
            "codex home",
            format!("{} is private ({mode:o})", home.display()),
        )];
    }
    loose
        .into_iter()
        .map(|(path, mode, want)| {
            Check::warn(
                "codex home",
                format!("{} is {mode:o}: other users can read it", path.display()),
                format!("chmod {want} {}", path.display()),
            )
        })
        .collect()
}

/// Whether the selected provider has the sign-in it needs; returns the
/// key to probe with (none for ChatGPT: its backend has no `/models` to
/// ask with a key) and the base URL requests go to.
fn auth(config: &Config, checks: &mut Vec<Check>) -> (Option<String>, String) {
    let env = |var: &str| std::env::var(var).ok();
    let default_base = config.model_provider.base_url_or_default();
    match resolve_auth(config, &env, "codex_cli_rs") {
        Ok(Some(RequestAuth::ApiKey { key, source })) => {
            let from = match source {
                KeySource::Env(var) => format!("${var}"),
                KeySource::AuthFile => "auth.json (codex login)".to_string(),
                KeySource::Config => "experimental_bearer_token".to_string(),
            };
            checks.push(Check::ok(
                "auth",
                format!(
                    "provider `{}`: key {} from {from}",
                    config.model_provider_id,
                    mask_key(&key)
                ),
            ));
            (Some(key), default_base)
        }
        Ok(Some(auth @ RequestAuth::Chatgpt(_))) => {
            checks.push(chatgpt_check(config));
            (None, auth.effective_provider(config).base_url_or_default())
        }
        Ok(None) => {
            checks.push(Check::ok(
                "auth",
                format!("provider `{}` takes no key", config.model_provider_id),
            ));
            (None, default_base)
        }
        Err(err) => {
            checks.push(Check::fail(
                "auth",
                format!("provider `{}`: {err}", config.model_provider_id),
                "set the variable, run `codex login`, or `codex login --with-api-key`",
            ));
            (None, default_base)
        }
    }
}

/// The ChatGPT sign-in: who, and how long the access token has left.
fn chatgpt_check(config: &Config) -> Check {
    let Ok(Some(stored)) = codex_login::read_auth(&config.codex_home) else {
        return Check::fail("auth", "auth.json cannot be read", "run `codex login`");
    };
    let Some(tokens) = stored.tokens else {
        return Check::fail(
            "auth",
            "auth.json has no ChatGPT tokens",
            "run `codex login`",
        );
    };
    let info = codex_login::jwt::id_token_info(&tokens.id_token);
    let who = info.email.unwrap_or_else(|| "unknown account".into());
    let plan = info.plan.map(|p| format!(", {p} plan")).unwrap_or_default();
    let left = codex_login::jwt::expires_at(&tokens.access_token)
        .map(|exp| exp - chrono::Utc::now().timestamp());
    match left {
        Some(secs) if secs > 0 => Check::ok(
            "auth",
            format!(
                "signed in with ChatGPT as {who}{plan}; access token valid for {} more minutes",
                secs / 60
            ),
        ),
        _ => Check::warn(
            "auth",
            format!("signed in with ChatGPT as {who}{plan}; the access token has expired"),
            "nothing to do if the next request refreshes it; else run `codex login`",
        ),
    }
}

/// One GET of `{base_url}/models`: any HTTP answer means the host is
/// reachable; 401/403 means it does not take the key.
fn provider_reachable(config: &Config, base: &str, key: Option<&str>) -> Check {
    let url = format!("{}/models", base.trim_end_matches('/'));
    let result = (|| -> anyhow::Result<u16> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let http = codex_client::http_client(&codex_client::user_agent("codex_cli_rs"))?;
        runtime.block_on(async {
            let mut request = http.get(&url).timeout(PROBE_TIMEOUT);
            if let Some(key) = key {
                request = request.bearer_auth(key);
            }
            let response = request.send().await?;
            Ok(response.status().as_u16())
        })
    })();
    match result {
        Ok(status @ (401 | 403)) => Check::fail(
            "provider",
            format!("{base} answers but refuses the key ({status})"),
            "check the key, or run `codex login --with-api-key`",
        ),
        Ok(status) => Check::ok("provider", format!("{base} answers ({status} on /models)")),
        Err(err) => Check::fail(
            "provider",
            format!(
                "cannot reach {base}: {}",
                codex_core::error_report(err.as_ref())
            ),
            format!(
                "check the network (proxy, DNS, firewall) and `base_url` of provider `{}`",
                config.model_provider_id
            ),
        ),
    }
}

#[cfg(target_os = "linux")]
fn sandbox() -> Check {
    let helper = match std::env::current_exe() {
        Ok(path) => path,
        Err(err) => return Check::fail("sandbox", format!("cannot find codex: {err}"), ""),
    };
    match codex_sandbox::linux::probe::probe(&helper) {
        Ok(reports) => {
            let missing: Vec<String> = reports
                .iter()
                .filter(|r| !r.enforced)
                .map(|r| format!("{} ({})", r.layer, r.detail))
                .collect();
            if missing.is_empty() {
                let layers: Vec<&str> = reports.iter().map(|r| r.layer.as_str()).collect();
                Check::ok("sandbox", format!("enforced: {}", layers.join(", ")))
            } else {
                Check::fail(
                    "sandbox",
                    format!("missing: {}", missing.join("; ")),
                    "until every layer is enforced, sandboxed commands are refused; `codex sandbox linux --check` has the details",
                )
            }
        }
        Err(err) => Check::fail("sandbox", err, ""),
    }
}

#[cfg(not(target_os = "linux"))]
fn sandbox() -> Check {
    Check::warn("sandbox", "no sandbox on this platform", "")
}

fn git() -> Check {
    match std::process::Command::new("git").arg("--version").output() {
        Ok(out) if out.status.success() => Check::ok(
            "git",
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
        ),
        Ok(out) => Check::warn(
            "git",
            format!(
                "`git --version` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            "reinstall git",
        ),
        Err(err) => Check::warn(
            "git",
            format!("git not found: {err}"),
            "install git: /diff, repository checks and undo need it",
        ),
    }
}

fn terminal() -> Check {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return Check::ok(
            "terminal",
            "not a terminal (fine for `codex exec`; the interactive UI needs one)",
        );
    }
    let term = std::env::var("TERM").unwrap_or_default();
    let colors = match std::env::var("COLORTERM").as_deref() {
        Ok("truecolor" | "24bit") => "truecolor",
        _ if term.contains("256color") => "256 colors",
        _ => "basic colors",
    };
    let size = window_size()
        .map(|(cols, rows)| format!("{cols}x{rows}"))
        .unwrap_or_else(|| "unknown size".to_string());
    if term.is_empty() || term == "dumb" {
        return Check::warn(
            "terminal",
            format!("TERM is `{term}`: no cursor movement"),
            "set TERM (e.g. xterm-256color) to use the interactive UI",
        );
    }
    Check::ok("terminal", format!("{term}, {size}, {colors}"))
}

fn window_size() -> Option<(u16, u16)> {
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ fills the struct it is given.
    let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    (rc == 0 && size.ws_col > 0).then_some((size.ws_col, size.ws_row))
}
