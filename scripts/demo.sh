#!/usr/bin/env bash
# The README's main job on the built-in default: `deepsearch demo` (warm start of the tiny model,
# reused from OUT/model when present -> held-out pass@1 before -> DeepSearch training -> pass@1
# after -> OUT/report.md, metrics.svg, tree.json). Extra arguments go to the demo
# (e.g. train.steps=6; see `build/deepsearch demo --list-options`).
set -euo pipefail
cd "$(dirname "$0")/.."
DS=${DS:-build/deepsearch}
OUT=${OUT:-runs/demo}
exec "$DS" demo --out "$OUT" "$@"
