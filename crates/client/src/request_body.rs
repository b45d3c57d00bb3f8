//! The body of a model request, encoded while it is sent.
//!
//! In a long session the history is most of a request and most of the
//! process's memory; holding its encoding whole beside it doubles the peak
//! (docs/benchmarks.md, "exec memory"). A Responses body is therefore sent
//! as a stream: the encoded head (model, instructions), the input items
//! encoded [`CHUNK`] bytes at a time from the shared history, and the tail
//! (tools and settings). Its length is counted first by encoding into a
//! counter — encoding is deterministic — so the request still carries a
//! `Content-Length`: servers and proxies that refuse chunked uploads take
//! it as they take the reference's. Each attempt encodes again from the
//! same prompt. Tool outputs the history keeps in its scratch file are
//! copied from there, already encoded ([`crate::spilled_outputs`]).

use std::sync::Arc;

use bytes::Bytes;

use crate::prompt::Prompt;
use crate::responses::{InputItem, input_item};
use crate::spilled_outputs::{OutputSpill, SpilledText};

/// About what one chunk of the streamed input holds (an item is never
/// split, so a chunk can be larger by one item). Small, because hyper
/// queues up to 16 chunks while the socket drains: 64 KiB chunks kept
/// 0.9 MiB of body in memory.
const CHUNK: usize = 16 * 1024;

/// A request's body, for as many attempts as the request takes.
pub(crate) enum RequestBody {
    /// The bytes, shared between attempts (the Chat wire, whose body is a
    /// converted copy of the history anyway).
    Whole(Bytes),
    Streamed(Arc<StreamedBody>),
}

/// A Responses body around `prompt`'s input.
pub(crate) struct StreamedBody {
    prompt: Prompt,
    /// Everything up to the input's `[`.
    head: Bytes,
    /// From the input's `]` to the end.
    tail: Bytes,
    len: u64,
}

impl StreamedBody {
    pub(crate) fn new(prompt: Prompt, head: Vec<u8>, tail: Vec<u8>) -> serde_json::Result<Self> {
        let mut counter = Counter(0);
        let mut included = 0u64;
        for (index, item) in prompt.input.iter().enumerate() {
            let Some(item) = input_item(item) else {
                continue;
            };
            serde_json::to_writer(&mut counter, &item)?;
            if let Some((_, at)) = prompt.spilled.find(index) {
                // The empty text's two quotes become the spilled text.
                counter.0 = counter.0 - 2 + at.encoded_len();
            }
            included += 1;
        }
        let commas = included.saturating_sub(1);
        let len = head.len() as u64 + counter.0 + commas + tail.len() as u64;
        Ok(Self {
            prompt,
            head: head.into(),
            tail: tail.into(),
            len,
        })
    }
}

impl RequestBody {
    /// The body's length in bytes.
    pub(crate) fn len(&self) -> u64 {
        match self {
            Self::Whole(bytes) => bytes.len() as u64,
            Self::Streamed(body) => body.len,
        }
    }

    /// The body of one attempt.
    pub(crate) fn attempt(&self) -> reqwest::Body {
        match self {
            Self::Whole(bytes) => bytes.clone().into(),
            Self::Streamed(body) => reqwest::Body::wrap_stream(futures::stream::iter(Chunks {
                body: Arc::clone(body),
                next: 0,
                written: false,
                stage: Stage::Head,
            })),
        }
    }
}

/// How a spilled output's item ends when encoded with its empty text: the
/// text is the item's last field.
const EMPTY_OUTPUT_END: &[u8] = b"\"output\":\"\"}";

/// Appends `item` to `out`, its text read back from the spill if it was
/// spilled.
fn encode_item(
    item: &InputItem<'_>,
    spilled: Option<(&OutputSpill, SpilledText)>,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, item).map_err(std::io::Error::other)?;
    let Some((spill, at)) = spilled else {
        return Ok(());
    };
    if !out.ends_with(EMPTY_OUTPUT_END) {
        return Err(std::io::Error::other(
            "a spilled tool output's item does not end with its empty text",
        ));
    }
    // Drop `""}`, put the text where the quotes were, close the item.
    out.truncate(out.len() - 3);
    spill.read_into(at, out)?;
    out.push(b'}');
    Ok(())
}

/// Counts what is written to it.
struct Counter(u64);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The chunks of one attempt's streamed body.
struct Chunks {
    body: Arc<StreamedBody>,
    /// The next input item to encode.
    next: usize,
    /// An item was written (the next one needs a comma).
    written: bool,
    stage: Stage,
}

enum Stage {
    Head,
    Items,
    Tail,
    Done,
}

impl Iterator for Chunks {
    type Item = std::io::Result<Bytes>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.stage {
                Stage::Head => {
                    self.stage = Stage::Items;
                    return Some(Ok(self.body.head.clone()));
                }
                Stage::Items => {
                    let items = &self.body.prompt.input;
                    let mut chunk = Vec::with_capacity(CHUNK);
                    while self.next < items.len() && chunk.len() < CHUNK {
                        if let Some(item) = input_item(&items[self.next]) {
                            if self.written {
                                chunk.push(b',');
                            }
                            if let Err(err) = encode_item(
                                &item,
                                self.body.prompt.spilled.find(self.next),
                                &mut chunk,
                            ) {
                                self.stage = Stage::Done;
                                return Some(Err(err));
                            }
                            self.written = true;
                        }
                        self.next += 1;
                    }
                    if self.next >= items.len() {
                        self.stage = Stage::Tail;
                    }
                    if !chunk.is_empty() {
                        return Some(Ok(chunk.into()));
                    }
                }
                Stage::Tail => {
                    self.stage = Stage::Done;
                    return Some(Ok(self.body.tail.clone()));
                }
                Stage::Done => return None,
            }
        }
    }
}
