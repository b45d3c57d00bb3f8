#!/usr/bin/env bash
# Installs the third-party programs the tests talk to (MCP servers and
# clients, the MCP conformance suite, the TypeScript Codex SDK), pinned,
# into target/test-peers.
# .ci/run calls it; run it once locally before `cargo nextest run`.
# Needs node/npm and python3 with venv; only the package registries.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dest="${CODEX_TEST_PEERS:-$PWD/target/test-peers}"
mkdir -p "$dest"
# Reinstalled when the pinned versions change.
stamp="$dest/.installed-$(cat scripts/test-peers/package-lock.json scripts/test-peers/requirements.txt scripts/test-peers/sdk/package-lock.json | sha256sum | cut -c1-16)"
if [[ -f "$stamp" ]]; then
  echo "test peers already installed in $dest"
  exit 0
fi

# npm: MCP reference servers, the inspector CLI (0.15 runs on node 20),
# the conformance suite and node 22 (which the conformance suite needs).
mkdir -p "$dest/npm"
cp scripts/test-peers/package.json scripts/test-peers/package-lock.json "$dest/npm/"
(cd "$dest/npm" && npm ci --no-audit --no-fund --loglevel=error)

# npm: the official TypeScript SDK, which drives `codex exec --experimental-json`.
# Its optional dependency is the reference binary (400 MB), which the tests
# must not use: they point the SDK at ours.
mkdir -p "$dest/sdk"
cp scripts/test-peers/sdk/package.json scripts/test-peers/sdk/package-lock.json "$dest/sdk/"
(cd "$dest/sdk" && npm ci --omit=optional --no-audit --no-fund --loglevel=error)

# PyPI: the official MCP SDK (servers and a client for the tests).
python3 -m venv "$dest/venv"
"$dest/venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/test-peers/requirements.txt

touch "$stamp"
echo "test peers installed in $dest"
