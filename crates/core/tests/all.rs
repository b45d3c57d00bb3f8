//! Engine tests through the Op/Event seam, against the scripted mock server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod suite;
