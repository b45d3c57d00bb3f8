//! Human mode: progress on stderr; only the final message goes to stdout.
//! A view of the engine's items (`item_started`/`item_completed`) and turn
//! events.

use std::io::Write;

use codex_config::Config;
use codex_protocol::items::{
    CommandExecutionStatus, ItemUpdate, McpToolCallStatus, PatchApplyStatus, PlanItem, TurnItem,
};
use codex_protocol::mcp::McpStartupStatus;
use codex_protocol::plan::StepStatus;
use codex_protocol::protocol::{EventMsg, FileChange, SessionConfiguredEvent, TokenUsage};

/// Lines of command output shown per command.
const MAX_OUTPUT_LINES: usize = 20;

#[derive(Clone, Copy)]
struct Style {
    enabled: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    fn italic(&self, t: &str) -> String {
        self.paint("3", t)
    }
    fn red(&self, t: &str) -> String {
        self.paint("31", t)
    }
    fn green(&self, t: &str) -> String {
        self.paint("32", t)
    }
    fn magenta(&self, t: &str) -> String {
        self.paint("35", t)
    }
    fn cyan(&self, t: &str) -> String {
        self.paint("36", t)
    }
}

pub(crate) struct HumanProcessor {
    style: Style,
    show_reasoning: bool,
    usage: Option<TokenUsage>,
    cwd: std::path::PathBuf,
    /// The task's cumulative diff, shown once when the task ends.
    turn_diff: Option<String>,
    /// Patches a person was asked to approve.
    asked: std::collections::HashSet<String>,
}

impl HumanProcessor {
    pub(crate) fn new(color: bool, config: &Config) -> Self {
        Self {
            style: Style { enabled: color },
            show_reasoning: !config.hide_agent_reasoning,
            usage: None,
            cwd: config.cwd.clone(),
            turn_diff: None,
            asked: Default::default(),
        }
    }

    pub(crate) fn print_header(&self, config: &Config, event: &SessionConfiguredEvent) {
        let s = self.style;
        let mut lines = vec![
            format!("codex {} (exec)", env!("CARGO_PKG_VERSION")),
            "--------".to_string(),
        ];
        let rows = [
            ("workdir", event.cwd.display().to_string()),
            ("model", event.model.clone()),
            ("provider", config.model_provider_id.clone()),
            ("approval", event.approval_policy.to_string()),
            ("sandbox", event.sandbox_policy.to_string()),
            (
                "reasoning effort",
                event
                    .reasoning_effort
                    .map_or("default".to_string(), |e| e.to_string()),
            ),
            (
                "reasoning summaries",
                config.model_reasoning_summary.to_string(),
            ),
            ("session id", event.session_id.to_string()),
        ];
        for (key, value) in rows {
            lines.push(format!("{} {value}", s.bold(&format!("{key}:"))));
        }
        lines.push("--------".to_string());
        eprintln!("{}", lines.join("\n"));
    }

    /// What an item shows when it starts (commands, patches, tool calls
    /// and plans; messages are shown complete).
    fn item_started(&mut self, item: &TurnItem) {
        let s = self.style;
        match item {
            TurnItem::CommandExecution(command) => eprintln!(
                "{}\n{} in {}",
                s.magenta(&s.bold("exec")),
                s.bold(&codex_core::display_command(&command.command)),
                command.cwd.display()
            ),
            TurnItem::FileChange(change) => {
                let auto_approved = !self.asked.contains(&change.id);
                eprintln!(
                    "{}",
                    s.magenta(&s.bold(&format!("apply_patch auto_approved={auto_approved}:")))
                );
                for (path, change) in change.sorted_changes() {
                    let tag = match change {
                        FileChange::Add { .. } => "A",
                        FileChange::Delete { .. } => "D",
                        FileChange::Update {
                            move_path: Some(_), ..
                        } => "R",
                        FileChange::Update { .. } => "M",
                    };
                    eprintln!(
                        "{tag} {}",
                        path.strip_prefix(&self.cwd).unwrap_or(path).display()
                    );
                }
            }
            TurnItem::McpToolCall(call) => {
                let args = call
                    .invocation
                    .arguments
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                eprintln!(
                    "{}\n{}({args})",
                    s.magenta(&s.bold("tool")),
                    s.bold(&format!(
                        "{}.{}",
                        call.invocation.server, call.invocation.tool
                    ))
                );
            }
            TurnItem::Plan(plan) => self.print_plan(plan),
            _ => {}
        }
    }

