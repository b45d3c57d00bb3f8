//! The chat's behaviour (events and keys in, effects out) and snapshots
//! of the live area: idle, working, queued, approvals, streaming, quitting,
//! at 80 and 120 columns and after a resize.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use codex_protocol::ThreadId;
use codex_protocol::protocol::{
    AgentMessageDeltaEvent, AgentMessageEvent, ApplyPatchApprovalRequestEvent,
    ExecApprovalRequestEvent, ExecCommandBeginEvent, ExecCommandEndEvent,
    ExecCommandOutputDeltaEvent, ExecOutputStream, FileChange, StreamErrorEvent, TaskCompleteEvent,
    TaskStartedEvent, TokenCountEvent, TurnAbortedEvent, UserMessageEvent,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use pretty_assertions::assert_eq;

use super::*;
use crate::live::render_live;
use crate::test_util::{buffer_text, lines_text};

/// What the engine sends for `msg`: the item events it implies, then
/// itself (see `codex_core::ItemLifecycle`).
trait Feed {
    fn feed(&mut self, msg: EventMsg) -> Vec<Effect>;
}

thread_local! {
    static LIFECYCLE: std::cell::RefCell<codex_core::ItemLifecycle> =
        std::cell::RefCell::new(codex_core::ItemLifecycle::default());
}

impl Feed for ChatState {
    fn feed(&mut self, msg: EventMsg) -> Vec<Effect> {
        let items = LIFECYCLE.with(|l| l.borrow_mut().observe(ThreadId::new(), "1", &msg).events);
        let mut effects = Vec::new();
        for event in items.into_iter().chain([msg]) {
            effects.extend(self.handle_event(event));
        }
        effects
    }
}

fn settings() -> TurnSettings {
    TurnSettings {
        cwd: PathBuf::from("/repo"),
        approval: AskForApproval::OnRequest,
        sandbox: SandboxPolicy::new_workspace_write(),
        model: "gpt-5.5".into(),
        effort: Some(ReasoningEffort::Medium),
        summary: ReasoningSummary::Auto,
    }
}

fn chat(width: u16) -> ChatState {
    let mut chat = ChatState::new(
        settings(),
        DisplayOptions {
            hide_reasoning: false,
            animations: true,
            raw: false,
        },
        width,
    );
    chat.feed(EventMsg::SessionConfigured(SessionConfiguredEvent {
        session_id: ThreadId::new(),
        model: "gpt-5.5".into(),
        model_provider_id: "openai".into(),
        approval_policy: AskForApproval::OnRequest,
        sandbox_policy: SandboxPolicy::new_workspace_write(),
        cwd: PathBuf::from("/repo"),
        reasoning_effort: Some(ReasoningEffort::Medium),
        history_log_id: 1,
        history_entry_count: 0,
        initial_messages: None,
        rollout_path: Some(PathBuf::from("/home/.codex/sessions/x.jsonl")),
        instruction_files: Vec::new(),
    }));
    chat.take_outbox();
    chat
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::from(code)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn typed(chat: &mut ChatState, text: &str) {
    for c in text.chars() {
        chat.handle_key(key(KeyCode::Char(c)), Instant::now());
    }
}

fn started(chat: &mut ChatState) {
    chat.feed(EventMsg::TaskStarted(TaskStartedEvent {
        turn_id: "1".into(),
        model_context_window: Some(200_000),
    }));
}

fn outbox_text(chat: &mut ChatState) -> String {
    lines_text(&chat.take_outbox())
}

/// The live area with the clock three seconds into the turn.
fn live(chat: &mut ChatState, width: u16, height: u16) -> String {
    let now = chat
        .task
        .as_ref()
        .map_or_else(Instant::now, |t| t.started + Duration::from_secs(3));
    for started in chat.exec_started.values_mut() {
        *started = now - Duration::from_secs(2);
    }
    buffer_text(&render_live(chat, width, height, now))
}

fn ops(effects: &[Effect]) -> Vec<&Op> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Op(op) => Some(op),
            _ => None,
        })
        .collect()
}

