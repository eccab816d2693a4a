#!/usr/bin/env bash
# The benchmark (bench/README.md): seeds national-scale data on SQLite and
# PostgreSQL, serves it with the release binary (system allocator and
# mimalloc) and with the hand-written baseline, and drives each with oha at
# 32 connections on 127.0.0.1. Prints a Markdown table; keeps the raw figures
# in target/bench/. About 6-8 minutes on 2 cores once built.
#
# Settings (environment): DURATION (8s per measured run), CONNECTIONS (32),
# PAIRS (submit+withdraw pairs per mutation thread, 25), SCALE (1),
# BACKENDS ("sqlite postgres"), VARIANTS ("system mimalloc"),
# PG_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres), QUIET_WAIT
# (seconds to wait for other CPU load to end before each run, 120).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-32}
PAIRS=${PAIRS:-25}
SCALE=${SCALE:-1}
BACKENDS=${BACKENDS:-"sqlite postgres"}
VARIANTS=${VARIANTS:-"system mimalloc"}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
QUIET_WAIT=${QUIET_WAIT:-120}
export JWT_SECRET=${JWT_SECRET:-bench-only-secret-bench-only-secret-0000}
export JWT_ISSUER=csc JWT_AUDIENCE=csc-api
unset CSC_TODAY DATABASE_URL

OUT="$ROOT/target/bench"
WORK=$(mktemp -d /tmp/csc-bench.XXXXXX)
RESULTS="$OUT/results.jsonl"
CLIENT="python3 $ROOT/bench/client.py"
PIDS=()
PG_DB=""
mkdir -p "$OUT"
: > "$RESULTS"

log() { printf '\n== %s\n' "$*" >&2; }

cleanup() {
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
    done
    if [ -n "$PG_DB" ]; then
        sleep 1
        psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
}

# Starts a server and waits for /readyz: sets PID and STARTUP_MS.
start_server() {
    local port=$1 logfile=$2
    shift 2
    local line
    line=$($CLIENT start "http://127.0.0.1:$port" "$logfile" -- "$@") || { echo "$line" >&2; exit 1; }
    read -r PID STARTUP_MS <<< "$line"
    PIDS+=("$PID")
}

peak_rss_mb() {
    awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# --- build -------------------------------------------------------------------
log "build (release)"
for variant in $VARIANTS; do
    case $variant in
        system) features=(--no-default-features) ;;
        mimalloc) features=(--no-default-features --features mimalloc) ;;
        *) echo "unknown variant $variant" >&2; exit 2 ;;
    esac
    cargo build --release --locked -q -p csc "${features[@]}"
    cp target/release/csc "$WORK/csc-$variant"
done
cargo build --release --locked -q -p csc-bench-baseline
cp target/release/baseline target/release/sql-count "$WORK/"
CSC="$WORK/csc-$(echo "$VARIANTS" | awk '{ print $1 }')"
if ! command -v oha >/dev/null; then
    log "installing oha"
    cargo install --locked oha
fi

# --- queries -----------------------------------------------------------------
for q in a_published_courses b_field_applications c_cycle_statistics d_viewer; do
    $CLIENT body "bench/queries/$q.graphql" > "$WORK/$q.json"
done
declare -A BODY=(
    [a]="$WORK/a_published_courses.json" [b]="$WORK/b_field_applications.json"
    [c]="$WORK/c_cycle_statistics.json" [d]="$WORK/d_viewer.json"
)

# One measured run of oha, once the machine is quiet (other builds skew the
# figures: their share of the CPU is recorded) and after a short warm-up;
# prints the figures as JSON.
load() {
    local url=$1 body=$2 token=$3 name=$4
    shift 4
    local other
    other=$($CLIENT quiet "$QUIET_WAIT")
    local auth=()
    [ -n "$token" ] && auth=(-H "authorization: Bearer $token")
    oha -n 300 -c "$CONNECTIONS" --no-tui --disable-compression --output-format quiet \
        -m POST -H "content-type: application/json" "${auth[@]}" "$@" -D "$body" "$url" >/dev/null
    oha -z "$DURATION" -w -c "$CONNECTIONS" --no-tui --disable-compression --output-format json \
        -o "$OUT/oha-$name.json" \
        -m POST -H "content-type: application/json" "${auth[@]}" "$@" -D "$body" "$url" >/dev/null
    $CLIENT oha "$OUT/oha-$name.json" | jq -c ". + {other_cpu: $other}"
}

