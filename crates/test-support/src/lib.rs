//! Test-only support: never a dependency of product code.
//!
//! * [`MockModelServer`]: an HTTP server on loopback that answers model
//!   requests with scripted replies, records every request, and injects
//!   faults (HTTP errors with `Retry-After`, a connection cut mid-stream, a
//!   stall, malformed events).
//! * [`Turn`]: one model response described once (text, reasoning, function
//!   calls, custom tool calls, usage) and rendered in whichever wire format
//!   the request used (Responses SSE or Chat Completions SSE).
//! * [`TestCodexHome`]: a temporary `$CODEX_HOME` with a config pointing at
//!   a mock server.
//! * [`PtyTerminal`]: a program in a pseudo-terminal whose screen a terminal
//!   emulator parses, for end-to-end tests of the interactive interface.
//! * [`CpuLoad`]: busy threads, for tests of what must hold under load.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cpu_load;
mod home;
pub mod issuer;
mod mock_server;
mod otlp;
pub mod peers;
mod pty;
mod turn;

pub use cpu_load::CpuLoad;
pub use home::TestCodexHome;
pub use issuer::MockIssuer;
pub use mock_server::{MockModelServer, RecordedRequest, Reply};
pub use otlp::OtlpReceiver;
pub use pty::PtyTerminal;
pub use turn::{Turn, Usage, responses_event, sse_frame};

/// The `codex-linux-sandbox` helper built for this test run
/// (`target/<profile>/codex-linux-sandbox`, built by any workspace test
/// run). Panics, saying how to build it, when it is missing.
pub fn sandbox_helper() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/<test binary>
    let profile_dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("the test binary lives in target/<profile>/deps");
    let helper = profile_dir.join("codex-linux-sandbox");
    assert!(
        helper.exists(),
        "{} is missing; build it with `cargo build -p codex-sandbox` (a workspace test run builds it)",
        helper.display()
    );
    helper
}
