//! The simple commands of a shell script, found with a real bash parser
//! (tree-sitter-bash), so that a rule sees `git push` inside
//! `bash -lc "cd x && git push"` wherever the script puts it: after `&&`,
//! in a pipeline, a subshell, a `$(…)`, an `if` or a loop.
//!
//! A word counts only when its text is known without running anything
//! (plain, quoted, escaped, or a concatenation of those); a command stops
//! at its first word that is not (`git push "$REMOTE"` is seen as
//! `git push`), and one whose program is not known is skipped. A script is
//! *plain* when it is nothing but such commands, all of whose words are
//! known, joined by `&&`, `||`, `;`, `|` or newlines — only a plain script
//! can be allowed as a whole.

use tree_sitter::{Node, Parser};

/// What a script runs, as far as it can be known before running it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScriptCommands {
    /// Every simple command with a known program, in source order, cut at
    /// its first unknown word.
    pub commands: Vec<Vec<String>>,
    /// Whether the script is plain (see the module comment).
    pub plain: bool,
}

/// The program and script of `bash -c SCRIPT`, `bash -lc SCRIPT`, `sh -c`,
/// `zsh -lc` and the like (by absolute path too).
pub fn shell_script(argv: &[String]) -> Option<&str> {
    let [shell, flag, script] = argv else {
        return None;
    };
    let name = shell.rsplit('/').next().unwrap_or(shell);
    let is_shell = matches!(name, "bash" | "sh" | "zsh" | "dash");
    (is_shell && matches!(flag.as_str(), "-c" | "-lc")).then_some(script.as_str())
}

/// Parses `script`; `None` if the parser itself cannot run.
pub fn parse_script(script: &str) -> Option<ScriptCommands> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_bash::LANGUAGE.into())
        .ok()?;
    let tree = parser.parse(script, None)?;
    let root = tree.root_node();
    let mut found = ScriptCommands {
        commands: Vec::new(),
        plain: !root.has_error(),
    };
    walk(root, script.as_bytes(), &mut found);
    if found.commands.is_empty() {
        found.plain = false;
    }
    Some(found)
}

/// Node kinds a plain script may contain besides its commands.
const PLAIN_STRUCTURE: &[&str] = &["program", "list", "pipeline", "comment"];

fn walk(node: Node, source: &[u8], found: &mut ScriptCommands) {
    if node.kind() == "command" {
        let (words, complete) = command_words(node, source);
        if !complete {
            found.plain = false;
        }
        if !words.is_empty() {
            found.commands.push(words);
        }
        // Substitutions inside the words run too.
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            walk_nested(child, source, found);
        }
        return;
    }
    if node.is_named() && !PLAIN_STRUCTURE.contains(&node.kind()) {
        found.plain = false;
    }
    if !node.is_named() && !matches!(node.kind(), "&&" | "||" | ";" | "|" | "\n" | "") {
        found.plain = false;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        walk(child, source, found);
    }
}

/// Commands nested inside a command's words (`$(…)`, `<(…)`).
fn walk_nested(node: Node, source: &[u8], found: &mut ScriptCommands) {
    if node.kind() == "command" {
        let was_plain = found.plain;
        walk(node, source, found);
        found.plain = was_plain && found.plain;
        return;
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        walk_nested(child, source, found);
    }
}

/// The known words of a command (cut at the first unknown one) and whether
/// the command is plain: every word known, no assignments or redirections.
fn command_words(node: Node, source: &[u8]) -> (Vec<String>, bool) {
    let mut words = Vec::new();
    let mut complete = true;
    let mut cut = false;
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        let word_node = match child.kind() {
            "command_name" => child.named_child(0),
            "variable_assignment"
            | "file_redirect"
            | "herestring_redirect"
            | "heredoc_redirect" => {
                complete = false;
                continue;
            }
            _ => Some(child),
        };
        let text = word_node.and_then(|w| word_text(w, source));
        match text {
            Some(text) if !cut => words.push(text),
            Some(_) => {}
            None => {
                complete = false;
                cut = true;
            }
        }
    }
    (words, complete)
}