    fn item_completed(&mut self, item: &TurnItem) {
        let s = self.style;
        match item {
            TurnItem::UserMessage(message) => eprintln!(
                "{}\n{}\n",
                s.cyan(&s.bold("user")),
                prompt_echo(&message.text())
            ),
            TurnItem::Reasoning(reasoning) if self.show_reasoning => {
                for text in &reasoning.summary_text {
                    eprintln!("{}\n{}\n", s.magenta(&s.italic("thinking")), s.italic(text));
                }
            }
            TurnItem::AgentMessage(message) => {
                eprintln!("{}\n{}\n", s.magenta(&s.bold("codex")), message.text());
            }
            TurnItem::CommandExecution(command) => {
                if command.status == CommandExecutionStatus::Declined {
                    eprintln!("{}\n", s.red(" declined"));
                    return;
                }
                let millis = command.duration.unwrap_or_default().as_millis();
                let exit_code = command.exit_code.unwrap_or(-1);
                let status = if exit_code == 0 {
                    s.green(&format!(" succeeded in {millis}ms:"))
                } else {
                    s.red(&format!(" exited {exit_code} in {millis}ms:"))
                };
                eprintln!("{status}");
                self.print_output(&command.aggregated_output);
            }
            TurnItem::FileChange(change) => match change.status {
                PatchApplyStatus::Completed => eprintln!("{}\n", s.green("apply_patch succeeded")),
                PatchApplyStatus::Declined => eprintln!("{}\n", s.red("apply_patch declined")),
                _ => eprintln!(
                    "{}\n{}\n",
                    s.red("apply_patch failed:"),
                    change.stderr.trim_end()
                ),
            },
            TurnItem::McpToolCall(call) => {
                let millis = call.duration.unwrap_or_default().as_millis();
                match (&call.result, call.status) {
                    (_, McpToolCallStatus::Declined) => eprintln!("{}\n", s.red(" declined")),
                    (Some(Ok(result)), McpToolCallStatus::Completed) => {
                        eprintln!("{}", s.green(&format!(" succeeded in {millis}ms:")));
                        self.print_output(&result.display_text());
                    }
                    (result, _) => {
                        let detail = match result {
                            Some(Ok(result)) => result.display_text(),
                            Some(Err(message)) => message.clone(),
                            None => "interrupted".to_string(),
                        };
                        eprintln!(
                            "{}\n{}\n",
                            s.red(&format!(" failed in {millis}ms:")),
                            s.dim(detail.trim_end())
                        );
                    }
                }
            }
            TurnItem::ContextCompaction(_) => eprintln!("{}", s.dim("context compacted")),
            TurnItem::CollabAgentToolCall(call) => {
                eprintln!("{}", s.magenta(&s.bold(call.tool_name())));
                if let Some(prompt) = &call.prompt {
                    eprintln!("{}", s.dim(prompt.lines().next().unwrap_or_default()));
                }
                for line in call.agent_lines() {
                    eprintln!("  {line}");
                }
                eprintln!();
            }
            TurnItem::SubAgentActivity(activity) => eprintln!("{}", s.dim(&activity.line())),
            _ => {}
        }
    }

    fn print_plan(&self, plan: &PlanItem) {
        let s = self.style;
        eprintln!("{}", s.magenta(&s.bold("plan")));
        if let Some(explanation) = &plan.explanation {
            eprintln!("{}", s.italic(explanation));
        }
        for step in &plan.plan {
            let mark = match step.status {
                StepStatus::Completed => "[x]",
                StepStatus::InProgress => "[>]",
                StepStatus::Pending => "[ ]",
            };
            eprintln!("  {mark} {}", step.step);
        }
        eprintln!();
    }

    /// At most `MAX_OUTPUT_LINES` of `text`, dimmed.
    fn print_output(&self, text: &str) {
        let s = self.style;
        let lines: Vec<&str> = text.trim_end().lines().collect();
        for line in lines.iter().take(MAX_OUTPUT_LINES) {
            eprintln!("{}", s.dim(line));
        }
        if lines.len() > MAX_OUTPUT_LINES {
            eprintln!(
                "{}",
                s.dim(&format!("... +{} lines", lines.len() - MAX_OUTPUT_LINES))
            );
        }
        eprintln!();
    }

