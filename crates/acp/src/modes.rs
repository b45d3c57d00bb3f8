//! The session modes an editor offers (`session/set_mode`): our approval
//! presets, the three the TUI's `/approvals` offers, and the model choice
//! as a session config option (`session/set_config_option`, category
//! `model`), which is where ACP puts model selection.

use agent_client_protocol::v1::schema::{
    SessionConfigOption, SessionConfigOptionCategory, SessionConfigSelectOption, SessionMode,
    SessionModeState,
};
use codex_protocol::protocol::{AskForApproval, SandboxPolicy};

/// One approval preset: what the engine asks about and what the sandbox
/// lets commands do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Preset {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub approval: AskForApproval,
    sandbox: SandboxKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SandboxKind {
    ReadOnly,
    WorkspaceWrite,
    FullAccess,
}

pub(crate) const PRESETS: [Preset; 3] = [
    Preset {
        id: "read-only",
        name: "Read Only",
        description: "Codex reads files and answers; editing files or running commands that write asks first.",
        approval: AskForApproval::OnRequest,
        sandbox: SandboxKind::ReadOnly,
    },
    Preset {
        id: "auto",
        name: "Auto",
        description: "Codex reads, edits and runs commands in the workspace; it asks before going outside it or using the network.",
        approval: AskForApproval::OnRequest,
        sandbox: SandboxKind::WorkspaceWrite,
    },
    Preset {
        id: "full-access",
        name: "Full Access",
        description: "Codex edits files and runs commands anywhere, with network access, without asking. Use with care.",
        approval: AskForApproval::Never,
        sandbox: SandboxKind::FullAccess,
    },
];

impl Preset {
    pub(crate) fn find(id: &str) -> Option<&'static Preset> {
        PRESETS.iter().find(|p| p.id == id)
    }

    pub(crate) fn sandbox_policy(&self) -> SandboxPolicy {
        match self.sandbox {
            SandboxKind::ReadOnly => SandboxPolicy::ReadOnly,
            SandboxKind::WorkspaceWrite => SandboxPolicy::new_workspace_write(),
            SandboxKind::FullAccess => SandboxPolicy::DangerFullAccess,
        }
    }

    /// The preset a session's settings are closest to: told apart by the
    /// sandbox, since that is what the modes differ in (an `untrusted`
    /// approval policy in a read-only sandbox is still "read-only").
    pub(crate) fn closest(sandbox: &SandboxPolicy) -> &'static Preset {
        let kind = match sandbox {
            SandboxPolicy::ReadOnly => SandboxKind::ReadOnly,
            SandboxPolicy::WorkspaceWrite { .. } => SandboxKind::WorkspaceWrite,
            SandboxPolicy::DangerFullAccess => SandboxKind::FullAccess,
        };
        PRESETS
            .iter()
            .find(|p| p.sandbox == kind)
            .unwrap_or(&PRESETS[0])
    }
}

/// `modes` of a session/new or session/load answer.
pub(crate) fn mode_state(current: &str) -> SessionModeState {
    let modes = PRESETS
        .iter()
        .map(|p| SessionMode::new(p.id, p.name).description(p.description.to_string()))
        .collect();
    SessionModeState::new(current.to_string(), modes)
}

/// The config option id of the model choice.
pub(crate) const MODEL_OPTION: &str = "model";

/// The model choice: the built-in catalog's visible models, with the
/// session's model first if the catalog does not know it (a provider's own).
pub(crate) fn model_option(current: &str) -> SessionConfigOption {
    let catalog = codex_client::ModelCatalog::builtin().entries();
    let mut options: Vec<SessionConfigSelectOption> = Vec::new();
    if !catalog.iter().any(|m| m.slug == current) {
        options.push(SessionConfigSelectOption::new(
            current.to_string(),
            current.to_string(),
        ));
    }
    for model in catalog.iter().filter(|m| m.visible || m.slug == current) {
        let name = if model.display_name.is_empty() {
            model.slug.clone()
        } else {
            model.display_name.clone()
        };
        let mut option = SessionConfigSelectOption::new(model.slug.clone(), name);
        if !model.description.is_empty() {
            option = option.description(model.description.clone());
        }
        options.push(option);
    }
    SessionConfigOption::select(MODEL_OPTION, "Model", current.to_string(), options)
        .category(SessionConfigOptionCategory::Model)
        .description("The model Codex uses from the next prompt on".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sandbox_has_its_preset() {
        assert_eq!(Preset::closest(&SandboxPolicy::ReadOnly).id, "read-only");
        assert_eq!(
            Preset::closest(&SandboxPolicy::new_workspace_write()).id,
            "auto"
        );
        assert_eq!(
            Preset::closest(&SandboxPolicy::DangerFullAccess).id,
            "full-access"
        );
        for preset in PRESETS {
            assert_eq!(Preset::closest(&preset.sandbox_policy()), &preset);
        }
        let state = serde_json::to_value(mode_state("auto")).unwrap();
        assert_eq!(state["currentModeId"], "auto");
        assert_eq!(state["availableModes"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn an_unknown_model_is_still_offered() {
        let option = serde_json::to_value(model_option("my-local-model")).unwrap();
        assert_eq!(option["currentValue"], "my-local-model");
        assert_eq!(option["options"][0]["value"], "my-local-model");
        assert_eq!(option["category"], "model");
    }
}
