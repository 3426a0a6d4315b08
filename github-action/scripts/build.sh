#!/usr/bin/env bash
# Build what the gate runs. Subject `harness` (the harness is the code under test, plan.sh): the harness binaries.
#   mode ab:       the merge base of the pull request (or the push's previous commit) in a git worktree, and the head
#                  (the current checkout); both with the same CARGO_TARGET_DIR, so dependencies compile once, and each
#                  side's workspace crates kept apart (see build_into).
#   mode baseline: the head only.
# Subject `user` (your code; the harness is installed: install.sh): the same checkouts, and your `build` command
# (CARBON_BUILD, optional) run once in each, without the action's CARGO_TARGET_DIR (two checkouts of one Rust
# workspace must not share a target directory: see build_into).
# Environment: CARBON_SUBJECT (harness|user, default harness), CARBON_MODE (ab|baseline), CARBON_PROFILE (cargo profile,
# default release), CARBON_OUT_DIR (where the binaries go: $CARBON_OUT_DIR/bin/{base,head}/harness), CARGO_TARGET_DIR
# (optional), BASE_SHA (optional: overrides the base commit taken from the event in $GITHUB_EVENT_PATH),
# CARBON_CARGO_ARGS (optional: the cargo command line instead of `build --locked --profile <profile> -p harness --bin
# harness`; it must leave the binary in the profile's directory); subject user: CARBON_BUILD, HARNESS_BIN (the
# installed harness).
# Outputs: head-bin, head-dir and, in ab mode, base-dir, base-sha and (subject harness) base-bin.
# Exit codes: 0 built, 2 failed (with a message saying what to fix).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/common.sh
source "$here/common.sh"
need git jq
[[ "${CARBON_SUBJECT:-harness}" == user ]] || need cargo

mode="${CARBON_MODE:-ab}"
subject="${CARBON_SUBJECT:-harness}"
profile="${CARBON_PROFILE:-release}"
out="${CARBON_OUT_DIR:?CARBON_OUT_DIR must be set}"
head_dir="$(pwd)"
target="${CARGO_TARGET_DIR:-$head_dir/target}"
export CARGO_TARGET_DIR="$target"
case "$profile" in
  dev | debug) profile=dev; profile_dir=debug ;;
  *) profile_dir="$profile" ;;
esac

fail() {
  annotate error "carbon-harness: build failed (not a verdict on your change)" "$1"
  exit 2
}

read -r -a cargo_args <<<"${CARBON_CARGO_ARGS:-build --locked --profile $profile -p harness --bin harness}"

# build_into SIDE SRC_DIR DEST: cargo build the harness in SRC_DIR and copy the binary to DEST/harness.
# Two checkouts of one workspace in one target directory are a trap (issue #22): cargo keys workspace crates by their
# path relative to the workspace root, so both checkouts map to the same artefacts, and it judges freshness by file
# times, so the checkout built second can be taken as already built and get the first one's code. Each side therefore
# builds through its own RUSTC_WORKSPACE_WRAPPER (a pass-through script at a per-side path): cargo mixes the wrapper's
# path into the unit hash of workspace members only, so each side's crates are distinct artefacts with their own
# freshness, while the dependencies (the bulk of the build) are still compiled once and shared. The build embeds the
# commit (CARBON_HARNESS_COMMIT, read by harness/build.rs), and the copied binary must report it back.
build_into() {
  local side="$1" src="$2" dest="$3" sha wrapper reported
  sha="$(git -C "$src" rev-parse HEAD)" || return 1
  wrapper="$target/carbon-harness-build/$side/rustc-workspace-wrapper"
  mkdir -p "$(dirname "$wrapper")"
  # A user's own workspace wrapper (e.g. a linter driver) still runs, behind ours.
  local inner=""
  [[ -n "${RUSTC_WORKSPACE_WRAPPER:-}" ]] && inner="$(printf '%q ' "$RUSTC_WORKSPACE_WRAPPER")"
  printf '#!/bin/sh\nexec %s"$@"\n' "$inner" >"$wrapper"
  chmod +x "$wrapper"
  # Also make this side's sources newer than anything this side built before (a reused worktree path).
  (cd "$src" && git ls-files -z | xargs -0 -r touch -c --)
  echo "::group::cargo ${cargo_args[*]} in $src ($side, commit $sha)"
  (cd "$src" && RUSTC_WORKSPACE_WRAPPER="$wrapper" CARBON_HARNESS_COMMIT="$sha" cargo "${cargo_args[@]}") || {
    echo "::endgroup::"
    return 1
  }
  echo "::endgroup::"
  mkdir -p "$dest"
  cp "$target/$profile_dir/harness" "$dest/harness"
  # Harness builds from before the commit was embedded report none: nothing to check then.
  reported="$("$dest/harness" --version 2>/dev/null | sed -n 's/.*(commit \([0-9a-f]\{40\}\)).*/\1/p')" || true
  if [[ -n "$reported" && "$reported" != "$sha" ]]; then
    fail "the $side binary reports commit $reported but was built in $src at $sha: the build reused another checkout's artefacts. Remove the target directory $target and rerun."
  fi
}

