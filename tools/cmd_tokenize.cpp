// `deepsearch tokenize`: JSON Lines {"text": ...} on stdin -> {"ids": [...]} on stdout, or with
// --decode {"ids": [...]} -> {"text": ...}. The filter itself lives in tokenizer/tokenize_stream.h.
#include <fstream>
#include <iostream>
#include <memory>

#include "command.h"
#include "core/errors.h"
#include "tokenizer/tokenize_stream.h"
#include "tokenizer/tokenizer.h"

namespace {

struct Args {
  std::string tokenizer_dir, input, split_rule = "auto", normalization = "none", chat_template,
                                    system;
  bool decode = false;
};

void run(const Args& a) {
  ds::tok::TokenizerLoadOptions load;
  load.split_rule = a.split_rule;
  load.normalization = a.normalization;
  auto tok = ds::tok::load_tokenizer(a.tokenizer_dir, load);
  ds::tok::TokenizeStreamOptions o;
  o.decode = a.decode;
  o.chat_template = a.chat_template;
  o.system = a.system;
  if (a.input.empty() || a.input == "-") {
    std::ios::sync_with_stdio(false);
    ds::tok::tokenize_stream(*tok, std::cin, std::cout, o);
    return;
  }
  std::ifstream in(a.input, std::ios::binary);
  if (!in) throw ds::DataError(a.input, "cannot open input file", "check the path");
  o.source = a.input;
  ds::tok::tokenize_stream(*tok, in, std::cout, o);
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "tokenize",
      "encode JSON Lines {\"text\": ...} from stdin to {\"ids\": [...]} (--decode: the inverse)");
  auto a = std::make_shared<Args>();
  cmd->add_option(
         "--tokenizer", a->tokenizer_dir,
         "tokenizer directory: tokenizer.json, vocab.json + merges.txt, or char_tokenizer.json")
      ->required();
  cmd->add_flag("--decode", a->decode, "read {\"ids\": [...]} lines and write {\"text\": ...}");
  cmd->add_option("--input", a->input, "read this JSONL file instead of stdin");
  cmd->add_option("--split-rule", a->split_rule, "pre-tokenizer split rule: auto|gpt2|qwen2|llama3")
      ->capture_default_str();
  cmd->add_option("--normalization", a->normalization, "none|nfc|auto (auto: as the files declare)")
      ->capture_default_str();
  cmd->add_option("--chat-template", a->chat_template, "wrap each text first: chatml|r1|plain");
  cmd->add_option("--system", a->system, "system message for --chat-template");
  cmd->callback([a] { run(*a); });
}

}  // namespace

DS_REGISTER_COMMAND(tokenize, setup);
