//! Which commands and patches may run without asking.

use std::path::{Path, PathBuf};

use codex_protocol::protocol::SandboxPolicy;
use codex_sandbox::writable_roots;

/// Commands that only read, run without approval under `untrusted`.
const SAFE_PROGRAMS: &[&str] = &[
    "cat", "cd", "cut", "echo", "expr", "false", "file", "grep", "head", "id", "ls", "nl", "pwd",
    "rg", "stat", "tail", "tr", "true", "uname", "uniq", "wc", "which", "whoami", "sort", "du",
    "df", "date", "basename", "dirname", "realpath", "printenv", "tree",
    // The rest of the reference's known-safe list.
    "seq", "paste", "rev", "tac", "numfmt", "base64",
];

/// Options that make an otherwise safe program write or execute.
const UNSAFE_OPTIONS: &[(&str, &[&str])] = &[
    (
        "find",
        &[
            "-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0",
            "-fprintf",
        ],
    ),
    ("rg", &["--pre", "--hostname-bin", "--search-zip", "-z"]),
    ("sort", &["-o", "--output"]),
    ("tree", &["-o"]),
    ("base64", &["-o", "--output"]),
];

const SAFE_GIT_SUBCOMMANDS: &[&str] = &[
    "status",
    "log",
    "diff",
    "show",
    "branch",
    "rev-parse",
    "ls-files",
    "blame",
];

/// Whether `argv` only reads (so `untrusted` runs it without asking). A
/// `bash -lc` script counts if it is a sequence (`&&`, `||`, `;`, `|`) of
/// such commands with no redirection or substitution.
pub(crate) fn is_known_safe_command(argv: &[String]) -> bool {
    match argv {
        [shell, flag, script]
            if matches!(shell.rsplit('/').next(), Some("bash" | "sh" | "zsh"))
                && (flag == "-lc" || flag == "-c") =>
        {
            match split_script(script) {
                Some(commands) => {
                    !commands.is_empty() && commands.iter().all(|c| is_safe_simple(c))
                }
                None => false,
            }
        }
        _ => is_safe_simple(argv),
    }
}

fn is_safe_simple(argv: &[String]) -> bool {
    let Some(program) = argv.first() else {
        return false;
    };
    let name = program.rsplit('/').next().unwrap_or(program);
    let args = &argv[1..];
    if let Some((_, bad)) = UNSAFE_OPTIONS.iter().find(|(p, _)| *p == name)
        && args.iter().any(|a| {
            bad.iter()
                .any(|b| a == b || a.starts_with(&format!("{b}=")))
        })
    {
        return false;
    }
    match name {
        "find" => true,
        "git" => {
            args.iter()
                .find(|a| !a.starts_with('-'))
                .is_some_and(|sub| SAFE_GIT_SUBCOMMANDS.contains(&sub.as_str()))
                && !args
                    .iter()
                    .any(|a| a == "--output" || a.starts_with("--output="))
        }
        // `sed -n 'X,Yp' file` only prints.
        "sed" => {
            args.len() >= 2
                && args[0] == "-n"
                && args[1].ends_with('p')
                && args[1][..args[1].len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ',')
        }
        _ => SAFE_PROGRAMS.contains(&name),
    }
}

