// Owns the engine's batched decode loop (internal to the engine): many rows (children being
// generated), each continuing its own stored path, decoded together one token per forward.
//
// Layout. A batch buffer holds, per slot (one row), per layer, K and V:
//   columns [0, kv_len)        the row's prefix K/V (its parent's path, plus tokens it already
//                              fed in an earlier buffer), zeros up to `start`; with
//                              share_prefix, the parent's path only in the first child's slot
//                              (the others read it from there);
//   columns [start, start + t) the tokens fed in this buffer, the same column for every slot at
//                              step t (so writing a step's K/V is one slice copy per layer).
// A (slots, cap) validity mask hides each row's padding; RoPE positions are per row.
// Refill. Rows that finish stay in their slot (fed, ignored) until enough slots are dead; then
// the buffer is rebuilt with the live rows (their K/V repacked contiguously) plus rows still
// waiting in the queue, so the batch stays full while work remains.
// Thread-safety: none.
#pragma once

#include <torch/torch.h>

#include <array>
#include <functional>
#include <vector>

#include "core/rng.h"
#include "engine/kv_store.h"
#include "engine/stop_rules.h"
#include "engine/types.h"
#include "model/transformer.h"
#include "tokenizer/tokenizer.h"

namespace ds::engine {

// One child being decoded.
struct DecodeRow {
  size_t request = 0;
  StateId parent = kNoState;
  int64_t parent_len = 0;      // tokens in the parent's sequence
  int64_t limit = 0;           // tokens this row may generate: min(max_new_tokens, context room)
  bool context_bound = false;  // reaching `limit` means the context is full
  Rng rng;
  DelimiterMatcher delimiter;
  Sample out;
  torch::Tensor kv;  // (L, 2, H, n, D) K/V of the n fed tokens, once finished (when kept)
  bool done = false;
  // Decode-loop bookkeeping.
  int64_t fed_before = 0;  // own tokens fed in earlier buffers (kept after the parent's path)
};

struct DecodeContext {
  KvStore* store = nullptr;
  const tok::Tokenizer* tokenizer = nullptr;
  const EosSet* eos = nullptr;
  EngineCounters* counters = nullptr;
  // The model forward (counted and timed by the engine); returns logits (B, T, V).
  std::function<torch::Tensor(const model::ForwardInput&)> forward;
  int64_t max_batch = 64;
  int64_t layers = 0, kv_heads = 0, head_dim = 0;
  torch::Dtype dtype = torch::kFloat32;
  torch::Device device = torch::kCPU;
  // Two flat buffers the batch K/V buffers are carved from, alternately (a rebuild copies from
  // one into the other), grown on demand and kept by the caller across calls: a fresh buffer per
  // call would page-fault its whole size in again each time. nullptr = allocate per build.
  std::array<torch::Tensor, 2>* workspace = nullptr;
  // Children of one parent store the parent's path once (in the first child's row) and the model
  // reads it from there (ForwardInput::kv_shared_*): W times less copying and memory traffic.
  // Set where model::decode_kernel_available(dtype, device); elsewhere every row gets a copy.
  bool share_prefix = false;
};

// Decodes every row of `queue` (each with limit >= 1, its parent's path K/V present in the store)
// until it finishes, at most ctx.max_batch rows per forward, in queue order. With keep_kv, each
// finished row's own K/V is left in row.kv.
void decode_rows(const DecodeContext& ctx, const std::vector<DecodeRow*>& queue,
                 const SamplingOptions& params, bool keep_kv);

}  // namespace ds::engine
