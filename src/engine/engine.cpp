// The generation engine (see engine.h): request validation, prefill and recomputation of chunk
// K/V, the hand-off of rows to the batched decode loop (decode_batch.h), and state bookkeeping
// via KvStore.
#include "engine/engine.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <map>
#include <string>

#include "core/errors.h"
#include "core/rng.h"
#include "core/timer.h"
#include "engine/decode_batch.h"
#include "engine/kv_store.h"
#include "engine/sampling.h"
#include "engine/stop_rules.h"
#include "model/checkpoint.h"
#include "model/transformer.h"
#include "tokenizer/tokenizer.h"

namespace ds::engine {

namespace {

using model::ForwardInput;
using model::KVBlock;

torch::Tensor tensor_i64(const std::vector<int64_t>& v, const torch::Device& device) {
  auto t = torch::tensor(v, torch::kInt64);
  return device.is_cpu() ? t : t.to(device);
}

}  // namespace

struct Engine::Impl {
  model::Transformer model;
  const tok::Tokenizer* tokenizer;
  EngineOptions options;
  KvStore store;
  EosSet eos;
  EngineCounters counters;
  std::array<torch::Tensor, 2> workspace;  // the decode loop's batch buffers (decode_batch.h)
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat32;
  int64_t layers = 0, kv_heads = 0, head_dim = 0, vocab = 0, context = 0;

  Impl(const model::Transformer& m, const tok::Tokenizer& tok, EngineOptions opts)
      : model(m), tokenizer(&tok), options(std::move(opts)), store(options.kv_budget_bytes) {
    validate(options);
    if (options.device != "model") model->to(model::parse_device(options.device, "engine.device"));
    if (options.dtype != "model") model->to(model::parse_dtype(options.dtype));
    model->eval();
    device = model->device();
    dtype = model->dtype();
    const auto& c = model->config();
    layers = c.num_hidden_layers;
    kv_heads = c.num_key_value_heads;
    head_dim = c.head_dim;
    vocab = c.vocab_size;
    context = options.max_context > 0 ? options.max_context : c.max_position_embeddings;
    std::vector<int32_t> ids(options.eos_ids.begin(), options.eos_ids.end());
    if (ids.empty()) {
      if (tokenizer->eos_id() >= 0) ids.push_back(tokenizer->eos_id());
      for (int64_t id : c.eos_token_ids)
        if (id >= 0) ids.push_back(static_cast<int32_t>(id));
    }
    eos = EosSet(std::move(ids));
  }

  // ------------------------------------------------------------------------------------------
  // Forward passes.

  template <class F>
  auto timed(F&& f) {
    ++counters.forward_calls;
    ScopedTimer timer(counters.forward_seconds);
    return f();
  }

  // K/V of `tokens` at positions [begin, begin + n) given the K/V of positions [0, begin) as
  // `past` (L, 2, H, begin, D) (undefined when begin == 0). Returns (L, 2, H, n, D); computed in
  // pieces of at most prefill_chunk_tokens.
  torch::Tensor compute_kv(torch::Tensor past, const std::vector<int32_t>& tokens, int64_t begin) {
    const int64_t n = static_cast<int64_t>(tokens.size());
    std::vector<torch::Tensor> pieces;
    for (int64_t off = 0; off < n; off += options.prefill_chunk_tokens) {
      const int64_t len = std::min<int64_t>(options.prefill_chunk_tokens, n - off);
      std::vector<int64_t> ids(tokens.begin() + off, tokens.begin() + off + len);
      ForwardInput in;
      in.ids = tensor_i64(ids, device).view({1, len});  // (1, T)
      in.positions =
          torch::arange(begin + off, begin + off + len, torch::dtype(torch::kInt64).device(device))
              .view({1, len});
      std::vector<KVBlock> past_blocks, present;
      if (past.defined() && past.size(3) > 0) {
        past_blocks.resize(layers);
        for (int64_t l = 0; l < layers; ++l)
          past_blocks[l] = {past[l][0].unsqueeze(0), past[l][1].unsqueeze(0)};  // (1, H, P, D)
        in.past = &past_blocks;
      }
      in.present = &present;
      timed([&] { return model->forward_hidden(in); });  // logits are not needed
      std::vector<torch::Tensor> per_layer;
      per_layer.reserve(layers);
      for (int64_t l = 0; l < layers; ++l)
        per_layer.push_back(torch::stack({present[l].k[0], present[l].v[0]}));  // (2, H, T, D)
      torch::Tensor piece = torch::stack(per_layer);                            // (L, 2, H, T, D)
      pieces.push_back(piece);
      past = past.defined() ? torch::cat({past, piece}, 3) : piece;
    }
    counters.prefill_tokens += n;
    return pieces.size() == 1 ? pieces[0] : torch::cat(pieces, 3);
  }

