// Owns OUT/responses.jsonl: one line per generated sample,
//   {"benchmark", "id", "sample", "text", "extracted", "correct"}
// and the resume logic built on it: the file is the record of finished work; a run that starts
// on an existing file keeps every complete line and regenerates only what is missing. A crash in
// the middle of a write leaves at most one partial last line (lines are written whole and flushed
// one by one); opening the store drops it and truncates the file to its last complete line.
// Thread-safety: a ResponseStore is used from one thread.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/jsonl.h"

namespace ds::eval {

struct ResponseRecord {
  std::string benchmark;  // benchmark name (file stem)
  std::string id;         // problem id within the benchmark
  int sample = 0;         // 0 .. n-1
  std::string text;       // the generated response (without the prompt)
  std::string extracted;  // the scorer's extracted answer ("" when none was found)
  bool correct = false;
};

// Exactly the six fields above.
json to_json(const ResponseRecord& r);
// Throws DataError naming path:line and the field when `v` is not a response line.
ResponseRecord response_from_json(const json& v, const std::string& path, size_t line);

class ResponseStore {
 public:
  // Opens (creating if needed) `path`, loads its complete lines and repairs a partial last line.
  // Throws DataError for a malformed complete line (path:line) and names the fix.
  // An empty path keeps the records in memory only.
  explicit ResponseStore(std::string path);

  // The saved record of (benchmark, id, sample), or nullptr (valid until the next append).
  const ResponseRecord* find(const std::string& benchmark, const std::string& id, int sample) const;
  // Appends one record to the file (flushed) and to the index. A record whose key is already
  // present is a bug in the caller (DS_CHECK).
  void append(const ResponseRecord& r);

  size_t size() const { return records_.size(); }
  const std::vector<ResponseRecord>& records() const { return records_; }
  // Bytes of a partial last line dropped when the store was opened (0 when the file was whole).
  size_t dropped_bytes() const { return dropped_bytes_; }
  // Complete lines repeating an earlier key (kept: the first one) found when opening.
  size_t duplicate_lines() const { return duplicate_lines_; }
  const std::string& path() const { return path_; }

 private:
  using Key = std::tuple<std::string, std::string, int>;
  std::string path_;
  std::vector<ResponseRecord> records_;
  std::map<Key, size_t> index_;
  JsonlWriter writer_;
  size_t dropped_bytes_ = 0, duplicate_lines_ = 0;
};

}  // namespace ds::eval
