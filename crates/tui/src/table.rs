//! Markdown tables laid out to a width: columns as wide as their content
//! when that fits, otherwise narrowed (the narrow ones keep their width,
//! the wide ones share what is left) with their cells wrapped inside the
//! column. Columns are separated by ` │ `, the header from the body by a
//! `─┼─` rule, and each column keeps the alignment of its separator row
//! (`:--`, `:-:`, `--:`).

use pulldown_cmark::Alignment;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::wrap::wrap_line;

/// One cell's content: styled inline text.
pub(crate) type TableCell = Vec<Span<'static>>;

const SEPARATOR: &str = " │ ";

fn cell_width(cell: &TableCell) -> usize {
    cell.iter().map(|s| s.content.width()).sum()
}

/// Column widths that fit `width` (as far as one cell per column can).
fn column_widths(natural: &[usize], width: usize) -> Vec<usize> {
    let columns = natural.len();
    let available = width.saturating_sub(SEPARATOR.width() * columns.saturating_sub(1));
    if natural.iter().sum::<usize>() <= available {
        return natural.to_vec();
    }
    // Narrowest first: each takes its natural width or an equal share of
    // what is left, whichever is less; the widest get what remains.
    let mut order: Vec<usize> = (0..columns).collect();
    order.sort_by_key(|&i| natural[i]);
    let mut widths = vec![1; columns];
    let mut remaining = available;
    for (done, &i) in order.iter().enumerate() {
        let share = remaining / (columns - done);
        widths[i] = natural[i].min(share).max(1);
        remaining = remaining.saturating_sub(widths[i]);
    }
    widths
}

/// `text` padded to `width` as `alignment` says.
fn aligned(
    line: Line<'static>,
    width: usize,
    alignment: Alignment,
    last: bool,
) -> Vec<Span<'static>> {
    let used = line.width();
    let pad = width.saturating_sub(used);
    let (left, right) = match alignment {
        Alignment::Right => (pad, 0),
        Alignment::Center => (pad / 2, pad - pad / 2),
        Alignment::Left | Alignment::None => (0, pad),
    };
    let mut spans = Vec::new();
    if left > 0 {
        spans.push(Span::raw(" ".repeat(left)));
    }
    spans.extend(line.spans);
    // No trailing blanks at the end of a row.
    if right > 0 && !last {
        spans.push(Span::raw(" ".repeat(right)));
    }
    spans
}

/// The rows of one table row: each cell wrapped in its column.
fn row_lines(
    cells: &[TableCell],
    widths: &[usize],
    alignments: &[Alignment],
    style: Style,
) -> Vec<Line<'static>> {
    let wrapped: Vec<Vec<Line<'static>>> = widths
        .iter()
        .enumerate()
        .map(|(i, &width)| {
            let spans: Vec<Span<'static>> = cells
                .get(i)
                .map(|cell| {
                    cell.iter()
                        .map(|s| Span::styled(s.content.clone(), style.patch(s.style)))
                        .collect()
                })
                .unwrap_or_default();
            wrap_line(&Line::from(spans), width, &[], &[])
        })
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
    let last_column = widths.len().saturating_sub(1);
    (0..height)
        .map(|r| {
            let mut spans = Vec::new();
            for (i, &width) in widths.iter().enumerate() {
                if i > 0 {
                    spans.push(Span::styled(SEPARATOR, Style::default().dim()));
                }
                let line = wrapped[i].get(r).cloned().unwrap_or_default();
                let alignment = alignments.get(i).copied().unwrap_or(Alignment::None);
                spans.extend(aligned(line, width, alignment, i == last_column));
            }
            // A row whose last cells are empty ends where its text does.
            while spans
                .last()
                .is_some_and(|s| s.content.trim().is_empty() && s.content != SEPARATOR)
            {
                spans.pop();
            }
            Line::from(spans)
        })
        .collect()
}

/// The table's rows at `width` cells.
pub(crate) fn table_lines(
    alignments: &[Alignment],
    head: &[TableCell],
    rows: &[Vec<TableCell>],
    width: usize,
) -> Vec<Line<'static>> {
    let columns = rows
        .iter()
        .map(Vec::len)
        .chain([head.len(), alignments.len()])
        .max()
        .unwrap_or(0);
    if columns == 0 {
        return Vec::new();
    }
    let natural: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .chain(std::iter::once(&head.to_vec()))
                .filter_map(|row| row.get(i))
                .map(cell_width)
                .max()
                .unwrap_or(0)
                .max(1)
        })
        .collect();
    let widths = column_widths(&natural, width);
    let mut lines = row_lines(
        head,
        &widths,
        alignments,
        Style::default().add_modifier(Modifier::BOLD),
    );
    let rule: Vec<String> = widths
        .iter()
        .enumerate()
        .map(|(i, &w)| {
            let edges = if i == 0 || i == columns - 1 { 1 } else { 2 };
            "─".repeat(w + if columns == 1 { 0 } else { edges })
        })
        .collect();
    lines.push(Line::from(Span::styled(
        rule.join("┼"),
        Style::default().dim(),
    )));
    for row in rows {
        lines.extend(row_lines(row, &widths, alignments, Style::default()));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::render;
    use crate::test_util::lines_text;
    use insta::assert_snapshot;

    const TABLE: &str = "| Name | Size | What it holds |\n|:-----|-----:|:-------------:|\n| `config.toml` | 4 KiB | settings of every profile, providers and MCP servers |\n| sessions | 12 MiB | one JSONL file per session |\n";

    #[test]
    fn a_table_that_fits_keeps_its_natural_widths() {
        assert_snapshot!(lines_text(&render(TABLE, 100)), @r"
        Name        │   Size │                    What it holds
        ────────────┼────────┼─────────────────────────────────────────────────────
        config.toml │  4 KiB │ settings of every profile, providers and MCP servers
        sessions    │ 12 MiB │              one JSONL file per session
        ");
    }

    #[test]
    fn a_narrow_table_wraps_its_widest_cells() {
        let lines = render(TABLE, 40);
        for line in &lines {
            assert!(line.width() <= 40, "{line:?}");
        }
        assert_snapshot!(lines_text(&lines), @r"
        Name        │   Size │   What it holds
        ────────────┼────────┼──────────────────
        config.toml │  4 KiB │ settings of every
                    │        │     profile,
                    │        │ providers and MCP
                    │        │      servers
        sessions    │ 12 MiB │  one JSONL file
                    │        │    per session
        ");
    }

    #[test]
    fn widths_share_what_is_left() {
        assert_eq!(column_widths(&[4, 50, 60], 40), vec![4, 15, 15]);
        assert_eq!(column_widths(&[3, 3], 40), vec![3, 3]);
    }
}
