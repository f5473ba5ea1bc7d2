// Owns the data side of the supervised warm start: building the (prompt, solution) corpus from
// the built-in tasks (held-out problems excluded), tokenizing it, and dealing it out in batches
// of length-bucketed, right-padded examples (one per row). The loss is taken where the next
// token belongs to the solution or is the final EOS. No torch here.
// Why not packing several examples per row: packed rows need a block-diagonal mask and pay
// attention over the whole row (T^2); on the CPU, for these ~100-token examples, bucketing by
// length wastes less compute (measured: ~1.7x more tokens per CPU second).
// Thread-safety: SftBatcher is single-threaded; the functions are pure.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "sft/sft.h"
#include "tasks/corpus.h"

namespace ds::tok {
class Tokenizer;
}

namespace ds::sft {

// Throws ConfigError ("data.<field>") for unknown tasks, levels out of range, negative counts,
// or a per_level list whose length fits neither 1 nor difficulties.size().
void validate(const SftDataOptions& data);

// The corpus of `data` (one make_sft_corpus call per (task, level) with that level's count),
// shuffled by data.seed. Validates `data` first.
std::vector<tasks::SftExample> build_sft_corpus(const SftDataOptions& data);

struct TokenizedExample {
  std::vector<int32_t> ids;  // prompt, then solution, then EOS
  int32_t prompt_len = 0;    // tokens of the prompt
};

// encode(prompt) ++ encode(completion) ++ [eos] (no BOS: generation feeds the bare prompt).
std::vector<TokenizedExample> tokenize_corpus(const std::vector<tasks::SftExample>& corpus,
                                              const tok::Tokenizer& tokenizer);

// One batch of examples, one per row, right-padded to the longest (so a plain causal mask keeps
// every real token from seeing padding, and positions are 0.. as at generation time).
struct SftBatch {
  int rows = 0, seq_len = 0;
  std::vector<int32_t> ids;      // rows x seq_len, row-major; padding uses the pad id
  std::vector<int32_t> targets;  // next token where the loss applies (solution + EOS), else -1
  int64_t tokens = 0;            // non-padding tokens
  int64_t target_tokens = 0;     // entries of `targets` that are >= 0
};

// Deals a corpus out in batches of `batch_size` examples, deterministically for (examples,
// batch_size, seed). Training mode (`repeat`): epoch after epoch, each reshuffled; the next
// `bucket` * batch_size examples of the shuffled stream are sorted by length and cut into
// `bucket` batches, which are then emitted in a shuffled order, so a batch holds examples of
// similar length and little padding. Evaluation mode (!repeat): once, in corpus order; the last
// batch may be smaller, and done() tells when every example was dealt.
// `examples` must outlive the batcher.
class SftBatcher {
 public:
  SftBatcher(const std::vector<TokenizedExample>& examples, int batch_size, int32_t pad_id,
             uint64_t seed, bool repeat = true, int bucket = 8);
  SftBatch next();
  // Examples dealt so far divided by the corpus size.
  double epochs() const;
  bool done() const { return !repeat_ && cursor_ == order_.size(); }

 private:
  size_t next_index();  // the next example of the (reshuffled) stream
  SftBatch make_batch(const std::vector<uint32_t>& members) const;
  const std::vector<TokenizedExample>& examples_;
  int batch_size_;
  int32_t pad_id_;
  bool repeat_;
  int bucket_;
  Rng rng_;
  std::vector<uint32_t> order_;
  size_t cursor_ = 0;  // next position in order_
  int64_t dealt_ = 0;
  std::vector<std::vector<uint32_t>> ready_;  // batches cut from the current bucket, next last
};

}  // namespace ds::sft
