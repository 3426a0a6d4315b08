#!/usr/bin/env bash
# comment.sh BODY_FILE: create or update THE carbon-gate comment on the pull request that triggered the workflow.
# One comment per pull request, found again on every push by a hidden marker and edited in place (`gh api`), so a
# busy pull request does not collect one comment per push. Not a pull request: nothing to do (exit 0).
# Needs GH_TOKEN (pull-requests: write) and GITHUB_REPOSITORY. Exit codes: 0 done or nothing to do, 2 the API failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/common.sh
source "$here/common.sh"

# Changing the marker orphans the comments already posted: keep it.
MARKER='<!-- carbon-harness-gate -->'
# GitHub refuses comment bodies over 65536 characters.
MAX_CHARS=60000

body_file="${1:?usage: comment.sh BODY_FILE}"
pr="$(event_field .pull_request.number)"
if [[ -z "$pr" ]]; then
  echo "carbon-harness: not a pull request event (${GITHUB_EVENT_NAME:-unknown}): no comment" >&2
  exit 0
fi
need gh jq
repo="${GITHUB_REPOSITORY:?GITHUB_REPOSITORY must be set}"

payload="$(mktemp)"
trap 'rm -f "$payload"' EXIT
{
  echo "$MARKER"
  if [[ "$(wc -c <"$body_file")" -gt "$MAX_CHARS" ]]; then
    head -c "$MAX_CHARS" "$body_file"
    printf '\n\n… truncated: the full comparison is in the job summary and the artifact.\n'
  else
    cat "$body_file"
  fi
} >"$payload"

existing="$(gh api --paginate "repos/$repo/issues/$pr/comments" \
  --jq ".[] | select(.body | contains(\"$MARKER\")) | .id" | sed -n 1p)" || {  # sed reads it all: head could SIGPIPE gh under pipefail
  echo "carbon-harness: cannot list the comments of #$pr" >&2
  exit 2
}
if [[ -n "$existing" ]]; then
  gh api --method PATCH "repos/$repo/issues/comments/$existing" -F "body=@$payload" >/dev/null || exit 2
  echo "carbon-harness: updated comment $existing on #$pr" >&2
else
  gh api --method POST "repos/$repo/issues/$pr/comments" -F "body=@$payload" >/dev/null || exit 2
  echo "carbon-harness: created the comment on #$pr" >&2
fi
