//! The `<skills_instructions>` section: a roots table, one line per skill
//! (`- NAME: DESCRIPTION (file: rK/rel/SKILL.md)`), and how to use them —
//! never a skill's body, which the model reads when it needs it.
//!
//! The list has a budget in tokens (`[skills] max_context_tokens`), counted
//! as the reference counts it: a line costs its bytes, with the line break,
//! divided by four and rounded up. When every line fits whole, nothing
//! changes. Otherwise the description text is shared evenly: each line keeps
//! its cost without a description, the tokens left are divided equally (a
//! short description that fits gives its unused share back to the others,
//! the remainder goes one token each to the first skills in root order),
//! and each description is cut to what its line's tokens can hold. When
//! even the lines without descriptions do not fit, all descriptions go and
//! the end of the list is cut. Each of those is reported in a warning that
//! says how many skills it touched — never silently.

use std::collections::BTreeMap;

use crate::discover::SkillCatalog;
use crate::{Skill, SkillRoot};

/// The section and what the budget did to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RenderedSkills {
    /// None when no skill is listed.
    pub text: Option<String>,
    /// Skills listed.
    pub listed: usize,
    /// Listed skills whose description was shortened (or dropped).
    pub shortened: usize,
    /// Every description was dropped.
    pub descriptions_dropped: bool,
    /// Skills not listed because of the budget.
    pub omitted: usize,
    /// What to tell the user about the above, if anything.
    pub warning: Option<String>,
}

/// How the section starts (how a resumed history's section is found).
pub const SECTION_OPEN: &str = "<skills_instructions>";

const HEADER: &str = "<skills_instructions>\n## Skills\nSkills are local instruction sets, each kept in a `SKILL.md` file. Each entry below gives a skill's name, its description and a short path; replace the path's `rN` prefix with that root from the table to get the file.\n### Skill roots\n";
const LIST_HEADER: &str = "### Available skills\n";
const FOOTER: &str = "### How to use skills\n\
- Use a skill when the user names it (`$name`, or by name) or when the task clearly fits its description; use every skill the user names. A skill applies to the turn it was named in, unless it is named again.\n\
- Before acting on a skill, read its whole `SKILL.md` (the short path expanded with the roots table). Relative paths in it are relative to its folder.\n\
- Open only the references and files the task needs; run or adapt a skill's scripts and templates rather than retyping them.\n\
- If several skills apply, use the fewest that cover the task and say in one line which ones and why.\n\
- If a skill is missing, unreadable or cannot be followed, say so briefly and carry on with the best alternative.\n\
</skills_instructions>";

/// Renders the catalog's listable skills (enabled, and not asking to be
/// left to `$name` only) within `max_tokens`.
pub fn render_skills_section(catalog: &SkillCatalog, max_tokens: usize) -> RenderedSkills {
    let candidates: Vec<&Skill> = catalog
        .skills
        .iter()
        .filter(|s| s.enabled && s.allow_implicit_invocation)
        .collect();
    if candidates.is_empty() {
        return RenderedSkills::default();
    }
    let aliases = Aliases::new(&candidates, &catalog.roots);
    let base: Vec<String> = candidates
        .iter()
        .map(|s| line(s, "", &aliases, &catalog.roots))
        .collect();
    let full: Vec<String> = candidates
        .iter()
        .map(|s| line(s, &s.description, &aliases, &catalog.roots))
        .collect();
    let full_cost: usize = full.iter().map(|l| cost(l)).sum();
    let base_cost: usize = base.iter().map(|l| cost(l)).sum();

    let mut rendered = RenderedSkills::default();
    let (listed, lines) = if full_cost <= max_tokens {
        (candidates, full)
    } else if base_cost <= max_tokens {
        let lines = share_evenly(&candidates, &base, &full, max_tokens - base_cost);
        rendered.shortened = lines
            .iter()
            .zip(&full)
            .filter(|(line, full)| line != full)
            .count();
        (candidates, lines)
    } else {
        rendered.descriptions_dropped = true;
        let mut spent = 0;
        let kept = base
            .iter()
            .take_while(|line| {
                spent += cost(line);
                spent <= max_tokens
            })
            .count();
        rendered.omitted = candidates.len() - kept;
        rendered.shortened = kept;
        let listed: Vec<&Skill> = candidates.into_iter().take(kept).collect();
        // Fewer roots may be used now: number them again.
        let aliases = Aliases::new(&listed, &catalog.roots);
        let lines = listed
            .iter()
            .map(|s| line(s, "", &aliases, &catalog.roots))
            .collect();
        (listed, lines)
    };
    rendered.listed = listed.len();
    rendered.warning = warning(&rendered, max_tokens);
    if listed.is_empty() {
        return rendered;
    }
    let aliases = Aliases::new(&listed, &catalog.roots);
    let mut text = String::from(HEADER);
    for (root, alias) in aliases.table() {
        text.push_str(&format!(
            "- `r{alias}` = `{}`\n",
            catalog.roots[root].path.display()
        ));
    }
    text.push_str(LIST_HEADER);
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str(FOOTER);
    rendered.text = Some(text);
    rendered
}

