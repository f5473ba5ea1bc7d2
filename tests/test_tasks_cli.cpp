// End-to-end tests of `deepsearch task ...`: generated JSONL (fields, determinism, atomic --out),
// `task check` / `task score` on generated data, and input errors (exit status 2, a message
// naming the problem, no stack trace). Runs the built binary (DS_BINARY_DIR/deepsearch).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/jsonl.h"

namespace fs = std::filesystem;

namespace {

struct CliRun {
  int status = -1;
  std::string out;  // stdout and stderr together
};

CliRun run_cli(const std::string& args) {
  std::string bin = std::string(DS_BINARY_DIR) + "/deepsearch";
  CliRun r;
  std::string cmd = bin + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class TaskCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(std::string(DS_BINARY_DIR) + "/deepsearch"))
      GTEST_SKIP() << "the deepsearch binary is not built in " << DS_BINARY_DIR;
    dir_ = fs::temp_directory_path() / ("ds_task_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  fs::path dir_;
};

std::vector<ds::json> parse_lines(const std::string& text) {
  std::vector<ds::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] == '{') out.push_back(ds::json::parse(line));
  return out;
}

TEST_F(TaskCli, GenerateWritesDeterministicJsonl) {
  CliRun a = run_cli("task generate --task countdown --difficulty 3 --n 12 --seed 4");
  ASSERT_EQ(a.status, 0) << a.out;
  auto lines = parse_lines(a.out);
  ASSERT_EQ(lines.size(), 12u);
  for (const auto& j : lines) {
    for (const char* f : {"id", "problem", "answer", "difficulty", "solution"})
      EXPECT_TRUE(j.contains(f)) << f << " in " << j.dump();
    EXPECT_EQ(j["difficulty"], 3);
  }
  EXPECT_EQ(run_cli("task generate --task countdown --difficulty 3 --n 12 --seed 4").out, a.out);

  auto file = (dir_ / "sub" / "arith.jsonl").string();
  CliRun w = run_cli("task generate --task arith --difficulty 5 --n 30 --seed 1 --out " + file);
  ASSERT_EQ(w.status, 0) << w.out;
  auto problems = ds::read_jsonl(file);
  ASSERT_EQ(problems.size(), 30u);
  EXPECT_EQ(problems[0]["id"], "arith-d5-s1-0");
  CliRun check = run_cli("task check --data " + file);
  EXPECT_EQ(check.status, 0) << check.out;
  EXPECT_NE(check.out.find("30 with worked solutions, 0 failed"), std::string::npos) << check.out;
}

TEST_F(TaskCli, ScoreUsesEachTasksVerifier) {
  auto data = (dir_ / "cd.jsonl").string();
  ASSERT_EQ(
      run_cli("task generate --task countdown --difficulty 4 --n 6 --seed 2 --out " + data).status,
      0);
  auto problems = ds::read_jsonl(data);
  auto responses = (dir_ / "resp.jsonl").string();
  {
    std::ofstream f(responses);
    for (size_t i = 0; i < problems.size(); ++i) {
      std::string text = i % 2 == 0 ? problems[i]["solution"].get<std::string>()
                                    : "\\boxed{" + problems[i]["answer"].get<std::string>() + "+0}";
      f << ds::json{{"id", problems[i]["id"]}, {"sample", 0}, {"text", text}}.dump() << "\n";
    }
  }
  CliRun s = run_cli("task score --data " + data + " --responses " + responses);
  ASSERT_EQ(s.status, 0) << s.out;
  auto results = parse_lines(s.out);
  ASSERT_EQ(results.size(), problems.size());
  for (size_t i = 0; i < results.size(); ++i) EXPECT_EQ(results[i]["correct"], i % 2 == 0) << i;
  EXPECT_NE(s.out.find("3 correct"), std::string::npos) << s.out;
}

TEST_F(TaskCli, InputErrorsExitWithAMessage) {
  CliRun unknown = run_cli("task generate --task sudoku --difficulty 1");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.out.find("unknown task 'sudoku'"), std::string::npos) << unknown.out;
  EXPECT_NE(unknown.out.find("arith"), std::string::npos) << unknown.out;
  CliRun range = run_cli("task generate --task arith --difficulty 99");
  EXPECT_EQ(range.status, 2);
  EXPECT_NE(range.out.find("from 1 to 8"), std::string::npos) << range.out;
  auto bad = (dir_ / "bad.jsonl").string();
  std::ofstream(bad) << "{\"problem\":\"a\",\"answer\":\"1\"}\n{\"problem\":\"b\"}\n";
  CliRun load = run_cli("task check --data " + bad);
  EXPECT_EQ(load.status, 2);
  EXPECT_NE(load.out.find("bad.jsonl:2"), std::string::npos) << load.out;
  EXPECT_NE(load.out.find("answer"), std::string::npos) << load.out;
  EXPECT_EQ(load.out.find("terminate"), std::string::npos) << load.out;
}

}  // namespace
