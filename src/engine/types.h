// Owns the vocabulary of the generation engine that callers see (no torch here, so the search,
// the evaluator and the trainer can include it cheaply): state handles, finish reasons, the engine
// options struct, extend/generate requests, per-child results and counters. How tokens are drawn
// is ds::SamplingOptions (core/sampling.h).
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/finish_reason.h"
#include "core/sampling.h"

namespace ds::engine {

// Handle of a sequence state in the engine's tree-structured KV store (see engine.h).
using StateId = uint32_t;
inline constexpr StateId kNoState = 0xFFFFFFFFu;

// Why a child's chunk ended (core/finish_reason.h; the search's policy uses the same enum).
using ds::finish_reason_name;
using ds::FinishReason;

struct EngineOptions {
  int64_t kv_budget_bytes = int64_t{2} << 30;  // stored K/V of the tree (batch workspace excluded)
  int max_batch_size = 64;                     // sequences decoded together in one forward
  int max_context = 0;              // longest sequence (prompt + generated); 0 = model's limit
  int prefill_chunk_tokens = 1024;  // longest piece of a prompt computed in one forward
  std::vector<int> eos_ids;         // ids that end a sequence; empty = the tokenizer's EOS
  std::string device = "model";     // "model" (wherever the weights are), "cpu", "cuda", "cuda:N"
  std::string dtype = "model";      // "model" (the weights' dtype) or float32 | bfloat16 | float16

  template <class V>
  void visit(V& v) {
    v("kv_budget_bytes", kv_budget_bytes,
      "bytes of cached K/V kept for tree states; least recently used chunks beyond it are evicted "
      "and recomputed on demand (counted as prefill)");
    v("max_batch_size", max_batch_size, "sequences decoded together in one forward pass");
    v("max_context", max_context,
      "maximum total sequence length (prompt + generated); 0 = the model's "
      "max_position_embeddings");
    v("prefill_chunk_tokens", prefill_chunk_tokens,
      "longest run of prompt/path tokens computed in one forward (bounds attention memory)");
    v("eos_ids", eos_ids, "token ids that end a sequence; empty = the tokenizer's eos id");
    v("device", device,
      "where to run: model (leave the weights where they are), cpu, cuda, cuda:N");
    v.one_of("dtype", dtype, {"model", "float32", "bfloat16", "float16"},
             "weight / K/V dtype; model = keep the loaded dtype");
  }
};
void validate(const EngineOptions& options, const std::string& where = "engine");

// Extend one state by `num_children` independent continuations.
struct ExtendRequest {
  StateId parent = kNoState;
  int num_children = 1;
  int max_new_tokens = 256;  // chunk length cap (>= 1)
  std::string stop;          // delimiter (e.g. "\n\n"); the chunk ends once its text contains it
  uint64_t seed = 0;  // child i draws from Rng(Rng::derive(seed, i)), whatever else is batched
};

// Generate full responses from a prompt (built on prefill + extend; states are released).
struct GenerateRequest {
  std::vector<int32_t> prompt;
  int num_samples = 1;
  int max_new_tokens = 1024;
  std::string stop;   // optional delimiter, as in ExtendRequest
  uint64_t seed = 0;  // sample i draws from Rng(Rng::derive(seed, i))
};

// One generated chunk (or full response). All vectors have tokens.size() entries.
struct Sample {
  StateId state = kNoState;            // the new state (kNoState for generate())
  std::vector<int32_t> tokens;         // new tokens, including a final EOS
  std::vector<float> sample_logprobs;  // log-prob under the sampling distribution (0 when greedy)
  std::vector<float> model_logprobs;   // log-prob under the raw model (temperature 1, no cut)
  std::vector<float> entropies;        // entropy of the raw model distribution at each step
  FinishReason finish = FinishReason::kLength;
  // Mean negative model log-prob of the chunk (0 for an empty chunk).
  double mean_nll() const;
};

// The children of one ExtendRequest.
struct ExtendResult {
  std::vector<Sample> children;  // num_children samples, child i seeded by derive(seed, i)
  int64_t prefill_tokens = 0;    // tokens (re)computed to serve this request (evicted path K/V;
                                 // attributed to the first request naming the parent)
};

// Monotone counters (since construction or reset_counters()).
struct EngineCounters {
  int64_t prefill_tokens = 0;    // tokens whose K/V were computed without sampling (prompts and
                                 // recomputation of evicted chunks)
  int64_t recompute_tokens = 0;  // the part of prefill_tokens caused by eviction
  int64_t decode_tokens = 0;     // tokens fed in decode steps (= tokens sampled)
  int64_t forward_calls = 0;
  double forward_seconds = 0.0;  // wall time inside model forward
  int64_t evicted_chunks = 0;
  int64_t evicted_bytes = 0;
  // prefill tokens per decoded token: the visible cost of (not) reusing prefixes.
  double prefill_per_decode() const {
    return decode_tokens == 0 ? 0.0 : static_cast<double>(prefill_tokens) / decode_tokens;
  }
};

}  // namespace ds::engine
