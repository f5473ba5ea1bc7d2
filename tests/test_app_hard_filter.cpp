// Tests of the Pass1@K hard-subset filter: the decision rule exactly (<= and strict <), the
// generic loop on a scripted generator (verdict counting, histogram, per-problem seeds that do
// not depend on batching), and `deepsearch filter` end to end on a random builtin:micro model
// (JSONL format, pass rates consistent with kept / dropped, typed errors naming file:line).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "app/filter_command.h"
#include "core/errors.h"
#include "core/jsonl.h"
#include "tasks/problem_io.h"
#include "train/hard_filter.h"

namespace fs = std::filesystem;
using namespace ds::train;
using namespace ds::app;

namespace {

class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    path_ = fs::temp_directory_path() / ("ds_hard_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// Answers problem i correctly in the first `correct[id]` of its samples; records the seeds.
class ScriptedGenerator : public ds::eval::ResponseGenerator {
 public:
  explicit ScriptedGenerator(std::map<std::string, int> correct) : correct_(std::move(correct)) {}
  std::vector<std::vector<ds::eval::GeneratedText>> generate(
      const std::vector<ds::eval::GenerationRequest>& requests,
      const ds::eval::SamplingSpec& spec) override {
    ++calls;
    std::vector<std::vector<ds::eval::GeneratedText>> out;
    for (const auto& r : requests) {
      // The prompt is "Q:<id>" (see prompt below).
      const std::string id = r.prompt.substr(2);
      std::vector<ds::eval::GeneratedText> texts;
      for (size_t i = 0; i < r.seeds.size(); ++i) {
        seeds[id].push_back(r.seeds[i]);
        ds::eval::GeneratedText g;
        g.text = static_cast<int>(i) < correct_.at(id) ? "so \\boxed{" + id + "}" : "\\boxed{-1}";
        g.new_tokens = 3;
        texts.push_back(g);
      }
      out.push_back(std::move(texts));
    }
    return out;
  }
  int calls = 0;
  std::map<std::string, std::vector<uint64_t>> seeds;

 private:
  std::map<std::string, int> correct_;
};

std::vector<ds::tasks::Problem> numbered(int n) {
  std::vector<ds::tasks::Problem> out;
  for (int i = 0; i < n; ++i) {
    ds::tasks::Problem p;
    p.id = std::to_string(i + 1);
    p.problem = "problem " + p.id;
    p.answer = p.id;  // the scripted generator answers \boxed{id}
    out.push_back(p);
  }
  return out;
}

HardFilterReport run_scripted(ScriptedGenerator& gen, const std::vector<ds::tasks::Problem>& ps,
                              const HardFilterOptions& o) {
  return run_hard_filter(
      gen, ps, [](const ds::tasks::Problem& p) { return "Q:" + p.id; },
      [](const ds::tasks::Problem& p, const std::string& r) {
        ds::tasks::Score s;
        s.correct = r.find("\\boxed{" + p.answer + "}") != std::string::npos;
        return s;
      },
      o);
}

}  // namespace

TEST(HardFilter, DecisionRule) {
  HardFilterOptions o;  // k = 4, threshold 0.25, <=
  EXPECT_TRUE(keep_problem(0, 4, o));
  EXPECT_TRUE(keep_problem(1, 4, o));
  EXPECT_FALSE(keep_problem(2, 4, o));
  EXPECT_FALSE(keep_problem(4, 4, o));
  EXPECT_TRUE(keep_problem(2, 8, o));
  EXPECT_FALSE(keep_problem(3, 8, o));
  EXPECT_TRUE(keep_problem(0, 2, o));
  EXPECT_FALSE(keep_problem(1, 2, o));
  o.strict = true;  // the paper's "< 25%"
  EXPECT_TRUE(keep_problem(0, 4, o));
  EXPECT_FALSE(keep_problem(1, 4, o));
  EXPECT_TRUE(keep_problem(1, 8, o));
  EXPECT_FALSE(keep_problem(2, 8, o));
  // Thresholds that are not exact in binary still give the intended boundary.
  o = HardFilterOptions{};
  o.threshold = 0.3;
  EXPECT_TRUE(keep_problem(3, 10, o));
  EXPECT_FALSE(keep_problem(4, 10, o));
  o.strict = true;
  EXPECT_FALSE(keep_problem(3, 10, o));
  EXPECT_TRUE(keep_problem(2, 10, o));
  o = HardFilterOptions{};
  o.threshold = 1.0;
  EXPECT_TRUE(keep_problem(4, 4, o));
  o.threshold = 0.0;
  EXPECT_TRUE(keep_problem(0, 4, o));
  EXPECT_FALSE(keep_problem(1, 4, o));
}

TEST(HardFilter, ValidateNamesTheField) {
  HardFilterOptions o;
  validate(o);
  o.k = 0;
  try {
    validate(o);
    FAIL();
  } catch (const ds::ConfigError& e) {
    EXPECT_EQ(e.where(), "filter.k");
  }
  o = HardFilterOptions{};
  o.prompt_template = "nope";
  EXPECT_THROW(validate(o), ds::ConfigError);
  o = HardFilterOptions{};
  o.threshold = 1.5;
  EXPECT_THROW(validate(o), ds::ConfigError);
}

TEST(HardFilter, ScriptedRolloutsCountHistogramAndKeep) {
  // Problems 1..6 get 0,1,2,3,4,1 correct of 4.
  std::map<std::string, int> correct = {{"1", 0}, {"2", 1}, {"3", 2}, {"4", 3}, {"5", 4}, {"6", 1}};
  ScriptedGenerator gen(correct);
  HardFilterOptions o;
  o.batch_problems = 4;
  HardFilterReport r = run_scripted(gen, numbered(6), o);
  EXPECT_EQ(gen.calls, 2);
  EXPECT_EQ(r.total, 6);
  EXPECT_EQ(r.kept, 3);  // 0/4, 1/4, 1/4
  EXPECT_EQ(r.histogram, (std::vector<int>{1, 2, 1, 1, 1}));
  EXPECT_EQ(r.generated_tokens, 6 * 4 * 3);
  ASSERT_EQ(r.rows.size(), 6u);
  for (const FilterRow& row : r.rows) {
    EXPECT_EQ(row.k, 4);
    EXPECT_EQ(row.correct, correct.at(row.problem.id));
    EXPECT_DOUBLE_EQ(row.pass_rate, row.correct / 4.0);
    EXPECT_EQ(row.kept, row.correct <= 1);
  }
  std::vector<ds::tasks::Problem> kept = r.kept_problems();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].id, "1");
  EXPECT_EQ(kept[1].id, "2");
  EXPECT_EQ(kept[2].id, "6");

  o.strict = true;
  ScriptedGenerator gen2(correct);
  EXPECT_EQ(run_scripted(gen2, numbered(6), o).kept, 1);

  std::string summary = filter_summary(r, HardFilterOptions{});
  EXPECT_NE(summary.find("kept 3 / 6"), std::string::npos) << summary;
  EXPECT_NE(summary.find("1/4"), std::string::npos) << summary;
}

