//! The item model as ACP session updates: the one place `codex acp` maps
//! `TurnItem`s, used live (`session.rs`) and to replay a recorded session
//! (`session/load`).
//!
//! - agent messages and reasoning summaries stream as message and thought
//!   chunks (the whole text at completion when nothing was streamed);
//! - commands, patches, MCP calls, web searches and image views are tool
//!   calls: a `tool_call` when they start, a `tool_call_update` with the
//!   outcome (status, output, diff) when they complete; a replayed one is
//!   one `tool_call` in its final state; a running command's output is
//!   sent as it grows (its tail, at most every 200 ms);
//! - the model's to-do list is a `plan` update, sent whole each time;
//! - the person's messages are sent back only when replaying.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use agent_client_protocol::v1::schema::{
    ContentBlock, ContentChunk, Plan, PlanEntry, PlanEntryPriority, PlanEntryStatus, SessionUpdate,
    TextContent, ToolCall, ToolCallContent, ToolCallLocation, ToolCallStatus, ToolCallUpdate,
    ToolCallUpdateFields, ToolKind,
};
use codex_protocol::items::{
    CommandExecutionItem, CommandExecutionStatus, FileChangeItem, ItemUpdate, McpToolCallItem,
    McpToolCallStatus, PatchApplyStatus, PlanItem, TurnItem,
};
use codex_protocol::parse_command::ParsedCommand;
use codex_protocol::plan::StepStatus;
use codex_protocol::protocol::{EventMsg, FileChange};
use codex_protocol::user_input::UserInput;
use serde_json::json;

use crate::diff::file_diff;

/// Maps one session's item events to updates; remembers which items
/// streamed their text.
#[derive(Default)]
pub(crate) struct ItemView {
    streamed: HashSet<String>,
    replay: bool,
    /// Running commands' output so far (its tail) and when it was last sent.
    output: HashMap<String, (String, Option<Instant>)>,
}

/// A running command's output is sent at most this often (each update
/// carries the whole tail, so an editor shows it as it grows).
const OUTPUT_EVERY: Duration = Duration::from_millis(200);
/// How much of a running command's output its updates carry.
const OUTPUT_TAIL_BYTES: usize = 64 * 1024;

impl ItemView {
    pub(crate) fn live() -> Self {
        Self::default()
    }

    pub(crate) fn replay() -> Self {
        Self {
            replay: true,
            ..Self::default()
        }
    }

    /// The updates one engine event makes (none for most events).
    pub(crate) fn updates(&mut self, msg: &EventMsg) -> Vec<SessionUpdate> {
        match msg {
            EventMsg::ItemStarted(ev) if !self.replay => self.started(&ev.item),
            EventMsg::ItemUpdated(ev) if !self.replay => self.updated(&ev.item_id, &ev.update),
            EventMsg::ItemCompleted(ev) => self.completed(&ev.item),
            _ => Vec::new(),
        }
    }

    fn started(&mut self, item: &TurnItem) -> Vec<SessionUpdate> {
        if let TurnItem::Plan(plan) = item {
            return vec![plan_update(plan)];
        }
        tool_call(item, true)
            .map(SessionUpdate::ToolCall)
            .into_iter()
            .collect()
    }

