//! A display-only summary of what a command does (read, list, search).

use codex_protocol::parse_command::ParsedCommand;

/// Classifies `argv`; `bash -lc` scripts are shown as one unknown command.
pub(crate) fn parse_command(argv: &[String]) -> Vec<ParsedCommand> {
    let cmd = display_command(argv);
    let Some(program) = argv.first() else {
        return vec![];
    };
    let name = program.rsplit('/').next().unwrap_or(program);
    let positional: Vec<&String> = argv[1..].iter().filter(|a| !a.starts_with('-')).collect();
    let parsed = match name {
        "cat" | "head" | "tail" | "nl" | "less" | "more" if !positional.is_empty() => {
            let file = positional[positional.len() - 1];
            ParsedCommand::Read {
                cmd,
                name: file.rsplit('/').next().unwrap_or(file).to_string(),
            }
        }
        "ls" | "tree" => ParsedCommand::ListFiles {
            cmd,
            path: positional.first().map(|s| s.to_string()),
        },
        "rg" | "grep" if argv.iter().any(|a| a == "--files") => ParsedCommand::ListFiles {
            cmd,
            path: positional.first().map(|s| s.to_string()),
        },
        "rg" | "grep" => ParsedCommand::Search {
            cmd,
            query: positional.first().map(|s| s.to_string()),
            path: positional.get(1).map(|s| s.to_string()),
        },
        _ => ParsedCommand::Unknown { cmd },
    };
    vec![parsed]
}

/// The command as a person would type it.
/// `argv` as one shell word list, quoted as the reference shows commands in
/// `exec --json`: a word that needs quoting is single-quoted, or, when it
/// holds a single quote, double-quoted with `\`, `"`, `$` and `` ` ``
/// escaped.
pub fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|word| quote_word(word))
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if word.is_empty() {
        "''".to_string()
    } else if word.chars().all(plain) {
        word.to_string()
    } else if !word.contains('\'') {
        format!("'{word}'")
    } else {
        let mut out = String::with_capacity(word.len() + 2);
        out.push('"');
        for c in word.chars() {
            if matches!(c, '\\' | '"' | '$' | '`') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    }
}

pub fn display_command(argv: &[String]) -> String {
    match argv {
        [shell, flag, script] if (flag == "-lc" || flag == "-c") && shell.ends_with("sh") => {
            script.clone()
        }
        _ => argv
            .iter()
            .map(|a| {
                if a.is_empty()
                    || a.contains(|c: char| c.is_whitespace() || "'\"$`\\|&;<>()*?".contains(c))
                {
                    format!("'{}'", a.replace('\'', r"'\''"))
                } else {
                    a.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn joins_as_the_reference_shows_commands() {
        assert_eq!(
            shell_join(&argv(&["/bin/bash", "-lc", "python3 -i -q"])),
            "/bin/bash -lc 'python3 -i -q'"
        );
        assert_eq!(
            shell_join(&argv(&[
                "/bin/bash",
                "-lc",
                r"printf 'alpha\nbeta\n' > notes.txt && cat notes.txt"
            ])),
            r#"/bin/bash -lc "printf 'alpha\\nbeta\\n' > notes.txt && cat notes.txt""#
        );
        assert_eq!(shell_join(&argv(&["echo", ""])), "echo ''");
    }

    #[test]
    fn classifies() {
        assert_eq!(
            parse_command(&argv(&["cat", "src/main.rs"])),
            vec![ParsedCommand::Read {
                cmd: "cat src/main.rs".into(),
                name: "main.rs".into()
            }]
        );
        assert!(matches!(&parse_command(&argv(&["rg", "foo", "src"]))[0],
            ParsedCommand::Search { query: Some(q), path: Some(p), .. } if q == "foo" && p == "src"));
        assert!(matches!(
            &parse_command(&argv(&["rg", "--files"]))[0],
            ParsedCommand::ListFiles { .. }
        ));
        assert_eq!(
            display_command(&argv(&["bash", "-lc", "ls | wc"])),
            "ls | wc"
        );
        assert_eq!(
            display_command(&argv(&["echo", "a b", "it's"])),
            "echo 'a b' 'it'\\''s'"
        );
    }
}
