#!/usr/bin/env bash
# Tests of the action's scripts with a simulated GitHub (see github-action/README.md, "Tests").
# Usage: bash github-action/tests/run.sh    (from anywhere; builds nothing it can reuse)
# Environment: HARNESS_BIN (default: $CARGO_TARGET_DIR or target/, debug/harness), CARBON_TEST_SKIP_AB=1 to skip the
# case that builds the harness twice. Prints "N passed, M failed" and exits non-zero on any failure.
# Environment changes inside ( … ) are meant to stay there:
# shellcheck disable=SC2030,SC2031
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "$here/../.." && pwd)"
scripts="$src/github-action/scripts"
target="${CARGO_TARGET_DIR:-$src/target}"
case "$target" in /*) ;; *) target="$src/$target" ;; esac
export CARGO_TARGET_DIR="$target"

tmp="$(mktemp -d)"
if [[ -z "${HARNESS_BIN:-}" ]]; then
  # The feature set of CI's `cargo test --workspace`: nothing to compile after it.
  (cd "$src" && cargo test --locked --workspace --no-run --quiet)
  HARNESS_BIN="$target/debug/harness"
fi
# A copy: the ab case builds another harness into the same target directory.
cp "$HARNESS_BIN" "$tmp/base-harness"
HARNESS_BIN="$tmp/base-harness"
export HARNESS_BIN

cleanup() {
  git -C "$tmp/repo" worktree prune 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
export PATH="$here/fake-bin:$PATH"
export GITHUB_REPOSITORY=carbon-harness/carbon-harness GITHUB_EVENT_NAME=pull_request

passed=0
failed=0
check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then
    passed=$((passed + 1))
    echo "  ok: $1"
  else
    failed=$((failed + 1))
    echo "  FAILED: $1"
    # Never let the diagnostics end the suite (a missing file would, under set -e and pipefail).
    { tail -n 25 "$case_dir"/stdout "$case_dir"/stderr "$case_dir"/build.stderr 2>/dev/null || true; } | sed 's/^/    | /'
  fi
}
output_of() { # output_of NAME: the last value of a step output in the current case
  sed -n "s/^$1=//p" "$GITHUB_OUTPUT" | tail -n 1
}
comments() { jq '.comments | length' "$FAKE_GH_STATE"; }
comment_body() { jq -r '.comments[0].body' "$FAKE_GH_STATE"; }

# new_case NAME: fresh GitHub files for one gate run (the fake gh state is per pull request: see pr_state).
new_case() {
  case_dir="$tmp/cases/$1"
  mkdir -p "$case_dir"
  export GITHUB_STEP_SUMMARY="$case_dir/summary.md" GITHUB_OUTPUT="$case_dir/output" CARBON_OUT_DIR="$case_dir/out"
  : >"$GITHUB_STEP_SUMMARY"
  : >"$GITHUB_OUTPUT"
  unset CARBON_RUN_FILE CARBON_WORKLOADS CARBON_BENCH_ARGS CARBON_FAIL_ON_REGRESSION CARBON_BASELINE FAKE_GH_FAIL
  echo "case $1"
}
# pr_state NUMBER: the pull request the next runs belong to (event file and fake gh comment store).
pr_state() {
  export GITHUB_EVENT_PATH="$tmp/event-$1.json" FAKE_GH_STATE="$tmp/gh-$1.json" FAKE_GH_LOG="$tmp/gh-$1.log"
  jq -n --argjson n "$1" --arg base "$base_sha" \
    '{number: $n, pull_request: {number: $n, base: {sha: $base, ref: "main"}, head: {ref: "feature"}}}' >"$GITHUB_EVENT_PATH"
  : >"$FAKE_GH_LOG"
}
gate() { # gate: run gate.sh in the fixture repo; sets rc
  set +e
  (cd "$tmp/repo" && bash "$scripts/gate.sh") >"$case_dir/stdout" 2>"$case_dir/stderr"
  rc=$?
  set -e
}

echo "== fixture: a spin run with the fake meter, and a git repository made from the working tree"
# spin:10000: enough ops per 150 ms repetition (debug build) for p99 to be tested (500 ops: the tail-sample rule)
fast=(--workload spin:10000 --duration 150ms --warmup 0s --idle 0s --meter fake --intensity 400 --concurrency 1)
"$HARNESS_BIN" bench "${fast[@]}" --repetitions 6 --out "$tmp/run.json" >/dev/null
# The regressed candidate: every energy and emissions figure ×1.5 (a synthetic regression, deterministic).
jq '(.workloads[] | .energy_j_per_op, .energy_j_per_op_net, .energy_kwh_per_op, .emissions_g_per_op,
     .emissions_g_per_op_net) *= 1.5
    | (.workloads[].repetitions[] | .energy_j_total, .energy_j_net, .energy_j_per_op, .energy_j_per_op_net,
       .emissions_g_per_op) *= 1.5
    | (.workloads[].repetitions[].energy_j[]) *= 1.5
    | (.workloads[] | select(.energy_j_per_op_attributable != null)
       | .energy_j_per_op_attributable, .emissions_g_per_op_attributable) *= 1.5
    | (.workloads[].repetitions[] | select(.attributable != null) | .attributable
       | .energy_j, .dynamic_j, .static_j, .energy_j_per_op, .emissions_g_per_op) *= 1.5' \
  "$tmp/run.json" >"$tmp/regressed.json"
# The gate compares attributable energy where the run has it: the synthetic regression must have scaled it.
jq -e '[.workloads[] | .energy_j_per_op_attributable, (.repetitions[].attributable.energy_j_per_op)] | all(. != null)' \
  "$tmp/regressed.json" >/dev/null || { echo "the fixture run has no attributable energy: update this test"; exit 2; }
mkdir -p "$tmp/repo"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
  tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$tmp/repo"
mkdir -p "$tmp/repo/bench-results/baselines"
cp "$tmp/run.json" "$tmp/repo/bench-results/baselines/ci.json"
(
  cd "$tmp/repo"
  git init --quiet -b main
  git -c user.name=t -c user.email=t@t add -A
  git -c user.name=t -c user.email=t@t commit --quiet -m base
)
base_sha="$(git -C "$tmp/repo" rev-parse HEAD)"
# The baseline on the base commit must win over a PR that edits its copy.
echo '{"schema_version": 1, "broken": "a PR cannot move its own reference"}' >"$tmp/repo/bench-results/baselines/ci.json"
export CARBON_MODE=baseline CARBON_REPETITIONS=6 CARBON_COMMENT=true

pr_state 7
new_case unchanged
export CARBON_BASELINE=ci CARBON_RUN_FILE="$tmp/run.json"
gate
check "exit 0" test "$rc" -eq 0
check "verdict unchanged" test "$(output_of verdict)" = unchanged
check "summary has the comparison" grep -q "Carbon gate (baseline): \*\*unchanged\*\*" "$GITHUB_STEP_SUMMARY"
check "run-path and compare-path outputs" test -f "$(output_of compare-path)" -a "$(output_of run-path)" = "$tmp/run.json"
check "one comment created" test "$(comments)" -eq 1
check "created with POST" grep -q -- "--method POST repos/carbon-harness/carbon-harness/issues/7/comments" "$FAKE_GH_LOG"
check "comment carries the marker" grep -q "<!-- carbon-harness-gate -->" <(comment_body)
first_id="$(jq '.comments[0].id' "$FAKE_GH_STATE")"

new_case regression-second-push
export CARBON_BASELINE=ci CARBON_RUN_FILE="$tmp/regressed.json"
gate
check "exit 1" test "$rc" -eq 1
check "verdict regressed" test "$(output_of verdict)" = regressed
check "error annotation" grep -q "::error title=Carbon regression::" "$case_dir/stdout"
check "still one comment" test "$(comments)" -eq 1
check "the same comment" test "$(jq '.comments[0].id' "$FAKE_GH_STATE")" = "$first_id"
check "edited with PATCH" grep -q -- "--method PATCH repos/carbon-harness/carbon-harness/issues/comments/$first_id" "$FAKE_GH_LOG"
check "comment now says regressed" grep -q "\*\*regressed\*\*" <(comment_body)

new_case regression-allowed
export CARBON_BASELINE=ci CARBON_RUN_FILE="$tmp/regressed.json" CARBON_FAIL_ON_REGRESSION=false
gate
check "exit 0" test "$rc" -eq 0
check "verdict regressed" test "$(output_of verdict)" = regressed
check "warning annotation" grep -q "::warning title=Carbon regression::" "$case_dir/stdout"

new_case harness-error
export CARBON_BASELINE=ci CARBON_WORKLOADS=no-such-workload CARBON_BENCH_ARGS="--meter fake --duration 100ms"
gate
check "exit 2" test "$rc" -eq 2
check "verdict error" test "$(output_of verdict)" = error
check "distinct message" grep -q "carbon-harness failed (not a verdict on your change)" "$case_dir/stdout"
check "summary says not a verdict" grep -q "not a verdict on the change" "$GITHUB_STEP_SUMMARY"
check "comment updated, still one" test "$(comments)" -eq 1 -a "$(jq '.comments[0].id' "$FAKE_GH_STATE")" = "$first_id"
check "comment says the harness failed" grep -q "the harness failed" <(comment_body)

new_case missing-baseline
export CARBON_BASELINE=nope CARBON_RUN_FILE="$tmp/run.json"
gate
check "exit 2" test "$rc" -eq 2
check "names the missing baseline" grep -q "no baseline \`nope\` on the base commit" "$case_dir/stdout"

pr_state 8
new_case comment-refused
export CARBON_BASELINE=ci CARBON_RUN_FILE="$tmp/run.json" FAKE_GH_FAIL=1
gate
check "exit 0 despite the comment failure" test "$rc" -eq 0
check "warning about the comment" grep -q "::warning title=carbon-harness comment::" "$case_dir/stdout"

new_case bench-with-zone
export CARBON_BASELINE=ci CARBON_WORKLOADS=spin:10000 CARBON_DURATION=100ms CARBON_ZONE=FR CARBON_REPETITIONS=2
export CARBON_BENCH_ARGS="--meter fake --warmup 0s --idle 0s --concurrency 1" CARBON_FAIL_ON_REGRESSION=false
gate
check "exit 0 (fail-on-regression false)" test "$rc" -eq 0
check "the run used the country table" test "$(jq -r '.intensity.source + " " + .intensity.zone' "$(output_of run-path)")" = "country FRA"
check "HTML report written" test -s "$(output_of report-path)"
unset CARBON_ZONE
export CARBON_REPETITIONS=6

new_case push-optional
CARBON_PUSHGATEWAY_URL=http://127.0.0.1:9 bash "$scripts/push.sh" "$tmp/run.json" >"$case_dir/stdout" 2>"$case_dir/stderr" &&
  rc=0 || rc=$?
check "exit 0 when the Pushgateway is unreachable" test "$rc" -eq 0
check "the push was attempted" grep -qi "127.0.0.1:9" "$case_dir/stderr"

# The head commit: the same tree with the spin loop running 5 % more iterations, a real regression in real code.
spin="$tmp/repo/harness/src/load/spin.rs"
anchor='for _ in 0..black_box(iterations) {'
git -C "$tmp/repo" checkout --quiet -- bench-results/baselines/ci.json
grep -qF "$anchor" "$spin" || { echo "cannot find the spin loop to patch in $spin: update this test"; exit 2; }
sed -i "s|$anchor|for _ in 0..black_box(iterations + iterations / 20) {|" "$spin"
git -C "$tmp/repo" -c user.name=t -c user.email=t@t commit --quiet -am "head: spin +5 %"
head_sha="$(git -C "$tmp/repo" rev-parse HEAD)"

pr_state 9
new_case build-ab-worktrees
# build.sh with a fake cargo: checks the merge base, the worktree and where each binary comes from, without compiling.
(
  export PATH="$here/fake-cargo:$PATH" FAKE_CARGO_LOG="$case_dir/cargo.log" CARGO_TARGET_DIR="$case_dir/target"
  export CARBON_MODE=ab CARBON_PROFILE=release
  cd "$tmp/repo" && bash "$scripts/build.sh"
) >"$case_dir/stdout" 2>"$case_dir/stderr" && rc=0 || rc=$?
check "exit 0" test "$rc" -eq 0
check "base is the merge base of the event's base commit" test "$(output_of base-sha)" = "$base_sha"
check "base binary built from the base commit" test "$("$(output_of base-bin)")" = "$base_sha"
check "head binary built from the head commit" test "$("$(output_of head-bin)")" = "$head_sha"
check "both built with --locked --profile release" test "$(grep -c -- "build --locked --profile release -p harness" "$case_dir/cargo.log")" -eq 2
check "base built in its worktree" grep -q "^$(output_of base-dir) build" "$case_dir/cargo.log"
wrappers() { sed -n 's/.* wrapper=\([^ ]*\) .*/\1/p' "$case_dir/cargo.log"; }
check "each side built through its own workspace wrapper" test "$(wrappers | sort -u | wc -l)" -eq 2
check "each side's build told its commit" test "$(sed -n 's/.* commit=//p' "$case_dir/cargo.log" | tr '\n' ' ')" = "$base_sha $head_sha "

