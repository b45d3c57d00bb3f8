//! Logging for a run: `RUST_LOG` to stderr (errors only by default, so the
//! human output stays readable), and the engine's events to the state
//! database for `codex debug logs`.

use std::path::Path;

use codex_state::{LogWriterGuard, STATE_DB_FILENAME, start_log_writer};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// What goes to the database unless `CODEX_DB_LOG` says otherwise.
const DEFAULT_DB_FILTER: &str = "warn,codex_core=debug,codex_client=debug,codex_sandbox=debug,codex_exec=debug,codex_state=info";

/// Installs the subscriber. The guard writes queued events when dropped.
pub(crate) fn init(codex_home: &Path) -> Option<LogWriterGuard> {
    let stderr_filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("error"));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(stderr_filter);
    match start_log_writer(&codex_home.join(STATE_DB_FILENAME)) {
        Ok((layer, guard)) => {
            let filter = std::env::var("CODEX_DB_LOG")
                .ok()
                .and_then(|f| EnvFilter::try_new(f).ok())
                .unwrap_or_else(|| EnvFilter::new(DEFAULT_DB_FILTER));
            let _ = tracing_subscriber::registry()
                .with(stderr)
                .with(layer.with_filter(filter))
                .try_init();
            Some(guard)
        }
        Err(err) => {
            let _ = tracing_subscriber::registry().with(stderr).try_init();
            eprintln!("warning: logs will not be kept: {err}");
            None
        }
    }
}
