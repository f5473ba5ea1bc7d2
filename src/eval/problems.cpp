// Reading evaluation sets (see problems.h).
#include "eval/problems.h"

#include <filesystem>
#include <set>

#include "core/errors.h"
#include "core/jsonl.h"

namespace ds::eval {

std::string benchmark_name(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

Benchmark load_benchmark(const std::string& path, int limit) {
  Benchmark bench;
  bench.name = benchmark_name(path);
  bench.path = path;
  std::set<std::string> seen;
  for_each_jsonl(path, [&](const json& v, size_t line) {
    if (limit > 0 && static_cast<int>(bench.problems.size()) >= limit) return;
    Problem p;
    p.id = require_string(v, "id", path, line);
    p.problem = require_string(v, "problem", path, line);
    p.answer = require_string(v, "answer", path, line);
    if (p.id.empty())
      throw DataError(location(path, line), "field 'id' is empty",
                      "give every problem a unique id");
    if (p.problem.empty())
      throw DataError(location(path, line), "field 'problem' is empty (id " + p.id + ")",
                      "write the question text in \"problem\"");
    if (!seen.insert(p.id).second)
      throw DataError(location(path, line), "duplicate id '" + p.id + "'",
                      "ids must be unique within a file (they key saved responses)");
    bench.problems.push_back(std::move(p));
  });
  if (bench.problems.empty())
    throw DataError(path, "no problems in file",
                    "write one {\"id\", \"problem\", \"answer\"} object per line");
  return bench;
}

std::vector<Benchmark> load_benchmarks(const std::string& comma_separated_paths, int limit) {
  std::vector<std::string> paths;
  size_t start = 0;
  while (start <= comma_separated_paths.size()) {
    size_t end = comma_separated_paths.find(',', start);
    if (end == std::string::npos) end = comma_separated_paths.size();
    std::string item = comma_separated_paths.substr(start, end - start);
    if (!item.empty()) paths.push_back(item);
    start = end + 1;
  }
  if (paths.empty())
    throw ConfigError("--data", "no data file given", "pass --data FILE[,FILE...] (JSON Lines)");
  std::vector<Benchmark> out;
  std::set<std::string> names;
  for (const auto& path : paths) {
    std::string name = benchmark_name(path);
    if (!names.insert(name).second)
      throw ConfigError("--data", "two files are both named '" + name + "'",
                        "benchmarks are named by file stem; rename one of the files");
    out.push_back(load_benchmark(path, limit));
  }
  return out;
}

}  // namespace ds::eval
