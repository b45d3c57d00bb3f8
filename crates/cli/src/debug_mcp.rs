//! `codex debug mcp-client URL`: codex's MCP client against one streamable
//! HTTP server, outside any session: connect, list the tools, call each
//! with arguments made from its schema, accept every elicitation (schema
//! defaults filled in). This is the client the MCP conformance suite runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use codex_config::mcp::{McpServerConfig, McpServerTransportConfig};
use codex_mcp::{ElicitationRequest, ElicitationResponse, Elicitor, McpConnectionManager};
use codex_protocol::mcp::ElicitationAction;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Map, Value, json};

struct AcceptAll;

impl Elicitor for AcceptAll {
    fn elicit(
        &self,
        _server: String,
        _request: ElicitationRequest,
    ) -> BoxFuture<'static, ElicitationResponse> {
        async {
            ElicitationResponse {
                action: ElicitationAction::Accept,
                content: None,
            }
        }
        .boxed()
    }
}

/// Arguments that satisfy `schema`: its defaults, else a plain value of
/// each property's type.
fn example_arguments(schema: &Value) -> Value {
    let mut args = Map::new();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let value = property.get("default").cloned().unwrap_or_else(|| {
                match property.get("type").and_then(Value::as_str) {
                    Some("number") | Some("integer") => json!(1),
                    Some("boolean") => json!(true),
                    Some("array") => json!([]),
                    Some("object") => json!({}),
                    _ => property
                        .get("enum")
                        .and_then(|e| e.get(0))
                        .cloned()
                        .unwrap_or(json!("test")),
                }
            });
            args.insert(name.clone(), value);
        }
    }
    Value::Object(args)
}

pub fn run(url: String) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let mut configs = BTreeMap::new();
        configs.insert(
            "server".to_string(),
            McpServerConfig {
                transport: McpServerTransportConfig::StreamableHttp {
                    url,
                    bearer_token_env_var: None,
                    http_headers: BTreeMap::new(),
                    env_http_headers: BTreeMap::new(),
                },
                enabled: true,
                startup_timeout: None,
                tool_timeout: None,
                enabled_tools: None,
                disabled_tools: Vec::new(),
                default_tools_approval: None,
                tool_approvals: BTreeMap::new(),
                required: true,
            },
        );
        let cwd = std::env::current_dir()?;
        let manager = Arc::new(McpConnectionManager::new(
            &configs,
            &cwd,
            None,
            Some(Arc::new(AcceptAll)),
        ));
        let summary = manager.start(Arc::new(|_| {})).await;
        if let Some(failure) = summary.failed.first() {
            anyhow::bail!("{}", failure.error);
        }
        for tool in manager.tools() {
            let arguments = example_arguments(&tool.parameters);
            match manager
                .call_tool(&tool.server, &tool.tool, Some(arguments.clone()))
                .await
            {
                Ok(result) => println!(
                    "{} {arguments} -> {}",
                    tool.tool,
                    serde_json::to_string(&result)?
                ),
                Err(err) => println!("{} {arguments} -> error: {err}", tool.tool),
            }
        }
        manager.shutdown().await;
        Ok(())
    })
}
