// Owns what one search hands to the trainer: the B backed-up root-to-terminal paths of a tree as
// Trajectory values (response tokens, per-token soft-clipped node value q~, per-token sampling
// log-probs, node boundaries, terminal reward), plus the per-tree SearchStats and, for inspection
// and export, the tree itself and its event log. No torch: the trainer turns these into tensors.
// Thread-safety: plain values.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "search/node.h"
#include "search/tree.h"

namespace ds::search {

struct Trajectory {
  std::string problem_id;
  int32_t terminal_node = kNoNode;  // id in the tree
  int backup_index = 0;             // order in which its terminal was backed up (0-based)
  bool from_fill = false;           // backed up by the budget fill (SearchOptions::fill_at_budget)
  std::vector<int32_t> tokens;      // response tokens (prompt excluded), a final EOS included
  std::vector<float> token_q;       // q~ of the node each token belongs to; terminal: its reward
  std::vector<float> logprobs;      // sampling log-prob of each token (PPO's old log-probs)
  std::vector<int32_t> node_ids;    // path nodes from depth 1 to the terminal
  std::vector<int32_t> node_offsets;  // token offset where each path node starts, plus a final
                                      // entry = tokens.size() (node k spans [off[k], off[k+1]))
  std::vector<float> node_q;          // q~ per path node (same values as token_q, per node)
  double reward = 0.0;  // terminal reward: +1 correct, -1 incorrect, incomplete_reward
  bool correct = false;
  Outcome outcome = Outcome::kNone;
  FinishReason finish = FinishReason::kLength;  // how the terminal chunk ended
  double path_nll = 0.0;  // mean token NLL over the path (the choice criterion)
  std::string response;   // concatenated chunk texts
};

// One backup step: node id and its q after the update.
struct BackupStep {
  int32_t node = kNoNode;
  double q = 0.0;
};

// One search iteration (or one budget fill, where expanded == kNoNode) for the export.
struct SearchEvent {
  int iteration = 0;  // 0-based expansion count when it happened
  int32_t expanded = kNoNode;
  std::vector<int32_t> children;
  int32_t chosen_terminal = kNoNode;  // kNoNode = none
  const char* choice_reason = "none";
  std::vector<BackupStep> backup;    // from the terminal up to the root
  int32_t next = kNoNode;            // kNoNode = none (the search stopped)
  const char* next_rule = nullptr;   // "uct" | "frontier" | "root" | nullptr
  double next_score = std::nan("");  // NaN = none
};

struct SearchStats {
  int iterations = 0;  // expansions
  int nodes = 0;       // including the root
  int64_t generated_tokens = 0;
  int64_t prefill_tokens = 0;        // as reported by the policy for this tree
  double seconds = 0.0;              // wall time from start to finish of this tree
  double policy_seconds = 0.0;       // wall time of the policy calls this tree took part in
  double bookkeeping_seconds = 0.0;  // time in this tree's own search code (not the policy)
  double reward_seconds = 0.0;       // the part of bookkeeping spent in the reward (verifier)
  bool correct_found = false;        // some verified terminal is correct
  int terminals_found = 0;           // verified terminal nodes
  int backed_up = 0;                 // trajectories returned
  int filled = 0;                    // of which from the budget fill
  std::string stop_reason;           // "terminals" (B reached) | "iteration_budget"
};

struct SearchResult {
  std::string problem_id;
  std::vector<Trajectory> trajectories;  // in backup order; B of them unless the budget ran out
  SearchStats stats;
  Tree tree;
  std::vector<SearchEvent> events;  // empty unless SearchOptions::record_events
  std::vector<SearchEvent> fills;   // budget-fill backups (expanded == kNoNode)
};

// Every verified terminal of a tree (backed up or not), e.g. for the [P] advantage baseline over
// all terminals of a tree. In node id order.
struct TerminalSummary {
  int32_t node = kNoNode;
  double reward = 0.0;
  Outcome outcome = Outcome::kNone;
  int64_t length = 0;  // response tokens of its root-to-leaf path
  bool backed_up = false;
};
std::vector<TerminalSummary> terminal_summaries(const Tree& tree);

}  // namespace ds::search
