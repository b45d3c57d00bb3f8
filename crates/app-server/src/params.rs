//! The params of every request, in their typed form.
//!
//! Each request's params are parsed into one of these before anything is
//! done with them: a missing field or a field of the wrong type is a
//! -32602 whose message names the field (its path, `input[0].text`) and
//! what was expected, instead of a default silently taking its place
//! (`thread/start {"cwd": 42}` must not start a thread in some other
//! directory with default policies). Fields the schema marks nullable are
//! `Option`s; unknown fields are ignored, as the reference ignores them.
//! Some fields are only checked, never read (`turn/interrupt`'s `turnId`,
//! the `threadId` a handler finds its thread by before parsing the rest):
//! they still define what a valid request is.
#![allow(dead_code)]

use std::path::PathBuf;

use codex_protocol::config_types::{ReasoningEffort, SandboxMode};
use codex_protocol::protocol::AskForApproval;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::rpc::RpcError;

/// Parses `params` (absent params are an empty object) as `T`.
pub fn parse<T: DeserializeOwned>(method: &str, params: Value) -> Result<T, RpcError> {
    let params = match params {
        Value::Null => Value::Object(Map::new()),
        Value::Object(map) => Value::Object(map),
        other => {
            return Err(RpcError::invalid_params(format!(
                "invalid params for {method}: expected an object, found {}",
                kind(&other)
            )));
        }
    };
    serde_path_to_error::deserialize(params).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let detail = without_position(&inner.to_string());
        if path == "." {
            RpcError::invalid_params(format!("invalid params for {method}: {detail}"))
        } else {
            RpcError::invalid_params(format!("invalid params for {method}: `{path}`: {detail}"))
        }
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `initialize`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams {
    pub client_info: ClientInfo,
    #[serde(default)]
    pub capabilities: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientInfo {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub title: Option<String>,
}

/// What `thread/start`, `thread/resume` and `thread/fork` may set.
#[derive(Debug, Default)]
pub struct ThreadSettings {
    pub model: Option<String>,
    pub model_provider: Option<String>,
    pub cwd: Option<String>,
    pub approval_policy: Option<AskForApproval>,
    pub sandbox: Option<SandboxMode>,
    pub base_instructions: Option<String>,
    pub developer_instructions: Option<String>,
    pub config: Option<Map<String, Value>>,
}

/// A params struct with the thread settings' fields inline (serde's
/// `flatten` would lose the path of a bad field in its error) and
/// `settings()` to take them out.
macro_rules! with_thread_settings {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $(pub $field: $ty,)*
            #[serde(default)]
            pub model: Option<String>,
            #[serde(default)]
            pub model_provider: Option<String>,
            #[serde(default)]
            pub cwd: Option<String>,
            #[serde(default)]
            pub approval_policy: Option<AskForApproval>,
            #[serde(default)]
            pub sandbox: Option<SandboxMode>,
            #[serde(default)]
            pub base_instructions: Option<String>,
            #[serde(default)]
            pub developer_instructions: Option<String>,
            #[serde(default)]
            pub config: Option<Map<String, Value>>,
        }

        impl $name {
            pub fn settings(&mut self) -> ThreadSettings {
                ThreadSettings {
                    model: self.model.take(),
                    model_provider: self.model_provider.take(),
                    cwd: self.cwd.take(),
                    approval_policy: self.approval_policy.take(),
                    sandbox: self.sandbox.take(),
                    base_instructions: self.base_instructions.take(),
                    developer_instructions: self.developer_instructions.take(),
                    config: self.config.take(),
                }
            }
        }
    };
}

with_thread_settings!(
    /// `thread/start`.
    ThreadStartParams { ephemeral: Option<bool> }
);
with_thread_settings!(
    /// `thread/resume`.
    ThreadResumeParams { thread_id: String }
);
with_thread_settings!(
    /// `thread/fork`.
    ThreadForkParams { thread_id: String }
);

/// Every request that names only a thread.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadIdParams {
    pub thread_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadReadParams {
    pub thread_id: String,
    #[serde(default)]
    pub include_turns: bool,
}

