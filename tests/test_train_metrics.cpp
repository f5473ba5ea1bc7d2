// Tests of the per-step metrics: rollout-side numbers computed by hand, the metrics.jsonl writer
// (null for non-finite values), truncation on resume (later steps and torn lines dropped), the
// phase timer and the progress status line. No torch.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/fs_util.h"
#include "core/jsonl.h"
#include "train/metrics.h"

namespace fs = std::filesystem;

namespace {

using ds::rl::Sample;
using ds::rl::SampleSource;

Sample make(int64_t group, int64_t length, double reward, SampleSource source, bool truncated) {
  Sample s;
  s.group = group;
  s.prompt_ids = {1};
  s.response_ids.assign(static_cast<size_t>(length), 3);
  s.reward = reward;
  s.correct = reward > 0;
  s.source = source;
  s.truncated = truncated;
  return s;
}

TEST(RolloutMetrics, ByHand) {
  // Group 0 (search): one correct; group 1 (search): none; group 2 (direct): one correct.
  std::vector<Sample> s = {make(0, 4, 1.0, SampleSource::kSearch, false),
                           make(0, 8, -1.0, SampleSource::kSearch, true),
                           make(1, 2, -1.0, SampleSource::kSearch, false),
                           make(1, 6, -1.0, SampleSource::kSearch, false),
                           make(2, 5, 1.0, SampleSource::kCached, false),
                           make(2, 5, -1.0, SampleSource::kDirect, false)};
  ds::rl::AdvantageOptions o = ds::rl::advantage_preset(ds::rl::Algorithm::kDeepSearch);
  o.overlong.max_length = 8;
  o.overlong.buffer = 4;  // expected 4: lengths 8 -> -1, 6 -> -0.5, 5 -> -0.25
  auto adv = ds::rl::compute_advantages(s, o);
  auto m = ds::train::rollout_metrics(s, adv);
  EXPECT_EQ(m["samples"], 6);
  EXPECT_EQ(m["groups"], 3);
  EXPECT_NEAR(m["reward_mean"].get<double>(), -2.0 / 6, 1e-12);
  EXPECT_NEAR(m["overlong_mean"].get<double>(), (-1 - 0.5 - 0.25 - 0.25) / 6, 1e-12);
  EXPECT_NEAR(m["score_mean"].get<double>(), (-2.0 - 2.0) / 6, 1e-12);
  EXPECT_NEAR(m["correct_frac"].get<double>(), 2.0 / 6, 1e-12);
  EXPECT_NEAR(m["solved_group_frac"].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(m["search_solved_frac"].get<double>(), 1.0 / 2, 1e-12);
  EXPECT_NEAR(m["zero_variance_group_frac"].get<double>(), 1.0 / 3, 1e-12);
  EXPECT_NEAR(m["truncated_frac"].get<double>(), 1.0 / 6, 1e-12);
  EXPECT_NEAR(m["response_length_mean"].get<double>(), 30.0 / 6, 1e-12);
  EXPECT_EQ(m["response_length_max"], 8);
  EXPECT_NEAR(m["advantage_mean"].get<double>(), adv.advantage_mean, 1e-12);
}

TEST(MetricsLog, WritesOneLinePerStepAndNullForNonFinite) {
  fs::path p =
      fs::temp_directory_path() / ("ds_rl_metrics_" + std::to_string(::getpid())) / "metrics.jsonl";
  fs::remove_all(p.parent_path());
  {
    ds::train::MetricsLog log(p.string());
    log.write(1, {{"loss", 0.5}, {"grad_norm", std::nan("")}});
    log.write(2, {{"loss", 0.25}, {"step", 99}});
  }
  auto lines = ds::read_jsonl(p.string());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["step"], 1);
  EXPECT_TRUE(lines[0]["grad_norm"].is_null());
  EXPECT_EQ(lines[1]["step"], 2);  // the step argument wins
  fs::remove_all(p.parent_path());
}

TEST(MetricsLog, TruncateAfterDropsLaterStepsAndTornLines) {
  fs::path p = fs::temp_directory_path() / ("ds_rl_trunc_" + std::to_string(::getpid()) + ".jsonl");
  std::ofstream(p) << "{\"step\": 1, \"loss\": 1}\n{\"step\": 2, \"loss\": 2}\n"
                      "{\"step\": 3, \"loss\": 3}\n{\"step\": 4, \"lo";
  ds::train::MetricsLog::truncate_after(p.string(), 2);
  auto lines = ds::read_jsonl(p.string());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["step"], 2);
  {
    ds::train::MetricsLog log(p.string());  // appending continues after step 2
    log.write(3, {{"loss", 3.5}});
  }
  lines = ds::read_jsonl(p.string());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2]["loss"], 3.5);
  ds::train::MetricsLog::truncate_after((p.string() + ".absent"), 1);  // no-op
  EXPECT_FALSE(fs::exists(p.string() + ".absent"));
  fs::remove(p);
}

TEST(PhaseTimer, AccumulatesPhases) {
  ds::train::PhaseTimer t;
  t.start("rollout");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  t.start("update");  // stops rollout
  t.stop();
  t.start("rollout");
  t.stop();
  auto j = t.seconds();
  EXPECT_GE(j["time_rollout_s"].get<double>(), 0.004);
  EXPECT_TRUE(j.contains("time_update_s"));
  EXPECT_NEAR(j["time_step_s"].get<double>(),
              j["time_rollout_s"].get<double>() + j["time_update_s"].get<double>(), 1e-12);
  t.reset();
  EXPECT_EQ(t.seconds()["time_step_s"], 0.0);
}

TEST(ProgressStatus, FormatsTheKeyNumbers) {
  nlohmann::json m = {{"reward_mean", 0.4216},
                      {"correct_frac", 0.3126},
                      {"loss", 0.12345},
                      {"approx_kl", 0.00123},
                      {"response_length_mean", 56.7}};
  EXPECT_EQ(ds::train::progress_status(m), "reward 0.422 acc 0.313 loss 0.1235 kl 1.2e-03 len 57");
  EXPECT_EQ(ds::train::progress_status(nlohmann::json::object()), "");
}

}  // namespace
