//! `codex mcp add | list | get | remove`: config.toml edited in place,
//! comments kept, nothing started.

use assert_cmd::Command;
use codex_test_support::TestCodexHome;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

fn mcp(home: &TestCodexHome, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_codex"))
        .env("CODEX_HOME", home.path())
        .arg("mcp")
        .args(args)
        .output()
        .unwrap()
}

fn out(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn add_list_get_remove_edit_the_file_and_keep_comments() {
    let home = TestCodexHome::new();
    home.write_config("# my settings\nmodel = \"o3\" # the fast one\n");
    let added = mcp(
        &home,
        &[
            "add",
            "docs",
            "--env",
            "TOKEN=abc",
            "--",
            "npx",
            "-y",
            "docs-server",
        ],
    );
    assert!(added.status.success());
    assert_eq!(out(&added), "Added global MCP server 'docs'.\n");
    let added = mcp(
        &home,
        &[
            "add",
            "web",
            "--url",
            "https://mcp.example.com/mcp",
            "--bearer-token-env-var",
            "WEB_TOKEN",
        ],
    );
    assert!(added.status.success());
    let text = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
    assert_eq!(
        text,
        "# my settings\nmodel = \"o3\" # the fast one\n\n[mcp_servers.docs]\ncommand = \"npx\"\nargs = [\"-y\", \"docs-server\"]\n\n[mcp_servers.docs.env]\nTOKEN = \"abc\"\n\n[mcp_servers.web]\nurl = \"https://mcp.example.com/mcp\"\nbearer_token_env_var = \"WEB_TOKEN\"\n"
    );

    let listed = out(&mcp(&home, &["list"]));
    assert_eq!(
        listed,
        // The reference's columns and padding (every column, the last too).
        "Name  Command  Args            Env          Cwd  Status   Auth       \ndocs  npx      -y docs-server  TOKEN=*****  -    enabled  Unsupported\n\nName  Url                          Bearer Token Env Var  Status   Auth        \nweb   https://mcp.example.com/mcp  WEB_TOKEN             enabled  Bearer token\n"
    );
    let json_list: Value = serde_json::from_str(&out(&mcp(&home, &["list", "--json"]))).unwrap();
    assert_eq!(json_list[0]["name"], "docs");
    assert_eq!(
        json_list[0]["transport"],
        json!({"type": "stdio", "command": "npx", "args": ["-y", "docs-server"], "env": {"TOKEN": "abc"}, "env_vars": [], "cwd": null})
    );
    assert_eq!(json_list[1]["auth_status"], "bearer_token");

    let got = out(&mcp(&home, &["get", "docs"]));
    assert!(
        got.contains("  command: npx\n  args: -y docs-server\n"),
        "{got}"
    );
    assert!(got.contains("  env: TOKEN=*****\n"), "{got}");
    let got: Value = serde_json::from_str(&out(&mcp(&home, &["get", "web", "--json"]))).unwrap();
    assert_eq!(got["transport"]["url"], "https://mcp.example.com/mcp");

    assert_eq!(
        out(&mcp(&home, &["remove", "web"])),
        "Removed global MCP server 'web'.\n"
    );
    assert_eq!(
        out(&mcp(&home, &["remove", "web"])),
        "No MCP server named 'web' found.\n"
    );
    let text = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
    assert!(
        text.starts_with("# my settings\nmodel = \"o3\" # the fast one\n"),
        "{text}"
    );
    assert!(!text.contains("[mcp_servers.web]"), "{text}");
}

#[test]
fn bad_input_is_named() {
    let home = TestCodexHome::new();
    for name in ["bad name", "ünï", ""] {
        let bad = mcp(&home, &["add", name, "--", "x"]);
        assert!(!bad.status.success());
        let err = String::from_utf8_lossy(&bad.stderr);
        assert!(
            err.contains(&format!(
                "invalid server name '{name}' (use letters, numbers, '-', '_', ':', '@', '/', '.')"
            )),
            "{err}"
        );
    }
    let missing = mcp(&home, &["get", "nope"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no MCP server named 'nope'"));
    home.write_config("model = \n");
    let broken = mcp(&home, &["add", "x", "--", "y"]);
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("config.toml:1:"),
        "{broken:?}"
    );
    assert_eq!(
        std::fs::read_to_string(home.path().join("config.toml")).unwrap(),
        "model = \n"
    );
}

#[test]
fn names_config_toml_accepts_are_added_as_quoted_keys_and_read_back() {
    let home = TestCodexHome::new();
    let added = mcp(&home, &["add", "a.b@c/d:e", "--", "python3", "-m", "foo"]);
    assert!(added.status.success(), "{added:?}");
    assert_eq!(out(&added), "Added global MCP server 'a.b@c/d:e'.\n");
    let text = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
    assert_eq!(
        text,
        "[mcp_servers.\"a.b@c/d:e\"]\ncommand = \"python3\"\nargs = [\"-m\", \"foo\"]\n"
    );
    let listed = out(&mcp(&home, &["list"]));
    assert_eq!(
        listed,
        "Name       Command  Args    Env  Cwd  Status   Auth       \na.b@c/d:e  python3  -m foo  -    -    enabled  Unsupported\n"
    );
    let got: Value =
        serde_json::from_str(&out(&mcp(&home, &["get", "a.b@c/d:e", "--json"]))).unwrap();
    assert_eq!(
        got,
        json!({
            "name": "a.b@c/d:e",
            "enabled": true,
            "disabled_reason": null,
            "transport": {"type": "stdio", "command": "python3", "args": ["-m", "foo"], "env": null, "env_vars": [], "cwd": null},
            "enabled_tools": null,
            "disabled_tools": null,
            "startup_timeout_sec": null,
            "tool_timeout_sec": null
        })
    );
    assert_eq!(
        out(&mcp(&home, &["remove", "a.b@c/d:e"])),
        "Removed global MCP server 'a.b@c/d:e'.\n"
    );
}