/// `thread/rollback`: the reference's params (`numTurns`) and this
/// implementation's choice of what goes back (`mode`, default the
/// conversation only, as the reference), a preview (`dryRun`) and the
/// hand-edited files to restore anyway (`restoreEdited`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadRollbackParams {
    pub thread_id: String,
    pub num_turns: u32,
    #[serde(default)]
    pub mode: Option<codex_protocol::rewind::RewindMode>,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub restore_edited: Vec<String>,
}

/// `thread/revert` (the reference 0.169's): the turn to go back before,
/// with the same extensions as `thread/rollback`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadRevertParams {
    pub thread_id: String,
    pub before_turn_id: String,
    #[serde(default)]
    pub mode: Option<codex_protocol::rewind::RewindMode>,
    #[serde(default)]
    pub restore_edited: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadSetNameParams {
    pub thread_id: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadListParams {
    #[serde(default)]
    pub archived: Option<bool>,
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub cwd: Option<CwdFilter>,
    #[serde(default)]
    pub search_term: Option<String>,
    #[serde(default)]
    pub model_providers: Option<Vec<String>>,
}

/// One directory or several.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum CwdFilter {
    One(String),
    Many(Vec<String>),
}

impl CwdFilter {
    pub fn into_list(self) -> Vec<String> {
        match self {
            Self::One(cwd) => vec![cwd],
            Self::Many(list) => list,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageParams {
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnStartParams {
    pub thread_id: String,
    pub input: Vec<InputItem>,
    #[serde(default)]
    pub cwd: Option<String>,
    #[serde(default)]
    pub approval_policy: Option<AskForApproval>,
    #[serde(default)]
    pub sandbox_policy: Option<SandboxPolicyParam>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub effort: Option<ReasoningEffort>,
    #[serde(default)]
    pub output_schema: Option<Value>,
    /// `{mode: "plan"|"default", settings: {model, ...}}`: the thread's
    /// collaboration mode from this turn on (the reference's experimental
    /// field).
    #[serde(default)]
    pub collaboration_mode: Option<CollaborationModeParam>,
}

#[derive(Debug, Deserialize)]
pub struct CollaborationModeParam {
    pub mode: codex_protocol::config_types::ModeKind,
    #[serde(default)]
    pub settings: Option<CollaborationSettingsParam>,
}

#[derive(Debug, Deserialize)]
pub struct CollaborationSettingsParam {
    #[serde(default)]
    pub model: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnSteerParams {
    pub thread_id: String,
    pub input: Vec<InputItem>,
    pub expected_turn_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnInterruptParams {
    pub thread_id: String,
    pub turn_id: String,
}

/// One item of a turn's input.
#[derive(Debug)]
pub enum InputItem {
    Text {
        text: String,
    },
    Image {
        url: String,
    },
    LocalImage {
        path: PathBuf,
    },
    /// A file the person mentioned; the model is told its path.
    Mention {
        path: String,
    },
    Skill {
        path: String,
    },
}

#[derive(Deserialize)]
struct TextInput {
    text: String,
}

#[derive(Deserialize)]
struct UrlInput {
    url: String,
}

#[derive(Deserialize)]
struct PathInput {
    path: String,
}

/// By hand rather than `#[serde(tag = "type")]`: serde buffers a tagged
/// enum's content, which loses the path of a bad field inside an item
/// (`input[0]` instead of `input[0].text`).
impl<'de> Deserialize<'de> for InputItem {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        const KINDS: &[&str] = &["text", "image", "localImage", "mention", "skill"];
        let mut map = Map::<String, Value>::deserialize(deserializer)?;
        let kind = match map.remove("type") {
            Some(Value::String(kind)) => kind,
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "`type`: expected a string, found {}",
                    kind(&other)
                )));
            }
            None => return Err(D::Error::missing_field("type")),
        };
        Ok(match kind.as_str() {
            "text" => InputItem::Text {
                text: variant::<TextInput, D::Error>(map)?.text,
            },
            "image" => InputItem::Image {
                url: variant::<UrlInput, D::Error>(map)?.url,
            },
            "localImage" => InputItem::LocalImage {
                path: PathBuf::from(variant::<PathInput, D::Error>(map)?.path),
            },
            "mention" => InputItem::Mention {
                path: variant::<PathInput, D::Error>(map)?.path,
            },
            "skill" => InputItem::Skill {
                path: variant::<PathInput, D::Error>(map)?.path,
            },
            other => return Err(D::Error::unknown_variant(other, KINDS)),
        })
    }
}

/// One variant's fields, with the path of a bad one in the message.
fn variant<T: DeserializeOwned, E: serde::de::Error>(map: Map<String, Value>) -> Result<T, E> {
    serde_path_to_error::deserialize(Value::Object(map)).map_err(|err| {
        let path = err.path().to_string();
        let detail = without_position(&err.into_inner().to_string());
        if path == "." {
            E::custom(detail)
        } else {
            E::custom(format!("`{path}`: {detail}"))
        }
    })
}

/// serde_json appends a position, meaningless for a parsed value.
fn without_position(detail: &str) -> String {
    detail
        .split(" at line ")
        .next()
        .unwrap_or(detail)
        .to_string()
}

/// The protocol's `SandboxPolicy` (camelCase, tagged by `type`).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SandboxPolicyParam {
    DangerFullAccess,
    #[serde(rename_all = "camelCase")]
    ReadOnly {
        #[serde(default)]
        network_access: bool,
    },
    #[serde(rename_all = "camelCase")]
    WorkspaceWrite {
        #[serde(default)]
        writable_roots: Vec<PathBuf>,
        #[serde(default)]
        network_access: bool,
        #[serde(default)]
        exclude_tmpdir_env_var: bool,
        #[serde(default)]
        exclude_slash_tmp: bool,
    },
}

