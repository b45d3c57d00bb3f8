//! `multi_agent_v2` ("collaboration"): agents address each other by path
//! (`/root`, `/root/w1`) and talk through mailboxes.
//!
//! Every agent of a v2 tree has a [`Mailbox`]: `agent_message` items
//! (a task, a note, a final answer) that join the agent's next request,
//! as the reference delivers them — after the outputs of the tools that
//! were running, "at message boundaries". A task also starts a turn if the
//! agent is idle; a note waits for one. `wait_agent` waits for the
//! caller's mailbox to receive something. The tree keeps the path → member
//! table `list_agents` and the addressing read.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use codex_protocol::models::{AgentMessageContent, ContentItem, ResponseItem};
use tokio::sync::watch;

/// The path of the agent a person talks to.
pub(crate) const ROOT_PATH: &str = "/root";

/// What an agent message carries (the header's `Message Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageKind {
    /// Work to do: starts a turn.
    NewTask,
    /// A note: joins the next request, starts nothing.
    Message,
    /// A child's last answer, to its parent.
    FinalAnswer,
}

impl MessageKind {
    fn word(self) -> &'static str {
        match self {
            Self::NewTask => "NEW_TASK",
            Self::Message => "MESSAGE",
            Self::FinalAnswer => "FINAL_ANSWER",
        }
    }
}

/// The `agent_message` item of one message. The model's own text goes as
/// `encrypted_content` (the parameter it wrote it into is marked
/// `encrypted`); a final answer, which the child's model wrote as a plain
/// message, stays plain text in the header part.
pub(crate) fn agent_message(
    kind: MessageKind,
    author: &str,
    recipient: &str,
    payload: &str,
) -> ResponseItem {
    // The header names the recipient's task for a task or a note, and the
    // recipient for a final answer: both are the recipient's path.
    let header = format!(
        "Message Type: {}\nTask name: {recipient}\nSender: {author}\nPayload:\n",
        kind.word()
    );
    let content = match kind {
        MessageKind::FinalAnswer => vec![AgentMessageContent::InputText {
            text: format!("{header}{payload}"),
        }],
        MessageKind::NewTask | MessageKind::Message => vec![
            AgentMessageContent::InputText { text: header },
            AgentMessageContent::EncryptedContent {
                encrypted_content: payload.to_string(),
            },
        ],
    };
    ResponseItem::AgentMessage {
        id: format!("amsg_{}", uuid::Uuid::now_v7()),
        author: author.to_string(),
        recipient: recipient.to_string(),
        content,
    }
}

/// The items waiting for an agent's next request.
pub(crate) struct Mailbox {
    items: Mutex<Vec<ResponseItem>>,
    /// A task is among the items: the agent must run a turn for it.
    task_pending: AtomicBool,
    /// Counts deliveries; `wait_agent` waits for it to move.
    delivered: watch::Sender<u64>,
}

impl Mailbox {
    pub(crate) fn new() -> Self {
        let (delivered, _) = watch::channel(0);
        Self {
            items: Mutex::new(Vec::new()),
            task_pending: AtomicBool::new(false),
            delivered,
        }
    }

    pub(crate) fn deliver(&self, kind: MessageKind, item: ResponseItem) {
        crate::state::lock(&self.items).push(item);
        if kind == MessageKind::NewTask {
            self.task_pending.store(true, Ordering::SeqCst);
        }
        self.delivered.send_modify(|n| *n += 1);
    }

    /// Takes what arrived since the last request.
    pub(crate) fn take(&self) -> Vec<ResponseItem> {
        self.task_pending.store(false, Ordering::SeqCst);
        std::mem::take(&mut *crate::state::lock(&self.items))
    }

    pub(crate) fn has_mail(&self) -> bool {
        !crate::state::lock(&self.items).is_empty()
    }

    /// A task arrived that no turn has picked up yet.
    pub(crate) fn task_pending(&self) -> bool {
        self.task_pending.load(Ordering::SeqCst)
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.delivered.subscribe()
    }
}

/// Whether `name` may be a task name: lowercase letters, digits and
/// underscores.
pub(crate) fn valid_task_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The path `target` names, seen from the agent at `from`: a canonical
/// path as it is, a bare name below `from`.
pub(crate) fn resolve(from: &str, target: &str) -> String {
    let target = target.trim().trim_end_matches('/');
    if target.starts_with('/') {
        target.to_string()
    } else {
        format!("{from}/{target}")
    }
}

