// The SQLite replay buffer of verified solutions (see replay_buffer.h for the schema, the crash
// safety argument and the resume rule).
#include "train/replay_buffer.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include "core/errors.h"
#include "core/fs_util.h"

namespace ds::train {

namespace {

namespace fs = std::filesystem;

constexpr int kSchemaVersion = 1;

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS problems (
  problem_id TEXT PRIMARY KEY,
  problem TEXT NOT NULL,
  answer TEXT NOT NULL,
  step INTEGER NOT NULL,
  fraction_correct REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS solutions (
  problem_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  response_text TEXT NOT NULL,
  response_ids BLOB NOT NULL,
  reward REAL NOT NULL,
  step INTEGER NOT NULL,
  PRIMARY KEY (problem_id, idx)
);
CREATE INDEX IF NOT EXISTS solutions_step ON solutions(step);
)sql";

const char* kHint =
    "the file is not a replay buffer written by deepsearch (or it is damaged); move it away to "
    "start an empty buffer, or restore it from a backup";

// int32 little-endian, independent of the host's byte order.
std::string encode_ids(const std::vector<int32_t>& ids) {
  std::string out(ids.size() * 4, '\0');
  for (size_t i = 0; i < ids.size(); ++i) {
    const uint32_t v = static_cast<uint32_t>(ids[i]);
    out[4 * i + 0] = static_cast<char>(v & 0xFF);
    out[4 * i + 1] = static_cast<char>((v >> 8) & 0xFF);
    out[4 * i + 2] = static_cast<char>((v >> 16) & 0xFF);
    out[4 * i + 3] = static_cast<char>((v >> 24) & 0xFF);
  }
  return out;
}

bool decode_ids(const void* data, int bytes, std::vector<int32_t>& out) {
  if (bytes < 0 || bytes % 4 != 0) return false;
  const auto* p = static_cast<const unsigned char*>(data);
  out.resize(static_cast<size_t>(bytes / 4));
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<int32_t>(
        static_cast<uint32_t>(p[4 * i]) | (static_cast<uint32_t>(p[4 * i + 1]) << 8) |
        (static_cast<uint32_t>(p[4 * i + 2]) << 16) | (static_cast<uint32_t>(p[4 * i + 3]) << 24));
  return true;
}

// Dedup key of a solution: its token ids when known, else its text.
std::string solution_key(const std::vector<int32_t>& ids, const std::string& text) {
  return ids.empty() ? "t" + text : "i" + encode_ids(ids);
}

// One prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql, const std::string& path) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw DataError(path, std::string("SQLite: ") + sqlite3_errmsg(db), kHint);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  void bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void bind_blob(int i, const std::string& s) {
    sqlite3_bind_blob(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); }

  // SQLITE_ROW -> true, SQLITE_DONE -> false, else throws.
  bool step(const std::string& path) {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw DataError(path, std::string("SQLite: ") + sqlite3_errmsg(db_), kHint);
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  std::string text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n))
             : std::string();
  }
  int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::vector<int32_t> ids(int col, const std::string& path) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    std::vector<int32_t> out;
    if (!decode_ids(p, n, out))
      throw DataError(path, "a solution's response_ids is not a whole number of int32 values",
                      kHint);
    return out;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

CachedSolution read_solution(const Stmt& s, int first_col, const std::string& path) {
  CachedSolution c;
  c.response = s.text(first_col);
  c.response_ids = s.ids(first_col + 1, path);
  c.reward = s.real(first_col + 2);
  c.step = s.int64(first_col + 3);
  return c;
}

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() ran.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& path) : db_(db), path_(path) {
    run("BEGIN IMMEDIATE");
  }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    run("COMMIT");
    done_ = true;
  }

 private:
  void run(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw DataError(path_, std::string("SQLite ") + sql + ": " + msg,
                      "check that the disk is not full and no other process holds the buffer");
    }
  }
  sqlite3* db_;
  const std::string& path_;
  bool done_ = false;
};

std::string temp_sibling(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

}  // namespace

std::string replay_buffer_path(const std::string& run_dir) {
  return (fs::path(run_dir) / kReplayBufferFile).string();
}

