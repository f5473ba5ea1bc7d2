// Owns the configuration mechanism: every component has one options struct whose fields carry
// their default in the initializer and a doc string in a visit() method:
//
//   struct SearchOptions {
//     int width = 8;  // W
//     std::string selection = "frontier";
//     template <class V> void visit(V& v) {
//       v("width", width, "children sampled per expansion (W)");
//       v.one_of("selection", selection, {"frontier", "uct"}, "next-node rule");
//     }
//   };
//
// From that single description this file derives: reading a YAML tree (with unknown-key, wrong-type
// and bad-choice errors that name the field and list the valid keys), writing the effective config
// back as YAML, and a documented listing. Hydra-style `a.b.c=value` overrides are merged into the
// YAML tree before it is read. Supported field types: bool, int, int64_t, double, float,
// std::string, std::vector<int|double|std::string>, nested structs with a visit() method, and
// enums read and written by name through a table of Choice<E> (v.choice(...)):
//
//   enum class Selection { kFrontier, kUct };
//   inline constexpr std::array<Choice<Selection>, 2> kSelectionChoices{
//       {{"frontier", Selection::kFrontier}, {"uct", Selection::kUct}}};
//   ... v.choice("selection", selection, kSelectionChoices, "next-node rule");
//
// so a choice is resolved once when the config is read and code compares enums, never strings.
// Thread-safety: pure functions over values.
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "core/errors.h"

namespace ds {

// One allowed value of an enum option: its name in YAML / on the command line and its value.
template <class E>
struct Choice {
  const char* name;
  E value;
};

// The name of `value` in `table` (a bug when it is missing: every enumerator must be listed).
template <class E, size_t N>
const char* choice_name(E value, const std::array<Choice<E>, N>& table) {
  for (const auto& c : table)
    if (c.value == value) return c.name;
  DS_CHECK(false, "an enum value is missing from its choice table");
  return "";
}

// The value named `name` in `table`, or nullptr.
template <class E, size_t N>
const E* find_choice(const std::string& name, const std::array<Choice<E>, N>& table) {
  for (const auto& c : table)
    if (name == c.name) return &c.value;
  return nullptr;
}

// "a, b, c": the names of `table`, for error hints and option listings.
template <class E, size_t N>
std::string choice_list(const std::array<Choice<E>, N>& table, const char* sep = ", ") {
  std::string out;
  for (const auto& c : table) out += (out.empty() ? "" : sep) + std::string(c.name);
  return out;
}

namespace options_detail {
struct ProbeVisitor {};
}  // namespace options_detail

// A struct with `template <class V> void visit(V& v)` (the body is not instantiated by this check).
template <class T>
concept Visitable = requires(T& t, options_detail::ProbeVisitor& v) { t.visit(v); };

namespace options_detail {

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

std::string type_name_of(const bool*);
std::string type_name_of(const int*);
std::string type_name_of(const int64_t*);
std::string type_name_of(const double*);
std::string type_name_of(const float*);
std::string type_name_of(const std::string*);
std::string type_name_of(const std::vector<int>*);
std::string type_name_of(const std::vector<double>*);
std::string type_name_of(const std::vector<std::string>*);

std::string describe_origin(const YAML::Node& node, const std::string& source);
std::string join(const std::vector<std::string>& items, const std::string& sep);

// Converts one scalar/sequence node into a field, throwing ConfigError that names the field.
template <class T>
void convert(const YAML::Node& node, T& out, const std::string& path, const std::string& source) {
  try {
    if constexpr (std::is_same_v<T, bool>) {
      out = node.as<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      // yaml-cpp accepts "8.5" for int by truncation on some versions; refuse non-integers.
      std::string s = node.as<std::string>();
      size_t pos = 0;
      long long v = std::stoll(s, &pos, 0);
      if (pos != s.size()) throw std::invalid_argument(s);
      out = static_cast<T>(v);
    } else if constexpr (IsVector<T>::value) {
      if (!node.IsSequence()) throw YAML::BadConversion(node.Mark());
      T vec;
      for (size_t i = 0; i < node.size(); ++i) {
        typename T::value_type item{};
        convert(node[i], item, path + "[" + std::to_string(i) + "]", source);
        vec.push_back(item);
      }
      out = std::move(vec);
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!node.IsScalar()) throw YAML::BadConversion(node.Mark());
      out = node.as<std::string>();
    } else {
      out = node.as<T>();
    }
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception&) {
    std::string shown = node.IsScalar() ? "'" + node.Scalar() + "'" : "a non-scalar value";
    throw ConfigError(describe_origin(node, source), "field '" + path + "' must be " +
                                                         type_name_of(&out) + ", got " + shown,
                      "write a value of type " + type_name_of(&out) + " for '" + path + "'");
  }
}

// Reads a YAML mapping into a Visitable struct.
class Reader {
 public:
  Reader(const YAML::Node& node, std::string prefix, std::string source)
      : node_(node), prefix_(std::move(prefix)), source_(std::move(source)) {}

