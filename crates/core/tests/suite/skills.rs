//! Skills in a session, against the mock model: the section in the first
//! request, `$name` injection, broken files, and skills that change on disk
//! between turns. (`$HOME/.agents/skills` and the budget are covered as a
//! program in the cli's `skills` tests, where `HOME` can be set.)

use std::path::Path;

use codex_protocol::protocol::EventMsg;
use codex_test_support::{MockModelServer, Turn};

use super::common::{Start, start_in};

use codex_test_support::{last_skills_section as skills_section, write_skill};

fn skill_lines(section: &str) -> Vec<String> {
    section
        .lines()
        .filter(|l| l.starts_with("- ") && l.contains("(file: ") || l.starts_with("- `r"))
        .map(str::to_string)
        .collect()
}

/// Every location the reference reads (but `$HOME`), in its order: roots
/// numbered `.codex/skills` cwd→root, `$CODEX_HOME/skills`, `.system`,
/// `.agents/skills` root→cwd; skills listed system, repo, user, by name.
#[tokio::test]
async fn the_first_request_lists_skills_from_every_location_in_order() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("ok"));
    let home =
        codex_test_support::TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let ch = home.path().to_path_buf();
    let repo = home.workspace().to_path_buf();
    std::fs::create_dir(repo.join(".git")).unwrap();
    std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let sub = repo.join("sub");
    write_skill(&ch.join("skills/alpha"), "alpha", "Alpha in codex home");
    write_skill(
        &ch.join("skills/nested/deep/beta"),
        "beta",
        "Beta\n  on two lines",
    );
    write_skill(&ch.join("skills/.system/sys"), "sys", "A system skill");
    write_skill(
        &repo.join(".agents/skills/delta"),
        "delta",
        "Delta at the root",
    );
    write_skill(&repo.join(".codex/skills/eps"), "eps", "Eps in .codex");
    write_skill(&sub.join(".agents/skills/zeta"), "zeta", "Zeta in sub");
    write_skill(
        &sub.join(".agents/skills/alpha"),
        "alpha",
        "Alpha again in sub",
    );
    write_skill(&sub.join(".codex/skills/eta"), "eta", "Eta in sub/.codex");
    let session = start_in(home, move |o| o.cwd = Some(sub), Start::New).await;
    session.submit_text("hi").await;
    session.run_to_end().await;
    let section = skills_section(&server.requests()[0].input()).expect("a skills section");
    let r = |p: &Path| format!("{}", p.display());
    assert_eq!(
        skill_lines(&section),
        vec![
            format!("- `r0` = `{}`", r(&repo.join("sub/.codex/skills"))),
            format!("- `r1` = `{}`", r(&repo.join(".codex/skills"))),
            format!("- `r2` = `{}`", r(&ch.join("skills"))),
            format!("- `r3` = `{}`", r(&ch.join("skills/.system"))),
            format!("- `r4` = `{}`", r(&repo.join(".agents/skills"))),
            format!("- `r5` = `{}`", r(&repo.join("sub/.agents/skills"))),
            "- sys: A system skill (file: r3/sys/SKILL.md)".to_string(),
            "- alpha: Alpha again in sub (file: r5/alpha/SKILL.md)".to_string(),
            "- delta: Delta at the root (file: r4/delta/SKILL.md)".to_string(),
            "- eps: Eps in .codex (file: r1/eps/SKILL.md)".to_string(),
            "- eta: Eta in sub/.codex (file: r0/eta/SKILL.md)".to_string(),
            "- zeta: Zeta in sub (file: r5/zeta/SKILL.md)".to_string(),
            "- alpha: Alpha in codex home (file: r2/alpha/SKILL.md)".to_string(),
            "- beta: Beta on two lines (file: r2/nested/deep/beta/SKILL.md)".to_string(),
        ]
    );
    // The body is not in the list.
    assert!(!section.contains("Body of"));
}