impl SandboxPolicyParam {
    pub fn into_policy(self) -> codex_protocol::protocol::SandboxPolicy {
        use codex_protocol::protocol::SandboxPolicy;
        match self {
            Self::DangerFullAccess => SandboxPolicy::DangerFullAccess,
            Self::ReadOnly { .. } => SandboxPolicy::ReadOnly,
            Self::WorkspaceWrite {
                writable_roots,
                network_access,
                exclude_tmpdir_env_var,
                exclude_slash_tmp,
            } => SandboxPolicy::WorkspaceWrite {
                writable_roots,
                network_access,
                exclude_tmpdir_env_var,
                exclude_slash_tmp,
            },
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewStartParams {
    pub thread_id: String,
    pub target: ReviewTargetParam,
    #[serde(default)]
    pub delivery: Option<ReviewDelivery>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum ReviewDelivery {
    Inline,
    Detached,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ReviewTargetParam {
    UncommittedChanges,
    BaseBranch {
        branch: String,
    },
    Commit {
        sha: String,
        #[serde(default)]
        title: Option<String>,
    },
    Custom {
        instructions: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelListParams {
    #[serde(default)]
    pub include_hidden: Option<bool>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub model_provider: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountReadParams {
    #[serde(default)]
    pub refresh_token: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigReadParams {
    #[serde(default)]
    pub include_layers: bool,
    #[serde(default)]
    pub cwd: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigEdit {
    pub key_path: String,
    pub value: Value,
    pub merge_strategy: MergeStrategy,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum MergeStrategy {
    Replace,
    Upsert,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigValueWriteParams {
    #[serde(flatten)]
    pub edit: ConfigEdit,
    #[serde(default)]
    pub expected_version: Option<String>,
    #[serde(default)]
    pub file_path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigBatchWriteParams {
    pub edits: Vec<ConfigEdit>,
    #[serde(default)]
    pub expected_version: Option<String>,
    #[serde(default)]
    pub file_path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FuzzyFileSearchParams {
    pub query: String,
    pub roots: Vec<String>,
    #[serde(default)]
    pub cancellation_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandExecParams {
    pub command: Vec<String>,
    #[serde(default)]
    pub cwd: Option<String>,
    #[serde(default)]
    pub sandbox_policy: Option<SandboxPolicyParam>,
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    #[serde(default)]
    pub env: Option<std::collections::BTreeMap<String, Option<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpStatusParams {
    #[serde(default)]
    pub thread_id: Option<String>,
    #[serde(default)]
    pub server_name: Option<String>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Checks `params` against the typed form of `method`'s params. The
/// methods whose handlers read the typed form themselves parse again,
/// which costs microseconds; this one place makes sure no method is
/// answered from params it would have misread.
pub fn check(method: &str, params: &Value) -> Result<(), RpcError> {
    fn ok<T: DeserializeOwned>(method: &str, params: &Value) -> Result<(), RpcError> {
        parse::<T>(method, params.clone()).map(|_| ())
    }
    match method {
        "initialize" => ok::<InitializeParams>(method, params),
        "thread/start" => ok::<ThreadStartParams>(method, params),
        "thread/resume" => ok::<ThreadResumeParams>(method, params),
        "thread/fork" => ok::<ThreadForkParams>(method, params),
        "thread/list" => ok::<ThreadListParams>(method, params),
        "thread/loaded/list" => ok::<PageParams>(method, params),
        "thread/read" => ok::<ThreadReadParams>(method, params),
        "thread/rollback" => ok::<ThreadRollbackParams>(method, params),
        "thread/revert" => ok::<ThreadRevertParams>(method, params),
        "thread/archive" | "thread/unarchive" | "thread/compact/start" => {
            ok::<ThreadIdParams>(method, params)
        }
        "turn/start" => ok::<TurnStartParams>(method, params),
        "turn/steer" => ok::<TurnSteerParams>(method, params),
        "turn/interrupt" => ok::<TurnInterruptParams>(method, params),
        "review/start" => ok::<ReviewStartParams>(method, params),
        "thread/name/set" => ok::<ThreadSetNameParams>(method, params),
        "model/list" => ok::<ModelListParams>(method, params),
        "account/read" => ok::<AccountReadParams>(method, params),
        "config/read" => ok::<ConfigReadParams>(method, params),
        "config/value/write" => ok::<ConfigValueWriteParams>(method, params),
        "config/batchWrite" => ok::<ConfigBatchWriteParams>(method, params),
        "fuzzyFileSearch" => ok::<FuzzyFileSearchParams>(method, params),
        "command/exec" => ok::<CommandExecParams>(method, params),
        "mcpServerStatus/list" => ok::<McpStatusParams>(method, params),
        "mcpServer/oauth/login" => {
            ok::<crate::mcp_oauth_methods::McpServerOauthLoginParams>(method, params)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(method: &str, params: Value) -> String {
        let err = check(method, &params).unwrap_err();
        assert_eq!(err.code, crate::rpc::INVALID_PARAMS);
        err.message
    }

    #[test]
    fn a_wrong_type_names_the_field_and_the_type() {
        let m = message("thread/start", json!({"cwd": 42}));
        assert!(
            m.contains("`cwd`") && m.contains("expected a string"),
            "{m}"
        );
        let m = message(
            "turn/start",
            json!({"threadId": "t", "input": [{"type": "text", "text": 7}]}),
        );
        // Inside a tagged item the path stops at the item.
        assert!(
            m.contains("`input[0]`") && m.contains("expected a string"),
            "{m}"
        );
        let m = message("thread/start", json!({"approvalPolicy": "sometimes"}));
        assert!(m.contains("`approvalPolicy`"), "{m}");
        let m = message("thread/start", json!([1, 2]));
        assert!(m.contains("expected an object, found an array"), "{m}");
    }

    #[test]
    fn a_missing_field_is_named() {
        let m = message("turn/start", json!({"input": []}));
        assert!(m.contains("missing field `threadId`"), "{m}");
        let m = message("thread/read", Value::Null);
        assert!(m.contains("`threadId`"), "{m}");
        let m = message("initialize", json!({"clientInfo": {"name": "x"}}));
        assert!(m.contains("`clientInfo`") && m.contains("`version`"), "{m}");
    }

    #[test]
    fn good_params_pass_and_absent_optional_ones_are_fine() {
        check("thread/list", &Value::Null).unwrap();
        check("model/list", &json!({})).unwrap();
        check(
            "thread/list",
            &json!({"cwd": ["/a", "/b"], "limit": 3, "archived": null}),
        )
        .unwrap();
        check(
            "turn/start",
            &json!({"threadId": "t", "input": [{"type": "text", "text": "hi"}],
                "sandboxPolicy": {"type": "workspaceWrite", "writableRoots": ["/x"]}, "effort": "high"}),
        )
        .unwrap();
    }
}
