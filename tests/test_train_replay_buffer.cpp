// Tests of the SQLite replay buffer: round trip, dedup, truncate_after (the resume rule),
// backup_to, typed errors for foreign/corrupt files, and crash safety (a writer SIGKILLed
// mid-loop leaves a sound database whose every problem has all of its solutions).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "core/errors.h"
#include "train/replay_buffer.h"

namespace fs = std::filesystem;
using ds::train::CachedSolution;
using ds::train::CacheEntry;
using ds::train::ReplayBuffer;

namespace {

class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    path_ = fs::temp_directory_path() / ("ds_replay_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

CachedSolution sol(std::vector<int32_t> ids, std::string text, int64_t step) {
  CachedSolution c;
  c.response_ids = std::move(ids);
  c.response = std::move(text);
  c.step = step;
  return c;
}

CacheEntry entry(const std::string& id, int64_t step, std::vector<CachedSolution> sols) {
  CacheEntry e;
  e.problem_id = id;
  e.problem = "What is " + id + "?";
  e.answer = "42";
  e.step = step;
  e.fraction_correct = 0.125;
  e.solutions = std::move(sols);
  return e;
}

}  // namespace

TEST(ReplayBuffer, RoundTripAcrossReopen) {
  TempDir dir("roundtrip");
  const std::string path = ds::train::replay_buffer_path(dir.path().string());
  EXPECT_EQ(fs::path(path).filename(), "replay_buffer.sqlite");
  {
    ReplayBuffer b(path);
    EXPECT_EQ(b.size(), 0);
    EXPECT_FALSE(b.contains("p1"));
    EXPECT_TRUE(b.solutions("p1").empty());
    // Ids with negative and large values survive the little-endian blob.
    EXPECT_EQ(b.register_solutions(entry("p1", 3,
                                         {sol({1, -2, 70000, 2147483647}, "a \\boxed{42}", 3),
                                          sol({5, 6}, "b \\boxed{42}", 3)})),
              2);
  }
  ReplayBuffer b(path);
  EXPECT_EQ(b.integrity_check(), "ok");
  ASSERT_TRUE(b.contains("p1"));
  EXPECT_EQ(b.size(), 1);
  EXPECT_EQ(b.num_solutions(), 2);
  auto s = b.solutions("p1");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].response_ids, (std::vector<int32_t>{1, -2, 70000, 2147483647}));
  EXPECT_EQ(s[0].response, "a \\boxed{42}");
  EXPECT_EQ(s[0].reward, 1.0);
  EXPECT_EQ(s[0].step, 3);
  EXPECT_EQ(s[1].response_ids, (std::vector<int32_t>{5, 6}));
  CacheEntry e;
  ASSERT_TRUE(b.get("p1", e));
  EXPECT_EQ(e.problem, "What is p1?");
  EXPECT_EQ(e.answer, "42");
  EXPECT_EQ(e.step, 3);
  EXPECT_DOUBLE_EQ(e.fraction_correct, 0.125);
  EXPECT_FALSE(b.get("nope", e));
}

TEST(ReplayBuffer, DedupsIdenticalResponsesAndKeepsFirstRow) {
  TempDir dir("dedup");
  ReplayBuffer b(dir.file("rb.sqlite"));
  EXPECT_EQ(b.register_solutions(
                entry("p", 1, {sol({1, 2}, "x", 1), sol({1, 2}, "x", 1), sol({1, 3}, "y", 1)})),
            2);
  // Same ids again (text differs: ids decide) plus a new one; the problem row keeps step 1.
  CacheEntry again = entry("p", 5, {sol({1, 2}, "x'", 5), sol({9}, "z", 5)});
  again.fraction_correct = 0.25;
  EXPECT_EQ(b.register_solutions(again), 1);
  auto s = b.solutions("p");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[2].response_ids, (std::vector<int32_t>{9}));
  EXPECT_EQ(s[2].step, 5);
  CacheEntry e;
  ASSERT_TRUE(b.get("p", e));
  EXPECT_EQ(e.step, 1);
  EXPECT_DOUBLE_EQ(e.fraction_correct, 0.125);
  // An entry without solutions does not register its problem.
  EXPECT_EQ(b.register_solutions(entry("empty", 1, {})), 0);
  EXPECT_FALSE(b.contains("empty"));
  // Solutions without ids dedup on their text.
  EXPECT_EQ(b.register_solutions(entry("q", 1, {sol({}, "t", 1), sol({}, "t", 1)})), 1);
}

