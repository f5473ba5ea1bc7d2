// Owns SamplingOptions: how the next token is drawn (temperature, nucleus top-p, top-k), the one
// sampling struct of the project. The engine's sampler chain consumes it, the search's policy gets
// it with every expand() call (search.temperature / top_p / top_k), direct rollouts, the Pass1@K
// hard filter and evaluation embed it. Plain values, no torch. Thread-safety: plain values.
#pragma once

#include <string>

namespace ds {

struct SamplingOptions {
  double temperature = 1.0;  // 0 = greedy (argmax)
  double top_p = 1.0;        // keep the smallest set whose mass reaches p (1 = off)
  int top_k = 0;             // keep the k most likely tokens (0 = off)

  // Embedded flat in the owner's section (e.g. search.temperature, rollout.top_k), so the keys
  // stay where users expect them.
  template <class V>
  void visit(V& v) {
    v("temperature", temperature, "softmax temperature; 0 = greedy (argmax)");
    v("top_p", top_p, "nucleus: keep the smallest set of tokens whose mass reaches p (1 = off)");
    v("top_k", top_k, "keep only the k most likely tokens (0 = off)");
  }

  bool greedy() const { return temperature == 0.0; }
};

// Throws ConfigError naming "<where>.<field>" when a value is out of range: temperature must be
// finite and >= 0, top_k >= 0, top_p in (0, 1].
void validate(const SamplingOptions& options, const std::string& where = "sampling");

}  // namespace ds
