#!/usr/bin/env bash
# The gate: measure, compare, report, decide.
#   mode ab:       `harness ab` runs the base and head interleaved on this runner, then `harness compare`. Subject
#                  harness (plan.sh): the two builds of the harness (BASE_BIN, HARNESS_BIN). Subject user: the
#                  installed harness measures each checkout (BASE_DIR, HEAD_DIR): its service (CARBON_START, started
#                  afresh for every repetition and side, health-checked, stopped) or its `cmd:` workloads; or
#                  CARBON_CRITERION, a criterion bench command run once per side and imported.
#   mode baseline: `harness bench` on the head (or CARBON_RUN_FILE), then `harness compare` against
#                  bench-results/baselines/<name>.json as it is on the base commit (a pull request cannot move its own
#                  reference), or in the working tree when there is no base commit (pushes).
# Then: the Markdown comparison into $GITHUB_STEP_SUMMARY, one PR comment updated in place (comment.sh), outputs
# verdict / run-path / report-path / compare-path, and the exit status:
#   0 no regression (or a regression with CARBON_FAIL_ON_REGRESSION=false: a warning), 1 regression,
#   2 the harness or the action failed: "the tool broke", never "your change regressed" (verdict output `error`).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/common.sh
source "$here/common.sh"

mode="${CARBON_MODE:-ab}"
subject="${CARBON_SUBJECT:-harness}"
out="${CARBON_OUT_DIR:?CARBON_OUT_DIR must be set}"
harness="${HARNESS_BIN:?HARNESS_BIN must be set (the head build of harness)}"
repetitions="${CARBON_REPETITIONS:-6}"
baseline="${CARBON_BASELINE:-main}"
log="$out/harness.log"
mkdir -p "$out"
: >"$log"

# harness_error MESSAGE: report "the tool broke" everywhere the verdict would go, then exit 2.
harness_error() {
  local body="$out/comment.md"
  set_output verdict error
  {
    echo "## Carbon gate: the harness failed"
    echo
    echo "**This is not a verdict on the change**: the measurement or comparison itself failed, so nothing was decided."
    echo
    echo "$1"
    echo
    # The harness's own last error line says what to fix (a service that never answered, a bad flag).
    local cause
    cause="$(grep -E '^error: ' "$log" | tail -n 1)"
    [[ -n "$cause" ]] && printf '> %s\n\n' "${cause#error: }"
    echo '<details><summary>Last lines of the harness output</summary>'
    echo
    echo '```'
    tail -n 40 "$log"
    echo '```'
    echo '</details>'
  } >"$body"
  summary "$body"
  maybe_comment "$body"
  annotate error "carbon-harness failed (not a verdict on your change)" "$1"
  exit 2
}

maybe_comment() {
  if is_true "${CARBON_COMMENT:-true}"; then
    "$here/comment.sh" "$1" || annotate warning "carbon-harness comment" "could not post the PR comment (see the log); the gate result stands"
  fi
}

# run_logged CMD...: run a harness command, its stderr (and stdout) appended to the log and echoed.
run_logged() {
  echo "+ $*" | tee -a "$log" >&2
  "$@" 2>&1 | tee -a "$log" >&2
  return "${PIPESTATUS[0]}"
}

bench_args=()
IFS=',' read -r -a workloads <<<"${CARBON_WORKLOADS:-}"
for w in "${workloads[@]}"; do
  w="${w// /}"
  [[ -n "$w" ]] && bench_args+=(--workload "$w")
done
meter="${CARBON_METER:-}"
if [[ "$meter" == instructions ]]; then
  # Counted runs take a fixed number of ops (the harness default), not a duration, and need Valgrind.
  bench_args+=(--meter instructions)
  if ! command -v valgrind >/dev/null; then
    echo "+ installing valgrind for --meter instructions" | tee -a "$log" >&2
    { sudo -n apt-get update -qq && sudo -n apt-get install -y -qq valgrind; } >>"$log" 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq valgrind; } >>"$log" 2>&1 ||
      harness_error "meter instructions needs Valgrind and it could not be installed (\`sudo apt-get install -y valgrind\` failed; see the log). Install it in an earlier step."
  fi
else
  [[ -n "$meter" ]] && bench_args+=(--meter "$meter")
  [[ -n "${CARBON_DURATION:-}" ]] && bench_args+=(--duration "$CARBON_DURATION")
fi
[[ -n "${CARBON_ZONE:-}" ]] && bench_args+=(--zone "$CARBON_ZONE")
if [[ -n "${CARBON_BENCH_ARGS:-}" ]]; then
  read -r -a extra <<<"$CARBON_BENCH_ARGS"
  bench_args+=("${extra[@]}")