#[test]
fn enter_starts_a_turn_with_the_sessions_settings_and_records_history() {
    let mut chat = chat(80);
    typed(&mut chat, "fix it");
    let effects = chat.handle_key(key(KeyCode::Enter), Instant::now());
    let ops = ops(&effects);
    assert_eq!(
        ops[0],
        &Op::AddToHistory {
            text: "fix it".into()
        }
    );
    let Op::UserTurn {
        items,
        cwd,
        model,
        effort,
        ..
    } = ops[1]
    else {
        panic!("{ops:?}")
    };
    assert_eq!(
        items,
        &vec![UserInput::Text {
            text: "fix it".into()
        }]
    );
    assert_eq!(cwd, &PathBuf::from("/repo"));
    assert_eq!(model, "gpt-5.5");
    assert_eq!(effort, &Some(ReasoningEffort::Medium));
}

#[test]
fn a_message_typed_while_working_is_queued_until_it_joins() {
    let mut chat = chat(80);
    started(&mut chat);
    typed(&mut chat, "also this");
    let effects = chat.handle_key(key(KeyCode::Enter), Instant::now());
    assert!(matches!(ops(&effects)[1], Op::UserInput { .. }));
    assert_eq!(chat.queued, vec!["also this".to_string()]);
    assert_snapshot!("live_queued_80", live(&mut chat, 80, 20));
    chat.feed(EventMsg::UserMessage(UserMessageEvent {
        message: "also this".into(),
        images: None,
    }));
    assert!(chat.queued.is_empty());
    assert_eq!(outbox_text(&mut chat), "\n› also this");
}

#[test]
fn an_interrupted_turn_gives_queued_messages_back() {
    let mut chat = chat(80);
    started(&mut chat);
    typed(&mut chat, "queued one");
    chat.handle_key(key(KeyCode::Enter), Instant::now());
    assert_eq!(
        ops(&chat.handle_key(key(KeyCode::Esc), Instant::now())),
        vec![&Op::Interrupt]
    );
    chat.feed(EventMsg::TurnAborted(TurnAbortedEvent {
        reason: TurnAbortReason::Interrupted,
    }));
    assert!(chat.task.is_none());
    assert_eq!(chat.composer.text(), "queued one");
    assert!(outbox_text(&mut chat).contains("Interrupted"));
}

#[test]
fn ctrl_c_clears_then_interrupts_then_quits_on_a_second_press() {
    let mut chat = chat(80);
    let now = Instant::now();
    typed(&mut chat, "draft");
    assert!(chat.handle_key(ctrl('c'), now).is_empty());
    assert!(chat.composer.is_empty());
    started(&mut chat);
    assert_eq!(ops(&chat.handle_key(ctrl('c'), now)), vec![&Op::Interrupt]);
    chat.feed(EventMsg::TurnAborted(TurnAbortedEvent {
        reason: TurnAbortReason::Interrupted,
    }));
    assert!(chat.handle_key(ctrl('c'), now).is_empty());
    assert!(chat.quit_armed(now));
    assert_snapshot!("live_quit_armed_80", live(&mut chat, 80, 10));
    assert_eq!(chat.handle_key(ctrl('c'), now), vec![Effect::Quit]);
    // Long after the first press, it arms again instead.
    let mut chat2 = self::chat(80);
    chat2.handle_key(ctrl('c'), now);
    assert!(
        chat2
            .handle_key(ctrl('c'), now + Duration::from_secs(5))
            .is_empty()
    );
    // Ctrl-D quits from an empty composer only.
    typed(&mut chat2, "x");
    assert!(chat2.handle_key(ctrl('d'), now).is_empty());
    chat2.composer.clear();
    assert_eq!(chat2.handle_key(ctrl('d'), now), vec![Effect::Quit]);
}

#[test]
fn streamed_answers_are_committed_line_by_line() {
    let mut chat = chat(80);
    started(&mut chat);
    for delta in ["Here is ", "the plan:\n\n- read", " the code\n- fix"] {
        chat.feed(EventMsg::AgentMessageDelta(AgentMessageDeltaEvent {
            delta: delta.into(),
        }));
    }
    assert_eq!(
        outbox_text(&mut chat),
        "\n• Here is the plan:\n\n  - read the code"
    );
    assert_snapshot!("live_streaming_80", live(&mut chat, 80, 20));
    chat.feed(EventMsg::AgentMessage(AgentMessageEvent {
        message: "Here is the plan:\n\n- read the code\n- fix".into(),
    }));
    assert_eq!(outbox_text(&mut chat), "  - fix");
    let effects = chat.feed(EventMsg::TaskComplete(TaskCompleteEvent {
        turn_id: "1".into(),
        last_agent_message: None,
    }));
    assert!(matches!(
        effects[0],
        Effect::Notify(NotificationKind::TurnComplete, _)
    ));
    // The answer, then the rule saying how long the turn worked.
    let cells: Vec<&HistoryCell> = chat.transcript().collect();
    assert!(matches!(cells[cells.len() - 2], HistoryCell::Agent { .. }));
    assert!(matches!(cells[cells.len() - 1], HistoryCell::Worked(_)));
    assert!(outbox_text(&mut chat).contains("─ Worked for "));
}

