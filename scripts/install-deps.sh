#!/usr/bin/env bash
# Installs every Debian 12 package that deepsearch's build, tests and main job need.
# Idempotent: packages already present are skipped by apt. Run as root (or with sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake g++ pkg-config git
  libtorch-dev libopenblas0-pthread
  nlohmann-json3-dev libcli11-dev libfmt-dev libyaml-cpp-dev
  libsqlite3-dev libgmp-dev libmpfr-dev libginac-dev libcln-dev
  libgtest-dev libgmock-dev libbenchmark-dev libgloo-dev libutf8proc-dev
  clang libclang-rt-14-dev
  python3 python3-torch python3-numpy
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all packages present"
else
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian's libtorch links libblas.so.3; make sure the alternative points at OpenBLAS, not the
# reference BLAS (about 19x slower for the matrix products the model spends its time in).
for alt in libblas.so.3-x86_64-linux-gnu liblapack.so.3-x86_64-linux-gnu; do
  if update-alternatives --query "$alt" >/dev/null 2>&1; then
    best=$(update-alternatives --query "$alt" | awk '/^Alternative:/ {print $2}' | grep openblas-pthread | head -n1 || true)
    if [[ -n "$best" ]]; then
      ${SUDO:-} update-alternatives --set "$alt" "$best" >/dev/null 2>&1 || true
    fi
  fi
done
