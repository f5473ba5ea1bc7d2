// Owns `--nproc N`: running N ranks of the same program on this machine, torchrun style. Picks a
// free MASTER_PORT, fork+execs the executable N times with RANK / WORLD_SIZE / LOCAL_RANK /
// LOCAL_WORLD_SIZE / MASTER_ADDR / MASTER_PORT set, relays their stdout/stderr line by line with a
// "[rank R] " prefix, and waits. When one rank exits non-zero or is killed, the others get SIGTERM,
// then SIGKILL after a grace period, and the launcher reports which rank failed and how.
// No torch here. Linux only (fork/exec, PR_SET_PDEATHSIG).
// Thread-safety: call from the main thread; it temporarily handles SIGINT/SIGTERM (forwarding them
// to the ranks) and restores the previous handlers.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace ds::dist {

struct LaunchOptions {
  std::string executable = "/proc/self/exe";  // the program to run (default: this one)
  std::string master_addr = "127.0.0.1";
  int master_port = 0;        // 0 = pick a free port
  bool prefix_output = true;  // "[rank R] " before every line; false = children inherit stdio
  double grace_s = 10.0;      // SIGTERM -> SIGKILL delay when stopping the surviving ranks
  std::map<std::string, std::string> extra_env;  // set in every rank (e.g. for tests)
};

struct LaunchResult {
  int exit_code = 0;     // 0 = every rank succeeded; else the first failure's code (128+signal)
  int failed_rank = -1;  // the first rank that failed, -1 = none
  std::string message;   // "rank 1 (pid 123) was killed by signal 9 (Killed)"; empty on success
};

// Runs `argv` (argv[0] = the name shown to the program; the caller removes --nproc) as nproc ranks
// and waits for all of them. Throws UsageError when nproc < 1 or a process cannot be started.
// The failure message is also printed to stderr.
LaunchResult launch_local_ranks_ex(int nproc, const std::vector<std::string>& argv,
                                   const LaunchOptions& options = {});
// The exit code of launch_local_ranks_ex (0 = all ranks succeeded).
int launch_local_ranks(int nproc, const std::vector<std::string>& argv,
                       const LaunchOptions& options = {});

// A TCP port that was free on `addr` a moment ago (bind to port 0, read it, close).
int find_free_port(const std::string& addr = "127.0.0.1");

// Removes "--nproc N" / "--nproc=N" from a command line (for the ranks' argv); returns N through
// `nproc` (0 when absent). Throws UsageError on a missing or non-integer value.
std::vector<std::string> strip_nproc_flag(const std::vector<std::string>& argv, int* nproc);

}  // namespace ds::dist
