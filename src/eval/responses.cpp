// responses.jsonl reading, repair and appending (see responses.h).
#include "eval/responses.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.h"
#include "core/log.h"

namespace ds::eval {

namespace fs = std::filesystem;

json to_json(const ResponseRecord& r) {
  return json{{"benchmark", r.benchmark}, {"id", r.id},
              {"sample", r.sample},       {"text", r.text},
              {"extracted", r.extracted}, {"correct", r.correct}};
}

ResponseRecord response_from_json(const json& v, const std::string& path, size_t line) {
  auto fail = [&](const std::string& problem) {
    return DataError(location(path, line), problem,
                     "this file is written by `deepsearch eval`; delete the line (or the file) to "
                     "regenerate those samples");
  };
  if (!v.is_object()) throw fail("expected a JSON object");
  ResponseRecord r;
  r.benchmark = require_string(v, "benchmark", path, line);
  r.id = require_string(v, "id", path, line);
  auto sample = v.find("sample");
  if (sample == v.end() || !sample->is_number_integer() || sample->get<int64_t>() < 0)
    throw fail("field 'sample' must be a non-negative integer");
  r.sample = sample->get<int>();
  auto text = v.find("text");
  if (text == v.end() || !text->is_string()) throw fail("field 'text' must be a string");
  r.text = text->get<std::string>();
  auto extracted = v.find("extracted");
  if (extracted == v.end() || !(extracted->is_string() || extracted->is_null()))
    throw fail("field 'extracted' must be a string or null");
  r.extracted = extracted->is_string() ? extracted->get<std::string>() : std::string();
  auto correct = v.find("correct");
  if (correct == v.end() || !correct->is_boolean())
    throw fail("field 'correct' must be true or false");
  r.correct = correct->get<bool>();
  return r;
}

ResponseStore::ResponseStore(std::string path) : path_(std::move(path)) {
  if (path_.empty()) return;
  if (fs::exists(path_)) {
    std::string content;
    {
      std::ifstream in(path_, std::ios::binary);
      if (!in) throw DataError(path_, "cannot open for reading", "check the file's permissions");
      std::ostringstream ss;
      ss << in.rdbuf();
      content = ss.str();
    }
    // Everything after the last newline is a line whose write was interrupted.
    size_t keep = content.rfind('\n') == std::string::npos ? 0 : content.rfind('\n') + 1;
    if (keep < content.size()) {
      dropped_bytes_ = content.size() - keep;
      content.resize(keep);
      fs::resize_file(path_, keep);
      log_warn("{}: dropped a partial last line ({} bytes) left by an interrupted run", path_,
               dropped_bytes_);
    }
    std::istringstream in(content);
    for_each_jsonl_stream(in, path_, [&](const json& v, size_t line) {
      ResponseRecord r = response_from_json(v, path_, line);
      Key key{r.benchmark, r.id, r.sample};
      if (index_.count(key)) {
        ++duplicate_lines_;
        return;
      }
      index_.emplace(std::move(key), records_.size());
      records_.push_back(std::move(r));
    });
    if (duplicate_lines_ > 0)
      log_warn("{}: {} repeated (benchmark, id, sample) lines ignored (the first is kept)", path_,
               duplicate_lines_);
  }
  writer_ = JsonlWriter(path_, /*append=*/true);
}

const ResponseRecord* ResponseStore::find(const std::string& benchmark, const std::string& id,
                                          int sample) const {
  auto it = index_.find(Key{benchmark, id, sample});
  return it == index_.end() ? nullptr : &records_[it->second];
}

void ResponseStore::append(const ResponseRecord& r) {
  Key key{r.benchmark, r.id, r.sample};
  DS_CHECK(!index_.count(key), "ResponseStore::append: sample already saved");
  if (writer_.is_open()) writer_.write(to_json(r));
  index_.emplace(std::move(key), records_.size());
  records_.push_back(r);
}

}  // namespace ds::eval
