#!/usr/bin/env bash
# Soak test of `workloads serve` (not CI): MINUTES of mixed traffic on every route with about 1 % bad requests, against
# a mock grid and a mock LLM that inject faults (--error-rate, --latency), plus distinct zones and half-sent requests.
# Records the app's RSS, open file descriptors and /metrics size at the start, every minute and at the end, and
# fails (exit 1) when any of them grew by more than the allowance at the end versus after the first minute.
#
# Usage: scripts/soak.sh [MINUTES=10] [CONCURRENCY=8]
# Needs: a build of the workloads binary (`cargo build -p workloads`, or --release and WORKLOADS=target/release/workloads).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}; conc=${2:-8}
dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin=${WORKLOADS:-$dir/debug/workloads}
[[ -x "$bin" ]] || { echo "$bin missing: cargo build -p workloads" >&2; exit 2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
grid=$(free_port); llm=$(free_port); app=$(free_port)
"$bin" mock-grid --addr "127.0.0.1:$grid" --api-key soak-key --error-rate 0.05 --latency 2ms >"$work/grid.log" 2>&1 &
pids+=($!)
"$bin" mock-llm --addr "127.0.0.1:$llm" --error-rate 0.05 >"$work/llm.log" 2>&1 &
pids+=($!)
sleep 1
ELECTRICITY_MAP_API_KEY=soak-key "$bin" serve --addr "127.0.0.1:$app" --electricity-maps-url "http://127.0.0.1:$grid" \
    --mock-llm-url "http://127.0.0.1:$llm" --cache-ttl 5s --artificial-error-rate 0.01 >"$work/app.log" 2>&1 &
app_pid=$!
pids+=("$app_pid")
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$app/metrics" 2>/dev/null && break; sleep 0.1; done

sample() { # label -> "label rss_kb fds metrics_bytes"
    local rss fds size
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$app_pid/status")
    fds=$(find "/proc/$app_pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
    size=$(curl -fsS "http://127.0.0.1:$app/metrics" | wc -c)
    echo "$1 rss_kb=$rss fds=$fds metrics_bytes=$size"
}

python3 - "$app" "$conc" "$((minutes * 60))" >"$work/traffic.log" 2>&1 <<'PY' &
import http.client, random, socket, sys, threading, time
port, conc, secs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
good = ["/carbon_intensity", "/carbon_intensity?zone=FR", "/predict?text=driving+10+hours",
        "/predict_carbon_intensity?text=a+short+walk", "/chat_emissions?text=hello", "/chat?text=hi", "/metrics", "/"]
bad = ["/predict_carbon_intensity?text=%FF", "/chat_emissions?text=%+4", "/carbon_intensity?zone=%3Cx%3E",
       "/carbon_intensity?zone=DE&zone=FR", "/predict_carbon_intensity", "/nope/" + "x" * 300]
counts = {}
lock = threading.Lock()
end = time.time() + secs
def worker(seed):
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.time() < end:
        r = rng.random()
        if r < 0.01:
            path = rng.choice(bad)
        elif r < 0.05:
            path = f"/carbon_intensity?zone=DE-S{rng.randrange(5000)}"  # distinct zones: the cache/gauge bound
        else:
            path = rng.choice(good)
        try:
            if r > 0.999:  # a half-sent request head on its own socket (the header timeout closes it)
                s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n"); s.close()
                continue
            conn.request("GET", path, headers={"Accept": "application/json"})
            resp = conn.getresponse(); resp.read()
            key = resp.status
        except Exception as e:
            key = type(e).__name__
            conn.close(); conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        with lock:
            counts[key] = counts.get(key, 0) + 1
ts = [threading.Thread(target=worker, args=(i,)) for i in range(conc)]
[t.start() for t in ts]; [t.join() for t in ts]
print("responses by status:", dict(sorted(counts.items(), key=str)))
PY
traffic=$!
pids+=("$traffic")
echo "soak: ${minutes} min, concurrency ${conc}, binary $bin, app pid $app_pid"
sample start | tee "$work/samples"
for m in $(seq "$minutes"); do
    sleep 60
    sample "minute-$m" | tee -a "$work/samples"
done
wait "$traffic" || true
cat "$work/traffic.log"
sample end | tee -a "$work/samples"
python3 - "$work/samples" <<'PY'
import sys
rows = [dict(kv.split("=") for kv in line.split()[1:]) for line in open(sys.argv[1])]
first = rows[1] if len(rows) > 2 else rows[0]  # after one minute: caches, pools and the zone bound are warm
last = rows[-1]
ok = True
for key, allowance in [("rss_kb", 1.25), ("fds", 1.5), ("metrics_bytes", 1.25)]:
    a, b = int(first[key]), int(last[key])
    grew = b / max(a, 1)
    flag = "ok" if grew <= allowance else "GREW"
    ok &= grew <= allowance
    print(f"{key}: after 1 min {a}, end {b} (x{grew:.2f}, allowance x{allowance}) {flag}")
sys.exit(0 if ok else 1)
PY