    fn updated(&mut self, item_id: &str, update: &ItemUpdate) -> Vec<SessionUpdate> {
        match update {
            ItemUpdate::AgentMessageDelta { delta } => {
                self.streamed.insert(item_id.to_string());
                vec![SessionUpdate::AgentMessageChunk(chunk(delta))]
            }
            ItemUpdate::ReasoningSummaryDelta { delta } => {
                self.streamed.insert(item_id.to_string());
                vec![SessionUpdate::AgentThoughtChunk(chunk(delta))]
            }
            // A new summary part after an earlier one: a paragraph break.
            ItemUpdate::ReasoningSummaryPartAdded if self.streamed.contains(item_id) => {
                vec![SessionUpdate::AgentThoughtChunk(chunk("\n\n"))]
            }
            ItemUpdate::Replaced {
                item: TurnItem::Plan(plan),
            } => vec![plan_update(plan)],
            ItemUpdate::CommandOutputDelta { chunk, .. } => {
                let (output, sent) = self.output.entry(item_id.to_string()).or_default();
                output.push_str(chunk);
                if output.len() > OUTPUT_TAIL_BYTES {
                    let mut cut = output.len() - OUTPUT_TAIL_BYTES;
                    while !output.is_char_boundary(cut) {
                        cut += 1;
                    }
                    output.drain(..cut);
                }
                if sent.is_some_and(|at| at.elapsed() < OUTPUT_EVERY) {
                    return Vec::new();
                }
                *sent = Some(Instant::now());
                let fields =
                    ToolCallUpdateFields::new().content(vec![text_content(fenced(output))]);
                vec![SessionUpdate::ToolCallUpdate(ToolCallUpdate::new(
                    item_id.to_string(),
                    fields,
                ))]
            }
            _ => Vec::new(),
        }
    }

    fn completed(&mut self, item: &TurnItem) -> Vec<SessionUpdate> {
        let streamed = self.streamed.remove(item.id());
        self.output.remove(item.id());
        match item {
            TurnItem::UserMessage(message) if self.replay => message
                .content
                .iter()
                .filter_map(|input| match input {
                    UserInput::Text { text } => Some(chunk(text)),
                    _ => None,
                })
                .map(SessionUpdate::UserMessageChunk)
                .collect(),
            TurnItem::AgentMessage(message) if !streamed => {
                vec![SessionUpdate::AgentMessageChunk(chunk(&message.text()))]
            }
            TurnItem::Reasoning(reasoning) if !streamed && !reasoning.summary_text.is_empty() => {
                vec![SessionUpdate::AgentThoughtChunk(chunk(
                    &reasoning.summary_text.join("\n\n"),
                ))]
            }
            TurnItem::Plan(plan) if self.replay => vec![plan_update(plan)],
            TurnItem::ExitedReviewMode(review) => {
                vec![SessionUpdate::AgentMessageChunk(chunk(&review.review))]
            }
            _ if self.replay => tool_call(item, false)
                .map(SessionUpdate::ToolCall)
                .into_iter()
                .collect(),
            _ => tool_call_done(item)
                .map(SessionUpdate::ToolCallUpdate)
                .into_iter()
                .collect(),
        }
    }
}

pub(crate) fn chunk(text: &str) -> ContentChunk {
    ContentChunk::new(ContentBlock::Text(TextContent::new(text.to_string())))
}

fn text_content(text: String) -> ToolCallContent {
    ToolCallContent::Content(agent_client_protocol::v1::schema::Content::new(
        ContentBlock::Text(TextContent::new(text)),
    ))
}

fn plan_update(plan: &PlanItem) -> SessionUpdate {
    let entries = plan
        .plan
        .iter()
        .map(|step| {
            let status = match step.status {
                StepStatus::Pending => PlanEntryStatus::Pending,
                StepStatus::InProgress => PlanEntryStatus::InProgress,
                StepStatus::Completed => PlanEntryStatus::Completed,
            };
            PlanEntry::new(step.step.clone(), PlanEntryPriority::Medium, status)
        })
        .collect();
    SessionUpdate::Plan(Plan::new(entries))
}

