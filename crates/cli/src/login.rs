//! `codex login` (ChatGPT in a browser, `--device-auth`, `--with-api-key`),
//! `codex login status`, `codex logout`.
//!
//! An API key is read from standard input, never from the command line
//! (where it would land in shell history and `ps`). Everything is stored in
//! `$CODEX_HOME/auth.json` (0600) in the reference's shape.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::time::Duration;

use codex_client::auth::{delete_auth, mask_key, read_auth, save_api_key};
use codex_config::{Config, LoginMethod, find_codex_home, load_config};
use codex_login::browser::LoginOptions;
use codex_login::{Endpoints, jwt};

use crate::cli::SharedOptions;

/// How long the browser flow waits for the callback.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// The callback port can be moved (containers, tests) with this variable;
/// the real issuer only accepts the registered ports.
const PORT_ENV_VAR: &str = "CODEX_LOGIN_PORT";

pub fn login_with_api_key(shared: &SharedOptions) -> anyhow::Result<ExitCode> {
    let codex_home = find_codex_home()?;
    if let Ok(config) = load_config(&codex_home, &shared.to_overrides())
        && config.forced_login_method == Some(LoginMethod::Chatgpt)
    {
        anyhow::bail!(
            "forced_login_method = \"chatgpt\" in {}: API keys are not allowed; run `codex login`",
            config.config_file.display()
        );
    }
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!(
            "Paste your API key and press Ctrl-D, or pipe it in: printenv OPENAI_API_KEY | codex login --with-api-key"
        );
    }
    let mut key = String::new();
    stdin
        .read_to_string(&mut key)
        .map_err(|err| anyhow::anyhow!("cannot read the API key from standard input: {err}"))?;
    let key = key.trim();
    if key.is_empty() {
        anyhow::bail!(
            "no API key on standard input; pipe it in: printenv OPENAI_API_KEY | codex login --with-api-key"
        );
    }
    save_api_key(&codex_home, key)?;
    eprintln!("Successfully logged in ({})", mask_key(key));
    Ok(ExitCode::SUCCESS)
}

/// `codex login` / `codex login --device-auth`.
pub fn login_with_chatgpt(
    shared: &SharedOptions,
    device_auth: bool,
    issuer: Option<String>,
) -> anyhow::Result<ExitCode> {
    let codex_home = find_codex_home()?;
    let config = load_config(&codex_home, &shared.to_overrides())?;
    if config.forced_login_method == Some(LoginMethod::Api) {
        anyhow::bail!(
            "forced_login_method = \"api\" in {}: sign in with an API key: printenv OPENAI_API_KEY | codex login --with-api-key",
            config.config_file.display()
        );
    }
    let options = login_options(&config, issuer.as_deref())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let auth = runtime.block_on(async {
        if device_auth {
            let code = codex_login::device_code::request_device_code(&options).await?;
            eprintln!(
                "\nTo sign in with ChatGPT:\n\n  1. Open {}\n  2. Enter the code {} (it expires in 15 minutes)\n\nNever share this code: anyone who enters it signs in as you.\nWaiting…",
                code.verification_url, code.user_code
            );
            codex_login::device_code::complete_device_code_login(&options, &code).await
        } else {
            let login = codex_login::browser::start(options).await?;
            let opened = open_browser(&login.auth_url);
            eprintln!(
                "Listening for the sign-in on http://localhost:{}.\n{}\n\n{}\n",
                login.port,
                if opened {
                    "If your browser did not open, go to this address:"
                } else {
                    "Open this address in a browser (or use `codex login --device-auth` on a machine without one):"
                },
                login.auth_url
            );
            login.finish(BROWSER_TIMEOUT).await
        }
    })?;
    let info = auth
        .tokens
        .as_ref()
        .map(|t| jwt::id_token_info(&t.id_token))
        .unwrap_or_default();
    eprintln!(
        "Successfully logged in{}",
        info.email.map(|e| format!(" as {e}")).unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

fn login_options(config: &Config, issuer: Option<&str>) -> anyhow::Result<LoginOptions> {
    let port = match std::env::var(PORT_ENV_VAR) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{PORT_ENV_VAR}={text:?} is not a port number"))?,
        Err(_) => codex_login::DEFAULT_PORT,
    };
    Ok(LoginOptions {
        codex_home: config.codex_home.clone(),
        endpoints: Endpoints::with_issuer(issuer),
        port,
        originator: "codex_cli_rs".to_string(),
        forced_workspace_id: config.forced_chatgpt_workspace_id.clone(),
        http: codex_client::http_client(&codex_client::user_agent("codex_cli_rs"))?,
    })
}

/// Opens `url` in the desktop's browser, if there is a desktop.
pub(crate) fn open_browser(url: &str) -> bool {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    {
        "xdg-open"
    } else {
        return false;
    };
    std::process::Command::new(program)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

pub fn login_status() -> anyhow::Result<ExitCode> {
    let codex_home = find_codex_home()?;
    if let Some(auth) = read_auth(&codex_home)? {
        if auth.has_chatgpt_tokens()
            && let Some(tokens) = &auth.tokens
        {
            let info = jwt::id_token_info(&tokens.id_token);
            let mut line = "Logged in using ChatGPT".to_string();
            if let Some(email) = info.email {
                line.push_str(&format!(" as {email}"));
            }
            if let Some(plan) = info.plan {
                line.push_str(&format!(" ({plan} plan)"));
            }
            println!("{line}");
            return Ok(ExitCode::SUCCESS);
        }
        if let Some(key) = auth.openai_api_key {
            println!("Logged in using an API key - {}", mask_key(&key));
            return Ok(ExitCode::SUCCESS);
        }
    }
    for var in ["CODEX_API_KEY", "OPENAI_API_KEY"] {
        if let Ok(key) = std::env::var(var)
            && !key.trim().is_empty()
        {
            println!("Using the API key in ${var} - {}", mask_key(key.trim()));
            return Ok(ExitCode::SUCCESS);
        }
    }
    println!("Not logged in");
    Ok(ExitCode::FAILURE)
}

/// Removes `auth.json`, revoking a ChatGPT refresh token first (best
/// effort: a revocation that fails is reported, the local sign-in is
/// removed all the same).
pub fn logout() -> anyhow::Result<ExitCode> {
    let codex_home = find_codex_home()?;
    let stored = read_auth(&codex_home).ok().flatten();
    if let Some(tokens) = stored.as_ref().and_then(|a| a.tokens.as_ref()) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let http = codex_client::http_client(&codex_client::user_agent("codex_cli_rs"))?;
        let endpoints = Endpoints::from_env();
        let revoked = runtime.block_on(codex_login::revoke_refresh_token(
            &http,
            &endpoints,
            &tokens.refresh_token,
        ));
        if let Err(err) = revoked {
            eprintln!("warning: {err}; the sign-in is removed from this machine anyway");
        }
    }
    if delete_auth(&codex_home)? {
        println!("Successfully logged out");
    } else {
        println!("Not logged in");
    }
    Ok(ExitCode::SUCCESS)
}