/// The text of a word whose value does not depend on running anything.
fn word_text(node: Node, source: &[u8]) -> Option<String> {
    let raw = node.utf8_text(source).ok()?;
    match node.kind() {
        "word" | "number" => Some(unescape_unquoted(raw)),
        "raw_string" => raw
            .strip_prefix('\'')
            .and_then(|r| r.strip_suffix('\''))
            .map(str::to_string),
        "string" => {
            let mut cursor = node.walk();
            let only_text = node
                .named_children(&mut cursor)
                .all(|c| c.kind() == "string_content");
            if !only_text {
                return None;
            }
            let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
            Some(unescape_double_quoted(inner))
        }
        "concatenation" => {
            let mut cursor = node.walk();
            let mut text = String::new();
            for part in node.children(&mut cursor) {
                text.push_str(&word_text(part, source)?);
            }
            Some(text)
        }
        _ => None,
    }
}

/// `a\ b` → `a b`: outside quotes a backslash keeps the next character.
fn unescape_unquoted(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next()
                && next != '\n'
            {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Inside double quotes a backslash escapes only `$`, `` ` ``, `"`, `\`
/// and a newline.
fn unescape_double_quoted(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('$' | '`' | '"' | '\\') => {
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                }
                Some('\n') => {
                    chars.next();
                }
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn words(list: &[&[&str]]) -> Vec<Vec<String>> {
        list.iter()
            .map(|c| c.iter().map(|w| w.to_string()).collect())
            .collect()
    }

    fn parse(script: &str) -> ScriptCommands {
        parse_script(script).unwrap()
    }

    #[test]
    fn plain_lists_and_pipelines() {
        let found = parse("cd x && git push origin main; ls -l | wc -l || echo 'a b' \"c d\"");
        assert!(found.plain);
        assert_eq!(
            found.commands,
            words(&[
                &["cd", "x"],
                &["git", "push", "origin", "main"],
                &["ls", "-l"],
                &["wc", "-l"],
                &["echo", "a b", "c d"],
            ])
        );
    }

    #[test]
    fn commands_hidden_in_structure_are_found_but_not_plain() {
        for (script, hidden) in [
            ("(cd x; git push)", &["git", "push"][..]),
            ("echo $(git push)", &["git", "push"]),
            ("if true; then git push; fi", &["git", "push"]),
            ("for i in 1; do git push; done", &["git", "push"]),
            ("git push > /dev/null", &["git", "push"]),
            ("FOO=1 git push", &["git", "push"]),
            ("git push \"$REMOTE\" main", &["git", "push"]),
        ] {
            let found = parse(script);
            assert!(!found.plain, "{script}");
            assert!(
                found.commands.iter().any(|c| c == hidden),
                "{script}: {:?}",
                found.commands
            );
        }
    }

    #[test]
    fn quoting_and_escapes_do_not_disguise_a_word() {
        let found = parse("g\\it pu'sh' \"or\"ig\\ in");
        assert!(found.plain);
        assert_eq!(found.commands, words(&[&["git", "push", "orig in"]]));
    }

    #[test]
    fn an_unknown_program_is_skipped() {
        let found = parse("$GIT push; ls");
        assert!(!found.plain);
        assert_eq!(found.commands, words(&[&["ls"]]));
    }

    #[test]
    fn shell_wrappers() {
        let argv = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(shell_script(&argv(&["bash", "-lc", "ls"])), Some("ls"));
        assert_eq!(shell_script(&argv(&["/bin/sh", "-c", "ls"])), Some("ls"));
        assert_eq!(shell_script(&argv(&["bash", "-x", "ls"])), None);
        assert_eq!(shell_script(&argv(&["python", "-c", "ls"])), None);
    }
}
