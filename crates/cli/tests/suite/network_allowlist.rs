//! The network allowlist end to end: a permission profile with
//! `[permissions.net.network.domains]` and a `.rules` `network_rule`, a
//! loopback HTTP server on the host, and commands run through `codex
//! sandbox -P net` and through a `codex exec` turn, as root and as uid
//! 65534. The allowed host ("localhost", listed exactly) is reached through
//! the proxy variables; a raw IP, a host a rule forbids, a connection that
//! ignores the proxy and a name lookup all fail.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use codex_test_support::{MockModelServer, TestCodexHome, Turn};
use serde_json::{Value, json};

use super::sandbox_attacks::{NOBODY, User, command_as};

/// The profile's tables (the domains table last, so a test can add to it).
const PROFILE_TABLES: &str = r#"
[permissions.net.filesystem]
":root" = "read"
[permissions.net.filesystem.":workspace_roots"]
"." = "write"
[permissions.net.network]
enabled = true
[permissions.net.network.domains]
"localhost" = "allow"
"**.example" = "allow"
"#;

const RULES: &str = "network_rule(host=\"blocked.example\", protocol=\"https\", decision=\"forbidden\", justification=\"no exfiltration\")\n";

/// A host server answering `hello <path>`; its port.
fn origin() -> u16 {
    codex_test_support::HelloOrigin::start().port()
}

/// A workspace and a CODEX_HOME (with the profile and the rule) owned by
/// `user`.
struct Arena {
    dir: tempfile::TempDir,
    user: User,
}

impl Arena {
    /// `top`: more top-level keys; `domains`: more domain entries.
    fn new(user: User, top: &str, domains: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let arena = Self { dir, user };
        std::fs::create_dir_all(arena.home().join("rules")).unwrap();
        std::fs::create_dir_all(arena.workspace()).unwrap();
        std::fs::write(
            arena.home().join("config.toml"),
            format!("default_permissions = \"net\"\n{top}\n{PROFILE_TABLES}{domains}"),
        )
        .unwrap();
        std::fs::write(arena.home().join("rules/net.rules"), RULES).unwrap();
        if user == User::Nobody {
            let status = Command::new("chown")
                .args(["-R", &format!("{NOBODY}:{NOBODY}")])
                .arg(arena.dir.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        arena
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn workspace(&self) -> PathBuf {
        self.dir.path().join("workspace")
    }

    fn codex(&self) -> Command {
        let mut command = command_as(self.user, env!("CARGO_BIN_EXE_codex"));
        command
            .env("CODEX_HOME", self.home())
            .env("HOME", self.home())
            .current_dir(self.workspace())
            .stdin(Stdio::null());
        command
    }
}

/// What every way of running checks: one line per attempt.
fn script(port: u16) -> String {
    format!(
        "echo active=$CODEX_NETWORK_PROXY_ACTIVE; \
         curl -sS --max-time 20 http://localhost:{port}/allowed; echo; \
         curl -sS --max-time 20 -w ' status=%{{http_code}}' http://127.0.0.1:{port}/raw-ip; echo; \
         curl -sS --max-time 20 -o /dev/null http://127.0.0.1:{port}/raw-ip-again; \
         curl -sS --max-time 20 -p https://blocked.example/ 2>&1; echo forbidden-exit=$?; \
         curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:{port}/direct 2>&1; echo direct-exit=$?; \
         python3 -c \"import socket; socket.getaddrinfo('example.com', 80)\" 2>/dev/null; echo dns-exit=$?"
    )
}

fn check(output: &str, label: &str) {
    for expected in [
        "active=1",
        "hello /allowed",
        "\"127.0.0.1\" is not in the allowlist (for http)",
        "status=403",
        "forbidden-exit=56",
        "direct-exit=7",
        "dns-exit=1",
    ] {
        assert!(
            output.contains(expected),
            "{label}: no `{expected}` in {output}"
        );
    }
    assert!(!output.contains("hello /raw-ip"), "{label}: {output}");
    assert!(!output.contains("hello /direct"), "{label}: {output}");
}

#[test]
fn codex_sandbox_with_a_profile_reaches_only_allowed_hosts() {
    let port = origin();
    for user in [User::Root, User::Nobody] {
        let arena = Arena::new(user, "", "");
        let output = arena
            .codex()
            .args(["sandbox", "-P", "net", "--", "sh", "-c", &script(port)])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let label = format!("{user:?}");
        check(&stdout, &label);
        assert!(
            stderr.contains(&format!(
                "codex: network access to \"blocked.example\" was blocked: \"blocked.example\" is denied by network_rule at {}:1: no exfiltration",
                arena.home().join("rules/net.rules").display()
            )),
            "{label}: {stderr}"
        );
        // The profile is accepted as it is: no warning about it.
        assert!(!stderr.contains("warning"), "{label}: {stderr}");
    }
}

#[test]
fn an_exec_turn_runs_commands_behind_the_allowlist() {
    let port = origin();
    for user in [User::Root, User::Nobody] {
        let server = MockModelServer::start();
        server.push_turn(Turn::new().function_call(
            "net",
            "shell",
            json!({"command": ["sh", "-c", script(port)], "timeout_ms": 60000}),
        ));
        server.push_turn(Turn::new().text("done"));
        let arena = Arena::new(
            user,
            &TestCodexHome::mock_provider_config(&server.base_url(), "responses"),
            "",
        );

        let output = arena
            .codex()
            .args(["exec", "--skip-git-repo-check", "fetch it"])
            .output()
            .unwrap();
        let label = format!("{user:?}");
        assert!(
            output.status.success(),
            "{label}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let requests = server.requests();
        let raw = requests
            .last()
            .and_then(|r| r.tool_output("net"))
            .unwrap_or_else(|| panic!("{label}: no tool output"));
        let value: Value = serde_json::from_str(&raw).unwrap_or(json!({"output": raw}));
        check(value["output"].as_str().unwrap_or(&raw), &label);

        // Refused twice, logged once, in the log table.
        let count = Command::new("python3")
            .arg("-c")
            .arg(
                "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); \
                 print(db.execute(\"select count(*) from logs where target = 'codex_network_proxy' \
                 and message like '%\\\"127.0.0.1\\\" is not in the allowlist%'\").fetchone()[0])",
            )
            .arg(arena.home().join("state.sqlite"))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&count.stdout).trim(),
            "1",
            "{label}: {}",
            String::from_utf8_lossy(&count.stderr)
        );
    }
}

/// A profile whose domain pattern is malformed fails before any command,
/// naming the key.
#[test]
fn a_bad_domain_pattern_is_an_error_naming_the_key() {
    let arena = Arena::new(User::Root, "", "\"http://bad.example/x\" = \"allow\"\n");
    let output = arena
        .codex()
        .args(["sandbox", "-P", "net", "--", "true"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("permissions.net.network.domains.\"http://bad.example/x\""),
        "{stderr}"
    );
}
