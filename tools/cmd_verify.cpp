// `deepsearch verify`: the math verifier from the command line.
//   deepsearch verify --gold G --response R     prints the verdict; exit 0 correct, 1 not
//   deepsearch verify --jsonl < pairs.jsonl     {"gold","response"} lines in, one
//       {"correct","status","extracted","reason"} line out per input line, in order
// Verifier options (time budget, tolerances, ...) come from --config FILE and/or --set k=v;
// --list-options shows them with their defaults. Bad input (malformed JSON, a missing field)
// is an error naming the line. Thread-safety: runs on the main thread.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "command.h"
#include "core/errors.h"
#include "core/jsonl.h"
#include "core/options.h"
#include "verifier/verify.h"

namespace {

struct VerifyArgs {
  std::string gold, response, response_file, config;
  bool jsonl = false, list_options = false;
  std::vector<std::string> overrides;
};

std::string read_response(const VerifyArgs& a) {
  if (a.response_file.empty()) return a.response;
  if (a.response_file == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(a.response_file, std::ios::binary);
  if (!in)
    throw ds::DataError(a.response_file, "cannot open the response file",
                        "check the path given to --response-file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void run_jsonl(const ds::verify::VerifyOptions& opts) {
  ds::for_each_jsonl_stream(std::cin, "stdin", [&](const ds::json& row, size_t line) {
    std::string gold = ds::require_string(row, "gold", "stdin", line);
    std::string response = ds::require_string(row, "response", "stdin", line);
    ds::verify::Verdict v = ds::verify::verify(gold, response, opts);
    ds::json out = {{"correct", v.correct},
                    {"status", ds::verify::status_name(v.status)},
                    {"extracted", v.extracted},
                    {"reason", v.reason}};
    std::string text = out.dump(-1, ' ', false, ds::json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
  });
  std::fflush(stdout);
}

void run(const VerifyArgs& a) {
  if (a.list_options) {
    std::printf("%s", ds::describe_options<ds::verify::VerifyOptions>().c_str());
    return;
  }
  auto opts = ds::load_options<ds::verify::VerifyOptions>(a.config, a.overrides);
  bool single = !a.gold.empty() || !a.response.empty() || !a.response_file.empty();
  if (a.jsonl) {
    if (single)
      throw ds::UsageError("deepsearch verify",
                           "--jsonl reads pairs from stdin; it cannot be combined "
                           "with --gold/--response",
                           "use either --jsonl or --gold G --response R");
    run_jsonl(opts);
    return;
  }
  if (a.gold.empty() || (a.response.empty() && a.response_file.empty()))
    throw ds::UsageError(
        "deepsearch verify", "needs a gold answer and a response",
        "use --gold G --response R (or --response-file F), or --jsonl < pairs.jsonl");
  ds::verify::Verdict v = ds::verify::verify(a.gold, read_response(a), opts);
  std::printf("verdict: %s\nextracted: %s\nreason: %s\n", ds::verify::status_name(v.status),
              v.extracted.c_str(), v.reason.c_str());
  ds::cli::set_exit_code(v.correct ? 0 : 1);
}

void setup(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  auto* cmd = app.add_subcommand("verify", "check a response's final answer against a gold answer");
  cmd->add_option("--gold", args->gold, "gold answer (may contain \\boxed{})");
  cmd->add_option("--response", args->response,
                  "model response (its last \\boxed{} is the answer)");
  cmd->add_option("--response-file", args->response_file,
                  "read the response from a file ('-': stdin)");
  cmd->add_flag("--jsonl", args->jsonl,
                "read {\"gold\",\"response\"} JSON lines on stdin, write one verdict line each");
  cmd->add_option("--config", args->config, "YAML file with verifier options");
  cmd->add_option("--set", args->overrides, "verifier option override key=value (repeatable)");
  cmd->add_flag("--list-options", args->list_options, "list the verifier options and defaults");
  cmd->callback([args] { run(*args); });
}

}  // namespace

DS_REGISTER_COMMAND(verify, setup);