TEST(HardFilter, SeedsArePerProblemAndIndependentOfBatching) {
  std::map<std::string, int> correct;
  for (int i = 1; i <= 5; ++i) correct[std::to_string(i)] = 0;
  HardFilterOptions o;
  o.k = 3;
  o.batch_problems = 1;
  ScriptedGenerator a(correct);
  run_scripted(a, numbered(5), o);
  o.batch_problems = 5;
  ScriptedGenerator b(correct);
  run_scripted(b, numbered(5), o);
  EXPECT_EQ(a.calls, 5);
  EXPECT_EQ(b.calls, 1);
  EXPECT_EQ(a.seeds, b.seeds);
  std::set<uint64_t> all;
  for (const auto& [id, s] : a.seeds) all.insert(s.begin(), s.end());
  EXPECT_EQ(all.size(), 15u);  // every sample has its own seed
  o.seed = 1;                  // another round draws other samples
  ScriptedGenerator c(correct);
  run_scripted(c, numbered(5), o);
  EXPECT_NE(a.seeds, c.seeds);
}

TEST(HardFilter, EndToEndOnARandomMicroModel) {
  TempDir dir("e2e");
  const ds::tasks::Task& arith = ds::tasks::get_task("arith");
  std::vector<ds::tasks::Problem> problems = arith.generate(1, 3, 11);
  ds::tasks::write_problems(dir.file("in.jsonl"), problems);

  FilterCommandOptions o;
  o.model = "builtin:micro";
  o.data = dir.file("in.jsonl");
  o.out = dir.file("out.jsonl");
  o.task = "arith";
  o.filter.k = 2;
  o.filter.max_new_tokens = 12;
  o.filter.batch_problems = 2;
  HardFilterReport r = run_filter_command(o);
  EXPECT_EQ(r.total, 3);
  EXPECT_EQ(r.prompt_template, "tiny");
  EXPECT_GT(r.generated_tokens, 0);
  EXPECT_LE(r.generated_tokens, 3 * 2 * 12);
  ASSERT_EQ(r.histogram.size(), 3u);

  std::vector<ds::json> lines = ds::read_jsonl(o.out);
  EXPECT_EQ(static_cast<int>(lines.size()), r.kept);
  std::set<std::string> kept_ids;
  for (const ds::json& j : lines) {
    ASSERT_TRUE(j.contains("id") && j.contains("problem") && j.contains("answer")) << j.dump();
    ASSERT_TRUE(j.contains("pass_rate") && j.contains("correct") && j.contains("k")) << j.dump();
    const double rate = j["pass_rate"].get<double>();
    EXPECT_GE(rate, 0.0);
    EXPECT_LE(rate, 1.0);
    EXPECT_EQ(j["k"].get<int>(), 2);
    EXPECT_DOUBLE_EQ(rate, j["correct"].get<int>() / 2.0);
    EXPECT_LE(rate, 0.25);  // kept means <= threshold
    kept_ids.insert(j["id"].get<std::string>());
  }
  for (const FilterRow& row : r.rows) {
    EXPECT_EQ(row.kept, kept_ids.count(row.problem.id) == 1);
    EXPECT_EQ(row.kept, row.pass_rate <= 0.25);
  }
  // The output is again a valid problem file (extra fields are ignored by the loader).
  EXPECT_EQ(static_cast<int>(ds::tasks::load_problems(o.out, "arith").size()), r.kept)
      << "kept " << r.kept;

  // --all writes every problem with "kept"; the same seed gives the same verdicts.
  o.write_all = true;
  o.out = dir.file("all.jsonl");
  HardFilterReport again = run_filter_command(o);
  std::vector<ds::json> all = ds::read_jsonl(o.out);
  ASSERT_EQ(all.size(), 3u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i]["kept"].get<bool>(), r.rows[i].kept);
    EXPECT_EQ(all[i]["correct"].get<int>(), r.rows[i].correct);
    EXPECT_EQ(again.rows[i].tokens, r.rows[i].tokens);
  }
}

