// Test helper (header-only): the Python virtual environment that test-only peers live in (Hugging
// Face transformers / tokenizers, Math-Verify, tensorboard, selenium; PyTorch 2.x). It is made by
// scripts/install-test-deps.sh at $DS_VENV, default <source dir>/.venv; `.ci/run` installs it.
// Tests that compare against those peers call venv_python() and GTEST_SKIP with the returned
// reason when it is absent, so a machine without the venv still runs every other test.
// The product never needs Python. Thread-safety: pure functions.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace ds::testing {

// The venv directory: $DS_VENV when set, else DS_SOURCE_DIR/.venv.
inline std::string venv_dir() {
  if (const char* v = std::getenv("DS_VENV"); v && *v) return v;
  return std::string(DS_SOURCE_DIR) + "/.venv";
}

// Path of the venv's python, or "" when the venv is missing.
inline std::string venv_python() {
  const std::string py = venv_dir() + "/bin/python";
  return std::filesystem::exists(py) ? py : std::string();
}

// Why a venv test is skipped (GTEST_SKIP() << venv_skip_reason()).
inline std::string venv_skip_reason() {
  return "no test venv at " + venv_dir() +
         ": run scripts/install-test-deps.sh (or set DS_VENV) to compare against the Python peers";
}

}  // namespace ds::testing
