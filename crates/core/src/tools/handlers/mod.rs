//! One file per tool; [`turn_tools`] registers them for a turn.
//!
//! Every shell-like tool stays callable whichever the model is offered (a
//! model may still call `shell` after being offered `exec_command`, as the
//! reference allows); only the one its catalog entry names is offered.

mod apply_patch;
mod close_agent;
mod create_goal;
mod exec_command;
mod get_goal;
mod grep_files;
mod list_dir;
mod mcp;
mod mcp_resource;
pub(crate) mod multi_agent;
mod plan;
mod read_file;
mod request_user_input;
mod resume_agent;
mod send_input;
mod shell;
mod shell_command;
mod spawn_agent;
mod tool_search;
mod update_goal;
mod view_image;
mod wait_agent;
mod write_stdin;

use std::sync::Arc;

use codex_client::{ModelFamily, ShellToolType, ToolSpec};

use super::ToolsConfig;
use super::registry::ToolRegistry;
use crate::features::SessionFeatures as _;
use crate::session::Session;
use crate::state::SessionConfiguration;
pub(crate) use mcp::{McpToolMode, McpToolProvider};
pub(crate) use shell_command::{login_shell_argv, user_shell_program};

/// The tools of a turn: the built-in ones, then (as the reference lists
/// them) the sub-agent tools, the frontend's and the MCP servers'. Every
/// session's `SessionServices::turn_tools`.
pub(crate) fn turn_tools(
    session: &Session,
    config: &ToolsConfig,
    configuration: &SessionConfiguration,
    family: &ModelFamily,
) -> ToolRegistry {
    let responses = configuration.provider.wire_api == codex_config::WireApi::Responses;
    let mut tools = builtin_registry(config);
    multi_agent::register(&mut tools, &session.features().agents, responses);
    for tool in &session.services.extra_tools {
        tools.register(Arc::clone(tool));
    }
    tools.register_provider(Arc::new(McpToolProvider {
        state: Arc::clone(&session.features().mcp),
        mode: McpToolMode::for_turn(family.supports_tool_search, responses),
    }));
    tools
}

/// The built-in tools a turn with `config` offers.
pub(crate) fn builtin_registry(config: &ToolsConfig) -> ToolRegistry {
    let mut registry = ToolRegistry::default();
    let shell = Arc::new(shell::ShellHandler {
        escalation: config.escalation,
        local_shell: config.shell_type == ShellToolType::LocalShell,
    });
    let shell_command = Arc::new(shell_command::ShellCommandHandler {
        escalation: config.escalation,
        allow_login_shell: config.allow_login_shell,
    });
    let exec_command = Arc::new(exec_command::ExecCommandHandler {
        escalation: config.escalation,
        allow_login_shell: config.allow_login_shell,
    });
    let write_stdin = Arc::new(write_stdin::WriteStdinHandler);
    if !config.shell_tool {
        // Nothing that runs commands, offered or callable.
        register_file_tools(&mut registry, config);
        return registry;
    }
    match config.shell_type {
        ShellToolType::Shell | ShellToolType::LocalShell => registry.register(shell.clone()),
        ShellToolType::ShellCommand => registry.register(shell_command.clone()),
        ShellToolType::UnifiedExec => {
            registry.register(exec_command.clone());
            registry.register(write_stdin.clone());
        }
    }
    for alias in [shell::NAME].iter().chain(shell::ALIASES) {
        if !registry.contains(alias) {
            registry.register_alias(alias, shell.clone());
        }
    }
    for (name, handler) in [
        (
            shell_command::NAME,
            shell_command as Arc<dyn super::ToolHandler>,
        ),
        (exec_command::NAME, exec_command),
        (write_stdin::NAME, write_stdin),
    ] {
        if !registry.contains(name) {
            registry.register_alias(name, handler);
        }
    }
    register_file_tools(&mut registry, config);
    registry
}

