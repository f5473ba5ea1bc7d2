// Owns JSON Lines I/O: reading with line-numbered errors, appending writers (metrics, responses)
// and whole-file atomic writes. Uses nlohmann::json as the value type everywhere.
// Thread-safety: a JsonlWriter must not be shared between threads without external locking.
#pragma once

#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ds {

using json = nlohmann::json;

// Calls fn(value, line_number) for each non-blank line. Throws DataError "path:line: invalid JSON"
// for syntax errors; fn may throw DataError itself (use location(path, line)).
void for_each_jsonl(const std::string& path, const std::function<void(const json&, size_t)>& fn);

// Reads every line into memory.
std::vector<json> read_jsonl(const std::string& path);

// Parses JSON Lines from an in-memory string / stream (e.g. stdin); `source` names it in errors.
void for_each_jsonl_stream(std::istream& in, const std::string& source,
                           const std::function<void(const json&, size_t)>& fn);

// Required-field helpers: throw DataError naming path:line and the field.
std::string require_string(const json& obj, const char* field, const std::string& path, size_t line);

// Appends one compact JSON object per line, flushing after each write so a crash loses at most
// the line being written.
class JsonlWriter {
 public:
  JsonlWriter() = default;
  JsonlWriter(const std::string& path, bool append);
  ~JsonlWriter();
  JsonlWriter(JsonlWriter&& o) noexcept;
  JsonlWriter& operator=(JsonlWriter&& o) noexcept;
  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;

  void write(const json& value);
  bool is_open() const { return file_ != nullptr; }
  void close();

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
};

// Writes all values to `path` through a temp file + rename (readers never see a partial file).
void write_jsonl_atomic(const std::string& path, const std::vector<json>& values);

}  // namespace ds
