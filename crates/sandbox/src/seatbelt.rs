//! macOS: a Seatbelt profile for each policy, run by `/usr/bin/sandbox-exec`.
//!
//! Roots are passed as parameters (`-DWRITABLE_ROOT_0=/path`) rather than
//! spliced into the profile text, so no path can change the profile's
//! meaning. This module only builds text and arguments; it is unit-tested on
//! every platform.

use std::path::{Path, PathBuf};

use codex_protocol::protocol::SandboxPolicy;

use crate::roots::writable_roots;

/// The only `sandbox-exec` that is trusted (never one found on PATH).
pub const SANDBOX_EXEC: &str = "/usr/bin/sandbox-exec";

const BASE_POLICY: &str = r#"(version 1)
; Deny everything not allowed below.
(deny default)

; Run programs and children, and signal/inspect processes of this sandbox.
(allow process-exec)
(allow process-fork)
(allow signal (target same-sandbox))
(allow process-info* (target same-sandbox))

; Read anything.
(allow file-read*)

; Devices every command writes to.
(allow file-write-data
  (literal "/dev/null")
  (literal "/dev/zero")
  (literal "/dev/tty"))

; Terminals.
(allow pseudo-tty)
(allow file-read* file-write* file-ioctl (literal "/dev/ptmx"))
(allow file-read* file-write* file-ioctl (regex #"^/dev/ttys[0-9]+$"))

; System information commonly read by tools.
(allow sysctl-read)
(allow user-preference-read)
(allow mach-lookup
  (global-name "com.apple.system.opendirectoryd.libinfo")
  (global-name "com.apple.system.logger")
  (global-name "com.apple.PowerManagement.control"))
(allow ipc-posix-sem)
"#;

const NETWORK_POLICY: &str = r#"
; Network access (this policy allows it).
(allow network-outbound)
(allow network-inbound)
(allow system-socket)
(allow mach-lookup
  (global-name "com.apple.SystemConfiguration.configd")
  (global-name "com.apple.dnssd.service"))
"#;

/// The profile text and its `-D` parameters for `policy` in `cwd`.
pub fn seatbelt_policy(
    policy: &SandboxPolicy,
    cwd: &Path,
    tmpdir: Option<&Path>,
) -> (String, Vec<(String, String)>) {
    let mut text = BASE_POLICY.to_string();
    let mut params = Vec::new();
    if matches!(policy, SandboxPolicy::DangerFullAccess) {
        text.push_str("\n(allow file-write*)\n");
    } else {
        let roots = writable_roots(policy, cwd, tmpdir);
        if !roots.is_empty() {
            text.push_str(
                "\n; Writable roots, minus their protected subpaths.\n(allow file-write*",
            );
            for (i, root) in roots.iter().enumerate() {
                let name = format!("WRITABLE_ROOT_{i}");
                params.push((name.clone(), root.root.display().to_string()));
                if root.read_only_subpaths.is_empty() {
                    text.push_str(&format!("\n  (subpath (param \"{name}\"))"));
                } else {
                    text.push_str(&format!("\n  (require-all (subpath (param \"{name}\"))"));
                    for (j, sub) in root.read_only_subpaths.iter().enumerate() {
                        let sub_name = format!("{name}_RO_{j}");
                        params.push((sub_name.clone(), sub.display().to_string()));
                        text.push_str(&format!(
                            "\n    (require-not (subpath (param \"{sub_name}\")))"
                        ));
                    }
                    text.push(')');
                }
            }
            text.push_str(")\n");
        }
    }
    if policy.has_full_network_access() {
        text.push_str(NETWORK_POLICY);
    }
    (text, params)
}

/// Arguments of `sandbox-exec` to run `argv` under `policy`, with
/// `hidden` neither readable nor writable (rules later in a profile win).
pub fn seatbelt_args(
    policy: &SandboxPolicy,
    cwd: &Path,
    tmpdir: Option<&Path>,
    hidden: &[PathBuf],
    argv: &[String],
) -> Vec<String> {
    let (mut text, mut params) = seatbelt_policy(policy, cwd, tmpdir);
    if !hidden.is_empty() {
        text.push_str("\n; Secrets no command may touch.\n(deny file-read* file-write*");
        for (i, path) in hidden.iter().enumerate() {
            let name = format!("HIDDEN_{i}");
            params.push((name.clone(), path.display().to_string()));
            text.push_str(&format!("\n  (subpath (param \"{name}\"))"));
        }
        text.push_str(")\n");
    }
    let mut args = vec!["-p".to_string(), text];
    args.extend(params.into_iter().map(|(k, v)| format!("-D{k}={v}")));
    args.push("--".to_string());
    args.extend(argv.iter().cloned());
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_has_no_writable_roots_and_no_network() {
        let (text, params) = seatbelt_policy(&SandboxPolicy::ReadOnly, Path::new("/r"), None);
        assert!(text.starts_with("(version 1)\n; Deny everything"));
        assert!(text.contains("(deny default)"));
        assert!(text.contains("(allow file-read*)"));
        assert!(!text.contains("(allow file-write*"));
        assert!(!text.contains("network-outbound"));
        assert!(params.is_empty());
    }

    #[test]
    fn workspace_write_lists_roots_and_protects_git() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().canonicalize().unwrap();
        std::fs::create_dir(repo.join(".git")).unwrap();
        let policy = SandboxPolicy::WorkspaceWrite {
            writable_roots: vec![],
            network_access: true,
            exclude_tmpdir_env_var: true,
            exclude_slash_tmp: true,
        };
        let args = seatbelt_args(
            &policy,
            &repo,
            None,
            &[],
            &["ls".to_string(), "-l".to_string()],
        );
        assert_eq!(args[0], "-p");
        let text = &args[1];
        assert!(text.contains(
            "(allow file-write*\n  (require-all (subpath (param \"WRITABLE_ROOT_0\"))\n    (require-not (subpath (param \"WRITABLE_ROOT_0_RO_0\")))))"
        ), "{text}");
        assert!(text.contains("(allow network-outbound)"));
        assert_eq!(args[2], format!("-DWRITABLE_ROOT_0={}", repo.display()));
        assert_eq!(
            args[3],
            format!("-DWRITABLE_ROOT_0_RO_0={}", repo.join(".git").display())
        );
        assert_eq!(&args[4..], &["--", "ls", "-l"]);
    }

    #[test]
    fn hidden_paths_are_denied_last() {
        let hidden = vec![PathBuf::from("/home/me/.codex/auth.json")];
        let args = seatbelt_args(
            &SandboxPolicy::ReadOnly,
            Path::new("/r"),
            None,
            &hidden,
            &["true".to_string()],
        );
        assert!(
            args[1].ends_with("(deny file-read* file-write*\n  (subpath (param \"HIDDEN_0\")))\n"),
            "{}",
            args[1]
        );
        assert_eq!(args[2], "-DHIDDEN_0=/home/me/.codex/auth.json");
    }

    #[test]
    fn full_access_writes_anywhere() {
        let (text, _) = seatbelt_policy(&SandboxPolicy::DangerFullAccess, Path::new("/"), None);
        assert!(text.contains("\n(allow file-write*)\n"));
        assert!(text.contains("(allow network-outbound)"));
    }
}
