//! `thread/rollback` (with the choice of what goes back) and the reference
//! 0.169's `thread/revert`, on a thread whose turns patch a file in a git
//! repository; a resume in a new process shows the rewound thread.

use super::*;

fn git(dir: &std::path::Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A turn that patches `a.txt` from `from` to `to`.
fn patch_turn(server: &MockModelServer, from: &str, to: &str) {
    server.push_turn(Turn::new().custom_tool_call(
        "p",
        "apply_patch",
        &format!("*** Begin Patch\n*** Update File: a.txt\n@@\n-{from}\n+{to}\n*** End Patch"),
    ));
    server.push_turn(Turn::new().text(&format!("now {to}")));
}

fn turn(client: &mut Client, thread_id: &str, text: &str) -> String {
    let started = client.call(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": text}]}),
    );
    client.until("turn/completed", "accept");
    started["turn"]["id"].as_str().unwrap().to_string()
}

fn a_txt(home: &TestCodexHome) -> String {
    std::fs::read_to_string(home.workspace().join("a.txt")).unwrap()
}

#[test]
fn rollback_goes_back_with_the_chosen_mode_and_a_resume_sees_it() {
    let server = MockModelServer::start();
    let home = TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let ws = home.workspace().to_path_buf();
    std::fs::write(ws.join("a.txt"), "a0\n").unwrap();
    git(&ws, &["init", "-q", "-b", "main"]);
    git(&ws, &["add", "."]);
    git(&ws, &["commit", "-qm", "base"]);
    patch_turn(&server, "a0", "a1");
    patch_turn(&server, "a1", "a2");
    patch_turn(&server, "a2", "a3");

    let mut client = Client::start(&home);
    client.initialize();
    let started = client.call(
        "thread/start",
        json!({"cwd": ws.display().to_string(), "approvalPolicy": "never", "sandbox": "workspace-write"}),
    );
    let thread_id = started["thread"]["id"].as_str().unwrap().to_string();
    let first_turn = turn(&mut client, &thread_id, "one");
    turn(&mut client, &thread_id, "two");
    turn(&mut client, &thread_id, "three");
    assert_eq!(a_txt(&home), "a3\n");

    // A preview of code and conversation, two turns back: nothing changes.
    let preview = client.call(
        "thread/rollback",
        json!({"threadId": thread_id, "numTurns": 2, "mode": "codeAndConversation", "dryRun": true}),
    );
    assert_eq!(preview["rewind"]["dryRun"], true, "{preview}");
    assert_eq!(preview["rewind"]["restored"], json!(["a.txt"]), "{preview}");
    assert!(
        preview["rewind"]["diff"].as_str().unwrap().contains("+a1"),
        "{preview}"
    );
    assert_eq!(preview["thread"]["turns"].as_array().unwrap().len(), 3);
    assert_eq!(a_txt(&home), "a3\n");

    // The reference's rollback: the conversation only.
    let rolled = client.call(
        "thread/rollback",
        json!({"threadId": thread_id, "numTurns": 1}),
    );
    assert_eq!(rolled["rewind"]["rolledBackTurns"], 1, "{rolled}");
    assert_eq!(rolled["thread"]["turns"].as_array().unwrap().len(), 2);
    assert_eq!(a_txt(&home), "a3\n");

    // Code and conversation, one more turn back: the file of turn one.
    let rolled = client.call(
        "thread/rollback",
        json!({"threadId": thread_id, "numTurns": 1, "mode": "code_and_conversation"}),
    );
    assert_eq!(rolled["thread"]["turns"].as_array().unwrap().len(), 1);
    assert_eq!(a_txt(&home), "a1\n");

    // Out of range: a clear error.
    let id = client.request(
        "thread/rollback",
        json!({"threadId": thread_id, "numTurns": 5}),
    );
    let error = client.response(id);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("numTurns must be between 1 and 1"),
        "{error}"
    );
    let mut checks = client.close();

    // A new process resumes the rewound thread, then reverts before its
    // first turn (the reference's method).
    let mut client = Client::start(&home);
    client.initialize();
    let resumed = client.call("thread/resume", json!({"threadId": thread_id}));
    let turns = resumed["thread"]["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 1, "{resumed}");
    assert_eq!(turns[0]["items"][0]["content"][0]["text"], "one");
    client.call(
        "thread/revert",
        json!({"threadId": thread_id, "beforeTurnId": first_turn}),
    );
    client.until("thread/reverted", "decline");
    let read = client.call(
        "thread/read",
        json!({"threadId": thread_id, "includeTurns": true}),
    );
    assert_eq!(
        read["thread"]["turns"].as_array().unwrap().len(),
        0,
        "{read}"
    );
    checks.extend(client.close());
    // `thread/rollback` is this implementation's (the 0.169 schema has
    // `thread/revert`); everything else follows the reference's schema.
    checks.retain(|c| c["message"]["method"] != "thread/rollback");
    validate(&checks);
}
