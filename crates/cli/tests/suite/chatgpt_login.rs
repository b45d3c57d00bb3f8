//! ChatGPT sign-in against local stand-ins: the issuer ([`MockIssuer`])
//! and the backend (the mock model server under `/backend-api/codex`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use codex_test_support::issuer::{TEST_ACCOUNT, TEST_EMAIL, http_get};
use codex_test_support::{MockIssuer, MockModelServer, Reply, TestCodexHome, Turn};
use serde_json::Value;

use super::exec::{stderr, stdout};

/// A home signed in with ChatGPT (tokens from `issuer`), whose backend is
/// `server`.
struct SignedIn {
    issuer: MockIssuer,
    server: MockModelServer,
    home: TestCodexHome,
}

impl SignedIn {
    /// Signed in with an access token that expires in `expires_in` s.
    fn new(expires_in: i64) -> Self {
        let issuer = MockIssuer::start();
        let server = MockModelServer::start();
        let home = TestCodexHome::new();
        home.write_config(&format!(
            "model = \"gpt-5.5\"\nchatgpt_base_url = \"{}/backend-api/\"\n",
            server.uri()
        ));
        let tokens = issuer.issue(expires_in);
        std::fs::write(
            home.path().join("auth.json"),
            MockIssuer::auth_json(&tokens),
        )
        .unwrap();
        Self {
            issuer,
            server,
            home,
        }
    }

    fn codex(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_codex"));
        cmd.env("CODEX_HOME", self.home.path())
            .env("CODEX_ISSUER_URL_OVERRIDE", self.issuer.url())
            .env(
                "CODEX_REFRESH_TOKEN_URL_OVERRIDE",
                format!("{}/oauth/token", self.issuer.url()),
            )
            .env(
                "CODEX_REVOKE_TOKEN_URL_OVERRIDE",
                format!("{}/oauth/revoke", self.issuer.url()),
            )
            .env_remove("OPENAI_API_KEY")
            .env_remove("CODEX_API_KEY")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env("NO_COLOR", "1")
            .current_dir(self.home.workspace());
        cmd
    }

    fn exec(&self, prompt: &str) -> std::process::Output {
        self.codex()
            .args(["exec", "--skip-git-repo-check", prompt])
            .output()
            .unwrap()
    }

    fn auth_json(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.home.path().join("auth.json")).unwrap())
            .unwrap()
    }

    fn access_token(&self) -> String {
        self.auth_json()["tokens"]["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

#[test]
fn a_reference_auth_json_sends_requests_to_the_backend() {
    let env = SignedIn::new(3600);
    let before = std::fs::read_to_string(env.home.path().join("auth.json")).unwrap();
    env.server
        .push_turn(Turn::new().text("hello from the backend"));
    let out = env.exec("hi");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "hello from the backend");
    let request = &env.server.requests()[0];
    assert_eq!(request.path, "/backend-api/codex/responses");
    let access = serde_json::from_str::<Value>(&before).unwrap()["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {access}").as_str())
    );
    assert_eq!(request.header("chatgpt-account-id"), Some(TEST_ACCOUNT));
    assert_eq!(request.header("originator"), Some("codex_exec"));
    assert_eq!(env.issuer.refreshes(), 0, "a fresh token is not refreshed");
    assert_eq!(
        std::fs::read_to_string(env.home.path().join("auth.json")).unwrap(),
        before,
        "the file is used unchanged"
    );
    // The tokens never reach the session file.
    for file in env.home.rollout_files() {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            !text.contains(&access),
            "the access token is in a session file"
        );
    }
}