  template <class T>
  void operator()(const char* name, T& field, const char* /*doc*/) {
    known_.push_back(name);
    if (!node_ || !node_.IsMap()) return;
    YAML::Node child = node_[name];
    if (!child) return;
    std::string path = prefix_.empty() ? std::string(name) : prefix_ + "." + name;
    if constexpr (Visitable<T>) {
      if (child.IsNull()) return;
      if (!child.IsMap())
        throw ConfigError(describe_origin(child, source_), "section '" + path + "' must be a mapping",
                          "write '" + path + ":' followed by indented 'key: value' lines");
      Reader sub(child, path, source_);
      field.visit(sub);
      sub.finish();
    } else {
      convert(child, field, path, source_);
    }
  }

  void one_of(const char* name, std::string& field, std::initializer_list<const char*> choices,
              const char* doc) {
    (*this)(name, field, doc);
    for (const char* c : choices)
      if (field == c) return;
    std::vector<std::string> list(choices.begin(), choices.end());
    std::string path = prefix_.empty() ? std::string(name) : prefix_ + "." + name;
    YAML::Node child = node_ && node_.IsMap() ? node_[name] : YAML::Node();
    throw ConfigError(child ? describe_origin(child, source_) : source_,
                      "field '" + path + "' = '" + field + "' is not a valid choice",
                      "use one of: " + join(list, ", "));
  }

  template <class E, size_t N>
  void choice(const char* name, E& field, const std::array<Choice<E>, N>& table, const char* doc) {
    std::string text = choice_name(field, table);
    (*this)(name, text, doc);
    if (const E* e = find_choice(text, table)) {
      field = *e;
      return;
    }
    std::string path = prefix_.empty() ? std::string(name) : prefix_ + "." + name;
    YAML::Node child = node_ && node_.IsMap() ? node_[name] : YAML::Node();
    throw ConfigError(child ? describe_origin(child, source_) : source_,
                      "field '" + path + "' = '" + text + "' is not a valid choice",
                      "use one of: " + choice_list(table));
  }

  // Unknown keys are errors that list the valid ones.
  void finish() const;

 private:
  YAML::Node node_;
  std::string prefix_, source_;
  std::vector<std::string> known_;
};

// Writes a Visitable struct to a YAML node.
class Writer {
 public:
  explicit Writer(YAML::Node& out) : out_(out) {}
  template <class T>
  void operator()(const char* name, T& field, const char* /*doc*/) {
    if constexpr (Visitable<T>) {
      YAML::Node sub(YAML::NodeType::Map);
      Writer w(sub);
      field.visit(w);
      out_[name] = sub;
    } else if constexpr (IsVector<T>::value) {
      YAML::Node seq(YAML::NodeType::Sequence);
      for (const auto& x : field) seq.push_back(x);
      seq.SetStyle(YAML::EmitterStyle::Flow);
      out_[name] = seq;
    } else {
      out_[name] = field;
    }
  }
  void one_of(const char* name, std::string& field, std::initializer_list<const char*>, const char* doc) {
    (*this)(name, field, doc);
  }
  template <class E, size_t N>
  void choice(const char* name, E& field, const std::array<Choice<E>, N>& table, const char* doc) {
    std::string text = choice_name(field, table);
    (*this)(name, text, doc);
  }

