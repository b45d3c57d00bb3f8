//! The model's questions (`request_user_input`) in the interactive
//! interface: the picker answered by number, by arrow keys and in the
//! person's own words; the answers reach the model's next request; Esc
//! while a question is open interrupts and leaves the chat usable.

use codex_test_support::Turn;
use serde_json::json;

use super::tui::{TuiEnv, WAIT, quit};

fn two_questions(call_id: &str) -> Turn {
    Turn::new().function_call(
        call_id,
        "request_user_input",
        json!({"questions": [
            {"id": "color", "header": "Color", "question": "Which color should the button be?",
             "options": [{"label": "Red (Recommended)", "description": "warm"},
                         {"label": "Blue", "description": "cool"}]},
            {"id": "name", "header": "Name", "question": "What should it be called?",
             "options": [{"label": "Submit", "description": "plain"},
                         {"label": "Go", "description": "short"}]}
        ]}),
    )
}

#[test]
fn questions_are_answered_by_key_and_by_free_text() {
    let env = TuiEnv::new();
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    env.server.push_turn(two_questions("q1"));
    env.server.push_turn(Turn::new().text("Blue it is."));
    term.submit("make a button");
    let screen = term.wait_for("Codex asks (1/2): Color", WAIT);
    assert!(
        screen.contains("Which color should the button be?"),
        "{screen}"
    );
    assert!(screen.contains("1. Red (Recommended)"), "{screen}");
    assert!(screen.contains("3. Other (type your answer)"), "{screen}");
    // Down then Enter picks the second option.
    term.send(b"\x1b[B");
    term.wait_for("› 2. Blue", WAIT);
    term.send(b"\r");
    term.wait_for("Codex asks (2/2): Name", WAIT);
    // "3" is Other: type an answer of one's own.
    term.send(b"3");
    term.wait_for("3. Other: ", WAIT);
    term.send(b"Big green button");
    term.wait_for("Other: Big green button", WAIT);
    term.send(b"\r");
    term.wait_for("You answered · Color: Blue · Name: Big green button", WAIT);
    term.wait_for("Blue it is.", WAIT);
    let output = env.server.requests()[1].tool_output("q1").unwrap();
    let output: serde_json::Value = serde_json::from_str(&output).unwrap();
    assert_eq!(
        output,
        json!({"answers": {"color": {"answers": ["Blue"]}, "name": {"answers": ["Big green button"]}}})
    );
    quit(&mut term);
}

#[test]
fn a_number_answers_and_esc_interrupts_a_question() {
    let env = TuiEnv::new();
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    env.server.push_turn(two_questions("q1"));
    term.submit("make a button");
    term.wait_for("Codex asks (1/2): Color", WAIT);
    term.send(b"1");
    term.wait_for("Codex asks (2/2): Name", WAIT);
    term.send(b"\x1b");
    term.wait_for("Interrupted", WAIT);
    // The chat goes on.
    env.server.push_turn(Turn::new().text("Still here."));
    term.wait_for("ctrl+c quit", WAIT);
    term.submit("are you there?");
    term.wait_for("Still here.", WAIT);
    // The interrupted call got an output, so the model's request is whole.
    assert!(env.server.requests()[1].tool_output("q1").is_some());
    quit(&mut term);
}

#[test]
fn goal_is_set_achieved_shown_and_kept_across_resume() {
    let env = TuiEnv::new();
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("/goal");
    term.wait_for("none. Usage: /goal", WAIT);
    env.server.push_turn(Turn::new().function_call(
        "g1",
        "update_goal",
        json!({"status": "complete"}),
    ));
    env.server
        .push_turn(Turn::new().text("The feature shipped."));
    term.submit("/goal Ship the feature");
    term.wait_for("Goal active: Ship the feature", WAIT);
    term.wait_for("Goal achieved: Ship the feature", WAIT);
    term.wait_for("The feature shipped.", WAIT);
    // The first request carried the objective and the goal's reminder.
    let first = serde_json::Value::from(env.server.requests()[0].input()).to_string();
    assert!(first.contains("Ship the feature"), "{first}");
    assert!(first.contains(r#"source=\"goal\""#), "{first}");
    term.wait_for("ctrl+c quit", WAIT);
    term.submit("/goal");
    let screen = term.wait_for("Status", WAIT);
    assert!(screen.contains("achieved"), "{screen}");
    quit(&mut term);

    let mut term = env.spawn(&["resume", "--last"]);
    term.wait_for("Resumed the session above.", WAIT);
    // The resumed thread reports its goal.
    term.wait_until("the goal after resume", WAIT, |s| {
        s.split("Resumed the session above.")
            .nth(1)
            .is_some_and(|after| after.contains("Goal achieved: Ship the feature"))
    });
    term.submit("/goal clear");
    term.wait_for("Goal cleared.", WAIT);
    quit(&mut term);
}

#[test]
fn plan_mode_cannot_write_shows_the_plan_and_accepting_implements_it() {
    let env = TuiEnv::new();
    let mut term = env.spawn(&[]);
    term.wait_for("Ask Codex to do anything", WAIT);
    term.submit("/plan");
    term.wait_for("Plan mode: Codex reads but changes nothing", WAIT);
    env.server.push_turn(Turn::new().function_call(
        "w1",
        "shell",
        json!({"command": ["touch", "planned.txt"]}),
    ));
    env.server.push_turn(
        Turn::new().text("<proposed_plan>\n1. Create planned.txt\n2. Say so\n</proposed_plan>"),
    );
    term.submit("make planned.txt");
    term.wait_for("Proposed plan", WAIT);
    term.wait_for("Implement this plan?", WAIT);
    assert!(
        !env.workspace().join("planned.txt").exists(),
        "plan mode wrote a file"
    );
    // Accept: the thread's own sandbox again, and the model implements it.
    env.server.push_turn(Turn::new().function_call(
        "w2",
        "shell",
        json!({"command": ["touch", "planned.txt"]}),
    ));
    env.server
        .push_turn(Turn::new().text("Created planned.txt."));
    term.send(b"1");
    term.wait_for("Plan mode off", WAIT);
    term.wait_for("Created planned.txt.", WAIT);
    assert!(env.workspace().join("planned.txt").exists());
    let requests = env.server.requests();
    let last = serde_json::Value::from(requests[3].input()).to_string();
    assert!(last.contains("Implement the plan."), "{last}");
    quit(&mut term);
}
