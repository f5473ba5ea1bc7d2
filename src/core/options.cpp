// YAML loading, override merging and error helpers behind core/options.h.
#include "core/options.h"

#include <filesystem>
#include <fstream>

namespace ds {
namespace options_detail {

std::string type_name_of(const bool*) { return "a boolean (true/false)"; }
std::string type_name_of(const int*) { return "an integer"; }
std::string type_name_of(const int64_t*) { return "an integer"; }
std::string type_name_of(const double*) { return "a number"; }
std::string type_name_of(const float*) { return "a number"; }
std::string type_name_of(const std::string*) { return "a string"; }
std::string type_name_of(const std::vector<int>*) { return "a list of integers"; }
std::string type_name_of(const std::vector<double>*) { return "a list of numbers"; }
std::string type_name_of(const std::vector<std::string>*) { return "a list of strings"; }

std::string describe_origin(const YAML::Node& node, const std::string& source) {
  if (node && node.Mark().line >= 0 && source != "command line" && source != "overrides")
    return location(source, static_cast<size_t>(node.Mark().line) + 1);
  return source;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

void Reader::finish() const {
  if (!node_ || !node_.IsMap()) {
    if (node_ && !node_.IsNull())
      throw ConfigError(describe_origin(node_, source_),
                        (prefix_.empty() ? std::string("the config") : "section '" + prefix_ + "'") +
                            " must be a mapping of 'key: value' lines",
                        "see `deepsearch config --list` for the keys");
    return;
  }
  for (const auto& kv : node_) {
    std::string key = kv.first.as<std::string>();
    bool ok = false;
    for (const auto& k : known_) ok = ok || k == key;
    if (!ok) {
      std::string path = prefix_.empty() ? key : prefix_ + "." + key;
      throw ConfigError(describe_origin(kv.first, source_), "unknown config key '" + path + "'",
                        "valid keys" + (prefix_.empty() ? std::string() : " in '" + prefix_ + "'") +
                            ": " + join(known_, ", "));
    }
  }
}

}  // namespace options_detail

YAML::Node load_yaml_file(const std::string& path) {
  if (!std::filesystem::exists(path))
    throw DataError(path, "config file not found", "check the path given to --config");
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(location(path, static_cast<size_t>(e.mark.line) + 1),
                      "invalid YAML: " + e.msg, "fix the YAML syntax at that line");
  } catch (const YAML::BadFile&) {
    throw DataError(path, "cannot read config file", "check the file's permissions");
  }
}

void apply_overrides(YAML::Node& root, const std::vector<std::string>& overrides) {
  for (const auto& ov : overrides) {
    auto eq = ov.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError("command line", "override '" + ov + "' is not of the form key.sub=value",
                        "write e.g. search.width=4 (no spaces around '=')");
    std::string key = ov.substr(0, eq), value = ov.substr(eq + 1);
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      size_t dot = key.find('.', start);
      parts.push_back(key.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    for (const auto& p : parts)
      if (p.empty())
        throw ConfigError("command line", "override '" + ov + "' has an empty key part",
                          "write keys as section.key=value");
    YAML::Node parsed;
    try {
      parsed = value.empty() ? YAML::Node(std::string()) : YAML::Load(value);
    } catch (const YAML::Exception& e) {
      throw ConfigError("command line", "override '" + ov + "': cannot parse value: " + e.msg,
                        "quote strings that contain ':' or '#'");
    }
    // Walk/create the mapping path. yaml-cpp nodes are handles, so keep a chain of copies.
    std::vector<YAML::Node> chain{root};
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      YAML::Node next = chain.back()[parts[i]];
      if (!next || next.IsNull()) {
        chain.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
        next = chain.back()[parts[i]];
      } else if (!next.IsMap()) {
        throw ConfigError("command line",
                          "override '" + ov + "': '" + parts[i] + "' is a value, not a section",
                          "check the key path with `deepsearch config --list`");
      }
      chain.push_back(next);
    }
    chain.back()[parts.back()] = parsed;
  }
}

}  // namespace ds
