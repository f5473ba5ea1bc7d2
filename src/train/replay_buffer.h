// Owns the replay buffer of verified solutions (DeepSearch step 4): for each registered problem,
// its text, gold answer, the training step at which it was registered, the fraction of correct
// search trajectories at that time, and its correct solutions (response text + token ids +
// reward + the step that found it). Problems in the buffer skip search (replay_rules.h).
//
// Storage: one SQLite file, normally RUN_DIR/replay_buffer.sqlite (kReplayBufferFile), with two
// tables:
//   problems(problem_id TEXT PRIMARY KEY, problem TEXT, answer TEXT, step INTEGER,
//            fraction_correct REAL)
//   solutions(problem_id TEXT, idx INTEGER, response_text TEXT, response_ids BLOB, reward REAL,
//             step INTEGER, PRIMARY KEY(problem_id, idx))
// response_ids is the int32 token ids, little-endian, 4 bytes each.
//
// Crash safety. The database runs in WAL mode with synchronous=FULL, and every mutating call
// (register_solutions, register_batch, truncate_after) is exactly one transaction (BEGIN
// IMMEDIATE ... COMMIT; rolled back on any error). SQLite's journal guarantees that a process
// killed at any instant (SIGKILL, power loss after fsync) leaves the database with either all or
// none of a transaction: a problem is never visible with only part of the solutions of the call
// that added them. Reopening after a crash replays / discards the WAL automatically.
// backup_to() copies through the SQLite online-backup API into a temporary sibling, fsyncs and
// renames it over the target, so the copy is a consistent snapshot and the target is never
// half-written either.
//
// Resume rule. Every row carries the training step at which it was written. When a run resumes
// from a checkpoint taken after step S, the trainer calls truncate_after(S) before training
// again: solutions (and problems) registered after the checkpoint are deleted, so the buffer
// equals what it was when the checkpoint was written and the resumed run sees exactly the
// solutions registered up to then (a re-registration after S of a problem registered at or
// before S only removes the newer solutions and keeps the problem).
//
// Thread-safety: a ReplayBuffer is one SQLite connection; use it from one thread at a time.
// Several processes may open the same file (SQLite locks), but the trainer is the only writer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct sqlite3;

namespace ds::train {

inline constexpr const char* kReplayBufferFile = "replay_buffer.sqlite";

// RUN_DIR/replay_buffer.sqlite.
std::string replay_buffer_path(const std::string& run_dir);

struct CachedSolution {
  std::vector<int32_t> response_ids;  // the response tokens (EOS included when produced)
  std::string response;               // the response text
  double reward = 1.0;
  int64_t step = 0;  // training step that registered it
};

struct CacheEntry {
  std::string problem_id, problem, answer;
  int64_t step = 0;               // step at which the problem was (first) registered
  double fraction_correct = 0.0;  // fraction of correct trajectories of its tree at that time
  std::vector<CachedSolution> solutions;
};

class ReplayBuffer {
 public:
  // Creates the file (and the tables) or opens an existing buffer. Throws DataError naming the
  // file when it is not a SQLite database, is corrupt, or has a foreign schema; DataError when
  // the file cannot be created.
  explicit ReplayBuffer(const std::string& path);
  ~ReplayBuffer();
  ReplayBuffer(const ReplayBuffer&) = delete;
  ReplayBuffer& operator=(const ReplayBuffer&) = delete;

  const std::string& path() const { return path_; }

  bool contains(const std::string& problem_id) const;
  // The problem's solutions in registration order (empty when the problem is not registered).
  std::vector<CachedSolution> solutions(const std::string& problem_id) const;
  // The whole entry with its solutions; false when not registered.
  bool get(const std::string& problem_id, CacheEntry& out) const;

  // Adds entry.solutions to the problem (creating the problem row with entry's problem, answer,
  // step and fraction_correct when new; an existing problem keeps its row). Solutions whose
  // response_ids (or, when ids are empty, response text) equal an already stored solution of
  // that problem, or an earlier one of the same call, are skipped; an entry without solutions
  // changes nothing. One transaction.
  // Returns the number of solutions added.
  int64_t register_solutions(const CacheEntry& entry);
  // register_solutions for every entry, all in ONE transaction. Returns solutions added.
  int64_t register_batch(const std::vector<CacheEntry>& entries);

  // Every entry with its solutions, ordered by (step, problem_id).
  std::vector<CacheEntry> list() const;
  int64_t size() const;           // registered problems
  int64_t num_solutions() const;  // stored solutions, all problems

  // Deletes solutions with step > `step`, then problems with step > `step` or without any
  // solution left. One transaction. Returns the number of solutions deleted.
  int64_t truncate_after(int64_t step);

  // A consistent copy of the database at `path` (online backup into a temp sibling + fsync +
  // rename). Throws DataError when the target cannot be written.
  void backup_to(const std::string& path) const;

  // SQLite's PRAGMA integrity_check: "ok" for a sound database, else its findings.
  std::string integrity_check() const;

 private:
  void exec(const char* sql) const;
  int64_t register_locked(const CacheEntry& entry);

  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace ds::train
