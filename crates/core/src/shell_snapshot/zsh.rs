//! The zsh snapshot: what differs from bash's.
//!
//! zsh has no `BASH_ENV`, but every zsh reads `$ZDOTDIR/.zshenv` before
//! its script (unless told to read nothing), after `/etc/zshenv`. So the
//! snapshot is the `.zshenv` of a directory of its own, and `zsh -lc
//! SCRIPT` becomes `zsh -c SCRIPT` with `ZDOTDIR` naming that directory:
//! the script is parsed after the snapshot is read, so its aliases work.
//! The snapshot sets `ZDOTDIR` back to what the person had (or unsets it),
//! so the zsh shells the command starts read the person's own files.

/// The file zsh reads in `$ZDOTDIR`.
pub(super) const ZSHENV: &str = ".zshenv";

/// Run by `zsh -lic` once the profile and rc files have been read: writes
/// each part after a marker line to the file named by `$1`, for [`render`]
/// to filter. History is not saved.
pub(super) const DUMP_SCRIPT: &str = r#"unset HISTFILE
{
  print -r -- '@@codex-options'
  setopt
  print -r -- '@@codex-functions'
  typeset -f
  print -r -- '@@codex-aliases'
  alias -L
  print -r -- '@@codex-exports'
  for __codex_name in ${(k)parameters[(R)*export*]}; do
    print -r -- "export $__codex_name=${(q+)${(P)__codex_name}}"
  done
  print -r -- '@@codex-end'
} > "$1"
"#;

/// Options that describe how the snapshot's shell was started, not what
/// the person chose (zsh refuses to set most of them in a script).
const STARTUP_OPTIONS: &[&str] = &[
    "interactive",
    "login",
    "shinstdin",
    "zle",
    "monitor",
    "singlecommand",
    "privileged",
    "restricted",
    "rcs",
    "globalrcs",
];

/// The snapshot from the shell's dump (`None` if the dump is not whole).
/// `zdotdir` is the person's own `ZDOTDIR`, which the snapshot restores.
/// `restored` says which exported variables the snapshot sets.
pub(super) fn render(
    raw: &str,
    zdotdir: Option<&str>,
    restored: impl Fn(&str) -> bool,
) -> Option<String> {
    let sections = super::dump_sections(raw, &["options", "functions", "aliases", "exports"])?;
    let section = |name: &str| sections.get(name).cloned().unwrap_or_default();
    let mut out = String::from(
        "# The login shell's options, functions, aliases and exported variables,\n\
         # taken by codex at session start; read (as $ZDOTDIR/.zshenv) before\n\
         # each command instead of the profile. Removed when the session ends.\n",
    );
    for option in section("options") {
        let option = option.trim();
        let name = option.strip_prefix("no").unwrap_or(option);
        if !option.is_empty() && !STARTUP_OPTIONS.contains(&name) {
            out.push_str(&format!("setopt {option} 2>/dev/null\n"));
        }
    }
    // zsh's own default aliases (`run-help`) would turn the definitions
    // of functions of the same name into parse errors: none while they are
    // read.
    out.push_str("unalias -m '*' 2>/dev/null\n");
    for line in section("functions") {
        out.push_str(line);
        out.push('\n');
    }
    for line in section("aliases") {
        out.push_str(line);
        out.push('\n');
    }
    for line in section("exports") {
        let name = line
            .strip_prefix("export ")
            .and_then(|rest| rest.split('=').next())
            .unwrap_or_default();
        if !name.is_empty() && name != "ZDOTDIR" && restored(name) {
            out.push_str(line);
            out.push_str(" 2>/dev/null\n");
        }
    }
    match zdotdir {
        Some(dir) => out.push_str(&format!("export ZDOTDIR={}\n", single_quoted(dir))),
        None => out.push_str("unset ZDOTDIR\n"),
    }
    out.push_str("true\n");
    Some(out)
}

/// `text` in single quotes, for any shell.
fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_keeps_the_persons_setup_and_restores_zdotdir() {
        let raw = "@@codex-options\nautocd\ninteractive\nnolog\nmonitor\n\
                   @@codex-functions\ngreet () {\n\techo hi\n}\n\
                   @@codex-aliases\nalias ll='ls -l'\n\
                   @@codex-exports\nexport FOO=bar\nexport ZDOTDIR=/snap\nexport CODEX_HOME=/h\n\
                   @@codex-end\n";
        let text = render(raw, Some("/home/me/zsh"), |name| name != "CODEX_HOME").unwrap();
        assert!(text.contains("setopt autocd 2>/dev/null\n"), "{text}");
        assert!(text.contains("setopt nolog 2>/dev/null\n"), "{text}");
        assert!(!text.contains("interactive") && !text.contains("monitor"));
        assert!(text.contains("greet () {\n\techo hi\n}\n"));
        assert!(text.contains("alias ll='ls -l'\n"));
        assert!(text.contains("export FOO=bar 2>/dev/null\n"));
        assert!(!text.contains("CODEX_HOME") && !text.contains("/snap"));
        assert!(
            text.ends_with("export ZDOTDIR='/home/me/zsh'\ntrue\n"),
            "{text}"
        );
        let text = render(raw, None, |_| true).unwrap();
        assert!(text.ends_with("unset ZDOTDIR\ntrue\n"), "{text}");
        assert_eq!(render("@@codex-options\nautocd\n", None, |_| true), None);
    }
}
