// Owns the per-step training metrics: the rollout-side numbers of a batch, a timer for the phases
// of a step, the one-line progress status, and RUN_DIR/metrics.jsonl (one JSON object per training
// step, appended and flushed; on resume the lines after the checkpoint's step are dropped first, so
// a resumed run's file equals an uninterrupted run's).
//
// Field names of a metrics line (the trainer adds its own: generated/prefill tokens, tokens/s):
//   step, reward_mean, score_mean (reward + overlong), correct_frac, solved_group_frac,
//   search_solved_frac, zero_variance_group_frac, dropped_group_frac, truncated_frac,
//   overlong_mean, response_length_mean, response_length_max, advantage_mean, advantage_std,
//   samples, groups, and the update's (update.h): loss, pg_loss, clip_frac_low, clip_frac_high,
//   dual_clip_frac, approx_kl, entropy, grad_norm, lr, logp_mismatch_*, ...; time_<phase>_s.
// Thread-safety: MetricsLog and PhaseTimer are used by one thread.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/jsonl.h"
#include "rl/advantage.h"
#include "rl/sample.h"

namespace ds::train {

// Rollout-side metrics of one step's samples and their advantages (fields listed above).
nlohmann::json rollout_metrics(const std::vector<rl::Sample>& samples,
                               const rl::AdvantageResult& adv);

// Measures named phases ("rollout", "advantage", "update", "checkpoint"); a phase may run
// several times per step and its times add up.
class PhaseTimer {
 public:
  void start(const std::string& phase);  // stops the running phase, if any
  void stop();
  // {"time_<phase>_s": seconds, ..., "time_step_s": total}
  nlohmann::json seconds() const;
  void reset();

 private:
  std::map<std::string, double> totals_;
  std::string running_;
  double since_ = 0.0;  // monotonic_seconds() when the running phase started
};

// "reward 0.42 acc 0.31 loss 0.123 kl 1.2e-03 len 57" from a metrics line (missing keys skipped).
std::string progress_status(const nlohmann::json& metrics);

class MetricsLog {
 public:
  MetricsLog() = default;
  // Appends to `path` (created if missing).
  explicit MetricsLog(const std::string& path);
  // Writes {"step": step, ...fields} as one line. Non-finite numbers are written as null.
  void write(int64_t step, const nlohmann::json& fields);
  bool is_open() const { return writer_.is_open(); }

  // Rewrites `path` (atomically) without the lines whose step is > last_step; no-op if missing.
  // A line that is not JSON (a torn last line after a crash) is dropped too.
  static void truncate_after(const std::string& path, int64_t last_step);

 private:
  JsonlWriter writer_;
};

}  // namespace ds::train
