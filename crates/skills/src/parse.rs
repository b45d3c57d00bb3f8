//! One `SKILL.md`: its front matter, parsed as YAML, and the checks the
//! reference makes (a `---` block first, a `description`, a name of at most
//! 64 characters).
//!
//! YAML is parsed strictly first. Front matter written by hand often has a
//! plain value YAML refuses (`description: Use when: the build fails`,
//! `description: [draft`); the reference shows such values as written, so a
//! file that fails is parsed once more with each top-level plain value
//! quoted. Only if that fails too is the file an error, reported with the
//! first parse's message and line.

use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

use crate::SkillLoadError;

/// A name longer than this is an error.
pub const MAX_NAME_CHARS: usize = 64;
/// A description longer than this is cut (with `...`).
pub const MAX_DESCRIPTION_CHARS: usize = 1024;

/// What a `SKILL.md` declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatter {
    pub name: String,
    pub description: String,
    pub short_description: Option<String>,
}

/// Parses the text of the `SKILL.md` at `path` (whose folder names the
/// skill when the front matter does not).
pub fn parse_skill_file(path: &Path, text: &str) -> Result<FrontMatter, SkillLoadError> {
    let error = |line: Option<usize>, message: String| SkillLoadError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let (yaml_text, first_line) = front_matter(text).ok_or_else(|| {
        error(
            Some(1),
            "no YAML front matter: the file must start with a `---` line, then `name:` and `description:`, then `---`".to_string(),
        )
    })?;
    let doc = match YamlLoader::load_from_str(yaml_text) {
        Ok(docs) => docs.into_iter().next(),
        Err(strict) => match YamlLoader::load_from_str(&quote_plain_values(yaml_text)) {
            Ok(docs) => docs.into_iter().next(),
            Err(_) => {
                return Err(error(
                    Some(first_line + strict.marker().line().saturating_sub(1)),
                    format!("invalid YAML in the front matter: {}", strict.info()),
                ));
            }
        },
    };
    let map = match doc {
        Some(Yaml::Hash(map)) => map,
        None | Some(Yaml::Null) => yaml_rust2::yaml::Hash::new(),
        Some(_) => {
            return Err(error(
                Some(first_line),
                "the front matter must be `key: value` lines".to_string(),
            ));
        }
    };
    let field = |key: &str| map.get(&Yaml::String(key.to_string()));
    let key_line = |key: &str| line_of_key(yaml_text, key).map(|l| first_line + l);

    let name = match field("name").map(scalar_text) {
        Some(Some(name)) if !name.trim().is_empty() => name.trim().to_string(),
        Some(None) => {
            return Err(error(
                key_line("name"),
                "`name` must be a string".to_string(),
            ));
        }
        _ => folder_name(path),
    };
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(error(
            key_line("name"),
            format!("invalid name: longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    let description = match field("description").map(scalar_text) {
        Some(Some(text)) if !text.trim().is_empty() => one_line(&text),
        Some(None) => {
            return Err(error(
                key_line("description"),
                "`description` must be a string".to_string(),
            ));
        }
        _ => {
            return Err(error(
                key_line("description").or(Some(first_line)),
                "missing `description` (say what the skill does and when to use it)".to_string(),
            ));
        }
    };
    let short_description = field("metadata")
        .and_then(|m| m.as_hash())
        .and_then(|m| m.get(&Yaml::String("short-description".to_string())))
        .and_then(scalar_text)
        .map(|text| one_line(&text))
        .filter(|text| !text.is_empty());
    Ok(FrontMatter {
        name,
        description: cap_description(description),
        short_description,
    })
}

/// The YAML between the opening `---` (the file's first line) and the
/// closing one, with the file line its first line is on.
fn front_matter(text: &str) -> Option<(&str, usize)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let start = first.len();
    let mut offset = start;
    for line in lines {
        if line.trim_end() == "---" {
            return Some((&text[start..offset], 2));
        }
        offset += line.len();
    }
    None
}

/// The front matter with each top-level plain `key: value` quoted.
fn quote_plain_values(yaml: &str) -> String {
    let mut out = String::with_capacity(yaml.len() + 16);
    for line in yaml.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let ending = &line[body.len()..];
        match split_top_level_pair(body) {
            Some((key, value)) if is_plain(value) => {
                out.push_str(key);
                out.push_str(": '");
                out.push_str(&value.trim_end().replace('\'', "''"));
                out.push('\'');
                out.push_str(ending);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// `key: value` at column 0 with a simple key.
fn split_top_level_pair(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let simple_key = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let value = value.strip_prefix([' ', '\t'])?.trim_start();
    (simple_key && !value.is_empty()).then_some((key, value))
}

/// A value that was meant as text, not as YAML syntax of its own (quotes,
/// block scalars, aliases, anchors, tags, comments keep their meaning).
fn is_plain(value: &str) -> bool {
    !value.starts_with(['"', '\'', '|', '>', '*', '&', '!', '#'])
}

/// The text of a scalar (numbers and booleans as written), none for a
/// list or a map.
fn scalar_text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(text) | Yaml::Real(text) => Some(text.clone()),
        Yaml::Integer(n) => Some(n.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        Yaml::Null => Some(String::new()),
        _ => None,
    }
}

/// Line breaks (and the indentation after them) become single spaces.
pub fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn cap_description(text: String) -> String {
    if text.chars().count() <= MAX_DESCRIPTION_CHARS {
        return text;
    }
    let mut capped: String = text.chars().take(MAX_DESCRIPTION_CHARS - 3).collect();
    capped.push_str("...");
    capped
}

/// The 0-based line of the top-level `key:` in the front matter.
fn line_of_key(yaml: &str, key: &str) -> Option<usize> {
    yaml.lines().position(|line| {
        line.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

fn folder_name(path: &Path) -> String {
    path.parent()
        .and_then(Path::file_name)
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `policy.allow_implicit_invocation` of a skill's `agents/openai.yaml`
/// (true when the file or the key is missing or unreadable).
pub fn allow_implicit_invocation(openai_yaml: &str) -> bool {
    let Ok(docs) = YamlLoader::load_from_str(openai_yaml) else {
        return true;
    };
    let Some(doc) = docs.first() else {
        return true;
    };
    !matches!(
        doc["policy"]["allow_implicit_invocation"],
        Yaml::Boolean(false)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn parse(text: &str) -> Result<FrontMatter, SkillLoadError> {
        parse_skill_file(Path::new("/s/my-skill/SKILL.md"), text)
    }

    #[test]
    fn reads_name_and_description() {
        let fm = parse("---\nname: demo\ndescription: Does things.\n---\nbody\n").unwrap();
        assert_eq!(fm.name, "demo");
        assert_eq!(fm.description, "Does things.");
    }

    #[test]
    fn crlf_and_folded_text() {
        let fm = parse("---\r\nname: a\r\ndescription: b\r\n---\r\n").unwrap();
        assert_eq!((fm.name.as_str(), fm.description.as_str()), ("a", "b"));
        let fm = parse("---\nname: a\ndescription: |\n  one\n  two\n---\n").unwrap();
        assert_eq!(fm.description, "one two");
        let fm = parse("---\nname: a\ndescription: one\n  two\n---\n").unwrap();
        assert_eq!(fm.description, "one two");
    }

    #[test]
    fn missing_name_falls_back_to_the_folder() {
        let fm = parse("---\nname:\ndescription: d\n---\n").unwrap();
        assert_eq!(fm.name, "my-skill");
        let fm = parse("---\ndescription: d\n---\n").unwrap();
        assert_eq!(fm.name, "my-skill");
    }

    #[test]
    fn lenient_plain_values_are_shown_as_written() {
        let fm = parse("---\nname: x\ndescription: [unclosed\n---\n").unwrap();
        assert_eq!(fm.description, "[unclosed");
        let fm = parse("---\nname: x\ndescription: Use when: it's broken\n---\n").unwrap();
        assert_eq!(fm.description, "Use when: it's broken");
        let fm = parse("---\nname: x\ndescription: 42\n---\n").unwrap();
        assert_eq!(fm.description, "42");
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("no front matter\n").unwrap_err();
        assert_eq!(err.line, Some(1));
        assert!(err.message.contains("---"), "{}", err.message);
        let err = parse("\n---\nname: a\ndescription: b\n---\n").unwrap_err();
        assert_eq!(err.line, Some(1));
        let err = parse("---\nname: a\n").unwrap_err();
        assert_eq!(err.line, Some(1));

        let err = parse("---\nname: a\n---\nbody\n").unwrap_err();
        assert!(err.message.contains("description"), "{}", err.message);
        let err = parse("---\nname: a\ndescription: \"\"\n---\n").unwrap_err();
        assert_eq!(err.line, Some(3));

        let long = "x".repeat(65);
        let err = parse(&format!("---\nname: {long}\ndescription: d\n---\n")).unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("64"), "{}", err.message);

        let err = parse("---\nname: a\ndescription: \"open\n  b: : c\n---\n").unwrap_err();
        assert!(err.message.contains("invalid YAML"), "{}", err.message);
        assert!(err.line.is_some_and(|l| l >= 3), "{err}");
        let err = parse("---\nname: a\ndescription: *nothing\n---\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
    }

    #[test]
    fn long_descriptions_are_capped() {
        let fm = parse(&format!(
            "---\nname: a\ndescription: {}\n---\n",
            "y".repeat(1100)
        ))
        .unwrap();
        assert_eq!(fm.description.chars().count(), 1024);
        assert!(fm.description.ends_with("yyy..."));
    }

    #[test]
    fn short_description_from_metadata() {
        let fm = parse("---\nname: a\ndescription: b\nmetadata:\n  short-description: s\n---\n")
            .unwrap();
        assert_eq!(fm.short_description.as_deref(), Some("s"));
    }

    #[test]
    fn implicit_invocation_policy() {
        assert!(!allow_implicit_invocation(
            "policy:\n  allow_implicit_invocation: false\n"
        ));
        assert!(allow_implicit_invocation("interface:\n  display_name: X\n"));
        assert!(allow_implicit_invocation("[broken"));
    }
}
