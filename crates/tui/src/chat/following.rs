//! Following a sub-agent live: `/agents NAME` switches the view to one
//! child — what it did so far is replayed, then its items appear as they
//! arrive, each line marked with its name — and `/agents back` returns to
//! the main thread alone. The engine passes every child event on
//! (`EventMsg::SubAgentEvent`); each child keeps a short log here, shown
//! compactly (a command and its exit, an answer's first lines), so the
//! parent's own cells stay as they are.

use std::collections::{HashMap, VecDeque};

use codex_protocol::items::TurnItem;
use codex_protocol::protocol::{EventMsg, SubAgentEvent};

use super::ChatState;
use crate::cells::HistoryCell;

/// Lines kept per child for a replay.
const LOG_LINES: usize = 200;

/// What the TUI knows of its children's activity.
#[derive(Default)]
pub struct Following {
    /// By thread id: the agent's name and its last lines.
    logs: HashMap<String, (String, VecDeque<String>)>,
    /// The child whose items are shown as they arrive.
    followed: Option<String>,
}

impl ChatState {
    pub(super) fn on_subagent_event(&mut self, ev: SubAgentEvent) {
        let Some(line) = child_line(&ev.event.msg) else {
            return;
        };
        let id = ev.thread_id.to_string();
        let (_, log) = self
            .following
            .logs
            .entry(id.clone())
            .or_insert_with(|| (ev.agent.clone(), VecDeque::new()));
        log.push_back(line.clone());
        if log.len() > LOG_LINES {
            log.pop_front();
        }
        if self.following.followed.as_deref() == Some(id.as_str()) {
            self.commit(HistoryCell::Info(format!("  ⎿ {}: {line}", ev.agent)));
        }
    }

    /// `/agents NAME` (a nickname, path or thread id) or `/agents back`.
    pub(super) fn follow_command(&mut self, target: &str) {
        if matches!(target, "back" | "main") {
            let was = self.following.followed.take();
            self.commit(HistoryCell::Info(match was {
                Some(_) => "Back to the main thread.".to_string(),
                None => "Already on the main thread.".to_string(),
            }));
            return;
        }
        let found = self
            .following
            .logs
            .iter()
            .find(|(id, (name, _))| id.as_str() == target || name == target)
            .map(|(id, (name, _))| (id.clone(), name.clone()))
            .or_else(|| {
                self.agents
                    .iter()
                    .find(|(id, (name, _))| id.as_str() == target || name == target)
                    .map(|(id, (name, _))| (id.clone(), name.clone()))
            });
        let Some((id, name)) = found else {
            self.commit(HistoryCell::Warning(format!(
                "No sub-agent named `{target}`: /agents lists them."
            )));
            return;
        };
        let replay: Vec<String> = self
            .following
            .logs
            .get(&id)
            .map(|(_, log)| log.iter().cloned().collect())
            .unwrap_or_default();
        let mut text = format!(
            "Following agent {name}: its work appears here as it happens (/agents back to stop)."
        );
        for line in replay {
            text.push_str(&format!("\n  ⎿ {name}: {line}"));
        }
        self.commit(HistoryCell::Info(text));
        self.following.followed = Some(id);
    }
}

/// One line for a child's event worth showing, if it is one.
fn child_line(msg: &EventMsg) -> Option<String> {
    let first = |text: &str| {
        text.lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .to_string()
    };
    match msg {
        EventMsg::TaskStarted(_) => Some("started working".to_string()),
        EventMsg::TaskComplete(_) => Some("finished".to_string()),
        EventMsg::TurnAborted(_) => Some("was interrupted".to_string()),
        EventMsg::Error(error) => Some(format!("error: {}", error.message)),
        EventMsg::ItemCompleted(done) => match &done.item {
            TurnItem::AgentMessage(message) => Some(format!("said: {}", first(&message.text()))),
            TurnItem::CommandExecution(command) => Some(format!(
                "ran `{}` → exit {}",
                command.command.join(" "),
                command.exit_code.map_or("?".to_string(), |c| c.to_string())
            )),
            TurnItem::FileChange(change) => Some(format!(
                "edited {}",
                change
                    .changes
                    .keys()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            TurnItem::McpToolCall(call) => Some(format!(
                "called {}/{}",
                call.invocation.server, call.invocation.tool
            )),
            _ => None,
        },
        _ => None,
    }
}
