//! What a person (or a program) hands the agent in one message.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// One piece of user input. A message is a list of these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UserInput {
    Text {
        text: String,
    },
    /// An image already encoded as a URL (usually a `data:` URL).
    Image {
        image_url: String,
    },
    /// An image on the local disk; the engine reads and encodes it.
    LocalImage {
        path: PathBuf,
    },
}

/// The most text one message may carry, in characters (the reference's
/// limit). Larger input is refused before anything is sent.
pub const MAX_USER_INPUT_TEXT_CHARS: usize = 1 << 20;

/// The characters of text in `items`.
pub fn text_chars(items: &[UserInput]) -> usize {
    items
        .iter()
        .map(|item| match item {
            UserInput::Text { text } => text.chars().count(),
            _ => 0,
        })
        .sum()
}

/// Why `items` may not be sent, if they are over the limit.
pub fn input_too_large(items: &[UserInput]) -> Option<String> {
    let chars = text_chars(items);
    (chars > MAX_USER_INPUT_TEXT_CHARS).then(|| {
        format!(
            "the message is {chars} characters long; the limit is {MAX_USER_INPUT_TEXT_CHARS} (1 MiB). Put large material in a file and ask codex to read it"
        )
    })
}
