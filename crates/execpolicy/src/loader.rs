//! Reading `.rules` files: a Starlark module evaluated with three
//! functions — `prefix_rule`, `network_rule`, `host_executable` — on top of
//! the language's pure built-ins. There is no `load()` and no I/O: a rule
//! file can compute rules, never reach outside itself.
//!
//! A rule's `match` / `not_match` examples are checked once its whole file
//! has been read (so a later `host_executable` counts): an example that
//! contradicts its rule fails the load with the file and line of the rule.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use starlark::any::ProvidesStaticType;
use starlark::environment::{GlobalsBuilder, Module};
use starlark::eval::Evaluator;
use starlark::starlark_module;
use starlark::syntax::{AstModule, Dialect};
use starlark::values::Value;
use starlark::values::list::{ListRef, UnpackList};
use starlark::values::none::NoneType;

use crate::decision::Decision;
use crate::policy::Policy;
use crate::rule::{NetworkProtocol, NetworkRule, PatternToken, PrefixRule, RuleSource};

/// A rule file that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read rules file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Syntax or evaluation errors; Starlark's message names the file and
    /// line and shows the call.
    #[error("invalid rules file {path}: {message}")]
    Starlark { path: PathBuf, message: String },
    #[error("{rule}: {message}")]
    Example { rule: RuleSource, message: String },
}

/// Loads `files`, in order, into one policy.
pub fn load_files(files: &[PathBuf]) -> Result<Policy, LoadError> {
    let mut loader = Loader::default();
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.clone(),
            source,
        })?;
        loader.add_file(path, &text)?;
    }
    Ok(loader.policy)
}

/// The `*.rules` files directly in each of `dirs` (by name; a missing
/// directory has none).
pub fn rule_files_in(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut all = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "rules") && p.is_file())
            .collect();
        files.sort();
        all.extend(files);
    }
    all
}

/// Loads rules from the text of one file (`name` is used in messages).
pub fn load_text(name: &str, text: &str) -> Result<Policy, LoadError> {
    let mut loader = Loader::default();
    loader.add_file(Path::new(name), text)?;
    Ok(loader.policy)
}

#[derive(Default)]
struct Loader {
    policy: Policy,
}

/// What one file's functions collect while it is evaluated.
#[derive(Debug, Default, ProvidesStaticType)]
struct Collected {
    /// One entry per `prefix_rule` call: its rules (one per alternative of
    /// the first position) and examples.
    prefix_calls: Vec<(Vec<PrefixRule>, Examples)>,
    network_rules: Vec<NetworkRule>,
    host_executables: HashMap<String, Vec<PathBuf>>,
}

#[derive(Debug, Default, Clone)]
struct Examples {
    matches: Vec<Vec<String>>,
    not_matches: Vec<Vec<String>>,
}

impl Loader {
    fn add_file(&mut self, path: &Path, text: &str) -> Result<(), LoadError> {
        let name = path.display().to_string();
        let starlark_error = |err: starlark::Error| LoadError::Starlark {
            path: path.to_path_buf(),
            message: err.to_string(),
        };
        let dialect = Dialect {
            enable_load: false,
            ..Dialect::Extended
        };
        let ast = AstModule::parse(&name, text.to_string(), &dialect).map_err(starlark_error)?;
        let globals = GlobalsBuilder::standard().with(rule_functions).build();
        let collected = RefCell::new(Collected::default());
        Module::with_temp_heap(|module| {
            let mut eval = Evaluator::new(&module);
            eval.extra = Some(&collected);
            eval.eval_module(ast, &globals).map(|_| ())
        })
        .map_err(starlark_error)?;
        let collected = collected.into_inner();

        for (name, paths) in collected.host_executables {
            self.policy.host_executables.insert(name, paths);
        }
        self.policy.network_rules.extend(collected.network_rules);
        // Examples are checked against the rules of their own call only,
        // with this file's host executables known.
        for (rules, examples) in collected.prefix_calls {
            let mut own = Policy {
                host_executables: self.policy.host_executables.clone(),
                ..Policy::default()
            };
            for rule in &rules {
                own.push_prefix_rule(rule.clone());
            }
            if let Some(first) = rules.first() {
                check_examples(&own, &first.source, &examples)?;
            }
            for rule in rules {
                self.policy.push_prefix_rule(rule);
            }
        }
        Ok(())
    }
}