/// `rK` numbers for the roots the listed skills come from, in root order.
struct Aliases {
    by_root: BTreeMap<usize, usize>,
}

impl Aliases {
    /// Roots with the same folder (plugins of one marketplace) share one.
    fn new(skills: &[&Skill], roots: &[SkillRoot]) -> Self {
        let used: std::collections::BTreeSet<usize> = skills.iter().map(|s| s.root).collect();
        let mut by_root = BTreeMap::new();
        let mut folders: Vec<&std::path::Path> = Vec::new();
        for root in used {
            let folder = roots
                .get(root)
                .map_or(std::path::Path::new(""), |r| r.path.as_path());
            let alias = match folders.iter().position(|f| *f == folder) {
                Some(alias) => alias,
                None => {
                    folders.push(folder);
                    folders.len() - 1
                }
            };
            by_root.insert(root, alias);
        }
        Aliases { by_root }
    }

    /// Each alias once, with one of its roots.
    fn table(&self) -> Vec<(usize, usize)> {
        let mut seen = Vec::new();
        self.by_root
            .iter()
            .filter(|(_, alias)| {
                let new = !seen.contains(*alias);
                seen.push(**alias);
                new
            })
            .map(|(root, alias)| (*root, *alias))
            .collect()
    }
}

fn line(skill: &Skill, description: &str, aliases: &Aliases, roots: &[SkillRoot]) -> String {
    let alias = aliases.by_root.get(&skill.root).copied().unwrap_or(0);
    let root = roots.get(skill.root).map(|r| r.path.as_path());
    let relative = root
        .and_then(|root| skill.path.strip_prefix(root).ok())
        .unwrap_or(&skill.path);
    let relative = relative.to_string_lossy();
    if description.is_empty() {
        format!("- {}: (file: r{alias}/{relative})", skill.name)
    } else {
        format!(
            "- {}: {description} (file: r{alias}/{relative})",
            skill.name
        )
    }
}

/// A line's cost in tokens: its bytes and line break, by four, rounded up.
fn cost(line: &str) -> usize {
    (line.len() + 1).div_ceil(4)
}

