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
//! * [`HelloOrigin`]: a loopback HTTP origin for network allowlist tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cpu_load;
mod hello_origin;
mod home;
pub mod issuer;
mod mock_server;
mod otlp;
pub mod peers;
mod pty;
mod turn;

pub use cpu_load::CpuLoad;
pub use hello_origin::HelloOrigin;
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

/// Writes `dir/SKILL.md` for a skill `name` with `description` and the body
/// `Body of NAME.` (creating `dir`).
pub fn write_skill(dir: &std::path::Path, name: &str, description: &str) {
    std::fs::create_dir_all(dir).unwrap_or_else(|err| panic!("create {}: {err}", dir.display()));
    std::fs::write(
        dir.join("SKILL.md"),
        format!("---\nname: {name}\ndescription: {description}\n---\n\nBody of {name}.\n"),
    )
    .unwrap_or_else(|err| panic!("write {}: {err}", dir.display()));
}

/// The last `<skills_instructions>` part of a request's developer
/// messages, if any.
pub fn last_skills_section(input: &[serde_json::Value]) -> Option<String> {
    input
        .iter()
        .filter(|item| item["role"] == "developer")
        .flat_map(|item| item["content"].as_array().cloned().unwrap_or_default())
        .filter_map(|part| part["text"].as_str().map(str::to_string))
        .rfind(|text| text.starts_with("<skills_instructions>"))
}
