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