# resolve_base: set base_sha to the merge base of the base commit and HEAD.
resolve_base() {
  local sha="${BASE_SHA:-}"
  if [[ -z "$sha" ]]; then
    case "${GITHUB_EVENT_NAME:-}" in
      pull_request | pull_request_target) sha="$(event_field .pull_request.base.sha)" ;;
      push) sha="$(event_field .before)" ;;
    esac
  fi
  if [[ -z "$sha" || "$sha" =~ ^0+$ ]]; then
    fail "mode ab needs a base commit: a pull_request event, a push with a previous commit, or BASE_SHA. Use mode: baseline otherwise."
  fi
  if ! git cat-file -e "$sha^{commit}" 2>/dev/null; then
    git fetch --no-tags --quiet origin "$sha" || fail "cannot fetch the base commit $sha"
  fi
  base_sha="$(git merge-base "$sha" HEAD)" ||
    fail "no merge base between $sha and HEAD: check out with actions/checkout fetch-depth: 0"
}

# user_build SIDE DIR: your build command in DIR, on its own target directory (see the header).
user_build() {
  [[ -n "${CARBON_BUILD:-}" ]] || return 0
  echo "::group::build ($1): ${CARBON_BUILD} in $2"
  (cd "$2" && env -u CARGO_TARGET_DIR bash -c "$CARBON_BUILD") || {
    echo "::endgroup::"
    return 1
  }
  echo "::endgroup::"
}

case "$mode/$subject" in
  ab/harness | ab/user | baseline/harness | baseline/user) ;;
  */harness | */user) fail "unknown mode '$mode': use ab or baseline" ;;
  *) fail "unknown subject '$subject' (plan.sh gives harness or user)" ;;
esac
mkdir -p "$out/bin"
if [[ "$mode" == "ab" ]]; then
  resolve_base
  base_dir="$out/base-src"
  rm -rf "$base_dir"
  git worktree prune
  git worktree add --quiet --detach "$base_dir" "$base_sha" || fail "cannot check out the base commit $base_sha"
  if [[ "$subject" == harness ]]; then
    build_into base "$base_dir" "$out/bin/base" || fail "the base commit $base_sha does not build"
    set_output base-bin "$out/bin/base/harness"
  else
    user_build base "$base_dir" || fail "input build failed on the base commit $base_sha (see the log): the gate needs both sides built"
  fi
  set_output base-sha "$base_sha"
  set_output base-dir "$base_dir"
fi
if [[ "$subject" == harness ]]; then
  build_into head "$head_dir" "$out/bin/head" || fail "the head commit does not build"
  set_output head-bin "$out/bin/head/harness"
else
  user_build head "$head_dir" || fail "input build failed on the head commit (see the log)"
  set_output head-bin "${HARNESS_BIN:?HARNESS_BIN must be set (the installed harness, install.sh)}"
fi
set_output head-dir "$head_dir"
