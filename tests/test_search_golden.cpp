// Golden-trace test: a fixed random mock tree (frontier rule, and the vanilla UCT restart) must
// reproduce tests/data/search/golden_*.json node for node and event for event (numbers within
// 1e-9), so any change in the search's behaviour shows up as a diff to review.
// Regenerate deliberately with DS_UPDATE_GOLDEN=1 after checking the change is intended.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "core/fs_util.h"
#include "search/export.h"
#include "search/forest.h"
#include "search/mock_policy.h"

namespace ds::search {
namespace {

// Compares two JSON values; numbers within `tol`. Returns the first differing path or "".
std::string diff(const json& a, const json& b, const std::string& path, double tol) {
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    return std::fabs(x - y) <= tol * std::max(1.0, std::fabs(y)) ? "" : path;
  }
  if (a.type() != b.type()) return path;
  if (a.is_object()) {
    if (a.size() != b.size()) return path + " (keys)";
    for (auto it = b.begin(); it != b.end(); ++it) {
      if (!a.contains(it.key())) return path + "." + it.key();
      std::string d = diff(a[it.key()], it.value(), path + "." + it.key(), tol);
      if (!d.empty()) return d;
    }
    return "";
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return path + " (size)";
    for (size_t i = 0; i < a.size(); ++i) {
      std::string d = diff(a[i], b[i], path + "[" + std::to_string(i) + "]", tol);
      if (!d.empty()) return d;
    }
    return "";
  }
  return a == b ? "" : path;
}

void check_golden(const std::string& name, const SearchOptions& o) {
  SearchProblem p;
  p.id = "golden";
  p.question = "golden question";
  p.answer = "0";
  p.key = 3;
  MockPolicy m(random_mock_generator({.eos_probability = 0.3}));
  json j = tree_to_json(run_search(m, p, o, boxed_reward()), p, o);
  j.erase("stats");  // timings
  std::string path = std::string(DS_SOURCE_DIR) + "/tests/data/search/" + name;
  if (std::getenv("DS_UPDATE_GOLDEN")) {
    atomic_write_file(path, j.dump(1) + "\n");
    GTEST_SKIP() << "wrote " << path;
  }
  json golden = json::parse(read_file(path));
  EXPECT_EQ(diff(j, golden, "$", 1e-9), "") << "search trace differs from " << path;
}

TEST(SearchGolden, FrontierTrace) {
  SearchOptions o;
  o.width = 3;
  o.max_depth = 5;
  o.terminals = 5;
  o.seed = 2025;
  check_golden("golden_frontier.json", o);
}

TEST(SearchGolden, VanillaUctTrace) {
  SearchOptions o;
  o.width = 3;
  o.max_depth = 5;
  o.terminals = 5;
  o.seed = 2025;
  o.selection = Selection::kUct;
  o.q_update = QUpdate::kVanilla;
  check_golden("golden_vanilla_uct.json", o);
}

}  // namespace
}  // namespace ds::search
