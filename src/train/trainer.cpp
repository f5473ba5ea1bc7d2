// The RL training loop of one run (see trainer.h).
#include "train/trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <set>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/jsonl.h"
#include "core/log.h"
#include "core/options.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/timer.h"
#include "engine/engine.h"
#include "engine/stop_rules.h"
#include "eval/prompt_template.h"
#include "model/model_loader.h"
#include "rl/collective.h"
#include "rl/optimizer.h"
#include "rl/sample_batch.h"
#include "rl/transformer_policy.h"
#include "rl/update.h"
#include "search/export.h"
#include "train/hard_filter.h"
#include "train/metrics.h"
#include "train/replay_buffer.h"
#include "train/replay_rules.h"
#include "train/rollout.h"
#include "train/sample_filter.h"
#include "train/train_data.h"
#include "train/train_state.h"

namespace ds::train {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kConfigFile = "config.yaml";
constexpr const char* kMetricsFile = "metrics.jsonl";
constexpr const char* kEvalFile = "eval.jsonl";
constexpr const char* kRoundsFile = "rounds.jsonl";
constexpr const char* kShuffleRng = "update_shuffle";  // the update's Rng in train_state.json

// Keys of the run's random streams, each derived from (seed, key). They are part of what makes a
// run reproducible: changing one changes every run's results.
constexpr uint64_t kDataOrderKey = 0x0da7a;       // epoch order of the training problems
constexpr uint64_t kUpdateShuffleKey = 0x5aff1e;  // mini-batch order inside the update
constexpr uint64_t kStepKey = 0x57e9;             // a step's rollouts and searches
constexpr uint64_t kSkipRolloutKey = 0x5c1b;      // direct rollouts of problems that skip search
constexpr uint64_t kFilterRoundKey = 0xf117e5;    // the hard-subset filter of a round

// Per-rank metric values combined on every rank: counts add up, *_max take the maximum,
// everything else is a mean weighted by the rank's sample count.
json reduce_metrics(const json& local, rl::Collective& c) {
  if (c.world_size() == 1) return local;
  std::vector<std::string> keys;
  for (auto it = local.begin(); it != local.end(); ++it)
    if (it->is_number()) keys.push_back(it.key());
  const size_t w = static_cast<size_t>(c.world_size());
  const size_t r = static_cast<size_t>(c.rank());
  // The slot layout below needs the same keys on every rank; a rank whose step had no samples
  // may lack some. Agree on the key set first (count + 24-bit hash of the names, exact in
  // doubles); if it differs, report this rank's numbers unreduced rather than mismatch sizes.
  uint32_t hash = 2166136261u;
  for (const std::string& k : keys)
    for (char ch : k + ",") hash = (hash ^ static_cast<uint8_t>(ch)) * 16777619u;
  std::vector<double> ids(2 * w, 0.0);
  ids[r] = static_cast<double>(keys.size());
  ids[w + r] = static_cast<double>(hash & 0xffffffu);
  ids = rl::all_reduce_sum(c, std::move(ids));
  for (size_t q = 0; q < w; ++q)
    if (ids[q] != ids[r] || ids[w + q] != ids[w + r]) {
      json out = local;
      out["metrics_reduced"] = 0;  // the ranks logged different fields this step
      return out;
    }
  std::vector<double> slots(keys.size() * w + w, 0.0);
  for (size_t k = 0; k < keys.size(); ++k) slots[k * w + r] = local[keys[k]].get<double>();
  const double samples = local.value("samples", 0.0);
  slots[keys.size() * w + r] = samples;
  slots = rl::all_reduce_sum(c, std::move(slots));
  static const std::set<std::string> kSums = {"samples",          "groups",
                                              "generated_tokens", "train_samples",
                                              "prefill_tokens",   "dropped_samples",
                                              "filtered_samples", "searches",
                                              "searches_skipped", "tokens_not_generated",
                                              "refill_batches",   "cached_samples"};
  json out = local;
  double total_samples = 0;
  for (size_t q = 0; q < w; ++q) total_samples += slots[keys.size() * w + q];
  for (size_t k = 0; k < keys.size(); ++k) {
    const std::string& key = keys[k];
    double v = 0;
    if (kSums.count(key) || key.rfind("time_", 0) == 0) {
      for (size_t q = 0; q < w; ++q) v += slots[k * w + q];
      if (key.rfind("time_", 0) == 0) v /= static_cast<double>(w);  // mean phase time
    } else if (key.size() > 4 && key.compare(key.size() - 4, 4, "_max") == 0) {
      v = -std::numeric_limits<double>::infinity();
      for (size_t q = 0; q < w; ++q) v = std::max(v, slots[k * w + q]);
    } else {
      for (size_t q = 0; q < w; ++q) v += slots[k * w + q] * slots[keys.size() * w + q];
      v = total_samples > 0 ? v / total_samples : 0.0;
    }
    out[key] = v;
  }
  return out;
}

struct StepData;

class Trainer {
 public:
  Trainer(TrainOptions options, rl::Collective* collective)
      : o_(std::move(options)), collective_(collective ? collective : &local_) {}

