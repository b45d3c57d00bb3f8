//! Desktop notifications while the terminal is not focused: OSC 9, which
//! iTerm2, kitty, WezTerm, Ghostty and others turn into a system
//! notification (inside tmux it is wrapped so tmux passes it on).
//! `[tui] notifications` is `true`/`false` or the list of kinds to send:
//! `"agent-turn-complete"`, `"approval-requested"`. The `notify` program
//! of `config.toml` is run by the engine, focused or not.

use codex_config::schema::{TuiNotifications, TuiToml};

use crate::chat::NotificationKind;

#[derive(Debug, Clone)]
pub(crate) struct Notifier {
    turn_complete: bool,
    approval_requested: bool,
    inside_tmux: bool,
}

impl Notifier {
    pub(crate) fn from_config(tui: &TuiToml) -> Self {
        let (turn_complete, approval_requested) = match &tui.notifications {
            None => (true, true),
            Some(TuiNotifications::Enabled(on)) => (*on, *on),
            Some(TuiNotifications::Custom(kinds)) => (
                kinds.iter().any(|k| k == "agent-turn-complete"),
                kinds.iter().any(|k| k == "approval-requested"),
            ),
        };
        Self {
            turn_complete,
            approval_requested,
            inside_tmux: std::env::var_os("TMUX").is_some(),
        }
    }

    pub(crate) fn enabled(&self, kind: NotificationKind) -> bool {
        match kind {
            NotificationKind::TurnComplete => self.turn_complete,
            NotificationKind::ApprovalRequested => self.approval_requested,
        }
    }

    /// The escape sequence that shows `text`.
    pub(crate) fn osc9(&self, text: &str) -> Vec<u8> {
        let text: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(200)
            .collect();
        let body = format!("\x1b]9;Codex: {text}\x07");
        if self.inside_tmux {
            // tmux passes a DCS-wrapped sequence through, with ESC doubled.
            format!("\x1bPtmux;{}\x1b\\", body.replace('\x1b', "\x1b\x1b")).into_bytes()
        } else {
            body.into_bytes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_config_and_text_is_sanitized() {
        let tui = TuiToml {
            notifications: Some(TuiNotifications::Custom(vec!["approval-requested".into()])),
            ..TuiToml::default()
        };
        let notifier = Notifier {
            inside_tmux: false,
            ..Notifier::from_config(&tui)
        };
        assert!(!notifier.enabled(NotificationKind::TurnComplete));
        assert!(notifier.enabled(NotificationKind::ApprovalRequested));
        assert_eq!(notifier.osc9("a\x07b"), b"\x1b]9;Codex: a b\x07".to_vec());
        let tmux = Notifier {
            inside_tmux: true,
            ..notifier
        };
        assert_eq!(
            tmux.osc9("x"),
            b"\x1bPtmux;\x1b\x1b]9;Codex: x\x07\x1b\\".to_vec()
        );
    }
}
