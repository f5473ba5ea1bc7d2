// Advantage estimators (see advantage.h for the formulas and their sources).
#include "rl/advantage.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/errors.h"

namespace ds::rl {

AdvantageOptions advantage_preset(Algorithm algorithm) {
  AdvantageOptions o;
  if (algorithm == Algorithm::kDeepSearch) {
    o.granularity = "node";
    o.std_normalize = false;
    o.unbiased_std = false;
    o.overlong.enable = true;
  } else if (algorithm == Algorithm::kGrpo) {
    o.granularity = "outcome";
    o.std_normalize = true;
    o.unbiased_std = true;
    o.overlong.enable = false;
  } else if (algorithm == Algorithm::kDrGrpo) {
    o.granularity = "outcome";
    o.std_normalize = false;
    o.overlong.enable = false;
  } else {
    DS_CHECK(algorithm == Algorithm::kDapo, "advantage_preset: an algorithm without a preset");
    o.granularity = "outcome";
    o.std_normalize = true;
    o.unbiased_std = true;
    o.overlong.enable = true;
    o.dynamic_sampling.enable = true;
  }
  return o;
}

void validate(const AdvantageOptions& o) {
  if (!(o.eps >= 0.0) || !std::isfinite(o.eps))
    throw ConfigError("advantage.eps", "must be a finite value >= 0, got " + std::to_string(o.eps),
                      "use a small positive number such as 1e-6");
  if (o.overlong.enable) {
    if (o.overlong.max_length <= 0)
      throw ConfigError("advantage.overlong.max_length",
                        "the overlong penalty is enabled but max_length is " +
                            std::to_string(o.overlong.max_length),
                        "set it to the rollout's maximum response tokens, or set "
                        "advantage.overlong.enable=false");
    if (o.overlong.buffer < 0 || o.overlong.buffer > o.overlong.max_length)
      throw ConfigError("advantage.overlong.buffer",
                        "must be in [0, max_length=" + std::to_string(o.overlong.max_length) +
                            "], got " + std::to_string(o.overlong.buffer),
                        "use 0 for max_length / 4, or a smaller buffer");
    if (o.overlong.buffer == 0 && o.overlong.max_length < 4)
      throw ConfigError("advantage.overlong.max_length",
                        "max_length / 4 is 0 tokens, so the default buffer is empty",
                        "set advantage.overlong.buffer to at least 1");
    if (!(o.overlong.penalty_factor >= 0.0))
      throw ConfigError("advantage.overlong.penalty_factor", "must be >= 0", "use e.g. 1.0");
  }
}

double overlong_penalty(int64_t length, const OverlongOptions& o) {
  if (!o.enable) return 0.0;
  DS_CHECK(o.max_length > 0, "overlong penalty without max_length (validate the options first)");
  const double buffer = o.buffer > 0 ? o.buffer : o.max_length / 4;
  DS_CHECK(buffer > 0, "overlong buffer is empty");
  const double expected = o.max_length - buffer;
  const double exceed = static_cast<double>(length) - expected;
  return std::min(-exceed / buffer * o.penalty_factor, 0.0);
}

namespace {

struct Stats {
  double mean = 0.0, std = 0.0;
};

// Mean and std of `v` (population or n-1); one value gives mean 0, std 1 ([R], veRL).
Stats group_stats(const std::vector<double>& v, bool unbiased) {
  DS_CHECK(!v.empty(), "empty baseline set");
  if (v.size() == 1) return {0.0, 1.0};
  double sum = 0.0;
  for (double x : v) sum += x;
  const double mean = sum / v.size();
  double ss = 0.0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double denom = unbiased ? static_cast<double>(v.size() - 1) : static_cast<double>(v.size());
  return {mean, std::sqrt(ss / denom)};
}

}  // namespace

AdvantageResult compute_advantages(const std::vector<Sample>& samples, const AdvantageOptions& o,
                                   const std::map<int64_t, std::vector<TreeTerminal>>* terminals) {
  validate(o);
  const size_t n = samples.size();
  AdvantageResult out;
  out.advantages.resize(n);
  out.final_scores.resize(n);
  out.overlong.resize(n);
  out.keep.assign(n, 1);

  // Group membership in order of first appearance.
  std::unordered_map<int64_t, size_t> group_index;
  std::vector<std::vector<size_t>> members;
  for (size_t i = 0; i < n; ++i) {
    check_sample(samples[i]);
    out.overlong[i] = overlong_penalty(samples[i].response_length(), o.overlong);
    out.final_scores[i] = samples[i].reward + out.overlong[i];
    auto [it, inserted] = group_index.emplace(samples[i].group, members.size());
    if (inserted) {
      members.emplace_back();
      out.groups.push_back(GroupSummary{});
      out.groups.back().group = samples[i].group;
    }
    members[it->second].push_back(i);
  }

  for (size_t g = 0; g < members.size(); ++g) {
    GroupSummary& gs = out.groups[g];
    const auto& idx = members[g];
    gs.size = static_cast<int>(idx.size());
    size_t n_correct = 0;
    double lo = out.final_scores[idx[0]], hi = lo;
    for (size_t i : idx) {
      n_correct += samples[i].correct ? 1 : 0;
      lo = std::min(lo, out.final_scores[i]);
      hi = std::max(hi, out.final_scores[i]);
    }
    gs.all_correct = n_correct == idx.size();
    gs.all_wrong = n_correct == 0;
    if (o.dynamic_sampling.metric == "correct")
      gs.zero_variance = gs.all_correct || gs.all_wrong;
    else
      gs.zero_variance = hi - lo <= 1e-12;
    if (gs.zero_variance) ++out.zero_variance_groups;

    // Baseline set: the group's final scores, or every terminal of its tree ([P]).
    const std::vector<TreeTerminal>* tree = nullptr;
    if (terminals && o.baseline == "all_terminals") {
      auto it = terminals->find(gs.group);
      if (it != terminals->end() && !it->second.empty()) tree = &it->second;
    }
    std::vector<double> base;
    if (tree) {
      for (const auto& t : *tree) base.push_back(t.reward + overlong_penalty(t.length, o.overlong));
    } else {
      for (size_t i : idx) base.push_back(out.final_scores[i]);
    }
    Stats st = group_stats(base, o.unbiased_std);
    gs.std = st.std;
    double mu = st.mean;
    double divisor = o.std_normalize ? st.std + o.eps : 1.0;

    const std::string& uniform = gs.all_wrong     ? o.all_wrong_baseline
                                 : gs.all_correct ? o.all_correct_baseline
                                                  : std::string("mean");
    bool drop = uniform == "drop" || (o.dynamic_sampling.enable && gs.zero_variance);
    if (uniform == "zero") {
      mu = 0.0;
      divisor = 1.0;
    }
    gs.mean = mu;
    gs.dropped = drop;
    if (drop) ++out.dropped_groups;

    for (size_t i : idx) {
      const Sample& s = samples[i];
      auto& adv = out.advantages[i];
      adv.resize(s.response_ids.size());
      if (drop) {
        out.keep[i] = 0;
        std::fill(adv.begin(), adv.end(), 0.0f);
        continue;
      }
      const bool per_node = o.granularity == "node" && s.has_token_rewards();
      for (size_t t = 0; t < adv.size(); ++t) {
        const double r = per_node ? s.token_rewards[t] + out.overlong[i] : out.final_scores[i];
        adv[t] = static_cast<float>((r - mu) / divisor);
      }
    }
  }

  // Token-level statistics over kept samples.
  double sum = 0.0, sq = 0.0;
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!out.keep[i]) continue;
    for (float a : out.advantages[i]) {
      sum += a;
      sq += static_cast<double>(a) * a;
      ++count;
    }
  }
  if (count > 0) {
    out.advantage_mean = sum / count;
    out.advantage_std =
        std::sqrt(std::max(0.0, sq / count - out.advantage_mean * out.advantage_mean));
  }
  return out;
}

}  // namespace ds::rl