#[test]
fn running_commands_and_the_retry_state_are_live() {
    let mut chat = chat(80);
    started(&mut chat);
    chat.feed(EventMsg::ExecCommandBegin(ExecCommandBeginEvent {
        call_id: "c1".into(),
        command: vec!["bash".into(), "-lc".into(), "cargo build".into()],
        cwd: PathBuf::from("/repo"),
        parsed_cmd: Vec::new(),
        process_id: None,
    }));
    chat.feed(EventMsg::ExecCommandOutputDelta(
        ExecCommandOutputDeltaEvent {
            call_id: "c1".into(),
            stream: ExecOutputStream::Stdout,
            chunk: "Compiling a\nCompiling b\n".into(),
        },
    ));
    chat.feed(EventMsg::StreamError(StreamErrorEvent {
        message: "Reconnecting... 2/5".into(),
    }));
    chat.feed(EventMsg::TokenCount(TokenCountEvent {
        info: Some(TokenUsageInfo {
            total_token_usage: TokenUsage::default(),
            last_token_usage: TokenUsage {
                input_tokens: 50_000,
                total_tokens: 50_000,
                ..TokenUsage::default()
            },
            model_context_window: Some(200_000),
        }),
        rate_limits: None,
    }));
    assert_snapshot!("live_running_80", live(&mut chat, 80, 20));
    assert_snapshot!("live_running_120", live(&mut chat, 120, 20));
    chat.feed(EventMsg::ExecCommandEnd(ExecCommandEndEvent {
        call_id: "c1".into(),
        stdout: String::new(),
        stderr: String::new(),
        aggregated_output: "Compiling a\nCompiling b\nFinished\n".into(),
        exit_code: 0,
        duration: Duration::from_millis(2500),
        formatted_output: String::new(),
        process_id: None,
    }));
    assert!(chat.running.is_empty());
    assert!(outbox_text(&mut chat).contains("• Ran cargo build"));
}

#[test]
fn approvals_take_the_keyboard_and_answer_in_order() {
    let mut chat = chat(80);
    started(&mut chat);
    let effects = chat.feed(EventMsg::ExecApprovalRequest(ExecApprovalRequestEvent {
        call_id: "c1".into(),
        command: vec!["bash".into(), "-lc".into(), "rm -rf target".into()],
        cwd: PathBuf::from("/repo"),
        reason: Some("clean the build".into()),
        parsed_cmd: Vec::new(),
        proposed_execpolicy_amendment: None,
    }));
    assert!(matches!(
        effects[0],
        Effect::Notify(NotificationKind::ApprovalRequested, _)
    ));
    let mut changes = HashMap::new();
    changes.insert(
        PathBuf::from("/repo/src/a.rs"),
        FileChange::Update {
            unified_diff: "@@ -1,2 +1,2 @@\n keep\n-old\n+new\n".into(),
            move_path: None,
        },
    );
    chat.feed(EventMsg::ApplyPatchApprovalRequest(
        ApplyPatchApprovalRequestEvent {
            call_id: "p1".into(),
            changes,
            reason: None,
            grant_root: None,
        },
    ));
    assert_snapshot!("live_exec_approval_80", live(&mut chat, 80, 30));
    assert_snapshot!("live_exec_approval_120", live(&mut chat, 120, 30));
    // Typing goes to the prompt, not the composer.
    assert!(
        chat.handle_key(key(KeyCode::Char('x')), Instant::now())
            .is_empty()
    );
    assert!(chat.composer.is_empty());
    let effects = chat.handle_key(key(KeyCode::Char('y')), Instant::now());
    assert_eq!(
        ops(&effects),
        vec![&Op::ExecApproval {
            id: "c1".into(),
            decision: ReviewDecision::Approved
        }]
    );
    assert_snapshot!("live_patch_approval_80", live(&mut chat, 80, 30));
    let effects = chat.handle_key(key(KeyCode::Char('d')), Instant::now());
    assert_eq!(
        ops(&effects),
        vec![&Op::PatchApproval {
            id: "p1".into(),
            decision: ReviewDecision::Denied
        }]
    );
    let text = outbox_text(&mut chat);
    assert!(
        text.contains("✔ You approved Codex to run `rm -rf target`"),
        "{text}"
    );
    assert!(
        text.contains("✗ You did not approve Codex to edit src/a.rs"),
        "{text}"
    );
}

