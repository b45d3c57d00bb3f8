//! Integration tests of codex-apply-patch, in one test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod suite;
