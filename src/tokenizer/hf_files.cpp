// Reading and writing Hugging Face tokenizer files (see hf_files.h).
#include "tokenizer/hf_files.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <sstream>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/log.h"

namespace ds::tok {

using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string join_path(const std::string& dir, const char* name) {
  return (fs::path(dir) / name).string();
}

// A token given as "text", {"content": "text", ...} or null ("" for null / absent).
std::string token_string(const json& obj, const char* field, const std::string& path) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {
    auto c = it->find("content");
    if (c != it->end() && c->is_string()) return c->get<std::string>();
  }
  throw DataError(path,
                  std::string("field '") + field + "' must be a string, null or {\"content\": ...}",
                  std::string("write e.g. \"") + field + "\": \"<|endoftext|>\"");
}

bool get_bool(const json& obj, const char* field, bool fallback, const std::string& where) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_boolean())
    throw DataError(where, std::string("field '") + field + "' must be true or false",
                    "write a JSON boolean");
  return it->get<bool>();
}

AddedToken parse_added_token(const json& v, int32_t id, const std::string& where) {
  if (!v.is_object() || !v.contains("content") || !v["content"].is_string())
    throw DataError(where, "an added token must be an object with a string \"content\"",
                    "write {\"content\": \"<|im_start|>\", \"special\": true, ...}");
  AddedToken t;
  t.id = id;
  t.content = v["content"].get<std::string>();
  t.single_word = get_bool(v, "single_word", false, where);
  t.lstrip = get_bool(v, "lstrip", false, where);
  t.rstrip = get_bool(v, "rstrip", false, where);
  t.special = get_bool(v, "special", false, where);
  t.normalized = get_bool(v, "normalized", !t.special, where);
  return t;
}

// What tokenizer_config.json, added_tokens.json and special_tokens_map.json add (all optional).
struct ConfigInfo {
  bool present = false;
  std::string path;
  std::string tokenizer_class;
  std::optional<bool> add_prefix_space;
  std::vector<AddedToken> added;
  std::string eos, pad, bos, unk;
  std::vector<std::string> additional_special;
};

void read_special_fields(const json& j, const std::string& path, ConfigInfo& info) {
  auto set = [&](std::string& dst, const char* field) {
    if (j.contains(field)) dst = token_string(j, field, path);
  };
  set(info.eos, "eos_token");
  set(info.pad, "pad_token");
  set(info.bos, "bos_token");
  set(info.unk, "unk_token");
  if (auto it = j.find("additional_special_tokens"); it != j.end() && it->is_array()) {
    for (size_t i = 0; i < it->size(); ++i) {
      json wrapper = {{"t", (*it)[i]}};
      std::string s = token_string(wrapper, "t",
                                   path + ": additional_special_tokens[" + std::to_string(i) + "]");
      if (!s.empty()) info.additional_special.push_back(s);
    }
  }
}

