// Tests of the JSON tree export: every field the issue names, with its type (ids, nulls for the
// root's parent / non-terminal rewards / the last event's next), params = every option, stats,
// consistency with the tree, an atomic file write, and invalid UTF-8 in chunk text.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/fs_util.h"
#include "search/export.h"
#include "search/forest.h"
#include "search/mock_policy.h"

namespace ds::search {
namespace {

SearchProblem problem() {
  SearchProblem p;
  p.id = "ex";
  p.question = "What is 0?";
  p.answer = "0";
  return p;
}

TEST(SearchExport, HasExactlyTheIssueFields) {
  MockPolicy m(random_mock_generator({.eos_probability = 0.3}));
  SearchOptions o;
  o.width = 3;
  o.max_depth = 5;
  o.terminals = 3;
  SearchResult r = run_search(m, problem(), o, boxed_reward());
  json j = tree_to_json(r, problem(), o);

  EXPECT_EQ(j.at("problem"), "What is 0?");
  EXPECT_EQ(j.at("answer"), "0");
  ASSERT_TRUE(j.at("params").is_object());
  EXPECT_EQ(j["params"].at("width"), 3);
  EXPECT_EQ(j["params"].at("selection"), "frontier");
  EXPECT_EQ(j["params"].size(), options_to_json(SearchOptions{}).size());

  const json& nodes = j.at("nodes");
  ASSERT_EQ(static_cast<int>(nodes.size()), r.tree.size());
  for (const json& n : nodes) {
    for (const char* k : {"id", "parent", "depth", "text", "tokens", "visits", "q", "nll",
                          "terminal", "reward", "backed_up"})
      ASSERT_TRUE(n.contains(k)) << k;
    EXPECT_TRUE(n["id"].is_number_integer());
    EXPECT_TRUE(n["depth"].is_number_integer());
    EXPECT_TRUE(n["text"].is_string());
    EXPECT_TRUE(n["tokens"].is_number_integer());
    EXPECT_TRUE(n["visits"].is_number_integer());
    EXPECT_TRUE(n["q"].is_number());
    EXPECT_TRUE(n["nll"].is_number());
    EXPECT_TRUE(n["terminal"].is_boolean());
    EXPECT_TRUE(n["backed_up"].is_boolean());
    EXPECT_EQ(n["reward"].is_null(), !n["terminal"].get<bool>());
    int id = n["id"];
    const Node& tn = r.tree.node(id);
    EXPECT_EQ(n["depth"], tn.depth);
    EXPECT_EQ(n["visits"], tn.visits);
    EXPECT_DOUBLE_EQ(n["q"].get<double>(), tn.q);
    if (id == 0) {
      EXPECT_TRUE(n["parent"].is_null());
      EXPECT_EQ(n["depth"], 0);
    } else {
      EXPECT_EQ(n["parent"], tn.parent);
    }
  }

  const json& events = j.at("events");
  ASSERT_EQ(static_cast<int>(events.size()), r.stats.iterations);
  for (size_t i = 0; i < events.size(); ++i) {
    const json& e = events[i];
    for (const char* k : {"iteration", "expanded", "children", "chosen_terminal", "choice_reason",
                          "backup", "next", "next_rule", "next_score"})
      ASSERT_TRUE(e.contains(k)) << k;
    EXPECT_EQ(e["iteration"], i);
    EXPECT_TRUE(e["expanded"].is_number_integer());
    EXPECT_TRUE(e["children"].is_array());
    EXPECT_EQ(e["children"].size(), 3u);
    EXPECT_TRUE(e["choice_reason"].is_string());
    EXPECT_TRUE(e["chosen_terminal"].is_null() || e["chosen_terminal"].is_number_integer());
    for (const json& b : e["backup"]) {
      EXPECT_TRUE(b.at("node").is_number_integer());
      EXPECT_TRUE(b.at("q").is_number());
    }
    EXPECT_EQ(e["backup"].empty(), e["chosen_terminal"].is_null());
    if (i + 1 < events.size()) {
      EXPECT_EQ(e["next"], events[i + 1]["expanded"]);
      const std::string rule = e["next_rule"];
      EXPECT_TRUE(rule == "uct" || rule == "frontier" || rule == "root") << rule;
    } else {
      EXPECT_TRUE(e["next"].is_null());
      EXPECT_TRUE(e["next_rule"].is_null());
      EXPECT_TRUE(e["next_score"].is_null());
    }
  }
  // The last backup of a node in the log equals its final q.
  const json& last = events.back()["backup"];
  for (const json& b : last) EXPECT_DOUBLE_EQ(b["q"].get<double>(), r.tree.node(b["node"]).q);

  const json& s = j.at("stats");
  EXPECT_EQ(s.at("iterations"), r.stats.iterations);
  EXPECT_EQ(s.at("generated_tokens"), r.stats.generated_tokens);
  EXPECT_EQ(s.at("prefill_tokens"), r.stats.prefill_tokens);
  EXPECT_TRUE(s.at("seconds").is_number());
  EXPECT_TRUE(s.at("correct_found").is_boolean());
  EXPECT_TRUE(s.contains("bookkeeping_seconds"));
}

TEST(SearchExport, WritesAFileAndSurvivesInvalidUtf8) {
  MockPolicy m([](const MockContext&) { return MockChunk{"\xE2\x82", 1.0, true}; });
  SearchOptions o;
  o.width = 2;
  o.terminals = 1;
  SearchResult r = run_search(m, problem(), o, boxed_reward());
  auto dir =
      std::filesystem::temp_directory_path() / ("ds_search_export_" + std::to_string(::getpid()));
  std::string path = (dir / "tree.json").string();
  export_tree(path, r, problem(), o);
  json j = json::parse(read_file(path));
  EXPECT_EQ(j["nodes"].size(), 3u);
  EXPECT_EQ(j["nodes"][1]["tokens"], 3);  // two bytes + EOS
  EXPECT_TRUE(j["nodes"][1]["text"].is_string());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ds::search
