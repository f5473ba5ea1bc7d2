// Tests of the dist module: torchrun-style environment parsing (errors name the variable); c10d
// collectives between 2 real processes over loopback (mixed dtypes, barrier, broadcast); the
// data-parallel update: 2 ranks on their halves of a batch end with the same parameters as one
// process over the whole batch (within 1e-6) and identical to each other, also with uneven and
// empty shares; a killed rank and a stalled rank make the survivor fail with a clear DistError
// within the timeout; rendezvous timeouts; the --nproc launcher (prefixed output, the first
// failing rank stops the others and is named, --nproc parsing).
//
// Ranks are this test program itself, re-executed (fork + exec, never a bare fork of a process
// that already runs torch) with DS_DIST_TEST_ROLE set: a gtest Environment runs the worker before
// any test and exits with its status. Ports come from find_free_port().
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/errors.h"
#include "dist/c10d_collective.h"
#include "dist/dist_env.h"
#include "dist/launcher.h"
#include "rl/optimizer.h"
#include "rl/sample_batch.h"
#include "rl/update.h"
#include "rl_test_policy.h"

namespace {

namespace fs = std::filesystem;
using namespace ds;
using namespace ds::dist;
using ds::rl::testing::make_sample;
using ds::rl::testing::make_tiny_policy;
using Clock = std::chrono::steady_clock;

constexpr const char* kRole = "DS_DIST_TEST_ROLE";
constexpr const char* kDir = "DS_DIST_TEST_DIR";
constexpr const char* kScenario = "DS_DIST_TEST_SCENARIO";
constexpr const char* kTimeout = "DS_DIST_TEST_TIMEOUT";

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream f(p.string() + ".tmp");
  f << text;
  f.close();
  fs::rename(p.string() + ".tmp", p);
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// ---------------------------------------------------------------------------------------------
// The update scenarios, shared by the workers (one share each) and the single-process reference.

std::vector<rl::Sample> eight_samples() {
  return {make_sample(0, {1, 2, 3}, {4, 5}, 1.0),       make_sample(0, {1, 2}, {6, 7, 8, 9}, -1.0),
          make_sample(1, {3}, {4}, 1.0),                make_sample(1, {2, 2, 2, 2}, {5, 6, 7}, -1.0),
          make_sample(2, {5, 1}, {3, 3, 2, 8, 1}, 1.0), make_sample(2, {7}, {11, 12}, -1.0),
          make_sample(3, {9, 9, 4}, {10}, 1.0),         make_sample(3, {6, 2}, {1, 4, 12, 7}, -1.0)};
}

float advantage_of(size_t i) {  // distinct, signed, non-trivial
  const float a[] = {1.0f, -0.5f, 0.75f, -1.25f, 0.3f, -0.8f, 1.5f, -0.2f};
  return a[i];
}

rl::SampleBatch batch_of(const std::vector<size_t>& which) {
  auto all = eight_samples();
  std::vector<rl::Sample> s;
  std::vector<std::vector<float>> adv;
  for (size_t i : which) {
    s.push_back(all[i]);
    adv.emplace_back(all[i].response_ids.size(), advantage_of(i));
  }
  if (s.empty()) return rl::SampleBatch{};
  return rl::collate(s, adv, 0);
}

struct Scenario {
  rl::UpdateOptions update;
  rl::PolicyLossOptions loss;
  double grad_clip = 1.0;
  int steps = 3;
  std::vector<std::vector<size_t>> shares;  // rows of each rank
  std::vector<size_t> single;               // the same rows in one process, in global order
  int64_t single_mini_batch = 0;            // the equivalent mini-batch size of one process
};

Scenario scenario(const std::string& name) {
  Scenario s;
  s.update.micro_batch_size = 2;
  if (name == "token_mean") {
    // Global mini-batch 4 = 2 rows of each rank; global mini-batch k = local mini-batch k of every
    // rank, so one process sees the rows in the order r0 r0 r1 r1 | r0 r0 r1 r1.
    s.update.mini_batch_size = 4;
    s.update.ppo_epochs = 2;
    s.shares = {{0, 1, 4, 5}, {2, 3, 6, 7}};
    s.single = {0, 1, 2, 3, 4, 5, 6, 7};
    s.single_mini_batch = 4;
  } else if (name == "seq_mean_uneven") {
    // One mini-batch (0 = whole batch), 3 vs 5 rows, GRPO aggregation, KL off, clipping off.
    s.loss.aggregation = "seq_mean_token_mean";
    s.update.mini_batch_size = 0;
    s.grad_clip = 0.0;
    s.shares = {{7, 0, 3}, {1, 2, 4, 5, 6}};
    s.single = {7, 0, 3, 1, 2, 4, 5, 6};
    s.single_mini_batch = 0;
  } else if (name == "empty_rank") {
    // Rank 1 has no rows at all: it runs 4 empty mini-batches that still join the collectives.
    s.update.mini_batch_size = 4;
    s.shares = {{0, 1, 2, 3, 4, 5, 6, 7}, {}};
    s.single = {0, 1, 2, 3, 4, 5, 6, 7};
    s.single_mini_batch = 2;
  } else {
    ADD_FAILURE() << "unknown scenario " << name;
  }
  return s;
}

rl::OptimizerOptions optimizer_options() {
  rl::OptimizerOptions oo;
  oo.lr = 0.01;
  oo.weight_decay = 0.01;
  return oo;
}

// Runs the scenario's steps; returns the metrics of the last update.
std::map<std::string, double> run_updates(rl::TrainablePolicy& policy, const rl::SampleBatch& batch,
                                          const Scenario& sc, rl::UpdateOptions uo,
                                          rl::Collective* collective) {
  auto opt = rl::make_adamw(policy, optimizer_options());
  rl::UpdateExtras ex;
  ex.collective = collective;
  std::map<std::string, double> m;
  for (int i = 0; i < sc.steps; ++i) m = rl::update(policy, *opt, batch, uo, sc.loss, sc.grad_clip, ex);
  return m;
}

std::vector<torch::Tensor> params_of(rl::TrainablePolicy& p) {
  std::vector<torch::Tensor> out;
  for (auto& [n, t] : p.named_parameters()) out.push_back(t.detach().clone());
  return out;
}

std::string metrics_text(const std::map<std::string, double>& m) {
  std::ostringstream os;
  os.precision(17);
  for (const auto& [k, v] : m) os << k << ' ' << v << '\n';
  return os.str();
}

std::map<std::string, double> parse_metrics(const std::string& text) {
  std::map<std::string, double> m;
  std::istringstream is(text);
  std::string k;
  double v;
  while (is >> k >> v) m[k] = v;
  return m;
}

// ---------------------------------------------------------------------------------------------
// Workers (run in the re-executed ranks).

DistOptions worker_options() {
  DistOptions o;
  o.timeout_s = std::stod(env_or(kTimeout, "30"));
  return o;
}

int worker_ops(const fs::path& dir) {
  DistEnv env = read_dist_env();
  auto c = make_collective(env, worker_options());
  const int r = c->rank(), w = c->world_size();
  // Mixed dtypes and shapes in one call; values depend on the rank.
  std::vector<torch::Tensor> t = {torch::full({2, 3}, 1.0f + r), torch::full({5}, 0.5 * r, torch::kFloat64),
                                  torch::arange(4, torch::kInt64) * (r + 1), torch::full({1}, 2.0f)};
  c->all_reduce_sum(t);
  bool ok = torch::allclose(t[0], torch::full({2, 3}, 1.0f * w + w * (w - 1) / 2.0f)) &&
            torch::allclose(t[1], torch::full({5}, 0.5 * w * (w - 1) / 2, torch::kFloat64)) &&
            torch::equal(t[2], torch::arange(4, torch::kInt64) * (w * (w + 1) / 2)) &&
            t[3].item<float>() == 2.0f * w && t[0].sizes() == torch::IntArrayRef({2, 3});
  c->barrier();
  auto d = rl::all_reduce_sum(*c, {1.0, static_cast<double>(r)});
  ok = ok && d[0] == w && d[1] == w * (w - 1) / 2.0;
  // broadcast_parameters: different seeds, then rank 0's weights everywhere.
  auto p = make_tiny_policy(100 + r);
  auto p0 = make_tiny_policy(100);
  broadcast_parameters(*c, *p);
  auto a = params_of(*p), b = params_of(*p0);
  for (size_t i = 0; i < a.size(); ++i) ok = ok && torch::equal(a[i], b[i]);
  write_text(dir / ("ops_rank" + std::to_string(r)), ok ? "ok" : "mismatch");
  return ok ? 0 : 5;
}

int worker_update(const fs::path& dir) {
  DistEnv env = read_dist_env();
  auto c = make_collective(env, worker_options());
  const Scenario sc = scenario(env_or(kScenario, "?"));
  auto policy = make_tiny_policy(21);
  auto m = run_updates(*policy, batch_of(sc.shares.at(c->rank())), sc, sc.update, c.get());
  const std::string r = std::to_string(c->rank());
  torch::save(params_of(*policy), (dir / ("params_rank" + r + ".pt")).string());
  write_text(dir / ("metrics_rank" + r), metrics_text(m));
  c->barrier();  // nobody leaves before everyone has finished
  return 0;
}

// Trains until something fails; a DistError is written to error_rank<R> (exit 3). Rank 1 in the
// "stall" scenario stops taking part after its first step but stays alive.
int worker_forever(const fs::path& dir) {
  DistEnv env = read_dist_env();
  const std::string r = std::to_string(env.rank);
  try {
    auto c = make_collective(env, worker_options());
    const Scenario sc = scenario("token_mean");
    auto policy = make_tiny_policy(21);
    auto opt = rl::make_adamw(*policy, optimizer_options());
    rl::UpdateExtras ex;
    ex.collective = c.get();
    const rl::SampleBatch batch = batch_of(sc.shares.at(c->rank()));
    for (int step = 0;; ++step) {
      rl::update(*policy, *opt, batch, sc.update, sc.loss, sc.grad_clip, ex);
      write_text(dir / ("progress_rank" + r), std::to_string(step));
      if (env_or(kScenario, "") == "stall" && c->rank() == 1) std::this_thread::sleep_for(std::chrono::hours(1));
    }
  } catch (const DistError& e) {
    write_text(dir / ("error_rank" + r), e.what());
    return 3;
  }
}

// For the launcher: rank 1 fails (exit 7 or SIGKILL), the others would run for a minute.
int worker_launcher(const std::string& scenario_name) {
  DistEnv env = read_dist_env();
  std::printf("hello from %d of %d\n", env.rank, env.world_size);
  std::fprintf(stderr, "to stderr %d\npartial line without newline", env.rank);
  std::fflush(stdout);
  std::fflush(stderr);
  if (scenario_name == "echo") return 0;
  if (env.rank == 1) {
    if (scenario_name == "exit7") return 7;
    if (scenario_name == "sigkill") raise(SIGKILL);
  }
  std::this_thread::sleep_for(std::chrono::seconds(60));
  return 0;
}

class WorkerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* role = std::getenv(kRole);
    if (role == nullptr) return;
    at::set_num_threads(1);
    int code = 0;
    try {
      const fs::path dir = env_or(kDir, ".");
      const std::string r(role);
      if (r == "ops") code = worker_ops(dir);
      else if (r == "update") code = worker_update(dir);
      else if (r == "forever") code = worker_forever(dir);
      else if (r == "launcher") code = worker_launcher(env_or(kScenario, ""));
      else code = 64;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "worker %s failed: %s\n", role, e.what());
      code = 4;
    }
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(code);
  }
};
const auto* const kWorkerEnvironment = ::testing::AddGlobalTestEnvironment(new WorkerEnvironment);

