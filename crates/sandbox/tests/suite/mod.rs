mod attacks;
mod common;
mod environment;
mod execution;
mod network;
mod network_proxy;
mod policies;
mod secrets;