fi
# Your repository gets no bench-results/emissions.csv from the gate: the CodeCarbon rows go to the artifact (mode
# baseline) or nowhere (mode ab, where both sides would share one file).
if [[ "$subject" == user && "$mode" == ab ]]; then
  bench_args+=(--no-emissions-csv)
elif [[ "$subject" == user ]]; then
  bench_args+=(--emissions-csv "$out/emissions.csv")
fi
# Your service: started by `harness bench --start` in each side's checkout, for every repetition.
if [[ -n "${CARBON_START:-}" ]]; then
  target="${CARBON_TARGET:-}"
  # Default: the health URL's scheme, host and port.
  [[ -n "$target" ]] || target="$(sed -E 's|^([a-zA-Z]+://[^/?#]+).*|\1|' <<<"${CARBON_HEALTH_URL:-}")"
  bench_args+=(--target "$target" --start "$CARBON_START" --service-log "$out/service.log")
  [[ -n "${CARBON_HEALTH_URL:-}" ]] && bench_args+=(--health-url "$CARBON_HEALTH_URL")
  [[ -n "${CARBON_HEALTH_TIMEOUT:-}" ]] && bench_args+=(--health-timeout "$CARBON_HEALTH_TIMEOUT")
  [[ -n "${CARBON_STOP:-}" ]] && bench_args+=(--stop "$CARBON_STOP")
fi
# The scenario as the head has it, for both sides (each side's bench runs in its own checkout: an absolute path).
if [[ -n "${CARBON_SCENARIO:-}" ]]; then
  [[ -f "$CARBON_SCENARIO" ]] || harness_error "input scenario: no file '$CARBON_SCENARIO' in the checkout ($(pwd))"
  bench_args+=(--scenario "$(cd "$(dirname "$CARBON_SCENARIO")" && pwd)/$(basename "$CARBON_SCENARIO")")
fi
compare_args=()
[[ -n "${CARBON_THRESHOLD:-}" ]] && compare_args+=(--threshold "$CARBON_THRESHOLD")
[[ "$repetitions" =~ ^[0-9]+$ && "$repetitions" -ge 2 ]] ||
  harness_error "input repetitions must be a whole number ≥ 2 (two samples per side at least), got '$repetitions'"

# resolve_baseline: set base to the baseline as it is on the base commit, or in the working tree without one.
resolve_baseline() {
  local rel="bench-results/baselines/$baseline.json" sha="${BASE_SHA:-$(event_field .pull_request.base.sha)}"
  if [[ -n "$sha" ]]; then
    git cat-file -e "$sha^{commit}" 2>/dev/null || git fetch --no-tags --quiet --depth=1 origin "$sha" >>"$log" 2>&1
    git show "$sha:$rel" >"$out/baseline.json" 2>>"$log" ||
      harness_error "no baseline \`$baseline\` on the base commit $sha ($rel). Record one on the base branch: \`cargo run -p harness -- bench --out run.json && cargo run -p harness -- baseline save run.json --name $baseline\`, commit $rel."
    base="$out/baseline.json"
  elif [[ -f "$rel" ]]; then
    base="$rel"
  else
    harness_error "no baseline \`$baseline\` ($rel) in the working tree. Record one: \`cargo run -p harness -- baseline save RUN.json --name $baseline\`, commit it."
  fi
}

# criterion_side SIDE DIR: run the criterion bench command in DIR with its own CRITERION_HOME (time samples) and
# CRITERION_ENERGY_HOME (where a bench measured with harness::criterion::Energy writes joules, when the command runs
# one: `CRITERION_HOME=$CRITERION_ENERGY_HOME cargo bench --bench energy`), then import the samples.
criterion_side() {
  local home="$out/criterion/$1" energy="$out/criterion-energy/$1"
  rm -rf "$home" "$energy"
  mkdir -p "$home" "$energy" "$out/ab"
  echo "+ ($2) CRITERION_HOME=$home CRITERION_ENERGY_HOME=$energy $CARBON_CRITERION" | tee -a "$log" >&2
  (cd "$2" && env -u CARGO_TARGET_DIR CRITERION_HOME="$home" CRITERION_ENERGY_HOME="$energy" bash -c "$CARBON_CRITERION") \
    >>"$log" 2>&1 || harness_error "input criterion: \`$CARBON_CRITERION\` failed in the $1 checkout (see the log)."
  local import_args=(import criterion "$home" --out "$out/ab/$1.json")
  [[ -n "$(ls -A "$energy")" ]] && import_args+=(--energy-dir "$energy")
  [[ -n "${CARBON_ZONE:-}" ]] && import_args+=(--zone "$CARBON_ZONE")
  run_logged "$harness" "${import_args[@]}" >/dev/null ||
    harness_error "\`harness import criterion\` found no usable criterion output of the $1 checkout in $home: does the bench command run criterion benches (cargo bench)?"
}

