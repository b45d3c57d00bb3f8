//! The seam: how a session is started behind its queue pair
//! ([`Codex`], defined in `crate::queue_pair` so that features can hold the
//! queue pairs of the sessions they start).

use codex_config::Config;
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::error::CodexResult;
use crate::queue_pair::Codex;
use crate::spawn::{SpawnParams, Spawning};

/// Submissions waiting for the loop; a frontend that submits faster than
/// this waits.
const SUBMISSION_CHANNEL_CAPACITY: usize = 64;

impl Codex {
    /// Starts a session. The first event is `session_configured`.
    pub async fn spawn(config: Config, params: SpawnParams) -> CodexResult<Self> {
        let (tx_sub, rx_sub) = mpsc::channel(SUBMISSION_CHANNEL_CAPACITY);
        let (tx_event, rx_event) = mpsc::unbounded_channel();
        let started =
            crate::session_init::start_session(config, params, tx_event, spawn_boxed).await?;
        let thread_id = started.session.thread_id;
        // Everything the session does is logged under its thread id.
        let span = tracing::info_span!("session", thread_id = %thread_id);
        tokio::spawn(
            crate::submission_loop::run(started.session, rx_sub, started.previous_env)
                .instrument(span),
        );
        Ok(Self::from_channels(thread_id, tx_sub, rx_event))
    }
}

/// [`Codex::spawn`] as every session's [`crate::spawn::SpawnThread`]: how
/// its features start sessions of their own.
fn spawn_boxed(config: Config, params: SpawnParams) -> Spawning {
    Box::pin(Codex::spawn(config, params))
}
