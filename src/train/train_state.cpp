// Exact, crash-safe checkpoints (see train_state.h).
#include "train/train_state.h"

#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/C++17.h>

#include <algorithm>
#include <filesystem>
#include <mutex>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/rng.h"
#include "model/checkpoint.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace ds::train {

namespace {

constexpr const char* kFormat = "deepsearch-train-state";
constexpr int kVersion = 1;
constexpr const char* kStateFile = "train_state.json";
constexpr const char* kOptimizerFile = "optimizer.safetensors";
constexpr const char* kConfigFile = "config.yaml";
constexpr const char* kModelDir = "model";
constexpr const char* kCheckpointsDir = "checkpoints";
constexpr const char* kLatestFile = "latest";
constexpr const char* kStagingPrefix = ".staging_";

std::string to_hex(const uint8_t* data, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = digits[data[i] >> 4];
    s[2 * i + 1] = digits[data[i] & 15];
  }
  return s;
}

bool from_hex(const std::string& s, std::vector<uint8_t>& out) {
  if (s.size() % 2) return false;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out.resize(s.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = val(s[2 * i]), lo = val(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

std::string key_of(const torch::Tensor& p) {
  return c10::guts::to_string(p.unsafeGetTensorImpl());
}

// AdamW state read from a file and checked against the parameters, not yet applied.
struct PreparedAdamW {
  std::vector<std::pair<std::string, std::unique_ptr<torch::optim::AdamWParamState>>> states;
  std::vector<std::string> stateless;  // parameter keys whose state must be cleared
};

PreparedAdamW prepare_adamw(const std::string& path, const rl::NamedTensors& params) {
  const auto file = ds::model::SafetensorsFile::open(path);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& info : file.tensors()) tensors[info.name] = ds::model::read_tensor(file, info);
  auto find = [&](const std::string& name) {
    auto it = tensors.find(name);
    return it == tensors.end() ? torch::Tensor() : it->second;
  };
  auto corrupt = [&](const std::string& problem) {
    return DataError(path, problem,
                     "the optimizer state does not match the model; resume from a checkpoint of "
                     "this run, or start a new run");
  };
  json steps;
  try {
    auto it = file.metadata().find("steps");
    if (it == file.metadata().end()) throw corrupt("metadata 'steps' is missing");
    steps = json::parse(it->second);
  } catch (const json::exception& e) {
    throw corrupt(std::string("metadata 'steps' is not valid JSON: ") + e.what());
  }
  if (!steps.is_object()) throw corrupt("metadata 'steps' is not an object");
  size_t used = 0;
  PreparedAdamW out;
  for (const auto& [name, p] : params) {
    torch::Tensor m = find(name + ".exp_avg"), v = find(name + ".exp_avg_sq");
    torch::Tensor vmax = find(name + ".max_exp_avg_sq");
    if (!m.defined() && !v.defined()) {
      if (steps.contains(name)) throw corrupt("step count of '" + name + "' without moments");
      out.stateless.push_back(key_of(p));
      continue;
    }
    if (!m.defined() || !v.defined())
      throw corrupt("parameter '" + name + "' has only one of exp_avg / exp_avg_sq");
    for (const auto* t : {&m, &v, &vmax})
      if (t->defined() && (t->sizes() != p.sizes() || t->scalar_type() != p.scalar_type()))
        throw corrupt("moments of '" + name + "' do not match the parameter's shape/dtype");
    if (!steps.contains(name) || !steps[name].is_number_integer() || steps[name].get<int64_t>() < 0)
      throw corrupt("step count of '" + name + "' is missing or invalid");
    auto st = std::make_unique<torch::optim::AdamWParamState>();
    st->step(steps[name].get<int64_t>());
    st->exp_avg(m.to(p.device()));
    st->exp_avg_sq(v.to(p.device()));
    if (vmax.defined()) st->max_exp_avg_sq(vmax.to(p.device()));
    out.states.emplace_back(key_of(p), std::move(st));
    used += vmax.defined() ? 3 : 2;
  }
  if (used != tensors.size())
    throw corrupt("holds " + std::to_string(tensors.size() - used) +
                  " tensors of parameters the model does not have");
  return out;
}

void apply_adamw(PreparedAdamW prepared, torch::optim::AdamW& optimizer) {
  auto& state = optimizer.state();
  for (const auto& key : prepared.stateless) state.erase(key);
  for (auto& [key, st] : prepared.states) state[key] = std::move(st);
}

int64_t parse_step_dir(const std::string& name) {
  if (name.rfind("step_", 0) != 0 || name.size() == 5) return -1;
  for (size_t i = 5; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return -1;
  return std::stoll(name.substr(5));
}

}  // namespace

std::string torch_cpu_rng_state() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  torch::Tensor st = gen.get_state().contiguous();
  return to_hex(st.data_ptr<uint8_t>(), static_cast<size_t>(st.numel()));
}

void set_torch_cpu_rng_state(const std::string& hex, const std::string& where) {
  std::vector<uint8_t> bytes;
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  const int64_t expected = gen.get_state().numel();
  if (!from_hex(hex, bytes) || static_cast<int64_t>(bytes.size()) != expected)
    throw DataError(where, "malformed torch RNG state",
                    "the checkpoint is corrupt; resume from an earlier one");
  torch::Tensor st = torch::empty({expected}, torch::kUInt8);
  std::copy(bytes.begin(), bytes.end(), st.data_ptr<uint8_t>());
  gen.set_state(st);
}

void save_adamw_state(const std::string& path, const torch::optim::AdamW& optimizer,
                      const rl::NamedTensors& params) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  json steps = json::object();
  const auto& state = optimizer.state();
  for (const auto& [name, p] : params) {
    auto it = state.find(key_of(p));
    if (it == state.end()) continue;
    const auto& st = static_cast<const torch::optim::AdamWParamState&>(*it->second);
    tensors.emplace_back(name + ".exp_avg", st.exp_avg());
    tensors.emplace_back(name + ".exp_avg_sq", st.exp_avg_sq());
    if (st.max_exp_avg_sq().defined())
      tensors.emplace_back(name + ".max_exp_avg_sq", st.max_exp_avg_sq());
    steps[name] = st.step();
  }
  ds::model::save_tensors(path, tensors, {{"steps", steps.dump()}, {"optimizer", "adamw"}});
}

