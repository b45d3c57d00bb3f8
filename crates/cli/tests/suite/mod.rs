mod cli_basics;
mod debug_config;
mod program_names;