#[test]
fn a_token_near_expiry_is_refreshed_before_the_request() {
    let env = SignedIn::new(60);
    let old = env.auth_json();
    env.server.push_turn(Turn::new().text("ok"));
    let out = env.exec("hi");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.issuer.refreshes(), 1);
    let new = env.auth_json();
    assert_ne!(new["tokens"]["access_token"], old["tokens"]["access_token"]);
    assert_ne!(
        new["tokens"]["refresh_token"],
        old["tokens"]["refresh_token"]
    );
    assert_ne!(new["last_refresh"], old["last_refresh"]);
    assert_eq!(new["tokens"]["account_id"], TEST_ACCOUNT);
    assert_eq!(new["auth_mode"], "chatgpt");
    let request = &env.server.requests()[0];
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {}", env.access_token()).as_str())
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.home.path().join("auth.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_401_refreshes_once_and_sends_the_request_again() {
    let env = SignedIn::new(3600);
    env.server.push(Reply::status(
        401,
        r#"{"error":{"message":"token revoked","code":"token_expired"}}"#,
    ));
    env.server.push_turn(Turn::new().text("after the refresh"));
    let out = env.exec("hi");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "after the refresh");
    assert_eq!(env.issuer.refreshes(), 1);
    let requests = env.server.requests();
    assert_eq!(requests.len(), 2);
    assert_ne!(
        requests[0].header("authorization"),
        requests[1].header("authorization")
    );
    assert_eq!(
        requests[1].header("authorization"),
        Some(format!("Bearer {}", env.access_token()).as_str())
    );

    // A second refusal after a refresh is final, not a loop.
    env.server
        .push(Reply::status(401, r#"{"error":{"message":"no"}}"#));
    env.server
        .push(Reply::status(401, r#"{"error":{"message":"no"}}"#));
    let out = env.exec("again");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("codex login"), "{}", stderr(&out));
    assert_eq!(env.server.requests().len(), 4);
    assert_eq!(env.issuer.refreshes(), 2);
}

#[test]
fn a_refused_refresh_says_to_sign_in_again() {
    let env = SignedIn::new(-10);
    env.issuer.fail_refreshes_with("refresh_token_expired");
    let out = env.exec("hi");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("refresh_token_expired"), "{err}");
    assert!(err.contains("run `codex login`"), "{err}");
    assert!(!err.contains("Reconnecting"), "not retried: {err}");
    assert!(
        env.server.requests().is_empty(),
        "an expired token is not sent"
    );
}

#[test]
fn two_processes_refreshing_at_once_leave_one_valid_auth_json() {
    let env = SignedIn::new(60);
    env.issuer.set_refresh_delay(Duration::from_millis(300));
    env.server.push_turn(Turn::new().text("one"));
    env.server.push_turn(Turn::new().text("two"));
    let spawn = || {
        env.codex()
            .args(["exec", "--skip-git-repo-check", "hi"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{}", stderr(&b));
    // The second process found the file refreshed by the first.
    assert_eq!(env.issuer.refreshes(), 1);
    let auth = env.auth_json();
    let refresh = auth["tokens"]["refresh_token"].as_str().unwrap();
    assert!(env.issuer.is_valid_refresh_token(refresh));
    let tokens: Vec<_> = env
        .server
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap().to_string())
        .collect();
    assert_eq!(tokens[0], tokens[1], "both used the one refreshed token");
}

#[test]
fn a_usage_limit_is_not_retried_and_names_the_reset() {
    let env = SignedIn::new(3600);
    let resets_at = 1_900_000_000;
    env.server.push(
        Reply::status(
            429,
            &format!(
                r#"{{"error":{{"type":"usage_limit_reached","message":"The usage limit has been reached","plan_type":"plus","resets_at":{resets_at}}}}}"#
            ),
        )
        .header("x-codex-primary-used-percent", "100")
        .header("x-codex-primary-window-minutes", "300"),
    );
    let out = env.exec("hi");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("usage limit (plus plan)"), "{err}");
    // 1_900_000_000 is 2030-03-17 17:46:40 UTC.
    assert!(err.contains("17:46 UTC"), "{err}");
    assert!(!err.contains("Reconnecting"), "{err}");
    assert_eq!(env.server.requests().len(), 1);
}

/// Reads a child's stderr line by line on a thread.
fn stderr_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn wait_line(
    lines: &std::sync::mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    pred: impl Fn(&str) -> bool,
) -> String {
    loop {
        match lines.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => {
                seen.push(line.clone());
                if pred(&line) {
                    return line;
                }
            }
            Err(_) => panic!("no such line; stderr so far:\n{}", seen.join("\n")),
        }
    }
}

#[test]
fn browser_login_end_to_end_then_status_and_logout() {
    let env = SignedIn::new(3600);
    std::fs::remove_file(env.home.path().join("auth.json")).unwrap();
    let mut child = env
        .codex()
        .arg("login")
        .env("CODEX_LOGIN_PORT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    let mut seen = Vec::new();
    let listening = wait_line(&lines, &mut seen, |l| {
        l.starts_with("Listening for the sign-in")
    });
    let port: u16 = listening
        .trim_start_matches("Listening for the sign-in on http://localhost:")
        .trim_end_matches('.')
        .parse()
        .unwrap();
    let auth_url = wait_line(&lines, &mut seen, |l| {
        l.starts_with(&format!("{}/oauth/authorize?", env.issuer.url()))
    });
    assert!(
        auth_url.contains("code_challenge_method=S256"),
        "{auth_url}"
    );
    assert!(
        auth_url.contains(&format!(
            "redirect_uri=http%3A%2F%2Flocalhost%3A{port}%2Fauth%2Fcallback"
        )),
        "{auth_url}"
    );

    // A callback with another state is refused, and the login goes on.
    let (status, _, _) = http_get(&format!(
        "http://localhost:{port}/auth/callback?code=stolen&state=forged"
    ));
    assert_eq!(status, 400);

    // The "browser": the issuer redirects to the callback with a code.
    let (status, location, _) = http_get(&auth_url);
    assert_eq!(status, 302);
    let callback = location.unwrap();
    assert!(callback.starts_with(&format!("http://localhost:{port}/auth/callback?code=")));
    let (status, _, page) = http_get(&callback);
    assert_eq!(status, 200);
    assert!(page.contains("Signed in to Codex"), "{page}");
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{}", seen.join("\n"));

    let auth = env.auth_json();
    assert_eq!(auth["auth_mode"], "chatgpt");
    assert_eq!(auth["tokens"]["account_id"], TEST_ACCOUNT);
    let access = auth["tokens"]["access_token"].as_str().unwrap();
    assert!(codex_test_support::issuer::verified_claims(access).is_some());

    let status = env.codex().args(["login", "status"]).output().unwrap();
    assert!(status.status.success());
    assert_eq!(
        stdout(&status).trim(),
        format!("Logged in using ChatGPT as {TEST_EMAIL} (plus plan)")
    );

    // The new sign-in is used by exec.
    env.server.push_turn(Turn::new().text("signed in"));
    let out = env.exec("hi");
    assert!(out.status.success(), "{}", stderr(&out));

    let refresh = auth["tokens"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let out = env.codex().arg("logout").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.issuer.revoked(), vec![refresh]);
    assert!(!env.home.path().join("auth.json").exists());
}

#[test]
fn device_code_login_waits_through_pending_polls() {
    let env = SignedIn::new(3600);
    std::fs::remove_file(env.home.path().join("auth.json")).unwrap();
    let out = env
        .codex()
        .args(["login", "--device-auth"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("ABCD-1234"), "{err}");
    assert!(
        err.contains(&format!("{}/codex/device", env.issuer.url())),
        "{err}"
    );
    assert_eq!(env.issuer.polls(), 3, "two pending polls, then the grant");
    let auth = env.auth_json();
    assert_eq!(auth["tokens"]["account_id"], TEST_ACCOUNT);
    assert!(auth["tokens"]["refresh_token"].is_string());
}
