//! `codex acp` driven by a real ACP client — the official Rust SDK's client
//! side (`agent-client-protocol`) — against the mock model: a prompt that
//! runs a command (permission asked and given), patches a file (diff
//! content) and answers; a cancel mid-turn; a recorded session loaded; an
//! embedded resource; and raw bad messages answered with JSON-RPC errors.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agent_client_protocol::schema::ProtocolVersion;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema::{
    CancelNotification, ClientCapabilities, CloseSessionRequest, ContentBlock,
    CreateElicitationRequest, CreateElicitationResponse, ElicitationAcceptAction,
    ElicitationCapabilities, ElicitationContentValue, ElicitationFormCapabilities,
    EmbeddedResource, EmbeddedResourceResource, FileSystemCapabilities, InitializeRequest,
    ListSessionsRequest, LoadSessionRequest, McpServer, McpServerStdio, NewSessionRequest,
    PromptRequest, ReadTextFileRequest, ReadTextFileResponse, RequestPermissionOutcome,
    RequestPermissionRequest, RequestPermissionResponse, ResourceLink, ResumeSessionRequest,
    SelectedPermissionOutcome, SessionNotification, SetSessionModeRequest, StopReason, TextContent,
    TextResourceContents,
};
use agent_client_protocol::{
    Agent, ByteStreams, Client, on_receive_notification, on_receive_request,
};
use codex_test_support::peers::{py_mcp_server, python};
use codex_test_support::{MockModelServer, Reply, TestCodexHome, Turn};
use serde_json::{Value, json};
use tokio_util::compat::{TokioAsyncReadCompatExt, TokioAsyncWriteCompatExt};

/// What the client saw: every session update and permission request.
#[derive(Default)]
struct Seen {
    updates: Mutex<Vec<Value>>,
    permissions: Mutex<Vec<Value>>,
}

impl Seen {
    fn updates(&self) -> Vec<Value> {
        self.updates.lock().unwrap().clone()
    }

    /// The updates of one kind (`sessionUpdate`).
    fn of_kind(&self, kind: &str) -> Vec<Value> {
        self.updates()
            .into_iter()
            .filter(|u| u["update"]["sessionUpdate"] == kind)
            .collect()
    }

    fn text_of(&self, kind: &str) -> String {
        self.of_kind(kind)
            .iter()
            .filter_map(|u| u["update"]["content"]["text"].as_str().map(str::to_string))
            .collect()
    }
}

