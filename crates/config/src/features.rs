//! The `[features]` registry: every flag this version knows, its stage, its
//! default and what it changes.
//!
//! Flags are set with `[features] NAME = true|false` in `config.toml` or a
//! profile, `-c features.NAME=…`, or `--enable NAME` / `--disable NAME`.
//! The names are the reference's, so a shared `~/.codex` means the same
//! thing to both; flags the reference has and this version does not act on
//! are known (no "unknown key" warning) and say so in `codex features list`.

use std::fmt;

/// How settled a feature is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Stable,
    Experimental,
    UnderDevelopment,
    /// Still read, for an older way of saying something.
    Deprecated,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Stable => "stable",
            Self::Experimental => "experimental",
            Self::UnderDevelopment => "under development",
            Self::Deprecated => "deprecated",
        })
    }
}

/// One known feature flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feature {
    pub key: &'static str,
    pub stage: Stage,
    pub default_enabled: bool,
    /// What turning it on does here, or why it does nothing.
    pub effect: &'static str,
}

/// Known features, in the order `codex features list` shows them.
pub const FEATURES: &[Feature] = &[
    Feature {
        key: "shell_tool",
        stage: Stage::Stable,
        default_enabled: true,
        effect: "offer the model a shell tool; off: it can only read, patch and plan",
    },
    Feature {
        key: "unified_exec",
        stage: Stage::Stable,
        default_enabled: true,
        effect: "models trained on exec_command get the PTY tools; off: shell_command instead",
    },
    Feature {
        key: "apply_patch_freeform",
        stage: Stage::UnderDevelopment,
        default_enabled: false,
        effect: "offer apply_patch as a freeform grammar tool to every model (Responses API)",
    },
    Feature {
        key: "view_image_tool",
        stage: Stage::Deprecated,
        default_enabled: true,
        effect: "same as [tools] view_image",
    },
    Feature {
        key: "web_search_request",
        stage: Stage::Deprecated,
        default_enabled: false,
        effect: "same as web_search = \"live\"",
    },
    Feature {
        key: "web_search_cached",
        stage: Stage::Deprecated,
        default_enabled: false,
        effect: "same as web_search = \"cached\"",
    },
    Feature {
        key: "undo",
        stage: Stage::Stable,
        default_enabled: true,
        effect: "in a git repository, snapshot the working tree around each turn (git objects only) so /undo can put a turn's changes back",
    },
    Feature {
        key: "memories",
        stage: Stage::UnderDevelopment,
        default_enabled: false,
        effect: "learn from past sessions: distil and consolidate them into $CODEX_HOME/memories and give new sessions the summary ([memories] generate_memories and use_memories)",
    },
    Feature {
        key: "hooks",
        stage: Stage::Stable,
        default_enabled: true,
        effect: "run the handlers of hooks.json and [hooks] at session start, prompts, tool calls, approvals, compaction and turn end",
    },
    Feature {
        key: "codex_hooks",
        stage: Stage::Deprecated,
        default_enabled: true,
        effect: "the older name of `hooks`; false turns hooks off",
    },
    Feature {
        key: "shell_snapshot",
        stage: Stage::Stable,
        default_enabled: true,
        effect: "take the login shell's variables, functions and aliases once per session; `bash -lc` commands read that snapshot instead of the profile",
    },
    Feature {
        key: "enable_request_compression",
        stage: Stage::Stable,
        default_enabled: true,
        effect: "no effect in this version (requests are sent uncompressed)",
    },
    Feature {
        key: "use_legacy_landlock",
        stage: Stage::Stable,
        default_enabled: false,
        effect: "no effect in this version (one sandbox helper, Landlock + seccomp + namespaces)",
    },
    Feature {
        key: "multi_agent",
        stage: Stage::Stable,
        default_enabled: true,
        effect: "the model can start sub-agents (the `multi_agent_v1` tools: spawn_agent, send_input, wait_agent, close_agent, resume_agent)",
    },
    Feature {
        key: "multi_agent_v2",
        stage: Stage::UnderDevelopment,
        default_enabled: false,
        effect: "sub-agents addressed by path and talking through mailboxes (the `collaboration` tools: spawn_agent, followup_task, send_message, wait_agent, interrupt_agent, list_agents) instead of `multi_agent_v1`",
    },
    unavailable("enable_fanout", Stage::UnderDevelopment),
    unavailable("js_repl", Stage::Experimental),
    unavailable("code_mode", Stage::UnderDevelopment),
    unavailable("shell_zsh_fork", Stage::UnderDevelopment),
    unavailable("exec_permission_approvals", Stage::UnderDevelopment),
    unavailable("request_permissions_tool", Stage::UnderDevelopment),
    unavailable("tool_search", Stage::UnderDevelopment),
    unavailable("tool_suggest", Stage::Stable),
    unavailable("image_generation", Stage::UnderDevelopment),
    unavailable("guardian_approval", Stage::Experimental),
    unavailable("personality", Stage::Stable),
    unavailable("fast_mode", Stage::Stable),
    unavailable("apps", Stage::Stable),
    unavailable("plugins", Stage::Stable),
    unavailable("prevent_idle_sleep", Stage::Experimental),
    Feature {
        key: "network_proxy",
        stage: Stage::Experimental,
        default_enabled: false,
        effect: "no effect: a permission profile's network domains always go through the allowlist proxy (never open network)",
    },
    Feature {
        key: "goals",
        stage: Stage::Stable,
        default_enabled: true,
        effect: "the goal tools (get_goal, create_goal, update_goal) and /goal",
    },
    Feature {
        key: "default_mode_request_user_input",
        stage: Stage::UnderDevelopment,
        default_enabled: false,
        effect: "no effect (request_user_input is offered in every mode here)",
    },
    Feature {
        key: "tui_app_server",
        stage: Stage::Stable,
        default_enabled: false,
        effect: "no effect (the interface talks to the engine directly)",
    },
];

/// Flags the reference once had and may still have written into a shared
/// `config.toml`; accepted without a word and without effect.
pub const REMOVED: &[&str] = &[
    "sqlite",
    "collaboration_modes",
    "steer",
    "responses_websockets",
    "responses_websockets_v2",
    "tui2",
    "skills",
    "enable_experimental_windows_sandbox",
    "experimental_windows_sandbox",
    "remote_compaction",
    "remote_models",
    "rmcp_client",
    "streamable_shell",
    "exec_command_tool",
];

/// A reference feature this version does not have.
const fn unavailable(key: &'static str, stage: Stage) -> Feature {
    Feature {
        key,
        stage,
        default_enabled: false,
        effect: "not available in this version",
    }
}

/// The known feature called `key`.
pub fn find(key: &str) -> Option<&'static Feature> {
    FEATURES.iter().find(|f| f.key == key)
}
