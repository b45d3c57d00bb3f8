//! Where skills (`codex-skills`) meet a session: the skills section in the
//! developer message the conversation starts with, a fresh section when the
//! skills on disk changed between turns, and the `<skill>` messages that
//! follow a user message naming `$skill`.
//!
//! The section the history last carried is remembered, so a turn adds a new
//! one only when what the model would see is different — after an edit on
//! disk, a change of cwd, or a resume from a session that saw another list.

use std::path::Path;
use std::sync::Mutex;

use codex_config::Config;
use codex_protocol::models::{ContentItem, ResponseItem};
use codex_protocol::protocol::{EventMsg, WarningEvent};
use codex_protocol::user_input::UserInput;
use codex_skills::{SkillsManager, SkillsSettings};

use crate::error::{CodexErr, CodexResult};
use crate::features::SessionFeatures as _;
use crate::session::Session;
use crate::state::lock;
use crate::turn_context::TurnContext;

/// The session's skills and the section its history carries.
///
/// Loading starts first thing in the session's start and runs on the
/// blocking pool beside the rest of it; [`SessionSkills::finish_loading`]
/// waits for it just before the start-up warnings, which is before the
/// first request's context is built and before the session takes any op.
pub(crate) struct SessionSkills {
    /// Set by `finish_loading`.
    ready: std::sync::OnceLock<Mutex<State>>,
    /// The load, until `finish_loading` takes it.
    loading: Mutex<Option<tokio::task::JoinHandle<Loaded>>>,
}

/// A finished load: the state and the start-up warnings.
type Loaded = (State, Vec<String>);

struct State {
    manager: SkillsManager,
    /// The `<plugins_instructions>` part, when enabled plugins bring
    /// skills or MCP servers (decided at start, like the plugins).
    plugins_section: Option<String>,
    /// The section last put in the history (None: none was).
    sent: Option<String>,
    /// When the session's walk (or cache check) ran, until the first turn
    /// has looked again.
    loaded_at: Option<std::time::Instant>,
}

/// A first turn this soon after the load does not check the disk again
/// (the load has just done so; it costs a `stat` per watched path).
const FRESH_LOAD: std::time::Duration = std::time::Duration::from_secs(1);

impl SessionSkills {
    /// Starts walking the skill roots for the config's cwd (or checking
    /// the cache of the last walk) on the blocking pool.
    pub(crate) fn start_loading(config: &Config) -> Self {
        let config = config.clone();
        SessionSkills {
            ready: std::sync::OnceLock::new(),
            loading: Mutex::new(Some(tokio::task::spawn_blocking(move || {
                State::load(&config)
            }))),
        }
    }

    /// Waits for the load; returns its warnings (once).
    pub(crate) async fn finish_loading(&self) -> CodexResult<Vec<String>> {
        let Some(loading) = lock(&self.loading).take() else {
            return Ok(Vec::new());
        };
        let (state, warnings) = loading
            .await
            .map_err(|err| CodexErr::Fatal(format!("the skills walk failed: {err}")))?;
        // Only the call that took `loading` gets here, so it is not set yet.
        let _ = self.ready.set(Mutex::new(state));
        Ok(warnings)
    }

    /// Runs `f` on the loaded state. The session's start finishes the load
    /// before anything asks, so `None` (treated as "no skills") cannot
    /// happen in a started session.
    fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        let Some(state) = self.ready.get() else {
            tracing::error!("the session's skills were asked for before they were loaded");
            return None;
        };
        Some(f(&mut lock(state)))
    }

    /// The section for a conversation's first developer message, which
    /// from now on is what the history carries.
    /// The plugins part follows it, as in the reference.
    pub(crate) fn section_for_initial_context(&self) -> Vec<String> {
        self.with_state(|state| {
            state.sent = state.manager.section().map(str::to_string);
            state
                .sent
                .clone()
                .into_iter()
                .chain(state.plugins_section.clone())
                .collect()
        })
        .unwrap_or_default()
    }

    /// A resumed or forked history: remember the section it carries last.
    pub(crate) fn note_history(&self, items: &[ResponseItem]) {
        let last = items.iter().rev().find_map(|item| match item {
            ResponseItem::Message { role, content, .. } if role == "developer" => {
                content.iter().find_map(|part| match part {
                    ContentItem::InputText { text }
                        if text.starts_with(codex_skills::render::SECTION_OPEN) =>
                    {
                        Some(text.clone())
                    }
                    _ => None,
                })
            }
            _ => None,
        });
        self.with_state(|state| state.sent = last);
    }

    /// Runs `f` on the manager (for listing and toggling); `None` before
    /// the load finished.
    pub(crate) fn with_manager<R>(&self, f: impl FnOnce(&mut SkillsManager) -> R) -> Option<R> {
        self.with_state(|state| f(&mut state.manager))
    }
}