ConfigInfo read_config(const std::string& dir) {
  ConfigInfo info;
  // Oldest first, so that tokenizer_config.json has the last word.
  std::string map_path = join_path(dir, "special_tokens_map.json");
  if (fs::exists(map_path)) {
    json j = read_json_file(map_path);
    if (!j.is_object())
      throw DataError(map_path, "expected a JSON object", "write {\"eos_token\": ...}");
    read_special_fields(j, map_path, info);
  }
  std::string added_path = join_path(dir, "added_tokens.json");
  if (fs::exists(added_path)) {
    json j = read_json_file(added_path);
    if (!j.is_object())
      throw DataError(added_path, "expected a JSON object mapping token -> id",
                      "write {\"<|im_start|>\": 151644}");
    for (auto& [content, id] : j.items()) {
      if (!id.is_number_integer())
        throw DataError(added_path, "token '" + content + "': id must be an integer",
                        "write \"token\": 123");
      AddedToken t;
      t.id = id.get<int32_t>();
      t.content = content;
      info.added.push_back(t);
    }
  }
  info.path = join_path(dir, "tokenizer_config.json");
  if (!fs::exists(info.path)) return info;
  info.present = true;
  json j = read_json_file(info.path);
  if (!j.is_object())
    throw DataError(info.path, "expected a JSON object", "is this a tokenizer_config.json?");
  if (auto it = j.find("tokenizer_class"); it != j.end() && it->is_string())
    info.tokenizer_class = it->get<std::string>();
  if (auto it = j.find("add_prefix_space"); it != j.end() && !it->is_null())
    info.add_prefix_space = get_bool(j, "add_prefix_space", false, info.path);
  if (auto it = j.find("added_tokens_decoder"); it != j.end() && !it->is_null()) {
    if (!it->is_object())
      throw DataError(info.path,
                      "field 'added_tokens_decoder' must be an object mapping id -> token",
                      "write \"added_tokens_decoder\": {\"151643\": {\"content\": ...}}");
    for (auto& [key, value] : it->items()) {
      std::string where = info.path + ": added_tokens_decoder[\"" + key + "\"]";
      size_t used = 0;
      long long id = -1;
      try {
        id = std::stoll(key, &used);
      } catch (const std::exception&) {
      }
      if (used != key.size() || id < 0 || id > (1 << 24))
        throw DataError(where, "the key must be a token id (a non-negative integer)",
                        "write \"151643\": {...}");
      info.added.push_back(parse_added_token(value, static_cast<int32_t>(id), where));
    }
  }
  read_special_fields(j, info.path, info);
  return info;
}

// Added tokens from both sources; an id already present keeps its first definition.
void merge_added(std::vector<AddedToken>& into, const std::vector<AddedToken>& more) {
  for (const auto& t : more) {
    bool seen = false;
    for (auto& u : into) seen = seen || u.id == t.id;
    if (!seen) into.push_back(t);
  }
}

void apply_config(BpeTokenizerSpec& spec, const ConfigInfo& info) {
  merge_added(spec.added_tokens, info.added);
  spec.eos_token = info.eos;
  spec.pad_token = info.pad;
  spec.bos_token = info.bos;
  spec.special_token_names = {info.eos, info.pad, info.bos, info.unk};
  for (const auto& s : info.additional_special) spec.special_token_names.push_back(s);
}

bool resolve_nfc(const TokenizerLoadOptions& options, bool declared) {
  if (options.normalization == "nfc") return true;
  if (options.normalization == "auto") return declared;
  if (options.normalization == "none") return false;
  throw ConfigError("normalization", "unknown normalization '" + options.normalization + "'",
                    "use one of: none, nfc, auto");
}

void check_vocab(std::vector<std::pair<std::string, long long>>& raw, const std::string& where,
                 BpeModelSpec& model) {
  model.vocab.reserve(raw.size());
  for (auto& [token, id] : raw) {
    if (id < 0 || id > (1 << 24))
      throw DataError(where, "token '" + token + "' has invalid id " + std::to_string(id),
                      "ids must be small non-negative integers");
    model.vocab.emplace_back(std::move(token), static_cast<int32_t>(id));
  }
  if (model.vocab.empty())
    throw DataError(where, "the vocabulary is empty", "is this the right file?");
}

void read_merges_txt(const std::string& path, BpeModelSpec& model) {
  std::string text = read_file(path);
  model.merge_origin.file = path;
  model.merge_origin.json = false;
  size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    size_t space = line.find(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 == line.size() ||
        line.find(' ', space + 1) != std::string_view::npos) {
      std::string shown(line.substr(0, 80));
      throw DataError(location(path, line_no), "malformed merge line '" + shown + "'",
                      "each line must be two tokens separated by one space, e.g. 'Ġ t'");
    }
    model.merges.emplace_back(std::string(line.substr(0, space)),
                              std::string(line.substr(space + 1)));
    model.merge_origin.lines.push_back(static_cast<uint32_t>(line_no));
  }
}

