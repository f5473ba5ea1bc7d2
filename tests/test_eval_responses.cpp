// Tests of reading evaluation sets and of OUT/responses.jsonl: round trip, repair of a partial
// last line left by a crash, and errors that name the file and line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.h"
#include "eval/problems.h"
#include "eval/responses.h"

namespace fs = std::filesystem;
using ds::eval::ResponseRecord;
using ds::eval::ResponseStore;

namespace {

fs::path fresh_dir(const std::string& name) {
  auto p = fs::temp_directory_path() / ("ds_eval_resp_" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ds::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Problems, LoadsFileNamedByStemWithLimit) {
  auto d = fresh_dir("load");
  std::ofstream(d / "set.jsonl") << R"({"id": "a", "problem": "1+1?", "answer": "2"})"
                                    "\n"
                                 << R"({"id": 7, "problem": "2+2?", "answer": 4})"
                                    "\n"
                                 << R"({"id": "c", "problem": "3+3?", "answer": "6"})"
                                    "\n";
  auto b = ds::eval::load_benchmark((d / "set.jsonl").string());
  EXPECT_EQ(b.name, "set");
  ASSERT_EQ(b.problems.size(), 3u);
  EXPECT_EQ(b.problems[1].id, "7");
  EXPECT_EQ(b.problems[1].answer, "4");
  EXPECT_EQ(ds::eval::load_benchmark((d / "set.jsonl").string(), 2).problems.size(), 2u);
}

TEST(Problems, ErrorsNameFileLineAndField) {
  auto d = fresh_dir("bad");
  std::ofstream(d / "m.jsonl") << R"({"id": "a", "problem": "x", "answer": "1"})"
                                  "\n"
                               << R"({"id": "b", "answer": "1"})"
                                  "\n";
  std::string e = error_of([&] { ds::eval::load_benchmark((d / "m.jsonl").string()); });
  EXPECT_NE(e.find("m.jsonl:2"), std::string::npos) << e;
  EXPECT_NE(e.find("'problem'"), std::string::npos) << e;

  std::ofstream(d / "dup.jsonl") << R"({"id": "a", "problem": "x", "answer": "1"})"
                                    "\n"
                                 << R"({"id": "a", "problem": "y", "answer": "2"})"
                                    "\n";
  e = error_of([&] { ds::eval::load_benchmark((d / "dup.jsonl").string()); });
  EXPECT_NE(e.find("dup.jsonl:2"), std::string::npos) << e;
  EXPECT_NE(e.find("duplicate id 'a'"), std::string::npos) << e;

  std::ofstream(d / "empty.jsonl") << "\n";
  EXPECT_THROW(ds::eval::load_benchmark((d / "empty.jsonl").string()), ds::DataError);
  EXPECT_THROW(ds::eval::load_benchmark((d / "missing.jsonl").string()), ds::DataError);
}

TEST(Problems, LoadBenchmarksSplitsCommasAndRejectsSameStem) {
  auto d = fresh_dir("multi");
  fs::create_directories(d / "x");
  for (auto p : {d / "a.jsonl", d / "b.jsonl", d / "x" / "a.jsonl"})
    std::ofstream(p) << R"({"id": "1", "problem": "q", "answer": "1"})"
                        "\n";
  auto v = ds::eval::load_benchmarks((d / "a.jsonl").string() + "," + (d / "b.jsonl").string());
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].name, "b");
  EXPECT_THROW(
      ds::eval::load_benchmarks((d / "a.jsonl").string() + "," + (d / "x" / "a.jsonl").string()),
      ds::ConfigError);
  EXPECT_THROW(ds::eval::load_benchmarks(","), ds::ConfigError);
}

TEST(Problems, SharedEvalFilesLoad) {
  const fs::path dir = fs::path(DS_SHARED_DIR) / "data" / "eval";
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".jsonl") continue;
    auto b = ds::eval::load_benchmark(e.path().string());
    EXPECT_GT(b.problems.size(), 0u) << e.path();
    ++files;
  }
  EXPECT_GE(files, 6);
}

