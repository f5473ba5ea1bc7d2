// Progress display (see progress.h).
#include "core/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "core/timer.h"

namespace ds {

Progress::Progress(std::string label, size_t total, double interval_seconds)
    : label_(std::move(label)), total_(total), interval_(interval_seconds), tty_(::isatty(2) == 1) {
  start_ = last_draw_ = monotonic_seconds();
}

Progress::~Progress() {
  if (!finished_ && done_ > 0) finish();
}

void Progress::set_status(const std::string& status) { status_ = status; }

void Progress::advance(size_t n, const std::string& status) {
  done_ += n;
  if (!status.empty()) status_ = status;
  const double now = monotonic_seconds();
  const double since = now - last_draw_;
  if (tty_ ? since >= 0.1 : since >= interval_) draw(false);
}

void Progress::finish(const std::string& status) {
  if (finished_) return;
  if (!status.empty()) status_ = status;
  draw(true);
  finished_ = true;
}

static std::string format_duration(double s) {
  if (s < 0) s = 0;
  int t = static_cast<int>(s + 0.5);
  if (t >= 3600) return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
  return fmt::format("{}:{:02}", t / 60, t % 60);
}

void Progress::draw(bool final_line) {
  const double now = monotonic_seconds();
  last_draw_ = now;
  const double elapsed = now - start_;
  double rate = elapsed > 0 ? done_ / elapsed : 0.0;
  std::string line;
  if (total_ > 0) {
    double frac = std::min(1.0, static_cast<double>(done_) / total_);
    std::string eta = rate > 0 && !final_line ? " eta " + format_duration((total_ - done_) / rate) : "";
    if (tty_) {
      int width = 24, filled = static_cast<int>(frac * width);
      line = fmt::format("{} [{}{}] {}/{} {:.1f}/s {}{}", label_, std::string(filled, '#'),
                         std::string(width - filled, '.'), done_, total_, rate,
                         format_duration(elapsed), eta);
    } else {
      line = fmt::format("{} {}/{} ({:.0f}%) {:.1f}/s {}{}", label_, done_, total_, frac * 100, rate,
                         format_duration(elapsed), eta);
    }
  } else {
    line = fmt::format("{} {} {:.1f}/s {}", label_, done_, rate, format_duration(elapsed));
  }
  if (!status_.empty()) line += "  " + status_;
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace ds
