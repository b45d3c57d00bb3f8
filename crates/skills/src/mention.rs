//! `$name` and `[$name](path)` in what the user typed, and the message that
//! hands the model a named skill's whole `SKILL.md`.
//!
//! The reference's rules: a name is letters, digits, `_`, `-` and `:` (so
//! `$beta.` names `beta`); it must name exactly one enabled skill — an
//! unknown or ambiguous name, or a disabled skill, injects nothing; the
//! linked form picks the skill whose absolute path it gives, and nothing if
//! none has it. A skill left out of the list by the budget, or kept out of
//! it by its own policy, can still be named. The messages follow the list's
//! order, not the order of the mentions, linked mentions first (as the
//! reference orders them).

use std::path::Path;

use crate::Skill;
use crate::settings::same_file;

/// The skills `text` names, each once: those named by a link, then the
/// others, each group in list order.
pub fn mentioned_skills<'a>(text: &str, skills: &'a [Skill]) -> Vec<&'a Skill> {
    let mut chosen = vec![None; skills.len()];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' || (i > 0 && is_word_byte(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let start = i + 1;
        let end = start
            + bytes[start..]
                .iter()
                .take_while(|b| is_name_byte(**b))
                .count();
        if end == start {
            i += 1;
            continue;
        }
        let name = &text[start..end];
        let linked = (i > 0 && bytes[i - 1] == b'[')
            .then(|| link_target(&text[end..]))
            .flatten();
        let matching: Vec<usize> = skills
            .iter()
            .enumerate()
            .filter(|(_, s)| s.enabled && s.name == name)
            .map(|(index, _)| index)
            .collect();
        match linked {
            Some(target) => {
                let target = Path::new(target);
                if target.is_absolute()
                    && let Some(&index) = matching
                        .iter()
                        .find(|&&index| same_file(&skills[index].path, target))
                {
                    chosen[index] = Some(Group::Linked);
                }
            }
            None => {
                if let [index] = matching[..] {
                    chosen[index].get_or_insert(Group::Plain);
                }
            }
        }
        i = end;
    }
    let mut named: Vec<(Group, &Skill)> = skills
        .iter()
        .zip(chosen)
        .filter_map(|(skill, group)| Some((group?, skill)))
        .collect();
    // Stable: list order inside each group.
    named.sort_by_key(|(group, _)| *group);
    named.into_iter().map(|(_, skill)| skill).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Linked,
    Plain,
}

/// For `](path)` right after a linked name: the path.
fn link_target(rest: &str) -> Option<&str> {
    let rest = rest.strip_prefix("](")?;
    let end = rest.find(')')?;
    Some(rest[..end].trim())
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':')
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The user message carrying a named skill: its name, its path, then its
/// whole file as it is on disk.
pub fn skill_message_text(skill: &Skill, contents: &str) -> String {
    format!(
        "<skill>\n<name>{}</name>\n<path>{}</path>\n{contents}\n</skill>",
        skill.name,
        skill.path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SkillScope;
    use pretty_assertions::assert_eq;
    use std::path::PathBuf;

    fn skill(name: &str, path: &str) -> Skill {
        Skill {
            name: name.to_string(),
            description: "d".to_string(),
            short_description: None,
            path: PathBuf::from(path),
            root: 0,
            scope: SkillScope::User,
            allow_implicit_invocation: true,
            enabled: true,
        }
    }

    fn names(text: &str, skills: &[Skill]) -> Vec<String> {
        mentioned_skills(text, skills)
            .into_iter()
            .map(|s| s.path.display().to_string())
            .collect()
    }

    #[test]
    fn plain_mentions_follow_the_reference() {
        let skills = vec![
            skill("My_Skill", "/s/My_Skill/SKILL.md"),
            skill("alpha-x", "/s/alpha-x/SKILL.md"),
            skill("beta", "/s/beta/SKILL.md"),
            skill("delta", "/s/delta/SKILL.md"),
            skill("dup", "/s/dup1/SKILL.md"),
            skill("dup", "/s/dup2/SKILL.md"),
            skill("gamma", "/s/gamma/SKILL.md"),
            skill("zed", "/s/zed/SKILL.md"),
        ];
        let got = names(
            "use $zed first, $alpha-x, $beta.y and ($gamma) and $delta:z, $dup, $my_skill $My_Skill gamma a$zed",
            &skills,
        );
        assert_eq!(
            got,
            vec![
                "/s/My_Skill/SKILL.md",
                "/s/alpha-x/SKILL.md",
                "/s/beta/SKILL.md",
                "/s/gamma/SKILL.md",
                "/s/zed/SKILL.md"
            ]
        );
    }

    #[test]
    fn linked_mentions_pick_by_path() {
        let skills = vec![
            skill("dup", "/s/dup1/SKILL.md"),
            skill("dup", "/s/dup2/SKILL.md"),
            skill("zed", "/s/zed/SKILL.md"),
        ];
        assert_eq!(
            names("see [$dup](/s/dup2/SKILL.md)", &skills),
            vec!["/s/dup2/SKILL.md"]
        );
        assert!(names("see [$zed](zed/SKILL.md)", &skills).is_empty());
        assert_eq!(
            names("$zed and [$dup](/s/dup1/SKILL.md)", &skills),
            vec!["/s/dup1/SKILL.md", "/s/zed/SKILL.md"]
        );
        assert!(names("see [$zed](/wrong/SKILL.md)", &skills).is_empty());
    }

    #[test]
    fn disabled_skills_are_not_injected() {
        let mut skills = vec![skill("a", "/s/a/SKILL.md")];
        skills[0].enabled = false;
        assert!(names("$a", &skills).is_empty());
    }

    #[test]
    fn message_shape() {
        let s = skill("delta", "/r/delta/SKILL.md");
        assert_eq!(
            skill_message_text(&s, "---\nname: delta\n---\nBody.\n"),
            "<skill>\n<name>delta</name>\n<path>/r/delta/SKILL.md</path>\n---\nname: delta\n---\nBody.\n\n</skill>"
        );
    }
}
