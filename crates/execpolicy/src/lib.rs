//! Command rules: `.rules` files in a small Starlark dialect that say which
//! commands the model's shell calls may run without asking (`allow`), only
//! after asking (`prompt`), or never (`forbidden`).
//!
//! * [`loader`]: reads the files with the `starlark` crate, restricted to
//!   `prefix_rule`, `network_rule` and `host_executable` (no `load()`, no
//!   I/O), and checks each rule's `match`/`not_match` examples, failing with
//!   the file and line of a rule its examples contradict.
//! * [`Policy`]: matching an argv — every rule whose pattern (words, or a
//!   list of alternatives in a position) is a prefix of the command
//!   matches; the strictest decision wins.
//! * [`shell`]: the simple commands of a `bash -lc "…"` script, found with
//!   tree-sitter-bash, so that a forbidden command cannot hide after `&&`,
//!   in a subshell or in `$(…)`.
//! * [`assess`]: what the engine does with a command — the decision over
//!   every simple command it runs.
//! * [`amend`]: appending an "always allow" rule to `default.rules`.

pub mod amend;
pub mod assess;
mod cache;
mod decision;
pub mod loader;
mod policy;
mod rule;
pub mod shell;

pub use cache::RulesCache;
pub use decision::Decision;
pub use loader::LoadError;
pub use policy::Policy;
pub use rule::{Evaluation, NetworkProtocol, NetworkRule, PatternToken, RuleMatch, RuleSource};