/// The developer message telling an agent of a v2 tree who it is and how
/// its team works (our wording). `slots` counts the agents that may be
/// active at once, the caller included.
pub(crate) fn team_message(path: &str, slots: usize, can_spawn: bool) -> ResponseItem {
    let who = if path == ROOT_PATH {
        format!(
            "You are `{ROOT_PATH}`, the lead agent of a team working on the user's request. Your turn starts when the user writes."
        )
    } else {
        format!(
            "You are `{path}`, an agent of a team working on a task. Your final answer goes to the agent that gave you the task."
        )
    };
    let tools = if can_spawn {
        "The `collaboration` tools: `spawn_agent` starts an agent on a task (`fork_turns` says how much of your conversation it sees: `all` by default, `none`, or a number of recent turns); `followup_task` gives an agent more work and starts its turn; `send_message` leaves it a note without starting a turn; `wait_agent` waits until something reaches your mailbox (prefer long waits to polling); `interrupt_agent` stops an agent's turn; `list_agents` shows the live agents. Call them directly, never from inside a script.\n\n"
    } else {
        ""
    };
    let text = format!(
        "{who}\n\n{tools}Messages between agents reach you as items of the form:\n```\nMessage Type: NEW_TASK | MESSAGE | FINAL_ANSWER\nTask name: <recipient>\nSender: <author>\nPayload:\n<text>\n```\n\nAll agents share one machine, filesystem and working directory: an edit by one is seen at once by all.\n\nAt most {slots} agents can be active at once, you included.\n\nA fork of your whole conversation keeps your model and reasoning effort; to give an agent another model or effort, spawn it with `fork_turns` set to `none`, and only when the user, AGENTS.md or a skill asks for it."
    );
    developer(text)
}

/// The developer message that keeps agents from spawning unasked.
pub(crate) fn mode_message() -> ResponseItem {
    developer(
        "<multi_agent_mode>Start sub-agents only when the user, AGENTS.md or a skill asks for sub-agents, delegation or parallel work; otherwise do the work yourself.</multi_agent_mode>"
            .to_string(),
    )
}

/// The developer note between a forked child's inherited history and its
/// own start.
pub(crate) fn fork_note() -> ResponseItem {
    developer(
        "You are a newly spawned agent. The conversation above is your parent's, inherited as context: its identity, tasks and approvals are not yours, and its tool calls are history (no process or session of theirs is yours). Do your own task, below, and report the result to your parent."
            .to_string(),
    )
}

fn developer(text: String) -> ResponseItem {
    ResponseItem::Message {
        id: None,
        role: "developer".to_string(),
        content: vec![ContentItem::InputText { text }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_is_a_header_and_the_payload_as_sent() {
        let item = agent_message(MessageKind::NewTask, "/root", "/root/w1", "Say hi.");
        let value = serde_json::to_value(&item).unwrap();
        assert_eq!(value["type"], "agent_message");
        assert!(value["id"].as_str().unwrap().starts_with("amsg_"));
        assert_eq!(
            value["content"],
            serde_json::json!([
                {"type": "input_text", "text": "Message Type: NEW_TASK\nTask name: /root/w1\nSender: /root\nPayload:\n"},
                {"type": "encrypted_content", "encrypted_content": "Say hi."}
            ])
        );
        let answer = agent_message(MessageKind::FinalAnswer, "/root/w1", "/root", "hi");
        let value = serde_json::to_value(&answer).unwrap();
        assert_eq!(
            value["content"],
            serde_json::json!([{"type": "input_text", "text": "Message Type: FINAL_ANSWER\nTask name: /root\nSender: /root/w1\nPayload:\nhi"}])
        );
    }

    #[test]
    fn names_resolve_below_the_caller_and_paths_as_they_are() {
        assert_eq!(resolve("/root", "w1"), "/root/w1");
        assert_eq!(resolve("/root/a", "/root/w1"), "/root/w1");
        assert!(valid_task_name("w_1"));
        assert!(!valid_task_name("Bad-Name"));
        assert!(!valid_task_name(""));
    }

    #[test]
    fn a_task_is_pending_until_taken() {
        let mailbox = Mailbox::new();
        let mut rx = mailbox.subscribe();
        mailbox.deliver(
            MessageKind::Message,
            agent_message(MessageKind::Message, "/root", "/root/w1", "note"),
        );
        assert!(!mailbox.task_pending());
        assert!(rx.has_changed().unwrap());
        mailbox.deliver(
            MessageKind::NewTask,
            agent_message(MessageKind::NewTask, "/root", "/root/w1", "go"),
        );
        assert!(mailbox.task_pending());
        assert_eq!(mailbox.take().len(), 2);
        assert!(!mailbox.task_pending() && !mailbox.has_mail());
        rx.mark_unchanged();
    }
}
