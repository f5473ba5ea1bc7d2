// torchrun-style environment parsing (see dist_env.h).
#include "dist/dist_env.h"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <optional>

#include "core/errors.h"

namespace ds::dist {

namespace {

// A whole decimal integer in [lo, hi]; anything else (empty, "1.5", "2x", overflow) is an error.
std::optional<int> get_int(const EnvLookup& lookup, const char* name, long lo, long hi,
                           const std::string& hint) {
  const char* raw = lookup(name);
  if (raw == nullptr) return std::nullopt;
  const std::string s(raw);
  const std::string where = std::string("env ") + name;
  if (s.empty()) throw ConfigError(where, "is set but empty", hint);
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (end == s.c_str() || *end != '\0' || errno == ERANGE)
    throw ConfigError(where, "'" + s + "' is not an integer", hint);
  if (v < lo || v > hi)
    throw ConfigError(where,
                      std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " +
                          std::to_string(hi) + "]",
                      hint);
  return static_cast<int>(v);
}

}  // namespace

DistEnv parse_dist_env(const EnvLookup& lookup) {
  constexpr long kMaxInt = std::numeric_limits<int>::max();
  DistEnv env;
  const auto world = get_int(lookup, "WORLD_SIZE", 1, kMaxInt,
                             "WORLD_SIZE is the total number of processes (>= 1)");
  const auto rank = get_int(lookup, "RANK", 0, kMaxInt, "RANK is this process's index, 0-based");
  if (world.has_value() != rank.has_value())
    throw ConfigError(world ? "env RANK" : "env WORLD_SIZE", "is not set while " +
                                                                 std::string(world ? "WORLD_SIZE" : "RANK") +
                                                                 " is",
                      "set both RANK and WORLD_SIZE (as torchrun does), or neither for one process");
  if (!world) {
    // One process; a stray LOCAL_RANK or MASTER_* is harmless and ignored.
    return env;
  }
  env.world_size = *world;
  env.rank = *rank;
  if (env.rank >= env.world_size)
    throw ConfigError("env RANK",
                      std::to_string(env.rank) + " is not below WORLD_SIZE=" +
                          std::to_string(env.world_size),
                      "ranks are 0 .. WORLD_SIZE-1");
  env.local_world_size =
      get_int(lookup, "LOCAL_WORLD_SIZE", 1, env.world_size,
              "LOCAL_WORLD_SIZE is the number of processes on this machine (<= WORLD_SIZE)")
          .value_or(env.world_size);
  env.local_rank = get_int(lookup, "LOCAL_RANK", 0, env.world_size - 1,
                           "LOCAL_RANK is this process's index on its machine, 0-based")
                       .value_or(env.rank);
  if (env.local_rank >= env.local_world_size && lookup("LOCAL_WORLD_SIZE") != nullptr)
    throw ConfigError("env LOCAL_RANK",
                      std::to_string(env.local_rank) + " is not below LOCAL_WORLD_SIZE=" +
                          std::to_string(env.local_world_size),
                      "local ranks are 0 .. LOCAL_WORLD_SIZE-1");
  const char* addr = lookup("MASTER_ADDR");
  if (addr != nullptr) {
    env.master_addr = addr;
    if (env.master_addr.empty())
      throw ConfigError("env MASTER_ADDR", "is set but empty",
                        "the host name or IP address of the machine running rank 0");
  }
  const auto port = get_int(lookup, "MASTER_PORT", 1, 65535,
                            "a free TCP port on the MASTER_ADDR machine, e.g. 29500");
  if (env.world_size > 1) {
    if (addr == nullptr)
      throw ConfigError("env MASTER_ADDR", "is not set (WORLD_SIZE > 1)",
                        "the host name or IP address of the machine running rank 0; use "
                        "127.0.0.1 on one machine, or `deepsearch train --nproc N`");
    if (!port)
      throw ConfigError("env MASTER_PORT", "is not set (WORLD_SIZE > 1)",
                        "a free TCP port on the MASTER_ADDR machine, e.g. 29500");
  }
  env.master_port = port.value_or(0);
  return env;
}

DistEnv parse_dist_env(const std::map<std::string, std::string>& vars) {
  return parse_dist_env([&vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

DistEnv read_dist_env() {
  return parse_dist_env([](const char* name) -> const char* { return std::getenv(name); });
}

std::string describe(const DistEnv& env) {
  if (!env.distributed()) return "single process";
  return "rank " + std::to_string(env.rank) + "/" + std::to_string(env.world_size) + " (local " +
         std::to_string(env.local_rank) + "), master " + env.master_addr + ":" +
         std::to_string(env.master_port);
}

}  // namespace ds::dist
