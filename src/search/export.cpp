// JSON export of a search tree (see export.h).
#include "search/export.h"

#include <cmath>
#include <string_view>
#include <type_traits>

#include "core/fs_util.h"
#include "search/rules.h"

namespace ds::search {

namespace {

// Visitor writing an options struct into a JSON object.
struct JsonWriter {
  json& out;
  template <class T>
  void operator()(const char* name, T& field, const char*) {
    out[name] = field;
  }
  void one_of(const char* name, std::string& field, std::initializer_list<const char*>,
              const char*) {
    out[name] = field;
  }
  template <class E, size_t N>
  void choice(const char* name, E& field, const std::array<Choice<E>, N>& table, const char*) {
    out[name] = choice_name(field, table);
  }
};

json id_or_null(int32_t id) {
  return id == kNoNode ? json(nullptr) : json(id);
}
json number_or_null(double x) {
  return std::isnan(x) ? json(nullptr) : json(x);
}

json event_to_json(const SearchEvent& e) {
  json backup = json::array();
  for (const auto& b : e.backup) backup.push_back({{"node", b.node}, {"q", b.q}});
  return {{"iteration", e.iteration},
          {"expanded", id_or_null(e.expanded)},
          {"children", e.children},
          {"chosen_terminal", id_or_null(e.chosen_terminal)},
          {"choice_reason", e.choice_reason},
          {"backup", std::move(backup)},
          {"next", id_or_null(e.next)},
          {"next_rule", e.next_rule ? json(e.next_rule) : json(nullptr)},
          {"next_score", number_or_null(e.next_score)}};
}

}  // namespace

json options_to_json(const SearchOptions& options) {
  json out = json::object();
  JsonWriter w{out};
  const_cast<SearchOptions&>(options).visit(w);
  return out;
}

json tree_to_json(const SearchResult& result, const SearchProblem& problem,
                  const SearchOptions& options) {
  const Tree& tree = result.tree;
  json nodes = json::array();
  for (int32_t id = 0; id < tree.size(); ++id) {
    const Node& n = tree.node(id);
    bool has_reward = n.outcome != Outcome::kNone;
    double q_soft =
        n.terminal && has_reward ? n.reward : soft_clip(n.q, options.eps_q, options.q_max);
    nodes.push_back({{"id", id},
                     {"parent", id_or_null(n.parent)},
                     {"depth", n.depth},
                     {"text", std::string(tree.text(id))},
                     {"tokens", n.token_count},
                     {"visits", n.visits},
                     {"q", n.q},
                     {"q_soft", q_soft},
                     {"nll", n.nll},
                     {"terminal", n.terminal},
                     {"reward", has_reward ? json(n.reward) : json(nullptr)},
                     {"outcome", outcome_name(n.outcome)},
                     {"finish", id == 0 ? json(nullptr) : json(finish_reason_name(n.finish))},
                     {"backed_up", n.backed_up}});
  }
  json events = json::array();
  for (const auto& e : result.events) events.push_back(event_to_json(e));
  json fills = json::array();
  for (const auto& e : result.fills) fills.push_back(event_to_json(e));
  json trajectories = json::array();
  for (const auto& t : result.trajectories)
    trajectories.push_back({{"terminal", t.terminal_node},
                            {"nodes", t.node_ids},
                            {"node_q", t.node_q},
                            {"reward", t.reward},
                            {"correct", t.correct},
                            {"outcome", outcome_name(t.outcome)},
                            {"path_nll", t.path_nll},
                            {"tokens", t.tokens.size()},
                            {"from_fill", t.from_fill}});
  const SearchStats& s = result.stats;
  json stats = {{"iterations", s.iterations},
                {"generated_tokens", s.generated_tokens},
                {"prefill_tokens", s.prefill_tokens},
                {"seconds", s.seconds},
                {"correct_found", s.correct_found},
                {"nodes", s.nodes},
                {"terminals_found", s.terminals_found},
                {"backed_up", s.backed_up},
                {"filled", s.filled},
                {"stop_reason", s.stop_reason},
                {"policy_seconds", s.policy_seconds},
                {"bookkeeping_seconds", s.bookkeeping_seconds},
                {"reward_seconds", s.reward_seconds}};
  return {{"problem", problem.question},
          {"answer", problem.answer},
          {"id", problem.id},
          {"params", options_to_json(options)},
          {"nodes", std::move(nodes)},
          {"events", std::move(events)},
          {"fills", std::move(fills)},
          {"trajectories", std::move(trajectories)},
          {"stats", std::move(stats)}};
}

void export_tree(const std::string& path, const SearchResult& result, const SearchProblem& problem,
                 const SearchOptions& options, int indent) {
  json j = tree_to_json(result, problem, options);
  atomic_write_file(path, j.dump(indent, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace ds::search