impl State {
    /// Blocking I/O: runs on the blocking pool. Returns the start-up
    /// warnings too.
    fn load(config: &Config) -> Loaded {
        let plugins =
            codex_plugins::installed_plugins(&config.codex_home, config.layers.get(&["plugins"]));
        let (manager, warnings) =
            SkillsManager::load(SkillsSettings::with_plugins(config, &plugins), &config.cwd);
        for warning in &warnings {
            tracing::warn!("{warning}");
        }
        let state = State {
            manager,
            plugins_section: codex_plugins::plugins_section(&plugins),
            sent: None,
            loaded_at: Some(std::time::Instant::now()),
        };
        (state, warnings)
    }
}

/// Before a turn: looks for changes on disk (or of cwd); if the section
/// the model would see now differs from the one in the history, records
/// it as a developer message. New problems become warnings.
pub(crate) async fn refresh_before_turn(session: &Session, ctx: &TurnContext) {
    let skills = &session.features().skills;
    let cwd = ctx.cwd.clone();
    let Some((update, section)) = skills.with_state(|state| {
        let fresh = state
            .loaded_at
            .take()
            .is_some_and(|at| at.elapsed() < FRESH_LOAD && state.manager.cwd() == cwd);
        let update = if fresh {
            codex_skills::SkillsUpdate::default()
        } else {
            state.manager.refresh(&cwd, false)
        };
        let current = state.manager.section().map(str::to_string);
        let section = (current != state.sent).then(|| {
            state.sent.clone_from(&current);
            current
        });
        (update, section)
    }) else {
        return;
    };
    for message in update.warnings {
        tracing::warn!("{message}");
        session.send_event_unrecorded(&ctx.sub_id, EventMsg::Warning(WarningEvent { message }));
    }
    if let Some(Some(text)) = section {
        let item = crate::instructions::developer_message(vec![text]);
        session.record_conversation_items(ctx, &[item]).await;
    }
}

/// After a user message: one `<skill>` user message per skill it names,
/// with the skill's whole file, in list order.
pub(crate) async fn record_mentions(session: &Session, ctx: &TurnContext, input: &[UserInput]) {
    let text: String = input
        .iter()
        .filter_map(|item| match item {
            UserInput::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    if !text.contains('$') {
        return;
    }
    let named: Vec<codex_skills::Skill> = session
        .features()
        .skills
        .with_manager(|manager| manager.mentioned(&text).into_iter().cloned().collect())
        .unwrap_or_default();
    let mut items = Vec::new();
    for skill in named {
        match read_skill_file(&skill.path) {
            Ok(contents) => items.push(ResponseItem::Message {
                id: None,
                role: "user".to_string(),
                content: vec![ContentItem::InputText {
                    text: codex_skills::skill_message_text(&skill, &contents),
                }],
            }),
            Err(err) => {
                let message = format!(
                    "cannot read skill `{}` ({}): {err}",
                    skill.name,
                    skill.path.display()
                );
                session.send_event_unrecorded(
                    &ctx.sub_id,
                    EventMsg::Warning(WarningEvent { message }),
                );
            }
        }
    }
    session.record_conversation_items(ctx, &items).await;
}

fn read_skill_file(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
