//! The `<environment_context>` message: where the model is working and what
//! it may do. Sent at session start, and again (only the fields that
//! changed) when the settings change between turns.

use std::path::PathBuf;

use codex_protocol::models::ResponseItem;
use codex_protocol::protocol::{AskForApproval, SandboxPolicy};

pub(crate) const ENVIRONMENT_CONTEXT_OPEN: &str = "<environment_context>";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct EnvironmentContext {
    cwd: Option<PathBuf>,
    approval_policy: Option<AskForApproval>,
    sandbox_mode: Option<&'static str>,
    network_access: Option<&'static str>,
    writable_roots: Option<Vec<PathBuf>>,
    shell: Option<String>,
}

impl EnvironmentContext {
    pub(crate) fn new(
        cwd: PathBuf,
        approval_policy: AskForApproval,
        sandbox_policy: &SandboxPolicy,
        shell: Option<String>,
    ) -> Self {
        let (sandbox_mode, writable_roots) = match sandbox_policy {
            SandboxPolicy::DangerFullAccess => ("danger-full-access", None),
            SandboxPolicy::ReadOnly => ("read-only", None),
            SandboxPolicy::WorkspaceWrite { writable_roots, .. } => (
                "workspace-write",
                Some(writable_roots.clone()).filter(|r| !r.is_empty()),
            ),
        };
        Self {
            cwd: Some(cwd),
            approval_policy: Some(approval_policy),
            sandbox_mode: Some(sandbox_mode),
            network_access: Some(if sandbox_policy.has_full_network_access() {
                "enabled"
            } else {
                "restricted"
            }),
            writable_roots,
            shell,
        }
    }

    /// The fields of `next` that differ from `self` (the shell is never
    /// re-sent: it does not change within a session).
    pub(crate) fn diff(&self, next: &Self) -> Option<Self> {
        fn pick<T: PartialEq>(a: Option<T>, b: Option<T>) -> Option<T> {
            if a == b { None } else { b }
        }
        let diff = Self {
            cwd: pick(self.cwd.clone(), next.cwd.clone()),
            approval_policy: pick(self.approval_policy, next.approval_policy),
            sandbox_mode: pick(self.sandbox_mode, next.sandbox_mode),
            network_access: pick(self.network_access, next.network_access),
            writable_roots: if self.writable_roots == next.writable_roots {
                None
            } else {
                next.writable_roots.clone().or_else(|| Some(Vec::new()))
            },
            shell: None,
        };
        (diff != Self::default()).then_some(diff)
    }

    pub(crate) fn to_xml(&self) -> String {
        let mut lines = vec![ENVIRONMENT_CONTEXT_OPEN.to_string()];
        if let Some(cwd) = &self.cwd {
            lines.push(format!("  <cwd>{}</cwd>", cwd.display()));
        }
        if let Some(policy) = self.approval_policy {
            lines.push(format!("  <approval_policy>{policy}</approval_policy>"));
        }
        if let Some(mode) = self.sandbox_mode {
            lines.push(format!("  <sandbox_mode>{mode}</sandbox_mode>"));
        }
        if let Some(network) = self.network_access {
            lines.push(format!("  <network_access>{network}</network_access>"));
        }
        if let Some(roots) = &self.writable_roots {
            lines.push("  <writable_roots>".to_string());
            for root in roots {
                lines.push(format!("    <root>{}</root>", root.display()));
            }
            lines.push("  </writable_roots>".to_string());
        }
        if let Some(shell) = &self.shell {
            lines.push(format!("  <shell>{shell}</shell>"));
        }
        lines.push("</environment_context>".to_string());
        lines.join("\n")
    }

    pub(crate) fn to_response_item(&self) -> ResponseItem {
        ResponseItem::user_text(self.to_xml())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn full_and_diff() {
        let a = EnvironmentContext::new(
            PathBuf::from("/repo"),
            AskForApproval::OnRequest,
            &SandboxPolicy::new_workspace_write(),
            Some("bash".into()),
        );
        assert_eq!(
            a.to_xml(),
            "<environment_context>\n  <cwd>/repo</cwd>\n  <approval_policy>on-request</approval_policy>\n  <sandbox_mode>workspace-write</sandbox_mode>\n  <network_access>restricted</network_access>\n  <shell>bash</shell>\n</environment_context>"
        );
        assert_eq!(a.diff(&a.clone()), None);
        let b = EnvironmentContext::new(
            PathBuf::from("/repo"),
            AskForApproval::Never,
            &SandboxPolicy::DangerFullAccess,
            Some("zsh".into()),
        );
        assert_eq!(
            a.diff(&b).unwrap().to_xml(),
            "<environment_context>\n  <approval_policy>never</approval_policy>\n  <sandbox_mode>danger-full-access</sandbox_mode>\n  <network_access>enabled</network_access>\n</environment_context>"
        );
    }
}