ResponseRecord rec(const std::string& id, int sample, bool correct) {
  return {"bench", id, sample, "text \"quoted\"\nline two \\boxed{3}", correct ? "3" : "", correct};
}

TEST(Responses, JsonHasExactlyTheSixFields) {
  ds::json j = ds::eval::to_json(rec("p", 2, true));
  EXPECT_EQ(j.size(), 6u);
  for (const char* k : {"benchmark", "id", "sample", "text", "extracted", "correct"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_TRUE(j["sample"].is_number_integer());
  EXPECT_TRUE(j["correct"].is_boolean());
}

TEST(Responses, AppendThenReopenKeepsEverything) {
  auto d = fresh_dir("roundtrip");
  auto path = (d / "responses.jsonl").string();
  {
    ResponseStore s(path);
    EXPECT_EQ(s.size(), 0u);
    s.append(rec("p1", 0, true));
    s.append(rec("p1", 1, false));
    s.append(rec("p2", 0, true));
  }
  ResponseStore s(path);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.dropped_bytes(), 0u);
  const ResponseRecord* r = s.find("bench", "p1", 1);
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->correct);
  EXPECT_EQ(r->text, rec("p1", 1, false).text);
  EXPECT_EQ(s.find("bench", "p1", 2), nullptr);
  EXPECT_EQ(s.find("other", "p1", 0), nullptr);
}

TEST(Responses, PartialLastLineIsDroppedAndTruncated) {
  auto d = fresh_dir("partial");
  auto path = (d / "responses.jsonl").string();
  {
    ResponseStore s(path);
    s.append(rec("p1", 0, true));
    s.append(rec("p1", 1, true));
  }
  std::string whole = slurp(path);
  std::string line = ds::eval::to_json(rec("p1", 2, false)).dump();
  std::ofstream(path, std::ios::app) << line.substr(0, line.size() / 2);  // killed mid-write
  {
    ResponseStore s(path);
    EXPECT_EQ(s.size(), 2u);
    EXPECT_EQ(s.dropped_bytes(), line.size() / 2);
    EXPECT_EQ(slurp(path), whole);  // the partial bytes are gone from the file
    s.append(rec("p1", 2, false));
  }
  ResponseStore s(path);
  EXPECT_EQ(s.size(), 3u);
  ASSERT_NE(s.find("bench", "p1", 2), nullptr);
}

TEST(Responses, MalformedCompleteLineNamesFileAndLine) {
  auto d = fresh_dir("malformed");
  auto path = (d / "responses.jsonl").string();
  std::ofstream(path)
      << ds::eval::to_json(rec("p1", 0, true)).dump() << "\n"
      << R"({"benchmark": "bench", "id": "p1", "sample": "zero", "text": "", "extracted": "", "correct": true})"
      << "\n";
  std::string e = error_of([&] { ResponseStore s(path); });
  EXPECT_NE(e.find("responses.jsonl:2"), std::string::npos) << e;
  EXPECT_NE(e.find("'sample'"), std::string::npos) << e;

  std::ofstream(path) << "{not json\n" << ds::eval::to_json(rec("p1", 0, true)).dump() << "\n";
  e = error_of([&] { ResponseStore s(path); });
  EXPECT_NE(e.find("responses.jsonl:1"), std::string::npos) << e;
}

TEST(Responses, DuplicateKeysKeepTheFirst) {
  auto d = fresh_dir("dups");
  auto path = (d / "responses.jsonl").string();
  std::ofstream(path) << ds::eval::to_json(rec("p1", 0, true)).dump() << "\n"
                      << ds::eval::to_json(rec("p1", 0, false)).dump() << "\n";
  ResponseStore s(path);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.duplicate_lines(), 1u);
  EXPECT_TRUE(s.find("bench", "p1", 0)->correct);
}

TEST(Responses, InMemoryStoreWritesNothing) {
  ResponseStore s("");
  s.append(rec("p", 0, true));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_NE(s.find("bench", "p", 0), nullptr);
}

}  // namespace
