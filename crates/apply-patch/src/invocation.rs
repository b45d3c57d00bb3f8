//! Recognizing `apply_patch` in a command the model asked to run.
//!
//! Models often "run" a patch as a shell command instead of calling the tool:
//! `["apply_patch", PATCH]`, or a shell script such as
//! `bash -lc "cd sub && apply_patch <<'EOF'\n...\nEOF\n"`. The engine
//! intercepts these and applies them as patches, so that they get the same
//! approval, atomicity and reporting as the tool.

use std::path::PathBuf;

/// What a command line turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// An apply_patch call: the patch and the directory it runs in, if the
    /// script changed directory first (relative to the command's workdir).
    Patch {
        patch: String,
        workdir: Option<PathBuf>,
    },
    /// Clearly an apply_patch call, but malformed; the message says how.
    Malformed(String),
    /// Something else.
    NotApplyPatch,
}

const NAMES: [&str; 2] = ["apply_patch", "applypatch"];
const SHELLS: [&str; 3] = ["bash", "sh", "zsh"];

/// Classifies `argv`.
pub fn parse_invocation(argv: &[String]) -> Invocation {
    match argv {
        [name, patch] if NAMES.contains(&name.as_str()) => Invocation::Patch {
            patch: patch.clone(),
            workdir: None,
        },
        [name] if NAMES.contains(&name.as_str()) => {
            Invocation::Malformed("apply_patch needs the patch as its argument".to_string())
        }
        [shell, flag, script]
            if SHELLS.contains(&basename(shell)) && (flag == "-lc" || flag == "-c") =>
        {
            parse_script(script)
        }
        _ => Invocation::NotApplyPatch,
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `[cd DIR &&] apply_patch <<'DELIM'\nBODY\nDELIM`
fn parse_script(script: &str) -> Invocation {
    let mut rest = script.trim_start();
    let mut workdir = None;
    if let Some(after_cd) = rest.strip_prefix("cd ") {
        let after_cd = after_cd.trim_start();
        let Some((dir, after_dir)) = take_word(after_cd) else {
            return Invocation::NotApplyPatch;
        };
        let Some(after_and) = after_dir.trim_start().strip_prefix("&&") else {
            return Invocation::NotApplyPatch;
        };
        workdir = Some(PathBuf::from(dir));
        rest = after_and.trim_start();
    }
    let Some(after_name) = NAMES.iter().find_map(|name| rest.strip_prefix(name)) else {
        return Invocation::NotApplyPatch;
    };
    if after_name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Invocation::NotApplyPatch;
    }
    let after_name = after_name.trim_start_matches([' ', '\t']);
    let Some(heredoc) = after_name.strip_prefix("<<") else {
        return Invocation::Malformed(
            "apply_patch in a shell command must take the patch from a heredoc: apply_patch <<'EOF' ... EOF".to_string(),
        );
    };
    let heredoc = heredoc
        .strip_prefix('-')
        .unwrap_or(heredoc)
        .trim_start_matches([' ', '\t']);
    let (first_line, body) = heredoc.split_once('\n').unwrap_or((heredoc, ""));
    let Some((delimiter, after_delim)) = take_word(first_line.trim_end()) else {
        return Invocation::Malformed("the heredoc has no delimiter".to_string());
    };
    if !after_delim.trim().is_empty() {
        return Invocation::Malformed(format!(
            "unexpected text after the heredoc delimiter: '{}'",
            after_delim.trim()
        ));
    }
    let mut patch_lines = Vec::new();
    let mut lines = body.lines();
    let mut closed = false;
    for line in lines.by_ref() {
        if line.trim() == delimiter {
            closed = true;
            break;
        }
        patch_lines.push(line);
    }
    if !closed {
        return Invocation::Malformed(format!("the heredoc is not closed by a line '{delimiter}'"));
    }
    if lines.any(|line| !line.trim().is_empty()) {
        return Invocation::Malformed(
            "apply_patch must be the last command of the script".to_string(),
        );
    }
    Invocation::Patch {
        patch: patch_lines.join("\n"),
        workdir,
    }
}

/// A shell word: `'quoted'`, `"quoted"` or bare. Returns it and the rest.
fn take_word(s: &str) -> Option<(String, &str)> {
    let mut chars = s.char_indices();
    match chars.next()? {
        (_, quote @ ('\'' | '"')) => {
            let end = s[1..].find(quote)? + 1;
            Some((s[1..end].to_string(), &s[end + 1..]))
        }
        _ => {
            let end = s
                .find(|c: char| c.is_whitespace() || c == '&' || c == ';')
                .unwrap_or(s.len());
            (end > 0).then(|| (s[..end].to_string(), &s[end..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn argv(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    const PATCH: &str = "*** Begin Patch\n*** Add File: a\n+x\n*** End Patch";

    #[test]
    fn direct_calls() {
        assert_eq!(
            parse_invocation(&argv(&["apply_patch", PATCH])),
            Invocation::Patch {
                patch: PATCH.into(),
                workdir: None
            }
        );
        assert!(matches!(
            parse_invocation(&argv(&["applypatch"])),
            Invocation::Malformed(_)
        ));
        assert_eq!(
            parse_invocation(&argv(&["ls", "-l"])),
            Invocation::NotApplyPatch
        );
    }

    #[test]
    fn heredoc_scripts() {
        for script in [
            format!("apply_patch <<'EOF'\n{PATCH}\nEOF\n"),
            format!("apply_patch <<\"EOF\"\n{PATCH}\nEOF"),
            format!("  apply_patch <<PATCH\n{PATCH}\nPATCH\n"),
        ] {
            assert_eq!(
                parse_invocation(&argv(&["bash", "-lc", &script])),
                Invocation::Patch {
                    patch: PATCH.into(),
                    workdir: None
                },
                "{script}"
            );
        }
        assert_eq!(
            parse_invocation(&argv(&[
                "/bin/bash",
                "-c",
                &format!("cd 'my dir' && apply_patch <<'EOF'\n{PATCH}\nEOF")
            ])),
            Invocation::Patch {
                patch: PATCH.into(),
                workdir: Some("my dir".into())
            }
        );
    }

    #[test]
    fn near_misses() {
        assert_eq!(
            parse_invocation(&argv(&["bash", "-lc", "apply_patch_helper <<EOF\nx\nEOF"])),
            Invocation::NotApplyPatch
        );
        assert_eq!(
            parse_invocation(&argv(&[
                "bash",
                "-lc",
                "echo hi && apply_patch <<EOF\nx\nEOF"
            ])),
            Invocation::NotApplyPatch
        );
        assert!(matches!(
            parse_invocation(&argv(&["bash", "-lc", "apply_patch <<'EOF'\nbody\n"])),
            Invocation::Malformed(m) if m.contains("not closed")
        ));
        assert!(matches!(
            parse_invocation(&argv(&["bash", "-lc", "apply_patch <<EOF\nx\nEOF\nrm -rf /\n"])),
            Invocation::Malformed(m) if m.contains("last command")
        ));
        assert!(matches!(
            parse_invocation(&argv(&["bash", "-lc", "apply_patch patch.diff"])),
            Invocation::Malformed(_)
        ));
    }
}
