//! Our side of an MCP session: who we are, what we support, and what we do
//! with the server's requests (elicitations go to the frontend through an
//! [`Elicitor`]; log messages go to codex's log).

use std::sync::Arc;

use codex_protocol::mcp::ElicitationAction;
use futures::future::BoxFuture;
use rmcp::ErrorData;
#[allow(deprecated)]
use rmcp::model::LoggingMessageNotificationParam;
use rmcp::model::{
    ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult, Implementation,
};
use rmcp::service::{NotificationContext, RequestContext, RoleClient};
use serde_json::Value;

/// A server's request for input.
#[derive(Debug, Clone, PartialEq)]
pub struct ElicitationRequest {
    pub message: String,
    pub requested_schema: Option<Value>,
}

/// The answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ElicitationResponse {
    pub action: ElicitationAction,
    pub content: Option<Value>,
}

/// Asks the person (through the frontend) on a server's behalf.
pub trait Elicitor: Send + Sync {
    fn elicit(
        &self,
        server: String,
        request: ElicitationRequest,
    ) -> BoxFuture<'static, ElicitationResponse>;
}

#[derive(Clone)]
pub(crate) struct ClientState {
    pub server: String,
    pub elicitor: Option<Arc<dyn Elicitor>>,
}

impl rmcp::ClientHandler for ClientState {
    fn get_info(&self) -> ClientConfig {
        let mut capabilities = ClientCapabilities::default();
        if self.elicitor.is_some() {
            capabilities.elicitation = Some(Default::default());
        }
        // The newest revision servers of today speak (and the one that still
        // allows server requests such as elicitation); a server that knows
        // only an older one answers with it.
        ClientConfig::new(
            capabilities,
            Implementation::new("codex", env!("CARGO_PKG_VERSION")),
        )
        .with_protocol_version(rmcp::model::ProtocolVersion::V_2025_11_25)
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        let Some(elicitor) = &self.elicitor else {
            return Ok(ElicitResult::new(rmcp::model::ElicitationAction::Decline));
        };
        let json = serde_json::to_value(&request).unwrap_or(Value::Null);
        let request = ElicitationRequest {
            message: json
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            requested_schema: json.get("requestedSchema").cloned(),
        };
        let schema = request.requested_schema.clone();
        let answer = elicitor.elicit(self.server.clone(), request).await;
        let action = match answer.action {
            ElicitationAction::Accept => rmcp::model::ElicitationAction::Accept,
            ElicitationAction::Decline => rmcp::model::ElicitationAction::Decline,
            ElicitationAction::Cancel => rmcp::model::ElicitationAction::Cancel,
        };
        let mut result = ElicitResult::new(action);
        if answer.action == ElicitationAction::Accept {
            result.content = Some(with_defaults(answer.content, schema.as_ref()));
        }
        Ok(result)
    }

    // Logging is deprecated by a newer protocol revision, but the servers
    // of today (2025-11-25) still send it; it belongs in codex's log.
    #[allow(deprecated)]
    async fn on_logging_message(
        &self,
        params: LoggingMessageNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        tracing::info!(
            target: "codex_mcp::server_log",
            server = %self.server,
            level = ?params.level,
            "{}",
            params.data
        );
    }
}

/// The accepted form with the schema's `default`s filled in for the fields
/// the person left out (SEP-1034).
pub(crate) fn with_defaults(content: Option<Value>, schema: Option<&Value>) -> Value {
    let mut content = match content {
        Some(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    if let Some(properties) = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    {
        for (name, property) in properties {
            if !content.contains_key(name)
                && let Some(default) = property.get("default")
            {
                content.insert(name.clone(), default.clone());
            }
        }
    }
    Value::Object(content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_fill_what_was_left_out() {
        let schema = json!({"type": "object", "properties": {
            "name": {"type": "string", "default": "John"},
            "age": {"type": "integer", "default": 30},
            "note": {"type": "string"}
        }});
        assert_eq!(
            with_defaults(Some(json!({"name": "Ann"})), Some(&schema)),
            json!({"name": "Ann", "age": 30})
        );
        assert_eq!(with_defaults(None, None), json!({}));
    }
}
