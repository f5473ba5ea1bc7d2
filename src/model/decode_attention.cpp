// The decode attention kernel (see decode_attention.h). Compiled at -O3 (CMakeLists.txt) so the
// 8-lane loops below become SIMD code; the AVX2 clones are picked at load time where the CPU has
// them (glibc ifunc), the baseline x86-64 code elsewhere.
#include "model/decode_attention.h"

#include <limits>

namespace ds::model {

namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DS_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DS_SIMD_CLONES
#endif

constexpr int kLanes = 8;

// Lane-wise q . k over d: each lane sums every 8th product; lanes are added pairwise at the end.
inline float dot(const float* q, const float* k, int64_t d) {
  float lane[kLanes] = {};
  int64_t e = 0;
  for (; e + kLanes <= d; e += kLanes)
    for (int j = 0; j < kLanes; ++j) lane[j] += q[e + j] * k[e + j];
  float tail = 0.0f;
  for (; e < d; ++e) tail += q[e] * k[e];
  return ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7])) +
         tail;
}

inline int64_t source_row(const DecodeAttentionArgs& a, int64_t b) {
  return a.shared_from ? a.shared_from[b] : b;
}
inline int64_t shared_columns(const DecodeAttentionArgs& a, int64_t b) {
  return a.shared_len ? a.shared_len[b] : 0;
}

// o[0 .. 8*N) = sum_s p[s] * V(s)[e .. e + 8*N), V(s) read from `shared` for s < split and
// from `own` after; columns with p[s] == 0 (blocked or underflowed) add exactly nothing and are
// skipped. The N x 8 sums stay in registers over the whole column loop.
template <int N>
inline __attribute__((always_inline)) void accumulate_values(const float* p, const float* own,
                                                             const float* shared, int64_t split,
                                                             int64_t S, int64_t col, int64_t e,
                                                             float* o) {
  float acc[N][kLanes] = {};
  for (int64_t s = 0; s < S; ++s) {
    const float w = p[s];
    if (w == 0.0f) continue;
    const float* vs = (s < split ? shared : own) + s * col + e;
    for (int n = 0; n < N; ++n)
      for (int j = 0; j < kLanes; ++j) acc[n][j] += w * vs[n * kLanes + j];
  }
  for (int n = 0; n < N; ++n)
    for (int j = 0; j < kLanes; ++j) o[n * kLanes + j] = acc[n][j];
}

}  // namespace

DS_SIMD_CLONES
void decode_attention_scores(const DecodeAttentionArgs& a, int64_t row_begin, int64_t row_end,
                             float* scores) {
  const int64_t KV = a.kv_heads, G = a.groups, S = a.columns, d = a.head_dim;
  const float lowest = std::numeric_limits<float>::lowest();
  for (int64_t b = row_begin; b < row_end; ++b) {
    const uint8_t* blocked = a.blocked ? a.blocked + b * a.blocked_row : nullptr;
    for (int64_t h = 0; h < KV; ++h) {
      const float* q = a.q + (b * KV + h) * G * d;  // (G, d)
      const float* own = a.k + b * a.k_row + h * a.k_head;
      const float* shared = a.k + source_row(a, b) * a.k_row + h * a.k_head;
      const int64_t split = shared_columns(a, b);
      float* out = scores + (b * KV + h) * G * S;  // (G, S)
      for (int64_t s = 0; s < S; ++s) {
        if (blocked && blocked[s]) {
          for (int64_t g = 0; g < G; ++g) out[g * S + s] = lowest;
          continue;
        }
        const float* ks = (s < split ? shared : own) + s * a.k_col;
        for (int64_t g = 0; g < G; ++g) out[g * S + s] = dot(q + g * d, ks, d);
      }
    }
  }
}

DS_SIMD_CLONES
void decode_attention_values(const DecodeAttentionArgs& a, int64_t row_begin, int64_t row_end,
                             const float* probs, float* out) {
  const int64_t KV = a.kv_heads, G = a.groups, S = a.columns, d = a.head_dim;
  for (int64_t b = row_begin; b < row_end; ++b) {
    const int64_t split = shared_columns(a, b);
    for (int64_t h = 0; h < KV; ++h) {
      const float* own = a.v + b * a.v_row + h * a.v_head;
      const float* shared = a.v + source_row(a, b) * a.v_row + h * a.v_head;
      for (int64_t g = 0; g < G; ++g) {
        const float* p = probs + ((b * KV + h) * G + g) * S;  // (S)
        float* o = out + ((b * KV + h) * G + g) * d;          // (d)
        // 32 output columns at a time in registers (4 x 8 lanes), then 8, then single ones.
        int64_t e = 0;
        for (; e + 4 * kLanes <= d; e += 4 * kLanes)
          accumulate_values<4>(p, own, shared, split, S, a.v_col, e, o + e);
        for (; e + kLanes <= d; e += kLanes)
          accumulate_values<1>(p, own, shared, split, S, a.v_col, e, o + e);
        for (; e < d; ++e) {
          float acc = 0.0f;
          for (int64_t s = 0; s < S; ++s)
            if (p[s] != 0.0f) acc += p[s] * (s < split ? shared : own)[s * a.v_col + e];
          o[e] = acc;
        }
      }
    }
  }
}

}  // namespace ds::model
