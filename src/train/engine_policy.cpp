// The search's Policy on top of the generation engine (see engine_policy.h). No torch here: the
// engine is pimpl, so this file compiles in a second.
#include "train/engine_policy.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "core/errors.h"
#include "engine/engine.h"
#include "tokenizer/tokenizer.h"

namespace ds::train {

namespace {

engine::StateId to_engine(search::StateId id) {
  DS_CHECK(id <= std::numeric_limits<engine::StateId>::max() && id != search::kNoState,
           "search state id out of the engine's range");
  return static_cast<engine::StateId>(id);
}

search::StateId to_search(engine::StateId id) {
  return id == engine::kNoState ? search::kNoState : static_cast<search::StateId>(id);
}

}  // namespace

EnginePolicy::EnginePolicy(engine::Engine& engine, const tok::Tokenizer& tokenizer,
                           EnginePolicyOptions options)
    : engine_(engine), tokenizer_(tokenizer), options_(options) {}

EnginePolicy::~EnginePolicy() {
  for (search::StateId s : live_) engine_.release(to_engine(s));
}

std::vector<search::BeginResult> EnginePolicy::begin(const std::vector<std::string>& prompts) {
  std::vector<search::BeginResult> out;
  out.reserve(prompts.size());
  // One prefill per prompt: the engine computes each root on its own anyway, and this way each
  // tree is charged exactly its own prompt's tokens.
  try {
    for (size_t i = 0; i < prompts.size(); ++i) {
      std::vector<int32_t> ids = tokenizer_.encode(prompts[i]);
      if (ids.empty())
        throw UsageError("search prompt " + std::to_string(i), "the prompt encodes to no tokens",
                         "give a non-empty problem or a prompt template that produces text");
      const int64_t before = engine_.counters().prefill_tokens;
      const engine::StateId root = engine_.prefill(ids);
      const int64_t prefill = engine_.counters().prefill_tokens - before;
      live_.insert(to_search(root));
      counters_.prefill_tokens += prefill;
      out.push_back({to_search(root), prefill});
    }
  } catch (...) {
    for (const auto& b : out) {
      live_.erase(b.state);
      engine_.release(to_engine(b.state));
    }
    throw;
  }
  return out;
}

search::Chunk EnginePolicy::to_chunk(engine::Sample&& sample) const {
  search::Chunk c;
  c.finish = sample.finish;  // one FinishReason enum for the engine and the search
  c.mean_nll = sample.mean_nll();
  c.state = to_search(sample.state);
  const size_t n = sample.tokens.size();
  for (size_t t = 0; t < n; ++t) {
    const int32_t id = sample.tokens[t];
    if (c.finish == search::FinishReason::kEos && t + 1 == n) break;  // the final EOS
    if (!options_.special_tokens_in_text && tokenizer_.is_special(id)) continue;
    c.text += tokenizer_.token_bytes(id);
  }
  c.tokens = std::move(sample.tokens);
  c.logprobs = std::move(sample.sample_logprobs);
  return c;
}

std::vector<search::ExpandResult> EnginePolicy::expand(
    const std::vector<search::ExpandRequest>& requests, const SamplingOptions& sampling) {
  std::vector<engine::ExtendRequest> ext(requests.size());
  int64_t children = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const search::ExpandRequest& r = requests[i];
    DS_CHECK(live_.count(r.parent) != 0, "expand of a state this policy does not hold");
    ext[i].parent = to_engine(r.parent);
    ext[i].num_children = r.n;
    ext[i].max_new_tokens = r.max_new_tokens;
    ext[i].stop = r.stop;
    ext[i].seed = r.seed;
    children += r.n;
  }
  const engine::EngineCounters before = engine_.counters();
  std::vector<engine::ExtendResult> results = engine_.extend(ext, sampling);  // the one batch
  const engine::EngineCounters& after = engine_.counters();
  counters_.generated_tokens += after.decode_tokens - before.decode_tokens;
  counters_.prefill_tokens += after.prefill_tokens - before.prefill_tokens;
  recompute_tokens_ += after.recompute_tokens - before.recompute_tokens;
  ++expand_calls_;
  max_batch_children_ = std::max(max_batch_children_, children);
  DS_CHECK(results.size() == requests.size(), "engine extend returned a wrong count");

  std::vector<search::ExpandResult> out(requests.size());
  for (size_t i = 0; i < results.size(); ++i) {
    DS_CHECK(static_cast<int>(results[i].children.size()) == requests[i].n,
             "engine extend returned a wrong number of children");
    out[i].prefill_tokens = results[i].prefill_tokens;
    out[i].children.reserve(results[i].children.size());
    for (engine::Sample& s : results[i].children) {
      out[i].children.push_back(to_chunk(std::move(s)));
      live_.insert(out[i].children.back().state);
    }
  }
  return out;
}

void EnginePolicy::release(const std::vector<search::StateId>& states) {
  for (search::StateId s : states) {
    DS_CHECK(live_.erase(s) == 1, "release of a state this policy does not hold");
    engine_.release(to_engine(s));
  }
}

}  // namespace ds::train