SplitRule rule_from_class(const std::string& cls, const std::string& where) {
  if (cls.rfind("Qwen2", 0) == 0 || cls.rfind("Qwen3", 0) == 0) return SplitRule::kQwen2;
  static const char* kGpt2Like[] = {
      "GPT2Tokenizer",        "GPT2TokenizerFast",    "RobertaTokenizer",
      "RobertaTokenizerFast", "BartTokenizer",        "BartTokenizerFast",
      "CodeGenTokenizer",     "CodeGenTokenizerFast", "GPTNeoXTokenizerFast"};
  for (const char* k : kGpt2Like)
    if (cls == k) return SplitRule::kGpt2;
  if (!cls.empty())
    log_warn(
        "{}: tokenizer_class '{}' is not known here; using the gpt2 split rule (override it with "
        "split_rule=qwen2|llama3 if that is wrong)",
        where, cls);
  return SplitRule::kGpt2;
}

// What a tokenizer.json pre_tokenizer asks for.
struct PreTokenizerInfo {
  std::vector<SplitRule> rules;
  std::vector<std::string> unknown;  // unsupported parts, described
  bool byte_level = false;
  bool add_prefix_space = false;
};

void scan_pre_tokenizer(const json& node, PreTokenizerInfo& info) {
  if (node.is_null()) return;
  std::string type = node.is_object() && node.contains("type") && node["type"].is_string()
                         ? node["type"].get<std::string>()
                         : "";
  if (type == "Sequence" && node.contains("pretokenizers") && node["pretokenizers"].is_array()) {
    for (const auto& child : node["pretokenizers"]) scan_pre_tokenizer(child, info);
  } else if (type == "ByteLevel") {
    info.byte_level = true;
    auto aps = node.find("add_prefix_space");
    info.add_prefix_space = aps == node.end() || !aps->is_boolean() || aps->get<bool>();
    auto re = node.find("use_regex");
    if (re == node.end() || !re->is_boolean() || re->get<bool>())
      info.rules.push_back(SplitRule::kGpt2);
  } else if (type == "Split") {
    const json* pattern = node.contains("pattern") ? &node["pattern"] : nullptr;
    std::string regex;
    if (pattern && pattern->is_object() && pattern->contains("Regex") &&
        (*pattern)["Regex"].is_string())
      regex = (*pattern)["Regex"].get<std::string>();
    bool matched = false;
    auto behavior = node.find("behavior");
    auto invert = node.find("invert");
    bool isolated = behavior == node.end() || *behavior == "Isolated";
    bool inverted = invert != node.end() && *invert == true;
    if (!isolated || inverted) regex.clear();  // a different kind of split
    for (SplitRule r : {SplitRule::kQwen2, SplitRule::kLlama3, SplitRule::kGpt2}) {
      if (!regex.empty() && regex == split_rule_pattern(r)) {
        info.rules.push_back(r);
        matched = true;
        break;
      }
    }
    if (!matched)
      info.unknown.push_back("Split " + (pattern ? pattern->dump() : std::string("(no pattern)")));
  } else {
    info.unknown.push_back(type.empty() ? node.dump().substr(0, 80) : type);
  }
}

bool mentions_byte_level(const json& node) {
  if (node.is_object()) {
    if (node.contains("type") && node["type"] == "ByteLevel") return true;
    for (const auto& [k, v] : node.items())
      if (mentions_byte_level(v)) return true;
  } else if (node.is_array()) {
    for (const auto& v : node)
      if (mentions_byte_level(v)) return true;
  }
  return false;
}

// The large parts of tokenizer files (the vocabulary object and the merges array) are collected
// straight from the parser's events instead of being built as a DOM (a std::map of 150k keys costs
// most of the load time); the rest of the document is parsed normally.
struct BulkCollector {
  std::vector<std::string> vocab_path, merges_path;  // container paths, e.g. {"model", "vocab"}
  std::vector<std::pair<std::string, long long>>* vocab = nullptr;
  std::vector<std::pair<std::string, std::string>>* merges = nullptr;
  std::string error, error_field;  // the first problem seen, and where (e.g. "model.merges[7]")
  bool vocab_seen = false, merges_seen = false;

