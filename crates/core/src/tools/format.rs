//! What the model sees of a command's output.
//!
//! Long output is cut by bytes in the middle — the start says what ran, the
//! end says how it ended — keeping [`HEAD_BYTES`] and [`TAIL_BYTES`], with
//! a marker saying how much was left out. Cutting by bytes, not lines, means
//! a single enormous line still shows its start and end.

use codex_sandbox::ExecOutput;
use serde_json::json;

/// Bytes kept from the start and from the end of a long output (the
/// reference keeps about as much).
pub(crate) const HEAD_BYTES: usize = 10 * 1024;
pub(crate) const TAIL_BYTES: usize = 10 * 1024;

/// `{"output": ..., "metadata": {"exit_code": N, "duration_seconds": S}}`
pub(crate) fn format_exec_output(output: &ExecOutput, timeout_ms: u64) -> String {
    let mut text = output.aggregated.text();
    if output.timed_out {
        text = format!("command timed out after {timeout_ms} milliseconds\n{text}");
    }
    // Bytes the capture itself already dropped count as omitted too.
    let captured_omitted = output.aggregated.omitted_bytes();
    json!({
        "output": truncate_middle(&text, captured_omitted),
        "metadata": {
            "exit_code": output.exit_code,
            "duration_seconds": (output.duration.as_secs_f64() * 10.0).round() / 10.0,
        }
    })
    .to_string()
}

/// Keeps the first [`HEAD_BYTES`] and last [`TAIL_BYTES`] of `text` (at
/// character boundaries), with a marker for what lies between.
/// `already_omitted` is what an earlier stage dropped (its own marker in
/// the middle of `text` is replaced by this one).
pub(crate) fn truncate_middle(text: &str, already_omitted: usize) -> String {
    if text.len() <= HEAD_BYTES + TAIL_BYTES {
        return text.to_string();
    }
    let mut head_end = HEAD_BYTES;
    while !text.is_char_boundary(head_end) {
        head_end -= 1;
    }
    let mut tail_start = text.len() - TAIL_BYTES;
    while !text.is_char_boundary(tail_start) {
        tail_start += 1;
    }
    let middle = &text[head_end..tail_start];
    let omitted = middle.len() + already_omitted - marker_len_within(middle, already_omitted);
    let lines = middle.matches('\n').count();
    format!(
        "{}\n[... omitted {omitted} bytes ({lines}+ lines) ...]\n{}",
        &text[..head_end],
        &text[tail_start..]
    )
}

/// The length of the capture's own "[... N bytes omitted ...]" marker, if
/// it lies in `middle` (it is not output of the command).
fn marker_len_within(middle: &str, already_omitted: usize) -> usize {
    if already_omitted == 0 {
        return 0;
    }
    let marker = format!("\n[... {already_omitted} bytes omitted ...]\n");
    if middle.contains(&marker) {
        marker.len()
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept() {
        assert_eq!(truncate_middle("a\nb\n", 0), "a\nb\n");
    }

    #[test]
    fn long_text_keeps_both_ends_by_bytes() {
        let text: String = (0..10_000).map(|i| format!("line {i}\n")).collect();
        let out = truncate_middle(&text, 0);
        assert!(out.starts_with("line 0\nline 1\n"));
        assert!(out.ends_with("line 9998\nline 9999\n"));
        assert!(out.len() < HEAD_BYTES + TAIL_BYTES + 100);
        let omitted = text.len() - HEAD_BYTES - TAIL_BYTES;
        assert!(
            out.contains(&format!("[... omitted {omitted} bytes")),
            "{}",
            &out[HEAD_BYTES..HEAD_BYTES + 80]
        );
    }

    #[test]
    fn one_enormous_line_shows_its_start_and_end() {
        let text = format!("START{}END", "x".repeat(20 * 1024 * 1024));
        let out = truncate_middle(&text, 0);
        assert!(out.starts_with("STARTxxx") && out.ends_with("xxxEND"));
        assert!(out.len() < HEAD_BYTES + TAIL_BYTES + 100);
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        let text = "é".repeat(30_000);
        let out = truncate_middle(&text, 0);
        assert!(out.starts_with('é') && out.ends_with('é'));
    }
}
