mod cli_basics;
mod debug_config;
mod login;
mod program_names;
mod sandbox;
