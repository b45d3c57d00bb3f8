//! Permission profiles: `default_permissions = "NAME"` and
//! `[permissions.NAME]` tables (the reference's beta format) in place of
//! the three fixed sandbox modes.
//!
//! ```toml
//! default_permissions = "dev"       # or ":read-only" | ":workspace" | ":danger-full-access"
//! [permissions.dev.filesystem]
//! ":root" = "read"
//! "~/.cache/pip" = "write"
//! [permissions.dev.filesystem.":workspace_roots"]
//! "." = "write"
//! "secrets" = "deny"
//! [permissions.dev.network]
//! enabled = true
//! ```
//!
//! A profile is enforced by the sandbox's existing layers: it becomes a
//! [`SandboxPolicy`] (what is writable, whether there is network) and a
//! list of denied paths, which the sandbox covers with unreadable
//! placeholders (deny wins over write). Reading stays open everywhere
//! else, as under every sandbox mode; a profile that does not grant
//! `":root"` read is told so in a warning rather than silently treated as
//! stricter than it is. A profile whose network is enabled and lists
//! `[permissions.NAME.network.domains]` gets no direct network at all: its
//! commands reach only the session's allowlist proxy
//! (`codex-network-proxy`), which allows or denies each host by these
//! entries ([`NetworkDomains`]) — whatever `[features] network_proxy` says
//! (the reference enforces domains only with that feature and otherwise
//! opens the network; codex never does).

use std::path::{Path, PathBuf};

use codex_protocol::protocol::SandboxPolicy;
use toml::Value;

/// A profile resolved for one working directory.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedPermissions {
    pub profile: String,
    pub policy: SandboxPolicy,
    /// Neither readable nor writable by commands (existing paths only).
    pub denied_paths: Vec<PathBuf>,
    /// Things the person should know (`profile.key: message`).
    pub warnings: Vec<String>,
    /// The domain rules, when the profile's network goes through the
    /// allowlist proxy.
    pub network_domains: Option<NetworkDomains>,
}

/// `[permissions.NAME.network.domains]`: host patterns allowed or denied,
/// in file order. The patterns are checked when the proxy starts
/// (`codex_network_proxy::HostPattern`), with errors naming [`Self::key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkDomains {
    /// `permissions.NAME.network.domains`, for messages.
    pub key: String,
    /// `(pattern, allow)`: `true` for "allow", `false` for "deny".
    pub entries: Vec<(String, bool)>,
}

/// The network of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Network {
    Off,
    Full,
    Proxied(NetworkDomains),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
    Deny,
}

fn access_of(value: &Value, key: &str) -> Result<Access, String> {
    match value.as_str() {
        Some("read") => Ok(Access::Read),
        Some("write") => Ok(Access::Write),
        Some("deny") => Ok(Access::Deny),
        _ => Err(format!(
            "`{key}` must be \"read\", \"write\" or \"deny\" (got {value})"
        )),
    }
}

