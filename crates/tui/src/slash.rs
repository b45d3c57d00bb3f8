//! Slash commands and custom prompts.
//!
//! The built-in commands, with the one-line descriptions the popup shows,
//! and the person's own prompts: each `$CODEX_HOME/prompts/NAME.md` is
//! `/prompts:NAME` (and `/NAME` where that is not a built-in). A prompt's
//! body may use `$1`…`$9` (the arguments, shell-style quoting), `$ARGUMENTS`
//! (all of them) and named `$KEY` placeholders filled by `KEY=value`
//! arguments; `$$` is a literal `$`. A front matter `description:` line (or
//! else the first line) describes it.

pub(crate) use codex_config::custom_prompts::{CustomPrompt, expand_prompt, load_prompts};

/// A built-in command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SlashCommand {
    New,
    Resume,
    Model,
    Approvals,
    Status,
    Diff,
    Compact,
    Mention,
    Init,
    Mcp,
    Hooks,
    Skills,
    Review,
    Undo,
    Rewind,
    Logout,
    Ps,
    Agents,
    Stop,
    Permissions,
    Clear,
    Copy,
    Fork,
    Rename,
    Statusline,
    Config,
    Export,
    Feedback,
    Theme,
    Cd,
    Pwd,
    Title,
    Keymap,
    Experimental,
    Warnings,
    Vim,
    Goal,
    Plan,
    Raw,
    Side,
    Quit,
    Exit,
}

pub(crate) const BUILT_IN: &[(SlashCommand, &str, &str)] = &[
    (
        SlashCommand::New,
        "new",
        "start a new session in this window",
    ),
    (
        SlashCommand::Resume,
        "resume",
        "continue a recorded session",
    ),
    (
        SlashCommand::Model,
        "model",
        "choose the model and reasoning effort",
    ),
    (
        SlashCommand::Approvals,
        "approvals",
        "choose what Codex may do without asking",
    ),
    (
        SlashCommand::Status,
        "status",
        "session, model, sandbox, tokens and limits",
    ),
    (
        SlashCommand::Diff,
        "diff",
        "the working tree's changes, untracked files included",
    ),
    (
        SlashCommand::Compact,
        "compact",
        "summarize the conversation to free context",
    ),
    (SlashCommand::Mention, "mention", "mention a file (@)"),
    (
        SlashCommand::Init,
        "init",
        "write an AGENTS.md for this repository",
    ),
    (SlashCommand::Mcp, "mcp", "the MCP servers and their tools"),
    (
        SlashCommand::Hooks,
        "hooks",
        "the hook handlers, where they come from, whether they run",
    ),
    (
        SlashCommand::Skills,
        "skills",
        "the skills this session sees (/skills off NAME, /skills on NAME: for this session)",
    ),
    (
        SlashCommand::Review,
        "review",
        "review uncommitted changes (or: base BRANCH, commit SHA, instructions)",
    ),
    (
        SlashCommand::Undo,
        "undo",
        "go back before your last message: its code and conversation (/rewind for more)",
    ),
    (
        SlashCommand::Rewind,
        "rewind",
        "go back to an earlier message: restore code, conversation, both, or summarize",
    ),
    (
        SlashCommand::Logout,
        "logout",
        "remove the stored credentials",
    ),
    (
        SlashCommand::Ps,
        "ps",
        "list the commands still running in the background",
    ),
    (
        SlashCommand::Agents,
        "agents",
        "list the sub-agents of this session: name, status, last answer",
    ),
    (
        SlashCommand::Stop,
        "stop",
        "stop the background commands (or: ID, one of them)",
    ),
    (
        SlashCommand::Permissions,
        "permissions",
        "choose what Codex may do without asking",
    ),
    (
        SlashCommand::Clear,
        "clear",
        "clear the terminal and start a new chat",
    ),
    (
        SlashCommand::Copy,
        "copy",
        "copy the last answer to the clipboard (OSC 52)",
    ),
    (
        SlashCommand::Raw,
        "raw",
        "messages as plain text for clean copying from the terminal (or: on, off)",
    ),
    (
        SlashCommand::Side,
        "side",
        "a side conversation that sees this chat but does not enter it (or: QUESTION)",
    ),
    (
        SlashCommand::Fork,
        "fork",
        "continue in a copy of this chat",
    ),
    (
        SlashCommand::Rename,
        "rename",
        "name this chat (for resume)",
    ),
    (
        SlashCommand::Statusline,
        "statusline",
        "choose the footer's items (model, directory, approval, sandbox, context, background)",
    ),
    (
        SlashCommand::Config,
        "config",
        "the effective configuration and where each value comes from",
    ),
    (
        SlashCommand::Export,
        "export",
        "write the conversation to a Markdown file (or: FILE)",
    ),
    (
        SlashCommand::Feedback,
        "feedback",
        "write a local bug-report bundle (session and logs, secrets redacted)",
    ),
    (
        SlashCommand::Theme,
        "theme",
        "choose the code highlighting theme (or: NAME)",
    ),
    (
        SlashCommand::Cd,
        "cd",
        "change the working directory of the next turns",
    ),
    (SlashCommand::Pwd, "pwd", "show the working directory"),
    (
        SlashCommand::Title,
        "title",
        "set the terminal's title (empty: the default)",
    ),
    (SlashCommand::Keymap, "keymap", "the keys and what they do"),
    (
        SlashCommand::Experimental,
        "experimental",
        "the feature flags and whether each is on (or: NAME on|off)",
    ),
    (
        SlashCommand::Warnings,
        "warnings",
        "the warnings of this session's start-up and config",
    ),
    (
        SlashCommand::Vim,
        "vim",
        "vi-style editing in the composer (again: off)",
    ),
    (
        SlashCommand::Goal,
        "goal",
        "the thread's goal: show it, set one (/goal OBJECTIVE), pause, resume, clear",
    ),
    (
        SlashCommand::Plan,
        "plan",
        "plan mode: Codex reads, then proposes a plan to accept (or: PROMPT; off)",
    ),
    (SlashCommand::Quit, "quit", "leave codex"),
    (SlashCommand::Exit, "exit", "leave codex"),
];

