//! The model catalog: what we know about each model family.
//!
//! The catalog is a data file compiled in (`models.json`); a user's
//! `model_catalog_json` file adds entries or replaces them (its entries come
//! first). A model is matched to the entry whose slug is the longest prefix
//! of its name (after any `provider/`), so `gpt-5.1-codex-max` finds
//! `gpt-5.1-codex`. A model with no entry gets conservative defaults
//! ([`ModelFamily::unknown`]) and is marked unknown, so the engine can say
//! so once.

use std::path::Path;
use std::sync::OnceLock;

use codex_protocol::config_types::{ReasoningEffort, Verbosity};
use serde::{Deserialize, Serialize};

/// Which tool the model runs commands with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShellToolType {
    /// `shell`: argv, run with execvp.
    #[default]
    Shell,
    /// `shell_command`: a script run by the user's shell.
    ShellCommand,
    /// `exec_command` and `write_stdin`: long-lived processes, PTYs.
    UnifiedExec,
    /// The Responses API's built-in `local_shell`.
    LocalShell,
}

/// How apply_patch is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplyPatchToolType {
    /// A grammar (custom) tool: the patch itself is the input.
    Freeform,
    /// A function taking `{"input": patch}`.
    #[default]
    Function,
}

/// Capabilities and limits of a family of models.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelFamily {
    /// The model's name, or for a catalog entry the prefix it matches.
    pub slug: String,
    pub display_name: String,
    pub description: String,
    /// Offered in model pickers.
    pub visible: bool,
    pub shell_type: ShellToolType,
    pub apply_patch_tool_type: ApplyPatchToolType,
    /// Takes the `reasoning` request parameter.
    pub supports_reasoning: bool,
    /// Returns reasoning summaries when asked.
    pub supports_reasoning_summaries: bool,
    pub default_reasoning_effort: Option<ReasoningEffort>,
    pub supported_reasoning_efforts: Vec<ReasoningEffort>,
    /// Takes `text.verbosity`.
    pub supports_verbosity: bool,
    pub default_verbosity: Option<Verbosity>,
    pub supports_parallel_tool_calls: bool,
    pub context_window: Option<i64>,
    /// The share of the window usable for input and output (the reference
    /// keeps 5% back).
    pub effective_context_window_percent: i64,
    pub auto_compact_token_limit: Option<i64>,
    pub max_output_tokens: Option<i64>,
    /// Tools offered beyond the standard ones (`read_file`, `list_dir`,
    /// `grep_files`).
    pub experimental_supported_tools: Vec<String>,
    /// `text`, `image`.
    pub input_modalities: Vec<String>,
    /// Takes the `tool_search` tool: MCP tools are then not listed but
    /// found by the model through a search (Responses only).
    pub supports_tool_search: bool,
    /// Found in the catalog (not [`Self::unknown`] defaults).
    #[serde(skip)]
    pub known: bool,
}

impl Default for ModelFamily {
    fn default() -> Self {
        Self::unknown("")
    }
}

impl ModelFamily {
    /// Conservative defaults for a model the catalog does not know: the
    /// plainest tools, no reasoning parameters, no parallel calls.
    pub fn unknown(slug: &str) -> Self {
        Self {
            slug: slug.to_string(),
            display_name: slug.to_string(),
            description: String::new(),
            visible: false,
            shell_type: ShellToolType::Shell,
            apply_patch_tool_type: ApplyPatchToolType::Function,
            supports_reasoning: false,
            supports_reasoning_summaries: false,
            default_reasoning_effort: None,
            supported_reasoning_efforts: Vec::new(),
            supports_verbosity: false,
            default_verbosity: None,
            supports_parallel_tool_calls: false,
            context_window: None,
            effective_context_window_percent: 95,
            auto_compact_token_limit: None,
            max_output_tokens: None,
            experimental_supported_tools: Vec::new(),
            input_modalities: vec!["text".to_string()],
            supports_tool_search: false,
            known: false,
        }
    }

    /// The part of the window a conversation may fill.
    pub fn effective_context_window(&self) -> Option<i64> {
        self.context_window
            .map(|w| w * self.effective_context_window_percent / 100)
    }

    /// The token count at which the conversation is compacted automatically:
    /// the catalog's limit, else 90% of the effective window.
    pub fn auto_compact_token_limit(&self) -> Option<i64> {
        self.auto_compact_token_limit
            .or_else(|| self.effective_context_window().map(|w| w / 10 * 9))
    }

    pub fn takes_images(&self) -> bool {
        self.input_modalities.iter().any(|m| m == "image")
    }

    pub fn takes_tool(&self, name: &str) -> bool {
        self.experimental_supported_tools.iter().any(|t| t == name)
    }
}

/// The known model families.
#[derive(Debug, Clone, Default)]
pub struct ModelCatalog {
    entries: Vec<ModelFamily>,
}

const BUILTIN_CATALOG: &str = include_str!("../models.json");

