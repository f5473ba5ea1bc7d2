// Owns the JSON export of a searched tree, for inspection and for outside checking:
//   {"problem","answer","params","nodes":[{"id","parent","depth","text","tokens","visits","q",
//    "nll","terminal","reward","backed_up",...}],"events":[{"iteration","expanded","children",
//    "chosen_terminal","choice_reason","backup":[{"node","q"}],"next","next_rule","next_score"}],
//    "stats":{"iterations","generated_tokens","prefill_tokens","seconds","correct_found",...}}
// Extra fields (q_soft, outcome, finish, trajectories, fills, bookkeeping split) are added; none of
// the fields is renamed. Invalid UTF-8 in chunk text is replaced (U+FFFD) when dumping.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "core/jsonl.h"
#include "search/options.h"
#include "search/problem.h"
#include "search/trajectory.h"

namespace ds::search {

// Every SearchOptions field as JSON (the "params" object).
json options_to_json(const SearchOptions& options);

json tree_to_json(const SearchResult& result, const SearchProblem& problem,
                  const SearchOptions& options);

// Writes tree_to_json(...) to `path` atomically (pretty-printed when indent >= 0).
void export_tree(const std::string& path, const SearchResult& result, const SearchProblem& problem,
                 const SearchOptions& options, int indent = 1);

}  // namespace ds::search
