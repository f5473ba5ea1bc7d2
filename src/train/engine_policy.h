// Owns EnginePolicy: the search's Policy interface (search/policy.h) served by the generation
// engine (engine/engine.h), so the DeepSearch tree runs on a real model:
//   begin()   = one Engine::prefill per prompt; the prompt's K/V becomes the tree root;
//   expand()  = ONE Engine::extend call for every request of every tree in the round: each child
//               extends its parent's stored K/V (prompt + path are never re-encoded; the engine
//               recomputes only chunks it evicted under its K/V budget and reports them as
//               prefill);
//   release() = Engine::release (the engine's reference counting keeps what descendants need).
// Chunk mapping: tokens as sampled (a final EOS included), text = the raw bytes of the tokens
// without the final EOS and without special tokens (what the evaluator shows as the response,
// Hugging Face's skip_special_tokens), log-probs under the sampling distribution (PPO's old
// log-probs), mean_nll under the raw model. Child i of a request draws from
// Rng::derive(request.seed, i) inside the engine, whatever else is batched.
// Counters are deltas of the engine's counters measured around this policy's own calls, so other
// users of the same engine (or Engine::reset_counters) do not disturb them.
// No torch in this header. Thread-safety: none (like the engine); one search driver at a time.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "engine/types.h"
#include "search/policy.h"

namespace ds::engine {
class Engine;
}
namespace ds::tok {
class Tokenizer;
}

namespace ds::train {

// How expansions are sampled (temperature, top-p, top-k) comes with every expand() call from the
// search's options (search.temperature / top_p / top_k).
struct EnginePolicyOptions {
  bool special_tokens_in_text = false;

  template <class V>
  void visit(V& v) {
    v("special_tokens_in_text", special_tokens_in_text,
      "keep special tokens (chat markers; never the final EOS) in chunk text handed to the reward");
  }
};

class EnginePolicy final : public search::Policy {
 public:
  // `engine` and `tokenizer` (the engine's) must outlive the policy.
  EnginePolicy(engine::Engine& engine, const tok::Tokenizer& tokenizer,
               EnginePolicyOptions options = {});
  // Releases every state still held (e.g. after a search was abandoned by an exception).
  ~EnginePolicy() override;
  EnginePolicy(const EnginePolicy&) = delete;
  EnginePolicy& operator=(const EnginePolicy&) = delete;

  // Throws UsageError when a prompt encodes to no tokens or does not fit the engine's context.
  std::vector<search::BeginResult> begin(const std::vector<std::string>& prompts) override;
  std::vector<search::ExpandResult> expand(const std::vector<search::ExpandRequest>& requests,
                                           const SamplingOptions& sampling) override;
  void release(const std::vector<search::StateId>& states) override;
  search::PolicyCounters counters() const override { return counters_; }

  // Introspection (tests, benchmarks, the CLI summary).
  size_t live_states() const { return live_.size(); }
  int64_t expand_calls() const { return expand_calls_; }
  int64_t max_batch_children() const { return max_batch_children_; }  // largest expand() call
  int64_t recompute_tokens() const { return recompute_tokens_; }      // part of prefill (eviction)
  const engine::Engine& engine() const { return engine_; }

 private:
  search::Chunk to_chunk(engine::Sample&& sample) const;

  engine::Engine& engine_;
  const tok::Tokenizer& tokenizer_;
  EnginePolicyOptions options_;
  std::unordered_set<search::StateId> live_;  // handed out, not yet released
  search::PolicyCounters counters_;
  int64_t expand_calls_ = 0;
  int64_t max_batch_children_ = 0;
  int64_t recompute_tokens_ = 0;
};

}  // namespace ds::train
