// Evaluation prompt templates (see prompt_template.h).
#include "eval/prompt_template.h"

#include "core/errors.h"
#include "tasks/corpus.h"
#include "tokenizer/chat_template.h"

namespace ds::eval {

namespace {
constexpr const char* kDeepSearchSuffix =
    " Let's think step by step and output the final answer within \\boxed{}.";
constexpr const char* kQwenMathSystem =
    "Please reason step by step, and put your final answer within \\boxed{}.";
}  // namespace

std::vector<std::string> prompt_template_names() {
  return {"deepsearch", "qwen-math", "plain", "tiny"};
}

void check_prompt_template(const std::string& name) {
  for (const auto& n : prompt_template_names())
    if (n == name) return;
  std::string list;
  for (const auto& n : prompt_template_names()) list += (list.empty() ? "" : ", ") + n;
  throw ConfigError("--template", "unknown prompt template '" + name + "'",
                    "use one of: " + list + " (or auto)");
}

std::string apply_prompt_template(const std::string& name, const std::string& problem) {
  if (name == "deepsearch") return tok::apply_chat_template("r1", problem + kDeepSearchSuffix);
  if (name == "qwen-math") return tok::apply_chat_template("chatml", problem, kQwenMathSystem);
  if (name == "plain") return problem;
  if (name == "tiny") return tasks::format_prompt(problem);
  check_prompt_template(name);  // throws
  return problem;
}

PromptFn make_prompt_fn(const std::string& name) {
  check_prompt_template(name);
  return [name](const Problem& p) { return apply_prompt_template(name, p.problem); };
}

std::string prompt_template_end_of_turn(const std::string& name) {
  check_prompt_template(name);
  if (name == "deepsearch") return tok::chat_template_end_of_turn("r1");
  if (name == "qwen-math") return tok::chat_template_end_of_turn("chatml");
  return "";
}

std::string resolve_prompt_template(const std::string& name, const std::string& tokenizer_kind) {
  if (name != "auto") return name;
  return tokenizer_kind == "char" ? "tiny" : "deepsearch";
}

}  // namespace ds::eval
