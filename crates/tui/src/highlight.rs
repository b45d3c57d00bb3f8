//! Syntax highlighting of fenced code blocks, with `syntect`'s Sublime
//! grammars (its default set) and pure-Rust regexes.
//!
//! The grammars and themes load once, when an answer first opens a code
//! fence (from a background thread, [`warm_in_background`], so the frame
//! does not wait; a render that needs them meanwhile waits for that load),
//! never at start-up: they take about 4 MiB, and highlighting a few
//! languages several more, which a session without code never pays.
//!
//! A streaming answer is rendered again every time a line of it finishes,
//! so a long code block would be highlighted from its first line over and
//! over. Highlighting is line by line with a state carried from one line to
//! the next, so the states after each line are cached: a block that grew
//! picks up where the cached one ended. Blocks too long to be worth it
//! stay plain.

use std::sync::{Mutex, OnceLock, RwLock};

use ratatui::style::{Color, Modifier, Style};
use syntect::highlighting::{
    FontStyle, HighlightIterator, HighlightState, Highlighter, Theme, ThemeSet,
};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet};

/// The theme used unless `/theme` or `tui.theme` picks another.
pub(crate) const DEFAULT_THEME: &str = "base16-ocean.dark";
/// Code blocks longer than this are not highlighted.
const MAX_LINES: usize = 2000;
/// Blocks whose highlighting states are kept.
const CACHED_BLOCKS: usize = 8;

static SYNTAXES: OnceLock<SyntaxSet> = OnceLock::new();
static THEMES: OnceLock<ThemeSet> = OnceLock::new();
static THEME_NAME: RwLock<Option<String>> = RwLock::new(None);
static CACHE: Mutex<Vec<CachedBlock>> = Mutex::new(Vec::new());

fn syntaxes() -> &'static SyntaxSet {
    SYNTAXES.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn themes() -> &'static ThemeSet {
    THEMES.get_or_init(ThemeSet::load_defaults)
}

/// Loads the grammars and themes now.
fn warm() {
    let _ = syntaxes();
    let _ = themes();
}

