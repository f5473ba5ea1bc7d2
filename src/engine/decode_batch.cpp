// The engine's batched decode loop with slot refill (see decode_batch.h).
#include "engine/decode_batch.h"

#include <algorithm>

#include "core/errors.h"
#include "engine/sampling.h"

namespace ds::engine {

namespace {

torch::Tensor tensor_i64(const std::vector<int64_t>& v, const torch::Device& device) {
  auto t = torch::tensor(v, torch::kInt64);
  return device.is_cpu() ? t : t.to(device);
}

class BatchDecoder {
 public:
  BatchDecoder(const DecodeContext& ctx, const SamplingOptions& params, bool keep_kv)
      : ctx_(ctx), params_(params), keep_kv_(keep_kv) {}

  void run(const std::vector<DecodeRow*>& queue) {
    size_t next = 0;
    std::vector<DecodeRow*> live;
    while (true) {
      const size_t room = static_cast<size_t>(ctx_.max_batch) - live.size();
      const size_t take = std::min(room, queue.size() - next);
      std::vector<DecodeRow*> fresh(queue.begin() + next, queue.begin() + next + take);
      next += take;
      if (live.empty() && fresh.empty()) return;
      build(live, fresh);
      live = decode(/*pending=*/next < queue.size());
    }
  }

 private:
  // K/V columns of a row's prefix: its parent's path plus every token it has fed so far.
  static int64_t kv_len(const DecodeRow& r) {
    return r.parent_len - 1 + static_cast<int64_t>(r.out.tokens.size());
  }

  // A new buffer for `live` rows (repacked from the current buffer) followed by `fresh` rows
  // (assembled from the store; rows of one parent adjacent).
  void build(const std::vector<DecodeRow*>& live, const std::vector<DecodeRow*>& fresh) {
    std::vector<DecodeRow*> rows = live;
    rows.insert(rows.end(), fresh.begin(), fresh.end());
    const int64_t S = static_cast<int64_t>(rows.size());
    int64_t start = 0, steps = 0;
    std::vector<int64_t> lens(S);
    for (int64_t i = 0; i < S; ++i) {
      lens[i] = kv_len(*rows[i]);
      start = std::max(start, lens[i]);
      steps = std::max(steps, rows[i]->limit - static_cast<int64_t>(rows[i]->out.tokens.size()));
    }
    const int64_t cap = start + steps;
    torch::Tensor cache = allocate({ctx_.layers, 2, S, ctx_.kv_heads, cap, ctx_.head_dim});
    std::vector<int64_t> shared_from(S), shared_len(S, 0);
    for (int64_t i = 0; i < S; ++i) shared_from[i] = i;
    // Live rows: prefix columns stay (each gets its own copy of a path it shared), this buffer's
    // fed columns move right after them.
    for (size_t i = 0; i < live.size(); ++i) {
      DecodeRow& r = *live[i];
      const int64_t old_slot = slot_of_[i];
      torch::Tensor src = cache_.select(2, old_slot);  // (L, 2, H, cap_old, D)
      torch::Tensor dst = cache.select(2, static_cast<int64_t>(i));
      const int64_t kept = r.parent_len - 1 + r.fed_before;
      const int64_t fed = static_cast<int64_t>(r.out.tokens.size()) - r.fed_before;
      const int64_t shared = shared_len_[old_slot];
      if (shared > 0)
        dst.narrow(3, 0, shared)
            .copy_(cache_.select(2, shared_from_[old_slot]).narrow(3, 0, shared));
      if (kept > shared)
        dst.narrow(3, shared, kept - shared).copy_(src.narrow(3, shared, kept - shared));
      if (fed > 0) dst.narrow(3, kept, fed).copy_(src.narrow(3, start_, fed));
      r.fed_before += fed;
    }
    // Fresh rows: the parent's path, chunk by chunk, then copied to its other children.
    for (int64_t i = static_cast<int64_t>(live.size()); i < S;) {
      int64_t end = i + 1;
      while (end < S && rows[end]->parent == rows[i]->parent) ++end;
      torch::Tensor first = cache.select(2, i);  // (L, 2, H, cap, D)
      int64_t off = 0;
      for (StateId s : ctx_.store->path(rows[i]->parent)) {
        const int64_t len = ctx_.store->kv_len(s);
        if (len == 0) continue;
        first.narrow(3, off, len).copy_(ctx_.store->kv(s));
        off += len;
      }
      DS_CHECK(off == lens[i], "assembled path length mismatch");
      if (ctx_.share_prefix) {
        for (int64_t j = i + 1; j < end; ++j) shared_from[j] = i, shared_len[j] = off;
      } else if (end - i > 1 && off > 0)
        cache.narrow(2, i + 1, end - i - 1)
            .narrow(4, 0, off)
            .copy_(first.narrow(3, 0, off).unsqueeze(2).expand(
                {ctx_.layers, 2, end - i - 1, ctx_.kv_heads, off, ctx_.head_dim}));
      i = end;
    }
    // Padding must hold finite numbers: masked weights are 0, and 0 * NaN would poison a row.
    padded_ = false;
    for (int64_t i = 0; i < S; ++i)
      if (lens[i] < start) {
        cache.select(2, i).narrow(3, lens[i], start - lens[i]).zero_();
        padded_ = true;
      }
    if (padded_) {
      auto col = torch::arange(cap, torch::dtype(torch::kInt64).device(ctx_.device)).view({1, cap});
      auto len = tensor_i64(lens, ctx_.device).view({S, 1});
      valid_ = (col < len).logical_or(col >= start);  // (S, cap) bool
    } else {
      valid_ = torch::Tensor();
    }
    std::vector<int64_t> ids(S), pos(S);
    for (int64_t i = 0; i < S; ++i) {
      const DecodeRow& r = *rows[i];
      ids[i] = r.out.tokens.empty() ? ctx_.store->last_token(r.parent) : r.out.tokens.back();
      pos[i] = lens[i];  // the fed token's position = the number of tokens before it
    }
    ids_ = tensor_i64(ids, ctx_.device).view({S, 1});        // (S, 1)
    positions_ = tensor_i64(pos, ctx_.device).view({S, 1});  // (S, 1)
    cache_ = cache;
    start_ = start;
    sharing_ = std::any_of(shared_len.begin(), shared_len.end(), [](int64_t n) { return n > 0; });
    shared_from_ = std::move(shared_from);
    shared_len_ = std::move(shared_len);
    slots_ = std::move(rows);
    slot_of_.clear();
  }

