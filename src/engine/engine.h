// Owns the generation engine: batched, seeded sampling from a ds::model::Transformer with a
// tree-structured, prefix-shared K/V cache. One API serves tree search (extend a node by W
// children up to a delimiter), direct rollouts, Pass@K filtering and evaluation (generate).
// The header includes no torch (pimpl), so callers compile fast.
//
// States. A state is a token sequence, stored as parent state + its own chunk of tokens; the K/V
// of each chunk is kept and reused by every descendant (see kv_store.h for the exact layout and
// the pending-token rule: a sequence's last token is fed at the start of the next extension and
// counts as a decode token, not prefill). prefill() makes a root state from a prompt;
// extend() makes children. States live until release(); releasing a state whose descendants are
// released frees the branch. Stored K/V obeys EngineOptions::kv_budget_bytes: least recently used
// chunks that are not pinned (nor ancestors of pinned states) are evicted and recomputed on
// demand, which is counted as prefill (counters().recompute_tokens).
//
// Batching. extend() decodes all children of all requests together, at most max_batch_size per
// forward: each row's path K/V is copied into a right-padded batch buffer (padding masked out),
// RoPE positions are per row, and when enough rows have finished the buffer is rebuilt with the
// live rows plus rows still waiting, so the batch stays full (decode_batch.h). Sampling of child i
// of a request uses Rng(Rng::derive(request.seed, i)) only, so a child's tokens do not depend on
// the rest of the batch (up to float rounding of batched matmuls, which in practice never flips a
// draw), and identical seeds reproduce identical children.
//
// Stops, per child: an EOS id (kept in the chunk), max_new_tokens (length), the delimiter found
// in the chunk's text (delimiter), or the sequence reaching the context limit (context).
//
// Weights. The K/V belongs to the weights that computed it: after an optimizer step, call
// invalidate_kv() (or release the states) before extending old states.
// Thread-safety: none. One engine per thread; the model may be shared read-only across engines
// only under torch::NoGradGuard (the engine runs under InferenceMode).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/types.h"

namespace ds::tok {
class Tokenizer;
}
namespace ds::model {
class Transformer;
}

namespace ds::engine {

class Engine {
 public:
  // Keeps a handle to `model` (shared weights) and a reference to `tokenizer`, which must outlive
  // the engine. options.device / options.dtype other than "model" move the model's weights
  // (affecting every holder of the model). Throws ConfigError for invalid options.
  Engine(const model::Transformer& model, const tok::Tokenizer& tokenizer,
         EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Creates root states for prompts and computes their K/V (all tokens but the last, which is
  // pending). Throws UsageError for an empty prompt, an id outside the vocabulary, or a prompt
  // longer than max_context().
  std::vector<StateId> prefill(const std::vector<std::vector<int32_t>>& prompts);
  StateId prefill(const std::vector<int32_t>& prompt);

  // Extends each request's parent by num_children continuations; result i answers request i,
  // its children in order (child i seeded by Rng::derive(seed, i)). Each child is a new state
  // the caller owns (release it when done). Parents whose K/V was evicted are recomputed first.
  // Throws UsageError for an unknown parent, num_children < 0 or max_new_tokens < 1.
  std::vector<ExtendResult> extend(const std::vector<ExtendRequest>& requests,
                                   const SamplingOptions& params);

  // Full responses: prefill (identical prompts share one root) + extend, then releases every
  // state it made (Sample::state is kNoState). Sample i of a request draws from
  // Rng::derive(request.seed, i).
  std::vector<std::vector<Sample>> generate(const std::vector<GenerateRequest>& requests,
                                            const SamplingOptions& params);

  // State handles.
  void release(StateId state);
  void pin(StateId state);  // protect the state's path from eviction (nests)
  void unpin(StateId state);
  bool contains(StateId state) const;
  StateId parent(StateId state) const;                    // kNoState for a root
  int64_t length(StateId state) const;                    // tokens from the root through this state
  std::vector<int32_t> tokens(StateId state) const;       // the state's own chunk
  std::vector<int32_t> path_tokens(StateId state) const;  // the whole sequence
  size_t num_states() const;

  // Drops every stored K/V (states and tokens stay; K/V is recomputed on demand, not counted as
  // recompute) and the decode workspace. Use after the weights change, or to free the memory.
  void invalidate_kv();

  const EngineCounters& counters() const;
  void reset_counters();
  int64_t kv_bytes() const;       // K/V currently stored for states
  int64_t kv_peak_bytes() const;  // high-water mark of kv_bytes()
  // The decode loop's batch buffers, kept between calls (two, each about the largest batch's
  // rows x context x layers x K/V; freed by invalidate_kv()).
  int64_t workspace_bytes() const;
  int64_t max_context() const;  // the effective context limit
  int64_t vocab_size() const;   // the model's vocabulary (logit count)
  const EngineOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ds::engine
