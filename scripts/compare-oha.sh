#!/usr/bin/env bash
# Side by side: requests/s of `harness bench --target` versus `oha` (crates.io) against the same trivial endpoint
# (harness/examples/trivial_server.rs, `GET /` -> "ok"), alternating ROUNDS times so both see the same machine state.
# Prints each measurement and the median ratio harness/oha (issue 6 target: at least 0.80).
#
# Usage: scripts/compare-oha.sh [CONNECTIONS=50] [SECONDS=5] [ROUNDS=3]
# Needs: oha on PATH (cargo install oha), release builds of harness and the example:
#   cargo build --release --workspace --bins --examples
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-50}; secs=${2:-5}; rounds=${3:-3}
command -v oha >/dev/null || { echo "oha not found: cargo install oha" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq not found: apt-get install jq" >&2; exit 2; }
dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
harness="$dir/release/harness"; server="$dir/release/examples/trivial_server"
for f in "$harness" "$server"; do
    [[ -x "$f" ]] || { echo "$f missing: cargo build --release --workspace --bins --examples" >&2; exit 2; }
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
work=$(mktemp -d)
"$server" "127.0.0.1:$port" 2>"$work/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break; sleep 0.1; done
echo "cpus=$(nproc) load_avg=$(cut -d' ' -f1 /proc/loadavg) connections=$conns seconds=$secs rounds=$rounds"
ratios=()
for r in $(seq "$rounds"); do
    "$harness" bench --target "http://127.0.0.1:$port" --workload get:/ --concurrency "$conns" \
        --duration "${secs}s" --warmup 1s --idle 100ms -k 1 --meter fake --intensity 300 \
        --no-emissions-csv --out "$work/run.json" >/dev/null 2>"$work/harness.log" \
        || { cat "$work/harness.log" >&2; exit 2; }
    h=$(jq '.workloads[0].throughput_ops_per_s' "$work/run.json")
    o=$(oha -z "${secs}s" -c "$conns" --no-tui --output-format json "http://127.0.0.1:$port/" | jq '.summary.requestsPerSec')
    ratio=$(python3 -c "print(f'{$h / $o:.3f}')")
    ratios+=("$ratio")
    printf 'round %d: harness %.0f req/s, oha %.0f req/s, ratio %s\n' "$r" "$h" "$o" "$ratio"
done
python3 -c "import statistics,sys; print('median ratio harness/oha:', statistics.median(map(float, sys.argv[1:])))" "${ratios[@]}"
