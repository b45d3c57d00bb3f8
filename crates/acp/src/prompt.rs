//! A `session/prompt`'s content blocks as the engine's user input.
//!
//! Text stays text. Images become `data:` URLs. A resource link names a
//! file the model may read (`@path`, as the TUI's `@` mention puts it in
//! the message). An embedded resource is a file the editor already read —
//! possibly an unsaved buffer — so its text goes to the model with the
//! message, in a `<context ref="…">` block after the prompt's text, and the
//! message names it with `@path` where the editor placed it.

use agent_client_protocol::v1::schema::{ContentBlock, EmbeddedResourceResource};
use codex_protocol::user_input::UserInput;

/// The input for `blocks`, or why it cannot be taken.
pub(crate) fn user_input(blocks: Vec<ContentBlock>) -> Result<Vec<UserInput>, String> {
    let mut text = String::new();
    let mut contexts = String::new();
    let mut images = Vec::new();
    for block in blocks {
        match block {
            ContentBlock::Text(t) => text.push_str(&t.text),
            ContentBlock::Image(image) => {
                // An image the editor names by URL only.
                if let Some(uri) = image.uri.as_deref().filter(|u| u.starts_with("http"))
                    && image.data.is_empty()
                {
                    images.push(UserInput::Image {
                        image_url: uri.to_string(),
                    });
                    continue;
                }
                images.push(UserInput::Image {
                    image_url: format!("data:{};base64,{}", image.mime_type, image.data),
                });
            }
            ContentBlock::ResourceLink(link) => {
                push_word(&mut text, &mention(&link.uri));
            }
            ContentBlock::Resource(resource) => match resource.resource {
                EmbeddedResourceResource::TextResourceContents(file) => {
                    push_word(&mut text, &mention(&file.uri));
                    contexts.push_str(&format!(
                        "\n<context ref=\"{}\">\n{}\n</context>",
                        file.uri,
                        file.text.trim_end_matches('\n')
                    ));
                }
                EmbeddedResourceResource::BlobResourceContents(blob) => {
                    let mime = blob.mime_type.unwrap_or_default();
                    if mime.starts_with("image/") {
                        images.push(UserInput::Image {
                            image_url: format!("data:{mime};base64,{}", blob.blob),
                        });
                    } else {
                        // Binary content the model cannot take as text:
                        // it gets the name, and reads the file if it can.
                        push_word(&mut text, &mention(&blob.uri));
                    }
                }
                _ => return Err("an embedded resource of a kind codex does not know".into()),
            },
            ContentBlock::Audio(_) => {
                return Err("codex takes no audio (promptCapabilities.audio is false)".into());
            }
            _ => return Err("a content block of a kind codex does not know".into()),
        }
    }
    let text = format!("{text}{contexts}");
    let mut input = Vec::new();
    if !text.trim().is_empty() {
        input.push(UserInput::Text { text });
    }
    input.extend(images);
    if input.is_empty() {
        return Err("the prompt is empty".into());
    }
    if let Some(reason) = codex_protocol::user_input::input_too_large(&input) {
        return Err(reason);
    }
    Ok(input)
}

/// `@/abs/path` for a `file://` URI, the URI itself otherwise.
fn mention(uri: &str) -> String {
    match uri.strip_prefix("file://") {
        Some(path) => format!("@{}", percent_decode(path)),
        None => uri.to_string(),
    }
}

pub(crate) use codex_protocol::items::percent_decode;

/// Appends `word`, with a space between it and text before it.
fn push_word(text: &mut String, word: &str) {
    if !text.is_empty() && !text.ends_with(char::is_whitespace) {
        text.push(' ');
    }
    text.push_str(word);
}

#[cfg(test)]
mod tests {
    use super::*;
    use agent_client_protocol::v1::schema::{
        EmbeddedResource, ImageContent, ResourceLink, TextContent, TextResourceContents,
    };
    use pretty_assertions::assert_eq;

    #[test]
    fn an_embedded_file_goes_with_the_message_and_is_mentioned() {
        let input = user_input(vec![
            ContentBlock::Text(TextContent::new("explain")),
            ContentBlock::Resource(EmbeddedResource::new(
                EmbeddedResourceResource::TextResourceContents(TextResourceContents::new(
                    "fn main() {}\n",
                    "file:///w/my%20src/main.rs",
                )),
            )),
            ContentBlock::Text(TextContent::new(" and ")),
            ContentBlock::ResourceLink(ResourceLink::new("lib.rs", "file:///w/lib.rs")),
            ContentBlock::Image(ImageContent::new("AAAA", "image/png")),
        ])
        .unwrap();
        assert_eq!(
            input,
            vec![
                UserInput::Text {
                    text: "explain @/w/my src/main.rs and @/w/lib.rs\n<context ref=\"file:///w/my%20src/main.rs\">\nfn main() {}\n</context>".into()
                },
                UserInput::Image {
                    image_url: "data:image/png;base64,AAAA".into()
                },
            ]
        );
    }

    #[test]
    fn empty_and_audio_prompts_are_refused() {
        assert!(user_input(vec![]).is_err());
        assert!(
            user_input(vec![ContentBlock::Audio(
                agent_client_protocol::v1::schema::AudioContent::new("AA", "audio/wav")
            )])
            .is_err()
        );
    }
}
