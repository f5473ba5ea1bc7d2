#!/usr/bin/env bash
# The README's main job on the built-in default. Runs `deepsearch demo` (warm start -> pass@1
# before -> DeepSearch training -> pass@1 after, report in runs/demo) once that subcommand exists;
# until then it chains the stages that are built: task data, the supervised warm start of the
# tiny model (reused when OUT/model exists), held-out pass@1, and one DeepSearch tree exported as
# JSON. Training (`deepsearch train`) is not built yet, so there is no "after" column.
set -euo pipefail
cd "$(dirname "$0")/.."
DS=${DS:-build/deepsearch}
OUT=${OUT:-runs/demo}
# True when the binary lists subcommand $1 in its help.
has() { "$DS" --help 2>/dev/null | grep -qE "^  $1 "; }

if has demo; then
  exec "$DS" demo --out "$OUT" "$@"
fi

echo "note: 'deepsearch demo' is not built yet; running the stages that exist." >&2
mkdir -p "$OUT"
"$DS" info
"$DS" task generate --task arith --difficulty 6 --n 32 --seed 2 --split heldout --out "$OUT/heldout_hard.jsonl"
"$DS" task generate --task arith --difficulty 2 --n 32 --seed 2 --split heldout --out "$OUT/heldout_easy.jsonl"
if [[ -f "$OUT/model/config.json" ]]; then
  echo "reusing the warm-started model in $OUT/model" >&2
else
  "$DS" sft --out "$OUT/model" max_seconds=${SFT_SECONDS:-240}
fi
"$DS" eval --model "$OUT/model" --data "$OUT/heldout_easy.jsonl,$OUT/heldout_hard.jsonl" --task arith \
  --n 4 --temperature 1.0 --top-p 1.0 --max-new-tokens 160 --out "$OUT/eval_before"
problem=$(head -n1 "$OUT/heldout_hard.jsonl")
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$problem" "$1" 2>/dev/null ||
  sed -E "s/.*\"$1\": ?\"([^\"]*)\".*/\1/" <<<"$problem"; }
"$DS" search --model "$OUT/model" --task arith --problem "$(field problem)" --answer "$(field answer)" \
  --width 4 --chunk-tokens 24 --delimiter $'\n' --max-depth 16 --terminals 8 --export "$OUT/tree.json"
echo "wrote $OUT/eval_before/results.json and $OUT/tree.json; 'deepsearch train' and 'deepsearch demo' are not built yet (issues 6 and 8)" >&2
