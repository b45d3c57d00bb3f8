//! The network allowlist of a session: the rules a permission profile's
//! `[permissions.NAME.network.domains]` and the `network_rule`s of the
//! command rules give, and the session's proxy (`codex-network-proxy`)
//! that enforces them. Commands whose policy has no full network reach
//! the network only through that proxy (the sandbox's bridge, see
//! `codex_sandbox::network`).
//!
//! The proxy is started once per session, when the profile lists domains;
//! its rules are fixed at that moment (a `.rules` file edited later takes
//! effect in the next session). Without domains in the profile,
//! `network_rule`s change nothing: the network is on or off as the
//! sandbox mode says.

use codex_config::Config;
use codex_execpolicy::{Decision, NetworkProtocol, Policy};
use codex_network_proxy::{
    Action, HostPattern, HostRule, NetworkPolicy, NetworkProxy, Protocol, ProxyConfig,
};

/// The session's rules, or `None` when the profile lists no domains. The
/// profile's entries come first (in file order), then the command rules'
/// `network_rule`s; a deny among any of them wins.
pub fn network_policy(
    config: &Config,
    rules: Option<&Policy>,
) -> Result<Option<NetworkPolicy>, String> {
    let Some(domains) = &config.network_domains else {
        return Ok(None);
    };
    let mut list = Vec::new();
    for (pattern, allow) in &domains.entries {
        let key = format!("{}.\"{pattern}\"", domains.key);
        let action = if *allow { Action::Allow } else { Action::Deny };
        list.push(HostRule::new(pattern, action, &key).map_err(|err| format!("{key}: {err}"))?);
    }
    for rule in rules.map(Policy::network_rules).unwrap_or_default() {
        let protocol = match rule.protocol {
            NetworkProtocol::Http => Protocol::Http,
            NetworkProtocol::Https => Protocol::Https,
            NetworkProtocol::Socks5Tcp => Protocol::Socks5Tcp,
            // The proxy relays no UDP, so such a rule has nothing to allow.
            NetworkProtocol::Socks5Udp => continue,
        };
        let (action, justification) = match rule.decision {
            Decision::Allow => (Action::Allow, rule.justification.clone()),
            Decision::Forbidden => (Action::Deny, rule.justification.clone()),
            // Nobody can be asked in the middle of a connection.
            Decision::Prompt => (
                Action::Deny,
                Some(rule.justification.clone().map_or_else(
                    || "the rule asks for approval, which a connection cannot get".to_string(),
                    |why| {
                        format!("{why} (the rule asks for approval, which a connection cannot get)")
                    },
                )),
            ),
        };
        list.push(HostRule {
            pattern: HostPattern::Exact(rule.host.clone()),
            action,
            protocols: Some(vec![protocol]),
            source: format!("network_rule at {}", rule.source),
            justification,
        });
    }
    Ok(Some(NetworkPolicy::new(list)))
}

/// Starts the session's proxy when the profile lists domains (on the
/// current tokio runtime). Errors name the setting at fault.
pub fn start_network_proxy(config: &Config) -> Result<Option<NetworkProxy>, String> {
    if config.network_domains.is_none() {
        return Ok(None);
    }
    // A rule file that fails to load refuses every command anyway (with its
    // file and line); the network then has the profile's rules only.
    let rules = crate::exec_rules::rules_cache(config).policy().ok();
    let Some(policy) = network_policy(config, rules.as_deref())? else {
        return Ok(None);
    };
    NetworkProxy::start(ProxyConfig {
        policy,
        ..ProxyConfig::default()
    })
    .map(Some)
    .map_err(|err| format!("cannot start the network allowlist proxy: {err}"))
}
