mod atomic;
mod conformance;
mod program;
mod properties;
pub mod tree;
