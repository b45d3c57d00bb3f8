mod approvals;
mod common;
mod compaction;
mod history_file;
mod resume;
mod tasks;
mod tool_registry;
mod turns;
