#!/usr/bin/env bash
# push.sh RUN_FILE [COMPARE_FILE]: send a run's metrics to the trend dashboards with `harness push` (Pushgateway
# and/or Prometheus remote write). The workflow calls it on pushes to the default branch only, and only when a URL is
# configured. A failed push is a warning (--push-optional): dashboards are not a gate.
# Environment: HARNESS_BIN, CARBON_PUSHGATEWAY_URL, CARBON_REMOTE_WRITE_URL; credentials as `harness push --help`
# documents (PUSHGATEWAY_USERNAME/PASSWORD, REMOTE_WRITE_USERNAME/PASSWORD).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/common.sh
source "$here/common.sh"

run="${1:?usage: push.sh RUN_FILE [COMPARE_FILE]}"
args=(push "$run" --push-optional)
[[ -n "${CARBON_PUSHGATEWAY_URL:-}" ]] && args+=(--url "$CARBON_PUSHGATEWAY_URL")
[[ -n "${CARBON_REMOTE_WRITE_URL:-}" ]] && args+=(--remote-write "$CARBON_REMOTE_WRITE_URL")
[[ -n "${2:-}" && -f "${2:-}" ]] && args+=(--compare "$2")
if [[ -z "${CARBON_PUSHGATEWAY_URL:-}${CARBON_REMOTE_WRITE_URL:-}" ]]; then
  echo "carbon-harness: no pushgateway-url or remote-write-url: nothing to push" >&2
  exit 0
fi
"${HARNESS_BIN:?HARNESS_BIN must be set}" "${args[@]}"