/// The tools besides the shell ones.
fn register_file_tools(registry: &mut ToolRegistry, config: &ToolsConfig) {
    registry.register(Arc::new(apply_patch::ApplyPatchHandler {
        freeform: config.freeform_apply_patch,
    }));
    registry.register(Arc::new(plan::PlanHandler));
    registry.register(Arc::new(request_user_input::RequestUserInputHandler));
    if config.view_image {
        registry.register(Arc::new(view_image::ViewImageHandler));
    }
    if config.goals {
        registry.register(Arc::new(get_goal::GetGoalHandler));
        registry.register(Arc::new(create_goal::CreateGoalHandler));
        registry.register(Arc::new(update_goal::UpdateGoalHandler));
    }
    if config.file_tools {
        registry.register(Arc::new(read_file::ReadFileHandler));
        registry.register(Arc::new(list_dir::ListDirHandler));
        registry.register(Arc::new(grep_files::GrepFilesHandler));
    }
    if let Some(live) = config.web_search {
        registry.register_server_tool(ToolSpec::WebSearch {
            external_web_access: live,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::registry::{DispatchError, PayloadKind};

    fn config(shell_type: ShellToolType) -> ToolsConfig {
        ToolsConfig {
            shell_type,
            shell_tool: true,
            freeform_apply_patch: true,
            escalation: false,
            view_image: true,
            web_search: None,
            file_tools: false,
            allow_login_shell: true,
            goals: false,
        }
    }

    fn names(registry: &ToolRegistry) -> Vec<String> {
        registry
            .specs()
            .iter()
            .map(|s| s.name().to_string())
            .collect()
    }

    #[test]
    fn the_catalog_shell_type_chooses_what_is_offered() {
        let registry = builtin_registry(&config(ShellToolType::UnifiedExec));
        assert_eq!(
            names(&registry),
            vec![
                "exec_command",
                "write_stdin",
                "apply_patch",
                "update_plan",
                "request_user_input",
                "view_image"
            ]
        );
        // The other shell tools stay callable.
        for name in ["shell", "container.exec", "local_shell", "shell_command"] {
            assert!(registry.contains(name), "{name}");
        }
        let registry = builtin_registry(&config(ShellToolType::Shell));
        assert_eq!(names(&registry)[0], "shell");
        assert!(registry.contains("exec_command"));
        let registry = builtin_registry(&config(ShellToolType::LocalShell));
        assert!(matches!(registry.specs()[0], ToolSpec::LocalShell {}));
        let registry = builtin_registry(&config(ShellToolType::ShellCommand));
        assert_eq!(names(&registry)[0], "shell_command");
    }

    #[test]
    fn without_the_shell_tool_feature_nothing_runs_commands() {
        let mut no_shell = config(ShellToolType::UnifiedExec);
        no_shell.shell_tool = false;
        let registry = builtin_registry(&no_shell);
        assert_eq!(
            names(&registry),
            vec![
                "apply_patch",
                "update_plan",
                "request_user_input",
                "view_image"
            ]
        );
        for name in ["shell", "exec_command", "shell_command", "local_shell"] {
            assert!(!registry.contains(name), "{name}");
        }
    }

    #[test]
    fn optional_tools_follow_the_config() {
        let mut with_all = config(ShellToolType::Shell);
        with_all.file_tools = true;
        with_all.web_search = Some(false);
        with_all.view_image = false;
        with_all.freeform_apply_patch = false;
        let registry = builtin_registry(&with_all);
        assert_eq!(
            names(&registry),
            vec![
                "shell",
                "apply_patch",
                "update_plan",
                "request_user_input",
                "read_file",
                "list_dir",
                "grep_files",
                "web_search"
            ]
        );
        assert!(matches!(registry.specs()[1], ToolSpec::Function(_)));
        assert!(matches!(
            registry.specs()[7],
            ToolSpec::WebSearch {
                external_web_access: false
            }
        ));
    }

    #[test]
    fn unknown_tools_and_wrong_shapes() {
        let registry = builtin_registry(&config(ShellToolType::Shell));
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
