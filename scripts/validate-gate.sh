#!/usr/bin/env bash
# Validation benchmark of the `harness compare` gate with the `spin:N` calibration workload (issues 7 and 16), on a
# quiet machine or under injected noise.
#
#   A/A: spin:N against spin:N, PAIRS independent pairs      -> how many pairs falsely say "regressed" (goal: 0)
#   A/B: spin:N against spin:N*(1+d/100) for each d in DELTAS -> how many pairs say "regressed" (goal: >= 19 of 20)
#
# MODE (one or more, space-separated, in MODES):
#   ab        REPS repetitions per side, interleaved A B / B A (one `harness bench --repetitions 1` call per
#             repetition, order alternating), merged per side and marked as one `harness ab` session with pair numbers
#             (what `harness ab` writes), so `compare` runs its paired t-test.
#   baseline  what a user does without `ab`: `harness bench --repetitions REPS` for the base, then the same for the
#             candidate, then `harness compare` (Welch).
# NOISE (one or more, in NOISE_MODES): a background CPU hog, one busy shell loop (one core):
#   off       no hog
#   whole     the hog runs for the whole pair (both sides)
#   step      the hog runs while the candidate side is measured only (ab: during the candidate's repetitions)
#   random    the hog is switched on or off at random every TOGGLE_MIN..TOGGLE_MAX seconds for the whole pair
# The candidate's workload is relabelled `spin` on both sides so compare sees the same benchmark (what a real code
# change looks like). `harness compare` runs with its defaults and its exit code is counted (1 = regressed); pairs
# where some verdict is inconclusive because of the environment or settings guard are counted too.
#
# NEWCOMER=1 instead runs the newcomer case of issue 16: the default `harness bench` twice, the second with the hog,
# then `harness compare` both ways (expected: exit 0 with the ENVIRONMENT reason shown).
#
# Usage: scripts/validate-gate.sh   (env: HARNESS, N, PAIRS, REPS, DURATION, WARMUP, DELTAS, MODES, NOISE_MODES,
#                                   TOGGLE_MIN, TOGGLE_MAX, OUT_DIR, NEWCOMER, COMPARE_ARGS: extra `compare` flags,
#                                   e.g. "--threshold energy=1%"; every pair's base.json/cand.json stay in OUT_DIR, so
#                                   other settings can be re-judged afterwards without measuring again)
# The whole matrix of issue 16 is one command:
#   MODES="baseline ab" NOISE_MODES="off whole step random" DELTAS="0 3 5" scripts/validate-gate.sh
# Needs: a built harness binary and python3 (for merging JSON). Bench time per side ~ REPS x (DURATION + WARMUP + ~0.3 s)
# in ab mode, REPS x DURATION + WARMUP in baseline mode. Never part of `cargo test` or .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

HARNESS=${HARNESS:-target/release/harness}
N=${N:-1000000}
PAIRS=${PAIRS:-20}
REPS=${REPS:-16}
DURATION=${DURATION:-1s}
WARMUP=${WARMUP:-200ms}
DELTAS=${DELTAS:-"0 5"}
MODES=${MODES:-ab}
NOISE_MODES=${NOISE_MODES:-off}
TOGGLE_MIN=${TOGGLE_MIN:-2}
TOGGLE_MAX=${TOGGLE_MAX:-6}
NEWCOMER=${NEWCOMER:-0}
COMPARE_ARGS=${COMPARE_ARGS:-}
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/validate-gate.XXXXXX)}
[ -x "$HARNESS" ] || { echo "error: $HARNESS is not an executable harness binary (cargo build --release -p harness, or set HARNESS=)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "error: python3 is needed to merge result files" >&2; exit 2; }

# --- the noise -----------------------------------------------------------------------------------------------------
HOG_PID="" TOGGLER_PID=""
hog_on() { [ -n "$HOG_PID" ] || { sh -c 'while :; do :; done' & HOG_PID=$!; }; }
hog_off() { [ -z "$HOG_PID" ] || { kill "$HOG_PID" 2>/dev/null || true; wait "$HOG_PID" 2>/dev/null || true; HOG_PID=""; }; }
toggler_start() { # a subshell that flips its own hog on and off at random
    (
        trap '[ -z "${h:-}" ] || kill "$h" 2>/dev/null; exit 0' TERM
        h=""
        while :; do
            if [ -z "$h" ] && (( RANDOM % 2 )); then sh -c 'while :; do :; done' & h=$!;
            elif [ -n "$h" ] && (( RANDOM % 2 )); then kill "$h" 2>/dev/null; wait "$h" 2>/dev/null; h=""; fi
            sleep "$(( TOGGLE_MIN + RANDOM % (TOGGLE_MAX - TOGGLE_MIN + 1) ))" & wait $!
        done
    ) &
    TOGGLER_PID=$!
}
toggler_stop() { [ -z "$TOGGLER_PID" ] || { kill "$TOGGLER_PID" 2>/dev/null || true; wait "$TOGGLER_PID" 2>/dev/null || true; TOGGLER_PID=""; }; }
noise_pair_start() { case "$1" in whole) hog_on ;; random) toggler_start ;; esac; }
noise_pair_stop() { hog_off; toggler_stop; }
noise_side() { # noise-mode side(a|b): the step hog runs during the candidate only
    [ "$1" = step ] || return 0
    if [ "$2" = b ]; then hog_on; else hog_off; fi
}
trap 'noise_pair_stop' EXIT