void load_adamw_state(const std::string& path, torch::optim::AdamW& optimizer,
                      const rl::NamedTensors& params) {
  apply_adamw(prepare_adamw(path, params), optimizer);
}

std::string checkpoint_dir(const std::string& run_dir, int64_t step) {
  return (fs::path(run_dir) / kCheckpointsDir / ("step_" + std::to_string(step))).string();
}

std::string save_checkpoint(const std::string& run_dir, const TrainState& state,
                            rl::TrainablePolicy& policy, const torch::optim::AdamW& optimizer,
                            const std::string& config_yaml, int keep_last,
                            const std::function<void(const std::string& dir)>& extra_files) {
  DS_CHECK(state.step >= 0, "negative step");
  const fs::path root = fs::path(run_dir) / kCheckpointsDir;
  fs::create_directories(root);
  // Leftovers of a crash during an earlier save.
  for (const auto& e : fs::directory_iterator(root))
    if (e.path().filename().string().rfind(kStagingPrefix, 0) == 0) fs::remove_all(e.path());

  const std::string name = "step_" + std::to_string(state.step);
  const fs::path staging = root / (kStagingPrefix + name);
  fs::create_directories(staging / kModelDir);
  policy.save((staging / kModelDir).string());
  save_adamw_state((staging / kOptimizerFile).string(), optimizer, policy.named_parameters());
  json j = {{"format", kFormat},   {"version", kVersion},
            {"step", state.step},  {"data_position", state.data_position},
            {"rngs", state.rngs},  {"torch_cpu_rng", state.torch_cpu_rng},
            {"extra", state.extra}};
  atomic_write_file((staging / kStateFile).string(), j.dump(1) + "\n");
  atomic_write_file((staging / kConfigFile).string(), config_yaml);
  if (extra_files) extra_files(staging.string());
  fsync_dir((staging / kModelDir).string());
  fsync_dir(staging.string());

  const fs::path target = root / name;
  atomic_replace_dir(staging.string(), target.string());
  atomic_write_file((fs::path(run_dir) / kLatestFile).string(),
                    std::string(kCheckpointsDir) + "/" + name + "\n");

  if (keep_last > 0) {
    std::vector<std::pair<int64_t, fs::path>> all;
    for (const auto& e : fs::directory_iterator(root)) {
      int64_t s = e.is_directory() ? parse_step_dir(e.path().filename().string()) : -1;
      if (s >= 0) all.emplace_back(s, e.path());
    }
    std::sort(all.begin(), all.end());
    for (size_t i = 0; i + keep_last < all.size(); ++i)
      if (all[i].second != target) fs::remove_all(all[i].second);
  }
  return target.string();
}

