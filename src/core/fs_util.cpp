// Crash-safe file writes (see fs_util.h).
#include "core/fs_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.h"

namespace fs = std::filesystem;

namespace ds {

namespace {
std::string unique_suffix() {
  static std::atomic<unsigned> counter{0};
  return ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}
}  // namespace

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void atomic_write_file(const std::string& path, const std::string& content) {
  fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::string tmp = path + unique_suffix();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw DataError(path, "cannot create temporary file", "check that the directory is writable");
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      throw DataError(path, "write failed (disk full?)", "free disk space and retry");
    }
    done += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw DataError(path, "cannot rename temporary file into place", "check the directory's permissions");
  }
  fsync_dir(p.parent_path().string());
}

std::string read_file(const std::string& path) {
  if (!fs::exists(path)) throw DataError(path, "file not found", "check the path");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, "cannot open file", "check the file's permissions");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void atomic_replace_dir(const std::string& staging, const std::string& target) {
  fs::path t(target);
  std::string aside;
  if (fs::exists(t)) {
    aside = target + ".old" + unique_suffix();
    fs::rename(t, aside);
  }
  fs::rename(staging, t);
  fsync_dir(t.parent_path().string());
  if (!aside.empty()) fs::remove_all(aside);
}

}  // namespace ds
