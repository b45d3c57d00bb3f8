mod cli_basics;
mod debug_config;
