// Owns the data side of the supervised warm start: building the (prompt, solution) corpus from
// the built-in tasks (held-out problems excluded), tokenizing it, and packing examples into
// fixed-length rows. A row holds whole examples one after another; each token carries its
// example's segment id and its position inside the example, so the trainer can mask attention
// to the own example and restart RoPE positions at 0, which makes a packed row compute exactly
// what the examples would compute alone (as they are seen at generation time), with no padding
// beyond the row's tail. The loss is taken where the next token belongs to the solution or is
// the final EOS. No torch here.
// Thread-safety: SftPacker is single-threaded; the functions are pure.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "rl/sft.h"
#include "tasks/corpus.h"

namespace ds::tok {
class Tokenizer;
}

namespace ds::rl {

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

// One batch of packed rows, row-major (rows x seq_len).
struct PackedBatch {
  int rows = 0, seq_len = 0;
  std::vector<int32_t> ids;        // token ids; padding uses `pad_id`
  std::vector<int32_t> positions;  // position of the token inside its example (0 for padding)
  std::vector<int32_t> segments;   // example index within the row, -1 for padding
  std::vector<int32_t> targets;    // next token where the loss applies, else -1
  int64_t tokens = 0;              // non-padding tokens
  int64_t target_tokens = 0;       // entries of `targets` that are >= 0
  int examples = 0;                // examples packed into the batch
};

// Packs a corpus in a shuffled order, epoch after epoch (each epoch reshuffled from the seed),
// deterministically for (examples, seq_len, seed); or, with `repeat` false, once in corpus order
// (for evaluation: the last batch may be partly empty, and done() tells when all were packed).
// `examples` must outlive the packer.
class SftPacker {
 public:
  // Throws ConfigError ("seq_len") when an example is longer than seq_len, naming its length.
  SftPacker(const std::vector<TokenizedExample>& examples, int seq_len, int32_t pad_id,
            uint64_t seed, bool repeat = true);
  PackedBatch next(int rows);
  // Examples consumed so far divided by the corpus size.
  double epochs() const;
  // True once every example was packed (never for a repeating packer).
  bool done() const { return !repeat_ && cursor_ == order_.size(); }

 private:
  void reshuffle();
  const std::vector<TokenizedExample>& examples_;
  int seq_len_;
  int32_t pad_id_;
  bool repeat_;
  Rng rng_;
  std::vector<uint32_t> order_;
  size_t cursor_ = 0;  // next position in order_
  int64_t consumed_ = 0;
};

}  // namespace ds::rl
