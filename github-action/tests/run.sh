#!/usr/bin/env bash
# Tests of the action's scripts with a simulated GitHub (see github-action/README.md, "Tests").
# Usage: bash github-action/tests/run.sh    (from anywhere; builds nothing it can reuse)
# Environment: HARNESS_BIN (default: built here into $CARGO_TARGET_DIR or target/), CARBON_TEST_SKIP_AB=1 to skip the
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
  # The suite's own harness, built the way build.sh builds each side (issue #22): through a pass-through
  # RUSTC_WORKSPACE_WRAPPER at a path of its own, here one per checkout path. Cargo mixes that path into the unit hash
  # of the workspace crates, so no other checkout of this workspace built into the same CARGO_TARGET_DIR (an earlier
  # run's fixture trees, which are copies of this tree; a clone at another path sharing a cached target dir) can have
  # its artefacts taken for this tree's. Same feature set as CI's `cargo test --workspace`, so no dependency
  # recompiles; `--test ab_cli` limits it to the harness binary and one small test. Copied right away (below): the
  # next build into this target directory replaces target/debug/harness.
  suite_wrapper="$target/carbon-harness-build/suite-$(printf '%s' "$src" | sha256sum | cut -c1-16)/rustc-workspace-wrapper"
  mkdir -p "$(dirname "$suite_wrapper")"
  printf '#!/bin/sh\nexec "$@"\n' >"$suite_wrapper"
  chmod +x "$suite_wrapper"
  (cd "$src" && RUSTC_WORKSPACE_WRAPPER="$suite_wrapper" cargo test --locked --workspace --no-run --quiet --test ab_cli)
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
  unset CARBON_RUN_FILE CARBON_WORKLOADS CARBON_BENCH_ARGS CARBON_FAIL_ON_REGRESSION CARBON_BASELINE FAKE_GH_FAIL \
    CARBON_INSTALL CARBON_BUILD CARBON_START CARBON_HEALTH_URL CARBON_HEALTH_TIMEOUT CARBON_STOP CARBON_TARGET \
    CARBON_SCENARIO CARBON_CRITERION CARBON_SUBJECT CARBON_ACTION_REPOSITORY CARBON_ACTION_REF
  echo "case $1"
}
# pr_state NUMBER [BASE_SHA]: the pull request the next runs belong to (event file and fake gh comment store).
pr_state() {
  export GITHUB_EVENT_PATH="$tmp/event-$1.json" FAKE_GH_STATE="$tmp/gh-$1.json" FAKE_GH_LOG="$tmp/gh-$1.log"
  jq -n --argjson n "$1" --arg base "${2:-$base_sha}" \
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

# ---- Your code in any repository (issue #20): a Python web app with no Rust, the harness installed by the action. ----
# run_action DIR: the action's steps in order, wired as action.yml wires them: plan.sh → install.sh (subject user) →
# build.sh → gate.sh, each reading the previous steps' outputs. Sets rc (the first failing step's, else the gate's).
run_action() {
  set +e
  (
    set -e
    cd "$1"
    bash "$scripts/plan.sh"
    CARBON_SUBJECT="$(output_of subject)"
    export CARBON_SUBJECT
    if [[ "$CARBON_SUBJECT" == user ]]; then
      CARBON_INSTALL="$(output_of install)" CARBON_INSTALL_SOURCE="$(output_of install-source)" \
        CARBON_INSTALL_REF="$(output_of install-ref)" CARBON_INSTALL_ROOT="$case_dir/install" bash "$scripts/install.sh"
      HARNESS_BIN="$(output_of harness-bin)"
      export HARNESS_BIN
    fi
    bash "$scripts/build.sh"
    HARNESS_BIN="$(output_of head-bin)" BASE_BIN="$(output_of base-bin)" BASE_DIR="$(output_of base-dir)"
    HEAD_DIR="$(output_of head-dir)"
    export HARNESS_BIN BASE_BIN BASE_DIR HEAD_DIR
    bash "$scripts/gate.sh"
  ) >"$case_dir/stdout" 2>"$case_dir/stderr"
  rc=$?
  set -e
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
not() { ! "$@"; }
listening() { python3 -c "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$1" 2>/dev/null; }
metric_verdict() { # metric_verdict WORKLOAD METRIC: its verdict in the case's compare.json
  jq -r --arg w "$1" --arg m "$2" '.workloads[] | select(.name == $w) | .metrics[] | select(.metric == $m) | .verdict' \
    "$CARBON_OUT_DIR/compare.json" 2>/dev/null
}

ext="$tmp/ext"
mkdir -p "$ext"
cp "$here/external-service/app.py" "$here/external-service/scenario.toml" "$ext/"
echo "# a small Python web app (no Rust here)" >"$ext/README.md"
# Stands in for `cargo bench` in the criterion case: criterion's output for this commit's code (recorded fixtures).
# shellcheck disable=SC2016  # expanded by bench.sh, not here
printf '%s\n' 'cp -r "$CRITERION_FIXTURES/base/." "$CRITERION_HOME/"' \
  'cp -r "$CRITERION_FIXTURES/energy-base/." "$CRITERION_ENERGY_HOME/"' >"$ext/bench.sh"
git -C "$ext" init --quiet -b main
git -C "$ext" add -A
git -C "$ext" -c user.name=t -c user.email=t@t commit --quiet -m "a Python app"
ext_base="$(git -C "$ext" rev-parse HEAD)"
# The head commit: /price does three times the work; the criterion stand-in reports the slower fixture.
sed -i 's/^ROUNDS = 20000$/ROUNDS = 60000/' "$ext/app.py"
grep -q '^ROUNDS = 60000$' "$ext/app.py" || { echo "cannot find ROUNDS in external-service/app.py: update this test"; exit 2; }
sed -i 's#/base/#/head/#; s#/energy-base/#/energy-head/#' "$ext/bench.sh"
git -C "$ext" -c user.name=t -c user.email=t@t commit --quiet -am "price: 3x the rounds"
ext_head="$(git -C "$ext" rev-parse HEAD)"
git -C "$ext" checkout --quiet -b no-change "$ext_base"
echo "Run it: python3 app.py 8000" >>"$ext/README.md"
git -C "$ext" -c user.name=t -c user.email=t@t commit --quiet -am "README only"
ext_same="$(git -C "$ext" rev-parse HEAD)"
export CRITERION_FIXTURES="$src/harness/tests/fixtures/criterion"

# The service inputs of the external-service case, on a free port (PORT).
service_inputs() {
  export CARBON_MODE=ab CARBON_START="python3 app.py $1" CARBON_HEALTH_URL="http://127.0.0.1:$1/health"
  export CARBON_SCENARIO=scenario.toml CARBON_BUILD="python3 -m py_compile app.py"
  # 6 interleaved 300 ms repetitions per side and request; 5 % band: a 3x endpoint is far outside it, and an
  # unchanged app must stay inside it.
  export CARBON_REPETITIONS=6 CARBON_DURATION=300ms CARBON_THRESHOLD=5%
  export CARBON_BENCH_ARGS="--meter fake --intensity 400 --warmup 200ms --idle 0s --concurrency 1"
}

pr_state 20
new_case plan-inputs
plan_in() { # plan_in DIR [VAR=VALUE...]: plan.sh alone (mode ab unless given), with these inputs; sets rc
  set +e
  (cd "$1" && env CARBON_MODE=ab GITHUB_ACTION_PATH="$src/github-action" "${@:2}" bash "$scripts/plan.sh") \
    >"$case_dir/stdout" 2>"$case_dir/stderr"
  rc=$?
  set -e
}
bad_plan() { # bad_plan DESCRIPTION EXPECTED VAR=VALUE...: plan.sh in the Python repo refuses, naming the problem
  plan_in "$ext" "${@:3}"
  check "$1: exit 2" test "$rc" -eq 2
  check "$1: says what to fix" grep -qF "$2" "$case_dir/stdout"
}
bad_plan "unknown install" "input install is 'npm': use auto, checkout, git" CARBON_INSTALL=npm CARBON_WORKLOADS=cmd:true
bad_plan "start without health-url" "input start needs health-url" CARBON_START="python3 app.py"
bad_plan "missing scenario" "input scenario: no file 'nope.toml'" CARBON_START="python3 app.py" \
  CARBON_HEALTH_URL=http://127.0.0.1:1/health CARBON_SCENARIO=nope.toml
bad_plan "health-url without start" "go with start" CARBON_HEALTH_URL=http://127.0.0.1:1/health
bad_plan "start and criterion" "both set" CARBON_START=x CARBON_CRITERION="cargo bench"
bad_plan "nothing to measure" "nothing of yours to measure" CARBON_INSTALL=git
bad_plan "checkout outside the harness repository" "not the carbon-harness workspace" CARBON_INSTALL=checkout \
  CARBON_WORKLOADS=cmd:true
bad_plan "binary that does not exist" "not an executable file" CARBON_INSTALL=binary:/nonexistent/harness \
  CARBON_WORKLOADS=cmd:true
bad_plan "criterion with a committed baseline" "works with mode ab only" CARBON_CRITERION="cargo bench" \
  CARBON_MODE=baseline
pinned=0123456789abcdef0123456789abcdef01234567
plan_in "$ext" CARBON_WORKLOADS="cmd:python3 app.py --help" CARBON_ACTION_REPOSITORY=carbon-harness/carbon-harness \
  CARBON_ACTION_REF="$pinned"
check "a published action installs its own repository at its own ref" \
  test "$(output_of subject) $(output_of install) $(output_of install-source) $(output_of install-ref)" = \
  "user git https://github.com/carbon-harness/carbon-harness $pinned"
check "the installed binary is cached by that commit" test "$(output_of cache-key)" = "carbon-harness-bin-linux-release-$pinned"
plan_in "$ext" CARBON_WORKLOADS="cmd:python3 app.py --help"
check "a local action installs the workspace it is part of" test "$(output_of install) $(output_of install-source)" = "path $src"
plan_in "$tmp/repo"
check "this repository, nothing of the user's: the harness is the code under test" \
  test "$(output_of subject) $(output_of install)" = "harness checkout"

new_case install-git
(
  export PATH="$here/fake-cargo:$PATH" FAKE_CARGO_LOG="$case_dir/cargo.log" FAKE_CARGO_INSTALL_BIN="$HARNESS_BIN"
  export CARBON_INSTALL=git CARBON_INSTALL_SOURCE=https://github.com/carbon-harness/carbon-harness
  export CARBON_INSTALL_REF=0123456789abcdef0123456789abcdef01234567 CARBON_INSTALL_ROOT="$case_dir/root"
  bash "$scripts/install.sh" && bash "$scripts/install.sh"
) >"$case_dir/stdout" 2>"$case_dir/stderr" && rc=0 || rc=$?
check "exit 0" test "$rc" -eq 0
check "cargo install --git at the pinned commit, locked, into the cached root" \
  test "$(cut -d' ' -f2- "$case_dir/cargo.log" | sed 's/ wrapper=.*//')" = "install --locked --root $case_dir/root --profile release --git https://github.com/carbon-harness/carbon-harness --rev 0123456789abcdef0123456789abcdef01234567 harness"
check "a restored binary is not installed again" test "$(wc -l <"$case_dir/cargo.log")" -eq 1
check "harness-bin output" test "$(output_of harness-bin)" = "$case_dir/root/bin/harness"

external_failed_before=$failed
pr_state 21 "$ext_base"
new_case external-service
git -C "$ext" checkout --quiet "$ext_head"
port="$(free_port)"
service_inputs "$port"
# Installed for real, `cargo install --path` of this checkout, the way a local action installs itself. Into this
# suite's CARGO_TARGET_DIR, where `cargo test --workspace` built the same units (one feature set, issue #18): nothing
# compiles, ~2 s (measured 2.3 s). Offline: the registry is already on disk, and tests reach no network.
export CARBON_INSTALL="path:$src" CARBON_PROFILE=dev
install_started=$SECONDS
CARGO_NET_OFFLINE=true run_action "$ext"
unset CARBON_PROFILE
check "exit 1" test "$rc" -eq 1
check "verdict regressed" test "$(output_of verdict)" = regressed
check "/price's energy per op regressed" test "$(metric_verdict price energy_j_per_op)" = regressed
check "installed with cargo install --path" \
  grep -q "^::group::cargo install --locked --root $case_dir/install --profile dev --path $src/harness$" "$case_dir/stdout"
check "the installed harness runs" "$case_dir/install/bin/harness" --version
echo "  (install, build, measure and report: $((SECONDS - install_started)) s)"
check "the build command ran in both checkouts" \
  test -d "$(output_of base-dir)/__pycache__" -a -d "$ext/__pycache__" -a "$(output_of base-dir)" != "$ext"
check "summary written" grep -q "Carbon gate (ab): \*\*regressed\*\*" "$GITHUB_STEP_SUMMARY"
check "summary says how the service was run" grep -q "started the side's service afresh" "$GITHUB_STEP_SUMMARY"
check "one comment, saying regressed" test "$(comments)" -eq 1 -a "$(comment_body | grep -c '\*\*regressed\*\*')" -ge 1
check "each side's run records its commit" \
  test "$(jq -r .git.commit "$CARBON_OUT_DIR/ab/base.json") $(jq -r .git.commit "$CARBON_OUT_DIR/ab/head.json")" = "$ext_base $ext_head"
check "energy charged to the server process" \
  test "$(jq -r .config.attribution "$CARBON_OUT_DIR/ab/head.json")" = server-pid-cpu-share
check "6 paired repetitions per request" \
  test "$(jq '[.workloads[] | [.repetitions[].pair] == [0,1,2,3,4,5]] | all' "$CARBON_OUT_DIR/ab/head.json")" = true
check "the service was stopped" not listening "$port"
check "nothing written into the repository's checkouts" \
  test -z "$(git -C "$ext" status --porcelain --ignored | grep -v __pycache__)" -a ! -e "$(output_of base-dir)/bench-results"
jq -r '.workloads[] | .name as $w | .metrics[] | "    \($w) \(.metric): \(.change.relative // "n/a") \(.verdict)"' \
  "$CARBON_OUT_DIR/compare.json" 2>/dev/null | grep -E 'energy_j_per_op:|latency_p50' || true

pr_state 22 "$ext_base"
new_case external-service-no-change
git -C "$ext" checkout --quiet "$ext_same"
port="$(free_port)"
service_inputs "$port"
export CARBON_INSTALL="binary:$HARNESS_BIN"
run_action "$ext"
check "exit 0" test "$rc" -eq 0
check "a verdict, not regressed" grep -qxE "unchanged|improved|inconclusive" <<<"$(output_of verdict)"
check "/price's energy per op not regressed" test "$(metric_verdict price energy_j_per_op)" != regressed
check "summary written" grep -q "Carbon gate (ab): \*\*" "$GITHUB_STEP_SUMMARY"
check "one comment" test "$(comments)" -eq 1
if [[ $failed -eq $external_failed_before ]]; then echo "external-service: ok"; else echo "external-service: FAILED"; fi

pr_state 23 "$ext_base"
new_case external-service-unhealthy
git -C "$ext" checkout --quiet "$ext_head"
port="$(free_port)"
service_inputs "$port"
export CARBON_INSTALL="binary:$HARNESS_BIN" CARBON_START="echo never listening; exec sleep 60" CARBON_HEALTH_TIMEOUT=1s
run_action "$ext"
check "exit 2" test "$rc" -eq 2
check "verdict error" test "$(output_of verdict)" = error
check "the summary names the health URL and the timeout" \
  grep -q "no 2xx answer within 1s of starting" "$GITHUB_STEP_SUMMARY"
check "and quotes the service's output" grep -q "never listening" "$GITHUB_STEP_SUMMARY"

pr_state 24 "$ext_base"
new_case criterion-command
git -C "$ext" checkout --quiet "$ext_head"
unset CARBON_THRESHOLD CARBON_DURATION
export CARBON_MODE=ab CARBON_INSTALL="binary:$HARNESS_BIN" CARBON_CRITERION="bash bench.sh" CARBON_REPETITIONS=6
run_action "$ext"
check "exit 1" test "$rc" -eq 1
check "fib/20's energy per op regressed" test "$(metric_verdict fib/20 energy_j_per_op)" = regressed
check "parse_json's did not" test "$(metric_verdict parse_json energy_j_per_op)" != regressed
check "summary says criterion ran once per side" grep -q "Criterion benches (\`bash bench.sh\`) run once" "$GITHUB_STEP_SUMMARY"
unset CARBON_CRITERION
git -C "$tmp/repo" worktree prune
export CARBON_MODE=baseline CARBON_REPETITIONS=6
pr_state 25  # back to the fixture repository's base commit for the ab case below

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
  # Which code each binary runs, decided by a count that no noise blurs: instructions per op of spin under Valgrind
  # (`--meter instructions`, deterministic: 6,723,248.7 per op at spin:100000 in two runs, 1.0500x at spin:105000).
  # The head's loop runs 1.05x the iterations, so its binary must count about 5 % more than the base's; the same
  # count means both binaries run one tree's code (issue #22's trap, e.g. through a reused CARGO_TARGET_DIR).
  instructions_of() { # instructions_of BIN DIR NAME: instructions per op of spin:100000
    (cd "$2" && "$1" bench --meter instructions --workload spin:100000 --ops 5 --repetitions 2 --warmup 0s --idle 0s \
      --intensity 400 --no-emissions-csv --out "$case_dir/instructions-$3.json") >/dev/null 2>>"$case_dir/stderr" &&
      jq '.workloads[0].instructions_per_op' "$case_dir/instructions-$3.json"
  }
  if command -v valgrind >/dev/null; then
    base_count="$(instructions_of "$(output_of base-bin)" "$(output_of base-dir)" base || echo 0)"
    head_count="$(instructions_of "$(output_of head-bin)" "$tmp/repo" head || echo 0)"
    ratio="$(awk -v b="$base_count" -v h="$head_count" 'BEGIN { if (b > 0) printf "%.4f", h / b; else print "none" }')"
    check "each binary runs its own tree's code: head/base instructions per op $ratio (the patch: 1.05)" \
      awk -v r="$ratio" 'BEGIN { exit !(r + 0 > 1.04 && r + 0 < 1.06) }'
  else
    echo "  (valgrind not installed: the instruction-count check of each binary's code is skipped)"
  fi
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
  noise="$(base_noise || echo unknown)"
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