/// The tool call an item is, as it starts (`live`) or as it ended.
pub(crate) fn tool_call(item: &TurnItem, live: bool) -> Option<ToolCall> {
    let call = match item {
        TurnItem::CommandExecution(command) => {
            ToolCall::new(command.id.clone(), command_title(command))
                .kind(command_kind(&command.parsed_cmd))
                .locations(command_locations(command))
                .raw_input(json!({"command": command.command, "cwd": command.cwd}))
        }
        TurnItem::FileChange(patch) => {
            let changes = patch.sorted_changes();
            ToolCall::new(patch.id.clone(), patch_title(patch))
                .kind(patch_kind(patch))
                .content(
                    changes
                        .iter()
                        .map(|(path, change)| file_diff(path, change, live))
                        .collect(),
                )
                .locations(
                    changes
                        .iter()
                        .map(|(path, _)| ToolCallLocation::new(path.to_path_buf()))
                        .collect(),
                )
        }
        TurnItem::McpToolCall(call) => ToolCall::new(call.id.clone(), mcp_title(call))
            .kind(ToolKind::Other)
            .raw_input(call.invocation.arguments.clone()),
        TurnItem::WebSearch(search) => {
            ToolCall::new(search.id.clone(), web_search_title(&search.query))
                .kind(ToolKind::Fetch)
                .raw_input(json!({"query": search.query}))
        }
        TurnItem::ImageView(view) => ToolCall::new(
            view.id.clone(),
            format!("View image {}", view.path.display()),
        )
        .kind(ToolKind::Read)
        .locations(vec![ToolCallLocation::new(view.path.clone())]),
        _ => return None,
    };
    if live {
        return Some(call.status(ToolCallStatus::InProgress));
    }
    // A recorded call: in its final state, with its outcome.
    let done = tool_call_done(item)?;
    let mut call = call;
    call.update(done.fields);
    Some(call)
}

/// The update a completed item sends to its tool call.
pub(crate) fn tool_call_done(item: &TurnItem) -> Option<ToolCallUpdate> {
    let (id, fields) = match item {
        TurnItem::CommandExecution(command) => {
            let ok = command.status == CommandExecutionStatus::Completed
                && command.exit_code.is_none_or(|code| code == 0);
            let mut content = Vec::new();
            if !command.aggregated_output.is_empty() {
                content.push(text_content(fenced(&command.aggregated_output)));
            }
            if command.status == CommandExecutionStatus::Declined {
                content.push(text_content("Not run: declined.".into()));
            }
            let fields = ToolCallUpdateFields::new()
                .status(status(ok))
                .content(content)
                .raw_output(json!({
                    "exit_code": command.exit_code,
                    "duration_ms": command.duration.map(|d| d.as_millis() as u64),
                }));
            (command.id.clone(), fields)
        }
        TurnItem::FileChange(patch) => {
            let ok = patch.status == PatchApplyStatus::Completed;
            let mut fields = ToolCallUpdateFields::new().status(status(ok));
            let said = [patch.stdout.trim(), patch.stderr.trim()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            if patch.status == PatchApplyStatus::Declined {
                fields = fields.raw_output(json!({"declined": true}));
            } else if !said.is_empty() {
                fields = fields.raw_output(json!({"output": said}));
            }
            (patch.id.clone(), fields)
        }
        TurnItem::McpToolCall(call) => {
            let (ok, text) = match &call.result {
                Some(Ok(result)) => (result.is_error != Some(true), result.display_text()),
                Some(Err(message)) => (false, message.clone()),
                None => (call.status == McpToolCallStatus::Completed, String::new()),
            };
            let ok = ok && call.status == McpToolCallStatus::Completed;
            let mut fields = ToolCallUpdateFields::new().status(status(ok));
            if !text.is_empty() {
                fields = fields.content(vec![text_content(text)]);
            }
            (call.id.clone(), fields)
        }
        TurnItem::WebSearch(search) => (
            search.id.clone(),
            ToolCallUpdateFields::new()
                .status(ToolCallStatus::Completed)
                .title(web_search_title(&search.query)),
        ),
        TurnItem::ImageView(view) => (
            view.id.clone(),
            ToolCallUpdateFields::new().status(ToolCallStatus::Completed),
        ),
        _ => return None,
    };
    Some(ToolCallUpdate::new(id, fields))
}

fn status(ok: bool) -> ToolCallStatus {
    if ok {
        ToolCallStatus::Completed
    } else {
        ToolCallStatus::Failed
    }
}

fn fenced(output: &str) -> String {
    // A fence longer than any backtick run in the output.
    let longest = output.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}\n{}\n{fence}", output.trim_end_matches('\n'))
}

