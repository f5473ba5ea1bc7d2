// Data-parallel training end to end (tools/cmd_train.cpp --nproc, train/trainer.h with a
// C10dCollective): `deepsearch train --nproc 2` over loopback Gloo ends with the same parameters
// as the same run in one process with the same global batch and seeds (within 1e-6 on CPU), and
// only rank 0 writes the run directory. Runs the built binary (DS_BINARY_DIR/deepsearch).
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "model/checkpoint.h"

namespace fs = std::filesystem;

namespace {

int run(const std::string& args) {
  const std::string bin = std::string(DS_BINARY_DIR) + "/deepsearch";
  const std::string cmd = bin + " train " + args + " >/dev/null 2>&1";
  return std::system(cmd.c_str());
}

}  // namespace

TEST(DistTrain, TwoRanksEqualOneRankWithTheSameGlobalBatch) {
  ASSERT_TRUE(fs::exists(std::string(DS_BINARY_DIR) + "/deepsearch")) << "build deepsearch first";
  const fs::path dir =
      fs::temp_directory_path() / ("ds_dist_train_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string common =
      "model=builtin:micro steps=3 prompts_per_step=4 data.difficulties=[1] data.per_level=8 "
      "search.width=2 search.chunk_tokens=6 search.max_depth=3 search.terminals=2 "
      "sample_filter.enable=false optim.lr=1e-3 optim.warmup_steps=0 progress=false "
      "update.mini_batch_size=0 --dist-timeout 60";
  ASSERT_EQ(run(common + " run_dir=" + (dir / "one").string()), 0);
  ASSERT_EQ(run("--nproc 2 " + common + " run_dir=" + (dir / "two").string()), 0);
  const auto a = ds::model::load_tensors((dir / "one/checkpoints/step_3/model/model.safetensors").string());
  const auto b = ds::model::load_tensors((dir / "two/checkpoints/step_3/model/model.safetensors").string());
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  double max_diff = 0;
  for (const auto& [name, t] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    max_diff = std::max(max_diff, (t - b.at(name)).abs().max().item<double>());
  }
  // Adam divides by the gradient's own scale, so the float order of the all-reduce (which differs
  // with the CPU's SIMD width) shows up as ~1e-6 in the weights; a wrong global mean or a lost
  // rank's gradient moves them by about the learning rate (1e-3).
  EXPECT_LE(max_diff, 1e-5);
  // Rank 0 wrote the run directory.
  EXPECT_TRUE(fs::exists(dir / "two/metrics.jsonl"));
  EXPECT_TRUE(fs::exists(dir / "two/latest"));
  fs::remove_all(dir);
}
