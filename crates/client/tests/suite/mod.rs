mod chat;
mod common;
mod errors;
mod responses;
mod retries;
