// Logging sink (see log.h).
#include "core/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include "core/errors.h"

namespace ds {

namespace {
std::atomic<int>& level_ref() {
  static std::atomic<int> level{[] {
    const char* env = std::getenv("DS_LOG_LEVEL");
    if (!env) return static_cast<int>(LogLevel::kInfo);
    try {
      return static_cast<int>(parse_log_level(env));
    } catch (const Error&) {
      return static_cast<int>(LogLevel::kInfo);
    }
  }()};
  return level;
}
std::mutex& log_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

void set_log_level(LogLevel level) { level_ref() = static_cast<int>(level); }
LogLevel log_level() { return static_cast<LogLevel>(level_ref().load()); }

LogLevel parse_log_level(const std::string& name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  throw ConfigError("log level", "unknown log level '" + name + "'", "use debug, info, warn or error");
}

void log_line(LogLevel level, const std::string& message) {
  static const char* names[] = {"debug", "info", "warn", "error"};
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
  std::lock_guard<std::mutex> lock(log_mutex());
  std::fprintf(stderr, "[%s %s] %s\n", stamp, names[static_cast<int>(level)], message.c_str());
  std::fflush(stderr);
}

}  // namespace ds