  std::vector<std::string> names;  // containers from the root ("" for the root, "[]" in arrays)
  std::vector<char> kinds;         // 'o' object, 'a' array
  std::string last_key;
  std::vector<std::string> pair_parts;

  bool at(const std::vector<std::string>& path) const {
    return names.size() == path.size() + 1 &&
           std::equal(path.begin(), path.end(), names.begin() + 1);
  }
  bool in_merge_pair() const {
    return merges && names.size() == merges_path.size() + 2 && kinds.back() == 'a' &&
           names.back() == "[]" &&
           std::equal(merges_path.begin(), merges_path.end(), names.begin() + 1);
  }
  bool at_merges() const { return merges && !merges_path.empty() && at(merges_path); }
  void fail(const std::string& field, const std::string& what) {
    if (!error.empty()) return;
    error = what;
    error_field = field;
  }
  std::string merge_field() const {
    std::string f;
    for (const auto& n : merges_path) f += (f.empty() ? "" : ".") + n;
    return f + "[" + std::to_string(merges->size()) + "]";
  }

  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    using E = json::parse_event_t;
    switch (event) {
      case E::key:
        last_key = parsed.get<std::string>();
        return !(kinds.back() == 'o' && at(vocab_path));  // no map entry for vocabulary keys
      case E::object_start:
      case E::array_start: {
        std::string name = names.empty() ? "" : (kinds.back() == 'a' ? "[]" : last_key);
        bool pair_parent = at_merges() && kinds.back() == 'a';
        if (pair_parent && event == E::object_start) fail(merge_field(), "a merge is an object");
        names.push_back(std::move(name));
        kinds.push_back(event == E::object_start ? 'o' : 'a');
        if (kinds.back() == 'o' && at(vocab_path)) vocab_seen = true;
        if (kinds.back() == 'a' && at_merges()) merges_seen = true;
        return true;
      }
      case E::object_end:
      case E::array_end: {
        bool keep = true;
        if (kinds.back() == 'a' && in_merge_pair()) {
          if (pair_parts.size() == 2)
            merges->emplace_back(std::move(pair_parts[0]), std::move(pair_parts[1]));
          else
            fail(merge_field(), "a merge must be a pair of strings");
          pair_parts.clear();
          keep = false;
        }
        names.pop_back();
        kinds.pop_back();
        return keep;
      }
      case E::value:
        if (kinds.empty()) return true;
        if (kinds.back() == 'o' && at(vocab_path)) {
          if (parsed.is_number_integer())
            vocab->emplace_back(last_key, parsed.get<long long>());
          else
            fail("", "token '" + last_key + "': id must be an integer, got " + parsed.dump());
          return false;
        }
        if (kinds.back() == 'a' && at_merges()) {
          std::string s = parsed.is_string() ? parsed.get<std::string>() : "";
          size_t space = s.find(' ');
          if (space == std::string::npos || space == 0 || space + 1 == s.size() ||
              s.find(' ', space + 1) != std::string::npos)
            fail(merge_field(), "malformed merge " + parsed.dump().substr(0, 80) +
                                    " (expected two tokens separated by one space)");
          else
            merges->emplace_back(s.substr(0, space), s.substr(space + 1));
          return false;
        }
        if (in_merge_pair()) {
          if (parsed.is_string())
            pair_parts.push_back(parsed.get<std::string>());
          else
            pair_parts.resize(3);  // reported at the end of the pair
          return false;
        }
        return true;
    }
    return true;
  }
};

json parse_json_text(const std::string& text, const std::string& path, BulkCollector* collector) {
  try {
    if (!collector) return json::parse(text);
    return json::parse(text, [collector](int depth, json::parse_event_t event, json& parsed) {
      return (*collector)(depth, event, parsed);
    });
  } catch (const json::parse_error& e) {
    std::string msg = e.what();
    auto p = msg.find("parse error");
    throw DataError(path, "invalid JSON (" + (p == std::string::npos ? msg : msg.substr(p)) + ")",
                    "the file is truncated or corrupt; restore it from the original tokenizer");
  }
}

void append_json_string(std::string& out, const std::string& s) {
  out += json(s).dump();
}

