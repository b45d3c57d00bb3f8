//! A temporary `$CODEX_HOME`.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// A temporary `$CODEX_HOME` (and a separate temporary workspace).
pub struct TestCodexHome {
    home: TempDir,
    workspace: TempDir,
}

impl TestCodexHome {
    pub fn new() -> Self {
        Self {
            home: TempDir::new().unwrap(),
            workspace: TempDir::new().unwrap(),
        }
    }

    /// A home whose config points the `mock` provider at `base_url`.
    pub fn with_mock_provider(base_url: &str, wire_api: &str) -> Self {
        let home = Self::new();
        home.write_config(&Self::mock_provider_config(base_url, wire_api));
        home
    }

    /// Config text selecting a `mock` provider (no key needed, fast retries).
    pub fn mock_provider_config(base_url: &str, wire_api: &str) -> String {
        format!(
            "model = \"gpt-5.1-codex\"\nmodel_provider = \"mock\"\n\n\
             [model_providers.mock]\nname = \"Mock\"\nbase_url = \"{base_url}\"\n\
             wire_api = \"{wire_api}\"\nrequest_max_retries = 2\nstream_max_retries = 2\n\
             stream_idle_timeout_ms = 2000\n"
        )
    }

    pub fn path(&self) -> &Path {
        self.home.path()
    }

    /// A scratch workspace directory (not inside the home).
    pub fn workspace(&self) -> &Path {
        self.workspace.path()
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.home.path().join("config.toml"), text).unwrap();
    }

    pub fn append_config(&self, text: &str) {
        let path = self.home.path().join("config.toml");
        let mut current = std::fs::read_to_string(&path).unwrap_or_default();
        current.push_str(text);
        std::fs::write(path, current).unwrap();
    }

    /// Every session file under `sessions/`.
    pub fn rollout_files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        collect(&self.home.path().join("sessions"), &mut out);
        out.sort();
        out
    }
}

impl Default for TestCodexHome {
    fn default() -> Self {
        Self::new()
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "jsonl") {
            out.push(path);
        }
    }
}
