//! A tool defined outside the engine, registered through the public
//! registry seam, is offered to the model and answers its calls.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use codex_client::{FunctionTool, ToolSpec};
use codex_core::{ToolHandler, ToolInvocation, ToolOutput};
use codex_test_support::{MockModelServer, Turn};
use futures::FutureExt;
use futures::future::BoxFuture;
use pretty_assertions::assert_eq;
use serde_json::json;

use super::common::{Start, home_for, start_with_tools};

/// Shouts its `text` back, and counts its calls.
struct ShoutTool {
    calls: Arc<AtomicUsize>,
}

impl ToolHandler for ShoutTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: "shout".into(),
            description: "Repeats text in capitals.".into(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {"text": {"type": "string"}},
                "required": ["text"]
            }),
        })
    }

    fn parallel_safe(&self) -> bool {
        true
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        let calls = Arc::clone(&self.calls);
        async move {
            #[derive(serde::Deserialize)]
            struct Args {
                text: String,
            }
            calls.fetch_add(1, Ordering::SeqCst);
            match invocation.parse_arguments::<Args>() {
                Ok(args) => ToolOutput::success(format!(
                    "{} (in {})",
                    args.text.to_uppercase(),
                    invocation.cwd().display()
                )),
                Err(output) => output,
            }
        }
        .boxed()
    }
}

#[tokio::test]
async fn a_tool_from_outside_the_engine_is_offered_and_called() {
    let server = MockModelServer::start();
    server.push_turn(
        Turn::new()
            .function_call("c1", "shout", json!({"text": "hello"}))
            .function_call("c2", "shout", json!({"wrong": 1})),
    );
    server.push_turn(Turn::new().text("done"));
    let calls = Arc::new(AtomicUsize::new(0));
    let tool: Arc<dyn ToolHandler> = Arc::new(ShoutTool {
        calls: Arc::clone(&calls),
    });
    let home = home_for(&server, "responses", "approval_policy = \"never\"");
    let session = start_with_tools(home, |_| {}, Start::New, vec![tool]).await;
    session.submit_text("shout hello").await;
    session.run_to_end().await;

    let requests = server.requests();
    let tools: Vec<String> = requests[0].body_json()["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        tools,
        vec![
            "exec_command",
            "write_stdin",
            "apply_patch",
            "update_plan",
            "request_user_input",
            "view_image",
            "multi_agent_v1",
            "get_goal",
            "create_goal",
            "update_goal",
            "shout"
        ]
    );
    let cwd = session.config.cwd.display().to_string();
    assert_eq!(
        requests[1].tool_output("c1").unwrap(),
        format!("HELLO (in {cwd})")
    );
    assert!(
        requests[1]
            .tool_output("c2")
            .unwrap()
            .starts_with("failed to parse function arguments: missing field `text`"),
        "bad arguments go back to the model"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}