fn check_examples(own: &Policy, source: &RuleSource, examples: &Examples) -> Result<(), LoadError> {
    for example in &examples.matches {
        if own.matches(example, true).is_empty() {
            return Err(LoadError::Example {
                rule: source.clone(),
                message: format!(
                    "the `match` example `{}` does not match this rule; fix the pattern or the example",
                    render(example)
                ),
            });
        }
    }
    for example in &examples.not_matches {
        if let Some(hit) = own.matches(example, true).first() {
            return Err(LoadError::Example {
                rule: source.clone(),
                message: format!(
                    "the `not_match` example `{}` matches this rule (prefix `{}`); fix the pattern or the example",
                    render(example),
                    render(hit.matched_prefix())
                ),
            });
        }
    }
    Ok(())
}

fn render(words: &[String]) -> String {
    shlex::try_join(words.iter().map(String::as_str)).unwrap_or_else(|_| words.join(" "))
}

fn collected<'a>(eval: &Evaluator<'_, 'a, '_>) -> anyhow::Result<&'a RefCell<Collected>> {
    eval.extra
        .and_then(|extra| extra.downcast_ref::<RefCell<Collected>>())
        .ok_or_else(|| anyhow::anyhow!("rule functions called outside a rules file"))
}

fn here(eval: &Evaluator<'_, '_, '_>) -> RuleSource {
    match eval.call_stack_top_location() {
        Some(span) => RuleSource {
            file: span.filename().to_string(),
            line: span.resolve_span().begin.line + 1,
        },
        None => RuleSource {
            file: String::new(),
            line: 0,
        },
    }
}

fn justification_of(raw: Option<&str>) -> anyhow::Result<Option<String>> {
    match raw {
        Some(text) if text.trim().is_empty() => {
            anyhow::bail!("justification cannot be empty: say why, or leave it out")
        }
        other => Ok(other.map(str::to_string)),
    }
}

fn strings_of(value: Value, what: &str) -> anyhow::Result<Vec<String>> {
    let list = ListRef::from_value(value).ok_or_else(|| {
        anyhow::anyhow!(
            "{what} must be a list of strings (got {})",
            value.get_type()
        )
    })?;
    list.content()
        .iter()
        .map(|item| {
            item.unpack_str().map(str::to_string).ok_or_else(|| {
                anyhow::anyhow!("{what} must contain only strings (got {})", item.get_type())
            })
        })
        .collect()
}

fn pattern_token(value: Value) -> anyhow::Result<PatternToken> {
    if let Some(word) = value.unpack_str() {
        return Ok(PatternToken::Word(word.to_string()));
    }
    let words = strings_of(value, "a pattern position")?;
    match words.as_slice() {
        [] => anyhow::bail!("a pattern position lists no alternatives"),
        [one] => Ok(PatternToken::Word(one.clone())),
        _ => Ok(PatternToken::AnyOf(words)),
    }
}

fn example(value: Value) -> anyhow::Result<Vec<String>> {
    let words = match value.unpack_str() {
        Some(text) => shlex::split(text)
            .ok_or_else(|| anyhow::anyhow!("the example `{text}` is not valid shell syntax"))?,
        None => strings_of(value, "an example")?,
    };
    if words.is_empty() {
        anyhow::bail!("an example cannot be empty");
    }
    Ok(words)
}