  // Makes every chunk on the path of each state hold its K/V, recomputing runs of missing chunks
  // with the present ones as past.
  void ensure_kv(const std::vector<StateId>& states) {
    for (StateId s : states) {
      if (store.path_has_kv(s)) continue;
      std::vector<StateId> path = store.path(s);
      std::vector<int32_t> seq = store.path_tokens(s);
      std::vector<torch::Tensor> parts;  // K/V of positions [0, covered)
      for (size_t i = 0; i < path.size();) {
        if (store.has_kv(path[i])) {
          if (store.kv_len(path[i]) > 0) parts.push_back(store.kv(path[i]));
          ++i;
          continue;
        }
        size_t j = i;
        bool recompute = false;
        while (j < path.size() && !store.has_kv(path[j])) recompute |= store.was_evicted(path[j++]);
        const int64_t begin = store.kv_begin(path[i]), end = store.kv_end(path[j - 1]);
        std::vector<int32_t> tokens(seq.begin() + begin, seq.begin() + end);
        torch::Tensor past = parts.empty() ? torch::Tensor() : torch::cat(parts, 3);
        torch::Tensor kv = compute_kv(past, tokens, begin);  // (L, 2, H, end - begin, D)
        if (recompute) counters.recompute_tokens += end - begin;
        for (size_t k = i; k < j; ++k) {
          const int64_t b = store.kv_begin(path[k]), len = store.kv_len(path[k]);
          if (len == 0) continue;
          torch::Tensor chunk = kv.narrow(3, b - begin, len).clone(torch::MemoryFormat::Contiguous);
          store.set_kv(path[k], chunk);
          parts.push_back(chunk);
        }
        i = j;
      }
    }
  }

