//! Markdown (as models write it) to styled, wrapped lines.
//!
//! Headings, paragraphs, emphasis, inline and fenced code, lists (nested,
//! ordered), block quotes, links, rules and simple tables. The output is
//! plain `Line`s already wrapped to the width, each block's continuation
//! rows indented under its first (list items hang under their marker).
//! Code is never re-flowed: a long code line breaks at the width, its
//! indentation kept. Soft line breaks stay line breaks (see `stream.rs`).

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};

use crate::wrap::wrap_line;

/// `text` rendered at `width` cells.
pub(crate) fn render(text: &str, width: usize) -> Vec<Line<'static>> {
    let mut renderer = Renderer::new(width.max(8));
    let options =
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS;
    for event in Parser::new_ext(text, options) {
        renderer.event(event);
    }
    renderer.finish()
}

/// A list being rendered: its next number, if ordered.
struct ListState {
    next: Option<u64>,
}

struct Renderer {
    width: usize,
    out: Vec<Line<'static>>,
    /// The logical line being built (wrapped when it ends).
    spans: Vec<Span<'static>>,
    /// Inline styles in effect (emphasis, strong, links...).
    styles: Vec<Style>,
    lists: Vec<ListState>,
    /// The first-row prefix of the current block (a list marker), consumed
    /// by its first line.
    pending_marker: Option<Vec<Span<'static>>>,
    quote_depth: usize,
    in_code: bool,
    link: Option<String>,
    /// A blank line goes before the next block.
    needs_gap: bool,
    heading: Option<HeadingLevel>,
    table_row: Vec<String>,
    table_cell: Option<String>,
}

impl Renderer {
    fn new(width: usize) -> Self {
        Self {
            width,
            out: Vec::new(),
            spans: Vec::new(),
            styles: Vec::new(),
            lists: Vec::new(),
            pending_marker: None,
            quote_depth: 0,
            in_code: false,
            link: None,
            needs_gap: false,
            heading: None,
            table_row: Vec::new(),
            table_cell: None,
        }
    }

    fn style(&self) -> Style {
        self.styles
            .iter()
            .fold(Style::default(), |acc, style| acc.patch(*style))
    }

