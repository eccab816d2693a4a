#!/usr/bin/env bash
# The GraphiQL files that `csc` serves from its own binary (src/graphiql/vendor/)
# come from the npm registry at the exact versions pinned in
# src/graphiql/vendor/PINS, each package tarball checked against the sha512
# pinned there and against the registry's `dist.integrity`.
#
#   scripts/update-graphiql.sh                 re-fetch the pinned versions and rewrite the files
#   scripts/update-graphiql.sh --check         re-fetch and compare: exit 1 when a file differs
#   scripts/update-graphiql.sh graphiql@4.1.3  move a pin (version and sha512 from the registry),
#                                              then re-fetch everything; review the diff
#
# Needs npm, tar, openssl, python3. Writes only under src/graphiql/vendor/.
# SHA256SUMS there lets a test check the embedded files without the network.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/src/graphiql/vendor"
pins="$vendor/PINS"

# package -> "path in the tarball:file name in vendor/" (the UMD builds, the CSS, the licence).
files_of() {
  case "$1" in
    react) echo "package/umd/react.production.min.js:react.production.min.js package/LICENSE:LICENSE.react" ;;
    react-dom) echo "package/umd/react-dom.production.min.js:react-dom.production.min.js package/LICENSE:LICENSE.react-dom" ;;
    graphiql) echo "package/graphiql.min.js:graphiql.min.js package/graphiql.min.css:graphiql.min.css package/LICENSE:LICENSE.graphiql" ;;
    *) echo "no file list for package $1 (scripts/update-graphiql.sh)" >&2; return 1 ;;
  esac
}

sha512_of() { echo "sha512-$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }

mode=write
bumps=()
for arg in "$@"; do
  case "$arg" in
    --check) mode=check ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *@*) bumps+=("$arg") ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Moving a pin takes the registry's integrity for the new version (printed: review it).
for spec in "${bumps[@]}"; do
  name="${spec%@*}"; version="${spec##*@}"
  files_of "$name" >/dev/null
  integrity="$(timeout 120 npm view "$name@$version" dist.integrity)"
  [ -n "$integrity" ] || { echo "$name@$version: no such version" >&2; exit 1; }
  grep -v "^$name " "$pins" > "$tmp/pins" || true
  echo "$name $version $integrity" >> "$tmp/pins"
  { grep '^#' "$tmp/pins"; grep -v '^#' "$tmp/pins" | sort; } > "$pins"
  echo "pinned $name $version $integrity"
done

out="$tmp/out"
mkdir -p "$out"
while read -r name version integrity; do
  case "$name" in ''|'#'*) continue ;; esac
  echo "-- $name@$version"
  registry="$(timeout 120 npm view "$name@$version" dist.integrity)"
  [ "$registry" = "$integrity" ] || {
    echo "$name@$version: the registry says $registry, PINS says $integrity" >&2; exit 1; }
  tarball="$(cd "$tmp" && timeout 300 npm pack --silent "$name@$version")"
  actual="$(sha512_of "$tmp/$tarball")"
  [ "$actual" = "$integrity" ] || {
    echo "$name@$version: the tarball's sha512 is $actual, PINS says $integrity" >&2; exit 1; }
  mkdir -p "$tmp/$name"
  tar -xzf "$tmp/$tarball" -C "$tmp/$name"
  for pair in $(files_of "$name"); do
    cp "$tmp/$name/${pair%%:*}" "$out/${pair##*:}"
  done
  if [ "$name" = graphiql ]; then
    graphiql_version="$version"
    # The UMD bundle carries its dependencies inside: name them from its source map.
    python3 "$root/scripts/graphiql-bundled.py" list "$tmp/$name/package/graphiql.min.js.map" \
      "$version" > "$out/BUNDLED.txt"
  fi
done < "$pins"

(cd "$out" && sha256sum -- *) > "$tmp/SHA256SUMS"
mv "$tmp/SHA256SUMS" "$out/SHA256SUMS"

if [ "$mode" = check ]; then
  status=0
  for file in "$out"/*; do
    [ "$(basename "$file")" = THIRD-PARTY-LICENSES.txt ] && continue
    base="$(basename "$file")"
    if ! cmp -s "$file" "$vendor/$base"; then
      echo "differs from the pinned package: src/graphiql/vendor/$base" >&2
      status=1
    fi
  done
  [ "$status" -eq 0 ] && echo "src/graphiql/vendor/ matches the pinned packages"
  exit "$status"
fi
# The licences of the bundled packages, read from an install of the same
# graphiql version (ranges may resolve to newer patch releases than the
# bundle's; licences do not change between them). Not compared by --check.
echo "-- licences of the bundled packages (npm install graphiql@$graphiql_version)"
mkdir -p "$tmp/licences"
(cd "$tmp/licences" && timeout 600 npm install --silent --ignore-scripts --no-audit --no-fund \
  --no-save "graphiql@$graphiql_version" >/dev/null)
# A bundled package that newer releases of its dependents dropped: its latest release.
mapfile -t dropped < <(python3 "$root/scripts/graphiql-bundled.py" missing "$out/BUNDLED.txt" \
  "$tmp/licences/node_modules")
mkdir -p "$tmp/dropped/node_modules"
if [ "${#dropped[@]}" -gt 0 ]; then
  (cd "$tmp/dropped" && timeout 600 npm install --silent --ignore-scripts --no-audit --no-fund \
    --no-save --no-package-lock "${dropped[@]}" >/dev/null)
fi
python3 "$root/scripts/graphiql-bundled.py" licences "$out/BUNDLED.txt" \
  "$tmp/licences/node_modules" "$tmp/dropped/node_modules" > "$out/THIRD-PARTY-LICENSES.txt"
cp "$out"/* "$vendor/"
echo "wrote src/graphiql/vendor/ (review with git diff)"
