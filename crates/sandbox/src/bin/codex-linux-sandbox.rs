//! The sandbox helper as a program of its own (the `codex` binary also plays
//! it when invoked as `codex-linux-sandbox`).

#[cfg(target_os = "linux")]
fn main() -> std::process::ExitCode {
    codex_sandbox::linux::run_main()
}

#[cfg(not(target_os = "linux"))]
fn main() -> std::process::ExitCode {
    eprintln!("codex-linux-sandbox only runs on Linux");
    std::process::ExitCode::from(codex_sandbox::SETUP_FAILED_EXIT_CODE as u8)
}
