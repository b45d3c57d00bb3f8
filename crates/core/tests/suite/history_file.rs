//! `history.jsonl` through the engine's ops.

use codex_protocol::protocol::{EventMsg, Op};
use codex_test_support::MockModelServer;

use super::common::{home_for, start_in};

#[tokio::test]
async fn add_and_look_up_entries() {
    let server = MockModelServer::start();
    let home = home_for(&server, "responses", "");
    let session = start_in(home, |_| {}, super::common::Start::New).await;
    assert_eq!(session.configured.history_entry_count, 0);
    for text in ["first prompt", "second prompt"] {
        session
            .codex
            .submit(Op::AddToHistory { text: text.into() })
            .await
            .unwrap();
    }
    // Appends run in the background; wait for both lines.
    let path = session.home.path().join("history.jsonl");
    for _ in 0..200 {
        if std::fs::read_to_string(&path)
            .map(|t| t.lines().count())
            .unwrap_or(0)
            == 2
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    session.shutdown().await;

    // A new session sees the count and can read entries back.
    let again = start_in(session.home, |_| {}, super::common::Start::New).await;
    assert_eq!(again.configured.history_entry_count, 2);
    let log_id = again.configured.history_log_id;
    assert_ne!(log_id, 0);
    again
        .codex
        .submit(Op::GetHistoryEntryRequest { offset: 1, log_id })
        .await
        .unwrap();
    let events = again
        .events_until(|e| matches!(e, EventMsg::GetHistoryEntryResponse(_)))
        .await;
    let EventMsg::GetHistoryEntryResponse(response) = events.last().unwrap() else {
        panic!()
    };
    let entry = response.entry.clone().unwrap();
    assert_eq!(entry.text, "second prompt");
    assert_eq!(entry.session_id, session.configured.session_id.to_string());

    again
        .codex
        .submit(Op::GetHistoryEntryRequest {
            offset: 0,
            log_id: log_id + 1,
        })
        .await
        .unwrap();
    let events = again
        .events_until(|e| matches!(e, EventMsg::GetHistoryEntryResponse(_)))
        .await;
    let EventMsg::GetHistoryEntryResponse(response) = events.last().unwrap() else {
        panic!()
    };
    assert!(response.entry.is_none(), "a different log id finds nothing");
}

#[tokio::test]
async fn session_start_counts_from_the_remembered_count() {
    use codex_core::message_history::{HistoryCount, count_entries};
    use codex_state::threads::{get_meta, set_meta};

    let server = MockModelServer::start();
    let home = home_for(&server, "responses", "");
    let path = home.path().join("history.jsonl");
    let line = r#"{"session_id":"s","ts":1,"text":"t"}"#;
    std::fs::write(&path, format!("{line}\n{line}\n")).unwrap();
    let session = start_in(home, |_| {}, super::common::Start::New).await;
    assert_eq!(session.configured.history_entry_count, 2);
    let actual = count_entries(session.home.path(), None);

    // The count is remembered in the state database (written in the background).
    let db = codex_state::StateDb::open(session.home.path()).unwrap();
    let mut remembered = None;
    for _ in 0..200 {
        remembered = db
            .call(|c| get_meta(c, HistoryCount::META_KEY))
            .await
            .unwrap();
        if remembered.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(remembered, Some(actual.encode()));
    session.shutdown().await;

    // The next session trusts it for the bytes it covers and reads only the
    // rest: a (deliberately wrong) remembered count shows through.
    let planted = HistoryCount {
        entries: 40,
        ..actual.clone()
    };
    let value = planted.encode();
    db.call(move |c| set_meta(c, HistoryCount::META_KEY, &value))
        .await
        .unwrap();
    std::fs::write(&path, format!("{line}\n{line}\n{line}\n")).unwrap();
    let again = start_in(session.home, |_| {}, super::common::Start::New).await;
    assert_eq!(again.configured.history_entry_count, 41);
}

mod file {
    //! `history.jsonl` itself: concurrency, identity, trimming, privacy.

    use std::io::Write;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::process::Command;

    use codex_config::HistoryPersistence;
    use codex_core::message_history::{
        HistoryCount, append_entry, count_entries, history_path, lookup,
    };
    use codex_protocol::ThreadId;
    use codex_protocol::message_history::HistoryEntry;

    const CHILD_ENV: &str = "CODEX_HISTORY_TEST_CHILD_HOME";
    const PER_PROCESS: usize = 1000;

    #[test]
    fn eight_processes_appending_leave_every_line_intact() {
        if let Ok(home) = std::env::var(CHILD_ENV) {
            let id = ThreadId::new();
            for i in 0..PER_PROCESS {
                let text = format!("{id} entry {i} {}", "payload ".repeat(i % 7));
                append_entry(
                    std::path::Path::new(&home),
                    HistoryPersistence::SaveAll,
                    None,
                    &id,
                    &text,
                )
                .unwrap();
            }
            return;
        }
        let home = tempfile::tempdir().unwrap();
        let children: Vec<_> = (0..8)
            .map(|_| {
                Command::new(std::env::current_exe().unwrap())
                    .args([
                        "--exact",
                        "suite::history_file::file::eight_processes_appending_leave_every_line_intact",
                        "--nocapture",
                    ])
                    .env(CHILD_ENV, home.path())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success());
        }
        let text = std::fs::read_to_string(history_path(home.path())).unwrap();
        let entries: Vec<HistoryEntry> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("torn line {l:?}: {e}")))
            .collect();
        assert_eq!(entries.len(), 8 * PER_PROCESS);
        let mut by_session = std::collections::HashMap::<String, Vec<usize>>::new();
        for entry in &entries {
            let n: usize = entry.text.split(' ').nth(2).unwrap().parse().unwrap();
            by_session
                .entry(entry.session_id.clone())
                .or_default()
                .push(n);
        }
        assert_eq!(by_session.len(), 8);
        for numbers in by_session.values() {
            // Each process's lines are all there, in its own order.
            assert_eq!(numbers, &(0..PER_PROCESS).collect::<Vec<_>>());
        }
        assert_eq!(count_entries(home.path(), None).entries, 8 * PER_PROCESS);
    }

    #[test]
    fn lookups_follow_the_file_identity() {
        let home = tempfile::tempdir().unwrap();
        let id = ThreadId::new();
        for i in 0..10 {
            append_entry(
                home.path(),
                HistoryPersistence::SaveAll,
                None,
                &id,
                &format!("m{i}"),
            )
            .unwrap();
        }
        let count = count_entries(home.path(), None);
        let log_id = count.log_id;
        assert_eq!(count.entries, 10);
        for known in [None, Some(&count)] {
            assert_eq!(lookup(home.path(), log_id, 3, known).unwrap().text, "m3");
            assert_eq!(lookup(home.path(), log_id, 9, known).unwrap().text, "m9");
            assert!(lookup(home.path(), log_id, 10, known).is_none());
        }

        // Trimming to max_bytes writes a new file: old offsets no longer apply.
        let entry_len = std::fs::read_to_string(history_path(home.path()))
            .unwrap()
            .len()
            / 10;
        append_entry(
            home.path(),
            HistoryPersistence::SaveAll,
            Some(entry_len * 5),
            &id,
            "m10",
        )
        .unwrap();
        let HistoryCount {
            log_id: new_id,
            entries: new_count,
            ..
        } = count_entries(home.path(), Some(count.clone()));
        assert_ne!(new_id, log_id);
        assert!(lookup(home.path(), log_id, 0, Some(&count)).is_none());
        assert!(new_count < 11);
        // The count of the old file does not mislead lookups in the new one.
        let last = lookup(home.path(), new_id, new_count - 1, Some(&count)).unwrap();
        assert_eq!(last.text, "m10", "the newest entries are kept");
        let size = std::fs::metadata(history_path(home.path())).unwrap().size() as usize;
        assert!(size <= entry_len * 5, "{size} > {}", entry_len * 5);
    }

    #[test]
    fn counting_from_an_earlier_count_reads_only_the_tail() {
        let home = tempfile::tempdir().unwrap();
        let id = ThreadId::new();
        let append = |text: &str| {
            append_entry(home.path(), HistoryPersistence::SaveAll, None, &id, text).unwrap()
        };
        assert_eq!(count_entries(home.path(), None), HistoryCount::default());
        for i in 0..5 {
            append(&format!("a{i}"));
        }
        let first = count_entries(home.path(), None);
        assert_eq!(first.entries, 5);

        // A line being written (no newline yet) is not an entry yet...
        let path = history_path(home.path());
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        write!(file, r#"{{"session_id":"{id}","ts":1,"text":"#).unwrap();
        let partial = count_entries(home.path(), Some(first.clone()));
        assert_eq!(partial.entries, 5);
        assert!(partial.bytes > first.bytes);
        // ...and is counted once it is finished.
        writeln!(file, r#""a5"}}"#).unwrap();
        append("a6");
        let later = count_entries(home.path(), Some(partial.clone()));
        assert_eq!(later, count_entries(home.path(), None));
        assert_eq!(later.entries, 7);
        for offset in 0..7 {
            let entry = lookup(home.path(), later.log_id, offset, Some(&partial));
            assert_eq!(entry.unwrap().text, format!("a{offset}"), "offset {offset}");
        }

        // A count of a longer file (truncated since) is not trusted.
        let stale = HistoryCount {
            bytes: later.bytes + 100,
            entries: 50,
            ..later.clone()
        };
        assert_eq!(count_entries(home.path(), Some(stale.clone())), later);
        assert_eq!(
            lookup(home.path(), later.log_id, 2, Some(&stale))
                .unwrap()
                .text,
            "a2"
        );

        // The encoding stored in the state database round-trips.
        assert_eq!(HistoryCount::decode(&later.encode()), Some(later));
        assert_eq!(HistoryCount::decode("1:2"), None);
        assert_eq!(
            HistoryCount::decode("1:2:3"),
            None,
            "a count without its index"
        );
        assert_eq!(
            HistoryCount::decode("1:2:3:4"),
            None,
            "a mark for 3 entries"
        );
        assert_eq!(
            HistoryCount::decode("1:2:3:"),
            Some(HistoryCount {
                log_id: 1,
                bytes: 2,
                entries: 3,
                marks: vec![]
            })
        );
    }

    #[test]
    fn the_sparse_index_finds_every_entry_and_survives_appends() {
        use codex_core::message_history::INDEX_STRIDE;
        let home = tempfile::tempdir().unwrap();
        let path = history_path(home.path());
        // Entries of different lengths, so that marks cannot be guessed.
        let line = |i: usize| {
            format!(
                r#"{{"session_id":"s","ts":{i},"text":"e{i}{}"}}"#,
                "x".repeat(i % 13)
            )
        };
        let total = 3 * INDEX_STRIDE + 17;
        let text: String = (0..total).map(|i| line(i) + "\n").collect();
        std::fs::write(&path, &text).unwrap();
        let count = count_entries(home.path(), None);
        assert_eq!(count.entries, total);
        assert_eq!(count.marks.len(), 3);
        for (i, mark) in count.marks.iter().enumerate() {
            let expected: usize = (0..(i + 1) * INDEX_STRIDE).map(|j| line(j).len() + 1).sum();
            assert_eq!(*mark, expected as u64, "mark {i}");
        }
        let text_of = |offset: usize, known: Option<&HistoryCount>| {
            lookup(home.path(), count.log_id, offset, known).map(|e| e.text)
        };
        for offset in [
            0,
            1,
            INDEX_STRIDE - 1,
            INDEX_STRIDE,
            INDEX_STRIDE + 1,
            2 * INDEX_STRIDE,
            total - 1,
        ] {
            let expected = format!("e{offset}{}", "x".repeat(offset % 13));
            assert_eq!(
                text_of(offset, Some(&count)).as_deref(),
                Some(expected.as_str())
            );
            assert_eq!(text_of(offset, None).as_deref(), Some(expected.as_str()));
        }
        assert_eq!(text_of(total, Some(&count)), None);

        // Appending past the next stride extends the index from the old one;
        // entries appended after the known count are found from its end.
        let more: String = (total..total + INDEX_STRIDE)
            .map(|i| line(i) + "\n")
            .collect();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(more.as_bytes())
            .unwrap();
        let extended = count_entries(home.path(), Some(count.clone()));
        assert_eq!(extended, count_entries(home.path(), None));
        assert_eq!(extended.marks.len(), 4);
        let newest = total + INDEX_STRIDE - 1;
        assert_eq!(
            text_of(newest, Some(&count)),
            Some(format!("e{newest}{}", "x".repeat(newest % 13)))
        );
        assert_eq!(HistoryCount::decode(&extended.encode()), Some(extended));

        // A file rewritten in place under a stale index is still read right
        // (the line at the mark is not an entry, so the file is scanned).
        let shifted = format!("garbage\n{text}");
        std::fs::write(&path, shifted).unwrap();
        assert_eq!(
            text_of(2 * INDEX_STRIDE + 5, Some(&count)).as_deref(),
            Some(
                format!(
                    "e{}{}",
                    2 * INDEX_STRIDE + 4,
                    "x".repeat((2 * INDEX_STRIDE + 4) % 13)
                )
                .as_str()
            ),
        );
    }

    #[test]
    fn privacy_and_opt_out() {
        let home = tempfile::tempdir().unwrap();
        let id = ThreadId::new();
        let path = history_path(home.path());
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        append_entry(
            home.path(),
            HistoryPersistence::SaveAll,
            None,
            &id,
            "secret-ish",
        )
        .unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );

        let other = tempfile::tempdir().unwrap();
        append_entry(
            other.path(),
            HistoryPersistence::None,
            None,
            &id,
            "not kept",
        )
        .unwrap();
        assert!(!history_path(other.path()).exists());
    }
}
