//! Property tests with a seeded generator (no extra dependency): patches made
//! from random edits apply back to the edited file, and garbage never panics.

use codex_apply_patch::{
    PlannedChangeKind, apply_patch, parse_invocation, parse_patch, plan_patch,
};
use similar::{DiffOp, TextDiff};

/// SplitMix64: small, fast, and reproducible from the seed in a failure message.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn word(&mut self) -> String {
        const WORDS: &[&str] = &[
            "fn",
            "let",
            "x",
            "return",
            "{",
            "}",
            "café",
            "  indented",
            "\ttab",
            "—dash",
            "“q”",
            "",
            "end",
            "*",
            "@@",
            "+plus",
            "-minus",
        ];
        WORDS[self.below(WORDS.len())].to_string()
    }
}

/// A file of `n` distinct lines, so every chunk has exactly one match.
fn unique_file(rng: &mut Rng, n: usize, tag: &str) -> Vec<String> {
    (0..n)
        .map(|i| format!("{tag}{i} {} {}", rng.word(), rng.word()))
        .collect()
}

fn edit(rng: &mut Rng, lines: &[String]) -> Vec<String> {
    let mut out = lines.to_vec();
    for _ in 0..=rng.below(6) {
        match rng.below(3) {
            0 if !out.is_empty() => {
                let at = rng.below(out.len());
                let len = 1 + rng.below(3.min(out.len() - at));
                out.drain(at..at + len);
            }
            1 => {
                let at = rng.below(out.len() + 1);
                let count = 1 + rng.below(3);
                let tag = format!("new{}-", rng.next());
                let new = unique_file(rng, count, &tag);
                out.splice(at..at, new);
            }
            _ if !out.is_empty() => {
                let at = rng.below(out.len());
                out[at] = format!("changed{} {}", rng.next(), rng.word());
            }
            _ => {}
        }
    }
    out
}

fn text(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        format!("{}\n", lines.join("\n"))
    }
}

/// An update patch from `old` to `new`, built the way a model would: chunks
/// of changed lines with up to three lines of context.
fn make_patch(old: &str, new: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let mut body = String::new();
    for group in diff.grouped_ops(3) {
        body.push_str("@@\n");
        for op in group {
            let (tag_old, tag_new) = match op {
                DiffOp::Equal { .. } => (" ", " "),
                _ => ("-", "+"),
            };
            let old_range = op.old_range();
            let new_range = op.new_range();
            match op {
                DiffOp::Equal { .. } => {
                    for line in &old_lines[old_range.clone()] {
                        body.push_str(&format!("{tag_old}{line}\n"));
                    }
                }
                _ => {
                    for line in &old_lines[old_range.clone()] {
                        body.push_str(&format!("{tag_old}{line}\n"));
                    }
                    for line in &new_lines[new_range] {
                        body.push_str(&format!("{tag_new}{line}\n"));
                    }
                }
            }
        }
    }
    format!("*** Begin Patch\n*** Update File: f.txt\n{body}*** End Patch\n")
}

#[test]
fn random_edits_round_trip() {
    for seed in 0..400u64 {
        let mut rng = Rng(seed);
        let count = 1 + rng.below(60);
        let old = unique_file(&mut rng, count, "l");
        let new = edit(&mut rng, &old);
        let (old_text, new_text) = (text(&old), text(&new));
        if old_text == new_text {
            continue;
        }
        let patch = make_patch(&old_text, &new_text);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f.txt"), &old_text).unwrap();
        let plan = plan_patch(&parse_patch(&patch).unwrap(), dir.path())
            .unwrap_or_else(|err| panic!("seed {seed}: {err}\npatch:\n{patch}"));
        // The diff the plan reports is the one a full diff of the texts gives.
        let PlannedChangeKind::Update { unified_diff, .. } = &plan.changes[0].kind else {
            panic!("seed {seed}: not an update")
        };
        let full = TextDiff::from_lines(old_text.as_str(), new_text.as_str())
            .unified_diff()
            .context_radius(3)
            .to_string();
        assert_eq!(unified_diff, &full, "seed {seed}");
        plan.commit().unwrap();
        let got = std::fs::read_to_string(dir.path().join("f.txt")).unwrap();
        assert_eq!(got, new_text, "seed {seed}\npatch:\n{patch}");
    }
}

#[test]
fn random_edits_of_crlf_files_stay_crlf() {
    for seed in 1000..1100u64 {
        let mut rng = Rng(seed);
        let count = 1 + rng.below(30);
        let old = unique_file(&mut rng, count, "w");
        let new = edit(&mut rng, &old);
        if new.is_empty() || old == new {
            continue;
        }
        let patch = make_patch(&text(&old), &text(&new));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f.txt"), text(&old).replace('\n', "\r\n")).unwrap();
        apply_patch(&patch, dir.path()).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let got = std::fs::read_to_string(dir.path().join("f.txt")).unwrap();
        assert_eq!(got, text(&new).replace('\n', "\r\n"), "seed {seed}");
    }
}

#[test]
fn garbage_never_panics() {
    const TOKENS: &[&str] = &[
        "*** Begin Patch\n",
        "*** End Patch\n",
        "*** Add File: ",
        "*** Update File: ",
        "*** Delete File: ",
        "*** Move to: ",
        "*** End of File\n",
        "@@",
        "@@ ",
        "\n",
        "+",
        "-",
        " ",
        "a.txt",
        "b/c.txt",
        "../x",
        "/abs",
        "\r",
        "é",
        "\u{2014}",
        "<<'EOF'\n",
        "EOF\n",
        "\t",
        "\0",
        "x",
        "line\n",
    ];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "line\nx\n").unwrap();
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    std::fs::write(dir.path().join("b/c.txt"), "é\r\nline\r\n").unwrap();
    for seed in 0..5000u64 {
        let mut rng = Rng(seed);
        let mut patch = String::new();
        if rng.below(2) == 0 {
            patch.push_str("*** Begin Patch\n");
        }
        for _ in 0..rng.below(40) {
            patch.push_str(TOKENS[rng.below(TOKENS.len())]);
        }
        if rng.below(2) == 0 {
            patch.push_str("\n*** End Patch");
        }
        if let Ok(parsed) = parse_patch(&patch) {
            // Planning reads files but never writes: safe to run on anything.
            let _ = plan_patch(&parsed, dir.path());
        }
        let argv = vec!["bash".to_string(), "-lc".to_string(), patch.clone()];
        let _ = parse_invocation(&argv);
    }
    // Random bytes, too.
    for seed in 0..2000u64 {
        let mut rng = Rng(seed ^ 0xDEAD_BEEF);
        let bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
        let _ = parse_patch(&String::from_utf8_lossy(&bytes));
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.txt")).unwrap(),
        "line\nx\n"
    );
}
