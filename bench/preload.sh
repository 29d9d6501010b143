#!/usr/bin/env bash
# The 10-million-token measurement: introspection of random tokens with N active tokens in the
# store, against the rate with 1 000, and the server's memory per token.
# Usage: bench/preload.sh [N (10000000)]   env: STORE (sqlite), CONNS (64), DURATION (10s),
#        WARMUP (3s), EXTRA_ENV (e.g. TESSERA_HUGE_PAGES=true)
# Each run gets a fresh server. The 1 000-token rate is measured right before and right after
# the preloaded run and averaged: this shared VM's speed drifts by 10-20 % over minutes, which a
# single baseline taken five minutes earlier would fold into the ratio.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
n="${1:-10000000}"; store="${STORE:-sqlite}"
bin="$root/target/release/tessera"; bench="$root/target/release/tessera-bench"
[ -x "$bin" ] && [ -x "$bench" ] || cargo build --release --workspace --manifest-path "$root/Cargo.toml"
out="$root/target/bench-results/preload-$(date -u +%Y%m%dT%H%M%SZ)"; mkdir -p "$out"
key="$("$bin" key generate)"

run() { # $1=label, rest: tessera-bench options; prints the introspection rate
  local label=$1; shift
  local work; work=$(mktemp -d)
  local url="memory://"; [ "$store" = memory ] || url="sqlite://$work/bench.db"
  env ${EXTRA_ENV:-} TESSERA_ADMIN_CLIENT_ID=bench-admin TESSERA_ADMIN_CLIENT_SECRET=bench-admin-secret \
    TESSERA_TOKEN_KEY="$key" TESSERA_LOG=warn TESSERA_MANAGEMENT_LISTEN=127.0.0.1:0 "$bin" serve --listen 127.0.0.1:0 --store "$url" >"$work/out" 2>"$work/err" &
  local pid=$!
  for _ in $(seq 1 100); do grep -q 'listening on' "$work/out" 2>/dev/null && break; sleep 0.1; done
  local base; base=$(sed -n 's/^tessera listening on \(http:[^ ]*\).*/\1/p' "$work/out")
  [ -n "$base" ] || { echo "tessera did not start: $(cat "$work/err")" >&2; exit 1; }
  "$bench" --url "$base" --admin-client-id bench-admin --admin-client-secret bench-admin-secret \
    --connections "${CONNS:-64}" --duration "${DURATION:-10s}" --warmup "${WARMUP:-3s}" \
    --server-pid "$pid" "$@" --json >"$out/$label.json"
  grep VmHWM "/proc/$pid/status" | awk '{printf "%.0f", $2 / 1024}' >"$out/$label.peak-mib"
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$work"
  python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["scenarios"][0]["requests_per_s"]))' "$out/$label.json"
}

echo "== $store, $n tokens; results in $out"
before=$(run before --scenarios introspect --tokens 1000); echo "1 000 tokens (before): $before req/s"
big=$(run preloaded --preload "$n"); echo "$n tokens: $big req/s"
after=$(run after --scenarios introspect --tokens 1000); echo "1 000 tokens (after): $after req/s"
python3 - "$out/preloaded.json" "$before" "$after" "$(cat "$out/preloaded.peak-mib")" <<'PY' | tee "$out/summary.txt"
import json, sys
r = json.load(open(sys.argv[1])); p = r["preload"]
before, after, peak = float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
big = r["scenarios"][0]["requests_per_s"]
mib = 1024 * 1024
print(f"preload {p['tokens']} tokens in {p['seconds']:.0f} s; RSS {p['rss_before_bytes'] / mib:.1f} -> "
      f"{p['rss_after_bytes'] / mib:.1f} MiB (peak {peak} MiB), {p['rss_bytes_per_token']:.0f} bytes/token")
print(f"introspection: {big:.0f} req/s among {p['tokens']}, {before:.0f} / {after:.0f} among 1000: "
      f"{100 * big / ((before + after) / 2):.0f} %")
PY
