//! A session's skills: the catalog for its cwd with the settings applied,
//! the rendered section, and what has already been said to the user.
//!
//! The engine loads it once at start, and before each turn asks
//! [`SkillsManager::refresh`], which costs one `stat` per watched path when
//! nothing changed. A change of cwd, of any watched folder or file, or a
//! `force` walks again; the caller learns whether the section the model
//! sees is now different, and gets warnings only for problems it has not
//! reported yet (a broken `SKILL.md` is reported once per session, not once
//! per turn).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::cache::CachedRender;
use crate::discover::{Fingerprint, SkillCatalog, discover};
use crate::mention::mentioned_skills;
use crate::render::{RenderedSkills, render_skills_section};
use crate::roots::skill_roots;
use crate::settings::{SkillsSettings, same_file};
use crate::{Skill, SkillLoadError};

#[derive(Debug)]
pub struct SkillsManager {
    settings: SkillsSettings,
    cwd: PathBuf,
    catalog: SkillCatalog,
    fingerprint: Fingerprint,
    rendered: RenderedSkills,
    /// Turned off for this session only (by `SKILL.md` path).
    session_disabled: Vec<PathBuf>,
    reported_errors: HashSet<String>,
    reported_warning: Option<String>,
}

/// What a refresh found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillsUpdate {
    /// The section the model sees is different from before.
    pub section_changed: bool,
    /// Problems not reported before.
    pub warnings: Vec<String>,
}

impl SkillsManager {
    /// Walks the roots for `cwd`; the warnings are the load errors and the
    /// budget's.
    pub fn load(settings: SkillsSettings, cwd: &Path) -> (Self, Vec<String>) {
        let mut manager = SkillsManager {
            settings,
            cwd: cwd.to_path_buf(),
            catalog: SkillCatalog::default(),
            fingerprint: Fingerprint::default(),
            rendered: RenderedSkills::default(),
            session_disabled: Vec::new(),
            reported_errors: HashSet::new(),
            reported_warning: None,
        };
        manager.rescan();
        let warnings = manager.new_warnings();
        (manager, warnings)
    }

    /// Walks again if `cwd` changed, something on disk changed, or `force`.
    pub fn refresh(&mut self, cwd: &Path, force: bool) -> SkillsUpdate {
        if !force && cwd == self.cwd && !self.fingerprint.changed() {
            return SkillsUpdate::default();
        }
        self.cwd = cwd.to_path_buf();
        let before = self.section().map(str::to_string);
        self.rescan();
        SkillsUpdate {
            section_changed: self.section() != before.as_deref(),
            warnings: self.new_warnings(),
        }
    }

    /// The `<skills_instructions>` text, unless there is none or
    /// `include_instructions` is off.
    pub fn section(&self) -> Option<&str> {
        if !self.settings.include_instructions {
            return None;
        }
        self.rendered.text.as_deref()
    }

    pub fn catalog(&self) -> &SkillCatalog {
        &self.catalog
    }

    pub fn errors(&self) -> &[SkillLoadError] {
        &self.catalog.errors
    }

