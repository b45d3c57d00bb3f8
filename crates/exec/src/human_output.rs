//! Human mode: progress on stderr; only the final message goes to stdout.

use std::io::Write;

use codex_config::Config;
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
}

impl HumanProcessor {
    pub(crate) fn new(color: bool, config: &Config) -> Self {
        Self {
            style: Style { enabled: color },
            show_reasoning: !config.hide_agent_reasoning,
            usage: None,
            cwd: config.cwd.clone(),
            turn_diff: None,
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

    pub(crate) fn process(&mut self, msg: &EventMsg) {
        let s = self.style;
        match msg {
            EventMsg::UserMessage(ev) => {
                eprintln!(
                    "{}\n{}\n",
                    s.cyan(&s.bold("user")),
                    prompt_echo(&ev.message)
                );
            }
            EventMsg::AgentReasoning(ev) if self.show_reasoning => {
                eprintln!(
                    "{}\n{}\n",
                    s.magenta(&s.italic("thinking")),
                    s.italic(&ev.text)
                );
            }
            EventMsg::AgentMessage(ev) => {
                eprintln!("{}\n{}\n", s.magenta(&s.bold("codex")), ev.message);
            }
            EventMsg::ExecCommandBegin(ev) => {
                eprintln!(
                    "{}\n{} in {}",
                    s.magenta(&s.bold("exec")),
                    s.bold(&codex_core::display_command(&ev.command)),
                    ev.cwd.display()
                );
            }
            EventMsg::ExecCommandEnd(ev) => {
                let millis = ev.duration.as_millis();
                let status = if ev.exit_code == 0 {
                    s.green(&format!(" succeeded in {millis}ms:"))
                } else {
                    s.red(&format!(" exited {} in {millis}ms:", ev.exit_code))
                };
                eprintln!("{status}");
                let output = ev.aggregated_output.trim_end();
                let lines: Vec<&str> = output.lines().collect();
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
            EventMsg::PatchApplyBegin(ev) => {
                eprintln!(
                    "{}",
                    s.magenta(&s.bold(&format!("apply_patch auto_approved={}:", ev.auto_approved)))
                );
                let mut paths: Vec<_> = ev.changes.iter().collect();
                paths.sort_by(|a, b| a.0.cmp(b.0));
                for (path, change) in paths {
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
            EventMsg::PatchApplyEnd(ev) => {
                if ev.success {
                    eprintln!("{}\n", s.green("apply_patch succeeded"));
                } else {
                    eprintln!(
                        "{}\n{}\n",
                        s.red("apply_patch failed:"),
                        ev.stderr.trim_end()
                    );
                }
            }
            EventMsg::PlanUpdate(plan) => {
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
            EventMsg::McpToolCallBegin(ev) => {
                let args = ev
                    .invocation
                    .arguments
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                eprintln!(
                    "{}
{}({args})",
                    s.magenta(&s.bold("tool")),
                    s.bold(&format!("{}.{}", ev.invocation.server, ev.invocation.tool))
                );
            }
            EventMsg::McpToolCallEnd(ev) => {
                let millis = ev.duration.as_millis();
                if ev.is_failure() {
                    let detail = match &ev.result {
                        Ok(result) => result.display_text(),
                        Err(message) => message.clone(),
                    };
                    eprintln!(
                        "{}
{}
",
                        s.red(&format!(" failed in {millis}ms:")),
                        s.dim(detail.trim_end())
                    );
                } else if let Ok(result) = &ev.result {
                    eprintln!("{}", s.green(&format!(" succeeded in {millis}ms:")));
                    let text = result.display_text();
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
            }
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
            EventMsg::ContextCompacted(_) => eprintln!("{}", s.dim("context compacted")),
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
