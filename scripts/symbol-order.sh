#!/usr/bin/env bash
# Regenerates crates/cli/symbol-order.txt, the order in which the release
# `codex` is linked (see crates/cli/build.rs for why).
#
# Links the release `codex` once more with its symbols kept (the same build
# otherwise: any other difference, even in the profile, renames every
# symbol), runs the exec_session benchmark's workloads (start-up, a
# one-message run, 100 tool calls) with it under callgrind, and lists every
# function of the binary that ran, in the order callgrind first met it.
# Takes about 15 minutes on two cores; needs valgrind. The next ordinary
# build links `codex` again, stripped and in the new order.
#
#   bash scripts/symbol-order.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bench_log=$out/bench.log

# The benchmark program first: building it links `codex` the ordinary way.
cargo bench --locked -p codex-cli --bench exec_session --no-run 2>"$bench_log"
bench=$(sed -n 's/.*Executable benches\/exec_session.rs (\(.*\))/\1/p' "$bench_log")
# Then `codex` again, unstripped, and linked without the old order (the
# list must not shape the build that profiles it).
CODEX_NO_SYMBOL_ORDER=1 cargo rustc --locked --release -p codex-cli --bin codex -- -C strip=none
EXEC_SESSION_CALLS=0,100 EXEC_SESSION_CODEX="$PWD/target/release/codex" \
  EXEC_SESSION_WRAP="valgrind --tool=callgrind --demangle=no --dump-instr=no --callgrind-out-file=$out/cg.%p" \
  "$bench" --bench

# Function names as callgrind first saw them (fn= and cfn= lines name a
# function once, with an id), kept if the binary defines them as code.
nm --defined-only target/release/codex | awk '$2 ~ /^[tTwW]$/ { print $3 }' | sort -u >"$out/defined"
for file in "$out"/cg.*; do
  sed -n 's/^c\?fn=([0-9]*) //p' "$file"
done | awk '!seen[$0]++' >"$out/ran"
awk 'NR == FNR { defined[$0] = 1; next } defined[$0]' "$out/defined" "$out/ran" \
  >crates/cli/symbol-order.txt
wc -l crates/cli/symbol-order.txt
