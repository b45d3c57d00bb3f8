//! Configuration errors. Each says where the problem is and what to do.

use std::path::PathBuf;

use crate::position::Position;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}:{position}: invalid TOML: {message}", path.display())]
    Syntax {
        path: PathBuf,
        position: Position,
        message: String,
    },

    /// A value has the wrong type or an unknown variant.
    #[error("{location}: invalid value for `{key}`: {message}")]
    InvalidValue {
        /// `path:line:col`, `-c key=value`, `flag --x` or `default`.
        location: String,
        /// The dotted key.
        key: String,
        message: String,
    },

    #[error("invalid -c override `{raw}`: {reason}")]
    InvalidOverride { raw: String, reason: String },

    #[error(
        "{location}: unknown profile `{name}`; create $CODEX_HOME/{name}.config.toml (or [profiles.{name}] in config.toml), or pick one of: {available}"
    )]
    UnknownProfile {
        location: String,
        name: String,
        available: String,
    },

    #[error(
        "{location}: model provider `{id}` is not defined; add [model_providers.{id}] to config.toml or pick one of: {available}"
    )]
    UnknownProvider {
        location: String,
        id: String,
        available: String,
    },

    #[error("unknown configuration keys (rejected because of --strict-config):\n{}", keys.join("\n"))]
    UnknownKeys { keys: Vec<String> },

    #[error("CODEX_HOME={}: {reason}", path.display())]
    CodexHome { path: PathBuf, reason: String },

    #[error("{what} {}: {reason}", path.display())]
    BadPath {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
}
