// The character/byte tokenizer (see char_tokenizer.h).
#include "tokenizer/char_tokenizer.h"

#include <filesystem>
#include <set>

#include "core/errors.h"
#include "core/fs_util.h"
#include "tokenizer/hf_files.h"
#include "tokenizer/utf8.h"

namespace ds::tok {

using json = nlohmann::json;

CharTokenizer::CharTokenizer(CharTokenizerOptions options) : options_(std::move(options)) {
  std::set<std::string> seen;
  std::vector<AddedToken> specials;
  for (size_t i = 0; i < options_.special_tokens.size(); ++i) {
    const std::string& s = options_.special_tokens[i];
    if (s.empty())
      throw ConfigError("special_tokens[" + std::to_string(i) + "]", "a special token is empty",
                        "remove it or give it a name such as <sep>");
    if (!seen.insert(s).second)
      throw ConfigError("special_tokens[" + std::to_string(i) + "]",
                        "special token '" + s + "' is listed twice",
                        "list each special token once");
    specials.push_back({static_cast<int32_t>(i), s, false, false, false, false, true});
  }
  byte_offset_ = static_cast<int32_t>(specials.size());
  specials_ = AddedTokenMatcher(std::move(specials));
  auto find = [&](const std::string& name, const char* field, bool required) -> int32_t {
    for (size_t i = 0; i < options_.special_tokens.size(); ++i)
      if (options_.special_tokens[i] == name) return static_cast<int32_t>(i);
    if (!required && name.empty()) return -1;
    throw ConfigError(field, "'" + name + "' is not one of the special tokens",
                      "add it to special_tokens or pick one of them");
  };
  eos_id_ = find(options_.eos_token, "eos_token", true);
  pad_id_ = find(options_.pad_token, "pad_token", true);
  bos_id_ = find(options_.bos_token, "bos_token", false);
}

std::unique_ptr<CharTokenizer> CharTokenizer::load(const std::string& path) {
  json j = read_json_file(path);
  if (!j.is_object() || j.value("type", json()) != "char")
    throw DataError(path, "not a char tokenizer file (expected \"type\": \"char\")",
                    "write it with CharTokenizer::save, or pass a BPE tokenizer directory");
  if (j.value("version", 0) != 1)
    throw DataError(path, "unsupported char tokenizer version " + j.value("version", json()).dump(),
                    "this build reads version 1");
  CharTokenizerOptions o;
  try {
    o.special_tokens = j.at("special_tokens").get<std::vector<std::string>>();
    o.eos_token = j.at("eos_token").get<std::string>();
    o.pad_token = j.at("pad_token").get<std::string>();
    o.bos_token = j.value("bos_token", json()).is_string() ? j["bos_token"].get<std::string>() : "";
  } catch (const json::exception& e) {
    throw DataError(path, std::string("missing or mistyped field (") + e.what() + ")",
                    "needs special_tokens (list of strings), eos_token and pad_token (strings)");
  }
  std::unique_ptr<CharTokenizer> tok;
  try {
    tok = std::make_unique<CharTokenizer>(std::move(o));
  } catch (const ConfigError& e) {
    throw DataError(path + ": " + e.where(), e.problem(), e.hint());
  }
  if (j.contains("byte_offset") && j["byte_offset"] != tok->byte_offset_)
    throw DataError(path,
                    "byte_offset " + j["byte_offset"].dump() +
                        " does not equal the number of special tokens (" +
                        std::to_string(tok->byte_offset_) + ")",
                    "the file was edited by hand; restore it");
  return tok;
}

std::vector<int32_t> CharTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> out;
  out.reserve(text.size());
  std::vector<TextSegment> segments;
  specials_.split(text, segments);
  for (const auto& s : segments) {
    if (s.id >= 0) {
      out.push_back(s.id);
      continue;
    }
    for (size_t i = s.begin; i < s.end; ++i) out.push_back(byte_id(static_cast<uint8_t>(text[i])));
  }
  return out;
}

std::string CharTokenizer::token_bytes(int32_t id) const {
  if (id >= 0 && id < byte_offset_) return options_.special_tokens[id];
  if (id >= byte_offset_ && id < byte_offset_ + 256)
    return std::string(1, static_cast<char>(id - byte_offset_));
  return "";
}

std::string CharTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string bytes;
  bytes.reserve(ids.size());
  for (int32_t id : ids) {
    if (id >= byte_offset_ && id < byte_offset_ + 256)
      bytes.push_back(static_cast<char>(id - byte_offset_));
    else if (id >= 0 && id < byte_offset_)
      bytes += options_.special_tokens[id];
  }
  return repair_utf8(bytes);
}

std::optional<int32_t> CharTokenizer::token_id(std::string_view token) const {
  for (size_t i = 0; i < options_.special_tokens.size(); ++i)
    if (options_.special_tokens[i] == token) return static_cast<int32_t>(i);
  if (token.size() == 1) return byte_id(static_cast<uint8_t>(token[0]));
  return std::nullopt;
}

void CharTokenizer::save(const std::string& dir) const {
  json j = {{"type", "char"},
            {"version", 1},
            {"special_tokens", options_.special_tokens},
            {"eos_token", options_.eos_token},
            {"pad_token", options_.pad_token},
            {"bos_token", options_.bos_token.empty() ? json() : json(options_.bos_token)},
            {"byte_offset", byte_offset_}};
  atomic_write_file((std::filesystem::path(dir) / kCharTokenizerFile).string(), j.dump(2) + "\n");
}

std::unique_ptr<Tokenizer> make_char_tokenizer(const CharTokenizerOptions& options) {
  return std::make_unique<CharTokenizer>(options);
}

}  // namespace ds::tok