// A scorer that depends on the sampled text only (its first byte is even), so a random model
// gets every pass rate and the filter has something to keep and something to drop.
class EvenFirstByteTask final : public ds::tasks::Task {
 public:
  std::string name() const override { return "test_even_first_byte"; }
  std::string description() const override { return "correct iff the first byte is even"; }
  int max_difficulty() const override { return 0; }
  std::vector<ds::tasks::Problem> generate(int, int, uint64_t) const override {
    throw ds::UsageError("test_even_first_byte", "no generator", "");
  }
  ds::tasks::Score score(const ds::tasks::Problem&, const std::string& response) const override {
    ds::tasks::Score s;
    s.correct = !response.empty() && static_cast<unsigned char>(response[0]) % 2 == 0;
    s.extracted = s.correct ? "even" : "odd";
    return s;
  }
};

TEST(HardFilter, EndToEndKeepsAndDropsByMeasuredPassRate) {
  ds::tasks::register_task(std::make_shared<EvenFirstByteTask>());
  TempDir dir("parity");
  std::vector<ds::tasks::Problem> problems;
  for (int i = 0; i < 12; ++i) {
    ds::tasks::Problem p;
    p.id = "q" + std::to_string(i);
    p.problem = std::to_string(i) + "+" + std::to_string(i);
    p.answer = std::to_string(2 * i);
    p.task = "test_even_first_byte";
    problems.push_back(p);
  }
  ds::tasks::write_problems(dir.file("in.jsonl"), problems);
  FilterCommandOptions o;
  o.model = "builtin:micro";
  o.init_seed = 3;
  o.data = dir.file("in.jsonl");
  o.out = dir.file("out.jsonl");
  o.filter.k = 4;
  o.filter.threshold = 0.5;
  o.filter.max_new_tokens = 9;
  o.filter.batch_problems = 5;
  HardFilterReport r = run_filter_command(o);
  ASSERT_EQ(r.total, 12);
  // 12 problems with about 1/2 chance per sample: both outcomes occur (fixed seeds).
  EXPECT_GT(r.kept, 0);
  EXPECT_LT(r.kept, 12);
  int from_histogram = 0;
  for (int c = 0; c <= 4; ++c) from_histogram += c <= 2 ? r.histogram[c] : 0;
  EXPECT_EQ(from_histogram, r.kept);
  std::vector<ds::json> lines = ds::read_jsonl(o.out);
  ASSERT_EQ(static_cast<int>(lines.size()), r.kept);
  size_t next = 0;
  for (const FilterRow& row : r.rows) {
    EXPECT_EQ(row.kept, row.pass_rate <= 0.5) << row.problem.id;
    if (!row.kept) continue;
    ASSERT_LT(next, lines.size());
    const ds::json& j = lines[next++];
    EXPECT_EQ(j["id"], row.problem.id);  // kept rows in input order
    EXPECT_EQ(j["task"], "test_even_first_byte");
    EXPECT_EQ(j["correct"].get<int>(), row.correct);
    EXPECT_DOUBLE_EQ(j["pass_rate"].get<double>(), row.correct / 4.0);
  }
}

