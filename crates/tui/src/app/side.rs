//! `/side`: a side conversation that never enters the main thread.
//!
//! The side thread is a temporary copy (no session file) of the main
//! thread's history with two items after it: a developer note and a user
//! "boundary" message saying that what comes before is reference only and
//! that the side conversation answers questions without changing the
//! workspace unless asked. The window switches to it with an empty screen;
//! the main thread, its chat state and its event reader are parked and keep
//! running (its events still update its chat, and an operation its chat
//! asks for, such as a queued message, is still sent to it). Ctrl-C on an
//! idle empty composer closes the side conversation: its thread is shut
//! down and the main chat is drawn again. Quitting from a side conversation
//! closes it first, so the main thread is the one shut down and flushed.

use std::sync::Arc;

use codex_core::{Codex, ThreadRef};
use codex_protocol::ThreadId;
use codex_protocol::models::{ContentItem, ResponseItem};
use codex_protocol::protocol::{EventMsg, Op};

use super::App;
use crate::cells::HistoryCell;
use crate::chat::{ChatState, Effect};
use crate::screen::ScreenMode;

/// What the side thread is told, as a developer message.
const SIDE_NOTE: &str = "<side_conversation>\nThis is a side conversation opened next to the \
main thread, not the main thread itself. The history before the boundary message was copied \
from the main thread so you can answer questions about it; treat it as background. Nothing in \
it is a task for you here: do not resume its plans, tool calls, edits or approvals. Answer the \
questions asked after the boundary and explore without changing anything (reading files and \
running checks that leave the workspace as it is are fine). Change files, git state or settings \
only when asked to after the boundary, and then as little as the request needs. Do not start or \
talk to sub-agents.\n</side_conversation>";

/// The user-role message that separates the copied history from the side
/// conversation.
const SIDE_BOUNDARY: &str = "— Side conversation starts here. —\n\nEverything above was copied \
from the main thread for reference; it is not a request to you. Only the messages after this \
one are. Answer them without disturbing the main thread's work; if none has come yet, wait for \
one.";

/// The main thread while a side conversation has the window.
pub(crate) struct ParkedMain {
    chat: ChatState,
    codex: Arc<Codex>,
    pub(super) thread_id: ThreadId,
    reader: Option<tokio::task::JoinHandle<()>>,
}

fn developer_text(text: &str) -> ResponseItem {
    ResponseItem::Message {
        id: None,
        role: "developer".to_string(),
        content: vec![ContentItem::InputText {
            text: text.to_string(),
        }],
    }
}

impl App {
    /// `/side [QUESTION]`.
    pub(crate) async fn open_side(&mut self, question: String) {
        if self.side.is_some() {
            self.chat.commit(HistoryCell::Error(
                "'/side' is not available inside a side conversation; Ctrl-C closes this one."
                    .to_string(),
            ));
            return;
        }
        if self.chat.user_messages.is_empty() {
            self.chat.commit(HistoryCell::Error(
                "'/side' needs a conversation to copy: send a message first, then try /side again."
                    .to_string(),
            ));
            return;
        }
        let extra = vec![
            developer_text(SIDE_NOTE),
            ResponseItem::user_text(SIDE_BOUNDARY),
        ];
        let target = ThreadRef::Id(self.thread_id.to_string());
        let mut new = match self
            .manager
            .fork_ephemeral_thread(self.config.clone(), &target, extra)
            .await
        {
            Ok(new) => new,
            Err(err) => {
                self.chat.commit(HistoryCell::Error(format!(
                    "cannot start a side conversation: {err}"
                )));
                return;
            }
        };
        // The side view starts empty; the copied history is the model's.
        new.session_configured.initial_messages = None;
        let mut chat = ChatState::new(
            self.chat.settings.clone(),
            self.chat.display,
            self.chat.width,
        );
        chat.prompts = self.chat.prompts.clone();
        chat.skill_names = self.chat.skill_names.clone();
        chat.side = true;
        chat.handle_event(EventMsg::SessionConfigured(new.session_configured));
        chat.composer.set_placeholder("Ask a side question");
        self.side = Some(ParkedMain {
            chat: std::mem::replace(&mut self.chat, chat),
            codex: std::mem::replace(&mut self.codex, new.thread),
            thread_id: std::mem::replace(&mut self.thread_id, new.thread_id),
            reader: self.reader.take(),
        });
        self.start_reader();
        self.alt_rows.clear();
        self.alt_scroll = 0;
        let _ = self.screen.clear(false);
        self.chat.commit(HistoryCell::Info(
            "Side conversation: it sees the main thread's history, and nothing said here goes \
             back to it. Ctrl-C returns to the main thread."
                .to_string(),
        ));
        if !question.is_empty() {
            self.chat.composer.record_history(&question);
            for effect in self.chat.submit_text(question, Vec::new()) {
                if let Effect::Op(op) = effect {
                    self.submit(op).await;
                }
            }
        }
    }

    /// Ends the side conversation and shows the main thread again.
    pub(crate) async fn close_side(&mut self) {
        let Some(main) = self.side.take() else {
            return;
        };
        let side = std::mem::replace(&mut self.codex, main.codex);
        let side_id = std::mem::replace(&mut self.thread_id, main.thread_id);
        if let Some(reader) = std::mem::replace(&mut self.reader, main.reader) {
            reader.abort();
        }
        let _ = side.submit(Op::Interrupt).await;
        let _ = side.submit(Op::Shutdown).await;
        let _ = self.manager.remove_thread(side_id);
        let raw = self.chat.display.raw;
        self.chat = main.chat;
        self.chat.width = self.screen.width();
        self.chat.display.raw = raw;
        let _ = self.screen.clear(false);
        self.rerender();
    }

    /// An event of the parked main thread: its chat keeps up, and what it
    /// asks to send is sent to it.
    pub(super) async fn on_parked_event(&mut self, msg: EventMsg) {
        let Some(main) = &mut self.side else {
            return;
        };
        if matches!(msg, EventMsg::ShutdownComplete) {
            return;
        }
        let asks = matches!(
            msg,
            EventMsg::ExecApprovalRequest(_) | EventMsg::ApplyPatchApprovalRequest(_)
        );
        let codex = Arc::clone(&main.codex);
        let effects = main.chat.handle_event(msg);
        if asks {
            self.chat.commit(HistoryCell::Warning(
                "The main thread is waiting for your approval: Ctrl-C goes back to answer it."
                    .to_string(),
            ));
        }
        for effect in effects {
            if let Effect::Op(op) = effect
                && let Err(err) = codex.submit(op).await
            {
                tracing::warn!(%err, "cannot reach the main thread");
            }
        }
    }

    /// Draws the whole transcript again (after `/raw` or `/side` changed
    /// what it looks like).
    pub(crate) fn rerender(&mut self) {
        match self.screen.mode() {
            ScreenMode::Inline => self.reflow = true,
            ScreenMode::Alternate => {
                let (width, raw) = (self.screen.width(), self.chat.display.raw);
                self.alt_rows = self
                    .chat
                    .transcript()
                    .flat_map(|cell| cell.lines(width, raw))
                    .collect();
                self.screen.invalidate();
            }
        }
    }
}
