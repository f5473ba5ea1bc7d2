// Owns the Policy interface the search codes against: the only way the tree talks to a language
// model. Shaped after the engine's tree-structured KV store (engine/types.h) so that an engine
// adapter is a thin translation: begin() = prefill of prompts, expand() = one batched extend of
// many (state, n) requests, release() = the search will never expand these states again.
// No torch here: tests drive the search with MockPolicy (mock_policy.h) in milliseconds.
// Thread-safety: a Policy is used by one search driver (one thread) at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/finish_reason.h"
#include "core/sampling.h"

namespace ds::search {

// Opaque handle of a policy-owned sequence state (prompt + a path of chunks).
using StateId = uint64_t;
inline constexpr StateId kNoState = ~uint64_t{0};

// Why a chunk ended (core/finish_reason.h; the same enum as the engine's).
using ds::finish_reason_name;
using ds::FinishReason;

// Sample `n` independent children of `parent`, each at most `max_new_tokens` tokens long, ending
// early at EOS or after `stop` (when non-empty). Child i must depend only on (parent path, seed, i)
// (e.g. Rng(Rng::derive(seed, i))), never on what else is in the batch: that is what makes a forest
// give the same trees as one-tree-at-a-time runs.
struct ExpandRequest {
  StateId parent = kNoState;
  int n = 1;
  int max_new_tokens = 256;
  std::string stop;
  uint64_t seed = 0;
};

// One generated chunk = one tree node.
struct Chunk {
  std::vector<int32_t> tokens;  // new token ids (a final EOS included when finish == kEos)
  std::string text;             // raw bytes of `tokens`: concatenating a path's texts gives the
                                // exact response (no per-chunk UTF-8 repair)
  std::vector<float> logprobs;  // per-token log-prob under the sampling distribution
  double mean_nll = 0.0;        // mean negative model log-prob of the chunk's tokens
  FinishReason finish = FinishReason::kLength;
  StateId state = kNoState;  // state after this chunk (expandable unless finish is eos/context)
};

struct BeginResult {
  StateId state = kNoState;    // the prompt's state (the tree root)
  int64_t prefill_tokens = 0;  // prompt tokens encoded for it
};

struct ExpandResult {
  std::vector<Chunk> children;  // exactly request.n chunks, in child order
  int64_t prefill_tokens = 0;   // tokens (re)encoded to serve this request (e.g. after eviction)
};

// Monotone totals since construction.
struct PolicyCounters {
  int64_t prefill_tokens = 0;
  int64_t generated_tokens = 0;
};

class Policy {
 public:
  virtual ~Policy() = default;
  // One root state per prompt (prompts are already formatted, e.g. by a chat template).
  virtual std::vector<BeginResult> begin(const std::vector<std::string>& prompts) = 0;
  // All children of all requests, generated together (one batch). Result i answers request i.
  virtual std::vector<ExpandResult> expand(const std::vector<ExpandRequest>& requests,
                                           const SamplingOptions& sampling) = 0;
  // The search will never expand these states again. Descendants' states stay valid (a tree KV
  // store keeps what descendants still need, e.g. by reference counting).
  virtual void release(const std::vector<StateId>& states) = 0;
  virtual PolicyCounters counters() const = 0;
};

}  // namespace ds::search
