//! Small enums that appear both in `config.toml` and on the wire.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How hard a reasoning model thinks (`model_reasoning_effort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningEffort {
    None,
    Minimal,
    Low,
    #[default]
    Medium,
    High,
    #[serde(rename = "xhigh")]
    XHigh,
}

impl fmt::Display for ReasoningEffort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "none",
            Self::Minimal => "minimal",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::XHigh => "xhigh",
        })
    }
}

/// Which reasoning summaries the model returns (`model_reasoning_summary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningSummary {
    #[default]
    Auto,
    Concise,
    Detailed,
    None,
}

impl fmt::Display for ReasoningSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Concise => "concise",
            Self::Detailed => "detailed",
            Self::None => "none",
        })
    }
}

/// The coarse sandbox choice of `sandbox_mode` / `--sandbox`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SandboxMode {
    #[default]
    ReadOnly,
    WorkspaceWrite,
    DangerFullAccess,
}

impl fmt::Display for SandboxMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ReadOnly => "read-only",
            Self::WorkspaceWrite => "workspace-write",
            Self::DangerFullAccess => "danger-full-access",
        })
    }
}

/// Output verbosity hint for GPT-5 family models (`model_verbosity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verbosity {
    Low,
    Medium,
    High,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names() {
        assert_eq!(
            serde_json::to_string(&ReasoningEffort::XHigh).unwrap(),
            "\"xhigh\""
        );
        assert_eq!(
            serde_json::to_string(&SandboxMode::WorkspaceWrite).unwrap(),
            "\"workspace-write\""
        );
        assert_eq!(
            serde_json::from_str::<ReasoningSummary>("\"detailed\"").unwrap(),
            ReasoningSummary::Detailed
        );
        assert_eq!(
            SandboxMode::DangerFullAccess.to_string(),
            "danger-full-access"
        );
    }
}

/// Which variables of codex's own environment a command starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShellEnvironmentPolicyInherit {
    /// Everything codex was started with.
    #[default]
    All,
    /// Only a core set (HOME, PATH, USER, SHELL, LANG, TMPDIR, ...).
    Core,
    /// Nothing.
    None,
}

/// How the environment of the commands the model runs is built
/// (`[shell_environment_policy]`). The sandbox crate applies it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShellEnvironmentPolicy {
    pub inherit: ShellEnvironmentPolicyInherit,
    /// Keep variables whose names contain KEY, SECRET or TOKEN.
    pub ignore_default_excludes: bool,
    /// Case-insensitive glob patterns of names to remove.
    pub exclude: Vec<String>,
    /// Variables to set, after all filtering.
    pub set: std::collections::BTreeMap<String, String>,
    /// If non-empty, only names matching one of these globs survive.
    pub include_only: Vec<String>,
}

/// The thread's collaboration mode: `plan` explores read-only and proposes
/// a plan for the person to accept; `default` works as usual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModeKind {
    Plan,
    #[default]
    Default,
}

/// The collaboration mode as the reference records it in `turn_context`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollaborationMode {
    pub mode: ModeKind,
    #[serde(default)]
    pub settings: CollaborationSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CollaborationSettings {
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub reasoning_effort: Option<ReasoningEffort>,
    #[serde(default)]
    pub developer_instructions: Option<String>,
}
