//! All mutable session state, behind small lock-safe APIs.
//!
//! This is the only module that touches a mutex. Every lock here is a
//! `std::sync::Mutex` held for a few statements and never across an
//! `.await`, so the engine cannot deadlock on its own state:
//!
//! * `SessionState` (via [`SharedSessionState`]): settings, history, token
//!   usage, rate limits.
//! * [`ActiveTurn`] (via [`TurnSlot`]): the running task, if any, with its
//!   [`TurnState`] (pending approvals, input that arrived mid-task, the
//!   turn's diff tracker).
//! * [`SessionApprovals`]: what the person approved for the session,
//!   shared by a tree of agents.
//! * [`ProcessTable`] and [`ProcessOutput`]: the interactive processes of
//!   `exec_command` and their unread output.

mod approvals;
mod processes;
mod services;
mod session_state;
mod turn;

pub(crate) use approvals::SessionApprovals;
pub(crate) use processes::{ProcessOutput, ProcessTable};
pub(crate) use services::SessionServices;
pub(crate) use session_state::{SessionConfiguration, SessionSettingsUpdate, SharedSessionState};
pub(crate) use turn::{ActiveTurn, Pending, TurnSlot, TurnState};

/// Locks, recovering the data if a panic poisoned the lock: the state is
/// always left consistent between statements, so it is safe to continue.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
