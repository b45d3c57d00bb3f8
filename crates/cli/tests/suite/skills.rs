//! Skills as a program: `$HOME/.agents/skills` (a session started with
//! `HOME` set), the list's budget with 1,200 skills, and `codex skills list`.

use codex_test_support::{Turn, last_skills_section, write_skill};
use serde_json::Value;

use super::exec::{ExecEnv, stderr, stdout};

fn section_lines(input: &[Value]) -> Vec<String> {
    let section = last_skills_section(input).expect("a skills section");
    section
        .lines()
        .filter(|l| l.starts_with("- ") && l.contains("(file: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn home_agents_skills_are_user_skills_after_codex_home() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("ok"));
    let user_home = tempfile::tempdir().unwrap();
    write_skill(
        &user_home.path().join(".agents/skills/gamma"),
        "gamma",
        "From HOME",
    );
    write_skill(
        &env.home.path().join("skills/alpha"),
        "alpha",
        "From CODEX_HOME",
    );
    write_skill(
        &env.workspace().join(".agents/skills/delta"),
        "delta",
        "From the repo",
    );
    let output = env
        .exec()
        .env("HOME", user_home.path())
        .args(["--skip-git-repo-check", "hi $gamma"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let request = &env.server.requests()[0];
    assert_eq!(
        section_lines(&request.input()),
        vec![
            "- delta: From the repo (file: r2/delta/SKILL.md)",
            "- alpha: From CODEX_HOME (file: r0/alpha/SKILL.md)",
            "- gamma: From HOME (file: r1/gamma/SKILL.md)",
        ]
    );
    let texts = request.user_texts();
    assert!(
        texts
            .last()
            .unwrap()
            .starts_with("<skill>\n<name>gamma</name>")
    );
}

/// The reference's numbers: 1,200 skills in the default budget of 5,440
/// tokens, 10 tokens a line without its description, list 544 (the
/// reference, whose four bundled skills take 50 tokens, lists 539 of them),
/// and a warning says how many were left out.
#[test]
fn twelve_hundred_skills_are_cut_with_a_warning() {
    let env = ExecEnv::new();
    env.server.push_turn(Turn::new().text("ok"));
    for i in 0..1200 {
        write_skill(
            &env.home.path().join(format!("skills/s{i:04}")),
            &format!("skill-{i:04}"),
            &"Description words for this skill. ".repeat(6),
        );
    }
    let output = env
        .exec()
        .env("HOME", env.home.path())
        .args(["--skip-git-repo-check", "hi $skill-1199"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let request = &env.server.requests()[0];
    let lines = section_lines(&request.input());
    assert_eq!(lines.len(), 544);
    assert_eq!(lines[0], "- skill-0000: (file: r0/s0000/SKILL.md)");
    let err = stderr(&output);
    assert!(
        err.contains("every description was left out")
            && err.contains("656 skills were not listed"),
        "{err}"
    );
    // A skill cut from the list can still be named.
    assert!(
        request
            .user_texts()
            .last()
            .unwrap()
            .starts_with("<skill>\n<name>skill-1199</name>")
    );
    assert_eq!(stdout(&output), "ok\n");
}

#[test]
fn skills_list_shows_scope_status_and_broken_files() {
    let env = ExecEnv::new();
    write_skill(&env.home.path().join("skills/alpha"), "alpha", "A");
    write_skill(&env.workspace().join(".agents/skills/delta"), "delta", "D");
    std::fs::create_dir_all(env.home.path().join("skills/broken")).unwrap();
    std::fs::write(
        env.home.path().join("skills/broken/SKILL.md"),
        "no front matter\n",
    )
    .unwrap();
    env.home
        .append_config("[[skills.config]]\nname = \"alpha\"\nenabled = false\n");
    let mut cmd = super::cli_basics::codex();
    let output = cmd
        .env("CODEX_HOME", env.home.path())
        .env("HOME", env.home.path())
        .current_dir(env.workspace())
        .args(["skills", "list"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0][..3], ["delta", "repo", "listed"]);
    assert_eq!(rows[1][..3], ["alpha", "user", "off"]);
    let err = stderr(&output);
    assert!(
        err.contains("broken/SKILL.md:1: no YAML front matter"),
        "{err}"
    );

    let output = super::cli_basics::codex()
        .env("CODEX_HOME", env.home.path())
        .env("HOME", env.home.path())
        .current_dir(env.workspace())
        .args(["skills", "list", "--json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let entry = &json["data"][0];
    assert_eq!(entry["skills"][0]["name"], "delta");
    assert_eq!(entry["skills"][0]["scope"], "repo");
    assert_eq!(entry["skills"][1]["enabled"], false);
    assert_eq!(entry["errors"].as_array().unwrap().len(), 1);
}
