// Owns the chat templates that wrap a problem into a model's prompt, selected by name:
//   "chatml": Qwen2 / Qwen2.5 instruct models
//             <|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n
//             <|im_start|>assistant\n
//             (an empty system message becomes Qwen2's default "You are a helpful assistant.")
//   "r1":     DeepSeek-R1-Distill models
//             <｜begin▁of▁sentence｜>{system}<｜User｜>{user}<｜Assistant｜><think>\n
//   "plain":  {user} unchanged (with a system message: "{system}\n\n{user}")
// The result is text; special-token strings in it become single ids when encoded.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

namespace ds::tok {

// Throws ConfigError listing the valid names for an unknown template name.
std::string apply_chat_template(const std::string& name, const std::string& user_message,
                                const std::string& system = "");

// The valid template names, in a stable order.
std::vector<std::string> chat_template_names();

// The string that ends an assistant turn for this template ("<|im_end|>", "<｜end▁of▁sentence｜>",
// or "" for plain); generation can stop on it. Throws ConfigError for an unknown name.
std::string chat_template_end_of_turn(const std::string& name);

}  // namespace ds::tok
