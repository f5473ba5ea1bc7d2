// Owns the resource bounds of one verification: a wall-clock deadline plus the options' size
// limits. A step that would exceed a bound throws BudgetExceeded; the exception never leaves the
// verifier (verify() turns it into Status::kUndecided, "could not decide").
// Thread-safety: one Budget per check, used from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "verifier/verify_options.h"

namespace ds::verify {

// A bound was hit (time, size, depth). Internal control flow only: never escapes verify().
class BudgetExceeded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Budget {
 public:
  explicit Budget(const VerifyOptions& opts);

  const VerifyOptions& opts() const { return opts_; }

  // Cheap: reads the clock every 16th call and throws BudgetExceeded past the deadline.
  void tick() {
    if ((++ticks_ & 15u) == 0) check_clock();
  }
  void check_clock() const;
  bool expired() const;
  double elapsed_ms() const;

  [[noreturn]] static void exceed(const std::string& why) { throw BudgetExceeded(why); }

 private:
  const VerifyOptions& opts_;
  std::chrono::steady_clock::time_point start_, deadline_;
  uint32_t ticks_ = 0;
};

// RAII depth counter for recursive descent; throws BudgetExceeded past opts.max_depth.
class DepthGuard {
 public:
  DepthGuard(int& depth, int max_depth) : depth_(depth) {
    if (++depth_ > max_depth) {
      --depth_;
      Budget::exceed("nesting deeper than " + std::to_string(max_depth));
    }
  }
  ~DepthGuard() { --depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  int& depth_;
};

}  // namespace ds::verify
