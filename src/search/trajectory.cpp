// Tree-level summaries for the trainer (see trajectory.h).
#include "search/trajectory.h"

namespace ds::search {

std::vector<TerminalSummary> terminal_summaries(const Tree& tree) {
  std::vector<TerminalSummary> out;
  for (int32_t id = 1; id < tree.size(); ++id) {
    const Node& n = tree.node(id);
    if (!n.terminal) continue;
    TerminalSummary t;
    t.node = id;
    t.reward = n.reward;
    t.outcome = n.outcome;
    t.backed_up = n.backed_up;
    for (int32_t x = id; x != kNoNode; x = tree.node(x).parent)
      t.length += tree.node(x).token_count;
    out.push_back(t);
  }
  return out;
}

}  // namespace ds::search
