//! The baseline for `size_probe`: the same shape of program without rules.

fn main() {
    let files: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    println!("{files:?}");
}
