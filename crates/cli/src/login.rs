//! `codex login --with-api-key`, `codex login status`, `codex logout`.
//!
//! Only API keys are supported: the key is read from standard input (never
//! from the command line, where it would land in shell history and `ps`) and
//! stored in `$CODEX_HOME/auth.json` with mode 0600.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use codex_client::auth::{delete_auth, load_stored_api_key, mask_key, save_api_key};
use codex_config::find_codex_home;

pub fn login_with_api_key() -> anyhow::Result<ExitCode> {
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
    let codex_home = find_codex_home()?;
    save_api_key(&codex_home, key)?;
    eprintln!("Successfully logged in ({})", mask_key(key));
    Ok(ExitCode::SUCCESS)
}

pub fn login_status() -> anyhow::Result<ExitCode> {
    let codex_home = find_codex_home()?;
    if let Some(key) = load_stored_api_key(&codex_home)? {
        println!("Logged in using an API key - {}", mask_key(&key));
        return Ok(ExitCode::SUCCESS);
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

pub fn logout() -> anyhow::Result<ExitCode> {
    let codex_home = find_codex_home()?;
    if delete_auth(&codex_home)? {
        println!("Successfully logged out");
    } else {
        println!("Not logged in");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn login_without_method() -> anyhow::Result<ExitCode> {
    eprintln!(
        "codex supports API-key login: printenv OPENAI_API_KEY | codex login --with-api-key\n\
         (or set OPENAI_API_KEY in the environment)"
    );
    Ok(ExitCode::from(2))
}
