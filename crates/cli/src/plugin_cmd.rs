//! `codex plugin`: marketplaces (`marketplace add|list|remove`) and
//! plugins (`add`, `list`, `remove`, `enable`, `disable`), in the
//! reference's layout under `$CODEX_HOME/plugins/` and its `config.toml`
//! keys (see `codex-plugins`).

use clap::Subcommand;
use codex_config::{find_codex_home, load_config};

use crate::cli::SharedOptions;

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Install a plugin: `NAME@MARKETPLACE`, or `NAME --marketplace M`.
    Add(Selector),
    /// The plugins of the configured marketplaces and whether each is
    /// installed and enabled.
    List {
        /// Only this marketplace.
        #[arg(long)]
        marketplace: Option<String>,
    },
    /// Uninstall a plugin and remove its copy.
    Remove(Selector),
    /// Turn an installed plugin on (from the next session).
    Enable(Selector),
    /// Turn an installed plugin off (from the next session).
    Disable(Selector),
    /// Add, list or remove marketplaces.
    Marketplace {
        #[command(subcommand)]
        command: MarketplaceCommand,
    },
}

#[derive(Debug, clap::Args)]
pub struct Selector {
    /// `NAME@MARKETPLACE`, or `NAME` with `--marketplace`.
    #[arg(value_name = "PLUGIN[@MARKETPLACE]")]
    plugin: String,
    #[arg(long)]
    marketplace: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum MarketplaceCommand {
    /// Add a marketplace: a local folder or a git URL (cloned with git).
    Add {
        #[arg(value_name = "SOURCE")]
        source: String,
    },
    /// The configured marketplaces and their folders.
    List,
    /// Remove a marketplace by name.
    Remove {
        #[arg(value_name = "NAME")]
        name: String,
    },
}

pub fn run(shared: &SharedOptions, command: PluginCommand) -> anyhow::Result<()> {
    let codex_home = find_codex_home()?;
    let home = codex_home.as_path();
    let selector = |s: &Selector| {
        codex_plugins::parse_selector(&s.plugin, s.marketplace.as_deref())
            .map_err(anyhow::Error::msg)
    };
    match command {
        PluginCommand::Add(s) => {
            let (name, market) = selector(&s)?;
            let dir =
                codex_plugins::install_plugin(home, &name, &market).map_err(anyhow::Error::msg)?;
            println!("Added plugin `{name}` from marketplace `{market}`.");
            println!("Installed plugin root: {}", dir.display());
        }
        PluginCommand::Remove(s) => {
            let (name, market) = selector(&s)?;
            codex_plugins::uninstall_plugin(home, &name, &market).map_err(anyhow::Error::msg)?;
            println!("Removed plugin `{name}@{market}`.");
        }
        PluginCommand::Enable(s) => set_enabled(home, &selector(&s)?, true)?,
        PluginCommand::Disable(s) => set_enabled(home, &selector(&s)?, false)?,
        PluginCommand::List { marketplace } => list(shared, home, marketplace.as_deref())?,
        PluginCommand::Marketplace { command } => match command {
            MarketplaceCommand::Add { source } => {
                let market =
                    codex_plugins::add_marketplace(home, &source).map_err(anyhow::Error::msg)?;
                println!(
                    "Added marketplace `{}` from {}.",
                    market.name, market.source
                );
                println!("Installed marketplace root: {}", market.root.display());
            }
            MarketplaceCommand::List => {
                let markets =
                    codex_plugins::configured_marketplaces(home).map_err(anyhow::Error::msg)?;
                if markets.is_empty() {
                    println!(
                        "No marketplaces. Add one with `codex plugin marketplace add SOURCE`."
                    );
                }
                println!("{:<20} ROOT", "MARKETPLACE");
                for market in markets {
                    println!("{:<20} {}", market.name, market.root.display());
                }
            }
            MarketplaceCommand::Remove { name } => {
                codex_plugins::remove_marketplace(home, &name).map_err(anyhow::Error::msg)?;
                println!("Removed marketplace `{name}`.");
            }
        },
    }
    Ok(())
}

fn set_enabled(
    home: &std::path::Path,
    (name, market): &(String, String),
    enabled: bool,
) -> anyhow::Result<()> {
    let installed = codex_plugins::install::plugin_cache_dir(home, name, market).exists();
    if !installed {
        anyhow::bail!(
            "plugin `{name}@{market}` is not installed; install it with `codex plugin add {name}@{market}`"
        );
    }
    codex_plugins::set_plugin_enabled(home, name, market, enabled).map_err(anyhow::Error::msg)?;
    println!(
        "Plugin `{name}@{market}` is {} from the next session.",
        if enabled { "enabled" } else { "disabled" }
    );
    Ok(())
}

fn list(shared: &SharedOptions, home: &std::path::Path, only: Option<&str>) -> anyhow::Result<()> {
    let config = load_config(home, &shared.to_overrides())?;
    let installed = codex_plugins::installed_plugins(home, config.layers.get(&["plugins"]));
    let markets = codex_plugins::configured_marketplaces(home).map_err(anyhow::Error::msg)?;
    for market in markets.iter().filter(|m| only.is_none_or(|o| o == m.name)) {
        println!("Marketplace `{}`", market.name);
        match codex_plugins::read_catalog(&market.root) {
            Err(err) => println!("  {err}"),
            Ok(catalog) => {
                println!("{:<28} {:<20} {:<10} SOURCE", "PLUGIN", "STATUS", "VERSION");
                for entry in catalog.plugins {
                    let id = codex_plugins::plugin_id(&entry.name, &market.name);
                    let found = installed.iter().find(|p| p.id == id);
                    let status = match found {
                        None => "not installed",
                        Some(p) if p.enabled => "installed, enabled",
                        Some(_) => "installed, disabled",
                    };
                    println!(
                        "{id:<28} {status:<20} {:<10} {}",
                        found.map(|p| p.version.as_str()).unwrap_or(""),
                        entry.path.display()
                    );
                }
            }
        }
        println!();
    }
    Ok(())
}
