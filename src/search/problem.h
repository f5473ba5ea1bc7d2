// Owns what the search needs to know about one problem and how a finished response is scored:
// SearchProblem (prompt for the policy, question and gold answer for the reward, a stable key for
// seeding) and the RewardFn interface, so built-in tasks plug in their own verifiers.
// The search never parses answers itself. Thread-safety: plain values; a RewardFn must be callable
// repeatedly (the search calls it from one thread).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ds::search {

struct SearchProblem {
  std::string id;        // shown in exports and logs
  std::string question;  // the problem text (handed to the reward and exported as "problem")
  std::string prompt;    // what the policy is conditioned on; empty = use `question` as is
  std::string answer;    // gold answer handed to the reward
  uint64_t key = 0;      // stable per problem (e.g. dataset index): the tree's seed derives from
                         // (options.seed, key, id) only, whichever other trees run alongside

  const std::string& policy_prompt() const { return prompt.empty() ? question : prompt; }
};

// The verifier's verdict on one complete response (an expected outcome, never an exception).
struct Verdict {
  bool correct = false;
  bool answered = false;  // an answer could be extracted at all (used for capped paths, see
                          // SearchOptions::capped_paths)
};

// (problem, full response text) -> verdict; the gold answer is problem.answer.
using RewardFn = std::function<Verdict(const SearchProblem& problem, std::string_view response)>;

}  // namespace ds::search
