//! Rules as loaded, and what a match reports (the JSON of `codex
//! execpolicy check`, field for field as the reference prints it).

use serde::Serialize;

use crate::decision::Decision;

/// Where a rule was written, for error messages and for telling the person
/// which rule let a command run unsandboxed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSource {
    pub file: String,
    /// 1-based.
    pub line: usize,
}

impl std::fmt::Display for RuleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One position of a pattern: a word, or any of several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternToken {
    Word(String),
    AnyOf(Vec<String>),
}

impl PatternToken {
    fn matches(&self, token: &str) -> bool {
        match self {
            Self::Word(word) => word == token,
            Self::AnyOf(words) => words.iter().any(|w| w == token),
        }
    }
}

/// `prefix_rule(...)`, one per alternative of its first position (rules
/// are looked up by program).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixRule {
    pub program: String,
    pub rest: Vec<PatternToken>,
    pub decision: Decision,
    pub justification: Option<String>,
    pub source: RuleSource,
}

impl PrefixRule {
    /// The matched prefix of `argv` (whose program is already known to be
    /// this rule's), if every position matches.
    pub(crate) fn matched_prefix(&self, argv: &[String]) -> Option<Vec<String>> {
        let len = self.rest.len() + 1;
        if argv.len() < len || argv[0] != self.program {
            return None;
        }
        self.rest
            .iter()
            .zip(&argv[1..len])
            .all(|(token, word)| token.matches(word))
            .then(|| argv[..len].to_vec())
    }
}

/// The protocols a `network_rule` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkProtocol {
    Http,
    Https,
    Socks5Tcp,
    Socks5Udp,
}

impl NetworkProtocol {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "http" => Ok(Self::Http),
            "https" | "https_connect" | "http-connect" => Ok(Self::Https),
            "socks5_tcp" => Ok(Self::Socks5Tcp),
            "socks5_udp" => Ok(Self::Socks5Udp),
            other => Err(format!(
                "invalid protocol `{other}`: use \"http\", \"https\", \"socks5_tcp\" or \"socks5_udp\""
            )),
        }
    }
}

/// `network_rule(...)`: a host and what to do with connections to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkRule {
    /// Lower case, without port or trailing dot.
    pub host: String,
    pub protocol: NetworkProtocol,
    pub decision: Decision,
    pub justification: Option<String>,
    pub source: RuleSource,
}

/// One rule that matched a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RuleMatch {
    #[serde(rename = "prefixRuleMatch")]
    Prefix {
        #[serde(rename = "matchedPrefix")]
        matched_prefix: Vec<String>,
        decision: Decision,
        /// The absolute program the command named, when it was matched
        /// through its basename (`--resolve-host-executables`).
        #[serde(rename = "resolvedProgram", skip_serializing_if = "Option::is_none")]
        resolved_program: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        /// Not printed: where the rule is, for messages.
        #[serde(skip)]
        source: Option<RuleSource>,
    },
}

impl RuleMatch {
    pub fn decision(&self) -> Decision {
        match self {
            Self::Prefix { decision, .. } => *decision,
        }
    }

    pub fn matched_prefix(&self) -> &[String] {
        match self {
            Self::Prefix { matched_prefix, .. } => matched_prefix,
        }
    }

    pub fn justification(&self) -> Option<&str> {
        match self {
            Self::Prefix { justification, .. } => justification.as_deref(),
        }
    }

    pub fn source(&self) -> Option<&RuleSource> {
        match self {
            Self::Prefix { source, .. } => source.as_ref(),
        }
    }
}

/// Every rule that matched a command, and the strictest decision among them
/// (absent when nothing matched).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    #[serde(rename = "matchedRules")]
    pub matched_rules: Vec<RuleMatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

impl Evaluation {
    pub(crate) fn from_matches(matched_rules: Vec<RuleMatch>) -> Self {
        let decision = matched_rules.iter().map(RuleMatch::decision).max();
        Self {
            matched_rules,
            decision,
        }
    }

    /// The first match with the deciding (strictest) decision.
    pub fn deciding_match(&self) -> Option<&RuleMatch> {
        let decision = self.decision?;
        self.matched_rules.iter().find(|m| m.decision() == decision)
    }
}
