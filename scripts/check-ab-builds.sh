#!/usr/bin/env bash
# Issue #22 on the real workspace (not CI: it builds the harness four times per profile).
# Two checkouts of this workspace built by github-action/scripts/build.sh into ONE target directory, in both orders:
# a pull request whose head runs spin's loop 20 % longer (base unpatched, head patched), then one that reverts it (base
# patched, head unpatched). Each binary must report its own commit (`harness --version`) and run its own code: the
# patched side of each pair is measured with spin:1000000 and must be at least 10 % slower.
# Usage: scripts/check-ab-builds.sh [PROFILE...]   (default: dev release)
# Environment: CARGO_TARGET_DIR (the shared target directory; default: this checkout's target/).
# Prints one line per build pair and exits 1 if any binary ran the other tree's code.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$src/target}"
profiles=("$@")
[[ ${#profiles[@]} -gt 0 ]] || profiles=(dev release)
tmp="$(mktemp -d)"
trap 'git -C "$tmp/repo" worktree prune 2>/dev/null || true; rm -rf "$tmp"' EXIT

git clone --quiet "$src" "$tmp/repo"
cd "$tmp/repo"
spin=harness/src/load/spin.rs
anchor='for _ in 0..black_box(iterations) {'
grep -qF "$anchor" "$spin" || { echo "cannot find the spin loop in $spin: update this script" >&2; exit 2; }
commit() { git -c user.name=t -c user.email=t@t commit --quiet -am "$1" && git rev-parse HEAD; }
c0="$(git rev-parse HEAD)"
sed -i "s|$anchor|for _ in 0..black_box(iterations + iterations / 5) {|" "$spin"
c1="$(commit "spin +20 %")"
git checkout --quiet "$c0" -- "$spin"
c2="$(commit "revert spin +20 %")"

ops_per_s() { # ops_per_s BIN: spin:1000000 throughput, median of 3 one-second repetitions
  "$1" bench --workload spin:1000000 --meter fake --intensity 400 --concurrency 1 --repetitions 3 --duration 1s \
    --warmup 200ms --idle 0s --out "$tmp/run.json" >/dev/null 2>&1
  jq '[.workloads[0].repetitions[].throughput_ops_per_s] | sort | .[1] | floor' "$tmp/run.json"
}
version_commit() { "$1" --version | sed -n 's/.*(commit \([0-9a-f]*\)).*/\1/p'; }

failed=0
for profile in "${profiles[@]}"; do
  args="build --locked --profile $profile -p harness --bin harness"
  # dev: the feature set of `cargo test --workspace`, so the dependencies already built by the test suite are reused
  # (one small test target, so that not every test binary is linked per side).
  [[ "$profile" == dev ]] && args="test --locked --workspace --no-run --quiet --test ab_cli"
  for pair in "$c0 $c1 head" "$c1 $c2 base"; do
    read -r base head slow <<<"$pair"
    git checkout --quiet --detach "$head"
    out="$tmp/out-$profile"
    start=$SECONDS
    CARBON_MODE=ab CARBON_PROFILE="$profile" CARBON_OUT_DIR="$out" BASE_SHA="$base" CARBON_CARGO_ARGS="$args" \
      GITHUB_OUTPUT="$tmp/outputs" bash "$src/github-action/scripts/build.sh" >"$tmp/build.log" 2>&1 ||
      { tail -n 30 "$tmp/build.log"; exit 2; }
    built=$((SECONDS - start))
    b_ops="$(ops_per_s "$out/bin/base/harness")"
    h_ops="$(ops_per_s "$out/bin/head/harness")"
    b_commit="$(version_commit "$out/bin/base/harness")"
    h_commit="$(version_commit "$out/bin/head/harness")"
    if [[ "$slow" == head ]]; then ok=$((h_ops * 10 < b_ops * 9)); else ok=$((b_ops * 10 < h_ops * 9)); fi
    [[ "$b_commit" == "$base" && "$h_commit" == "$head" ]] || ok=0
    verdict=ok; [[ $ok -eq 1 ]] || { verdict=FAILED; failed=1; }
    echo "$profile: base ${base:0:7} (reports ${b_commit:0:7}) $b_ops ops/s, head ${head:0:7} (reports ${h_commit:0:7}) $h_ops ops/s, patched side: $slow, build ${built}s: $verdict"
  done
done
exit "$failed"