/// Resolves profile `name` from the `[permissions]` table for `cwd`
/// (`home` expands `~/`). Errors name the key at fault.
pub fn resolve(
    name: &str,
    permissions: Option<&toml::Table>,
    cwd: &Path,
    home: Option<&Path>,
) -> Result<ResolvedPermissions, String> {
    let builtin = |policy: SandboxPolicy| ResolvedPermissions {
        profile: name.to_string(),
        policy,
        denied_paths: Vec::new(),
        warnings: Vec::new(),
        network_domains: None,
    };
    match name {
        ":read-only" => return Ok(builtin(SandboxPolicy::ReadOnly)),
        ":workspace" => return Ok(builtin(SandboxPolicy::new_workspace_write())),
        ":danger-full-access" => return Ok(builtin(SandboxPolicy::DangerFullAccess)),
        other if other.starts_with(':') => {
            return Err(format!(
                "unknown built-in profile `{other}`: use \":read-only\", \":workspace\", \":danger-full-access\" or a [permissions.NAME] table"
            ));
        }
        _ => {}
    }
    let profile = permissions.and_then(|p| p.get(name)).ok_or_else(|| {
        format!("profile `{name}` is not defined: add a [permissions.{name}] table")
    })?;
    let profile = profile
        .as_table()
        .ok_or_else(|| format!("permissions.{name} must be a table"))?;

    let mut rules: Vec<(PathBuf, Access)> = Vec::new();
    let mut root = None;
    let (mut workspace, mut tmpdir) = (None, None);
    if let Some(fs) = profile.get("filesystem") {
        let fs = fs
            .as_table()
            .ok_or_else(|| format!("permissions.{name}.filesystem must be a table"))?;
        for (key, value) in fs {
            let at = format!("permissions.{name}.filesystem.\"{key}\"");
            match key.as_str() {
                ":root" => root = Some(access_of(value, &at)?),
                ":minimal" => {
                    access_of(value, &at)?;
                }
                ":tmpdir" => tmpdir = Some(access_of(value, &at)?),
                ":workspace_roots" => match value {
                    Value::Table(entries) => {
                        for (sub, access) in entries {
                            let at = format!("{at}.\"{sub}\"");
                            let access = access_of(access, &at)?;
                            if sub == "." {
                                workspace = Some(access);
                            } else {
                                rules.push((cwd.join(sub), access));
                            }
                        }
                    }
                    other => workspace = Some(access_of(other, &at)?),
                },
                special if special.starts_with(':') => {
                    return Err(format!(
                        "{at}: unknown special path; use \":root\", \":minimal\", \":tmpdir\", \":workspace_roots\", an absolute path or ~/path"
                    ));
                }
                path => rules.push((expand(path, cwd, home), access_of(value, &at)?)),
            }
        }
    }

    let mut warnings = Vec::new();
    let (network, network_domains) = match network_of(name, profile.get("network"))? {
        Network::Off => (false, None),
        Network::Full => (true, None),
        Network::Proxied(domains) => (false, Some(domains)),
    };

    let writes: Vec<PathBuf> = rules
        .iter()
        .filter(|(_, a)| *a == Access::Write)
        .map(|(p, _)| p.clone())
        .collect();
    let denied_paths: Vec<PathBuf> = rules
        .iter()
        .filter(|(_, a)| *a == Access::Deny)
        .map(|(p, _)| p.clone())
        .collect();
    if workspace == Some(Access::Deny) {
        return Err(format!(
            "permissions.{name}.filesystem.\":workspace_roots\": the workspace itself cannot be denied; deny paths inside it instead"
        ));
    }
    if root != Some(Access::Read) && root != Some(Access::Write) {
        warnings.push(format!(
            "permissions.{name}.filesystem: commands can read every path except the denied ones (codex's sandbox does not restrict reading further); say \":root\" = \"read\" to make that explicit"
        ));
    }
    let tmp_write = tmpdir == Some(Access::Write);
    let workspace_write = workspace == Some(Access::Write);
    let policy = if root == Some(Access::Write) {
        SandboxPolicy::WorkspaceWrite {
            writable_roots: vec![PathBuf::from("/")],
            network_access: network,
            exclude_tmpdir_env_var: false,
            exclude_slash_tmp: false,
        }
    } else if workspace_write {
        SandboxPolicy::WorkspaceWrite {
            writable_roots: writes,
            network_access: network,
            exclude_tmpdir_env_var: !tmp_write,
            exclude_slash_tmp: !tmp_write,
        }
    } else if !writes.is_empty() || tmp_write {
        return Err(format!(
            "permissions.{name}.filesystem: a profile that writes outside the workspace must also write the workspace (\":workspace_roots\" = {{ \".\" = \"write\" }}); codex's sandbox cannot make other paths writable while the workspace stays read-only"
        ));
    } else {
        if network {
            warnings.push(format!(
                "permissions.{name}.network: a profile that writes nothing runs without network in codex's sandbox"
            ));
        }
        SandboxPolicy::ReadOnly
    };
    Ok(ResolvedPermissions {
        profile: name.to_string(),
        policy,
        denied_paths,
        warnings,
        network_domains,
    })
}

/// The profile's network: off, full, or through the allowlist proxy.
fn network_of(name: &str, network: Option<&Value>) -> Result<Network, String> {
    let Some(network) = network else {
        return Ok(Network::Off);
    };
    let at = format!("permissions.{name}.network");
    let network = network
        .as_table()
        .ok_or_else(|| format!("{at} must be a table"))?;
    if let Some(mode) = network.get("mode")
        && !matches!(mode.as_str(), Some("limited" | "full"))
    {
        return Err(format!(
            "{at}.mode must be \"limited\" or \"full\" (got {mode})"
        ));
    }
    let enabled = match network.get("enabled") {
        None => false,
        Some(Value::Boolean(b)) => *b,
        Some(other) => return Err(format!("{at}.enabled must be true or false (got {other})")),
    };
    let Some(domains) = network.get("domains") else {
        return Ok(if enabled { Network::Full } else { Network::Off });
    };
    let key = format!("{at}.domains");
    let domains = domains
        .as_table()
        .ok_or_else(|| format!("{key} must be a table of \"HOST\" = \"allow\" | \"deny\""))?;
    let mut entries = Vec::new();
    for (pattern, value) in domains {
        let allow = match value.as_str() {
            Some("allow") => true,
            Some("deny") => false,
            _ => {
                return Err(format!(
                    "{key}.\"{pattern}\" must be \"allow\" or \"deny\" (got {value})"
                ));
            }
        };
        entries.push((pattern.clone(), allow));
    }
    if !enabled || entries.is_empty() {
        return Ok(if enabled { Network::Full } else { Network::Off });
    }
    Ok(Network::Proxied(NetworkDomains { key, entries }))
}

