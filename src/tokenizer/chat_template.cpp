// Chat templates (see chat_template.h).
#include "tokenizer/chat_template.h"

#include "core/errors.h"

namespace ds::tok {

namespace {

constexpr const char* kQwenDefaultSystem = "You are a helpful assistant.";
// DeepSeek's markers use U+FF5C FULLWIDTH VERTICAL LINE and U+2581 LOWER ONE EIGHTH BLOCK.
constexpr const char* kR1Bos =
    "<\xEF\xBD\x9C"
    "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";
constexpr const char* kR1Eos =
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";
constexpr const char* kR1User = "<\xEF\xBD\x9CUser\xEF\xBD\x9C>";
constexpr const char* kR1Assistant =
    "<\xEF\xBD\x9C"
    "Assistant\xEF\xBD\x9C>";

[[noreturn]] void unknown(const std::string& name) {
  std::string list;
  for (const auto& n : chat_template_names()) list += (list.empty() ? "" : ", ") + n;
  throw ConfigError("chat template", "unknown chat template '" + name + "'", "use one of: " + list);
}

}  // namespace

std::vector<std::string> chat_template_names() {
  return {"chatml", "r1", "plain"};
}

std::string apply_chat_template(const std::string& name, const std::string& user_message,
                                const std::string& system) {
  if (name == "chatml") {
    return "<|im_start|>system\n" + (system.empty() ? std::string(kQwenDefaultSystem) : system) +
           "<|im_end|>\n<|im_start|>user\n" + user_message + "<|im_end|>\n<|im_start|>assistant\n";
  }
  if (name == "r1")
    return std::string(kR1Bos) + system + kR1User + user_message + kR1Assistant + "<think>\n";
  if (name == "plain") return system.empty() ? user_message : system + "\n\n" + user_message;
  unknown(name);
}

std::string chat_template_end_of_turn(const std::string& name) {
  if (name == "chatml") return "<|im_end|>";
  if (name == "r1") return kR1Eos;
  if (name == "plain") return "";
  unknown(name);
}

}  // namespace ds::tok
