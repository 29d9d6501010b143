# Shared by the .ci scripts that drive a real server from outside (schemathesis, stock clients):
# a Python virtualenv under target/ and a tessera process on port 0 with a known admin client.
# Source it after `cd` to the repository root; it sets `root`, `work`, `server_pid` and `base`.
root=$PWD
VENV=${VENV:-target/ci-venv} # target/ is git-ignored; the virtualenv is reused when it still works

# ci_venv REQUIREMENT...: the virtualenv with exactly these pinned packages installed (a no-op, and no
# network, when they are there already).
ci_venv() {
  if ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
    rm -rf "$VENV"
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "$@"
}

work=$(mktemp -d)
server_pid=
base=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# start_tessera ADMIN_ID ADMIN_SECRET: builds the binary and starts it with the memory store on a
# free port; sets `base` to its URL.
start_tessera() {
  echo "== cargo build (the server binary)"
  cargo build --bin tessera
  echo "== starting tessera (memory store, port 0)"
  # Started from an empty directory so no tessera.toml or key file of the checkout is picked up.
  (
    cd "$work"
    TESSERA_ADMIN_CLIENT_ID=$1 TESSERA_ADMIN_CLIENT_SECRET=$2 TESSERA_LOG=warn TESSERA_MANAGEMENT_LISTEN=127.0.0.1:0 \
      exec "$root/target/debug/tessera" serve --listen 127.0.0.1:0 --store memory://
  ) >"$work/server.out" 2>"$work/server.err" </dev/null &
  server_pid=$!
  for _ in $(seq 1 100); do
    base=$(sed -n 's|^tessera listening on \(http://[^ ]*\) .*|\1|p' "$work/server.out")
    [ -n "$base" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$base" ]; then
    echo "tessera did not start:" >&2
    cat "$work/server.out" "$work/server.err" >&2
    exit 1
  fi
  echo "   listening on $base"
}
