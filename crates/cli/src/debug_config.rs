//! `codex debug config`.

use codex_config::{find_codex_home, load_config, render_effective_config};

use crate::cli::SharedOptions;

pub fn run(shared: &SharedOptions) -> anyhow::Result<()> {
    let codex_home = find_codex_home()?;
    let config = load_config(&codex_home, &shared.to_overrides())?;
    print!("{}", render_effective_config(&config));
    Ok(())
}
