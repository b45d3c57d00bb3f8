//! Slash commands and custom prompts.
//!
//! The built-in commands, with the one-line descriptions the popup shows,
//! and the person's own prompts: each `$CODEX_HOME/prompts/NAME.md` is
//! `/prompts:NAME` (and `/NAME` where that is not a built-in). A prompt's
//! body may use `$1`…`$9` (the arguments, shell-style quoting), `$ARGUMENTS`
//! (all of them) and named `$KEY` placeholders filled by `KEY=value`
//! arguments; `$$` is a literal `$`. A front matter `description:` line (or
//! else the first line) describes it.

use std::collections::HashMap;
use std::path::Path;

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

/// A prompt file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CustomPrompt {
    pub name: String,
    pub description: String,
    pub body: String,
}

/// One entry of the popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SlashItem {
    BuiltIn(SlashCommand),
    Prompt(usize),
}

/// The prompts in `dir` (`*.md`), sorted by name.
pub(crate) fn load_prompts(dir: &Path) -> Vec<CustomPrompt> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut prompts: Vec<CustomPrompt> = entries
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("md") {
                return None;
            }
            let name = path.file_stem()?.to_str()?.to_string();
            let text = std::fs::read_to_string(&path).ok()?;
            let (description, body) = split_front_matter(&text);
            Some(CustomPrompt {
                name,
                description,
                body,
            })
        })
        .collect();
    prompts.sort_by(|a, b| a.name.cmp(&b.name));
    prompts
}

/// (description, body) of a prompt file with optional `---` front matter.
fn split_front_matter(text: &str) -> (String, String) {
    if let Some(rest) = text.strip_prefix("---\n")
        && let Some(end) = rest.find("\n---")
    {
        let front = &rest[..end];
        let body = rest[end + 4..].trim_start_matches('\n').to_string();
        let description = front
            .lines()
            .find_map(|l| l.strip_prefix("description:"))
            .map(|d| d.trim().trim_matches('"').to_string())
            .unwrap_or_else(|| first_line(&body));
        return (description, body);
    }
    (first_line(text), text.to_string())
}

fn first_line(text: &str) -> String {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .trim_start_matches('#')
        .trim()
        .chars()
        .take(80)
        .collect()
}

/// Splits arguments like a shell: spaces separate, quotes group.
fn split_args(text: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for ch in text.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(ch);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !current.is_empty() {
                    args.push(std::mem::take(&mut current));
                    any = false;
                }
            }
            (None, c) => current.push(c),
        }
    }
    if any || !current.is_empty() {
        args.push(current);
    }
    args
}

/// The prompt's body with the placeholders filled from `args`.
pub(crate) fn expand_prompt(body: &str, args: &str) -> String {
    let parts = split_args(args);
    let mut named: HashMap<String, String> = HashMap::new();
    let mut positional: Vec<String> = Vec::new();
    for part in &parts {
        match part.split_once('=') {
            Some((key, value))
                if !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') =>
            {
                named.insert(key.to_string(), value.to_string());
            }
            _ => positional.push(part.clone()),
        }
    }
    let mut out = String::with_capacity(body.len());
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '$' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        match next {
            Some('$') => {
                out.push('$');
                i += 2;
            }
            Some(d) if d.is_ascii_digit() && d != '0' => {
                let n = d.to_digit(10).unwrap_or(1) as usize;
                out.push_str(positional.get(n - 1).map(String::as_str).unwrap_or(""));
                i += 2;
            }
            Some(c) if c.is_ascii_uppercase() => {
                let mut j = i + 1;
                while j < chars.len()
                    && (chars[j].is_ascii_uppercase()
                        || chars[j].is_ascii_digit()
                        || chars[j] == '_')
                {
                    j += 1;
                }
                let key: String = chars[i + 1..j].iter().collect();
                if key == "ARGUMENTS" {
                    out.push_str(&positional.join(" "));
                } else if let Some(value) = named.get(&key) {
                    out.push_str(value);
                } else {
                    // Not a placeholder we fill: left as written.
                    out.push('$');
                    out.push_str(&key);
                }
                i = j;
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    out
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
    "raw",
    "realtime",
    "recap",
    "rewind",
    "rollout",
    "settings",
    "setup-default-sandbox",
    "side",
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
    fn placeholders_are_filled() {
        assert_eq!(
            expand_prompt(
                "Fix $1 in $2; all: $ARGUMENTS; file $FILE; $$5; $UNKNOWN",
                "bug \"src/a b.rs\" FILE=x.rs"
            ),
            "Fix bug in src/a b.rs; all: bug src/a b.rs; file x.rs; $5; $UNKNOWN"
        );
        assert_eq!(expand_prompt("only $3.", "a b"), "only .");
    }

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
