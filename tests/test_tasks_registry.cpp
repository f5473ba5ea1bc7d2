// Tests of the task registry (lookup, user-plugged tasks and verifiers), the problems JSONL
// loader (line-numbered errors, optional ids, per-line task) and the warm-start corpus / splits.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/errors.h"
#include "core/options.h"
#include "tasks/corpus.h"
#include "tasks/problem_io.h"
#include "tasks/task.h"

namespace fs = std::filesystem;

namespace ds::tasks {
namespace {

fs::path temp_dir() {
  auto p = fs::temp_directory_path() / ("ds_tasks_" + std::to_string(::getpid()));
  fs::create_directories(p);
  return p;
}

std::string write_file(const std::string& name, const std::string& text) {
  auto p = temp_dir() / name;
  std::ofstream(p) << text;
  return p.string();
}

// Expects load_problems(path) to throw DataError whose message contains every part.
void expect_load_error(const std::string& path, const std::vector<std::string>& parts) {
  try {
    load_problems(path);
    FAIL() << "no error for " << path;
  } catch (const DataError& e) {
    for (const auto& part : parts)
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(Registry, BuiltinsAndUnknownName) {
  auto names = task_names();
  for (const char* n : {"arith", "countdown", "math"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_EQ(get_task("countdown").name(), "countdown");
  try {
    get_task("sudoku");
    FAIL();
  } catch (const ConfigError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("unknown task 'sudoku'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("arith, countdown"), std::string::npos) << msg;
  }
  EXPECT_THROW(get_task("math").generate(1, 1, 1), UsageError);
}

// A user task: "say the word" with a case-insensitive verifier.
class EchoTask final : public Task {
 public:
  std::string name() const override { return "echo_test"; }
  std::string description() const override { return "repeat the word"; }
  int max_difficulty() const override { return 1; }
  std::vector<Problem> generate(int, int n, uint64_t) const override {
    return std::vector<Problem>(n, Problem{"e", "Say cat.", "cat", 1, "cat", "echo_test"});
  }
  Score score(const Problem& p, const std::string& response) const override {
    std::string r = response;
    for (char& c : r) c = static_cast<char>(std::tolower(c));
    return {r == p.answer, r, r == p.answer ? "same word" : "different word"};
  }
};

TEST(Registry, UsersPlugTheirOwnTaskAndVerifier) {
  register_task(std::make_shared<EchoTask>());
  EXPECT_THROW(register_task(std::make_shared<EchoTask>()), UsageError);
  Problem p{"1", "Say cat.", "cat", 0, "", "echo_test"};
  EXPECT_TRUE(score_response(p, "CAT").correct);
  EXPECT_FALSE(score_response(p, "\\boxed{cat}").correct);  // its verifier, not the math one
  // A file line naming the task is scored by it.
  auto path = write_file("echo.jsonl", R"({"problem":"Say dog.","answer":"dog","task":"echo_test"})"
                                       "\n");
  auto ps = load_problems(path);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_TRUE(score_response(ps[0], "Dog").correct);
}

TEST(Registry, MathTaskScoresWithTheMathVerifier) {
  Problem p{"1", "What is 6*7?", "42", 0, "", "math"};
  Score ok = score_response(p, "6*7=42, so \\boxed{42}");
  EXPECT_TRUE(ok.correct) << ok.reason;
  EXPECT_EQ(ok.extracted, "42");
  EXPECT_FALSE(score_response(p, "\\boxed{41}").correct);
  p.task = "";  // empty means math
  EXPECT_TRUE(score_response(p, "\\boxed{42}").correct);
}

TEST(ProblemIo, LoadsUserFilesWithOptionalIds) {
  auto path = write_file("user.jsonl",
                         "{\"id\":\"a\",\"problem\":\"1+1?\",\"answer\":\"2\"}\n"
                         "\n"
                         "{\"problem\":\"2+2?\",\"answer\":4}\n"
                         "{\"id\":7,\"problem\":\"3+3?\",\"answer\":\"6\",\"difficulty\":2}\n");
  auto ps = load_problems(path);
  ASSERT_EQ(ps.size(), 3u);
  EXPECT_EQ(ps[0].id, "a");
  EXPECT_EQ(ps[1].id, "3");  // no id: the line number
  EXPECT_EQ(ps[1].answer, "4");
  EXPECT_EQ(ps[2].id, "7");
  EXPECT_EQ(ps[2].difficulty, 2);
  for (const auto& p : ps) EXPECT_EQ(p.task, "math");
  EXPECT_TRUE(score_response(ps[1], "\\boxed{4}").correct);
}

TEST(ProblemIo, ErrorsNameTheLineAndField) {
  expect_load_error(write_file("e1.jsonl",
                               "{\"problem\":\"x\",\"answer\":\"1\"}\n"
                               "{\"problem\":\"y\"}\n"),
                    {"e1.jsonl:2", "answer"});
  expect_load_error(write_file("e2.jsonl", "{\"answer\":\"1\"}\n"), {"e2.jsonl:1", "problem"});
  expect_load_error(write_file("e3.jsonl", "{\"problem\":\"x\",\"answer\":\"\"}\n"),
                    {"e3.jsonl:1", "'answer' is empty"});
  expect_load_error(write_file("e4.jsonl", "{\"problem\":\"x\",\"answer\":\"1\"}\n[1,2]\n"),
                    {"e4.jsonl:2", "JSON object"});
  expect_load_error(write_file("e5.jsonl", "{\"problem\":\"x\",\"answer\":\"1\"\n"),
                    {"e5.jsonl:1", "invalid JSON"});
  expect_load_error(write_file("e6.jsonl",
                               "{\"id\":\"q\",\"problem\":\"x\",\"answer\":\"1\"}\n"
                               "{\"id\":\"q\",\"problem\":\"y\",\"answer\":\"2\"}\n"),
                    {"e6.jsonl:2", "duplicate id 'q'", "line 1"});
  expect_load_error(
      write_file("e7.jsonl", "{\"problem\":\"x\",\"answer\":\"1\",\"task\":\"nope\"}\n"),
      {"e7.jsonl:1", "unknown task 'nope'", "countdown"});
  expect_load_error(
      write_file("e8.jsonl", "{\"problem\":\"x\",\"answer\":\"(3+4\",\"task\":\"countdown\"}\n"),
      {"e8.jsonl:1", "unbalanced"});
  expect_load_error(
      write_file("e9.jsonl", "{\"problem\":\"x\",\"answer\":\"1\",\"difficulty\":\"hard\"}\n"),
      {"e9.jsonl:1", "difficulty"});
  expect_load_error(write_file("e10.jsonl", "\n\n"), {"e10.jsonl", "no problems"});
  expect_load_error((temp_dir() / "missing.jsonl").string(), {"missing.jsonl", "not found"});
}

TEST(ProblemIo, GeneratedProblemsRoundTripThroughJsonl) {
  for (const char* name : {"arith", "countdown"}) {
    auto ps = get_task(name).generate(4, 25, 9);
    auto path = (temp_dir() / (std::string(name) + ".jsonl")).string();
    write_problems(path, ps);
    auto back = load_problems(path);  // the default task is overridden by each line's "task"
    ASSERT_EQ(back.size(), ps.size());
    for (size_t i = 0; i < ps.size(); ++i) {
      EXPECT_EQ(back[i].id, ps[i].id);
      EXPECT_EQ(back[i].problem, ps[i].problem);
      EXPECT_EQ(back[i].answer, ps[i].answer);
      EXPECT_EQ(back[i].solution, ps[i].solution);
      EXPECT_EQ(back[i].difficulty, 4);
      EXPECT_EQ(back[i].task, name);
      EXPECT_TRUE(score_response(back[i], back[i].solution).correct) << back[i].id;
    }
    std::string line = to_jsonl_line(ps[0]);
    EXPECT_LT(line.find("\"id\""), line.find("\"problem\""));
    EXPECT_LT(line.find("\"problem\""), line.find("\"answer\""));
    EXPECT_EQ(json::parse(line), to_json(ps[0]));
    auto j = to_json(ps[0]);
    for (const char* field : {"id", "problem", "answer", "difficulty", "solution", "task"})
      EXPECT_TRUE(j.contains(field)) << field;
  }
  std::istringstream in("{\"problem\":\"p\",\"answer\":\"3*4\"}\n");
  auto cd = load_problems_stream(in, "stdin", "countdown");
  EXPECT_EQ(cd[0].task, "countdown");
  EXPECT_TRUE(score_response(cd[0], "\\boxed{4*3}").correct);
}

TEST(Corpus, PromptTemplate) {
  EXPECT_EQ(format_prompt("What is 2+2?"), "Q: What is 2+2?\nA: ");
  EXPECT_NE(std::string(kPromptTemplate).find("{problem}"), std::string::npos);
}

TEST(Corpus, SplitsDrawFromDisjointSeeds) {
  const Task& arith = get_task("arith");
  auto train = generate_split(arith, 7, 200, 5, Split::kTrain);
  auto held = generate_split(arith, 7, 200, 5, Split::kHeldout);
  auto plain = arith.generate(7, 200, 5);
  std::set<std::string> train_texts;
  for (const auto& p : train) train_texts.insert(p.problem);
  int overlap = 0, same_as_plain = 0;
  for (size_t i = 0; i < held.size(); ++i) {
    overlap += train_texts.count(held[i].problem);
    same_as_plain += held[i].problem == plain[i].problem;
  }
  EXPECT_EQ(overlap, 0);
  EXPECT_EQ(same_as_plain, 0);
  EXPECT_EQ(held[3].id, "arith-heldout-d7-s5-3");
  EXPECT_EQ(train[0].id, "arith-train-d7-s5-0");
  EXPECT_EQ(generate_split(arith, 7, 10, 5, Split::kHeldout)[9].problem, held[9].problem);
  EXPECT_EQ(parse_split("heldout"), Split::kHeldout);
  EXPECT_THROW(parse_split("test"), ConfigError);
}

TEST(Corpus, SftCorpusOfEasyLevelsExcludesHeldOut) {
  SftCorpusOptions o;
  o.tasks = {"arith", "countdown"};
  o.difficulties = {1, 2};
  o.per_level = 150;
  o.seed = 3;
  auto corpus = make_sft_corpus(o);
  EXPECT_LE(corpus.size(), 2u * 2u * 150u);
  EXPECT_GT(corpus.size(), 2u * 2u * 140u);  // only a few repeated texts are dropped
  std::set<std::string> ids, prompts;
  for (const auto& ex : corpus) {
    ids.insert(ex.id);
    prompts.insert(ex.prompt);
    EXPECT_EQ(ex.prompt.rfind("Q: ", 0), 0u);
    EXPECT_EQ(ex.prompt.substr(ex.prompt.size() - 4), "\nA: ");
    EXPECT_NE(ex.completion.rfind("\\boxed{"), std::string::npos);
    EXPECT_EQ(ex.completion.back(), '}');
  }
  EXPECT_EQ(ids.size(), corpus.size());
  EXPECT_EQ(prompts.size(), corpus.size());
  // Deterministic, and the order mixes tasks rather than listing them in blocks.
  auto again = make_sft_corpus(o);
  ASSERT_EQ(again.size(), corpus.size());
  for (size_t i = 0; i < corpus.size(); ++i) EXPECT_EQ(again[i].prompt, corpus[i].prompt);
  int switches = 0;
  for (size_t i = 1; i < corpus.size(); ++i)
    switches += corpus[i].id.substr(0, 5) != corpus[i - 1].id.substr(0, 5);
  EXPECT_GT(switches, 50);
  // Problems listed in `exclude` never appear.
  std::vector<Problem> exclude;
  for (size_t i = 0; i < 40; ++i) {
    Problem p;
    p.problem = corpus[i].prompt.substr(3, corpus[i].prompt.size() - 3 - 4);
    exclude.push_back(p);
  }
  auto filtered = make_sft_corpus(o, exclude);
  EXPECT_EQ(filtered.size(), corpus.size() - 40);
  std::set<std::string> excluded_prompts;
  for (size_t i = 0; i < 40; ++i) excluded_prompts.insert(corpus[i].prompt);
  for (const auto& ex : filtered) EXPECT_EQ(excluded_prompts.count(ex.prompt), 0u);
  o.tasks = {"math"};
  EXPECT_THROW(make_sft_corpus(o), UsageError);  // no generator
  EXPECT_NE(describe_options(SftCorpusOptions{}).find("per_level"), std::string::npos);
}

}  // namespace
}  // namespace ds::tasks