/// One entry of the popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SlashItem {
    BuiltIn(SlashCommand),
    Prompt(usize),
}

/// The popup's entries for what follows the `/`, best first: commands whose
/// name starts with it, then those containing it.
pub(crate) fn matching_items(filter: &str, prompts: &[CustomPrompt]) -> Vec<SlashItem> {
    let filter = filter.to_lowercase();
    let mut starts = Vec::new();
    let mut contains = Vec::new();
    let mut consider = |names: &[String], item: SlashItem| {
        if names.iter().any(|n| n.starts_with(&filter)) {
            starts.push(item);
        } else if names.iter().any(|n| n.contains(&filter)) {
            contains.push(item);
        }
    };
    for (command, name, _) in BUILT_IN {
        consider(&[name.to_string()], SlashItem::BuiltIn(*command));
    }
    for (index, prompt) in prompts.iter().enumerate() {
        let name = prompt.name.to_lowercase();
        let mut names = vec![format!("prompts:{name}")];
        // Also reachable as /NAME where that is not a built-in.
        if !BUILT_IN.iter().any(|(_, n, _)| *n == name) {
            names.push(name);
        }
        consider(&names, SlashItem::Prompt(index));
    }
    starts.extend(contains);
    starts
}

/// Slash commands of the reference Codex CLI that this codex does not
/// offer: typed, they say so rather than going to the model.
pub(crate) const NOT_OFFERED: &[&str] = &[
    "agent",
    "agents",
    "apps",
    "approve",
    "archive",
    "btw",
    "daemon",
    "debug-config",
    "delete",
    "desktop",
    "fast",
    "ide",
    "import",
    "memories",
    "mode",
    "personality",
    "pet",
    "plugins",
    "presets",
    "realtime",
    "recap",
    "rewind",
    "rollout",
    "settings",
    "setup-default-sandbox",
    "skills",
    "subagents",
    "test-approval",
    "usage",
    "voice",
    "worktree",
];

/// `/name` when `name` is a command of the reference we do not offer.
pub(crate) fn not_offered(text: &str) -> Option<&'static str> {
    let name = text
        .strip_prefix('/')?
        .split(char::is_whitespace)
        .next()
        .unwrap_or("");
    NOT_OFFERED.iter().copied().find(|n| *n == name)
}

/// What `/name args` means, if anything.
pub(crate) fn parse(text: &str, prompts: &[CustomPrompt]) -> Option<(SlashItem, String)> {
    let rest = text.strip_prefix('/')?;
    let (name, args) = match rest.split_once(char::is_whitespace) {
        Some((name, args)) => (name, args.trim().to_string()),
        None => (rest, String::new()),
    };
    if let Some((command, _, _)) = BUILT_IN.iter().find(|(_, n, _)| *n == name) {
        return Some((SlashItem::BuiltIn(*command), args));
    }
    let prompt_name = name.strip_prefix("prompts:").unwrap_or(name);
    prompts
        .iter()
        .position(|p| p.name == prompt_name)
        .map(|index| (SlashItem::Prompt(index), args))
}

/// The name shown for an item (without the slash).
pub(crate) fn item_name(item: &SlashItem, prompts: &[CustomPrompt]) -> String {
    match item {
        SlashItem::BuiltIn(command) => BUILT_IN
            .iter()
            .find(|(c, _, _)| c == command)
            .map(|(_, name, _)| name.to_string())
            .unwrap_or_default(),
        SlashItem::Prompt(index) => format!("prompts:{}", prompts[*index].name),
    }
}

pub(crate) fn item_description(item: &SlashItem, prompts: &[CustomPrompt]) -> String {
    match item {
        SlashItem::BuiltIn(command) => BUILT_IN
            .iter()
            .find(|(c, _, _)| c == command)
            .map(|(_, _, d)| d.to_string())
            .unwrap_or_default(),
        SlashItem::Prompt(index) => prompts[*index].description.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn prompts_load_with_descriptions() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("fix.md"),
            "---\ndescription: \"Fix an issue\"\n---\nFix $1.\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("plain.md"),
            "# Write tests\nfor $ARGUMENTS\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let prompts = load_prompts(dir.path());
        assert_eq!(prompts.len(), 2);
        assert_eq!(prompts[0].description, "Fix an issue");
        assert_eq!(prompts[0].body, "Fix $1.\n");
        assert_eq!(prompts[1].description, "Write tests");
        assert_eq!(
            parse("/fix crash", &prompts),
            Some((SlashItem::Prompt(0), "crash".into()))
        );
        assert_eq!(
            parse("/prompts:plain x", &prompts),
            Some((SlashItem::Prompt(1), "x".into()))
        );
        assert_eq!(
            parse("/model", &prompts),
            Some((SlashItem::BuiltIn(SlashCommand::Model), String::new()))
        );
        assert_eq!(parse("/nope", &prompts), None);
    }

    #[test]
    fn the_filter_prefers_prefixes() {
        let items = matching_items("m", &[]);
        assert_eq!(items[0], SlashItem::BuiltIn(SlashCommand::Model));
        assert!(items.contains(&SlashItem::BuiltIn(SlashCommand::Mcp)));
        assert!(items.contains(&SlashItem::BuiltIn(SlashCommand::Compact)));
        assert!(matching_items("zz", &[]).is_empty());
    }
}
