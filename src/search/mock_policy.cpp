// Scripted mock policy (see mock_policy.h).
#include "search/mock_policy.h"

#include <utility>

#include "core/errors.h"
#include "core/rng.h"

namespace ds::search {

namespace {

std::string join_path(const std::vector<int>& path) {
  std::string s;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i) s += '.';
    s += std::to_string(path[i]);
  }
  return s;
}

}  // namespace

MockGenerator random_mock_generator(RandomMockOptions o) {
  return [o](const MockContext& ctx) {
    uint64_t key = static_cast<uint64_t>(ctx.child);
    for (int c : ctx.path) key = key * 1000003u + static_cast<uint64_t>(c);
    Rng rng(Rng::derive(ctx.seed, key));
    MockChunk chunk;
    chunk.nll = o.nll_min + (o.nll_max - o.nll_min) * rng.uniform();
    std::string step = "s" + std::to_string(ctx.path.size()) + ":";
    for (int i = 0; i < o.step_chars; ++i) step += static_cast<char>('a' + rng.below(26));
    step += ' ';
    chunk.text = step;
    if (rng.uniform() < o.eos_probability) {
      chunk.text += "\\boxed{" + std::to_string(rng.below(static_cast<uint64_t>(o.answers))) + "}";
      chunk.eos = true;
    }
    return chunk;
  };
}

MockPolicy::MockPolicy(MockGenerator generator, int context_limit)
    : generator_(std::move(generator)), context_limit_(context_limit) {}

void MockPolicy::script(const std::string& path, MockChunk chunk) {
  scripts_[path] = std::move(chunk);
}

std::string MockPolicy::path_of(StateId state) const {
  DS_CHECK(state < states_.size(), "unknown mock state");
  return join_path(states_[state].path);
}

std::vector<BeginResult> MockPolicy::begin(const std::vector<std::string>& prompts) {
  std::vector<BeginResult> out;
  for (const auto& p : prompts) {
    State s;
    s.prompt = static_cast<int>(prompts_.size());
    s.length = static_cast<int64_t>(p.size());
    prompts_.push_back(p);
    states_.push_back(std::move(s));
    ++live_;
    counters_.prefill_tokens += static_cast<int64_t>(p.size());
    out.push_back({states_.size() - 1, static_cast<int64_t>(p.size())});
  }
  return out;
}

Chunk MockPolicy::make_chunk(const State& parent, const ExpandRequest& request, int child_index,
                             int i) {
  std::vector<int> path = parent.path;
  path.push_back(child_index);
  auto it = scripts_.find(join_path(path));
  MockChunk m = it != scripts_.end()
                    ? it->second
                    : generator_(MockContext{prompts_[static_cast<size_t>(parent.prompt)], path,
                                             request.seed, i});
  // Emit token by token with the engine's stop precedence: eos > context > delimiter > length.
  std::vector<int32_t> planned;
  for (unsigned char c : m.text) planned.push_back(c);
  if (m.eos) planned.push_back(kEosToken);
  Chunk chunk;
  chunk.finish = FinishReason::kLength;
  int64_t length = parent.length;
  for (int32_t t : planned) {
    chunk.tokens.push_back(t);
    if (t != kEosToken) chunk.text += static_cast<char>(t);
    ++length;
    if (t == kEosToken) {
      chunk.finish = FinishReason::kEos;
      break;
    }
    if (context_limit_ > 0 && length >= context_limit_) {
      chunk.finish = FinishReason::kContext;
      break;
    }
    if (!request.stop.empty() && chunk.text.find(request.stop) != std::string::npos) {
      chunk.finish = FinishReason::kDelimiter;
      break;
    }
    if (static_cast<int>(chunk.tokens.size()) >= request.max_new_tokens) break;
  }
  chunk.logprobs.assign(chunk.tokens.size(), static_cast<float>(-m.nll));
  chunk.mean_nll = chunk.tokens.empty() ? 0.0 : m.nll;

  State s;
  s.prompt = parent.prompt;
  s.path = std::move(path);
  s.length = length;
  s.ended = chunk.finish == FinishReason::kEos || chunk.finish == FinishReason::kContext;
  states_.push_back(std::move(s));
  ++live_;
  chunk.state = states_.size() - 1;
  counters_.generated_tokens += static_cast<int64_t>(chunk.tokens.size());
  return chunk;
}

std::vector<ExpandResult> MockPolicy::expand(const std::vector<ExpandRequest>& requests,
                                             const SamplingOptions& sampling) {
  batch_sizes_.push_back(static_cast<int>(requests.size()));
  last_sampling_ = sampling;
  std::vector<ExpandResult> out(requests.size());
  for (size_t r = 0; r < requests.size(); ++r) {
    const ExpandRequest& req = requests[r];
    DS_CHECK(req.parent < states_.size() && states_[req.parent].live,
             "expand of an unknown or released state");
    DS_CHECK(!states_[req.parent].ended, "expand of a state that ended (eos/context)");
    DS_CHECK(req.n >= 1 && req.max_new_tokens >= 1, "bad expand request");
    for (int i = 0; i < req.n; ++i) {
      int child_index = states_[req.parent].children++;
      // make_chunk appends to states_: copy the parent first.
      State parent = states_[req.parent];
      out[r].children.push_back(make_chunk(parent, req, child_index, i));
    }
  }
  return out;
}

void MockPolicy::release(const std::vector<StateId>& states) {
  for (StateId s : states) {
    DS_CHECK(s < states_.size() && states_[s].live, "release of an unknown or released state");
    states_[s].live = false;
    --live_;
  }
}

RewardFn boxed_reward() {
  return [](const SearchProblem& problem, std::string_view response) {
    Verdict v;
    const std::string_view open = "\\boxed{";
    size_t pos = response.rfind(open);
    if (pos == std::string_view::npos) return v;
    size_t start = pos + open.size();
    size_t end = response.find('}', start);
    if (end == std::string_view::npos) return v;
    v.answered = true;
    v.correct = response.substr(start, end - start) == problem.answer;
    return v;
  };
}

}  // namespace ds::search