new_case build-no-base
(
  export PATH="$here/fake-cargo:$PATH" FAKE_CARGO_LOG="$case_dir/cargo.log" CARGO_TARGET_DIR="$case_dir/target"
  export CARBON_MODE=ab GITHUB_EVENT_NAME=workflow_dispatch GITHUB_EVENT_PATH=/dev/null
  cd "$tmp/repo" && bash "$scripts/build.sh"
) >"$case_dir/stdout" 2>"$case_dir/stderr" && rc=0 || rc=$?
check "exit 2 without a base commit" test "$rc" -eq 2
check "says to use mode baseline" grep -q "Use mode: baseline" "$case_dir/stdout"

new_case build-two-trees
# Issue #22: two checkouts of one workspace built into one target directory must each get their own code. A small
# workspace with the same shape as this one (a `harness` binary over a path crate) builds in seconds, so every order
# and profile runs with real cargo: commits 1 -> 2 -> 1 of a constant, each pull request's base and head built by
# build.sh into the same CARGO_TARGET_DIR as the previous one, debug and release.
mini="$tmp/mini"
mkdir -p "$mini/harness/src" "$mini/core/src"
printf '[workspace]\nresolver = "3"\nmembers = ["harness", "core"]\n' >"$mini/Cargo.toml"
printf '[package]\nname = "harness"\nversion = "0.1.0"\nedition = "2024"\n[dependencies]\ncore1 = { package = "core", path = "../core" }\n' \
  >"$mini/harness/Cargo.toml"
