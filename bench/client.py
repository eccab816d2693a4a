#!/usr/bin/env python3
"""Helpers of bench/run.sh, standard library only.

  body FILE [VARS_JSON]             print a GraphQL-over-HTTP JSON body for a .graphql file
  check URL BODY_FILE [TOKEN]       one request: HTTP 200, data present, no errors
  start URL LOG -- CMD...           start a server, wait for URL/readyz, print "pid ms"
  mutations URL TOKENS_FILE COURSE_ID INSTITUTION_ID FIELD PAIRS
                                    submitApplication + withdrawApplication pairs, one
                                    thread per token (one applicant each), PAIRS each
  oha FILE                          the figures of an oha --output-format json run
  report RESULTS_JSONL              the results as a Markdown table, with ratios
  quiet MAX_SECONDS                 wait until the machine is idle (under 20% CPU
                                    busy over a second), at most MAX_SECONDS;
                                    print the last busy fraction
"""

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse

BENCH = os.path.dirname(os.path.abspath(__file__))


def body(path, variables=None):
    with open(path, encoding="utf-8") as f:
        query = "".join(line for line in f if not line.lstrip().startswith("#"))
    match = re.search(r"\b(query|mutation)\s+(\w+)", query)
    out = {"query": query, "operationName": match.group(2) if match else None}
    if variables:
        out["variables"] = variables
    return out


def connect(url):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30), parts.path or "/"


def post(conn, path, payload, token=None):
    headers = {"content-type": "application/json", "accept": "application/graphql-response+json"}
    if token:
        headers["authorization"] = "Bearer " + token
    conn.request("POST", path, body=json.dumps(payload).encode(), headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, data


def failure(status, data):
    """Why a response is not a success, or None. GraphQL errors come with HTTP 200."""
    if status != 200:
        return "HTTP %d: %s" % (status, data[:300])
    try:
        doc = json.loads(data)
    except ValueError:
        return "not JSON: %r" % data[:300]
    if doc.get("errors"):
        return "errors: %s" % json.dumps(doc["errors"], ensure_ascii=False)[:500]
    if not doc.get("data"):
        return "no data: %r" % data[:300]
    return None


def cmd_check(url, body_file, token=None):
    with open(body_file, encoding="utf-8") as f:
        payload = json.load(f)
    conn, path = connect(url)
    status, data = post(conn, path, payload, token)
    problem = failure(status, data)
    if problem:
        print("FAILED %s: %s" % (body_file, problem))
        sys.exit(1)
    print("ok %d bytes" % len(data))


def cmd_start(url, log, command):
    started = time.monotonic()
    out = open(log, "ab")
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    parts = urllib.parse.urlsplit(url)
    while time.monotonic() - started < 60:
        if process.poll() is not None:
            print("FAILED: the server exited with %d (see %s)" % (process.returncode, log))
            sys.exit(1)
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=1)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                print("%d %.1f" % (process.pid, (time.monotonic() - started) * 1000))
                return
        except OSError:
            pass
        time.sleep(0.002)
    process.kill()
    print("FAILED: not ready within 60 s")
    sys.exit(1)


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def cmd_mutations(url, tokens_file, course_id, institution_id, field, pairs):
    with open(tokens_file) as f:
        tokens = [t.strip() for t in f if t.strip()]
    submit = body(os.path.join(BENCH, "queries", "e_submit.graphql"))
    withdraw = body(os.path.join(BENCH, "queries", "e_withdraw.graphql"))
    latencies = []
    errors = []
    lock = threading.Lock()

    def worker(token):
        conn, path = connect(url)
        mine, bad = [], []
        for i in range(pairs):
            payload = dict(submit, variables={"input": {
                "courseId": course_id,
                "generalApplication": {"programName": "bench program %d" % i, "field": field,
                                       "institutionId": institution_id},
            }})
            t0 = time.perf_counter()
            status, data = post(conn, path, payload, token)
            mine.append(time.perf_counter() - t0)
            problem = failure(status, data)
            if problem:
                bad.append("submit: " + problem)
                continue
            app_id = json.loads(data)["data"]["submitApplication"]["id"]
            t0 = time.perf_counter()
            status, data = post(conn, path, dict(withdraw, variables={"id": app_id}), token)
            mine.append(time.perf_counter() - t0)
            problem = failure(status, data)
            if problem:
                bad.append("withdraw: " + problem)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=worker, args=(t,)) for t in tokens]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    latencies.sort()
    print(json.dumps({
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "rps": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "connections": len(tokens),
    }))