TEST(HardFilter, CommandErrorsNameTheInput) {
  TempDir dir("errors");
  FilterCommandOptions o;
  o.model = "builtin:micro";
  o.out = dir.file("out.jsonl");
  o.data = dir.file("missing.jsonl");
  try {
    run_filter_command(o);
    FAIL();
  } catch (const ds::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.jsonl"), std::string::npos) << e.what();
  }
  {
    std::ofstream f(dir.file("bad.jsonl"));
    f << R"({"id": "a", "problem": "1+1", "answer": "2"})"
      << "\n"
      << R"({"id": "b", "problem": "2+2"})"
      << "\n";
  }
  o.data = dir.file("bad.jsonl");
  try {
    run_filter_command(o);
    FAIL();
  } catch (const ds::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2"), std::string::npos) << e.what();
  }
  o.data = dir.file("bad.jsonl");
  o.model = "";
  EXPECT_THROW(run_filter_command(o), ds::ConfigError);
  o.model = dir.file("no_such_model");
  o.data = dir.file("in.jsonl");
  ds::tasks::write_problems(o.data, ds::tasks::get_task("arith").generate(1, 1, 1));
  EXPECT_THROW(run_filter_command(o), ds::DataError);
  EXPECT_FALSE(fs::exists(o.out));
}
