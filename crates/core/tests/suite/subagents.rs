//! Sub-agents end to end against the mock model: spawning, waiting, the
//! answers in the parent's next request, concurrency, session files, the
//! limits, interruption, custom roles.

use std::time::Duration;

use codex_protocol::items::{CollabAgentTool, CollabToolCallStatus, TurnItem};
use codex_protocol::protocol::{EventMsg, Op};
use codex_test_support::{MockModelServer, RecordedRequest, Reply, Turn};
use serde_json::{Value, json};

use super::common::{Start, WAIT, home_for, start, start_in};

const NS: &str = "multi_agent_v1";
const CONFIG: &str = "approval_policy = \"never\"\nsandbox_mode = \"danger-full-access\"";

fn is_child(request: &RecordedRequest) -> bool {
    request.header("x-openai-subagent") == Some("collab_spawn")
}

/// A child: runs a command that prints when it started and ended, then
/// answers with the task's name and the command's output.
fn child_turn(request: &RecordedRequest) -> Turn {
    let task = request
        .user_texts()
        .into_iter()
        .rfind(|t| t.starts_with("task "))
        .unwrap_or_default();
    match request.call_outputs().first() {
        None => Turn::new().function_call(
            "child_cmd",
            "shell",
            json!({"command": ["sh", "-c", "date +%s%N; sleep 1; date +%s%N"]}),
        ),
        Some((_, output)) => {
            Turn::new().text(&format!("{task} done: {}", output.replace('\n', " ")))
        }
    }
}

