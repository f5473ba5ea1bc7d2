// The rollout phase of a training step (see rollout.h).
#include "train/rollout.h"

#include <algorithm>
#include <unordered_map>

#include "core/errors.h"
#include "core/rng.h"
#include "core/timer.h"
#include "engine/engine.h"
#include "search/tree_search.h"
#include "tokenizer/tokenizer.h"

namespace ds::train {

void RolloutBatch::append(RolloutBatch&& other) {
  for (auto& s : other.samples) samples.push_back(std::move(s));
  for (auto& t : other.texts) texts.push_back(std::move(t));
  for (auto& g : other.groups) groups.push_back(std::move(g));
  for (auto& [g, t] : other.tree_terminals) {
    DS_CHECK(tree_terminals.count(g) == 0, "rollout group ids collide");
    tree_terminals[g] = std::move(t);
  }
  for (auto& t : other.trees) trees.push_back(std::move(t));
  generated_tokens += other.generated_tokens;
  prefill_tokens += other.prefill_tokens;
  seconds += other.seconds;
  bookkeeping_seconds += other.bookkeeping_seconds;
}

bool score_correct(const tasks::Problem& problem, const std::string& response) {
  return tasks::score_response(problem, response).correct;
}

Rollouts::Rollouts(engine::Engine& engine, const tok::Tokenizer& tokenizer,
                   EnginePolicyOptions policy_options)
    : engine_(engine), tokenizer_(tokenizer), policy_options_(policy_options) {}

std::vector<int32_t> Rollouts::encode_prompt(const std::string& prompt) const {
  return tokenizer_.encode(prompt);
}

std::string Rollouts::response_text(const std::vector<int32_t>& tokens) const {
  const std::vector<int>& eos_list = engine_.options().eos_ids;
  auto is_eos = [&](int32_t id) {
    if (eos_list.empty()) return id == tokenizer_.eos_id();
    return std::find(eos_list.begin(), eos_list.end(), id) != eos_list.end();
  };
  std::string text;
  for (size_t t = 0; t < tokens.size(); ++t) {
    const int32_t id = tokens[t];
    if (t + 1 == tokens.size() && is_eos(id)) break;
    if (tokenizer_.is_special(id)) continue;
    text += tokenizer_.token_bytes(id);
  }
  return text;
}

RolloutBatch Rollouts::search(const std::vector<RolloutItem>& items,
                              const search::SearchOptions& options,
                              const search::ForestOptions& forest_options, bool keep_trees) {
  RolloutBatch out;
  if (items.empty()) return out;
  std::unordered_map<std::string, const tasks::Problem*> by_id;
  std::vector<search::SearchProblem> problems;
  problems.reserve(items.size());
  for (const RolloutItem& it : items) {
    DS_CHECK(it.problem != nullptr, "rollout item without a problem");
    by_id[it.problem->id] = it.problem;
    search::SearchProblem sp;
    sp.id = it.problem->id;
    sp.question = it.problem->problem;
    sp.prompt = it.prompt;
    sp.answer = it.problem->answer;
    sp.key = it.key;
    problems.push_back(std::move(sp));
  }
  search::RewardFn reward = [&by_id](const search::SearchProblem& p, std::string_view response) {
    const tasks::Problem* problem = by_id.at(p.id);
    tasks::Score s = tasks::score_response(*problem, std::string(response));
    return search::Verdict{s.correct, !s.extracted.empty()};
  };
  EnginePolicy policy(engine_, tokenizer_, policy_options_);
  search::SearchOptions so = options;
  so.record_events = keep_trees && options.record_events;
  search::Forest forest(policy, so, reward, forest_options);
  std::vector<search::SearchResult> results = forest.run(problems);
  const search::ForestStats& fs = forest.stats();
  out.generated_tokens = fs.generated_tokens;
  out.prefill_tokens = fs.prefill_tokens;
  out.seconds = fs.seconds;
  out.bookkeeping_seconds = fs.bookkeeping_seconds;

  for (size_t i = 0; i < results.size(); ++i) {
    const RolloutItem& it = items[i];
    search::SearchResult& r = results[i];
    const std::vector<int32_t> prompt_ids = encode_prompt(it.prompt);
    RolloutGroupInfo g;
    g.group = it.group;
    g.problem_id = it.problem->id;
    g.searched = true;
    g.generated_tokens = r.stats.generated_tokens;
    std::vector<rl::TreeTerminal> terminals;
    for (const search::TerminalSummary& t : search::terminal_summaries(r.tree)) {
      terminals.push_back({t.reward, t.length});
      ++g.terminals;
      g.terminals_correct += t.outcome == search::Outcome::kCorrect;
    }
    g.solved = r.stats.correct_found;
    out.tree_terminals[it.group] = std::move(terminals);
    for (search::Trajectory& t : r.trajectories) {
      rl::Sample s;
      s.group = it.group;
      s.prompt_ids = prompt_ids;
      s.response_ids = t.tokens;
      s.sampling_logprobs = t.logprobs;
      s.token_rewards = t.token_q;
      s.reward = t.reward;
      s.correct = t.correct;
      s.truncated = t.outcome == search::Outcome::kIncomplete;
      s.source = rl::SampleSource::kSearch;
      rl::check_sample(s);
      ++g.samples;
      g.correct += s.correct;
      out.samples.push_back(std::move(s));
      out.texts.push_back(t.response);
    }
    out.groups.push_back(std::move(g));
    if (keep_trees) out.trees.push_back(std::move(r));
  }
  return out;
}

RolloutBatch Rollouts::direct(const std::vector<RolloutItem>& items,
                              const DirectRolloutOptions& options, uint64_t seed) {
  RolloutBatch out;
  if (items.empty()) return out;
  const double t0 = monotonic_seconds();
  std::vector<engine::GenerateRequest> requests(items.size());
  std::vector<std::vector<int32_t>> prompts(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    DS_CHECK(items[i].problem != nullptr, "rollout item without a problem");
    prompts[i] = encode_prompt(items[i].prompt);
    requests[i].prompt = prompts[i];
    requests[i].num_samples = items[i].n != 0 ? std::max(0, items[i].n) : options.n;
    requests[i].max_new_tokens = options.max_new_tokens;
    requests[i].seed = Rng::derive(seed, items[i].key);
  }
  const SamplingOptions& params = options.sampling;
  const engine::EngineCounters before = engine_.counters();
  std::vector<std::vector<engine::Sample>> results = engine_.generate(requests, params);
  const engine::EngineCounters& after = engine_.counters();
  out.generated_tokens = after.decode_tokens - before.decode_tokens;
  out.prefill_tokens = after.prefill_tokens - before.prefill_tokens;
  DS_CHECK(results.size() == items.size(), "engine generate returned a wrong count");
  for (size_t i = 0; i < items.size(); ++i) {
    const RolloutItem& it = items[i];
    RolloutGroupInfo g;
    g.group = it.group;
    g.problem_id = it.problem->id;
    for (engine::Sample& r : results[i]) {
      rl::Sample s;
      s.group = it.group;
      s.prompt_ids = prompts[i];
      std::string text = response_text(r.tokens);
      s.correct = score_correct(*it.problem, text);
      s.reward = s.correct ? 1.0 : -1.0;
      s.truncated = r.finish != engine::FinishReason::kEos;
      s.response_ids = std::move(r.tokens);
      s.sampling_logprobs = std::move(r.sample_logprobs);
      if (params.temperature == 0) s.sampling_logprobs.clear();  // greedy: no sampling log-probs
      s.source = rl::SampleSource::kDirect;
      rl::check_sample(s);
      g.generated_tokens += s.response_length();
      ++g.samples;
      ++g.terminals;
      g.correct += s.correct;
      g.terminals_correct += s.correct;
      out.samples.push_back(std::move(s));
      out.texts.push_back(std::move(text));
    }
    g.solved = g.correct > 0;
    out.groups.push_back(std::move(g));
  }
  out.seconds = monotonic_seconds() - t0;
  return out;
}

}  // namespace ds::train
