#!/usr/bin/env bash
# The app's peak RSS while its upstreams send huge answers (issue #15 acceptance: under 64 MB with a 300 MB body,
# and a 502 under 4 KB). A Python server streams MB megabytes of JSON-ish bytes as the Electricity Maps answer and
# as the LLM's answer, with and without Content-Length; `workloads serve` is pointed at it; the script prints each
# answer's status and size and the app's VmHWM (peak RSS) before and after.
#
# Usage: scripts/upstream-body-rss.sh [MB=300]
# Needs: a build of the workloads binary (`cargo build -p workloads`; WORKLOADS=path to use another).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-300}
dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin=${WORKLOADS:-$dir/debug/workloads}
[[ -x "$bin" ]] || { echo "$bin missing: cargo build -p workloads" >&2; exit 2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
up=$(free_port); app=$(free_port)
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
python3 - "$up" "$mb" >"$work/up.log" 2>&1 <<'PY' &
import http.server, sys
port, mb = int(sys.argv[1]), int(sys.argv[2])
chunk = b"x" * (1 << 20)
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self):
        announce = "announce" in self.path or self.headers.get("X-Announce") == "1"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if announce:
            self.send_header("Content-Length", str(mb << 20))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for _ in range(mb):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
    def do_GET(self): self.answer()
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0))); self.answer()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
pids+=($!)
ELECTRICITY_MAP_API_KEY=rss-key "$bin" serve --addr "127.0.0.1:$app" --no-energy \
    --electricity-maps-url "http://127.0.0.1:$up" --mock-llm-url "http://127.0.0.1:$up" >"$work/app.log" 2>&1 &
app_pid=$!
pids+=("$app_pid")
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$app/metrics" 2>/dev/null && break; sleep 0.1; done
hwm() { awk '/^VmHWM/ {print $2 " kB"}' "/proc/$app_pid/status"; }
echo "upstream body: ${mb} MB (streamed, no Content-Length); app peak RSS before: $(hwm)"
for path in "/carbon_intensity" "/chat_emissions?text=hi" "/chat?text=hi"; do
    out=$(curl -sS -o "$work/body" -w '%{http_code} %{size_download}' -H 'Accept: application/json' "http://127.0.0.1:$app$path")
    echo "GET $path -> $out bytes: $(head -c 160 "$work/body")"
done
echo "app peak RSS after: $(hwm)"
