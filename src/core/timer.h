// Owns the project's clocks: monotonic wall seconds (durations, phase times, time caps), process
// CPU seconds (all threads; what a run costs on a loaded machine), a stopwatch and a scoped timer
// that adds its scope's duration to a sum. Nothing here sleeps or schedules.
// Thread-safety: the free functions are thread-safe; a Stopwatch / ScopedTimer belongs to one
// thread.
#pragma once

namespace ds {

// Seconds on a monotonic clock (std::chrono::steady_clock); only differences are meaningful.
double monotonic_seconds();

// CPU seconds (user + system, all threads) this process has used so far.
double process_cpu_seconds();

// Wall seconds since construction or the last restart().
class Stopwatch {
 public:
  Stopwatch() : start_(monotonic_seconds()) {}
  void restart() { start_ = monotonic_seconds(); }
  double seconds() const { return monotonic_seconds() - start_; }

 private:
  double start_;
};

// Adds the wall seconds of its scope to `sink`.
class ScopedTimer {
 public:
  explicit ScopedTimer(double& sink) : sink_(sink) {}
  ~ScopedTimer() { sink_ += watch_.seconds(); }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  double& sink_;
  Stopwatch watch_;
};

}  // namespace ds
