// Reading evaluation sets (see problems.h).
#include "eval/problems.h"

#include <filesystem>
#include <set>

#include "core/errors.h"
#include "tasks/problem_io.h"

namespace ds::eval {

std::string benchmark_name(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

Benchmark load_benchmark(const std::string& path, int limit, const std::string& default_task) {
  Benchmark bench;
  bench.name = benchmark_name(path);
  bench.path = path;
  bench.problems = tasks::load_problems(path, default_task);
  if (limit > 0 && static_cast<int>(bench.problems.size()) > limit) bench.problems.resize(limit);
  return bench;
}

std::vector<Benchmark> load_benchmarks(const std::string& comma_separated_paths, int limit,
                                       const std::string& default_task) {
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
    out.push_back(load_benchmark(path, limit, default_task));
  }
  return out;
}

}  // namespace ds::eval
