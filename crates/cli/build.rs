//! Links the release `codex` with its functions in the order a profile saw
//! them run (`symbol-order.txt`, written by `scripts/symbol-order.sh`).
//!
//! Why: the kernel maps a program's code 64 KiB at a time around each page
//! it faults in, and link order follows crates, not use, so the few
//! thousand functions a session runs are spread over the whole 12 MiB of
//! code and map nearly all of it — about 10 MiB of a one-message `codex
//! exec`'s 15.5 MiB peak RSS (docs/benchmarks.md, "exec memory"). Placed
//! together (2.2 MiB of them), they map a fraction of that: the same run's
//! peak is 8.3 MiB.
//!
//! The list names symbols; one that no longer exists is skipped without a
//! warning, and a function missing from it is placed after the listed ones,
//! so a stale list costs memory, never correctness. Only the release build
//! for x86_64 Linux uses it, linked by the toolchain's own LLD (its default
//! there): other linkers do not know the option, so a build that names its
//! linker (`RUSTC_LINKER`, `-C linker…` or `-fuse-ld` in its flags) goes
//! without, as does one with `CODEX_NO_SYMBOL_ORDER` set.

use std::path::Path;

fn main() {
    let order = Path::new("symbol-order.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    println!("cargo:rerun-if-env-changed=CODEX_NO_SYMBOL_ORDER");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let target = std::env::var("TARGET").unwrap_or_default();
    let profile = std::env::var("PROFILE").unwrap_or_default();
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let own_linker = std::env::var_os("RUSTC_LINKER").is_some()
        || flags.contains("linker")
        || flags.contains("fuse-ld");
    if target != "x86_64-unknown-linux-gnu"
        || profile != "release"
        || own_linker
        || !order.exists()
        || std::env::var_os("CODEX_NO_SYMBOL_ORDER").is_some()
    {
        return;
    }
    let Ok(dir) = std::env::var("CARGO_MANIFEST_DIR") else {
        return;
    };
    let path = Path::new(&dir).join(order);
    println!(
        "cargo:rustc-link-arg-bin=codex=-Wl,--symbol-ordering-file={}",
        path.display()
    );
    println!("cargo:rustc-link-arg-bin=codex=-Wl,--no-warn-symbol-ordering");
}