  TrainResult run(bool resume);

 private:
  void setup();
  std::vector<RolloutItem> take_items(size_t global_n, int64_t& next_group);
  RolloutBatch roll_out(const std::vector<RolloutItem>& items, int64_t step, int attempt,
                        bool keep_trees, SkipMetrics& skip);
  // One step = these phases, in order (train_step):
  json train_step(int64_t step);
  void roll_out_step(int64_t step, StepData& d);  // rollouts (+ DAPO refill, tree export)
  void filter_step_samples(StepData& d);          // the sample filter
  void update_step(int64_t step, StepData& d);    // the policy update
  json step_metrics(const StepData& d, double lr, const PhaseTimer& timer);
  RolloutBatch skip_rollouts(const std::vector<RolloutItem>& items, uint64_t seed,
                             SkipMetrics& skip);
  void register_solutions(int64_t step, const RolloutBatch& batch,
                          const std::vector<RolloutItem>& items);
  // Returns false when the filter left no problem to train on.
  bool apply_hard_filter(int round, int64_t step);
  void export_tree(int64_t step, const RolloutBatch& batch, const std::vector<RolloutItem>& items);
  json evaluate(int64_t step);
  void save(int64_t step);
  bool is_main() const { return collective_->rank() == 0; }

  TrainOptions o_;
  rl::LocalCollective local_;
  rl::Collective* collective_;
  std::string config_yaml_;
  std::vector<tasks::Problem> problems_;
  TrainData data_;
  model::LoadedModel loaded_;
  std::unique_ptr<rl::TransformerPolicy> policy_;
  std::unique_ptr<rl::TransformerPolicy> reference_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<Rollouts> rollouts_;
  std::unique_ptr<ReplayBuffer> replay_;  // DeepSearch with replay.enable
  std::string template_name_;
  Rng shuffle_rng_;
  MetricsLog metrics_log_;
  TrainResult result_;
  int64_t generated_total_ = 0;  // generated tokens of the whole run, all ranks (checkpointed)
};

void Trainer::setup() {
  validate_train_options(o_);  // everything checkable before compute
  resolve_automatic_options(o_);
  config_yaml_ = options_to_yaml_string(o_);
  problems_ = load_train_problems(o_);
  data_ = TrainData(problems_.size(), Rng::derive(static_cast<uint64_t>(o_.seed), kDataOrderKey),
                    o_.data.shuffle);
  shuffle_rng_ = Rng(Rng::derive(static_cast<uint64_t>(o_.seed), kUpdateShuffleKey));

  torch::manual_seed(static_cast<uint64_t>(o_.seed));
  loaded_ = model::load_model_or_builtin(o_.model, o_.init_seed, o_.dtype, o_.device, "model");
  template_name_ = eval::resolve_prompt_template(o_.prompt_template, loaded_.tokenizer->kind());
  policy_ = std::make_unique<rl::TransformerPolicy>(loaded_.model, loaded_.tokenizer.get());
  optimizer_ = rl::make_adamw(*policy_, o_.optim);
  if (o_.loss.kl_coef > 0) {
    model::LoadedModel ref =
        model::load_model_or_builtin(o_.model, o_.init_seed, o_.dtype, o_.device, "model");
    for (auto& [name, p] : ref.model->hf_named_parameters()) p.requires_grad_(false);
    reference_ = std::make_unique<rl::TransformerPolicy>(ref.model);
  }
  engine::EngineOptions eo = o_.engine;
  if (eo.eos_ids.empty())
    eo.eos_ids = engine::stop_token_ids(*loaded_.tokenizer, loaded_.model->config(),
                                        eval::prompt_template_end_of_turn(template_name_));
  engine_ = std::make_unique<engine::Engine>(loaded_.model, *loaded_.tokenizer, eo);
  if (max_response_tokens(o_) >= engine_->max_context())
    throw ConfigError("rollout.max_new_tokens",
                      fmt::format("responses of up to {} tokens do not fit the model's context "
                                  "of {} tokens",
                                  max_response_tokens(o_), engine_->max_context()),
                      "lower search.max_depth * search.chunk_tokens or rollout.max_new_tokens");
  rollouts_ = std::make_unique<Rollouts>(*engine_, *loaded_.tokenizer, o_.policy);
}

std::vector<RolloutItem> Trainer::take_items(size_t global_n, int64_t& next_group) {
  // Every rank draws the same global list and keeps its share (positions r, r + W, ...).
  const std::vector<size_t> idx = data_.next(global_n);
  std::vector<RolloutItem> items;
  const size_t w = static_cast<size_t>(collective_->world_size());
  const size_t r = static_cast<size_t>(collective_->rank());
  for (size_t i = 0; i < idx.size(); ++i) {
    const int64_t group = next_group++;
    if (i % w != r) continue;
    RolloutItem it;
    it.problem = &problems_[idx[i]];
    it.prompt = eval::apply_prompt_template(template_name_, it.problem->problem);
    it.key = static_cast<uint64_t>(idx[i]);
    it.group = group;
    items.push_back(std::move(it));
  }
  return items;
}

RolloutBatch Trainer::roll_out(const std::vector<RolloutItem>& items, int64_t step, int attempt,
                               bool keep_trees, SkipMetrics& skip) {
  const uint64_t step_seed = Rng::derive(Rng::derive(static_cast<uint64_t>(o_.seed), kStepKey),
                                         static_cast<uint64_t>(step));
  const uint64_t call_seed = Rng::derive(step_seed, static_cast<uint64_t>(attempt));
  if (o_.algorithm == rl::Algorithm::kDeepSearch) {
    // Problems with verified solutions in the buffer skip search (the skip rule).
    std::vector<RolloutItem> search_items, skip_items;
    for (const RolloutItem& it : items)
      (replay_ && o_.replay.skip_search && replay_->contains(it.problem->id) ? skip_items
                                                                             : search_items)
          .push_back(it);
    search::SearchOptions so = o_.search;
    so.seed = static_cast<int64_t>(call_seed >> 1);
    RolloutBatch batch = rollouts_->search(search_items, so, o_.forest, keep_trees);
    if (!skip_items.empty())
      batch.append(skip_rollouts(skip_items, Rng::derive(call_seed, kSkipRolloutKey), skip));
    return batch;
  }
  DirectRolloutOptions d;
  d.n = o_.rollout.n;
  d.sampling = o_.rollout.sampling;
  d.max_new_tokens = max_response_tokens(o_);
  return rollouts_->direct(items, d, call_seed);
}

// B direct rollouts per skipped problem, the first k = min(#cached, B) replaced by cached
// solutions (only B - k are generated).
RolloutBatch Trainer::skip_rollouts(const std::vector<RolloutItem>& items, uint64_t seed,
                                    SkipMetrics& skip) {
  const int B = o_.search.terminals;
  std::vector<std::vector<CachedSolution>> cached(items.size());
  std::vector<RolloutItem> fresh = items;
  for (size_t i = 0; i < items.size(); ++i) {
    cached[i] = replay_->solutions(items[i].problem->id);
    fresh[i].n = fresh_rollouts(cached[i], B);
    if (fresh[i].n == 0) fresh[i].n = -1;  // nothing to generate (0 would mean "default n")
  }
  DirectRolloutOptions d;
  d.n = B;
  d.sampling = o_.rollout.sampling;
  d.max_new_tokens = max_response_tokens(o_);
  RolloutBatch direct = rollouts_->direct(fresh, d, seed);
  RolloutBatch out;
  out.generated_tokens = direct.generated_tokens;
  out.prefill_tokens = direct.prefill_tokens;
  out.seconds = direct.seconds;
  size_t pos = 0;  // samples of direct are grouped by item, in item order
  for (size_t i = 0; i < items.size(); ++i) {
    std::vector<rl::Sample> mine;
    std::vector<std::string> texts;
    while (pos < direct.samples.size() && direct.samples[pos].group == items[i].group) {
      mine.push_back(std::move(direct.samples[pos]));
      texts.push_back(std::move(direct.texts[pos]));
      ++pos;
    }
    const int k = cached_in_group(cached[i], B);
    std::vector<rl::Sample> group = make_skip_group(
        cached[i], std::move(mine), B, rollouts_->encode_prompt(items[i].prompt), items[i].group);
    skip.add_group(group);
    RolloutGroupInfo g;
    g.group = items[i].group;
    g.problem_id = items[i].problem->id;
    g.skipped = true;
    for (size_t j = 0; j < group.size(); ++j) {
      g.samples++;
      g.correct += group[j].correct;
      g.terminals++;
      g.terminals_correct += group[j].correct;
      if (group[j].source != rl::SampleSource::kCached)
        g.generated_tokens += group[j].response_length();
      out.texts.push_back(static_cast<int>(j) < k ? cached[i][j].response : texts[j - k]);
      out.samples.push_back(std::move(group[j]));
    }
    g.solved = g.correct > 0;
    out.groups.push_back(std::move(g));
  }
  DS_CHECK(pos == direct.samples.size(), "skip rollouts: samples out of group order");
  return out;
}

// Registers the correct trajectories of searched problems that are still hard (replay_rules.h).
void Trainer::register_solutions(int64_t step, const RolloutBatch& batch,
                                 const std::vector<RolloutItem>& items) {
  if (!replay_) return;
  std::map<int64_t, const RolloutItem*> item_of;
  for (const RolloutItem& it : items) item_of[it.group] = &it;
  std::vector<CacheEntry> entries;
  for (const RolloutGroupInfo& g : batch.groups) {
    if (!g.searched || !should_register(g.correct, g.samples, o_.replay)) continue;
    auto it = item_of.find(g.group);
    if (it == item_of.end()) continue;
    std::vector<rl::Sample> samples;
    std::vector<std::string> texts;
    for (size_t i = 0; i < batch.samples.size(); ++i)
      if (batch.samples[i].group == g.group) {
        samples.push_back(batch.samples[i]);
        texts.push_back(batch.texts[i]);
      }
    const tasks::Problem& p = *it->second->problem;
    entries.push_back(make_cache_entry(p.id, p.problem, p.answer, step, samples, texts));
  }
  if (!entries.empty()) replay_->register_batch(entries);
}

bool Trainer::apply_hard_filter(int round, int64_t step) {
  const std::vector<size_t> active = data_.active();
  const size_t w = static_cast<size_t>(collective_->world_size());
  const size_t r = static_cast<size_t>(collective_->rank());
  std::vector<tasks::Problem> mine;
  std::vector<size_t> mine_pos;
  for (size_t i = r; i < active.size(); i += w) {
    mine.push_back(problems_[active[i]]);
    mine_pos.push_back(i);
  }
  HardFilterOptions f;
  f.k = o_.hard_filter.k;
  f.threshold = o_.hard_filter.threshold;
  f.strict = o_.hard_filter.strict;
  f.sampling = o_.rollout.sampling;
  f.max_new_tokens = max_response_tokens(o_);
  f.seed = static_cast<int64_t>(
      Rng::derive(Rng::derive(static_cast<uint64_t>(o_.seed), kFilterRoundKey), round) >> 1);
  f.prompt_template = template_name_;
  const double t0 = monotonic_seconds();
  HardFilterReport rep = run_hard_filter(*engine_, *loaded_.tokenizer, mine, f);
  std::vector<double> slots(active.size() + 1, 0.0);
  for (size_t j = 0; j < rep.rows.size(); ++j)
    if (rep.rows[j].kept) slots[mine_pos[j]] = 1.0;
  slots[active.size()] = static_cast<double>(rep.generated_tokens);
  slots = rl::all_reduce_sum(*collective_, std::move(slots));
  std::vector<size_t> kept;
  for (size_t i = 0; i < active.size(); ++i)
    if (slots[i] > 0.5) kept.push_back(active[i]);
  const int64_t tokens = static_cast<int64_t>(slots[active.size()]);
  generated_total_ += tokens;
  int64_t cached = 0;
  if (replay_)
    for (size_t i : active) cached += replay_->contains(problems_[i].id);
  json line = {{"round", round},
               {"problems", active.size()},
               {"hard", kept.size()},
               {"easy", active.size() - kept.size()},
               {"cached", cached},
               {"unsolved", static_cast<int64_t>(active.size()) - cached},
               {"cached_ratio", active.empty() ? 0.0 : static_cast<double>(cached) / active.size()},
               {"filter_generated_tokens", tokens},
               {"seconds", monotonic_seconds() - t0}};
  if (is_main()) {
    MetricsLog rounds((fs::path(o_.run_dir) / kRoundsFile).string());
    rounds.write(step, line);
  }
  result_.rounds.push_back(line);
  log_info(
      "train: round {}: {} of {} problems are hard (pass rate {} {:g} over {} rollouts); "
      "{} in the replay buffer",
      round, kept.size(), active.size(),
      o_.hard_filter.strict ? "<" : "<=", o_.hard_filter.threshold, o_.hard_filter.k, cached);
  if (kept.empty()) return false;
  data_.set_active(std::move(kept));
  return true;
}

// Keeps the samples of groups in `keep_groups` (others removed, with their texts and infos).
void keep_only_groups(RolloutBatch& b, const std::set<int64_t>& keep_groups) {
  RolloutBatch out;
  for (size_t i = 0; i < b.samples.size(); ++i)
    if (keep_groups.count(b.samples[i].group)) {
      out.samples.push_back(std::move(b.samples[i]));
      out.texts.push_back(std::move(b.texts[i]));
    }
  for (auto& g : b.groups)
    if (keep_groups.count(g.group)) out.groups.push_back(std::move(g));
  for (auto& [g, t] : b.tree_terminals)
    if (keep_groups.count(g)) out.tree_terminals[g] = std::move(t);
  out.trees = std::move(b.trees);
  out.generated_tokens = b.generated_tokens;
  out.prefill_tokens = b.prefill_tokens;
  out.seconds = b.seconds;
  out.bookkeeping_seconds = b.bookkeeping_seconds;
  b = std::move(out);
}

// What one step carries from phase to phase.
struct StepData {
  std::vector<RolloutItem> items;  // every problem rolled out (refills included)
  RolloutBatch batch;              // the samples trained on (after dynamic sampling)
  json sampled_metrics;            // DAPO: statistics of everything sampled, before dropping
  int refills = 0;
  SkipMetrics skip;
  SampleFilterResult filtered;  // counts of the sample filter (keep is not used after it ran)
  rl::AdvantageResult advantages;
  std::map<std::string, double> update_metrics;
};

// Rolls out prompts_per_step problems; with DAPO dynamic sampling, rolls out further batches
// (at most refill.max_batches) until enough groups have non-zero variance, then keeps the first
// prompts_per_step surviving groups (in global order), as DAPO does. Exports a tree when due.
void Trainer::roll_out_step(int64_t step, StepData& d) {
  int64_t next_group = 0;
  const size_t global_p = static_cast<size_t>(o_.prompts_per_step);
  d.items = take_items(global_p, next_group);
  const int64_t total = static_cast<int64_t>(o_.steps) * o_.rounds;
  const bool keep_trees = o_.algorithm == rl::Algorithm::kDeepSearch && o_.export_tree_every > 0 &&
                          is_main() &&
                          ((step + 1) % o_.export_tree_every == 0 || step + 1 == total);
  d.batch = roll_out(d.items, step, 0, keep_trees, d.skip);
  if (keep_trees) export_tree(step + 1, d.batch, d.items);
  if (!o_.advantage.dynamic_sampling.enable) return;
  auto kept_global = [&](const RolloutBatch& b) {
    // One slot per global group: 1 when the group survives dynamic sampling.
    rl::AdvantageResult a = compute_advantages(b.samples, o_.advantage, &b.tree_terminals);
    std::vector<double> slots(static_cast<size_t>(next_group), 0.0);
    for (const rl::GroupSummary& g : a.groups)
      if (!g.dropped) slots[static_cast<size_t>(g.group)] = 1.0;
    return rl::all_reduce_sum(*collective_, std::move(slots));
  };
  std::vector<double> kept = kept_global(d.batch);
  auto count = [](const std::vector<double>& v) {
    return static_cast<size_t>(std::count_if(v.begin(), v.end(), [](double x) { return x > 0.5; }));
  };
  while (count(kept) < global_p && d.refills < o_.refill.max_batches) {
    ++d.refills;
    std::vector<RolloutItem> more = take_items(global_p, next_group);
    d.batch.append(roll_out(more, step, d.refills, false, d.skip));
    for (auto& it : more) d.items.push_back(std::move(it));
    kept = kept_global(d.batch);
  }
  d.sampled_metrics = rollout_metrics(
      d.batch.samples, compute_advantages(d.batch.samples, o_.advantage, &d.batch.tree_terminals));
  std::set<int64_t> keep;
  for (size_t g = 0; g < kept.size() && keep.size() < global_p; ++g)
    if (kept[g] > 0.5) keep.insert(static_cast<int64_t>(g));
  keep_only_groups(d.batch, keep);
}

// Garbled / endlessly repetitive incorrect samples are dropped before normalization.
void Trainer::filter_step_samples(StepData& d) {
  if (!o_.sample_filter.enable) return;
  d.filtered = filter_samples(d.batch.samples, d.batch.texts, o_.sample_filter);
  if (d.filtered.dropped == 0) return;
  std::vector<rl::Sample> kept;
  std::vector<std::string> kept_texts;
  for (size_t i = 0; i < d.batch.samples.size(); ++i)
    if (d.filtered.keep[i]) {
      kept.push_back(std::move(d.batch.samples[i]));
      kept_texts.push_back(std::move(d.batch.texts[i]));
    }
  d.batch.samples = std::move(kept);
  d.batch.texts = std::move(kept_texts);
}

// The PPO-style update on the samples the advantages keep. Every rank joins, even with no local
// samples: the collectives must line up.
void Trainer::update_step(int64_t step, StepData& d) {
  std::vector<rl::Sample> train_samples;
  std::vector<std::vector<float>> train_adv;
  for (size_t i = 0; i < d.batch.samples.size(); ++i)
    if (d.advantages.keep[i]) {
      train_samples.push_back(d.batch.samples[i]);
      train_adv.push_back(d.advantages.advantages[i]);
    }
  d.update_metrics["train_samples"] = static_cast<double>(train_samples.size());
  const int64_t global_samples = static_cast<int64_t>(
      rl::all_reduce_sum(*collective_, {static_cast<double>(train_samples.size())})[0]);
  if (global_samples == 0) {
    d.update_metrics["skipped_update"] = 1.0;  // every group was dropped: nothing to learn
    log_warn("train: step {}: no sample survived (all groups dropped); no update", step + 1);
    return;
  }
  // A rank without samples still joins the update's collectives with an empty batch.
  rl::SampleBatch sb = train_samples.empty()
                           ? rl::SampleBatch{}
                           : collate(train_samples, train_adv, loaded_.tokenizer->pad_id(),
                                     policy_->model()->parameters().front().device());
  // The rollouts' K/V belongs to the weights about to change: drop it (and the decode workspace)
  // now, so the update has that memory too.
  engine_->invalidate_kv();
  rl::UpdateExtras extras;
  extras.reference = reference_.get();
  extras.shuffle_rng = &shuffle_rng_;
  extras.collective = collective_;
  for (const auto& [k, v] :
       update(*policy_, *optimizer_, sb, o_.update, o_.loss, o_.optim.grad_clip, extras))
    d.update_metrics[k] = v;
}

// The step's metrics line: rollout statistics, advantages, the update, counts and phase times,
// reduced over the ranks.
json Trainer::step_metrics(const StepData& d, double lr, const PhaseTimer& timer) {
  json m = rollout_metrics(d.batch.samples, d.advantages);
  if (!d.sampled_metrics.is_null()) {
    // Rollout statistics describe everything sampled; the advantages describe what is trained.
    for (auto it = d.sampled_metrics.begin(); it != d.sampled_metrics.end(); ++it)
      if (it.key().rfind("advantage_", 0) != 0) m[it.key()] = it.value();
  }
  for (const auto& [k, v] : d.update_metrics) m[k] = v;
  m["lr"] = lr;
  m["generated_tokens"] = d.batch.generated_tokens;
  m["prefill_tokens"] = d.batch.prefill_tokens;
  m["refill_batches"] = d.refills;
  m["filtered_samples"] = d.filtered.dropped;
  m["filtered_repetition"] = d.filtered.dropped_repetition;
  m["filtered_garbage"] = d.filtered.dropped_garbage;
  int searched = 0, solved = 0;
  int64_t search_tokens = 0;
  for (const auto& g : d.batch.groups) {
    searched += g.searched;
    solved += g.searched && g.solved;
    if (g.searched) search_tokens += g.generated_tokens;
  }
  m["searches"] = searched;
  const bool deepsearch = o_.algorithm == rl::Algorithm::kDeepSearch;
  if (deepsearch && replay_) {
    const double mean_search_tokens =
        searched > 0 ? static_cast<double>(search_tokens) / searched : 0.0;
    const json sj = d.skip.to_json(mean_search_tokens);
    for (auto it = sj.begin(); it != sj.end(); ++it) m[it.key()] = it.value();
    m["replay_problems"] = replay_->size();
  }
  if (deepsearch)
    m["search_solved_frac"] = searched > 0 ? static_cast<double>(solved) / searched : 0.0;
  const json times = timer.seconds();
  for (auto it = times.begin(); it != times.end(); ++it) m[it.key()] = it.value();
  const double rollout_s = m.value("time_rollout_s", 0.0);
  m["tokens_per_s"] = rollout_s > 0 ? d.batch.generated_tokens / rollout_s : 0.0;
  if (deepsearch)
    m["search_bookkeeping_frac"] =
        d.batch.seconds > 0 ? d.batch.bookkeeping_seconds / d.batch.seconds : 0.0;
  return reduce_metrics(m, *collective_);
}

// One training step, phase by phase.
json Trainer::train_step(int64_t step) {
  PhaseTimer timer;
  const double lr = rl::learning_rate_at(step, o_.optim);
  rl::set_learning_rate(*optimizer_, lr);
  StepData d;

  timer.start("rollout");
  roll_out_step(step, d);

  timer.start("replay");
  register_solutions(step + 1, d.batch, d.items);
  collective_->barrier();  // every rank sees this step's registrations from the next step on

  filter_step_samples(d);

  timer.start("advantage");
  d.advantages = compute_advantages(d.batch.samples, o_.advantage, &d.batch.tree_terminals);

  timer.start("update");
  update_step(step, d);
  timer.stop();

  return step_metrics(d, lr, timer);
}

// Writes the most instructive tree of the step (one that found a correct answer, else the first)
// to run_dir/trees/step_N.json.
void Trainer::export_tree(int64_t step, const RolloutBatch& batch,
                          const std::vector<RolloutItem>& items) {
  if (batch.trees.empty()) return;
  size_t pick = 0;
  for (size_t i = 0; i < batch.trees.size(); ++i)
    if (batch.trees[i].stats.correct_found) {
      pick = i;
      break;
    }
  const RolloutItem& it = items[pick];
  search::SearchProblem sp;
  sp.id = it.problem->id;
  sp.question = it.problem->problem;
  sp.prompt = it.prompt;
  sp.answer = it.problem->answer;
  sp.key = it.key;
  json j = search::tree_to_json(batch.trees[pick], sp, o_.search);
  j["step"] = step;
  j["template"] = template_name_;
  j["prompt"] = it.prompt;
  const fs::path dir = fs::path(o_.run_dir) / "trees";
  fs::create_directories(dir);
  atomic_write_file((dir / fmt::format("step_{}.json", step)).string(),
                    j.dump(1, ' ', false, json::error_handler_t::replace) + "\n");
}

json Trainer::evaluate(int64_t step) {
  json e;
  if (is_main()) {
    std::vector<eval::LevelAccuracy> rows =
        evaluate_levels(loaded_.model, *loaded_.tokenizer, o_.eval.levels);
    engine_->invalidate_kv();
    double acc = 0;
    int n = 0;
    json levels = json::array();
    for (const auto& r : rows) {
      levels.push_back({{"difficulty", r.difficulty},
                        {"accuracy", r.accuracy},
                        {"problems", r.problems},
                        {"responses", r.responses},
                        {"correct", r.correct},
                        {"mean_tokens", r.mean_tokens}});
      acc += r.accuracy * r.responses;
      n += r.responses;
    }
    e = {{"step", step}, {"accuracy", n > 0 ? acc / n : 0.0}, {"levels", levels}};
  }
  collective_->barrier();
  return e;
}

void Trainer::save(int64_t step) {
  if (is_main()) {
    TrainState st;
    st.step = step;
    st.data_position = data_.position();
    st.rngs[kShuffleRng] = shuffle_rng_.state();
    st.torch_cpu_rng = torch_cpu_rng_state();
    st.extra["generated_tokens_total"] = generated_total_;
    result_.last_checkpoint = save_checkpoint(o_.run_dir, st, *policy_, *optimizer_, config_yaml_,
                                              o_.checkpoint.keep_last);
  }
  collective_->barrier();
}

TrainResult Trainer::run(bool resume) {
  const double t0 = monotonic_seconds();
  setup();
  const std::string metrics_path = (fs::path(o_.run_dir) / kMetricsFile).string();
  const std::string eval_path = (fs::path(o_.run_dir) / kEvalFile).string();
  int64_t start = 0;
  if (resume) {
    const std::string dir = latest_checkpoint(o_.run_dir);
    TrainState st = load_checkpoint(dir, *policy_, *optimizer_);
    data_.restore(st.data_position, dir + "/train_state.json");
    auto it = st.rngs.find(kShuffleRng);
    if (it == st.rngs.end())
      throw DataError(dir + "/train_state.json", "the update's RNG state is missing",
                      "the checkpoint is not from `deepsearch train`; start a new run");
    shuffle_rng_.set_state(it->second);
    generated_total_ = st.extra.value("generated_tokens_total", int64_t{0});
    start = st.step;
    engine_->invalidate_kv();
    if (is_main()) {
      MetricsLog::truncate_after(metrics_path, start);
      MetricsLog::truncate_after(eval_path, start);
      // A round's filter runs before the step after the checkpoint, so it runs again.
      MetricsLog::truncate_after((fs::path(o_.run_dir) / kRoundsFile).string(), start - 1);
    }
    log_info("train: resuming {} at step {}", o_.run_dir, start);
  } else if (is_main()) {
    fs::create_directories(o_.run_dir);
    // A directory left by a run that died before its first checkpoint: start its logs afresh.
    MetricsLog::truncate_after(metrics_path, -1);
    MetricsLog::truncate_after(eval_path, -1);
    MetricsLog::truncate_after((fs::path(o_.run_dir) / kRoundsFile).string(), -1);
  }
  const bool use_replay = o_.algorithm == rl::Algorithm::kDeepSearch && o_.replay.enable;
  if (use_replay && is_main()) {
    replay_ = std::make_unique<ReplayBuffer>(replay_buffer_path(o_.run_dir));
    if (!resume) {
      replay_->truncate_after(0);  // leftovers of a run that died before its first checkpoint
    } else {
      // The buffer must equal the checkpoint's: solutions registered after it are dropped (the
      // resumed steps register them again, identically).
      const int64_t dropped = replay_->truncate_after(start);
      if (dropped > 0)
        log_info("train: dropped {} replay entries newer than step {}", dropped, start);
    }
  }
  collective_->barrier();
  if (use_replay && !is_main())
    replay_ = std::make_unique<ReplayBuffer>(replay_buffer_path(o_.run_dir));
  if (is_main()) {
    atomic_write_file((fs::path(o_.run_dir) / kConfigFile).string(), config_yaml_);
    metrics_log_ = MetricsLog(metrics_path);
  }
  collective_->barrier();
  MetricsLog eval_log;
  if (is_main()) eval_log = MetricsLog(eval_path);

  result_.run_dir = o_.run_dir;
  result_.start_step = start;
  const int64_t total = static_cast<int64_t>(o_.steps) * o_.rounds;
  auto run_eval = [&](int64_t step) {
    json e = evaluate(step);
    if (is_main()) {
      json fields = e;
      fields.erase("step");
      eval_log.write(step, fields);
      log_info("train: held-out accuracy at step {}: {:.3f}", step, e["accuracy"].get<double>());
    }
    result_.evals.push_back(e);
  };
  if (o_.eval.every > 0 && o_.eval.at_start && start == 0) run_eval(0);

  log_info("train: {} on {} problems, {} steps of {} prompts, model {} ({} parameters), run {}",
           rl::algorithm_name(o_.algorithm), problems_.size(), total, o_.prompts_per_step, o_.model,
           loaded_.model->num_parameters(), o_.run_dir);
  std::unique_ptr<Progress> progress;
  if (o_.progress && is_main())
    progress = std::make_unique<Progress>("train", static_cast<size_t>(total), 5.0);
  if (progress && start > 0) progress->advance(static_cast<size_t>(start), "resumed");
  int64_t step = start;
  while (step < total) {
    if (o_.hard_filter.enable && step % o_.steps == 0 &&
        !apply_hard_filter(static_cast<int>(step / o_.steps), step)) {
      log_warn("train: no hard problem is left after round {}; stopping", step / o_.steps);
      result_.stopped_no_problems = true;
      save(step);
      break;
    }
    json m = train_step(step);
    ++step;
    generated_total_ += m.value("generated_tokens", int64_t{0});
    m["generated_tokens_total"] = generated_total_;
    const bool out_of_budget =
        o_.max_generated_tokens > 0 && generated_total_ >= o_.max_generated_tokens;
    const bool last = step == total || out_of_budget;
    const bool out_of_time = o_.max_seconds > 0 && monotonic_seconds() - t0 >= o_.max_seconds;
    if (is_main()) {
      metrics_log_.write(step, m);
      if (progress) progress->advance(1, progress_status(m));
    }
    json line = m;
    line["step"] = step;
    result_.metrics.push_back(line);
    if (o_.eval.every > 0 && (step % o_.eval.every == 0 || last || out_of_time)) run_eval(step);
    if (last || out_of_time || (o_.checkpoint.every > 0 && step % o_.checkpoint.every == 0))
      save(step);
    if (out_of_budget) {
      result_.stopped_by_budget = true;
      log_info("train: generated-token budget reached after step {}", step);
      break;
    }
    if (out_of_time && !last) {
      result_.stopped_by_time = true;
      log_info("train: max_seconds reached after step {}", step);
      break;
    }
  }
  if (total == start && start == 0) save(0);  // steps: 0 still leaves a loadable run
  if (progress) progress->finish();
  result_.steps_done = step;
  result_.seconds = monotonic_seconds() - t0;
  return result_;
}

}  // namespace

TrainResult start_training(const TrainOptions& options, rl::Collective* collective) {
  if (fs::exists(fs::path(options.run_dir) / "latest"))
    throw UsageError(options.run_dir, "the run directory already holds a training run",
                     "continue it with `deepsearch train --resume " + options.run_dir +
                         "`, or choose another run_dir");
  Trainer t(options, collective);
  return t.run(false);
}

TrainResult resume_training(const std::string& run_dir, const std::vector<std::string>& overrides,
                            rl::Collective* collective) {
  const std::string config = (fs::path(run_dir) / kConfigFile).string();
  if (!fs::exists(config))
    throw DataError(config, "no training run to resume here (config.yaml is missing)",
                    "pass the run directory of an earlier `deepsearch train`");
  latest_checkpoint(run_dir);  // DataError when there is no complete checkpoint
  TrainOptions o = load_train_options(config, overrides);
  o.run_dir = run_dir;
  Trainer t(std::move(o), collective);
  return t.run(true);
}

}  // namespace ds::train