/// `$name` adds one `<skill>` user message with the whole file after the
/// prompt, in list order; an ambiguous or unknown name adds nothing.
#[tokio::test]
async fn a_named_skill_is_injected_after_the_prompt() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("ok"));
    let home =
        codex_test_support::TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let ch = home.path().to_path_buf();
    write_skill(&ch.join("skills/zed"), "zed", "Z");
    write_skill(&ch.join("skills/beta"), "beta", "B");
    write_skill(&ch.join("skills/dup1"), "dup", "D1");
    write_skill(&ch.join("skills/dup2"), "dup", "D2");
    let session = start_in(home, |_| {}, Start::New).await;
    session
        .submit_text("use $zed and $beta, not $dup or $nothing")
        .await;
    session.run_to_end().await;
    let texts = server.requests()[0].user_texts();
    let n = texts.len();
    assert_eq!(texts[n - 3], "use $zed and $beta, not $dup or $nothing");
    let beta = ch.join("skills/beta/SKILL.md");
    assert_eq!(
        texts[n - 2],
        format!(
            "<skill>\n<name>beta</name>\n<path>{}</path>\n---\nname: beta\ndescription: B\n---\n\nBody of beta.\n\n</skill>",
            beta.display()
        )
    );
    assert!(texts[n - 1].starts_with("<skill>\n<name>zed</name>"));
}

/// A broken `SKILL.md` is a warning naming its file and line; the others
/// are listed as usual.
#[tokio::test]
async fn a_broken_skill_is_reported_with_its_line_and_skipped() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("ok"));
    let home =
        codex_test_support::TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let ch = home.path().to_path_buf();
    write_skill(&ch.join("skills/good"), "good", "Works");
    std::fs::create_dir_all(ch.join("skills/broken")).unwrap();
    std::fs::write(
        ch.join("skills/broken/SKILL.md"),
        "---\nname: broken\ndescription: \"never closed\n  more: : text\n---\nbody\n",
    )
    .unwrap();
    let session = start_in(home, |_| {}, Start::New).await;
    session.submit_text("hi").await;
    let events = session.run_to_end().await;
    let warnings: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            EventMsg::Warning(w) => Some(w.message.as_str()),
            _ => None,
        })
        .collect();
    let expected = format!("{}:", ch.join("skills/broken/SKILL.md").display());
    let warning = warnings
        .iter()
        .find(|w| w.contains(&expected))
        .unwrap_or_else(|| panic!("no warning for the broken skill in {warnings:?}"));
    // The unclosed quote opens on line 3.
    assert!(warning.contains("SKILL.md:3:"), "{warning}");
    assert!(warning.contains("invalid YAML"), "{warning}");
    let section = skills_section(&server.requests()[0].input()).unwrap();
    assert!(section.contains("- good: Works (file: r0/good/SKILL.md)"));
    assert!(!section.contains("broken"));
}

/// A skill added between turns is in the next request (a new developer
/// message with the new list); nothing changes, nothing is added.
#[tokio::test]
async fn a_skill_added_mid_session_is_found_next_turn() {
    let server = MockModelServer::start();
    for _ in 0..3 {
        server.push_turn(Turn::new().text("ok"));
    }
    let home =
        codex_test_support::TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let ch = home.path().to_path_buf();
    write_skill(&ch.join("skills/first"), "first", "The first");
    let session = start_in(home, |_| {}, Start::New).await;
    session.submit_text("one").await;
    session.run_to_end().await;
    session.submit_text("two").await;
    session.run_to_end().await;
    write_skill(&ch.join("skills/second"), "second", "The second");
    session.submit_text("three $second").await;
    session.run_to_end().await;
    let requests = server.requests();
    let sections = |i: usize| {
        requests[i]
            .input()
            .iter()
            .filter(|item| {
                item["role"] == "developer"
                    && item["content"][0]["text"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("<skills_instructions>"))
            })
            .count()
    };
    assert_eq!(sections(0), 1);
    assert_eq!(sections(1), 1, "unchanged skills add nothing");
    assert_eq!(sections(2), 2);
    let latest = skills_section(&requests[2].input()).unwrap();
    assert!(latest.contains("- second: The second (file: r0/second/SKILL.md)"));
    let texts = requests[2].user_texts();
    assert!(
        texts
            .last()
            .unwrap()
            .starts_with("<skill>\n<name>second</name>")
    );
}

