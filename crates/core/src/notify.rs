//! The `notify` program, run at the end of each turn.

use std::path::PathBuf;
use std::process::Stdio;

use serde::Serialize;
use tracing::warn;

/// What the program receives as its single argument (JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub(crate) enum UserNotification {
    #[serde(rename_all = "kebab-case")]
    AgentTurnComplete {
        thread_id: String,
        turn_id: String,
        cwd: PathBuf,
        /// Who ran the turn: the originator (`codex_exec`, `codex_cli_rs`, …).
        client: String,
        /// The user's messages of this turn.
        input_messages: Vec<String>,
        last_assistant_message: Option<String>,
    },
}

#[derive(Debug, Clone, Default)]
pub(crate) struct UserNotifier {
    argv: Option<Vec<String>>,
}

impl UserNotifier {
    pub(crate) fn new(argv: Option<Vec<String>>) -> Self {
        Self {
            argv: argv.filter(|a| !a.is_empty()),
        }
    }

    /// Starts the program and returns at once; a failure is logged, never
    /// fatal (the turn is already complete).
    pub(crate) fn notify(&self, notification: &UserNotification) {
        let Some(argv) = &self.argv else {
            return;
        };
        let json = match serde_json::to_string(notification) {
            Ok(json) => json,
            Err(err) => {
                warn!(%err, "cannot encode the notification");
                return;
            }
        };
        let mut command = tokio::process::Command::new(&argv[0]);
        command
            .args(&argv[1..])
            .arg(json)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match command.spawn() {
            // Reap it in the background so it never lingers as a zombie.
            Ok(mut child) => {
                tokio::spawn(async move {
                    let _ = child.wait().await;
                });
            }
            Err(err) => warn!(program = %argv[0], %err, "cannot run the notify program"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference 0.169's payload, as its `notify` program received it
    /// (ids shortened): the same keys in the same order.
    const REFERENCE_PAYLOAD: &str = r#"{"type":"agent-turn-complete","thread-id":"t","turn-id":"1","cwd":"/w","client":"codex_exec","input-messages":["fix it"],"last-assistant-message":"done"}"#;

    #[test]
    fn the_json_argument_is_the_references() {
        let n = UserNotification::AgentTurnComplete {
            thread_id: "t".into(),
            turn_id: "1".into(),
            cwd: PathBuf::from("/w"),
            client: "codex_exec".into(),
            input_messages: vec!["fix it".into()],
            last_assistant_message: Some("done".into()),
        };
        assert_eq!(serde_json::to_string(&n).unwrap(), REFERENCE_PAYLOAD);
    }
}
