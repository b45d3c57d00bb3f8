//! `codex sandbox linux [--full-auto] [-P PROFILE] -- COMMAND...` (also `codex
//! debug landlock`): runs any command under the configured sandbox policy (or
//! permission profile), so a person can see exactly what the model's
//! commands may do. A profile that lists network domains gets the same
//! allowlist proxy a session runs (refusals are also printed on stderr
//! after the command). `--check` (also `codex debug
//! sandbox`) reports which layers this machine enforces.

use std::process::ExitCode;

use anyhow::Context;
use codex_config::{find_codex_home, load_config};
use codex_sandbox::{CommandSpec, build_command, env::create_env, exit_code};

use crate::cli::SharedOptions;

pub fn run(
    shared: &SharedOptions,
    permissions_profile: Option<&str>,
    command: Vec<String>,
) -> anyhow::Result<ExitCode> {
    let codex_home = find_codex_home()?;
    let mut overrides = shared.to_overrides();
    if let Some(profile) = permissions_profile {
        // `-P NAME` is `-c default_permissions="NAME"` (a JSON string is a
        // TOML string).
        overrides.raw_overrides.push(format!(
            "default_permissions={}",
            serde_json::to_string(profile)?
        ));
    }
    let config = load_config(&codex_home, &overrides)?;
    for warning in &config.warnings {
        eprintln!("warning: {warning}");
    }
    // The allowlist proxy serves on a worker thread of its own while this
    // thread waits for the command.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the network proxy's runtime")?;
    let _entered = runtime.enter();
    let proxy = codex_core::start_network_proxy(&config).map_err(anyhow::Error::msg)?;
    let spec = CommandSpec {
        argv: command,
        cwd: config.cwd.clone(),
        env: create_env(&config.shell_environment_policy, std::env::vars()),
        policy: config.sandbox_policy.clone(),
        linux_sandbox_exe: std::env::current_exe().ok(),
        network_proxy: proxy.as_ref().map(|p| p.socket_dir().to_path_buf()),
        hidden_paths: codex_sandbox::secrets::hidden_paths(&codex_home, &config.denied_paths),
    };
    let status = build_command(&spec)?
        .status()
        .with_context(|| format!("cannot run `{}`", spec.argv[0]))?;
    let mut said = std::collections::HashSet::new();
    for denial in proxy.iter().flat_map(|p| p.recent_denials()) {
        if said.insert(denial.host.clone()) {
            eprintln!(
                "codex: network access to \"{}\" was blocked: {}",
                denial.host, denial.reason
            );
        }
    }
    // Always 0–255 on Unix; anything else is passed on as a failure.
    Ok(ExitCode::from(
        u8::try_from(exit_code(&status)).unwrap_or(1),
    ))
}

/// Prints each layer of the sandbox and whether this machine enforces it;
/// exits 1 when one is missing (commands under a restricted policy are then
/// refused, never run less confined).
#[cfg(target_os = "linux")]
pub fn check() -> anyhow::Result<ExitCode> {
    let helper = std::env::current_exe().context("cannot find the codex binary")?;
    let reports = codex_sandbox::linux::probe::probe(&helper).map_err(anyhow::Error::msg)?;
    let width = reports.iter().map(|r| r.layer.len()).max().unwrap_or(0);
    let mut all = true;
    for report in &reports {
        all &= report.enforced;
        println!(
            "{:<width$}  {:<8}  {}",
            report.layer,
            if report.enforced {
                "enforced"
            } else {
                "MISSING"
            },
            report.detail
        );
    }
    if !all {
        println!(
            "\ncommands under a read-only or workspace-write policy will be refused until every layer is enforced"
        );
    }
    Ok(if all {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