#[test]
fn the_idle_live_area_at_two_widths_and_after_a_resize() {
    let mut chat = chat(80);
    typed(
        &mut chat,
        "a draft that is long enough to wrap once the terminal becomes narrow",
    );
    assert_snapshot!("live_idle_80", live(&mut chat, 80, 10));
    assert_snapshot!("live_idle_120", live(&mut chat, 120, 10));
    chat.width = 40;
    assert_snapshot!("live_idle_resized_40", live(&mut chat, 40, 10));
}

#[test]
fn a_resumed_session_replays_its_messages() {
    let mut chat = ChatState::new(
        settings(),
        DisplayOptions {
            hide_reasoning: false,
            animations: true,
            raw: false,
        },
        80,
    );
    chat.feed(EventMsg::SessionConfigured(SessionConfiguredEvent {
        session_id: ThreadId::new(),
        model: "gpt-5.5".into(),
        model_provider_id: "openai".into(),
        approval_policy: AskForApproval::OnRequest,
        sandbox_policy: SandboxPolicy::ReadOnly,
        cwd: PathBuf::from("/repo"),
        reasoning_effort: None,
        history_log_id: 1,
        history_entry_count: 3,
        initial_messages: Some(vec![
            EventMsg::UserMessage(UserMessageEvent {
                message: "earlier question".into(),
                images: None,
            }),
            EventMsg::AgentMessage(AgentMessageEvent {
                message: "earlier answer".into(),
            }),
        ]),
        rollout_path: None,
        instruction_files: Vec::new(),
    }));
    let text = outbox_text(&mut chat);
    assert!(text.contains("· resumed"), "{text}");
    assert!(text.contains("› earlier question"), "{text}");
    assert!(text.contains("• earlier answer"), "{text}");
    // History navigation reaches into the file.
    let effects = chat.handle_key(key(KeyCode::Up), Instant::now());
    assert_eq!(
        ops(&effects),
        vec![&Op::GetHistoryEntryRequest {
            offset: 2,
            log_id: 1
        }]
    );
}

#[test]
fn mcp_calls_are_live_then_committed_and_elicitations_are_answered() {
    use codex_protocol::mcp::{
        CallToolResult, ElicitationRequestEvent, McpInvocation, McpToolCallBeginEvent,
        McpToolCallEndEvent,
    };
    let mut chat = chat(80);
    started(&mut chat);
    let invocation = McpInvocation {
        server: "docs".into(),
        tool: "search".into(),
        arguments: Some(serde_json::json!({"q": "ratatui"})),
    };
    chat.feed(EventMsg::McpToolCallBegin(McpToolCallBeginEvent {
        call_id: "m1".into(),
        invocation: invocation.clone(),
    }));
    assert!(live(&mut chat, 80, 20).contains("Calling docs.search({\"q\":\"ratatui\"})"));
    chat.feed(EventMsg::McpToolCallEnd(McpToolCallEndEvent {
        call_id: "m1".into(),
        invocation,
        duration: Duration::from_millis(300),
        result: Ok(CallToolResult {
            content: vec![serde_json::json!({"type": "text", "text": "3 results"})],
            structured_content: None,
            is_error: None,
        }),
    }));
    let text = outbox_text(&mut chat);
    assert!(text.contains("• Called docs.search"), "{text}");
    assert!(text.contains("└ 3 results"), "{text}");

    chat.feed(EventMsg::ElicitationRequest(ElicitationRequestEvent {
        server_name: "db".into(),
        id: "e1".into(),
        message: "Drop table users?".into(),
        requested_schema: None,
    }));
    assert_snapshot!("live_elicitation_80", live(&mut chat, 80, 30));
    let effects = chat.handle_key(key(KeyCode::Char('d')), Instant::now());
    assert_eq!(
        ops(&effects),
        vec![&Op::ResolveElicitation {
            server_name: "db".into(),
            request_id: "e1".into(),
            decision: codex_protocol::mcp::ElicitationAction::Decline,
            content: None,
        }]
    );
}