pub(crate) fn command_title(command: &CommandExecutionItem) -> String {
    codex_core::display_command(&command.command)
}

/// A command that only reads files is a read; one that only reads, lists
/// or searches is a search; anything else runs.
pub(crate) fn command_kind(parsed: &[ParsedCommand]) -> ToolKind {
    if parsed.is_empty() {
        return ToolKind::Execute;
    }
    if parsed
        .iter()
        .all(|p| matches!(p, ParsedCommand::Read { .. }))
    {
        return ToolKind::Read;
    }
    if parsed.iter().all(|p| {
        matches!(
            p,
            ParsedCommand::Read { .. }
                | ParsedCommand::ListFiles { .. }
                | ParsedCommand::Search { .. }
        )
    }) {
        return ToolKind::Search;
    }
    ToolKind::Execute
}

/// The files a command reads, so the editor can follow along.
fn command_locations(command: &CommandExecutionItem) -> Vec<ToolCallLocation> {
    command
        .parsed_cmd
        .iter()
        .filter_map(|p| match p {
            ParsedCommand::Read { name, .. } => Some(command.cwd.join(name)),
            ParsedCommand::ListFiles {
                path: Some(path), ..
            }
            | ParsedCommand::Search {
                path: Some(path), ..
            } => Some(command.cwd.join(path)),
            _ => None,
        })
        .map(ToolCallLocation::new)
        .collect()
}

fn patch_kind(patch: &FileChangeItem) -> ToolKind {
    let changes: Vec<&FileChange> = patch.changes.values().collect();
    if !changes.is_empty()
        && changes
            .iter()
            .all(|c| matches!(c, FileChange::Delete { .. }))
    {
        return ToolKind::Delete;
    }
    if changes.len() == 1
        && let FileChange::Update {
            move_path: Some(_), ..
        } = changes[0]
    {
        return ToolKind::Move;
    }
    ToolKind::Edit
}

pub(crate) fn patch_title(patch: &FileChangeItem) -> String {
    let names: Vec<String> = patch
        .sorted_changes()
        .iter()
        .map(|(path, _)| short_path(path))
        .collect();
    format!("Edit {}", names.join(", "))
}

