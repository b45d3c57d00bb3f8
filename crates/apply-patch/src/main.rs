//! The standalone `apply_patch` program (also reachable as `codex` invoked
//! under the name `apply_patch`).

fn main() -> std::process::ExitCode {
    codex_apply_patch::run_main()
}
