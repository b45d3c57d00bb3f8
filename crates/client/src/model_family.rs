//! What we know about a model from its name.

/// Capabilities and limits of a family of models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFamily {
    pub slug: String,
    /// Takes the `reasoning` request parameter.
    pub supports_reasoning: bool,
    /// Returns reasoning summaries when asked.
    pub supports_reasoning_summaries: bool,
    pub supports_parallel_tool_calls: bool,
    /// apply_patch is offered as a freeform (grammar) tool instead of a function.
    pub freeform_apply_patch: bool,
    pub context_window: Option<i64>,
    pub max_output_tokens: Option<i64>,
}

impl ModelFamily {
    /// The token count at which the conversation is compacted automatically:
    /// 90% of the context window, when it is known.
    pub fn auto_compact_token_limit(&self) -> Option<i64> {
        self.context_window.map(|w| w / 10 * 9)
    }
}

/// The family of `model` (unknown models get conservative defaults).
pub fn find_family_for_model(model: &str) -> ModelFamily {
    let slug = model.to_string();
    let family =
        |reasoning: bool, parallel: bool, freeform: bool, window: i64, output: i64| ModelFamily {
            slug: slug.clone(),
            supports_reasoning: reasoning,
            supports_reasoning_summaries: reasoning,
            supports_parallel_tool_calls: parallel,
            freeform_apply_patch: freeform,
            context_window: Some(window),
            max_output_tokens: Some(output),
        };
    let name = model.rsplit('/').next().unwrap_or(model);
    if name.starts_with("gpt-5") || name.starts_with("codex-") && name != "codex-mini-latest" {
        family(true, true, true, 272_000, 128_000)
    } else if name.starts_with("o3")
        || name.starts_with("o4")
        || name.starts_with("o1")
        || name == "codex-mini-latest"
    {
        family(true, false, false, 200_000, 100_000)
    } else if name.starts_with("gpt-4.1") {
        family(false, true, false, 1_047_576, 32_768)
    } else if name.starts_with("gpt-4o") {
        family(false, true, false, 128_000, 16_384)
    } else if name.starts_with("gpt-oss") {
        ModelFamily {
            supports_reasoning_summaries: false,
            ..family(true, false, false, 131_072, 131_072)
        }
    } else {
        ModelFamily {
            slug,
            supports_reasoning: false,
            supports_reasoning_summaries: false,
            supports_parallel_tool_calls: false,
            freeform_apply_patch: false,
            context_window: None,
            max_output_tokens: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        let gpt5 = find_family_for_model("gpt-5.1-codex");
        assert!(gpt5.supports_reasoning && gpt5.freeform_apply_patch);
        assert_eq!(gpt5.context_window, Some(272_000));
        assert_eq!(gpt5.auto_compact_token_limit(), Some(244_800));
        assert!(!find_family_for_model("gpt-4.1").supports_reasoning);
        assert!(find_family_for_model("o3").supports_reasoning);
        let oss = find_family_for_model("gpt-oss:20b");
        assert!(oss.supports_reasoning && !oss.supports_reasoning_summaries);
        let unknown = find_family_for_model("mistral");
        assert!(!unknown.supports_reasoning);
        assert_eq!(unknown.context_window, None);
        assert!(find_family_for_model("openai/gpt-5").supports_reasoning);
    }
}
