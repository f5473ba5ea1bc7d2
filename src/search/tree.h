// Owns the storage of one search tree: a vector of small Node records (ids are indices, root = 0,
// in creation order) plus arenas for token ids, sampling log-probs and chunk text, and path
// helpers (root-to-node path, response text, mean NLL over a path). No search policy here: the
// algorithm lives in tree_search.h. Thread-safety: not synchronized; one owner.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "search/node.h"
#include "search/policy.h"

namespace ds::search {

class Tree {
 public:
  // Clears the tree and adds the root (depth 0, no tokens) holding the prompt's state.
  int32_t reset(StateId root_state);
  // Appends a child of `parent` made from `chunk` (tokens, log-probs and text are copied).
  int32_t add_child(int32_t parent, const Chunk& chunk);

  int32_t size() const { return static_cast<int32_t>(nodes_.size()); }
  const Node& node(int32_t id) const { return nodes_[static_cast<size_t>(id)]; }
  Node& node(int32_t id) { return nodes_[static_cast<size_t>(id)]; }
  const std::vector<Node>& nodes() const { return nodes_; }

  std::span<const int32_t> tokens(int32_t id) const;
  std::span<const float> logprobs(int32_t id) const;
  std::string_view text(int32_t id) const;

  // Node ids from the root to `id` (both included).
  void path(int32_t id, std::vector<int32_t>& out) const;
  // Concatenated chunk texts from the root to `id`: the full response.
  std::string response(int32_t id) const;
  // Mean token NLL over every token of the root-to-`id` path (token-weighted).
  double path_mean_nll(int32_t id) const;
  // Tokens generated in the whole tree.
  int64_t generated_tokens() const { return static_cast<int64_t>(tokens_.size()); }

  // Calls fn(child_id) for each child of `id`, in creation order.
  template <class F>
  void for_each_child(int32_t id, F&& fn) const {
    for (int32_t c = node(id).first_child; c != kNoNode; c = node(c).next_sibling) fn(c);
  }

 private:
  std::vector<Node> nodes_;
  std::vector<int32_t> tokens_;
  std::vector<float> logprobs_;
  std::string text_;
};

}  // namespace ds::search
