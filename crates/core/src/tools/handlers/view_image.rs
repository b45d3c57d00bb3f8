//! The `view_image` tool: shows the model a local image (PNG, JPEG, GIF or
//! WebP), attached to the conversation as an `input_image` data URL right
//! after the call's output.
//!
//! Images are sent as they are: the API scales large images down itself,
//! so only files over its 20 MB limit are refused (with a clear message),
//! along with missing files and files that are not images.

use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;
use codex_client::{FunctionTool, ToolSpec};
use codex_protocol::models::{ContentItem, ResponseInputItem};
use codex_protocol::protocol::{EventMsg, ViewImageToolCallEvent};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use crate::state::Pending;
use crate::tools::registry::{ToolHandler, ToolInvocation, ToolOutput};

pub(crate) const NAME: &str = "view_image";
/// The API's limit for one image.
const MAX_IMAGE_BYTES: u64 = 20 * 1024 * 1024;

pub(crate) struct ViewImageHandler;

#[derive(Debug, Deserialize)]
struct Args {
    path: String,
}

impl ToolHandler for ViewImageHandler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function(FunctionTool {
            name: NAME.to_string(),
            description: "View a local image file from the filesystem when visual inspection is needed. Use this for images already available on disk.".to_string(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {"path": {"type": "string", "description": "Local filesystem path to an image file."}},
                "required": ["path"],
                "additionalProperties": false
            }),
        })
    }

    fn parallel_safe(&self) -> bool {
        true
    }

    fn handle(&self, invocation: ToolInvocation) -> BoxFuture<'static, ToolOutput> {
        async move {
            let args: Args = match invocation.parse_arguments() {
                Ok(args) => args,
                Err(output) => return output,
            };
            let path = invocation.resolve_path(Some(&args.path));
            let read_path = path.clone();
            let data_url = match tokio::task::spawn_blocking(move || load(&read_path)).await {
                Ok(Ok(url)) => url,
                Ok(Err(message)) => return ToolOutput::failure(message),
                Err(err) => return ToolOutput::failure(format!("view_image failed: {err}")),
            };
            let (session, ctx) = (&invocation.session, &invocation.ctx);
            // The task is still running this call, so its queue is open.
            let _ = invocation.turn_state.push_pending_input(Pending::Item(
                ResponseInputItem::Message {
                    role: "user".to_string(),
                    content: vec![ContentItem::InputImage {
                        image_url: data_url,
                    }],
                },
            ));
            session
                .send_event(
                    &ctx.sub_id,
                    EventMsg::ViewImageToolCall(ViewImageToolCallEvent {
                        call_id: invocation.call_id.clone(),
                        path: path.clone(),
                    }),
                )
                .await;
            ToolOutput::success("attached local image path")
        }
        .boxed()
    }
}

/// The image as a data URL, or what the model is told.
fn load(path: &std::path::Path) -> Result<String, String> {
    let meta = std::fs::metadata(path)
        .map_err(|err| format!("unable to locate image at `{}`: {err}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("`{}` is not a file", path.display()));
    }
    if meta.len() > MAX_IMAGE_BYTES {
        return Err(format!(
            "the image at `{}` is {:.1} MB; images over {} MB cannot be sent to the model",
            path.display(),
            meta.len() as f64 / (1024.0 * 1024.0),
            MAX_IMAGE_BYTES / (1024 * 1024)
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|err| format!("unable to read image at `{}`: {err}", path.display()))?;
    let mime = image_type(&bytes).ok_or_else(|| {
        format!(
            "`{}` is not an image this tool can show (PNG, JPEG, GIF or WebP)",
            path.display()
        )
    })?;
    Ok(format!(
        "data:{mime};base64,{}",
        BASE64_STANDARD.encode(&bytes)
    ))
}

/// The MIME type by the file's first bytes.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognized_by_content() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(image_type(b"GIF89a..."), Some("image/gif"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_type(b"hello"), None);
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.png");
        let err = load(&missing).unwrap_err();
        assert!(err.starts_with(&format!(
            "unable to locate image at `{}`",
            missing.display()
        )));
        let text = dir.path().join("notes.png");
        std::fs::write(&text, "not an image").unwrap();
        assert!(load(&text).unwrap_err().contains("is not an image"));
        let png = dir.path().join("ok.png");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\n0000").unwrap();
        assert!(load(&png).unwrap().starts_with("data:image/png;base64,"));
    }
}
