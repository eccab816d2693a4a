#!/usr/bin/env bash
# The container image, end to end, without a Docker engine or a registry
# (what .ci/run runs; also by hand, as root, with PostgreSQL on 127.0.0.1:5432):
#   1. compose.yaml is valid Compose (docker-compose config);
#   2. the bases are made from Debian packages (deploy/local-bases.sh) and the
#      Dockerfile is built with buildah (chroot isolation, cached layers, the
#      Dockerfile's cargo cache mounts);
#   3. the image's own entrypoint is started as the image's own user, in the
#      image's root file system (buildah run --isolation chroot, which shares
#      this machine's network: it listens on 127.0.0.1 only), against a fresh
#      PostgreSQL database;
#   4. its HEALTHCHECK command passes, one query and one mutation go through
#      it, it runs as non-root with --production, and the image is < 40 MB.
# Every wait is bounded; the server, the container and the database are
# removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

image=localhost/csc:check
max_image_bytes=40000000
pg=(-h 127.0.0.1 -p 5432 -U postgres)

say() { printf -- '-- %s\n' "$*"; }
fail() { printf 'check-image: %s\n' "$*" >&2; exit 1; }

# --- tools ---------------------------------------------------------------------
missing=()
for tool in buildah podman mmdebstrap docker-compose; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  timeout 300 apt-get update -qq
  # docker-compose: Debian's (1.29, Python); the Docker engine it recommends is not wanted.
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends \
    buildah podman mmdebstrap docker-compose >/dev/null
fi

# --- 1. compose.yaml ---------------------------------------------------------
# docker-compose validates against the Compose schema (podman-compose 1.0.3,
# Debian's, has no `config` command). tests/api/deployment.rs checks that
# its variables are the README's.
say "compose.yaml: docker-compose config"
JWT_SECRET=compose-config-check-compose-config-check \
  timeout 60 docker-compose --file compose.yaml config --quiet

# --- 2. bases and image ----------------------------------------------------------
say "bases from Debian packages"
timeout 1200 bash deploy/local-bases.sh
build_args=$(bash deploy/local-bases.sh --print-build-args)

say "buildah bud (a first build compiles every crate in release)"
started=$SECONDS
# shellcheck disable=SC2086 # build_args is two --build-arg options
timeout 2700 buildah bud --quiet --isolation chroot --format docker --layers --force-rm \
  $build_args --tag "$image" . >/dev/null
say "built in $((SECONDS - started)) s"
# Untagged images (earlier builds, their build stages) older than a day: the
# disk stays bounded, while a rebuild of the same sources within a day still
# finds its layers (a fresh copy of the sources would make cargo recompile
# csc: about 10 minutes). The bases, the tagged image and the cache mounts stay.
podman image prune --force --filter until=24h >/dev/null

size=$(podman image inspect --format '{{.Size}}' "$image")
# The image's Docker configuration (`buildah inspect` templates have no json).
config() { # config FIELD → its value; a list as one word per line
  buildah inspect --type image "$image" | python3 -c '
import json, sys
value = json.load(sys.stdin)["Docker"]["config"]
for key in sys.argv[1].split("."):
    value = (value or {}).get(key)
print("\n".join(value) if isinstance(value, list) else (value or ""))' "$1"
}
user=$(config User)
mapfile -t entrypoint < <(config Entrypoint)
mapfile -t healthcheck < <(config Healthcheck.Test)

say "image size: $size bytes ($((size / 1000000)) MB)"
[ "$size" -lt "$max_image_bytes" ] || fail "the image has $size bytes, over $max_image_bytes"
case "${user%%:*}" in
  "" | 0 | root) fail "the image runs as root (USER '$user')" ;;
esac
say "image user: $user; entrypoint: ${entrypoint[*]}; health check: ${healthcheck[*]}"
[ "${entrypoint[*]}" = "csc serve --production" ] || fail "the entrypoint is not 'csc serve --production'"
[ "${healthcheck[0]:-}" = CMD ] || fail "the HEALTHCHECK is not an exec-form CMD: ${healthcheck[*]}"
healthcheck=("${healthcheck[@]:1}")

