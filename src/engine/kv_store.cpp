// Tree-structured K/V store: bookkeeping, reference counting, pins and LRU eviction (kv_store.h).
#include "engine/kv_store.h"

#include <algorithm>
#include <string>

#include "core/errors.h"

namespace ds::engine {

KvStore::Node& KvStore::node(StateId id) {
  auto it = nodes_.find(id);
  DS_CHECK(it != nodes_.end(), "unknown engine state " + std::to_string(id));
  return it->second;
}

const KvStore::Node& KvStore::node(StateId id) const {
  auto it = nodes_.find(id);
  DS_CHECK(it != nodes_.end(), "unknown engine state " + std::to_string(id));
  return it->second;
}

StateId KvStore::insert(Node n) {
  DS_CHECK(next_id_ != kNoState, "engine state ids exhausted");
  StateId id = next_id_++;
  n.last_use = ++tick_;
  nodes_.emplace(id, std::move(n));
  return id;
}

StateId KvStore::create_root(std::vector<int32_t> tokens) {
  DS_CHECK(!tokens.empty(), "a root state needs at least one token");
  Node n;
  n.length = static_cast<int64_t>(tokens.size());
  n.last_token = tokens.back();
  n.tokens = std::move(tokens);
  return insert(std::move(n));
}

StateId KvStore::create_child(StateId parent, std::vector<int32_t> tokens, torch::Tensor kv) {
  Node& p = node(parent);
  Node n;
  n.parent = parent;
  n.length = p.length + static_cast<int64_t>(tokens.size());
  n.last_token = tokens.empty() ? p.last_token : tokens.back();
  n.tokens = std::move(tokens);
  ++p.children;
  StateId id = insert(std::move(n));
  if (kv.defined()) set_kv(id, std::move(kv));
  return id;
}

void KvStore::release(StateId id) {
  Node& n = node(id);
  DS_CHECK(n.handle, "engine state " + std::to_string(id) + " released twice");
  while (n.pins > 0) unpin(id);
  n.handle = false;
  maybe_delete(id);
}

void KvStore::maybe_delete(StateId id) {
  while (id != kNoState) {
    auto it = nodes_.find(id);
    DS_CHECK(it != nodes_.end(), "dangling engine state");
    Node& n = it->second;
    if (n.handle || n.children > 0) return;
    DS_CHECK(n.protect == 0, "deleting a protected engine state");
    if (n.kv.defined()) drop_kv(id, n);
    StateId parent = n.parent;
    nodes_.erase(it);
    if (parent == kNoState) return;
    --node(parent).children;
    id = parent;
  }
}

void KvStore::pin(StateId id) {
  ++node(id).pins;
  for (StateId s = id; s != kNoState; s = node(s).parent) ++node(s).protect;
}

void KvStore::unpin(StateId id) {
  Node& n = node(id);
  DS_CHECK(n.pins > 0, "unpin of an engine state that is not pinned");
  --n.pins;
  for (StateId s = id; s != kNoState; s = node(s).parent) --node(s).protect;
}

int64_t KvStore::kv_begin(StateId id) const {
  const Node& n = node(id);
  return n.parent == kNoState ? 0 : node(n.parent).length - 1;
}

std::vector<StateId> KvStore::path(StateId id) const {
  std::vector<StateId> p;
  for (StateId s = id; s != kNoState; s = node(s).parent) p.push_back(s);
  std::reverse(p.begin(), p.end());
  return p;
}

std::vector<int32_t> KvStore::path_tokens(StateId id) const {
  std::vector<int32_t> out;
  out.reserve(static_cast<size_t>(length(id)));
  for (StateId s : path(id)) {
    const auto& t = node(s).tokens;
    out.insert(out.end(), t.begin(), t.end());
  }
  return out;
}

bool KvStore::has_kv(StateId id) const {
  return kv_len(id) == 0 || node(id).kv.defined();
}

bool KvStore::path_has_kv(StateId id) const {
  for (StateId s = id; s != kNoState; s = node(s).parent)
    if (!has_kv(s)) return false;
  return true;
}

const torch::Tensor& KvStore::kv(StateId id) const {
  const Node& n = node(id);
  DS_CHECK(n.kv.defined(), "K/V of engine state " + std::to_string(id) + " is not present");
  return n.kv;
}

void KvStore::set_kv(StateId id, torch::Tensor kv) {
  Node& n = node(id);
  int64_t len = kv_len(id);
  DS_CHECK(kv.dim() == 5 && kv.size(1) == 2 && kv.size(3) == len,
           "K/V of engine state " + std::to_string(id) + " must be (layers, 2, heads, " +
               std::to_string(len) + ", head_dim)");
  if (len == 0) return;  // nothing to keep
  if (n.kv.defined()) drop_kv(id, n);
  n.bytes = static_cast<int64_t>(kv.numel()) * static_cast<int64_t>(kv.element_size());
  n.kv = std::move(kv);
  n.evicted = false;
  n.last_use = ++tick_;
  lru_.emplace(n.last_use, id);
  bytes_ += n.bytes;
  peak_bytes_ = std::max(peak_bytes_, bytes_);
}

void KvStore::drop_kv(StateId id, Node& n) {
  lru_.erase({n.last_use, id});
  bytes_ -= n.bytes;
  n.bytes = 0;
  n.kv = torch::Tensor();
}

void KvStore::drop_all_kv() {
  for (auto& [id, n] : nodes_) {
    if (n.kv.defined()) drop_kv(id, n);
    n.evicted = false;
  }
}

void KvStore::touch_path(StateId id) {
  // Walks leaf -> root so ancestors get newer ticks than descendants: under LRU a deep chunk is
  // evicted before the shared prefix that many other states also need.
  for (StateId s = id; s != kNoState; s = node(s).parent) {
    Node& n = node(s);
    if (n.kv.defined()) lru_.erase({n.last_use, s});
    n.last_use = ++tick_;
    if (n.kv.defined()) lru_.emplace(n.last_use, s);
  }
}

void KvStore::enforce_budget() {
  auto it = lru_.begin();
  while (bytes_ > budget_bytes_ && it != lru_.end()) {
    StateId id = it->second;
    Node& n = node(id);
    if (n.protect > 0) {
      ++it;
      continue;
    }
    ++it;  // drop_kv erases the current entry
    ++evicted_chunks_;
    evicted_bytes_ += n.bytes;
    drop_kv(id, n);
    n.evicted = true;
  }
}

}  // namespace ds::engine
