#!/usr/bin/env bash
# Validation benchmark of the `harness compare` gate with the `spin:N` calibration workload (issue 7).
#
#   A/A: spin:N against spin:N, PAIRS independent pairs      -> how many pairs falsely say "regressed" (goal: 0)
#   A/B: spin:N against spin:N*(1+d/100) for each d in DELTAS -> how many pairs say "regressed" (goal: >= 19 of 20 at 5 %)
#
# Each pair measures REPS repetitions per side, interleaved A B / B A (one `harness bench --repetitions 1` call per
# repetition, order alternating), so slow drifts of a shared machine hit both sides alike. The per-repetition files of
# a side are merged into one result file; the candidate's workload is relabelled `spin` on both sides so compare sees the
# same benchmark (what a real code change looks like). Then `harness compare` runs with its defaults (alpha 0.05,
# Holm-Bonferroni, 3 % threshold) and its exit code is counted (1 = regressed).
#
# Usage: scripts/validate-gate.sh            (env: HARNESS, N, PAIRS, REPS, DURATION, WARMUP, DELTAS, OUT_DIR)
# Needs: a built harness binary and python3 (for merging JSON). Bench time per side ~ REPS x (DURATION + WARMUP + ~0.3 s).
set -euo pipefail
cd "$(dirname "$0")/.."

HARNESS=${HARNESS:-target/release/harness}
N=${N:-1000000}
PAIRS=${PAIRS:-20}
REPS=${REPS:-16}
DURATION=${DURATION:-1s}
WARMUP=${WARMUP:-200ms}
DELTAS=${DELTAS:-"0 5"}
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/validate-gate.XXXXXX)}
[ -x "$HARNESS" ] || { echo "error: $HARNESS is not an executable harness binary (cargo build --release -p harness, or set HARNESS=)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "error: python3 is needed to merge result files" >&2; exit 2; }

bench_one() { # iterations out-file
    "$HARNESS" bench --workload "spin:$1" --repetitions 1 --duration "$DURATION" --warmup "$WARMUP" --idle 0s \
        --concurrency 1 --intensity 400 --out "$2" >/dev/null 2>"$2.log"
}

merge() { # out-file in-files...
    python3 - "$@" <<'PY'
import json, sys
out, files = sys.argv[1], sys.argv[2:]
runs = [json.load(open(f)) for f in files]
merged = runs[0]
w = merged["workloads"][0]
reps = [r["workloads"][0]["repetitions"][0] for r in runs]
for i, r in enumerate(reps):
    r["index"] = i
w["name"] = "spin"
merged["config"]["workloads"] = ["spin"]
merged["config"]["repetitions"] = len(reps)
w["repetitions"] = reps
w["ops"] = sum(r["ops"] for r in reps)
w["errors"] = sum(r["errors"] for r in reps)
mean = lambda k: sum(r[k] for r in reps) / len(reps)
w["throughput_ops_per_s"] = mean("throughput_ops_per_s")
w["energy_j_per_op"] = mean("energy_j_per_op")
w["energy_j_per_op_net"] = mean("energy_j_per_op_net")
w["emissions_g_per_op"] = mean("emissions_g_per_op")
merged["warnings"].append(f"merged by scripts/validate-gate.sh from {len(files)} interleaved single-repetition runs")
json.dump(merged, open(out, "w"), indent=1)
PY
}

summary() { # compare-json -> one line: per-metric change and verdict
    python3 - "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
print(" ".join(f"{m['metric']}={m['change_ratio']*100:+.1f}%[{m['change_lower']*100:+.1f},{m['change_upper']*100:+.1f}]:{m['verdict'][:3]}" for m in c["metrics"]))
PY
}

# Shift-model estimate of the minimum detectable regression from the intervals measured at delta d: if the true change
# were D instead of d, every log interval would move by ln(1+D) - ln(1+d). A pair says "regressed" when some metric's
# interval (oriented so worse is positive) lies wholly above ln(1.03); the MDR is the smallest D that 95 % of pairs
# would flag. An estimate from measured intervals, not a measurement: check it with DELTAS=<that value>.
mdr_estimate() { # dir delta
    python3 - "$1" "$2" <<'PY'
import glob, json, math, sys
d = float(sys.argv[2]) / 100
margins = []
for f in sorted(glob.glob(sys.argv[1] + "/p*/compare.json")):
    c = json.load(open(f))
    best = -math.inf
    for m in c["metrics"]:
        lo, hi = math.log1p(m["change_lower"]), math.log1p(m["change_upper"])
        worse_low = -hi if m["metric"].startswith("throughput") else lo
        best = max(best, worse_low - math.log1p(d))
    margins.append(best)
margins.sort()
misses = len(margins) - math.ceil(0.95 * len(margins))
needed = math.log1p(0.03) - margins[misses]
print(f"MDR-ESTIMATE from delta={sys.argv[2]}%: about {math.expm1(needed) * 100:.1f}% would be flagged in >= 95% of {len(margins)} pairs")
PY
}

echo "validate-gate: HARNESS=$HARNESS N=$N PAIRS=$PAIRS REPS=$REPS DURATION=$DURATION WARMUP=$WARMUP DELTAS='$DELTAS' OUT_DIR=$OUT_DIR"
for d in $DELTAS; do
    M=$(python3 -c "print(round($N * (1 + $d / 100)))")
    regressed=0 improved=0
    start=$(date +%s)
    for p in $(seq 1 "$PAIRS"); do
        dir="$OUT_DIR/d$d/p$p"; mkdir -p "$dir"
        for r in $(seq 1 "$REPS"); do
            if (( (r + p) % 2 )); then bench_one "$N" "$dir/a$r.json"; bench_one "$M" "$dir/b$r.json";
            else bench_one "$M" "$dir/b$r.json"; bench_one "$N" "$dir/a$r.json"; fi
        done
        merge "$dir/base.json" "$dir"/a[0-9]*.json
        merge "$dir/cand.json" "$dir"/b[0-9]*.json
        set +e
        "$HARNESS" compare "$dir/base.json" "$dir/cand.json" --format json --out "$dir/compare.json" 2>/dev/null
        code=$?
        set -e
        [ "$code" -le 1 ] || { echo "error: compare failed on pair $p (exit $code)" >&2; exit 2; }
        [ "$code" -eq 1 ] && regressed=$((regressed + 1))
        grep -q '"verdict": "improved"' "$dir/compare.json" && improved=$((improved + 1))
        echo "delta $d% pair $p: exit $code  $(summary "$dir/compare.json")"
    done
    echo "RESULT delta=$d% spin:$N vs spin:$M: regressed in $regressed/$PAIRS pairs, any improved verdict in $improved/$PAIRS ($(( $(date +%s) - start )) s)"
    [ "$d" = 0 ] || mdr_estimate "$OUT_DIR/d$d" "$d"
done
