//! A loaded set of rules and how a command is matched against them.
//!
//! Rules are kept in the order they were written (files in the order given,
//! each from top to bottom) and looked up by program; every rule whose
//! pattern is a prefix of the command matches, and the strictest decision
//! wins (forbidden > prompt > allow).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::decision::Decision;
use crate::rule::{Evaluation, NetworkRule, PatternToken, PrefixRule, RuleMatch, RuleSource};

/// Rules from one or more `.rules` files.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub(crate) prefix_rules: Vec<PrefixRule>,
    /// Indexes into `prefix_rules`, by program.
    pub(crate) by_program: HashMap<String, Vec<usize>>,
    pub(crate) network_rules: Vec<NetworkRule>,
    /// `host_executable(name, paths)`: the absolute paths that may stand
    /// for `name` when resolving.
    pub(crate) host_executables: HashMap<String, Vec<PathBuf>>,
}

impl Policy {
    pub fn empty() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.prefix_rules.is_empty() && self.network_rules.is_empty()
    }

    pub fn network_rules(&self) -> &[NetworkRule] {
        &self.network_rules
    }

    pub(crate) fn push_prefix_rule(&mut self, rule: PrefixRule) {
        self.by_program
            .entry(rule.program.clone())
            .or_default()
            .push(self.prefix_rules.len());
        self.prefix_rules.push(rule);
    }

    /// Adds `prefix` as an exact-words rule (what an approval amendment
    /// appends to `default.rules`), so a policy held in memory obeys it at
    /// once.
    pub fn add_prefix_rule(&mut self, prefix: &[String], decision: Decision, source: RuleSource) {
        let Some((program, rest)) = prefix.split_first() else {
            return;
        };
        self.push_prefix_rule(PrefixRule {
            program: program.clone(),
            rest: rest.iter().cloned().map(PatternToken::Word).collect(),
            decision,
            justification: None,
            source,
        });
    }

    /// Every rule matching `argv`. With `resolve_host_executables`, a
    /// command naming a program by absolute path that no rule names as such
    /// is matched by its basename, if `host_executable` allows that path
    /// (or declares nothing for that name).
    pub fn check(&self, argv: &[String], resolve_host_executables: bool) -> Evaluation {
        Evaluation::from_matches(self.matches(argv, resolve_host_executables))
    }

    pub(crate) fn matches(
        &self,
        argv: &[String],
        resolve_host_executables: bool,
    ) -> Vec<RuleMatch> {
        let Some(program) = argv.first() else {
            return Vec::new();
        };
        let direct = self.matches_for_program(program, argv, None);
        if !direct.is_empty() || !resolve_host_executables {
            return direct;
        }
        let path = Path::new(program);
        if !path.is_absolute() {
            return Vec::new();
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return Vec::new();
        };
        if let Some(allowed) = self.host_executables.get(name)
            && !allowed.iter().any(|p| p == path)
        {
            return Vec::new();
        }
        let mut renamed = argv.to_vec();
        renamed[0] = name.to_string();
        self.matches_for_program(name, &renamed, Some(program))
    }

    fn matches_for_program(
        &self,
        program: &str,
        argv: &[String],
        resolved_program: Option<&str>,
    ) -> Vec<RuleMatch> {
        let Some(indexes) = self.by_program.get(program) else {
            return Vec::new();
        };
        indexes
            .iter()
            .map(|&i| &self.prefix_rules[i])
            .filter_map(|rule| {
                let matched_prefix = rule.matched_prefix(argv)?;
                Some(RuleMatch::Prefix {
                    matched_prefix,
                    decision: rule.decision,
                    resolved_program: resolved_program.map(str::to_string),
                    justification: rule.justification.clone(),
                    source: Some(rule.source.clone()),
                })
            })
            .collect()
    }
}
