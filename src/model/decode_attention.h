// Owns the CPU float32 kernel of single-token (decode) attention over a K/V cache, the step that
// dominates a wide decode batch. For T = 1, torch::matmul runs one small GEMM per (row, kv head),
// and each of them packs that row's whole K or V first, which made attention about 5x the cost of
// all the layer's linear maps at 128 rows. This kernel streams each row's K and V once, skips
// masked (padding) columns, and leaves the softmax to torch in between (vectorized exp).
// Pure functions on raw pointers: no torch include, so the file compiles in a second; the caller
// (transformer.cpp) checks shapes, dtypes and strides and splits rows across threads.
// Thread-safety: calls on disjoint row ranges may run concurrently.
#pragma once

#include <cstdint>

namespace ds::model {

// Grouped-query layout: kv head h serves query heads h*G .. h*G+G-1.
struct DecodeAttentionArgs {
  int64_t kv_heads = 0, groups = 0, columns = 0, head_dim = 0;  // KV, G, S, d
  const float* q = nullptr;  // (B, KV, G, d) contiguous, already scaled by 1/sqrt(d)
  const float* k = nullptr;  // K(b, h, s, e) = k[b*k_row + h*k_head + s*k_col + e]
  const float* v = nullptr;  // V likewise with the v_* strides
  int64_t k_row = 0, k_head = 0, k_col = 0;
  int64_t v_row = 0, v_head = 0, v_col = 0;
  // Optional (B or 1, S) bytes, nonzero = may NOT attend; blocked_row = 0 broadcasts one row.
  const uint8_t* blocked = nullptr;
  int64_t blocked_row = 0;
  // Optional, size B each: row b reads columns [0, shared_len[b]) of K and V from row
  // shared_from[b] (a row holding the same K/V there, e.g. a sibling with the same parent), so a
  // shared prefix is stored once and, with siblings in consecutive rows, fetched from memory once.
  const int64_t* shared_from = nullptr;
  const int64_t* shared_len = nullptr;
};

// scores (B, KV, G, S): q . K for every column; blocked columns get the lowest finite float (so
// a fully blocked row softmaxes to uniform, as the matmul path does). Rows [row_begin, row_end).
void decode_attention_scores(const DecodeAttentionArgs& a, int64_t row_begin, int64_t row_end,
                             float* scores);

// out (B, KV, G, d) = probs (B, KV, G, S) @ V, skipping columns whose probability is exactly 0
// (blocked ones). Rows [row_begin, row_end).
void decode_attention_values(const DecodeAttentionArgs& a, int64_t row_begin, int64_t row_end,
                             const float* probs, float* out);

}  // namespace ds::model
