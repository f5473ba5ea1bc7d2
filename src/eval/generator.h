// Owns the seam between the evaluator and whatever produces responses: the ResponseGenerator
// interface (implemented by the libtorch engine in engine_generator.h and by mocks in tests), its
// request/response types and the scorer type. No torch here, so the evaluator and its tests build
// without it. Thread-safety: an implementation is used from one thread unless it says otherwise.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/sampling.h"
#include "eval/problems.h"

namespace ds::eval {

// How the responses of one generate() call are drawn: the sampling chain and the length cap.
struct SamplingSpec {
  SamplingOptions sampling{.temperature = 0.6, .top_p = 0.95};  // the paper's evaluation sampling
  int max_new_tokens = 1024;
};

// One prompt and one seed per wanted sample of it (the samples of one prompt share its prefill).
struct GenerationRequest {
  std::string prompt;
  std::vector<uint64_t> seeds;
};

struct GeneratedText {
  std::string text;               // the response only (prompt excluded), special tokens removed
  int64_t prompt_tokens = 0;      // length of the tokenized prompt
  int64_t new_tokens = 0;         // generated tokens (including the final EOS if any)
  bool finished = false;          // stopped at EOS (false: cut at max_new_tokens or the context)
  bool prompt_truncated = false;  // the prompt did not fit the context and was left-truncated
};

class ResponseGenerator {
 public:
  virtual ~ResponseGenerator() = default;
  // Returns, per request, one response per seed, in order. Contract that makes resuming exact:
  // a sample depends only on (prompt, seed, spec), never on which other requests share the call.
  virtual std::vector<std::vector<GeneratedText>> generate(
      const std::vector<GenerationRequest>& requests, const SamplingSpec& spec) = 0;
};

// What a scorer says about one response: {correct, extracted ("" when none), reason}.
using Score = ds::tasks::Score;
// Scores a response against a problem's gold answer. Must be deterministic. The default is
// ds::tasks::score_response: the verifier of problem.task (the math verifier for "math").
using Scorer = std::function<Score(const Problem& problem, const std::string& response)>;

// Builds the prompt text of a problem (see prompt_template.h).
using PromptFn = std::function<std::string(const Problem& problem)>;

// The seed of one sample: a function of (base seed, benchmark, problem id, sample index) only, so
// a resumed run draws exactly the samples an uninterrupted one would.
uint64_t sample_seed(uint64_t base_seed, const std::string& benchmark, const std::string& id,
                     int sample);

}  // namespace ds::eval
