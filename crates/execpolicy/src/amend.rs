//! "Always allow commands starting with …": appending an allow rule to
//! `$CODEX_HOME/rules/default.rules`, keeping whatever the file already
//! says (comments included). The file is private (0600, its directory
//! 0700) and written with one append, so a concurrent reader sees the old
//! file or the new one.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The file amendments go to, inside a rules directory.
pub const DEFAULT_RULES_FILE: &str = "default.rules";

/// Appends `prefix_rule(pattern=[...], decision="allow")` for `prefix` to
/// `rules_dir/default.rules`; returns the file's path.
pub fn append_allow_rule(rules_dir: &Path, prefix: &[String]) -> std::io::Result<PathBuf> {
    if prefix.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "an amendment needs at least one word",
        ));
    }
    create_private_dir(rules_dir)?;
    let path = rules_dir.join(DEFAULT_RULES_FILE);
    let mut file = open_private_append(&path)?;
    let needs_newline = std::fs::read(&path)
        .map(|text| !text.is_empty() && !text.ends_with(b"\n"))
        .unwrap_or(false);
    let words: Vec<String> = prefix.iter().map(|w| starlark_string(w)).collect();
    let line = format!(
        "{}prefix_rule(pattern=[{}], decision=\"allow\")\n",
        if needs_newline { "\n" } else { "" },
        words.join(", ")
    );
    file.write_all(line.as_bytes())?;
    file.sync_all()?;
    Ok(path)
}

/// A Starlark string literal for `word`.
fn starlark_string(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('"');
    for c in word.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

fn open_private_append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decision;
    use crate::loader::{load_files, rule_files_in};

    #[test]
    fn appends_keeps_comments_and_is_obeyed() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("rules");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(
            dir.join("default.rules"),
            "# my rules\nprefix_rule(pattern=[\"ls\"])",
        )
        .unwrap();
        let words = vec!["touch".to_string(), "a \"b\"".to_string()];
        let path = append_allow_rule(&dir, &words).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "# my rules\nprefix_rule(pattern=[\"ls\"])\nprefix_rule(pattern=[\"touch\", \"a \\\"b\\\"\"], decision=\"allow\")\n"
        );
        let policy = load_files(&rule_files_in(&[dir])).unwrap();
        let verdict = policy.check(&[words[0].clone(), words[1].clone(), "c".into()], false);
        assert_eq!(verdict.decision, Some(Decision::Allow));
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_and_directory_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("rules");
        let path = append_allow_rule(&dir, &["cargo".to_string()]).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert!(append_allow_rule(&dir, &[]).is_err());
    }
}