std::string latest_checkpoint(const std::string& run_dir) {
  const fs::path pointer = fs::path(run_dir) / kLatestFile;
  if (!fs::exists(pointer))
    throw DataError(pointer.string(), "no checkpoint pointer (the run never saved a checkpoint)",
                    "check the run directory, or start a new run without --resume");
  std::string rel = read_file(pointer.string());
  while (!rel.empty() && (rel.back() == '\n' || rel.back() == '\r' || rel.back() == ' '))
    rel.pop_back();
  if (rel.empty() || rel.find("..") != std::string::npos || rel.front() == '/')
    throw DataError(pointer.string(), "does not name a checkpoint directory ('" + rel + "')",
                    "write 'checkpoints/step_N' into it, naming an existing checkpoint");
  const fs::path dir = fs::path(run_dir) / rel;
  if (!fs::is_directory(dir) || !fs::exists(dir / kStateFile))
    throw DataError(pointer.string(), "points to '" + rel + "', which is missing or incomplete",
                    "point it at another checkpoints/step_N directory of this run");
  return dir.string();
}

TrainState read_train_state(const std::string& checkpoint_dir) {
  const std::string path = (fs::path(checkpoint_dir) / kStateFile).string();
  json j;
  try {
    j = json::parse(read_file(path));
  } catch (const json::exception& e) {
    throw DataError(path, std::string("invalid JSON: ") + e.what(),
                    "the checkpoint is corrupt; resume from an earlier one");
  }
  auto bad = [&](const std::string& field, const std::string& problem) {
    return DataError(path, "field '" + field + "' " + problem,
                     "the checkpoint is corrupt or from another program; resume from an earlier "
                     "one");
  };
  if (!j.is_object()) throw bad("(root)", "is not an object");
  if (!j.contains("format") || j["format"] != kFormat)
    throw bad("format", "is not " + std::string(kFormat));
  if (!j.contains("version") || !j["version"].is_number_integer())
    throw bad("version", "is missing");
  if (j["version"].get<int>() != kVersion)
    throw DataError(path, "unsupported version " + j["version"].dump(),
                    "use the deepsearch version that wrote this checkpoint");
  TrainState s;
  if (!j.contains("step") || !j["step"].is_number_integer() || j["step"].get<int64_t>() < 0)
    throw bad("step", "is missing or not a non-negative integer");
  s.step = j["step"].get<int64_t>();
  if (j.contains("data_position")) s.data_position = j["data_position"];
  if (j.contains("extra")) s.extra = j["extra"];
  if (j.contains("rngs")) {
    if (!j["rngs"].is_object()) throw bad("rngs", "is not an object");
    for (const auto& [name, v] : j["rngs"].items()) {
      if (!v.is_string()) throw bad("rngs." + name, "is not a string");
      Rng probe;
      try {
        probe.set_state(v.get<std::string>());
      } catch (const DataError&) {
        throw bad("rngs." + name, "is not a valid RNG state");
      }
      s.rngs[name] = v.get<std::string>();
    }
  }
  if (j.contains("torch_cpu_rng")) {
    if (!j["torch_cpu_rng"].is_string()) throw bad("torch_cpu_rng", "is not a string");
    s.torch_cpu_rng = j["torch_cpu_rng"].get<std::string>();
  }
  return s;
}

TrainState load_checkpoint(const std::string& checkpoint_dir, rl::TrainablePolicy& policy,
                           torch::optim::AdamW& optimizer) {
  const fs::path dir(checkpoint_dir);
  if (!fs::is_directory(dir))
    throw DataError(checkpoint_dir, "checkpoint directory not found",
                    "check the path, or use RUN_DIR/latest");
  TrainState s = read_train_state(checkpoint_dir);
  rl::NamedTensors params = policy.named_parameters();
  PreparedAdamW adamw = prepare_adamw((dir / kOptimizerFile).string(), params);
  if (!s.torch_cpu_rng.empty()) {  // validate before anything is modified
    std::vector<uint8_t> bytes;
    if (!from_hex(s.torch_cpu_rng, bytes))
      throw DataError((dir / kStateFile).string(), "field 'torch_cpu_rng' is not hex",
                      "the checkpoint is corrupt; resume from an earlier one");
  }
  policy.load((dir / kModelDir).string());
  apply_adamw(std::move(adamw), optimizer);
  if (!s.torch_cpu_rng.empty())
    set_torch_cpu_rng_state(s.torch_cpu_rng, (dir / kStateFile).string());
  return s;
}

}  // namespace ds::train
