#!/usr/bin/env bash
# Not CI. A two-node Cassandra cluster (127.0.0.2 and 127.0.0.3, CQL 9042, cluster
# tessera-two-node, replication factor 2; the shared 127.0.0.1:9042 instance keeps running), two
# Tessera nodes on it, client_credentials load over both, and one Cassandra node SIGKILLed under
# load. Twice: at the default LOCAL_QUORUM (with RF 2 a quorum is both replicas, so a dead
# replica fails every request: what QUORUM costs), then at ONE/ONE (the load goes on; what it
# gives up shows when the dead node comes back). Each phase reports errors and latencies before
# and after the kill, restarts the node, and introspects every answered token.
# Needs the jars of `bash scripts/services cassandra` and a built tessera (release if present).
# Usage: scripts/cassandra-two-node.sh      env: SECONDS_LOAD (20), KILL_AT (8), THREADS (16)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(dirname "$here")"
# shellcheck source=services
source "$here/services"
base_dir=${TWO_NODE_HOME:-/tmp/tessera-cassandra-two-node}
load_s=${SECONDS_LOAD:-20}; kill_at=${KILL_AT:-8}; threads=${THREADS:-16}
bin="$root/target/release/tessera"; [ -x "$bin" ] || bin="$root/target/debug/tessera"
[ -x "$bin" ] || die "build tessera first (cargo build --release --bin tessera)"
[ -d "$CASS_HOME/lib" ] || die "no Cassandra jars in $CASS_HOME/lib: run bash scripts/services cassandra once"
check="$here/cassandra/load-check"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# node N IP JMX: a node's config (the services script's single-node files, then its own addresses).
node_config() {
  local home=$base_dir/n$1
  CASS_HOME=$home CASS_LOG=$home/log/system.log cass_config
  sed -i -e "s/^cluster_name: .*/cluster_name: tessera-two-node/" -e "s/seeds: .*/seeds: \"127.0.0.2:7000\"/" \
    -e "s/^listen_address: .*/listen_address: $2/" -e "s/^rpc_address: .*/rpc_address: $2/" "$home/conf/cassandra.yaml"
}
node_start() { # N IP JMX
  local home=$base_dir/n$1
  cass_flags "$home" "$3"
  (cd "$home" && exec setsid "$CASS_JAVA" "${CASS_FLAGS[@]}" -Dcassandra.ring_delay_ms=1000 \
    -cp "$home/conf:$CASS_HOME/lib/*" org.apache.cassandra.service.CassandraDaemon </dev/null \
    >>"$home/log/stdout.log" 2>&1) &
  echo $! >"$home/pid"; pids+=("$(cat "$home/pid")")
  local t0=$SECONDS
  until /usr/bin/python3 "$CASS_DIR/cql-probe" "$2" 9042 2 >/dev/null 2>&1; do
    kill -0 "$(cat "$home/pid")" 2>/dev/null || die "node $1 exited; see $home/log/system.log"
    [ $((SECONDS - t0)) -lt 180 ] || die "node $1 not answering on $2:9042"
    sleep 1
  done
  echo "cassandra node $1 ($2) up in $((SECONDS - t0)) s"
}
tessera_start() { # STORE_URL VAR: starts a node, its base URL in VAR
  local work; work=$(mktemp -d -p "$base_dir")
  env TESSERA_ADMIN_CLIENT_ID=two-admin TESSERA_ADMIN_CLIENT_SECRET=two-admin-secret TESSERA_TOKEN_KEY="$key" \
    TESSERA_LOG=warn TESSERA_MANAGEMENT_LISTEN=off "$bin" serve --listen 127.0.0.1:0 --store "$1" \
    >"$work/out" 2>"$work/err" &
  pids+=("$!")
  for _ in $(seq 1 300); do grep -q 'listening on' "$work/out" 2>/dev/null && break; sleep 0.1; done
  printf -v "$2" '%s' "$(sed -n 's/^tessera listening on \(http:[^ ]*\).*/\1/p' "$work/out")"
  [ -n "${!2}" ] || die "tessera did not start: $(cat "$work/err")"
}

rm -rf "$base_dir"; mkdir -p "$base_dir"
key="$("$bin" key generate)"
node_config 1 127.0.0.2; node_config 2 127.0.0.3
node_start 1 127.0.0.2 7299
node_start 2 127.0.0.3 7399

phase() { # NAME QUERY
  local ks=tessera_two_$1 store a b
  store="cassandra://127.0.0.2:9042,127.0.0.3:9042/$ks?replication_factor=2$2"
  echo; echo "== phase $1: $store"
  tessera_start "$store" a; tessera_start "$store" b
  local admin secret
  admin=$(curl -s -u two-admin:two-admin-secret -d grant_type=client_credentials "$a/oauth/token" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  curl -s -o /dev/null -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d '{"id":"two"}' "$a/admin/tenants"
  secret=$(curl -s -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"client_id":"two-client","scopes":["read"]}' "$a/admin/tenants/two/clients" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
  "$check" load "$load_s" "$threads" "$base_dir/$1.jsonl" two-client "$secret" "$a" "$b" &
  local load=$!
  sleep "$kill_at"
  kill -9 "$(cat "$base_dir/n2/pid")"; echo "SIGKILLed cassandra node 2 (127.0.0.3) at ~${kill_at} s"
  wait "$load"
  "$check" report "$base_dir/$1.jsonl" "$kill_at"
  node_start 2 127.0.0.3 7399
  sleep 5 # gossip marks it up on node 1 and on the drivers
  "$check" check "$base_dir/$1.jsonl" two-client "$secret" "$a"
}
phase local_quorum ""
phase one "&read_consistency=ONE&write_consistency=ONE"
