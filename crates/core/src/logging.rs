//! Logging for a frontend's process: `RUST_LOG` to stderr (errors only by
//! default, so a frontend's own output stays readable; to a file for the
//! TUI), and the engine's
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
const DEFAULT_DB_FILTER: &str = "warn,codex_core=debug,codex_client=debug,codex_sandbox=debug,codex_exec=debug,codex_tui=debug,codex_state=info";

/// Installs the subscriber. Returns the guard, or the reason the database
/// log is unavailable (the frontend shows it; stderr logging still works).
pub fn init(codex_home: &Path) -> Result<LogGuard, String> {
    install(codex_home, std::io::stderr)
}

/// Like [`init`] for a frontend that owns the terminal: `RUST_LOG` output
/// goes to `$CODEX_HOME/log/<file_name>` (0600, in a 0700 directory)
/// instead of stderr, which would draw over the screen.
pub fn init_to_file(codex_home: &Path, file_name: &str) -> Result<LogGuard, String> {
    let dir = codex_home.join("log");
    let file = (|| {
        create_private_dir(&dir)?;
        let mut options = std::fs::OpenOptions::new();
        options.append(true).create(true);
        codex_config::private_file::open(&dir.join(file_name), &mut options)
    })();
    match file {
        Ok(file) => install(codex_home, std::sync::Mutex::new(file)),
        Err(err) => {
            // Without the file, RUST_LOG output is dropped (never drawn over
            // the screen); the database log still works and says why.
            let guard = install(codex_home, std::io::sink);
            tracing::warn!("cannot open {}: {err}", dir.join(file_name).display());
            guard
        }
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn install<W>(codex_home: &Path, writer: W) -> Result<LogGuard, String>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let text_filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("error"));
    let text = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false)
        .with_filter(text_filter);
    match start_log_writer(&codex_home.join(STATE_DB_FILENAME)) {
        Ok((layer, guard)) => {
            let filter = std::env::var("CODEX_DB_LOG")
                .ok()
                .and_then(|f| EnvFilter::try_new(f).ok())
                .unwrap_or_else(|| EnvFilter::new(DEFAULT_DB_FILTER));
            let _ = tracing_subscriber::registry()
                .with(text)
                .with(layer.with_filter(filter))
                .try_init();
            Ok(guard)
        }
        Err(err) => {
            let _ = tracing_subscriber::registry().with(text).try_init();
            Err(format!("logs will not be kept: {err}"))
        }
    }
}