#[test]
fn the_slash_popup_filters_and_enter_runs_the_command() {
    let mut chat = chat(80);
    typed(&mut chat, "/");
    assert_snapshot!("slash_popup_all_80", live(&mut chat, 80, 30));
    typed(&mut chat, "mo");
    assert_snapshot!("slash_popup_mo_80", live(&mut chat, 80, 30));
    // Enter on /model opens the model picker.
    assert!(
        chat.handle_key(key(KeyCode::Enter), Instant::now())
            .is_empty()
    );
    assert!(chat.picker.is_some());
    assert_snapshot!("model_picker_80", live(&mut chat, 80, 24));
    // Choosing applies from the next turn.
    chat.handle_key(key(KeyCode::Down), Instant::now());
    let effects = chat.handle_key(key(KeyCode::Enter), Instant::now());
    let Op::OverrideTurnContext { model, effort, .. } = ops(&effects)[0] else {
        panic!("{effects:?}")
    };
    assert_eq!(model.as_deref(), Some("gpt-5.5"));
    assert_eq!(*effort, Some(Some(ReasoningEffort::High)));
    assert!(outbox_text(&mut chat).contains("Model: gpt-5.5"));
}

#[test]
fn approvals_presets_apply_and_warn_about_full_access() {
    let mut chat = chat(80);
    typed(&mut chat, "/approvals");
    chat.handle_key(key(KeyCode::Enter), Instant::now());
    assert_snapshot!("approvals_picker_80", live(&mut chat, 80, 24));
    let effects = chat.handle_key(key(KeyCode::Char('3')), Instant::now());
    assert_eq!(
        ops(&effects),
        vec![&Op::OverrideTurnContext {
            cwd: None,
            approval_policy: Some(AskForApproval::Never),
            sandbox_policy: Some(SandboxPolicy::DangerFullAccess),
            model: None,
            effort: None,
            summary: None,
        }]
    );
    assert_eq!(chat.settings.sandbox, SandboxPolicy::DangerFullAccess);
}

#[test]
fn the_file_popup_shows_highlighted_matches_and_inserts_the_path() {
    use codex_file_search::{FileMatch, SearchResults};
    let mut chat = chat(80);
    typed(&mut chat, "look at @mai");
    let effects = chat.handle_key(key(KeyCode::Char('n')), Instant::now());
    assert_eq!(effects, vec![Effect::FileSearch("main".into())]);
    chat.on_file_results(SearchResults {
        generation: 1,
        query: "main".into(),
        matches: vec![
            FileMatch {
                path: "src/main.rs".into(),
                score: 90,
                indices: vec![4, 5, 6, 7],
            },
            FileMatch {
                path: "docs/maintaining.md".into(),
                score: 60,
                indices: vec![5, 6, 7, 8],
            },
        ],
        partial: false,
    });
    let now = chat.task.as_ref().map_or_else(Instant::now, |t| t.started);
    let buf = render_live(&mut chat, 80, 20, now);
    assert_snapshot!(
        "file_popup_80",
        crate::test_util::buffer_text_marking(&buf, ratatui::style::Color::Yellow)
    );
    chat.handle_key(key(KeyCode::Down), Instant::now());
    chat.handle_key(key(KeyCode::Tab), Instant::now());
    assert_eq!(chat.composer.text(), "look at docs/maintaining.md ");
    assert!(chat.popup.is_none());
}

#[test]
fn dollar_completes_skill_names_like_at_completes_files() {
    let mut chat = chat(80);
    chat.skill_names = vec!["deploy".into(), "docs-writer".into(), "review-pr".into()];
    typed(&mut chat, "please $d");
    let Some(crate::popup::Popup::Files { matches, .. }) = &chat.popup else {
        panic!("no popup: {:?}", chat.popup)
    };
    let shown: Vec<&str> = matches.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(shown, vec!["$deploy", "$docs-writer"]);
    typed(&mut chat, "oc");
    chat.handle_key(key(KeyCode::Tab), Instant::now());
    assert_eq!(chat.composer.text(), "please $docs-writer ");
    assert!(chat.popup.is_none());
    // `/skills off NAME` is the app's to carry out.
    let mut chat = super::tests::chat(80);
    typed(&mut chat, "/skills off deploy");
    let effects = chat.handle_key(key(KeyCode::Enter), Instant::now());
    assert!(
        effects.contains(&Effect::Skills("off deploy".into())),
        "{effects:?}"
    );
}

