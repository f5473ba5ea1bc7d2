// Tests of `deepsearch search` as a library call (app/search_command.h) on built-in random-weight
// models: the JSON export and the summary of run_model_search(), a task reward, input errors, and
// the options read from YAML.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "app/search_command.h"
#include "core/errors.h"
#include "core/jsonl.h"
#include "core/options.h"

namespace ds::app {
namespace {

namespace fs = std::filesystem;

fs::path temp_path(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("ds_test_app_search_command_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

TEST(ModelSearch, BuiltinModelSummaryAndExport) {
  ModelSearchOptions o;
  o.model = "builtin:micro";
  o.problem = "What is 2 + 3?";
  o.answer = "5";
  o.search.width = 3;
  o.search.chunk_tokens = 8;
  o.search.max_depth = 6;
  o.search.terminals = 2;
  o.export_path = temp_path("tree.json").string();
  ModelSearchReport r = run_model_search(o);
  EXPECT_EQ(r.prompt_template, "tiny");
  EXPECT_EQ(r.problem.prompt, "Q: What is 2 + 3?\nA: ");
  EXPECT_EQ(r.result.stats.backed_up, 2);
  EXPECT_GT(r.forest.generated_tokens, 0);

  std::string summary = search_summary(r);
  for (const char* key :
       {"iterations:", "nodes:", "tokens generated:", "prefill tokens:",
        "prefill per generated token:", "correct found:", "time:", "bookkeeping fraction:"})
    EXPECT_NE(summary.find(key), std::string::npos) << key << "\n" << summary;

  std::ifstream in(o.export_path);
  json j = json::parse(in);
  EXPECT_EQ(j["problem"], o.problem);
  EXPECT_EQ(j["answer"], "5");
  EXPECT_EQ(j["params"]["width"], 3);
  EXPECT_EQ(j["nodes"].size(), static_cast<size_t>(r.result.stats.nodes));
  EXPECT_TRUE(j["nodes"][0]["parent"].is_null());
  for (const char* key : {"id", "parent", "depth", "text", "tokens", "visits", "q", "nll",
                          "terminal", "reward", "backed_up"})
    EXPECT_TRUE(j["nodes"][1].contains(key)) << key;
  EXPECT_EQ(j["stats"]["generated_tokens"], r.forest.generated_tokens);
  EXPECT_EQ(j["stats"]["prefill_tokens"], r.forest.prefill_tokens);
  EXPECT_EQ(j["model"], "builtin:micro");
  EXPECT_FALSE(j["events"].empty());
  fs::remove_all(fs::path(o.export_path).parent_path());
}

TEST(ModelSearch, TaskRewardAndErrors) {
  ModelSearchOptions o;
  o.model = "builtin:micro";
  o.problem = "Compute 4 * 5";
  o.answer = "20";
  o.task = "arith";
  o.search.width = 2;
  o.search.chunk_tokens = 4;
  o.search.max_depth = 3;
  o.search.terminals = 1;
  ModelSearchReport r = run_model_search(o);
  EXPECT_EQ(r.reward, "task arith");
  EXPECT_EQ(r.result.stats.backed_up, 1);

  auto with = [&](auto change) {
    ModelSearchOptions x = o;
    change(x);
    return x;
  };
  EXPECT_THROW(run_model_search(with([](auto& x) { x.model = "builtin:enormous"; })), ConfigError);
  EXPECT_THROW(run_model_search(with([](auto& x) { x.model = "/nonexistent/model"; })), DataError);
  EXPECT_THROW(run_model_search(with([](auto& x) { x.model = ""; })), ConfigError);
  EXPECT_THROW(run_model_search(with([](auto& x) { x.task = "no-such-task"; })), ConfigError);
  EXPECT_THROW(run_model_search(with([](auto& x) { x.prompt_template = "fancy"; })), ConfigError);
  EXPECT_THROW(run_model_search(with([](auto& x) { x.search.width = 0; })), ConfigError);
  EXPECT_THROW(run_model_search(with([](auto& x) { x.answer = ""; })), ConfigError);
  EXPECT_THROW(run_model_search(with([](auto& x) { x.device = "tpu"; })), ConfigError);
}

TEST(ModelSearch, OptionsReadFromYaml) {
  YAML::Node root = YAML::Load(
      "model: builtin:tiny\nsearch:\n  width: 3\n  frontier_l2: 0.4\nengine:\n  max_batch_size: "
      "16\n");
  ModelSearchOptions o;
  read_options(root, o, "test.yaml");
  EXPECT_EQ(o.model, "builtin:tiny");
  EXPECT_EQ(o.search.width, 3);
  EXPECT_DOUBLE_EQ(o.search.frontier_l2, 0.4);
  EXPECT_EQ(o.engine.max_batch_size, 16);
  YAML::Node bad = YAML::Load("search:\n  widht: 3\n");
  EXPECT_THROW(read_options(bad, o, "test.yaml"), ConfigError);
}

}  // namespace
}  // namespace ds::app