  // A new (L, 2, S, H, cap, D) batch buffer, from the workspace not backing the current one.
  torch::Tensor allocate(std::vector<int64_t> shape) {
    const auto options = torch::dtype(ctx_.dtype).device(ctx_.device);
    if (!ctx_.workspace) return torch::empty(shape, options);
    int64_t numel = 1;
    for (int64_t n : shape) numel *= n;
    torch::Tensor& ws = (*ctx_.workspace)[buffer_ ^= 1];
    if (!ws.defined() || ws.numel() < numel || ws.scalar_type() != ctx_.dtype ||
        ws.device() != ctx_.device) {
      ws = torch::Tensor();                             // free the old one first
      ws = torch::empty({numel + numel / 4}, options);  // headroom for slightly longer paths
    }
    return ws.narrow(0, 0, numel).view(shape);
  }

  // Steps until every row finished (returns {}) or enough slots are dead to rebuild (returns
  // the live rows; slot_of_ gives their slots).
  std::vector<DecodeRow*> decode(bool pending) {
    const int64_t S = static_cast<int64_t>(slots_.size());
    const bool greedy = params_.temperature == 0.0;
    // The model writes each step's K/V into column P of the buffer and attends over [0, P]
    // in place (no per-step concatenation of the past).
    std::vector<model::KVBlock> buffer(ctx_.layers);
    for (int64_t l = 0; l < ctx_.layers; ++l)
      buffer[l] = {cache_[l][0], cache_[l][1]};  // (S, H, cap, D) views
    std::vector<Rng*> rngs;
    for (int64_t t = 0;; ++t) {
      const int64_t P = start_ + t;  // columns before this step's token
      model::ForwardInput in;
      in.ids = ids_;
      in.positions = positions_;
      in.kv_buffer = &buffer;
      in.kv_buffer_len = P;
      if (sharing_) {
        in.kv_shared_from = &shared_from_;
        in.kv_shared_len = &shared_len_;
      }
      if (padded_) in.mask = valid_.narrow(1, 0, P + 1).unsqueeze(1).unsqueeze(1);  // (S,1,1,P+1)
      torch::Tensor logits = ctx_.forward(in).select(1, 0);                         // (S, V)
      torch::Tensor u;
      if (!greedy) {
        rngs.clear();
        for (DecodeRow* r : slots_) rngs.push_back(&r->rng);  // finished rows draw too: harmless
        u = next_uniforms(rngs, ctx_.device);
      }
      StepSample s = sample_step(logits, params_, u);
      torch::Tensor packed =
          torch::stack({s.ids.to(torch::kFloat64), s.sample_logprobs.to(torch::kFloat64),
                        s.model_logprobs.to(torch::kFloat64), s.entropy.to(torch::kFloat64)},
                       1)
              .cpu();  // (S, 4): the step's one host sync
      auto acc = packed.accessor<double, 2>();
      int64_t live = 0;
      for (int64_t b = 0; b < S; ++b) {
        DecodeRow& r = *slots_[b];
        if (r.done) continue;
        if (accept(r, b, static_cast<int32_t>(acc[b][0]), acc[b])) continue;
        ++live;
      }
      if (live == 0) return {};
      ids_ = s.ids.view({S, 1});
      positions_ = positions_ + 1;
      const int64_t dead = S - live;
      if (dead * (pending ? 8 : 4) >= S) {
        std::vector<DecodeRow*> out;
        for (int64_t b = 0; b < S; ++b)
          if (!slots_[b]->done) {
            out.push_back(slots_[b]);
            slot_of_.push_back(b);
          }
        return out;
      }
    }
  }

