mod attacks;
mod common;
mod environment;
mod execution;
mod network;
mod policies;
mod secrets;