# --- 3. start it against a fresh database -----------------------------------------
db="csc_image_$(date +%s)_$$"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
work=$(mktemp -d)
container=""
server_pid=""
listener=""
cleanup() {
  [ -z "$listener" ] || kill "$listener" 2>/dev/null || true
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  [ -z "$container" ] || buildah rm "$container" >/dev/null 2>&1 || true
  psql -q "${pg[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -q "${pg[@]}" -d postgres -c "CREATE DATABASE $db"
container=$(buildah from --pull=never "$image")
# The image's configuration, with the database, the secret and a loopback
# address of this run (the image's BIND, 0.0.0.0:8080, would listen on every
# interface of this machine: chroot isolation has no network of its own).
env=(
  --env "DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db"
  --env "JWT_SECRET=$secret"
  --env "BIND=127.0.0.1:$port"
)
in_image=(buildah run --isolation chroot --user "$user" "${env[@]}" "$container" --)

say "starting '${entrypoint[*]}' as $user on 127.0.0.1:$port, database $db"
"${in_image[@]}" "${entrypoint[@]}" >"$work/serve.log" 2>&1 &
server_pid=$!

say "waiting for the health check (${healthcheck[*]}), at most 120 s"
healthy=false
for _ in $(seq 1 120); do
  if timeout 10 "${in_image[@]}" "${healthcheck[@]}" >/dev/null 2>&1; then
    healthy=true
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; fail "the server exited"; }
  sleep 1
done
$healthy || { cat "$work/serve.log" >&2; fail "the health check did not pass within 120 s"; }
say "healthy"

# --- 4. what runs, and through it a query and a mutation ---------------------------
listener=$(ss -Hltnp "sport = :$port" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
[ -n "$listener" ] || fail "no process listens on 127.0.0.1:$port"
uid=$(awk '/^Uid:/ { print $3 }' "/proc/$listener/status")
cmdline=$(tr '\0' ' ' <"/proc/$listener/cmdline")
say "listening process $listener: uid $uid, '$cmdline'"
[ "$uid" != 0 ] || fail "the server runs as root"
[ "$uid" = "${user%%:*}" ] || fail "the server runs as uid $uid, not the image's user $user"
case " $cmdline " in
  *" --production "*) ;;
  *) fail "the server was not started with --production" ;;
esac

graphql() { # graphql QUERY [TOKEN] → the response body
  local body auth=()
  body=$(python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1]}))' "$1")
  [ -z "${2:-}" ] || auth=(-H "Authorization: Bearer $2")
  curl -fsS --max-time 10 -H 'Content-Type: application/json' "${auth[@]}" \
    --data "$body" "http://127.0.0.1:$port/graphql"
}
check() { # check JSON PYTHON-EXPRESSION-ON-d DESCRIPTION
  python3 -c 'import json, sys; d = json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" \
    || fail "$3: $1"
}

answer=$(graphql '{ societies { code } }')
check "$answer" 'len(d["data"]["societies"]) == 19 and "errors" not in d' "query: 19 societies"
say "query: societies → 19"

token=$(timeout 30 "${in_image[@]}" csc token --role ADMIN)
introspection='{ __schema { queryType { name } } }'
answer=$(graphql "$introspection")
check "$answer" 'not (d.get("data") or {}).get("__schema")' \
  "--production hides the schema from anonymous callers"
answer=$(graphql "$introspection" "$token")
check "$answer" 'd["data"]["__schema"]["queryType"]["name"] == "Query"' \
  "a signed-in caller still gets the schema"
say "--production: no schema for anonymous callers, the schema for a token"
answer=$(graphql 'mutation { createInstitution(input: { name: "東京コンテナ病院", kind: PUBLIC_HOSPITAL, prefecture: "東京都", certifiedTrainingFacility: true }) { id name } }' "$token")
check "$answer" 'd["data"]["createInstitution"]["name"] == "東京コンテナ病院"' "mutation: createInstitution"
answer=$(graphql '{ institutions { totalCount } }')
check "$answer" 'd["data"]["institutions"]["totalCount"] == 1' "the mutation's institution is stored"
say "mutation: createInstitution (ADMIN token from the image's csc token) → stored"

rows=$(psql -tA "${pg[@]}" -d "$db" -c "SELECT count(*) FROM institutions")
[ "$rows" = 1 ] || fail "PostgreSQL database $db has $rows institutions, not 1"
say "image OK: $size bytes, user $user, --production, healthy, query and mutation through it"
