//! The reference's apply-patch scenarios (`conformance/apply-patch`), run as
//! its SOURCE.md describes: copy `input/` to a temporary directory, run the
//! `apply_patch` program there with `patch.txt` as its single argument, and
//! compare the final tree with `expected/` byte for byte. The exit code is not
//! part of the expectation.
//!
//! The one documented difference: in `015_failure_after_partial_success_leaves_changes`
//! the reference leaves the first file written; this implementation is atomic,
//! so the expected tree is the unchanged input (empty).

use std::path::{Path, PathBuf};
use std::process::Command;

use pretty_assertions::assert_eq;

use super::tree::{copy_tree, snapshot};

const ATOMIC_DIFFERENCE: &str = "015_failure_after_partial_success_leaves_changes";

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/apply-patch/scenarios")
}

#[test]
fn every_scenario_produces_the_expected_tree() {
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    scenarios.sort();
    assert_eq!(scenarios.len(), 23, "the suite has 23 scenarios");

    let mut failures = Vec::new();
    for scenario in &scenarios {
        let name = scenario.file_name().unwrap().to_string_lossy().into_owned();
        let work = tempfile::tempdir().unwrap();
        copy_tree(&scenario.join("input"), work.path());
        let patch = std::fs::read_to_string(scenario.join("patch.txt")).unwrap();

        let output = Command::new(env!("CARGO_BIN_EXE_apply_patch"))
            .arg(&patch)
            .current_dir(work.path())
            .output()
            .unwrap();

        let expected_root = if name == ATOMIC_DIFFERENCE {
            scenario.join("input")
        } else {
            scenario.join("expected")
        };
        let expected = snapshot(&expected_root);
        let actual = snapshot(work.path());
        if actual != expected {
            failures.push(format!(
                "{name}: trees differ\n  expected: {:?}\n  actual:   {:?}\n  stdout: {}\n  stderr: {}",
                expected.keys().collect::<Vec<_>>(),
                actual.keys().collect::<Vec<_>>(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
            ));
        }
    }
    assert_eq!(failures, Vec::<String>::new());
}

#[test]
fn the_atomic_difference_is_a_real_failure() {
    // The reference writes created.txt and then fails; we fail without writing.
    let scenario = scenarios_dir().join(ATOMIC_DIFFERENCE);
    let work = tempfile::tempdir().unwrap();
    let patch = std::fs::read_to_string(scenario.join("patch.txt")).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_apply_patch"))
        .arg(&patch)
        .current_dir(work.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("missing.txt"), "{stderr}");
    assert!(stderr.contains("No files were changed."), "{stderr}");
    assert!(snapshot(work.path()).is_empty());
    assert!(scenario.join("expected/created.txt").exists());
}
