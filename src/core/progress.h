// Owns progress display for long loops. On a terminal: one line redrawn in place with a bar,
// rate and ETA. Not on a terminal (CI, pipes): a plain line at most every `interval` seconds and
// at the end. Output goes to stderr so stdout stays machine-readable.
// Thread-safety: one Progress per loop, used from one thread.
#pragma once

#include <string>

namespace ds {

class Progress {
 public:
  // total == 0 means unknown (no bar, no ETA).
  Progress(std::string label, size_t total, double interval_seconds = 10.0);
  ~Progress();
  // Advances by n and sets the trailing status text (e.g. "loss 0.31 reward 0.42").
  void advance(size_t n = 1, const std::string& status = "");
  void set_status(const std::string& status);
  void finish(const std::string& status = "");
  size_t done() const { return done_; }
  // Forces plain-line mode (tests) or tty mode.
  void set_tty(bool tty) { tty_ = tty; }

 private:
  void draw(bool final_line);
  std::string label_, status_;
  size_t total_, done_ = 0;
  double interval_;
  bool tty_, finished_ = false;
  double start_ = 0.0, last_draw_ = 0.0;  // monotonic_seconds()
};

}  // namespace ds
