// Prompt template, train/held-out splits and the warm-start corpus (see corpus.h).
#include "tasks/corpus.h"

#include <unordered_set>
#include <utility>

#include "core/errors.h"
#include "core/rng.h"

namespace ds::tasks {

namespace {
constexpr uint64_t kTrainKey = 0x747261696e000001ull;
constexpr uint64_t kHeldoutKey = 0x68656c646f757402ull;
constexpr uint64_t kShuffleKey = 0x73687566666c6503ull;
}  // namespace

std::string format_prompt(const std::string& problem) {
  std::string out(kPromptTemplate);
  size_t pos = out.find("{problem}");
  DS_CHECK(pos != std::string::npos, "prompt template without {problem}");
  out.replace(pos, 9, problem);
  return out;
}

const char* split_name(Split split) {
  return split == Split::kTrain ? "train" : "heldout";
}

Split parse_split(const std::string& name) {
  if (name == "train") return Split::kTrain;
  if (name == "heldout") return Split::kHeldout;
  throw ConfigError("--split", "unknown split '" + name + "'", "use one of: train, heldout");
}

uint64_t split_seed(uint64_t seed, Split split) {
  return Rng::derive(seed, split == Split::kTrain ? kTrainKey : kHeldoutKey);
}

std::vector<Problem> generate_split(const Task& task, int difficulty, int n, uint64_t seed,
                                    Split split) {
  std::vector<Problem> out = task.generate(difficulty, n, split_seed(seed, split));
  for (size_t i = 0; i < out.size(); ++i)
    out[i].id = task.name() + "-" + split_name(split) + "-d" + std::to_string(difficulty) + "-s" +
                std::to_string(seed) + "-" + std::to_string(i);
  return out;
}

std::vector<SftExample> make_sft_corpus(const SftCorpusOptions& options,
                                        const std::vector<Problem>& exclude) {
  if (options.per_level < 0)
    throw ConfigError("per_level",
                      "must not be negative (got " + std::to_string(options.per_level) + ")",
                      "use a count of problems per level, e.g. 2000");
  std::unordered_set<std::string> excluded;
  for (const auto& p : exclude) excluded.insert(p.problem);
  std::vector<SftExample> out;
  for (const auto& name : options.tasks) {
    const Task& task = get_task(name);
    for (int d : options.difficulties) {
      for (auto& p : generate_split(task, d, options.per_level, static_cast<uint64_t>(options.seed),
                                    Split::kTrain)) {
        if (!excluded.insert(p.problem).second) continue;  // held out, or already in the corpus
        if (p.solution.empty())
          throw ConfigError("tasks", "task '" + name + "' gives no worked solutions",
                            "train on built-in generators such as arith or countdown");
        out.push_back({p.id, format_prompt(p.problem), std::move(p.solution)});
      }
    }
  }
  Rng rng(Rng::derive(static_cast<uint64_t>(options.seed), kShuffleKey));
  for (size_t k = out.size(); k > 1; --k) std::swap(out[k - 1], out[rng.below(k)]);
  return out;
}

}  // namespace ds::tasks
