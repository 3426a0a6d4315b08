#!/usr/bin/env bash
# Install the harness for measuring your code (plan.sh's subject `user`), once per job:
#   git:    cargo install --locked --git SOURCE [--rev REF] harness --root ROOT
#   path:   cargo install --locked --path SOURCE/harness --root ROOT
#   binary: SOURCE as it is (a harness you built yourself)
# ROOT/bin/harness is what actions/cache keeps between runs (key from plan.sh): when it is there and runs, cargo is
# not called. Environment: CARBON_INSTALL, CARBON_INSTALL_SOURCE, CARBON_INSTALL_REF (from plan.sh), CARBON_PROFILE
# (default release), CARBON_INSTALL_ROOT. Output: harness-bin. Exit codes: 0 installed, 2 failed (with the fix).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/common.sh
source "$here/common.sh"

method="${CARBON_INSTALL:?CARBON_INSTALL must be set (plan.sh output install)}"
source_="${CARBON_INSTALL_SOURCE:-}"
ref="${CARBON_INSTALL_REF:-}"
profile="${CARBON_PROFILE:-release}"
root="${CARBON_INSTALL_ROOT:?CARBON_INSTALL_ROOT must be set}"
bin="$root/bin/harness"

fail() {
  annotate error "carbon-harness: install failed (not a verdict on your change)" "$1"
  exit 2
}

if [[ "$method" == binary ]]; then
  bin="$(cd "$(dirname "$source_")" && pwd)/$(basename "$source_")"
  "$bin" --version >/dev/null 2>&1 || fail "binary:$source_ does not run (\`$bin --version\` failed)"
  echo "carbon-harness: using $("$bin" --version) at $bin" >&2
  set_output harness-bin "$bin"
  exit 0
fi

if [[ -x "$bin" ]] && "$bin" --version >/dev/null 2>&1; then
  echo "carbon-harness: $("$bin" --version) restored from the cache at $bin; not reinstalling" >&2
  set_output harness-bin "$bin"
  exit 0
fi

need cargo || fail "cargo is not installed on this runner: add a Rust toolchain step (e.g. dtolnay/rust-toolchain@stable) before this action, or give install: binary:PATH"
args=(install --locked --root "$root" --profile "$profile")
case "$method" in
  git)
    args+=(--git "$source_")
    [[ -n "$ref" ]] && args+=(--rev "$ref")
    args+=(harness)
    ;;
  path) args+=(--path "$source_/harness") ;;
  *) fail "unknown install method '$method' (plan.sh gives git, path or binary)" ;;
esac
echo "::group::cargo ${args[*]}"
cargo "${args[@]}" || {
  echo "::endgroup::"
  fail "\`cargo ${args[*]}\` failed (see the log above). Check the ref (input install: git:REF) or give install: binary:PATH"
}
echo "::endgroup::"
[[ -x "$bin" ]] || fail "cargo install succeeded but left no $bin"
echo "carbon-harness: installed $("$bin" --version) at $bin" >&2
set_output harness-bin "$bin"
