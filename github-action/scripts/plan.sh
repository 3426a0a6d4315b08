#!/usr/bin/env bash
# Check the action's inputs before anything is built, and decide what is measured and how the harness is obtained.
#   subject harness: the checkout is the carbon-harness workspace and the harness itself is the code under test
#                    (this repository and its forks): build.sh builds the base and head harness in their checkouts.
#   subject user:    your code (a service, commands or criterion benches) in any repository: the harness is installed
#                    once (install.sh), build.sh runs your `build` command in each side's checkout, and gate.sh runs
#                    `harness ab` without builds of its own.
# Environment: the inputs as CARBON_* (see action.yml), CARBON_ACTION_REPOSITORY / CARBON_ACTION_REF (the action's own
# repository and ref), GITHUB_ACTION_PATH. Outputs: subject, install (checkout|git|path|binary), install-source,
# install-ref, cache-key. Exit codes: 0 planned, 2 an input is wrong (the message names it and the fix).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/common.sh
source "$here/common.sh"

bad_input() {
  annotate error "carbon-harness: bad input (not a verdict on your change)" "$1"
  exit 2
}

mode="${CARBON_MODE:-ab}"
install="${CARBON_INSTALL:-auto}"
start="${CARBON_START:-}"
health="${CARBON_HEALTH_URL:-}"
scenario="${CARBON_SCENARIO:-}"
criterion="${CARBON_CRITERION:-}"
workloads="${CARBON_WORKLOADS:-}"
action_dir="$(cd "${GITHUB_ACTION_PATH:-$here/..}" && pwd)"

[[ "$mode" == ab || "$mode" == baseline ]] || bad_input "input mode is '$mode': use ab or baseline"
case "${CARBON_REPETITIONS:-6}" in
  '' | *[!0-9]* | 0 | 1) bad_input "input repetitions must be a whole number ≥ 2 (two samples per side at least), got '${CARBON_REPETITIONS:-}'" ;;
esac

# What is measured.
user_inputs="${start}${criterion}${CARBON_BUILD:-}${scenario}"
if [[ "$workloads" == *cmd* ]]; then user_inputs+="cmd"; fi
if [[ -n "$start" && -n "$criterion" ]]; then
  bad_input "inputs start and criterion are both set: a job gates either a service (start, health-url, scenario) or criterion benches (criterion); use two jobs for both"
fi
if [[ -n "$start" && -z "$health" && -z "${CARBON_TARGET:-}" ]]; then
  bad_input "input start needs health-url: the URL polled until your service answers 2xx, e.g. http://127.0.0.1:8000/health (its scheme, host and port are also the target of the scenario unless you set target)"
fi
if [[ -n "$health$scenario${CARBON_STOP:-}" && -z "$start" ]]; then
  bad_input "inputs health-url, scenario and stop go with start: give start, the command that runs your service in the foreground (e.g. python3 app.py --port 8000); for commands without a server use workloads: cmd:…"
fi
if [[ -n "$start" && -z "$scenario" && -z "$workloads" ]]; then
  bad_input "input start needs something to send: scenario (a TOML file of requests, see github-action/README.md) or workloads (e.g. get:/,get:/health)"
fi
if [[ -n "$scenario" && ! -f "$scenario" ]]; then
  bad_input "input scenario: no file '$scenario' in the checkout ($(pwd)); give its path relative to the repository root"
fi
if [[ -n "$criterion" && "$mode" != ab ]]; then
  bad_input "input criterion works with mode ab only (it measures the base and head checkouts); for a committed baseline import criterion's output with \`harness import criterion\` and give it as run-file"
fi

# The checkout is this harness's own workspace: the harness can be the code under test.
harness_workspace=false
if [[ -f Cargo.toml && -f harness/Cargo.toml && -f harness/src/ab/mod.rs ]] && grep -q '^name = "harness"' harness/Cargo.toml; then
  harness_workspace=true
fi