/// The lines with `extra` tokens of description shared evenly.
fn share_evenly(skills: &[&Skill], base: &[String], full: &[String], extra: usize) -> Vec<String> {
    let want: Vec<usize> = base
        .iter()
        .zip(full)
        .map(|(b, f)| cost(f).saturating_sub(cost(b)))
        .collect();
    // Descriptions that fit in an equal share take what they need; the rest
    // share what is left, until no more fit whole.
    let mut whole = vec![false; skills.len()];
    let mut left = extra;
    loop {
        let open: Vec<usize> = (0..skills.len()).filter(|&i| !whole[i]).collect();
        if open.is_empty() {
            break;
        }
        let share = left / open.len();
        let fitting: Vec<usize> = open.into_iter().filter(|&i| want[i] <= share).collect();
        if fitting.is_empty() {
            break;
        }
        for i in fitting {
            whole[i] = true;
            left -= want[i];
        }
    }
    let mut open: Vec<usize> = (0..skills.len()).filter(|&i| !whole[i]).collect();
    let mut allowance = vec![0usize; skills.len()];
    if !open.is_empty() {
        let share = left / open.len();
        let mut remainder = left % open.len();
        // The remainder goes to the first skills in root order.
        open.sort_by_key(|&i| (skills[i].root, i));
        for i in open {
            allowance[i] = cost(&base[i]) + share + usize::from(remainder > 0);
            remainder = remainder.saturating_sub(1);
        }
    }
    (0..skills.len())
        .map(|i| {
            if whole[i] {
                return full[i].clone();
            }
            // Room for "DESCRIPTION " in the line's tokens, less its break.
            let room = (allowance[i] * 4).saturating_sub(base[i].len() + 2);
            let description = cut(&skills[i].description, room);
            if description.is_empty() {
                base[i].clone()
            } else {
                let (head, tail) = base[i].split_at(base[i].find(": (file: ").map_or(0, |p| p + 2));
                format!("{head}{description} {tail}")
            }
        })
        .collect()
}

/// At most `bytes` bytes of `text`, on a character boundary, without
/// trailing spaces.
fn cut(text: &str, bytes: usize) -> &str {
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].trim_end()
}

