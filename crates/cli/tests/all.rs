//! Program-level tests of the `codex` binary. One test binary (`all`) with a
//! module per area keeps link time down.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod suite;