record() { # backend server scenario json-figures extra-json
    python3 - "$@" >> "$RESULTS" <<'EOF'
import json, sys
backend, server, scenario, figures, extra = sys.argv[1:6]
row = {"backend": backend, "server": server, "scenario": scenario}
row.update(json.loads(figures)); row.update(json.loads(extra))
print(json.dumps(row))
EOF
}

# --- per backend -----------------------------------------------------------------
for backend in $BACKENDS; do
    case $backend in
        sqlite) URL="sqlite://$WORK/bench.db?mode=rwc" ;;
        postgres)
            if ! psql "$PG_ADMIN_URL" -qc "SELECT 1" >/dev/null 2>&1; then
                log "postgres: $PG_ADMIN_URL not reachable, skipped"
                continue
            fi
            PG_DB="csc_bench_$$"
            psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null
            URL="${PG_ADMIN_URL%/*}/$PG_DB" ;;
        *) echo "unknown backend $backend" >&2; exit 2 ;;
    esac

    log "$backend: seed-demo --scale $SCALE"
    "$CSC" seed-demo --scale "$SCALE" --seed 2026 --database-url "$URL" | tee "$WORK/seed-$backend.txt" >&2
    seed_seconds=$(awk '/^seeded/ { print $(NF-1) }' "$WORK/seed-$backend.txt")
    idle_first=$(sed -n 's/^idle_subjects: doctor-\([0-9]*\)\.\..*/\1/p' "$WORK/seed-$backend.txt")
    idle_last=$(sed -n 's/^idle_subjects: doctor-[0-9]*\.\.doctor-\([0-9]*\) .*/\1/p' "$WORK/seed-$backend.txt")
    idle_count=$((10#$idle_last - 10#$idle_first + 1))
    threads=$(( idle_count < CONNECTIONS ? idle_count : CONNECTIONS ))

    SOCIETY=$("$CSC" token --role SOCIETY --society INTERNAL_MEDICINE)
    ADMIN=$("$CSC" token --role ADMIN)
    APPLICANT=$("$CSC" token --role APPLICANT --sub doctor-0001)
    declare -A TOKEN=([a]="" [b]="$SOCIETY" [c]="$ADMIN" [d]="$APPLICANT")
    : > "$WORK/idle-tokens.txt"
    for i in $(seq "$((10#$idle_first))" "$((10#$idle_first + threads - 1))"); do
        "$CSC" token --role APPLICANT --sub "$(printf 'doctor-%04d' "$i")" >> "$WORK/idle-tokens.txt"
    done
    mutation_token=$(head -1 "$WORK/idle-tokens.txt")
    # The demo's 2028 cycle is PLANNING (2027 is in its selection): the board
    # opens its early call, and the doctors registered for it (idle_subjects)
    # apply to a published internal-medicine course of it.
    OPEN_JSON=$(mktemp -p "$WORK")
    $CLIENT body /dev/stdin > "$OPEN_JSON" <<'EOF'
mutation OpenEarlyCall { openEarlyCall(year: 2028) { phase } }
EOF
    COURSE_JSON=$(mktemp -p "$WORK")
    $CLIENT body /dev/stdin > "$COURSE_JSON" <<'EOF'
query OpenCourse { courses(filter: { year: 2028, status: PUBLISHED, field: INTERNAL_MEDICINE }, first: 1) { nodes { id responsibleInstitution { id } } } }
EOF

    # SQL statements per request, and one request at a time the time spent
    # in SQL against the whole: sql-count runs each query through the real
    # router with sqlx's statement log counted (medians of 30 runs).
    log "$backend: SQL statements and time per request (sql-count)"
    port=$(free_port)
    start_server "$port" "$OUT/server-$backend-probe.log" \
        env RUST_LOG=warn DATABASE_URL="$URL" BIND="127.0.0.1:$port" "$CSC" serve
    pid=$PID
    opened=$(curl -s -H 'content-type: application/json' -H "authorization: Bearer $ADMIN" -d @"$OPEN_JSON" "http://127.0.0.1:$port/graphql")
    course=$(curl -s -H 'content-type: application/json' -d @"$COURSE_JSON" "http://127.0.0.1:$port/graphql")
    stop "$pid"
    if [ "$(echo "$opened" | jq -r '.data.openEarlyCall.phase')" != EARLY_CALL_OPEN ]; then
        echo "openEarlyCall(2028) failed: $opened" >&2; exit 1
    fi
    COURSE_ID=$(echo "$course" | jq -r '.data.courses.nodes[0].id')
    INSTITUTION_ID=$(echo "$course" | jq -r '.data.courses.nodes[0].responsibleInstitution.id')
    submit=$($CLIENT body bench/queries/e_submit.graphql "{\"input\": {\"courseId\": \"$COURSE_ID\", \"generalApplication\": {\"programName\": \"bench\", \"field\": \"INTERNAL_MEDICINE\", \"institutionId\": \"$INSTITUTION_ID\"}}}")
    withdraw=$($CLIENT body bench/queries/e_withdraw.graphql '{"id": "$LAST_ID"}')
    {
        for s in a b c d; do
            token=${TOKEN[$s]}
            printf '{"label": "%s", "token": %s, "body": %s, "repeat": 30}\n' "$s" \
                "$([ -n "$token" ] && echo "\"$token\"" || echo null)" "$(cat "${BODY[$s]}")"
        done
        for _ in 1 2; do
            printf '{"label": "e", "token": "%s", "body": %s}\n' "$mutation_token" "$submit"
            printf '{"label": "e", "token": "%s", "body": %s}\n' "$mutation_token" "$withdraw"
        done
    } > "$WORK/count.jsonl"
    "$WORK/sql-count" --database-url "$URL" < "$WORK/count.jsonl" > "$OUT/sql-count-$backend.tsv"
    if awk -F'\t' '$3 != "ok" { bad = 1 } END { exit !bad }' "$OUT/sql-count-$backend.tsv"; then
        echo "sql-count: a request failed:" >&2; cat "$OUT/sql-count-$backend.tsv" >&2; exit 1
    fi
    declare -A SQL=() ALONE=()
    for s in a b c d; do
        SQL[$s]=$(awk -F'\t' -v s="$s" '$1 == s { print $2 }' "$OUT/sql-count-$backend.tsv")
        ALONE[$s]=$(awk -F'\t' -v s="$s" '$1 == s { printf "{\"alone_ms\": %s, \"alone_sql_ms\": %s}", $4, $5 }' "$OUT/sql-count-$backend.tsv")
    done
    # The last submit+withdraw pair, per request.
    SQL[e]=$(awk -F'\t' '$1 == "e" { v[++n] = $2 } END { printf "%.1f", (v[n-1] + v[n]) / 2 }' "$OUT/sql-count-$backend.tsv")
    ALONE[e]=$(awk -F'\t' '$1 == "e" { w[++n] = $4; q[n] = $5 } END { printf "{\"alone_ms\": %.2f, \"alone_sql_ms\": %.2f}", (w[n-1] + w[n]) / 2, (q[n-1] + q[n]) / 2 }' "$OUT/sql-count-$backend.tsv")
    echo "label statements outcome median-ms median-sql-ms" >&2
    cat "$OUT/sql-count-$backend.tsv" >&2

    for variant in $VARIANTS; do
        server="ours-$variant"
        log "$backend: $server"
        port=$(free_port)
        start_server "$port" "$OUT/server-$backend-$variant.log" \
            env RUST_LOG=warn DATABASE_URL="$URL" BIND="127.0.0.1:$port" "$WORK/csc-$variant" serve
        pid=$PID startup_ms=$STARTUP_MS
        echo "process start to /readyz: ${startup_ms} ms" >&2
        endpoint="http://127.0.0.1:$port/graphql"
        for s in a b c d; do
            $CLIENT check "$endpoint" "${BODY[$s]}" ${TOKEN[$s]:+"${TOKEN[$s]}"} >&2
        done
        for s in a b c d; do
            figures=$(load "$endpoint" "${BODY[$s]}" "${TOKEN[$s]}" "$backend-$variant-$s")
            echo "$s: $figures" >&2
            record "$backend" "$server" "$s" "$figures" "$(echo "${ALONE[$s]}" | jq -c ". + {sql_per_request: ${SQL[$s]}}")"
        done
        other=$($CLIENT quiet "$QUIET_WAIT")
        figures=$($CLIENT mutations "$endpoint" "$WORK/idle-tokens.txt" "$COURSE_ID" "$INSTITUTION_ID" INTERNAL_MEDICINE "$PAIRS" | jq -c ". + {other_cpu: $other}")
        echo "e: $figures" >&2
        record "$backend" "$server" "e" "$figures" "$(echo "${ALONE[e]}" | jq -c ". + {sql_per_request: ${SQL[e]}}")"
        if [ "$variant" = "$(echo "$VARIANTS" | awk '{ print $1 }')" ]; then
            # Compression: (a) again with each encoding; size from one curl.
            for enc in gzip br; do
                size=$(curl -s -o /dev/null -w '%{size_download}' -H "accept-encoding: $enc" \
                    -H 'content-type: application/json' -d @"${BODY[a]}" "$endpoint")
                figures=$(DURATION=4s load "$endpoint" "${BODY[a]}" "" "$backend-$variant-a-$enc" -H "accept-encoding: $enc")
                echo "a ($enc, $size bytes): $figures" >&2
                record "$backend" "$server" "a+$enc" "$figures" "{\"response_bytes\": $size}"
            done
        fi
        rss=$(peak_rss_mb "$pid")
        stop "$pid"
        echo "peak RSS (VmHWM): $rss MB" >&2
        record "$backend" "$server" "server" '{}' "{\"rss_mb\": $rss, \"startup_ms\": $startup_ms, \"seed_seconds\": $seed_seconds}"
    done

    log "$backend: baseline (hand-written SQL)"
    port=$(free_port)
    start_server "$port" "$OUT/server-$backend-baseline.log" \
        "$WORK/baseline" --database-url "$URL" --bind "127.0.0.1:$port"
    pid=$PID startup_ms=$STARTUP_MS
    endpoint="http://127.0.0.1:$port/graphql"
    for s in a b; do
        $CLIENT check "$endpoint" "${BODY[$s]}" ${TOKEN[$s]:+"${TOKEN[$s]}"} >&2
    done
    for s in a b; do
        before=$(curl -s "http://127.0.0.1:$port/stats")
        figures=$(load "$endpoint" "${BODY[$s]}" "${TOKEN[$s]}" "$backend-baseline-$s")
        after=$(curl -s "http://127.0.0.1:$port/stats")
        sql=$(python3 -c 'import json, sys; b, a = json.loads(sys.argv[1]), json.loads(sys.argv[2]); print(round((a["statements"] - b["statements"]) / max(1, a["requests"] - b["requests"]), 2))' "$before" "$after")
        echo "$s: $figures ($sql statements/request)" >&2
        record "$backend" "baseline" "$s" "$figures" "{\"sql_per_request\": $sql}"
    done
    rss=$(peak_rss_mb "$pid")
    stop "$pid"
    record "$backend" "baseline" "server" '{}' "{\"rss_mb\": $rss, \"startup_ms\": $startup_ms}"

    if [ "$backend" = postgres ]; then
        psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
        PG_DB=""
    fi
done

# --- report ------------------------------------------------------------------------
{
    echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(rustc --version); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (uncommitted changes)')."
    echo "Scale $SCALE, $CONNECTIONS connections, $DURATION per run, $PAIRS mutation pairs per thread."
    echo
    $CLIENT report "$RESULTS"
} | tee "$OUT/report.md"
echo >&2
echo "raw figures: $RESULTS, oha JSON and server logs in $OUT" >&2
