#!/usr/bin/env bash
# Reproduces the paper's claim in miniature (issue 8): builds deepsearch (scripts/build.sh), then
# runs bench/bench_app_paper.cpp with its defaults -- GRPO, DAPO and DeepSearch from one warm start
# (made once in bench/results/paper_run/model, reused afterwards), on the same hard arithmetic
# problems, at the same generated-token budget, 3 seeds each, plus the DeepSearch ablations
# (UCT vs frontier, terminal choice, std normalization; one seed each). Writes
#   bench/results/paper_table.md  (the exact command line at its top)
#   bench/results/paper_accuracy_vs_tokens.svg, bench/results/paper_ablations_vs_tokens.svg
#   bench/results/paper_runs.json (raw per-run numbers)
# and the run directories under bench/results/paper_run/ (not committed).
#
# The command it runs (from the repository root):
#   build/bench_app_paper [ARGS...]
# Default budget: about 60 minutes on 2 unloaded cores (the program prints its estimate first).
# Useful arguments: --quick (2-3 minute smoke run into bench/results/paper_quick/),
#   --jobs 2 (two runs at a time, one core each), --budget-tokens N, --seeds N,
#   --only NAME,NAME (redo some runs; --list shows the names), --help.
# Environment: BUILD_DIR (default build), NO_BUILD=1 to skip the build when the binary exists.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
if [[ "${NO_BUILD:-0}" != 1 ]]; then
  BUILD_DIR="$BUILD_DIR" scripts/build.sh
fi
echo "+ $BUILD_DIR/bench_app_paper $*" >&2
exec "$BUILD_DIR/bench_app_paper" "$@"
