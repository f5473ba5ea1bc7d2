// Tree storage (see tree.h).
#include "search/tree.h"

#include <algorithm>
#include <limits>

#include "core/errors.h"

namespace ds::search {

int32_t Tree::reset(StateId root_state) {
  nodes_.clear();
  tokens_.clear();
  logprobs_.clear();
  text_.clear();
  Node root;
  root.state = root_state;
  nodes_.push_back(root);
  return 0;
}

int32_t Tree::add_child(int32_t parent, const Chunk& chunk) {
  DS_CHECK(parent >= 0 && parent < size(), "add_child: bad parent id");
  DS_CHECK(chunk.logprobs.size() == chunk.tokens.size(),
           "policy returned a chunk whose log-probs do not match its tokens");
  DS_CHECK(tokens_.size() + chunk.tokens.size() < std::numeric_limits<uint32_t>::max() &&
               text_.size() + chunk.text.size() < std::numeric_limits<uint32_t>::max(),
           "tree arenas exceed 4G entries");
  DS_CHECK(nodes_.size() < static_cast<size_t>(std::numeric_limits<int32_t>::max()),
           "too many nodes");
  Node n;
  n.state = chunk.state;
  n.parent = parent;
  n.depth = static_cast<int16_t>(node(parent).depth + 1);
  n.token_begin = static_cast<uint32_t>(tokens_.size());
  n.token_count = static_cast<uint32_t>(chunk.tokens.size());
  n.text_begin = static_cast<uint32_t>(text_.size());
  n.text_size = static_cast<uint32_t>(chunk.text.size());
  n.nll = static_cast<float>(chunk.mean_nll);
  n.finish = chunk.finish;
  tokens_.insert(tokens_.end(), chunk.tokens.begin(), chunk.tokens.end());
  logprobs_.insert(logprobs_.end(), chunk.logprobs.begin(), chunk.logprobs.end());
  text_ += chunk.text;

  int32_t id = size();
  nodes_.push_back(n);
  Node& p = node(parent);
  if (p.last_child == kNoNode)
    p.first_child = id;
  else
    node(p.last_child).next_sibling = id;
  p.last_child = id;
  ++p.num_children;
  return id;
}

std::span<const int32_t> Tree::tokens(int32_t id) const {
  const Node& n = node(id);
  return {tokens_.data() + n.token_begin, n.token_count};
}

std::span<const float> Tree::logprobs(int32_t id) const {
  const Node& n = node(id);
  return {logprobs_.data() + n.token_begin, n.token_count};
}

std::string_view Tree::text(int32_t id) const {
  const Node& n = node(id);
  return std::string_view(text_).substr(n.text_begin, n.text_size);
}

void Tree::path(int32_t id, std::vector<int32_t>& out) const {
  out.clear();
  for (int32_t x = id; x != kNoNode; x = node(x).parent) out.push_back(x);
  std::reverse(out.begin(), out.end());
}

std::string Tree::response(int32_t id) const {
  size_t total = 0;
  for (int32_t x = id; x != kNoNode; x = node(x).parent) total += node(x).text_size;
  std::string out(total, '\0');
  // Fill from the back: the walk goes leaf to root.
  size_t end = total;
  for (int32_t x = id; x != kNoNode; x = node(x).parent) {
    std::string_view t = text(x);
    end -= t.size();
    std::copy(t.begin(), t.end(), out.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return out;
}

double Tree::path_mean_nll(int32_t id) const {
  double sum = 0.0;
  int64_t count = 0;
  for (int32_t x = id; x != kNoNode; x = node(x).parent) {
    sum += static_cast<double>(node(x).nll) * node(x).token_count;
    count += node(x).token_count;
  }
  return count > 0 ? sum / static_cast<double>(count) : 0.0;
}

}  // namespace ds::search