    pub fn rendered(&self) -> &RenderedSkills {
        &self.rendered
    }

    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// Where `skill` stands for the model: `off`, `$name only` (its
    /// policy keeps it out of the list), `listed`, or `unlisted` (cut by the
    /// budget, or the section is turned off).
    pub fn status(&self, skill: &Skill) -> &'static str {
        if !skill.enabled {
            "off"
        } else if !skill.allow_implicit_invocation {
            "$name only"
        } else if self
            .section()
            .is_some_and(|section| section.contains(&format!("- {}:", skill.name)))
        {
            "listed"
        } else {
            "unlisted"
        }
    }

    /// The skills `text` names (enabled ones, in list order).
    pub fn mentioned(&self, text: &str) -> Vec<&Skill> {
        mentioned_skills(text, &self.catalog.skills)
    }

    /// Turns the skill at `path` on or off for this session. Returns false
    /// when no loaded skill has that path.
    pub fn set_enabled_for_session(&mut self, path: &Path, enabled: bool) -> bool {
        if !self.catalog.skills.iter().any(|s| same_file(&s.path, path)) {
            return false;
        }
        self.session_disabled.retain(|p| !same_file(p, path));
        if !enabled {
            self.session_disabled.push(path.to_path_buf());
        }
        self.apply_settings();
        true
    }

    fn rescan(&mut self) {
        let roots = skill_roots(
            &self.settings.codex_home,
            self.settings.home.as_deref(),
            &self.cwd,
            self.settings.bundled,
            &self.settings.plugins,
        );
        let cached = self
            .settings
            .cache_file
            .as_deref()
            .and_then(|file| crate::cache::load(file, &roots));
        let (walked, cached_render) = match cached {
            Some(cached) => {
                self.catalog = cached.catalog;
                self.fingerprint = cached.fingerprint;
                (false, cached.render)
            }
            None => {
                (self.catalog, self.fingerprint) = discover(&roots);
                (true, None)
            }
        };
        let render = self.apply_settings_reusing(cached_render.as_ref());
        if let Some(file) = &self.settings.cache_file
            && (walked || cached_render.as_ref() != Some(&render))
        {
            crate::cache::store(file, &self.catalog, &self.fingerprint, Some(&render));
        }
    }

    fn apply_settings(&mut self) {
        self.apply_settings_reusing(None);
    }

    /// Turns skills on or off by the settings and renders the section,
    /// taking `cached`'s when it was rendered from the same inputs.
    fn apply_settings_reusing(&mut self, cached: Option<&CachedRender>) -> CachedRender {
        for skill in &mut self.catalog.skills {
            skill.enabled = !self.settings.disables(skill)
                && !self
                    .session_disabled
                    .iter()
                    .any(|p| same_file(p, &skill.path));
        }
        let max_tokens = self.settings.max_context_tokens;
        let enabled: Vec<bool> = self.catalog.skills.iter().map(|s| s.enabled).collect();
        self.rendered = match cached {
            Some(cached) if cached.max_tokens == max_tokens && cached.enabled == enabled => {
                cached.rendered.clone()
            }
            _ => render_skills_section(&self.catalog, max_tokens),
        };
        CachedRender {
            max_tokens,
            enabled,
            rendered: self.rendered.clone(),
        }
    }

    fn new_warnings(&mut self) -> Vec<String> {
        let mut warnings = Vec::new();
        for error in &self.catalog.errors {
            let text = error.to_string();
            if self.reported_errors.insert(text.clone()) {
                warnings.push(format!("skipped skill {text}"));
            }
        }
        let warning = if self.settings.include_instructions {
            self.rendered.warning.clone()
        } else {
            None
        };
        if warning.is_some() && warning != self.reported_warning {
            warnings.extend(warning.clone());
        }
        self.reported_warning = warning;
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::fs;

    fn settings(codex_home: &Path) -> SkillsSettings {
        SkillsSettings {
            codex_home: codex_home.to_path_buf(),
            home: None,
            include_instructions: true,
            max_context_tokens: crate::settings::DEFAULT_MAX_CONTEXT_TOKENS,
            bundled: true,
            disabled_paths: Vec::new(),
            disabled_names: Vec::new(),
            plugins: Vec::new(),
            cache_file: None,
        }
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// A temporary folder whose `ch/skills/` holds a skill per name
    /// (described "about NAME"); returns it and `ch`.
    fn home_with_skills(names: &[&str]) -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("ch");
        for name in names {
            write(
                &home.join(format!("skills/{name}/SKILL.md")),
                &format!("---\nname: {name}\ndescription: about {name}\n---\n"),
            );
        }
        (tmp, home)
    }

    #[test]
    fn errors_are_reported_once_and_changes_are_seen() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("ch");
        write(
            &home.join("skills/a/SKILL.md"),
            "---\nname: a\ndescription: A\n---\n",
        );
        write(&home.join("skills/bad/SKILL.md"), "nothing\n");
        let (mut manager, warnings) = SkillsManager::load(settings(&home), tmp.path());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("bad/SKILL.md:1:"), "{}", warnings[0]);
        assert!(manager.section().unwrap().contains("- a: A"));

        assert_eq!(manager.refresh(tmp.path(), false), SkillsUpdate::default());
        write(
            &home.join("skills/b/SKILL.md"),
            "---\nname: b\ndescription: B\n---\n",
        );
        let update = manager.refresh(tmp.path(), false);
        assert!(update.section_changed);
        assert!(update.warnings.is_empty(), "{:?}", update.warnings);
        assert!(manager.section().unwrap().contains("- b: B"));
    }

    #[test]
    fn a_cached_section_is_reused_only_for_the_same_settings() {
        let (tmp, home) = home_with_skills(&["a", "b"]);
        let cached = |s: &mut SkillsSettings| s.cache_file = Some(home.join("cache/skills.bin"));
        let mut first = settings(&home);
        cached(&mut first);
        let (walked, _) = SkillsManager::load(first.clone(), tmp.path());
        let (again, _) = SkillsManager::load(first.clone(), tmp.path());
        assert_eq!(again.section(), walked.section());
        assert_eq!(again.rendered(), walked.rendered());
        // Another setting renders again (and is what the cache keeps next).
        let mut off = first.clone();
        off.disabled_names.push("a".to_string());
        let (without_a, _) = SkillsManager::load(off.clone(), tmp.path());
        let section = without_a.section().unwrap();
        assert!(
            !section.contains("- a:") && section.contains("- b:"),
            "{section}"
        );
        let (back, _) = SkillsManager::load(first, tmp.path());
        assert_eq!(back.section(), walked.section());
        // An edit is seen whatever the cache holds.
        write(
            &home.join("skills/b/SKILL.md"),
            "---\nname: b\ndescription: changed\n---\n",
        );
        let (edited, _) = SkillsManager::load(off, tmp.path());
        assert!(edited.section().unwrap().contains("- b: changed"));
    }

    /// A start that finds the cache still sees every kind of change made
    /// since it was written: a skill or a policy file added inside a
    /// skill's folder (only that folder's stamp changes), a `SKILL.md`
    /// replaced by another file of the same size and time (its inode
    /// changes), and one removed.
    #[test]
    fn a_cached_start_sees_changes_inside_skill_folders() {
        let (tmp, home) = home_with_skills(&["a", "b", "c"]);
        let mut s = settings(&home);
        s.cache_file = Some(home.join("cache/skills.bin"));
        let names = |m: &SkillsManager| -> Vec<(String, String, bool)> {
            m.catalog()
                .skills
                .iter()
                .map(|s| {
                    (
                        s.name.clone(),
                        s.description.clone(),
                        s.allow_implicit_invocation,
                    )
                })
                .collect()
        };
        let load = |s: &SkillsSettings| SkillsManager::load(s.clone(), tmp.path()).0;
        let first = load(&s);
        assert_eq!(names(&load(&s)), names(&first), "the cache holds");

        write(
            &home.join("skills/a/nested/SKILL.md"),
            "---\nname: nested\ndescription: inside a\n---\n",
        );
        assert!(names(&load(&s)).iter().any(|(n, _, _)| n == "nested"));

        write(
            &home.join("skills/b/agents/openai.yaml"),
            "policy:\n  allow_implicit_invocation: false\n",
        );
        let b = |m: &SkillsManager| names(m).into_iter().find(|(n, _, _)| n == "b");
        assert_eq!(b(&load(&s)).unwrap().2, false);

        let c = home.join("skills/c/SKILL.md");
        let before = fs::metadata(&c).unwrap();
        let other = home.join("skills/c/new.tmp");
        write(&other, "---\nname: c\ndescription: about C\n---\n");
        let times = fs::FileTimes::new().set_modified(before.modified().unwrap());
        fs::File::options()
            .write(true)
            .open(&other)
            .unwrap()
            .set_times(times)
            .unwrap();
        fs::rename(&other, &c).unwrap();
        let c_now = |m: &SkillsManager| names(m).into_iter().find(|(n, _, _)| n == "c");
        assert_eq!(c_now(&load(&s)).unwrap().1, "about C");

        fs::remove_dir_all(home.join("skills/a")).unwrap();
        let last = load(&s);
        assert!(
            !names(&last)
                .iter()
                .any(|(n, _, _)| n == "a" || n == "nested")
        );
        assert_eq!(names(&load(&s)), names(&last));
    }

    #[test]
    fn settings_and_session_toggles_turn_skills_off() {
        let (tmp, home) = home_with_skills(&["a", "b", "c"]);
        let mut s = settings(&home);
        s.disabled_names.push("a".to_string());
        s.disabled_paths.push(home.join("skills/b/SKILL.md"));
        let (mut manager, _) = SkillsManager::load(s, tmp.path());
        let section = manager.section().unwrap().to_string();
        assert!(!section.contains("- a:") && !section.contains("- b:"));
        assert!(manager.mentioned("$a $b $c").len() == 1);

        assert!(manager.set_enabled_for_session(&home.join("skills/c/SKILL.md"), false));
        assert_eq!(manager.section(), None);
        assert!(manager.mentioned("$c").is_empty());
        assert!(!manager.set_enabled_for_session(&home.join("nope/SKILL.md"), false));
    }

    #[test]
    fn include_instructions_off_hides_the_section_but_not_mentions() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("ch");
        write(
            &home.join("skills/a/SKILL.md"),
            "---\nname: a\ndescription: A\n---\n",
        );
        let mut s = settings(&home);
        s.include_instructions = false;
        let (manager, _) = SkillsManager::load(s, tmp.path());
        assert_eq!(manager.section(), None);
        assert_eq!(manager.mentioned("$a").len(), 1);
    }
}
