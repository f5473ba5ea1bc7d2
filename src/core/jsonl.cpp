// JSON Lines reading and writing (see jsonl.h).
#include "core/jsonl.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.h"
#include "core/fs_util.h"

namespace ds {

void for_each_jsonl_stream(std::istream& in, const std::string& source,
                           const std::function<void(const json&, size_t)>& fn) {
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    bool blank = line.find_first_not_of(" \t") == std::string::npos;
    if (blank) continue;
    json value;
    try {
      value = json::parse(line);
    } catch (const json::parse_error& e) {
      std::string msg = e.what();
      auto pos = msg.find("parse error");
      throw DataError(location(source, line_no),
                      "invalid JSON (" + (pos == std::string::npos ? msg : msg.substr(pos)) + ")",
                      "each line must be one complete JSON object");
    }
    fn(value, line_no);
  }
}

void for_each_jsonl(const std::string& path, const std::function<void(const json&, size_t)>& fn) {
  if (!std::filesystem::exists(path))
    throw DataError(path, "file not found", "check the path (relative paths are from the current directory)");
  if (std::filesystem::is_directory(path))
    throw DataError(path, "is a directory, expected a .jsonl file", "pass the path of a JSON Lines file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, "cannot open file", "check the file's permissions");
  for_each_jsonl_stream(in, path, fn);
}

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> out;
  for_each_jsonl(path, [&](const json& v, size_t) { out.push_back(v); });
  return out;
}

std::string require_string(const json& obj, const char* field, const std::string& path, size_t line) {
  if (!obj.is_object())
    throw DataError(location(path, line), "expected a JSON object", "write {\"" + std::string(field) + "\": ...}");
  auto it = obj.find(field);
  if (it == obj.end())
    throw DataError(location(path, line), std::string("missing field '") + field + "'",
                    std::string("add \"") + field + "\" to every line");
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number() || it->is_boolean()) return it->dump();
  throw DataError(location(path, line), std::string("field '") + field + "' must be a string",
                  "write it as a JSON string");
}

JsonlWriter::JsonlWriter(const std::string& path, bool append) : path_(path) {
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  file_ = std::fopen(path.c_str(), append ? "ab" : "wb");
  if (!file_) throw DataError(path, "cannot open for writing", "check that the directory is writable");
}

JsonlWriter::~JsonlWriter() { close(); }

JsonlWriter::JsonlWriter(JsonlWriter&& o) noexcept : file_(o.file_), path_(std::move(o.path_)) {
  o.file_ = nullptr;
}

JsonlWriter& JsonlWriter::operator=(JsonlWriter&& o) noexcept {
  if (this != &o) {
    close();
    file_ = o.file_;
    path_ = std::move(o.path_);
    o.file_ = nullptr;
  }
  return *this;
}

void JsonlWriter::write(const json& value) {
  DS_CHECK(file_ != nullptr, "JsonlWriter used after close");
  std::string line = value.dump(-1, ' ', false, json::error_handler_t::replace);
  line.push_back('\n');
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    throw DataError(path_, "write failed (disk full?)", "free disk space and resume");
}

void JsonlWriter::close() {
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

void write_jsonl_atomic(const std::string& path, const std::vector<json>& values) {
  std::string text;
  for (const auto& v : values) text += v.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  atomic_write_file(path, text);
}

}  // namespace ds
