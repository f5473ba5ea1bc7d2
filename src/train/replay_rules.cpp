// The registration rule, the skip rule and the skip metrics (see replay_rules.h).
#include "train/replay_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/errors.h"

namespace ds::train {

void validate(const ReplayOptions& o, const std::string& where) {
  auto in_unit = [&](const char* field, double v) {
    if (!(v >= 0.0 && v <= 1.0))
      throw ConfigError(where + "." + field, fmt::format("must be in [0, 1], got {}", v),
                        "use a fraction of correct trajectories, e.g. 0.25");
  };
  in_unit("register_max_fraction", o.register_max_fraction);
  in_unit("register_min_fraction", o.register_min_fraction);
  if (!(o.register_min_fraction < o.register_max_fraction))
    throw ConfigError(where + ".register_min_fraction",
                      fmt::format("must be below register_max_fraction ({} >= {})",
                                  o.register_min_fraction, o.register_max_fraction),
                      "use e.g. register_min_fraction: 0, register_max_fraction: 0.25");
}

bool should_register(int correct, int total, const ReplayOptions& o) {
  if (!o.enable || total <= 0 || correct <= 0) return false;
  DS_CHECK(correct <= total, "more correct trajectories than trajectories");
  const double fraction = static_cast<double>(correct) / total;
  return fraction > o.register_min_fraction && fraction <= o.register_max_fraction;
}

CacheEntry make_cache_entry(const std::string& problem_id, const std::string& problem,
                            const std::string& answer, int64_t step,
                            const std::vector<rl::Sample>& samples,
                            const std::vector<std::string>& responses) {
  DS_CHECK(samples.size() == responses.size(), "one response text per sample");
  CacheEntry e;
  e.problem_id = problem_id;
  e.problem = problem;
  e.answer = answer;
  e.step = step;
  int correct = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (!samples[i].correct) continue;
    ++correct;
    CachedSolution c;
    c.response_ids = samples[i].response_ids;
    c.response = responses[i];
    c.reward = 1.0;
    c.step = step;
    e.solutions.push_back(std::move(c));
  }
  e.fraction_correct =
      samples.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(samples.size());
  return e;
}

int cached_in_group(const std::vector<CachedSolution>& cached, int B) {
  int usable = 0;
  for (const CachedSolution& c : cached) usable += !c.response_ids.empty();
  return std::min(usable, std::max(B, 0));
}

int fresh_rollouts(const std::vector<CachedSolution>& cached, int B) {
  return std::max(B, 0) - cached_in_group(cached, B);
}

std::vector<rl::Sample> make_skip_group(const std::vector<CachedSolution>& cached,
                                        std::vector<rl::Sample> direct, int B,
                                        const std::vector<int32_t>& prompt_ids, int64_t group) {
  DS_CHECK(B >= 1, "a skip group needs B >= 1");
  DS_CHECK(!prompt_ids.empty(), "a skip group needs the prompt ids");
  const int k = cached_in_group(cached, B);
  const size_t n_direct = direct.size();
  DS_CHECK(n_direct == static_cast<size_t>(B) || n_direct == static_cast<size_t>(B - k),
           fmt::format("make_skip_group: {} direct rollouts, expected B = {} or B - k = {}",
                       n_direct, B, B - k));
  std::vector<rl::Sample> out;
  out.reserve(static_cast<size_t>(B));
  for (const CachedSolution& c : cached) {
    if (static_cast<int>(out.size()) == k) break;
    if (c.response_ids.empty()) continue;
    rl::Sample s;
    s.group = group;
    s.prompt_ids = prompt_ids;
    s.response_ids = c.response_ids;
    s.reward = 1.0;
    s.correct = true;
    s.truncated = false;
    s.source = rl::SampleSource::kCached;
    out.push_back(std::move(s));
  }
  // With B rollouts given, the first k are the ones the cached solutions replace.
  const size_t first = n_direct == static_cast<size_t>(B) ? static_cast<size_t>(k) : 0;
  for (size_t i = first; i < n_direct; ++i) {
    direct[i].group = group;
    out.push_back(std::move(direct[i]));
  }
  DS_CHECK(out.size() == static_cast<size_t>(B), "skip group of the wrong size");
  return out;
}

void SkipMetrics::add_group(const std::vector<rl::Sample>& g) {
  ++searches_skipped;
  for (const rl::Sample& s : g) {
    if (s.source == rl::SampleSource::kCached) {
      ++cached_samples;
      cached_tokens += s.response_length();
    } else {
      ++fresh_samples;
      fresh_tokens += s.response_length();
    }
  }
}

void SkipMetrics::add(const SkipMetrics& o) {
  searches_skipped += o.searches_skipped;
  cached_samples += o.cached_samples;
  fresh_samples += o.fresh_samples;
  cached_tokens += o.cached_tokens;
  fresh_tokens += o.fresh_tokens;
}

int64_t SkipMetrics::tokens_not_generated(double mean_search_tokens) const {
  if (!(mean_search_tokens > 0.0) || !std::isfinite(mean_search_tokens)) return cached_tokens;
  const double saved = static_cast<double>(searches_skipped) * mean_search_tokens -
                       static_cast<double>(fresh_tokens);
  return std::max<int64_t>(cached_tokens, static_cast<int64_t>(std::llround(saved)));
}

nlohmann::json SkipMetrics::to_json(double mean_search_tokens) const {
  return {{"searches_skipped", searches_skipped},
          {"cached_samples", cached_samples},
          {"fresh_samples_skipped", fresh_samples},
          {"tokens_not_generated", tokens_not_generated(mean_search_tokens)}};
}

}  // namespace ds::train
