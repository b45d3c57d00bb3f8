//! The arguments of `codex exec` (the shared flags `-m`, `-s`, `-C`, `-c`,
//! `-p`, `--full-auto`, `--yolo` are defined by the `codex` command).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    #[command(subcommand)]
    pub command: Option<ExecCommand>,

    /// The task. Read from standard input when absent or `-`; when both are
    /// given, piped input is appended as a <stdin> block.
    pub prompt: Option<String>,

    /// Images to attach to the prompt.
    #[arg(short = 'i', long = "image", value_name = "FILE", num_args = 1.., value_delimiter = ',')]
    pub images: Vec<PathBuf>,

    /// Print events as JSON lines on stdout.
    #[arg(long = "json", alias = "experimental-json")]
    pub json: bool,

    /// Also write the last message of the agent to FILE.
    #[arg(short = 'o', long = "output-last-message", value_name = "FILE")]
    pub output_last_message: Option<PathBuf>,

    /// A JSON Schema file the final answer must match.
    #[arg(long = "output-schema", value_name = "FILE")]
    pub output_schema: Option<PathBuf>,

    /// Colors on stderr.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    /// Run even outside a Git repository.
    #[arg(long)]
    pub skip_git_repo_check: bool,

    /// Do not write a session file.
    #[arg(long)]
    pub ephemeral: bool,

    /// An extra directory the agent may write (repeatable).
    #[arg(long = "add-dir", value_name = "DIR")]
    pub add_dir: Vec<PathBuf>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ExecCommand {
    /// Continue a previous session by id, or the most recent with --last.
    Resume(ResumeArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ResumeArgs {
    /// The session id (or a unique prefix of it).
    pub session_id: Option<String>,

    /// The follow-up task (read from standard input when absent or `-`).
    pub prompt: Option<String>,

    /// Resume the most recent session started in this directory.
    #[arg(long)]
    pub last: bool,

    /// With --last: the most recent session from any directory.
    #[arg(long)]
    pub all: bool,

    #[arg(short = 'i', long = "image", value_name = "FILE", num_args = 1.., value_delimiter = ',')]
    pub images: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Always,
    Never,
    Auto,
}