/// `[[skills.config]]` turns a skill off (not listed, not injected);
/// `include_instructions = false` drops the section but `$name` still
/// works.
#[tokio::test]
async fn skills_config_disables_and_hides() {
    let server = MockModelServer::start();
    server.push_turn(Turn::new().text("ok"));
    let home =
        codex_test_support::TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let ch = home.path().to_path_buf();
    write_skill(&ch.join("skills/on"), "on", "On");
    write_skill(&ch.join("skills/off"), "off", "Off");
    home.append_config(&format!(
        "[skills]\ninclude_instructions = false\n[[skills.config]]\npath = \"{}\"\nenabled = false\n",
        ch.join("skills/off/SKILL.md").display()
    ));
    let session = start_in(home, |_| {}, Start::New).await;
    session.submit_text("$on $off").await;
    session.run_to_end().await;
    let request = &server.requests()[0];
    assert_eq!(skills_section(&request.input()), None);
    let texts = request.user_texts();
    let injected: Vec<&String> = texts.iter().filter(|t| t.starts_with("<skill>")).collect();
    assert_eq!(injected.len(), 1);
    assert!(injected[0].contains("<name>on</name>"));
}

/// `Op::SetSkillEnabled` (the TUI's `/skills off`) turns a skill off for
/// the session from the next turn: a new section without it, no injection.
#[tokio::test]
async fn a_skill_turned_off_for_the_session_is_gone_next_turn() {
    let server = MockModelServer::start();
    for _ in 0..2 {
        server.push_turn(Turn::new().text("ok"));
    }
    let home =
        codex_test_support::TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let ch = home.path().to_path_buf();
    write_skill(&ch.join("skills/keep"), "keep", "Kept");
    write_skill(&ch.join("skills/drop"), "drop", "Dropped");
    let session = start_in(home, |_| {}, Start::New).await;
    session.submit_text("one").await;
    session.run_to_end().await;
    session
        .codex
        .submit(codex_protocol::protocol::Op::SetSkillEnabled {
            path: ch.join("skills/drop/SKILL.md"),
            enabled: false,
        })
        .await
        .unwrap();
    session.submit_text("two $drop").await;
    session.run_to_end().await;
    let latest = skills_section(&server.requests()[1].input()).unwrap();
    assert!(
        latest.contains("- keep: Kept") && !latest.contains("- drop:"),
        "{latest}"
    );
    let texts = server.requests()[1].user_texts();
    assert!(!texts.iter().any(|t| t.starts_with("<skill>")), "{texts:?}");
}

/// What changed on disk between two sessions is in the second session's
/// first request, although that start checks the cache the first one
/// wrote instead of walking: an edit in place (same size), a removed
/// skill, a skill added inside another skill's folder.
#[tokio::test]
async fn skills_changed_between_sessions_are_seen_at_the_next_start() {
    let server = MockModelServer::start();
    for _ in 0..2 {
        server.push_turn(Turn::new().text("ok"));
    }
    let home =
        codex_test_support::TestCodexHome::with_mock_provider(&server.base_url(), "responses");
    let ch = home.path().to_path_buf();
    write_skill(&ch.join("skills/edited"), "edited", "Before");
    write_skill(&ch.join("skills/removed"), "removed", "Removed");
    write_skill(&ch.join("skills/outer"), "outer", "Outer");
    let session = start_in(home, |_| {}, Start::New).await;
    session.submit_text("one").await;
    session.run_to_end().await;
    let first = skills_section(&server.requests()[0].input()).unwrap();
    assert!(first.contains("- edited: Before") && first.contains("- removed:"));
    assert!(
        ch.join("cache/skills.bin").is_file(),
        "the start keeps a cache"
    );

    write_skill(&ch.join("skills/edited"), "edited", "Afterr");
    std::fs::remove_dir_all(ch.join("skills/removed")).unwrap();
    write_skill(&ch.join("skills/outer/inner"), "inner", "Inside outer");
    let second = session
        .manager
        .start_thread(session.config.clone(), false)
        .await
        .unwrap()
        .thread;
    second
        .submit(codex_protocol::protocol::Op::UserInput {
            items: vec![codex_protocol::user_input::UserInput::Text { text: "two".into() }],
            final_output_json_schema: None,
        })
        .await
        .unwrap();
    while !matches!(
        super::common::next(&second).await.msg,
        EventMsg::TaskComplete(_)
    ) {}
    let section = skills_section(&server.requests()[1].input()).unwrap();
    assert_eq!(
        skill_lines(&section)[1..],
        [
            "- edited: Afterr (file: r0/edited/SKILL.md)",
            "- inner: Inside outer (file: r0/outer/inner/SKILL.md)",
            "- outer: Outer (file: r0/outer/SKILL.md)",
        ]
    );
}
