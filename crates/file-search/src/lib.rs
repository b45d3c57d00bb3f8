//! Fuzzy file search over a workspace, for `@` in the composer (and the
//! app-server's file search).
//!
//! # Design
//!
//! The file list is built once per root by a parallel `ignore` walk
//! (`.gitignore` and friends respected, hidden files left out) and kept;
//! every query ranks the whole list with `nucleo-matcher` (the matcher of
//! the helix editor: fzf-like scores, the matched positions for
//! highlighting). [`SearchWorker`] runs both on a thread of its own: a
//! query never waits behind the walk (results come while it runs) and a
//! newer query replaces older ones still waiting, so typing never queues
//! up work nobody will see.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// One ranked path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMatch {
    /// Relative to the root, `/`-separated.
    pub path: String,
    pub score: u32,
    /// Character positions of the matched characters (for highlighting).
    pub indices: Vec<u32>,
}

/// The files under a root.
#[derive(Debug, Default)]
pub struct FileIndex {
    paths: Vec<String>,
}

impl FileIndex {
    /// Walks `root` (respecting ignore files; no hidden files), calling
    /// `progress` with the paths found so far every `batch` paths.
    pub fn build(root: &Path, mut progress: impl FnMut(&[String])) -> Self {
        let (tx, rx) = mpsc::channel::<Vec<String>>();
        let walker = ignore::WalkBuilder::new(root)
            .hidden(true)
            .git_ignore(true)
            .require_git(false)
            .threads(std::thread::available_parallelism().map_or(2, |n| n.get().min(4)))
            .build_parallel();
        let root_owned = root.to_path_buf();
        let handle = std::thread::spawn(move || {
            walker.run(|| {
                let root = root_owned.clone();
                let mut batch = Batch {
                    paths: Vec::with_capacity(BATCH),
                    tx: tx.clone(),
                };
                Box::new(move |entry| {
                    if let Ok(entry) = entry
                        && entry.file_type().is_some_and(|t| t.is_file())
                        && let Ok(relative) = entry.path().strip_prefix(&root)
                    {
                        batch.push(relative.to_string_lossy().replace('\\', "/"));
                    }
                    ignore::WalkState::Continue
                })
            });
        });
        let mut paths = Vec::new();
        let mut last = Instant::now();
        while let Ok(batch) = rx.recv() {
            paths.extend(batch);
            if last.elapsed() > Duration::from_millis(15) {
                progress(&paths);
                last = Instant::now();
            }
        }
        let _ = handle.join();
        paths.sort_unstable();
        Self { paths }
    }

