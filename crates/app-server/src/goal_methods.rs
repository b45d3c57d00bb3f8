//! `thread/goal/set`, `thread/goal/get`, `thread/goal/clear`: a loaded
//! thread's goal, in the reference's shapes. The engine owns the goal
//! (`Op::SetThreadGoal`, `Op::ClearThreadGoal`); the thread's pump keeps
//! the last goal it reported and sends `thread/goal/updated` and
//! `thread/goal/cleared` to the client.

use std::time::Duration;

use codex_protocol::goals::ThreadGoalStatus;
use codex_protocol::protocol::Op;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::processor::{Processor, Reply};
use crate::rpc::RpcError;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadGoalSetParams {
    #[serde(default)]
    pub objective: Option<String>,
    #[serde(default)]
    pub status: Option<ThreadGoalStatus>,
    #[serde(default)]
    pub token_budget: Option<i64>,
    // `threadId` is read by `Processor::live`; `origin` (user or automatic)
    // is accepted: every request here is the client's.
}

/// How long `thread/goal/set` waits for the engine to apply the change.
const SET_WAIT: Duration = Duration::from_secs(10);

impl Processor {
    pub(crate) async fn thread_goal_set(&self, params: Value) -> Reply {
        let thread = self.live(&params)?;
        let parsed: ThreadGoalSetParams = crate::params::parse("thread/goal/set", params)?;
        let has_goal = thread
            .goal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some();
        match (&parsed.objective, parsed.status) {
            (Some(objective), _) if objective.trim().is_empty() => {
                return Err(RpcError::invalid_params("objective is empty".to_string()));
            }
            (None, None) => {
                return Err(RpcError::invalid_params(
                    "give an objective (a new goal) or a status (to change the goal)".to_string(),
                ));
            }
            (None, Some(_)) if !has_goal => {
                return Err(RpcError::invalid_request(format!(
                    "thread {} has no goal; set one with an objective",
                    thread.id
                )));
            }
            _ => {}
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        thread
            .goal_waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx);
        thread
            .codex
            .submit(Op::SetThreadGoal {
                objective: parsed.objective,
                status: parsed.status,
                token_budget: parsed.token_budget,
            })
            .await
            .map_err(|err| RpcError::internal(err.to_string()))?;
        match tokio::time::timeout(SET_WAIT, rx).await {
            Ok(Ok(goal)) => Ok(json!({"goal": goal})),
            _ => Err(RpcError::internal(
                "the thread did not apply the goal in time".to_string(),
            )),
        }
    }

    pub(crate) fn thread_goal_get(&self, params: Value) -> Reply {
        let thread = self.live(&params)?;
        let goal = thread
            .goal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Ok(json!({"goal": goal}))
    }

    pub(crate) async fn thread_goal_clear(&self, params: Value) -> Reply {
        let thread = self.live(&params)?;
        let had = thread
            .goal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .is_some();
        thread
            .codex
            .submit(Op::ClearThreadGoal)
            .await
            .map_err(|err| RpcError::internal(err.to_string()))?;
        Ok(json!({"cleared": had}))
    }
}