std::string class_for(SplitRule rule) {
  switch (rule) {
    case SplitRule::kQwen2:
      return "Qwen2Tokenizer";
    case SplitRule::kGpt2:
      return "GPT2Tokenizer";
    case SplitRule::kLlama3:
      return "PreTrainedTokenizerFast";
  }
  return "PreTrainedTokenizerFast";
}

json added_token_json(const AddedToken& t) {
  return {{"content", t.content}, {"single_word", t.single_word}, {"lstrip", t.lstrip},
          {"rstrip", t.rstrip},   {"normalized", t.normalized},   {"special", t.special}};
}

}  // namespace

json read_json_file(const std::string& path) {
  return parse_json_text(read_file(path), path, nullptr);
}

BpeTokenizerSpec read_hf_vocab_merges(const std::string& dir, const TokenizerLoadOptions& options) {
  BpeTokenizerSpec spec;
  spec.source = dir;
  std::string vocab_path = join_path(dir, "vocab.json");
  std::string merges_path = join_path(dir, "merges.txt");
  {
    std::vector<std::pair<std::string, long long>> raw;
    BulkCollector c;
    c.vocab = &raw;
    json root = parse_json_text(read_file(vocab_path), vocab_path, &c);
    if (!c.vocab_seen || !root.is_object())
      throw DataError(vocab_path, "the vocabulary must be a JSON object mapping token -> id",
                      "write {\"!\": 0, \"\\\"\": 1, ...}");
    if (!c.error.empty())
      throw DataError(vocab_path, c.error, "every vocabulary value must be a token id");
    check_vocab(raw, vocab_path, spec.model);
  }
  spec.model.vocab_source = vocab_path;
  read_merges_txt(merges_path, spec.model);
  spec.model.cache_capacity = static_cast<size_t>(std::max(0, options.cache_capacity));

  ConfigInfo info = read_config(dir);
  apply_config(spec, info);
  if (!info.present) {  // classic GPT-2 layout: <|endoftext|>, when in the vocabulary, is special
    for (const auto& [token, id] : spec.model.vocab)
      if (token == "<|endoftext|>") spec.special_token_names.push_back(token);
  }
  spec.add_prefix_space = info.add_prefix_space.value_or(false);
  spec.split_rule = options.split_rule == "auto" ? rule_from_class(info.tokenizer_class, info.path)
                                                 : parse_split_rule(options.split_rule);
  // Qwen2Tokenizer normalizes to NFC before splitting.
  spec.declared_nfc =
      spec.split_rule == SplitRule::kQwen2 && info.tokenizer_class.rfind("Qwen", 0) == 0;
  spec.nfc = resolve_nfc(options, spec.declared_nfc);
  return spec;
}

