// `deepsearch logprobs --model DIR --text TEXT`: prints one JSON object
// {"tokens": [...], "ids": [...], "logprobs": [...]} with the log-probability of each token given
// the previous ones (null for the first token, which has no context). tokens[i] is the decoded
// text of ids[i] alone. Logic lives in src/model/logprobs.h.
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "core/errors.h"
#include "core/fs_util.h"
#include "core/jsonl.h"
#include "model/checkpoint.h"
#include "model/logprobs.h"
#include "tokenizer/tokenizer.h"

namespace {

struct LogprobsArgs {
  std::string model;
  std::string text;
  std::string text_file;
  std::string dtype = "float32";
  std::string device = "cpu";
};

void run(const LogprobsArgs& a) {
  const std::string text = a.text_file.empty() ? a.text : ds::read_file(a.text_file);
  ds::model::Transformer model = ds::model::load_model(a.model, ds::model::parse_dtype(a.dtype),
                                                       ds::model::parse_device(a.device));
  auto tok = ds::tok::load_tokenizer(a.model);
  if (tok->vocab_size() > model->config().vocab_size)
    throw ds::DataError(a.model,
                        "the tokenizer has " + std::to_string(tok->vocab_size()) +
                            " tokens but the model only " +
                            std::to_string(model->config().vocab_size),
                        "use the tokenizer files saved with this model");
  const std::vector<int32_t> ids = tok->encode(text);
  const std::vector<double> lp = ds::model::sequence_logprobs(*model, ids);
  nlohmann::ordered_json out = {{"tokens", nlohmann::ordered_json::array()},
                                {"ids", nlohmann::ordered_json::array()},
                                {"logprobs", nlohmann::ordered_json::array()}};
  for (size_t i = 0; i < ids.size(); ++i) {
    out["tokens"].push_back(tok->decode({ids[i]}));
    out["ids"].push_back(ids[i]);
    if (i == 0)
      out["logprobs"].push_back(nullptr);
    else
      out["logprobs"].push_back(lp[i - 1]);
  }
  std::printf("%s\n",
              out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
}

void setup(CLI::App& app) {
  auto a = std::make_shared<LogprobsArgs>();
  auto* cmd = app.add_subcommand(
      "logprobs", "print each token's log-probability given the previous ones, as JSON");
  cmd->add_option("--model", a->model, "model directory (config.json, safetensors, tokenizer)")
      ->required();
  auto* text = cmd->add_option("--text", a->text, "text to score");
  auto* file =
      cmd->add_option("--text-file", a->text_file, "read the text to score from this file");
  cmd->add_option("--dtype", a->dtype, "float32|bfloat16|float16")->capture_default_str();
  cmd->add_option("--device", a->device, "cpu|cuda|cuda:N")->capture_default_str();
  cmd->callback([a, text, file] {
    if (text->count() == 0 && file->count() == 0)
      throw ds::UsageError("logprobs", "no text given", "pass --text TEXT or --text-file PATH");
    if (text->count() > 0 && file->count() > 0)
      throw ds::UsageError("logprobs", "both --text and --text-file given",
                           "pass only one of them");
    run(*a);
  });
}

}  // namespace

DS_REGISTER_COMMAND(logprobs, setup);
