// Deadline bookkeeping of one verification (see budget.h).
#include "verifier/budget.h"

namespace ds::verify {

Budget::Budget(const VerifyOptions& opts) : opts_(opts), start_(std::chrono::steady_clock::now()) {
  auto us = static_cast<int64_t>(opts.time_budget_ms * 1000.0);
  deadline_ = start_ + std::chrono::microseconds(us > 0 ? us : 0);
}

bool Budget::expired() const {
  return std::chrono::steady_clock::now() > deadline_;
}

void Budget::check_clock() const {
  if (expired()) exceed("time budget of " + std::to_string(opts_.time_budget_ms) + " ms exceeded");
}

double Budget::elapsed_ms() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
      .count();
}

}  // namespace ds::verify