  std::vector<ExtendResult> run_extend(const std::vector<ExtendRequest>& requests,
                                       const SamplingOptions& params, bool keep_states) {
    validate(params);
    for (size_t i = 0; i < requests.size(); ++i) {
      const auto& r = requests[i];
      const std::string where = "extend request " + std::to_string(i);
      if (!store.contains(r.parent))
        throw UsageError(where, "unknown parent state " + std::to_string(r.parent),
                         "extend a state returned by prefill() or extend() and not yet released");
      if (r.num_children < 0)
        throw UsageError(where, "num_children is negative", "ask for 0 or more children");
      if (r.max_new_tokens < 1)
        throw UsageError(where, "max_new_tokens = " + std::to_string(r.max_new_tokens),
                         "allow at least one new token per chunk");
    }
    std::vector<std::unique_ptr<DecodeRow>> rows;
    std::vector<StateId> parents;
    std::vector<int64_t> prefill_of(requests.size(), 0);
    for (size_t i = 0; i < requests.size(); ++i) {
      const auto& r = requests[i];
      parents.push_back(r.parent);
      for (int c = 0; c < r.num_children; ++c) {
        auto row = std::make_unique<DecodeRow>();
        row->request = i;
        row->parent = r.parent;
        row->parent_len = store.length(r.parent);
        const int64_t room = std::max<int64_t>(0, context - row->parent_len);
        row->limit = std::min<int64_t>(r.max_new_tokens, room);
        row->context_bound = room <= r.max_new_tokens;
        row->rng = Rng(Rng::derive(r.seed, static_cast<uint64_t>(c)));
        row->delimiter = DelimiterMatcher(r.stop);
        rows.push_back(std::move(row));
      }
    }
    std::sort(parents.begin(), parents.end());
    parents.erase(std::unique(parents.begin(), parents.end()), parents.end());
    for (StateId p : parents) store.pin(p);
    try {
      // Rows that can decode, grouped by path length (less padding), parents kept adjacent.
      std::vector<DecodeRow*> work;
      for (auto& row : rows) {
        if (row->limit > 0) {
          work.push_back(row.get());
        } else {
          row->done = true;
          row->out.finish = FinishReason::kContext;
        }
      }
      std::stable_sort(work.begin(), work.end(), [](const DecodeRow* a, const DecodeRow* b) {
        return std::tie(a->parent_len, a->parent) < std::tie(b->parent_len, b->parent);
      });
      std::vector<StateId> needed;
      for (const DecodeRow* r : work) needed.push_back(r->parent);
      needed.erase(std::unique(needed.begin(), needed.end()), needed.end());
      for (StateId p : needed) {
        const int64_t before = counters.prefill_tokens;
        ensure_kv({p});
        if (counters.prefill_tokens > before) {
          for (size_t i = 0; i < requests.size(); ++i)
            if (requests[i].parent == p) {
              prefill_of[i] += counters.prefill_tokens - before;
              break;
            }
        }
      }
      for (StateId p : needed) store.touch_path(p);
      DecodeContext ctx;
      ctx.store = &store;
      ctx.tokenizer = tokenizer;
      ctx.eos = &eos;
      ctx.counters = &counters;
      ctx.forward = [this](const ForwardInput& in) {
        return timed([&] { return model->forward(in); });
      };
      ctx.max_batch = options.max_batch_size;
      ctx.layers = layers;
      ctx.kv_heads = kv_heads;
      ctx.head_dim = head_dim;
      ctx.dtype = dtype;
      ctx.device = device;
      ctx.workspace = &workspace;
      ctx.share_prefix = model::decode_kernel_available(dtype, device);
      decode_rows(ctx, work, params, keep_states);
    } catch (...) {
      for (StateId p : parents) store.unpin(p);
      throw;
    }
    std::vector<ExtendResult> out(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
      out[i].children.reserve(requests[i].num_children);
      out[i].prefill_tokens = prefill_of[i];
    }
    for (auto& row : rows) {
      if (keep_states)
        row->out.state = store.create_child(row->parent, row->out.tokens, std::move(row->kv));
      out[row->request].children.push_back(std::move(row->out));
    }
    // Ancestors newer than descendants: under pressure, new leaves go before the shared path.
    for (StateId p : parents) {
      store.unpin(p);
      store.touch_path(p);
    }
    store.enforce_budget();
    return out;
  }

