//! `mcpServer/oauth/login` against the real OAuth-protected test server:
//! the URL in the answer, the completion notification, the status list.

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
