// Engine-backed response generation (see engine_generator.h).
#include "eval/engine_generator.h"

#include <algorithm>

#include "core/errors.h"
#include "engine/engine.h"
#include "tokenizer/tokenizer.h"

namespace ds::eval {

namespace {
constexpr size_t kMaxCachedPrompts = 256;
}  // namespace

EngineGenerator::EngineGenerator(engine::Engine& engine, const tok::Tokenizer& tokenizer)
    : engine_(engine), tokenizer_(tokenizer) {}

int64_t EngineGenerator::kept_prompt_tokens(int64_t prompt_len, int64_t max_new_tokens,
                                            int64_t max_context) {
  if (max_context <= 0) return prompt_len;
  int64_t room = std::min(max_new_tokens, max_context / 2);
  return std::max<int64_t>(1, std::min(prompt_len, max_context - room));
}

const std::vector<int32_t>& EngineGenerator::encode(const std::string& prompt) {
  auto it = encoded_.find(prompt);
  if (it != encoded_.end()) return it->second;
  if (encoded_.size() >= kMaxCachedPrompts) encoded_.clear();
  std::vector<int32_t> ids = tokenizer_.encode(prompt);
  if (ids.empty())
    throw UsageError(
        "prompt", "the prompt template produced no tokens",
        "use a template that yields text (e.g. --template plain) and non-empty problems");
  return encoded_.emplace(prompt, std::move(ids)).first->second;
}

std::vector<std::vector<GeneratedText>> EngineGenerator::generate(
    const std::vector<GenerationRequest>& requests, const SamplingSpec& spec) {
  const int64_t max_context = engine_.max_context();

  // One engine request per sample: sample 0 of a request draws from Rng::derive(seed, 0), so the
  // sample depends on its own seed only; equal prompts still share one root prefill.
  std::vector<engine::GenerateRequest> engine_requests;
  std::vector<bool> truncated;
  for (const auto& r : requests) {
    const std::vector<int32_t>& ids = encode(r.prompt);
    int64_t keep =
        kept_prompt_tokens(static_cast<int64_t>(ids.size()), spec.max_new_tokens, max_context);
    std::vector<int32_t> prompt(ids.end() - keep, ids.end());
    truncated.push_back(keep < static_cast<int64_t>(ids.size()));
    for (uint64_t seed : r.seeds) {
      engine::GenerateRequest g;
      g.prompt = prompt;
      g.num_samples = 1;
      g.max_new_tokens = spec.max_new_tokens;
      g.seed = seed;
      engine_requests.push_back(std::move(g));
    }
  }
  std::vector<std::vector<engine::Sample>> samples =
      engine_.generate(engine_requests, spec.sampling);
  DS_CHECK(samples.size() == engine_requests.size(), "engine returned a wrong number of requests");

  std::vector<std::vector<GeneratedText>> out(requests.size());
  size_t next = 0;
  for (size_t r = 0; r < requests.size(); ++r) {
    for (size_t j = 0; j < requests[r].seeds.size(); ++j, ++next) {
      DS_CHECK(samples[next].size() == 1, "engine returned a wrong number of samples");
      const engine::Sample& s = samples[next][0];
      GeneratedText g;
      g.prompt_tokens = static_cast<int64_t>(engine_requests[next].prompt.size());
      g.new_tokens = static_cast<int64_t>(s.tokens.size());
      g.finished = s.finish == engine::FinishReason::kEos;
      g.prompt_truncated = truncated[r];
      // Like skip_special_tokens in Hugging Face: the final EOS and any other special token
      // (chat markers a weak model may emit) are not part of the response text.
      std::vector<int32_t> body;
      body.reserve(s.tokens.size());
      for (size_t t = 0; t < s.tokens.size(); ++t) {
        bool final_eos = g.finished && t + 1 == s.tokens.size();
        if (!final_eos && !tokenizer_.is_special(s.tokens[t])) body.push_back(s.tokens[t]);
      }
      g.text = tokenizer_.decode(body);
      out[r].push_back(std::move(g));
    }
  }
  return out;
}

}  // namespace ds::eval
