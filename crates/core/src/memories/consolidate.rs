//! Phase 2: one consolidation agent at a time per state database.
//!
//! The singleton job is claimed only when phase 1's outputs changed since
//! the last success (the database's input version against the job's
//! watermark), or when a failed run's retry time has come. The agent is an
//! ephemeral child session: approval `never`, workspace-write limited to
//! the memory directory (its cwd) with no network, no MCP servers, web
//! search, hooks or memories of its own. It reads `raw_memories.md` and
//! `rollout_summaries/` (synced from the database just before) and writes
//! `MEMORY.md` and `memory_summary.md`. While it runs its lease is renewed
//! every [`HEARTBEAT`]; a process that loses the lease (it stalled past the
//! lease and another took over) stops its agent and records nothing.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use codex_protocol::config_types::{ReasoningEffort, ReasoningSummary};
use codex_protocol::protocol::{AskForApproval, EventMsg, Op, SandboxPolicy};
use codex_protocol::user_input::UserInput;

use super::{MEMORY_FILE, SUMMARY_FILE, unix_now};
use crate::session::Session;
use crate::spawn::SpawnParams;

const PROMPT: &str = include_str!("consolidation_prompt.md");
const LEASE_SECS: i64 = 3600;
const RETRY_SECS: i64 = 3600;
/// How often a running consolidation renews its lease (well inside it).
const HEARTBEAT: Duration = Duration::from_secs(90);

/// Claims and runs phase 2 if there is something to consolidate.
pub(super) async fn run(session: &Arc<Session>, root: &Path) -> Result<(), String> {
    let Some(db) = session.services.state_db.clone() else {
        return Ok(());
    };
    let owner = format!("{}:{}:consolidate", std::process::id(), session.thread_id);
    let claim_owner = owner.clone();
    let claimed = db
        .call(move |conn| {
            codex_state::memories::claim_stage2(conn, &claim_owner, unix_now(), LEASE_SECS)
        })
        .await
        .map_err(|err| err.to_string())?;
    let Some(version) = claimed else {
        return Ok(());
    };
    let result = consolidate(session, &db, &owner, root).await;
    if let Err(ConsolidationError::LostLease) = result {
        tracing::info!("memories: the consolidation was taken over by another process");
        return Ok(());
    }
    let error = result.as_ref().err().map(ToString::to_string);
    let finished = db
        .call(move |conn| {
            let result = match &error {
                None => Ok(version),
                Some(error) => Err((error.as_str(), RETRY_SECS)),
            };
            codex_state::memories::finish_stage2(conn, &owner, unix_now(), result)
        })
        .await
        .map_err(|err| err.to_string())?;
    if !finished {
        tracing::info!("memories: the consolidation was taken over by another process");
    }
    result.map_err(|err| err.to_string())
}

#[derive(Debug, thiserror::Error)]
enum ConsolidationError {
    #[error("another process took the consolidation over")]
    LostLease,
    #[error("{0}")]
    Failed(String),
}

async fn consolidate(
    session: &Arc<Session>,
    db: &codex_state::StateDb,
    owner: &str,
    root: &Path,
) -> Result<(), ConsolidationError> {
    let failed = |err: &dyn std::fmt::Display| ConsolidationError::Failed(err.to_string());
    let limit = session
        .services
        .config
        .memories
        .max_raw_memories_for_consolidation() as i64;
    let outputs = db
        .call(move |conn| codex_state::memories::stage1_outputs(conn, limit))
        .await
        .map_err(|e| failed(&e))?;
    let sync_root = root.to_path_buf();
    tokio::task::spawn_blocking(move || super::rebuild_artifacts(&sync_root, &outputs))
        .await
        .map_err(|e| failed(&e))?
        .map_err(|e| failed(&format!("cannot write the memory files: {e}")))?;

    let child = Arc::new(
        crate::spawn::spawn_child(session, agent_config(session, root), agent_params(session))
            .await
            .map_err(|e| failed(&e))?,
    );
    let outcome = drive(&child, db, owner, root).await;
    let _ = child.submit(Op::Shutdown).await;
    outcome?;
    for name in [MEMORY_FILE, SUMMARY_FILE] {
        if !root.join(name).is_file() {
            return Err(failed(&format!(
                "the consolidation agent did not write {name}"
            )));
        }
    }
    let private_root = root.to_path_buf();
    tokio::task::spawn_blocking(move || make_private(&private_root))
        .await
        .map_err(|e| failed(&e))?
        .map_err(|e| failed(&format!("cannot make the memory files private: {e}")))
}

/// Runs the agent's one turn, renewing the lease while it works.
async fn drive(
    child: &crate::queue_pair::Codex,
    db: &codex_state::StateDb,
    owner: &str,
    root: &Path,
) -> Result<(), ConsolidationError> {
    let failed = |err: &dyn std::fmt::Display| ConsolidationError::Failed(err.to_string());
    let text = PROMPT.replace("{{memory_root}}", &root.display().to_string());
    child
        .submit(Op::UserInput {
            items: vec![UserInput::Text { text }],
            final_output_json_schema: None,
        })
        .await
        .map_err(|e| failed(&e))?;
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    // The first tick is immediate; the claim has just set the lease.
    heartbeat.tick().await;
    loop {
        tokio::select! {
            event = child.next_event() => match event.map_err(|e| failed(&e))?.msg {
                EventMsg::TaskComplete(_) => return Ok(()),
                EventMsg::TurnAborted(_) => return Err(failed(&"the consolidation agent was stopped")),
                EventMsg::Error(error) => return Err(failed(&error.message)),
                _ => {}
            },
            _ = heartbeat.tick() => {
                let owner = owner.to_string();
                let owned = db
                    .call(move |conn| {
                        codex_state::memories::heartbeat_stage2(conn, &owner, unix_now(), LEASE_SECS)
                    })
                    .await
                    .map_err(|e| failed(&e))?;
                if !owned {
                    return Err(ConsolidationError::LostLease);
                }
            }
        }
    }
}

/// The agent's settings: the session's provider, `consolidation_model`
/// (else the session's model) at medium effort, confined to `root`.
fn agent_config(session: &Session, root: &Path) -> codex_config::Config {
    let mut config = crate::spawn::child_config(&session.services.config);
    if let Some(model) = &config.memories.consolidation_model {
        config.model = model.clone();
    }
    config.model_reasoning_effort = Some(ReasoningEffort::Medium);
    config.model_reasoning_summary = ReasoningSummary::None;
    config.base_instructions = None;
    config.approval_policy = AskForApproval::Never;
    config.sandbox_policy = SandboxPolicy::WorkspaceWrite {
        writable_roots: Vec::new(),
        network_access: false,
        exclude_tmpdir_env_var: true,
        exclude_slash_tmp: true,
    };
    config.cwd = root.to_path_buf();
    config
}

fn agent_params(session: &Session) -> SpawnParams {
    crate::spawn::child_params(&session.services, "memory_consolidation")
}

/// The agent's tools create files with the usual umask; everything under
/// the memory directory is made 0600 (directories 0700).
fn make_private(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o700))?;
            make_private(&entry.path())?;
        } else if kind.is_file() {
            std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}