// ---------------------------------------------------------------------------------------------
// Test-side helpers.

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() /
               ("ds_dist_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Runs `nproc` ranks of this program in `role` through the launcher; returns its result.
LaunchResult launch(int nproc, const std::string& role, const std::string& scen, const fs::path& dir,
                    double timeout_s = 60) {
  LaunchOptions lo;
  lo.extra_env = {{kRole, role}, {kScenario, scen}, {kDir, dir.string()},
                  {kTimeout, std::to_string(timeout_s)}};
  lo.grace_s = 3;
  return launch_local_ranks_ex(nproc, {"test_dist_collective"}, lo);
}

// fork + exec of one rank of this program (for the tests that kill ranks themselves).
pid_t spawn_rank(int rank, int world, int port, const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  env.push_back("RANK=" + std::to_string(rank));
  env.push_back("WORLD_SIZE=" + std::to_string(world));
  env.push_back("MASTER_ADDR=127.0.0.1");
  env.push_back("MASTER_PORT=" + std::to_string(port));
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  char arg0[] = "test_dist_collective";
  char* argv[] = {arg0, nullptr};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execve("/proc/self/exe", argv, envp.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid` up to `limit`; returns its wait status, or -1 (and kills it) on expiry.
int wait_for(pid_t pid, std::chrono::seconds limit) {
  const auto end = Clock::now() + limit;
  int status = 0;
  while (Clock::now() < end) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

bool wait_for_file(const fs::path& p, std::chrono::seconds limit) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (fs::exists(p)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// (a) Environment parsing.

TEST(DistEnv, AbsentMeansOneProcess) {
  DistEnv e = parse_dist_env(std::map<std::string, std::string>{});
  EXPECT_FALSE(e.distributed());
  EXPECT_EQ(e.world_size, 1);
  EXPECT_EQ(e.rank, 0);
  EXPECT_EQ(describe(e), "single process");
  // WORLD_SIZE=1 without a master is still one process.
  e = parse_dist_env(std::map<std::string, std::string>{{"RANK", "0"}, {"WORLD_SIZE", "1"}});
  EXPECT_FALSE(e.distributed());
}

TEST(DistEnv, TorchrunVariables) {
  DistEnv e = parse_dist_env(std::map<std::string, std::string>{{"RANK", "5"},
                                                                {"WORLD_SIZE", "8"},
                                                                {"LOCAL_RANK", "1"},
                                                                {"LOCAL_WORLD_SIZE", "4"},
                                                                {"MASTER_ADDR", "10.1.2.3"},
                                                                {"MASTER_PORT", "29500"}});
  EXPECT_TRUE(e.distributed());
  EXPECT_EQ(e.rank, 5);
  EXPECT_EQ(e.world_size, 8);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.local_world_size, 4);
  EXPECT_EQ(e.master_addr, "10.1.2.3");
  EXPECT_EQ(e.master_port, 29500);
  EXPECT_EQ(describe(e), "rank 5/8 (local 1), master 10.1.2.3:29500");
  // LOCAL_RANK defaults to RANK.
  e = parse_dist_env(std::map<std::string, std::string>{
      {"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}});
  EXPECT_EQ(e.local_rank, 1);
}

void expect_config_error(const std::map<std::string, std::string>& vars, const std::string& where,
                         const std::string& problem_part) {
  try {
    parse_dist_env(vars);
    ADD_FAILURE() << "no error for " << where;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where(), where);
    EXPECT_NE(e.problem().find(problem_part), std::string::npos) << e.what();
    EXPECT_FALSE(e.hint().empty());
  }
}

TEST(DistEnv, MalformedValuesAreConfigErrorsNamingTheVariable) {
  const std::map<std::string, std::string> ok = {
      {"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29500"}};
  auto with = [&](const std::string& k, const std::string& v) {
    auto m = ok;
    m[k] = v;
    return m;
  };
  auto without = [&](const std::string& k) {
    auto m = ok;
    m.erase(k);
    return m;
  };
  expect_config_error(with("RANK", "x1"), "env RANK", "not an integer");
  expect_config_error(with("RANK", "1.5"), "env RANK", "not an integer");
  expect_config_error(with("RANK", ""), "env RANK", "empty");
  expect_config_error(with("RANK", "-1"), "env RANK", "out of range");
  expect_config_error(with("RANK", "2"), "env RANK", "not below WORLD_SIZE=2");
  expect_config_error(with("WORLD_SIZE", "0"), "env WORLD_SIZE", "out of range");
  expect_config_error(with("WORLD_SIZE", "99999999999999999999"), "env WORLD_SIZE", "not an integer");
  expect_config_error(without("RANK"), "env RANK", "is not set while WORLD_SIZE is");
  expect_config_error(without("WORLD_SIZE"), "env WORLD_SIZE", "is not set while RANK is");
  expect_config_error(without("MASTER_ADDR"), "env MASTER_ADDR", "not set");
  expect_config_error(without("MASTER_PORT"), "env MASTER_PORT", "not set");
  expect_config_error(with("MASTER_PORT", "70000"), "env MASTER_PORT", "out of range");
  expect_config_error(with("MASTER_PORT", "29500 "), "env MASTER_PORT", "not an integer");
  expect_config_error(with("MASTER_ADDR", ""), "env MASTER_ADDR", "empty");
  expect_config_error(with("LOCAL_RANK", "2"), "env LOCAL_RANK", "out of range");
  auto local = ok;
  local["LOCAL_WORLD_SIZE"] = "1";
  local["LOCAL_RANK"] = "1";
  expect_config_error(local, "env LOCAL_RANK", "not below LOCAL_WORLD_SIZE=1");
}

TEST(DistOptions, ValidationAndSingleProcessCollective) {
  DistOptions o;
  o.timeout_s = 0;
  EXPECT_THROW(validate(o), ConfigError);
  o.timeout_s = 10;
  o.backend = "mpi";
  EXPECT_THROW(validate(o), ConfigError);
  auto c = make_collective(DistEnv{}, DistOptions{});
  EXPECT_EQ(c->world_size(), 1);
  EXPECT_EQ(c->rank(), 0);
  EXPECT_TRUE(c->is_main());
  std::vector<torch::Tensor> t{torch::ones({3})};
  c->all_reduce_sum(t);
  EXPECT_TRUE(torch::equal(t[0], torch::ones({3})));
  if (!nccl_compiled()) {
    DistOptions n;
    n.backend = "nccl";
    DistEnv two;
    two.world_size = 2;
    two.master_port = 1;
    EXPECT_THROW(C10dCollective(two, n), ConfigError);
  }
}

// ---------------------------------------------------------------------------------------------
// Collectives between real processes.

TEST(C10dCollective, TwoRanksSumMixedDtypesBarrierAndBroadcast) {
  const fs::path dir = fresh_dir("ops");
  LaunchResult r = launch(2, "ops", "", dir);
  EXPECT_EQ(r.exit_code, 0) << r.message;
  EXPECT_EQ(read_text(dir / "ops_rank0"), "ok");
  EXPECT_EQ(read_text(dir / "ops_rank1"), "ok");
  fs::remove_all(dir);
}

TEST(C10dCollective, RendezvousTimesOutWithAClearError) {
  DistOptions o;
  o.timeout_s = 2;
  for (int rank : {0, 1}) {  // rank 0 waits for a worker that never comes; rank 1 for a master
    DistEnv e;
    e.rank = rank;
    e.world_size = 2;
    e.master_port = find_free_port();
    const auto t0 = Clock::now();
    try {
      C10dCollective c(e, o);
      ADD_FAILURE() << "rendezvous of rank " << rank << " alone succeeded";
    } catch (const DistError& err) {
      const std::string what = err.what();
      EXPECT_NE(what.find("rendezvous at 127.0.0.1:" + std::to_string(e.master_port)),
                std::string::npos)
          << what;
      EXPECT_NE(what.find("dist rank " + std::to_string(rank) + "/2"), std::string::npos) << what;
      EXPECT_NE(what.find("dist.timeout_s"), std::string::npos) << what;
    }
    EXPECT_LT(Clock::now() - t0, std::chrono::seconds(30));
  }
}

// (b) Two ranks == one process over the union of their rows.
void expect_two_ranks_match_one_process(const std::string& name) {
  SCOPED_TRACE(name);
  const fs::path dir = fresh_dir(name);
  LaunchResult r = launch(2, "update", name, dir);
  ASSERT_EQ(r.exit_code, 0) << r.message;

  Scenario sc = scenario(name);
  auto single = make_tiny_policy(21);
  rl::UpdateOptions uo = sc.update;
  uo.mini_batch_size = static_cast<int>(sc.single_mini_batch);
  auto m1 = run_updates(*single, batch_of(sc.single), sc, uo, nullptr);
  const auto expected = params_of(*single);

  std::vector<torch::Tensor> p0, p1;
  torch::load(p0, (dir / "params_rank0.pt").string());
  torch::load(p1, (dir / "params_rank1.pt").string());
  ASSERT_EQ(p0.size(), expected.size());
  ASSERT_EQ(p1.size(), expected.size());
  auto fresh = params_of(*make_tiny_policy(21));
  double moved = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(torch::equal(p0[i], p1[i])) << "ranks differ in parameter " << i;
    const double diff = (p0[i] - expected[i]).abs().max().item<double>();
    EXPECT_LE(diff, 1e-6) << "parameter " << i;
    moved = std::max(moved, (expected[i] - fresh[i]).abs().max().item<double>());
  }
  EXPECT_GT(moved, 1e-3);  // the update did something (so the comparison means something)

  auto d0 = parse_metrics(read_text(dir / "metrics_rank0"));
  auto d1 = parse_metrics(read_text(dir / "metrics_rank1"));
  for (const char* k : {"tokens", "loss", "pg_loss", "grad_norm", "optimizer_steps", "entropy",
                        "ratio_mean", "ratio_max", "ratio_min", "clip_frac_low", "clip_frac_high",
                        "approx_kl"}) {
    ASSERT_TRUE(d0.count(k) && m1.count(k)) << k;
    EXPECT_NEAR(d0[k], m1[k], 1e-5 * std::max(1.0, std::abs(m1[k]))) << k;
    EXPECT_EQ(d0[k], d1[k]) << k << " differs between the ranks";
  }
  fs::remove_all(dir);
}

TEST(DataParallelUpdate, TwoRanksMatchOneProcessTokenMean) {
  expect_two_ranks_match_one_process("token_mean");
}
TEST(DataParallelUpdate, TwoRanksMatchOneProcessUnevenSharesSeqMean) {
  expect_two_ranks_match_one_process("seq_mean_uneven");
}
TEST(DataParallelUpdate, RankWithoutRowsJoinsEveryStep) {
  expect_two_ranks_match_one_process("empty_rank");
}

TEST(DataParallelUpdate, MiniBatchMustSplitEvenlyOverTheRanks) {
  // A fake 2-rank collective is enough: the check happens before any communication.
  struct Fake : rl::Collective {
    int rank() const override { return 0; }
    int world_size() const override { return 2; }
    void all_reduce_sum(std::vector<torch::Tensor>&) override {}
    void barrier() override {}
  } fake;
  auto policy = make_tiny_policy(1);
  auto opt = rl::make_adamw(*policy, optimizer_options());
  rl::UpdateOptions uo;
  uo.mini_batch_size = 3;
  rl::UpdateExtras ex;
  ex.collective = &fake;
  try {
    rl::update(*policy, *opt, batch_of({0, 1}), uo, rl::PolicyLossOptions{}, 1.0, ex);
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where(), "update.mini_batch_size");
  }
}

// (c) A dead or stalled peer: the survivor fails with a DistError within the timeout.
void expect_survivor_fails(const std::string& how) {
  SCOPED_TRACE(how);
  const fs::path dir = fresh_dir(how);
  const int port = find_free_port();
  const double timeout_s = 5;
  std::map<std::string, std::string> extra = {{kRole, "forever"},
                                              {kScenario, how},
                                              {kDir, dir.string()},
                                              {kTimeout, std::to_string(timeout_s)}};
  const pid_t r0 = spawn_rank(0, 2, port, extra), r1 = spawn_rank(1, 2, port, extra);
  // Both ranks have finished at least one data-parallel step (generous: a loaded machine).
  const bool started = wait_for_file(dir / "progress_rank1", std::chrono::seconds(120));
  if (how == "kill") ::kill(r1, SIGKILL);
  const auto t0 = Clock::now();
  const int status = wait_for(r0, std::chrono::seconds(static_cast<int>(timeout_s) + 60));
  const double waited = std::chrono::duration<double>(Clock::now() - t0).count();
  ::kill(r1, SIGKILL);
  ::waitpid(r1, nullptr, 0);
  ASSERT_TRUE(started) << "the ranks never completed a step";
  ASSERT_NE(status, -1) << "rank 0 hung after its peer " << how;
  ASSERT_TRUE(WIFEXITED(status)) << "rank 0 died instead of reporting: status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 3);
  const std::string err = read_text(dir / "error_rank0");
  EXPECT_NE(err.find("dist rank 0/2 (gloo)"), std::string::npos) << err;
  EXPECT_NE(err.find("all_reduce_sum"), std::string::npos) << err;
  EXPECT_NE(err.find("another rank probably died"), std::string::npos) << err;
  EXPECT_NE(err.find("dist.timeout_s (now 5 s)"), std::string::npos) << err;
  // A killed peer is noticed at once (closed connection); a stalled one after the timeout.
  if (how == "stall") EXPECT_GE(waited, timeout_s - 1.0) << err;
  EXPECT_LT(waited, timeout_s + 30.0) << err;
  std::printf("[ info ] %s: rank 0 failed after %.2f s: %s\n", how.c_str(), waited, err.c_str());
  fs::remove_all(dir);
}

TEST(DataParallelUpdate, KilledRankMakesTheOtherFailClearly) { expect_survivor_fails("kill"); }
TEST(DataParallelUpdate, StalledRankMakesTheOtherTimeOut) { expect_survivor_fails("stall"); }

// ---------------------------------------------------------------------------------------------
// The launcher.

TEST(Launcher, PrefixesEachRanksOutput) {
  const fs::path dir = fresh_dir("echo");
  // Capture this process's stdout and stderr while the launcher relays the ranks' output.
  std::fflush(stdout);
  std::fflush(stderr);
  const int saved_out = ::dup(1), saved_err = ::dup(2);
  const std::string cap = (dir / "captured").string();
  const int fd = ::open(cap.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ::dup2(fd, 1);
  ::dup2(fd, 2);
  LaunchResult r = launch(3, "launcher", "echo", dir);
  ::dup2(saved_out, 1);
  ::dup2(saved_err, 2);
  ::close(fd);
  ::close(saved_out);
  ::close(saved_err);
  EXPECT_EQ(r.exit_code, 0) << r.message;
  EXPECT_EQ(r.failed_rank, -1);
  const std::string out = read_text(cap);
  for (int k = 0; k < 3; ++k) {
    const std::string p = "[rank " + std::to_string(k) + "] ";
    EXPECT_NE(out.find(p + "hello from " + std::to_string(k) + " of 3\n"), std::string::npos) << out;
    EXPECT_NE(out.find(p + "to stderr " + std::to_string(k) + "\n"), std::string::npos) << out;
    EXPECT_NE(out.find(p + "partial line without newline\n"), std::string::npos) << out;
  }
  fs::remove_all(dir);
}

TEST(Launcher, FailingRankStopsTheOthersAndIsNamed) {
  const fs::path dir = fresh_dir("fail");
  for (const std::string how : {"exit7", "sigkill"}) {
    const auto t0 = Clock::now();
    LaunchResult r = launch(3, "launcher", how, dir);
    const double took = std::chrono::duration<double>(Clock::now() - t0).count();
    EXPECT_EQ(r.failed_rank, 1) << r.message;
    if (how == "exit7") {
      EXPECT_EQ(r.exit_code, 7);
      EXPECT_NE(r.message.find("rank 1 (pid "), std::string::npos) << r.message;
      EXPECT_NE(r.message.find("exited with status 7"), std::string::npos) << r.message;
    } else {
      EXPECT_EQ(r.exit_code, 128 + SIGKILL);
      EXPECT_NE(r.message.find("killed by signal 9"), std::string::npos) << r.message;
    }
    EXPECT_LT(took, 45.0) << "the surviving ranks (sleeping 60 s) were not stopped";
  }
  fs::remove_all(dir);
}

TEST(Launcher, NprocFlagIsStrippedAndChecked) {
  int n = -1;
  auto a = strip_nproc_flag({"deepsearch", "train", "--nproc", "4", "--config", "x.yaml"}, &n);
  EXPECT_EQ(n, 4);
  EXPECT_EQ(a, (std::vector<std::string>{"deepsearch", "train", "--config", "x.yaml"}));
  a = strip_nproc_flag({"deepsearch", "train", "--nproc=2"}, &n);
  EXPECT_EQ(n, 2);
  EXPECT_EQ(a, (std::vector<std::string>{"deepsearch", "train"}));
  strip_nproc_flag({"deepsearch", "train"}, &n);
  EXPECT_EQ(n, 0);
  EXPECT_THROW(strip_nproc_flag({"x", "--nproc"}, &n), UsageError);
  EXPECT_THROW(strip_nproc_flag({"x", "--nproc", "two"}, &n), UsageError);
  EXPECT_THROW(strip_nproc_flag({"x", "--nproc=0"}, &n), UsageError);
  EXPECT_THROW(launch_local_ranks(0, {"x"}), UsageError);
  EXPECT_GT(find_free_port(), 0);
}

}  // namespace