/// Starts loading the grammars and themes on a low-priority thread, once.
pub(crate) fn warm_in_background() {
    static STARTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if STARTED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("highlight-load".into())
        .spawn(|| {
            // SAFETY: nice(2) only lowers this thread's own priority.
            unsafe { libc::nice(10) };
            warm();
        });
    if spawned.is_err() {
        // No thread: the first code block loads them itself.
        STARTED.store(false, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The names of the themes there are, sorted.
pub(crate) fn theme_names() -> Vec<String> {
    themes().themes.keys().cloned().collect()
}

/// The theme in use.
pub(crate) fn theme_name() -> String {
    THEME_NAME
        .read()
        .ok()
        .and_then(|name| name.clone())
        .unwrap_or_else(|| DEFAULT_THEME.to_string())
}

/// Picks the theme by name; an unknown name is an error naming the ones
/// there are.
pub(crate) fn set_theme(name: &str) -> Result<(), String> {
    if !themes().themes.contains_key(name) {
        return Err(format!(
            "no theme named `{name}`; there are: {}",
            theme_names().join(", ")
        ));
    }
    if let Ok(mut current) = THEME_NAME.write() {
        *current = Some(name.to_string());
    }
    if let Ok(mut cache) = CACHE.lock() {
        cache.clear();
    }
    Ok(())
}

/// The grammar for a fence's info string (`rust`, `py`, `sh`...).
fn syntax_for(lang: &str) -> Option<&'static SyntaxReference> {
    let token = lang.split([' ', ',', '{']).next().unwrap_or("").trim();
    if token.is_empty() {
        return None;
    }
    let set = syntaxes();
    let alias = match token.to_ascii_lowercase().as_str() {
        "shell" | "bash" | "zsh" | "console" => "sh",
        "jsonc" | "json5" => "json",
        "ts" | "typescript" | "tsx" | "jsx" => "js",
        "yml" => "yaml",
        "golang" => "go",
        "c++" => "cpp",
        "py3" | "python3" => "py",
        _ => "",
    };
    let token = if alias.is_empty() { token } else { alias };
    set.find_syntax_by_token(token)
        .filter(|s| s.name != "Plain Text")
}

/// One highlighted line: pieces of text with their styles.
pub(crate) type StyledLine = Vec<(Style, String)>;

struct CachedBlock {
    theme: String,
    syntax: String,
    /// The lines highlighted, each with its `\n`.
    lines: Vec<String>,
    /// The states after each line.
    states: Vec<(ParseState, HighlightState)>,
    out: Vec<StyledLine>,
}

/// `code` highlighted as `lang`, one entry per line (without the line
/// breaks); `None` when the language is unknown or the block too long.
pub(crate) fn highlight(code: &str, lang: &str) -> Option<Vec<StyledLine>> {
    let syntax = syntax_for(lang)?;
    let lines: Vec<&str> = code.split_inclusive('\n').collect();
    if lines.len() > MAX_LINES {
        return None;
    }
    let theme_name = theme_name();
    let theme: &Theme = themes()
        .themes
        .get(&theme_name)
        .or_else(|| themes().themes.get(DEFAULT_THEME))?;
    let highlighter = Highlighter::new(theme);
    let mut cache = CACHE.lock().ok()?;

    // The cached block that shares the most leading lines with this one.
    let reuse = cache
        .iter()
        .enumerate()
        .filter(|(_, c)| c.theme == theme_name && c.syntax == syntax.name)
        .map(|(index, c)| {
            let same = c
                .lines
                .iter()
                .zip(&lines)
                .take_while(|(a, b)| a.as_str() == **b)
                .count();
            (index, same)
        })
        .max_by_key(|(_, same)| *same)
        .filter(|(_, same)| *same > 0);
    let (mut states, mut out, done) = match reuse {
        Some((index, same)) => {
            let block = cache.remove(index);
            let mut states = block.states;
            let mut out = block.out;
            states.truncate(same);
            out.truncate(same);
            (states, out, same)
        }
        None => (Vec::new(), Vec::new(), 0),
    };
    let (mut parse, mut high) = match states.last() {
        Some((parse, high)) => (parse.clone(), high.clone()),
        None => (
            ParseState::new(syntax),
            HighlightState::new(&highlighter, ScopeStack::new()),
        ),
    };
    for line in &lines[done..] {
        let ops = parse.parse_line(line, syntaxes()).ok()?;
        let pieces: StyledLine = HighlightIterator::new(&mut high, &ops, line, &highlighter)
            .map(|(style, text)| (convert(style), text.trim_end_matches('\n').to_string()))
            .filter(|(_, text)| !text.is_empty())
            .collect();
        out.push(pieces);
        states.push((parse.clone(), high.clone()));
    }
    let result = out.clone();
    cache.push(CachedBlock {
        theme: theme_name,
        syntax: syntax.name.clone(),
        lines: lines.iter().map(|l| l.to_string()).collect(),
        states,
        out,
    });
    if cache.len() > CACHED_BLOCKS {
        cache.remove(0);
    }
    Some(result)
}

fn convert(style: syntect::highlighting::Style) -> Style {
    let fg = style.foreground;
    let mut out = Style::default().fg(Color::Rgb(fg.r, fg.g, fg.b));
    if style.font_style.contains(FontStyle::BOLD) {
        out = out.add_modifier(Modifier::BOLD);
    }
    if style.font_style.contains(FontStyle::ITALIC) {
        out = out.add_modifier(Modifier::ITALIC);
    }
    if style.font_style.contains(FontStyle::UNDERLINE) {
        out = out.add_modifier(Modifier::UNDERLINED);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colors(line: &StyledLine) -> Vec<Option<Color>> {
        line.iter().map(|(style, _)| style.fg).collect()
    }

    #[test]
    fn known_languages_get_several_colours_and_unknown_ones_none() {
        let lines = highlight("fn main() {\n    let x = \"hi\";\n}\n", "rust").unwrap();
        assert_eq!(lines.len(), 3);
        let text: String = lines[1].iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(text, "    let x = \"hi\";");
        let mut distinct = colors(&lines[1]);
        distinct.dedup();
        assert!(distinct.len() >= 3, "{:?}", lines[1]);
        assert!(highlight("x", "no-such-language").is_none());
        assert!(highlight("x", "").is_none());
        assert!(highlight("echo hi\n", "bash").is_some());
    }

    #[test]
    fn a_growing_block_highlights_as_the_whole_block_does() {
        let code = "def f(x):\n    return x + 1\n\nprint(f(2))\n";
        let whole = highlight(code, "python").unwrap();
        if let Ok(mut cache) = CACHE.lock() {
            cache.clear();
        }
        let mut last = Vec::new();
        let mut end = 0;
        for line in code.split_inclusive('\n') {
            end += line.len();
            last = highlight(&code[..end], "python").unwrap();
        }
        assert_eq!(last, whole);
    }
}