ReplayBuffer::ReplayBuffer(const std::string& path) : path_(path) {
  fs::path p(path);
  if (p.has_parent_path() && !fs::exists(p.parent_path())) {
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    if (ec)
      throw DataError(path, "cannot create the directory of the replay buffer: " + ec.message(),
                      "check the run directory's permissions");
  }
  int rc =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw DataError(path, "cannot open the replay buffer: " + msg,
                    "check that the path is a writable file in an existing directory");
  }
  sqlite3_busy_timeout(db_, 10000);
  sqlite3_extended_result_codes(db_, 1);
  try {
    // The first statement that reads the header fails with SQLITE_NOTADB for a foreign file.
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    {
      Stmt check(db_, "PRAGMA quick_check", path_);
      if (check.step(path_) && check.text(0) != "ok")
        throw DataError(path_,
                        "the replay buffer is corrupt (SQLite quick_check: " + check.text(0) + ")",
                        kHint);
    }
    int64_t version = 0;
    {
      Stmt v(db_, "PRAGMA user_version", path_);
      if (v.step(path_)) version = v.int64(0);
    }
    if (version != 0 && version != kSchemaVersion)
      throw DataError(path_,
                      "replay buffer schema version " + std::to_string(version) +
                          " is not the supported " + std::to_string(kSchemaVersion),
                      kHint);
    exec(kSchema);
    exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    // A database with same-named tables of another shape fails here.
    Stmt probe1(db_,
                "SELECT problem_id, problem, answer, step, fraction_correct FROM problems LIMIT 0",
                path_);
    Stmt probe2(db_,
                "SELECT problem_id, idx, response_text, response_ids, reward, step FROM solutions "
                "LIMIT 0",
                path_);
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

ReplayBuffer::~ReplayBuffer() {
  if (db_) sqlite3_close_v2(db_);
}

void ReplayBuffer::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    const int code = sqlite3_errcode(db_) & 0xFF;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
      throw DataError(path_, "not a valid replay buffer database (" + msg + ")", kHint);
    throw DataError(path_, "SQLite: " + msg, kHint);
  }
}

bool ReplayBuffer::contains(const std::string& problem_id) const {
  Stmt s(db_, "SELECT 1 FROM problems WHERE problem_id = ?", path_);
  s.bind(1, problem_id);
  return s.step(path_);
}

std::vector<CachedSolution> ReplayBuffer::solutions(const std::string& problem_id) const {
  Stmt s(db_,
         "SELECT response_text, response_ids, reward, step FROM solutions WHERE problem_id = ? "
         "ORDER BY idx",
         path_);
  s.bind(1, problem_id);
  std::vector<CachedSolution> out;
  while (s.step(path_)) out.push_back(read_solution(s, 0, path_));
  return out;
}

bool ReplayBuffer::get(const std::string& problem_id, CacheEntry& out) const {
  Stmt s(db_, "SELECT problem, answer, step, fraction_correct FROM problems WHERE problem_id = ?",
         path_);
  s.bind(1, problem_id);
  if (!s.step(path_)) return false;
  out.problem_id = problem_id;
  out.problem = s.text(0);
  out.answer = s.text(1);
  out.step = s.int64(2);
  out.fraction_correct = s.real(3);
  out.solutions = solutions(problem_id);
  return true;
}

int64_t ReplayBuffer::register_locked(const CacheEntry& e) {
  DS_CHECK(!e.problem_id.empty(), "replay buffer: empty problem id");
  // A problem is only ever in the buffer with at least one solution (it would skip search with
  // nothing to replay otherwise).
  if (e.solutions.empty()) return 0;
  {
    Stmt ins(db_,
             "INSERT OR IGNORE INTO problems(problem_id, problem, answer, step, fraction_correct) "
             "VALUES (?, ?, ?, ?, ?)",
             path_);
    ins.bind(1, e.problem_id);
    ins.bind(2, e.problem);
    ins.bind(3, e.answer);
    ins.bind(4, e.step);
    ins.bind(5, e.fraction_correct);
    ins.step(path_);
  }
  std::set<std::string> seen;
  int64_t next_idx = 0;
  {
    Stmt s(db_, "SELECT idx, response_text, response_ids FROM solutions WHERE problem_id = ?",
           path_);
    s.bind(1, e.problem_id);
    while (s.step(path_)) {
      next_idx = std::max(next_idx, s.int64(0) + 1);
      seen.insert(solution_key(s.ids(2, path_), s.text(1)));
    }
  }
  Stmt ins(db_,
           "INSERT INTO solutions(problem_id, idx, response_text, response_ids, reward, step) "
           "VALUES (?, ?, ?, ?, ?, ?)",
           path_);
  int64_t added = 0;
  for (const CachedSolution& c : e.solutions) {
    if (!seen.insert(solution_key(c.response_ids, c.response)).second) continue;
    ins.reset();
    ins.bind(1, e.problem_id);
    ins.bind(2, next_idx++);
    ins.bind(3, c.response);
    ins.bind_blob(4, encode_ids(c.response_ids));
    ins.bind(5, c.reward);
    ins.bind(6, c.step);
    ins.step(path_);
    ++added;
  }
  return added;
}