fn expand(path: &str, cwd: &Path, home: Option<&Path>) -> PathBuf {
    if path == "~"
        && let Some(home) = home
    {
        return home.to_path_buf();
    }
    if let (Some(rest), Some(home)) = (path.strip_prefix("~/"), home) {
        return home.join(rest);
    }
    cwd.join(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse::<toml::Table>().unwrap()
    }

    #[test]
    fn a_profile_becomes_a_policy_and_denied_paths() {
        let t = table(
            r#"
[dev.filesystem]
":root" = "read"
"/opt/cache" = "write"
"~/.ssh" = "deny"
[dev.filesystem.":workspace_roots"]
"." = "write"
"secrets" = "deny"
[dev.network]
enabled = true
mode = "full"
unknown_key = 1
"#,
        );
        let resolved = resolve(
            "dev",
            Some(&t),
            Path::new("/ws"),
            Some(Path::new("/home/me")),
        )
        .unwrap();
        assert_eq!(
            resolved.policy,
            SandboxPolicy::WorkspaceWrite {
                writable_roots: vec![PathBuf::from("/opt/cache")],
                network_access: true,
                exclude_tmpdir_env_var: true,
                exclude_slash_tmp: true,
            }
        );
        assert_eq!(
            resolved.denied_paths,
            vec![PathBuf::from("/ws/secrets"), PathBuf::from("/home/me/.ssh")]
        );
        assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
    }

    #[test]
    fn builtins_and_errors() {
        let cwd = Path::new("/ws");
        assert_eq!(
            resolve(":read-only", None, cwd, None).unwrap().policy,
            SandboxPolicy::ReadOnly
        );
        assert!(
            resolve(":nope", None, cwd, None)
                .unwrap_err()
                .contains(":nope")
        );
        assert!(
            resolve("missing", None, cwd, None)
                .unwrap_err()
                .contains("[permissions.missing]")
        );
        let t = table("[p.network]\nmode = \"half\"\n");
        assert!(
            resolve("p", Some(&t), cwd, None)
                .unwrap_err()
                .contains("mode")
        );
        let t = table("[p.filesystem]\n\"/x\" = \"write\"\n");
        assert!(
            resolve("p", Some(&t), cwd, None)
                .unwrap_err()
                .contains("workspace")
        );
        let t = table("[p.filesystem]\n\":root\" = \"execute\"\n");
        assert!(
            resolve("p", Some(&t), cwd, None)
                .unwrap_err()
                .contains("\":root\"")
        );
    }

    #[test]
    fn domain_rules_never_give_open_network() {
        let t = table(
            "[p.filesystem.\":workspace_roots\"]\n\".\" = \"write\"\n[p.network]\nenabled = true\n[p.network.domains]\n\"example.com\" = \"allow\"\n",
        );
        let resolved = resolve("p", Some(&t), Path::new("/ws"), None).unwrap();
        assert!(!resolved.policy.has_full_network_access());
        assert_eq!(
            resolved.network_domains,
            Some(NetworkDomains {
                key: "permissions.p.network.domains".into(),
                entries: vec![("example.com".into(), true)],
            })
        );
        let t = table(
            "[p.filesystem.\":workspace_roots\"]\n\".\" = \"write\"\n[p.network]\nenabled = true\n[p.network.domains]\n\"example.com\" = \"maybe\"\n",
        );
        let err = resolve("p", Some(&t), Path::new("/ws"), None).unwrap_err();
        assert!(
            err.contains(
                "permissions.p.network.domains.\"example.com\" must be \"allow\" or \"deny\""
            ),
            "{err}"
        );
        // Disabled network: the domains open nothing.
        let t = table(
            "[p.network]\nenabled = false\n[p.network.domains]\n\"example.com\" = \"allow\"\n",
        );
        let resolved = resolve("p", Some(&t), Path::new("/ws"), None).unwrap();
        assert_eq!(resolved.network_domains, None);
    }
}
