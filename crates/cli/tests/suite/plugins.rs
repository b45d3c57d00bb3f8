//! `codex plugin` as a program: a marketplace in a local bare git
//! repository (cloned with the system `git`), a plugin installed from it
//! whose skill and MCP server the next sessions offer, disabled and removed
//! again, with `config.toml`'s comments kept throughout.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command as Process;

use codex_test_support::Turn;

use super::exec::{ExecEnv, stderr, stdout};

fn git(dir: &Path, args: &[&str]) {
    let out = Process::new("git")
        .current_dir(dir)
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Publishes a marketplace `team` offering `demo` (with `files`, paths
/// relative to the plugin) as the bare repository `root/NAME.git`.
fn publish_demo(root: &Path, name: &str, files: &[(&str, String)]) -> std::path::PathBuf {
    let src = root.join(format!("{name}-src"));
    let plugin = src.join("plugins/demo");
    let mut all = vec![(
        ".codex-plugin/plugin.json",
        r#"{"name": "demo", "version": "1.0.0", "description": "Demo"}"#.to_string(),
    )];
    all.extend(files.iter().cloned());
    for (path, text) in all {
        let path = plugin.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::create_dir_all(src.join(".agents/plugins")).unwrap();
    std::fs::write(
        src.join(".agents/plugins/marketplace.json"),
        r#"{"name": "team", "plugins": [{"name": "demo", "source": "./plugins/demo"}]}"#,
    )
    .unwrap();
    git(&src, &["init", "-q", "."]);
    git(&src, &["add", "-A"]);
    git(&src, &["commit", "-qm", "marketplace"]);
    let bare = format!("{name}.git");
    git(
        root,
        &["clone", "-q", "--bare", &format!("{name}-src"), &bare],
    );
    root.join(bare)
}

/// A marketplace `team` offering `demo` (one skill and an MCP server), as
/// a bare repository.
fn bare_marketplace(root: &Path) -> std::path::PathBuf {
    // The MCP server is in the plugin's default `.mcp.json`.
    let mcp = serde_json::json!({"mcpServers": {"pyplug": {
        "type": "stdio",
        "command": codex_test_support::peers::python(),
        "args": [codex_test_support::peers::py_mcp_server()],
    }}});
    publish_demo(
        root,
        "team",
        &[
            (".mcp.json", mcp.to_string()),
            (
                "skills/hello/SKILL.md",
                "---\nname: hello\ndescription: Say hello the team's way\n---\nBody.\n".to_string(),
            ),
        ],
    )
}

/// The text parts of the developer messages of request `index`, in order.
fn developer_parts(env: &ExecEnv, index: usize) -> Vec<String> {
    env.server.requests()[index]
        .input()
        .into_iter()
        .filter(|item| item["role"] == "developer")
        .flat_map(|item| item["content"].as_array().cloned().unwrap_or_default())
        .filter_map(|part| part["text"].as_str().map(str::to_string))
        .collect()
}

fn section_of(env: &ExecEnv, index: usize) -> String {
    codex_test_support::last_skills_section(&env.server.requests()[index].input())
        .unwrap_or_default()
}

#[test]
fn a_plugin_from_a_git_marketplace_is_installed_offered_disabled_and_removed() {
    let env = ExecEnv::new();
    env.home.append_config("# my comment\n");
    let repos = tempfile::tempdir().unwrap();
    let bare = bare_marketplace(repos.path());
    let plugin = |args: &[&str]| {
        let out = super::cli_basics::codex()
            .env("CODEX_HOME", env.home.path())
            .env("HOME", env.home.path())
            .current_dir(env.workspace())
            .arg("plugin")
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "plugin {args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let url = format!("file://{}", bare.display());
    let added = plugin(&["marketplace", "add", &url]);
    assert!(added.contains("Added marketplace `team`"), "{added}");
    assert!(plugin(&["marketplace", "list"]).contains("team"));
    let listed = plugin(&["list"]);
    assert!(
        listed.contains("demo@team") && listed.contains("not installed"),
        "{listed}"
    );

    plugin(&["add", "demo@team"]);
    let installed = env.home.path().join("plugins/cache/team/demo/1.0.0");
    assert!(installed.join("skills/hello/SKILL.md").is_file());
    let mode = std::fs::metadata(env.home.path().join("plugins/cache/team/demo"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
    let config = std::fs::read_to_string(env.home.path().join("config.toml")).unwrap();
    assert!(config.contains("# my comment"), "{config}");
    assert!(
        config.contains("[plugins.\"demo@team\"]\nenabled = true"),
        "{config}"
    );
    assert!(plugin(&["list"]).contains("installed, enabled"));

    // The next session offers its skill, named for the plugin.
    env.server.push_turn(Turn::new().text("ok"));
    let out = env
        .exec()
        .env("HOME", env.home.path())
        .args(["--skip-git-repo-check", "hi $demo:hello"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let section = section_of(&env, 0);
    assert!(
        section.contains(
            "- demo:hello: Say hello the team's way (file: r0/demo/1.0.0/skills/hello/SKILL.md)"
        ),
        "{section}"
    );
    assert!(section.contains(&format!(
        "`r0` = `{}`",
        env.home.path().join("plugins/cache/team").display()
    )));
    // The plugins part follows the skills section, as in the reference.
    let parts = developer_parts(&env, 0);
    let skills = parts
        .iter()
        .position(|p| p.starts_with("<skills_instructions>"));
    let plugins = parts
        .iter()
        .position(|p| p.starts_with("<plugins_instructions>"));
    assert!(
        matches!((skills, plugins), (Some(s), Some(p)) if p == s + 1),
        "{parts:#?}"
    );
    let texts = env.server.requests()[0].user_texts();
    assert!(
        texts
            .last()
            .unwrap()
            .starts_with("<skill>\n<name>demo:hello</name>")
    );

    // Its MCP server joins `mcp list` and sessions under its own name.
    let mcp_list = |env: &ExecEnv| {
        let out = super::cli_basics::codex()
            .env("CODEX_HOME", env.home.path())
            .env("HOME", env.home.path())
            .args(["mcp", "list"])
            .output()
            .unwrap();
        stdout(&out)
    };
    assert!(mcp_list(&env).contains("pyplug"), "{}", mcp_list(&env));
    env.server.push_turn(Turn::new().function_call(
        "c1",
        "mcp__pyplug__lookup",
        serde_json::json!({"key": "k"}),
    ));
    env.server.push_turn(Turn::new().text("done"));
    let out = env
        .exec()
        .env("HOME", env.home.path())
        .args(["--skip-git-repo-check", "look it up"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let answer = env.server.requests()[2]
        .tool_output("c1")
        .unwrap_or_default();
    assert!(answer.contains("value of k"), "{answer}");

    // Disabled: gone from the next session.
    plugin(&["disable", "demo", "--marketplace", "team"]);
    env.server.push_turn(Turn::new().text("ok"));
    let out = env
        .exec()
        .env("HOME", env.home.path())
        .args(["--skip-git-repo-check", "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!section_of(&env, 3).contains("demo:hello"));
    assert!(
        !developer_parts(&env, 3)
            .iter()
            .any(|p| p.starts_with("<plugins_instructions>"))
    );
    assert!(!mcp_list(&env).contains("pyplug"));

    plugin(&["remove", "demo@team"]);
    assert!(!env.home.path().join("plugins/cache/team/demo").exists());
    plugin(&["marketplace", "remove", "team"]);
    let config = std::fs::read_to_string(env.home.path().join("config.toml")).unwrap();
    assert!(config.contains("# my comment"), "{config}");
    assert!(
        !config.contains("demo@team") && !config.contains("[marketplaces"),
        "{config}"
    );
    assert!(!env.home.path().join("plugins/marketplaces/team").exists());
}

/// A marketplace `team` offering `demo`, whose only content is a
/// `UserPromptSubmit` hook appending to `marker`.
fn hook_marketplace(root: &Path, marker: &Path) -> std::path::PathBuf {
    let hooks = serde_json::json!({"hooks": {"UserPromptSubmit": [{"hooks": [
        {"type": "command", "command": format!("echo ran >> '{}'", marker.display())}
    ]}]}});
    publish_demo(
        root,
        "hook-team",
        &[("hooks/hooks.json", hooks.to_string())],
    )
}

#[test]
fn a_plugin_hook_runs_only_once_trusted_and_goes_with_the_plugin() {
    let env = ExecEnv::new();
    env.home.append_config("# keep me\n");
    let repos = tempfile::tempdir().unwrap();
    let marker = repos.path().join("ran");
    let bare = hook_marketplace(repos.path(), &marker);
    let codex = |args: &[&str]| {
        let out = super::cli_basics::codex()
            .env("CODEX_HOME", env.home.path())
            .env("HOME", env.home.path())
            .current_dir(env.workspace())
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let url = format!("file://{}", bare.display());
    codex(&["plugin", "marketplace", "add", &url]);
    codex(&["plugin", "add", "demo@team"]);
    let key = "demo@team:hooks/hooks.json:user_prompt_submit:0:0";
    let session = |extra: &[&str]| {
        env.server.push_turn(Turn::new().text("ok"));
        let out = env
            .exec()
            .env("HOME", env.home.path())
            .args(["--skip-git-repo-check"])
            .args(extra)
            .arg("hi")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };

    // Installed but not trusted: listed, named in a warning, never run.
    let listed = codex(&["hooks", "list"]);
    assert!(
        listed.contains("untrusted") && listed.contains(key),
        "{listed}"
    );
    let err = session(&[]);
    assert!(
        err.contains("not run until trusted") && err.contains(key),
        "{err}"
    );
    assert!(!marker.exists(), "an untrusted plugin hook ran");

    // The bypass runs it for that run only, saying so.
    let err = session(&["--dangerously-bypass-hook-trust"]);
    assert!(err.contains("--dangerously-bypass-hook-trust"), "{err}");
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "ran\n");
    std::fs::remove_file(&marker).unwrap();
    session(&[]);
    assert!(!marker.exists());

    // Trusted the reference's way: it runs from then on.
    let trusted = codex(&["hooks", "trust", "--plugin", "demo@team"]);
    assert!(trusted.contains(key), "{trusted}");
    let config = std::fs::read_to_string(env.home.path().join("config.toml")).unwrap();
    assert!(config.contains("# keep me"), "{config}");
    let doc = config.parse::<toml_edit::DocumentMut>().unwrap();
    let record = doc["hooks"]["state"][key]["trusted_hash"]
        .as_str()
        .unwrap()
        .to_string();
    let (identity, fingerprint) = record.split_once('/').unwrap();
    assert!(
        identity.starts_with("sha256:") && fingerprint.starts_with("sha256:"),
        "{record}"
    );
    session(&[]);
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "ran\n");
    assert!(codex(&["hooks", "list"]).contains("yes"));

    // A changed plugin asks again.
    let installed = env.home.path().join("plugins/cache/team/demo/1.0.0");
    std::fs::write(installed.join("extra.sh"), "echo\n").unwrap();
    std::fs::remove_file(&marker).unwrap();
    session(&[]);
    assert!(
        !marker.exists(),
        "a modified plugin's hook ran on old trust"
    );
    std::fs::remove_file(installed.join("extra.sh")).unwrap();

    // Disabled: its hook is gone from the next session.
    codex(&["plugin", "disable", "demo@team"]);
    session(&[]);
    assert!(!marker.exists());
    assert!(!codex(&["hooks", "list"]).contains(key));
}
