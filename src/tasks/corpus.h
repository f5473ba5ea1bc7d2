// Owns what the tiny built-in model is trained and evaluated on: the prompt template, the
// supervised warm-start corpus (prompt, worked solution) of the easy levels, and the train /
// held-out split of generated problems. The two splits draw from disjoint derived seeds, and the
// corpus additionally drops any problem whose text appears in an excluded set, so a held-out
// problem is never trained on.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tasks/task.h"

namespace ds::tasks {

// The tiny model's prompt; the model's response is the worked solution that follows it.
inline constexpr std::string_view kPromptTemplate = "Q: {problem}\nA: ";

// kPromptTemplate with {problem} replaced.
std::string format_prompt(const std::string& problem);

enum class Split { kTrain, kHeldout };

// "train" / "heldout"; parse_split throws ConfigError for other names.
const char* split_name(Split split);
Split parse_split(const std::string& name);

// The generator seed of a split: train and held-out streams never share a seed.
uint64_t split_seed(uint64_t seed, Split split);

// task.generate(difficulty, n, split_seed(seed, split)) with ids
// "<task>-<split>-d<difficulty>-s<seed>-<index>".
std::vector<Problem> generate_split(const Task& task, int difficulty, int n, uint64_t seed,
                                    Split split);

struct SftExample {
  std::string id;          // the problem's id
  std::string prompt;      // format_prompt(problem)
  std::string completion;  // the worked solution, ending in \boxed{answer}
};

struct SftCorpusOptions {
  std::vector<std::string> tasks = {"arith", "countdown"};
  std::vector<int> difficulties = {1, 2, 3};
  int per_level = 2000;
  int64_t seed = 1;
  template <class V>
  void visit(V& v) {
    v("tasks", tasks, "built-in tasks whose worked solutions are trained on");
    v("difficulties", difficulties, "difficulty levels of the warm-start corpus (the easy ones)");
    v("per_level", per_level, "problems generated per (task, difficulty)");
    v("seed", seed, "generator seed (train split)");
  }
};

// Train-split problems of every (task, difficulty), minus those whose problem text is in
// `exclude` and minus repeated texts (tiny levels have few distinct problems, so a level may give
// fewer than per_level examples), in a deterministic shuffled order. Throws ConfigError for an
// unknown task, a difficulty out of range or a task without worked solutions.
std::vector<SftExample> make_sft_corpus(const SftCorpusOptions& options,
                                        const std::vector<Problem>& exclude = {});

}  // namespace ds::tasks
