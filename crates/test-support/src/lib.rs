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
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod home;
mod mock_server;
mod turn;

pub use home::TestCodexHome;
pub use mock_server::{MockModelServer, RecordedRequest, Reply};
pub use turn::{Turn, Usage, responses_event, sse_frame};
