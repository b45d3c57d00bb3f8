//! Custom prompts: each `$CODEX_HOME/prompts/NAME.md` is a command a
//! person runs by name (`/prompts:NAME` in the TUI, `/NAME` in an ACP
//! editor). A prompt's body may use `$1`…`$9` (the arguments, shell-style
//! quoting), `$ARGUMENTS` (all of them) and named `$KEY` placeholders filled
//! by `KEY=value` arguments; `$$` is a literal `$`. A front matter
//! `description:` line (or else the first line) describes it. Shared by the
//! frontends that offer them, so a prompt reads the same everywhere.

use std::collections::HashMap;
use std::path::Path;

/// A prompt file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomPrompt {
    /// The file's name without `.md`: `/prompts:NAME`.
    pub name: String,
    pub description: String,
    pub body: String,
}

/// The prompts in `dir` (`*.md`), sorted by name.
pub fn load_prompts(dir: &Path) -> Vec<CustomPrompt> {
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
pub fn expand_prompt(body: &str, args: &str) -> String {
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
}
