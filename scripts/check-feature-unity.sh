#!/usr/bin/env bash
# Checks that the README's commands share one build: every dependency that `cargo run -p harness` or
# `cargo run -p workloads` compiles is compiled with the same features by `cargo test --workspace`, so switching between
# them compiles only our own crates (issue 18: features used to unify differently per package, and `cargo run -p
# workloads -- serve` after the tests recompiled candle for 3.5 min). Reads `cargo tree` (seconds, compiles nothing).
# On failure it names each crate and the features that differ: add the union to workspace-hack/Cargo.toml (or to
# [workspace.dependencies] for a direct dependency). Exit 0 aligned, 1 drift found, 2 cargo failed.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tree() { cargo tree --locked --prefix none --format '{p} [{f}]' "$@" >"$tmp/out" || exit 2; cat "$tmp/out"; }
tree -p harness -e normal,build >"$tmp/harness"
tree -p workloads -e normal,build >"$tmp/workloads"
tree --workspace -e normal,build,dev >"$tmp/workspace"
python3 - "$tmp" <<'PY'
import collections, re, sys
def units(path):
    """package -> set of feature lists it is compiled with (build dependencies can add a second one)."""
    out = collections.defaultdict(set)
    for line in open(path):
        m = re.match(r'(\S+ v\S+)(?: \([^)]*\))*? \[(.*)\]', line.strip())
        if m:
            out[m.group(1)].add(m.group(2))
    return out
d = sys.argv[1]
ws = units(f"{d}/workspace")
bad = []
for cmd, name in (("cargo build -p harness", "harness"), ("cargo build -p workloads", "workloads")):
    for pkg, feats in sorted(units(f"{d}/{name}").items()):
        if not feats <= ws.get(pkg, set()) or (name == "harness" and feats != ws.get(pkg)):
            bad.append(f"  {pkg}: `{cmd}` builds it with [{' | '.join(sorted(feats))}], "
                       f"`cargo test --workspace` with [{' | '.join(sorted(ws.get(pkg, set())))}]")
if bad:
    print("features differ between the README's commands, so each rebuilds these crates and everything above them:")
    print("\n".join(bad))
    print("fix: add the crate with the union of its features to workspace-hack/Cargo.toml "
          "(or to [workspace.dependencies] when a member depends on it directly)")
    sys.exit(1)
print(f"features aligned: {len(ws)} packages, one build for `cargo run -p harness`, `cargo run -p workloads` "
      "and `cargo test --workspace`")
PY