TEST(ReplayBuffer, BatchListAndTruncateAfter) {
  TempDir dir("truncate");
  ReplayBuffer b(dir.file("rb.sqlite"));
  EXPECT_EQ(b.register_batch({entry("a", 1, {sol({1}, "1", 1)}), entry("b", 2, {sol({2}, "2", 2)}),
                              entry("c", 4, {sol({3}, "3", 4), sol({4}, "4", 4)})}),
            4);
  b.register_solutions(entry("a", 5, {sol({7}, "7", 5)}));  // a gains a solution at step 5
  auto all = b.list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].problem_id, "a");
  EXPECT_EQ(all[0].solutions.size(), 2u);
  EXPECT_EQ(all[2].problem_id, "c");
  EXPECT_EQ(all[2].solutions.size(), 2u);

  // Resume from a checkpoint at step 2: c (step 4) and a's step-5 solution disappear.
  EXPECT_EQ(b.truncate_after(2), 3);
  EXPECT_EQ(b.size(), 2);
  EXPECT_TRUE(b.contains("a"));
  EXPECT_TRUE(b.contains("b"));
  EXPECT_FALSE(b.contains("c"));
  ASSERT_EQ(b.solutions("a").size(), 1u);
  EXPECT_EQ(b.solutions("a")[0].response, "1");
  EXPECT_EQ(b.num_solutions(), 2);
  EXPECT_EQ(b.truncate_after(2), 0);
  EXPECT_EQ(b.truncate_after(0), 2);
  EXPECT_EQ(b.size(), 0);
  EXPECT_EQ(b.integrity_check(), "ok");
}

TEST(ReplayBuffer, BackupIsAConsistentStandaloneCopy) {
  TempDir dir("backup");
  ReplayBuffer b(dir.file("rb.sqlite"));
  b.register_batch({entry("a", 1, {sol({1, 2, 3}, "abc", 1)}), entry("b", 2, {sol({4}, "d", 2)})});
  const std::string copy = dir.file("sub/copy.sqlite");
  b.backup_to(copy);
  b.register_solutions(entry("c", 3, {sol({5}, "e", 3)}));  // after the backup
  EXPECT_FALSE(fs::exists(copy + "-wal"));
  for (const auto& p : fs::directory_iterator(dir.path() / "sub"))
    EXPECT_EQ(p.path().filename(), "copy.sqlite") << "leftover " << p.path();
  ReplayBuffer c(copy);
  EXPECT_EQ(c.integrity_check(), "ok");
  EXPECT_EQ(c.size(), 2);
  EXPECT_FALSE(c.contains("c"));
  ASSERT_EQ(c.solutions("a").size(), 1u);
  EXPECT_EQ(c.solutions("a")[0].response_ids, (std::vector<int32_t>{1, 2, 3}));
  // Backing up over an existing file replaces it.
  b.backup_to(copy);
  ReplayBuffer c2(copy);
  EXPECT_EQ(c2.size(), 3);
}

