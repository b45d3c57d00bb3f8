//! The requests that are about the workspace and the configuration rather
//! than a thread: `config/read`, `config/value/write`, `config/batchWrite`,
//! `fuzzyFileSearch`, `command/exec`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use codex_config::edit::{ValueEdit, set_values};
use codex_config::{CliOverrides, LayerSource, load_config};
use codex_core::{OneOffCommand, ThreadManager};
use serde_json::{Value, json};

use crate::rpc::RpcError;

/// The most matches `fuzzyFileSearch` returns per root.
const SEARCH_LIMIT: usize = 50;
/// `command/exec` without a `timeoutMs`.
const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(600);

/// A version of the file's contents for optimistic concurrency: writes
/// that name an `expectedVersion` fail when the file changed since.
fn version_of(text: &str) -> String {
    // FNV-1a: stable across runs and platforms, which is all it needs.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("fnv1a:{hash:016x}")
}

fn read_text(path: &Path) -> Result<String, RpcError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(err) => Err(RpcError::internal(format!(
            "cannot read {}: {err}",
            path.display()
        ))),
    }
}

/// The keys of the schema's `Config`: `config/read` names each, null when
/// nothing sets it.
const CONFIG_KEYS: &[&str] = &[
    "analytics",
    "approval_policy",
    "approvals_reviewer",
    "browser_use",
    "client_search_provider",
    "compact_prompt",
    "computer_use",
    "desktop",
    "developer_instructions",
    "forced_chatgpt_workspace_id",
    "forced_login_method",
    "instructions",
    "model",
    "model_auto_compact_token_limit",
    "model_auto_compact_token_limit_scope",
    "model_context_window",
    "model_provider",
    "model_reasoning_effort",
    "model_reasoning_summary",
    "model_verbosity",
    "review_model",
    "sandbox_mode",
    "sandbox_workspace_write",
    "service_tier",
    "tools",
    "web_search",
];

/// `config/read`: the effective configuration (built-in defaults, the
/// user's `config.toml`, its profile, the server's flags, a trusted
/// project's defaults, for the request's `cwd`) in the schema's shape,
/// where each key comes from, and the user file's version.
pub fn config_read(
    codex_home: &Path,
    overrides: &CliOverrides,
    params: &Value,
) -> Result<Value, RpcError> {
    let path = codex_home.join("config.toml");
    let text = read_text(&path)?;
    let table: toml::Table = text.parse().map_err(|err: toml::de::Error| {
        RpcError::internal(format!("{}: {}", path.display(), err.message()))
    })?;
    let mut overrides = overrides.clone();
    if let Some(cwd) = params.get("cwd").and_then(Value::as_str) {
        overrides.cwd = Some(PathBuf::from(cwd));
    }
    let effective = load_config(codex_home, &overrides)
        .map_err(|err| RpcError::invalid_params(err.to_string()))?;
    let mut config = match serde_json::to_value(effective.layers.merged()) {
        Ok(Value::Object(map)) => map,
        Ok(_) => serde_json::Map::new(),
        Err(err) => return Err(RpcError::internal(err.to_string())),
    };
    // Like the reference, a setting of the schema that nothing but the
    // built-in defaults sets reads as unset.
    for key in CONFIG_KEYS {
        let path = [key.to_string()];
        let from_default = effective
            .layers
            .origin_of(&path)
            .is_none_or(|o| o.source == LayerSource::Default);
        if from_default {
            config.insert(key.to_string(), Value::Null);
        }
    }
    let user_layer = json!({"type": "user", "file": path.display().to_string()});
    let version = version_of(&text);
    let mut origins = serde_json::Map::new();
    for key in config.keys() {
        let origin = effective.layers.origin_of(std::slice::from_ref(key));
        let name = match origin.map(|o| &o.source) {
            Some(
                LayerSource::File { .. }
                | LayerSource::Profile { .. }
                | LayerSource::ProfileFile { .. },
            ) => user_layer.clone(),
            Some(LayerSource::Override { .. } | LayerSource::Flag { .. }) => {
                json!({"type": "sessionFlags"})
            }
            Some(LayerSource::TrustedProject { path }) => {
                json!({"type": "project", "dotCodexFolder": path.join(".codex").display().to_string()})
            }
            // Built-in defaults and unset keys come from no layer.
            Some(LayerSource::Default) | None => continue,
        };
        origins.insert(key.clone(), json!({"name": name, "version": version}));
    }
    let user_config =
        serde_json::to_value(&table).map_err(|err| RpcError::internal(err.to_string()))?;
    let layers = params
        .get("includeLayers")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        .then(|| json!([{"name": user_layer, "version": version, "config": user_config}]));
    Ok(json!({"config": config, "origins": origins, "layers": layers}))
}

