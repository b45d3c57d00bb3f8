//! The MCP methods: `mcpServerStatus/list` answering at once while a server
//! is still starting, and `mcpServer/oauth/login` against the real
//! OAuth-protected test server (the URL in the answer, the completion
//! notification, the auth status).

use super::*;
use crate::suite::mcp_oauth::{OAuthServer, http_get};

#[test]
fn an_editor_signs_in_to_an_mcp_server_and_is_told_when_it_is_done() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let oauth = OAuthServer::start(home.path());
    home.append_config(&format!(
        "\n[mcp_servers.secure]\nurl = \"{}\"\n\n[mcp_servers.local]\ncommand = \"true\"\n",
        oauth.url()
    ));
    let mut client = Client::start(&home);
    client.initialize();
    let status = client.call("mcpServerStatus/list", json!({}));
    let auth = |status: &Value, name: &str| {
        status["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["authStatus"].clone())
            .unwrap()
    };
    assert_eq!(auth(&status, "secure"), "notLoggedIn");
    assert_eq!(auth(&status, "local"), "unsupported");

    let id = client.request("mcpServer/oauth/login", json!({"name": "local"}));
    let refused = client.response(id);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stdio server"),
        "{refused}"
    );

    let started = client.call(
        "mcpServer/oauth/login",
        json!({"name": "secure", "timeoutSecs": 60}),
    );
    let url = started["authorizationUrl"].as_str().unwrap();
    let login_id = started["loginId"].as_str().unwrap().to_string();
    // The browser: the server approves and sends it to codex's callback.
    let (code, callback) = http_get(url);
    assert_eq!(code, 302);
    assert_eq!(http_get(&callback.unwrap()).0, 200);
    let (done, _) = client.until("mcpServer/oauthLogin/completed", "approved");
    assert_eq!(done["params"]["name"], "secure");
    assert_eq!(done["params"]["success"], true);
    assert_eq!(done["params"]["loginId"], login_id);
    assert_eq!(oauth.issued("authorization_code"), 1);

    let status = client.call("mcpServerStatus/list", json!({}));
    assert_eq!(auth(&status, "secure"), "oAuth");
    let checks = client.close();
    validate(&checks);
}

#[test]
fn the_status_list_does_not_wait_for_a_server_still_starting() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    home.append_config(&format!(
        "\n[mcp_servers.slow]\ncommand = {:?}\nargs = [{:?}, \"--delay-start\", \"600\"]\nstartup_timeout_sec = 900\n",
        peers::python().display().to_string(),
        peers::py_mcp_server().display().to_string(),
    ));
    let mut client = Client::start(&home);
    client.initialize();
    let started = client.call("thread/start", json!({"cwd": home.workspace()}));
    let thread_id = started["thread"]["id"].as_str().unwrap();
    // The server sleeps for ten minutes before it serves: an answer at all
    // (within the client's wait) means the list did not wait for it.
    let status = client.call("mcpServerStatus/list", json!({"threadId": thread_id}));
    assert_eq!(status["data"][0]["name"], "slow");
    assert_eq!(status["data"][0]["runtimeStatus"], "starting", "{status}");
    let checks = client.close();
    validate(&checks);
}
