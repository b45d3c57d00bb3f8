//! The threads index.

use std::path::PathBuf;

use codex_state::threads::{
    find_threads_by_prefix, get_thread, insert_thread_if_absent, list_threads, set_title_if_empty,
    touch_thread, upsert_thread,
};
use codex_state::{StateDb, ThreadRow};

fn row(id: &str, cwd: &str, updated_at: i64) -> ThreadRow {
    ThreadRow {
        id: id.into(),
        rollout_path: PathBuf::from(format!("/h/sessions/{id}.jsonl")),
        created_at: updated_at,
        updated_at,
        source: "exec".into(),
        model_provider: "openai".into(),
        model: Some("gpt-5.1-codex".into()),
        cwd: PathBuf::from(cwd),
        title: String::new(),
        sandbox_policy: "read-only".into(),
        approval_mode: "never".into(),
        tokens_used: 0,
        archived: false,
        git_branch: Some("main".into()),
        git_sha: None,
        git_origin_url: None,
    }
}

#[test]
fn rows_are_kept_current_and_listed_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = StateDb::open(dir.path()).unwrap();
    db.call_blocking(|conn| {
        upsert_thread(conn, &row("aaaa-1", "/repo", 10))?;
        upsert_thread(conn, &row("bbbb-2", "/other", 20))?;
        assert!(!insert_thread_if_absent(conn, &row("aaaa-1", "/x", 99))?);
        assert!(insert_thread_if_absent(conn, &row("cccc-3", "/repo", 5))?);
        set_title_if_empty(conn, "aaaa-1", "fix the failing test")?;
        set_title_if_empty(conn, "aaaa-1", "a later message")?;
        touch_thread(conn, "aaaa-1", 30, Some(1234), None)?;
        Ok(())
    })
    .unwrap();

    let listed: Vec<String> = db
        .call_blocking(|conn| list_threads(conn, None, 10))
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, vec!["aaaa-1", "bbbb-2", "cccc-3"]);
    let in_repo = db
        .call_blocking(|conn| list_threads(conn, Some(std::path::Path::new("/repo")), 1))
        .unwrap();
    assert_eq!(in_repo[0].id, "aaaa-1");
    let a = db
        .call_blocking(|conn| get_thread(conn, "aaaa-1"))
        .unwrap()
        .unwrap();
    assert_eq!(a.title, "fix the failing test");
    assert_eq!(a.tokens_used, 1234);
    assert_eq!(a.updated_at, 30);
    assert_eq!(a.cwd, PathBuf::from("/repo"));
    let found = db
        .call_blocking(|conn| find_threads_by_prefix(conn, "bbbb"))
        .unwrap();
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn async_calls_work_from_a_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let db = StateDb::open(dir.path()).unwrap();
    db.call(|conn| upsert_thread(conn, &row("x", "/r", 1)))
        .await
        .unwrap();
    let got = db.call(|conn| get_thread(conn, "x")).await.unwrap();
    assert!(got.is_some());
}