# --- measuring -----------------------------------------------------------------------------------------------------
bench() { # iterations repetitions out-file
    "$HARNESS" bench --workload "spin:$1" --repetitions "$2" --duration "$DURATION" --warmup "$WARMUP" --idle 0s \
        --concurrency 1 --intensity 400 --no-emissions-csv --out "$3" >/dev/null 2>"$3.log"
}

merge() { # out-file side(base|head) session in-files...: relabel, renumber, mark as one ab session with pairs
    python3 - "$@" <<'PY'
import json, sys
out, side, session, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
runs = [json.load(open(f)) for f in files]
merged = runs[0]
w = merged["workloads"][0]
reps = [rep for r in runs for rep in r["workloads"][0]["repetitions"]]
for i, r in enumerate(reps):
    r["index"] = i
    if session != "-":
        r["pair"] = i
w["name"] = "spin"
merged["config"]["workloads"] = ["spin"]
merged["config"]["repetitions"] = len(reps)
w["repetitions"] = reps
w["ops"] = sum(r["ops"] for r in reps)
w["errors"] = sum(r["errors"] for r in reps)
mean = lambda k: sum(r[k] for r in reps) / len(reps)
for k in ["throughput_ops_per_s", "energy_j_per_op", "energy_j_per_op_net", "emissions_g_per_op"]:
    w[k] = mean(k)
if all(r.get("attributable") for r in reps):
    w["energy_j_per_op_attributable"] = sum(r["attributable"]["energy_j"] for r in reps) / max(w["ops"], 1)
if session != "-":
    merged["ab"] = {"session": session, "side": side}
merged["warnings"].append(f"merged by scripts/validate-gate.sh from {len(files)} run file(s)")
json.dump(merged, open(out, "w"), indent=1)
PY
}

summary() { # compare-json -> one line: per-metric change and verdict, and the mean other-process CPU per side
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
def other(path):
    reps = json.load(open(path))["workloads"][0]["repetitions"]
    v = [r["environment"]["other_cpu_cores"] for r in reps if r.get("environment") and r["environment"].get("other_cpu_cores") is not None]
    return f"{sum(v)/len(v):.2f}" if v else "?"
mdc = {m["metric"]: m.get("minimum_detectable_change") for w in c["workloads"] for m in w["metrics"]}
parts = []
for m in c["metrics"]:
    d = mdc.get(m["metric"])
    parts.append(f"{m['metric']}={m['change_ratio']*100:+.1f}%[{m['change_lower']*100:+.1f},{m['change_upper']*100:+.1f}]:{m['verdict'][:3]}" + (f"(mdc {d*100:.1f}%)" if d else ""))
method = c["workloads"][0].get("method", "?")
print(f"{method} other-cpu base {other(sys.argv[2])} cand {other(sys.argv[3])} | " + " ".join(parts))
PY
}

mdr_estimate() { # dir delta: shift-model estimate of the minimum detectable regression (see bench-results/README.md)
    python3 - "$1" "$2" <<'PY'
import glob, json, math, sys
d = float(sys.argv[2]) / 100
margins = []
for f in sorted(glob.glob(sys.argv[1] + "/p*/compare.json")):
    c = json.load(open(f))
    best = -math.inf
    for m in c["metrics"]:
        if m["verdict"] == "inconclusive":
            continue
        lo, hi = math.log1p(m["change_lower"]), math.log1p(m["change_upper"])
        worse_low = -hi if m["metric"].startswith("throughput") else lo
        best = max(best, worse_low - math.log1p(d))
    margins.append(best)
if not margins:
    sys.exit(0)
margins.sort()
misses = len(margins) - math.ceil(0.95 * len(margins))
needed = math.log1p(0.03) - margins[misses]
print(f"MDR-ESTIMATE from delta={sys.argv[2]}%: about {math.expm1(needed) * 100:.1f}% would be flagged in >= 95% of {len(margins)} pairs")
PY
}

