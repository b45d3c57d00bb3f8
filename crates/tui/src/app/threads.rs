//! Switching the window to another thread: `/new`, `/resume`, and the
//! reload after `/rewind` took the conversation back. The old thread is shut down (its session file flushed)
//! and its late events are ignored; the new one's history is shown.

use codex_core::{NewThread, ThreadListQuery, ThreadRef};
use codex_protocol::protocol::{EventMsg, Op};
use codex_protocol::rollout::SessionSource;

use super::App;
use crate::cells::HistoryCell;
use crate::chat::ChatState;
use crate::modal::{Input, run_modal};
use crate::picker::{Picker, PickerOutcome};

impl App {
    /// Shows `new` in this window; `clear` wipes the screen first (a fork
    /// replaces what was shown), `prefill` goes into the composer.
    pub(crate) async fn switch_thread(
        &mut self,
        new: NewThread,
        clear: bool,
        prefill: Option<String>,
    ) {
        let old = std::mem::replace(&mut self.codex, new.thread);
        let old_id = std::mem::replace(&mut self.thread_id, new.thread_id);
        self.start_reader();
        let _ = old.submit(Op::Shutdown).await;
        let _ = self.manager.remove_thread(old_id);

        let mut chat = ChatState::new(
            self.chat.settings.clone(),
            self.chat.display,
            self.chat.width,
        );
        chat.prompts = std::mem::take(&mut self.chat.prompts);
        // A fork to edit a message goes on with the same conversation.
        chat.editing_fork = prefill.is_some();
        chat.skill_names = std::mem::take(&mut self.chat.skill_names);
        chat.handle_event(EventMsg::SessionConfigured(new.session_configured));
        if let Some(text) = prefill {
            chat.composer.set_text(&text);
        }
        self.chat = chat;
        self.alt_rows.clear();
        self.alt_scroll = 0;
        if clear {
            // The visible screen only; the scrollback is the terminal's.
            let _ = self.screen.clear(false);
        }
    }

    pub(crate) async fn new_thread(&mut self) {
        match self.manager.start_thread(self.config.clone(), false).await {
            Ok(new) => self.switch_thread(new, false, None).await,
            Err(err) => self
                .chat
                .commit(HistoryCell::Error(format!("cannot start a session: {err}"))),
        }
    }

    pub(crate) async fn resume_picker(&mut self, input: &mut Input<'_>) {
        let query = ThreadListQuery {
            cwd: Some(self.config.cwd.clone()),
            archived: false,
            limit: 500,
        };
        let current = self.thread_id.to_string();
        let sessions: Vec<_> = self
            .manager
            .list_threads(&query)
            .into_iter()
            .filter(|t| t.source == SessionSource::Cli.as_str() && t.id != current)
            .collect();
        let mut picker = Picker::new(sessions, false, "Resume");
        let outcome = run_modal(&mut self.screen, input, &mut picker).await;
        self.screen.invalidate();
        let path = match outcome {
            Ok(Some(PickerOutcome::Picked(path))) => path,
            Ok(_) => return,
            Err(err) => {
                self.chat
                    .commit(HistoryCell::Error(format!("the picker failed: {err}")));
                return;
            }
        };
        match self
            .manager
            .resume_thread(self.config.clone(), &ThreadRef::Path(path))
            .await
        {
            Ok(new) => self.switch_thread(new, false, None).await,
            Err(err) => self
                .chat
                .commit(HistoryCell::Error(format!("cannot resume: {err}"))),
        }
    }
}
