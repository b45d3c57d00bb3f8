//! codex-sandbox tests: real commands under real Landlock and seccomp.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(target_os = "linux")]
mod suite;
