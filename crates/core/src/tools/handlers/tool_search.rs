//! `tool_search`: for models that take it, MCP tools are not listed up
//! front; the model searches them and calls what it found by namespace.
//!
//! The wire is the reference's: the tool entry is
//! `{"type": "tool_search", "execution": "client", …}`, the model sends a
//! `tool_search_call` with `{"query", "limit"}` (limit 8 by default), and the
//! answer is a `tool_search_output` whose `tools` are namespaces
//! (`mcp__server`) holding the found functions, marked `defer_loading`. The
//! request's tool list never changes; a found tool is called as a
//! `function_call` carrying its `namespace` (any deferred tool can be, found
//! or not).
//!
//! Ranking is BM25 over each tool's name (its words, counted twice, since
//! a name says most), description, parameter names and server name, among
//! the servers ready at the time of the search.

use std::collections::HashMap;
use std::sync::Arc;

use codex_client::{NamespaceTool, NamespacedFunction, ToolSpec};
use codex_mcp::McpToolInfo;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::mcp::McpState;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

/// How many tools a search returns unless the model asks otherwise.
const DEFAULT_LIMIT: usize = 8;
/// BM25's usual constants.
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// The tool entry the model is offered.
pub(crate) fn spec() -> ToolSpec {
    ToolSpec::ToolSearch {
        execution: "client".to_string(),
        description: "# Tool discovery\n\nFinds tools that are not listed up front (the tools of MCP servers) by a keyword query, ranked with BM25 over their names, descriptions and servers; the tools found can be called from the next request on, as `function_call`s in the namespace they are returned in. Search here for MCP tools rather than listing MCP resources.".to_string(),
        parameters: json!({
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "Keywords describing the tool you need."},
                "limit": {"type": "number", "description": "How many tools to return at most (8 by default)."}
            },
            "required": ["query"],
            "additionalProperties": false
        }),
    }
}

pub(crate) struct ToolSearchHandler {
    pub(crate) state: Arc<McpState>,
}

#[derive(Deserialize)]
struct SearchArgs {
    query: String,
    #[serde(default)]
    limit: Option<f64>,
}

impl ToolHandler for ToolSearchHandler {
    fn spec(&self) -> ToolSpec {
        spec()
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        let state = Arc::clone(&self.state);
        async move {
            let args: SearchArgs = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            let limit = args
                .limit
                .filter(|l| l.is_finite() && *l >= 1.0)
                .map_or(DEFAULT_LIMIT, |l| l as usize);
            let mut tools = state.current().map(|m| m.tools()).unwrap_or_default();
            let built_in = invocation.ctx.tools.deferred();
            tools.extend(built_in.iter().flat_map(searchable));
            let found = search(&tools, &args.query, limit);
            ToolOutput::success(Value::Array(namespaces_of(&found, built_in)).to_string())
        }
        .boxed()
    }
}

/// Lowercase words of `text`: split on anything not a letter or digit and
/// at camelCase humps.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && previous_lower && !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = c.is_lowercase() || c.is_ascii_digit();
            current.extend(c.to_lowercase());
        } else {
            previous_lower = false;
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The words a tool is found by.
fn document(tool: &McpToolInfo) -> Vec<String> {
    let name = words(&tool.tool);
    let mut doc = name.clone();
    doc.extend(name);
    doc.extend(words(&tool.description));
    doc.extend(words(&tool.server));
    if let Some(properties) = tool.parameters.get("properties").and_then(Value::as_object) {
        for key in properties.keys() {
            doc.extend(words(key));
        }
    }
    doc
}

/// The best `limit` tools for `query`, best first; none when no word
/// matches.
pub(crate) fn search<'a>(
    tools: &'a [McpToolInfo],
    query: &str,
    limit: usize,
) -> Vec<&'a McpToolInfo> {
    let terms = words(query);
    if terms.is_empty() || tools.is_empty() {
        return Vec::new();
    }
    let docs: Vec<Vec<String>> = tools.iter().map(document).collect();
    let average = docs.iter().map(Vec::len).sum::<usize>() as f64 / docs.len() as f64;
    let mut frequency: HashMap<&str, usize> = HashMap::new();
    for doc in &docs {
        let mut seen: Vec<&str> = doc.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for word in seen {
            *frequency.entry(word).or_default() += 1;
        }
    }
    let n = docs.len() as f64;
    let mut scored: Vec<(f64, usize)> = docs
        .iter()
        .enumerate()
        .map(|(index, doc)| {
            let length = doc.len() as f64;
            let score = terms
                .iter()
                .map(|term| {
                    let count = doc.iter().filter(|w| *w == term).count() as f64;
                    if count == 0.0 {
                        return 0.0;
                    }
                    let df = frequency.get(term.as_str()).copied().unwrap_or(0) as f64;
                    let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                    idf * count * (K1 + 1.0) / (count + K1 * (1.0 - B + B * length / average))
                })
                .sum::<f64>();
            (score, index)
        })
        .filter(|(score, _)| *score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, index)| &tools[index])
        .collect()
}

