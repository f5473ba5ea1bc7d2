#!/usr/bin/env bash
# Configures and builds deepsearch into ./build (Release-with-debug-info, -j2 by default:
# each libtorch translation unit needs ~1 GB of RAM). Set JOBS or BUILD_DIR to change.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"