printf '[package]\nname = "core"\nversion = "0.1.0"\nedition = "2024"\n' >"$mini/core/Cargo.toml"
cat >"$mini/harness/src/main.rs" <<'RUST'
fn main() {
    let commit = option_env!("CARBON_HARNESS_COMMIT").unwrap_or("unknown");
    println!("harness 0.1.0 (commit {commit}) code={}", core1::CODE);
}
RUST
mini_commit() { # mini_commit CODE: commit the workspace with core::CODE = CODE, print the commit
  echo "pub const CODE: u32 = $1;" >"$mini/core/src/lib.rs"
  git -C "$mini" -c user.name=t -c user.email=t@t commit --quiet -am "code $1" && git -C "$mini" rev-parse HEAD
}
git -C "$mini" init --quiet -b main
echo "pub const CODE: u32 = 0;" >"$mini/core/src/lib.rs"
(cd "$mini" && cargo generate-lockfile --offline --quiet && git add -A && git -c user.name=t -c user.email=t@t commit --quiet -m init)
c1="$(mini_commit 1)" c2="$(mini_commit 2)" c3="$(mini_commit 1)"
code_of() { "$(output_of "$1")" | sed -n 's/.*code=//p'; }
(
  # The trap itself, without build.sh: clone both trees, then build one after the other into one target dir. Shown,
  # not checked: it is cargo's behaviour, not ours.
  t="$case_dir/trap"
  git clone --quiet "$mini" "$t/base" && git -C "$t/base" checkout --quiet "$c1"
  git clone --quiet "$mini" "$t/head" && git -C "$t/head" checkout --quiet "$c2"
  export CARGO_TARGET_DIR="$t/target"
  (cd "$t/base" && cargo build --quiet --offline) && cp "$t/target/debug/harness" "$t/base.bin"
  (cd "$t/head" && cargo build --quiet --offline) && cp "$t/target/debug/harness" "$t/head.bin"
  echo "  (plain cargo, no build.sh: base (code 1) runs code=$("$t/base.bin" | sed -n 's/.*code=//p'), head (code 2) runs code=$("$t/head.bin" | sed -n 's/.*code=//p'))"
) 2>>"$case_dir/stderr" || true
for profile in dev release; do
  for pair in "$c1 $c2 1 2" "$c2 $c3 2 1"; do
    read -r b h want_base want_head <<<"$pair"
    git -C "$mini" checkout --quiet --detach "$h"
    set +e
    (
      export CARBON_MODE=ab CARBON_PROFILE="$profile" BASE_SHA="$b" CARGO_TARGET_DIR="$tmp/mini-target"
      export CARBON_CARGO_ARGS="build --locked --offline --quiet --profile $profile -p harness --bin harness"
      cd "$mini" && bash "$scripts/build.sh"
    ) >"$case_dir/build.stdout" 2>"$case_dir/build.stderr"
    rc=$?
    set -e
    check "$profile, base code $want_base then head code $want_head: build.sh exit 0" test "$rc" -eq 0
    check "$profile, base code $want_base then head code $want_head: each binary runs its own tree's code" \
      test "$(code_of base-bin) $(code_of head-bin)" = "$want_base $want_head"
  done
