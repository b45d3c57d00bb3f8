//! `codex mcp login | logout` and signed-in sessions, against a real
//! OAuth-protected MCP server (the Python SDK's own authorization and
//! resource server, `py_oauth_server.py`), with the browser played by a
//! plain HTTP GET of the printed authorization URL.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use codex_test_support::peers::{py_oauth_mcp_server, python};
use codex_test_support::{TestCodexHome, Turn};
use serde_json::{Value, json};

use super::exec::{ExecEnv, stderr};

/// The server process, killed on drop; its stderr (which logs every token
/// it issues) goes to a file.
pub(crate) struct OAuthServer {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl OAuthServer {
    pub(crate) fn start(dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.join("oauth-server.log");
        let child = Command::new(python())
            .arg(py_oauth_mcp_server())
            .args(["--port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the OAuth server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, port, log }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    /// How many tokens it issued for `grant`.
    pub(crate) fn issued(&self, grant: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with(&format!("issued {grant} ")))
            .count()
    }
}

impl Drop for OAuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn codex_mcp(home: &TestCodexHome, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_codex"))
        .env("CODEX_HOME", home.path())
        .env("RUST_BACKTRACE", "0")
        .arg("mcp")
        .args(args)
        .output()
        .unwrap()
}

/// A GET of `url` (plain HTTP): the status and the `Location` header.
pub(crate) fn http_get(url: &str) -> (u16, Option<String>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    let location = response.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .starts_with("location:")
            .then(|| l[9..].trim().to_string())
    });
    (status, location)
}

/// Runs `codex mcp login NAME`, plays the browser (the server approves at
/// once and redirects to codex's callback) and returns login's output.
fn login(home: &TestCodexHome, name: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_codex"))
        .env("CODEX_HOME", home.path())
        .env("RUST_BACKTRACE", "0")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .args(["mcp", "login", name])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    let authorize = loop {
        let line = lines
            .next()
            .expect("login ended before printing a URL")
            .unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("http://") {
            break line;
        }
    };
    let (status, callback) = http_get(&authorize);
    assert_eq!(status, 302, "the authorize endpoint should redirect");
    let callback = callback.expect("a redirect to codex's callback");
    assert!(callback.contains("/callback/"), "{callback}");
    // A forged callback (wrong state) is refused and the login goes on.
    let forged = callback.replace("state=", "state=forged");
    assert_eq!(http_get(&forged).0, 400);
    assert_eq!(http_get(&callback).0, 200);
    for line in lines {
        printed.push_str(&line.unwrap());
        printed.push('\n');
    }
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{printed}{err}");
    printed
}

fn credentials(home: &TestCodexHome) -> Value {
    serde_json::from_slice(&std::fs::read(home.path().join(".credentials.json")).unwrap()).unwrap()
}

/// Runs one exec turn in which the model calls `whoami` on the server:
/// what the tool answered, followed by exec's stderr.
fn call_whoami(env: &ExecEnv) -> String {
    let before = env.server.requests().len();
    env.server
        .push_turn(Turn::new().function_call("c1", "mcp__secure__whoami", json!({})));
    env.server.push_turn(Turn::new().text("done"));
    let output = env
        .exec()
        .env("RUST_BACKTRACE", "0")
        .args(["--skip-git-repo-check", "who am I?"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let tool_output = env.server.requests()[before + 1]
        .tool_output("c1")
        .unwrap_or_default();
    format!("{tool_output}\n{}", stderr(&output))
}

#[test]
fn login_signs_calls_refreshes_and_logout_forgets() {
    let env = ExecEnv::new();
    let server = OAuthServer::start(env.home.path());
    env.home.append_config(&format!(
        "\n[mcp_servers.secure]\nurl = \"{}\"\ndefault_tools_approval_mode = \"approve\"\n",
        server.url()
    ));

    let listed = codex_mcp(&env.home, &["list"]);
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains("Not logged in"),
        "{listed:?}"
    );

    // Before signing in, a session names the way to sign in.
    let err = call_whoami(&env);
    assert!(err.contains("codex mcp login secure"), "{err}");

    let printed = login(&env.home, "secure");
    assert!(
        printed.contains("Successfully logged in to MCP server 'secure'."),
        "{printed}"
    );
    assert_eq!(server.issued("authorization_code"), 1);

    // The reference's file, key and fields; private.
    use std::os::unix::fs::PermissionsExt;
    let file = env.home.path().join(".credentials.json");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let stored = credentials(&env.home);
    let (key, entry) = stored.as_object().unwrap().iter().next().unwrap();
    assert!(
        key.starts_with("secure|") && key.len() == "secure|".len() + 16,
        "{key}"
    );
    assert_eq!(entry["server_name"], "secure");
    assert_eq!(entry["server_url"], server.url());
    assert!(entry["refresh_token"].is_string() && entry["expires_at"].is_u64());
    let client_id = entry["client_id"].as_str().unwrap().to_string();
    let first_token = entry["access_token"].as_str().unwrap().to_string();

    let listed = codex_mcp(&env.home, &["list", "--json"]);
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed[0]["auth_status"], "o_auth");

    // A session's calls carry the token.
    let answer = call_whoami(&env);
    assert!(
        answer.contains(&format!("signed in as {client_id}")),
        "{answer}"
    );
    assert_eq!(server.issued("refresh_token"), 0);

    // An access token past its expiry is refreshed before the next
    // session's first request, and the new one is stored.
    let mut stored = credentials(&env.home);
    stored[key]["expires_at"] = json!(1_000);
    std::fs::write(&file, serde_json::to_vec(&stored).unwrap()).unwrap();
    let answer = call_whoami(&env);
    assert!(
        answer.contains(&format!("signed in as {client_id}")),
        "{answer}"
    );
    assert_eq!(server.issued("refresh_token"), 1);
    let refreshed = credentials(&env.home);
    assert_ne!(refreshed[key]["access_token"], json!(first_token));

    let out = codex_mcp(&env.home, &["logout", "secure"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Removed OAuth credentials for 'secure'.\n"
    );
    assert!(!file.exists(), "an empty credentials file is removed");
    let out = codex_mcp(&env.home, &["logout", "secure"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "No OAuth credentials stored for 'secure'.\n"
    );
    let err = call_whoami(&env);
    assert!(err.contains("codex mcp login secure"), "{err}");
}

#[test]
fn login_refuses_what_it_cannot_do_with_a_clear_error() {
    let home = TestCodexHome::new();
    home.write_config(
        "[mcp_servers.local]\ncommand = \"true\"\n\n[mcp_servers.plain]\nurl = \"http://127.0.0.1:9/mcp\"\n",
    );
    let out = codex_mcp(&home, &["login", "local"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("'local' is a stdio server"),
        "{out:?}"
    );
    let out = codex_mcp(&home, &["login", "missing"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no MCP server named 'missing'"));
    // Nothing listens on port 9: no OAuth to discover.
    let out = codex_mcp(&home, &["login", "plain"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("`plain` does not offer OAuth sign-in"),
        "{out:?}"
    );
    home.write_config(
        "mcp_oauth_credentials_store = \"keyring\"\n[mcp_servers.plain]\nurl = \"http://127.0.0.1:9/mcp\"\n",
    );
    let out = codex_mcp(&home, &["login", "plain"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("mcp_oauth_credentials_store = \"keyring\""),
        "{out:?}"
    );
}
