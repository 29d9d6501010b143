#!/usr/bin/env bash
# One sitting, one command: node-oidc-provider and Tessera measured by the same wrk scripts
# (../shared/peers/bench/bench.sh), then Tessera's own scenarios with tessera-bench.
#
# Usage: bench/compare.sh            env: DURATION (10s) WARMUP (3s) CONNS (32) THREADS (2)
#        STORES ("ceiling memory sqlite": what bench.sh measures; `ceiling` is the bare hyper
#        server of bench/ceiling), SPLIT_STORES ("ceiling memory sqlite", or "" to skip the split
#        run), PRELOAD (200000), SKIP_NODE=1
# The split run measures node-oidc-provider and SPLIT_STORES again with one wrk thread and one
# server worker (Tessera's `workers = 1`; node is single-threaded anyway), so that the load
# generator and the server each have a core instead of four busy threads time-sharing two.
# Everything lands in target/bench-results/compare-TIMESTAMP/; the last lines printed are the
# summary (one wrk SUMMARY line per run, then the tessera-bench tables).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
peers="${PEERS:-$root/../shared/peers}"
export DURATION="${DURATION:-10s}" WARMUP="${WARMUP:-3s}" CONNS="${CONNS:-32}" THREADS="${THREADS:-2}"
export WAIT_IDLE="${WAIT_IDLE:-60}" # both sides wait the same for a quiet machine
stores="${STORES:-ceiling memory sqlite}"; split_stores="${SPLIT_STORES-ceiling memory sqlite}"
preload="${PRELOAD:-200000}"
out="$root/target/bench-results/compare-$(date -u +%Y%m%dT%H%M%SZ)"; mkdir -p "$out"
export RESULTS_DIR="$out"

# The project's own files install what the run needs: wrk from Debian, the peer from npm (start.sh).
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ -x "$peers/bench/bench.sh" ] || { echo "no peer harness at $peers/bench" >&2; exit 1; }
echo "== cargo build --release --workspace"
cargo build --release --workspace --manifest-path "$root/Cargo.toml"
bin="$root/target/release/tessera"; bench="$root/target/release/tessera-bench"

echo "== machine: $(nproc) cores, $(uname -r), loadavg $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/machine.txt"

# 1. node-oidc-provider: started, measured and stopped by the peers' own script. Its start.sh
#    installs the package on first use, which can outlast bench-all.sh's 30 s start-up wait: do it here.
if [ -z "${SKIP_NODE:-}" ]; then
  node_dir="$peers/node-oidc-provider"
  [ -d "$node_dir/node_modules/oidc-provider" ] ||
    (cd "$node_dir" && npm install --no-audit --no-fund oidc-provider@9.13.3)
  echo "== node-oidc-provider (bench-all.sh node)"
  "$peers/bench/bench-all.sh" node
fi

# 2. Tessera through the same bench.sh, one store after another (bench/stores.sh).
echo "== tessera via bench.sh: $stores"
# shellcheck disable=SC2086 # one argument per store
HARNESS="$peers/bench/bench.sh" "$here/stores.sh" $stores

# 2b. The same with one core for the load generator and one for the server.
if [ -n "$split_stores" ]; then
  mkdir -p "$out/split"
  if [ -z "${SKIP_NODE:-}" ]; then
    echo "== split: node-oidc-provider, wrk -t1"
    RESULTS_DIR="$out/split" THREADS=1 "$peers/bench/bench-all.sh" node
  fi
  echo "== split: tessera via bench.sh, wrk -t1, workers = 1: $split_stores"
  # shellcheck disable=SC2086 # one argument per store
  RESULTS_DIR="$out/split" THREADS=1 WORKERS=1 HARNESS="$peers/bench/bench.sh" "$here/stores.sh" $split_stores
fi

# 3. tessera-bench: every scenario, then a preload with the server's memory, each on a fresh
#    memory-store server so the RSS baseline holds nothing but the bench tenant.
server_pid=
stop_server() { [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=; }; }
trap stop_server EXIT
start_server() {
  TESSERA_ADMIN_CLIENT_ID=bench-admin TESSERA_ADMIN_CLIENT_SECRET=bench-admin-secret TESSERA_LOG=warn TESSERA_MANAGEMENT_LISTEN=127.0.0.1:0 \
    "$bin" serve --listen 127.0.0.1:0 --store memory:// >"$out/server.out" 2>"$out/server.err" &
  server_pid=$!
  for _ in $(seq 1 100); do grep -q 'listening on' "$out/server.out" 2>/dev/null && break; sleep 0.1; done
  base=$(sed -n 's/^tessera listening on \(http:[^ ]*\).*/\1/p' "$out/server.out")
  [ -n "$base" ] || { echo "tessera did not start: $(cat "$out/server.err")" >&2; exit 1; }
}
run_bench() { # $1=label, rest: tessera-bench options
  local label=$1; shift
  "$bench" --url "$base" --admin-client-id bench-admin --admin-client-secret bench-admin-secret \
    --connections "$CONNS" --duration "$DURATION" --warmup "$WARMUP" "$@" --json >"$out/$label.json"
  python3 - "$out/$label.json" >"$out/$label.txt" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
p = r.get("preload")
if p:
    print(f"preload {p['tokens']} tokens in {p['seconds']:.1f} s; RSS {p['rss_before_bytes']/2**20:.1f} -> "
          f"{p['rss_after_bytes']/2**20:.1f} MiB; {p['rss_bytes_per_token']:.0f} bytes/token")
for s in r["scenarios"]:
    l = s["latency_ms"]
    print(f"{s['scenario']:<12} {s['requests_per_s']:>10.0f} req/s  p50 {l['p50']:.2f}  p90 {l['p90']:.2f}  "
          f"p99 {l['p99']:.2f}  p99.9 {l['p99_9']:.2f} ms  errors {s['errors']}")
EOF
}
echo "== tessera-bench: all scenarios (memory store, -c $CONNS, $DURATION)"
start_server; run_bench scenarios; stop_server
echo "== tessera-bench: --preload $preload (memory store)"
start_server; run_bench preload --preload "$preload" --server-pid "$server_pid"; stop_server

echo; echo "== summary ($out)"
# bench.sh runs issuance first, then introspection: one SUMMARY line each.
for f in "$out"/node-oidc-provider-*.txt "$out"/ceiling*.txt "$out"/tessera-*.txt \
  "$out"/split/node-oidc-provider-*.txt "$out"/split/ceiling*.txt "$out"/split/tessera-*.txt; do
  [ -f "$f" ] || continue
  echo "${f#"$out"/}"; grep '^SUMMARY' "$f" | sed 's/^SUMMARY /  /' | paste -d' ' <(printf '  issue\n  introspect\n') -
done
cat "$out/scenarios.txt" "$out/preload.txt"
