//! Configuration: `$CODEX_HOME`, `config.toml`, profiles, `-c` overrides and flags.
//!
//! # Design
//!
//! Every source of settings is turned into a TOML table, a [`layers::Layer`]:
//! built-in defaults, `config.toml`, the selected `[profiles.NAME]`, each
//! `-c key=value`, and the command-line flags. Layers are merged in that order
//! (later wins; tables merge key by key, everything else is replaced), and every
//! leaf of the merged table remembers which layer set it and, for files, at which
//! line and column. Only then is the merged table deserialized into the typed
//! [`schema::ConfigToml`] and resolved into a [`Config`].
//!
//! One mechanism therefore gives us the precedence rules, the origins printed
//! by `codex debug config`, and error messages that point at the exact
//! `config.toml:LINE:COL` (or the `-c` override) that holds a bad value.
//!
//! Keys this version does not know produce warnings (errors with
//! `--strict-config`); keys the reference Codex CLI knows but this version does
//! not use are reported as such instead of as typos.

mod codex_home;
mod config;
mod debug_print;
pub mod edit;
mod error;
pub mod features;
pub mod layers;
pub mod mcp;
mod overrides;
pub mod permissions;
mod position;
pub mod private_file;
pub mod project;
pub mod provider;
pub mod schema;

pub use codex_home::find_codex_home;
pub use config::{
    CliOverrides, Config, ConfigWarning, DEFAULT_CHATGPT_BASE_URL, DEFAULT_MODEL, History,
    HistoryPersistence, LoginMethod, McpOAuthCredentialsStore, PreferredAuthMethod, WebSearchMode,
    load_config,
};
pub use debug_print::render_effective_config;
pub use error::ConfigError;
pub use layers::{LayerSource, Origin};
pub use overrides::parse_override;
pub use position::Position;
pub use project::ProjectTrust;
pub use provider::{ModelProviderInfo, WireApi, built_in_model_providers};
