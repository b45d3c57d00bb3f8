//! Markdown (as models write it) to styled, wrapped lines.
//!
//! Headings, paragraphs, emphasis, inline and fenced code, lists (nested,
//! ordered), block quotes, links, rules and tables. The output is plain
//! `Line`s already wrapped to the width, each block's continuation rows
//! indented under its first (list items hang under their marker).
//! Code is never re-flowed: a long code line breaks at the width, its
//! indentation kept; a fence's language picks its highlighting
//! (`highlight.rs`) and is not shown. Tables are laid out in `table.rs`.
//! Soft line breaks stay line breaks (see `stream.rs`).

use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};

use crate::table::{TableCell, table_lines};
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
    /// The fence's language and the code so far, while in a code block.
    code: Option<(String, String)>,
    /// The table being read: its alignments, header and body rows.
    table: Option<TableState>,
}

#[derive(Default)]
struct TableState {
    alignments: Vec<Alignment>,
    head: Vec<TableCell>,
    rows: Vec<Vec<TableCell>>,
    row: Vec<TableCell>,
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
            code: None,
            table: None,
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
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => {
                if let Some((_, code)) = &mut self.code {
                    // Rendered whole when the block ends (highlighting
                    // carries state from line to line).
                    code.push_str(&text);
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
                let lang = match kind {
                    CodeBlockKind::Fenced(lang) => lang.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
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
            Tag::Table(alignments) => {
                self.flush_line();
                self.gap();
                self.table = Some(TableState {
                    alignments,
                    ..TableState::default()
                });
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(table) = &mut self.table {
                    table.row.clear();
                }
            }
            Tag::TableCell => self.spans.clear(),
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
                if let Some((lang, code)) = self.code.take() {
                    self.code_block(&lang, &code);
                }
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
                let spans = std::mem::take(&mut self.spans);
                if let Some(table) = &mut self.table {
                    table.row.push(spans);
                }
            }
            TagEnd::TableHead => {
                if let Some(table) = &mut self.table {
                    table.head = std::mem::take(&mut table.row);
                }
            }
            TagEnd::TableRow => {
                if let Some(table) = &mut self.table {
                    let row = std::mem::take(&mut table.row);
                    table.rows.push(row);
                }
            }
            TagEnd::Table => {
                if let Some(table) = self.table.take() {
                    let prefix = self.rest_prefix();
                    let prefix_width: usize = prefix.iter().map(|s| s.width()).sum();
                    let inner = self.width.saturating_sub(prefix_width).max(1);
                    for row in table_lines(&table.alignments, &table.head, &table.rows, inner) {
                        let mut spans = prefix.clone();
                        spans.extend(row.spans);
                        // Only a table too narrow for its columns' minimum
                        // comes out wider; it is wrapped like text then.
                        self.out.extend(wrap_line(
                            &Line::from(spans),
                            self.width,
                            &prefix,
                            &prefix,
                        ));
                    }
                }
                self.needs_gap = true;
            }
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

    /// A code block's rows: highlighted when its language is known, every
    /// line kept as it is and broken at the width.
    fn code_block(&mut self, lang: &str, code: &str) {
        let code = code.strip_suffix('\n').unwrap_or(code);
        if code.is_empty() {
            // A fence just opened (a streaming answer) has no rows yet.
            return;
        }
        let prefix = self.rest_prefix();
        let highlighted = crate::highlight::highlight(code, lang);
        for (index, text) in code.split('\n').enumerate() {
            let spans: Vec<Span<'static>> = match highlighted.as_ref().and_then(|h| h.get(index)) {
                Some(pieces) => pieces
                    .iter()
                    .map(|(style, piece)| Span::styled(piece.clone(), *style))
                    .collect(),
                None => vec![Span::styled(text.to_string(), code_block_style())],
            };
            self.out
                .extend(wrap_line(&Line::from(spans), self.width, &prefix, &prefix));
        }
    }

    fn finish(mut self) -> Vec<Line<'static>> {
        // An unclosed fence or table (a message still streaming) shows what
        // it has so far.
        if self.code.is_some() {
            self.end(TagEnd::CodeBlock);
        }
        if self.table.is_some() {
            self.end(TagEnd::Table);
        }
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
    fn code_keeps_its_lines_and_indentation_and_hides_the_language() {
        let text = "```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n";
        assert_eq!(
            texts(text, 40),
            vec!["fn main() {", "    println!(\"hi\");", "}"]
        );
        // Highlighted: the keyword and the string differ in colour.
        let lines = render(text, 40);
        let fg_of = |needle: &str| {
            lines[1]
                .spans
                .iter()
                .find(|s| s.content.contains(needle))
                .and_then(|s| s.style.fg)
        };
        assert!(fg_of("println").is_some());
        assert_ne!(fg_of("println"), fg_of("\"hi\""));
        // An unknown language stays plain.
        let plain = render("```nosuchlang\nx = 1\n```\n", 40);
        assert_eq!(line_text(&plain[0]), "x = 1");
        assert_eq!(plain[0].spans[0].style, code_block_style());
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
            texts("| a | bee |\n|---|--:|\n| 1 | 2 |\n", 40),
            vec!["a │ bee", "──┼────", "1 │   2"]
        );
    }
}