/// Splits a script into simple commands at `&&`, `||`, `;` and `|`, with
/// quotes understood. None if it uses anything else (redirections,
/// substitutions, subshells, variables, background jobs).
fn split_script(script: &str) -> Option<Vec<Vec<String>>> {
    let mut commands = vec![Vec::new()];
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        other => word.push(other),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '$' | '`' | '\\' => return None,
                        other => word.push(other),
                    }
                }
            }
            ' ' | '\t' | '\n' => {
                if in_word {
                    commands.last_mut()?.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '&' | '|' | ';' => {
                if in_word {
                    commands.last_mut()?.push(std::mem::take(&mut word));
                    in_word = false;
                }
                if c == '&' && chars.next_if_eq(&'&').is_none() {
                    return None;
                }
                if c == '|' {
                    chars.next_if_eq(&'|');
                }
                commands.push(Vec::new());
            }
            '>' | '<' | '$' | '`' | '(' | ')' | '\\' | '*' | '?' | '{' | '}' | '~' | '!' => {
                return None;
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        commands.last_mut()?.push(word);
    }
    if commands.iter().any(Vec::is_empty) {
        return None;
    }
    Some(commands)
}

/// Whether every path in `paths` (absolute) may be written under `policy`:
/// inside a writable root and not inside a protected path (`.git`, `.codex`),
/// judged on the real location (symlinks resolved).
pub(crate) fn paths_writable_under(policy: &SandboxPolicy, cwd: &Path, paths: &[PathBuf]) -> bool {
    match policy {
        SandboxPolicy::DangerFullAccess => return true,
        SandboxPolicy::ReadOnly => return paths.is_empty(),
        SandboxPolicy::WorkspaceWrite { .. } => {}
    }
    let tmpdir = std::env::var_os("TMPDIR").map(PathBuf::from);
    let roots = writable_roots(policy, cwd, tmpdir.as_deref());
    paths.iter().all(|path| {
        let real = resolve_existing_prefix(path);
        roots.iter().any(|root| root.allows(&real))
    })
}

/// `path` with its longest existing prefix canonicalized.
fn resolve_existing_prefix(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut current = path.to_path_buf();
    loop {
        if let Ok(real) = std::fs::canonicalize(&current) {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (
            current.file_name().map(|n| n.to_os_string()),
            current.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                current = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn safe_and_unsafe_commands() {
        assert!(is_known_safe_command(&argv(&["ls", "-la"])));
        assert!(is_known_safe_command(&argv(&["git", "status"])));
        assert!(is_known_safe_command(&argv(&[
            "bash",
            "-lc",
            "rg -n 'fn main' src && wc -l src/lib.rs"
        ])));
        assert!(is_known_safe_command(&argv(&[
            "sed", "-n", "1,20p", "file"
        ])));
        assert!(is_known_safe_command(&argv(&["find", ".", "-name", "x"])));
        assert!(!is_known_safe_command(&argv(&["find", ".", "-delete"])));
        assert!(!is_known_safe_command(&argv(&["rm", "-rf", "x"])));
        assert!(!is_known_safe_command(&argv(&["git", "push"])));
        assert!(!is_known_safe_command(&argv(&[
            "bash",
            "-lc",
            "ls > out.txt"
        ])));
        assert!(!is_known_safe_command(&argv(&[
            "bash",
            "-lc",
            "echo $(rm x)"
        ])));
        assert!(!is_known_safe_command(&argv(&["bash", "-lc", "ls & rm x"])));
        assert!(!is_known_safe_command(&argv(&[
            "bash",
            "-lc",
            "ls && touch x"
        ])));
        assert!(!is_known_safe_command(&argv(&["sed", "-i", "s/a/b/", "f"])));
        assert!(!is_known_safe_command(&argv(&["rg", "--pre", "sh", "x"])));
        assert!(!is_known_safe_command(&[]));
        // The reference's list: `seq` and friends run without asking.
        assert!(is_known_safe_command(&argv(&["seq", "1", "10"])));
        assert!(is_known_safe_command(&argv(&[
            "bash",
            "-lc",
            "seq 5 | paste -sd+ | rev"
        ])));
        assert!(is_known_safe_command(&argv(&["base64", "file"])));
        assert!(!is_known_safe_command(&argv(&[
            "base64", "-o", "out", "file"
        ])));
    }

    #[test]
    fn patch_paths_against_policies() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().canonicalize().unwrap();
        std::fs::create_dir(cwd.join(".git")).unwrap();
        let policy = SandboxPolicy::WorkspaceWrite {
            writable_roots: vec![],
            network_access: false,
            exclude_tmpdir_env_var: true,
            exclude_slash_tmp: true,
        };
        assert!(paths_writable_under(
            &policy,
            &cwd,
            &[cwd.join("new/dir/file.rs")]
        ));
        assert!(!paths_writable_under(
            &policy,
            &cwd,
            &[cwd.join(".git/hooks/pre-commit")]
        ));
        assert!(!paths_writable_under(
            &policy,
            &cwd,
            &[PathBuf::from("/etc/passwd")]
        ));
        assert!(!paths_writable_under(
            &SandboxPolicy::ReadOnly,
            &cwd,
            &[cwd.join("a")]
        ));
        assert!(paths_writable_under(
            &SandboxPolicy::DangerFullAccess,
            &cwd,
            &[PathBuf::from("/etc/x")]
        ));
        // A symlinked directory pointing outside does not count as inside.
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), cwd.join("link")).unwrap();
        assert!(!paths_writable_under(
            &policy,
            &cwd,
            &[cwd.join("link/new.txt")]
        ));
    }
}
