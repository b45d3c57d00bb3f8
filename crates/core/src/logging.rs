//! Logging for a frontend's process: `RUST_LOG` to stderr (errors only by
//! default, so a frontend's own output stays readable), and the engine's
//! events to the state database for `codex debug logs`. Every frontend
//! calls [`init`] once, so all of them log the same way.

use std::path::Path;

use codex_state::{STATE_DB_FILENAME, start_log_writer};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Keeps the database log writer alive; dropping it writes what is queued.
pub use codex_state::LogWriterGuard as LogGuard;

/// What goes to the database unless `CODEX_DB_LOG` says otherwise.
const DEFAULT_DB_FILTER: &str = "warn,codex_core=debug,codex_client=debug,codex_sandbox=debug,codex_exec=debug,codex_state=info";

/// Installs the subscriber. Returns the guard, or the reason the database
/// log is unavailable (the frontend shows it; stderr logging still works).
pub fn init(codex_home: &Path) -> Result<LogGuard, String> {
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
            Ok(guard)
        }
        Err(err) => {
            let _ = tracing_subscriber::registry().with(stderr).try_init();
            Err(format!("logs will not be kept: {err}"))
        }
    }
}
