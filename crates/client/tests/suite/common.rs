use codex_client::{
    ClientError, FreeformTool, FreeformToolFormat, FunctionTool, ModelClient, ModelClientConfig,
    Prompt, ResponseEvent, ResponseStream, ToolSpec, find_family_for_model, http_client,
};
use codex_config::{ModelProviderInfo, WireApi};
use codex_protocol::ThreadId;
use codex_protocol::config_types::{ReasoningEffort, ReasoningSummary};
use codex_protocol::models::{FunctionCallOutputPayload, ResponseItem};
use codex_test_support::MockModelServer;
use futures::StreamExt;
use serde_json::json;

pub fn provider(server: &MockModelServer, wire_api: WireApi) -> ModelProviderInfo {
    ModelProviderInfo {
        name: "mock".into(),
        base_url: Some(server.base_url()),
        wire_api,
        request_max_retries: Some(2),
        stream_idle_timeout_ms: Some(500),
        ..Default::default()
    }
}

pub fn client_for(provider: ModelProviderInfo, model: &str) -> ModelClient {
    let config = ModelClientConfig {
        provider_id: "mock".into(),
        provider,
        model: model.into(),
        family: find_family_for_model(model),
        reasoning_effort: Some(ReasoningEffort::High),
        reasoning_summary: ReasoningSummary::Auto,
        verbosity: None,
        thread_id: ThreadId::new(),
        originator: "codex_exec".into(),
        auth: Some(codex_client::auth::RequestAuth::ApiKey {
            key: "sk-test-key".into(),
            source: codex_client::auth::KeySource::Config,
        }),
        subagent_parent: None,
        turn_metadata: Some(codex_client::TurnMetadata {
            turn_id: "t1".into(),
            json: r#"{"turn_id":"t1"}"#.into(),
        }),
    };
    ModelClient::new(config, http_client("test-agent").unwrap())
}

pub fn client(server: &MockModelServer, wire_api: WireApi) -> ModelClient {
    client_for(provider(server, wire_api), "gpt-5.1-codex")
}

/// A prompt with history covering every item kind and both tool kinds.
pub fn prompt() -> Prompt {
    Prompt {
        instructions: "You are a test.".into(),
        input: std::sync::Arc::new(vec![
            ResponseItem::user_text("fix the bug"),
            ResponseItem::assistant_text("Looking."),
            ResponseItem::FunctionCall {
                id: None,
                name: "shell".into(),
                namespace: None,
                arguments: r#"{"command":["ls"]}"#.into(),
                call_id: "call_a".into(),
            },
            ResponseItem::FunctionCallOutput {
                call_id: "call_a".into(),
                output: FunctionCallOutputPayload::success("src\n"),
            },
        ]),
        spilled: Default::default(),
        tools: vec![
            ToolSpec::Function(FunctionTool {
                name: "shell".into(),
                description: "Runs a command.".into(),
                strict: false,
                parameters: json!({"type": "object", "properties": {"command": {"type": "array", "items": {"type": "string"}}}, "required": ["command"]}),
            }),
            ToolSpec::Freeform(FreeformTool {
                name: "apply_patch".into(),
                description: "Edits files.".into(),
                format: FreeformToolFormat {
                    kind: "grammar".into(),
                    syntax: "lark".into(),
                    definition: "start: /(.|\\n)+/".into(),
                },
            }),
        ]
        .into(),
        parallel_tool_calls: true,
        output_schema: None,
    }
}

/// Every event until the stream ends; the error, if it ended with one.
pub async fn collect(mut stream: ResponseStream) -> (Vec<ResponseEvent>, Option<ClientError>) {
    let mut events = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(event) => events.push(event),
            Err(err) => return (events, Some(err)),
        }
    }
    (events, None)
}
