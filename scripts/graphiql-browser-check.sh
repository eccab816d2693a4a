#!/usr/bin/env bash
# GraphiQL in a real headless Chromium with no network but 127.0.0.1 (run by
# .ci/run): seed the demo data (scale 0.01) into a fresh SQLite file, start
# `csc serve --dev` on a free loopback port, and run
# scripts/graphiql-browser-check.mjs: the page renders, the first tab runs
# anonymously and shows courses, "Sign in as" fills a working token, the
# Content-Security-Policy blocks nothing and no request leaves 127.0.0.1.
# Installs Chromium (Debian's package) when it is missing. Every step is
# bounded in time; the server is stopped on exit. The screenshot is left in
# target/graphiql-check.png.
#
# Usage: bash scripts/graphiql-browser-check.sh [path/to/csc]   (default target/debug/csc)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
csc="$(realpath -m "${1:-$root/target/debug/csc}")"
[ -x "$csc" ] || { echo "no csc binary at $csc: build it first (cargo build)" >&2; exit 1; }

if ! command -v chromium >/dev/null 2>&1; then
  echo "-- installing chromium (Debian)"
  timeout 600 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null 2>&1; then
  echo "-- installing nodejs (Debian)"
  timeout 600 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq nodejs >/dev/null
fi
chromium --version

tmp="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "$*" >&2
  echo "-- csc serve log (last 40 lines)" >&2
  tail -n 40 "$tmp/server.log" >&2 || true
  exit 1
}

export DATABASE_URL="sqlite://$tmp/csc.db?mode=rwc"
echo "-- csc seed-demo --scale 0.01"
timeout 120 "$csc" seed-demo --scale 0.01 >/dev/null

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "-- csc serve --dev on 127.0.0.1:$port"
(cd "$tmp" && exec env -u JWT_SECRET -u JWT_PUBLIC_KEY_FILE BIND="127.0.0.1:$port" RUST_LOG=warn \
  OPERATIONS_ALLOWLIST="$tmp/operations.json" timeout 600 "$csc" serve --dev) >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || fail "csc serve exited"
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || fail "csc serve is not ready"

echo "-- headless Chromium"
mkdir -p "$root/target"
timeout 180 node "$root/scripts/graphiql-browser-check.mjs" "http://127.0.0.1:$port/graphql" \
  --sign-in --screenshot "$root/target/graphiql-check.png" || fail "the GraphiQL browser check failed"