    pub fn from_paths(paths: Vec<String>) -> Self {
        Self { paths }
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The best `limit` matches of `query`.
    pub fn search(&self, query: &str, limit: usize, matcher: &mut Matcher) -> Vec<FileMatch> {
        search_paths(&self.paths, query, limit, matcher)
    }
}

/// Paths sent to the collector in batches; what is left goes when a walker
/// thread finishes (and drops its batch).
const BATCH: usize = 256;

struct Batch {
    paths: Vec<String>,
    tx: mpsc::Sender<Vec<String>>,
}

impl Batch {
    fn push(&mut self, path: String) {
        self.paths.push(path);
        if self.paths.len() == BATCH {
            let _ = self.tx.send(std::mem::replace(
                &mut self.paths,
                Vec::with_capacity(BATCH),
            ));
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if !self.paths.is_empty() {
            let _ = self.tx.send(std::mem::take(&mut self.paths));
        }
    }
}

/// The best `limit` matches of `query` among `paths` (shorter paths first on
/// equal scores).
pub fn search_paths(
    paths: &[String],
    query: &str,
    limit: usize,
    matcher: &mut Matcher,
) -> Vec<FileMatch> {
    let all: Vec<usize> = (0..paths.len()).collect();
    search_within(paths, &all, query, limit, matcher).0
}

/// Like [`search_paths`] over the paths at `candidates`; also returns every
/// matching index, so a longer query can search only those.
fn search_within(
    paths: &[String],
    candidates: &[usize],
    query: &str,
    limit: usize,
    matcher: &mut Matcher,
) -> (Vec<FileMatch>, Vec<usize>) {
    let query = query.trim();
    if query.is_empty() {
        let matches = candidates
            .iter()
            .take(limit)
            .map(|&i| FileMatch {
                path: paths[i].clone(),
                score: 0,
                indices: Vec::new(),
            })
            .collect();
        return (matches, candidates.to_vec());
    }
    let pattern = Pattern::parse(query, CaseMatching::Smart, Normalization::Smart);
    let mut buf = Vec::new();
    let mut scored = score_all(paths, candidates, &pattern, matcher);
    // Candidates are in index order, so the matched indices are too.
    let matched: Vec<usize> = scored.iter().map(|&(_, i)| i).collect();
    let order = |a: &(u32, usize), b: &(u32, usize)| {
        b.0.cmp(&a.0)
            .then_with(|| paths[a.1].len().cmp(&paths[b.1].len()))
            .then_with(|| paths[a.1].cmp(&paths[b.1]))
    };
    // Only the best `limit` need an order.
    if scored.len() > limit && limit > 0 {
        scored.select_nth_unstable_by(limit - 1, order);
        scored.truncate(limit);
    }
    scored.sort_unstable_by(order);
    let top = scored
        .into_iter()
        .take(limit)
        .map(|(score, index)| {
            let mut indices = Vec::new();
            let haystack = Utf32Str::new(&paths[index], &mut buf);
            pattern.indices(haystack, matcher, &mut indices);
            indices.sort_unstable();
            indices.dedup();
            FileMatch {
                path: paths[index].clone(),
                score,
                indices,
            }
        })
        .collect();
    (top, matched)
}

/// Scores every candidate: on one thread for small lists, else split over
/// the cores (each with its own matcher), results in candidate order.
fn score_all(
    paths: &[String],
    candidates: &[usize],
    pattern: &Pattern,
    matcher: &mut Matcher,
) -> Vec<(u32, usize)> {
    let score_chunk = |chunk: &[usize], matcher: &mut Matcher| {
        let mut buf = Vec::new();
        let mut out = Vec::new();
        for &index in chunk {
            let haystack = Utf32Str::new(&paths[index], &mut buf);
            if let Some(score) = pattern.score(haystack, matcher) {
                out.push((score, index));
            }
        }
        out
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if candidates.len() < 20_000 || threads < 2 {
        return score_chunk(candidates, matcher);
    }
    let chunk_len = candidates.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = candidates
            .chunks(chunk_len)
            .map(|chunk| {
                scope.spawn(move || {
                    let mut matcher = path_matcher();
                    score_chunk(chunk, &mut matcher)
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// A new matcher for paths.
pub fn path_matcher() -> Matcher {
    Matcher::new(Config::DEFAULT.match_paths())
}

/// Results for one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResults {
    /// Echoes [`SearchWorker::query`]'s generation, so late answers can be
    /// told apart.
    pub generation: u64,
    pub query: String,
    pub matches: Vec<FileMatch>,
    /// The walk is still going: more results may come.
    pub partial: bool,
}

enum Request {
    Query { generation: u64, query: String },
}

/// Searches on a thread of its own; answers go to `deliver`.
pub struct SearchWorker {
    tx: mpsc::Sender<Request>,
    generation: u64,
}

impl SearchWorker {
    /// Starts the worker for `root`; the walk starts with the first query.
    pub fn start(
        root: PathBuf,
        limit: usize,
        deliver: impl Fn(SearchResults) + Send + 'static,
    ) -> Self {
        let (tx, rx) = mpsc::channel::<Request>();
        std::thread::spawn(move || {
            let mut matcher = path_matcher();
            let mut index: Option<FileIndex> = None;
            // The last complete query and the paths it matched: a query
            // that extends it can only match a subset of them.
            let mut last: Option<(String, Vec<usize>)> = None;
            while let Ok(first) = rx.recv() {
                // Only the newest waiting query counts.
                let mut request = first;
                while let Ok(newer) = rx.try_recv() {
                    request = newer;
                }
                let Request::Query { generation, query } = request;
                if index.is_none() {
                    let mut partial_matcher = path_matcher();
                    let built = FileIndex::build(&root, |so_far| {
                        deliver(SearchResults {
                            generation,
                            query: query.clone(),
                            matches: search_paths(so_far, &query, limit, &mut partial_matcher),
                            partial: true,
                        });
                    });
                    index = Some(built);
                }
                if let Some(index) = &index {
                    let all: Vec<usize>;
                    let candidates: &[usize] = match &last {
                        Some((previous, matched))
                            if !previous.trim().is_empty()
                                && query.trim().starts_with(previous.trim()) =>
                        {
                            matched
                        }
                        _ => {
                            all = (0..index.paths.len()).collect();
                            &all
                        }
                    };
                    let (matches, matched) =
                        search_within(&index.paths, candidates, &query, limit, &mut matcher);
                    last = Some((query.clone(), matched));
                    deliver(SearchResults {
                        generation,
                        matches,
                        query,
                        partial: false,
                    });
                }
            }
        });
        Self { tx, generation: 0 }
    }

    /// Asks for `query`; returns its generation.
    pub fn query(&mut self, query: &str) -> u64 {
        self.generation += 1;
        let _ = self.tx.send(Request::Query {
            generation: self.generation,
            query: query.to_string(),
        });
        self.generation
    }

    /// The generation of the newest query.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn the_walk_respects_gitignore_and_hides_dotfiles() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/deep")).unwrap();
        std::fs::create_dir_all(dir.path().join("target")).unwrap();
        std::fs::write(dir.path().join(".gitignore"), "target/\n").unwrap();
        std::fs::write(dir.path().join("src/main.rs"), "").unwrap();
        std::fs::write(dir.path().join("src/deep/lib.rs"), "").unwrap();
        std::fs::write(dir.path().join("target/out.rs"), "").unwrap();
        std::fs::write(dir.path().join(".env"), "").unwrap();
        let index = FileIndex::build(dir.path(), |_| {});
        assert_eq!(index.paths, vec!["src/deep/lib.rs", "src/main.rs"]);
    }

    #[test]
    fn ranking_prefers_tight_matches_and_reports_positions() {
        let index = FileIndex::from_paths(vec![
            "docs/architecture.md".into(),
            "src/main.rs".into(),
            "src/mainframe/main_loop.rs".into(),
        ]);
        let mut matcher = path_matcher();
        let results = index.search("main", 10, &mut matcher);
        assert_eq!(results[0].path, "src/main.rs");
        assert_eq!(results[0].indices, vec![4, 5, 6, 7]);
        assert!(index.search("zzz", 10, &mut matcher).is_empty());
    }

    #[test]
    fn the_worker_answers_the_newest_query() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("alpha.txt"), "").unwrap();
        std::fs::write(dir.path().join("beta.txt"), "").unwrap();
        let (tx, rx) = mpsc::channel();
        let mut worker = SearchWorker::start(dir.path().to_path_buf(), 10, move |r| {
            let _ = tx.send(r);
        });
        let generation = worker.query("bet");
        let result = loop {
            let result = rx.recv_timeout(Duration::from_secs(10)).unwrap();
            if !result.partial {
                break result;
            }
        };
        assert_eq!(result.generation, generation);
        assert_eq!(result.matches[0].path, "beta.txt");
    }
}
