#!/usr/bin/env bash
# The TypeScript client example, end to end (run by .ci/run):
# install with `npm ci`, generate the types, typecheck, then start
# `csc serve` on a free loopback port with a fresh SQLite database, seed one
# published course in an open early call, and run the example as an
# applicant (twice: the second run finds the registration and the
# application already there), then the same operations with Apollo Client
# (src/apollo.ts) and urql (src/urql.ts) in their default settings; the urql
# run checks that its queries went as GET and its mutation as POST. Every
# step is bounded in time; the server is stopped on exit.
#
# Usage: bash examples/typescript/ci.sh [path/to/csc]   (default target/debug/csc)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
csc="$(realpath -m "${1:-$here/../../target/debug/csc}")"
cd "$here"
[ -x "$csc" ] || { echo "no csc binary at $csc: build it first (cargo build)" >&2; exit 1; }

echo "-- npm ci"
timeout 600 npm ci --no-audit --no-fund
echo "-- codegen"
timeout 120 npm run --silent codegen
echo "-- typecheck"
timeout 120 npx tsc --noEmit

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

port="$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"
JWT_SECRET="$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')"
export JWT_SECRET
url="http://127.0.0.1:$port"

echo "-- csc serve on $url (SQLite in $tmp)"
DATABASE_URL="sqlite://$tmp/csc.db?mode=rwc" BIND="127.0.0.1:$port" RUST_LOG=warn \
  "$csc" serve >"$tmp/server.log" 2>&1 &
server=$!
ready=""
for _ in $(seq 1 120); do
  kill -0 "$server" 2>/dev/null || fail "csc serve exited early"
  if timeout 5 node -e "fetch('$url/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
    ready=yes
    break
  fi
  sleep 0.5
done
[ -n "$ready" ] || fail "csc serve was not ready within 60 s"

echo "-- seed"
CSC_URL="$url/graphql" \
  CSC_ADMIN_TOKEN="$("$csc" token --role ADMIN --sub ci-board)" \
  CSC_SOCIETY_TOKEN="$("$csc" token --role SOCIETY --society INTERNAL_MEDICINE --sub ci-society)" \
  timeout 60 npx tsx scripts/seed.ts || fail "seeding failed"

applicant="$("$csc" token --role APPLICANT --sub ci-doctor-0001)"
for run in first second; do
  echo "-- example ($run run)"
  CSC_URL="$url/graphql" CSC_TOKEN="$applicant" timeout 60 npm run --silent start \
    || fail "the example failed"
done
for client in apollo urql; do
  echo "-- $client"
  CSC_URL="$url/graphql" CSC_TOKEN="$applicant" timeout 60 npm run --silent "$client" \
    || fail "the $client example failed"
done
echo "TypeScript example: ok"