measure_ab() { # dir noise N M: interleaved single repetitions, paired
    local dir=$1 noise=$2 n=$3 m=$4 r
    for r in $(seq 1 "$REPS"); do
        if (( (r + p) % 2 )); then noise_side "$noise" a; bench "$n" 1 "$dir/a$r.json"; noise_side "$noise" b; bench "$m" 1 "$dir/b$r.json";
        else noise_side "$noise" b; bench "$m" 1 "$dir/b$r.json"; noise_side "$noise" a; bench "$n" 1 "$dir/a$r.json"; fi
    done
    local -a af=() bf=()
    for r in $(seq 1 "$REPS"); do af+=("$dir/a$r.json"); bf+=("$dir/b$r.json"); done
    merge "$dir/base.json" base "pair-$dir" "${af[@]}"
    merge "$dir/cand.json" head "pair-$dir" "${bf[@]}"
}

measure_baseline() { # dir noise N M: one bench per side, base first
    local dir=$1 noise=$2 n=$3 m=$4
    noise_side "$noise" a; bench "$n" "$REPS" "$dir/a.json"
    noise_side "$noise" b; bench "$m" "$REPS" "$dir/b.json"
    merge "$dir/base.json" base - "$dir/a.json"
    merge "$dir/cand.json" head - "$dir/b.json"
}

newcomer() {
    local dir="$OUT_DIR/newcomer"; mkdir -p "$dir"
    echo "newcomer: default harness bench (quiet), then default harness bench with a CPU hog, then compare both ways"
    "$HARNESS" bench --no-emissions-csv --out "$dir/quiet.json" >/dev/null 2>"$dir/quiet.log"
    hog_on; "$HARNESS" bench --no-emissions-csv --out "$dir/hog.json" >/dev/null 2>"$dir/hog.log"; hog_off
    for pair in "quiet.json hog.json" "hog.json quiet.json"; do
        set -- $pair
        set +e; "$HARNESS" compare "$dir/$1" "$dir/$2" > "$dir/compare-$1-$2.txt" 2>&1; code=$?; set -e
        echo "RESULT newcomer compare $1 $2: exit $code; environment warnings: $(grep -c 'WARNING: ENVIRONMENT' "$dir/compare-$1-$2.txt" || true)"
        grep 'WARNING: ENVIRONMENT' "$dir/compare-$1-$2.txt" | head -3 || true
    done
}

echo "validate-gate: $(date -u +%FT%TZ) HARNESS=$HARNESS N=$N PAIRS=$PAIRS REPS=$REPS DURATION=$DURATION WARMUP=$WARMUP DELTAS='$DELTAS' COMPARE_ARGS='$COMPARE_ARGS' MODES='$MODES' NOISE_MODES='$NOISE_MODES' OUT_DIR=$OUT_DIR load: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$NEWCOMER" = 1 ]; then newcomer; exit 0; fi
for mode in $MODES; do
  for noise in $NOISE_MODES; do
    for d in $DELTAS; do
        M=$(python3 -c "print(round($N * (1 + $d / 100)))")
        regressed=0 improved=0 guarded=0
        start=$(date +%s)
        for p in $(seq 1 "$PAIRS"); do
            dir="$OUT_DIR/$mode-$noise/d$d/p$p"; mkdir -p "$dir"
            noise_pair_start "$noise"
            "measure_$mode" "$dir" "$noise" "$N" "$M"
            noise_pair_stop
            set +e
            # shellcheck disable=SC2086
            "$HARNESS" compare "$dir/base.json" "$dir/cand.json" $COMPARE_ARGS --format json --out "$dir/compare.json" 2>/dev/null
            code=$?
            set -e
            [ "$code" -le 1 ] || { echo "error: compare failed on pair $p (exit $code)" >&2; exit 2; }
            [ "$code" -eq 1 ] && regressed=$((regressed + 1))
            grep -q '"verdict": "improved"' "$dir/compare.json" && improved=$((improved + 1))
            grep -q '"ENVIRONMENT: \|"SETTINGS: ' "$dir/compare.json" && guarded=$((guarded + 1))
            echo "$mode noise=$noise delta $d% pair $p: exit $code  $(summary "$dir/compare.json" "$dir/base.json" "$dir/cand.json")"
        done
        echo "RESULT mode=$mode noise=$noise delta=$d% spin:$N vs spin:$M: regressed in $regressed/$PAIRS pairs, any improved verdict in $improved/$PAIRS, guard warnings in $guarded/$PAIRS ($(( $(date +%s) - start )) s, load now $(cut -d' ' -f1 /proc/loadavg))"
        [ "$d" = 0 ] || mdr_estimate "$OUT_DIR/$mode-$noise/d$d" "$d"
    done
  done
done
