//! Skills: folders of know-how (a `SKILL.md` with YAML front matter —
//! `name`, `description` — then instructions, plus any scripts and
//! references) that the user keeps and shares between agents.
//!
//! The design follows what the model must see and what must stay cheap:
//!
//! - [`roots`]: where skills live, in the reference's order — the
//!   repository's `.codex/skills/` (cwd up to the Git root),
//!   `$CODEX_HOME/skills/`, `$HOME/.agents/skills/`, the bundled
//!   `$CODEX_HOME/skills/.system/`, then the repository's `.agents/skills/`
//!   (Git root down to the cwd). The order numbers the roots table.
//! - [`parse`]: one `SKILL.md` into a [`Skill`], with a real YAML parser
//!   (`yaml-rust2`); a bad file is a [`SkillLoadError`] naming its path,
//!   line and what is wrong, and is skipped.
//! - [`discover`]: walking the roots (symlinked directories followed,
//!   hidden ones skipped, six levels deep) into a [`SkillCatalog`], and a
//!   [`discover::Fingerprint`] of what was seen (directory and file mtimes)
//!   so that a turn can tell whether anything changed without a new walk.
//! - [`render`]: the `<skills_instructions>` section — names, descriptions
//!   and short paths, never bodies — within the token budget: descriptions
//!   shortened evenly, then dropped, then the end of the list cut, with a
//!   warning that says how many.
//! - [`mention`]: `$name` and `[$name](path)` in the user's text, and the
//!   `<skill>` message that carries the named skill's whole file.
//! - [`manager`]: the per-session state tying these together.
//! - [`config_write`]: turning a skill on or off in `config.toml`.
//! - [`wire`]: the app-server's `skills/list` entry.
//!
//! Loading a skill never runs anything: a skill's scripts run only when the
//! model runs them through its normal tools.

pub mod config_write;
pub mod discover;
pub mod manager;
pub mod mention;
pub mod parse;
pub mod render;
pub mod roots;
pub mod settings;
pub mod wire;

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

pub use config_write::{SkillSelector, write_skill_enabled};
pub use discover::{Fingerprint, SkillCatalog, discover};
pub use manager::{SkillsManager, SkillsUpdate};
pub use mention::{mentioned_skills, skill_message_text};
pub use render::{RenderedSkills, render_skills_section};
pub use roots::{PluginSkills, SkillRoot, skill_roots};
pub use settings::SkillsSettings;
pub use wire::skills_list_entry;

/// Where a skill comes from, as the reference's app-server names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SkillScope {
    User,
    Repo,
    System,
    Admin,
}

impl SkillScope {
    /// The rank in the list the model sees: system, then repo, then user.
    pub fn presentation_rank(self) -> u8 {
        match self {
            SkillScope::System => 0,
            SkillScope::Admin => 1,
            SkillScope::Repo => 2,
            SkillScope::User => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SkillScope::User => "user",
            SkillScope::Repo => "repo",
            SkillScope::System => "system",
            SkillScope::Admin => "admin",
        }
    }
}

/// One loaded skill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    /// The front matter's `name`, else the name of the folder.
    pub name: String,
    /// The description on one line (line breaks joined with spaces).
    pub description: String,
    /// `metadata.short-description`, if any (shown by frontends only).
    pub short_description: Option<String>,
    /// The absolute path of its `SKILL.md`, through the root it was found
    /// under (a symlinked folder keeps its link's path).
    pub path: PathBuf,
    /// Index of its root in the catalog's roots.
    pub root: usize,
    pub scope: SkillScope,
    /// `agents/openai.yaml` may say the model should not pick it by itself
    /// (`policy.allow_implicit_invocation: false`): then it is not listed,
    /// but `$name` still works.
    pub allow_implicit_invocation: bool,
    /// Turned off by `[[skills.config]]` or for the session.
    pub enabled: bool,
}

/// A `SKILL.md` that could not be loaded (it is skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillLoadError {
    pub path: PathBuf,
    /// 1-based line in the file, where known.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for SkillLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}
