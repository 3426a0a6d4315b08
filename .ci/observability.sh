#!/usr/bin/env bash
# Observability checks (issue 8), called from .ci/run: static checks of prometheus/, grafana/ and docker-compose.yaml,
# then the end-to-end test against a real Prometheus and Pushgateway started here on 127.0.0.1 ephemeral ports.
# Idempotent: installs only what is missing; stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

need_apt=()
command -v prometheus >/dev/null || need_apt+=(prometheus)
command -v promtool >/dev/null || need_apt+=(prometheus)
command -v prometheus-pushgateway >/dev/null || need_apt+=(prometheus-pushgateway)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "== observe: installing ${need_apt[*]} (Debian)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
if ! command -v check-jsonschema >/dev/null; then
    echo "== observe: installing check-jsonschema (PyPI)"
    python3 -m pip install -q check-jsonschema
fi

echo "== observe: promtool check config / rules / test rules"
promtool check config prometheus/prometheus.yml
promtool check rules prometheus/rules/*.yml
promtool test rules prometheus/tests/rules_test.yml

echo "== observe: docker-compose.yaml against the compose specification"
check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yaml

echo "== observe: Grafana provisioning and dashboards parse"
for f in grafana/dashboards/*.json; do python3 -m json.tool "$f" >/dev/null; done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# Build exactly what `cargo test --workspace` built (same feature unification), so nothing is compiled twice.
cargo test -q --workspace --no-run
HARNESS="$CARGO_TARGET_DIR/debug/harness"

echo "== observe: promtool check metrics on harness push --dry-run output"
"$HARNESS" push harness/tests/fixtures/results/push-run.json \
    --compare harness/tests/fixtures/results/push-compare.json --dry-run 2>/dev/null | promtool check metrics

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

wait_http() { # URL NAME LOG
    for _ in $(seq 1 60); do
        if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
        sleep 0.5
    done
    echo "observe: $2 did not become ready at $1; its log:" >&2
    cat "$3" >&2
    return 1
}

pgw_port=$(free_port)
prometheus-pushgateway --web.listen-address="127.0.0.1:$pgw_port" >"$work/pushgateway.log" 2>&1 &
pids+=($!)

prom_port=$(free_port)
app_target=""
# The "Workshop app" dashboard needs `workloads serve` and its live energy metrics (the sampler's first reading
# lands within a second or two). The e2e test drives traffic on every workload route.
app_port=$(free_port)
# --builtin-mock-llm: /chat_emissions answers, so the LLM impact panels have data.
env -u ELECTRICITY_MAP_API_KEY "$CARGO_TARGET_DIR/debug/workloads" serve --addr "127.0.0.1:$app_port" \
    --env-file /dev/null --builtin-mock-llm >"$work/app.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$app_port/metrics" "workloads serve" "$work/app.log"
# Not `curl | grep -q`: under pipefail, grep -q exiting at the first match makes curl fail writing the rest of the
# body (exit 23), and the pipeline reports that failure even though the metric is there.
has_energy_metric() {
    local body
    body=$(curl -fsS "http://127.0.0.1:$app_port/metrics") || return 1
    grep '^process_energy_joules_total' <<<"$body" >/dev/null
}
for _ in $(seq 1 40); do
    has_energy_metric && break
    sleep 0.25
done
if ! has_energy_metric; then
    echo "observe: workloads serve does not expose process_energy_joules_total after 10 s; its log:" >&2
    cat "$work/app.log" >&2
    exit 1
fi
app_target="127.0.0.1:$app_port"
export CARBON_HARNESS_E2E_APP="http://$app_target"

cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $ROOT/prometheus/rules/*.yml
scrape_configs:
  - job_name: prometheus
    static_configs: [{targets: ["127.0.0.1:$prom_port"]}]
  - job_name: pushgateway
    honor_labels: true
    static_configs: [{targets: ["127.0.0.1:$pgw_port"]}]
EOF
if [ -n "$app_target" ]; then
    cat >>"$work/prometheus.yml" <<EOF
  - job_name: app
    static_configs: [{targets: ["$app_target"]}]
EOF
fi
promtool check config "$work/prometheus.yml" >/dev/null
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
    --web.listen-address="127.0.0.1:$prom_port" --web.enable-remote-write-receiver >"$work/prometheus.log" 2>&1 &
pids+=($!)

wait_http "http://127.0.0.1:$pgw_port/-/ready" "prometheus-pushgateway" "$work/pushgateway.log"
wait_http "http://127.0.0.1:$prom_port/-/ready" "prometheus" "$work/prometheus.log"

export CARBON_HARNESS_E2E_PROMETHEUS="http://127.0.0.1:$prom_port"
export CARBON_HARNESS_E2E_PUSHGATEWAY="http://127.0.0.1:$pgw_port"
echo "== observe: end-to-end test (Prometheus $CARBON_HARNESS_E2E_PROMETHEUS, Pushgateway $CARBON_HARNESS_E2E_PUSHGATEWAY${CARBON_HARNESS_E2E_APP:+, app $CARBON_HARNESS_E2E_APP})"
cargo test -q --workspace --test e2e_observability -- --nocapture