BpeTokenizerSpec read_hf_tokenizer_json(const std::string& path,
                                        const TokenizerLoadOptions& options) {
  BpeTokenizerSpec spec;
  spec.source = path;
  std::vector<std::pair<std::string, long long>> raw_vocab;
  BulkCollector c;
  c.vocab_path = {"model", "vocab"};
  c.merges_path = {"model", "merges"};
  c.vocab = &raw_vocab;
  c.merges = &spec.model.merges;
  json j = parse_json_text(read_file(path), path, &c);
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object())
    throw DataError(path, "no 'model' object; this is not a Hugging Face tokenizer.json",
                    "pass the directory of a tokenizer saved by Hugging Face tokenizers");
  const json& model = j["model"];
  std::string type = model.contains("type") && model["type"].is_string()
                         ? model["type"].get<std::string>()
                         : "BPE";
  if (type != "BPE")
    throw DataError(path, "model.type is '" + type + "'; only byte-level BPE is supported",
                    "use a byte-level BPE tokenizer (GPT-2, Qwen2, Llama-3 families)");
  for (const char* field : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    auto it = model.find(field);
    if (it != model.end() && it->is_string() && !it->get<std::string>().empty())
      throw DataError(
          path, std::string("model.") + field + " is set; word-piece style BPE is not supported",
          "use a byte-level BPE tokenizer");
  }
  if (!c.error.empty())
    throw DataError(c.error_field.empty() ? path + ": model.vocab" : path + ": " + c.error_field,
                    c.error, "the file is corrupt; restore it from the original tokenizer");
  if (!c.vocab_seen)
    throw DataError(path + ": model.vocab", "missing or not an object mapping token -> id",
                    "the file is incomplete");
  if (model.contains("merges") && !model["merges"].is_null() && !c.merges_seen)
    throw DataError(path + ": model.merges", "must be an array",
                    "write [\"\u0120 t\", ...] or [[\"\u0120\", \"t\"], ...]");
  check_vocab(raw_vocab, path + ": model.vocab", spec.model);
  spec.model.vocab_source = path;
  spec.model.ignore_merges = get_bool(model, "ignore_merges", false, path + ": model");
  spec.model.cache_capacity = static_cast<size_t>(std::max(0, options.cache_capacity));
  spec.model.merge_origin.file = path;
  spec.model.merge_origin.json = true;

  if (auto it = j.find("added_tokens"); it != j.end() && !it->is_null()) {
    if (!it->is_array())
      throw DataError(path + ": added_tokens", "must be an array", "write [{\"id\": ..., ...}]");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& v = (*it)[i];
      std::string where = path + ": added_tokens[" + std::to_string(i) + "]";
      if (!v.is_object() || !v.contains("id") || !v["id"].is_number_integer())
        throw DataError(where, "an added token needs an integer \"id\"",
                        "write {\"id\": 151643, \"content\": ...}");
      spec.added_tokens.push_back(parse_added_token(v, v["id"].get<int32_t>(), where));
    }
  }

  // Normalizer: only NFC matters for byte-level BPE tokenizers.
  const json normalizer = j.value("normalizer", json());
  if (!normalizer.is_null()) {
    std::string dumped = normalizer.dump();
    spec.declared_nfc = dumped.find("\"NFC\"") != std::string::npos;
    if (!spec.declared_nfc)
      log_warn("{}: normalizer {} is not supported and is ignored", path, dumped.substr(0, 120));
  }
  spec.nfc = resolve_nfc(options, spec.declared_nfc);

  PreTokenizerInfo pre;
  scan_pre_tokenizer(j.value("pre_tokenizer", json()), pre);
  if (!pre.byte_level && !mentions_byte_level(j.value("decoder", json())))
    throw DataError(
        path, "this tokenizer is not byte-level (no ByteLevel pre-tokenizer or decoder)",
        "only byte-level BPE tokenizers (GPT-2, Qwen2, Llama-3 families) are supported");
  spec.add_prefix_space = pre.add_prefix_space;
  if (options.split_rule != "auto") {
    spec.split_rule = parse_split_rule(options.split_rule);
  } else if (pre.rules.size() == 1 && pre.unknown.empty()) {
    spec.split_rule = pre.rules[0];
  } else {
    std::string what = pre.unknown.empty() ? std::to_string(pre.rules.size()) + " split rules"
                                           : "unsupported part " + pre.unknown[0];
    throw DataError(
        path + ": pre_tokenizer", "cannot map the pre-tokenizer to a split rule (" + what + ")",
        "supported: ByteLevel(use_regex) = gpt2, Split with the Qwen2 or Llama-3 regex; if one "
        "is equivalent, pass split_rule=gpt2|qwen2|llama3 (CLI: --split-rule)");
  }

  ConfigInfo info = read_config(fs::path(path).parent_path().string());
  apply_config(spec, info);
  if (info.add_prefix_space && *info.add_prefix_space != spec.add_prefix_space)
    log_debug("{}: add_prefix_space differs from tokenizer.json; tokenizer.json wins", info.path);
  return spec;
}

