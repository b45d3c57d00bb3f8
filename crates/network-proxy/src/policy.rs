//! Which hosts a command may reach: host patterns, allow and deny rules,
//! and the decision for one host. Pure data, no I/O, so every rule of the
//! reference's semantics is unit-tested here.
//!
//! Patterns: `example.com` (that host only), `*.example.com` (its
//! subdomains, not the apex), `**.example.com` (the apex and its
//! subdomains), `*` (every host). IP literals match only themselves, never
//! a wildcard. A deny rule that matches wins over every allow rule; a host
//! no allow rule matches is refused ("not in the allowlist").

use std::fmt;

/// How a command asked to reach a host; a rule may be limited to some.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// A plain `http://` request forwarded by the HTTP proxy.
    Http,
    /// A `CONNECT` tunnel through the HTTP proxy (normally TLS).
    Https,
    /// A SOCKS5 `CONNECT` (TCP).
    Socks5Tcp,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
            Self::Socks5Tcp => "socks5_tcp",
        }
    }
}

/// What a matching rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
}

/// A host pattern, normalized (lower case, no trailing dot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// `*`: every host.
    Any,
    /// `host`: exactly that host (or IP literal).
    Exact(String),
    /// `*.domain`: subdomains of `domain`, not `domain` itself.
    Subdomains(String),
    /// `**.domain`: `domain` and its subdomains.
    DomainAndSubdomains(String),
}

impl HostPattern {
    /// Parses a pattern; the error says what a pattern may be.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = normalize_host(raw);
        let invalid = || {
            format!(
                "`{raw}` is not a host pattern: use a host name (`example.com`), `*.example.com` (its subdomains), `**.example.com` (it and its subdomains), an IP address or `*`"
            )
        };
        if text == "*" && raw.trim() == "*" {
            return Ok(Self::Any);
        }
        let (make, rest): (fn(String) -> Self, &str) = if let Some(rest) = text.strip_prefix("**.")
        {
            (Self::DomainAndSubdomains, rest)
        } else if let Some(rest) = text.strip_prefix("*.") {
            (Self::Subdomains, rest)
        } else {
            (Self::Exact, text.as_str())
        };
        let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':');
        if rest.is_empty()
            || rest.starts_with('.')
            || rest.contains("..")
            || !rest.chars().all(valid_char)
        {
            return Err(invalid());
        }
        Ok(make(rest.to_string()))
    }

    /// Whether `host` (normalized) matches.
    pub fn matches(&self, host: &str) -> bool {
        let is_ip = host.parse::<std::net::IpAddr>().is_ok();
        match self {
            Self::Any => true,
            Self::Exact(name) => name == host,
            Self::Subdomains(domain) => !is_ip && is_subdomain(host, domain),
            Self::DomainAndSubdomains(domain) => {
                !is_ip && (host == domain || is_subdomain(host, domain))
            }
        }
    }
}

fn is_subdomain(host: &str, domain: &str) -> bool {
    host.len() > domain.len() + 1
        && host.ends_with(domain)
        && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Exact(host) => f.write_str(host),
            Self::Subdomains(domain) => write!(f, "*.{domain}"),
            Self::DomainAndSubdomains(domain) => write!(f, "**.{domain}"),
        }
    }
}

/// Lower case, without IPv6 brackets or a trailing dot.
pub fn normalize_host(raw: &str) -> String {
    let host = raw.trim();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// One rule: a pattern, what it does, for which protocols (all when
/// `None`), and where it was written (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRule {
    pub pattern: HostPattern,
    pub action: Action,
    pub protocols: Option<Vec<Protocol>>,
    /// Where the rule comes from, e.g. `permissions.dev.network.domains."x"`
    /// or `/home/me/.codex/rules/default.rules:3`.
    pub source: String,
    /// Said to the command when this rule refuses a host.
    pub justification: Option<String>,
}

impl HostRule {
    /// A rule for every protocol, without a justification; the error says
    /// what a pattern may be.
    pub fn new(pattern: &str, action: Action, source: impl Into<String>) -> Result<Self, String> {
        Ok(Self {
            pattern: HostPattern::parse(pattern)?,
            action,
            protocols: None,
            source: source.into(),
            justification: None,
        })
    }
}

/// The decision for one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed. `exact` is true when an allow rule names this very host
    /// (not through a wildcard), which is what lets it resolve to a
    /// loopback or private address.
    Allow { exact: bool },
    /// Refused, with the reason the command is told.
    Deny { reason: String },
}

/// The rules of one session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkPolicy {
    rules: Vec<HostRule>,
}

impl NetworkPolicy {
    pub fn new(rules: Vec<HostRule>) -> Self {
        Self { rules }
    }

    pub fn rules(&self) -> &[HostRule] {
        &self.rules
    }