TEST(ReplayBuffer, ForeignOrCorruptFileIsADataErrorNamingIt) {
  TempDir dir("corrupt");
  const std::string text = dir.file("notadb.sqlite");
  {
    std::ofstream out(text);
    for (int i = 0; i < 200; ++i) out << "this is not a database, line " << i << "\n";
  }
  try {
    ReplayBuffer b(text);
    FAIL() << "expected DataError";
  } catch (const ds::DataError& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }

  // A real database whose pages were overwritten in the middle.
  const std::string db = dir.file("damaged.sqlite");
  {
    ReplayBuffer b(db);
    std::vector<CacheEntry> many;
    for (int i = 0; i < 300; ++i)
      many.push_back(entry("p" + std::to_string(i), 1,
                           {sol(std::vector<int32_t>(64, i), std::string(200, 'a' + i % 26), 1)}));
    b.register_batch(many);
  }
  ASSERT_FALSE(fs::exists(db + "-wal"));  // checkpointed on close
  const auto size = fs::file_size(db);
  ASSERT_GT(size, 16384u);
  {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    std::string junk(8192, '\xA5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  EXPECT_THROW(ReplayBuffer b(db), ds::DataError);

  // A SQLite database with a foreign table of the same name.
  const std::string foreign = dir.file("foreign.sqlite");
  {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(foreign.c_str(), &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, "CREATE TABLE problems(x INTEGER)", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(h);
  }
  EXPECT_THROW(ReplayBuffer b(foreign), ds::DataError);
}

// Crash safety: a child process registers problems in a loop, each problem with exactly
// kPerProblem solutions in one transaction (alternating single and batched registrations), and
// is SIGKILLed at an arbitrary moment. The parent then reopens the file: integrity_check is ok,
// and every problem it sees has all of its solutions, none more.
TEST(ReplayBuffer, SigkillDuringWritesNeverLeavesAPartialEntry) {
  constexpr int kPerProblem = 5;
  for (int trial = 0; trial < 3; ++trial) {
    TempDir dir("crash" + std::to_string(trial));
    const std::string path = dir.file("replay_buffer.sqlite");
    { ReplayBuffer create(path); }
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      try {
        ReplayBuffer b(path);
        for (int i = 0;; i += 3) {
          auto make = [&](int n) {
            std::vector<CachedSolution> sols;
            for (int j = 0; j < kPerProblem; ++j)
              sols.push_back(sol(std::vector<int32_t>(50 + j, n * 10 + j),
                                 "solution " + std::to_string(j) + std::string(300, 'x'), n));
            return entry("p" + std::to_string(n), n, std::move(sols));
          };
          b.register_solutions(make(i));
          b.register_batch({make(i + 1), make(i + 2)});
        }
      } catch (...) {
        ::_exit(3);
      }
      ::_exit(0);
    }
    // Let the child write for a while (it must have committed some entries), then kill it.
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + 100 * trial));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped on its own (status " << status << ")";
    EXPECT_EQ(WTERMSIG(status), SIGKILL);

    ReplayBuffer b(path);
    EXPECT_EQ(b.integrity_check(), "ok");
    auto all = b.list();
    EXPECT_GT(all.size(), 0u) << "the writer committed nothing before the kill";
    std::set<int64_t> steps;
    for (const CacheEntry& e : all) {
      ASSERT_EQ(e.solutions.size(), static_cast<size_t>(kPerProblem)) << e.problem_id;
      EXPECT_EQ(e.problem_id, "p" + std::to_string(e.step));
      for (int j = 0; j < kPerProblem; ++j) {
        EXPECT_EQ(e.solutions[j].response_ids.size(), static_cast<size_t>(50 + j));
        EXPECT_EQ(e.solutions[j].response_ids.front(), e.step * 10 + j);
      }
      steps.insert(e.step);
    }
    // Batches are atomic too, and registrations are in order: problems 0..n-1, no gaps.
    EXPECT_EQ(static_cast<int64_t>(steps.size()), *steps.rbegin() + 1);
    // Committed: whole triples, or a triple's single registration without its batch of two.
    EXPECT_NE(all.size() % 3, 2u) << "a batch of two was only half committed";
    // The buffer stays writable after the crash.
    b.register_solutions(entry("after", 1000000, {sol({1}, "x", 1000000)}));
    EXPECT_TRUE(b.contains("after"));
  }
}

// The resume rule: a run checkpointed after step 3 that registered more at steps 4-5 before it
// was killed sees, after truncate_after(3), exactly the buffer it had at the checkpoint.
TEST(ReplayBuffer, ResumeAfterKillSeesTheCheckpointsBuffer) {
  TempDir dir("resume");
  const std::string path = dir.file("replay_buffer.sqlite");
  auto step_entries = [](int64_t step) {
    std::vector<CacheEntry> out;
    for (int i = 0; i < 3; ++i) {
      // Problem "s<step>_<i>" and one more solution for a problem of step 1.
      out.push_back(entry("s" + std::to_string(step) + "_" + std::to_string(i), step,
                          {sol({static_cast<int32_t>(step), i}, "r", step)}));
      out.push_back(entry("s1_" + std::to_string(i), step,
                          {sol({static_cast<int32_t>(step), i, 99}, "again", step)}));
    }
    return out;
  };
  std::vector<CacheEntry> at_checkpoint;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ReplayBuffer b(path);
    for (int64_t step = 1; step <= 5; ++step) b.register_batch(step_entries(step));
    ::raise(SIGKILL);  // killed before closing the database
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  {
    // What an uninterrupted run had right after step 3.
    TempDir ref("resume_ref");
    ReplayBuffer r(ref.file("rb.sqlite"));
    for (int64_t step = 1; step <= 3; ++step) r.register_batch(step_entries(step));
    at_checkpoint = r.list();
  }
  ReplayBuffer b(path);
  EXPECT_EQ(b.integrity_check(), "ok");
  EXPECT_EQ(b.size(), 15);
  b.truncate_after(3);
  std::vector<CacheEntry> now = b.list();
  ASSERT_EQ(now.size(), at_checkpoint.size());
  for (size_t i = 0; i < now.size(); ++i) {
    EXPECT_EQ(now[i].problem_id, at_checkpoint[i].problem_id);
    EXPECT_EQ(now[i].step, at_checkpoint[i].step);
    ASSERT_EQ(now[i].solutions.size(), at_checkpoint[i].solutions.size()) << now[i].problem_id;
    for (size_t j = 0; j < now[i].solutions.size(); ++j) {
      EXPECT_EQ(now[i].solutions[j].response_ids, at_checkpoint[i].solutions[j].response_ids);
      EXPECT_EQ(now[i].solutions[j].step, at_checkpoint[i].solutions[j].step);
    }
  }
}
