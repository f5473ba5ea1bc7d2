// Tests of the evaluation loop with mock generators: exact pass@1 from a policy with known
// correctness per problem, resume after a simulated kill (same final table and same saved
// responses as an uninterrupted run), batch-size independence, and refusal to resume with
// different sampling settings.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include "core/errors.h"
#include "core/jsonl.h"
#include "core/rng.h"
#include "eval/evaluator.h"
#include "eval/responses.h"
#include "tasks/corpus.h"
#include "tasks/task.h"

namespace fs = std::filesystem;
using namespace ds::eval;

namespace {

fs::path fresh_dir(const std::string& name) {
  auto p = fs::temp_directory_path() / ("ds_eval_loop_" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

Benchmark make_bench(const std::string& name, int problems) {
  Benchmark b;
  b.name = name;
  b.path = name + ".jsonl";
  for (int i = 0; i < problems; ++i)
    b.problems.push_back({name + "-" + std::to_string(i),
                          name + ": What is " + std::to_string(i) + " + 1?",
                          std::to_string(i + 1)});
  return b;
}

std::string prompt_of(const Problem& p) {
  return "Q: " + p.problem + "\nA:";
}

// Last \boxed{...} compared as a string with the gold answer (the evaluator's own tests do not
// depend on the math verifier).
Score boxed_scorer(const Problem& p, const std::string& response) {
  auto pos = response.rfind("\\boxed{");
  if (pos == std::string::npos) return {false, ""};
  auto end = response.find('}', pos);
  std::string got = response.substr(pos + 7, end - pos - 7);
  return {got == p.answer, got};
}

// A policy that answers sample s of problem i correctly iff s < correct[i]: the exact expected
// pass@1 of a benchmark is mean_i(correct[i] / n). Sample indices are recovered from the seeds
// with the public sample_seed(), so the mock also checks that the evaluator derives them so.
class CountingPolicy : public ResponseGenerator {
 public:
  CountingPolicy(const std::vector<Benchmark>& benches, std::map<std::string, int> correct, int n,
                 uint64_t seed)
      : correct_(std::move(correct)) {
    for (const auto& b : benches)
      for (const auto& p : b.problems) {
        by_prompt_[prompt_of(p)] = p;
        for (int s = 0; s < 4 * n; ++s) sample_of_[sample_seed(seed, b.name, p.id, s)] = s;
      }
  }
  std::vector<std::vector<GeneratedText>> generate(const std::vector<GenerationRequest>& requests,
                                                   const SamplingSpec& spec) override {
    if (fail_after_ >= 0 && calls_ >= fail_after_) throw std::runtime_error("killed");
    ++calls_;
    std::vector<std::vector<GeneratedText>> out;
    for (const auto& r : requests) {
      const Problem& p = by_prompt_.at(r.prompt);
      out.emplace_back();
      for (uint64_t seed : r.seeds) {
        int s = sample_of_.at(seed);
        ++generated_;
        bool ok = s < correct_.at(p.id);
        std::string text =
            "step " + std::to_string(s) + " \\boxed{" + (ok ? p.answer : "wrong") + "}";
        out.back().push_back({text, 5, 7, true});
      }
      max_prompts_per_call_ = std::max<int>(max_prompts_per_call_, requests.size());
    }
    return out;
  }
  int fail_after_ = -1;  // throw on the call after this many calls (a simulated kill)
  int calls_ = 0;
  long generated_ = 0;
  int max_prompts_per_call_ = 0;

 private:
  std::map<std::string, int> correct_;
  std::map<std::string, Problem> by_prompt_;
  std::map<uint64_t, int> sample_of_;
};

TEST(Evaluator, MockPolicyGivesExactPassAtOne) {
  std::vector<Benchmark> benches{make_bench("easy", 4), make_bench("hard", 3)};
  const int n = 8;
  std::map<std::string, int> correct{{"easy-0", 8}, {"easy-1", 6}, {"easy-2", 1}, {"easy-3", 0},
                                     {"hard-0", 0}, {"hard-1", 2}, {"hard-2", 0}};
  CountingPolicy policy(benches, correct, n, 7);
  EvalOptions o;
  o.n = n;
  o.seed = 7;
  o.batch_size = 5;
  EvalReport rep = run_eval(benches, policy, prompt_of, boxed_scorer, o);
  ASSERT_EQ(rep.benchmarks.size(), 2u);
  EXPECT_DOUBLE_EQ(rep.benchmarks[0].pass1, (8 + 6 + 1 + 0) / 32.0);
  EXPECT_DOUBLE_EQ(rep.benchmarks[1].pass1, (0 + 2 + 0) / 24.0);
  EXPECT_DOUBLE_EQ(average_pass1(rep.benchmarks), ((15 / 32.0) + (2 / 24.0)) / 2);
  // pass@8 = fraction of problems with any correct sample.
  EXPECT_DOUBLE_EQ(rep.benchmarks[0].pass_at_k.back().second, 0.75);
  EXPECT_EQ(rep.stats.samples_generated, 7 * n);
  EXPECT_EQ(rep.stats.new_tokens, 7 * n * 7);
  EXPECT_EQ(policy.calls_, (7 * n + 4) / 5);  // batches of 5 sequences
}

TEST(Evaluator, SamplesOfOneProblemShareARequest) {
  std::vector<Benchmark> benches{make_bench("b", 6)};
  std::map<std::string, int> correct;
  for (int i = 0; i < 6; ++i) correct["b-" + std::to_string(i)] = i % 3;
  CountingPolicy policy(benches, correct, 4, 0);
  EvalOptions o;
  o.n = 4;
  o.batch_size = 8;
  run_eval(benches, policy, prompt_of, boxed_scorer, o);
  EXPECT_EQ(policy.calls_, 3);
  EXPECT_EQ(policy.max_prompts_per_call_, 2);  // 8 sequences = 2 prompts x 4 samples
}

std::set<std::string> lines_of(const fs::path& p) {
  std::set<std::string> out;
  ds::for_each_jsonl(p.string(), [&](const ds::json& v, size_t) { out.insert(v.dump()); });
  return out;
}

TEST(Evaluator, ResumeAfterKillProducesTheSameTableAndResponses) {
  std::vector<Benchmark> benches{make_bench("alpha", 5), make_bench("beta", 4)};
  std::map<std::string, int> correct;
  for (int i = 0; i < 5; ++i) correct["alpha-" + std::to_string(i)] = (i * 3) % 5;
  for (int i = 0; i < 4; ++i) correct["beta-" + std::to_string(i)] = i;
  const int n = 4;
  EvalOptions o;
  o.n = n;
  o.seed = 11;
  o.batch_size = 3;
  ds::json identity = {{"model", "mock"}, {"template", "test"}};

  const fs::path ref_dir = fresh_dir("uninterrupted");
  o.out_dir = ref_dir.string();
  CountingPolicy full(benches, correct, n, 11);
  EvalReport ref = run_eval(benches, full, prompt_of, boxed_scorer, o, identity);

  o.out_dir = fresh_dir("killed").string();
  CountingPolicy killed(benches, correct, n, 11);
  killed.fail_after_ = 4;  // 4 batches of 3 are saved, then the process "dies"
  EXPECT_THROW(run_eval(benches, killed, prompt_of, boxed_scorer, o, identity), std::runtime_error);
  fs::path responses = fs::path(o.out_dir) / "responses.jsonl";
  EXPECT_EQ(lines_of(responses).size(), 12u);
  EXPECT_FALSE(fs::exists(fs::path(o.out_dir) / "results.json"));
  // The kill also interrupted a write: half a line at the end of the file.
  std::string half = ds::eval::to_json({"beta", "beta-3", 3, "partial", "", false}).dump();
  std::ofstream(responses, std::ios::app) << half.substr(0, 20);

  CountingPolicy resumed(benches, correct, n, 11);
  EvalReport rep = run_eval(benches, resumed, prompt_of, boxed_scorer, o, identity);
  EXPECT_EQ(rep.stats.samples_resumed, 12);
  EXPECT_EQ(resumed.generated_, (5 + 4) * n - 12);  // nothing saved is generated again
  EXPECT_EQ(markdown_table(rep), markdown_table(ref));
  EXPECT_EQ(results_json(rep)["benchmarks"], results_json(ref)["benchmarks"]);
  EXPECT_EQ(lines_of(responses), lines_of(ref_dir / "responses.jsonl"));
  // results.json is written at the end and matches the report.
  ds::json saved = ds::json::parse(std::ifstream(fs::path(o.out_dir) / "results.json"));
  EXPECT_EQ(saved["benchmarks"], results_json(ref)["benchmarks"]);
  EXPECT_EQ(saved["params"]["model"], "mock");

  // A third run finds everything done and generates nothing.
  CountingPolicy idle(benches, correct, n, 11);
  EvalReport again = run_eval(benches, idle, prompt_of, boxed_scorer, o, identity);
  EXPECT_EQ(idle.calls_, 0);
  EXPECT_EQ(markdown_table(again), markdown_table(ref));
}

// A policy whose answers depend only on (prompt, seed): correct with probability 0.4.
class RandomPolicy : public ResponseGenerator {
 public:
  std::vector<std::vector<GeneratedText>> generate(const std::vector<GenerationRequest>& requests,
                                                   const SamplingSpec&) override {
    std::vector<std::vector<GeneratedText>> out;
    for (const auto& r : requests) {
      out.emplace_back();
      std::string answer = r.prompt.substr(r.prompt.find("is ") + 3);
      answer = std::to_string(std::stoi(answer) + 1);
      for (uint64_t seed : r.seeds) {
        ds::Rng rng(seed);
        bool ok = rng.uniform() < 0.4;
        out.back().push_back({"\\boxed{" + (ok ? answer : std::string("x")) + "} #" +
                                  std::to_string(rng.next_u64() % 1000),
                              3, 4, true});
      }
    }
    return out;
  }
};

TEST(Evaluator, ResultsDoNotDependOnBatchSize) {
  std::vector<Benchmark> benches{make_bench("r", 7)};
  EvalOptions o;
  o.n = 6;
  std::string first;
  const fs::path bs4_dir = fresh_dir("bs4");
  for (int bs : {1, 4, 6, 13, 100}) {
    o.batch_size = bs;
    o.out_dir = fresh_dir("bs" + std::to_string(bs)).string();
    RandomPolicy policy;
    EvalReport rep = run_eval(benches, policy, prompt_of, boxed_scorer, o);
    std::string table = markdown_table(rep);
    if (first.empty()) first = table;
    EXPECT_EQ(table, first) << "batch size " << bs;
  }
  // A different base seed draws different samples.
  o.seed = 99;
  o.out_dir = fresh_dir("seed99").string();
  RandomPolicy policy;
  EvalReport other = run_eval(benches, policy, prompt_of, boxed_scorer, o);
  EXPECT_EQ(other.benchmarks.size(), 1u);
  EXPECT_NE(lines_of(fs::path(o.out_dir) / "responses.jsonl"),
            lines_of(bs4_dir / "responses.jsonl"));
}

TEST(Evaluator, GrowingNReusesSavedSamples) {
  std::vector<Benchmark> benches{make_bench("g", 3)};
  std::map<std::string, int> correct{{"g-0", 4}, {"g-1", 1}, {"g-2", 0}};
  EvalOptions o;
  o.out_dir = fresh_dir("grow").string();
  o.n = 2;
  CountingPolicy small(benches, correct, 4, 0);
  run_eval(benches, small, prompt_of, boxed_scorer, o);
  o.n = 4;
  CountingPolicy big(benches, correct, 4, 0);
  EvalReport rep = run_eval(benches, big, prompt_of, boxed_scorer, o);
  EXPECT_EQ(big.generated_, 3 * 2);
  EXPECT_DOUBLE_EQ(rep.benchmarks[0].pass1, 5.0 / 12.0);
}

TEST(Evaluator, RefusesToResumeWithOtherSettings) {
  std::vector<Benchmark> benches{make_bench("s", 2)};
  EvalOptions o;
  o.n = 1;
  o.out_dir = fresh_dir("settings").string();
  RandomPolicy policy;
  run_eval(benches, policy, prompt_of, boxed_scorer, o, {{"template", "plain"}});
  o.sampling.temperature = 1.0;
  try {
    run_eval(benches, policy, prompt_of, boxed_scorer, o, {{"template", "plain"}});
    FAIL() << "expected ConfigError";
  } catch (const ds::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'temperature'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--out"), std::string::npos) << e.what();
  }
  o.sampling.temperature = 0.6;
  EXPECT_THROW(run_eval(benches, policy, prompt_of, boxed_scorer, o, {{"template", "qwen-math"}}),
               ds::ConfigError);
  EXPECT_NO_THROW(run_eval(benches, policy, prompt_of, boxed_scorer, o, {{"template", "plain"}}));
}

// Answers every prompt with a fixed response per prompt (the test decides which).
class TableGenerator : public ResponseGenerator {
 public:
  std::map<std::string, std::string> response_of;
  std::vector<std::vector<GeneratedText>> generate(const std::vector<GenerationRequest>& requests,
                                                   const SamplingSpec&) override {
    std::vector<std::vector<GeneratedText>> out;
    for (const auto& r : requests)
      out.emplace_back(r.seeds.size(), GeneratedText{response_of.at(r.prompt), 1, 1, true});
    return out;
  }
};

TEST(Evaluator, DefaultScorerUsesEachProblemsTaskVerifier) {
  // Built-in task problems (countdown has its own expression checker) answered with their own
  // reference solutions score 1.
  std::vector<Benchmark> benches;
  for (const char* name : {"arith", "countdown"}) {
    Benchmark b;
    b.name = name;
    b.problems = ds::tasks::get_task(name).generate(2, 4, 3);
    benches.push_back(b);
  }
  TableGenerator gen;
  for (const auto& b : benches)
    for (const auto& p : b.problems) gen.response_of[prompt_of(p)] = p.solution;
  EvalOptions o;
  o.n = 2;
  EvalReport rep = run_eval(benches, gen, prompt_of, ds::tasks::score_response, o);
  EXPECT_DOUBLE_EQ(rep.benchmarks[0].pass1, 1.0);
  EXPECT_DOUBLE_EQ(rep.benchmarks[1].pass1, 1.0);
  // Math-verifier data (task "math"): equivalent forms count, other numbers do not.
  Benchmark m;
  m.name = "math";
  m.problems = {{"a", "half?", "\\frac{1}{2}"}, {"b", "two?", "2"}};
  for (auto& p : m.problems) p.task = "math";
  gen.response_of[prompt_of(m.problems[0])] = "so the answer is \\boxed{0.5}";
  gen.response_of[prompt_of(m.problems[1])] = "the answer is \\boxed{3}";
  EvalReport mr = run_eval({m}, gen, prompt_of, ds::tasks::score_response, o);
  EXPECT_DOUBLE_EQ(mr.benchmarks[0].pass1, 0.5);
  EXPECT_DOUBLE_EQ(mr.benchmarks[0].answered, 1.0);
}

TEST(Evaluator, OptionsAreValidated) {
  std::vector<Benchmark> benches{make_bench("v", 1)};
  RandomPolicy policy;
  EvalOptions o;
  o.n = 0;
  EXPECT_THROW(run_eval(benches, policy, prompt_of, boxed_scorer, o), ds::ConfigError);
  o = EvalOptions{};
  o.sampling.top_p = 0;
  EXPECT_THROW(run_eval(benches, policy, prompt_of, boxed_scorer, o), ds::ConfigError);
  o = EvalOptions{};
  o.batch_size = 0;
  EXPECT_THROW(run_eval(benches, policy, prompt_of, boxed_scorer, o), ds::ConfigError);
}

}  // namespace
