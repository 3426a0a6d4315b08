#!/usr/bin/env bash
# Helpers shared by the action's scripts (sourced, not run). Everything GitHub-specific goes through these functions,
# so tests can point GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_EVENT_PATH at temp files.

# set_output NAME VALUE: a step output (single-line values only).
set_output() {
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
  printf 'output %s=%s\n' "$1" "$2" >&2
}

# summary FILE: append FILE to the job summary.
summary() {
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    cat "$1" >>"$GITHUB_STEP_SUMMARY"
  fi
}

# annotate LEVEL TITLE MESSAGE: a workflow command (error, warning, notice); shown in the log and on the run page.
annotate() {
  printf '::%s title=%s::%s\n' "$1" "$2" "$3"
}

# event_field JQ_FILTER: a field of the triggering event's payload, empty when absent or when there is no event file.
event_field() {
  if [[ -n "${GITHUB_EVENT_PATH:-}" && -f "$GITHUB_EVENT_PATH" ]]; then
    jq -r "$1 // empty" "$GITHUB_EVENT_PATH"
  fi
}

# is_true VALUE: GitHub passes booleans as the strings true/false.
is_true() {
  [[ "${1,,}" == "true" ]]
}

# need COMMAND...: fail early, with the fix, when a tool is missing.
need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || { echo "carbon-harness action: \`$c\` is not installed on this runner" >&2; return 2; }
  done
}
