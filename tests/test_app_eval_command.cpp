// End-to-end tests of `eval` on a real (random-weight) built-in model saved as a Hugging Face
// directory with a character tokenizer: every file of ../shared/data/eval/ goes through the
// engine, the verifier and the report (scores near zero are expected; the point is the
// pipeline), a killed-and-resumed run gives the same table, samples do not depend on the batch
// they are generated in, and prompt truncation leaves room to answer.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "app/eval_command.h"
#include "core/errors.h"
#include "core/jsonl.h"
#include "engine/engine.h"
#include "eval/engine_generator.h"
#include "eval/responses.h"
#include "model/checkpoint.h"
#include "model/model_config.h"
#include "tasks/corpus.h"
#include "tasks/problem_io.h"
#include "tasks/task.h"
#include "tokenizer/char_tokenizer.h"

namespace fs = std::filesystem;
using namespace ds::eval;
using namespace ds::app;

namespace {

fs::path work_dir() {
  static fs::path p = [] {
    auto d = fs::temp_directory_path() / ("ds_eval_pipe_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
  }();
  return p;
}

// A random "micro" Qwen2 model with the char tokenizer, saved once per test program.
std::string micro_model_dir() {
  static std::string dir = [] {
    torch::manual_seed(0);
    auto tokenizer = ds::tok::make_char_tokenizer();
    auto config = ds::model::make_builtin_config("micro", tokenizer->vocab_size());
    config.max_position_embeddings = 256;  // small context: long problems must be truncated
    ds::model::Transformer model(config);
    std::string d = (work_dir() / "micro").string();
    ds::model::save_model(*model, d, tokenizer.get());
    return d;
  }();
  return dir;
}

std::string all_eval_files() {
  std::string files;
  for (const auto& e : fs::directory_iterator(fs::path(DS_SHARED_DIR) / "data" / "eval"))
    if (e.path().extension() == ".jsonl") files += (files.empty() ? "" : ",") + e.path().string();
  return files;
}

ModelEvalOptions small_run(const std::string& out) {
  ModelEvalOptions o;
  o.model = micro_model_dir();
  o.limit = 2;
  o.eval.n = 2;
  o.eval.max_new_tokens = 12;
  o.eval.batch_size = 3;
  o.eval.out_dir = out;
  o.eval.progress_interval = 1000;
  return o;
}

TEST(Pipeline, EveryEvalFileRunsOnTheTinyModel) {
  ModelEvalOptions o = small_run((work_dir() / "all").string());
  o.data = all_eval_files();
  EvalReport rep = evaluate_model(o);
  ASSERT_GE(rep.benchmarks.size(), 6u);
  for (const auto& b : rep.benchmarks) {
    EXPECT_EQ(b.problems, 2) << b.name;
    EXPECT_EQ(b.n, 2) << b.name;
    EXPECT_GE(b.pass1, 0.0);
    EXPECT_LE(b.pass1, 1.0);
  }
  EXPECT_EQ(rep.stats.samples_generated, static_cast<long>(rep.benchmarks.size()) * 2 * 2);
  EXPECT_GT(rep.stats.new_tokens, 0);
  EXPECT_GT(rep.stats.tokens_per_second(), 0);
  EXPECT_EQ(rep.params["template"], "tiny");  // auto -> tiny for a char-tokenizer model

  ds::json results = ds::json::parse(std::ifstream(work_dir() / "all" / "results.json"));
  EXPECT_EQ(results["benchmarks"].size(), rep.benchmarks.size());
  EXPECT_TRUE(results["benchmarks"]["math500"]["pass@k"].contains("2"));
  EXPECT_TRUE(fs::exists(work_dir() / "all" / "results.md"));
  long lines = 0;
  ds::for_each_jsonl((work_dir() / "all" / "responses.jsonl").string(),
                     [&](const ds::json& v, size_t) {
                       ++lines;
                       EXPECT_EQ(v.size(), 6u);
                       EXPECT_TRUE(v["text"].is_string());
                     });
  EXPECT_EQ(lines, rep.stats.samples_generated);
}

TEST(Pipeline, KilledAndResumedRunGivesTheSameTable) {
  ModelEvalOptions o = small_run((work_dir() / "ref").string());
  o.data = (fs::path(DS_SHARED_DIR) / "data" / "eval" / "gsm8k.jsonl").string();
  o.limit = 3;
  EvalReport ref = evaluate_model(o);

  // Simulate a run killed after 4 samples, one of them half written.
  fs::path out = work_dir() / "resumed";
  fs::create_directories(out);
  fs::copy_file(work_dir() / "ref" / "run.json", out / "run.json");
  std::ifstream in(work_dir() / "ref" / "responses.jsonl");
  std::ofstream partial(out / "responses.jsonl");
  std::string line;
  for (int i = 0; i < 5 && std::getline(in, line); ++i)
    partial << (i < 4 ? line + "\n" : line.substr(0, line.size() / 2));
  partial.close();

  o.eval.out_dir = out.string();
  o.eval.batch_size = 2;  // a different batching must not change the samples
  EvalReport rep = evaluate_model(o);
  EXPECT_EQ(rep.stats.samples_resumed, 4);
  EXPECT_EQ(rep.stats.samples_generated, 3 * 2 - 4);
  EXPECT_EQ(markdown_table(rep), markdown_table(ref));
  std::set<std::string> a, b;
  ds::for_each_jsonl((work_dir() / "ref" / "responses.jsonl").string(),
                     [&](const ds::json& v, size_t) { a.insert(v.dump()); });
  ds::for_each_jsonl((out / "responses.jsonl").string(),
                     [&](const ds::json& v, size_t) { b.insert(v.dump()); });
  EXPECT_EQ(a, b);
}

TEST(Pipeline, TaskDataIsScoredByTheTasksVerifier) {
  // The built-in task's held-out split, written as `deepsearch task generate --split heldout`.
  const auto& task = ds::tasks::get_task("countdown");
  auto problems = ds::tasks::generate_split(task, 1, 3, 5, ds::tasks::Split::kHeldout);
  fs::path file = work_dir() / "countdown_heldout.jsonl";
  ds::tasks::write_problems(file.string(), problems);
  ModelEvalOptions o = small_run((work_dir() / "task").string());
  o.data = file.string();
  o.limit = 0;
  o.task = "countdown";
  EvalReport rep = evaluate_model(o);
  ASSERT_EQ(rep.benchmarks.size(), 1u);
  EXPECT_EQ(rep.benchmarks[0].name, "countdown_heldout");
  EXPECT_EQ(rep.benchmarks[0].problems, 3);
  EXPECT_EQ(rep.params["task"], "countdown");
}

TEST(Pipeline, BadInputsAreTypedErrors) {
  ModelEvalOptions o = small_run((work_dir() / "bad").string());
  o.data = (fs::path(DS_SHARED_DIR) / "data" / "eval" / "aime24.jsonl").string();
  o.prompt_template = "nope";
  EXPECT_THROW(evaluate_model(o), ds::ConfigError);
  o.prompt_template = "auto";
  o.task = "no-such-task";
  EXPECT_THROW(evaluate_model(o), ds::ConfigError);
  o.task = "math";
  o.data = (work_dir() / "missing.jsonl").string();
  EXPECT_THROW(evaluate_model(o), ds::DataError);
  o.data = (fs::path(DS_SHARED_DIR) / "data" / "eval" / "aime24.jsonl").string();
  o.model = (work_dir() / "no-model").string();
  EXPECT_THROW(evaluate_model(o), ds::DataError);
}

TEST(EngineGenerator, SampleDependsOnlyOnItsSeed) {
  auto tokenizer = ds::tok::load_tokenizer(micro_model_dir());
  auto model = ds::model::load_model(micro_model_dir());
  ds::engine::Engine engine(model, *tokenizer);
  EngineGenerator gen(engine, *tokenizer);
  SamplingSpec spec;
  spec.sampling.temperature = 1.0;
  spec.sampling.top_p = 1.0;
  spec.max_new_tokens = 16;
  auto alone = gen.generate({{"Q: 1+1?\nA: ", {42}}}, spec);
  auto mixed =
      gen.generate({{"Q: a longer prompt here?\nA: ", {7, 8}}, {"Q: 1+1?\nA: ", {3, 42}}}, spec);
  ASSERT_EQ(alone.size(), 1u);
  ASSERT_EQ(mixed.size(), 2u);
  ASSERT_EQ(mixed[1].size(), 2u);
  EXPECT_EQ(mixed[1][1].text, alone[0][0].text);
  EXPECT_EQ(mixed[1][1].new_tokens, alone[0][0].new_tokens);
  EXPECT_EQ(alone[0][0].prompt_tokens,
            static_cast<int64_t>(tokenizer->encode("Q: 1+1?\nA: ").size()));
  EXPECT_GE(alone[0][0].new_tokens, 1);
  EXPECT_LE(alone[0][0].new_tokens, 16);
}

TEST(EngineGenerator, LongPromptsAreLeftTruncated) {
  EXPECT_EQ(EngineGenerator::kept_prompt_tokens(100, 50, 1000), 100);
  EXPECT_EQ(EngineGenerator::kept_prompt_tokens(100, 50, 0), 100);
  EXPECT_EQ(EngineGenerator::kept_prompt_tokens(300, 50, 256), 206);
  EXPECT_EQ(EngineGenerator::kept_prompt_tokens(300, 1000, 256), 128);
  EXPECT_EQ(EngineGenerator::kept_prompt_tokens(230, 50, 256), 206);  // fits, but little room
  EXPECT_EQ(EngineGenerator::kept_prompt_tokens(10, 1000, 2), 1);

  auto tokenizer = ds::tok::load_tokenizer(micro_model_dir());
  auto model = ds::model::load_model(micro_model_dir());
  ds::engine::Engine engine(model, *tokenizer);
  EngineGenerator gen(engine, *tokenizer);
  SamplingSpec spec;
  spec.max_new_tokens = 8;
  std::string long_prompt = "Q: " + std::string(600, 'x') + "?\nA: ";
  auto out = gen.generate({{long_prompt, {1}}}, spec);
  EXPECT_TRUE(out[0][0].prompt_truncated);
  EXPECT_EQ(out[0][0].prompt_tokens, 256 - 8);
  EXPECT_GE(out[0][0].new_tokens, 1);
}

}  // namespace
