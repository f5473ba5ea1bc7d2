// Tests of sequence_logprobs (teacher-forced per-token log-probabilities): equal to a full
// log-softmax over the logits for every chunk size, n-1 values, normalized, refusing ids outside
// the vocabulary; and parse_device.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.h"
#include "model/checkpoint.h"
#include "model/logprobs.h"

namespace dm = ds::model;

namespace {

TEST(ModelLogprobs, MatchesFullLogSoftmaxForAnyChunk) {
  dm::Transformer m(dm::make_builtin_config("micro", 50), torch::TensorOptions(), 3);
  {
    torch::NoGradGuard g;
    for (auto& p : m->parameters()) p.mul_(5.0);
  }
  std::vector<int32_t> ids = {4, 8, 15, 16, 23, 42, 7, 0, 49, 12, 3};
  torch::Tensor t = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end())).unsqueeze(0);
  dm::ForwardInput in;
  in.ids = t;
  torch::NoGradGuard g;
  torch::Tensor lp = torch::log_softmax(m->forward(in)[0], -1);  // (n, V)
  for (int64_t chunk : {1, 3, 10, 256}) {
    auto got = dm::sequence_logprobs(*m, ids, chunk);
    ASSERT_EQ(got.size(), ids.size() - 1);
    for (size_t i = 1; i < ids.size(); ++i) {
      EXPECT_NEAR(got[i - 1], lp[i - 1][ids[i]].item<double>(), 1e-6) << chunk << " " << i;
      EXPECT_LT(got[i - 1], 0.0);
    }
  }
  EXPECT_TRUE(dm::sequence_logprobs(*m, {5}).empty());
  EXPECT_TRUE(dm::sequence_logprobs(*m, {}).empty());
  EXPECT_THROW(dm::sequence_logprobs(*m, {1, 50}), ds::UsageError);
  EXPECT_THROW(dm::sequence_logprobs(*m, {-1, 2}), ds::UsageError);
}

TEST(ModelLogprobs, ParseDevice) {
  EXPECT_EQ(dm::parse_device("cpu"), torch::Device(torch::kCPU));
  EXPECT_THROW(dm::parse_device("tpu"), ds::ConfigError);
  EXPECT_THROW(dm::parse_device("cuda:x"), ds::ConfigError);
  if (!torch::cuda::is_available()) {
    EXPECT_THROW(dm::parse_device("cuda"), ds::UsageError);
  } else {
    EXPECT_EQ(dm::parse_device("cuda:0"), torch::Device(torch::kCUDA, 0));
  }
}

}  // namespace