case "$mode/$subject" in
  ab/harness)
    [[ -n "${BASE_BIN:-}" ]] || harness_error "mode ab needs BASE_BIN (the base build); build.sh sets it"
    run_logged "$harness" ab --base-bin "$BASE_BIN" --base-dir "${BASE_DIR:-.}" --head-bin "$harness" \
      --head-dir "${HEAD_DIR:-.}" --repetitions "$repetitions" --out-dir "$out/ab" -- "${bench_args[@]}" >/dev/null
    rc=$?
    [[ $rc -le 1 ]] || harness_error "\`harness ab\` exited $rc."
    base="$out/ab/base.json"
    run="$out/ab/head.json"
    ;;
  ab/user)
    [[ -n "${BASE_DIR:-}" && -n "${HEAD_DIR:-}" ]] || harness_error "mode ab needs BASE_DIR and HEAD_DIR (the two checkouts); build.sh sets them"
    if [[ -n "${CARBON_CRITERION:-}" ]]; then
      criterion_side base "$BASE_DIR"
      criterion_side head "$HEAD_DIR"
    else
      run_logged "$harness" ab --base-dir "$BASE_DIR" --head-dir "$HEAD_DIR" --repetitions "$repetitions" \
        --out-dir "$out/ab" -- "${bench_args[@]}" >/dev/null
      rc=$?
      [[ $rc -le 1 ]] || harness_error "\`harness ab\` exited $rc."
    fi
    base="$out/ab/base.json"
    run="$out/ab/head.json"
    ;;
  baseline/*)
    if [[ -n "${CARBON_RUN_FILE:-}" ]]; then
      run="$CARBON_RUN_FILE"
      [[ -f "$run" ]] || harness_error "input run-file: no file $run"
    else
      run="$out/run.json"
      run_logged "$harness" bench "${bench_args[@]}" --repetitions "$repetitions" --out "$run" >/dev/null ||
        harness_error "\`harness bench\` exited $?."
    fi
    resolve_baseline
    ;;
  *) harness_error "unknown mode '$mode': use ab or baseline" ;;
esac

run_logged "$harness" compare "$base" "$run" --format json --out "$out/compare.json" "${compare_args[@]}"
rc=$?
[[ $rc -le 1 ]] || harness_error "\`harness compare\` exited $rc."
run_logged "$harness" compare "$base" "$run" --format markdown --out "$out/compare.md" "${compare_args[@]}"
rc=$?
[[ $rc -le 1 ]] || harness_error "\`harness compare --format markdown\` exited $rc."
verdict="$(jq -r '.verdict // empty' "$out/compare.json")"
[[ "$verdict" =~ ^(regressed|improved|unchanged|inconclusive)$ ]] ||
  harness_error "\`harness compare\` wrote no verdict to $out/compare.json."

run_logged "$harness" report "$run" --baseline "$base" --out "$out/report.html" "${compare_args[@]}"
[[ $? -le 1 ]] || annotate warning "carbon-harness report" "the HTML report could not be written (see the log); the verdict stands"

set_output verdict "$verdict"
set_output run-path "$run"
set_output base-path "$base"
set_output compare-path "$out/compare.json"
[[ -f "$out/report.html" ]] && set_output report-path "$out/report.html"

body="$out/comment.md"
{
  echo "## Carbon gate ($mode): **$verdict**"
  echo
  if [[ "$mode" == ab && -n "${CARBON_CRITERION:-}" ]]; then
    echo "Criterion benches (\`$CARBON_CRITERION\`) run once in the base checkout, then once in the head checkout, on the same runner; criterion's samples compared."
  elif [[ "$mode" == ab ]]; then
    echo "Base and head measured on the same runner, interleaved (A B, B A, …), $repetitions repetitions each."
    [[ -n "${CARBON_START:-}" ]] && echo "Each repetition started the side's service afresh (\`$CARBON_START\`), waited for it to answer, charged the energy to its server process and stopped it."
  else
    echo "Head compared with the baseline \`$baseline\`."
  fi
  echo
  cat "$out/compare.md"
} >"$body"
summary "$body"
maybe_comment "$body"

if [[ "$verdict" == regressed ]]; then
  if is_true "${CARBON_FAIL_ON_REGRESSION:-true}"; then
    annotate error "Carbon regression" "the head regressed against the base (see the job summary)"
    exit 1
  fi
  annotate warning "Carbon regression" "the head regressed against the base; fail-on-regression is false, so the job passes"
fi
exit 0
