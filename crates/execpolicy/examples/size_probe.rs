//! Measures what command rules add to a release binary: loads the rule
//! files named on the command line and prints the verdict on a script.
//! Compare its size with `size_baseline` (same profile, no rules):
//! `cargo build --release -p codex-execpolicy --examples`.

fn main() {
    let files: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    match codex_execpolicy::loader::load_files(&files) {
        Ok(policy) => {
            let argv = ["bash", "-lc", "cd x && git push"].map(String::from);
            println!("{:?}", codex_execpolicy::assess::assess(&policy, &argv));
        }
        Err(err) => eprintln!("{err}"),
    }
}
