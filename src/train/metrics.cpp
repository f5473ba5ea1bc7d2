// Training metrics (see metrics.h).
#include "train/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/timer.h"

using json = nlohmann::json;

namespace ds::train {

json rollout_metrics(const std::vector<rl::Sample>& samples, const rl::AdvantageResult& adv) {
  DS_CHECK(adv.final_scores.size() == samples.size(), "advantages of other samples");
  json m = json::object();
  const double n = static_cast<double>(samples.size());
  m["samples"] = samples.size();
  m["groups"] = adv.groups.size();
  if (samples.empty()) return m;
  double reward = 0, score = 0, correct = 0, truncated = 0, overlong = 0, len = 0;
  int64_t len_max = 0;
  std::map<int64_t, std::pair<bool, bool>> search_groups;  // group -> (from search, solved)
  for (size_t i = 0; i < samples.size(); ++i) {
    const rl::Sample& s = samples[i];
    reward += s.reward;
    score += adv.final_scores[i];
    correct += s.correct;
    truncated += s.truncated;
    overlong += adv.overlong[i];
    len += s.response_length();
    len_max = std::max(len_max, s.response_length());
    auto& g = search_groups[s.group];
    g.first = g.first || s.source == rl::SampleSource::kSearch;
    g.second = g.second || s.correct;
  }
  int64_t solved = 0, searched = 0, search_solved = 0;
  for (const auto& [id, g] : search_groups) {
    solved += g.second;
    searched += g.first;
    search_solved += g.first && g.second;
  }
  const double groups = std::max<double>(1.0, static_cast<double>(adv.groups.size()));
  m["reward_mean"] = reward / n;
  m["score_mean"] = score / n;
  m["correct_frac"] = correct / n;
  m["solved_group_frac"] = solved / groups;
  m["search_solved_frac"] = searched > 0 ? static_cast<double>(search_solved) / searched : 0.0;
  m["zero_variance_group_frac"] = adv.zero_variance_groups / groups;
  m["dropped_group_frac"] = adv.dropped_groups / groups;
  m["truncated_frac"] = truncated / n;
  m["overlong_mean"] = overlong / n;
  m["response_length_mean"] = len / n;
  m["response_length_max"] = len_max;
  m["advantage_mean"] = adv.advantage_mean;
  m["advantage_std"] = adv.advantage_std;
  return m;
}

void PhaseTimer::start(const std::string& phase) {
  stop();
  running_ = phase;
  since_ = monotonic_seconds();
}

void PhaseTimer::stop() {
  if (running_.empty()) return;
  totals_[running_] += monotonic_seconds() - since_;
  running_.clear();
}

json PhaseTimer::seconds() const {
  json j = json::object();
  double total = 0;
  for (const auto& [name, s] : totals_) {
    j["time_" + name + "_s"] = s;
    total += s;
  }
  j["time_step_s"] = total;
  return j;
}

void PhaseTimer::reset() {
  totals_.clear();
  running_.clear();
}

std::string progress_status(const json& m) {
  std::string out;
  auto add = [&](const char* key, const char* label, const char* fmt_spec) {
    if (!m.contains(key) || !m[key].is_number()) return;
    if (!out.empty()) out += ' ';
    out += label;
    out += ' ';
    out += fmt::format(fmt::runtime(fmt_spec), m[key].get<double>());
  };
  add("reward_mean", "reward", "{:.3f}");
  add("correct_frac", "acc", "{:.3f}");
  add("loss", "loss", "{:.4f}");
  add("approx_kl", "kl", "{:.1e}");
  add("response_length_mean", "len", "{:.0f}");
  add("tokens_per_s", "tok/s", "{:.0f}");
  return out;
}

MetricsLog::MetricsLog(const std::string& path) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  writer_ = JsonlWriter(path, /*append=*/true);
}

namespace {
json finite_only(const json& v) {
  if (v.is_number_float()) return std::isfinite(v.get<double>()) ? v : json(nullptr);
  if (v.is_object() || v.is_array()) {
    json out = v;
    for (auto& item : out) item = finite_only(item);
    return out;
  }
  return v;
}
}  // namespace

void MetricsLog::write(int64_t step, const json& fields) {
  DS_CHECK(writer_.is_open(), "MetricsLog is not open");
  json line = json::object();
  line["step"] = step;
  for (const auto& [k, v] : fields.items())
    if (k != "step") line[k] = finite_only(v);
  writer_.write(line);
}

void MetricsLog::truncate_after(const std::string& path, int64_t last_step) {
  if (!std::filesystem::exists(path)) return;
  std::istringstream in(read_file(path));
  std::string line, kept;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) continue;  // torn line of a crash
    if (j.contains("step") && j["step"].is_number_integer() && j["step"].get<int64_t>() > last_step)
      continue;
    kept += line;
    kept += '\n';
  }
  atomic_write_file(path, kept);
}

}  // namespace ds::train
