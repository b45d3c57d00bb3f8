//! codex-state tests on real database files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod suite;