impl ModelCatalog {
    /// The compiled-in catalog.
    pub fn builtin() -> &'static ModelCatalog {
        static CATALOG: OnceLock<ModelCatalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            // The compiled-in file is checked by a test; if it ever failed to
            // parse, every model would get the unknown defaults.
            let entries: Vec<ModelFamily> =
                serde_json::from_str(BUILTIN_CATALOG).unwrap_or_default();
            ModelCatalog { entries }
        })
    }

    /// The built-in catalog with the entries of `path` (a JSON array of
    /// entries, or `{"models": [...]}`) in front of it.
    pub fn with_file(path: &Path) -> Result<ModelCatalog, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| format!("cannot read model_catalog_json {}: {err}", path.display()))?;
        #[derive(Deserialize)]
        struct Wrapped {
            models: Vec<ModelFamily>,
        }
        let parsed = if text.trim_start().starts_with('{') {
            serde_json::from_str::<Wrapped>(&text).map(|w| w.models)
        } else {
            serde_json::from_str::<Vec<ModelFamily>>(&text)
        };
        let extra = parsed.map_err(|err| {
            format!(
                "model_catalog_json {}:{}:{}: {err}",
                path.display(),
                err.line(),
                err.column()
            )
        })?;
        if let Some(nameless) = extra.iter().position(|e| e.slug.trim().is_empty()) {
            return Err(format!(
                "model_catalog_json {}: entry {} has no `slug`",
                path.display(),
                nameless + 1
            ));
        }
        let mut entries = extra;
        entries.extend(Self::builtin().entries.iter().cloned());
        Ok(ModelCatalog { entries })
    }

    /// Every entry, in matching order.
    pub fn entries(&self) -> &[ModelFamily] {
        &self.entries
    }

    /// The family of `model`: the longest matching slug (the first of equal
    /// length, so a user's entry wins), else the unknown defaults.
    pub fn family(&self, model: &str) -> ModelFamily {
        let name = model.rsplit('/').next().unwrap_or(model);
        let best = self
            .entries
            .iter()
            .filter(|entry| name.starts_with(entry.slug.as_str()))
            .fold(None::<&ModelFamily>, |best, entry| match best {
                Some(b) if b.slug.len() >= entry.slug.len() => Some(b),
                _ => Some(entry),
            });
        match best {
            Some(entry) => ModelFamily {
                slug: model.to_string(),
                known: true,
                ..entry.clone()
            },
            None => ModelFamily::unknown(model),
        }
    }
}

/// The family of `model` in the built-in catalog.
pub fn find_family_for_model(model: &str) -> ModelFamily {
    ModelCatalog::builtin().family(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalog_parses_and_has_unique_slugs() {
        let entries: Vec<ModelFamily> = serde_json::from_str(BUILTIN_CATALOG).unwrap();
        assert!(entries.len() >= 10);
        let mut slugs: Vec<&str> = entries.iter().map(|e| e.slug.as_str()).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), entries.len());
    }

    #[test]
    fn families_match_the_longest_prefix() {
        let gpt55 = find_family_for_model("gpt-5.5");
        assert!(gpt55.known && gpt55.supports_reasoning && gpt55.supports_verbosity);
        assert_eq!(gpt55.shell_type, ShellToolType::UnifiedExec);
        assert_eq!(gpt55.apply_patch_tool_type, ApplyPatchToolType::Freeform);
        assert_eq!(gpt55.effective_context_window(), Some(258_400));
        let max = find_family_for_model("gpt-5.1-codex-max");
        assert_eq!(max.display_name, "gpt-5.1-codex");
        let mini = find_family_for_model("gpt-5.1-codex-mini");
        assert_eq!(mini.display_name, "gpt-5.1-codex-mini");
        assert_eq!(
            find_family_for_model("openai/gpt-5.5").display_name,
            "gpt-5.5"
        );
        assert!(!find_family_for_model("gpt-4.1").supports_reasoning);
        let oss = find_family_for_model("gpt-oss:20b");
        assert!(oss.supports_reasoning && !oss.supports_reasoning_summaries);
        assert!(oss.takes_tool("read_file"));
        assert_eq!(
            find_family_for_model("codex-mini-latest").shell_type,
            ShellToolType::LocalShell
        );
    }

    #[test]
    fn unknown_models_get_conservative_defaults() {
        let unknown = find_family_for_model("mistral-large");
        assert!(!unknown.known);
        assert_eq!(unknown.shell_type, ShellToolType::Shell);
        assert!(!unknown.supports_reasoning && !unknown.supports_parallel_tool_calls);
        assert_eq!(unknown.context_window, None);
    }

    #[test]
    fn a_user_catalog_adds_and_overrides_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("models.json");
        std::fs::write(
            &path,
            r#"{"models": [{"slug": "mistral", "shell_type": "shell_command", "context_window": 1000},
                          {"slug": "gpt-5.5", "context_window": 1000}]}"#,
        )
        .unwrap();
        let catalog = ModelCatalog::with_file(&path).unwrap();
        let mistral = catalog.family("mistral-large");
        assert!(mistral.known);
        assert_eq!(mistral.shell_type, ShellToolType::ShellCommand);
        assert_eq!(catalog.family("gpt-5.5").context_window, Some(1000));
        assert!(catalog.family("o3").known);

        std::fs::write(&path, "[{\"slug\": 3}]").unwrap();
        let err = ModelCatalog::with_file(&path).unwrap_err();
        assert!(err.contains("models.json:1:"), "{err}");
    }
}