    /// The decision for `host` asked through `protocol`: a matching deny
    /// wins; else a matching allow; else "not in the allowlist".
    pub fn decide(&self, host: &str, protocol: Protocol) -> Decision {
        let host = normalize_host(host);
        let applies = |rule: &&HostRule| {
            rule.protocols
                .as_ref()
                .is_none_or(|list| list.contains(&protocol))
                && rule.pattern.matches(&host)
        };
        if let Some(rule) = self
            .rules
            .iter()
            .filter(applies)
            .find(|r| r.action == Action::Deny)
        {
            let mut reason = format!("\"{host}\" is denied by {}", rule.source);
            if let Some(why) = &rule.justification {
                reason.push_str(&format!(": {why}"));
            }
            return Decision::Deny { reason };
        }
        let allows: Vec<&HostRule> = self
            .rules
            .iter()
            .filter(applies)
            .filter(|r| r.action == Action::Allow)
            .collect();
        if allows.is_empty() {
            return Decision::Deny {
                reason: format!(
                    "\"{host}\" is not in the allowlist (for {})",
                    protocol.name()
                ),
            };
        }
        let exact = allows
            .iter()
            .any(|r| matches!(&r.pattern, HostPattern::Exact(name) if *name == host));
        Decision::Allow { exact }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn rule(pattern: &str, action: Action) -> HostRule {
        HostRule::new(pattern, action, format!("rule {pattern}")).unwrap()
    }

    fn allowed(policy: &NetworkPolicy, host: &str) -> bool {
        matches!(policy.decide(host, Protocol::Https), Decision::Allow { .. })
    }

    #[test]
    fn patterns_match_as_documented() {
        let policy = NetworkPolicy::new(vec![
            rule("exact.test", Action::Allow),
            rule("*.sub.test", Action::Allow),
            rule("**.both.test", Action::Allow),
            rule("10.0.0.1", Action::Allow),
        ]);
        assert!(allowed(&policy, "exact.test"));
        assert!(allowed(&policy, "EXACT.test."));
        assert!(!allowed(&policy, "a.exact.test"));
        assert!(allowed(&policy, "a.sub.test"));
        assert!(allowed(&policy, "a.b.sub.test"));
        assert!(!allowed(&policy, "sub.test"));
        assert!(!allowed(&policy, "evilsub.test"));
        assert!(allowed(&policy, "both.test"));
        assert!(allowed(&policy, "x.both.test"));
        assert!(allowed(&policy, "10.0.0.1"));
        assert!(!allowed(&policy, "10.0.0.2"));
        assert!(!allowed(&policy, "other.test"));
    }

    #[test]
    fn deny_wins_and_names_its_rule() {
        let mut deny = rule("bad.example.com", Action::Deny);
        deny.justification = Some("exfiltration risk".into());
        let policy = NetworkPolicy::new(vec![rule("**.example.com", Action::Allow), deny]);
        assert!(allowed(&policy, "good.example.com"));
        assert_eq!(
            policy.decide("bad.example.com", Protocol::Http),
            Decision::Deny {
                reason: "\"bad.example.com\" is denied by rule bad.example.com: exfiltration risk"
                    .into()
            }
        );
        match policy.decide("elsewhere.org", Protocol::Socks5Tcp) {
            Decision::Deny { reason } => {
                assert!(reason.contains("not in the allowlist"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wildcards_never_match_ip_literals_and_exactness_is_reported() {
        let policy = NetworkPolicy::new(vec![
            rule("*", Action::Allow),
            rule("localhost", Action::Allow),
        ]);
        assert_eq!(
            policy.decide("localhost", Protocol::Http),
            Decision::Allow { exact: true }
        );
        assert_eq!(
            policy.decide("example.org", Protocol::Http),
            Decision::Allow { exact: false }
        );
        let policy = NetworkPolicy::new(vec![rule("**.0.0.1", Action::Allow)]);
        assert!(!allowed(&policy, "127.0.0.1"));
    }

    #[test]
    fn a_rule_limited_to_a_protocol_applies_only_to_it() {
        let mut http_only = rule("plain.test", Action::Allow);
        http_only.protocols = Some(vec![Protocol::Http]);
        let policy = NetworkPolicy::new(vec![http_only]);
        assert!(matches!(
            policy.decide("plain.test", Protocol::Http),
            Decision::Allow { .. }
        ));
        assert!(!allowed(&policy, "plain.test"));
    }

    #[test]
    fn bad_patterns_are_refused_with_the_forms() {
        for bad in ["", "*.", "a..b", "http://x.test", "x.test/path", "*x.test"] {
            let err = HostPattern::parse(bad).unwrap_err();
            assert!(err.contains("*.example.com"), "{bad}: {err}");
        }
        assert_eq!(
            HostPattern::parse("[::1]").unwrap(),
            HostPattern::Exact("::1".into())
        );
    }
}
