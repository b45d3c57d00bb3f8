//! What a rule decides, ordered from the most to the least permissive so
//! that the strictest of several matches is their maximum.

use serde::{Deserialize, Serialize};

/// A rule's verdict on a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Runs without asking, outside the sandbox.
    Allow,
    /// Asks the person first (refused where nobody can be asked).
    Prompt,
    /// Never runs; the justification goes to the model.
    Forbidden,
}

impl Decision {
    /// The decision named `raw` as a rule file writes it.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "allow" => Ok(Self::Allow),
            "prompt" => Ok(Self::Prompt),
            "forbidden" => Ok(Self::Forbidden),
            other => Err(format!(
                "invalid decision `{other}`: use \"allow\", \"prompt\" or \"forbidden\""
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Prompt => "prompt",
            Self::Forbidden => "forbidden",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictest_is_the_maximum() {
        assert!(Decision::Forbidden > Decision::Prompt);
        assert!(Decision::Prompt > Decision::Allow);
        assert_eq!(Decision::parse("prompt"), Ok(Decision::Prompt));
        assert!(Decision::parse("deny").unwrap_err().contains("`deny`"));
    }
}
