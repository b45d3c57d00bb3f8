//! `list_mcp_resources`, `list_mcp_resource_templates` and
//! `read_mcp_resource`: the resources of the session's MCP servers, offered
//! once any server is configured (as the reference does).

use std::sync::Arc;

use codex_client::{FunctionTool, ToolSpec};
use codex_mcp::McpConnectionManager;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

const LIST: &str = "list_mcp_resources";
const TEMPLATES: &str = "list_mcp_resource_templates";
const READ: &str = "read_mcp_resource";

pub(crate) fn specs() -> Vec<ToolSpec> {
    [LIST, TEMPLATES, READ].into_iter().map(spec).collect()
}

fn spec(name: &str) -> ToolSpec {
    let server = json!({"type": "string", "description": "The MCP server's name (all servers when omitted)."});
    let (description, parameters) = match name {
        LIST => (
            "Lists the resources MCP servers provide (files, documents, records), with their URIs.",
            json!({"type": "object", "properties": {"server": server}, "additionalProperties": false}),
        ),
        TEMPLATES => (
            "Lists the URI templates of resources MCP servers can provide.",
            json!({"type": "object", "properties": {"server": server}, "additionalProperties": false}),
        ),
        _ => (
            "Reads one resource of an MCP server by its URI.",
            json!({
                "type": "object",
                "properties": {
                    "server": {"type": "string", "description": "The MCP server's name."},
                    "uri": {"type": "string", "description": "The resource's URI."}
                },
                "required": ["server", "uri"],
                "additionalProperties": false
            }),
        ),
    };
    ToolSpec::Function(FunctionTool {
        name: name.to_string(),
        description: description.to_string(),
        strict: false,
        parameters,
    })
}

/// The handler for `name`, if it is a resource tool.
pub(crate) fn handler(
    name: &str,
    manager: &Arc<McpConnectionManager>,
) -> Option<Arc<dyn ToolHandler>> {
    [LIST, TEMPLATES, READ]
        .contains(&name)
        .then(|| -> Arc<dyn ToolHandler> {
            Arc::new(ResourceHandler {
                name: name.to_string(),
                manager: Arc::clone(manager),
            })
        })
}

struct ResourceHandler {
    name: String,
    manager: Arc<McpConnectionManager>,
}

#[derive(Deserialize)]
struct Args {
    #[serde(default)]
    server: Option<String>,
    #[serde(default)]
    uri: Option<String>,
}

impl ToolHandler for ResourceHandler {
    fn spec(&self) -> ToolSpec {
        spec(&self.name)
    }

    fn parallel_safe(&self) -> bool {
        true
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        let name = self.name.clone();
        let manager = Arc::clone(&self.manager);
        async move {
            let args: Args = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            let result = match name.as_str() {
                LIST => manager
                    .list_resources(args.server.as_deref())
                    .await
                    .map(|r| json!({"resources": r})),
                TEMPLATES => manager
                    .list_resource_templates(args.server.as_deref())
                    .await
                    .map(|r| json!({"resourceTemplates": r})),
                _ => match (args.server, args.uri) {
                    (Some(server), Some(uri)) => manager.read_resource(&server, &uri).await,
                    _ => return ToolOutput::failure("read_mcp_resource needs `server` and `uri`"),
                },
            };
            match result {
                Ok(value) => ToolOutput::success(value.to_string()),
                Err(err) => ToolOutput::failure(err.to_string()),
            }
        }
        .boxed()
    }
}
