#!/usr/bin/env bash
# The README's main job on the built-in default. Runs `deepsearch demo` (warm start -> pass@1
# before -> DeepSearch training -> pass@1 after, report in runs/demo) once that subcommand exists;
# until then it runs the most complete pipeline the binary offers, stage by stage, and says which
# stages are not built yet.
set -euo pipefail
cd "$(dirname "$0")/.."
DS=${DS:-build/deepsearch}
OUT=${OUT:-runs/demo}
has() { "$DS" "$1" --help >/dev/null 2>&1; }

if has demo; then
  exec "$DS" demo --out "$OUT" "$@"
fi

echo "note: 'deepsearch demo' is not built yet; running the stages that exist." >&2
mkdir -p "$OUT"
"$DS" info
"$DS" task generate --task arith --difficulty 2 --n 64 --seed 1 --out "$OUT/train_easy.jsonl"
"$DS" task generate --task arith --difficulty 6 --n 32 --seed 2 --split heldout --out "$OUT/heldout_hard.jsonl"
"$DS" task generate --task countdown --difficulty 3 --n 32 --seed 3 --out "$OUT/countdown.jsonl"
"$DS" task check --data "$OUT/train_easy.jsonl"
echo "wrote task data to $OUT" >&2
for stage in sft search eval train; do
  has "$stage" || echo "stage not built yet: deepsearch $stage" >&2
done
echo "next: 'deepsearch demo' chains warm start, evaluation and DeepSearch training (issue 8)" >&2