fn short_path(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn mcp_title(call: &McpToolCallItem) -> String {
    format!("{}: {}", call.invocation.server, call.invocation.tool)
}

fn web_search_title(query: &str) -> String {
    if query.is_empty() {
        "Search the web".to_string()
    } else {
        format!("Search the web: {query}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_protocol::items::{AgentMessageItem, PlanItem};
    use codex_protocol::plan::PlanItemArg;
    use pretty_assertions::assert_eq;
    use std::path::PathBuf;

    fn command(status: CommandExecutionStatus, exit_code: Option<i32>) -> TurnItem {
        TurnItem::CommandExecution(CommandExecutionItem {
            id: "c1".into(),
            process_id: None,
            command: vec!["bash".into(), "-lc".into(), "cat a.txt".into()],
            cwd: PathBuf::from("/w"),
            parsed_cmd: vec![ParsedCommand::Read {
                cmd: "cat a.txt".into(),
                name: "a.txt".into(),
            }],
            source: Default::default(),
            status,
            aggregated_output: "hello\n".into(),
            exit_code,
            duration: None,
        })
    }

    #[test]
    fn a_command_is_a_tool_call_with_its_kind_location_and_output() {
        let mut view = ItemView::live();
        let started =
            serde_json::to_value(view.started(&command(CommandExecutionStatus::InProgress, None)))
                .unwrap();
        assert_eq!(started[0]["sessionUpdate"], "tool_call");
        assert_eq!(started[0]["toolCallId"], "c1");
        assert_eq!(started[0]["title"], "cat a.txt");
        assert_eq!(started[0]["kind"], "read");
        assert_eq!(started[0]["status"], "in_progress");
        assert_eq!(started[0]["locations"][0]["path"], "/w/a.txt");
        let done = serde_json::to_value(
            view.completed(&command(CommandExecutionStatus::Completed, Some(0))),
        )
        .unwrap();
        assert_eq!(done[0]["sessionUpdate"], "tool_call_update");
        assert_eq!(done[0]["status"], "completed");
        assert_eq!(done[0]["content"][0]["content"]["text"], "```\nhello\n```");
        let failed = serde_json::to_value(
            view.completed(&command(CommandExecutionStatus::Completed, Some(2))),
        )
        .unwrap();
        assert_eq!(failed[0]["status"], "failed");
        // Output while it runs: the first chunk at once, the rest at most
        // every 200 ms, each update with all of it so far.
        let chunk = |text: &str| ItemUpdate::CommandOutputDelta {
            stream: codex_protocol::protocol::ExecOutputStream::Stdout,
            chunk: text.into(),
        };
        let first = serde_json::to_value(view.updated("c2", &chunk("one\n"))).unwrap();
        assert_eq!(first[0]["content"][0]["content"]["text"], "```\none\n```");
        assert!(view.updated("c2", &chunk("two\n")).is_empty());
        std::thread::sleep(OUTPUT_EVERY);
        let later = serde_json::to_value(view.updated("c2", &chunk("three\n"))).unwrap();
        assert_eq!(
            later[0]["content"][0]["content"]["text"],
            "```\none\ntwo\nthree\n```"
        );
        // Replayed: one tool call in its final state.
        let replayed = serde_json::to_value(
            ItemView::replay().completed(&command(CommandExecutionStatus::Declined, None)),
        )
        .unwrap();
        assert_eq!(replayed[0]["sessionUpdate"], "tool_call");
        assert_eq!(replayed[0]["status"], "failed");
        assert_eq!(replayed[0]["kind"], "read");
    }

    #[test]
    fn streamed_text_is_not_sent_twice_and_plans_are_plans() {
        let mut view = ItemView::live();
        let delta = view.updated("m1", &ItemUpdate::AgentMessageDelta { delta: "Hi".into() });
        assert_eq!(delta.len(), 1);
        let message = TurnItem::AgentMessage(AgentMessageItem::new("m1".into(), "Hi".into()));
        assert!(view.completed(&message).is_empty());
        // Not streamed: the whole text at completion.
        assert_eq!(
            view.completed(&message),
            vec![SessionUpdate::AgentMessageChunk(chunk("Hi"))]
        );
        let plan = TurnItem::Plan(PlanItem {
            id: "p".into(),
            explanation: None,
            plan: vec![PlanItemArg {
                step: "write tests".into(),
                status: StepStatus::InProgress,
            }],
        });
        let update = serde_json::to_value(view.started(&plan)).unwrap();
        assert_eq!(update[0]["sessionUpdate"], "plan");
        assert_eq!(update[0]["entries"][0]["content"], "write tests");
        assert_eq!(update[0]["entries"][0]["status"], "in_progress");
    }

    #[test]
    fn kinds_of_commands() {
        let search = ParsedCommand::Search {
            cmd: "rg x".into(),
            query: Some("x".into()),
            path: None,
        };
        let unknown = ParsedCommand::Unknown { cmd: "make".into() };
        assert_eq!(
            command_kind(std::slice::from_ref(&search)),
            ToolKind::Search
        );
        assert_eq!(command_kind(&[search, unknown]), ToolKind::Execute);
        assert_eq!(command_kind(&[]), ToolKind::Execute);
        assert_eq!(fenced("a ``` b"), "````\na ``` b\n````");
    }
}
