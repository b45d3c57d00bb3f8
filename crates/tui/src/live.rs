//! The live area: everything under the history that is redrawn — the
//! unfinished part of a streaming answer, running commands, the status line
//! ("Working (12s · esc to interrupt)"), queued messages, the approval
//! prompt or the composer, and the footer. A pure function of the chat
//! state, a width, a height limit and the time.

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};

use crate::cells::format_duration;
use crate::chat::ChatState;
use crate::footer::footer_lines;
use crate::wrap::wrap_line;

const SPINNER: [&str; 10] = ["⠋ ", "⠙ ", "⠹ ", "⠸ ", "⠼ ", "⠴ ", "⠦ ", "⠧ ", "⠇ ", "⠏ "];
/// Queued messages listed before "… N more".
const QUEUED_SHOWN: usize = 3;

fn spinner(chat: &ChatState, now: Instant) -> &'static str {
    match &chat.task {
        Some(task) if chat.display.animations => {
            let frame = now.duration_since(task.started).as_millis() / 80;
            SPINNER[(frame % SPINNER.len() as u128) as usize]
        }
        _ => "• ",
    }
}

/// How long until the live area looks different by itself (the spinner
/// or the seconds counter), or None when nothing animates.
pub(crate) fn next_tick(chat: &ChatState) -> Option<std::time::Duration> {
    if !chat.is_animating() {
        return None;
    }
    Some(if chat.display.animations {
        std::time::Duration::from_millis(80)
    } else {
        std::time::Duration::from_secs(1)
    })
}

/// The live area at `width`, at most `max_height` rows.
pub(crate) fn render_live(
    chat: &mut ChatState,
    width: u16,
    max_height: u16,
    now: Instant,
) -> Buffer {
    render_live_frame(chat, width, max_height, now).0
}

/// The live area and where the terminal's cursor goes in it (the
/// composer's insertion point, when the composer has the keyboard).
pub(crate) fn render_live_frame(
    chat: &mut ChatState,
    width: u16,
    max_height: u16,
    now: Instant,
) -> (Buffer, Option<(u16, u16)>) {
    let w = usize::from(width.max(10));
    let spin = spinner(chat, now);

    let mut above: Vec<Line<'static>> = Vec::new();
    if let Some(stream) = &mut chat.stream {
        above.extend(stream.pending_rows(w));
    }
    for cell in &chat.running {
        above.push(Line::default());
        let elapsed = chat
            .exec_started
            .get(&cell.call_id)
            .map(|started| now.duration_since(*started))
            .unwrap_or_default();
        above.extend(cell.live_lines(w, spin, elapsed));
    }
    for (_, invocation) in &chat.mcp_running {
        above.push(Line::default());
        let arguments = invocation
            .arguments
            .as_ref()
            .map(|a| a.to_string())
            .unwrap_or_default();
        above.extend(crate::cells::mcp_call_lines(
            &invocation.server,
            &invocation.tool,
            &arguments,
            None,
            w,
            spin,
        ));
    }
    if let Some(task) = &chat.task {
        above.push(Line::default());
        let elapsed = format_duration(now.duration_since(task.started));
        let mut spans = vec![
            Span::styled(spin, Style::default().fg(Color::Cyan)),
            Span::styled(task.header.clone(), Style::default().bold()),
            format!(" ({elapsed} · esc to interrupt)").dim(),
        ];
        if let Some(retry) = &task.retry {
            spans.push(Span::styled(
                format!(" · {retry}"),
                Style::default().fg(Color::Yellow),
            ));
        }
        above.extend(wrap_line(&Line::from(spans), w, &[], &[Span::raw("  ")]));
    }
    for text in chat.queued.iter().take(QUEUED_SHOWN) {
        let first = text.lines().next().unwrap_or_default().to_string();
        above.extend(
            wrap_line(
                &Line::from(Span::styled(first, Style::default().dim().italic())),
                w,
                &[Span::styled("  ↳ ", Style::default().dim())],
                &[Span::raw("    ")],
            )
            .into_iter()
            .take(2),
        );
    }
    for text in chat.after_turn.iter().take(QUEUED_SHOWN) {
        let first = text.lines().next().unwrap_or_default().to_string();
        above.extend(
            wrap_line(
                &Line::from(Span::styled(first, Style::default().dim().italic())),
                w,
                &[Span::styled(
                    "  ⏸ after this turn: ",
                    Style::default().dim(),
                )],
                &[Span::raw("    ")],
            )
            .into_iter()
            .take(2),
        );
    }
    if chat.queued.len() > QUEUED_SHOWN {
        above.push(Line::from(
            format!("    … {} more queued", chat.queued.len() - QUEUED_SHOWN).dim(),
        ));
    }

    let footer = footer_lines(chat, width, now);
    let room = usize::from(max_height).saturating_sub(footer.len() + 1);
    let approval = if chat.questions.is_open() {
        Some(chat.questions.lines(width, room))
    } else if chat.approvals.is_open() {
        Some(chat.approvals.lines(width, room))
    } else {
        chat.picker.as_ref().map(|picker| picker.lines(room))
    };
    // A popup sits right above the composer.
    if approval.is_none()
        && let Some(popup) = &chat.popup
    {
        above.push(Line::default());
        above.extend(popup.lines(&chat.prompts, w));
    }
    let prompt_height = match &approval {
        Some(lines) => lines.len() as u16,
        None => chat.composer.desired_height(width),
    };
    // Everything below the history, trimmed from the top when short.
    let bottom = 1 + prompt_height + footer.len() as u16;
    let room_above = max_height.saturating_sub(bottom);
    let skip = above.len().saturating_sub(usize::from(room_above));
    let above = &above[skip..];
    let height = (above.len() as u16 + bottom).min(max_height.max(1));

    let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
    let mut cursor = None;
    let mut y = 0u16;
    for line in above {
        buf.set_line(0, y, line, width);
        y += 1;
    }
    y += 1; // the gap above the prompt
    match approval {
        Some(lines) => {
            for line in &lines {
                if y >= height {
                    break;
                }
                buf.set_line(0, y, line, width);
                y += 1;
            }
        }
        None => {
            let area = Rect::new(
                0,
                y.min(height),
                width,
                prompt_height.min(height.saturating_sub(y)),
            );
            cursor = chat.composer.render_for_terminal_cursor(area, &mut buf);
            y += prompt_height;
        }
    }
    for line in &footer {
        if y >= height {
            break;
        }
        buf.set_line(0, y, line, width);
        y += 1;
    }
    (buf, cursor)
}
