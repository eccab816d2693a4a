#!/usr/bin/env python3
"""The packages bundled inside graphiql.min.js, and their licences.

  graphiql-bundled.py list SOURCE_MAP VERSION        names, from the bundle's source map
  graphiql-bundled.py missing BUNDLED.txt NODE_MODULES    names the install lacks
  graphiql-bundled.py licences BUNDLED.txt NODE_MODULES...  each name's licence and its text

Used by scripts/update-graphiql.sh.
"""
import json
import pathlib
import re
import sys

# Packages of the graphiql monorepo appear in the source map by folder.
MONOREPO = {
    "codemirror-graphql": "codemirror-graphql",
    "graphiql-plugin-doc-explorer": "@graphiql/plugin-doc-explorer",
    "graphiql-plugin-history": "@graphiql/plugin-history",
    "graphiql-react": "@graphiql/react",
    "graphiql-toolkit": "@graphiql/toolkit",
    "graphql-language-service": "graphql-language-service",
}


def bundled(source_map, version):
    names = set()
    for source in json.loads(pathlib.Path(source_map).read_text())["sources"]:
        match = re.search(r"node_modules/((?:@[^/]+/)?[^/]+)/", source)
        if match:
            names.add(match.group(1))
            continue
        match = re.match(r"\.\./\.\./([^/]+)/", source)
        if match:
            if match.group(1) not in MONOREPO:
                sys.exit(f"unknown graphiql monorepo folder {match.group(1)}: add it to MONOREPO")
            names.add(MONOREPO[match.group(1)])
    print(f"# Packages bundled inside graphiql.min.js (graphiql {version}), read from its source map.")
    print("# Their licences: THIRD-PARTY-LICENSES.txt.")
    for name in sorted(names):
        print(name)


def find(roots, name):
    """The package's folder: at the top of a node_modules, or nested under another package."""
    for root in roots:
        if (root / name / "package.json").is_file():
            return root / name
        nested = sorted(root.glob(f"**/node_modules/{name}/package.json"))
        if nested:
            return nested[0].parent
    return None


def names_in(bundled_txt):
    return [
        line.strip()
        for line in pathlib.Path(bundled_txt).read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def missing(bundled_txt, node_modules):
    """Bundled packages the install lacks (a newer release of a dependency dropped them)."""
    roots = [pathlib.Path(node_modules)]
    for name in names_in(bundled_txt):
        if find(roots, name) is None:
            print(name)


def licences(bundled_txt, *node_modules):
    roots = [pathlib.Path(p) for p in node_modules]
    names = names_in(bundled_txt)
    print("Licences of the packages bundled inside graphiql.min.js (see BUNDLED.txt).")
    print("React and ReactDOM: LICENSE.react, LICENSE.react-dom; GraphiQL: LICENSE.graphiql.")
    for name in names:
        folder = find(roots, name)
        if folder is None:
            sys.exit(f"{name} is in no install: cannot read its licence")
        manifest = json.loads((folder / "package.json").read_text())
        licence = manifest.get("license") or "see the text below"
        texts = sorted(
            p for p in folder.iterdir() if re.match(r"(?i)^(licen[cs]e|copying)", p.name)
        )
        print()
        print("=" * 78)
        print(f"{name} {manifest.get('version', '')}: {licence}")
        print("=" * 78)
        if texts:
            print(texts[0].read_text(errors="replace").strip())
        else:
            print(f"(the package ships no licence file; its package.json says {licence})")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "list":
        bundled(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "missing":
        missing(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "licences":
        licences(sys.argv[2], *sys.argv[3:])
    else:
        sys.exit(__doc__)