#[starlark_module]
fn rule_functions(builder: &mut GlobalsBuilder) {
    /// `prefix_rule(pattern, decision="allow", justification=None,
    /// match=[], not_match=[])`.
    fn prefix_rule<'v>(
        pattern: UnpackList<Value<'v>>,
        decision: Option<&str>,
        r#match: Option<UnpackList<Value<'v>>>,
        not_match: Option<UnpackList<Value<'v>>>,
        justification: Option<&str>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<NoneType> {
        let decision = match decision {
            Some(raw) => Decision::parse(raw).map_err(anyhow::Error::msg)?,
            None => Decision::Allow,
        };
        let justification = justification_of(justification)?;
        let mut tokens = pattern
            .items
            .into_iter()
            .map(pattern_token)
            .collect::<anyhow::Result<Vec<_>>>()?;
        if tokens.is_empty() {
            anyhow::bail!("pattern cannot be empty");
        }
        let first = tokens.remove(0);
        let examples = Examples {
            matches: r#match
                .map(|l| l.items.into_iter().map(example).collect())
                .transpose()?
                .unwrap_or_default(),
            not_matches: not_match
                .map(|l| l.items.into_iter().map(example).collect())
                .transpose()?
                .unwrap_or_default(),
        };
        let source = here(eval);
        let programs = match first {
            PatternToken::Word(word) => vec![word],
            PatternToken::AnyOf(words) => words,
        };
        let rules = programs
            .into_iter()
            .map(|program| PrefixRule {
                program,
                rest: tokens.clone(),
                decision,
                justification: justification.clone(),
                source: source.clone(),
            })
            .collect();
        collected(eval)?
            .borrow_mut()
            .prefix_calls
            .push((rules, examples));
        Ok(NoneType)
    }

    /// `network_rule(host, protocol, decision, justification=None)`.
    fn network_rule<'v>(
        host: &str,
        protocol: &str,
        decision: &str,
        justification: Option<&str>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<NoneType> {
        let protocol = NetworkProtocol::parse(protocol).map_err(anyhow::Error::msg)?;
        let decision = match decision {
            "deny" => Decision::Forbidden,
            other => Decision::parse(other).map_err(anyhow::Error::msg)?,
        };
        let justification = justification_of(justification)?;
        let host = normalize_host(host)?;
        let source = here(eval);
        collected(eval)?
            .borrow_mut()
            .network_rules
            .push(NetworkRule {
                host,
                protocol,
                decision,
                justification,
                source,
            });
        Ok(NoneType)
    }

    /// `host_executable(name, paths)`: which absolute paths may stand for
    /// the program `name` when commands are resolved.
    fn host_executable<'v>(
        name: &str,
        paths: UnpackList<Value<'v>>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<NoneType> {
        if name.is_empty() || name.contains('/') {
            anyhow::bail!("host_executable name must be a bare program name (got `{name}`)");
        }
        let mut resolved: Vec<PathBuf> = Vec::new();
        for value in paths.items {
            let raw = value.unpack_str().ok_or_else(|| {
                anyhow::anyhow!(
                    "host_executable paths must be strings (got {})",
                    value.get_type()
                )
            })?;
            let path = expand_home(raw);
            if !path.is_absolute() {
                anyhow::bail!("host_executable path `{raw}` must be absolute or start with `~/`");
            }
            if path.file_name().and_then(|n| n.to_str()) != Some(name) {
                anyhow::bail!("host_executable path `{raw}` must end in `{name}`");
            }
            if !resolved.contains(&path) {
                resolved.push(path);
            }
        }
        collected(eval)?
            .borrow_mut()
            .host_executables
            .insert(name.to_string(), resolved);
        Ok(NoneType)
    }
}

fn expand_home(raw: &str) -> PathBuf {
    match (raw.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(raw),
    }
}

/// A host as `network_rule` takes it: a name or IP literal, an optional
/// port dropped, lower case, no wildcard.
fn normalize_host(raw: &str) -> anyhow::Result<String> {
    let mut host = raw.trim();
    if host.is_empty() {
        anyhow::bail!("network_rule host cannot be empty");
    }
    if ["://", "/", "?", "#"].iter().any(|s| host.contains(s)) {
        anyhow::bail!(
            "network_rule host `{raw}` must be a host name or IP address, without scheme or path"
        );
    }
    if let Some(inner) = host.strip_prefix('[') {
        let Some((address, rest)) = inner.split_once(']') else {
            anyhow::bail!("network_rule host `{raw}` has an unterminated IPv6 literal");
        };
        let port_ok = rest.is_empty()
            || rest
                .strip_prefix(':')
                .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
        if !port_ok {
            anyhow::bail!("network_rule host `{raw}` has an unexpected suffix");
        }
        host = address;
    } else if host.matches(':').count() == 1
        && let Some((name, port)) = host.rsplit_once(':')
        && !name.is_empty()
        && !port.is_empty()
        && port.chars().all(|c| c.is_ascii_digit())
    {
        host = name;
    }
    let host = host.trim_end_matches('.').trim().to_ascii_lowercase();
    if host.is_empty() {
        anyhow::bail!("network_rule host cannot be empty");
    }
    if host.contains('*') {
        anyhow::bail!("network_rule host `{raw}` must name one host; wildcards are not allowed");
    }
    if host.chars().any(char::is_whitespace) {
        anyhow::bail!("network_rule host `{raw}` cannot contain spaces");
    }
    Ok(host)
}
