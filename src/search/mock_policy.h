// Owns MockPolicy: a deterministic, scripted stand-in for a language model, so search tests and
// benchmarks run in microseconds without torch. A chunk is chosen by a generator from the path of
// child indices ("0.3.1" = first child of the root's ... ) and the request seed, or fixed per path
// by script(). Tokens are the chunk's bytes (ids 0..255) plus an EOS id; every token's log-prob is
// -nll, so the chunk's mean NLL is exactly the scripted nll. It follows the Policy contract
// strictly (child i depends only on parent path, seed and i; states must not be used after
// release) and records calls for tests. Also: boxed_reward(), a tiny reward for mock responses.
// Thread-safety: not synchronized.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "search/policy.h"
#include "search/problem.h"

namespace ds::search {

// What the mock "generates" for one child before stop rules cut it.
struct MockChunk {
  std::string text;
  double nll = 1.0;  // mean token NLL (every token gets log-prob -nll)
  bool eos = false;  // ends with EOS after the text
};

struct MockContext {
  const std::string& prompt;
  const std::vector<int>& path;  // child indices from the root down to this new child
  uint64_t seed;                 // the request's seed
  int child;                     // index within the request (0..n-1)
};

using MockGenerator = std::function<MockChunk(const MockContext&)>;

// A random but deterministic generator: each chunk is a short step text; with eos_probability it
// ends the response with "\boxed{k}" + EOS, k uniform in 0..answers-1 (gold "0" is correct with
// probability 1/answers); nll uniform in [nll_min, nll_max]. Depends on (seed, child, path).
struct RandomMockOptions {
  double eos_probability = 0.25;
  int answers = 3;
  double nll_min = 0.2;
  double nll_max = 2.0;
  int step_chars = 6;
};
MockGenerator random_mock_generator(RandomMockOptions options = {});

class MockPolicy : public Policy {
 public:
  static constexpr int32_t kEosToken = 256;

  // context_limit > 0: prompt + path tokens may not exceed it (finish = context).
  explicit MockPolicy(MockGenerator generator = random_mock_generator(), int context_limit = 0);

  // Fixes the chunk of the child at `path` ("2" = third child of the root, "2.0" = its first
  // child), for every prompt. Overrides the generator.
  void script(const std::string& path, MockChunk chunk);

  std::vector<BeginResult> begin(const std::vector<std::string>& prompts) override;
  std::vector<ExpandResult> expand(const std::vector<ExpandRequest>& requests,
                                   const SamplingOptions& sampling) override;
  void release(const std::vector<StateId>& states) override;
  PolicyCounters counters() const override { return counters_; }

  // Introspection for tests.
  int expand_calls() const { return static_cast<int>(batch_sizes_.size()); }
  const std::vector<int>& batch_sizes() const { return batch_sizes_; }  // requests per call
  int live_states() const { return live_; }
  const SamplingOptions& last_sampling() const { return last_sampling_; }
  // "0.3.1" of a state (empty for a root).
  std::string path_of(StateId state) const;

 private:
  struct State {
    int prompt = 0;         // index into prompts_
    std::vector<int> path;  // child indices from the root
    int children = 0;       // children handed out so far
    int64_t length = 0;     // prompt + path tokens
    bool live = true;
    bool ended = false;  // its chunk ended with EOS or at the context limit
  };
  Chunk make_chunk(const State& parent, const ExpandRequest& request, int child_index, int i);

  MockGenerator generator_;
  int context_limit_;
  std::map<std::string, MockChunk> scripts_;
  std::vector<std::string> prompts_;
  std::vector<State> states_;
  std::vector<int> batch_sizes_;
  int live_ = 0;
  SamplingOptions last_sampling_;
  PolicyCounters counters_;
};

// Reward for mock (and simple) responses: answered iff the response has a "\boxed{...}"; correct
// iff the content of the last one equals problem.answer exactly.
RewardFn boxed_reward();

}  // namespace ds::search