#[test]
fn custom_prompts_expand_and_bang_commands_run_locally() {
    let mut chat = chat(80);
    chat.prompts = vec![crate::slash::CustomPrompt {
        name: "fix".into(),
        description: "Fix an issue".into(),
        body: "Fix issue $1 in $FILE. Notes: $ARGUMENTS".into(),
    }];
    typed(&mut chat, "/fix 42 FILE=src/a.rs");
    let effects = chat.handle_key(key(KeyCode::Enter), Instant::now());
    let Op::UserTurn { items, .. } = ops(&effects)[1] else {
        panic!("{effects:?}")
    };
    assert_eq!(
        items,
        &vec![UserInput::Text {
            text: "Fix issue 42 in src/a.rs. Notes: 42".into()
        }]
    );
    typed(&mut chat, "!ls -la");
    let effects = chat.handle_key(key(KeyCode::Enter), Instant::now());
    assert_eq!(
        ops(&effects),
        vec![&Op::RunUserShellCommand {
            command: "ls -la".into()
        }]
    );
}

#[test]
fn esc_twice_on_an_empty_composer_opens_backtrack() {
    let mut chat = chat(80);
    chat.feed(EventMsg::UserMessage(UserMessageEvent {
        message: "first".into(),
        images: None,
    }));
    assert!(
        chat.handle_key(key(KeyCode::Esc), Instant::now())
            .is_empty()
    );
    assert!(live(&mut chat, 80, 10).contains("esc again to rewind to a previous message"));
    assert_eq!(
        chat.handle_key(key(KeyCode::Esc), Instant::now()),
        vec![Effect::OpenBacktrack]
    );
}

#[test]
fn status_and_mcp_tables() {
    let cell = HistoryCell::Table {
        title: "Status".into(),
        rows: vec![
            ("model".into(), "gpt-5.5 (reasoning medium)".into()),
            ("sandbox".into(), "workspace-write".into()),
            (
                "instructions".into(),
                "~/.codex/AGENTS.md\n/repo/AGENTS.md".into(),
            ),
        ],
    };
    assert_snapshot!(
        "status_table_80",
        crate::test_util::lines_text(&cell.display_lines(80))
    );
}

#[test]
fn a_message_over_the_input_limit_is_refused_and_kept() {
    let mut chat = chat(80);
    let huge = "x".repeat(codex_protocol::user_input::MAX_USER_INPUT_TEXT_CHARS + 1);
    chat.composer.set_text(&huge);
    let effects = chat.handle_key(key(KeyCode::Enter), Instant::now());
    assert!(ops(&effects).is_empty(), "nothing is sent");
    assert_eq!(chat.composer.text().len(), huge.len(), "the text stays");
    assert!(outbox_text(&mut chat).contains("the limit is 1048576"));
}

#[test]
fn review_offers_its_targets_and_starts_a_review() {
    let mut chat = chat(80);
    typed(&mut chat, "/review");
    chat.handle_key(key(KeyCode::Enter), Instant::now());
    assert_snapshot!("review_picker_80", live(&mut chat, 80, 24));
    // The first target: uncommitted changes.
    let effects = chat.handle_key(key(KeyCode::Enter), Instant::now());
    assert_eq!(effects, vec![Effect::StartReview(String::new())]);
    // The branch list comes from git, through the app.
    typed(&mut chat, "/review");
    chat.handle_key(key(KeyCode::Enter), Instant::now());
    chat.handle_key(key(KeyCode::Down), Instant::now());
    let effects = chat.handle_key(key(KeyCode::Enter), Instant::now());
    assert_eq!(
        effects,
        vec![Effect::ReviewPicker(crate::popup::ReviewChoice::PickBranch)]
    );
    // With arguments, no picker.
    typed(&mut chat, "/review commit abc123");
    let effects = chat.handle_key(key(KeyCode::Enter), Instant::now());
    assert_eq!(effects, vec![Effect::StartReview("commit abc123".into())]);
}