/// A home on the mock model where commands ask first (`untrusted`).
fn home(server: &MockModelServer) -> TestCodexHome {
    let home = TestCodexHome::new();
    home.write_config(&format!(
        "approval_policy = \"untrusted\"\nsandbox_mode = \"workspace-write\"\n{}",
        TestCodexHome::mock_provider_config(&server.base_url(), "responses")
    ));
    std::fs::create_dir(home.workspace().join(".git")).unwrap();
    std::fs::write(home.workspace().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    home
}

fn spawn_agent(home: &TestCodexHome) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_codex"))
        .arg("acp")
        .current_dir(home.workspace())
        .env("CODEX_HOME", home.path())
        .env_remove("OPENAI_API_KEY")
        .env_remove("CODEX_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Runs `body` as a client of a fresh `codex acp`; permissions are answered
/// with `answer` (an option id).
async fn with_agent<T: Send + 'static>(
    home: &TestCodexHome,
    seen: Arc<Seen>,
    answer: &'static str,
    body: impl AsyncFnOnce(ConnectionTo<Agent>) -> Result<T, agent_client_protocol::Error>
    + Send
    + 'static,
) -> T {
    let mut child = spawn_agent(home);
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (s1, s2) = (Arc::clone(&seen), seen);
    let result = tokio::time::timeout(
        Duration::from_secs(120),
        Client
            .v1()
            .name("codex-acp-test")
            .on_receive_notification(
                async move |notification: SessionNotification, _cx| {
                    s1.updates
                        .lock()
                        .unwrap()
                        .push(serde_json::to_value(&notification).unwrap());
                    Ok(())
                },
                on_receive_notification!(),
            )
            .on_receive_request(
                async move |request: RequestPermissionRequest, responder, _cx| {
                    s2.permissions
                        .lock()
                        .unwrap()
                        .push(serde_json::to_value(&request).unwrap());
                    responder.respond(RequestPermissionResponse::new(
                        RequestPermissionOutcome::Selected(SelectedPermissionOutcome::new(answer)),
                    ))
                },
                on_receive_request!(),
            )
            .on_receive_request(
                async move |request: ReadTextFileRequest, responder, _cx| {
                    // An unsaved buffer: not what the disk holds.
                    responder.respond(ReadTextFileResponse::new(format!(
                        "buffer of {} UNSAVED-77\n",
                        request.path.display()
                    )))
                },
                on_receive_request!(),
            )
            .on_receive_request(
                async move |request: CreateElicitationRequest, responder, _cx| {
                    // The person confirms, in the editor.
                    assert!(
                        request.message.contains("Delete x.txt?"),
                        "{}",
                        request.message
                    );
                    let mut content = std::collections::BTreeMap::new();
                    content.insert(
                        "confirmed".to_string(),
                        ElicitationContentValue::Boolean(true),
                    );
                    responder.respond(CreateElicitationResponse::new(
                        ElicitationAcceptAction::new().content(content),
                    ))
                },
                on_receive_request!(),
            )
            .connect_with(
                ByteStreams::new(stdin.compat_write(), stdout.compat()),
                async move |cx: ConnectionTo<Agent>| {
                    // The editor offers its buffers and asks forms.
                    let fs = FileSystemCapabilities::new().read_text_file(true);
                    let mut forms = ElicitationCapabilities::new();
                    forms.form = Some(ElicitationFormCapabilities::new());
                    let capabilities = ClientCapabilities::new().fs(fs).elicitation(forms);
                    cx.send_request(
                        InitializeRequest::new(ProtocolVersion::V1)
                            .client_capabilities(capabilities),
                    )
                    .block_task()
                    .await?;
                    body(cx).await
                },
            ),
    )
    .await
    .expect("the ACP session took over two minutes")
    .expect("the ACP session failed");
    drop(child);
    result
}

fn text(text: &str) -> ContentBlock {
    ContentBlock::Text(TextContent::new(text))
}

async fn new_session(
    cx: &ConnectionTo<Agent>,
    cwd: &Path,
) -> Result<String, agent_client_protocol::Error> {
    let session = cx
        .send_request(NewSessionRequest::new(cwd.to_path_buf()))
        .block_task()
        .await?;
    Ok(session.session_id.0.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_plans_runs_a_command_with_permission_patches_a_file_and_answers() {
    let server = MockModelServer::start();
    let home = home(&server);
    let workspace = home.workspace().to_path_buf();
    std::fs::write(workspace.join("greeting.txt"), "hello\nworld\n").unwrap();
    server.push_turn(
        Turn::new()
            .function_call(
                "call_plan",
                "update_plan",
                json!({"plan": [{"step": "write out.txt", "status": "in_progress"},
                                {"step": "change the greeting", "status": "pending"}]}),
            )
            .function_call(
                "call_cmd",
                "shell",
                json!({"command": ["bash", "-c", "echo approved > out.txt"]}),
            ),
    );
    server.push_turn(Turn::new().custom_tool_call(
        "call_patch",
        "apply_patch",
        "*** Begin Patch\n*** Update File: greeting.txt\n@@\n hello\n-world\n+codex\n*** End Patch\n",
    ));
    server.push_turn(Turn::new().text("All done."));

    let seen = Arc::new(Seen::default());
    let cwd = workspace.clone();
    let (stop, session_id) = with_agent(&home, Arc::clone(&seen), "allow-once", async move |cx| {
        let init = cx
            .send_request(InitializeRequest::new(ProtocolVersion::V1))
            .block_task()
            .await?;
        let init = serde_json::to_value(&init).unwrap();
        assert_eq!(init["protocolVersion"], 1);
        assert_eq!(init["agentCapabilities"]["loadSession"], true);
        assert_eq!(
            init["agentCapabilities"]["promptCapabilities"]["image"],
            true
        );
        assert_eq!(
            init["agentCapabilities"]["promptCapabilities"]["embeddedContext"],
            true
        );
        assert_eq!(init["agentCapabilities"]["mcpCapabilities"]["http"], true);
        let new = cx
            .send_request(NewSessionRequest::new(cwd.clone()))
            .block_task()
            .await?;
        let new_json = serde_json::to_value(&new).unwrap();
        let modes: Vec<&str> = new_json["modes"]["availableModes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["id"].as_str())
            .collect();
        assert_eq!(modes, ["read-only", "auto", "full-access"]);
        assert_eq!(new_json["configOptions"][0]["id"], "model");
        assert_eq!(
            new_json["configOptions"][0]["currentValue"],
            "gpt-5.1-codex"
        );
        let id = new.session_id.0.to_string();
        let done = cx
            .send_request(PromptRequest::new(
                new.session_id.clone(),
                vec![text("change the greeting")],
            ))
            .block_task()
            .await?;
        Ok((done.stop_reason, id))
    })
    .await;
    assert_eq!(stop, StopReason::EndTurn);
    assert!(
        workspace.join("out.txt").exists(),
        "{:#?}\n{:#?}",
        seen.updates(),
        server
            .requests()
            .iter()
            .map(|r| r.input())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        std::fs::read_to_string(workspace.join("out.txt")).unwrap(),
        "approved\n"
    );
    assert_eq!(
        std::fs::read_to_string(workspace.join("greeting.txt")).unwrap(),
        "hello\ncodex\n"
    );
    // The command asked first, as an execute tool call, and ran.
    let permissions = seen.permissions.lock().unwrap().clone();
    let asked = permissions
        .iter()
        .find(|p| p["toolCall"]["toolCallId"] == "call_cmd")
        .unwrap_or_else(|| panic!("no permission asked for the command: {permissions:#?}"));
    assert_eq!(asked["sessionId"], session_id.as_str());
    assert_eq!(asked["toolCall"]["kind"], "execute");
    let kinds: Vec<&str> = asked["options"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"allow_once")
            && kinds.contains(&"allow_always")
            && kinds.contains(&"reject_once"),
        "{kinds:?}"
    );
    let calls = seen.of_kind("tool_call");
    let command = calls
        .iter()
        .find(|c| c["update"]["toolCallId"] == "call_cmd")
        .expect("no tool call for the command");
    assert_eq!(command["update"]["kind"], "execute");
    assert_eq!(command["update"]["title"], "echo approved > out.txt");
    let finished = seen.of_kind("tool_call_update");
    assert!(
        finished.iter().any(
            |u| u["update"]["toolCallId"] == "call_cmd" && u["update"]["status"] == "completed"
        ),
        "{finished:#?}"
    );
    // Under `untrusted` the patch asked too, as an edit.
    let asked_patch = permissions
        .iter()
        .find(|p| p["toolCall"]["toolCallId"] == "call_patch")
        .unwrap_or_else(|| panic!("no permission asked for the patch: {permissions:#?}"));
    assert_eq!(asked_patch["toolCall"]["kind"], "edit", "{asked_patch:#?}");
    // The patch: an edit with the whole file as its diff.
    let patch = calls
        .iter()
        .find(|c| c["update"]["toolCallId"] == "call_patch")
        .expect("no tool call for the patch");
    assert_eq!(patch["update"]["kind"], "edit");
    let diff = &patch["update"]["content"][0];
    assert_eq!(diff["type"], "diff");
    assert_eq!(
        Path::new(diff["path"].as_str().unwrap()),
        workspace.join("greeting.txt")
    );
    assert_eq!(diff["oldText"], "hello\nworld\n");
    assert_eq!(diff["newText"], "hello\ncodex\n");
    assert_eq!(
        patch["update"]["locations"][0]["path"]
            .as_str()
            .map(PathBuf::from),
        Some(workspace.join("greeting.txt"))
    );
    assert!(
        finished
            .iter()
            .any(|u| u["update"]["toolCallId"] == "call_patch"
                && u["update"]["status"] == "completed"),
        "{finished:#?}"
    );
    assert_eq!(seen.text_of("agent_message_chunk"), "All done.");
    // The to-do list is the editor's plan.
    let plans = seen.of_kind("plan");
    let entries = &plans.first().expect("no plan update")["update"]["entries"];
    assert_eq!(entries[0]["content"], "write out.txt");
    assert_eq!(entries[0]["status"], "in_progress");
    assert_eq!(entries[1]["status"], "pending");
    // Every update named the session.
    assert!(
        seen.updates()
            .iter()
            .all(|u| u["sessionId"] == session_id.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_command_does_not_run_and_cancel_stops_a_turn() {
    let server = MockModelServer::start();
    let home = home(&server);
    let workspace = home.workspace().to_path_buf();
    server.push_turn(Turn::new().function_call(
        "call_cmd",
        "shell",
        json!({"command": ["bash", "-c", "echo nope > never.txt"]}),
    ));
    server.push_turn(Turn::new().text("I did not run it."));
    // The second prompt's stream stalls, to be cancelled.
    server.push(Reply::turn(Turn::new().text("this will not finish")).stall_after(3));
    let seen = Arc::new(Seen::default());
    let cwd = workspace.clone();
    let server = Arc::new(server);
    let watcher = Arc::clone(&server);
    let (first, second) = with_agent(&home, Arc::clone(&seen), "reject", async move |cx| {
        let id = new_session(&cx, &cwd).await?;
        let first = cx
            .send_request(PromptRequest::new(id.clone(), vec![text("write a file")]))
            .block_task()
            .await?;
        let pending = cx.send_request(PromptRequest::new(id.clone(), vec![text("go on")]));
        // Cancel once the model is streaming.
        tokio::task::spawn_blocking(move || {
            watcher.wait_for_requests(3, Duration::from_secs(60));
        })
        .await
        .unwrap();
        cx.send_notification(CancelNotification::new(id.clone()))?;
        let second = pending.block_task().await?;
        Ok((first.stop_reason, second.stop_reason))
    })
    .await;
    assert_eq!(first, StopReason::EndTurn);
    assert_eq!(second, StopReason::Cancelled);
    assert!(!workspace.join("never.txt").exists());
    assert_eq!(seen.permissions.lock().unwrap().len(), 1);
    // The declined command completed as failed; the model heard why.
    assert!(
        seen.of_kind("tool_call_update").iter().any(|u| {
            u["update"]["toolCallId"] == "call_cmd" && u["update"]["status"] == "failed"
        })
    );
    assert!(server.requests()[1].tool_output("call_cmd").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_sessions_are_listed_loaded_with_a_replay_closed_and_resumed() {
    let server = MockModelServer::start();
    let home = home(&server);
    let workspace = home.workspace().to_path_buf();
    server.push_turn(
        Turn::new()
            .reasoning("Thinking it over", None)
            .text("The first answer."),
    );
    server.push_turn(Turn::new().text("The second answer."));
    let cwd = workspace.clone();
    let first = Arc::new(Seen::default());
    let id = with_agent(&home, first, "allow-once", async move |cx| {
        let id = new_session(&cx, &cwd).await?;
        cx.send_request(PromptRequest::new(id.clone(), vec![text("first question")]))
            .block_task()
            .await?;
        Ok(id)
    })
    .await;

    let seen = Arc::new(Seen::default());
    let cwd = workspace.clone();
    let during = Arc::clone(&seen);
    let (replayed_before_answer, stop) =
        with_agent(&home, Arc::clone(&seen), "allow-once", async move |cx| {
            // The recorded session is listed, named by its first message.
            let listed = cx
                .send_request(ListSessionsRequest::new().cwd(cwd.clone()))
                .block_task()
                .await?;
            let listed = serde_json::to_value(&listed).unwrap();
            assert_eq!(listed["sessions"][0]["sessionId"], id.as_str(), "{listed}");
            assert_eq!(listed["sessions"][0]["title"], "first question", "{listed}");
            let loaded = cx
                .send_request(LoadSessionRequest::new(id.clone(), cwd.clone()))
                .block_task()
                .await?;
            let loaded = serde_json::to_value(&loaded).unwrap();
            assert_eq!(
                loaded["modes"]["availableModes"].as_array().unwrap().len(),
                3
            );
            // The replay came before the answer to session/load.
            let replayed = during.updates().len();
            cx.send_request(SetSessionModeRequest::new(id.clone(), "full-access"))
                .block_task()
                .await?;
            let done = cx
                .send_request(PromptRequest::new(
                    id.clone(),
                    vec![text("second question")],
                ))
                .block_task()
                .await?;
            // Closed, it takes no more prompts.
            cx.send_request(CloseSessionRequest::new(id.clone()))
                .block_task()
                .await?;
            let closed = cx
                .send_request(PromptRequest::new(id.clone(), vec![text("more")]))
                .block_task()
                .await;
            assert!(closed.is_err(), "{closed:?}");
            // Resumed, it is open again, without a second replay.
            cx.send_request(ResumeSessionRequest::new(id.clone(), cwd.clone()))
                .block_task()
                .await?;
            assert_eq!(during.text_of("user_message_chunk"), "first question");
            Ok((replayed, done.stop_reason))
        })
        .await;
    assert_eq!(stop, StopReason::EndTurn);
    assert!(replayed_before_answer >= 2, "{:#?}", seen.updates());
    assert_eq!(seen.text_of("user_message_chunk"), "first question");
    assert_eq!(
        seen.text_of("agent_message_chunk"),
        "The first answer.The second answer."
    );
    assert_eq!(seen.text_of("agent_thought_chunk"), "Thinking it over");
    // The continued session sent the recorded conversation to the model.
    let last = server.requests().last().unwrap().user_texts();
    assert!(last.iter().any(|t| t == "first question"), "{last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_resources_and_linked_buffers_reach_the_model_with_the_prompt() {
    let server = MockModelServer::start();
    let home = home(&server);
    let workspace = home.workspace().to_path_buf();
    server.push_turn(Turn::new().text("Read it."));
    let cwd = workspace.clone();
    let uri = format!("file://{}/notes.txt", workspace.display());
    std::fs::write(workspace.join("lib.rs"), "on disk\n").unwrap();
    let link = format!("file://{}/lib.rs", workspace.display());
    let stop = with_agent(
        &home,
        Arc::new(Seen::default()),
        "allow-once",
        async move |cx| {
            let id = new_session(&cx, &cwd).await?;
            let resource = ContentBlock::Resource(EmbeddedResource::new(
                EmbeddedResourceResource::TextResourceContents(TextResourceContents::new(
                    "unsaved line UNSAVED-42\n",
                    uri,
                )),
            ));
            let done = cx
                .send_request(PromptRequest::new(
                    id,
                    vec![
                        text("summarize"),
                        resource,
                        ContentBlock::ResourceLink(ResourceLink::new("lib.rs", link)),
                    ],
                ))
                .block_task()
                .await?;
            Ok(done.stop_reason)
        },
    )
    .await;
    assert_eq!(stop, StopReason::EndTurn);
    let texts = server.requests()[0].user_texts();
    let prompt = texts
        .iter()
        .find(|t| t.starts_with("summarize"))
        .unwrap_or_else(|| panic!("{texts:?}"));
    let path = workspace.join("notes.txt");
    assert!(prompt.contains(&format!("@{}", path.display())), "{prompt}");
    assert!(prompt.contains("<context ref=\"file://"), "{prompt}");
    assert!(prompt.contains("unsaved line UNSAVED-42"), "{prompt}");
    // The linked file came from the editor's buffer, not the disk.
    let lib = workspace.join("lib.rs");
    assert!(prompt.contains(&format!("@{}", lib.display())), "{prompt}");
    assert!(
        prompt.contains(&format!("buffer of {} UNSAVED-77", lib.display())),
        "{prompt}"
    );
    assert!(!prompt.contains("on disk"), "{prompt}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editors_mcp_servers_join_ours_their_questions_reach_it_and_skills_are_commands() {
    let server = MockModelServer::start();
    let home = home(&server);
    codex_test_support::write_skill(
        &home.path().join("skills/deploy"),
        "deploy",
        "Ship the build",
    );
    server.push_turn(Turn::new().function_call(
        "call_add",
        "mcp__py__add",
        json!({"a": 2, "b": 3}),
    ));
    server.push_turn(Turn::new().function_call(
        "call_ask",
        "mcp__py__confirm_delete",
        json!({"path": "x.txt"}),
    ));
    server.push_turn(Turn::new().text("It is 5."));
    let cwd = home.workspace().to_path_buf();
    let seen = Arc::new(Seen::default());
    let stop = with_agent(&home, Arc::clone(&seen), "allow-once", async move |cx| {
        let py = McpServer::Stdio(
            McpServerStdio::new("py", python()).args(vec![py_mcp_server().display().to_string()]),
        );
        let session = cx
            .send_request(NewSessionRequest::new(cwd).mcp_servers(vec![py]))
            .block_task()
            .await?;
        let done = cx
            .send_request(PromptRequest::new(
                session.session_id,
                vec![text("/deploy then add 2 and 3")],
            ))
            .block_task()
            .await?;
        Ok(done.stop_reason)
    })
    .await;
    assert_eq!(stop, StopReason::EndTurn);
    // The skill was offered as a command, and the command reached the
    // model as the skill's mention.
    let offered = seen.of_kind("available_commands_update");
    assert_eq!(
        offered[0]["update"]["availableCommands"][0]["name"],
        "deploy"
    );
    let first = &server.requests()[0];
    assert!(
        first
            .user_texts()
            .iter()
            .any(|t| t == "$deploy then add 2 and 3"),
        "{:?}",
        first.user_texts()
    );
    // The editor's server joined ours, and its tool was called.
    let call = seen
        .of_kind("tool_call")
        .into_iter()
        .find(|c| c["update"]["toolCallId"] == "call_add")
        .unwrap_or_else(|| panic!("{:#?}", seen.updates()));
    assert_eq!(call["update"]["title"], "py: add");
    assert_eq!(call["update"]["rawInput"], json!({"a": 2, "b": 3}));
    let done = seen
        .of_kind("tool_call_update")
        .into_iter()
        .find(|c| c["update"]["toolCallId"] == "call_add")
        .unwrap();
    assert_eq!(done["update"]["status"], "completed", "{done:#}");
    // The server's question was answered in the editor.
    let asked = seen
        .of_kind("tool_call_update")
        .into_iter()
        .find(|c| c["update"]["toolCallId"] == "call_ask" && c["update"]["status"].is_string())
        .unwrap_or_else(|| panic!("{:#?}", seen.updates()));
    assert!(
        asked["update"]["content"][0]["content"]["text"]
            .as_str()
            .unwrap()
            .contains("elicitation accept"),
        "{asked:#}"
    );
    assert!(
        done["update"]["content"][0]["content"]["text"]
            .as_str()
            .unwrap()
            .contains('5')
    );
}

/// One JSON-RPC line to the agent.
fn send(stdin: &mut impl Write, message: &str) {
    stdin.write_all(message.as_bytes()).unwrap();
    stdin.write_all(b"\n").unwrap();
    stdin.flush().unwrap();
}

/// The next message with `id`.
fn response(lines: &mut impl Iterator<Item = String>, id: &Value) -> Value {
    for line in lines {
        let message: Value = serde_json::from_str(&line).unwrap();
        if &message["id"] == id && message.get("method").is_none() {
            return message;
        }
    }
    panic!("the agent closed stdout before answering {id}");
}

#[test]
fn bad_messages_get_json_rpc_errors_and_the_agent_goes_on() {
    let server = MockModelServer::start();
    let home = home(&server);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_codex"))
        .arg("acp")
        .current_dir(home.workspace())
        .env("CODEX_HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap);
    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":1}}"#,
    );
    let init = response(&mut lines, &json!(1));
    assert_eq!(init["result"]["protocolVersion"], 1, "{init}");
    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":2,"method":"no/such/method","params":{}}"#,
    );
    assert_eq!(response(&mut lines, &json!(2))["error"]["code"], -32601);
    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":3,"method":"session/new","params":{"cwd":7}}"#,
    );
    assert_eq!(response(&mut lines, &json!(3))["error"]["code"], -32602);
    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":4,"method":"session/new","params":{"cwd":"relative/dir","mcpServers":[]}}"#,
    );
    let relative = response(&mut lines, &json!(4));
    assert_eq!(relative["error"]["code"], -32602);
    assert!(
        relative["error"]["message"]
            .as_str()
            .unwrap()
            .contains("absolute"),
        "{relative}"
    );
    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":5,"method":"session/prompt","params":{"sessionId":"nope","prompt":[{"type":"text","text":"hi"}]}}"#,
    );
    assert_eq!(response(&mut lines, &json!(5))["error"]["code"], -32002);
    send(&mut stdin, "{this is not json");
    assert_eq!(response(&mut lines, &Value::Null)["error"]["code"], -32700);
    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":6,"method":"authenticate","params":{"methodId":"openai-api-key"}}"#,
    );
    let auth = response(&mut lines, &json!(6));
    assert_eq!(auth["error"]["code"], -32000, "{auth}");
    // Still serving.
    let cwd = serde_json::to_string(home.workspace()).unwrap();
    send(
        &mut stdin,
        &format!(
            r#"{{"jsonrpc":"2.0","id":7,"method":"session/new","params":{{"cwd":{cwd},"mcpServers":[]}}}}"#
        ),
    );
    let new = response(&mut lines, &json!(7));
    assert!(new["result"]["sessionId"].is_string(), "{new}");
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn without_a_key_or_sign_in_a_session_needs_auth() {
    let home = TestCodexHome::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_codex"))
        .arg("acp")
        .current_dir(home.workspace())
        .env("CODEX_HOME", home.path())
        .env_remove("OPENAI_API_KEY")
        .env_remove("CODEX_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap);
    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":1}}"#,
    );
    let init = response(&mut lines, &json!(1));
    let methods: Vec<&str> = init["result"]["authMethods"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(methods, ["chatgpt", "openai-api-key", "codex-login"]);
    let cwd = serde_json::to_string(home.workspace()).unwrap();
    send(
        &mut stdin,
        &format!(
            r#"{{"jsonrpc":"2.0","id":2,"method":"session/new","params":{{"cwd":{cwd},"mcpServers":[]}}}}"#
        ),
    );
    let refused = response(&mut lines, &json!(2));
    assert_eq!(refused["error"]["code"], -32000, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("OPENAI_API_KEY"),
        "{refused}"
    );
    drop(stdin);
    let _ = child.wait();
}