  std::vector<StateId> run_prefill(const std::vector<std::vector<int32_t>>& prompts) {
    for (size_t i = 0; i < prompts.size(); ++i) {
      const auto& p = prompts[i];
      const std::string where = "prompt " + std::to_string(i);
      if (p.empty())
        throw UsageError(where, "the prompt has no tokens",
                         "give at least one token (e.g. a BOS token or a chat template)");
      if (static_cast<int64_t>(p.size()) > context)
        throw UsageError(where,
                         std::to_string(p.size()) + " tokens exceed the context limit of " +
                             std::to_string(context),
                         "shorten the prompt or raise engine.max_context (at most the model's "
                         "max_position_embeddings)");
      for (int32_t id : p)
        if (id < 0 || id >= vocab)
          throw UsageError(
              where, "token id " + std::to_string(id) + " is outside the vocabulary",
              "the model has " + std::to_string(vocab) + " tokens; use the model's own tokenizer");
    }
    std::vector<StateId> roots;
    roots.reserve(prompts.size());
    for (const auto& p : prompts) roots.push_back(store.create_root(p));
    for (StateId r : roots) store.pin(r);
    try {
      ensure_kv(roots);
    } catch (...) {
      for (StateId r : roots) store.unpin(r);
      throw;
    }
    for (StateId r : roots) store.unpin(r);
    store.enforce_budget();
    return roots;
  }
};

Engine::Engine(const model::Transformer& model, const tok::Tokenizer& tokenizer,
               EngineOptions options)
    : impl_(std::make_unique<Impl>(model, tokenizer, std::move(options))) {}

Engine::~Engine() = default;

std::vector<StateId> Engine::prefill(const std::vector<std::vector<int32_t>>& prompts) {
  torch::InferenceMode guard;
  return impl_->run_prefill(prompts);
}

StateId Engine::prefill(const std::vector<int32_t>& prompt) {
  std::vector<std::vector<int32_t>> one(1, prompt);
  return prefill(one)[0];
}

std::vector<ExtendResult> Engine::extend(const std::vector<ExtendRequest>& requests,
                                         const SamplingOptions& params) {
  torch::InferenceMode guard;
  return impl_->run_extend(requests, params, /*keep_states=*/true);
}

std::vector<std::vector<Sample>> Engine::generate(const std::vector<GenerateRequest>& requests,
                                                  const SamplingOptions& params) {
  torch::InferenceMode guard;
  validate(params);
  // Identical prompts share one root (one prefill).
  std::map<std::vector<int32_t>, size_t> unique;
  std::vector<std::vector<int32_t>> prompts;
  std::vector<size_t> prompt_of(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    auto [it, inserted] = unique.emplace(requests[i].prompt, prompts.size());
    if (inserted) prompts.push_back(requests[i].prompt);
    prompt_of[i] = it->second;
  }
  std::vector<StateId> roots = impl_->run_prefill(prompts);
  std::vector<ExtendRequest> ext(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    ext[i].parent = roots[prompt_of[i]];
    ext[i].num_children = requests[i].num_samples;
    ext[i].max_new_tokens = requests[i].max_new_tokens;
    ext[i].stop = requests[i].stop;
    ext[i].seed = requests[i].seed;
  }
  std::vector<ExtendResult> res;
  try {
    res = impl_->run_extend(ext, params, /*keep_states=*/false);
  } catch (...) {
    for (StateId r : roots) impl_->store.release(r);
    throw;
  }
  for (StateId r : roots) impl_->store.release(r);
  std::vector<std::vector<Sample>> out;
  out.reserve(res.size());
  for (auto& r : res) out.push_back(std::move(r.children));
  return out;
}

void Engine::release(StateId state) {
  impl_->store.release(state);
}
void Engine::pin(StateId state) {
  impl_->store.pin(state);
}
void Engine::unpin(StateId state) {
  impl_->store.unpin(state);
}
bool Engine::contains(StateId state) const {
  return impl_->store.contains(state);
}
StateId Engine::parent(StateId state) const {
  return impl_->store.parent(state);
}
int64_t Engine::length(StateId state) const {
  return impl_->store.length(state);
}
std::vector<int32_t> Engine::tokens(StateId state) const {
  return impl_->store.tokens(state);
}
std::vector<int32_t> Engine::path_tokens(StateId state) const {
  return impl_->store.path_tokens(state);
}
size_t Engine::num_states() const {
  return impl_->store.size();
}
void Engine::invalidate_kv() {
  impl_->store.drop_all_kv();
  impl_->workspace = {};
}
const EngineCounters& Engine::counters() const {
  impl_->counters.evicted_chunks = impl_->store.evicted_chunks();
  impl_->counters.evicted_bytes = impl_->store.evicted_bytes();
  return impl_->counters;
}
void Engine::reset_counters() {
  impl_->counters = EngineCounters{};
  impl_->store.reset_eviction_counters();
}
int64_t Engine::kv_bytes() const {
  return impl_->store.bytes();
}
int64_t Engine::workspace_bytes() const {
  int64_t n = 0;
  for (const auto& w : impl_->workspace)
    if (w.defined()) n += w.numel() * static_cast<int64_t>(w.element_size());
  return n;
}
int64_t Engine::kv_peak_bytes() const {
  return impl_->store.peak_bytes();
}
int64_t Engine::max_context() const {
  return impl_->context;
}
int64_t Engine::vocab_size() const {
  return impl_->vocab;
}
const EngineOptions& Engine::options() const {
  return impl_->options;
}

}  // namespace ds::engine