void write_hf_tokenizer(const BpeTokenizer& tok, const std::string& dir) {
  const BpeModel& model = tok.model();
  std::vector<AddedToken> added = tok.added_tokens();
  std::sort(added.begin(), added.end(),
            [](const AddedToken& a, const AddedToken& b) { return a.id < b.id; });

  // tokenizer.json, written by hand: nlohmann's ordered objects are quadratic for 150k keys.
  json added_json = json::array();
  for (const auto& t : added) {
    json o = added_token_json(t);
    o["id"] = t.id;
    added_json.push_back(o);
  }
  json byte_level = {{"type", "ByteLevel"},
                     {"add_prefix_space", tok.add_prefix_space()},
                     {"trim_offsets", false},
                     {"use_regex", false}};
  json pre;
  if (tok.split_rule() == SplitRule::kGpt2) {
    pre = byte_level;
    pre["use_regex"] = true;
    pre["trim_offsets"] = true;
  } else {
    json split = {{"type", "Split"},
                  {"pattern", {{"Regex", split_rule_pattern(tok.split_rule())}}},
                  {"behavior", "Isolated"},
                  {"invert", false}};
    pre = {{"type", "Sequence"}, {"pretokenizers", json::array({split, byte_level})}};
  }
  json plain_byte_level = byte_level;
  plain_byte_level["add_prefix_space"] = false;
  bool pair_merges = false;
  for (size_t r = 0; r < model.num_merges() && !pair_merges; ++r) {
    auto [a, b] = model.merge(r);
    pair_merges = model.spelling_of(a).find(' ') != std::string::npos ||
                  model.spelling_of(b).find(' ') != std::string::npos;
  }

  std::string out;
  out.reserve(8 << 20);
  out += "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n";
  out += "  \"added_tokens\": " + added_json.dump() + ",\n";
  out += "  \"normalizer\": " +
         (tok.declared_nfc() ? json({{"type", "NFC"}}).dump() : std::string("null")) + ",\n";
  out += "  \"pre_tokenizer\": " + pre.dump() + ",\n";
  out += "  \"post_processor\": " + plain_byte_level.dump() + ",\n";
  out += "  \"decoder\": " + plain_byte_level.dump() + ",\n";
  out +=
      "  \"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, "
      "\"continuing_subword_prefix\": null, \"end_of_word_suffix\": null, \"fuse_unk\": false, "
      "\"byte_fallback\": false, \"ignore_merges\": ";
  out += model.ignore_merges() ? "true" : "false";
  out += ",\n    \"vocab\": {";
  bool first = true;
  for (int32_t id = 0; id <= model.max_id(); ++id) {
    if (!model.has_id(id)) continue;
    out += first ? "\n      " : ",\n      ";
    first = false;
    append_json_string(out, model.spelling_of(id));
    out += ": " + std::to_string(id);
  }
  out += "\n    },\n    \"merges\": [";
  for (size_t r = 0; r < model.num_merges(); ++r) {
    auto [a, b] = model.merge(r);
    out += r == 0 ? "\n      " : ",\n      ";
    if (pair_merges) {
      out += "[";
      append_json_string(out, model.spelling_of(a));
      out += ", ";
      append_json_string(out, model.spelling_of(b));
      out += "]";
    } else {
      append_json_string(out, model.spelling_of(a) + " " + model.spelling_of(b));
    }
  }
  out += "\n    ]\n  }\n}\n";
  atomic_write_file(join_path(dir, "tokenizer.json"), out);

  json config = json::object();
  config["add_prefix_space"] = tok.add_prefix_space();
  json decoder = json::object();
  for (const auto& t : added) decoder[std::to_string(t.id)] = added_token_json(t);
  config["added_tokens_decoder"] = decoder;
  auto token_or_null = [](const std::string& s) { return s.empty() ? json() : json(s); };
  config["bos_token"] = token_or_null(tok.bos_token());
  config["eos_token"] = token_or_null(tok.eos_token());
  config["pad_token"] = token_or_null(tok.pad_token());
  config["clean_up_tokenization_spaces"] = false;
  config["errors"] = "replace";
  config["split_special_tokens"] = false;
  config["tokenizer_class"] = class_for(tok.split_rule());
  atomic_write_file(join_path(dir, "tokenizer_config.json"), config.dump(2) + "\n");
}

}  // namespace ds::tok
