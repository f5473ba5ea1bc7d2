// Owns the tree node record: one chunk of generated tokens with its search statistics. Token ids,
// log-probs and text live out of line in the Tree's arenas (tree.h); the record itself stays small
// so that a scan over all nodes (the frontier rule) touches little memory.
// Thread-safety: plain value.
#pragma once

#include <cstdint>

#include "search/policy.h"

namespace ds::search {

// Outcome of a terminal node (kNone for non-terminal nodes).
enum class Outcome : uint8_t { kNone, kCorrect, kIncorrect, kIncomplete };
// "none" | "correct" | "incorrect" | "incomplete".
const char* outcome_name(Outcome outcome);

inline constexpr int32_t kNoNode = -1;

struct Node {
  StateId state = kNoState;  // policy state after this chunk; kNoState once released
  double q = 0.0;            // accumulated value (backup rule in rules.h)
  int32_t parent = kNoNode;
  int32_t first_child = kNoNode;
  int32_t last_child = kNoNode;
  int32_t next_sibling = kNoNode;
  int32_t num_children = 0;
  int32_t visits = 0;        // N
  uint32_t token_begin = 0;  // into Tree's token / log-prob arenas
  uint32_t token_count = 0;
  uint32_t text_begin = 0;  // into Tree's text arena
  uint32_t text_size = 0;
  float nll = 0.0f;     // mean token NLL of this chunk
  float reward = 0.0f;  // terminal reward (meaningful when outcome != kNone)
  int16_t depth = 0;    // root 0
  Outcome outcome = Outcome::kNone;
  FinishReason finish = FinishReason::kLength;
  bool terminal = false;
  bool backed_up = false;  // its reward was backed up (it ends a training trajectory)
  bool dead = false;       // non-terminal, fully expanded, and no expandable node below it
                           // (found during UCT descent; excluded from later descents)

  double mean_q() const { return visits > 0 ? q / visits : 0.0; }
};
static_assert(sizeof(Node) <= 80, "keep the node record small: token data lives out of line");

}  // namespace ds::search