done
git -C "$mini" worktree prune

if [[ "${CARBON_TEST_SKIP_AB:-}" == 1 ]]; then
  echo "case ab-two-builds: skipped (CARBON_TEST_SKIP_AB=1)"
else
  new_case ab-two-builds
  # Two real builds by build.sh, the way the action runs it: the fixture's merge base in a worktree, then the patched
  # head, both into the suite's own target directory (the one `cargo test` used). `cargo test --workspace --no-run`
  # has the same feature set as the `cargo test --workspace` CI runs first, so the dependencies are reused (a plain
  # `cargo build` resolves other features and recompiles candle); `--test ab_cli` limits it to the harness binary
  # and one small test instead of every test binary (about 0.5 GB each, per side).
  export CARBON_MODE=ab CARBON_PROFILE=dev CARBON_CARGO_ARGS="test --locked --workspace --no-run --quiet --test ab_cli"
  set +e
  (cd "$tmp/repo" && bash "$scripts/build.sh") >"$case_dir/build.stdout" 2>"$case_dir/build.stderr"
  build_rc=$?
  set -e
  unset CARBON_CARGO_ARGS
  check "build.sh built both sides" test "$build_rc" -eq 0
  reported() { "$1" --version | sed -n 's/.*(commit \([0-9a-f]*\)).*/\1/p'; }
  check "the base binary was built from the base commit" test "$(reported "$(output_of base-bin)")" = "$base_sha"
  check "the head binary was built from the head commit" test "$(reported "$(output_of head-bin)")" = "$head_sha"
  # The build just wrote gigabytes to the target directory: flush them now, or the kernel's writeback competes with
  # the measurement for the first half minute (base repetitions 5-15 % slow, and the 5 % change lost in the noise).
  sync
  BASE_BIN="$(output_of base-bin)"
  BASE_DIR="$(output_of base-dir)"
  export CARBON_MODE=ab BASE_BIN BASE_DIR HEAD_DIR="$tmp/repo"
  # 1 s repetitions, 12 per side, interleaved. On this shared 2-vCPU VM the per-repetition noise of a single-threaded
  # loop swings between about 1 % (quiet host) and 7 % (busy host, measured 2026-11-28: 340-436 ops/s back to back).
  # With 12 repetitions a side, a 99 % Holm interval clears the 1 % threshold for a ~5 % change only when that noise is
  # at most about 2.5 %. So: up to three measurements; then, if the change still is not flagged, the detection checks
  # run only when the base side's noise says a 5 % change was detectable, and otherwise the test says it could not
  # judge (it never passes a missed detection on a quiet machine).
  export CARBON_WORKLOADS=spin:1000000 CARBON_DURATION=1s CARBON_REPETITIONS=12 CARBON_THRESHOLD=1%
  export CARBON_BENCH_ARGS="--meter fake --intensity 400 --warmup 100ms --idle 0s --concurrency 1"
  head_bin="$(output_of head-bin)"
  energy_verdict() {
    jq -r '.workloads[] | select(.name == "spin:1000000") | .metrics[] | select(.metric == "energy_j_per_op") |
      .verdict' "$CARBON_OUT_DIR/compare.json" 2>/dev/null
  }
  # Coefficient of variation (%) of the base side's per-repetition throughput.
  base_noise() {
    jq -r '[.workloads[0].repetitions[].throughput_ops_per_s] | (add / length) as $m
      | ((map((. - $m) * (. - $m)) | add) / (length - 1) | sqrt) / $m * 100' "$CARBON_OUT_DIR/ab/base.json"
  }
  for attempt in 1 2 3; do
    HARNESS_BIN="$head_bin" gate
    [[ "$(output_of verdict)" != regressed || "$(energy_verdict)" != regressed ]] || break
    echo "  attempt $attempt: verdict $(output_of verdict), energy per op $(energy_verdict), base noise $(base_noise | cut -c1-4) % (noisy machine?)"
  done
  noise="$(base_noise)"
  if [[ "$(energy_verdict)" != regressed ]] && awk -v n="$noise" 'BEGIN { exit !(n > 2.5) }'; then
    echo "  NOT JUDGED: the 5 % regression was not flagged, and the base repetitions varied by ${noise:0:4} % (> 2.5 %):"
    echo "  this machine is too noisy right now for a 5 % change to be detectable; rerun on a quieter machine"
    check "exit 0 or 1 (a verdict, not a harness error)" test "$rc" -le 1
  else
    check "exit 1" test "$rc" -eq 1
    check "verdict regressed" test "$(output_of verdict)" = regressed
    check "spin's energy per op regressed" test "$(energy_verdict)" = regressed
  fi
  check "12 interleaved repetitions per side" test "$(jq '.workloads[0].repetitions | length' "$CARBON_OUT_DIR/ab/head.json")" -eq 12
  check "base run recorded the base commit" test "$(jq -r .git.commit "$CARBON_OUT_DIR/ab/base.json")" = "$base_sha"
  check "head run recorded the head commit" test "$(jq -r .git.commit "$CARBON_OUT_DIR/ab/head.json")" = "$head_sha"
  jq -r '.workloads[] | .name as $w | .metrics[] | "    \($w) \(.metric): \(.change.relative // "n/a") \(.verdict)"' \
    "$CARBON_OUT_DIR/compare.json" || true
fi

echo "github-action tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
