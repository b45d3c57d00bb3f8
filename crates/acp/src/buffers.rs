//! Files the prompt links to, read through the editor when the client
//! offers `fs/read_text_file`: what the person sees — an unsaved buffer —
//! goes to the model with the message, as if the editor had embedded it.
//! Without the capability (or when the read fails) a link stays a link and
//! the model reads the file from disk, inside the sandbox.

use agent_client_protocol::Client;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema::{
    ContentBlock, EmbeddedResource, EmbeddedResourceResource, ReadTextFileRequest,
    TextResourceContents,
};

/// Buffers larger than this stay links: the model reads what it needs.
const MAX_BUFFER_BYTES: usize = 256 * 1024;

/// Replaces each `file://` resource link in `blocks` with the editor's
/// text of that file.
pub(crate) async fn read_linked_buffers(
    blocks: &mut [ContentBlock],
    session_id: &str,
    cx: &ConnectionTo<Client>,
) {
    for block in blocks.iter_mut() {
        let ContentBlock::ResourceLink(link) = block else {
            continue;
        };
        let Some(path) = link.uri.strip_prefix("file://") else {
            continue;
        };
        let path = crate::prompt::percent_decode(path);
        let request = ReadTextFileRequest::new(session_id.to_string(), path);
        match cx.send_request(request).block_task().await {
            Ok(read) if read.content.len() <= MAX_BUFFER_BYTES => {
                *block = ContentBlock::Resource(EmbeddedResource::new(
                    EmbeddedResourceResource::TextResourceContents(
                        TextResourceContents::new(read.content, link.uri.clone())
                            .mime_type(link.mime_type.clone()),
                    ),
                ));
            }
            Ok(_) => {}
            Err(err) => {
                tracing::debug!(%err, uri = %link.uri, "the editor could not read a linked file")
            }
        }
    }
}
