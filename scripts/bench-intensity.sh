#!/usr/bin/env bash
# Benchmark /carbon_intensity (cache hit, mock upstream) at 64 concurrent connections.
# Starts `workloads serve` (no API key → built-in mock grid) on a free port, drives it with
# `workloads/examples/load.rs`, and prints req/s, latency quantiles and server CPU-seconds per request.
# Usage: scripts/bench-intensity.sh [CONNECTIONS=64] [SECONDS=10] [--release]
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-64}; secs=${2:-10}; profile=()
[[ "${3:-}" == "--release" ]] && profile=(--release)
cargo build -q "${profile[@]}" -p workloads --bin workloads --example load
dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
sub=debug; [[ ${#profile[@]} -gt 0 ]] && sub=release
log=$(mktemp)
env -u ELECTRICITY_MAP_API_KEY "$dir/$sub/workloads" serve --addr 127.0.0.1:0 --env-file /dev/null >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$log" | sed -n 1p)
[[ -n "$url" ]] || { echo "server did not start:"; cat "$log"; exit 2; }
echo "profile=$sub server_pid=$pid cpus=$(nproc) load_avg=$(cut -d' ' -f1 /proc/loadavg)"
"$dir/$sub/examples/load" "$url/carbon_intensity" "$conns" "$secs" "$pid"
