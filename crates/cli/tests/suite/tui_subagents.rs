//! Sub-agents in the interactive interface: a child's approval request is
//! asked in the parent's window, named after the agent; the agent calls
//! show compactly; `/agents` lists the children and `/agents NAME`
//! follows one.

use super::tui::{TuiEnv, WAIT, quit};

#[test]
fn a_childs_approval_is_answered_in_the_window_and_agents_lists_it() {
    let env = TuiEnv::new();
    super::agent_scenario::script(&env.server, "touched it", "The agent is done.");
    let mut term = env.spawn(&["-a", "untrusted", "-s", "danger-full-access"]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("delegate the file");
    let screen = term.wait_for("Run this command?", WAIT);
    assert!(screen.contains("$ touch from-child.txt"), "{screen}");
    assert!(screen.contains("[agent "), "{screen}");
    term.send(b"y");
    term.wait_for("The agent is done.", WAIT);
    assert!(env.workspace().join("from-child.txt").exists());
    let all = term.all_text();
    assert!(all.contains("• spawn_agent: touch the file"), "{all}");
    assert!(all.contains("completed — touched it"), "{all}");
    term.submit("/agents");
    let screen = term.wait_for("Sub-agents (1)", WAIT);
    assert!(screen.contains("completed — touched it"), "{screen}");
    // Following the child: what it did so far, then `back`.
    term.submit("/agents Euler");
    let screen = term.wait_for("Following agent Euler", WAIT);
    let screen = if screen.contains("said: touched it") {
        screen
    } else {
        term.wait_for("said: touched it", WAIT)
    };
    assert!(
        screen.contains("Euler: ran `touch from-child.txt` → exit 0"),
        "{screen}"
    );
    term.submit("/agents back");
    term.wait_for("Back to the main thread.", WAIT);
    quit(&mut term);
}