/// The functions of a deferred built-in namespace, searchable as MCP
/// tools are (the namespace's name stands for the server's).
fn searchable(namespace: &NamespaceTool) -> Vec<McpToolInfo> {
    namespace
        .tools
        .iter()
        .map(|f| McpToolInfo {
            qualified_name: format!("{}{}", namespace.name, f.name),
            namespace: namespace.name.clone(),
            name_in_namespace: f.name.clone(),
            server: namespace.name.clone(),
            tool: f.name.clone(),
            description: f.description.clone(),
            parameters: f.parameters.clone(),
            read_only: false,
            destructive: false,
            approval: codex_config::mcp::McpToolApproval::Auto,
        })
        .collect()
}

/// The found tools grouped by namespace, in the order of their best tool;
/// a built-in namespace keeps its own description.
fn namespaces_of(found: &[&McpToolInfo], built_in: &[NamespaceTool]) -> Vec<Value> {
    let mut groups: Vec<NamespaceTool> = Vec::new();
    for tool in found {
        let function = NamespacedFunction {
            name: tool.name_in_namespace.clone(),
            description: tool.description.clone(),
            strict: false,
            defer_loading: Some(true),
            parameters: tool.parameters.clone(),
        };
        match groups.iter_mut().find(|g| g.name == tool.namespace) {
            Some(group) => group.tools.push(function),
            None => groups.push(NamespaceTool {
                name: tool.namespace.clone(),
                description: built_in
                    .iter()
                    .find(|n| n.name == tool.namespace)
                    .map_or_else(
                        || namespace_description(&tool.server),
                        |n| n.description.clone(),
                    ),
                tools: vec![function],
            }),
        }
    }
    groups
        .into_iter()
        .filter_map(|group| serde_json::to_value(ToolSpec::Namespace(group)).ok())
        .collect()
}

/// The one line a namespace is described by.
pub(crate) fn namespace_description(server: &str) -> String {
    format!("Tools of the MCP server `{server}`.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_config::mcp::McpToolApproval;
    use pretty_assertions::assert_eq;

    fn tool(server: &str, name: &str, description: &str) -> McpToolInfo {
        McpToolInfo {
            qualified_name: format!("mcp__{server}__{name}"),
            namespace: format!("mcp__{server}"),
            name_in_namespace: name.to_string(),
            server: server.to_string(),
            tool: name.to_string(),
            description: description.to_string(),
            parameters: json!({"type": "object", "properties": {"path": {"type": "string"}}}),
            read_only: true,
            destructive: false,
            approval: McpToolApproval::Auto,
        }
    }

    #[test]
    fn names_weigh_more_than_descriptions_and_nothing_matching_finds_nothing() {
        let tools = vec![
            tool("files", "read_file", "Reads a file from disk."),
            tool(
                "files",
                "write_file",
                "Writes a file; the read side is elsewhere.",
            ),
            tool("weather", "getForecast", "The forecast for a city."),
        ];
        let names = |found: Vec<&McpToolInfo>| -> Vec<String> {
            found.iter().map(|t| t.tool.clone()).collect()
        };
        assert_eq!(names(search(&tools, "read file", 8))[0], "read_file");
        assert_eq!(names(search(&tools, "forecast", 8)), vec!["getForecast"]);
        assert_eq!(names(search(&tools, "weather", 8)), vec!["getForecast"]);
        assert!(search(&tools, "kubernetes", 8).is_empty());
        assert_eq!(search(&tools, "file", 1).len(), 1);
    }

    #[test]
    fn found_tools_come_back_as_namespaces_on_the_reference_wire() {
        let tools = vec![tool("demo", "add", "Adds two integers.")];
        let found = search(&tools, "add integers", 8);
        assert_eq!(
            Value::Array(namespaces_of(&found, &[])),
            json!([{
                "type": "namespace",
                "name": "mcp__demo",
                "description": "Tools of the MCP server `demo`.",
                "tools": [{
                    "type": "function",
                    "name": "add",
                    "description": "Adds two integers.",
                    "strict": false,
                    "defer_loading": true,
                    "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}
                }]
            }])
        );
    }
}