  // Appends a sampled token to a row and applies the stop rules; true when the row finished.
  template <class Acc>
  bool accept(DecodeRow& r, int64_t slot, int32_t token, const Acc& a) {
    r.out.tokens.push_back(token);
    r.out.sample_logprobs.push_back(static_cast<float>(a[1]));
    r.out.model_logprobs.push_back(static_cast<float>(a[2]));
    r.out.entropies.push_back(static_cast<float>(a[3]));
    ++ctx_.counters->decode_tokens;
    const int64_t n = static_cast<int64_t>(r.out.tokens.size());
    if (ctx_.eos->contains(token)) {
      r.out.finish = FinishReason::kEos;
    } else if (n >= r.limit && r.context_bound) {
      r.out.finish = FinishReason::kContext;
    } else if (r.delimiter.enabled() && r.delimiter.feed(ctx_.tokenizer->token_bytes(token))) {
      r.out.finish = FinishReason::kDelimiter;
    } else if (n >= r.limit) {
      r.out.finish = FinishReason::kLength;
    } else {
      return false;
    }
    r.done = true;
    if (keep_kv_) {
      // The n fed tokens (the parent's pending token + all new ones but the last): fed_before of
      // them right after the parent's path, the rest from column start_ of this buffer.
      torch::Tensor slot_kv = cache_.select(2, slot);  // (L, 2, H, cap, D)
      const int64_t fed = n - r.fed_before;
      torch::Tensor here = slot_kv.narrow(3, start_, fed);
      r.kv = r.fed_before == 0
                 ? here.clone(torch::MemoryFormat::Contiguous)
                 : torch::cat({slot_kv.narrow(3, r.parent_len - 1, r.fed_before), here}, 3);
    }
    return true;
  }

  const DecodeContext& ctx_;
  const SamplingOptions& params_;
  const bool keep_kv_;
  torch::Tensor cache_;            // (L, 2, S, H, cap, D)
  torch::Tensor valid_;            // (S, cap) bool, undefined when no slot has padding
  torch::Tensor ids_, positions_;  // (S, 1) int64
  int64_t start_ = 0;
  int buffer_ = 1;  // the workspace backing cache_ (the first build takes workspace 0)
  // Per slot: its first shared_len_ columns live in slot shared_from_ (share_prefix).
  std::vector<int64_t> shared_from_, shared_len_;
  bool sharing_ = false;
  bool padded_ = false;
  std::vector<DecodeRow*> slots_;
  std::vector<int64_t> slot_of_;  // slots of the rows decode() returned
};

}  // namespace

void decode_rows(const DecodeContext& ctx, const std::vector<DecodeRow*>& queue,
                 const SamplingOptions& params, bool keep_kv) {
  DS_CHECK(ctx.max_batch >= 1, "decode batch size must be positive");
  BatchDecoder(ctx, params, keep_kv).run(queue);
}

}  // namespace ds::engine
