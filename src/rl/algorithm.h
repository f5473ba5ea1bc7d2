// Owns the names of the RL algorithms the trainer runs: DeepSearch (MCTS rollouts + Tree-GRPO) and
// the baselines GRPO, Dr. GRPO and DAPO (direct rollouts). Each sets the defaults of the advantage
// and loss options (advantage_preset, policy_loss_preset). Resolved from its name once when the
// config is read; code compares the enum. Thread-safety: constants and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/options.h"

namespace ds::rl {

enum class Algorithm : uint8_t { kDeepSearch, kGrpo, kDrGrpo, kDapo };

inline constexpr std::array<Choice<Algorithm>, 4> kAlgorithmChoices{
    {{"deepsearch", Algorithm::kDeepSearch},
     {"grpo", Algorithm::kGrpo},
     {"drgrpo", Algorithm::kDrGrpo},
     {"dapo", Algorithm::kDapo}}};

// "deepsearch" | "grpo" | "drgrpo" | "dapo".
inline const char* algorithm_name(Algorithm a) {
  return choice_name(a, kAlgorithmChoices);
}

// The algorithm named `name`; ConfigError (field "algorithm") listing the names otherwise.
Algorithm parse_algorithm(const std::string& name);

}  // namespace ds::rl