 private:
  YAML::Node& out_;
};

// Lists "path (type) = default  # doc" lines.
class Describer {
 public:
  Describer(std::ostringstream& os, std::string prefix) : os_(os), prefix_(std::move(prefix)) {}
  template <class T>
  void operator()(const char* name, T& field, const char* doc) {
    std::string path = prefix_.empty() ? std::string(name) : prefix_ + "." + name;
    if constexpr (Visitable<T>) {
      os_ << path << ":  # " << doc << "\n";
      Describer d(os_, path);
      field.visit(d);
    } else {
      YAML::Node n(YAML::NodeType::Map);
      Writer w(n);
      w(name, field, doc);
      YAML::Emitter e;
      e << YAML::Flow << n[name];
      os_ << "  " << path << " (" << type_name_of(&field) << ") = " << e.c_str() << "  # " << doc << "\n";
    }
  }
  void one_of(const char* name, std::string& field, std::initializer_list<const char*> choices,
              const char* doc) {
    std::vector<std::string> list(choices.begin(), choices.end());
    std::string d = std::string(doc) + " {" + join(list, "|") + "}";
    (*this)(name, field, d.c_str());
  }
  template <class E, size_t N>
  void choice(const char* name, E& field, const std::array<Choice<E>, N>& table, const char* doc) {
    std::string text = choice_name(field, table);
    std::string d = std::string(doc) + " {" + choice_list(table, "|") + "}";
    (*this)(name, text, d.c_str());
  }

 private:
  std::ostringstream& os_;
  std::string prefix_;
};

}  // namespace options_detail

// Loads a YAML file (throws ConfigError/DataError naming the file and line on syntax errors).
YAML::Node load_yaml_file(const std::string& path);

// Merges `a.b.c=value` overrides into `root` (value parsed as YAML, so lists and numbers work).
void apply_overrides(YAML::Node& root, const std::vector<std::string>& overrides);

// Reads `node` into `opts`; `source` names where the YAML came from (a file path, "overrides").
template <Visitable T>
void read_options(const YAML::Node& node, T& opts, const std::string& source = "config") {
  options_detail::Reader r(node, "", source);
  opts.visit(r);
  r.finish();
}

template <Visitable T>
YAML::Node options_to_yaml(const T& opts) {
  YAML::Node n(YAML::NodeType::Map);
  options_detail::Writer w(n);
  const_cast<T&>(opts).visit(w);
  return n;
}

template <Visitable T>
std::string options_to_yaml_string(const T& opts) {
  YAML::Emitter e;
  e << options_to_yaml(opts);
  return std::string(e.c_str()) + "\n";
}

// One line per field: "path (type) = default  # doc".
template <Visitable T>
std::string describe_options(const T& opts = T{}) {
  std::ostringstream os;
  options_detail::Describer d(os, "");
  const_cast<T&>(opts).visit(d);
  return os.str();
}

// The usual entry point: optional YAML file, then overrides, read into T.
template <Visitable T>
T load_options(const std::string& yaml_path, const std::vector<std::string>& overrides) {
  YAML::Node root = yaml_path.empty() ? YAML::Node(YAML::NodeType::Map) : load_yaml_file(yaml_path);
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  apply_overrides(root, overrides);
  T opts;
  read_options(root, opts, yaml_path.empty() ? std::string("command line") : yaml_path);
  return opts;
}

}  // namespace ds