source_="" ref=""
case "$install" in
  auto)
    if [[ "$harness_workspace" == true && -z "$user_inputs" ]]; then install=checkout; else install=git; fi
    ;;
  checkout | git) ;;
  git:?*) ref="${install#git:}" install=git ;;
  path:?*) source_="${install#path:}" install=path ;;
  binary:?*) source_="${install#binary:}" install=binary ;;
  *) bad_input "input install is '$install': use auto, checkout, git, git:REF, path:DIR or binary:PATH (see github-action/README.md, Inputs)" ;;
esac

case "$install" in
  checkout)
    [[ "$harness_workspace" == true ]] ||
      bad_input "input install is checkout, but this checkout is not the carbon-harness workspace (no harness/Cargo.toml): use install: git (the default) to install the harness"
    [[ -z "$user_inputs" ]] ||
      bad_input "input install is checkout (the harness is the code under test), but start, build, scenario, criterion or cmd: workloads measure your code: use install: git"
    subject=harness
    ;;
  git)
    subject=user
    repo="${CARBON_ACTION_REPOSITORY:-}"
    ref="${ref:-${CARBON_ACTION_REF:-}}"
    if [[ -n "$repo" && -n "$ref" ]]; then
      source_="https://github.com/$repo"
    else
      # A local action (uses: ./github-action) has no repository or ref of its own: it is part of the workspace
      # checked out next to it, which is exactly its own ref.
      install=path ref=""
      source_="$(cd "$action_dir/.." && pwd)"
      [[ -f "$source_/harness/Cargo.toml" ]] ||
        bad_input "cannot tell which harness to install: the action has no repository and ref of its own (github.action_repository is empty) and $source_ is not a carbon-harness checkout; use install: git:REF or binary:PATH"
    fi
    ;;
  path)
    subject=user
    [[ -f "$source_/harness/Cargo.toml" ]] ||
      bad_input "input install is path:$source_, but $source_/harness/Cargo.toml does not exist: give the root of a carbon-harness checkout"
    source_="$(cd "$source_" && pwd)"
    ;;
  binary)
    subject=user
    [[ -f "$source_" && -x "$source_" ]] ||
      bad_input "input install is binary:$source_, but that is not an executable file: give the path of a built harness binary"
    "$source_" --version >/dev/null 2>&1 ||
      bad_input "input install is binary:$source_, but \`$source_ --version\` fails: it is not a working harness binary"
    ;;
esac
if [[ "$subject" == user && "$mode" == ab && -z "$user_inputs" && -z "$workloads" ]]; then
  bad_input "nothing of yours to measure: give start with scenario (a service), workloads (e.g. cmd:python3 bench.py) or criterion (a bench command)"
fi

# The installed binary is cached by what it is built from: a commit for git (a moving ref is resolved), the sources
# for a path.
key=""
case "$install" in
  git)
    sha="$ref"
    if [[ ! "$ref" =~ ^[0-9a-f]{40}$ ]]; then
      sha="$(git ls-remote "$source_" "$ref" "$ref^{}" 2>/dev/null | tail -n 1 | cut -f1)" || true
    fi
    # Install exactly the commit the cache key names.
    [[ -n "$sha" ]] && ref="$sha"
    key="carbon-harness-bin-${RUNNER_OS:-linux}-${CARBON_PROFILE:-release}-${ref:-default-branch}"
    ;;
  path)
    sum="$(cd "$source_" && { find . -path ./target -prune -o -type f \( -name '*.rs' -o -name Cargo.toml -o -name Cargo.lock \) -print 2>/dev/null || true; } |
      LC_ALL=C sort | xargs -r sha256sum | sha256sum | cut -c1-16)"
    key="carbon-harness-bin-${RUNNER_OS:-linux}-${CARBON_PROFILE:-release}-path-$sum"
    ;;
esac

set_output subject "$subject"
set_output install "$install"
set_output install-source "$source_"
set_output install-ref "$ref"
set_output cache-key "$key"