/// `config/value/write` (one edit) and `config/batchWrite` (several, all
/// or none): the user's `config.toml` edited in place, comments kept.
pub fn config_write(
    codex_home: &Path,
    overrides: &CliOverrides,
    params: &Value,
    batch: bool,
) -> Result<Value, RpcError> {
    let path = match params.get("filePath").and_then(Value::as_str) {
        Some(file) => {
            let file = PathBuf::from(file);
            if file != codex_home.join("config.toml") {
                return Err(RpcError::invalid_params(format!(
                    "only the user's config file ({}) can be written, not {}",
                    codex_home.join("config.toml").display(),
                    file.display()
                )));
            }
            file
        }
        None => codex_home.join("config.toml"),
    };
    let edits: Vec<&Value> = if batch {
        params
            .get("edits")
            .and_then(Value::as_array)
            .ok_or_else(|| RpcError::invalid_params("missing `edits`"))?
            .iter()
            .collect()
    } else {
        vec![params]
    };
    let edits = edits
        .into_iter()
        .enumerate()
        .map(|(n, edit)| {
            let key_path = edit
                .get("keyPath")
                .and_then(Value::as_str)
                .ok_or_else(|| RpcError::invalid_params(format!("edit {n}: missing `keyPath`")))?;
            let upsert = match edit.get("mergeStrategy").and_then(Value::as_str) {
                Some("upsert") => true,
                Some("replace") | None => false,
                Some(other) => {
                    return Err(RpcError::invalid_params(format!(
                        "edit {n}: mergeStrategy `{other}` is not replace or upsert"
                    )));
                }
            };
            Ok(ValueEdit {
                key_path: key_path.to_string(),
                value: edit.get("value").cloned().unwrap_or(Value::Null),
                upsert,
            })
        })
        .collect::<Result<Vec<_>, RpcError>>()?;
    if let Some(expected) = params.get("expectedVersion").and_then(Value::as_str) {
        let current = version_of(&read_text(&path)?);
        if current != expected {
            return Err(RpcError::invalid_request(format!(
                "{} changed since version {expected} (it is now {current}); read it again",
                path.display()
            )));
        }
    }
    set_values(&path, &edits).map_err(|err| RpcError::invalid_params(err.to_string()))?;
    // What the flags of this server override still wins at run time.
    let overridden = load_config(codex_home, overrides).is_ok_and(|config| {
        edits.iter().any(|edit| {
            let key: Vec<String> = edit.key_path.split('.').map(str::to_string).collect();
            config.layers.origin_of(&key).is_some_and(|origin| {
                matches!(
                    origin.source,
                    codex_config::LayerSource::Override { .. }
                        | codex_config::LayerSource::Flag { .. }
                        | codex_config::LayerSource::Profile { .. }
                        | codex_config::LayerSource::ProfileFile { .. }
                )
            })
        })
    });
    Ok(json!({
        "filePath": path.display().to_string(),
        "status": if overridden { "okOverridden" } else { "ok" },
        "version": version_of(&read_text(&path)?),
    }))
}

/// `fuzzyFileSearch`: the best matches of `query` under each root.
pub async fn fuzzy_file_search(params: &Value) -> Result<Value, RpcError> {
    let query = params
        .get("query")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("missing `query`"))?
        .to_string();
    let roots: Vec<String> = params
        .get("roots")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .ok_or_else(|| RpcError::invalid_params("missing `roots`"))?;
    let found = tokio::task::spawn_blocking(move || {
        let mut files = Vec::new();
        let mut matcher = codex_file_search::path_matcher();
        for root in roots {
            let index = codex_file_search::FileIndex::build(Path::new(&root), |_| {});
            for hit in index.search(&query, SEARCH_LIMIT, &mut matcher) {
                let file_name = hit.path.rsplit('/').next().unwrap_or(&hit.path).to_string();
                files.push(json!({
                    "root": root,
                    "path": hit.path,
                    "file_name": file_name,
                    "score": hit.score,
                    "indices": hit.indices,
                    "match_type": "file",
                }));
            }
        }
        files.sort_by(|a, b| b["score"].as_u64().cmp(&a["score"].as_u64()));
        files
    })
    .await
    .map_err(|err| RpcError::internal(format!("the search failed: {err}")))?;
    Ok(json!({"files": found}))
}

/// `command/exec`: one command under a sandbox (the configured one unless
/// the request names a `sandboxPolicy`), its output when it ends.
pub async fn command_exec(
    manager: &ThreadManager,
    codex_home: &Path,
    overrides: &CliOverrides,
    params: &Value,
    sandbox_from_protocol: impl Fn(&Value) -> Result<codex_protocol::protocol::SandboxPolicy, RpcError>,
) -> Result<Value, RpcError> {
    let argv: Vec<String> = params
        .get("command")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .filter(|l: &Vec<String>| !l.is_empty())
        .ok_or_else(|| RpcError::invalid_params("`command` must be a non-empty list of strings"))?;
    if params.get("tty").and_then(Value::as_bool).unwrap_or(false)
        || params
            .get("streamStdin")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    {
        return Err(RpcError::invalid_params(
            "interactive command/exec (tty, streamStdin) is not supported by this version; run it without",
        ));
    }
    let mut overrides = overrides.clone();
    if let Some(cwd) = params.get("cwd").and_then(Value::as_str) {
        overrides.cwd = Some(PathBuf::from(cwd));
    }
    let config = load_config(codex_home, &overrides)
        .map_err(|err| RpcError::invalid_params(err.to_string()))?;
    let policy = match params.get("sandboxPolicy").filter(|v| !v.is_null()) {
        Some(value) => sandbox_from_protocol(value)?,
        None => config.sandbox_policy.clone(),
    };
    let timeout = if params
        .get("disableTimeout")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        None
    } else {
        Some(
            params
                .get("timeoutMs")
                .and_then(Value::as_u64)
                .map(Duration::from_millis)
                .unwrap_or(DEFAULT_COMMAND_TIMEOUT),
        )
    };
    let output = manager
        .run_one_off_command(
            &config,
            OneOffCommand {
                argv,
                cwd: config.cwd.clone(),
                policy,
                timeout,
            },
        )
        .await
        .map_err(|err| RpcError::internal(err.to_string()))?;
    Ok(json!({"exitCode": output.exit_code, "stdout": output.stdout, "stderr": output.stderr}))
}
