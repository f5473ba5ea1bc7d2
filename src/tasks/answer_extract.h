// Owns answer extraction for the task verifiers that do not use the math verifier: the content
// of the last \boxed{...} (or \fbox{...}) with nested braces, else the rest of the last line
// that starts an "Answer:" (any case). Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ds::tasks {

// Content of the last complete \boxed{...} / \fbox{...}; nullopt when there is none.
std::optional<std::string> last_boxed(std::string_view text);

// last_boxed(text), else the text after the last "answer:" (case-insensitive) up to the end of
// its line; surrounding whitespace and $ signs are trimmed. nullopt when neither is present.
std::optional<std::string> extract_final_answer(std::string_view text);

}  // namespace ds::tasks
