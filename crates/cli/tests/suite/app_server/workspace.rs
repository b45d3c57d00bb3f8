//! `config/read` and `model/list` in the reference's shapes.

use super::*;

#[test]
fn config_read_is_the_effective_config_with_unset_keys_as_null() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let mut client = Client::start(&home);
    client.initialize();
    let read = client.call("config/read", json!({}));
    let config = read["config"].as_object().unwrap();
    // Set in the file.
    assert_eq!(config["model"], "gpt-5.1-codex");
    assert_eq!(config["model_provider"], "mock");
    assert_eq!(config["model_providers"]["mock"]["wire_api"], "responses");
    // Unset: present, and null (not our built-in default).
    for key in [
        "approval_policy",
        "sandbox_mode",
        "model_reasoning_effort",
        "web_search",
    ] {
        assert_eq!(config.get(key), Some(&Value::Null), "{key}: {read}");
    }
    assert_eq!(read["origins"]["model"]["name"]["type"], "user");
    assert!(read["origins"].get("approval_policy").is_none());

    let models = client.call("model/list", json!({}));
    let visible = models["data"].as_array().unwrap();
    let all = client.call("model/list", json!({"includeHidden": true}));
    let all = all["data"].as_array().unwrap();
    assert!(
        all.len() > visible.len(),
        "hidden models are listed on request"
    );
    // The configured model is the default one.
    let default: Vec<&Value> = all.iter().filter(|m| m["isDefault"] == true).collect();
    assert_eq!(default.len(), 1);
    assert_eq!(default[0]["id"], "gpt-5.1-codex");
    let checks = client.close();
    validate(&checks);
}
