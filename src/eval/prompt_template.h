// Owns the evaluation prompt templates, by name:
//   "deepsearch": "{problem} Let's think step by step and output the final answer within
//                 \boxed{}." as the user turn of the DeepSeek-R1-distill chat format (the
//                 DeepSearch paper's evaluation prompt);
//   "qwen-math":  Qwen2.5-Math ChatML with the system prompt "Please reason step by step, and put
//                 your final answer within \boxed{}.";
//   "plain":      "{problem}" as is;
//   "tiny":       the built-in tiny model's "Q: {problem}\nA: " (ds::tasks::format_prompt).
// The chat formats themselves come from tokenizer/chat_template.h. "auto" (the CLI's default)
// resolves to "tiny" for character-tokenizer models (the built-in ones) and "deepsearch" for BPE
// models. Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "eval/generator.h"

namespace ds::eval {

// The valid names, in documentation order (without "auto").
std::vector<std::string> prompt_template_names();

// Throws ConfigError listing the valid names when `name` is not one of them.
void check_prompt_template(const std::string& name);

// The prompt of `problem` under template `name` (ConfigError for an unknown name).
std::string apply_prompt_template(const std::string& name, const std::string& problem);

// check_prompt_template + a PromptFn applying it to Problem::problem.
PromptFn make_prompt_fn(const std::string& name);

// The text that ends the assistant's turn under template `name` ("<|im_end|>" for qwen-math,
// the R1 end-of-sentence token for deepsearch, "" for plain and tiny): generation stops on it.
std::string prompt_template_end_of_turn(const std::string& name);

// "auto" -> "tiny" when tokenizer_kind == "char", else "deepsearch"; other names unchanged.
std::string resolve_prompt_template(const std::string& name, const std::string& tokenizer_kind);

}  // namespace ds::eval