int64_t ReplayBuffer::register_solutions(const CacheEntry& entry) {
  Transaction t(db_, path_);
  int64_t added = register_locked(entry);
  t.commit();
  return added;
}

int64_t ReplayBuffer::register_batch(const std::vector<CacheEntry>& entries) {
  if (entries.empty()) return 0;
  Transaction t(db_, path_);
  int64_t added = 0;
  for (const CacheEntry& e : entries) added += register_locked(e);
  t.commit();
  return added;
}

std::vector<CacheEntry> ReplayBuffer::list() const {
  std::vector<CacheEntry> out;
  std::map<std::string, size_t> index;
  {
    Stmt s(db_,
           "SELECT problem_id, problem, answer, step, fraction_correct FROM problems "
           "ORDER BY step, problem_id",
           path_);
    while (s.step(path_)) {
      CacheEntry e;
      e.problem_id = s.text(0);
      e.problem = s.text(1);
      e.answer = s.text(2);
      e.step = s.int64(3);
      e.fraction_correct = s.real(4);
      index[e.problem_id] = out.size();
      out.push_back(std::move(e));
    }
  }
  Stmt s(db_,
         "SELECT problem_id, response_text, response_ids, reward, step FROM solutions "
         "ORDER BY problem_id, idx",
         path_);
  while (s.step(path_)) {
    auto it = index.find(s.text(0));
    if (it != index.end()) out[it->second].solutions.push_back(read_solution(s, 1, path_));
  }
  return out;
}

int64_t ReplayBuffer::size() const {
  Stmt s(db_, "SELECT COUNT(*) FROM problems", path_);
  return s.step(path_) ? s.int64(0) : 0;
}

int64_t ReplayBuffer::num_solutions() const {
  Stmt s(db_, "SELECT COUNT(*) FROM solutions", path_);
  return s.step(path_) ? s.int64(0) : 0;
}

int64_t ReplayBuffer::truncate_after(int64_t step) {
  Transaction t(db_, path_);
  {
    Stmt d(db_, "DELETE FROM solutions WHERE step > ?", path_);
    d.bind(1, step);
    d.step(path_);
  }
  const int64_t deleted = sqlite3_changes(db_);
  {
    Stmt d(db_,
           "DELETE FROM problems WHERE step > ? OR problem_id NOT IN "
           "(SELECT DISTINCT problem_id FROM solutions)",
           path_);
    d.bind(1, step);
    d.step(path_);
  }
  {
    // Solutions of a problem deleted above (registered after `step` with an older solution
    // cannot happen through register_*, but keep the tables consistent regardless).
    Stmt d(db_, "DELETE FROM solutions WHERE problem_id NOT IN (SELECT problem_id FROM problems)",
           path_);
    d.step(path_);
  }
  t.commit();
  return deleted;
}

void ReplayBuffer::backup_to(const std::string& path) const {
  fs::path p(path);
  if (p.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
  }
  const std::string tmp = temp_sibling(path);
  sqlite3* dst = nullptr;
  auto cleanup = [&] {
    if (dst) sqlite3_close_v2(dst);
    dst = nullptr;
    std::error_code ec;
    fs::remove(tmp, ec);
    fs::remove(tmp + "-wal", ec);
    fs::remove(tmp + "-shm", ec);
  };
  if (sqlite3_open_v2(tmp.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    cleanup();
    throw DataError(path, "cannot create the backup file", "check that the directory is writable");
  }
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", db_, "main");
  if (!b) {
    std::string msg = sqlite3_errmsg(dst);
    cleanup();
    throw DataError(path, "cannot start the backup: " + msg, "check the disk and retry");
  }
  int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    std::string msg = sqlite3_errstr(rc);
    cleanup();
    throw DataError(path, "backup failed: " + msg, "check the disk (full?) and retry");
  }
  // The copy inherits WAL mode; switching to a rollback journal folds everything into the one
  // file, so the renamed target is self-contained.
  sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
  rc = sqlite3_close_v2(dst);
  dst = nullptr;
  if (rc != SQLITE_OK) {
    cleanup();
    throw DataError(path, "cannot close the backup file", "check the disk and retry");
  }
  int fd = ::open(tmp.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    cleanup();
    throw DataError(path, "cannot rename the backup into place",
                    "check the directory's permissions");
  }
  fsync_dir(p.parent_path().string());
}

std::string ReplayBuffer::integrity_check() const {
  Stmt s(db_, "PRAGMA integrity_check", path_);
  std::string out;
  while (s.step(path_)) {
    if (!out.empty()) out += "\n";
    out += s.text(0);
  }
  return out;
}

}  // namespace ds::train
