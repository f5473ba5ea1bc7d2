// `deepsearch sample --model DIR --prompt TEXT [...]`: samples continuations of a prompt with the
// generation engine and prints them on stdout (with n > 1, each after a "--- sample i" header
// line naming its token count and finish reason); token counts and speed go to stderr.
// The prompt is wrapped by a chat template (--template, default plain); generation stops at the
// tokenizer's / model's EOS and at the template's end-of-turn token.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "core/errors.h"
#include "core/sampling.h"
#include "engine/engine.h"
#include "engine/stop_rules.h"
#include "model/checkpoint.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace {

struct SampleArgs {
  std::string model;
  std::string prompt;
  std::string chat_template = "plain";
  std::string system;
  std::string stop;
  int max_new_tokens = 256;
  int n = 1;
  uint64_t seed = 0;
  ds::SamplingOptions sampling;
  std::string dtype = "float32";
  std::string device = "cpu";
  bool show_special = false;
};

// "\n", "\t" and "\\" written on a command line -> the characters.
std::string unescape(const std::string& in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\\' && i + 1 < in.size()) {
      char c = in[i + 1];
      if (c == 'n' || c == 't' || c == '\\') {
        out += c == 'n' ? '\n' : c == 't' ? '\t' : '\\';
        ++i;
        continue;
      }
    }
    out += in[i];
  }
  return out;
}

// The response text: without the final EOS, and without special tokens unless asked.
std::string response_text(const ds::tok::Tokenizer& tok, const ds::engine::Sample& s,
                          bool show_special) {
  std::vector<int32_t> ids = s.tokens;
  if (s.finish == ds::engine::FinishReason::kEos && !ids.empty()) ids.pop_back();
  if (!show_special) std::erase_if(ids, [&](int32_t id) { return tok.is_special(id); });
  return tok.decode(ids);
}

void run(const SampleArgs& a) {
  ds::validate(a.sampling, "sample");
  if (a.n < 1)
    throw ds::UsageError("sample", "--n must be at least 1", "ask for 1 or more samples");
  if (a.max_new_tokens < 1)
    throw ds::UsageError("sample", "--max-new-tokens must be at least 1", "use a positive count");
  auto tok = ds::tok::load_tokenizer(a.model);
  ds::model::Transformer model = ds::model::load_model(a.model, ds::model::parse_dtype(a.dtype),
                                                       ds::model::parse_device(a.device));
  if (tok->vocab_size() > model->config().vocab_size)
    throw ds::DataError(a.model,
                        "the tokenizer has " + std::to_string(tok->vocab_size()) +
                            " tokens but the model only " +
                            std::to_string(model->config().vocab_size),
                        "use the tokenizer files saved with this model");

  ds::engine::EngineOptions options;
  options.eos_ids = ds::engine::stop_token_ids(*tok, model->config(),
                                               ds::tok::chat_template_end_of_turn(a.chat_template));
  ds::engine::Engine engine(model, *tok, options);

  const std::string text = ds::tok::apply_chat_template(a.chat_template, a.prompt, a.system);
  ds::engine::GenerateRequest req;
  req.prompt = tok->encode(text);
  req.num_samples = a.n;
  req.max_new_tokens = a.max_new_tokens;
  req.stop = unescape(a.stop);
  req.seed = a.seed;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<ds::engine::Sample> samples = engine.generate({req}, a.sampling)[0];
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  int64_t generated = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    generated += static_cast<int64_t>(s.tokens.size());
    if (a.n > 1)
      std::printf("--- sample %zu (%zu tokens, %s)\n", i, s.tokens.size(),
                  ds::engine::finish_reason_name(s.finish));
    std::printf("%s\n", response_text(*tok, s, a.show_special).c_str());
  }
  std::fflush(stdout);
  const auto& c = engine.counters();
  std::fprintf(stderr,
               "prompt %zu tokens, generated %lld tokens in %.2f s (%.1f tok/s; %lld prefill, "
               "%lld decode tokens, %lld forward calls, %.2f s in forward)\n",
               req.prompt.size(), static_cast<long long>(generated), seconds,
               seconds > 0 ? static_cast<double>(generated) / seconds : 0.0,
               static_cast<long long>(c.prefill_tokens), static_cast<long long>(c.decode_tokens),
               static_cast<long long>(c.forward_calls), c.forward_seconds);
}

void setup(CLI::App& app) {
  auto a = std::make_shared<SampleArgs>();
  auto* cmd = app.add_subcommand("sample", "sample continuations of a prompt from a model");
  cmd->add_option("--model", a->model, "model directory (config.json, safetensors, tokenizer)")
      ->required();
  cmd->add_option("--prompt", a->prompt, "the user message (wrapped by --template)")->required();
  cmd->add_option("--max-new-tokens", a->max_new_tokens, "tokens to generate at most")
      ->capture_default_str();
  cmd->add_option("--temperature", a->sampling.temperature, "softmax temperature; 0 = greedy")
      ->capture_default_str();
  cmd->add_option("--top-p", a->sampling.top_p, "nucleus mass kept (1 = off)")
      ->capture_default_str();
  cmd->add_option("--top-k", a->sampling.top_k, "most likely tokens kept (0 = off)")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "sample i draws from Rng::derive(seed, i)")
      ->capture_default_str();
  cmd->add_option("--n", a->n, "number of samples (decoded together in one batch)")
      ->capture_default_str();
  std::string names;
  for (const auto& n : ds::tok::chat_template_names()) names += (names.empty() ? "" : "|") + n;
  cmd->add_option("--template", a->chat_template, "chat template: " + names)->capture_default_str();
  cmd->add_option("--system", a->system, "system message for the chat template");
  cmd->add_option("--stop", a->stop,
                  "also stop once a sample's text contains this string (\\n, \\t understood)");
  cmd->add_option("--dtype", a->dtype, "float32|bfloat16|float16")->capture_default_str();
  cmd->add_option("--device", a->device, "cpu|cuda|cuda:N")->capture_default_str();
  cmd->add_flag("--show-special", a->show_special, "keep special tokens in the printed text");
  cmd->callback([a] { run(*a); });
}

}  // namespace

DS_REGISTER_COMMAND(sample, setup);