    pub(crate) fn process(&mut self, msg: &EventMsg) {
        let s = self.style;
        match msg {
            EventMsg::ItemStarted(ev) => self.item_started(&ev.item),
            EventMsg::ItemUpdated(ev) => {
                if let ItemUpdate::Replaced {
                    item: TurnItem::Plan(plan),
                } = &ev.update
                {
                    self.print_plan(plan);
                }
            }
            EventMsg::ItemCompleted(ev) => self.item_completed(&ev.item),
            // A patch a person was asked about was not auto-approved.
            EventMsg::ApplyPatchApprovalRequest(ev) => {
                self.asked.insert(ev.call_id.clone());
            }
            EventMsg::McpStartupUpdate(ev) => match &ev.status {
                McpStartupStatus::Starting => {
                    eprintln!("{}", s.dim(&format!("mcp: {} starting", ev.server)));
                }
                McpStartupStatus::Ready => {
                    eprintln!("{}", s.dim(&format!("mcp: {} ready", ev.server)));
                }
                McpStartupStatus::Failed { error } => {
                    eprintln!("{} {error}", s.red(&s.bold("mcp:")));
                }
                McpStartupStatus::Cancelled => {
                    eprintln!("{}", s.dim(&format!("mcp: {} cancelled", ev.server)));
                }
            },
            EventMsg::TurnDiff(ev) => self.turn_diff = Some(ev.unified_diff.clone()),
            EventMsg::TokenCount(ev) => {
                if let Some(info) = &ev.info {
                    self.usage = Some(info.total_token_usage);
                }
            }
            EventMsg::StreamError(ev) => {
                eprintln!("{}", s.dim(&format!("stream error: {}", ev.message)))
            }
            EventMsg::Error(ev) => eprintln!("{} {}", s.red(&s.bold("ERROR:")), ev.message),
            EventMsg::Warning(ev) => eprintln!("{} {}", s.bold("warning:"), ev.message),
            EventMsg::BackgroundEvent(ev) => eprintln!("{}", s.dim(&ev.message)),
            EventMsg::HookStarted(ev) => eprintln!(
                "{}",
                s.dim(&format!(
                    "hook {}: {}",
                    ev.event_name,
                    ev.status_message.as_deref().unwrap_or(&ev.command)
                ))
            ),
            EventMsg::HookCompleted(ev) => eprintln!(
                "{}",
                s.dim(&format!(
                    "hook {} `{}` {} in {}ms: {}",
                    ev.event_name, ev.command, ev.status, ev.duration_ms, ev.outcome
                ))
            ),
            EventMsg::TurnAborted(ev) => {
                eprintln!(
                    "{}",
                    s.red(&format!("turn aborted: {:?}", ev.reason).to_lowercase())
                );
            }
            EventMsg::TaskComplete(_) => {
                if let Some(diff) = self.turn_diff.take() {
                    eprintln!(
                        "{}\n{}\n",
                        s.magenta(&s.bold("turn diff")),
                        s.dim(diff.trim_end())
                    );
                }
                if let Some(usage) = self.usage {
                    eprintln!("{}", s.dim(&format!("tokens used: {}", usage.total_tokens)));
                }
            }
            _ => {}
        }
        let _ = std::io::stderr().flush();
    }
}

/// At most this much of the prompt is echoed (a 5 MB prompt on the
/// terminal helps nobody; the session file keeps all of it).
const ECHO_MAX_LINES: usize = 20;
const ECHO_MAX_CHARS: usize = 2_000;

/// The start of `prompt`, and a note of what was left out.
fn prompt_echo(prompt: &str) -> String {
    let mut end = 0;
    for (lines, line) in prompt.split_inclusive('\n').enumerate() {
        if lines == ECHO_MAX_LINES || end + line.len() > ECHO_MAX_CHARS {
            break;
        }
        end += line.len();
    }
    if end == 0 && !prompt.is_empty() {
        // One very long first line: cut it at a character boundary.
        end = prompt
            .char_indices()
            .nth(ECHO_MAX_CHARS)
            .map_or(prompt.len(), |(i, _)| i);
    }
    if end >= prompt.len() {
        return prompt.to_string();
    }
    let rest = &prompt[end..];
    let lines = rest.lines().count();
    let chars = rest.chars().count();
    format!(
        "{}\n… ({lines} more line{}, {chars} more characters not shown)",
        prompt[..end].trim_end_matches('\n'),
        if lines == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_prompt_is_echoed_cut_with_a_count() {
        assert_eq!(prompt_echo("short\nprompt"), "short\nprompt");
        let long: String = (1..=300).map(|i| format!("line {i}\n")).collect();
        let echo = prompt_echo(&long);
        assert!(echo.starts_with("line 1\n"), "{echo}");
        assert!(echo.contains("line 20\n…"), "{echo}");
        assert!(!echo.contains("line 21"), "{echo}");
        assert!(
            echo.ends_with("(280 more lines, 2441 more characters not shown)"),
            "{echo}"
        );
        let wide = "é".repeat(5_000);
        let echo = prompt_echo(&wide);
        assert!(echo.starts_with(&"é".repeat(2_000)), "cut at a character");
        assert!(echo.ends_with("(1 more line, 3000 more characters not shown)"));
    }
}
