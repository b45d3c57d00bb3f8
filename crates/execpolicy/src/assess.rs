//! What the engine does with a command the model asked to run, by the
//! rules: every simple command it would run is checked (each of a
//! `bash -lc` script's, see [`crate::shell`]); one forbidden command
//! forbids the whole call, one that prompts makes it ask, and the call is
//! allowed — run without asking and outside the sandbox — only when the
//! script is plain and every one of its commands is allowed.

use crate::decision::Decision;
use crate::policy::Policy;
use crate::rule::{Evaluation, RuleMatch};
use crate::shell::{parse_script, shell_script};

/// The rules' verdict on one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assessment {
    /// No rule decides: the approval policy and the sandbox apply as usual.
    NoRule,
    /// Every command is allowed by a rule: runs without asking, unsandboxed.
    Allow {
        /// The rule that allowed the first command (for telling the person).
        rule: RuleMatch,
    },
    /// A rule asks for approval; `reason` says which and why.
    Prompt { reason: String },
    /// A rule forbids a command; `reason` is what the model is told.
    Forbidden { reason: String },
}

/// The simple commands `argv` runs and whether they are all known.
fn commands_of(argv: &[String]) -> (Vec<Vec<String>>, bool) {
    match shell_script(argv).map(parse_script) {
        Some(Some(found)) => (found.commands, found.plain),
        // The parser could not run: only the call itself is known.
        Some(None) => (Vec::new(), false),
        None => (vec![argv.to_vec()], true),
    }
}

/// Decides `argv` under `policy`.
pub fn assess(policy: &Policy, argv: &[String]) -> Assessment {
    if policy.is_empty() || argv.is_empty() {
        return Assessment::NoRule;
    }
    let (commands, plain) = commands_of(argv);
    let mut evaluations: Vec<(Vec<String>, Evaluation)> = commands
        .into_iter()
        .map(|command| {
            let evaluation = policy.check(&command, true);
            (command, evaluation)
        })
        .collect();
    // A rule may name the wrapper itself (`bash -lc ...`).
    if shell_script(argv).is_some() {
        evaluations.push((argv.to_vec(), policy.check(argv, true)));
    }
    let strictest = |decision: Decision| {
        evaluations
            .iter()
            .find(|(_, e)| e.decision == Some(decision))
            .and_then(|(command, e)| Some((command, e.deciding_match()?)))
    };
    let shown = render(argv);
    if let Some((command, rule)) = strictest(Decision::Forbidden) {
        let why = rule.justification().map_or_else(
            || default_reason(command, rule, "forbidden"),
            str::to_string,
        );
        return Assessment::Forbidden {
            reason: format!("`{shown}` rejected: {why}"),
        };
    }
    if let Some((command, rule)) = strictest(Decision::Prompt) {
        let why = rule.justification().map_or_else(
            || default_reason(command, rule, "needs approval"),
            str::to_string,
        );
        return Assessment::Prompt {
            reason: format!("`{shown}` requires approval: {why}"),
        };
    }
    let whole_allowed = evaluations
        .last()
        .filter(|(command, _)| command == argv)
        .is_some_and(|(_, e)| e.decision == Some(Decision::Allow));
    let all_allowed = plain
        && !evaluations.is_empty()
        && evaluations
            .iter()
            .filter(|(command, _)| command != argv || shell_script(argv).is_none())
            .all(|(_, e)| e.decision == Some(Decision::Allow));
    if (whole_allowed || all_allowed)
        && let Some(rule) = evaluations
            .iter()
            .find_map(|(_, e)| e.deciding_match().cloned())
    {
        return Assessment::Allow { rule };
    }
    Assessment::NoRule
}

/// The "always allow commands starting with …" prefix to offer for
/// `argv`: its one simple command (for a script of exactly one plain
/// command), unless a rule would still prompt for or forbid it — an allow
/// rule could not override those.
pub fn proposed_amendment(policy: &Policy, argv: &[String]) -> Option<Vec<String>> {
    let (commands, plain) = commands_of(argv);
    let [command] = commands.as_slice() else {
        return None;
    };
    if !plain || command.is_empty() {
        return None;
    }
    match policy.check(command, true).decision {
        Some(Decision::Prompt | Decision::Forbidden) => None,
        _ => Some(command.clone()),
    }
}

fn default_reason(command: &[String], rule: &RuleMatch, verdict: &str) -> String {
    let at = rule.source().map(|s| format!(" ({s})")).unwrap_or_default();
    let _ = command;
    format!(
        "commands starting with `{}` are {verdict} by a rule{at}",
        render(rule.matched_prefix())
    )
}

fn render(words: &[String]) -> String {
    shlex::try_join(words.iter().map(String::as_str)).unwrap_or_else(|_| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::load_text;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    fn policy() -> Policy {
        load_text(
            "test.rules",
            r#"
prefix_rule(pattern=["git", "push"], decision="forbidden", justification="pushing is for people")
prefix_rule(pattern=["rm"], decision="prompt")
prefix_rule(pattern=["cd"])
prefix_rule(pattern=["ls"])
prefix_rule(pattern=["git", "status"])
"#,
        )
        .unwrap()
    }

    #[test]
    fn forbidden_inside_a_script() {
        let verdict = assess(&policy(), &argv(&["bash", "-lc", "cd x && git push"]));
        assert_eq!(
            verdict,
            Assessment::Forbidden {
                reason: "`bash -lc 'cd x && git push'` rejected: pushing is for people".into()
            }
        );
    }

    #[test]
    fn prompt_beats_allow_and_names_the_rule() {
        let Assessment::Prompt { reason } =
            assess(&policy(), &argv(&["bash", "-lc", "ls; rm -f a"]))
        else {
            panic!("expected a prompt");
        };
        assert!(reason.contains("`rm`"), "{reason}");
        assert!(reason.contains("test.rules:3"), "{reason}");
    }

    #[test]
    fn allow_needs_every_command_allowed_and_a_plain_script() {
        let p = policy();
        assert!(matches!(
            assess(&p, &argv(&["bash", "-lc", "cd x && ls -l && git status"])),
            Assessment::Allow { .. }
        ));
        assert!(matches!(
            assess(&p, &argv(&["ls", "-l"])),
            Assessment::Allow { .. }
        ));
        assert_eq!(
            assess(&p, &argv(&["bash", "-lc", "ls && touch x"])),
            Assessment::NoRule
        );
        assert_eq!(
            assess(&p, &argv(&["bash", "-lc", "ls > out"])),
            Assessment::NoRule
        );
        assert_eq!(assess(&p, &argv(&["touch", "x"])), Assessment::NoRule);
    }

    #[test]
    fn amendments() {
        let p = policy();
        assert_eq!(
            proposed_amendment(&p, &argv(&["bash", "-lc", "touch a b"])),
            Some(argv(&["touch", "a", "b"]))
        );
        assert_eq!(
            proposed_amendment(&p, &argv(&["bash", "-lc", "touch a; ls"])),
            None
        );
        assert_eq!(proposed_amendment(&p, &argv(&["rm", "x"])), None);
        assert_eq!(
            proposed_amendment(&p, &argv(&["cargo", "test"])),
            Some(argv(&["cargo", "test"]))
        );
    }
}
