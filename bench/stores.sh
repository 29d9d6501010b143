#!/usr/bin/env bash
# Measures token issuance and introspection on each store with the shared wrk harness
# (../shared/peers/bench/bench.sh), one store after another in one sitting.
# Usage: bench/stores.sh [memory sqlite sqlite-normal postgres mysql cassandra ceiling]
#        env: DURATION (5s), CONNS (32), WARMUP (2s), THREADS (wrk's, 2), WORKERS (the server's, 0 = per core),
#             FORMATS (access token formats measured on each store, one client each: "opaque" by
#             default, "opaque jwt" for JWT access tokens beside opaque ones; a jwt row's label ends in -jwt)
# sqlite-normal: the SQLite store with TESSERA_SQLITE__SYNCHRONOUS=normal (WAL without an fsync per
# commit: survives a killed process, not a power cut). ceiling: not Tessera but `tessera-ceiling`,
# a bare hyper server answering a fixed body, served the same way: what the machine leaves.
# cassandra: a fresh keyspace on the node of CASSANDRA (127.0.0.1:9042; `bash scripts/services
# cassandra` starts one), LOCAL_QUORUM both ways, dropped afterwards.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
harness="${HARNESS:-$root/../shared/peers/bench/bench.sh}"
bin="$root/target/release/tessera"; ceiling="$root/target/release/tessera-ceiling"
[ -x "$bin" ] && [ -x "$ceiling" ] || cargo build --release --bin tessera --bin tessera-ceiling --manifest-path "$root/Cargo.toml"
label_suffix=""; [ -z "${WORKERS:-}" ] || label_suffix="-w${WORKERS}"; [ -z "${THREADS:-}" ] || label_suffix="$label_suffix-t${THREADS}"
export RESULTS_DIR="${RESULTS_DIR:-$root/target/bench-results}"
export DURATION="${DURATION:-5s}" WARMUP="${WARMUP:-2s}" WAIT_IDLE="${WAIT_IDLE:-20}"
key="$("$bin" key generate)"
[ $# -gt 0 ] || set -- memory sqlite postgres mysql

bench_store() { # $1=label $2=store url
  local work; work=$(mktemp -d)
  env ${EXTRA_ENV:-} TESSERA_WORKERS="${WORKERS:-0}" TESSERA_ADMIN_CLIENT_ID=bench-admin TESSERA_ADMIN_CLIENT_SECRET=bench-admin-secret \
    TESSERA_TOKEN_KEY="$key" TESSERA_LOG=warn TESSERA_MANAGEMENT_LISTEN=127.0.0.1:0 "$bin" serve --listen 127.0.0.1:0 --store "$2" >"$work/out" 2>"$work/err" &
  local pid=$!
  for _ in $(seq 1 100); do grep -q 'listening on' "$work/out" 2>/dev/null && break; sleep 0.1; done
  local base; base=$(sed -n 's/^tessera listening on \(http:[^ ]*\).*/\1/p' "$work/out")
  local admin; admin=$(curl -s -u bench-admin:bench-admin-secret -d grant_type=client_credentials "$base/oauth/token" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  curl -s -o /dev/null -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d '{"id":"bench"}' "$base/admin/tenants"
  local format client secret label
  for format in ${FORMATS:-opaque}; do
    client=bench-client; label="tessera-$1$label_suffix"
    [ "$format" = opaque ] || { client="bench-client-$format"; label="$label-$format"; }
    secret=$(curl -s -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
      -d "{\"client_id\":\"$client\",\"scopes\":[\"read\"],\"access_token_format\":\"$format\"}" \
      "$base/admin/tenants/bench/clients" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
    "$harness" "${base##*:}" "$client" "$secret" /oauth/token /oauth/introspect "$label" || true
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}

db=tessera_bench_$$
for store in "$@"; do
  case "$store" in
    memory) bench_store memory memory:// ;;
    sqlite) dir=$(mktemp -d); bench_store sqlite "sqlite://$dir/bench.db"; rm -rf "$dir" ;;
    sqlite-normal)
      dir=$(mktemp -d)
      EXTRA_ENV=TESSERA_SQLITE__SYNCHRONOUS=normal bench_store sqlite-normal "sqlite://$dir/bench.db"
      rm -rf "$dir" ;;
    postgres)
      psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $db"
      bench_store postgres "postgres://postgres@127.0.0.1:5432/$db"
      psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE $db WITH (FORCE)" ;;
    ceiling)
      work=$(mktemp -d)
      "$ceiling" --workers "${WORKERS:-0}" >"$work/out" &
      pid=$!
      for _ in $(seq 1 100); do grep -q 'listening on' "$work/out" 2>/dev/null && break; sleep 0.1; done
      port=$(sed -n 's/^listening on http:.*:\([0-9]*\)$/\1/p' "$work/out")
      "$harness" "$port" bench-client bench-secret /oauth/token /oauth/introspect "ceiling$label_suffix" || true
      kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$work" ;;
    mysql)
      mariadb -h 127.0.0.1 -u root -e "CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
      bench_store mysql "mysql://root@127.0.0.1:3306/$db"
      mariadb -h 127.0.0.1 -u root -e "DROP DATABASE $db" ;;
    cassandra)
      node="${CASSANDRA:-127.0.0.1:9042}"
      bench_store cassandra "cassandra://$node/$db"
      "$root/scripts/cassandra/cql-probe" --exec "DROP KEYSPACE IF EXISTS $db" "${node%:*}" "${node##*:}" >/dev/null ;;
    *) echo "unknown store $store" >&2; exit 2 ;;
  esac
done