    /// Indentation of continuation rows: lists and quotes nest.
    fn rest_prefix(&self) -> Vec<Span<'static>> {
        let mut prefix = Vec::new();
        for _ in 0..self.quote_depth {
            prefix.push(Span::styled("> ", Style::default().fg(Color::Green)));
        }
        let list_indent: usize = self
            .lists
            .iter()
            .map(|l| if l.next.is_some() { 3 } else { 2 })
            .sum();
        if list_indent > 0 {
            prefix.push(Span::raw(" ".repeat(list_indent)));
        }
        prefix
    }

    fn first_prefix(&mut self) -> Vec<Span<'static>> {
        match self.pending_marker.take() {
            Some(marker) => marker,
            None => self.rest_prefix(),
        }
    }

    fn gap(&mut self) {
        if self.needs_gap && !self.out.is_empty() {
            let prefix = self.rest_prefix();
            let quotes: Vec<Span<'static>> = prefix
                .into_iter()
                .filter(|s| s.content.starts_with('>'))
                .collect();
            self.out.push(Line::from(quotes));
        }
        self.needs_gap = false;
    }

    /// Ends the logical line being built.
    fn flush_line(&mut self) {
        if self.spans.is_empty() && self.pending_marker.is_none() {
            return;
        }
        let line = Line::from(std::mem::take(&mut self.spans));
        let first = self.first_prefix();
        let rest = if self.in_code {
            first.clone()
        } else {
            self.rest_prefix()
        };
        self.out.extend(wrap_line(&line, self.width, &first, &rest));
    }

    fn push_text(&mut self, text: &str) {
        let style = self.style();
        self.spans.push(Span::styled(text.to_string(), style));
    }

    fn event(&mut self, event: Event<'_>) {
        if let Some(cell) = &mut self.table_cell {
            match &event {
                Event::Text(text) | Event::Code(text) => {
                    cell.push_str(text);
                    return;
                }
                Event::End(TagEnd::TableCell) => {}
                _ => {}
            }
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => {
                if self.in_code {
                    // Code keeps its lines exactly.
                    let mut lines = text.split('\n').peekable();
                    while let Some(part) = lines.next() {
                        if lines.peek().is_none() && part.is_empty() {
                            break;
                        }
                        self.spans
                            .push(Span::styled(part.to_string(), code_block_style()));
                        let line = Line::from(std::mem::take(&mut self.spans));
                        let prefix = self.rest_prefix();
                        self.out
                            .extend(wrap_line(&line, self.width, &prefix, &prefix));
                    }
                } else {
                    self.push_text(&text);
                }
            }
            Event::Code(code) => {
                let style = self.style().patch(inline_code_style());
                self.spans.push(Span::styled(code.to_string(), style));
            }
            // Kept as a line break: the model's lines stay its lines, and a
            // streamed paragraph never re-flows under rows already printed.
            Event::SoftBreak => self.flush_line(),
            Event::HardBreak => self.flush_line(),
            Event::Rule => {
                self.flush_line();
                self.gap();
                let width = self.width.min(40);
                self.out.push(Line::from("─".repeat(width).dim()));
                self.needs_gap = true;
            }
            Event::Html(html) | Event::InlineHtml(html) => self.push_text(&html),
            Event::TaskListMarker(done) => self.push_text(if done { "[x] " } else { "[ ] " }),
            Event::FootnoteReference(name) => self.push_text(&format!("[^{name}]")),
            Event::InlineMath(math) | Event::DisplayMath(math) => self.push_text(&math),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => {
                if self.pending_marker.is_none() {
                    self.gap();
                }
            }
            Tag::Heading { level, .. } => {
                self.gap();
                self.heading = Some(level);
                self.styles.push(heading_style(level));
            }
            Tag::BlockQuote(_) => {
                self.flush_line();
                self.gap();
                self.quote_depth += 1;
            }
            Tag::CodeBlock(kind) => {
                self.flush_line();
                self.gap();
                self.in_code = true;
                if let CodeBlockKind::Fenced(lang) = kind
                    && !lang.is_empty()
                {
                    let prefix = self.rest_prefix();
                    let mut spans = prefix;
                    spans.push(Span::styled(lang.to_string(), Style::default().dim()));
                    self.out.push(Line::from(spans));
                }
            }
            Tag::List(start) => {
                self.flush_line();
                if self.lists.is_empty() {
                    self.gap();
                }
                self.lists.push(ListState { next: start });
            }
            Tag::Item => {
                self.flush_line();
                let indent_levels = self.lists.len().saturating_sub(1);
                let outer: usize = self
                    .lists
                    .iter()
                    .take(indent_levels)
                    .map(|l| if l.next.is_some() { 3 } else { 2 })
                    .sum();
                let marker = match self.lists.last_mut() {
                    Some(ListState { next: Some(n) }) => {
                        let marker = format!("{n}. ");
                        *n += 1;
                        marker
                    }
                    _ => "- ".to_string(),
                };
                let mut spans = Vec::new();
                for _ in 0..self.quote_depth {
                    spans.push(Span::styled("> ", Style::default().fg(Color::Green)));
                }
                spans.push(Span::raw(" ".repeat(outer)));
                spans.push(Span::styled(marker, Style::default().fg(Color::LightBlue)));
                self.pending_marker = Some(spans);
            }
            Tag::Emphasis => self.styles.push(Style::default().italic()),
            Tag::Strong => self.styles.push(Style::default().bold()),
            Tag::Strikethrough => self.styles.push(Style::default().crossed_out()),
            Tag::Link { dest_url, .. } => {
                self.link = Some(dest_url.to_string());
                self.styles.push(
                    Style::default()
                        .fg(Color::Cyan)
                        .add_modifier(Modifier::UNDERLINED),
                );
            }
            Tag::Image { dest_url, .. } => {
                self.link = Some(dest_url.to_string());
                self.styles.push(Style::default().italic());
            }
            Tag::Table(_) => {
                self.flush_line();
                self.gap();
            }
            Tag::TableHead | Tag::TableRow => self.table_row.clear(),
            Tag::TableCell => self.table_cell = Some(String::new()),
            Tag::FootnoteDefinition(_)
            | Tag::HtmlBlock
            | Tag::MetadataBlock(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::Superscript
            | Tag::Subscript => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                self.flush_line();
                self.needs_gap = true;
            }
            TagEnd::Heading(_) => {
                self.flush_line();
                self.styles.pop();
                self.heading = None;
                self.needs_gap = true;
            }
            TagEnd::BlockQuote(_) => {
                self.flush_line();
                self.quote_depth = self.quote_depth.saturating_sub(1);
                self.needs_gap = true;
            }
            TagEnd::CodeBlock => {
                self.in_code = false;
                self.needs_gap = true;
            }
            TagEnd::List(_) => {
                self.flush_line();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.needs_gap = true;
                }
            }
            TagEnd::Item => {
                self.flush_line();
                self.pending_marker = None;
                // Items are not separated by blank lines.
                self.needs_gap = false;
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link | TagEnd::Image => {
                self.styles.pop();
                if let Some(url) = self.link.take() {
                    // Show where a link goes unless its text already says it.
                    let shown: String = self
                        .spans
                        .iter()
                        .rev()
                        .take(1)
                        .map(|s| s.content.to_string())
                        .collect();
                    if shown != url && !url.is_empty() {
                        self.spans
                            .push(Span::styled(format!(" ({url})"), Style::default().dim()));
                    }
                }
            }
            TagEnd::TableCell => {
                if let Some(cell) = self.table_cell.take() {
                    self.table_row.push(cell);
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                let head = matches!(tag, TagEnd::TableHead);
                let row = format!("| {} |", self.table_row.join(" | "));
                let style = if head {
                    Style::default().bold()
                } else {
                    Style::default()
                };
                self.spans.push(Span::styled(row, style));
                self.flush_line();
                self.table_row.clear();
            }
            TagEnd::Table => self.needs_gap = true,
            TagEnd::FootnoteDefinition
            | TagEnd::HtmlBlock
            | TagEnd::MetadataBlock(_)
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::Superscript
            | TagEnd::Subscript => {}
        }
    }

    fn finish(mut self) -> Vec<Line<'static>> {
        self.flush_line();
        self.out
    }
}

