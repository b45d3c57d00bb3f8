//! What the model sees of a command's output.
//!
//! Long output is cut in the middle (the start says what ran, the end says
//! how it ended) to at most [`MAX_BYTES`] and [`MAX_LINES`], with a marker
//! saying how much was left out.

use codex_sandbox::ExecOutput;
use serde_json::json;

pub(crate) const MAX_BYTES: usize = 10 * 1024;
pub(crate) const MAX_LINES: usize = 256;

/// `{"output": ..., "metadata": {"exit_code": N, "duration_seconds": S}}`
pub(crate) fn format_exec_output(output: &ExecOutput, timeout_ms: u64) -> String {
    let mut text = output.aggregated.text();
    if output.timed_out {
        text = format!("command timed out after {timeout_ms} milliseconds\n{text}");
    }
    json!({
        "output": truncate_middle(&text),
        "metadata": {
            "exit_code": output.exit_code,
            "duration_seconds": (output.duration.as_secs_f64() * 10.0).round() / 10.0,
        }
    })
    .to_string()
}

/// Keeps the head and tail of `text` within the line and byte limits.
pub(crate) fn truncate_middle(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    if text.len() <= MAX_BYTES && lines.len() <= MAX_LINES {
        return text.to_string();
    }
    let half_bytes = MAX_BYTES / 2;
    let half_lines = MAX_LINES / 2;
    let mut head = String::new();
    let mut head_lines = 0;
    for line in &lines {
        if head_lines == half_lines || head.len() + line.len() > half_bytes {
            break;
        }
        head.push_str(line);
        head_lines += 1;
    }
    let mut tail: Vec<&str> = Vec::new();
    let mut tail_bytes = 0;
    for line in lines[head_lines..].iter().rev() {
        if tail.len() == half_lines || tail_bytes + line.len() > half_bytes {
            break;
        }
        tail_bytes += line.len();
        tail.push(line);
    }
    tail.reverse();
    if head_lines == 0 && tail.is_empty() {
        // A few enormous lines: cut by bytes instead.
        let head = crate::util::truncate_at_char_boundary(text, half_bytes);
        let mut start = text.len() - half_bytes.min(text.len());
        while !text.is_char_boundary(start) {
            start += 1;
        }
        let omitted = start.saturating_sub(head.len());
        return format!(
            "{head}\n[... omitted {omitted} bytes ...]\n{}",
            &text[start..]
        );
    }
    let omitted = lines.len() - head_lines - tail.len();
    let mut out = head;
    if !out.ends_with('\n') && !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&format!(
        "[... omitted {omitted} of {} lines ...]\n",
        lines.len()
    ));
    out.push_str(&tail.concat());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept() {
        assert_eq!(truncate_middle("a\nb\n"), "a\nb\n");
    }

    #[test]
    fn long_text_keeps_both_ends() {
        let text: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let out = truncate_middle(&text);
        assert!(out.starts_with("line 0\nline 1\n"));
        assert!(out.ends_with("line 998\nline 999\n"));
        assert!(out.contains("[... omitted 744 of 1000 lines ...]"), "{out}");
        assert!(out.lines().count() <= MAX_LINES + 1);

        let wide = "x".repeat(50_000);
        let out = truncate_middle(&wide);
        assert!(out.len() < MAX_BYTES + 100);
        assert!(out.starts_with("xxx") && out.ends_with("xxx"));
        assert!(
            out.contains("[... omitted 39760 bytes ...]"),
            "{}",
            &out[5100..5200]
        );
    }
}
