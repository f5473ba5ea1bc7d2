// Owns the ResponseGenerator backed by the libtorch generation engine: prompts are tokenized,
// every wanted sample becomes one engine request seeded with the sample's own seed (identical
// prompts share one prefill inside Engine::generate), and responses are decoded without their
// final EOS and without special tokens (Hugging Face's skip_special_tokens). Prompts too long for
// the engine's context are left-truncated (the question's end and the template's answer cue are
// kept) so that room is left to answer; such samples are flagged in GeneratedText::prompt_truncated
// and counted in the report. No torch in this header or its source (the engine is pimpl).
// Thread-safety: none (like the engine it drives).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "eval/generator.h"

namespace ds::engine {
class Engine;
}
namespace ds::tok {
class Tokenizer;
}

namespace ds::eval {

class EngineGenerator : public ResponseGenerator {
 public:
  // Both must outlive the generator.
  EngineGenerator(engine::Engine& engine, const tok::Tokenizer& tokenizer);

  std::vector<std::vector<GeneratedText>> generate(const std::vector<GenerationRequest>& requests,
                                                   const SamplingSpec& spec) override;

  // Prompt tokens kept for a prompt of `prompt_len` tokens when `max_new_tokens` are wanted and
  // the context holds `max_context` (<= 0: unlimited): the last
  // min(prompt_len, max_context - min(max_new_tokens, max_context / 2)), at least 1; i.e. the
  // response always has room for min(max_new_tokens, half the context) tokens.
  static int64_t kept_prompt_tokens(int64_t prompt_len, int64_t max_new_tokens,
                                    int64_t max_context);

 private:
  const std::vector<int32_t>& encode(const std::string& prompt);

  engine::Engine& engine_;
  const tok::Tokenizer& tokenizer_;
  // Prompts repeat across batches (n samples of one problem); bounded cache of their ids.
  std::unordered_map<std::string, std::vector<int32_t>> encoded_;
};

}  // namespace ds::eval