fn warning(rendered: &RenderedSkills, max_tokens: usize) -> Option<String> {
    let budget =
        format!("the skills list's budget of {max_tokens} tokens ([skills] max_context_tokens)");
    if rendered.descriptions_dropped {
        Some(format!(
            "{} skills exceed {budget}: every description was left out of the list and {} skills were not listed at all (they can still be used with $name)",
            rendered.listed + rendered.omitted,
            rendered.omitted
        ))
    } else if rendered.shortened > 0 {
        Some(format!(
            "{} skills exceed {budget}: the descriptions of {} were shortened",
            rendered.listed, rendered.shortened
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SkillScope;
    use pretty_assertions::assert_eq;
    use std::path::PathBuf;

    fn catalog(skills: Vec<(&str, &str, usize)>) -> SkillCatalog {
        let roots = vec![
            SkillRoot {
                path: PathBuf::from("/home/u/.codex/skills"),
                scope: SkillScope::User,
                plugin: None,
            },
            SkillRoot {
                path: PathBuf::from("/home/u/.codex/skills/.system"),
                scope: SkillScope::System,
                plugin: None,
            },
        ];
        let skills = skills
            .into_iter()
            .map(|(name, description, root)| Skill {
                name: name.to_string(),
                description: description.to_string(),
                short_description: None,
                path: roots[root].path.join(name).join("SKILL.md"),
                root,
                scope: roots[root].scope,
                allow_implicit_invocation: true,
                enabled: true,
            })
            .collect();
        SkillCatalog {
            roots,
            skills,
            errors: Vec::new(),
        }
    }

    fn lines(text: &str) -> Vec<&str> {
        text.lines().filter(|l| l.contains("(file: ")).collect()
    }

    #[test]
    fn within_budget_everything_is_listed() {
        let c = catalog(vec![("sys", "System one", 1), ("a", "Alpha", 0)]);
        let r = render_skills_section(&c, 5_440);
        let text = r.text.unwrap();
        assert!(text.starts_with("<skills_instructions>\n"));
        assert!(text.ends_with("</skills_instructions>"));
        assert!(text.contains(
            "- `r0` = `/home/u/.codex/skills`\n- `r1` = `/home/u/.codex/skills/.system`\n"
        ));
        assert_eq!(
            lines(&text),
            vec![
                "- sys: System one (file: r1/sys/SKILL.md)",
                "- a: Alpha (file: r0/a/SKILL.md)"
            ]
        );
        assert_eq!(r.warning, None);
    }

    #[test]
    fn disabled_and_implicit_only_skills_are_not_listed() {
        let mut c = catalog(vec![("a", "A", 0), ("b", "B", 0), ("c", "C", 0)]);
        c.skills[0].enabled = false;
        c.skills[1].allow_implicit_invocation = false;
        let r = render_skills_section(&c, 5_440);
        assert_eq!(
            lines(r.text.as_deref().unwrap()),
            vec!["- c: C (file: r0/c/SKILL.md)"]
        );
        let mut c = catalog(vec![("a", "A", 0)]);
        c.skills[0].enabled = false;
        assert_eq!(render_skills_section(&c, 5_440).text, None);
    }

    /// The reference's numbers: 400 skills of long descriptions in the
    /// default budget keep 14 or 13 tokens a line (240 and 160 of them).
    #[test]
    fn descriptions_are_shortened_evenly() {
        let names: Vec<String> = (0..400).map(|i| format!("skill-{i:04}")).collect();
        let description = "abcdefghijklmnopqrstuvwxyz".repeat(8);
        let mut c = catalog(Vec::new());
        for name in &names {
            c.skills.push(Skill {
                name: name.clone(),
                description: description.clone(),
                short_description: None,
                path: PathBuf::from(format!("/home/u/.codex/skills/s{}/SKILL.md", &name[6..])),
                root: 0,
                scope: SkillScope::User,
                allow_implicit_invocation: true,
                enabled: true,
            });
        }
        let r = render_skills_section(&c, 5_440);
        let text = r.text.unwrap();
        let listed = lines(&text);
        assert_eq!(listed.len(), 400);
        assert_eq!(
            listed[0],
            "- skill-0000: abcdefghijklmno (file: r0/s0000/SKILL.md)"
        );
        assert_eq!(
            listed[240],
            "- skill-0240: abcdefghijk (file: r0/s0240/SKILL.md)"
        );
        let spent: usize = listed.iter().map(|l| cost(l)).sum();
        assert_eq!(spent, 5_440);
        assert_eq!(r.shortened, 400);
        assert!(r.warning.unwrap().contains("shortened"));
    }

    #[test]
    fn short_descriptions_give_their_share_back() {
        let long = "x".repeat(400);
        let c = catalog(vec![("a", "tiny", 0), ("b", &long, 0), ("c", &long, 0)]);
        let r = render_skills_section(&c, 60);
        let text = r.text.unwrap();
        let listed = lines(&text);
        assert_eq!(listed[0], "- a: tiny (file: r0/a/SKILL.md)");
        let spent: usize = listed.iter().map(|l| cost(l)).sum();
        assert!((57..=60).contains(&spent), "{spent}");
        assert_eq!(r.shortened, 2);
    }

    /// The reference's numbers: 1,200 skills and four system ones in the
    /// default budget list the system ones and 539 others, without
    /// descriptions.
    #[test]
    fn over_budget_descriptions_go_then_the_list_is_cut() {
        let mut c = catalog(vec![
            ("imagegen", "x", 1),
            ("openai-docs", "x", 1),
            ("skill-creator", "x", 1),
            ("skill-installer", "x", 1),
        ]);
        for i in 0..1200 {
            let name = format!("skill-{i:04}");
            c.skills.push(Skill {
                name: name.clone(),
                description: "Description words ".repeat(10),
                short_description: None,
                path: PathBuf::from(format!("/home/u/.codex/skills/s{i:04}/SKILL.md")),
                root: 0,
                scope: SkillScope::User,
                allow_implicit_invocation: true,
                enabled: true,
            });
        }
        let r = render_skills_section(&c, 5_440);
        assert_eq!(r.listed, 543);
        assert_eq!(r.omitted, 661);
        assert!(r.descriptions_dropped);
        let text = r.text.unwrap();
        let listed = lines(&text);
        assert_eq!(listed[0], "- imagegen: (file: r1/imagegen/SKILL.md)");
        assert_eq!(listed[542], "- skill-0538: (file: r0/s0538/SKILL.md)");
        let warning = r.warning.unwrap();
        assert!(warning.contains("661 skills were not listed"), "{warning}");
    }
}
