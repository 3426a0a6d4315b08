#!/usr/bin/env bash
# The copy-paste workflows in github-action/README.md are valid workflows whose `with:` inputs exist in action.yml:
# every ```yaml block that starts with `name:` is written into a scratch repository next to a copy of the action, the
# published `uses: carbon-harness/carbon-harness/github-action@REF` rewritten to that local copy (so actionlint reads
# its action.yml), and checked with actionlint. Usage: bash github-action/tests/readme-workflows.sh (needs actionlint).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
action="$(cd "$here/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/.github/workflows"
mkdir -p "$scratch/github-action" && cp "$action/action.yml" "$scratch/github-action/"
git -C "$scratch" init --quiet
count="$(python3 - "$action/README.md" "$scratch/.github/workflows" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
n = 0
for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
    if block.startswith("name:"):
        n += 1
        block = re.sub(r"uses: carbon-harness/carbon-harness/github-action@\S+", "uses: ./github-action", block)
        open(f"{sys.argv[2]}/readme-{n}.yml", "w").write(block)
print(n)
PY
)"
[[ "$count" -ge 3 ]] || { echo "readme-workflows: expected at least 3 workflows in $action/README.md, found $count"; exit 1; }
(cd "$scratch" && actionlint .github/workflows/*.yml)
echo "readme-workflows: $count workflows valid"