def cmd_oha(path):
    with open(path) as f:
        doc = json.load(f)
    summary = doc["summary"]
    percentiles = doc.get("latencyPercentiles", {})
    codes = doc.get("statusCodeDistribution", {})
    total = sum(codes.values())
    print(json.dumps({
        "requests": total,
        "rps": round(summary.get("requestsPerSec", 0.0), 1),
        "p50_ms": round((percentiles.get("p50") or 0.0) * 1000, 2),
        "p99_ms": round((percentiles.get("p99") or 0.0) * 1000, 2),
        "success_rate": summary.get("successRate"),
        "non_200": total - codes.get("200", 0),
        "errors": sum(doc.get("errorDistribution", {}).values()),
    }))


def cmd_report(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    runs = [r for r in rows if r["scenario"] != "server"]
    servers = [r for r in rows if r["scenario"] == "server"]
    base = {(r["backend"], r["scenario"]): r for r in runs if r["server"] == "baseline"}
    print("| backend | server | scenario | req/s | p50 ms | p99 ms | SQL/request | alone ms (SQL ms) | ours/baseline req/s | ours/baseline p99 | other CPU |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        b = base.get((r["backend"], r["scenario"]))
        ratio = p99 = ""
        if b and r["server"] != "baseline" and b.get("rps"):
            ratio = "%.2f" % (r["rps"] / b["rps"])
            p99 = "%.2f" % (r["p99_ms"] / b["p99_ms"]) if b.get("p99_ms") else ""
        scenario = r["scenario"]
        if r.get("response_bytes") is not None:
            scenario += " (%d B)" % r["response_bytes"]
        bad = r.get("errors", 0) or r.get("non_200", 0)
        if bad:
            scenario += " **%d failed**" % bad
        alone = ""
        if r.get("alone_ms") is not None:
            alone = "%s (%s)" % (r["alone_ms"], r.get("alone_sql_ms", ""))
        other = "%.0f%%" % (100 * r["other_cpu"]) if r.get("other_cpu") is not None else ""
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["backend"], r["server"], scenario, r.get("rps", ""), r.get("p50_ms", ""),
            r.get("p99_ms", ""), r.get("sql_per_request", ""), alone, ratio, p99, other))
    print()
    print("| backend | server | process start to /readyz ms | peak RSS (VmHWM) MB | seed-demo s |")
    print("|---|---|---:|---:|---:|")
    for r in servers:
        print("| %s | %s | %s | %s | %s |" % (
            r["backend"], r["server"], r.get("startup_ms", ""), r.get("rss_mb", ""),
            r.get("seed_seconds", "")))


def cpu_busy(seconds=1.0):
    def sample():
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle
    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1.0 - (idle1 - idle0) / max(1, total1 - total0)


def cmd_quiet(max_seconds):
    deadline = time.monotonic() + max_seconds
    busy = cpu_busy()
    while busy > 0.2 and time.monotonic() < deadline:
        busy = cpu_busy(2.0)
    print("%.2f" % busy)


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        sys.exit(2)
    command, args = argv[1], argv[2:]
    if command == "body":
        variables = json.loads(args[1]) if len(args) > 1 else None
        print(json.dumps(body(args[0], variables), ensure_ascii=False))
    elif command == "check":
        cmd_check(*args)
    elif command == "start":
        split = args.index("--")
        cmd_start(args[0], args[1], args[split + 1:])
    elif command == "mutations":
        cmd_mutations(args[0], args[1], args[2], args[3], args[4], int(args[5]))
    elif command == "oha":
        cmd_oha(args[0])
    elif command == "quiet":
        cmd_quiet(float(args[0]))
    elif command == "report":
        cmd_report(args[0])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
