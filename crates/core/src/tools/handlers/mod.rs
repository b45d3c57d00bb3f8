//! One file per tool; [`builtin_registry`] registers them for a turn.

mod apply_patch;
mod plan;
mod shell;

use std::sync::Arc;

use super::ToolsConfig;
use super::registry::ToolRegistry;

/// The built-in tools a turn with `config` offers.
pub(crate) fn builtin_registry(config: &ToolsConfig) -> ToolRegistry {
    let mut registry = ToolRegistry::default();
    let shell = Arc::new(shell::ShellHandler {
        escalation: config.escalation,
    });
    registry.register(shell.clone());
    for alias in shell::ALIASES {
        registry.register_alias(alias, shell.clone());
    }
    registry.register(Arc::new(apply_patch::ApplyPatchHandler {
        freeform: config.freeform_apply_patch,
    }));
    registry.register(Arc::new(plan::PlanHandler));
    registry
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::registry::{DispatchError, PayloadKind};
    use codex_client::ToolSpec;

    #[test]
    fn the_turn_settings_choose_the_variants() {
        let registry = builtin_registry(&ToolsConfig {
            freeform_apply_patch: true,
            escalation: false,
        });
        let specs = registry.specs();
        let names: Vec<&str> = specs.iter().map(ToolSpec::name).collect();
        assert_eq!(names, vec!["shell", "apply_patch", "update_plan"]);
        assert!(matches!(specs[1], ToolSpec::Freeform(_)));
        assert!(registry.contains("container.exec") && registry.contains("local_shell"));

        let registry = builtin_registry(&ToolsConfig {
            freeform_apply_patch: false,
            escalation: true,
        });
        assert!(matches!(registry.specs()[1], ToolSpec::Function(_)));
    }

    #[test]
    fn unknown_tools_and_wrong_shapes() {
        let registry = builtin_registry(&ToolsConfig {
            freeform_apply_patch: true,
            escalation: false,
        });
        assert!(
            registry
                .handler_for("shell", PayloadKind::LocalShell)
                .is_ok()
        );
        assert!(
            registry
                .handler_for("apply_patch", PayloadKind::Custom)
                .is_ok()
        );
        assert_eq!(
            registry.handler_for("browse", PayloadKind::Function).err(),
            Some(DispatchError::RespondToModel(
                "unsupported call: browse".into()
            ))
        );
        assert_eq!(
            registry.handler_for("shell", PayloadKind::Custom).err(),
            Some(DispatchError::Fatal(
                "tool shell invoked with incompatible payload".into()
            ))
        );
    }
}