/// The parent spawns two agents, waits until both have answered, then
/// ends.
fn parent_turn(request: &RecordedRequest) -> Turn {
    let outs = request.call_outputs();
    let ids: Vec<String> = outs
        .iter()
        .filter(|(call, _)| call.starts_with("spawn"))
        .filter_map(|(_, out)| serde_json::from_str::<Value>(out).ok())
        .filter_map(|v| v["agent_id"].as_str().map(str::to_string))
        .collect();
    if outs.is_empty() {
        return Turn::new()
            .namespaced_call("spawn_a", NS, "spawn_agent", json!({"message": "task A"}))
            .namespaced_call("spawn_b", NS, "spawn_agent", json!({"message": "task B"}));
    }
    let answered: Vec<String> = outs
        .iter()
        .filter(|(call, _)| call.starts_with("wait"))
        .filter_map(|(_, out)| serde_json::from_str::<Value>(out).ok())
        .flat_map(|v| {
            v["status"]
                .as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect();
    let waiting: Vec<&String> = ids.iter().filter(|id| !answered.contains(id)).collect();
    if waiting.is_empty() {
        return Turn::new().text("both answered");
    }
    let n = outs.len();
    Turn::new().namespaced_call(
        &format!("wait_{n}"),
        NS,
        "wait_agent",
        json!({"targets": waiting, "timeout_ms": 60000}),
    )
}

fn script(server: &MockModelServer, replies: usize) {
    for _ in 0..replies {
        server.push(Reply::dynamic(|request| {
            if is_child(request) {
                child_turn(request)
            } else {
                parent_turn(request)
            }
        }));
    }
}

/// The two nanosecond timestamps the child's command printed.
fn times(answer: &str) -> (u128, u128) {
    let numbers: Vec<u128> = answer
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| w.len() >= 15)
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(numbers.len() >= 2, "no times in {answer}");
    (numbers[0], numbers[1])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_agents_run_side_by_side_and_their_answers_reach_the_parent() {
    let server = MockModelServer::start();
    script(&server, 12);
    let session = start(&server, "responses", CONFIG, |_| {}).await;
    session.submit_text("split the work").await;
    let events = session.run_to_end().await;

    let requests = server.requests();
    let parent: Vec<&RecordedRequest> = requests.iter().filter(|r| !is_child(r)).collect();
    // The namespace is offered, as the reference offers it.
    let tools = parent[0].body_json()["tools"].clone();
    let ns = tools
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == NS)
        .expect("multi_agent_v1 offered");
    let names: Vec<&str> = ns["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "close_agent",
            "resume_agent",
            "send_input",
            "spawn_agent",
            "wait_agent"
        ]
    );
    // The spawn answers carry ids and nicknames.
    let spawn: Value = serde_json::from_str(&parent[1].tool_output("spawn_a").unwrap()).unwrap();
    let id_a = spawn["agent_id"].as_str().unwrap().to_string();
    assert!(spawn["nickname"].as_str().is_some_and(|n| !n.is_empty()));

    // Both answers are in the last request: in wait outputs and in
    // notifications.
    let last = parent.last().unwrap();
    let body = last.body_json().to_string();
    assert!(body.contains("task A done"), "{body}");
    assert!(body.contains("task B done"), "{body}");
    assert!(body.contains("<subagent_notification>"), "{body}");
    assert!(
        body.contains(&format!("\\\"agent_path\\\":\\\"{id_a}\\\"")),
        "{body}"
    );
    let wait_outputs: Vec<String> = last
        .call_outputs()
        .into_iter()
        .filter(|(c, _)| c.starts_with("wait"))
        .map(|(_, o)| o)
        .collect();
    let first_wait: Value = serde_json::from_str(&wait_outputs[0]).unwrap();
    assert_eq!(first_wait["timed_out"], false);
    let (_, status) = first_wait["status"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    assert!(
        status["completed"].as_str().unwrap().contains("done"),
        "{status}"
    );

    // The children's requests: marked as a sub-agent's, task as the last
    // user message, and no agent tools (default max_depth = 1).
    let children: Vec<&RecordedRequest> = requests.iter().filter(|r| is_child(r)).collect();
    assert_eq!(children.len(), 4);
    let parent_id = session.configured.session_id.to_string();
    assert_eq!(
        children[0].header("x-codex-parent-thread-id"),
        Some(parent_id.as_str())
    );
    let child_tools = children[0].body_json()["tools"].to_string();
    assert!(!child_tools.contains(NS), "{child_tools}");

    // The two commands ran at the same time.
    let answers: Vec<String> = status_answers(&wait_outputs);
    assert_eq!(answers.len(), 2, "{answers:?}");
    let (a0, a1) = times(&answers[0]);
    let (b0, b1) = times(&answers[1]);
    assert!(
        a0 < b1 && b0 < a1,
        "windows do not overlap: {a0}-{a1} and {b0}-{b1}"
    );

    // The items: spawn and wait calls, completed.
    let collab: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            EventMsg::ItemCompleted(done) => match &done.item {
                TurnItem::CollabAgentToolCall(call) => Some(call.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(collab[0].tool, CollabAgentTool::SpawnAgent);
    assert_eq!(collab[0].prompt.as_deref(), Some("task A"));
    assert_eq!(collab[0].receiver_thread_ids, vec![id_a.clone()]);
    assert!(collab.iter().any(|c| c.tool == CollabAgentTool::Wait));
    assert!(
        collab
            .iter()
            .all(|c| c.status == CollabToolCallStatus::Completed)
    );

    // Session files: the child's names its parent and resumes.
    let child_file = find_session_file(session.home.path(), &id_a);
    let meta: Value = serde_json::from_str(
        std::fs::read_to_string(&child_file)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(meta["payload"]["parent_thread_id"], parent_id);
    assert_eq!(meta["payload"]["thread_source"], "subagent");
    assert_eq!(
        meta["payload"]["source"]["subagent"]["thread_spawn"]["depth"],
        1
    );
    let resumed = session
        .manager
        .resume_thread(
            session.config.clone(),
            &codex_core::ThreadRef::Id(id_a.parse().unwrap()),
        )
        .await
        .expect("the child resumes");
    assert_eq!(resumed.session_configured.session_id.to_string(), id_a);
    session.shutdown().await;
}

fn status_answers(wait_outputs: &[String]) -> Vec<String> {
    wait_outputs
        .iter()
        .filter_map(|o| serde_json::from_str::<Value>(o).ok())
        .flat_map(|v| {
            v["status"]
                .as_object()
                .map(|m| {
                    m.values()
                        .filter_map(|s| s["completed"].as_str().map(str::to_string))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .collect()
}

fn find_session_file(home: &std::path::Path, id: &str) -> std::path::PathBuf {
    let mut stack = vec![home.join("sessions")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().contains(id) {
                return path;
            }
        }
    }
    panic!("no session file for {id}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawn_over_max_threads_is_refused_with_a_clear_error() {
    let server = MockModelServer::start();
    server.push_turn(
        Turn::new()
            .namespaced_call("s1", NS, "spawn_agent", json!({"message": "task one"}))
            .namespaced_call("s2", NS, "spawn_agent", json!({"message": "task two"})),
    );
    for _ in 0..3 {
        server.push(Reply::dynamic(|request| {
            if is_child(request) {
                Turn::new().text("child done")
            } else {
                Turn::new().text("parent done")
            }
        }));
    }
    let config = format!("{CONFIG}\nagents.max_threads = 1\n");
    let session = start(&server, "responses", &config, |_| {}).await;
    session.submit_text("go").await;
    session.run_to_end().await;
    let requests = server.wait_for_requests(3, WAIT);
    let parent = requests.iter().rfind(|r| !is_child(r)).unwrap();
    assert!(parent.tool_output("s1").unwrap().contains("agent_id"));
    let refused = parent.tool_output("s2").unwrap();
    assert!(refused.contains("agent thread limit reached"), "{refused}");
    assert!(refused.contains("max_threads = 1"), "{refused}");
    session.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_at_max_depth_gets_no_agent_tools_and_cannot_spawn() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().namespaced_call(
        "s1",
        NS,
        "spawn_agent",
        json!({"message": "task deep", "fork_context": true}),
    ));
    // The child tries to spawn anyway; the parent then waits.
    for _ in 0..4 {
        server.push(Reply::dynamic(|request| {
            if is_child(request) {
                if request.call_outputs().iter().any(|(c, _)| c == "deeper") {
                    Turn::new().text("child done")
                } else {
                    Turn::new().namespaced_call(
                        "deeper",
                        NS,
                        "spawn_agent",
                        json!({"message": "task deeper"}),
                    )
                }
            } else if request.call_outputs().iter().any(|(c, _)| c == "w") {
                Turn::new().text("parent done")
            } else {
                let out = request.tool_output("s1").unwrap_or_default();
                let id = serde_json::from_str::<Value>(&out).unwrap()["agent_id"].clone();
                Turn::new().namespaced_call("w", NS, "wait_agent", json!({"targets": [id]}))
            }
        }));
    }
    let session = start(&server, "responses", CONFIG, |_| {}).await;
    session.submit_text("go deep").await;
    session.run_to_end().await;
    let requests = server.requests();
    let child: Vec<_> = requests.iter().filter(|r| is_child(r)).collect();
    assert!(!child[0].body_json()["tools"].to_string().contains(NS));
    let refused = child[1].tool_output("deeper").unwrap();
    assert!(refused.contains("unsupported call"), "{refused}");
    // A forked child is still at depth 1.
    assert!(child[0].body_json().to_string().contains("go deep"));
    session.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupting_the_parent_ends_its_children_and_their_commands() {
    let server = MockModelServer::start();
    let marker = format!("subagent-sleep-{}", std::process::id());
    server.push_turn(Turn::new().namespaced_call(
        "s1",
        NS,
        "spawn_agent",
        json!({"message": "task sleepy"}),
    ));
    let command = format!("exec -a {marker} sleep 60");
    for _ in 0..4 {
        let command = command.clone();
        server.push(Reply::dynamic(move |request| {
            if is_child(request) {
                Turn::new().function_call(
                    "long",
                    "shell",
                    json!({"command": ["bash", "-c", command]}),
                )
            } else {
                let out = request.tool_output("s1").unwrap_or_default();
                let id = serde_json::from_str::<Value>(&out).unwrap()["agent_id"].clone();
                Turn::new().namespaced_call(
                    "w",
                    NS,
                    "wait_agent",
                    json!({"targets": [id], "timeout_ms": 600000}),
                )
            }
        }));
    }
    let session = start(&server, "responses", CONFIG, |_| {}).await;
    session.submit_text("start and wait").await;
    // The child's command is running.
    let running = || {
        std::process::Command::new("pgrep")
            .args(["-f", &marker])
            .output()
            .map(|o| !o.stdout.is_empty())
            .unwrap_or(false)
    };
    let deadline = std::time::Instant::now() + WAIT;
    while !running() {
        assert!(
            std::time::Instant::now() < deadline,
            "the child's command never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    session.codex.submit(Op::Interrupt).await.unwrap();
    session
        .events_until(|m| matches!(m, EventMsg::TurnAborted(_)))
        .await;
    let deadline = std::time::Instant::now() + WAIT;
    while running() {
        assert!(
            std::time::Instant::now() < deadline,
            "the child's command outlived the interrupt"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    session.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_agent_from_the_project_is_spawned_by_type_with_its_instructions() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().namespaced_call(
        "s1",
        NS,
        "spawn_agent",
        json!({"message": "review the change", "agent_type": "reviewer"}),
    ));
    for _ in 0..3 {
        server.push(Reply::dynamic(|request| {
            if is_child(request) {
                Turn::new().text("looks fine")
            } else {
                Turn::new().text("parent done")
            }
        }));
    }
    let home = home_for(&server, "responses", CONFIG);
    let workspace = home.workspace().to_path_buf();
    std::fs::create_dir_all(workspace.join(".git")).unwrap();
    std::fs::write(workspace.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let agents = workspace.join(".codex/agents");
    std::fs::create_dir_all(&agents).unwrap();
    std::fs::write(
        agents.join("reviewer.toml"),
        "name = \"reviewer\"\ndescription = \"Reviews changes\"\ndeveloper_instructions = \"Check every hunk twice.\"\n",
    )
    .unwrap();
    std::fs::write(
        agents.join("broken.toml"),
        "name = \"x\"\ndescription = [\n",
    )
    .unwrap();
    let trust = format!(
        "\n[projects.\"{}\"]\ntrust_level = \"trusted\"\n",
        workspace.display()
    );
    let config_path = home.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config_path).unwrap();
    text.push_str(&trust);
    std::fs::write(&config_path, text).unwrap();
    let session = start_in(home, |_| {}, Start::New).await;
    session.submit_text("review").await;
    let events = session.run_to_end().await;
    let requests = server.wait_for_requests(3, WAIT);
    // The role is offered as an agent type.
    let spec = requests[0].body_json()["tools"].to_string();
    assert!(spec.contains("agent_type"), "{spec}");
    assert!(spec.contains("reviewer: {Reviews changes"), "{spec}");
    let child = requests
        .iter()
        .find(|r| is_child(r))
        .expect("child request");
    let body = child.body_json()["input"].to_string();
    assert!(body.contains("Check every hunk twice."), "{body}");
    let output = requests
        .iter()
        .rfind(|r| !is_child(r))
        .and_then(|r| r.tool_output("s1"))
        .unwrap();
    assert!(output.contains("agent_id"), "{output}");
    // The broken file was reported with its path and line, and skipped.
    assert!(
        events.iter().any(|e| matches!(e, EventMsg::Warning(w) if w.message.contains("broken.toml:") && w.message.contains("skipped"))),
        "{events:?}"
    );
    session.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_childs_approval_request_reaches_the_parent_labelled_and_the_answer_is_the_childs() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().namespaced_call(
        "s1",
        NS,
        "spawn_agent",
        json!({"message": "task touch"}),
    ));
    for _ in 0..4 {
        server.push(Reply::dynamic(|request| {
            if is_child(request) {
                if request.call_outputs().is_empty() {
                    Turn::new().function_call(
                        "touch",
                        "shell",
                        json!({"command": ["touch", "from-child.txt"]}),
                    )
                } else {
                    Turn::new().text("touched")
                }
            } else if request.call_outputs().iter().any(|(c, _)| c == "w") {
                Turn::new().text("parent done")
            } else {
                let out = request.tool_output("s1").unwrap_or_default();
                let id = serde_json::from_str::<Value>(&out).unwrap()["agent_id"].clone();
                Turn::new().namespaced_call(
                    "w",
                    NS,
                    "wait_agent",
                    json!({"targets": [id], "timeout_ms": 60000}),
                )
            }
        }));
    }
    let config = "approval_policy = \"untrusted\"\nsandbox_mode = \"danger-full-access\"";
    let session = start(&server, "responses", config, |_| {}).await;
    session.submit_text("touch through a child").await;
    let events = session
        .events_until(|m| matches!(m, EventMsg::ExecApprovalRequest(_)))
        .await;
    let Some(EventMsg::ExecApprovalRequest(request)) = events.last() else {
        panic!("no approval request");
    };
    assert_eq!(request.command, vec!["touch", "from-child.txt"]);
    let reason = request.reason.clone().unwrap_or_default();
    assert!(reason.starts_with("[agent "), "{reason}");
    session
        .codex
        .submit(Op::ExecApproval {
            id: request.call_id.clone(),
            decision: codex_protocol::protocol::ReviewDecision::Approved,
        })
        .await
        .unwrap();
    session.run_to_end().await;
    assert!(session.home.workspace().join("from-child.txt").exists());
    let last = server
        .requests()
        .into_iter()
        .rfind(|r| !is_child(r))
        .unwrap();
    assert!(last.tool_output("w").unwrap().contains("touched"));
    session.shutdown().await;
}

/// "For the session" in a child's request holds for the person's whole
/// session: the parent runs the same command without asking again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_approved_for_the_session_in_a_childs_request_runs_unasked_in_the_parent() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().namespaced_call(
        "s1",
        NS,
        "spawn_agent",
        json!({"message": "task touch"}),
    ));
    let touch = json!({"command": ["touch", "shared.txt"]});
    for _ in 0..5 {
        let touch = touch.clone();
        server.push(Reply::dynamic(move |request| {
            if is_child(request) {
                if request.call_outputs().is_empty() {
                    Turn::new().function_call("touch", "shell", touch.clone())
                } else {
                    Turn::new().text("touched")
                }
            } else if request.call_outputs().iter().any(|(c, _)| c == "again") {
                Turn::new().text("parent done")
            } else if request.call_outputs().iter().any(|(c, _)| c == "w") {
                Turn::new().function_call("again", "shell", touch.clone())
            } else {
                let out = request.tool_output("s1").unwrap_or_default();
                let id = serde_json::from_str::<Value>(&out).unwrap()["agent_id"].clone();
                Turn::new().namespaced_call(
                    "w",
                    NS,
                    "wait_agent",
                    json!({"targets": [id], "timeout_ms": 60000}),
                )
            }
        }));
    }
    let config = "approval_policy = \"untrusted\"\nsandbox_mode = \"danger-full-access\"";
    let session = start(&server, "responses", config, |_| {}).await;
    session
        .submit_text("touch through a child, then yourself")
        .await;
    let events = session
        .events_until(|m| matches!(m, EventMsg::ExecApprovalRequest(_)))
        .await;
    let Some(EventMsg::ExecApprovalRequest(request)) = events.last() else {
        panic!("no approval request");
    };
    assert_eq!(request.call_id, "touch");
    session
        .codex
        .submit(Op::ExecApproval {
            id: request.call_id.clone(),
            decision: codex_protocol::protocol::ReviewDecision::ApprovedForSession,
        })
        .await
        .unwrap();
    let rest = session
        .events_until(|m| {
            matches!(
                m,
                EventMsg::ExecApprovalRequest(_)
                    | EventMsg::TaskComplete(_)
                    | EventMsg::TurnAborted(_)
            )
        })
        .await;
    assert!(
        matches!(rest.last(), Some(EventMsg::TaskComplete(_))),
        "asked again: {:?}",
        rest.last()
    );
    let last = server
        .requests()
        .into_iter()
        .rfind(|r| !is_child(r))
        .unwrap();
    let again = last.tool_output("again").unwrap_or_default();
    assert!(!again.contains("rejected"), "{again}");
    session.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_past_job_max_runtime_is_stopped_and_reported_errored() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().namespaced_call(
        "s1",
        NS,
        "spawn_agent",
        json!({"message": "task slow"}),
    ));
    for _ in 0..4 {
        server.push(Reply::dynamic(|request| {
            if is_child(request) {
                Turn::new().function_call("slow", "shell", json!({"command": ["sleep", "30"]}))
            } else if request.call_outputs().iter().any(|(c, _)| c == "w") {
                Turn::new().text("parent done")
            } else {
                let out = request.tool_output("s1").unwrap_or_default();
                let id = serde_json::from_str::<Value>(&out).unwrap()["agent_id"].clone();
                Turn::new().namespaced_call(
                    "w",
                    NS,
                    "wait_agent",
                    json!({"targets": [id], "timeout_ms": 60000}),
                )
            }
        }));
    }
    let config = format!("{CONFIG}\nagents.job_max_runtime_seconds = 1\n");
    let session = start(&server, "responses", &config, |_| {}).await;
    session.submit_text("slow work").await;
    session.run_to_end().await;
    let last = server
        .requests()
        .into_iter()
        .rfind(|r| !is_child(r))
        .unwrap();
    let waited = last.tool_output("w").unwrap();
    assert!(waited.contains("errored"), "{waited}");
    assert!(waited.contains("job_max_runtime_seconds = 1"), "{waited}");
    session.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_agent_is_reopened_by_resume_agent_with_its_conversation() {
    let server = MockModelServer::start();
    for _ in 0..10 {
        server.push(Reply::dynamic(|request| {
            if is_child(request) {
                let n = request.user_texts().len();
                return Turn::new().text(&format!("child turn with {n} user texts"));
            }
            let outs = request.call_outputs();
            let id = outs
                .first()
                .and_then(|(_, out)| serde_json::from_str::<Value>(out).ok())
                .and_then(|v| v["agent_id"].as_str().map(str::to_string))
                .unwrap_or_default();
            let call =
                |c: &str, name: &str, args: Value| Turn::new().namespaced_call(c, NS, name, args);
            match outs.len() {
                0 => call("s", "spawn_agent", json!({"message": "task A"})),
                1 => call(
                    "w1",
                    "wait_agent",
                    json!({"targets": [id], "timeout_ms": 30000}),
                ),
                2 => call("c", "close_agent", json!({"target": id})),
                3 => call("r", "resume_agent", json!({"id": id})),
                4 => call("i", "send_input", json!({"target": id, "message": "again"})),
                5 => call(
                    "w2",
                    "wait_agent",
                    json!({"targets": [id], "timeout_ms": 30000}),
                ),
                _ => Turn::new().text("done"),
            }
        }));
    }
    let session = start(&server, "responses", CONFIG, |_| {}).await;
    session.submit_text("delegate twice").await;
    session.run_to_end().await;

    let requests = server.requests();
    let last = requests.iter().rfind(|r| !is_child(r)).unwrap();
    assert_eq!(
        last.tool_output("r").as_deref(),
        Some(r#"{"status":"pending_init"}"#)
    );
    let second_wait: Value = serde_json::from_str(&last.tool_output("w2").unwrap()).unwrap();
    let status = second_wait["status"].as_object().unwrap();
    let answer = status.values().next().unwrap()["completed"]
        .as_str()
        .unwrap();
    // The reopened child still had its first task in its conversation.
    let children: Vec<&RecordedRequest> = requests.iter().filter(|r| is_child(r)).collect();
    assert_eq!(children.len(), 2);
    let texts = children[1].user_texts();
    assert!(texts.iter().any(|t| t == "task A"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "again"), "{texts:?}");
    assert_eq!(
        answer,
        format!("child turn with {} user texts", texts.len())
    );
}