fn heading_style(level: HeadingLevel) -> Style {
    match level {
        HeadingLevel::H1 => Style::default().bold().underlined(),
        HeadingLevel::H2 => Style::default().bold(),
        _ => Style::default().bold().italic(),
    }
}

fn inline_code_style() -> Style {
    Style::default().fg(Color::Cyan)
}

fn code_block_style() -> Style {
    Style::default().fg(Color::Gray)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wrap::line_text;
    use pretty_assertions::assert_eq;

    fn texts(text: &str, width: usize) -> Vec<String> {
        render(text, width).iter().map(line_text).collect()
    }

    #[test]
    fn blocks_are_separated_and_lists_hang() {
        let text = "# Title\n\nSome *text* here.\n\n- one\n- two is a longer item that wraps\n  1. nested\n\nend";
        assert_eq!(
            texts(text, 20),
            vec![
                "Title",
                "",
                "Some text here.",
                "",
                "- one",
                "- two is a longer",
                "  item that wraps",
                "  1. nested",
                "",
                "end",
            ]
        );
    }

    #[test]
    fn code_keeps_its_lines_and_indentation() {
        let text = "```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n";
        assert_eq!(
            texts(text, 40),
            vec!["rust", "fn main() {", "    println!(\"hi\");", "}"]
        );
    }

    #[test]
    fn styles_for_emphasis_code_and_links() {
        let lines = render("**b** `c` [site](https://x.dev)", 80);
        let spans = &lines[0].spans;
        assert_eq!(spans[0].content, "b");
        assert!(spans[0].style.add_modifier.contains(Modifier::BOLD));
        assert_eq!(spans[2].content, "c");
        assert_eq!(spans[2].style.fg, Some(Color::Cyan));
        assert_eq!(line_text(&lines[0]), "b c site (https://x.dev)");
    }

    #[test]
    fn quotes_and_tables() {
        assert_eq!(texts("> quoted\n> text", 40), vec!["> quoted", "> text"]);
        assert_eq!(
            texts("| a | b |\n|---|---|\n| 1 | 2 |\n", 40),
            vec!["| a | b |", "| 1 | 2 |"]
        );
    }
}
