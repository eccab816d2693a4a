"""Where a request's CPU goes, by part, from a perf profile of the server.

Each sample goes to the innermost frame (leaf to root) that names one of
PARTS; samples with no such frame go to "other". Record with call graphs
so that frames above the allocator are seen, e.g. under load:

    perf record -F 499 --call-graph dwarf,16384 -p "$(pgrep -f 'csc serve')" \\
        -o perf.data -- sleep 4
    python3 bench/perf_parts.py perf.data

Prints a Markdown table of shares of the samples (bench/README.md, "Where
the time goes"). Standard library only.
"""

import collections
import re
import subprocess
import sys

# In order of precedence for a frame that matches more than one.
PARTS = [
    ("decoding rows into models", r"FromQueryResult|TryGetable|from_query_result|PartialRead|joined::optional"),
    ("GraphQL parse and validation", r"async_graphql_parser|async_graphql::validation|parse_query"),
    ("JSON serialization", r"serde_json::ser|field_order|serde_core::ser"),
    ("request JSON parsing", r"serde_json::de|serde_core::de"),
    ("JWT verification", r"jsonwebtoken|hmac|sha2|TokenKeys"),
    ("personal-data audit", r"csc::audit|audit::"),
    ("SQL building (sea-query)", r"sea_query::|sea_query_sqlx|QueryBuilder"),
    ("sqlx: protocol, TLS and pool", r"sqlx_core|sqlx_postgres|sqlx_sqlite"),
    ("GraphQL resolution (async-graphql, resolvers, loaders)", r"async_graphql|csc::graphql"),
    ("HTTP (hyper, axum, tower)", r"hyper|axum|tower|h2::"),
    ("tokio runtime", r"tokio::"),
]


def main(path):
    parts = [(name, re.compile(pattern)) for name, pattern in PARTS]
    script = subprocess.run(
        ["perf", "script", "-i", path], capture_output=True, text=True, check=True
    ).stdout
    counts = collections.Counter()
    total = 0
    for sample in script.split("\n\n"):
        # The first line is the sample's header, the others its frames.
        frames = [line.strip() for line in sample.strip().splitlines()[1:] if line.strip()]
        if not frames:
            continue
        total += 1
        part = next(
            (name for frame in frames for name, pattern in parts if pattern.search(frame)),
            None,
        )
        if part is None:
            part = "kernel" if "kernel" in frames[0] else "other (allocator, libc)"
        counts[part] += 1
    print("| part | share |\n|---|---:|")
    for name, count in counts.most_common():
        print(f"| {name} | {100 * count / total:.1f}% |")
    print(f"\n{total} samples")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1])
