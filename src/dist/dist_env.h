// Owns the rendezvous description of one process in a data-parallel job, read the way torchrun
// sets it: RANK, WORLD_SIZE, LOCAL_RANK (and LOCAL_WORLD_SIZE), MASTER_ADDR, MASTER_PORT. None of
// them set = a single process. Malformed or inconsistent values are ConfigErrors naming the
// variable. No torch here (cheap to include from the CLI and the launcher).
// Thread-safety: pure functions over values; read_dist_env() reads the process environment.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace ds::dist {

struct DistEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;        // rank on this machine (device index on CUDA)
  int local_world_size = 1;  // ranks on this machine
  std::string master_addr = "127.0.0.1";  // host of rank 0's TCPStore
  int master_port = 0;                    // its port (required when world_size > 1)

  bool distributed() const { return world_size > 1; }
};

// Looks a variable up; nullptr = not set.
using EnvLookup = std::function<const char*(const char* name)>;

// Parses the variables through `lookup` (tests pass a map). Rules: RANK and WORLD_SIZE are set
// together or not at all; 0 <= RANK < WORLD_SIZE; LOCAL_RANK defaults to RANK, LOCAL_WORLD_SIZE to
// WORLD_SIZE when absent; with WORLD_SIZE > 1, MASTER_ADDR and MASTER_PORT (1..65535) are required.
// Throws ConfigError("env <NAME>", ...) otherwise.
DistEnv parse_dist_env(const EnvLookup& lookup);
DistEnv parse_dist_env(const std::map<std::string, std::string>& vars);
// parse_dist_env over the process environment.
DistEnv read_dist_env();

// "rank 1/4 (local 1), master 10.0.0.1:29500" or "single process".
std::string describe(const DistEnv& env);

}  // namespace ds::dist
