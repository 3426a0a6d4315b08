#!/usr/bin/env bash
# The gate: measure, compare, report, decide.
#   mode ab:       `harness ab` runs the base and head builds interleaved on this runner, then `harness compare`.
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

case "$mode" in
  ab)
    [[ -n "${BASE_BIN:-}" ]] || harness_error "mode ab needs BASE_BIN (the base build); build.sh sets it"
    run_logged "$harness" ab --base-bin "$BASE_BIN" --base-dir "${BASE_DIR:-.}" --head-bin "$harness" \
      --head-dir "${HEAD_DIR:-.}" --repetitions "$repetitions" --out-dir "$out/ab" -- "${bench_args[@]}" >/dev/null
    rc=$?
    [[ $rc -le 1 ]] || harness_error "\`harness ab\` exited $rc."
    base="$out/ab/base.json"
    run="$out/ab/head.json"
    ;;
  baseline)
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
  if [[ "$mode" == ab ]]; then
    echo "Base and head measured on the same runner, interleaved (A B, B A, …), $repetitions repetitions each."
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
