use std::time::Duration;

use std::sync::Arc;

use codex_config::{CliOverrides, Config, load_config};
use codex_core::{Codex, ThreadManager, ThreadManagerOptions, ThreadRef};
use codex_protocol::protocol::{Event, EventMsg, Op, SessionConfiguredEvent};
use codex_protocol::rollout::SessionSource;
use codex_protocol::user_input::UserInput;
use codex_test_support::{MockModelServer, TestCodexHome};

pub const WAIT: Duration = Duration::from_secs(20);

/// How a test session starts.
pub enum Start {
    New,
    Resume(ThreadRef),
    Fork(ThreadRef, Option<usize>),
}

pub struct TestSession {
    pub codex: Arc<Codex>,
    pub manager: ThreadManager,
    pub home: TestCodexHome,
    pub config: Config,
    pub configured: SessionConfiguredEvent,
}

/// A session against `server` speaking `wire_api`; `top_level` is TOML put
/// at the top of config.toml; `overrides` are applied.
pub async fn start(
    server: &MockModelServer,
    wire_api: &str,
    top_level: &str,
    overrides: impl FnOnce(&mut CliOverrides),
) -> TestSession {
    start_in(home_for(server, wire_api, top_level), overrides, Start::New).await
}

pub fn home_for(server: &MockModelServer, wire_api: &str, top_level: &str) -> TestCodexHome {
    let home = TestCodexHome::new();
    home.write_config(&format!(
        "{top_level}\n{}",
        TestCodexHome::mock_provider_config(&server.base_url(), wire_api)
    ));
    home
}

pub async fn start_in(
    home: TestCodexHome,
    overrides: impl FnOnce(&mut CliOverrides),
    start: Start,
) -> TestSession {
    start_with_tools(home, overrides, start, Vec::new()).await
}

/// Like [`start_in`], offering `tools` besides the built-in ones.
pub async fn start_with_tools(
    home: TestCodexHome,
    overrides: impl FnOnce(&mut CliOverrides),
    start: Start,
    tools: Vec<Arc<dyn codex_core::ToolHandler>>,
) -> TestSession {
    start_as(home, overrides, start, tools, SessionSource::Exec).await
}

/// Like [`start_with_tools`], as a frontend of `source` (`Exec` has nobody
/// to answer the model's questions; `Cli` has).
pub async fn start_as(
    home: TestCodexHome,
    overrides: impl FnOnce(&mut CliOverrides),
    start: Start,
    tools: Vec<Arc<dyn codex_core::ToolHandler>>,
    source: SessionSource,
) -> TestSession {
    let mut cli = CliOverrides {
        cwd: Some(home.workspace().to_path_buf()),
        ..Default::default()
    };
    overrides(&mut cli);
    let config = load_config(home.path(), &cli).unwrap();
    let mut options = ThreadManagerOptions::new(source, "codex_test");
    options.extra_tools = tools;
    options.linux_sandbox_exe = Some(codex_test_support::sandbox_helper());
    let manager = ThreadManager::new(home.path(), options);
    let new = match start {
        Start::New => manager.start_thread(config.clone(), false).await,
        Start::Resume(target) => manager.resume_thread(config.clone(), &target).await,
        Start::Fork(target, nth) => manager.fork_thread(config.clone(), &target, nth).await,
    }
    .unwrap();
    TestSession {
        codex: new.thread,
        manager,
        home,
        config,
        configured: new.session_configured,
    }
}

pub async fn next(codex: &Codex) -> Event {
    tokio::time::timeout(WAIT, codex.next_event())
        .await
        .expect("timed out waiting for an event")
        .unwrap()
}

impl TestSession {
    pub async fn submit_text(&self, text: &str) -> String {
        self.codex
            .submit(Op::UserInput {
                items: vec![UserInput::Text { text: text.into() }],
                final_output_json_schema: None,
            })
            .await
            .unwrap()
    }

    /// Events until (and including) the first for which `stop` is true.
    pub async fn events_until(&self, stop: impl Fn(&EventMsg) -> bool) -> Vec<EventMsg> {
        let mut events = Vec::new();
        loop {
            let event = next(&self.codex).await;
            let done = stop(&event.msg);
            events.push(event.msg);
            if done {
                return events;
            }
        }
    }

    /// Events until the task ends (complete or aborted).
    pub async fn run_to_end(&self) -> Vec<EventMsg> {
        self.events_until(|m| matches!(m, EventMsg::TaskComplete(_) | EventMsg::TurnAborted(_)))
            .await
    }

    pub async fn shutdown(&self) {
        self.codex.submit(Op::Shutdown).await.unwrap();
        self.events_until(|m| matches!(m, EventMsg::ShutdownComplete))
            .await;
    }
}

pub fn count(events: &[EventMsg], pred: impl Fn(&EventMsg) -> bool) -> usize {
    events.iter().filter(|e| pred(e)).count()
}
