// Shared helpers of the tokenizer tests: paths of the shared tokenizer data, temporary
// directories, and the reader of llama.cpp's vocab test files (.inp strings separated by
// "\n__ggml_vocab_test__\n", .out one line of space-separated ids per string).
// Thread-safety: test-only helpers, single-threaded use.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ds::tok::testing {

inline std::string shared_tokenizer_dir(const std::string& name) {
  return std::string(DS_SHARED_DIR) + "/data/tokenizers/" + name;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh empty directory under the system temp dir, unique per process and tag.
inline std::filesystem::path fresh_temp_dir(const std::string& tag) {
  auto p =
      std::filesystem::temp_directory_path() / ("ds_tok_" + tag + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

struct VocabCase {
  std::string text;
  std::vector<int32_t> ids;
};

inline std::vector<VocabCase> read_llama_cpp_cases(const std::string& inp_path,
                                                   const std::string& out_path) {
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::string inp = slurp(inp_path);
  std::vector<std::string> texts;
  size_t pos = 0;
  while (true) {
    size_t next = inp.find(sep, pos);
    if (next == std::string::npos) {
      if (pos < inp.size()) texts.push_back(inp.substr(pos));  // no trailing separator
      break;
    }
    texts.push_back(inp.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::string out = slurp(out_path);
  std::vector<std::vector<int32_t>> lines;
  std::istringstream os(out);
  std::string line;
  while (std::getline(os, line)) {
    std::vector<int32_t> ids;
    std::istringstream ls(line);
    long long v;
    while (ls >> v) ids.push_back(static_cast<int32_t>(v));
    lines.push_back(ids);
  }
  std::vector<VocabCase> cases;
  for (size_t i = 0; i < texts.size() && i < lines.size(); ++i)
    cases.push_back({texts[i], lines[i]});
  if (texts.size() != lines.size()) cases.clear();  // the caller asserts on the count
  return cases;
}

}  // namespace ds::tok::testing
