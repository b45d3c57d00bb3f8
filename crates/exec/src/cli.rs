//! The arguments of `codex exec` (the shared flags `-m`, `-s`, `-C`, `-c`,
//! `-p`, `--full-auto`, `--yolo` are defined by the `codex` command).
//!
//! Every flag is `global`, so `codex exec resume --last --json -o out.txt`
//! works as well as `codex exec --json -o out.txt resume --last`, as in
//! the reference.

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
    #[arg(
        short = 'i',
        long = "image",
        value_name = "FILE",
        num_args = 1..,
        value_delimiter = ',',
        global = true
    )]
    pub images: Vec<PathBuf>,

    /// Print events as JSON lines on stdout.
    #[arg(long = "json", alias = "experimental-json", global = true)]
    pub json: bool,

    /// Also write the last message of the agent to FILE.
    #[arg(
        short = 'o',
        long = "output-last-message",
        value_name = "FILE",
        global = true
    )]
    pub output_last_message: Option<PathBuf>,

    /// A JSON Schema file the final answer must match.
    #[arg(long = "output-schema", value_name = "FILE", global = true)]
    pub output_schema: Option<PathBuf>,

    /// Colors on stderr.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    pub color: Color,

    /// Run even outside a Git repository.
    #[arg(long, global = true)]
    pub skip_git_repo_check: bool,

    /// Do not write a session file.
    #[arg(long, global = true)]
    pub ephemeral: bool,

    /// Who starts the thread, recorded in the session file (the SDK passes
    /// it; default `user`).
    #[arg(long, value_name = "SOURCE", global = true, hide = true)]
    pub thread_source: Option<String>,

    /// An extra directory the agent may write (repeatable).
    #[arg(long = "add-dir", value_name = "DIR", global = true)]
    pub add_dir: Vec<PathBuf>,

    /// Run a plugin's hooks without their recorded trust, for this run
    /// only. DANGEROUS: only for automation that vets its hook sources.
    #[arg(long, global = true)]
    pub dangerously_bypass_hook_trust: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ExecCommand {
    /// Continue a previous session by id, or the most recent with --last.
    Resume(ResumeArgs),
    /// Review code: uncommitted changes, a branch, a commit, or instructions.
    Review(crate::review::ReviewArgs),
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

    /// Start from before the session's Nth user message (1 is the first):
    /// the conversation goes back there first (recorded in the session
    /// file), then the prompt is sent.
    #[arg(long, value_name = "N")]
    pub from_message: Option<usize>,

    /// With --from-message: put the files back too, as they were before
    /// that message (files edited by hand since are kept and named).
    #[arg(long, requires = "from_message")]
    pub restore_code: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Always,
    Never,
    Auto,
}
